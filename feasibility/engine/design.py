"""Design normalisation (DESIGN_VALID) and the client's cut values (CUT_VALID)."""

from __future__ import annotations

from dataclasses import dataclass

from feasibility import geometry
from feasibility.engine.checks_outline import normalise_outline
from feasibility.engine.common import Check, fmt, id_text, num, read_numbers
from feasibility.engine.tables import (
    CUT_BOUNDS,
    CUT_KEYS,
    DESIGN_DEFAULTS,
    FRET_BOARD_MIN_WIDTH_MM,
    FRET_FAN_MAX_RATIO,
    FRET_MULTISCALE_KEYS,
    FRET_OPTIONAL_KEYS,
    FRET_PERPENDICULAR_DEFAULT,
    FRET_RADIUS_MIN_MM,
    FRET_SCALE_RANGE_MM,
    FRET_SLOT_MAX_ANGLE_DEG,
    FRET_TAPER_DEFAULTS,
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

    if shape == Shape.OUTLINE:
        return DesignResult(*normalise_outline(raw))

    invalid: list[str] = []
    wanted = (*SHAPE_DIMENSIONS[shape], "x", "y", "stock_thickness")
    defaults = {**ORIGIN_DEFAULTS, **DESIGN_DEFAULTS[shape]}
    if shape == Shape.FRET_SLOTS:
        wanted, defaults = _fret_board_keys(raw, defaults, invalid)
    # The ring's width is resolved below from whichever of width and inner_d is given.
    given = [key for key in wanted if not (shape == Shape.RING and key in ("inner_d", "width"))]
    values, missing, unreadable, defaults_used = read_numbers(raw, given, defaults)

    if shape == Shape.RING:
        _resolve_ring_width(raw, values, unreadable, invalid, defaults_used)

    for key, value in values.items():
        if abs(value) > MAX_DIMENSION_MM and key != "angle":
            invalid.append(f"{key} {fmt(value)} mm is beyond {fmt(MAX_DIMENSION_MM)} mm")
        elif key == "perpendicular_fret":
            continue  # 0 is the nut; checked against the fret count below
        elif key not in SIGNED_KEYS and value < MIN_DIMENSION_MM:
            invalid.append(f"{key} must be at least {fmt(MIN_DIMENSION_MM)} mm (got {fmt(value)})")
    if "frets" in values:
        frets = values["frets"]
        if frets != int(frets) or not 1 <= frets <= MAX_FRETS:
            invalid.append(f"frets must be a whole number from 1 to {MAX_FRETS} (got {fmt(frets)})")

    if shape == Shape.FRET_SLOTS and not (missing or unreadable or invalid):
        invalid.extend(_fret_board_problems(values))

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


def _given(raw: dict, key: str) -> bool:
    return key in raw and raw[key] is not None


def _fret_board_keys(raw: dict, defaults: dict, invalid: list[str]) -> tuple[tuple[str, ...], dict]:
    """The dimensions a fret board keeps: a plain board keeps exactly the four of SHAPE_DIMENSIONS (so its
    design, verdict and hashes are what they always were); a multiscale board its two scales and perpendicular
    fret instead of scale_length; the taper and radius when given (docs/feasibility.md, "Fret boards")."""
    multiscale = any(_given(raw, key) for key in FRET_MULTISCALE_KEYS[:2])
    if multiscale and _given(raw, "scale_length"):
        invalid.append("give either scale_length (one scale) or scale_length_bass and scale_length_treble, not both")
    if not multiscale and _given(raw, "perpendicular_fret"):
        invalid.append("perpendicular_fret applies to a multiscale board (scale_length_bass, scale_length_treble)")
    if _given(raw, "radius_end") and not _given(raw, "radius"):
        invalid.append("radius_end (the radius at the last fret) needs radius (the radius at the nut)")
    scales = FRET_MULTISCALE_KEYS if multiscale else ("scale_length",)
    tapered = multiscale or _given(raw, "nut_width")
    optional = tuple(key for key in FRET_OPTIONAL_KEYS if _given(raw, key))
    if multiscale and "nut_width" not in optional:
        optional = ("nut_width", *optional)
    wanted = (*scales, "frets", "board_width", "depth", *optional, "x", "y", "stock_thickness")
    if tapered:
        defaults = {**defaults, **FRET_TAPER_DEFAULTS}
    if multiscale:
        defaults = {**defaults, "perpendicular_fret": FRET_PERPENDICULAR_DEFAULT}
    return wanted, defaults


def _fret_board_problems(values: dict[str, float]) -> list[str]:
    """What makes a fret board no fret board at all: absurd scales or fan, a perpendicular fret off the board,
    a radius smaller than the board, slots turned further than FRET_SLOT_MAX_ANGLE_DEG."""
    problems = []
    low, high = FRET_SCALE_RANGE_MM
    scales = [key for key in ("scale_length", "scale_length_bass", "scale_length_treble") if key in values]
    for key in scales:
        if not low <= values[key] <= high:
            problems.append(f"{key} must be from {fmt(low)} to {fmt(high)} mm (got {fmt(values[key])})")
    if "scale_length_bass" in values:
        longer = max(values["scale_length_bass"], values["scale_length_treble"])
        shorter = min(values["scale_length_bass"], values["scale_length_treble"])
        if longer > FRET_FAN_MAX_RATIO * shorter:
            problems.append(f"the longer scale is more than {fmt(FRET_FAN_MAX_RATIO)} times the shorter")
        perpendicular = values["perpendicular_fret"]
        if not 0 <= perpendicular <= values["frets"]:
            problems.append(f"perpendicular_fret must be from 0 (the nut) to frets {fmt(values['frets'])}")
    for key in ("nut_width", "board_width"):
        if key in values and "nut_width" in values and values[key] < FRET_BOARD_MIN_WIDTH_MM:
            problems.append(f"{key} must be at least {fmt(FRET_BOARD_MIN_WIDTH_MM)} mm (got {fmt(values[key])})")
    for key in ("radius", "radius_end"):
        if key in values and values[key] < FRET_RADIUS_MIN_MM:
            problems.append(f"{key} must be at least {fmt(FRET_RADIUS_MIN_MM)} mm (got {fmt(values[key])})")
    if problems:
        return problems
    board = geometry.FretBoard.of({**values, "frets": int(values["frets"])})
    half = max(board.half_width(geometry.fret_fraction(fret)) for fret in (0, board.frets))
    spread = abs(board.half_width(1.0) - board.half_width(0.0))
    if spread >= min(board.scale_bass, board.scale_treble):
        problems.append("the board widens more than its length: nut_width and board_width cannot both be right")
        return problems
    for key in ("radius", "radius_end"):
        if key in values and values[key] <= half:
            problems.append(f"{key} {fmt(values[key])} mm is smaller than half the board's width ({fmt(half)} mm)")
    angle = max(abs(board.slot_angle(fret)) for fret in range(1, board.frets + 1))
    if angle > FRET_SLOT_MAX_ANGLE_DEG:
        problems.append(f"slots turn up to {fmt(angle)} deg from square (at most {fmt(FRET_SLOT_MAX_ANGLE_DEG)})")
    return problems


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
