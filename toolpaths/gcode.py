"""Pure, deterministic G-code generation for the normalised designs of docs/interfaces.md.

No Django, no I/O, no clock: the same design, cut, tool and machine give the same bytes.

Conventions of every program:
- X/Y/Z is the tool's controlled point: the tip centre of a router bit or V-bit, the lowest point of a
  saw blade. Program zero is the centre of the machine travel; Z0 is the top of the stock.
- Entry: a straight plunge at ``cut["plunge_mm_min"]`` from safe Z (no ramp), so the only moves below safe
  Z are feed moves and the verifier can check each one; rapids travel only at safe Z.
- Depth: ``n = ceil(depth / stepdown)`` equal levels, each at most the stepdown, put on the output grid
  towards the surface so the program never goes below the design depth or the judged ``cut["depth_mm"]``.
- Arcs: full circles as two half-circle G3 arcs (CCW, climb on the outer wall) with I/J relative to the
  arc start, which every common controller reads the same way.
- Numbers: rounded to 3 decimals, trailing zeros stripped, never "-0". Moves carry the rounded values, so
  the move list and the text describe exactly the same path.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

DECIMALS = 3
SPINDLE_DWELL_S = 2
# Air gap kept between the tool and the board edge when a through cut (fret slot) starts or ends.
LEAD_CLEARANCE_MM = 2.0
# Tolerance for comparing millimetre quantities computed in floating point.
EPS = 1e-9
# The feasibility engine reports cut figures rounded to 3 decimals, so its depth_mm may differ from the
# design's depth by up to half a unit in the last place.
DEPTH_AGREEMENT_MM = 0.5 * 10**-DECIMALS + EPS
# GRBL treats an arc whose end angle is this close to its start angle as a full circle.
ARC_FULL_CIRCLE_RAD = 5e-7
TAU = 2.0 * math.pi

RAPID = "rapid"
FEED = "feed"
ARC_CW = "arc_cw"
ARC_CCW = "arc_ccw"
MoveKind = Literal["rapid", "feed", "arc_cw", "arc_ccw"]

DESIGN_KEYS = {
    "ring": ("od", "inner_d", "width", "depth"),
    "slot": ("length", "depth", "angle"),
    "fret_slots": ("scale_length", "frets", "board_width", "depth"),
    "pocket_circle": ("d", "depth"),
    "pocket_rect": ("w", "h", "depth"),
}
# A saw blade cannot follow a curve or clear an area; refusing here keeps a mistaken verdict from
# turning into a blade driven sideways.
SAW_SHAPES = frozenset({"slot", "fret_slots"})
COMMENT_MAX_CHARS = 72


@dataclass(frozen=True, slots=True)
class Move:
    """One motion. Axes left ``None`` keep their modal value, exactly as an omitted G-code word does.

    ``i``/``j`` are the arc centre relative to the arc start; ``feed`` is ``None`` for rapids.
    """

    kind: MoveKind
    x: float | None = None
    y: float | None = None
    z: float | None = None
    feed: float | None = None
    i: float | None = None
    j: float | None = None


@dataclass(frozen=True, slots=True)
class Program:
    moves: tuple[Move, ...]
    gcode_text: str


def format_number(value: float) -> str:
    text = f"{value:.{DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def quantise(value: float) -> float:
    # Adding 0.0 turns a rounded -0.0 into 0.0.
    return round(value, DECIMALS) + 0.0


def arc_sweep(sx: float, sy: float, ex: float, ey: float, cx: float, cy: float, *, ccw: bool) -> float:
    """Swept angle in radians, in (0, 2π]; coincident start and end make a full circle."""
    a0 = math.atan2(sy - cy, sx - cx)
    a1 = math.atan2(ey - cy, ex - cx)
    sweep = (a1 - a0) % TAU if ccw else (a0 - a1) % TAU
    return TAU if sweep < ARC_FULL_CIRCLE_RAD or TAU - sweep < ARC_FULL_CIRCLE_RAD else sweep


def arc_extent(
    sx: float, sy: float, ex: float, ey: float, cx: float, cy: float, *, ccw: bool
) -> tuple[float, float, float, float]:
    """(x_min, x_max, y_min, y_max) of the arc, including the axis extremes it passes through."""
    radius = math.hypot(sx - cx, sy - cy)
    sweep = arc_sweep(sx, sy, ex, ey, cx, cy, ccw=ccw)
    start = math.atan2(sy - cy, sx - cx)
    xs = [sx, ex]
    ys = [sy, ey]
    for quarter, (ux, uy) in enumerate(((1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0))):
        theta = quarter * math.pi / 2
        offset = (theta - start) % TAU if ccw else (start - theta) % TAU
        if offset <= sweep + ARC_FULL_CIRCLE_RAD:
            xs.append(cx + radius * ux)
            ys.append(cy + radius * uy)
    return min(xs), max(xs), min(ys), max(ys)


def generate(*, design: dict, cut: dict, tool: dict, machine: dict) -> Program:
    """The program for one normalised design. Raises ValueError when the inputs cannot be cut as given."""
    shape = design.get("shape")
    if shape not in DESIGN_KEYS:
        raise ValueError(f"unknown design shape {shape!r}")
    if tool["kind"] == "saw" and shape not in SAW_SHAPES:
        raise ValueError(f"a saw blade cannot cut a {shape}; use a router bit or V-bit")
    design_depth, cut_depth = _positive(design, "depth"), _positive(cut, "depth_mm")
    if abs(design_depth - cut_depth) > DEPTH_AGREEMENT_MM:
        raise ValueError(f"cut depth_mm {cut['depth_mm']} differs from the design depth {design['depth']}")
    # The shallower of the two, so that neither what was designed nor what was judged is exceeded.
    depth = min(design_depth, cut_depth)
    for key in ("rpm", "feed_mm_min", "plunge_mm_min", "stepdown_mm", "safe_z_mm"):
        _positive(cut, key)

    levels = _levels(depth, float(cut["stepdown_mm"]))
    width = _cutting_width(tool, depth)
    path = _Path(
        safe_z=float(cut["safe_z_mm"]),
        feed=float(cut["feed_mm_min"]),
        plunge=float(cut["plunge_mm_min"]),
    )
    if shape == "ring":
        _ring(path, design, width, _stepover(cut, width), levels)
    elif shape == "pocket_circle":
        _pocket_circle(path, design, width, _stepover(cut, width), levels)
    elif shape == "pocket_rect":
        _pocket_rect(path, design, width, _stepover(cut, width), levels)
    elif shape == "slot":
        _slot(path, design, levels)
    else:
        _fret_slots(path, design, levels, _lead_in(tool, width, depth))

    moves = tuple(path.moves)
    # moves[0] is the opening retract: the tool must be clear before the spindle starts.
    lines = [
        *_header(design, cut, tool, machine, width, levels),
        "G21 G90 G17",
        *_emit(moves[:1]),
        f"M3 S{format_number(float(cut['rpm']))}",
        f"G4 P{SPINDLE_DWELL_S}",
        *_emit(moves[1:]),
        "M5",
        "M30",
    ]
    return Program(moves=moves, gcode_text="\n".join(lines) + "\n")


class _Path:
    """Accumulates quantised moves, dropping ones that would not move the tool."""

    def __init__(self, *, safe_z: float, feed: float, plunge: float) -> None:
        self.safe_z = quantise(safe_z)
        self.feed = feed
        self.plunge_feed = plunge
        self.moves: list[Move] = []
        self.x: float | None = None
        self.y: float | None = None
        self.z: float | None = None
        self.retract()

    def retract(self) -> None:
        if self.z != self.safe_z:
            self.moves.append(Move(RAPID, z=self.safe_z))
            self.z = self.safe_z

    def enter(self, x: float, y: float, z: float) -> None:
        x, y = quantise(x), quantise(y)
        self.retract()
        if (x, y) != (self.x, self.y):
            self.moves.append(Move(RAPID, x=x, y=y))
            self.x, self.y = x, y
        self.plunge(z)

    def plunge(self, z: float) -> None:
        z = quantise(z)
        if z != self.z:
            self.moves.append(Move(FEED, z=z, feed=self.plunge_feed))
            self.z = z

    def line(self, x: float, y: float) -> None:
        x, y = quantise(x), quantise(y)
        if (x, y) != (self.x, self.y):
            self.moves.append(Move(FEED, x=x, y=y, feed=self.feed))
            self.x, self.y = x, y

    def full_circle(self, cx: float, cy: float) -> None:
        """Two CCW half circles around (cx, cy), starting and ending at the current point."""
        sx, sy = self.x, self.y
        ox, oy = quantise(2 * cx - sx), quantise(2 * cy - sy)
        if (ox, oy) == (sx, sy):
            return
        self.moves.append(Move(ARC_CCW, x=ox, y=oy, feed=self.feed, i=quantise(cx - sx), j=quantise(cy - sy)))
        self.moves.append(Move(ARC_CCW, x=sx, y=sy, feed=self.feed, i=quantise(cx - ox), j=quantise(cy - oy)))
        self.x, self.y = sx, sy


def _positive(values: dict, key: str) -> float:
    try:
        value = float(values[key])
    except (TypeError, ValueError):
        value = math.nan
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"{key} must be a positive number, got {values[key]!r}")
    return value


def _levels(depth: float, stepdown: float) -> list[float]:
    count = max(1, math.ceil(depth / stepdown - EPS))
    return [_no_deeper(-depth * k / count) for k in range(1, count + 1)]


def _no_deeper(z: float) -> float:
    """z on the output grid, rounded towards the surface so no level ends up below the depth asked for."""
    scale = 10**DECIMALS
    # The small offset keeps float noise (-2999.9999999996 for -3) from lifting an exact value a whole step.
    return math.ceil(z * scale - 1e-6) / scale + 0.0


def _spaced(start: float, stop: float, max_step: float) -> list[float]:
    """Evenly spaced values from start to stop inclusive, no two neighbours further apart than max_step."""
    if stop - start <= EPS:
        return [start]
    count = math.ceil((stop - start) / max_step - EPS)
    return [start + (stop - start) * k / count for k in range(count + 1)]


def _cutting_width(tool: dict, depth: float) -> float:
    if tool["kind"] == "saw":
        return _positive(tool, "kerf_mm")
    diameter = _positive(tool, "diameter_mm")
    angle = tool.get("vbit_angle_deg")
    if tool["kind"] == "vbit" and angle:
        # Walls and stepover are set by the width the V cuts at full depth.
        return min(diameter, 2 * depth * math.tan(math.radians(float(angle)) / 2))
    return diameter


def _stepover(cut: dict, width: float) -> float:
    # A stepover wider than the cut would leave ridges standing between passes.
    return min(_positive(cut, "stepover_mm"), width)


def _lead_in(tool: dict, width: float, depth: float) -> float:
    """How far outside the board edge a through cut starts so that the tool enters the board at speed."""
    if tool["kind"] == "saw":
        radius = _positive(tool, "diameter_mm") / 2
        # The blade's reach along the cut at full depth is the half chord at that depth.
        reach = math.sqrt(max(0.0, radius**2 - (radius - min(depth, radius)) ** 2))
        return reach + LEAD_CLEARANCE_MM
    return width / 2 + LEAD_CLEARANCE_MM


def _tool_centre_extent(size: float, width: float, label: str) -> float:
    """Half the travel of the tool centre across a feature of the given size, keeping the cut inside it."""
    half = (size - width) / 2
    if half < -EPS:
        raise ValueError(f"the tool cuts {format_number(width)} mm wide, wider than the {label} ({size} mm)")
    return max(half, 0.0)


def _concentric(path: _Path, cx: float, cy: float, radii: list[float], levels: list[float]) -> None:
    # Alternating inward/outward per level lets each level start where the last one ended, inside the
    # area already cut, so one plunge per level and no retract.
    path.enter(cx + radii[0], cy, levels[0])
    for index, z in enumerate(levels):
        path.plunge(z)
        for radius in radii if index % 2 == 0 else reversed(radii):
            path.line(cx + radius, cy)
            path.full_circle(cx, cy)
    path.retract()


def _ring(path: _Path, design: dict, width: float, stepover: float, levels: list[float]) -> None:
    inner = float(design["inner_d"]) / 2
    if inner < 0:
        raise ValueError(f"ring inner_d must not be negative, got {design['inner_d']}")
    channel = float(design["od"]) / 2 - inner
    half = _tool_centre_extent(channel, width, "ring channel")
    mid = inner + channel / 2
    radii = _spaced(mid - half, mid + half, stepover)
    _concentric(path, float(design["x"]), float(design["y"]), radii, levels)


def _pocket_circle(path: _Path, design: dict, width: float, stepover: float, levels: list[float]) -> None:
    outer = _tool_centre_extent(float(design["d"]), width, "pocket")
    _concentric(path, float(design["x"]), float(design["y"]), _spaced(0.0, outer, stepover), levels)


def _pocket_rect(path: _Path, design: dict, width: float, stepover: float, levels: list[float]) -> None:
    cx, cy = float(design["x"]), float(design["y"])
    half_x = _tool_centre_extent(float(design["w"]), width, "pocket width")
    half_y = _tool_centre_extent(float(design["h"]), width, "pocket height")
    # Rows run along the longer side: fewer direction changes for the same area.
    along_x = half_x >= half_y
    half_u, half_v = (half_x, half_y) if along_x else (half_y, half_x)

    def point(u: float, v: float) -> tuple[float, float]:
        return (cx + u, cy + v) if along_x else (cx + v, cy + u)

    rows = _spaced(-half_v, half_v, stepover)
    # Counter-clockwise, for climb milling along the walls.
    corners = [(cx - half_x, cy - half_y), (cx + half_x, cy - half_y), (cx + half_x, cy + half_y)]
    corners.append((cx - half_x, cy + half_y))
    u, v = -half_u, -half_v
    path.enter(*point(u, v), levels[0])
    for z in levels:
        path.plunge(z)
        for row_v in rows if v < 0 else reversed(rows):
            path.line(*point(u, row_v))
            u = -u
            path.line(*point(u, row_v))
        v = rows[-1] if v < 0 else rows[0]
        _perimeter(path, corners)
    path.retract()


def _perimeter(path: _Path, corners: list[tuple[float, float]]) -> None:
    """Finishing pass around the corners in order, from the one the tool is at and back to it."""
    here = (path.x, path.y)
    start = min(range(len(corners)), key=lambda k: math.dist(corners[k], here))
    for k in range(1, len(corners) + 1):
        path.line(*corners[(start + k) % len(corners)])


def _passes(path: _Path, ends: tuple[tuple[float, float], tuple[float, float]], levels: list[float]) -> None:
    # Each level cuts in the opposite direction, stepping down where the last one ended.
    path.enter(*ends[0], levels[0])
    for index, z in enumerate(levels):
        path.plunge(z)
        path.line(*ends[(index + 1) % 2])
    path.retract()


def _slot(path: _Path, design: dict, levels: list[float]) -> None:
    x, y, length = float(design["x"]), float(design["y"]), float(design["length"])
    angle = math.radians(float(design["angle"]))
    _passes(path, ((x, y), (x + length * math.cos(angle), y + length * math.sin(angle))), levels)


def _fret_slots(path: _Path, design: dict, levels: list[float], lead_in: float) -> None:
    x, y, scale = float(design["x"]), float(design["y"]), float(design["scale_length"])
    half = float(design["board_width"]) / 2 + lead_in
    side = -1.0
    for fret in range(1, int(design["frets"]) + 1):
        fret_x = x + scale - scale / 2 ** (fret / 12)
        _passes(path, ((fret_x, y + side * half), (fret_x, y - side * half)), levels)
        # Start the next fret on the side where this one finished: the rapid is then a straight hop in X.
        if len(levels) % 2:
            side = -side


def _emit(moves: tuple[Move, ...]) -> list[str]:
    fmt = format_number
    lines = []
    modal_feed = None
    for move in moves:
        words = [_CODE[move.kind]]
        if move.x is not None:
            words.append(f"X{fmt(move.x)}")
        if move.y is not None:
            words.append(f"Y{fmt(move.y)}")
        if move.z is not None:
            words.append(f"Z{fmt(move.z)}")
        if move.i is not None:
            words.append(f"I{fmt(move.i)}")
        if move.j is not None:
            words.append(f"J{fmt(move.j)}")
        if move.feed is not None and move.feed != modal_feed:
            words.append(f"F{fmt(move.feed)}")
            modal_feed = move.feed
        lines.append(" ".join(words))
    return lines


_CODE = {RAPID: "G0", FEED: "G1", ARC_CW: "G2", ARC_CCW: "G3"}


def _comment(text: str) -> str:
    # Registry names are free text: parentheses, ';' or control characters would end the comment early
    # and turn the rest into words the controller executes.
    return "(" + " ".join(_COMMENT_UNSAFE.sub(" ", text).split())[:COMMENT_MAX_CHARS] + ")"


# Anything but printable ASCII, and the characters that end a comment or start another.
_COMMENT_UNSAFE = re.compile(r"[^ -~]|[();]")


def _header(
    design: dict,
    cut: dict,
    tool: dict,
    machine: dict,
    width: float,
    levels: list[float],
) -> list[str]:
    fmt = format_number
    shape = design["shape"]
    dims = " ".join(f"{key}={fmt(float(design[key]))}" for key in DESIGN_KEYS[shape])
    blade = f"D{fmt(float(tool['diameter_mm']))}"
    if tool["kind"] == "saw":
        blade += f" kerf {fmt(width)}"
    point = "lowest point of the saw blade" if tool["kind"] == "saw" else "tool tip centre"
    texts = [
        f"RMOS program: {shape}",
        f"design: {dims} at X{fmt(float(design['x']))} Y{fmt(float(design['y']))}",
        f"tool: {tool['tool_id']} - {tool['name']}",
        f"tool kind: {tool['kind']} {blade}, cutting width {fmt(width)}",
        f"machine: {machine['machine_id']}",
        f"cut: S{fmt(float(cut['rpm']))} feed {fmt(float(cut['feed_mm_min']))} "
        f"plunge {fmt(float(cut['plunge_mm_min']))} mm/min",
        f"depth: {len(levels)} passes of {fmt(-levels[0])} mm, safe Z{fmt(float(cut['safe_z_mm']))}",
        "entry: straight plunge at the plunge feed, rapids only at safe Z",
        f"Z0 = top of stock, stock {fmt(float(design['stock_thickness']))} mm thick",
        f"X Y Z = {point}, X0 Y0 = centre of machine travel",
        "units: mm",
    ]
    if shape in ("ring", "pocket_circle", "pocket_rect"):
        texts.insert(7, f"stepover {fmt(_stepover(cut, width))} mm")
    return [_comment(text) for text in texts]
