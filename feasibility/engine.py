"""The feasibility engine: decides from plain registry data whether a cut is safe.

Pure and deterministic: no Django, no I/O, no clock, no randomness. It never raises on well-typed input;
bad geometry or registry data becomes a ``fail`` or ``unknown`` check, so the caller can always fail closed.
Every formula, band and threshold below is explained, with its source, in docs/feasibility.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from feasibility.enums import CheckStatus, MaterialClass, RiskLevel, Shape, ToolKind, ValueSource

ENGINE_VERSION = "rmos-engine/1.0.0"

# ----------------------------------------------------------------------------------------------------------
# Tables
# ----------------------------------------------------------------------------------------------------------

# The order checks are reported in; the first non-passing one in this order becomes the block reason.
CHECK_ORDER: tuple[str, ...] = (
    "TOOL_KNOWN",
    "MATERIAL_KNOWN",
    "MACHINE_KNOWN",
    "DESIGN_VALID",
    "TOOL_SHAPE_COMPATIBLE",
    "CUT_VALID",
    "RPM_TOOL_MAX",
    "RPM_MACHINE_RANGE",
    "SURFACE_SPEED",
    "CHIP_LOAD",
    "HEAT_RISK",
    "FEED_XY",
    "FEED_Z",
    "DEPTH_PER_PASS",
    "STEPOVER",
    "TOOL_REACH",
    "STOCK_THICKNESS",
    "WORK_ENVELOPE",
    "FEATURE_WIDTH",
    "DEFLECTION",
    "SPINDLE_POWER",
)

# Dimensions a shape keeps in its normalised form (docs/interfaces.md), in output order.
SHAPE_DIMENSIONS: dict[Shape, tuple[str, ...]] = {
    Shape.RING: ("od", "inner_d", "width", "depth"),
    Shape.SLOT: ("length", "depth", "angle"),
    Shape.FRET_SLOTS: ("scale_length", "frets", "board_width", "depth"),
    Shape.POCKET_CIRCLE: ("d", "depth"),
    Shape.POCKET_RECT: ("w", "h", "depth"),
}

# Documented defaults for omitted dimensions. Where none is sensible (a pocket's size and depth, a slot's
# length, a scale length, a ring's outside diameter) the dimension is required. Stock defaults are thin on
# purpose: an unstated stock makes a deep cut fail rather than pass.
DESIGN_DEFAULTS: dict[Shape, dict[str, float | int]] = {
    # A steel-string rosette channel: 6 mm wide, 1.5 mm deep in a 3 mm soundboard.
    Shape.RING: {"width": 6.0, "depth": 1.5, "stock_thickness": 3.0},
    Shape.SLOT: {"depth": 3.0, "angle": 0.0, "stock_thickness": 6.0},
    # 22 frets (the common electric count), slotted 3 mm deep across a 70 mm x 1/4 in fingerboard blank
    # before it is tapered.
    Shape.FRET_SLOTS: {"frets": 22, "board_width": 70.0, "depth": 3.0, "stock_thickness": 6.35},
    Shape.POCKET_CIRCLE: {"stock_thickness": 6.0},
    Shape.POCKET_RECT: {"stock_thickness": 6.0},
}
ORIGIN_DEFAULTS: dict[str, float] = {"x": 0.0, "y": 0.0}
# Keys that may be zero or negative (positions and angles); every other one must be >= MIN_DIMENSION_MM.
SIGNED_KEYS = frozenset({"x", "y", "angle"})
RING_WIDTH_TOLERANCE_MM = 0.01
MAX_DIMENSION_MM = 10_000.0  # nothing in a lutherie shop is bigger; keeps every product finite
MIN_DIMENSION_MM = 0.01  # finer than any router can resolve
MAX_FRETS = 36

# Plausibility bounds for client cut values; outside them the request is not a cut at all (CUT_VALID).
CUT_KEYS: tuple[str, ...] = ("rpm", "feed_mm_min", "plunge_mm_min", "stepdown_mm", "stepover_mm")
CUT_BOUNDS: dict[str, tuple[float, float]] = {
    "rpm": (1.0, 1_000_000.0),
    "feed_mm_min": (1.0, 1_000_000.0),
    "plunge_mm_min": (1.0, 1_000_000.0),
    "stepdown_mm": (0.001, MAX_DIMENSION_MM),
    "stepover_mm": (0.001, MAX_DIMENSION_MM),
}

# Chip-load bands in the registry are for a typical hardwood; harder woods take thinner chips.
# factor = clamp(sqrt(REFERENCE_JANKA / janka), *HARDNESS_FACTOR_RANGE); plastics use a class factor.
REFERENCE_JANKA_LBF = 1000.0  # black walnut / cherry: what the charts call "hardwood"
HARDNESS_FACTOR_RANGE = (0.6, 1.25)
CLASS_CHIP_FACTOR: dict[MaterialClass, float] = {MaterialClass.PLASTIC: 0.8}
CHIP_OVERLOAD_FAIL = 1.5  # x band max: edge chipping and bit breakage
CHIP_RUBBING_FAIL = 0.2  # x band min: rubbing, burning, a real fire risk with dry wood chips


@dataclass(frozen=True)
class SpeedBand:
    low: float  # m/min; below: poor cut, tear-out, tooth impact (warn)
    target: float  # what the registry resolution aims at
    high: float  # above: heat (warn)


# Cutting (rotary) and rim (saw) speed bands in m/min, by material class.
SPEED_BANDS: dict[tuple[str, MaterialClass], SpeedBand] = {
    ("rotary", MaterialClass.HARDWOOD): SpeedBand(150.0, 350.0, 900.0),
    ("rotary", MaterialClass.SOFTWOOD): SpeedBand(150.0, 400.0, 1200.0),
    ("rotary", MaterialClass.COMPOSITE): SpeedBand(150.0, 400.0, 1000.0),
    ("rotary", MaterialClass.PLASTIC): SpeedBand(100.0, 250.0, 500.0),
    ("saw", MaterialClass.HARDWOOD): SpeedBand(1500.0, 3000.0, 4800.0),
    ("saw", MaterialClass.SOFTWOOD): SpeedBand(1800.0, 3300.0, 5400.0),
    ("saw", MaterialClass.COMPOSITE): SpeedBand(1500.0, 3000.0, 4200.0),
    ("saw", MaterialClass.PLASTIC): SpeedBand(900.0, 1800.0, 3000.0),
}

# Specific cutting force kc (N/mm2, equal to J/cm3) grows about linearly with density for wood;
# kc = KC_PER_DENSITY[class] * density_kg_m3. Deliberately on the high side (thin chips cost more).
KC_PER_DENSITY: dict[MaterialClass, float] = {
    MaterialClass.HARDWOOD: 0.12,
    MaterialClass.SOFTWOOD: 0.12,
    MaterialClass.COMPOSITE: 0.15,  # glue lines and resin
    MaterialClass.PLASTIC: 0.08,
}

# Heat index = (speed / target speed) * (target chip / thinnest chip): > 1 means hotter than the
# reference cut. Oily woods gum and burnish, plastics melt, so they get the tighter threshold.
HEAT_INDEX_WARN_SENSITIVE = 1.25
HEAT_INDEX_WARN = 2.0

# Depth per pass. Rotary: <= 1 x D comfortable in wood, warn above, fail above 2 x D or the flute length.
# Saws: the flute length is the maximum depth below the flange; warn in its last 20 %.
DEPTH_PER_PASS_WARN_D = 1.0
DEPTH_PER_PASS_FAIL_D = 2.0
SAW_DEPTH_WARN_SHARE = 0.8
MAX_PASSES = 500
MIN_STEPDOWN_MM = 0.05
# Registry stepdown as a fraction of D before the hardness factor and the deflection/power limits.
STEPDOWN_FACTOR_D: dict[MaterialClass, float] = {
    MaterialClass.HARDWOOD: 0.5,
    MaterialClass.SOFTWOOD: 1.0,
    MaterialClass.COMPOSITE: 0.75,
    MaterialClass.PLASTIC: 0.5,
}

STEPOVER_WARN_SHARE = 0.5  # of the cut width: beyond it no chip thinning and rising side load
STEPOVER_FAIL_SHARE = 1.0  # beyond it the passes leave ridges of uncut material
POCKET_STEPOVER_SHARE = 0.4  # registry stepover for pockets and wide channels
COLLET_CLEARANCE_MM = 2.0  # the collet nut must stay this far above the stock
STOCK_FLOOR_WARN_SHARE = 0.8  # a cut deeper than this leaves a floor too thin to hold
FRET_SLOT_WIDTH_MM = (0.5, 0.9)  # a fret tang seats in 0.5-0.9 mm; narrower warns, wider fails
# Through cuts (fret slots) start this far beyond the cutter's reach outside the board edge, so the tool
# enters the board at speed; the G-code generator uses the same clearance, so the envelope check covers it.
LEAD_CLEARANCE_MM = 2.0

DEFLECTION_WARN_MM = 0.02
DEFLECTION_FAIL_MM = 0.05
FLUTED_CORE_RATIO = 0.8  # the fluted part bends like a solid rod of 0.8 x D
YOUNGS_MODULUS_N_MM2: dict[str, float] = {"carbide": 600_000.0, "hss": 210_000.0}
DEFAULT_YOUNGS_MODULUS_N_MM2 = YOUNGS_MODULUS_N_MM2["hss"]  # unknown tool steel: assume the bendier one

MIN_FEED_MM_MIN = 1.0  # slower is not a feed a controller will run, and rounds to nothing

POWER_WARN_SHARE = 0.7
POWER_FAIL_SHARE = 1.0

# Registry resolution: leave margin below the warn limits, not just below the fail limits.
RESOLVE_DEFLECTION_SHARE = 0.75  # of DEFLECTION_WARN_MM
RESOLVE_POWER_SHARE = 0.5  # of the available spindle power
PLUNGE_SHARE_OF_FEED = 1.0 / 3.0
SAFE_Z_MM = 5.0
RPM_ROUNDING = 100

# Score: 100 for GREEN; each warn costs WARN_PENALTY_BASE + WARN_PENALTY_SPAN * severity (0..1).
WARN_PENALTY_BASE = 5.0
WARN_PENALTY_SPAN = 20.0
FAIL_PENALTY = 30.0
SCORE_GREEN = 100.0
SCORE_YELLOW_RANGE = (41.0, 95.0)
SCORE_RED_CAP = 40.0
SCORE_UNKNOWN = 0.0

# Shapes a tool kind can cut: FAIL for a physical impossibility, WARN for a poor result.
SAW_SHAPES_OK = frozenset({Shape.SLOT, Shape.FRET_SLOTS})
VBIT_SHAPES_POOR = frozenset({Shape.RING, Shape.POCKET_CIRCLE, Shape.POCKET_RECT})
VBIT_POOR_SEVERITY = 0.5

# ----------------------------------------------------------------------------------------------------------
# Numeric helpers
# ----------------------------------------------------------------------------------------------------------


def _num(value: object) -> float | None:
    """A finite float, or None for anything else (bools, strings, huge ints, infinities)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        result = float(value)
    except OverflowError:
        return None
    return result if math.isfinite(result) else None


def _finite(value: float) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def _out(value: float | None, digits: int) -> float | None:
    """A JSON-safe rounded number: never NaN or Infinity."""
    if value is None or not _finite(value):
        return None
    return round(float(value), digits)


def _fmt(value: float) -> str:
    """Compact, deterministic number text for messages."""
    if not _finite(value):
        return str(value)
    if abs(value) < 1e15 and value == int(value):
        return str(int(value))
    digits = 1 if abs(value) >= 100 else 3 if abs(value) >= 1 else 4
    return f"{value:.{digits}f}".rstrip("0").rstrip(".")


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else math.inf


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _floor_to(value: float, step: float) -> float:
    """Round down to a multiple of step; values smaller than one step are kept as they are."""
    # The epsilon keeps 0.9 / 0.01 = 89.99999... from flooring to 0.89.
    floored = math.floor(value / step + 1e-9) * step
    return round(floored, 6) if floored > 0 else value


def _id_text(value: object) -> str:
    return value if isinstance(value, str) else repr(value)[:80]


# ----------------------------------------------------------------------------------------------------------
# Checks
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    code: str
    status: CheckStatus
    message: str
    value: float | str | None = None
    limit: float | str | None = None
    severity: float = 0.0  # 0..1 within the warn band; feeds the score, not the output

    def as_dict(self) -> dict:
        value = self.value if isinstance(self.value, str) or self.value is None else _out(self.value, 4)
        limit = self.limit if isinstance(self.limit, str) or self.limit is None else _out(self.limit, 4)
        return {"code": self.code, "status": self.status.value, "message": self.message, "value": value, "limit": limit}


def _grade_max(value: float, warn_above: float, fail_above: float) -> tuple[CheckStatus, float]:
    """Higher is worse. Non-finite values fail: the engine fails closed."""
    if not _finite(value) or value > fail_above:
        return CheckStatus.FAIL, 1.0
    if value > warn_above:
        return CheckStatus.WARN, _clamp(_ratio(value - warn_above, fail_above - warn_above), 0.0, 1.0)
    return CheckStatus.PASS, 0.0


def _grade_min(value: float, warn_below: float, fail_below: float) -> tuple[CheckStatus, float]:
    """Lower is worse."""
    if not _finite(value) or value < fail_below:
        return CheckStatus.FAIL, 1.0
    if value < warn_below:
        return CheckStatus.WARN, _clamp(_ratio(warn_below - value, warn_below - fail_below), 0.0, 1.0)
    return CheckStatus.PASS, 0.0


def _grade_soft_band(value: float, low: float, high: float) -> tuple[CheckStatus, float]:
    """Outside the band is a warning whose severity grows with the relative distance (1 at 2x or 0)."""
    if not _finite(value):
        return CheckStatus.FAIL, 1.0
    if value > high:
        return CheckStatus.WARN, _clamp(value / high - 1.0, 0.0, 1.0)
    if value < low:
        return CheckStatus.WARN, _clamp(1.0 - value / low, 0.0, 1.0)
    return CheckStatus.PASS, 0.0


# ----------------------------------------------------------------------------------------------------------
# Registry entries: validated into small typed views; anything unusable makes the *_KNOWN check unknown
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tool:
    tool_id: str
    kind: ToolKind
    diameter: float
    flutes: int
    flute_length: float
    shank: float
    stickout: float
    kerf: float | None
    max_rpm: float
    chipload_min: float
    chipload_max: float
    vbit_angle: float | None
    youngs_modulus: float

    @property
    def family(self) -> str:
        return "rotary" if self.kind in ToolKind.ROTARY else "saw"


@dataclass(frozen=True)
class Material:
    material_id: str
    material_class: MaterialClass
    janka: float
    density: float
    oily: bool


@dataclass(frozen=True)
class Machine:
    machine_id: str
    travel_x: float
    travel_y: float
    travel_z: float
    rpm_min: float
    rpm_max: float
    max_feed_xy: float
    max_feed_z: float
    spindle_power: float


def _positive(entry: dict, key: str, problems: list[str], *, allow_zero: bool = False) -> float:
    value = _num(entry.get(key))
    if value is None or value < 0 or (value == 0 and not allow_zero):
        problems.append(f"{key} must be a {'non-negative' if allow_zero else 'positive'} number")
        return 0.0
    return value


def _read_tool(entry: dict) -> tuple[Tool | None, list[str]]:
    problems: list[str] = []
    try:
        kind = ToolKind(entry.get("kind"))
    except ValueError:
        return None, [f"unsupported tool kind {_id_text(entry.get('kind'))}"]
    diameter = _positive(entry, "diameter_mm", problems)
    flutes = _positive(entry, "flutes", problems)
    if flutes and flutes != int(flutes):
        problems.append("flutes must be a whole number")
    flute_length = _positive(entry, "flute_length_mm", problems)
    max_rpm = _positive(entry, "max_rpm", problems)
    chip_min = _positive(entry, "chipload_min_mm", problems)
    chip_max = _positive(entry, "chipload_max_mm", problems)
    if chip_max < chip_min:
        problems.append("chipload_max_mm is below chipload_min_mm")
    kerf = vbit_angle = None
    shank = stickout = 0.0
    if kind == ToolKind.SAW:
        kerf = _positive(entry, "kerf_mm", problems)
    else:
        shank = _positive(entry, "shank_mm", problems)
        stickout = _positive(entry, "stickout_mm", problems)
    if kind == ToolKind.VBIT:
        vbit_angle = _positive(entry, "vbit_angle_deg", problems)
        if vbit_angle >= 180:
            problems.append("vbit_angle_deg must be below 180")
    if problems:
        return None, problems
    modulus = YOUNGS_MODULUS_N_MM2.get(entry.get("tool_material"), DEFAULT_YOUNGS_MODULUS_N_MM2)
    tool = Tool(
        tool_id=_id_text(entry.get("tool_id")),
        kind=kind,
        diameter=diameter,
        flutes=int(flutes),
        flute_length=flute_length,
        shank=shank,
        stickout=stickout,
        kerf=kerf,
        max_rpm=max_rpm,
        chipload_min=chip_min,
        chipload_max=chip_max,
        vbit_angle=vbit_angle,
        youngs_modulus=modulus,
    )
    return tool, []


def _read_material(entry: dict) -> tuple[Material | None, list[str]]:
    try:
        material_class = MaterialClass(entry.get("material_class"))
    except ValueError:
        return None, [f"unsupported material_class {_id_text(entry.get('material_class'))}"]
    problems: list[str] = []
    density = _positive(entry, "density_kg_m3", problems)
    # Plastics have no Janka figure; their chip band uses a class factor instead.
    janka = 0.0 if material_class == MaterialClass.PLASTIC else _positive(entry, "janka_lbf", problems)
    if problems:
        return None, problems
    material = Material(
        material_id=_id_text(entry.get("material_id")),
        material_class=material_class,
        janka=janka,
        density=density,
        oily=entry.get("oily") is True,
    )
    return material, []


def _read_machine(entry: dict) -> tuple[Machine | None, list[str]]:
    problems: list[str] = []
    values = {
        "travel_x": _positive(entry, "travel_x_mm", problems),
        "travel_y": _positive(entry, "travel_y_mm", problems),
        "travel_z": _positive(entry, "travel_z_mm", problems),
        "rpm_min": _positive(entry, "rpm_min", problems, allow_zero=True),
        "rpm_max": _positive(entry, "rpm_max", problems),
        "max_feed_xy": _positive(entry, "max_feed_xy_mm_min", problems),
        "max_feed_z": _positive(entry, "max_feed_z_mm_min", problems),
        "spindle_power": _positive(entry, "spindle_power_w", problems),
    }
    if values["rpm_max"] < values["rpm_min"]:
        problems.append("rpm_max is below rpm_min")
    if problems:
        return None, problems
    return Machine(machine_id=_id_text(entry.get("machine_id")), **values), []


def _known_check(code: str, label: str, requested: object, entry: object, reader) -> tuple[object, Check]:
    shown = _id_text(requested) if requested is not None else None
    if requested is None or (isinstance(requested, str) and not requested):
        return None, Check(code, CheckStatus.UNKNOWN, f"no {label} given", shown)
    if not isinstance(entry, dict):
        return None, Check(code, CheckStatus.UNKNOWN, f"unknown {label} {shown!r}", shown)
    view, problems = reader(entry)
    if view is None:
        reason = "; ".join(problems)
        return None, Check(
            code, CheckStatus.UNKNOWN, f"registry entry for {label} {shown!r} is unusable: {reason}", shown
        )
    name = entry.get("name")
    named = f" ({name})" if isinstance(name, str) and name else ""
    return view, Check(code, CheckStatus.PASS, f"{label} {shown!r} found in the registry{named}", shown)


# ----------------------------------------------------------------------------------------------------------
# Design normalisation (DESIGN_VALID)
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DesignResult:
    design: dict | None
    check: Check
    defaults_applied: tuple[str, ...]


def _normalise_design(raw: object) -> DesignResult:
    code = "DESIGN_VALID"
    if raw is None:
        return DesignResult(None, Check(code, CheckStatus.UNKNOWN, "no design given"), ())
    if not isinstance(raw, dict):
        return DesignResult(None, Check(code, CheckStatus.UNKNOWN, "design is not an object"), ())
    try:
        shape = Shape(raw.get("shape"))
    except ValueError:
        shown = _id_text(raw.get("shape"))
        message = f"unsupported design shape {shown!r}; supported: {', '.join(s.value for s in Shape)}"
        return DesignResult(None, Check(code, CheckStatus.UNKNOWN, message, shown), ())

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
        value = _num(raw[key])
        if value is None:
            unreadable.append(key)
        else:
            values[key] = value

    if shape == Shape.RING:
        _resolve_ring_width(raw, values, unreadable, invalid, defaults_used)

    for key, value in values.items():
        if abs(value) > MAX_DIMENSION_MM and key != "angle":
            invalid.append(f"{key} {_fmt(value)} mm is beyond {_fmt(MAX_DIMENSION_MM)} mm")
        elif key not in SIGNED_KEYS and value < MIN_DIMENSION_MM:
            invalid.append(f"{key} must be at least {_fmt(MIN_DIMENSION_MM)} mm (got {_fmt(value)})")
    if "frets" in values:
        frets = values["frets"]
        if frets != int(frets) or not 1 <= frets <= MAX_FRETS:
            invalid.append(f"frets must be a whole number from 1 to {MAX_FRETS} (got {_fmt(frets)})")

    if missing or unreadable:
        parts = []
        if missing:
            parts.append(f"missing {', '.join(missing)} (no default exists)")
        if unreadable:
            parts.append(f"unreadable {', '.join(unreadable)}")
        message = f"{shape.value} design cannot be judged: {'; '.join(parts)}"
        return DesignResult(None, Check(code, CheckStatus.UNKNOWN, message, shape.value), ())
    if invalid:
        message = f"{shape.value} design is invalid: {'; '.join(invalid)}"
        return DesignResult(None, Check(code, CheckStatus.FAIL, message, shape.value, severity=1.0), ())

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
        shown = ", ".join(f"{key}={_fmt(design[key])}" for key in wanted if key in defaults_used)
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
            value = _num(raw[key])
            if value is None:
                unreadable.append(key)
            else:
                given[key] = value
    if od is None or unreadable:
        return
    if "width" in given and "inner_d" in given:
        width, inner_d = given["width"], given["inner_d"]
        if abs((od - inner_d) / 2 - width) > RING_WIDTH_TOLERANCE_MM:
            invalid.append(f"width {_fmt(width)} does not match (od - inner_d) / 2 = {_fmt((od - inner_d) / 2)}")
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


def _read_client_cut(raw: object) -> tuple[dict[str, float] | None, Check]:
    code = "CUT_VALID"
    if raw is None:
        return {}, Check(code, CheckStatus.PASS, "no client cut values; all resolved from the registry", "none")
    if not isinstance(raw, dict):
        return None, Check(code, CheckStatus.FAIL, "cut is not an object", severity=1.0)
    values: dict[str, float] = {}
    problems: list[str] = []
    for key in CUT_KEYS:
        if key not in raw or raw[key] is None:
            continue
        value = _num(raw[key])
        low, high = CUT_BOUNDS[key]
        if value is None or not low <= value <= high:
            problems.append(f"{key} must be a number from {_fmt(low)} to {_fmt(high)}")
        else:
            values[key] = value
    given = ", ".join(key for key in CUT_KEYS if raw.get(key) is not None) or "none"
    if problems:
        return None, Check(code, CheckStatus.FAIL, "; ".join(problems), given, severity=1.0)
    notes = [f"client cut values to judge: {given}" if values else "no client cut values; all from the registry"]
    ignored = sorted(str(key) for key in raw if key not in CUT_KEYS)
    if ignored:
        notes.append(f"ignored keys: {', '.join(ignored)}")
    return values, Check(code, CheckStatus.PASS, "; ".join(notes), given)


# ----------------------------------------------------------------------------------------------------------
# Geometry and physics helpers
# ----------------------------------------------------------------------------------------------------------


def _cut_width(tool: Tool, depth: float) -> float:
    """Width of the groove the tool leaves at the design depth."""
    if tool.kind == ToolKind.SAW:
        return tool.kerf or 0.0
    if tool.kind == ToolKind.VBIT and tool.vbit_angle:
        return min(tool.diameter, 2.0 * depth * math.tan(math.radians(tool.vbit_angle) / 2.0))
    return tool.diameter


def _feature_width(design: dict) -> float | None:
    """The width the tool must fit inside, for shapes that have one."""
    shape = design["shape"]
    if shape == Shape.RING:
        return design["width"]
    if shape == Shape.POCKET_CIRCLE:
        return design["d"]
    if shape == Shape.POCKET_RECT:
        return min(design["w"], design["h"])
    return None


def _needs_clearing(design: dict, cut_width: float) -> bool:
    width = _feature_width(design)
    return width is not None and width > cut_width + 1e-9


def _thinning(engagement: float, diameter: float) -> float:
    """Radial chip thinning: max chip = feed per tooth * this factor (1 at engagement >= D/2)."""
    if engagement >= diameter / 2:
        return 1.0
    if engagement <= 0:
        return 0.0
    return math.sqrt(1.0 - (1.0 - 2.0 * engagement / diameter) ** 2)


def _fret_position(scale_length: float, fret: int) -> float:
    return scale_length - scale_length / 2 ** (fret / 12)


def _saw_half_chord(radius: float, depth: float) -> float:
    """How far a saw's kerf at the surface runs ahead of its axis when cutting depth deep."""
    depth = min(depth, radius)
    return math.sqrt(max(radius**2 - (radius - depth) ** 2, 0.0))


def _hardness_factor(material: Material) -> float:
    if material.material_class in CLASS_CHIP_FACTOR:
        return CLASS_CHIP_FACTOR[material.material_class]
    return _clamp(math.sqrt(_ratio(REFERENCE_JANKA_LBF, material.janka)), *HARDNESS_FACTOR_RANGE)


def _kc(material: Material) -> float:
    return KC_PER_DENSITY[material.material_class] * material.density


def _surface_speed(diameter: float, rpm: float) -> float:
    return math.pi * diameter * rpm / 1000.0


def _deflection_mm(force_n: float, tool: Tool) -> float:
    """Tip deflection of a stepped cantilever (fluted length at 0.8 x D, the rest at the shank).

    delta = F / (3 E) * (Lf^3 / I_flute + (L^3 - Lf^3) / I_shank), I = pi d^4 / 64, load at the tip.
    """
    length = tool.stickout
    fluted = min(tool.flute_length, length)
    i_flute = math.pi * (FLUTED_CORE_RATIO * tool.diameter) ** 4 / 64.0
    i_shank = math.pi * tool.shank**4 / 64.0
    compliance = _ratio(fluted**3, i_flute) + _ratio(length**3 - fluted**3, i_shank)
    return _ratio(force_n, 3.0 * tool.youngs_modulus) * compliance


def _available_power_w(machine: Machine, rpm: float) -> float:
    """VFD spindles give constant torque below their rated (maximum) speed: power falls with rpm."""
    return machine.spindle_power * _clamp(_ratio(rpm, machine.rpm_max), 0.0, 1.0)


def _round_rpm(value: float, low: float, high: float) -> float:
    rounded = round(value / RPM_ROUNDING) * RPM_ROUNDING
    if rounded <= 0:
        rounded = value
    if rounded > high:
        rounded = math.floor(high / RPM_ROUNDING) * RPM_ROUNDING
    if rounded < low:
        rounded = math.ceil(low / RPM_ROUNDING) * RPM_ROUNDING
    if not low <= rounded <= high:
        rounded = _clamp(value, low, high)
    return int(rounded) if rounded == int(rounded) else rounded


# ----------------------------------------------------------------------------------------------------------
# Cut resolution
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """Everything the cut checks need, resolved once."""

    tool: Tool
    material: Material
    machine: Machine
    design: dict
    rpm: float
    feed: float
    plunge: float
    stepdown: float
    stepover: float
    passes: int
    cut_width: float
    clearing: bool
    chip_band: tuple[float, float]
    feed_per_tooth: float
    chip_max: float  # effective (thinned) chip at the largest engagement
    chip_min: float  # effective chip at the smallest engagement
    min_engagement: float
    speed_band: SpeedBand
    sources: dict[str, str]

    @property
    def depth(self) -> float:
        return self.design["depth"]

    @property
    def pass_depth(self) -> float:
        return min(self.stepdown, self.depth)

    @property
    def surface_speed(self) -> float:
        return _surface_speed(self.tool.diameter, self.rpm)

    @property
    def cutting_force_n(self) -> float:
        return _kc(self.material) * self.pass_depth * self.chip_max

    @property
    def cutting_power_w(self) -> float:
        removal_mm3_s = self.cut_width * self.pass_depth * self.feed / 60.0
        return _kc(self.material) * removal_mm3_s / 1000.0

    def as_cut(self) -> dict:
        return {
            "rpm": self.rpm,
            "feed_mm_min": _out(self.feed, 1),
            "plunge_mm_min": _out(self.plunge, 1),
            "stepdown_mm": _out(self.stepdown, 3),
            "passes": self.passes,
            "stepover_mm": _out(self.stepover, 3),
            "chip_load_mm": _out(self.feed_per_tooth, 4),
            "safe_z_mm": SAFE_Z_MM,
            "depth_mm": _out(self.depth, 3),
            "stock_thickness_mm": _out(self.design["stock_thickness"], 3),
            "cut_width_mm": _out(self.cut_width, 3),
            "surface_speed_m_min": _out(self.surface_speed, 1),
            "source": dict(self.sources),
        }


def _engagements(tool: Tool, stepdown: float, depth: float, stepover: float, clearing: bool) -> tuple[float, float]:
    """(largest, smallest) radial engagement. A saw engages by its depth of cut; a bit's first pass is
    always a full-width slot, and clearing passes engage by the stepover."""
    if tool.kind == ToolKind.SAW:
        engagement = min(stepdown, depth)
        return engagement, engagement
    smallest = min(stepover, tool.diameter) if clearing else tool.diameter
    return tool.diameter, smallest


def _resolve_job(tool: Tool, material: Material, machine: Machine, design: dict, client: dict[str, float]) -> Job:
    depth = design["depth"]
    cut_width = _cut_width(tool, depth)
    clearing = _needs_clearing(design, cut_width)
    factor = _hardness_factor(material)
    band = (tool.chipload_min * factor, tool.chipload_max * factor)
    chip_target = (band[0] + band[1]) / 2.0
    speed_band = SPEED_BANDS[(tool.family, material.material_class)]
    sources = {key: (ValueSource.CLIENT if key in client else ValueSource.REGISTRY).value for key in CUT_KEYS}
    sources["safe_z_mm"] = ValueSource.REGISTRY.value

    if "stepover_mm" in client:
        stepover = client["stepover_mm"]
    elif tool.kind == ToolKind.SAW:
        stepover = cut_width  # a saw never steps sideways; the kerf is the whole cut
    else:
        stepover = round(POCKET_STEPOVER_SHARE * cut_width, 3)

    # A saw's chip thickness depends on its depth of cut, so its stepdown is settled first.
    # Client stepdowns are floored to the 0.001 mm output grid, so the passes reported are the passes cut.
    client_stepdown = _floor_to(client["stepdown_mm"], 0.001) if "stepdown_mm" in client else None
    if client_stepdown is not None:
        stepdown = client_stepdown
    elif tool.kind == ToolKind.SAW:
        stepdown = min(depth, SAW_DEPTH_WARN_SHARE * tool.flute_length)
    else:
        stepdown = 0.0  # settled below, once the feed is known
    largest, _ = _engagements(tool, stepdown, depth, stepover, clearing)
    feed_per_tooth_target = _ratio(chip_target, _thinning(largest, tool.diameter))

    rpm_low, rpm_high = machine.rpm_min, min(machine.rpm_max, tool.max_rpm)
    if "rpm" in client:
        rpm = client["rpm"]
    elif rpm_high < rpm_low:
        rpm = rpm_high  # no common speed: the tool's rating wins and RPM_MACHINE_RANGE fails
    else:
        target_rpm = speed_band.target * 1000.0 / (math.pi * tool.diameter)
        rpm = _round_rpm(_clamp(target_rpm, rpm_low, rpm_high), rpm_low, rpm_high)

    if "feed_mm_min" in client:
        feed = client["feed_mm_min"]
    else:
        feed = feed_per_tooth_target * tool.flutes * rpm
        if feed > machine.max_feed_xy:
            feed = machine.max_feed_xy
            if "rpm" not in client and rpm_low <= rpm_high:
                # Slow the spindle rather than thin the chip: rubbing burns, a slower cutter does not.
                wanted = _ratio(feed, feed_per_tooth_target * tool.flutes)
                rpm = _round_rpm(_clamp(wanted, rpm_low, rpm_high), rpm_low, rpm_high)
        feed = _floor_to(feed, 1.0)
    feed_per_tooth = _ratio(feed, rpm * tool.flutes)

    plunge = client.get("plunge_mm_min", _floor_to(min(feed * PLUNGE_SHARE_OF_FEED, machine.max_feed_z), 1.0))

    if tool.kind != ToolKind.SAW and client_stepdown is None:
        stepdown = _registry_stepdown(tool, material, machine, depth, cut_width, rpm, feed, feed_per_tooth)

    passes = _passes(depth, stepdown)
    largest, smallest = _engagements(tool, stepdown, depth, stepover, clearing)
    return Job(
        tool=tool,
        material=material,
        machine=machine,
        design=design,
        rpm=rpm,
        feed=feed,
        plunge=plunge,
        stepdown=stepdown,
        stepover=stepover,
        passes=passes,
        cut_width=cut_width,
        clearing=clearing,
        chip_band=band,
        feed_per_tooth=feed_per_tooth,
        chip_max=feed_per_tooth * _thinning(largest, tool.diameter),
        chip_min=feed_per_tooth * _thinning(smallest, tool.diameter),
        min_engagement=smallest,
        speed_band=speed_band,
        sources=sources,
    )


def _passes(depth: float, stepdown: float) -> int:
    """ceil(depth / stepdown), at least 1; absurd counts are reported as MAX_PASSES + 1 (and fail)."""
    quotient = _ratio(depth, stepdown)
    if not quotient <= MAX_PASSES:  # also catches infinity
        return MAX_PASSES + 1
    # The epsilon keeps 3 / 0.1 = 30.000000000000004 from becoming 31 passes.
    return max(1, math.ceil(quotient - 1e-9))


def _registry_stepdown(
    tool: Tool,
    material: Material,
    machine: Machine,
    depth: float,
    cut_width: float,
    rpm: float,
    feed: float,
    feed_per_tooth: float,
) -> float:
    """Class share of D (scaled by hardness), then shrunk until deflection and power keep a margin.

    Force and power are both proportional to the pass depth, so each limit is a closed-form scale.
    """
    factor = 1.0 if material.material_class in CLASS_CHIP_FACTOR else _hardness_factor(material)
    stepdown = tool.diameter * STEPDOWN_FACTOR_D[material.material_class] * factor
    stepdown = min(stepdown, DEPTH_PER_PASS_WARN_D * tool.diameter, tool.flute_length)
    kc = _kc(material)
    deflection = _deflection_mm(kc * stepdown * feed_per_tooth, tool)
    deflection_cap = RESOLVE_DEFLECTION_SHARE * DEFLECTION_WARN_MM
    if deflection > deflection_cap:
        stepdown *= deflection_cap / deflection
    power = kc * cut_width * stepdown * feed / 60.0 / 1000.0
    power_cap = RESOLVE_POWER_SHARE * _available_power_w(machine, rpm)
    if power > power_cap:
        stepdown *= _ratio(power_cap, power)
    stepdown = max(_floor_to(stepdown, 0.01), MIN_STEPDOWN_MM) if _finite(stepdown) else MIN_STEPDOWN_MM
    return min(stepdown, depth)


# ----------------------------------------------------------------------------------------------------------
# Individual checks
# ----------------------------------------------------------------------------------------------------------


def _check_shape_compatible(tool: Tool, design: dict) -> Check:
    code = "TOOL_SHAPE_COMPATIBLE"
    shape = Shape(design["shape"])
    if tool.kind == ToolKind.SAW and shape not in SAW_SHAPES_OK:
        why = (
            "cannot plunge or clear a pocket"
            if shape == Shape.POCKET_RECT
            else "cuts a straight kerf and cannot follow a curved path"
        )
        limit = ", ".join(sorted(s.value for s in SAW_SHAPES_OK))
        return Check(code, CheckStatus.FAIL, f"a saw {why} ({shape.value})", shape.value, limit, 1.0)
    if tool.kind == ToolKind.VBIT and shape in VBIT_SHAPES_POOR:
        message = f"a V-bit leaves a V-shaped or ridged floor in a {shape.value}; a flat-bottomed bit is usual"
        return Check(code, CheckStatus.WARN, message, shape.value, "flat floor", VBIT_POOR_SEVERITY)
    return Check(code, CheckStatus.PASS, f"a {tool.kind.value} can cut a {shape.value}", shape.value)


def _check_rpm_tool(job: Job) -> Check:
    status, severity = _grade_max(job.rpm, job.tool.max_rpm, job.tool.max_rpm)
    source = job.sources["rpm"]
    if status == CheckStatus.PASS:
        message = f"{_fmt(job.rpm)} rpm ({source}) is within the tool's rated {_fmt(job.tool.max_rpm)} rpm"
    else:
        message = f"{_fmt(job.rpm)} rpm ({source}) exceeds the tool's rated maximum {_fmt(job.tool.max_rpm)} rpm"
    return Check("RPM_TOOL_MAX", status, message, job.rpm, job.tool.max_rpm, severity)


def _check_rpm_machine(job: Job) -> Check:
    low, high = job.machine.rpm_min, job.machine.rpm_max
    inside = low <= job.rpm <= high
    status = CheckStatus.PASS if inside else CheckStatus.FAIL
    where = "within" if inside else "outside"
    message = f"{_fmt(job.rpm)} rpm is {where} the spindle's range {_fmt(low)}-{_fmt(high)} rpm"
    return Check("RPM_MACHINE_RANGE", status, message, job.rpm, f"{_fmt(low)}-{_fmt(high)}", 0.0 if inside else 1.0)


def _check_surface_speed(job: Job) -> Check:
    band = job.speed_band
    speed = job.surface_speed
    status, severity = _grade_soft_band(speed, band.low, band.high)
    name = "rim speed" if job.tool.kind == ToolKind.SAW else "cutting speed"
    klass = job.material.material_class.value
    message = f"{name} {_fmt(speed)} m/min (pi x {_fmt(job.tool.diameter)} mm x {_fmt(job.rpm)} rpm)"
    if status == CheckStatus.PASS:
        message += f" is inside the {klass} band {_fmt(band.low)}-{_fmt(band.high)} m/min"
    elif speed > band.high:
        message += f" is above the {klass} band {_fmt(band.low)}-{_fmt(band.high)} m/min: heat and burning"
    else:
        message += f" is below the {klass} band {_fmt(band.low)}-{_fmt(band.high)} m/min: poor cut, tear-out"
    return Check("SURFACE_SPEED", status, message, speed, f"{_fmt(band.low)}-{_fmt(band.high)}", severity)


def _check_chip_load(job: Job) -> Check:
    low, high = job.chip_band
    limit = f"{_fmt(low)}-{_fmt(high)}"
    over_status, over_severity = _grade_max(job.chip_max, high, CHIP_OVERLOAD_FAIL * high)
    under_status, under_severity = _grade_min(job.chip_min, low, CHIP_RUBBING_FAIL * low)
    detail = (
        f"feed per tooth {_fmt(job.feed_per_tooth)} mm = {_fmt(job.feed)} / ({_fmt(job.rpm)} rpm x "
        f"{job.tool.flutes}); effective chip {_fmt(job.chip_min)}-{_fmt(job.chip_max)} mm"
    )
    if job.chip_min < job.chip_max or job.tool.kind == ToolKind.SAW:
        detail += f" after radial chip thinning at {_fmt(job.min_engagement)} mm engagement"
    scaled = f"band {limit} mm (registry band x {_fmt(_hardness_factor(job.material))} for hardness)"
    if over_status != CheckStatus.PASS and _rank(over_status) >= _rank(under_status):
        message = f"{detail} is above the {scaled}: overload, chipping, bit breakage"
        return Check("CHIP_LOAD", over_status, message, job.chip_max, limit, over_severity)
    if under_status != CheckStatus.PASS:
        message = f"{detail} is below the {scaled}: rubbing, heat, burning"
        return Check("CHIP_LOAD", under_status, message, job.chip_min, limit, under_severity)
    return Check("CHIP_LOAD", CheckStatus.PASS, f"{detail} is inside the {scaled}", job.chip_max, limit)


def _heat_index(job: Job) -> float:
    target_chip = (job.chip_band[0] + job.chip_band[1]) / 2.0
    return _ratio(job.surface_speed, job.speed_band.target) * _ratio(target_chip, job.chip_min)


def _check_heat(job: Job) -> Check:
    sensitive = job.material.oily or job.material.material_class == MaterialClass.PLASTIC
    threshold = HEAT_INDEX_WARN_SENSITIVE if sensitive else HEAT_INDEX_WARN
    index = _heat_index(job)
    status, severity = _grade_max(index, threshold, math.inf)
    if status == CheckStatus.WARN:
        severity = _clamp(index / threshold - 1.0, 0.0, 1.0)
    why = (
        "oily wood gums the flutes and burnishes"
        if job.material.oily
        else "plastic melts and welds chips to the cutter"
        if sensitive
        else "rubbing scorches the wood"
    )
    message = (
        f"heat index {_fmt(index)} (speed / target speed x target chip / thinnest chip); "
        f"{'above' if status != CheckStatus.PASS else 'within'} {_fmt(threshold)}"
    )
    if status != CheckStatus.PASS:
        message += f": {why}; raise the feed or lower the rpm"
    return Check("HEAT_RISK", status, message, index, threshold, severity)


def _check_feed_xy(job: Job) -> Check:
    limit = job.machine.max_feed_xy
    status, severity = _grade_max(job.feed, limit, limit)
    relation = "within" if status == CheckStatus.PASS else "above"
    message = f"feed {_fmt(job.feed)} mm/min ({job.sources['feed_mm_min']}) is {relation} the machine's {_fmt(limit)}"
    if job.feed < MIN_FEED_MM_MIN:
        status, severity = CheckStatus.FAIL, 1.0
        message = f"feed {_fmt(job.feed)} mm/min is below {_fmt(MIN_FEED_MM_MIN)} mm/min: not a usable feed"
    return Check("FEED_XY", status, message, job.feed, limit, severity)


def _check_feed_z(job: Job) -> Check:
    max_z = job.machine.max_feed_z
    comfortable = min(job.feed, max_z)
    status, severity = _grade_max(job.plunge, comfortable, max_z)
    message = f"plunge {_fmt(job.plunge)} mm/min ({job.sources['plunge_mm_min']})"
    if job.plunge < MIN_FEED_MM_MIN:
        status, severity = CheckStatus.FAIL, 1.0
        message += f" is below {_fmt(MIN_FEED_MM_MIN)} mm/min: not a usable feed"
    elif status == CheckStatus.FAIL:
        message += f" is above the machine's Z limit {_fmt(max_z)} mm/min"
    elif status == CheckStatus.WARN:
        message += f" is faster than the cutting feed {_fmt(job.feed)}: bits cut poorly straight down"
    else:
        message += f" is within the Z limit {_fmt(max_z)} and the cutting feed"
    return Check("FEED_Z", status, message, job.plunge, comfortable, severity)


def _check_depth_per_pass(job: Job) -> Check:
    tool = job.tool
    depth = job.pass_depth
    if tool.kind == ToolKind.SAW:
        warn_at = SAW_DEPTH_WARN_SHARE * tool.flute_length
        fail_at = tool.flute_length
        rule = f"saw: warn above {_fmt(warn_at)}, fail above its {_fmt(fail_at)} mm depth of cut"
    else:
        warn_at = min(DEPTH_PER_PASS_WARN_D * tool.diameter, tool.flute_length)
        fail_at = min(DEPTH_PER_PASS_FAIL_D * tool.diameter, tool.flute_length)
        rule = f"warn above 1 x D ({_fmt(warn_at)}), fail above 2 x D or the flute length ({_fmt(fail_at)})"
    status, severity = _grade_max(depth, warn_at, fail_at)
    message = f"{_fmt(depth)} mm per pass ({job.sources['stepdown_mm']}), {job.passes} pass(es); {rule}"
    if job.passes > MAX_PASSES:
        status, severity = CheckStatus.FAIL, 1.0
        message += f"; more than {MAX_PASSES} passes is not a real cut"
    return Check("DEPTH_PER_PASS", status, message, depth, warn_at, severity)


def _check_stepover(job: Job) -> Check | None:
    if not job.clearing or job.tool.kind == ToolKind.SAW:
        return None
    warn_at = STEPOVER_WARN_SHARE * job.cut_width
    fail_at = STEPOVER_FAIL_SHARE * job.cut_width
    status, severity = _grade_max(job.stepover, warn_at, fail_at)
    message = f"stepover {_fmt(job.stepover)} mm ({job.sources['stepover_mm']}) for a {_fmt(job.cut_width)} mm cut"
    if status == CheckStatus.FAIL:
        message += ": wider than the cut, leaves ridges of uncut material"
    elif status == CheckStatus.WARN:
        message += ": above half the cut width, full side load"
    return Check("STEPOVER", status, message, job.stepover, warn_at, severity)


def _check_tool_reach(tool: Tool, design: dict) -> Check:
    depth = design["depth"]
    if tool.kind == ToolKind.SAW:
        reach = tool.flute_length
        rule = "the blade's depth of cut below its flange"
    else:
        reach = min(tool.flute_length, tool.stickout - COLLET_CLEARANCE_MM)
        rule = f"the flute length {_fmt(tool.flute_length)} and stickout less {_fmt(COLLET_CLEARANCE_MM)} mm"
    status, severity = _grade_max(depth, reach, reach)
    relation = "within" if status == CheckStatus.PASS else "beyond"
    message = f"total depth {_fmt(depth)} mm is {relation} the tool's reach {_fmt(reach)} mm ({rule})"
    if status == CheckStatus.FAIL:
        message += "; the shank or flange would rub or crash"
    return Check("TOOL_REACH", status, message, depth, reach, severity)


def _check_stock(design: dict) -> Check:
    depth, stock = design["depth"], design["stock_thickness"]
    warn_at = STOCK_FLOOR_WARN_SHARE * stock
    status, severity = _grade_max(depth, warn_at, stock)
    message = f"depth {_fmt(depth)} mm in {_fmt(stock)} mm stock"
    if status == CheckStatus.FAIL:
        message += ": the cut goes through the stock"
    elif status == CheckStatus.WARN:
        message += f": leaves a floor thinner than {_fmt(stock - warn_at)} mm"
    return Check("STOCK_THICKNESS", status, message, depth, warn_at, severity)


def _toolpath_bounds(tool: Tool, design: dict, cut_width: float) -> tuple[float, float, float, float]:
    """Extent of the tool-centre path (what the machine must reach), as (xmin, xmax, ymin, ymax)."""
    x, y = design["x"], design["y"]
    radius = cut_width / 2.0
    shape = design["shape"]
    if shape == Shape.RING:
        reach = max(design["od"] / 2.0 - radius, 0.0)
        return x - reach, x + reach, y - reach, y + reach
    if shape == Shape.POCKET_CIRCLE:
        reach = max(design["d"] / 2.0 - radius, 0.0)
        return x - reach, x + reach, y - reach, y + reach
    if shape == Shape.POCKET_RECT:
        half_w = max(design["w"] / 2.0 - radius, 0.0)
        half_h = max(design["h"] / 2.0 - radius, 0.0)
        return x - half_w, x + half_w, y - half_h, y + half_h
    if shape == Shape.SLOT:
        angle = math.radians(design["angle"])
        end_x = x + design["length"] * math.cos(angle)
        end_y = y + design["length"] * math.sin(angle)
        return min(x, end_x), max(x, end_x), min(y, end_y), max(y, end_y)
    # Fret slots run across the board; the cutter must clear both edges to cut full depth there, which for
    # a saw means running on by the half-chord of the blade at that depth, plus the lead clearance.
    reach = _saw_half_chord(tool.diameter / 2.0, design["depth"]) if tool.kind == ToolKind.SAW else radius
    overrun = reach + LEAD_CLEARANCE_MM
    half = design["board_width"] / 2.0 + overrun
    first = _fret_position(design["scale_length"], 1)
    last = _fret_position(design["scale_length"], design["frets"])
    return x + first, x + last, y - half, y + half


def _check_envelope(tool: Tool, machine: Machine, design: dict) -> Check:
    xmin, xmax, ymin, ymax = _toolpath_bounds(tool, design, _cut_width(tool, design["depth"]))
    half_x, half_y = machine.travel_x / 2.0, machine.travel_y / 2.0
    z_top = machine.travel_z - design["stock_thickness"]
    problems = []
    if xmin < -half_x - 1e-9 or xmax > half_x + 1e-9:
        problems.append(f"X {_fmt(xmin)}..{_fmt(xmax)} outside +/-{_fmt(half_x)}")
    if ymin < -half_y - 1e-9 or ymax > half_y + 1e-9:
        problems.append(f"Y {_fmt(ymin)}..{_fmt(ymax)} outside +/-{_fmt(half_y)}")
    if z_top < SAFE_Z_MM:
        problems.append(f"safe Z {_fmt(SAFE_Z_MM)} above the Z travel left over the stock ({_fmt(z_top)})")
    value = f"X {_fmt(xmin)}..{_fmt(xmax)}, Y {_fmt(ymin)}..{_fmt(ymax)}"
    limit = f"X +/-{_fmt(half_x)}, Y +/-{_fmt(half_y)}, Z <= {_fmt(z_top)}"
    if problems:
        return Check(
            "WORK_ENVELOPE",
            CheckStatus.FAIL,
            "toolpath leaves the work envelope: " + "; ".join(problems),
            value,
            limit,
            1.0,
        )
    return Check("WORK_ENVELOPE", CheckStatus.PASS, f"toolpath centre {value} mm fits the machine", value, limit)


def _check_feature_width(tool: Tool, design: dict) -> Check:
    code = "FEATURE_WIDTH"
    cut_width = _cut_width(tool, design["depth"])
    what = "kerf" if tool.kind == ToolKind.SAW else "V width at depth" if tool.kind == ToolKind.VBIT else "diameter"
    if design["shape"] == Shape.FRET_SLOTS:
        low, high = FRET_SLOT_WIDTH_MM
        limit = f"{_fmt(low)}-{_fmt(high)}"
        if cut_width > high:
            message = f"{what} {_fmt(cut_width)} mm cuts fret slots wider than {_fmt(high)} mm: frets will not hold"
            return Check(code, CheckStatus.FAIL, message, cut_width, limit, 1.0)
        if cut_width < low:
            message = f"{what} {_fmt(cut_width)} mm is narrower than a fret tang needs ({_fmt(low)} mm)"
            return Check(code, CheckStatus.WARN, message, cut_width, limit, _clamp(1 - cut_width / low, 0.0, 1.0))
        return Check(code, CheckStatus.PASS, f"{what} {_fmt(cut_width)} mm suits fret tangs", cut_width, limit)
    feature = _feature_width(design)
    if feature is None:
        return Check(code, CheckStatus.PASS, f"the slot is as wide as the cut ({what} {_fmt(cut_width)} mm)", cut_width)
    if cut_width > feature + 1e-9:
        message = f"{what} {_fmt(cut_width)} mm is wider than the {design['shape']} ({_fmt(feature)} mm)"
        return Check(code, CheckStatus.FAIL, message, cut_width, feature, 1.0)
    message = f"{what} {_fmt(cut_width)} mm fits the {design['shape']} ({_fmt(feature)} mm)"
    return Check(code, CheckStatus.PASS, message, cut_width, feature)


def _check_deflection(job: Job) -> Check | None:
    if job.tool.kind == ToolKind.SAW:
        return None  # a blade on an arbor does not bend like a cantilevered bit
    force = job.cutting_force_n
    deflection = _deflection_mm(force, job.tool)
    status, severity = _grade_max(deflection, DEFLECTION_WARN_MM, DEFLECTION_FAIL_MM)
    message = (
        f"tip deflection {_fmt(deflection)} mm under {_fmt(force)} N (kc {_fmt(_kc(job.material))} N/mm2 x "
        f"{_fmt(job.pass_depth)} mm x {_fmt(job.chip_max)} mm chip) over {_fmt(job.tool.stickout)} mm stickout; "
        f"warn above {_fmt(DEFLECTION_WARN_MM)}, fail above {_fmt(DEFLECTION_FAIL_MM)} mm"
    )
    return Check("DEFLECTION", status, message, deflection, DEFLECTION_WARN_MM, severity)


def _check_power(job: Job) -> Check:
    available = _available_power_w(job.machine, job.rpm)
    needed = job.cutting_power_w
    share = _ratio(needed, available)
    status, severity = _grade_max(share, POWER_WARN_SHARE, POWER_FAIL_SHARE)
    message = (
        f"cutting needs {_fmt(needed)} W of {_fmt(available)} W available at {_fmt(job.rpm)} rpm "
        f"({_fmt(100 * share) if _finite(share) else 'inf'} %; warn above {_fmt(100 * POWER_WARN_SHARE)} %)"
    )
    return Check("SPINDLE_POWER", status, message, needed, POWER_WARN_SHARE * available, severity)


# ----------------------------------------------------------------------------------------------------------
# Verdict
# ----------------------------------------------------------------------------------------------------------

_STATUS_RANK = {CheckStatus.PASS: 0, CheckStatus.WARN: 1, CheckStatus.FAIL: 2, CheckStatus.UNKNOWN: 3}


def _rank(status: CheckStatus) -> int:
    return _STATUS_RANK[status]


def risk_from_statuses(statuses: list[CheckStatus]) -> RiskLevel:
    """Any unknown -> UNKNOWN; else any fail -> RED; else any warn -> YELLOW; else GREEN."""
    if CheckStatus.UNKNOWN in statuses:
        return RiskLevel.UNKNOWN
    if CheckStatus.FAIL in statuses:
        return RiskLevel.RED
    if CheckStatus.WARN in statuses:
        return RiskLevel.YELLOW
    return RiskLevel.GREEN


def score_checks(checks: list[Check], risk: RiskLevel) -> float:
    """100 for GREEN; YELLOW 100 - sum(5 + 20 x severity) per warn, held to 41..95; RED additionally
    30 per fail, capped at 40; UNKNOWN 0."""
    if risk == RiskLevel.UNKNOWN:
        return SCORE_UNKNOWN
    if risk == RiskLevel.GREEN:
        return SCORE_GREEN
    warn_penalty = sum(
        WARN_PENALTY_BASE + WARN_PENALTY_SPAN * check.severity for check in checks if check.status == CheckStatus.WARN
    )
    if risk == RiskLevel.YELLOW:
        return round(_clamp(100.0 - warn_penalty, *SCORE_YELLOW_RANGE), 1)
    fails = sum(1 for check in checks if check.status == CheckStatus.FAIL)
    return round(_clamp(100.0 - warn_penalty - FAIL_PENALTY * fails, 0.0, SCORE_RED_CAP), 1)


def _block_reason(checks: list[Check], risk: RiskLevel) -> str | None:
    wanted = {RiskLevel.UNKNOWN: CheckStatus.UNKNOWN, RiskLevel.RED: CheckStatus.FAIL}.get(risk)
    for check in checks:
        if check.status == wanted:
            return f"{check.code}: {check.message}"
    return None


# ----------------------------------------------------------------------------------------------------------
# Entry point
# ----------------------------------------------------------------------------------------------------------


def evaluate(request: dict, *, tool: dict | None, material: dict | None, machine: dict | None) -> dict:
    """Judge one cut. Pure: same arguments, same result; never raises on well-typed input."""
    request = request if isinstance(request, dict) else {}
    checks: list[Check] = []

    tool_view, check = _known_check("TOOL_KNOWN", "tool_id", request.get("tool_id"), tool, _read_tool)
    checks.append(check)
    material_view, check = _known_check(
        "MATERIAL_KNOWN", "material_id", request.get("material_id"), material, _read_material
    )
    checks.append(check)
    machine_view, check = _known_check("MACHINE_KNOWN", "machine_id", request.get("machine_id"), machine, _read_machine)
    checks.append(check)

    design_result = _normalise_design(request.get("design"))
    design = design_result.design
    checks.append(design_result.check)
    client_cut, check = _read_client_cut(request.get("cut"))
    checks.append(check)

    if design is not None:
        checks.append(_check_stock(design))
    if tool_view is not None and design is not None:
        checks.append(_check_shape_compatible(tool_view, design))
        checks.append(_check_tool_reach(tool_view, design))
        checks.append(_check_feature_width(tool_view, design))
        if machine_view is not None:
            checks.append(_check_envelope(tool_view, machine_view, design))

    job = None
    if None not in (tool_view, material_view, machine_view, design, client_cut):
        job = _resolve_job(tool_view, material_view, machine_view, design, client_cut)
        checks.extend(_job_checks(job))

    checks.sort(key=lambda c: CHECK_ORDER.index(c.code))
    risk = risk_from_statuses([c.status for c in checks])
    mode = tool_view.kind.value if tool_view is not None else None
    return {
        "engine_version": ENGINE_VERSION,
        "mode": mode,
        "risk_level": risk.value,
        "score": score_checks(checks, risk),
        "block_reason": _block_reason(checks, risk),
        "warnings": [f"{c.code}: {c.message}" for c in checks if c.status == CheckStatus.WARN],
        "checks": [c.as_dict() for c in checks],
        "design": design,
        "defaults_applied": list(design_result.defaults_applied),
        "cut": job.as_cut() if job is not None else None,
    }


def _job_checks(job: Job) -> list[Check]:
    checks = [
        _check_rpm_tool(job),
        _check_rpm_machine(job),
        _check_surface_speed(job),
        _check_chip_load(job),
        _check_heat(job),
        _check_feed_xy(job),
        _check_feed_z(job),
        _check_depth_per_pass(job),
        _check_stepover(job),
        _check_deflection(job),
        _check_power(job),
    ]
    return [check for check in checks if check is not None]
