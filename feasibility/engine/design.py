"""Design normalisation (DESIGN_VALID) and the client's cut values (CUT_VALID)."""

from __future__ import annotations

from dataclasses import dataclass

from feasibility.engine.common import Check, fmt, id_text, num
from feasibility.engine.tables import (
    CUT_BOUNDS,
    CUT_KEYS,
    DESIGN_DEFAULTS,
    MAX_DIMENSION_MM,
    MAX_FRETS,
    MIN_DIMENSION_MM,
    ORIGIN_DEFAULTS,
    RING_WIDTH_TOLERANCE_MM,
    SHAPE_DIMENSIONS,
    SIGNED_KEYS,
)
from feasibility.enums import CheckStatus, Shape


@dataclass(frozen=True)
class DesignResult:
    design: dict | None
    check: Check
    defaults_applied: tuple[str, ...]


def normalise_design(raw: object) -> DesignResult:
    code = "DESIGN_VALID"
    if raw is None:
        suggestion = f"a design of shape {', '.join(s.value for s in Shape)}"
        return DesignResult(None, Check(code, CheckStatus.UNKNOWN, "no design given", suggestions=(suggestion,)), ())
    if not isinstance(raw, dict):
        check = Check(code, CheckStatus.UNKNOWN, "design is not an object", suggestions=("a design object",))
        return DesignResult(None, check, ())
    try:
        shape = Shape(raw.get("shape"))
    except ValueError:
        shown = id_text(raw.get("shape"))
        message = f"unsupported design shape {shown!r}; supported: {', '.join(s.value for s in Shape)}"
        suggestions = tuple(f"shape {s.value}" for s in Shape)
        return DesignResult(None, Check(code, CheckStatus.UNKNOWN, message, shown, suggestions=suggestions), ())

    missing: list[str] = []
    unreadable: list[str] = []
    invalid: list[str] = []
    defaults_used: list[str] = []
    values: dict[str, float] = {}
    wanted = (*SHAPE_DIMENSIONS[shape], "x", "y", "stock_thickness")
    defaults = {**ORIGIN_DEFAULTS, **DESIGN_DEFAULTS[shape]}
    for key in wanted:
        if key in ("inner_d", "width") and shape == Shape.RING:
            continue  # the ring's width is resolved below from whichever of the two is given
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

    if shape == Shape.RING:
        _resolve_ring_width(raw, values, unreadable, invalid, defaults_used)

    for key, value in values.items():
        if abs(value) > MAX_DIMENSION_MM and key != "angle":
            invalid.append(f"{key} {fmt(value)} mm is beyond {fmt(MAX_DIMENSION_MM)} mm")
        elif key not in SIGNED_KEYS and value < MIN_DIMENSION_MM:
            invalid.append(f"{key} must be at least {fmt(MIN_DIMENSION_MM)} mm (got {fmt(value)})")
    if "frets" in values:
        frets = values["frets"]
        if frets != int(frets) or not 1 <= frets <= MAX_FRETS:
            invalid.append(f"frets must be a whole number from 1 to {MAX_FRETS} (got {fmt(frets)})")

    if missing or unreadable:
        parts = []
        if missing:
            parts.append(f"missing {', '.join(missing)} (no default exists)")
        if unreadable:
            parts.append(f"unreadable {', '.join(unreadable)}")
        message = f"{shape.value} design cannot be judged: {'; '.join(parts)}"
        suggestions = tuple(f"give {key} as a number in mm" for key in (*missing, *unreadable))
        return DesignResult(None, Check(code, CheckStatus.UNKNOWN, message, shape.value, suggestions=suggestions), ())
    if invalid:
        message = f"{shape.value} design is invalid: {'; '.join(invalid)}"
        suggestions = tuple(f"fix: {problem}" for problem in invalid)
        check = Check(code, CheckStatus.FAIL, message, shape.value, severity=1.0, suggestions=suggestions)
        return DesignResult(None, check, ())

    design: dict = {"shape": shape.value}
    for key in wanted:
        design[key] = values[key]
    if shape == Shape.FRET_SLOTS:
        design["frets"] = int(values["frets"])
    if shape == Shape.SLOT:
        design["angle"] = values["angle"] % 360.0
    ignored = sorted(str(key) for key in raw if key not in design)
    notes = [f"{shape.value} design complete"]
    if defaults_used:
        shown = ", ".join(f"{key}={fmt(design[key])}" for key in wanted if key in defaults_used)
        notes.append(f"documented defaults applied: {shown}")
    if ignored:
        notes.append(f"ignored keys: {', '.join(ignored)}")
    check = Check(code, CheckStatus.PASS, "; ".join(notes), shape.value)
    return DesignResult(design, check, tuple(key for key in wanted if key in defaults_used))


def _resolve_ring_width(
    raw: dict, values: dict[str, float], unreadable: list[str], invalid: list[str], defaults_used: list[str]
) -> None:
    """Fills both width and inner_d of a ring from whichever is given (or the default width)."""
    od = values.get("od")
    given: dict[str, float] = {}
    for key in ("width", "inner_d"):
        if key in raw and raw[key] is not None:
            value = num(raw[key])
            if value is None:
                unreadable.append(key)
            else:
                given[key] = value
    if od is None or unreadable:
        return
    if "width" in given and "inner_d" in given:
        width, inner_d = given["width"], given["inner_d"]
        if abs((od - inner_d) / 2 - width) > RING_WIDTH_TOLERANCE_MM:
            invalid.append(f"width {fmt(width)} does not match (od - inner_d) / 2 = {fmt((od - inner_d) / 2)}")
    elif "inner_d" in given:
        inner_d = given["inner_d"]
        width = (od - inner_d) / 2
    else:
        width = given.get("width", float(DESIGN_DEFAULTS[Shape.RING]["width"]))
        if "width" not in given:
            defaults_used.append("width")
        inner_d = od - 2 * width
    values["width"] = width
    values["inner_d"] = inner_d


# ----------------------------------------------------------------------------------------------------------
# Client cut values (CUT_VALID)
# ----------------------------------------------------------------------------------------------------------


def read_client_cut(raw: object) -> tuple[dict[str, float] | None, Check]:
    code = "CUT_VALID"
    if raw is None:
        return {}, Check(code, CheckStatus.PASS, "no client cut values; all resolved from the registry", "none")
    if not isinstance(raw, dict):
        suggestion = f"a cut object with any of {', '.join(CUT_KEYS)}"
        return None, Check(code, CheckStatus.FAIL, "cut is not an object", severity=1.0, suggestions=(suggestion,))
    values: dict[str, float] = {}
    problems: list[str] = []
    for key in CUT_KEYS:
        if key not in raw or raw[key] is None:
            continue
        value = num(raw[key])
        low, high = CUT_BOUNDS[key]
        if value is None or not low <= value <= high:
            problems.append(f"{key} must be a number from {fmt(low)} to {fmt(high)}")
        else:
            values[key] = value
    given = ", ".join(key for key in CUT_KEYS if raw.get(key) is not None) or "none"
    if problems:
        suggestions = (*problems, "or leave them out: the registry resolves every cut value")
        return None, Check(code, CheckStatus.FAIL, "; ".join(problems), given, severity=1.0, suggestions=suggestions)
    notes = [f"client cut values to judge: {given}" if values else "no client cut values; all from the registry"]
    ignored = sorted(str(key) for key in raw if key not in CUT_KEYS)
    if ignored:
        notes.append(f"ignored keys: {', '.join(ignored)}")
    return values, Check(code, CheckStatus.PASS, "; ".join(notes), given)
