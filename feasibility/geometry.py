"""The one geometry of every shape: what the engine judges and what the G-code generator cuts.

Pure (no Django, no I/O). ``feasibility.engine`` and ``toolpaths.gcode`` both import it, so a cut width, a saw's
half-chord, a fret position, a lead clearance or a tool-centre path is computed once. The envelope the engine
judges is ``plan(...).bounds()``: the extremes of the very path ``toolpaths.gcode`` expands and emits, on the
same output grid.

Coordinates are **part coordinates** (docs/feasibility.md, "Fixtures and datums"): fret slots X0 at the nut
line and Y0 on the board's centreline, the board along +X; rings and pockets X0 Y0 at their centre; a slot at
its start point; Z0 the stock top. The fixture's work offset (G54..G59) puts that datum on the machine.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass

# The generator writes coordinates rounded to this many decimals; a path is planned on that grid so that what
# is judged is what is written.
OUTPUT_DECIMALS = 3
GRID_MM = 10.0**-OUTPUT_DECIMALS
# An arc whose radius is below this on the output grid is not emitted: interpreters refuse arcs whose radius or
# centre offset rounds to (nearly) zero, and a circle that small is inside the cutter anyway.
MIN_ARC_RADIUS_MM = 0.01
# Through cuts (fret slots) start and end this far beyond the cutter's reach outside the board edge, so the
# tool enters the board at speed.
LEAD_CLEARANCE_MM = 2.0
# Shapes a blade can cut: a blade cuts a straight kerf in its own plane; it cannot follow a curve or clear an area.
SAW_SHAPES = frozenset({"slot", "fret_slots"})
# Entries (docs/toolpaths.md). A straight plunge breaks small bits and bits that do not cut at their centre;
# those ramp or helix in no steeper than ENTRY_ANGLE_DEG (machining practice: under about 20 degrees). The
# generator enters this way and the engine's estimate of a program's moves and time counts the same entries.
ENTRY_ANGLE_DEG = 10.0
SMALL_TOOL_MM = 3.0
# A ramp leg or helix shorter than this fraction of the diameter is nearly a plunge: the tool's centre would
# not travel far enough to sweep the core it cannot cut.
MIN_ENTRY_RATIO = 0.25
# Ramps start this far above the stock top (reached by a rapid straight down from the clearance plane).
APPROACH_MM = 1.0


def may_plunge(diameter: float, stepdown: float, *, centre_cutting: bool = True) -> bool:
    """A straight plunge only for a centre-cutting bit of at least SMALL_TOOL_MM plunging at most its diameter."""
    return centre_cutting and diameter >= SMALL_TOOL_MM and stepdown <= diameter


def min_entry(diameter: float) -> float:
    """The shortest ramp leg or helix radius an entry may use."""
    return max(MIN_ENTRY_RATIO * diameter, MIN_ARC_RADIUS_MM)


def entry_legs(drop: float, leg: float) -> int:
    """Ramp legs (there and back along ``leg`` mm) or helix halves a descent of ``drop`` mm takes at the entry
    angle: an even number, at least two, so the tool ends where it started. A helix half is longer than a leg of
    its radius, so ``entry_legs(drop, radius)`` bounds a helix's halves too."""
    return max(2, 2 * math.ceil(drop / (2 * leg * math.tan(math.radians(ENTRY_ANGLE_DEG))) - 1e-9))


# Shapes whose design must be cleared in several side-by-side passes when wider than the cut.
CLEARED_SHAPES = frozenset({"ring", "pocket_circle", "pocket_rect"})
EPS = 1e-9


def quantise(value: float) -> float:
    # Adding 0.0 turns a rounded -0.0 into 0.0.
    return round(value, OUTPUT_DECIMALS) + 0.0


@dataclass(frozen=True)
class ToolShape:
    """What geometry needs of a tool: its kind and cutting dimensions."""

    kind: str  # "router" | "vbit" | "saw"
    diameter: float
    kerf: float | None = None
    vbit_angle: float | None = None

    @classmethod
    def of(cls, tool: dict) -> ToolShape:
        """From a registry entry (docs/interfaces.md)."""
        kerf = tool.get("kerf_mm")
        angle = tool.get("vbit_angle_deg")
        return cls(
            kind=str(tool["kind"]),
            diameter=float(tool["diameter_mm"]),
            kerf=float(kerf) if kerf is not None else None,
            vbit_angle=float(angle) if angle is not None else None,
        )


def effective_diameter(tool: ToolShape, depth: float) -> float:
    """The diameter that cuts at ``depth``: a V-bit's cone is only 2 * depth * tan(angle / 2) wide there; other
    rotary tools cut at their diameter. Speed, chip thinning and cut width of a V-bit follow this one."""
    if tool.kind == "vbit" and tool.vbit_angle:
        return min(tool.diameter, 2.0 * max(depth, 0.0) * math.tan(math.radians(tool.vbit_angle) / 2.0))
    return tool.diameter


def cut_width(tool: ToolShape, depth: float) -> float:
    """Width of the groove the tool leaves at the design depth: a saw's kerf, a V-bit's V at full depth, else D."""
    if tool.kind == "saw":
        return tool.kerf or 0.0
    return effective_diameter(tool, depth)


def saw_half_chord(diameter: float, depth: float) -> float:
    """How far a blade's kerf at the surface runs beyond its axis when cutting ``depth`` deep:
    sqrt(R^2 - (R - depth)^2). A saw cuts full depth only between its axis points."""
    radius = diameter / 2.0
    depth = min(max(depth, 0.0), radius)
    return math.sqrt(max(radius**2 - (radius - depth) ** 2, 0.0))


def fret_position(scale_length: float, fret: int) -> float:
    """12-TET: fret n sits at L - L / 2^(n/12) from the nut."""
    return scale_length - scale_length / 2 ** (fret / 12)


# A radiused board's top is followed by straight segments whose chord lies at most this far from the arc.
RADIUS_CHORD_TOLERANCE_MM = 0.01


def fret_fraction(fret: float) -> float:
    """Where fret n (fractional allowed) sits along a string, as a share of its scale: 1 - 2^(-n/12)."""
    return 1.0 - 2.0 ** (-fret / 12.0)


@dataclass(frozen=True)
class FretBoard:
    """A fret board's edges in part coordinates (docs/feasibility.md, "Fret boards").

    FretFind2D's method with the board edges as the outer strings: each edge is a straight line as long as its
    scale (``scale_bass`` on +Y, ``scale_treble`` on -Y); the board is ``nut_width`` wide at the nut and
    ``board_width`` wide at the last fret; the point of each edge at the perpendicular fret lies on one line
    square to the centreline; X0 is where the nut crosses the centreline. ``nut_width`` None: the single-scale
    board of constant ``board_width`` (the blank), every slot square to the centreline.
    """

    scale_bass: float
    scale_treble: float
    frets: int
    board_width: float
    nut_width: float | None = None
    perpendicular_fret: float = 0.0
    radius: float | None = None
    radius_end: float | None = None

    @classmethod
    def of(cls, design: dict) -> FretBoard:
        def opt(key: str) -> float | None:
            value = design.get(key)
            return float(value) if value is not None else None

        if design.get("scale_length_bass") is not None:
            bass, treble = float(design["scale_length_bass"]), float(design["scale_length_treble"])
        else:
            bass = treble = float(design["scale_length"])
        radius = opt("radius")
        return cls(
            scale_bass=bass,
            scale_treble=treble,
            frets=int(design["frets"]),
            board_width=float(design["board_width"]),
            nut_width=opt("nut_width"),
            perpendicular_fret=float(design.get("perpendicular_fret") or 0.0),
            radius=radius,
            radius_end=opt("radius_end") if radius is not None else None,
        )

    def half_width(self, fraction: float) -> float:
        """Half the board's width where the edges are ``fraction`` of their scale from the nut."""
        if self.nut_width is None:
            return self.board_width / 2.0
        last = fret_fraction(self.frets)
        return self.nut_width / 2.0 + (self.board_width - self.nut_width) / 2.0 * fraction / last

    def _run(self, scale: float) -> float:
        """The X run of an edge ``scale`` long over its whole length (the edge also runs sideways by the taper)."""
        if self.nut_width is None:
            return scale
        spread = (self.board_width - self.nut_width) / 2.0 / fret_fraction(self.frets)
        return math.sqrt(max(scale**2 - spread**2, 0.0))

    def edge_point(self, fret: float, bass: bool) -> tuple[float, float]:
        """The fret's point on the bass (+Y) or treble (-Y) edge, relative to the datum."""
        run_bass, run_treble = self._run(self.scale_bass), self._run(self.scale_treble)
        perpendicular = fret_fraction(self.perpendicular_fret)
        # The nut's ends, so that both edges reach the perpendicular fret at the same X and the nut's midpoint
        # is on X0.
        shift = perpendicular * (run_bass - run_treble) / 2.0
        fraction = fret_fraction(fret)
        if bass:
            return -shift + fraction * run_bass, self.half_width(fraction)
        return shift + fraction * run_treble, -self.half_width(fraction)

    def slot(self, fret: int) -> tuple[tuple[float, float], tuple[float, float]]:
        """(bass end, treble end) of a fret's slot on the board edges, relative to the datum."""
        return self.edge_point(fret, True), self.edge_point(fret, False)

    def radius_at(self, x: float) -> float | None:
        """The board's radius at X: ``radius`` at the nut, ``radius_end`` at the last fret (on the centreline),
        linear in between and beyond (a conical compound radius)."""
        if self.radius is None or self.radius_end is None:
            return self.radius
        last_x = (self.edge_point(self.frets, True)[0] + self.edge_point(self.frets, False)[0]) / 2.0
        return self.radius + (self.radius_end - self.radius) * x / last_x

    def surface(self, x: float, y: float) -> float:
        """The board top's Z at (x, y) relative to the crown (Z0 on the centreline): -(R - sqrt(R^2 - y^2))."""
        radius = self.radius_at(x)
        if radius is None:
            return 0.0
        return -(radius - math.sqrt(max(radius**2 - y**2, 0.0)))

    def slot_surface(self, fret: int) -> list[tuple[float, float, float]]:
        """Points (x, y, surface Z) along a fret's slot from its bass end to its treble end, close enough that
        the straight segments between them lie within RADIUS_CHORD_TOLERANCE_MM of the curved top."""
        (bx, by), (tx, ty) = self.slot(fret)
        if self.radius is None:
            return [(bx, by, 0.0), (tx, ty, 0.0)]
        smallest = min(r for r in (self.radius_at(bx), self.radius_at(tx)) if r is not None)
        step = math.sqrt(8.0 * smallest * RADIUS_CHORD_TOLERANCE_MM)
        count = max(1, math.ceil(math.hypot(tx - bx, ty - by) / step))
        points = []
        for k in range(count + 1):
            px, py = bx + (tx - bx) * k / count, by + (ty - by) * k / count
            points.append((px, py, self.surface(px, py)))
        return points

    def lowest_surface(self) -> float:
        """The lowest top (on the grid, towards the crown) any slot crosses; 0 on a flat board."""
        if self.radius is None:
            return 0.0
        return min(no_deeper(z) for fret in range(1, self.frets + 1) for _, _, z in self.slot_surface(fret))

    def slot_angle(self, fret: int) -> float:
        """How far a fret's slot turns from square to the centreline, in degrees (positive: bass end towards +X)."""
        (bx, by), (tx, ty) = self.slot(fret)
        return math.degrees(math.atan2(bx - tx, by - ty))


# A board's end runs this far past the last fret along each edge (1/4 in: room for the last fret's tang).
BOARD_END_OVERHANG_MM = 6.35


def board_outline(design: dict, overhang_mm: float = BOARD_END_OVERHANG_MM) -> list[tuple[float, float]]:
    """The fret board's outline in the design's frame (its datum at 0, 0), counter-clockwise: the nut line from
    the treble edge to the bass edge, the bass edge to ``overhang_mm`` past the last fret, the end, the treble
    edge back. The board FretFind2D draws; cut at the same fixture and x, y as the slots, it registers with them."""
    board = FretBoard.of(design)

    def end(bass: bool) -> tuple[float, float]:
        scale = board.scale_bass if bass else board.scale_treble
        fraction = fret_fraction(board.frets) + overhang_mm / scale
        return board.edge_point(-12.0 * math.log2(1.0 - fraction), bass)

    return [board.edge_point(0, False), board.edge_point(0, True), end(True), end(False)]


def reach_along_cut(tool: ToolShape, width: float, depth: float) -> float:
    """How far the cut at the surface extends beyond the tool's controlled point along its direction of travel:
    the half-chord for a blade, the radius of the cut for a bit."""
    if tool.kind == "saw":
        return saw_half_chord(tool.diameter, depth)
    return width / 2.0


def lead_in(tool: ToolShape, width: float, depth: float) -> float:
    """How far outside the board edge a through cut starts (and ends) so that the cut is full depth across it."""
    return reach_along_cut(tool, width, depth) + LEAD_CLEARANCE_MM


def centre_extent(size: float, width: float) -> float:
    """Half the travel of the tool centre across a feature ``size`` wide, keeping a ``width`` cut inside it;
    negative when the cut is wider than the feature."""
    return (size - width) / 2.0


def feature_width(design: dict) -> float | None:
    """The width the tool must fit inside, for shapes that have one."""
    shape = design["shape"]
    if shape == "ring":
        return float(design["width"])
    if shape == "pocket_circle":
        return float(design["d"])
    if shape == "pocket_rect":
        return min(float(design["w"]), float(design["h"]))
    return None


def needs_clearing(design: dict, width: float) -> bool:
    if design["shape"] == "outline":
        return design.get("operation") == "pocket"  # a profile is a slot one tool wide round the outline
    feature = feature_width(design)
    return feature is not None and feature > width + EPS


def saw_slot_travel(length: float, half_chord: float) -> float:
    """Axis travel of a saw slot whose kerf at the surface is ``length`` long (negative: the blade's own chord
    at that depth is already longer than the slot)."""
    return length - 2.0 * half_chord


def slot_direction(design: dict) -> tuple[float, float]:
    angle = math.radians(float(design["angle"]))
    return math.cos(angle), math.sin(angle)


# --------------------------------------------------------------------------------------------------------------
# The tool-centre path in XY
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """The XY path of the tool's controlled point, before it is split into depth levels.

    ``concentric`` (rings, round pockets): full circles about ``centre`` at tool-centre radii from
    ``radii[0]`` to ``radii[1]`` (the generator spaces them by the stepover). ``raster`` (rectangular pockets):
    rows and a perimeter inside ``centre`` +/- ``half``. ``lines`` (slots, fret slots): straight cuts, each from
    its start to its end. Everything is on the output grid already.
    """

    kind: str
    centre: tuple[float, float] = (0.0, 0.0)
    radii: tuple[float, float] = (0.0, 0.0)
    half: tuple[float, float] = (0.0, 0.0)
    lines: tuple[tuple[tuple[float, float], tuple[float, float]], ...] = ()
    # Radiused fret boards: each slot (in the order of ``lines``) as points (x, y, surface Z) from its start to
    # its end, the surface on the output grid towards the crown; a level ``z`` deep is cut at surface + z.
    paths: tuple[tuple[tuple[float, float, float], ...], ...] = ()

    def corners(self) -> list[tuple[float, float]]:
        """The raster's perimeter, counter-clockwise from the lower left."""
        (cx, cy), (hx, hy) = self.centre, self.half
        x0, x1, y0, y1 = quantise(cx - hx), quantise(cx + hx), quantise(cy - hy), quantise(cy + hy)
        return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]

    def lowest_surface(self) -> float:
        """The lowest surface Z the path follows (0: every level is cut at a constant Z below the stock top)."""
        return min((z for path in self.paths for _, _, z in path), default=0.0)

    def bounds(self) -> tuple[float, float, float, float]:
        """(x_min, x_max, y_min, y_max) of the path, exactly as the generator writes it."""
        if self.kind == "concentric":
            (cx, cy), outer = self.centre, self.radii[1]
            if outer < MIN_ARC_RADIUS_MM:
                return cx, cx, cy, cy
            return quantise(cx - outer), quantise(cx + outer), quantise(cy - outer), quantise(cy + outer)
        if self.kind == "raster":
            corners = self.corners()
            return corners[0][0], corners[2][0], corners[0][1], corners[2][1]
        xs = [x for line in self.lines for x, _ in line]
        ys = [y for line in self.lines for _, y in line]
        return min(xs), max(xs), min(ys), max(ys)


def plan(design: dict, tool: ToolShape) -> Plan:
    """The tool-centre path of a normalised design (docs/interfaces.md) cut by ``tool``.

    Dimensions the tool cannot cut (a cut wider than the feature, a saw slot shorter than the blade's chord)
    give the nearest path (zero extent); the engine judges those in its checks, and the generator refuses them.
    """
    shape = design["shape"]
    depth = float(design["depth"])
    width = cut_width(tool, depth)
    x, y = float(design["x"]), float(design["y"])
    centre = (quantise(x), quantise(y))
    if shape == "ring":
        inner = float(design["inner_d"]) / 2.0
        channel = float(design["od"]) / 2.0 - inner
        half = max(centre_extent(channel, width), 0.0)
        mid = inner + channel / 2.0
        return Plan("concentric", centre=centre, radii=(quantise(mid - half), quantise(mid + half)))
    if shape == "pocket_circle":
        outer = max(centre_extent(float(design["d"]), width), 0.0)
        return Plan("concentric", centre=centre, radii=(0.0, quantise(outer)))
    if shape == "pocket_rect":
        half_x = max(centre_extent(float(design["w"]), width), 0.0)
        half_y = max(centre_extent(float(design["h"]), width), 0.0)
        return Plan("raster", centre=(x, y), half=(half_x, half_y))
    if shape == "slot":
        length = float(design["length"])
        ux, uy = slot_direction(design)
        start_at, end_at = 0.0, length
        if tool.kind == "saw":
            # The kerf at the surface runs a half-chord beyond each axis point: the axis travels the slot less
            # both half-chords, so the slot at the surface is as long as designed.
            chord = saw_half_chord(tool.diameter, depth)
            start_at, end_at = chord, length - chord
            if end_at < start_at:
                start_at = end_at = length / 2.0
        start = (quantise(x + start_at * ux), quantise(y + start_at * uy))
        end = (quantise(x + end_at * ux), quantise(y + end_at * uy))
        return Plan("lines", lines=((start, end),))
    # Fret slots run across the board, each through both edges by the lead-in.
    lead = lead_in(tool, width, depth)
    if is_plain_fret_board(design):
        scale = float(design["scale_length"])
        half = float(design["board_width"]) / 2.0 + lead
        lines = []
        for fret in range(1, int(design["frets"]) + 1):
            fret_x = quantise(x + fret_position(scale, fret))
            lines.append(((fret_x, quantise(y - half)), (fret_x, quantise(y + half))))
        return Plan("lines", lines=tuple(lines))
    board = FretBoard.of(design)
    lines, paths = [], []
    for fret in range(1, board.frets + 1):
        # From the treble end (-Y) to the bass end (+Y), as the square slots run.
        points = board.slot_surface(fret)[::-1]
        (sx, sy, sz), (ex, ey, ez) = points[0], points[-1]
        length = math.hypot(ex - sx, ey - sy)
        ux, uy = (ex - sx) / length, (ey - sy) / length
        # Beyond the edges the tool stays at the edge's height: it is in the air there.
        start = (quantise(x + sx - lead * ux), quantise(y + sy - lead * uy), no_deeper(sz))
        end = (quantise(x + ex + lead * ux), quantise(y + ey + lead * uy), no_deeper(ez))
        lines.append((start[:2], end[:2]))
        inner = tuple((quantise(x + px), quantise(y + py), no_deeper(pz)) for px, py, pz in points)
        paths.append((start, *inner, end))
    return Plan("lines", lines=tuple(lines), paths=tuple(paths) if board.radius is not None else ())


def surface_drop(design: dict) -> float:
    """How far below Z0 (the crown) the top lies where a slot is cut deepest: 0 but on a radiused fret board.
    The same for every tool: beyond the board's edges a slot stays at the edge's height."""
    if design.get("shape") != "fret_slots" or design.get("radius") is None:
        return 0.0
    return -FretBoard.of(design).lowest_surface()


def is_plain_fret_board(design: dict) -> bool:
    """A single-scale board of constant width, flat: slots square to the centreline across ``board_width``."""
    return all(design.get(key) is None for key in ("scale_length_bass", "nut_width", "radius"))


def spaced(start: float, stop: float, max_step: float) -> list[float]:
    """Evenly spaced values from start to stop inclusive, no two neighbours further apart than max_step."""
    if stop - start <= EPS:
        return [start]
    count = math.ceil((stop - start) / max_step - EPS)
    return [start + (stop - start) * k / count for k in range(count + 1)]


def deepest_level(depth: float) -> float:
    """The deepest Z the generator writes for a cut ``depth`` deep: -depth on the output grid, rounded towards
    the surface so no level ends up below the depth asked for."""
    return no_deeper(-depth)


def no_deeper(z: float) -> float:
    scale = 10**OUTPUT_DECIMALS
    # The small offset keeps float noise (-2999.9999999996 for -3) from lifting an exact value a whole step.
    return math.ceil(z * scale - 1e-6) / scale + 0.0


# --------------------------------------------------------------------------------------------------------------
# Outlines from drawings (feasibility.outlines; docs/outlines.md)
# --------------------------------------------------------------------------------------------------------------

OUTLINE_OPERATIONS = ("profile_outside", "profile_inside", "pocket")
OUTLINE_DIRECTIONS = ("climb", "conventional")
# What the engine and the generator hand the outline planner besides the design: the flattening and offset
# tolerance (chord_mm: how far the tool's path may stray from the exact offset of the drawn curves) and the
# reader's limits (docs/outlines.md, "Limits and speed"). The rs274 read-back accepts chord_mm of deviation.
OUTLINE_CHORD_MM = 0.01
# The design keys that decide the toolpath (x, y only move it; stock_thickness is judged, not planned).
_OUTLINE_PLAN_KEYS = ("operation", "direction", "depth", "tabs", "layer", "source")


def outline_plan(design: dict, text: str, *, diameter: float, stepdown: float, stepover: float, safe_z: float) -> dict:
    """The outline job (``feasibility.outlines.outline_job``) of a normalised outline design whose drawing is
    ``text``: findings, parts and, when nothing failed, the toolpath, in the drawing's frame (add the design's
    x and y for part coordinates). The engine judges it and the generator cuts it with the same arguments (the
    cut's stepdown, stepover and clearance plane), so both see one path; the last few are kept, so a toolpaths
    call (which judges, then generates) plans it once. The result is shared: never change it.

    Never raises for what is in the file: a file that cannot be read at all is one failing
    ``DRAWING_UNREADABLE`` finding (the job's receipt refuses such files with a 400 before they get here)."""
    key = json.dumps({k: design.get(k) for k in _OUTLINE_PLAN_KEYS}, sort_keys=True)
    return _outline_plan(key, text, float(diameter), float(stepdown), float(stepover), float(safe_z))


def outline_cut_plan(design: dict, text: str, *, tool_diameter: float, cut: dict) -> dict:
    """``outline_plan`` with a judged cut (the engine's ``cut``: ``stepdown_mm``, ``stepover_mm``, ``safe_z_mm``):
    the one way the engine, the generator and the drawings call it, so all three see the same path."""
    return outline_plan(
        design,
        text,
        diameter=tool_diameter,
        stepdown=float(cut["stepdown_mm"]),
        stepover=min(float(cut["stepover_mm"]), tool_diameter),
        safe_z=float(cut["safe_z_mm"]),
    )


@functools.lru_cache(maxsize=2)
def _outline_plan(key: str, text: str, diameter: float, stepdown: float, stepover: float, safe_z: float) -> dict:
    from feasibility import outlines  # ezdxf, svgelements and Shapely: loaded by the first outline only

    design = json.loads(key)
    job = {**design, "shape": "outline", "source": {"format": design["source"]["format"], "data": text}}
    if job.get("layer") is None:
        job.pop("layer", None)
    try:
        return outlines.outline_job(
            job,
            tool_diameter_mm=diameter,
            stepdown_mm=stepdown,
            stepover_mm=stepover if design["operation"] == "pocket" else None,
            safe_z_mm=safe_z,
            ramp_angle_deg=ENTRY_ANGLE_DEG,
            tolerances=outlines.Tolerances(chord_mm=OUTLINE_CHORD_MM),
        )
    except outlines.DrawingError as exc:
        finding = {"code": "DRAWING_UNREADABLE", "status": "fail", "message": exc.message, "place": {}}
        return {"version": outlines.OUTLINES_VERSION, "ok": False, "status": "fail", "findings": [finding],
                "drawing": None, "parts": [], "toolpath": None}  # fmt: skip


def outline_bounds(design: dict, result: dict) -> tuple[float, float, float, float]:
    """(x_min, x_max, y_min, y_max) of an outline's toolpath in part coordinates, rapids included."""
    box = result["toolpath"]["bounds"]
    x, y = float(design["x"]), float(design["y"])
    return box["x_min"] + x, box["x_max"] + x, box["y_min"] + y, box["y_max"] + y
