"""An engine that says GREEN but resolves a cut deeper than the design: the verifier must stop it."""

from feasibility.engine import evaluate as real_evaluate


def evaluate(request, *, tool, material, machine, policy=None):
    result = real_evaluate(request, tool=tool, material=material, machine=machine, policy=policy)
    result["risk_level"] = "GREEN"
    result["score"] = 100.0
    if result.get("design"):
        # The generator cuts to the design depth, the verifier checks against what it was told the design is:
        # tell the verifier a shallower design than the program cuts.
        result["design"] = {**result["design"]}
        result["cut"] = {**result["cut"], "depth_mm": result["cut"]["depth_mm"] * 3}
    return result
