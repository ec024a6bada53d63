"""Pure, deterministic G-code generation for the normalised designs of docs/interfaces.md.

No Django, no I/O, no clock: the same design, cut, tool and machine give the same bytes.

Conventions of every program:
- X/Y/Z is the tool's controlled point: the tip centre of a router bit or V-bit, the lowest point of a
  saw blade. Coordinates are part coordinates (``feasibility.geometry``): X0 Y0 the part's datum, Z0 the
  top of the stock; the program selects the fixture's work offset (G54..G59) that puts them on the machine.
- Geometry: every dimension and the tool-centre path come from ``feasibility.geometry.plan``, the same
  plan the feasibility engine judged the envelope of.
- Entry: a straight plunge at ``cut["plunge_mm_min"]`` from safe Z (no ramp), so the only moves below safe
  Z are feed moves and the verifier can check each one; rapids travel only at safe Z.
- Depth: ``n = ceil(depth / stepdown)`` equal levels, each at most the stepdown, put on the output grid
  towards the surface so the program never goes below the design depth or the judged ``cut["depth_mm"]``.
- Arcs: full circles as two half-circle G3 arcs (CCW, climb on the outer wall) with I/J relative to the
  arc start, which every common controller reads the same way. Centre and radius are put on the output grid
  first, so both half circles have exactly equal start and end radii as written; a circle whose radius is
  below ``MIN_ARC_RADIUS_MM`` on that grid is not emitted (interpreters refuse such arcs, and it lies inside
  the cutter anyway).
- Numbers: rounded to 3 decimals, trailing zeros stripped, never "-0". Moves carry the rounded values, so
  the move list and the text describe exactly the same path.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from feasibility import geometry
from feasibility.enums import WorkOffset
from feasibility.geometry import MIN_ARC_RADIUS_MM, OUTPUT_DECIMALS, SAW_SHAPES, quantise

DECIMALS = OUTPUT_DECIMALS
SPINDLE_DWELL_S = 2
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
    "fret_slots": (
        *("scale_length", "scale_length_bass", "scale_length_treble", "perpendicular_fret", "frets"),
        *("board_width", "nut_width", "radius", "radius_end", "depth"),
    ),
    "pocket_circle": ("d", "depth"),
    "pocket_rect": ("w", "h", "depth"),
}
COMMENT_MAX_CHARS = 72
# Where each shape's datum is (docs/feasibility.md, "Fixtures and datums"), for the header.
DATUMS = {
    "ring": "X0 Y0 = centre of the ring",
    "slot": "X0 Y0 = start point of the slot",
    "fret_slots": "X0 = nut line, Y0 = board centreline",
    "pocket_circle": "X0 Y0 = centre of the pocket",
    "pocket_rect": "X0 Y0 = centre of the pocket",
}


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
        # A blade cannot follow a curve or clear an area; refusing here keeps a mistaken verdict from turning
        # into a blade driven sideways.
        raise ValueError(f"a saw blade cannot cut a {shape}; use a router bit or V-bit")
    design_depth, cut_depth = _positive(design, "depth"), _positive(cut, "depth_mm")
    if abs(design_depth - cut_depth) > DEPTH_AGREEMENT_MM:
        raise ValueError(f"cut depth_mm {cut['depth_mm']} differs from the design depth {design['depth']}")
    # The shallower of the two, so that neither what was designed nor what was judged is exceeded.
    depth = min(design_depth, cut_depth)
    for key in ("rpm", "feed_mm_min", "plunge_mm_min", "stepdown_mm", "safe_z_mm"):
        _positive(cut, key)
    fixture = work_fixture(cut, machine)

    levels = _levels(depth, float(cut["stepdown_mm"]))
    shape_of_tool = geometry.ToolShape.of(tool)
    width = geometry.cut_width(shape_of_tool, depth)
    # The path the engine judged: planned from the design itself (a saw's half-chord at the design depth).
    plan = geometry.plan(design, shape_of_tool)
    path = _Path(
        safe_z=float(cut["safe_z_mm"]),
        feed=float(cut["feed_mm_min"]),
        plunge=float(cut["plunge_mm_min"]),
    )
    if shape == "ring":
        if float(design["inner_d"]) < 0:
            raise ValueError(f"ring inner_d must not be negative, got {design['inner_d']}")
        _refuse_too_wide((float(design["od"]) - float(design["inner_d"])) / 2, width, "ring channel")
        _concentric(path, plan, _stepover(cut, width), levels)
    elif shape == "pocket_circle":
        _refuse_too_wide(float(design["d"]), width, "pocket")
        _concentric(path, plan, _stepover(cut, width), levels)
    elif shape == "pocket_rect":
        _refuse_too_wide(float(design["w"]), width, "pocket width")
        _refuse_too_wide(float(design["h"]), width, "pocket height")
        _pocket_rect(path, plan, _stepover(cut, width), levels)
    elif shape == "slot":
        if tool["kind"] == "saw":
            chord = geometry.saw_half_chord(float(tool["diameter_mm"]), depth)
            if geometry.saw_slot_travel(float(design["length"]), chord) < -EPS:
                raise ValueError(
                    f"the blade's kerf is {format_number(2 * chord)} mm long at this depth, longer than the slot"
                )
        _passes(path, plan.lines[0], levels)
    elif plan.paths:
        _radiused_fret_slots(path, plan, levels)
    else:
        _fret_slots(path, plan, levels)

    moves = tuple(path.moves)
    # moves[0] is the opening retract: the tool must be clear before the spindle starts.
    lines = [
        *_header(design, cut, tool, machine, fixture, width, levels),
        f"G21 G90 G17 {fixture['work_offset']}",
        *_emit(moves[:1]),
        f"M3 S{format_number(float(cut['rpm']))}",
        f"G4 P{SPINDLE_DWELL_S}",
        *_emit(moves[1:]),
        "M5",
        "M30",
    ]
    return Program(moves=moves, gcode_text="\n".join(lines) + "\n")


def work_fixture(cut: dict, machine: dict) -> dict:
    """The machine's fixture the cut was judged on (``cut["fixture_id"]``, else the machine's default one);
    ValueError when the machine has no such fixture, or it has no valid work offset."""
    fixture_id = cut.get("fixture_id")
    for fixture in machine.get("fixtures") or ():
        if fixture.get("fixture_id") == fixture_id or (fixture_id is None and fixture.get("is_default") is True):
            if fixture.get("work_offset") not in set(WorkOffset):
                raise ValueError(f"fixture {fixture.get('fixture_id')!r} has no valid work offset")
            return fixture
    wanted = repr(fixture_id) if fixture_id is not None else "marked as its default"
    raise ValueError(f"machine {machine.get('machine_id')!r} has no fixture {wanted}")


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
        """Two CCW half circles around (cx, cy), starting and ending at the current point.

        Centre and current point are on the output grid, so the opposite point and both centre offsets are too:
        what is written has equal start and end radii. A radius below MIN_ARC_RADIUS_MM is not a circle worth
        (or safe) writing: it lies inside the cutter, and interpreters refuse near-zero arcs."""
        cx, cy = quantise(cx), quantise(cy)
        sx, sy = self.x, self.y
        if math.hypot(sx - cx, sy - cy) < MIN_ARC_RADIUS_MM:
            return
        ox, oy = quantise(2 * cx - sx), quantise(2 * cy - sy)
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
    return [geometry.no_deeper(-depth * k / count) for k in range(1, count + 1)]


def _stepover(cut: dict, width: float) -> float:
    # A stepover wider than the cut would leave ridges standing between passes.
    return min(_positive(cut, "stepover_mm"), width)


def _refuse_too_wide(size: float, width: float, label: str) -> None:
    if geometry.centre_extent(size, width) < -EPS:
        raise ValueError(f"the tool cuts {format_number(width)} mm wide, wider than the {label} ({size} mm)")


def _concentric(path: _Path, plan: geometry.Plan, stepover: float, levels: list[float]) -> None:
    # Alternating inward/outward per level lets each level start where the last one ended, inside the
    # area already cut, so one plunge per level and no retract.
    cx, cy = plan.centre
    radii = [quantise(radius) for radius in geometry.spaced(*plan.radii, stepover)]
    path.enter(cx + radii[0], cy, levels[0])
    for index, z in enumerate(levels):
        path.plunge(z)
        for radius in radii if index % 2 == 0 else reversed(radii):
            path.line(cx + radius, cy)
            path.full_circle(cx, cy)
    path.retract()


def _pocket_rect(path: _Path, plan: geometry.Plan, stepover: float, levels: list[float]) -> None:
    (cx, cy), (half_x, half_y) = plan.centre, plan.half
    # Rows run along the longer side: fewer direction changes for the same area.
    along_x = half_x >= half_y
    half_u, half_v = (half_x, half_y) if along_x else (half_y, half_x)

    def point(u: float, v: float) -> tuple[float, float]:
        return (cx + u, cy + v) if along_x else (cx + v, cy + u)

    rows = geometry.spaced(-half_v, half_v, stepover)
    # Counter-clockwise, for climb milling along the walls.
    corners = plan.corners()
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


def _fret_slots(path: _Path, plan: geometry.Plan, levels: list[float]) -> None:
    forward = True
    for start, end in plan.lines:
        _passes(path, (start, end) if forward else (end, start), levels)
        # Start the next fret on the side where this one finished: the rapid is then a straight hop in X.
        if len(levels) % 2:
            forward = not forward


def _radiused_fret_slots(path: _Path, plan: geometry.Plan, levels: list[float]) -> None:
    """Slots on a radiused board: each level walks the slot's points at the board's top plus the level, so the
    slot bottom keeps its depth below the curved top; levels alternate direction like straight slots."""
    forward = True
    for points in plan.paths:
        walk = points if forward else points[::-1]
        x, y, top = walk[0]
        path.enter(x, y, top + levels[0])
        for index, level in enumerate(levels):
            ordered = walk if index % 2 == 0 else walk[::-1]
            path.plunge(ordered[0][2] + level)
            for x, y, top in ordered[1:]:
                z = quantise(top + level)
                path.moves.append(Move(FEED, x=x, y=y, z=z, feed=path.feed))
                path.x, path.y, path.z = x, y, z
        path.retract()
        if len(levels) % 2:
            forward = not forward


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
    fixture: dict,
    width: float,
    levels: list[float],
) -> list[str]:
    fmt = format_number
    shape = design["shape"]
    dims = " ".join(f"{key}={fmt(float(design[key]))}" for key in DESIGN_KEYS[shape] if key in design)
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
        f"fixture: {fixture['fixture_id']} {fixture['work_offset']} - {fixture.get('name', '')}",
        f"work zero: {DATUMS[shape]}, Z0 = top of stock",
        f"touch off Z0 on the stock: {fmt(float(design['stock_thickness']))} mm above the fixture bed",
        f"X Y Z = {point}",
        "units: mm",
    ]
    if shape in ("ring", "pocket_circle", "pocket_rect"):
        texts.insert(7, f"stepover {fmt(_stepover(cut, width))} mm")
    return [_comment(text) for text in texts]
