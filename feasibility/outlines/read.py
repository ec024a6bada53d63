"""DXF and SVG drawings to pieces in millimetres.

Long module: the two readers share the entity counting, unit handling and findings that make them fail
closed; split apart they would each need the other's private helpers.

DXF is read with ezdxf, SVG with svgelements (which applies transforms, the viewBox and CSS units). What the
reader cannot use is never dropped silently: it becomes a finding naming the entity. A file that cannot be
parsed, or one over the size limit, raises ``DrawingError`` before any geometry is built; the size and the
entity count are checked on the raw text first, so an oversized file is refused without being parsed.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
from xml.etree import ElementTree

from feasibility.outlines.flatten import adaptive, arc_points, arc_segments
from feasibility.outlines.model import (
    FAIL,
    INFO,
    WARN,
    Drawing,
    DrawingError,
    Finding,
    Limits,
    Piece,
    Point,
    Tolerances,
    mm,
)

FORMATS = ("dxf", "svg")
MM_PER_INCH = 25.4
SVG_PX_PER_INCH = 96.0

# $INSUNITS codes a shop drawing can be in, as millimetres per drawing unit (DXF reference, HEADER section).
DXF_UNITS = {1: ("in", 25.4), 2: ("ft", 304.8), 4: ("mm", 1.0), 5: ("cm", 10.0), 6: ("m", 1000.0)}
DXF_UNITLESS = 0
ASSUMABLE_UNITS = {"mm": 1.0, "in": MM_PER_INCH}

DXF_CURVES = frozenset({"LINE", "ARC", "CIRCLE", "ELLIPSE", "SPLINE", "LWPOLYLINE", "POLYLINE"})
# Record names counted before parsing: everything that can carry geometry, in ENTITIES or in a BLOCK.
DXF_GRAPHIC_RECORDS = DXF_CURVES | frozenset(
    {"INSERT", "TEXT", "MTEXT", "POINT", "HATCH", "DIMENSION", "SOLID", "3DFACE", "LEADER", "MLINE", "VERTEX"}
)
DXF_RECORD = re.compile(r"^[ \t]*0[ \t]*\r?\n[ \t]*([A-Z0-9_]+)[ \t]*\r?$", re.MULTILINE)

SVG_SHAPES = ("path", "circle", "ellipse", "rect", "line", "polyline", "polygon")
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
SVG_LENGTH = re.compile(r"^\s*([0-9.eE+-]+)\s*([a-z%]*)\s*$")
SVG_ABSOLUTE_UNITS = {"mm": 1.0, "cm": 10.0, "in": MM_PER_INCH, "pt": MM_PER_INCH / 72.0, "pc": MM_PER_INCH / 6.0}
SVG_DRAWN_NOT_CUT = frozenset({"text", "image", "foreignObject"})
INKSCAPE_LABEL = "{http://www.inkscape.org/namespaces/inkscape}label"
INKSCAPE_GROUPMODE = "{http://www.inkscape.org/namespaces/inkscape}groupmode"

HASH_CHUNK = 1 << 20
# Consecutive points closer than this are one point (well below any tolerance a shop would state).
SAME_POINT_MM = 1e-9
PLACES_LISTED = 10


def read_drawing(
    source: dict,
    *,
    layer: str | None = None,
    tolerances: Tolerances | None = None,
    limits: Limits | None = None,
    assume_units: str = "mm",
) -> Drawing:
    """Read ``{"format": "dxf" | "svg", "data": "<file text>"}`` into pieces in millimetres.

    ``layer`` keeps only that layer (DXF layer, compared without case; SVG: an Inkscape layer's label or a
    group's id). ``assume_units`` ("mm" or "in") is what a DXF without ``$INSUNITS`` is taken to be; the
    result says so in ``units`` and a ``UNITS_ASSUMED`` finding. Raises ``DrawingError`` for an unknown
    format, a file over ``limits.max_bytes`` (413) or one that cannot be parsed (400).
    """
    tolerances = tolerances or Tolerances()
    limits = limits or Limits()
    if not isinstance(source, dict) or source.get("format") not in FORMATS:
        raise DrawingError("DRAWING_FORMAT", f"source.format must be one of {', '.join(FORMATS)}")
    data = source.get("data")
    if not isinstance(data, str):
        raise DrawingError("DRAWING_MALFORMED", "source.data must be the file's text")
    # Counted without copying the text: an ASCII file (nearly every DXF) has as many bytes as characters.
    size = len(data) if data.isascii() else len(data.encode("utf-8"))
    if size > limits.max_bytes:
        raise DrawingError(
            "DRAWING_TOO_LARGE",
            f"the file is {size} bytes; the shop accepts at most {limits.max_bytes}",
            http_status=413,
            value=size,
            limit=limits.max_bytes,
        )
    if assume_units not in ASSUMABLE_UNITS:
        raise ValueError(f"assume_units must be one of {sorted(ASSUMABLE_UNITS)}")
    reader = _DxfReader if source["format"] == "dxf" else _SvgReader
    # A byte-order mark left at the start by an editor is not part of either format.
    drawing = reader(
        data.removeprefix("\ufeff"), layer=layer, tolerances=tolerances, limits=limits, assume_units=assume_units
    ).read()
    drawing.stats["bytes"] = size
    # What the ledger records of the file it judged: its hash (the file itself is stored once, by hash).
    digest = hashlib.sha256()
    for start in range(0, len(data), HASH_CHUNK):  # in chunks: no second copy of a large file
        digest.update(data[start : start + HASH_CHUNK].encode("utf-8"))
    drawing.stats["sha256"] = digest.hexdigest()
    return drawing


class _Reader:
    format = ""

    def __init__(self, data: str, *, layer, tolerances: Tolerances, limits: Limits, assume_units: str) -> None:
        self.data = data
        self.layer = layer
        self.tol = tolerances
        self.limits = limits
        self.assume_units = assume_units
        self.pieces: list[Piece] = []
        self.findings: list[Finding] = []
        self.layers: list[str | None] = []
        self.ignored: dict[str, list[dict]] = {}
        self.points = 0
        self.entities = 0
        self.over_budget = False
        self.units: dict = {}
        self.scale = 1.0

    def drawing(self) -> Drawing:
        for entity, places in sorted(self.ignored.items()):
            self.findings.append(
                Finding(
                    "ENTITY_IGNORED",
                    WARN,
                    f"{entity} cannot be cut: {len(places)} left out",
                    {"entity": entity, "entities": places[:PLACES_LISTED]},
                    len(places),
                )
            )
        if not self.pieces and not any(f.status == FAIL for f in self.findings):
            if self.layer is not None:
                message = f"nothing to cut on layer {self.layer!r}"
                self.findings.append(
                    Finding("LAYER_EMPTY", FAIL, message, {"layer": self.layer}, value=", ".join(map(str, self.layers)))
                )
            else:
                self.findings.append(Finding("DRAWING_EMPTY", FAIL, "the drawing holds nothing to cut"))
        stats = {"entities": self.entities, "pieces": len(self.pieces), "points": self.points}
        return Drawing(self.format, self.pieces, self.units, self.tol, self.findings, self.layers, stats)

    def too_many(self, count: int) -> Drawing:
        self.over_budget = True
        message = f"the drawing has {count} entities; the shop accepts at most {self.limits.max_entities}"
        self.findings.append(Finding("TOO_MANY_ENTITIES", FAIL, message, {}, count, self.limits.max_entities))
        return self.drawing()

    def wanted(self, layer: str | None) -> bool:
        if layer not in self.layers:
            self.layers.append(layer)
        if self.layer is None:
            return True
        return layer is not None and layer.casefold() == self.layer.casefold()

    def budget(self) -> int:
        return self.limits.max_points - self.points

    def spend(self, count: int, place: dict) -> bool:
        """Reserve ``count`` points; past the shop's limit reading stops with a finding."""
        if self.over_budget:
            return False
        if count > self.budget():
            self.over_budget = True
            message = (
                f"flattened to the chord tolerance of {self.tol.flatten_mm} mm the drawing needs more than "
                f"{self.limits.max_points} points"
            )
            self.findings.append(Finding("TOO_MANY_POINTS", FAIL, message, place, None, self.limits.max_points))
            return False
        self.points += count
        return True

    def add(self, points: list[Point], closed: bool, layer, entity: str, handle: str, index: int) -> None:
        cleaned: list[Point] = []
        for x, y in points:
            p = (x * self.scale, y * self.scale)
            if not cleaned or math.hypot(p[0] - cleaned[-1][0], p[1] - cleaned[-1][1]) > SAME_POINT_MM:
                cleaned.append(p)
        if closed and len(cleaned) > 1 and math.dist(cleaned[0], cleaned[-1]) <= SAME_POINT_MM:
            cleaned.pop()
        piece = Piece(cleaned, closed, layer, entity, handle, index)
        if len(cleaned) < 2 or (closed and len(cleaned) < 3):
            message = f"{entity} {handle} has no length and was left out"
            self.findings.append(Finding("ZERO_LENGTH_ENTITY", INFO, message, piece.place() | _at(cleaned)))
            return
        self.pieces.append(piece)

    def check_extent(self, extent: float) -> None:
        # A curve far larger than any drawing the shop cuts would only cost time to flatten (a circle of radius
        # 10^12 is millions of chords): refused before. The exact size check comes later, on the whole drawing.
        if extent * self.scale > 2.0 * max(self.limits.max_width_mm, self.limits.max_height_mm):
            raise _TooBig(extent * self.scale)

    def check_budget(self, count: int) -> None:
        if count > self.budget():
            raise _OverBudget

    def take(self, vertices) -> list[Point]:
        """Points from ezdxf's lazy flattening, stopping as soon as the drawing's point budget is spent."""
        budget = self.budget()
        points = []
        for v in vertices:
            points.append((v.x, v.y))
            if len(points) > budget:
                raise _OverBudget
        return points

    def ignore(self, entity: str, place: dict) -> None:
        self.ignored.setdefault(entity, []).append(place)


def _at(points: list[Point]) -> dict:
    return {"at": [mm(points[0][0]), mm(points[0][1])]} if points else {}


# ----------------------------------------------------------------------------------------------------------
# DXF
# ----------------------------------------------------------------------------------------------------------


class _DxfReader(_Reader):
    format = "dxf"

    def read(self) -> Drawing:
        import ezdxf

        count = sum(1 for m in DXF_RECORD.finditer(self.data) if m.group(1) in DXF_GRAPHIC_RECORDS)
        if count > self.limits.max_entities:
            self.units = {"unit": None, "source": "not read"}
            return self.too_many(count)
        try:
            doc = ezdxf.read(io.StringIO(self.data, newline=None))  # CR LF files read like LF ones
        except Exception as exc:  # every parser failure is the client's file being unreadable
            raise DrawingError("DRAWING_MALFORMED", f"the DXF file cannot be read: {exc}") from exc
        self._units(doc.header.get("$INSUNITS", DXF_UNITLESS))
        for index, entity in enumerate(doc.modelspace()):
            if self.over_budget:
                break
            self.entity(entity, index, depth=0, parent_layer=None, handle=None)
        return self.drawing()

    def _units(self, code) -> None:
        try:
            code = int(code)
        except (TypeError, ValueError):
            code = -1
        if code in DXF_UNITS:
            unit, self.scale = DXF_UNITS[code]
            self.units = {"unit": unit, "mm_per_unit": self.scale, "source": "$INSUNITS", "insunits": code}
            return
        self.scale = ASSUMABLE_UNITS[self.assume_units]
        self.units = {
            "unit": self.assume_units,
            "mm_per_unit": self.scale,
            "source": "assumed",
            "insunits": code,
        }
        if code == DXF_UNITLESS:
            message = f"the drawing does not state its units ($INSUNITS unset); taken as {self.assume_units}"
            self.findings.append(Finding("UNITS_ASSUMED", WARN, message, {}, code, None))
        else:
            message = f"$INSUNITS {code} is not a unit the shop cuts in (mm, cm, m, in, ft)"
            self.findings.append(Finding("UNITS_UNSUPPORTED", FAIL, message, {}, code, None))

    def entity(self, entity, index: int, *, depth: int, parent_layer: str | None, handle: str | None) -> None:
        if self.over_budget:
            return
        kind = entity.dxftype()
        layer = entity.dxf.get("layer", "0")
        if parent_layer is not None and layer == "0":
            layer = parent_layer  # block content on layer 0 takes the INSERT's layer
        handle = handle or entity.dxf.get("handle", f"#{index}")
        if not self.wanted(layer):
            return
        self.entities += 1
        if self.entities > self.limits.max_entities:
            self.too_many(self.entities)
            return
        place = {"layer": layer, "entity": kind, "handle": handle, "index": index}
        if kind == "INSERT":
            if depth >= self.limits.max_insert_depth:
                # Geometry left out would be a part cut wrong: refused, not skipped (named once, at the first).
                if not any(f.code == "BLOCKS_TOO_DEEP" for f in self.findings):
                    limit = self.limits.max_insert_depth
                    message = f"block reference {handle} nests blocks deeper than {limit} levels"
                    self.findings.append(Finding("BLOCKS_TOO_DEEP", FAIL, message, place, depth + 1, limit))
                return
            # Blocks can insert blocks: a few kilobytes can expand to billions of entities. The count stops it.
            for k, child in enumerate(entity.virtual_entities()):
                if self.over_budget:
                    break
                self.entity(child, index, depth=depth + 1, parent_layer=layer, handle=f"{handle}/{k}")
            return
        if kind not in DXF_CURVES or (kind == "POLYLINE" and not (entity.is_2d_polyline or entity.is_3d_polyline)):
            self.ignore(kind, place)
            return
        extrusion = entity.dxf.get("extrusion", None)
        if extrusion is not None and abs(abs(extrusion[2]) - 1.0) > 1e-9:
            message = f"{kind} {handle} does not lie in the XY plane (extrusion {tuple(extrusion)})"
            self.findings.append(Finding("ENTITY_NOT_IN_XY", FAIL, message, place))
            return
        try:
            points, closed = self.flatten(entity, kind)
        except _OverBudget:
            self.spend(self.budget() + 1, place)
            return
        except _TooBig as big:
            limit = max(self.limits.max_width_mm, self.limits.max_height_mm)
            message = f"{kind} {handle} spans {mm(big.size_mm)} mm: far larger than the shop cuts ({limit} mm)"
            self.findings.append(Finding("DRAWING_TOO_LARGE", FAIL, message, place, mm(big.size_mm), limit, "mm"))
            return
        if points is not None and self.spend(len(points), place):
            self.add(points, closed, layer, kind, handle, index)

    def flatten(self, entity, kind: str) -> tuple[list[Point] | None, bool]:
        # Tolerances are in millimetres; the drawing's own unit is `scale` millimetres.
        tol = self.tol.flatten_mm / self.scale
        if kind == "LINE":
            s, e = entity.dxf.start, entity.dxf.end
            return [(s.x, s.y), (e.x, e.y)], False
        self.check_extent(_extent(entity, kind))
        if kind in ("ARC", "CIRCLE"):
            radius = entity.dxf.radius
            sweep = 360.0 if kind == "CIRCLE" else (entity.dxf.end_angle - entity.dxf.start_angle) % 360.0 or 360.0
            self.check_budget(arc_segments(radius, math.radians(sweep), tol))
            points = [(v.x, v.y) for v in entity.flattening(_sagitta(radius, tol))]
            return points, kind == "CIRCLE"
        if kind == "ELLIPSE":
            points = self.take(entity.flattening(tol))
            full = abs((entity.dxf.end_param - entity.dxf.start_param) % math.tau) < 1e-9
            return points, full
        if kind == "SPLINE":
            points = self.take(entity.flattening(tol))
            return points, bool(entity.closed)
        return self.polyline(entity, kind, tol)

    def polyline(self, entity, kind: str, tol: float) -> tuple[list[Point], bool]:
        if kind == "LWPOLYLINE":
            vertices = [(float(x), float(y), float(bulge)) for x, y, bulge in entity.get_points("xyb")]
            closed = bool(entity.closed)
        elif entity.is_2d_polyline:
            vertices = [(v.dxf.location.x, v.dxf.location.y, v.dxf.get("bulge", 0.0)) for v in entity.vertices]
            closed = bool(entity.is_closed)
        else:  # 3D polyline: straight segments in world coordinates, no bulges
            return [(v.dxf.location.x, v.dxf.location.y) for v in entity.vertices], bool(entity.is_closed)
        points: list[Point] = []
        count = len(vertices)
        for k in range(count if closed else count - 1):
            x0, y0, bulge = vertices[k]
            x1, y1, _ = vertices[(k + 1) % count]
            if bulge and math.hypot(x1 - x0, y1 - y0) > 0.0:
                chord = math.hypot(x1 - x0, y1 - y0)
                self.check_extent(chord * (1.0 + bulge * bulge) / (2.0 * abs(bulge)))  # the arc's diameter
                arc = _bulge_points((x0, y0), (x1, y1), bulge, tol, budget=self.budget() - len(points))
                if arc is None:
                    raise _OverBudget
                points.extend(arc[:-1])
            else:
                points.append((x0, y0))
        if not closed and vertices:
            points.append((vertices[-1][0], vertices[-1][1]))
        # Polyline vertices are in the entity's object coordinate system (OCS); a mirrored one has extrusion -Z.
        ocs = entity.ocs()
        if ocs.transform:
            elevation = entity.dxf.get("elevation", 0.0)
            z = elevation if isinstance(elevation, float | int) else elevation[2]
            points = [(v.x, v.y) for v in ocs.points_to_wcs([(x, y, z) for x, y in points])]
        return points, closed


class _OverBudget(Exception):
    pass


class _TooBig(Exception):
    def __init__(self, size_mm: float) -> None:
        super().__init__(size_mm)
        self.size_mm = size_mm


def _extent(entity, kind: str) -> float:
    """An upper bound of the entity's width or height, in drawing units (0 where the points themselves tell)."""
    if kind in ("ARC", "CIRCLE"):
        return 2.0 * abs(entity.dxf.radius)
    if kind == "ELLIPSE":
        return 2.0 * math.hypot(entity.dxf.major_axis.x, entity.dxf.major_axis.y)
    if kind == "SPLINE":
        # A B-spline lies in the hull of its control points; one given by fit points stays near them.
        points = list(entity.control_points) or list(entity.fit_points)
        if not points:
            return 0.0
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        return max(max(xs) - min(xs), max(ys) - min(ys))
    return 0.0


def _sagitta(radius: float, tol: float) -> float:
    # ezdxf divides an arc by sagitta; keep it strictly below the radius so tiny arcs still get a chord.
    return min(tol, 0.5 * radius) if radius > 0 else tol


def _bulge_points(p0: Point, p1: Point, bulge: float, tol: float, *, budget: int) -> list[Point] | None:
    """The arc from p0 to p1 of a polyline segment with ``bulge`` = tan(sweep / 4), positive counter-clockwise;
    None when it would take more than ``budget`` points."""
    sweep = 4.0 * math.atan(bulge)
    chord = math.hypot(p1[0] - p0[0], p1[1] - p0[1])
    radius = chord / (2.0 * math.sin(abs(sweep) / 2.0))
    if arc_segments(radius, sweep, tol) + 1 > budget:
        return None
    mx, my = (p0[0] + p1[0]) / 2.0, (p0[1] + p1[1]) / 2.0
    # Signed distance from the chord's midpoint to the centre, along the chord's left normal.
    offset = chord * (1.0 - bulge * bulge) / (4.0 * bulge)
    nx, ny = -(p1[1] - p0[1]) / chord, (p1[0] - p0[0]) / chord
    cx, cy = mx + nx * offset, my + ny * offset
    start = math.atan2(p0[1] - cy, p0[0] - cx)
    points = arc_points((cx, cy), radius, start, sweep, tol)
    points[0], points[-1] = p0, p1  # the ends are the drawn vertices, not their recomputation
    return points


# ----------------------------------------------------------------------------------------------------------
# SVG
# ----------------------------------------------------------------------------------------------------------


class _SvgReader(_Reader):
    format = "svg"

    def read(self) -> Drawing:
        import svgelements as se

        if re.search(r"<!ENTITY", self.data, re.IGNORECASE):
            # Entity declarations are how XML bombs and external references get in; drawings never need them.
            raise DrawingError("DRAWING_MALFORMED", "the SVG file declares XML entities, which are not accepted")
        count = _svg_drawn_count(self.data, self.limits.max_entities)
        if count > self.limits.max_entities:
            self.units = {"unit": None, "source": "not read"}
            return self.too_many(count)
        try:
            svg = se.SVG.parse(io.StringIO(self.data), ppi=SVG_PX_PER_INCH, reify=True)
        except Exception as exc:  # every parser failure is the client's file being unreadable
            raise DrawingError("DRAWING_MALFORMED", f"the SVG file cannot be read: {exc}") from exc
        if not isinstance(svg, se.SVG):
            raise DrawingError("DRAWING_MALFORMED", "the file has no <svg> root element")
        self._units(svg)
        self.se = se
        self.index = 0
        self.walk(svg, layer=None)
        return self.drawing()

    def _units(self, svg) -> None:
        # svgelements gives coordinates in CSS px (96 per inch) with the viewBox and transforms applied.
        self.scale = MM_PER_INCH / SVG_PX_PER_INCH
        width, height = svg.values.get("width"), svg.values.get("height")
        units = [_svg_unit(width), _svg_unit(height)]
        if units[0] in SVG_ABSOLUTE_UNITS and float(svg.width) > 0:
            # The declared width in its own unit gives the exact scale; svgelements' px constants are rounded.
            self.scale = float(SVG_LENGTH.match(str(width)).group(1)) * SVG_ABSOLUTE_UNITS[units[0]] / float(svg.width)
        self.flip_height = float(svg.height) if height is not None and units[1] != "%" else None
        self.units = {"unit": "px", "mm_per_unit": self.scale, "width": width, "height": height}
        if all(u in SVG_ABSOLUTE_UNITS for u in units):
            self.units["source"] = "width/height"
        elif all(u in ("px", "") for u in units):
            self.units["source"] = "css px"
        else:
            self.units["source"] = "assumed"
            message = (
                f"the drawing does not state its size in absolute units (width {width!r}, height {height!r}); "
                f"user units taken as CSS px, {SVG_PX_PER_INCH:g} per inch"
            )
            self.findings.append(Finding("UNITS_ASSUMED", WARN, message, {}, f"{width} x {height}", None))

    def walk(self, group, layer: str | None) -> None:
        se = self.se
        for element in group:
            if self.over_budget:
                return
            if isinstance(element, se.Group):
                values = element.values
                child_layer = layer
                if values.get(INKSCAPE_GROUPMODE) == "layer":
                    child_layer = values.get(INKSCAPE_LABEL) or values.get("id")
                elif layer is None and values.get("id"):
                    child_layer = values.get("id")
                self.walk(element, child_layer)
                continue
            index = self.index
            self.index += 1
            tag = str(element.values.get("tag", type(element).__name__.lower()))
            shape = isinstance(element, se.Shape)
            if not shape and tag not in SVG_DRAWN_NOT_CUT:
                continue  # metadata, editor state (other namespaces), titles, styles, definitions: not drawn
            if not self.wanted(layer):
                continue
            handle = element.values.get("id") or f"#{index}"
            place = {"layer": layer, "entity": tag, "handle": handle, "index": index}
            if not shape:
                self.ignore(tag, place)  # drawn, but not a contour: named, so nothing vanishes silently
                continue
            self.entities += 1
            self.shape(element, layer, tag, handle, index)

    def shape(self, element, layer, tag: str, handle: str, index: int) -> None:
        se = self.se
        path = se.Path(element)
        box = path.bbox()
        if box is not None:
            try:
                self.check_extent(max(box[2] - box[0], box[3] - box[1]))
            except _TooBig as big:
                limit = max(self.limits.max_width_mm, self.limits.max_height_mm)
                message = f"{tag} {handle} spans {mm(big.size_mm)} mm: far larger than the shop cuts ({limit} mm)"
                place = {"layer": layer, "entity": tag, "handle": handle, "index": index}
                self.findings.append(Finding("DRAWING_TOO_LARGE", FAIL, message, place, mm(big.size_mm), limit, "mm"))
                return
        subpaths: list[tuple[list[Point], bool]] = []
        current: list[Point] = []
        closed = False
        tol_px = self.tol.flatten_mm / self.scale
        for segment in path:
            if isinstance(segment, se.Move):
                if current:
                    subpaths.append((current, closed))
                current, closed = [self.xy(segment.end)], False
                continue
            if not current:
                current = [self.xy(segment.start)]
            if isinstance(segment, se.Close):
                current.append(self.xy(segment.end))
                closed = True
            elif isinstance(segment, se.Line):
                current.append(self.xy(segment.end))
            else:  # Arc, CubicBezier, QuadraticBezier
                curve = adaptive(lambda t, s=segment: self.xy(s.point(t)), tol_px, budget=self.budget() + 1)
                current.extend(curve[1:])
            if len(current) > self.budget():
                self.spend(len(current), {"layer": layer, "entity": tag, "handle": handle, "index": index})
                return
        if current:
            subpaths.append((current, closed))
        for k, (points, is_closed) in enumerate(subpaths):
            name = handle if len(subpaths) == 1 else f"{handle}:{k}"
            if self.spend(len(points), {"layer": layer, "entity": tag, "handle": name, "index": index}):
                self.add(points, is_closed, layer, tag, name, index)

    def xy(self, point) -> Point:
        # SVG's y axis points down; a machine's points up. The origin moves to the bottom-left of the page.
        y = float(point.y)
        return (float(point.x), (self.flip_height - y) if self.flip_height is not None else -y)


def _svg_drawn_count(text: str, limit: int) -> int:
    """How many shapes the SVG draws once every ``<use>`` is expanded, counted on the XML tree (no expansion).

    A few nested ``<use>`` elements multiply: ten levels of ten draw ten billion circles from a kilobyte, and
    the SVG library would build every one. Counting first, with the references followed through a memo, costs
    one pass over the tree. Shapes inside ``<defs>`` are counted too: an upper bound is enough.
    """
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        raise DrawingError("DRAWING_MALFORMED", f"the SVG file cannot be read: {exc}") from exc
    by_id = {element.get("id"): element for element in root.iter() if element.get("id")}
    memo: dict[int, int] = {}
    visiting: set[int] = set()

    def drawn(element) -> int:
        key = id(element)
        if key in memo:
            return memo[key]
        if key in visiting:
            raise DrawingError("DRAWING_MALFORMED", "an SVG <use> refers to an element that contains it")
        visiting.add(key)
        tag = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
        total = 1 if tag in SVG_SHAPES else 0
        if tag == "use":
            ref = element.get("href") or element.get(XLINK_HREF) or ""
            if ref.startswith("#") and ref[1:] in by_id:
                total += drawn(by_id[ref[1:]])
        for child in element:
            total += drawn(child)
            if total > limit:
                break  # enough to refuse; no need to count a bomb to the end
        visiting.discard(key)
        memo[key] = total
        return total

    try:
        return drawn(root)
    except RecursionError as exc:
        raise DrawingError("DRAWING_MALFORMED", "the SVG file is nested too deeply") from exc


def _svg_unit(length) -> str | None:
    if length is None:
        return None
    match = SVG_LENGTH.match(str(length))
    return match.group(2) if match else None
