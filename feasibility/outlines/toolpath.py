"""Toolpaths for outlines as plain data: polylines of (x, y, z) points, each with a feed kind.

Long module: profiles, tabs, ramps and pocket rings share one pass planner; the tab and ramp rules only make
sense read beside it.

Kinds: ``rapid`` (at the safe height, or straight up out of the cut), ``plunge`` (feed straight down, only in air
or down the side of a tab), ``ramp`` (feed down while moving along the contour, at most the ramp angle) and
``cut`` (feed at a constant depth, or up over a tab).

Offsets are Shapely buffers of the drawn region (GEOS), with round joins flattened to ``Plan.tolerance``.
Direction is stated for a clockwise (M3) spindle, seen from above. Climb milling keeps the wall being cut on the
cutter's right: each tooth then meets the material at its thickest chip and leaves the finished wall at zero
(the same side as G41 cutter compensation). So a profile outside a part runs clockwise, a profile inside (or a
pocket wall) counter-clockwise; conventional milling is the reverse.
"""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass
from functools import partial

import shapely
from shapely.geometry import LineString
from shapely.geometry.polygon import orient
from shapely.ops import nearest_points

from feasibility.outlines.contours import Part
from feasibility.outlines.model import FAIL, WARN, Finding, Point, mm
from feasibility.outlines.preflight import parts_polygon, polygons, quad_segs

RAPID, PLUNGE, RAMP, CUT = "rapid", "plunge", "ramp", "cut"
DIRECTIONS = ("climb", "conventional")
EPS = 1e-9
# Slivers thinner than this (mm) are what a pocket may leave between passes and still count as cleared.
COVERAGE_TOLERANCE_MM = 0.05
# How many times a pocket's ring spacing is halved before an uncovered sliver is reported.
MAX_REFINE = 3


@dataclass(frozen=True)
class Tabs:
    count: int = 0
    width: float = 0.0  # material bridge left along the contour, mm
    height: float = 0.0  # above the bottom of the cut, mm


@dataclass(frozen=True)
class Plan:
    operation: str
    tool_diameter: float
    depth: float
    stepdown: float
    stepover: float | None = None
    tabs: Tabs = Tabs()
    direction: str = "climb"
    ramp_angle_deg: float = 10.0
    safe_z: float = 5.0
    tolerance: float = 0.005  # how far the offsets' round joins may stray from the true arcs (mm)
    coverage_tolerance: float = COVERAGE_TOLERANCE_MM
    # The largest program planned at all (moves), and the most pocket rings per level: past them the job is
    # refused before the work is done, so a tiny bit in a large pocket cannot tie the server up.
    max_moves: int = 1_000_000
    max_rings: int = 2_000


def _too_large(what: str, value: int, limit: int) -> Finding:
    message = f"the toolpath would need about {value} {what}; the shop plans at most {limit}"
    return Finding("TOOLPATH_TOO_LARGE", FAIL, message, {}, value, limit)


class Ring:
    """A closed path with arc-length stations; positions wrap around, so a pass can run past its start."""

    def __init__(self, points: list[Point]) -> None:
        self.points = points
        self.cum = [0.0]
        for a, b in zip(points, points[1:] + points[:1], strict=True):
            self.cum.append(self.cum[-1] + math.dist(a, b))
        self.length = self.cum[-1]

    def at(self, s: float) -> Point:
        s = s % self.length if self.length else 0.0
        i = min(bisect.bisect_right(self.cum, s) - 1, len(self.points) - 1)
        a, b = self.points[i], self.points[(i + 1) % len(self.points)]
        seg = self.cum[i + 1] - self.cum[i]
        t = (s - self.cum[i]) / seg if seg > 0 else 0.0
        return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)

    def stations(self, s0: float, s1: float) -> list[float]:
        """Arc-length positions from s0 to s1 (s1 >= s0, may exceed a lap): the ends and every vertex between."""
        n = len(self.points)
        lap = math.floor(s0 / self.length)
        i = bisect.bisect_right(self.cum, s0 - lap * self.length)
        out = [s0]
        while True:
            if i >= n:
                i, lap = 0, lap + 1
            s = lap * self.length + self.cum[i]
            if s >= s1 - EPS:
                break
            if s > out[-1] + EPS:
                out.append(s)
            i += 1
        out.append(s1)
        return out


class _Path:
    """Accumulates moves as polylines of one kind each."""

    def __init__(self, safe_z: float) -> None:
        self.safe_z = safe_z
        self.segments: list[dict] = []
        self.position: tuple[float, float, float] | None = None

    def move(self, kind: str, point: tuple[float, float, float]) -> None:
        x, y, z = float(point[0]), float(point[1]), float(point[2])
        here = self.position
        if here is None:
            self.position = (x, y, z)
            self.segments.append({"kind": kind, "points": [self.position]})
            return
        if abs(x - here[0]) <= EPS and abs(y - here[1]) <= EPS and abs(z - here[2]) <= EPS:
            return
        point = (x, y, z)
        last = self.segments[-1]
        if last["kind"] == kind:
            last["points"].append(point)
        else:
            self.segments.append({"kind": kind, "points": [here, point]})
        self.position = point

    def feed(self, point: tuple[float, float, float]) -> None:
        x0, y0, z0 = self.position
        x, y, z = point
        if z < z0 - EPS:
            self.move(RAMP if abs(x - x0) > EPS or abs(y - y0) > EPS else PLUNGE, point)
        else:
            self.move(CUT, point)

    def travel_to(self, x: float, y: float, z_start: float) -> None:
        """Retract, travel at the safe height, and feed down (in air or down a cleared cut) to ``z_start``."""
        if self.position is None:
            self.move(RAPID, (x, y, self.safe_z))
        else:
            self.move(RAPID, (self.position[0], self.position[1], self.safe_z))
            self.move(RAPID, (x, y, self.safe_z))
        self.move(PLUNGE, (x, y, z_start))


def levels(depth: float, stepdown: float) -> list[float]:
    """Equal depth passes, each at most ``stepdown`` (negative z, last one at ``-depth``)."""
    n = max(1, math.ceil(depth / stepdown - 1e-9))
    return [-depth * k / n for k in range(1, n + 1)]


def _rings_of(geometry, sign: float, *, exteriors: bool | None = None) -> list[list[Point]]:
    """Rings of every polygon in the orientation ``sign`` (+1: exterior counter-clockwise, islands clockwise);
    only the exteriors (True), only the islands' rings (False), or all (None)."""
    out = []
    for polygon in polygons(geometry):
        polygon = orient(polygon, sign)
        rings = {None: [*polygon.interiors, polygon.exterior], True: [polygon.exterior], False: polygon.interiors}
        for ring in rings[exteriors]:
            coords = [(float(x), float(y)) for x, y in ring.coords[:-1]]
            if len(coords) >= 3:
                out.append(coords)
    return out


def _start_index(points: list[Point], near: Point | None) -> int:
    if near is None:
        return min(range(len(points)), key=lambda i: (points[i][1], points[i][0]))
    return min(range(len(points)), key=lambda i: math.dist(points[i], near))


def _rotate(points: list[Point], k: int) -> list[Point]:
    return points[k:] + points[:k]


def _order(rings: list[list[Point]], start: Point | None) -> list[list[Point]]:
    """Nearest ring next, each starting at its vertex nearest the tool (the lowest vertex for the first)."""
    left = list(rings)
    out = []
    here = start
    while left:
        if here is None:
            pick = min(range(len(left)), key=lambda i: min((p[1], p[0]) for p in left[i]))
        else:
            pick = min(range(len(left)), key=lambda i: min(math.dist(p, here) for p in left[i]))
        ring = left.pop(pick)
        ring = _rotate(ring, _start_index(ring, here))
        out.append(ring)
        here = ring[0]
    return out


def plan_toolpath(parts: list[Part], plan: Plan) -> tuple[dict | None, list[Finding]]:
    """The toolpath for the parts, or None with findings when it cannot be made as asked."""
    if plan.direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}")
    if plan.operation == "pocket":
        return _pocket(parts, plan)
    return _profile(parts, plan)


def _offset_sign(plan: Plan, *, outside: bool) -> float:
    # orient(+1) puts a polygon's inside on the left of each ring. Climb wants the material on the right: the
    # part is inside the outside-offset polygon (so that polygon runs the other way round), and outside the
    # inside-offset one.
    climb = plan.direction == "climb"
    return (-1.0 if climb else 1.0) if outside else (1.0 if climb else -1.0)


def _tight_entries(rings: list[Ring], plan: Plan) -> list[Finding]:
    """A ramp round a contour much smaller than the tool is a helix narrower than the tool's radius: nearly a
    straight plunge, which breaks small bits that do not cut at their centre. Warned, with the place."""
    radius = plan.tool_diameter / 2.0
    tight = [ring for ring in rings if ring.length < math.pi * radius]  # helix diameter under the tool's radius
    if not tight:
        return []
    ring = min(tight, key=lambda r: r.length)
    x, y = ring.points[0]
    helix = ring.length / math.pi
    message = (
        f"{len(tight)} entr{'y ramps' if len(tight) == 1 else 'ies ramp'} round a path only about {mm(helix)} mm "
        f"across at ({mm(x)}, {mm(y)}): nearly a plunge for a {mm(plan.tool_diameter)} mm tool"
    )
    return [Finding("ENTRY_NEARLY_PLUNGE", WARN, message, {"at": [mm(x), mm(y)]}, mm(helix), mm(radius), "mm")]


def _tab_findings(rings: list[Ring], plan: Plan, tab_top: float) -> list[Finding]:
    tabs = plan.tabs
    findings = []
    if tabs.count <= 0:
        return findings
    if tabs.height <= 0 or tabs.width <= 0:
        message = f"tabs need a width and a height above zero (width {tabs.width}, height {tabs.height})"
        findings.append(Finding("TABS_INVALID", FAIL, message, {}, None, None, "mm"))
    elif tabs.height >= plan.depth - EPS:
        message = f"tabs {tabs.height} mm high in a cut {plan.depth} mm deep would never be cut under"
        findings.append(Finding("TABS_INVALID", FAIL, message, {}, tabs.height, plan.depth, "mm"))
    for ring in rings:
        lifted = tabs.count * (tabs.width + plan.tool_diameter)
        if lifted > ring.length / 2.0:
            x, y = ring.points[0]
            message = (
                f"{tabs.count} tabs of {tabs.width} mm take {mm(lifted)} mm of a {mm(ring.length)} mm path at "
                f"({mm(x)}, {mm(y)}): more than half of it"
            )
            place = {"at": [mm(x), mm(y)]}
            findings.append(Finding("TABS_DO_NOT_FIT", FAIL, message, place, mm(lifted), mm(ring.length / 2), "mm"))
    return findings


def _profile(parts: list[Part], plan: Plan) -> tuple[dict | None, list[Finding]]:
    radius = plan.tool_diameter / 2.0
    outside = plan.operation == "profile_outside"
    region = parts_polygon(parts)
    offset = region.buffer(radius if outside else -radius, quad_segs=quad_segs(radius, plan.tolerance))
    sign = _offset_sign(plan, outside=outside)
    # Holes first and the outer edges last, so a part is still held while its inside is cut; tabs go on the
    # outer edges, which hold what would come free.
    inner = _order(_rings_of(offset, sign, exteriors=False), None)
    outer = _order(_rings_of(offset, sign, exteriors=True), inner[-1][0] if inner else None)
    rings = [Ring(points) for points in inner + outer]
    tabbed = {id(ring) for ring in rings[len(inner) :]}
    zs = levels(plan.depth, plan.stepdown)
    tab_top = -plan.depth + plan.tabs.height
    findings = _tab_findings([ring for ring in rings if id(ring) in tabbed], plan, tab_top)
    # Each pass goes round once and over its ramp again; tabs add a few points each.
    estimate = sum(len(ring.points) for ring in rings) * (len(zs) + 1) + 4 * plan.tabs.count * len(zs) * len(rings)
    if estimate > plan.max_moves:
        findings.append(_too_large("moves", estimate, plan.max_moves))
    if findings:
        return None, findings
    path = _Path(plan.safe_z)
    slope = math.tan(math.radians(plan.ramp_angle_deg))
    tab_lines = []
    for ring in rings:
        intervals = _tab_intervals(ring, plan) if plan.tabs.count > 0 and id(ring) in tabbed else []
        tab_lines.extend(_tab_geometry(ring, intervals))
        s = 0.0
        z_prev = 0.0
        path.travel_to(*ring.at(0.0), z_prev)
        for z in zs:
            ramp = (z_prev - z) / slope
            tabs_here = (
                _TabProfile(intervals, ring.length, tab_top, slope, z) if intervals and z < tab_top - EPS else None
            )
            z_of = partial(_ramp_z, start=s, ramp=ramp, z0=z_prev, z=z)
            _walk(path, ring, s, s + ramp + ring.length, z_of, tabs_here, breaks=(s + ramp,))
            s += ramp
            z_prev = z
    geometry = {
        "outline": _lines(region),
        "islands": [list(map(list, loop.points)) for part in parts for loop in part.islands],
        "offset": [[[x, y] for x, y in ring.points] for ring in rings],
        "tabs": tab_lines,
    }
    return _summary(path, plan, offset, geometry, passes=len(zs)), _tight_entries(rings, plan)


def _level_z(t: float, z: float) -> float:
    return z


def _ramp_z(t: float, *, start: float, ramp: float, z0: float, z: float) -> float:
    if ramp <= 0 or t >= start + ramp:
        return z
    return z0 + (z - z0) * (t - start) / ramp


def _tab_intervals(ring: Ring, plan: Plan) -> list[tuple[float, float]]:
    """Tabs evenly spaced along the part of the path the entry ramps leave free.

    Pass k ramps down over the stretch after pass k-1's ramp, so together the ramps cover the first
    depth / tan(ramp angle) of the path from its start. Tabs go in the rest, so no tab sits under a ramp (on a
    contour too short for that, they spread over the whole of it)."""
    n = plan.tabs.count
    half = (plan.tabs.width + plan.tool_diameter) / 2.0
    ramps = plan.depth / math.tan(math.radians(plan.ramp_angle_deg))
    start = ramps if ring.length - ramps >= 2 * n * 2 * half else 0.0
    spacing = (ring.length - start) / n
    return [(start + (k + 0.5) * spacing - half, start + (k + 0.5) * spacing + half) for k in range(n)]


def _tab_geometry(ring: Ring, intervals) -> list[list[list[float]]]:
    return [[list(ring.at(s)) for s in ring.stations(a, b)] for a, b in intervals]


@dataclass(frozen=True)
class _TabProfile:
    """How high the tabs hold the tool at each position of a ring: at ``top`` over each tab, then down at the
    ramp angle after it (the tool never plunges back into the cut), and no constraint elsewhere."""

    intervals: list[tuple[float, float]]
    length: float
    top: float
    slope: float
    bottom: float  # the pass's depth: where the descent after a tab ends

    def floor(self, s: float) -> float | None:
        best = None
        for a, b in self.intervals:
            d = (s - a) % self.length
            width = b - a
            if d <= width + EPS:
                z = self.top
            else:
                z = self.top - (d - width) * self.slope
                if z < self.bottom - EPS:
                    continue
            best = z if best is None else max(best, z)
        return best

    def edges(self, s0: float, s1: float) -> list[float]:
        """Positions in (s0, s1) where the profile bends: each tab's start, its end and the end of its descent."""
        out = []
        run = (self.top - self.bottom) / self.slope
        for lap in range(math.floor(s0 / self.length) - 1, math.floor(s1 / self.length) + 1):
            for a, b in self.intervals:
                for edge in (a, b, b + run):
                    s = lap * self.length + edge
                    if s0 < s < s1:
                        out.append(s)
        return out


def _walk(path: _Path, ring: Ring, s0: float, s1: float, z_of, tabs: _TabProfile | None = None, breaks=()) -> None:
    """Feed along the ring from s0 to s1 at z_of(s), held above the tabs' profile where there are tabs.

    ``breaks`` are further positions that must be points of the path (where a ramp reaches its depth). Between
    two points the path is a straight line, so where the tab profile is convex the tool stays above it."""
    stations = ring.stations(s0, s1)
    extra = set(b for b in breaks if s0 < b < s1)
    if tabs is not None:
        extra.update(tabs.edges(s0, s1))
    if extra:
        merged = sorted(set(stations) | extra)
        # A break within a micrometre of a vertex replaces it, rather than adding a second point beside it:
        # the break is where the height changes (a ramp's end, a tab's edge).
        stations = [merged[0]]
        for s in merged[1:]:
            if s - stations[-1] > 1e-6:
                stations.append(s)
            elif s in extra and stations[-1] != s0:
                stations[-1] = s
        if stations[-1] != s1:
            stations[-1] = s1
    for s in stations:
        x, y = ring.at(s)
        z = z_of(s)
        if tabs is None:
            path.feed((x, y, z))
            continue
        # A tab starts with a vertical rise (up is never a plunge): the height just before and just after.
        before, after = tabs.floor(s - 1e-7), tabs.floor(s)
        before = z if before is None else max(z, before)
        after = z if after is None else max(z, after)
        if after - before > 1e-6:
            path.feed((x, y, before))
        path.feed((x, y, after))


def _lines(geometry) -> list[list[list[float]]]:
    out = []
    for polygon in polygons(geometry):
        for ring in [polygon.exterior, *polygon.interiors]:
            out.append([[float(x), float(y)] for x, y in ring.coords])
    return out


def _pocket_offsets(part_region, radius: float, spacing: float, plan: Plan) -> list[tuple[float, object]]:
    """(distance, region) for each ring level from the wall inwards: the part shrunk by radius + k * spacing."""
    out = []
    k = 0
    while True:
        distance = radius + k * spacing
        shrunk = part_region.buffer(-distance, quad_segs=quad_segs(distance, plan.tolerance))
        if shrunk.is_empty:
            return out
        out.append((distance, shrunk))
        k += 1


def _uncovered(part_region, offsets, radius: float, plan: Plan):
    """What the tool sweeping the rings of ``offsets`` leaves uncut in the part (corners it cannot reach aside).

    A point deeper than the radius inside level k's region and farther than the radius from level k+1's region
    is beyond the reach of every ring: the rings outside level k are farther still, those inside level k + 1
    too. Nearer the wall than that, the outermost ring reaches everything the tool can reach at all.
    """
    segs = quad_segs(radius, plan.tolerance)
    left = []
    for k, (distance, _) in enumerate(offsets):
        deep = distance + radius
        core = part_region.buffer(-deep, quad_segs=quad_segs(deep, plan.tolerance))
        if core.is_empty:
            continue
        if k + 1 < len(offsets):
            core = core.difference(offsets[k + 1][1].buffer(radius, quad_segs=segs))
        left.append(core)
    return shapely.union_all(left) if left else shapely.Polygon()


def _pocket(parts: list[Part], plan: Plan) -> tuple[dict | None, list[Finding]]:
    radius = plan.tool_diameter / 2.0
    region = parts_polygon(parts)
    segs = quad_segs(radius, plan.tolerance)
    allowed = region.buffer(-radius + plan.tolerance, quad_segs=segs)
    reachable = region.buffer(-radius, quad_segs=segs).buffer(radius, quad_segs=segs)
    spacing = plan.stepover
    deepest = max(shapely.maximum_inscribed_circle(p, plan.tolerance).length for p in polygons(region))
    rings_needed = math.ceil(max(0.0, deepest - radius) / spacing) + 1
    if rings_needed > plan.max_rings:
        return None, [_too_large("rings per level", rings_needed, plan.max_rings)]
    refined = 0
    half = plan.coverage_tolerance / 2.0
    while True:
        offsets = [_pocket_offsets(part_region, radius, spacing, plan) for part_region in polygons(region)]
        left = shapely.union_all(
            [
                _uncovered(part_region, levels_, radius, plan)
                for part_region, levels_ in zip(polygons(region), offsets, strict=True)
            ]
        )
        slivers = left.buffer(-half).buffer(half) if not left.is_empty else left
        if slivers.is_empty or refined >= MAX_REFINE:
            break
        spacing /= 2.0
        refined += 1
    sequence = _pocket_sequence(offsets, plan, allowed)
    estimate = sum(len(step.ring.points) + 2 for step in sequence) * len(levels(plan.depth, plan.stepdown))
    if estimate > plan.max_moves:
        return None, [_too_large("moves", estimate, plan.max_moves)]
    if not slivers.is_empty:
        x, y = slivers.representative_point().coords[0]
        width = 2.0 * shapely.maximum_inscribed_circle(polygons(slivers)[0], plan.tolerance).length
        message = f"the pocket leaves an uncut sliver {mm(width)} mm wide at ({mm(x)}, {mm(y)})"
        place = {"at": [mm(x), mm(y)]}
        return None, [Finding("POCKET_UNCUT", FAIL, message, place, mm(width), plan.coverage_tolerance, "mm")]
    path = _Path(plan.safe_z)
    slope = math.tan(math.radians(plan.ramp_angle_deg))
    z_prev = 0.0
    for z in levels(plan.depth, plan.stepdown):
        previous = None
        for step in sequence:
            ring = step.ring
            if step.leave is None:
                ramp = (z_prev - z) / slope
                path.travel_to(*ring.at(0.0), z_prev)
                z_of = partial(_ramp_z, start=0.0, ramp=ramp, z0=z_prev, z=z)
                _walk(path, ring, 0.0, ramp + ring.length, z_of, breaks=(ramp,))
            else:
                # Along the ring just cut (already cleared), the shorter way, to where it comes closest to this
                # one, a straight feed inside the pocket, then round this ring.
                if step.leave <= previous.length / 2.0:
                    stations = previous.stations(0.0, step.leave)
                else:
                    stations = previous.stations(step.leave, previous.length)[::-1]
                for t in stations:
                    path.feed((*previous.at(t), z))
                _walk(path, ring, 0.0, ring.length, partial(_level_z, z=z))
            previous = ring
        z_prev = z
    offset_region = region.buffer(-radius, quad_segs=segs)
    geometry = {
        "outline": _lines(region),
        "islands": [list(map(list, loop.points)) for part in parts for loop in part.islands],
        "offset": [[[x, y] for x, y in step.ring.points] for step in sequence],
        "tabs": [],
    }
    summary = _summary(path, plan, offset_region, geometry, passes=len(levels(plan.depth, plan.stepdown)))
    summary["pocket"] = {
        "rings": len(sequence),
        "entries": sum(1 for step in sequence if step.leave is None),
        "spacing_mm": mm(spacing),
        "refined": refined,
        "uncut_area_mm2": round(left.area, 4),
        "coverage_tolerance_mm": plan.coverage_tolerance,
        "unreachable_corner_area_mm2": round(region.difference(reachable).area, 4),
    }
    return summary, _tight_entries([step.ring for step in sequence if step.leave is None], plan)


@dataclass
class _Step:
    """One ring of a pocket. ``leave`` is where the tool leaves the previous ring (arc length from its start)
    on a straight feed to this ring's start; ``None`` means retract and enter this ring by a ramp."""

    ring: Ring
    leave: float | None
    link: tuple[Point, Point] | None = None


def _pocket_sequence(offsets, plan: Plan, allowed) -> list[_Step]:
    sign = _offset_sign(plan, outside=False)
    steps: list[_Step] = []
    for part_offsets in offsets:
        for _, shrunk in part_offsets:
            left = [(points, shapely.LinearRing(points)) for points in _rings_of(shrunk, sign)]
            while left:
                here = steps[-1] if steps else None
                if here is None:
                    pick = min(range(len(left)), key=lambda i: min((p[1], p[0]) for p in left[i][0]))
                    points = left.pop(pick)[0]
                    steps.append(_Step(Ring(_rotate(points, _start_index(points, None))), None))
                    continue
                end = shapely.Point(here.ring.points[0])
                ranked = sorted(range(len(left)), key=lambda i: left[i][1].distance(end))
                step = None
                # Nearest ring a straight feed reaches without leaving the pocket: from where the last ring
                # ended, or else from where the last ring comes closest to it (going back along the cleared
                # ring); failing both, the nearest ring, entered again from above.
                for i in ranked:
                    pb = left[i][1].interpolate(left[i][1].project(end))
                    if allowed.covers(LineString([end, pb])):
                        step = _Step(_ring_from(left[i][0], (pb.x, pb.y)), 0.0, ((end.x, end.y), (pb.x, pb.y)))
                    else:
                        current = shapely.LinearRing(here.ring.points)
                        pa, pb = nearest_points(current, left[i][1])
                        if allowed.covers(LineString([pa, pb])):
                            leave = float(current.project(pa))
                            step = _Step(_ring_from(left[i][0], (pb.x, pb.y)), leave, ((pa.x, pa.y), (pb.x, pb.y)))
                    if step is not None:
                        left.pop(i)
                        break
                if step is None:
                    points = left.pop(ranked[0])[0]
                    end = here.ring.points[0]
                    step = _Step(Ring(_rotate(points, _start_index(points, end))), None)
                steps.append(step)
    return steps


def _ring_from(points: list[Point], start: Point) -> Ring:
    """The ring's points starting at ``start`` (a point on it), inserted as a vertex."""
    ring = Ring(points)
    s = float(shapely.LinearRing(points).project(shapely.Point(start)))
    i = min(bisect.bisect_right(ring.cum, s) - 1, len(points) - 1)
    rotated = [start, *points[i + 1 :], *points[: i + 1]]
    if math.dist(rotated[0], rotated[-1]) <= EPS:
        rotated.pop()
    if len(rotated) > 1 and math.dist(rotated[0], rotated[1]) <= EPS:
        rotated.pop(1)
    return Ring(rotated)


def _summary(path: _Path, plan: Plan, offset, geometry: dict, *, passes: int) -> dict:
    lengths = {RAPID: 0.0, PLUNGE: 0.0, RAMP: 0.0, CUT: 0.0}
    moves = 0
    points_all = []
    for segment in path.segments:
        pts = segment["points"]
        moves += len(pts) - 1
        lengths[segment["kind"]] += sum(math.dist(a, b) for a, b in itertools.pairwise(pts))
        points_all.extend(pts)
    xs = [p[0] for p in points_all]
    ys = [p[1] for p in points_all]
    zs = [p[2] for p in points_all]
    ox0, oy0, ox1, oy1 = offset.bounds if not offset.is_empty else (0.0, 0.0, 0.0, 0.0)
    return {
        "operation": plan.operation,
        "direction": plan.direction,
        "passes": passes,
        "moves": moves,
        "cut_length_mm": round(lengths[PLUNGE] + lengths[RAMP] + lengths[CUT], 3),
        "length_by_kind_mm": {k: round(v, 3) for k, v in lengths.items()},
        "bounds": {
            "x_min": min(xs),
            "x_max": max(xs),
            "y_min": min(ys),
            "y_max": max(ys),
            "z_min": min(zs),
            "z_max": max(zs),
        },
        "offset_bounds": {"x_min": ox0, "x_max": ox1, "y_min": oy0, "y_max": oy1},
        "segments": [{"kind": s["kind"], "points": [list(p) for p in s["points"]]} for s in path.segments],
        "geometry": geometry,
    }
