"""Names, units and sensible precision for the numbers the pages show and the design forms ask for.

One table per kind of number: a design's dimensions (``docs/interfaces.md``: every length in mm, angles in
degrees), the resolved cut parameters, and the engine's checks. A check may carry its own ``"unit"``; the
table here is the fallback for results recorded before checks said it. Formatting only: the stored values
stay as recorded (the pages put the full value in a tooltip wherever they round it).
"""

import math

from feasibility.engine.tables import DESIGN_DEFAULTS, FRET_MULTISCALE_KEYS, FRET_OPTIONAL_KEYS, SHAPE_DIMENSIONS
from feasibility.enums import Shape

# (label, unit) of every design key; the order of a design table is shape, its dimensions, then placement.
DESIGN_KEYS = {
    "od": ("Outside diameter", "mm"),
    "inner_d": ("Inside diameter", "mm"),
    "width": ("Width", "mm"),
    "length": ("Length", "mm"),
    "angle": ("Angle", "°"),
    "scale_length": ("Scale length", "mm"),
    "scale_length_bass": ("Scale length, bass edge", "mm"),
    "scale_length_treble": ("Scale length, treble edge", "mm"),
    "perpendicular_fret": ("Perpendicular fret", ""),
    "frets": ("Frets", ""),
    "board_width": ("Board width", "mm"),
    "nut_width": ("Width at the nut", "mm"),
    "radius": ("Fingerboard radius", "mm"),
    "radius_end": ("Radius at the last fret", "mm"),
    "d": ("Diameter", "mm"),
    "w": ("Width (X)", "mm"),
    "h": ("Height (Y)", "mm"),
    "depth": ("Depth", "mm"),
    "stock_thickness": ("Stock thickness", "mm"),
    "operation": ("Operation", ""),
    "direction": ("Direction", ""),
    "source": ("Drawing", ""),
    "layer": ("Layer", ""),
    "tabs": ("Tabs", ""),
    "x": ("Position X", "mm"),
    "y": ("Position Y", "mm"),
}
PLACEMENT_KEYS = ("stock_thickness", "x", "y")
SHAPE_LABELS = {
    "ring": "Ring (rosette channel)",
    "slot": "Slot",
    "fret_slots": "Fret slots",
    "pocket_circle": "Round pocket",
    "pocket_rect": "Rectangular pocket",
    "outline": "Outline from a drawing (DXF or SVG)",
}
# What x, y name for each shape (docs/interfaces.md).
SHAPE_ORIGINS = {
    "ring": "the ring's centre",
    "slot": "the slot's start point",
    "fret_slots": "the nut, on the board's centre line (the board runs along +X)",
    "pocket_circle": "the pocket's centre",
    "pocket_rect": "the pocket's centre",
    "outline": "the drawing's origin",
}

CUT_KEYS = {
    "rpm": ("Spindle speed", "rpm"),
    "feed_mm_min": ("Feed", "mm/min"),
    "plunge_mm_min": ("Plunge", "mm/min"),
    "stepdown_mm": ("Stepdown", "mm"),
    "stepover_mm": ("Stepover", "mm"),
    "passes": ("Passes", ""),
    "chip_load_mm": ("Chip load", "mm"),
    "safe_z_mm": ("Safe Z", "mm"),
    "depth_mm": ("Depth", "mm"),
    "stock_thickness_mm": ("Stock thickness", "mm"),
    "cut_width_mm": ("Cut width", "mm"),
    "surface_speed_m_min": ("Surface speed", "m/min"),
    "cutting_diameter_mm": ("Cutting diameter", "mm"),
    "fixture_id": ("Fixture", ""),
    "work_offset": ("Work offset", ""),
    "bounds_mm": ("Path extent (work coordinates)", "mm"),
}

# The unit of each check's value and limit, for checks recorded without one.
CHECK_UNITS = {
    "RPM_TOOL_MAX": "rpm",
    "RPM_MACHINE_RANGE": "rpm",
    "SURFACE_SPEED": "m/min",
    "CHIP_LOAD": "mm",
    "FEED_XY": "mm/min",
    "FEED_Z": "mm/min",
    "DEPTH_PER_PASS": "mm",
    "STEPOVER": "mm",
    "TOOL_REACH": "mm",
    "STOCK_THICKNESS": "mm",
    "WORK_ENVELOPE": "mm",
    "FEATURE_WIDTH": "mm",
    "DEFLECTION": "mm",
    "SPINDLE_POWER": "W",
}


def number(value) -> str:
    """A number at the precision a person reads: four significant digits, whole numbers from 1000 up, no
    trailing zeros (``2638.9378`` -> ``2639``, ``1.5`` -> ``1.5``, ``0.025439`` -> ``0.02544``)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int) or not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(0, 3 - magnitude)
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def quantity(value, unit: str = "") -> str:
    """A stored value with its unit: numbers rounded by ``number``, text (a range such as ``6000-24000``)
    as recorded; ``—`` for nothing."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        return extent(value, unit)
    text = number(value)
    if not unit:
        return text
    return f"{text}{unit}" if unit == "°" else f"{text} {unit}"


def extent(value: dict, unit: str = "") -> str:
    """A box such as the cut's ``bounds_mm`` (``x_min``..``z_max``) as "X 36.37…466.2 · Y …", one axis a
    piece, so that it reads at the machine and wraps on a phone; any other mapping as ``key value`` pairs."""
    axes = [
        f"{axis.upper()} {number(value[f'{axis}_min'])}…{number(value[f'{axis}_max'])}"
        for axis in "xyz"
        if f"{axis}_min" in value and f"{axis}_max" in value
    ]
    text = " · ".join(axes) if axes else " · ".join(f"{key} {number(item)}" for key, item in value.items())
    return f"{text} {unit}".rstrip()


def design_required(shape: str) -> tuple[str, ...]:
    """The dimensions a shape has no documented default for (a ring may give ``inner_d`` or ``width``)."""
    defaults = DESIGN_DEFAULTS[Shape(shape)]
    return tuple(key for key in SHAPE_DIMENSIONS[Shape(shape)] if key not in defaults and key != "inner_d")


# The optional keys a shape's form also asks for, after its dimensions: a multiscale, tapered or radiused board.
OPTIONAL_DIMENSIONS = {"fret_slots": (*FRET_MULTISCALE_KEYS, *FRET_OPTIONAL_KEYS)}
# What an outline's operation and direction are called on the pages.
OUTLINE_OPERATIONS = {"profile_outside": "Profile outside", "profile_inside": "Profile inside", "pocket": "Pocket"}
OUTLINE_DIRECTIONS = {"climb": "Climb", "conventional": "Conventional"}


def design_dimensions(shape: str) -> tuple[str, ...]:
    """The keys a shape's form asks for, dimensions first, then its optional ones, then placement."""
    return (*SHAPE_DIMENSIONS[Shape(shape)], *OPTIONAL_DIMENSIONS.get(shape, ()), *PLACEMENT_KEYS)


def drawing_label(source) -> str:
    """A drawing a design names, as people read it: ``body.dxf (3f2a9c01b7de, 48213 bytes)``."""
    if not isinstance(source, dict):
        return str(source)
    sha256 = source.get("sha256")
    facts = [sha256[:12]] if isinstance(sha256, str) else []
    if isinstance(source.get("bytes"), int):
        facts.append(f"{source['bytes']} bytes")
    name = source.get("name") or (source.get("format") or "drawing").upper()
    return f"{name} ({', '.join(facts)})" if facts else str(name)


def tabs_label(tabs) -> str:
    """``4 by 8 mm, 2 mm high`` (with a multiplication sign); ``none`` for no tabs."""
    if not isinstance(tabs, dict) or not tabs.get("count"):
        return "none"
    parts = [str(tabs["count"])]
    if tabs.get("width") is not None:
        parts[0] += f" \N{MULTIPLICATION SIGN} {number(tabs['width'])} mm"
    if tabs.get("height") is not None:
        parts.append(f"{number(tabs['height'])} mm high")
    return ", ".join(parts)


def design_default(shape: str, key: str):
    if key in ("x", "y"):
        return 0
    return DESIGN_DEFAULTS[Shape(shape)].get(key)


def design_order(design: dict) -> list[str]:
    """A design's keys in reading order: shape, the shape's dimensions, placement, then anything else."""
    shape = design.get("shape")
    known = design_dimensions(shape) if shape in SHAPE_LABELS else ()
    if shape == "outline":
        known = ("operation", "direction", "source", "layer", "depth", "tabs")
    order = list(dict.fromkeys(["shape", *known, *PLACEMENT_KEYS]))
    first = [key for key in order if key in design]
    return first + sorted(key for key in design if key not in order)
