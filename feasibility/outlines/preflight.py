"""Checks that depend on the tool and the operation: the drawing's size, and features narrower than the tool.

The tool's centre moves inside a *work region*: the parts themselves for ``profile_inside`` and ``pocket``, the
space around them for ``profile_outside``. Shrinking that region by the tool radius (a negative buffer) gives
where the centre can go. A feature is narrower than the tool when the region vanishes under that buffer, splits
into pieces, when two boundaries (an island and the wall, two islands, two parts) come closer than the tool's
diameter, or when a part of the region the tool cannot reach goes deeper than the tool's radius (a notch or a
channel the tool cannot enter). Shallower unreached corners are the round inside corners every milled pocket
has; they are reported as information.
"""

from __future__ import annotations

import math

import shapely
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.ops import nearest_points

from feasibility.outlines.contours import Part
from feasibility.outlines.model import FAIL, INFO, Finding, Limits, Loop, mm, mm_point

OPERATIONS = ("profile_outside", "profile_inside", "pocket")
PLACES_LISTED = 10


def quad_segs(radius: float, tolerance: float) -> int:
    """Segments per quarter circle so a buffer's round joins stray at most ``tolerance`` from the true arc."""
    if radius <= tolerance:
        return 1
    step = 2.0 * math.acos(1.0 - tolerance / radius)
    return max(2, math.ceil((math.pi / 2.0) / step))


def parts_polygon(parts: list[Part]) -> MultiPolygon:
    return MultiPolygon([part.polygon for part in parts])


def polygons(geometry) -> list[Polygon]:
    if geometry.is_empty:
        return []
    if isinstance(geometry, Polygon):
        return [geometry]
    return [g for g in getattr(geometry, "geoms", []) if isinstance(g, Polygon) and not g.is_empty]


def bounds_of(geometry) -> list[float]:
    x0, y0, x1, y1 = geometry.bounds
    return [mm(x0), mm(y0), mm(x1), mm(y1)]


def check_size(parts: list[Part], limits: Limits) -> list[Finding]:
    if not parts:
        return []
    x0, y0, x1, y1 = parts_polygon(parts).bounds
    findings = []
    sizes = (("width (X)", x1 - x0, limits.max_width_mm), ("height (Y)", y1 - y0, limits.max_height_mm))
    for axis, size, limit in sizes:
        if size > limit:
            message = f"the drawing's {axis} is {mm(size)} mm; the shop cuts at most {limit} mm"
            place = {"bounds": [mm(x0), mm(y0), mm(x1), mm(y1)]}
            findings.append(Finding("DRAWING_TOO_LARGE", FAIL, message, place, mm(size), limit, "mm"))
    return findings


class _Locator:
    """Names the loop nearest a point, so a finding about geometry says which drawn entity it is about."""

    def __init__(self, parts: list[Part]) -> None:
        self.loops: list[Loop] = [loop for part in parts for loop in [part.outer, *part.islands]]
        self.rings = [shapely.LinearRing(loop.points) for loop in self.loops]

    def place(self, x: float, y: float) -> dict:
        point = shapely.Point(x, y)
        k = min(range(len(self.loops)), key=lambda i: self.rings[i].distance(point))
        return self.loops[k].place() | {"at": [mm(x), mm(y)]}


def work_region(parts: list[Part], operation: str, radius: float):
    """Where the tool works: the parts (inside, pocket), or a frame around them minus the parts (outside)."""
    region = parts_polygon(parts)
    if operation != "profile_outside":
        return region
    x0, y0, x1, y1 = region.bounds
    margin = 4.0 * radius + 10.0
    return box(x0 - margin, y0 - margin, x1 + margin, y1 + margin).difference(region)


def _box_gap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """The distance between two bounding boxes (0 when they overlap): never more than their contents'."""
    dx = max(a[0] - b[2], b[0] - a[2], 0.0)
    dy = max(a[1] - b[3], b[1] - a[3], 0.0)
    return math.hypot(dx, dy)


def narrow_features(parts: list[Part], operation: str, diameter: float, tolerance: float) -> list[Finding]:
    if operation not in OPERATIONS:
        raise ValueError(f"operation must be one of {OPERATIONS}")
    if not parts:
        return []
    radius = diameter / 2.0
    segs = quad_segs(radius, tolerance)
    locate = _Locator(parts)
    findings: list[Finding] = []
    reported: list[tuple[float, float]] = []
    vanished: list[Polygon] = []

    def report(code, status, message, x, y, value=None, limit=None, extra=None):
        reported.append((x, y))
        findings.append(Finding(code, status, message, locate.place(x, y) | (extra or {}), value, limit, "mm"))

    region = work_region(parts, operation, radius)
    reach = region.buffer(-radius, quad_segs=segs)
    centres = polygons(reach)
    for piece in polygons(region):
        inside = [c for c in centres if piece.contains(c.representative_point())]
        if not inside:
            vanished.append(piece)
            circle = shapely.maximum_inscribed_circle(piece, tolerance)
            cx, cy = circle.coords[0]
            width = 2.0 * circle.length
            message = (
                f"the region at ({mm(cx)}, {mm(cy)}) is {mm(width)} mm wide at most: the tool "
                f"({mm(diameter)} mm) does not fit in it"
            )
            report("FEATURE_NARROWER_THAN_TOOL", FAIL, message, cx, cy, mm(width), mm(diameter))
            continue
        rings = [piece.exterior, *piece.interiors]
        boxes = [ring.bounds for ring in rings]
        for i in range(len(rings)):
            for j in range(i + 1, len(rings)):
                # Two contours whose boxes are the tool's width apart are at least that far apart: skip GEOS's
                # distance, which compares every segment of one with every segment of the other.
                if _box_gap(boxes[i], boxes[j]) >= diameter - tolerance:
                    continue
                gap = rings[i].distance(rings[j])
                if gap < diameter - tolerance:
                    pa, pb = nearest_points(rings[i], rings[j])
                    mx, my = (pa.x + pb.x) / 2.0, (pa.y + pb.y) / 2.0
                    message = (
                        f"contours {mm(gap)} mm apart between ({mm(pa.x)}, {mm(pa.y)}) and ({mm(pb.x)}, {mm(pb.y)}): "
                        f"the tool ({mm(diameter)} mm) cannot pass"
                    )
                    extra = {"from": mm_point((pa.x, pa.y)), "to": mm_point((pb.x, pb.y))}
                    report("FEATURE_NARROWER_THAN_TOOL", FAIL, message, mx, my, mm(gap), mm(diameter), extra)
        for a in range(len(inside) - 1):  # the region splits: a neck between each piece and the next
            pa, pb = nearest_points(inside[a], inside[a + 1])
            mx, my = (pa.x + pb.x) / 2.0, (pa.y + pb.y) / 2.0
            if any(math.hypot(mx - rx, my - ry) <= diameter for rx, ry in reported):
                continue  # the gap between two contours named above
            # The neck's width is that of the material the tool leaves there: its widest inscribed circle.
            unreached = piece.difference(reach.buffer(radius, quad_segs=segs))
            near = min(polygons(unreached), key=lambda g: g.distance(shapely.Point(mx, my)), default=None)
            if near is not None:
                circle = shapely.maximum_inscribed_circle(near, tolerance)
                (mx, my), width = circle.coords[0], 2.0 * circle.length
            else:
                width = 2.0 * piece.boundary.distance(shapely.Point(mx, my))
            message = (
                f"a neck {mm(width)} mm wide at ({mm(mx)}, {mm(my)}) is narrower than the tool ({mm(diameter)} mm)"
            )
            report("FEATURE_NARROWER_THAN_TOOL", FAIL, message, mx, my, mm(width), mm(diameter))
    if vanished:
        region = region.difference(shapely.union_all(vanished))  # named whole above
    findings.extend(_unreached(parts, operation, region, reach, radius, diameter, tolerance, segs, locate, reported))
    return findings


def _unreached(
    parts, operation, region, reach, radius, diameter, tolerance, segs, locate: _Locator, reported
) -> list[Finding]:
    if reach.is_empty or region.is_empty:
        return []  # nothing the tool can reach: the regions were named as too narrow already
    reached = reach.buffer(radius, quad_segs=segs)
    # Opening by the tolerance drops the hairlines that two buffers leave along curved walls.
    left = region.difference(reached)
    if operation == "profile_outside":
        # Only what lies between the parts matters; the frame drawn around them has corners of its own.
        left = left.intersection(parts_polygon(parts).convex_hull)
    left = left.buffer(-tolerance).buffer(tolerance)
    findings = []
    corners = []
    for piece in polygons(left):
        coords = shapely.get_coordinates(piece)
        depth = float(shapely.distance(shapely.points(coords), reached).max()) + tolerance
        x, y = piece.representative_point().coords[0]
        if depth <= radius:
            corners.append((depth, x, y))
            continue
        if any(math.hypot(x - rx, y - ry) <= 2 * radius + depth for rx, ry in reported):
            continue  # the same place is already named as a neck or a gap
        circle = shapely.maximum_inscribed_circle(piece, tolerance)
        width = 2.0 * circle.length
        message = (
            f"a feature {mm(width)} mm wide reaching {mm(depth)} mm beyond the tool's reach at ({mm(x)}, {mm(y)}): "
            f"narrower than the tool ({mm(diameter)} mm)"
        )
        findings.append(
            Finding(
                "FEATURE_NARROWER_THAN_TOOL",
                FAIL,
                message,
                locate.place(x, y) | {"bounds": bounds_of(piece), "depth_mm": mm(depth)},
                mm(width),
                mm(diameter),
                "mm",
            )
        )
    if corners:
        corners.sort(reverse=True)
        deepest = corners[0][0]
        message = (
            f"{len(corners)} corner(s) keep the tool's radius ({mm(radius)} mm); the deepest leaves material "
            f"{mm(deepest)} mm into the corner"
        )
        place = {"corners": [[mm(x), mm(y)] for _, x, y in corners[:PLACES_LISTED]]}
        findings.append(Finding("CORNERS_NOT_REACHED", INFO, message, place, mm(deepest), mm(radius), "mm"))
    return findings
