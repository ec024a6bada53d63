"""Numbers, checks and grading shared by every part of the engine."""

from __future__ import annotations

import math
from dataclasses import dataclass

from feasibility.enums import CheckStatus


def num(value: object) -> float | None:
    """A finite float, or None for anything else (bools, strings, huge ints, infinities)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        result = float(value)
    except OverflowError:
        return None
    return result if math.isfinite(result) else None


def finite(value: float) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def out(value: float | None, digits: int) -> float | None:
    """A JSON-safe rounded number: never NaN or Infinity."""
    if value is None or not finite(value):
        return None
    return round(float(value), digits) + 0.0


def fmt(value: float) -> str:
    """Compact, deterministic number text for messages."""
    if not finite(value):
        return str(value)
    if abs(value) < 1e15 and value == int(value):
        return str(int(value))
    digits = 1 if abs(value) >= 100 else 3 if abs(value) >= 1 else 4
    return f"{value:.{digits}f}".rstrip("0").rstrip(".")


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else math.inf


def clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def floor_to(value: float, step: float) -> float:
    """Round down to a multiple of step; values smaller than one step are kept as they are."""
    # The epsilon keeps 0.9 / 0.01 = 89.99999... from flooring to 0.89.
    floored = math.floor(value / step + 1e-9) * step
    return round(floored, 6) if floored > 0 else value


def read_numbers(raw: dict, keys, defaults: dict) -> tuple[dict[str, float], list[str], list[str], list[str]]:
    """A design's numeric ``keys`` as given, else their documented default: (values, missing, unreadable,
    defaults used). A key absent or null with no default is missing; one that is no finite number unreadable."""
    values: dict[str, float] = {}
    missing: list[str] = []
    unreadable: list[str] = []
    defaults_used: list[str] = []
    for key in keys:
        if key not in raw or raw[key] is None:
            if key in defaults:
                values[key] = float(defaults[key])
                defaults_used.append(key)
            else:
                missing.append(key)
            continue
        value = num(raw[key])
        if value is None:
            unreadable.append(key)
        else:
            values[key] = value
    return values, missing, unreadable, defaults_used


def id_text(value: object) -> str:
    return value if isinstance(value, str) else repr(value)[:80]


@dataclass(frozen=True)
class Check:
    """One judged quantity. ``unit`` names the unit of ``value`` and ``limit``; ``suggestions`` propose, for a
    check that does not pass, the nearest change that would pass it."""

    code: str
    status: CheckStatus
    message: str
    value: float | str | None = None
    limit: float | str | None = None
    severity: float = 0.0  # 0..1 within the warn band; feeds the score, not the output
    unit: str | None = None
    suggestions: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        value = self.value if isinstance(self.value, str) or self.value is None else out(self.value, 4)
        limit = self.limit if isinstance(self.limit, str) or self.limit is None else out(self.limit, 4)
        return {
            "code": self.code,
            "status": self.status.value,
            "message": self.message,
            "value": value,
            "limit": limit,
            "unit": self.unit,
            "suggestions": list(self.suggestions) if self.status != CheckStatus.PASS else [],
        }


def grade_max(value: float, warn_above: float, fail_above: float) -> tuple[CheckStatus, float]:
    """Higher is worse. Non-finite values fail: the engine fails closed."""
    if not finite(value) or value > fail_above:
        return CheckStatus.FAIL, 1.0
    if value > warn_above:
        return CheckStatus.WARN, clamp(ratio(value - warn_above, fail_above - warn_above), 0.0, 1.0)
    return CheckStatus.PASS, 0.0


def grade_min(value: float, warn_below: float, fail_below: float) -> tuple[CheckStatus, float]:
    """Lower is worse."""
    if not finite(value) or value < fail_below:
        return CheckStatus.FAIL, 1.0
    if value < warn_below:
        return CheckStatus.WARN, clamp(ratio(warn_below - value, warn_below - fail_below), 0.0, 1.0)
    return CheckStatus.PASS, 0.0


def grade_soft_band(value: float, low: float, high: float) -> tuple[CheckStatus, float]:
    """Outside the band is a warning whose severity grows with the relative distance (1 at 2x or 0)."""
    if not finite(value):
        return CheckStatus.FAIL, 1.0
    if value > high:
        return CheckStatus.WARN, clamp(value / high - 1.0, 0.0, 1.0)
    if value < low:
        return CheckStatus.WARN, clamp(1.0 - value / low, 0.0, 1.0)
    return CheckStatus.PASS, 0.0


STATUS_RANK = {CheckStatus.PASS: 0, CheckStatus.WARN: 1, CheckStatus.FAIL: 2, CheckStatus.UNKNOWN: 3}
