"""The engine's numbers: check order, design defaults, bands, limits. Every one is explained, with its source,
in docs/feasibility.md; the comments here say why a value is what it is."""

from __future__ import annotations

from dataclasses import dataclass

from feasibility.enums import MaterialClass, Shape

ENGINE_VERSION = "rmos-engine/2.1.0"

# The order checks are reported in; the first non-passing one in this order becomes the block reason.
CHECK_ORDER: tuple[str, ...] = (
    "TOOL_KNOWN",
    "MATERIAL_KNOWN",
    "MACHINE_KNOWN",
    "FIXTURE_KNOWN",
    "DESIGN_VALID",
    "OUTLINE_DRAWING",
    "TOOL_SHAPE_COMPATIBLE",
    "TOOL_HOLDING",
    "SAW_PLANE",
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
    "CLAMP_CLEARANCE",
    "FEATURE_WIDTH",
    "TABS",
    "SAW_SLOT_LENGTH",
    "FRET_SLOT_DEPTH",
    "DEFLECTION",
    "SPINDLE_POWER",
    "MIN_STEPDOWN",
    "PROGRAM_SIZE",
)

# Dimensions a shape keeps in its normalised form (docs/interfaces.md), in output order.
SHAPE_DIMENSIONS: dict[Shape, tuple[str, ...]] = {
    Shape.RING: ("od", "inner_d", "width", "depth"),
    Shape.SLOT: ("length", "depth", "angle"),
    Shape.FRET_SLOTS: ("scale_length", "frets", "board_width", "depth"),
    Shape.POCKET_CIRCLE: ("d", "depth"),
    Shape.POCKET_RECT: ("w", "h", "depth"),
    # An outline's geometry is its drawing's; its other keys (operation, source, tabs...) are read by
    # ``checks_outline.normalise_outline``.
    Shape.OUTLINE: ("depth",),
}

# Fret boards: the optional dimensions of a tapered, multiscale (fanned) or radiused board (docs/feasibility.md,
# "Fret boards"). A multiscale board gives the bass and treble scales instead of scale_length.
FRET_MULTISCALE_KEYS: tuple[str, ...] = ("scale_length_bass", "scale_length_treble", "perpendicular_fret")
FRET_OPTIONAL_KEYS: tuple[str, ...] = ("nut_width", "radius", "radius_end")
# A tapered or multiscale board with an omitted width: an electric guitar's 43 mm (1 11/16 in) nut and 56 mm at
# the last fret; the perpendicular fret of many fanned 7- and 8-string designs.
FRET_TAPER_DEFAULTS: dict[str, float] = {"nut_width": 43.0, "board_width": 56.0}
FRET_PERPENDICULAR_DEFAULT = 7.0
# What a fret board can be: scales from a sopranino ukulele to a long-scale bass and then some, a fan whose
# longer scale is at most 1.5 times the shorter, slots no more than 45 degrees off square, a board at least
# 10 mm wide, and a radius no smaller than 50 mm (the tightest boards are about 7.25 in, 184 mm).
FRET_SCALE_RANGE_MM = (100.0, 2000.0)
FRET_FAN_MAX_RATIO = 1.5
FRET_SLOT_MAX_ANGLE_DEG = 45.0
FRET_BOARD_MIN_WIDTH_MM = 10.0
FRET_RADIUS_MIN_MM = 50.0

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
    # A drawing's part has no usual depth or stock: a body blank is 45 mm, an inlay 2 mm. Both must be given.
    Shape.OUTLINE: {},
}
# Part coordinates: the design's datum (docs/feasibility.md, "Fixtures and datums") sits on work zero.
ORIGIN_DEFAULTS: dict[str, float] = {"x": 0.0, "y": 0.0}
# Keys that may be zero or negative (positions and angles); every other one must be >= MIN_DIMENSION_MM.
SIGNED_KEYS = frozenset({"x", "y", "angle"})
RING_WIDTH_TOLERANCE_MM = 0.01
# How far a fixture may let a cut through the stock go into what the stock rests on (a spoilboard's allowance;
# docs/feasibility.md, "Fixtures and datums"). Shops cut 0.2-0.5 mm into an MDF spoilboard so the part comes free
# cleanly; more than this is a setup error, not an allowance.
MAX_THROUGH_ALLOWANCE_MM = 3.0
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
# Bit makers (Onsrud's chip-load guidance): reduce the chip load 20-25 % at a 2 x D deep cut and 40-50 % at 3 x D.
# The factor on the band, by pass depth in diameters, linear in between and held beyond the last point.
CHIP_DEPTH_DERATING: tuple[tuple[float, float], ...] = ((1.0, 1.0), (2.0, 0.75), (3.0, 0.5))


@dataclass(frozen=True)
class SpeedBand:
    low: float  # m/min; below: poor cut, tear-out, tooth impact (warn)
    target: float  # what the registry resolution aims at
    high: float  # above: heat (warn)


# Cutting (rotary) and rim (saw) speed bands in m/min, by material class. Saw rims: TCT blade makers' charts
# (Central Saws: hardwoods 45-70 m/s, exotic hardwoods 40-65, softwoods 45-90, MDF and plywood 50-80, rigid
# plastics 15-50 m/s; Seal Tool: 40 m/s minimum, 60 economical).
SPEED_BANDS: dict[tuple[str, MaterialClass], SpeedBand] = {
    ("rotary", MaterialClass.HARDWOOD): SpeedBand(150.0, 350.0, 900.0),
    ("rotary", MaterialClass.SOFTWOOD): SpeedBand(150.0, 400.0, 1200.0),
    ("rotary", MaterialClass.COMPOSITE): SpeedBand(150.0, 400.0, 1000.0),
    ("rotary", MaterialClass.PLASTIC): SpeedBand(100.0, 250.0, 500.0),
    ("saw", MaterialClass.HARDWOOD): SpeedBand(2400.0, 3300.0, 4200.0),  # 40-70 m/s, aim 55
    ("saw", MaterialClass.SOFTWOOD): SpeedBand(2700.0, 3900.0, 5400.0),  # 45-90 m/s, aim 65
    ("saw", MaterialClass.COMPOSITE): SpeedBand(3000.0, 3900.0, 4800.0),  # 50-80 m/s, aim 65
    ("saw", MaterialClass.PLASTIC): SpeedBand(900.0, 1800.0, 3000.0),  # 15-50 m/s, aim 30
}
# A blade far below its band does not cut "carefully": the teeth hammer, grab and throw the work. Below this
# share of the band's low edge the rim speed fails.
SAW_SPEED_FAIL_SHARE = 0.5

# Specific cutting force (N/mm2, equal to J/cm3), with a chip-thickness term (the Kienzle form used for wood
# milling): kc = KC_PER_DENSITY[class] * density * (KC_REFERENCE_CHIP / h) ** KC_CHIP_EXPONENT, h held at
# KC_MIN_CHIP or above. At a 0.1 mm chip a 700 kg/m3 wood gives 35 N/mm2, in line with the 32-38 N/mm2 measured
# in peripheral milling of particleboard (Palubicki 2021, Materials 14:2208); thin chips cost more per volume.
KC_PER_DENSITY: dict[MaterialClass, float] = {
    MaterialClass.HARDWOOD: 0.05,
    MaterialClass.SOFTWOOD: 0.05,
    MaterialClass.COMPOSITE: 0.05,
    MaterialClass.PLASTIC: 0.06,
}
KC_REFERENCE_CHIP_MM = 0.1
KC_CHIP_EXPONENT = 0.35
KC_MIN_CHIP_MM = 0.005

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
# Micro tools (below this diameter) cannot reach the cutting-speed band at any router speed; their makers
# (Precise Bits: a 0.023 in fret cutter at 24 000 rpm, 1 x D deep) size the cut by chip load and pass depth.
MICRO_TOOL_MM = 1.0
MICRO_STEPDOWN_D = 1.0

STEPOVER_WARN_SHARE = 0.5  # of the cut width: beyond it no chip thinning and rising side load
STEPOVER_FAIL_SHARE = 1.0  # beyond it the passes leave ridges of uncut material
POCKET_STEPOVER_SHARE = 0.4  # registry stepover for pockets and wide channels
COLLET_CLEARANCE_MM = 2.0  # the collet nut must stay this far above the stock
STOCK_FLOOR_WARN_SHARE = 0.8  # a cut deeper than this leaves a floor too thin to hold

# Fret slots. A standard tang is about 0.5 mm (0.020 in) thick with barbs to about 0.6 mm; the slot is cut at
# 0.023 in (0.58 mm). Narrower than the tang body the board splits or the fret does not seat; much wider and the
# barbs no longer bite (a 0.9 mm slot holds no fret).
FRET_SLOT_WIDTH_PASS_MM = (0.5, 0.6)
FRET_SLOT_WIDTH_FAIL_MM = (0.45, 0.7)
# StewMac's slot depth gauge marks 0.060-0.075 in (1.5-1.9 mm): the tang must fit below the crown.
FRET_SLOT_MIN_DEPTH_MM = 1.5

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
SAFE_Z_MM = 5.0  # above the stock top
CLAMP_CLEARANCE_MM = 3.0  # rapids pass this far above the tallest clamp of the fixture
RPM_ROUNDING = 100

# Score: 100 for GREEN; each warn costs WARN_PENALTY_BASE + WARN_PENALTY_SPAN * severity (0..1).
WARN_PENALTY_BASE = 5.0
WARN_PENALTY_SPAN = 20.0
FAIL_PENALTY = 30.0
SCORE_GREEN = 100.0
SCORE_YELLOW_RANGE = (41.0, 95.0)
SCORE_RED_CAP = 40.0
SCORE_UNKNOWN = 0.0

# Shapes a V-bit cuts poorly (WARN): a V or ridged floor. A V-bit's fret slot is tapered: no tang seats in it.
VBIT_SHAPES_POOR = frozenset({Shape.RING, Shape.POCKET_CIRCLE, Shape.POCKET_RECT})
VBIT_POOR_SEVERITY = 0.5
# A saw moves only in its plane: a slot within this many degrees of the plane's direction is along it.
SAW_PLANE_TOLERANCE_DEG = 0.01


# The shop policy (``feasibility.models.ShopPolicy``, one row, edited in the admin): the approval rule and the
# bounds on the work one job may ask of the server. These are its defaults, used by the migration that creates
# the row and by the engine when it is called without a policy. A shop's jobs fit them with a wide margin (a
# 780 x 580 mm pocket 10 mm deep at the registry's own cut on router_a: 1,461 moves, 26 kB); what they stop is
# a 0.01 mm stepdown asking for megabytes of G-code and days of spindle time (docs/feasibility.md).
POLICY_KEYS: tuple[str, ...] = (
    "approval_min_yellow_score",
    "allow_self_approval",
    "yellow_requires_session",
    "max_moves",
    "max_gcode_bytes",
    "max_cutting_time_s",
    "min_stepdown_mm",
)
DEFAULT_POLICY: dict[str, float | int | bool] = {
    "approval_min_yellow_score": 70.0,
    "allow_self_approval": False,
    "yellow_requires_session": False,
    "max_moves": 200_000,
    "max_gcode_bytes": 8_000_000,
    "max_cutting_time_s": 8 * 3600.0,
    "min_stepdown_mm": 0.05,
}
# The bounds the admin may set them within (model constraints): the limits protect the server, so they cannot
# be lifted to values that would stall it again.
POLICY_BOUNDS: dict[str, tuple[float, float]] = {
    "approval_min_yellow_score": (0.0, 100.0),
    "max_moves": (1, 2_000_000),
    "max_gcode_bytes": (1_000, 64_000_000),
    "max_cutting_time_s": (1.0, 7 * 24 * 3600.0),
    "min_stepdown_mm": (0.001, 10.0),
}
# The program size estimate (checks_policy): what a program may add to its moves (the header, the spindle
# start and dwell, the stop and end) and the longest G-code line a move is written as, beyond its numbers.
PROGRAM_HEADER_BYTES = 4096
MOVE_WORD_BYTES = 16  # "G3 " and the X/Y/Z/I/J/F letters, their separating spaces and the newline
