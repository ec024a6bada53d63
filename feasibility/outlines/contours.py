"""Pieces to closed loops, and loops to parts (an outer boundary and its islands).

Tool-independent checks live here: duplicate entities, contours left open or with a gap, branches, loops that
intersect themselves and loops that cross or touch each other. Geometry is Shapely (GEOS); every finding names
the entities and the coordinates (mm) it is about.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass

import shapely
from shapely.geometry import LineString, Polygon

from feasibility.outlines.model import FAIL, Finding, Loop, Piece, Point, Tolerances, mm, mm_point

VALIDITY_POINT = re.compile(r"\[\s*([-0-9.eE+]+)\s+([-0-9.eE+]+)")
PLACES_LISTED = 10


@dataclass
class Part:
    """An outer boundary and the islands (holes) directly inside it; ``depth`` counts the loops around it."""

    outer: Loop
    islands: list[Loop]
    depth: int
    polygon: Polygon  # outer minus islands, oriented: exterior counter-clockwise, islands clockwise


@dataclass
class Outline:
    loops: list[Loop]
    parts: list[Part]
    findings: list[Finding]


def build_outline(pieces: list[Piece], tolerances: Tolerances) -> Outline:
    """Dedupe, chain, validate and nest. Loops with findings are kept out of the parts, so nothing is guessed."""
    findings: list[Finding] = []
    unique = _dedupe(pieces, tolerances.join_mm, findings)
    loops = _chain(unique, tolerances, findings)
    valid = _valid_loops(loops, findings)
    crossing = _crossings(valid, findings)
    parts = _nest([(loop, polygon) for i, (loop, polygon) in enumerate(valid) if i not in crossing])
    return Outline(loops=[loop for loop, _ in valid], parts=parts, findings=findings)


# ----------------------------------------------------------------------------------------------------------
# Duplicates
# ----------------------------------------------------------------------------------------------------------


def _canonical(piece: Piece) -> list[Point]:
    """The same figure drawn from another start or in the other direction gives the same point list."""
    points = piece.points
    if piece.closed:
        if _signed_area(points) < 0:
            points = points[::-1]
        k = min(range(len(points)), key=lambda i: points[i])
        return points[k:] + points[:k]
    return points if points[0] <= points[-1] else points[::-1]


def _dedupe(pieces: list[Piece], tol: float, findings: list[Finding]) -> list[Piece]:
    cell = max(tol, 1e-6) * 4
    buckets: dict[tuple, list[tuple[Piece, list[Point]]]] = defaultdict(list)
    kept: list[Piece] = []
    for piece in pieces:
        canon = _canonical(piece)
        gx, gy = math.floor(canon[0][0] / cell), math.floor(canon[0][1] / cell)
        twin = None
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for other, other_canon in buckets.get((gx + dx, gy + dy, len(canon), piece.closed), ()):
                    if all(math.dist(a, b) <= tol for a, b in zip(canon, other_canon, strict=True)):
                        twin = other
                        break
        if twin is not None:
            message = f"{piece.entity} {piece.handle} repeats {twin.entity} {twin.handle}: a tool would cut it twice"
            place = piece.place() | {"same_as": twin.place(), "at": mm_point(canon[0])}
            findings.append(Finding("DUPLICATE_ENTITY", FAIL, message, place))
            continue
        buckets[(gx, gy, len(canon), piece.closed)].append((piece, canon))
        kept.append(piece)
    return kept


# ----------------------------------------------------------------------------------------------------------
# Chaining
# ----------------------------------------------------------------------------------------------------------


class _Ends:
    """Open ends of pieces in a grid of cells one join tolerance wide."""

    def __init__(self, pieces: list[Piece], tol: float) -> None:
        self.tol = tol
        self.cell = max(tol, 1e-9)
        self.grid: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
        self.pieces = pieces
        for i in range(len(pieces)):
            for side in (0, 1):
                self.grid[self._key(self.point(i, side))].append((i, side))

    def point(self, i: int, side: int) -> Point:
        return self.pieces[i].points[0 if side == 0 else -1]

    def _key(self, p: Point) -> tuple[int, int]:
        return math.floor(p[0] / self.cell), math.floor(p[1] / self.cell)

    def near(self, p: Point, unused: set[int], radius: float | None = None) -> list[tuple[float, int, int]]:
        radius = self.tol if radius is None else radius
        reach = max(1, math.ceil(radius / self.cell))
        gx, gy = self._key(p)
        found = []
        if (2 * reach + 1) ** 2 > 4 * len(self.grid):
            cells = list(self.grid)
        else:
            cells = [(gx + dx, gy + dy) for dx in range(-reach, reach + 1) for dy in range(-reach, reach + 1)]
        for key in cells:
            for i, side in self.grid.get(key, ()):
                if i in unused:
                    d = math.dist(p, self.point(i, side))
                    if d <= radius:
                        found.append((d, i, side))
        found.sort()
        return found


def _chain(pieces: list[Piece], tolerances: Tolerances, findings: list[Finding]) -> list[Loop]:
    tol = tolerances.join_mm
    loops: list[Loop] = []
    open_pieces: list[Piece] = []
    for piece in pieces:
        if piece.closed:
            loops.append(Loop(list(piece.points), [piece], piece.layer))
        else:
            open_pieces.append(piece)
    ends = _Ends(open_pieces, tol)
    unused = set(range(len(open_pieces)))
    lengths = [LineString(p.points).length for p in open_pieces]
    open_chains: list[list[tuple[int, bool]]] = []
    branches: list[Finding] = []
    for start in range(len(open_pieces)):
        if start not in unused:
            continue
        unused.discard(start)
        chain: list[tuple[int, bool]] = [(start, True)]  # (piece, forward)
        length = lengths[start]
        closed = False
        for grow_tail in (True, False):
            while True:
                head = _chain_end(open_pieces, chain, head=True)
                tail = _chain_end(open_pieces, chain, head=False)
                here, other = (tail, head) if grow_tail else (head, tail)
                if math.dist(here, other) <= tol and length > 2 * tol:
                    closed = True
                    break
                candidates = ends.near(here, unused)
                if not candidates:
                    break
                if len(candidates) > 1:
                    branches.append(_branch(open_pieces, chain, candidates, here))
                _, i, side = candidates[0]
                unused.discard(i)
                length += lengths[i]
                if grow_tail:
                    chain.append((i, side == 0))
                else:
                    chain.insert(0, (i, side == 1))
            if closed:
                break
        if closed:
            loops.append(_loop_from_chain(open_pieces, chain, tol))
        else:
            open_chains.append(chain)
    findings.extend(branches)
    findings.extend(_open_findings(open_pieces, open_chains, tolerances))
    return loops


def _oriented(piece: Piece, forward: bool) -> list[Point]:
    return piece.points if forward else piece.points[::-1]


def _chain_end(pieces: list[Piece], chain, *, head: bool) -> Point:
    i, forward = chain[0] if head else chain[-1]
    points = _oriented(pieces[i], forward)
    return points[0] if head else points[-1]


def _loop_from_chain(pieces: list[Piece], chain, tol: float) -> Loop:
    points: list[Point] = []
    for i, forward in chain:
        segment = _oriented(pieces[i], forward)
        points.extend(segment[1:] if points else segment)
    if len(points) > 1 and math.dist(points[0], points[-1]) <= tol:
        points.pop()
    used = [pieces[i] for i, _ in chain]
    return Loop(points, used, used[0].layer)


def _branch(pieces, chain, candidates, here: Point) -> Finding:
    last = pieces[chain[-1][0]]
    others = [pieces[i].place() for _, i, _ in candidates]
    message = f"{len(candidates) + 1} entities meet at ({mm(here[0])}, {mm(here[1])}): the contour is ambiguous"
    return Finding("CONTOUR_BRANCH", FAIL, message, last.place() | {"at": mm_point(here), "meeting": others})


def _open_findings(pieces: list[Piece], chains, tolerances: Tolerances) -> list[Finding]:
    """One finding per contour left open: a gap when another open end is near, else an open contour."""
    ends = []  # (point, chain index, piece)
    for c, chain in enumerate(chains):
        head_piece, tail_piece = pieces[chain[0][0]], pieces[chain[-1][0]]
        ends.append((_chain_end(pieces, chain, head=True), c, head_piece))
        ends.append((_chain_end(pieces, chain, head=False), c, tail_piece))
    findings = []
    for c, chain in enumerate(chains):
        mine = [e for e in ends if e[1] == c]
        best = None
        for point, _, piece in mine:
            for other_point, other_chain, other_piece in ends:
                if other_point is point or (other_chain == c and other_piece is piece and len(chain) > 1):
                    continue
                d = math.dist(point, other_point)
                if best is None or d < best[0]:
                    best = (d, point, piece, other_point, other_piece)
        first = pieces[chain[0][0]]
        place = first.place()
        if len(chain) > 1:
            place["entities"] = [pieces[i].place() for i, _ in chain][:PLACES_LISTED]
        if best is not None and best[0] <= tolerances.gap_search_mm:
            d, point, piece, other_point, other_piece = best
            message = (
                f"gap of {mm(d)} mm between {piece.entity} {piece.handle} at ({mm(point[0])}, {mm(point[1])}) and "
                f"{other_piece.entity} {other_piece.handle} at ({mm(other_point[0])}, {mm(other_point[1])}); "
                f"ends must meet within {tolerances.join_mm} mm"
            )
            place |= {"at": mm_point(point), "to": mm_point(other_point), "to_entity": other_piece.place()}
            findings.append(Finding("CONTOUR_GAP", FAIL, message, place, mm(d), tolerances.join_mm, "mm"))
        else:
            head, tail = _chain_end(pieces, chain, head=True), _chain_end(pieces, chain, head=False)
            message = (
                f"open contour: {first.entity} {first.handle} ends at ({mm(head[0])}, {mm(head[1])}) and "
                f"({mm(tail[0])}, {mm(tail[1])}) with nothing joining them"
            )
            place |= {"at": mm_point(head), "to": mm_point(tail)}
            gap = mm(math.dist(head, tail))
            findings.append(Finding("CONTOUR_OPEN", FAIL, message, place, gap, tolerances.join_mm, "mm"))
    return findings


# ----------------------------------------------------------------------------------------------------------
# Validity, crossings, nesting
# ----------------------------------------------------------------------------------------------------------


def _signed_area(points: list[Point]) -> float:
    return 0.5 * sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True))


def _nearest_piece(loop: Loop, point: Point) -> Piece:
    if len(loop.pieces) == 1:
        return loop.pieces[0]
    target = shapely.Point(point)
    return min(loop.pieces, key=lambda p: LineString(p.points).distance(target))


def _valid_loops(loops: list[Loop], findings: list[Finding]) -> list[tuple[Loop, Polygon]]:
    valid = []
    for loop in loops:
        polygon = Polygon(loop.points) if len(loop.points) >= 3 else Polygon()
        reason = shapely.is_valid_reason(polygon) if not polygon.is_empty else "Too few points"
        if reason.startswith("Too few points") or (reason == "Valid Geometry" and polygon.area <= 0.0):
            message = f"{loop.pieces[0].entity} {loop.pieces[0].handle} closes on itself without enclosing an area"
            findings.append(Finding("CONTOUR_DEGENERATE", FAIL, message, loop.place() | _first_at(loop)))
            continue
        if reason != "Valid Geometry":
            match = VALIDITY_POINT.search(reason)
            at = (float(match.group(1)), float(match.group(2))) if match else loop.points[0]
            piece = _nearest_piece(loop, at)
            message = (
                f"{piece.entity} {piece.handle} on layer {loop.layer!r}: the contour crosses itself at "
                f"({mm(at[0])}, {mm(at[1])})"
            )
            place = loop.place() | {"entity": piece.entity, "handle": piece.handle, "index": piece.index}
            findings.append(Finding("SELF_INTERSECTION", FAIL, message, place | {"at": mm_point(at)}, reason))
            continue
        valid.append((loop, shapely.geometry.polygon.orient(polygon, 1.0)))
    return valid


def _first_at(loop: Loop) -> dict:
    return {"at": mm_point(loop.points[0])}


def _crossings(valid: list[tuple[Loop, Polygon]], findings: list[Finding]) -> set[int]:
    """Indices of loops that cross or touch another loop (no wall would be left between them)."""
    if len(valid) < 2:
        return set()
    rings = [polygon.exterior for _, polygon in valid]
    tree = shapely.STRtree(rings)
    left, right = tree.query(rings, predicate="intersects")
    bad: set[int] = set()
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        if a >= b:
            continue
        bad.update((a, b))
        meet = rings[a].intersection(rings[b])
        at = meet.representative_point()
        loop_a, loop_b = valid[a][0], valid[b][0]
        pa, pb = _nearest_piece(loop_a, (at.x, at.y)), _nearest_piece(loop_b, (at.x, at.y))
        message = (
            f"{pa.entity} {pa.handle} and {pb.entity} {pb.handle} cross or touch at ({mm(at.x)}, {mm(at.y)}): "
            "contours must be apart"
        )
        place = {
            "layer": loop_a.layer,
            "entity": pa.entity,
            "handle": pa.handle,
            "index": pa.index,
            "other": pb.place(),
            "at": [mm(at.x), mm(at.y)],
        }
        findings.append(Finding("CONTOURS_CROSS", FAIL, message, place))
    return bad


def _nest(loops: list[tuple[Loop, Polygon]]) -> list[Part]:
    """Even depth (0, 2, ...) is material's outer edge; the loops directly inside it are its islands."""
    order = sorted(range(len(loops)), key=lambda i: -loops[i][1].area)
    depth: dict[int, int] = {}
    parent: dict[int, int | None] = {}
    for rank, i in enumerate(order):
        polygon = loops[i][1]
        probe = polygon.exterior.coords[0]
        parent[i] = None
        for j in reversed(order[:rank]):  # smallest enclosing loop first
            if shapely.contains_xy(loops[j][1], *probe):
                parent[i] = j
                break
        depth[i] = 0 if parent[i] is None else depth[parent[i]] + 1
    parts: list[Part] = []
    for i in order:
        if depth[i] % 2:
            continue
        islands = [k for k in order if parent[k] == i]
        outer = loops[i][1]
        polygon = Polygon(outer.exterior.coords, [loops[k][1].exterior.coords for k in islands])
        polygon = shapely.geometry.polygon.orient(polygon, 1.0)
        parts.append(Part(loops[i][0], [loops[k][0] for k in islands], depth[i], polygon))
    return parts
