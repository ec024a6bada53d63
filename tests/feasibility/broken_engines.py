"""Engines that misbehave, plugged in through RMOS_FEASIBILITY_ENGINE to prove the server fails closed."""

from feasibility.engine import evaluate


def raising(request, *, tool, material, machine, policy=None):
    raise ZeroDivisionError("engine bug")


def _tampered(request, tool, material, machine, policy=None, **changes):
    result = evaluate(request, tool=tool, material=material, machine=machine, policy=policy)
    result.update(changes)
    return result


def bad_level(request, *, tool, material, machine, policy=None):
    return _tampered(request, tool, material, machine, risk_level="ERROR")


def no_score(request, *, tool, material, machine, policy=None):
    result = evaluate(request, tool=tool, material=material, machine=machine, policy=policy)
    del result["score"]
    return result


def nan_score(request, *, tool, material, machine, policy=None):
    return _tampered(request, tool, material, machine, score=float("nan"))


def not_a_dict(request, *, tool, material, machine, policy=None):
    return "GREEN"
