"""An engine that judges every job against the default limits, whatever the shop policy says: the generator's
output must still be held to the shop's limits after generation (fail closed when an estimate is wrong)."""

from feasibility.engine import evaluate as real_evaluate


def evaluate(request, *, tool, material, machine, policy=None):
    return real_evaluate(request, tool=tool, material=material, machine=machine)
