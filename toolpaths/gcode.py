"""Pure, deterministic G-code generation for the normalised designs of docs/interfaces.md.

Long module: the path of every shape, its entry (plunge, ramp, helix) and the program around it (header, tool,
spindle, park) are one set of conventions that the verifier and the engine's envelope rely on; splitting them
would spread one contract over several files.

No Django, no I/O, no clock: the same design, cut, tool, machine and post give the same bytes.

The generator emits a typed operation list (``Move`` for motion, ``Event`` for comments, the safety line, the
tool, the spindle, dwells and the program end) from the one geometry; a post-processor (``toolpaths.posts``)
formats it for a controller dialect. docs/toolpaths.md describes every program; in short:
- X/Y/Z is the tool's controlled point: the tip centre of a router bit or V-bit, the lowest point of a
  saw blade. Coordinates are part coordinates (``feasibility.geometry``): X0 Y0 the part's datum, Z0 the
  top of the stock; the program selects the fixture's work offset (G54..G59) that puts them on the machine.
- Every program opens with a modal safety line, loads its tool (``Tn M6 G43 Hn``, or a touch-off stop where the
  controller has no tool table or the tool no number), starts the spindle and waits the machine's spindle ramp.
- Geometry: every dimension and the tool-centre path come from ``feasibility.geometry.plan``, the same
  plan the feasibility engine judged the envelope of. Rapids in XY travel at the clearance plane
  (``cut["safe_z_mm"]``, which the engine puts above the fixture's tallest clamp) to the first cut and over any
  clamp; between features, where no clamp is in the way, at the lower retract plane.
- Entry: a straight plunge at ``cut["plunge_mm_min"]`` only for a centre-cutting tool of at least
  ``SMALL_TOOL_MM`` whose stepdown is at most its diameter; otherwise a ramp along the cut or a helix (rings,
  round pockets) no steeper than ``ENTRY_ANGLE_DEG``. Through cuts (fret slots) step down beside the board.
- Depth: ``n = ceil(depth / stepdown)`` equal levels, each at most the stepdown, put on the output grid
  towards the surface so the program never goes below the design depth or the judged ``cut["depth_mm"]``.
- Arcs: full circles as two half-circle G3 arcs (CCW, climb on the outer wall) with I/J relative to the
  arc start (G91.1). Centre and radius are put on the output grid first, so both half circles have exactly
  equal start and end radii as written; a circle whose radius is below ``MIN_ARC_RADIUS_MM`` on that grid is
  not emitted (interpreters refuse such arcs, and it lies inside the cutter anyway).
- End: retract to the clearance plane, spindle off, park at the top of the travel, program end.
- Numbers: rounded to 3 decimals, trailing zeros stripped, never "-0". Moves carry the rounded values, so
  the move list and the text describe exactly the same path.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from feasibility import geometry
from feasibility.enums import WorkOffset
from feasibility.geometry import MIN_ARC_RADIUS_MM, OUTPUT_DECIMALS, SAW_SHAPES, quantise
from toolpaths import posts
from toolpaths.posts import GenerationRefused, format_number

DECIMALS = OUTPUT_DECIMALS
# Tolerance for comparing millimetre quantities computed in floating point.
EPS = 1e-9
# The feasibility engine reports cut figures rounded to 3 decimals, so its depth_mm may differ from the
# design's depth by up to half a unit in the last place.
DEPTH_AGREEMENT_MM = 0.5 * 10**-DECIMALS + EPS
# GRBL treats an arc whose end angle is this close to its start angle as a full circle.
ARC_FULL_CIRCLE_RAD = 5e-7
TAU = 2.0 * math.pi
# Entries: the geometry's rules (``feasibility.geometry``: angle, small tool, shortest leg, approach height), so
# that the engine's estimate of moves and time counts the entries written here.
ENTRY_ANGLE_DEG = geometry.ENTRY_ANGLE_DEG
SMALL_TOOL_MM = geometry.SMALL_TOOL_MM
APPROACH_MM = geometry.APPROACH_MM
# Between features the tool lifts to the retract plane, this far above the stock (or the clearance plane if that
# is lower), wherever its hop does not pass over a clamp; over a clamp, and to and from the program's ends, it
# travels at the clearance plane. A rapid over a clamp stays this far above it (the engine's clearance margin).
RETRACT_ABOVE_STOCK_MM = 5.0
CLAMP_CLEARANCE_MM = 3.0
# The park move stops this far below the top of the Z travel (soft limit).
PARK_MARGIN_MM = 1.0
# Spindle ramp of a machine entry recorded before the registry had one (the field's default), and the
# shortest wait written whatever the registry says.
DEFAULT_SPINDLE_RAMP_S = 3.0
MIN_DWELL_S = 1.0

RAPID = "rapid"
FEED = "feed"
ARC_CW = "arc_cw"
ARC_CCW = "arc_ccw"
MoveKind = Literal["rapid", "feed", "arc_cw", "arc_ccw"]
# What a move is for (``Move.role``): how the tool enters the cut, the approach above the stock, the park.
PLUNGE, RAMP, HELIX, APPROACH, PARK = "plunge", "ramp", "helix", "approach", "park"

DESIGN_KEYS = {
    "ring": ("od", "inner_d", "width", "depth"),
    "slot": ("length", "depth", "angle"),
    "fret_slots": (
        *("scale_length", "scale_length_bass", "scale_length_treble", "perpendicular_fret", "frets"),
        *("board_width", "nut_width", "radius", "radius_end", "depth"),
    ),
    "pocket_circle": ("d", "depth"),
    "pocket_rect": ("w", "h", "depth"),
    "outline": ("depth",),
}
# Where each shape's datum is (docs/feasibility.md, "Fixtures and datums"), for the header.
DATUMS = {
    "ring": "X0 Y0 = centre of the ring",
    "slot": "X0 Y0 = start point of the slot",
    "fret_slots": "X0 = nut line, Y0 = board centreline",
    "pocket_circle": "X0 Y0 = centre of the pocket",
    "pocket_rect": "X0 Y0 = centre of the pocket",
    "outline": "X0 Y0 = the drawing's origin",
}


@dataclass(frozen=True, slots=True)
class Move:
    """One motion. Axes left ``None`` keep their modal value, exactly as an omitted G-code word does.

    ``i``/``j`` are the arc centre relative to the arc start; ``feed`` is ``None`` for rapids. ``role`` says
    what the move is for (``PLUNGE``, ``RAMP``, ``HELIX``, ``APPROACH``, ``PARK`` or "" for the cut itself); it
    is not written in the text, so it does not take part in comparisons.
    """

    kind: MoveKind
    x: float | None = None
    y: float | None = None
    z: float | None = None
    feed: float | None = None
    i: float | None = None
    j: float | None = None
    role: str = field(default="", compare=False)


EventKind = Literal["comment", "safety", "tool", "spindle_on", "dwell", "spindle_off", "end"]


@dataclass(frozen=True, slots=True)
class Event:
    """An operation that does not move the tool. ``text``: a comment, the work offset (safety) or the tool's
    name; ``value``: rpm or seconds; ``number``: the tool-table number; ``detail``: where Z0 is (tool)."""

    kind: EventKind
    text: str = ""
    value: float | None = None
    number: int | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Program:
    moves: tuple[Move, ...]
    gcode_text: str
    post: str = posts.POSTS["linuxcnc"].name
    post_version: str = posts.POSTS["linuxcnc"].version
    entry: str = ""  # the entry strategy, in the header's words


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


def generate(
    *,
    design: dict,
    cut: dict,
    tool: dict,
    machine: dict,
    post: str | None = None,
    job_label: str = "",
    drawing: str | None = None,
) -> Program:
    """The program for one normalised design in the dialect of ``post`` (default: the machine's controller).

    ``job_label`` names the job in the header (e.g. the feasibility hash it was judged under); ``drawing`` is
    an outline's drawing text (the file its design names by hash). Raises ``GenerationRefused`` for a job the
    post or the tool cannot do as asked, ``ValueError`` for inputs that cannot be cut as given."""
    the_post = posts.post_for(machine, post)
    ops, moves, entry = operations(
        design=design, cut=cut, tool=tool, machine=machine, job_label=job_label, drawing=drawing
    )
    text = "\n".join(posts.render(the_post, ops)) + "\n"
    return Program(moves=moves, gcode_text=text, post=the_post.name, post_version=the_post.version, entry=entry)


def operations(
    *, design: dict, cut: dict, tool: dict, machine: dict, job_label: str = "", drawing: str | None = None
) -> tuple[list, tuple[Move, ...], str]:
    """(typed operations, the moves among them, the entry strategy in words): the whole program, before a post
    formats it."""
    shape = design.get("shape")
    if shape not in DESIGN_KEYS:
        raise ValueError(f"unknown design shape {shape!r}")
    if shape == "outline" and tool["kind"] != "router":
        raise ValueError(f"an outline is cut with a flat end mill (a router bit), not a {tool['kind']}")
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

    stepdown = float(cut["stepdown_mm"])
    levels = _levels(depth, stepdown)
    shape_of_tool = geometry.ToolShape.of(tool)
    width = geometry.cut_width(shape_of_tool, depth)
    # The path the engine judged: planned from the design itself (a saw's half-chord at the design depth), or
    # for an outline from its drawing with the judged cut.
    outline = _outline_toolpath(design, cut, tool, drawing) if shape == "outline" else None
    plan = geometry.plan(design, shape_of_tool) if outline is None else None
    feed, plunge = float(cut["feed_mm_min"]), float(cut["plunge_mm_min"])
    # A ramp's Z share of its feed is at most the plunge feed the engine judged against the Z axis limit.
    ramp_feed = min(feed, plunge / math.sin(math.radians(ENTRY_ANGLE_DEG)))
    # A blade stands far above and beside its lowest point: it only ever travels at the clearance plane.
    retract_z = float(cut["safe_z_mm"]) if tool["kind"] == "saw" else RETRACT_ABOVE_STOCK_MM
    path = _Path(
        safe_z=float(cut["safe_z_mm"]),
        retract_z=retract_z,
        obstacles=clamp_zones(fixture, float(cut["stock_thickness_mm"]), float(tool["diameter_mm"]) / 2),
        feed=feed,
        plunge=plunge,
        ramp_feed=quantise(ramp_feed) if ramp_feed < feed else feed,
        diameter=float(tool["diameter_mm"]),
        may_plunge=_may_plunge(tool, stepdown),
        centre_cutting=tool.get("centre_cutting", True) is not False,
    )
    if outline is not None:
        _outline(path, outline, design, depth)
    elif shape == "ring":
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
            path.entries.add("blade")
            _passes(path, plan.lines[0], levels, entry=False)
        else:
            _passes(path, plan.lines[0], levels, entry=True)
    elif plan.paths:
        # A radiused board: each slot steps down beside the board too, then follows the top.
        path.entries.add("beside")
        _radiused_fret_slots(path, plan, levels)
    else:
        path.entries.add("beside")
        _fret_slots(path, plan, levels)
    path.retract()

    park_z = _park_z(cut, machine, fixture, path.safe_z)
    if park_z > path.safe_z:
        path.moves.append(Move(RAPID, z=park_z, role=PARK))
    moves = tuple(path.moves)
    entry = _entry_words(path, tool, stepdown)
    ramp_s = float(machine.get("spindle_ramp_s", DEFAULT_SPINDLE_RAMP_S))
    number = tool.get("tool_number")
    # moves[0] is the opening retract: the tool must be clear before the spindle starts. The end: retract, spindle
    # off, park (the last move when there is room above the clearance plane).
    parked = 1 if moves[-1].role == PARK else 0
    ops: list = [
        *(
            Event("comment", text)
            for text in _header(design, cut, tool, machine, fixture, width, levels, job_label, path.retract_z)
        ),
        Event("comment", f"entry: {entry}"),
        Event("safety", fixture["work_offset"]),
        Event(
            "tool",
            f"{tool['tool_id']} - {tool['name']}",
            number=int(number) if number is not None else None,
            detail=_z0_words(design, tool),
        ),
        moves[0],
        Event("spindle_on", value=float(cut["rpm"])),
        Event("dwell", value=max(ramp_s, MIN_DWELL_S)),
        *moves[1 : len(moves) - parked],
        Event("spindle_off"),
        *moves[len(moves) - parked :],
        Event("end"),
    ]
    return ops, moves, entry


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


def park_height(cut: dict, machine: dict, fixture: dict) -> float | None:
    """The top of the Z travel in work coordinates (less ``PARK_MARGIN_MM``), or None when the entry lacks it."""
    try:
        zero_z = float(fixture["origin_z_mm"]) + float(cut["stock_thickness_mm"])
        return math.floor((float(machine["soft_z_max_mm"]) - zero_z - PARK_MARGIN_MM) * 10**DECIMALS) / 10**DECIMALS
    except (KeyError, TypeError, ValueError):
        return None


def _park_z(cut: dict, machine: dict, fixture: dict, safe_z: float) -> float:
    top = park_height(cut, machine, fixture)
    return safe_z if top is None else max(safe_z, quantise(top))


def clamp_zones(fixture: dict, stock: float, reach: float) -> list[tuple[float, float, float, float, float]]:
    """The fixture's clamps as (x_min, x_max, y_min, y_max, lowest Z a rapid may cross at) in work coordinates,
    each widened by ``reach`` (the tool's radius): a rapid whose path meets one stays above its Z."""
    return [
        (
            float(clamp["x_min_mm"]) - reach,
            float(clamp["x_max_mm"]) + reach,
            float(clamp["y_min_mm"]) - reach,
            float(clamp["y_max_mm"]) + reach,
            float(clamp["height_mm"]) - stock + CLAMP_CLEARANCE_MM,
        )
        for clamp in fixture.get("clamps") or ()
    ]


def segment_meets_box(x0: float, y0: float, x1: float, y1: float, *box: float) -> bool:
    """Whether the segment from (x0, y0) to (x1, y1) touches the rectangle (x_min, x_max, y_min, y_max)
    (Liang-Barsky clipping)."""
    x_min, x_max, y_min, y_max = box[:4]
    low, high = 0.0, 1.0
    for delta, near, far in ((x1 - x0, x_min - x0, x_max - x0), (y1 - y0, y_min - y0, y_max - y0)):
        if delta == 0:
            if near > 0 or far < 0:
                return False
            continue
        t0, t1 = sorted((near / delta, far / delta))
        low, high = max(low, t0), min(high, t1)
        if low > high:
            return False
    return True


def _may_plunge(tool: dict, stepdown: float) -> bool:
    """A straight plunge only for a centre-cutting bit of at least SMALL_TOOL_MM plunging at most its diameter."""
    return geometry.may_plunge(
        float(tool["diameter_mm"]), stepdown, centre_cutting=tool.get("centre_cutting", True) is not False
    )


class _Path:
    """Accumulates quantised moves, dropping ones that would not move the tool."""

    def __init__(
        self,
        *,
        safe_z: float,
        retract_z: float,
        obstacles: list[tuple[float, float, float, float, float]],
        feed: float,
        plunge: float,
        ramp_feed: float,
        diameter: float,
        may_plunge: bool,
        centre_cutting: bool,
    ) -> None:
        self.safe_z = quantise(safe_z)
        self.retract_z = quantise(min(retract_z, safe_z))
        # Only the clamps the retract plane would not clear.
        self.obstacles = [zone for zone in obstacles if zone[4] > self.retract_z]
        self.feed = feed
        self.plunge_feed = plunge
        self.ramp_feed = ramp_feed
        self.diameter = diameter
        self.may_plunge = may_plunge
        self.centre_cutting = centre_cutting
        self.min_entry = geometry.min_entry(diameter)
        self.tan = math.tan(math.radians(ENTRY_ANGLE_DEG))
        # How the tool went into the cut, for the header: "plunge", "ramp", "helix", "beside", "blade",
        # "plunge_no_room".
        self.entries: set[str] = set()
        self.moves: list[Move] = []
        self.x: float | None = None
        self.y: float | None = None
        self.z: float | None = None
        self.retract()

    def retract(self) -> None:
        if self.z != self.safe_z:
            self.moves.append(Move(RAPID, z=self.safe_z))
            self.z = self.safe_z

    def lift(self) -> None:
        """Up to the retract plane, at the end of a feature."""
        if self.z is None or self.z < self.retract_z:
            self.moves.append(Move(RAPID, z=self.retract_z))
            self.z = self.retract_z

    def over(self, x: float, y: float) -> None:
        """Above (x, y): at the retract plane for a hop between features that passes over no clamp, else (and
        from where the machine happened to be) at the clearance plane."""
        x, y = quantise(x), quantise(y)
        if (x, y) == (self.x, self.y):
            self.lift()
            return
        hop_is_clear = self.x is not None and not any(
            segment_meets_box(self.x, self.y, x, y, *zone) for zone in self.obstacles
        )
        if hop_is_clear:
            self.lift()
        else:
            self.retract()
        self.moves.append(Move(RAPID, x=x, y=y))
        self.x, self.y = x, y

    def approach(self) -> None:
        """Straight down, in the air, to just above the stock: a ramp need not crawl down from the clearance plane."""
        z = quantise(min(APPROACH_MM, self.safe_z))
        if self.z is not None and self.z > z:
            self.moves.append(Move(RAPID, z=z, role=APPROACH))
            self.z = z

    def plunge(self, z: float, role: str = PLUNGE) -> None:
        z = quantise(z)
        if z != self.z:
            self.moves.append(Move(FEED, z=z, feed=self.plunge_feed, role=role))
            self.z = z

    def no_room(self, feature: str) -> None:
        """A ramp or helix is needed but does not fit: a centre-cutting tool may still plunge (and the header says
        so); one that does not cut at its centre cannot enter at all."""
        if not self.centre_cutting:
            raise GenerationRefused(
                f"the tool does not cut at its centre and the {feature} leaves no room to ramp or helix in; "
                "use a centre-cutting tool"
            )
        self.entries.add("plunge_no_room")

    def ramp(self, z: float, toward: tuple[float, float]) -> None:
        """Down to ``z`` along the line to ``toward`` and back, as many times as the entry angle needs: an even
        number of legs, so the tool ends where it started."""
        z = quantise(z)
        if self.z is None or z >= self.z:
            return
        start = (self.x, self.y)
        toward = (quantise(toward[0]), quantise(toward[1]))
        length = math.dist(start, toward)
        drop = self.z - z
        legs = max(2, 2 * math.ceil(drop / (2 * length * self.tan) - EPS))
        top = self.z
        for leg in range(1, legs + 1):
            x, y = toward if leg % 2 else start
            level = z if leg == legs else quantise(top - drop * leg / legs)
            self.moves.append(Move(FEED, x=x, y=y, z=level, feed=self.ramp_feed, role=RAMP))
        self.x, self.y, self.z = start[0], start[1], z
        self.entries.add("ramp")

    def helix(self, z: float, cx: float, cy: float) -> None:
        """Down to ``z`` on half-circle arcs about (cx, cy) through the current point, no steeper than the entry
        angle; an even number of halves, so the tool ends where it started."""
        z = quantise(z)
        if self.z is None or z >= self.z:
            return
        cx, cy = quantise(cx), quantise(cy)
        sx, sy = self.x, self.y
        ox, oy = quantise(2 * cx - sx), quantise(2 * cy - sy)
        radius = math.hypot(sx - cx, sy - cy)
        drop = self.z - z
        halves = max(2, 2 * math.ceil(drop / (TAU * radius * self.tan) - EPS))
        top = self.z
        for half in range(1, halves + 1):
            fx, fy = (sx, sy) if half % 2 else (ox, oy)  # where this half starts
            ex, ey = (ox, oy) if half % 2 else (sx, sy)
            level = z if half == halves else quantise(top - drop * half / halves)
            i, j = quantise(cx - fx), quantise(cy - fy)
            self.moves.append(Move(ARC_CCW, x=ex, y=ey, z=level, feed=self.ramp_feed, i=i, j=j, role=HELIX))
        self.z = z
        self.entries.add("helix")

    def feed_to(self, x: float, y: float, z: float, *, ramp: bool) -> None:
        """A straight feed to (x, y, z): a ramp down into the cut at the ramp feed, else at the cutting feed."""
        here_x, here_y, here_z = self.x, self.y, self.z
        if x == here_x and y == here_y and z == here_z:
            return
        feed = self.ramp_feed if ramp else self.feed
        if z != here_z and here_z is not None:
            # Z moves at its share of the feed: never faster than the plunge feed judged against the Z axis (a
            # rise onto a tab is straight up).
            dz = abs(z - here_z)
            length = math.hypot(x - here_x, y - here_y, dz) if here_x is not None else dz
            feed = min(feed, math.floor(self.plunge_feed * length / dz))
        # Words that do not change are left out, as a person writes them (the axis keeps its modal value).
        self.moves.append(
            Move(
                FEED,
                x if x != here_x else None,
                y if y != here_y else None,
                z if z != here_z else None,
                feed,
                role=RAMP if ramp else "",
            )
        )
        self.x, self.y, self.z = x, y, z

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


def _outline_toolpath(design: dict, cut: dict, tool: dict, drawing: str | None) -> dict:
    """The outline's toolpath as the engine planned it (``geometry.outline_plan`` with the judged cut)."""
    if not isinstance(drawing, str):
        raise ValueError("an outline needs its drawing's text")
    result = geometry.outline_cut_plan(design, drawing, tool_diameter=float(tool["diameter_mm"]), cut=cut)
    if result["toolpath"] is None:
        failing = [f["message"] for f in result["findings"] if f["status"] == "fail"]
        raise ValueError(f"the outline cannot be cut: {'; '.join(failing[:3]) or 'no toolpath'}")
    return result["toolpath"]


def _outline(path: _Path, toolpath: dict, design: dict, depth: float) -> None:
    """An outline's planned segments (``feasibility.outlines``) as moves, in part coordinates: rapids hop at the
    retract or clearance plane as every shape's do; a descent in air is a rapid to just above the stock, then the
    plunge feed; ramps at the ramp feed; the cut (and the rise onto a tab) at the cutting feed. Straight moves
    only, on the output grid, never below the judged depth."""
    dx, dy = float(design["x"]), float(design["y"])
    floor = quantise(-depth)
    path.entries.add("outline")
    for index, segment in enumerate(toolpath["segments"]):
        kind = segment["kind"]
        if kind in ("cut", "ramp"):
            ramp = kind == "ramp"
            feed_to = path.feed_to
            for px, py, pz in segment["points"][1 if index else 0 :]:
                # quantise(), inlined: the bulk of a long program's points pass here.
                z = round(pz, DECIMALS) + 0.0
                feed_to(round(px + dx, DECIMALS) + 0.0, round(py + dy, DECIMALS) + 0.0, z if z > floor else floor,
                        ramp=ramp)  # fmt: skip
            continue
        # Each segment but the first starts where the last one ended.
        for px, py, pz in segment["points"][1 if index else 0 :]:
            x, y, z = quantise(px + dx), quantise(py + dy), max(quantise(pz), floor)
            if kind == "rapid":
                if (x, y) != (path.x, path.y):
                    path.over(x, y)
            elif kind == "plunge":
                # Only in air onto the stock top, or down onto a floor already cleared (docs/outlines.md).
                path.approach()
                path.plunge(z)


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
    # area already cut, so one entry per level and no retract.
    cx, cy = plan.centre
    radii = [quantise(radius) for radius in geometry.spaced(*plan.radii, stepover)]
    # A helix needs a radius the tool's centre can circle; the smallest one of the path that is wide enough.
    helix_radius = None
    if not path.may_plunge:
        helix_radius = next((radius for radius in radii if radius >= path.min_entry), None)
        if helix_radius is None:
            path.no_room("circle")
    for index, z in enumerate(levels):
        order = radii if index % 2 == 0 else radii[::-1]
        if helix_radius is None:
            if index == 0:
                path.over(cx + order[0], cy)
            path.plunge(z)
        else:
            # Enter on the level's first circle where it is wide enough, else on the helix radius (the tool goes
            # there at the level just cut, inside what is cleared, and comes back along the same line).
            radius = order[0] if order[0] >= path.min_entry else helix_radius
            if index == 0:
                path.over(cx + radius, cy)
                path.approach()
            path.line(cx + radius, cy)
            path.helix(z, cx, cy)
        for radius in order:
            path.line(cx + radius, cy)
            path.full_circle(cx, cy)
    path.lift()


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
    ramp = not path.may_plunge
    if ramp and 2 * half_u < path.min_entry:
        path.no_room("pocket")
        ramp = False
    path.over(*point(u, v))
    if ramp:
        path.approach()
    for z in levels:
        if ramp:
            # Along the row the tool is on, from its corner to the far side and back.
            path.ramp(z, point(-u, v))
        else:
            path.plunge(z)
        for row_v in rows if v < 0 else reversed(rows):
            path.line(*point(u, row_v))
            u = -u
            path.line(*point(u, row_v))
        v = rows[-1] if v < 0 else rows[0]
        _perimeter(path, corners)
    path.lift()


def _perimeter(path: _Path, corners: list[tuple[float, float]]) -> None:
    """Finishing pass around the corners in order, from the one the tool is at and back to it."""
    here = (path.x, path.y)
    start = min(range(len(corners)), key=lambda k: math.dist(corners[k], here))
    for k in range(1, len(corners) + 1):
        path.line(*corners[(start + k) % len(corners)])


def _passes(
    path: _Path, ends: tuple[tuple[float, float], tuple[float, float]], levels: list[float], *, entry: bool
) -> None:
    """Each level cuts in the opposite direction, entering where the last one ended. With ``entry``, a tool that
    may not plunge ramps along the slot; otherwise (a saw's edge, a plunge beside the board) it steps straight
    down."""
    ramp = entry and not path.may_plunge
    if ramp and math.dist(ends[0], ends[1]) < path.min_entry:
        path.no_room("slot")
        ramp = False
    path.over(*ends[0])
    if ramp:
        path.approach()
    for index, z in enumerate(levels):
        there = ends[(index + 1) % 2]
        if ramp:
            path.ramp(z, there)
        else:
            path.plunge(z)
            if entry:
                path.entries.add("plunge")
        path.line(*there)
    path.lift()


def _fret_slots(path: _Path, plan: geometry.Plan, levels: list[float]) -> None:
    forward = True
    for start, end in plan.lines:
        # Each slot starts beside the board (the lead-in): the tool steps down in the air, never into the stock.
        _passes(path, (start, end) if forward else (end, start), levels, entry=False)
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
        # The slot's first point is beside the board (the lead-in), so the tool steps down in the air.
        path.over(x, y)
        for index, level in enumerate(levels):
            ordered = walk if index % 2 == 0 else walk[::-1]
            path.plunge(ordered[0][2] + level)
            for x, y, top in ordered[1:]:
                z = quantise(top + level)
                path.moves.append(Move(FEED, x=x, y=y, z=z, feed=path.feed))
                path.x, path.y, path.z = x, y, z
        path.lift()
        if len(levels) % 2:
            forward = not forward


def _entry_words(path: _Path, tool: dict, stepdown: float) -> str:
    fmt = format_number
    diameter = fmt(float(tool["diameter_mm"]))
    why = "not centre-cutting" if not path.centre_cutting else f"D{diameter} is small or steps down more than D"
    why = f"the tool is {why}" if not path.centre_cutting else why
    angle = fmt(ENTRY_ANGLE_DEG)
    if "outline" in path.entries:
        return f"ramp at most {angle} deg along each contour at F{fmt(path.ramp_feed)} or less - never a plunge"
    if "helix" in path.entries:
        return f"helix at most {angle} deg at F{fmt(path.ramp_feed)} - {why}"
    if "ramp" in path.entries:
        return f"ramp at most {angle} deg along the cut at F{fmt(path.ramp_feed)} - {why}"
    if "plunge_no_room" in path.entries:
        return f"straight plunge at F{fmt(path.plunge_feed)}: no room to ramp; the tool is centre-cutting"
    if "blade" in path.entries:
        return f"the blade steps down edge-first at F{fmt(path.plunge_feed)}"
    if "beside" in path.entries:
        return "steps down beside the board, in the air, at the plunge feed"
    return (
        f"straight plunge at F{fmt(path.plunge_feed)}: centre-cutting D{diameter}, {fmt(stepdown)} mm per level at most"
    )


def _z0_words(design: dict, tool: dict) -> str:
    point = "the lowest point of the blade" if tool["kind"] == "saw" else "the tool tip"
    return (
        f"{point} on the top of the stock, {format_number(float(design['stock_thickness']))} mm above the fixture bed"
    )


def _header(
    design: dict,
    cut: dict,
    tool: dict,
    machine: dict,
    fixture: dict,
    width: float,
    levels: list[float],
    job_label: str,
    retract_z: float,
) -> list[str]:
    fmt = format_number
    shape = design["shape"]
    dims = " ".join(f"{key}={fmt(float(design[key]))}" for key in DESIGN_KEYS[shape] if key in design)
    if shape == "outline":
        dims = f"{design['operation']} {design['direction']} {dims}"
    blade = f"D{fmt(float(tool['diameter_mm']))}"
    if tool["kind"] == "saw":
        blade += f" kerf {fmt(width)}"
    point = "lowest point of the saw blade" if tool["kind"] == "saw" else "tool tip centre"
    number = tool.get("tool_number")
    texts = [
        f"RMOS program: {shape}",
        *([f"job: {job_label}"] if job_label else []),
        f"design: {dims} at X{fmt(float(design['x']))} Y{fmt(float(design['y']))}",
        f"tool: {tool['tool_id']} - {tool['name']}" + (f" (T{number})" if number is not None else ""),
        f"tool kind: {tool['kind']} {blade}, cutting width {fmt(width)}",
        f"machine: {machine['machine_id']}",
        f"cut: S{fmt(float(cut['rpm']))} feed {fmt(float(cut['feed_mm_min']))} "
        f"plunge {fmt(float(cut['plunge_mm_min']))} mm/min",
        f"depth: {len(levels)} passes of {fmt(-levels[0])} mm",
        f"clearance plane: Z{fmt(float(cut['safe_z_mm']))}, above every clamp - rapids to the first cut and "
        "over clamps only there",
        f"retract plane between features, away from clamps: Z{fmt(retract_z)}",
        f"fixture: {fixture['fixture_id']} {fixture['work_offset']} - {fixture.get('name', '')}",
        f"work zero: {DATUMS[shape]}, Z0 = top of stock",
        f"touch off Z0 on the stock: {fmt(float(design['stock_thickness']))} mm above the fixture bed",
        f"X Y Z = {point}",
        "units: mm",
    ]
    if shape in ("ring", "pocket_circle", "pocket_rect"):
        texts.insert(-5, f"stepover {fmt(_stepover(cut, width))} mm")
    if shape == "outline":
        source = design["source"]
        named = f" {source['name']}" if source.get("name") else ""
        texts.insert(3, f"drawing: {source['format']}{named} sha256 {source['sha256']} ({source['bytes']} bytes)")
        if design.get("layer"):
            texts.insert(4, f"layer: {design['layer']}")
        tabs = design.get("tabs") or {}
        if tabs.get("count"):
            texts.insert(-5, f"tabs: {tabs['count']} per outer edge, {fmt(float(tabs['width']))} mm wide, "
                             f"{fmt(float(tabs['height']))} mm high")  # fmt: skip
        if design["operation"] == "pocket":
            texts.insert(-5, f"stepover {fmt(min(float(cut['stepover_mm']), float(tool['diameter_mm'])))} mm")
    return texts
