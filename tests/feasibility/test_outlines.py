"""Outlines from drawings: reading, preflight, nesting and toolpaths (feasibility/outlines). Pure: no database.

Long module: one file of drawings made in the tests and the properties checked on them; the drawing helpers
at its top serve every section.

Every drawing is made here with the libraries a CAD program's export would resemble: ezdxf writes the DXF
files, the SVG files are written as text the way Inkscape lays them out.
"""

import hashlib
import io
import itertools
import json
import math
import time
import tracemalloc

import ezdxf
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Polygon

from feasibility.outlines import DrawingError, Limits, Tolerances, outline_job, read_drawing
from feasibility.outlines.contours import build_outline
from tests.drawings import body_outline, body_polygon, cavities, dxf, dxf_text, rounded_rect, svg

TOOL = 6.0
R = TOOL / 2
CHORD = 0.01
PROPERTY_SETTINGS = settings(max_examples=25, deadline=None, database=None)


# ----------------------------------------------------------------------------------------------------------
# Drawings (tests/drawings.py makes them)
# ----------------------------------------------------------------------------------------------------------


def job(source, operation="profile_outside", *, depth=6.0, tabs=None, layer=None, direction=None, **kwargs):
    design = {"shape": "outline", "operation": operation, "source": source, "depth": depth}
    if tabs is not None:
        design["tabs"] = tabs
    if layer is not None:
        design["layer"] = layer
    if direction is not None:
        design["direction"] = direction
    kwargs.setdefault("tool_diameter_mm", TOOL)
    kwargs.setdefault("stepdown_mm", 2.0)
    if operation == "pocket":
        kwargs.setdefault("stepover_mm", 2.4)
    return outline_job(design, **kwargs)


def codes(result) -> list[str]:
    return [f["code"] for f in result["findings"]]


def finding(result, code) -> dict:
    found = [f for f in result["findings"] if f["code"] == code]
    assert found, f"no {code} in {codes(result)}"
    return found[0]


def feed_points(toolpath) -> list[tuple[float, float, float]]:
    return [tuple(p) for s in toolpath["segments"] if s["kind"] != "rapid" for p in s["points"]]


def signed_area(points) -> float:
    return 0.5 * sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True))


def level_runs(toolpath, z: float) -> list[list[tuple[float, float, float]]]:
    """Maximal runs of consecutive feed points at exactly ``z``."""
    runs, current = [], []
    for p in feed_points(toolpath):
        if abs(p[2] - z) < 1e-9:
            current.append(p)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def swept_at(toolpath, z: float, radius: float):
    """The area the tool sweeps at depth ``z``: its moves there, buffered in short chunks and united."""
    chunks = []
    for run in level_runs(toolpath, z):
        xy = [p[:2] for p in run]
        chunks.extend(LineString(xy[k : k + 51]) for k in range(0, len(xy) - 1, 50))
    return shapely.union_all(shapely.buffer(chunks, radius, quad_segs=16))


def xy_length(points) -> float:
    return sum(math.dist(a[:2], b[:2]) for a, b in itertools.pairwise(points))


# ----------------------------------------------------------------------------------------------------------
# Reading: entities, flattening, units
# ----------------------------------------------------------------------------------------------------------


def test_read_circle_flattened_within_chord_tolerance():
    drawing = read_drawing(dxf(lambda m, d: m.add_circle((10, 20), 50)), tolerances=Tolerances(chord_mm=CHORD))
    (piece,) = drawing.pieces
    assert piece.entity == "CIRCLE"
    assert piece.closed
    assert piece.layer == "0"
    ring = piece.points + piece.points[:1]
    assert max(abs(math.dist(p, (10, 20)) - 50) for p in ring) < 1e-9
    # Chord midpoints are where a chord strays furthest from the arc.
    worst = max(50 - math.dist(((a[0] + b[0]) / 2, (a[1] + b[1]) / 2), (10, 20)) for a, b in itertools.pairwise(ring))
    # Half the chord tolerance goes to flattening the drawing, half to the offsets' round joins.
    assert worst <= drawing.tolerances.flatten_mm == CHORD / 2
    assert worst > CHORD / 4  # not needlessly fine either
    assert drawing.tolerances.as_dict()["chord_mm"] == CHORD
    assert drawing.units == {"unit": "mm", "mm_per_unit": 1.0, "source": "$INSUNITS", "insunits": 4}


def test_read_every_supported_entity_type():
    def build(m, doc):
        m.add_line((0, 0), (10, 0))
        m.add_arc((0, 0), 5, 0, 90)
        m.add_ellipse((0, 0), major_axis=(20, 0), ratio=0.5)
        m.add_spline([(0, 0), (10, 10), (20, 0), (30, 10)])
        m.add_polyline2d([(0, 0), (10, 0), (10, 10)], close=True)
        m.add_polyline3d([(0, 0, 0), (5, 5, 0), (5, 0, 0)])
        rounded_rect(m, 0, 0, 40, 20, 5)
        m.add_text("serial number")

    drawing = read_drawing(dxf(build))
    types = sorted(p.entity for p in drawing.pieces)
    assert types == ["ARC", "ELLIPSE", "LINE", "LWPOLYLINE", "POLYLINE", "POLYLINE", "SPLINE"]
    ellipse = next(p for p in drawing.pieces if p.entity == "ELLIPSE")
    assert ellipse.closed
    assert abs(Polygon(ellipse.points).area - math.pi * 20 * 10) < 0.01 * 2 * math.pi * 20
    ignored = next(f for f in drawing.findings if f.code == "ENTITY_IGNORED")
    assert ignored.status == "warn"
    assert ignored.place["entities"][0]["entity"] == "TEXT"


def test_read_lwpolyline_bulges_follow_the_arcs():
    drawing = read_drawing(dxf(lambda m, d: rounded_rect(m, 0, 0, 100, 60, 10)))
    (piece,) = drawing.pieces
    expected = 100 * 60 - (4 - math.pi) * 10**2
    polygon = Polygon(piece.points)
    assert abs(polygon.area - expected) < CHORD * polygon.length
    # Every corner point lies on its quarter circle.
    for cx, cy in ((10, 10), (90, 10), (90, 50), (10, 50)):
        on_arc = [p for p in piece.points if abs(p[0] - cx) < 10 - 1e-9 and abs(p[1] - cy) < 10 - 1e-9]
        on_arc = [p for p in on_arc if (p[0] - cx) * (50 - cx) <= 0 and (p[1] - cy) * (30 - cy) <= 0]
        assert on_arc
        assert all(abs(math.dist(p, (cx, cy)) - 10) < 1e-9 for p in on_arc)


def test_read_inch_drawing_converts_to_mm():
    drawing = read_drawing(dxf(lambda m, d: m.add_circle((1, 1), 2), units=1))
    assert drawing.units["unit"] == "in"
    assert drawing.units["source"] == "$INSUNITS"
    (piece,) = drawing.pieces
    assert max(abs(math.dist(p, (25.4, 25.4)) - 50.8) for p in piece.points) < 1e-9
    assert not drawing.findings


def test_read_windows_line_endings_and_byte_order_marks():
    text = dxf_text(lambda m, d: (m.add_circle((1, 1), 2), rounded_rect(m, 0, 0, 4, 3, 0.5)), units=1)
    unix = read_drawing({"format": "dxf", "data": text})
    windows = read_drawing({"format": "dxf", "data": text.replace("\n", "\r\n")})
    assert windows.units == unix.units
    assert [p.points for p in windows.pieces] == [p.points for p in unix.pieces]
    with_bom = read_drawing({"format": "dxf", "data": "\ufeff" + text})
    assert [p.points for p in with_bom.pieces] == [p.points for p in unix.pieces]
    svg_bom = read_drawing({"format": "svg", "data": "\ufeff" + svg('<circle cx="5" cy="5" r="2"/>')["data"]})
    assert len(svg_bom.pieces) == 1
    limited = read_drawing({"format": "dxf", "data": text.replace("\n", "\r\n")}, limits=Limits(max_entities=1))
    assert [(f.code, f.value) for f in limited.findings] == [("TOO_MANY_ENTITIES", 2)]


def test_read_unitless_dxf_is_an_explicit_assumption():
    source = dxf(lambda m, d: m.add_circle((0, 0), 2), units=None)
    drawing = read_drawing(source)
    assert drawing.units["source"] == "assumed"
    assert drawing.units["unit"] == "mm"
    assert [(f.code, f.status) for f in drawing.findings] == [("UNITS_ASSUMED", "warn")]
    inch = read_drawing(source, assume_units="in")
    assert inch.units["unit"] == "in"
    assert abs(math.hypot(*inch.pieces[0].points[0]) - 50.8) < 1e-9


def test_read_unsupported_units_fail_closed():
    drawing = read_drawing(dxf(lambda m, d: m.add_circle((0, 0), 2), units=7))  # 7 = miles
    assert [(f.code, f.status) for f in drawing.findings] == [("UNITS_UNSUPPORTED", "fail")]


def test_read_r12_polyline_with_bulges_assumes_units():
    # R12, which many older CAM and CAD programs still write: POLYLINE with bulges, and no $INSUNITS at all.
    doc = ezdxf.new("R12")
    b = math.tan(math.pi / 8)  # a quarter circle of radius 10 from (90, 0) to (100, 10)
    points = [(0, 0, 0), (90, 0, b), (100, 10, 0), (100, 50, 0), (0, 50, 0)]
    doc.modelspace().add_polyline2d(points, format="xyb", close=True, dxfattribs={"layer": "NECK"})
    stream = io.StringIO()
    doc.write(stream)
    drawing = read_drawing({"format": "dxf", "data": stream.getvalue()}, layer="neck")
    assert drawing.units["source"] == "assumed"
    (piece,) = drawing.pieces
    assert piece.entity == "POLYLINE"
    assert piece.closed
    expected = 100 * 50 - (1 - math.pi / 4) * 10**2
    assert abs(Polygon(piece.points).area - expected) < CHORD * 300


def test_read_block_reference_exploded_on_the_insert_layer():
    def build(m, doc):
        block = doc.blocks.new("KNOB")
        block.add_circle((0, 0), 5)
        m.add_blockref("KNOB", (100, 50), dxfattribs={"layer": "CONTROLS", "xscale": 2, "yscale": 2})

    drawing = read_drawing(dxf(build), layer="controls")
    (piece,) = drawing.pieces
    assert piece.layer == "CONTROLS"
    assert piece.entity == "CIRCLE"
    assert "/" in piece.handle
    assert max(abs(math.dist(p, (100, 50)) - 10) for p in piece.points) < 1e-9


def test_read_svg_units_from_width_and_viewbox():
    # 4 in wide, 2 in tall, user units are inches: a circle of radius 0.5 in.
    source = svg('<circle cx="1" cy="0.5" r="0.5"/>', width="4in", height="2in", view_box="0 0 4 2")
    drawing = read_drawing(source)
    assert drawing.units["source"] == "width/height"
    (piece,) = drawing.pieces
    # Y points up with the origin at the bottom-left of the page: cy 0.5 in from the top is 1.5 in up.
    centre = Polygon(piece.points).centroid
    assert abs(centre.x - 25.4) < 1e-6
    assert abs(centre.y - 38.1) < 1e-6
    assert max(abs(math.dist(p, (25.4, 38.1)) - 12.7) for p in piece.points) < 1e-6


def test_read_svg_curves_flattened_within_chord_tolerance():
    source = svg('<circle cx="100" cy="50" r="40"/><path d="M 10 90 C 40 10 160 10 190 90 Z"/>')
    drawing = read_drawing(source, tolerances=Tolerances(chord_mm=CHORD))
    circle, curve = drawing.pieces
    ring = circle.points + circle.points[:1]
    worst = max(40 - math.dist(((a[0] + b[0]) / 2, (a[1] + b[1]) / 2), (100, 50)) for a, b in itertools.pairwise(ring))
    assert CHORD / 4 < worst <= CHORD / 2 + 1e-9

    # The Bézier against a dense evaluation of the same curve (y up: 100 - y).
    def bezier(t):
        p = [(10, 90), (40, 10), (160, 10), (190, 90)]
        x = sum(math.comb(3, k) * (1 - t) ** (3 - k) * t**k * p[k][0] for k in range(4))
        y = sum(math.comb(3, k) * (1 - t) ** (3 - k) * t**k * p[k][1] for k in range(4))
        return x, 100 - y

    dense = LineString([bezier(k / 20000) for k in range(20001)])
    assert LineString(curve.points).hausdorff_distance(dense) <= CHORD / 2 + 1e-6


def test_read_svg_px_and_missing_size():
    px = read_drawing(svg('<rect x="0" y="0" width="96" height="96"/>', width="192", height="96", view_box=None))
    assert px.units["source"] == "css px"
    assert not px.findings
    assert abs(Polygon(px.pieces[0].points).area - 25.4**2) < 1e-6
    bare = read_drawing(svg('<rect x="0" y="0" width="96" height="96"/>', width=None, height=None, view_box=None))
    assert [(f.code, f.status) for f in bare.findings] == [("UNITS_ASSUMED", "warn")]


INKSCAPE_FILE = """<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!-- Created with Inkscape (http://www.inkscape.org/) -->
<svg width="210mm" height="297mm" viewBox="0 0 210 297" version="1.1" id="svg1"
   xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"
   xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"
   xmlns="http://www.w3.org/2000/svg" xmlns:svg="http://www.w3.org/2000/svg"
   xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dc="http://purl.org/dc/elements/1.1/"
   xmlns:cc="http://creativecommons.org/ns#">
  <title id="title1">Headstock</title>
  <sodipodi:namedview id="namedview1" pagecolor="#ffffff" inkscape:document-units="mm" />
  <defs id="defs1"><linearGradient id="g1"><stop offset="0" stop-color="#000"/></linearGradient></defs>
  <metadata><rdf:RDF><cc:Work rdf:about=""><dc:format>image/svg+xml</dc:format></cc:Work></rdf:RDF></metadata>
  <g inkscape:label="Headstock" inkscape:groupmode="layer" id="layer1" transform="translate(10,5)">
    <path style="fill:none;stroke:#000000" d="m 20,20 h 80 v 50 c 0,10 -10,20 -20,20 H 20 Z" id="outline" />
    <ellipse cx="50" cy="50" rx="10" ry="6" id="logo" style="fill:none;stroke:#000"/>
    <text x="30" y="30" id="label">truss rod</text>
  </g>
</svg>"""


def test_read_inkscape_file_layers_transforms_and_page_origin():
    result = job({"format": "svg", "data": INKSCAPE_FILE}, tool_diameter_mm=3.0, depth=3.0)
    assert result["ok"]
    # Only the text is named as left out; metadata, the editor's view and definitions are not drawings.
    assert [(f["code"], f["place"]["entities"][0]["handle"]) for f in result["findings"]] == [
        ("ENTITY_IGNORED", "label")
    ]
    assert result["drawing"]["layers"] == ["Headstock"]
    (part,) = result["parts"]
    assert part["outer"]["handle"] == "outline"
    assert [island["handle"] for island in part["islands"]] == ["logo"]
    # translate(10, 5), then y up from the bottom of the 297 mm page: x 30..110, y 297-95..297-25.
    assert part["bounds"] == pytest.approx([30.0, 202.0, 110.0, 272.0], abs=1e-6)


def test_read_svg_subpaths_rounded_rect_and_layers():
    body = (
        '<g inkscape:groupmode="layer" inkscape:label="Cut" id="layer1">'
        '<path id="plate" d="M 10 10 H 110 V 70 H 10 Z M 40 30 H 80 V 50 H 40 Z"/>'
        '<rect id="round" x="120" y="10" width="60" height="40" rx="8"/>'
        "</g>"
        '<g inkscape:groupmode="layer" inkscape:label="Notes"><circle cx="5" cy="5" r="2"/></g>'
    )
    drawing = read_drawing(svg(body), layer="Cut")
    assert drawing.layers == ["Cut", "Notes"]
    assert sorted(p.handle for p in drawing.pieces) == ["plate:0", "plate:1", "round"]
    rounded = next(p for p in drawing.pieces if p.handle == "round")
    assert abs(Polygon(rounded.points).area - (60 * 40 - (4 - math.pi) * 64)) < CHORD * 200
    outline = build_outline(drawing.pieces, Tolerances())
    plate = next(part for part in outline.parts if part.outer.pieces[0].handle == "plate:0")
    assert [loop.pieces[0].handle for loop in plate.islands] == ["plate:1"]


# ----------------------------------------------------------------------------------------------------------
# Errors: files that cannot be judged at all
# ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        {"format": "dxf", "data": "this is not a drawing"},
        {"format": "dxf", "data": "  0\nSECTION\n  2\nENTITIES\n  0\nLINE\n 10\nnot-a-number\n"},
        {"format": "svg", "data": "<svg xmlns='http://www.w3.org/2000/svg'><path d='M 0 0 L"},
        {"format": "svg", "data": "plain text"},
    ],
)
def test_malformed_file_is_a_400_error(source):
    with pytest.raises(DrawingError) as caught:
        read_drawing(source)
    assert caught.value.code == "DRAWING_MALFORMED"
    assert caught.value.http_status == 400


def test_svg_entity_declarations_are_refused():
    bomb = '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">]><svg>&a;</svg>'
    with pytest.raises(DrawingError) as caught:
        read_drawing({"format": "svg", "data": bomb})
    assert caught.value.http_status == 400


def test_unknown_format_is_a_400_error():
    with pytest.raises(DrawingError) as caught:
        read_drawing({"format": "dwg", "data": ""})
    assert caught.value.code == "DRAWING_FORMAT"
    assert caught.value.http_status == 400


def test_file_over_the_size_limit_is_a_413_before_parsing(monkeypatch):
    source = dxf(lambda m, d: m.add_circle((0, 0), 5))
    monkeypatch.setattr(ezdxf, "read", lambda *a, **k: pytest.fail("an oversized file must not be parsed"))
    with pytest.raises(DrawingError) as caught:
        read_drawing(source, limits=Limits(max_bytes=1000))
    assert caught.value.http_status == 413
    assert caught.value.value == len(source["data"].encode())


def test_too_many_entities_refused_before_parsing(monkeypatch):
    source = dxf(lambda m, d: [m.add_line((k, 0), (k, 1)) for k in range(30)])
    monkeypatch.setattr(ezdxf, "read", lambda *a, **k: pytest.fail("counted from the text, not parsed"))
    drawing = read_drawing(source, limits=Limits(max_entities=20))
    assert [(f.code, f.value, f.limit) for f in drawing.findings] == [("TOO_MANY_ENTITIES", 30, 20)]


def test_refused_files_stay_small_in_memory():
    # A 5 MB DXF over the byte limit, and one under it with too many entities: neither is parsed.
    lines = dxf_text(lambda m, d: [m.add_line((k, 0), (k, 1)) for k in range(2000)])
    big = lines + " " * (5_000_001 - len(lines))
    tracemalloc.start()
    try:
        with pytest.raises(DrawingError):
            read_drawing({"format": "dxf", "data": big})
        drawing = read_drawing({"format": "dxf", "data": lines}, limits=Limits(max_entities=1000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [f.code for f in drawing.findings] == ["TOO_MANY_ENTITIES"]
    assert peak < 1_000_000


def test_toolpath_over_the_limits_is_refused_before_it_is_planned():
    source = dxf(lambda m, d: m.add_circle((0, 0), 100))
    rings = job(source, "pocket", tool_diameter_mm=1.0, stepover_mm=0.4, limits=Limits(max_rings=100))
    found = finding(rings, "TOOLPATH_TOO_LARGE")
    assert found["value"] == math.ceil((100 - 0.5) / 0.4) + 1
    assert found["limit"] == 100
    moves = job(source, depth=30.0, limits=Limits(max_moves=5000))
    assert finding(moves, "TOOLPATH_TOO_LARGE")["limit"] == 5000
    assert moves["toolpath"] is None


def test_nested_svg_clones_refused_before_they_are_expanded():
    # Five levels of ten <use> clones: 100,000 circles from 1.4 kB, which the SVG library would build one by one.
    defs = ['<g id="l0"><circle cx="1" cy="1" r="1"/></g>']
    for k in range(1, 6):
        defs.append(f'<g id="l{k}">' + "".join(f'<use href="#l{k - 1}" x="{j}"/>' for j in range(10)) + "</g>")
    source = svg("<defs>" + "".join(defs) + '</defs><use href="#l5"/>')
    started = time.perf_counter()
    drawing = read_drawing(source)
    assert time.perf_counter() - started < 5.0
    assert [f.code for f in drawing.findings] == ["TOO_MANY_ENTITIES"]
    looped = svg('<g id="a"><use href="#a"/></g>')
    with pytest.raises(DrawingError):
        read_drawing(looped)


def test_nested_dxf_blocks_stop_at_the_entity_limit():
    def build(m, doc):
        doc.blocks.new("L0").add_circle((0, 0), 1)
        for k in range(1, 6):
            block = doc.blocks.new(f"L{k}")
            for j in range(10):
                block.add_blockref(f"L{k - 1}", (j * 3, 0))
        m.add_blockref("L5", (0, 0))

    started = time.perf_counter()
    drawing = read_drawing(dxf(build), limits=Limits(max_entities=500, max_insert_depth=8))
    assert time.perf_counter() - started < 5.0
    assert [f.code for f in drawing.findings] == ["TOO_MANY_ENTITIES"]
    deep = read_drawing(dxf(build), limits=Limits(max_entities=10**6, max_insert_depth=4))
    assert [(f.code, f.status) for f in deep.findings] == [("BLOCKS_TOO_DEEP", "fail")]


def test_too_many_points_stops_reading():
    source = dxf(lambda m, d: [m.add_circle((0, 0), 100 + k) for k in range(5)])
    result = job(source, limits=Limits(max_points=1000))
    assert finding(result, "TOO_MANY_POINTS")["status"] == "fail"
    assert result["toolpath"] is None


@pytest.mark.parametrize(
    "build",
    [
        lambda m, d: m.add_circle((0, 0), 1e12),
        lambda m, d: m.add_ellipse((0, 0), major_axis=(1e9, 0), ratio=0.5),
        lambda m, d: m.add_lwpolyline([(0, 0, 1.0), (1e9, 0, 0)], format="xyb"),
        lambda m, d: m.add_spline([(0, 0), (1e8, 1e8), (2e8, 0), (3e8, 1e8)]),
    ],
    ids=["circle", "ellipse", "bulge", "spline"],
)
def test_huge_curves_refused_before_they_are_flattened(build):
    svg_started = time.perf_counter()
    huge_svg = read_drawing(svg('<circle id="moon" cx="0" cy="0" r="1e12"/>'))
    assert time.perf_counter() - svg_started < 1.0
    assert [(f.code, f.place["handle"]) for f in huge_svg.findings] == [("DRAWING_TOO_LARGE", "moon")]
    started = time.perf_counter()
    drawing = read_drawing(dxf(build))
    assert time.perf_counter() - started < 1.0
    assert [(f.code, f.place["index"]) for f in drawing.findings] == [("DRAWING_TOO_LARGE", 0)]


# ----------------------------------------------------------------------------------------------------------
# Preflight: refused with the place named
# ----------------------------------------------------------------------------------------------------------


def test_open_contour_refused_with_place():
    def build(m, doc):
        m.add_line((0, 0), (100, 0), dxfattribs={"layer": "BODY"})
        m.add_line((100, 0), (100, 80), dxfattribs={"layer": "BODY"})
        m.add_line((100, 80), (0, 80), dxfattribs={"layer": "BODY"})

    result = job(dxf(build))
    assert not result["ok"]
    assert result["status"] == "fail"
    assert result["toolpath"] is None
    found = finding(result, "CONTOUR_OPEN")
    assert found["status"] == "fail"
    assert found["place"]["layer"] == "BODY"
    assert found["place"]["entity"] == "LINE"
    assert found["place"]["handle"]
    assert sorted([found["place"]["at"], found["place"]["to"]]) == [[0.0, 0.0], [0.0, 80.0]]
    assert "(0.0, 80.0)" in found["message"] or "(0.0, 0.0)" in found["message"]


def test_gap_larger_than_tolerance_refused_with_both_ends():
    def build(m, doc):
        m.add_line((0, 0), (100, 0))
        m.add_line((100, 0), (100, 80))
        m.add_line((100, 80), (0, 80))
        m.add_line((0, 80), (0, 0.3))

    result = job(dxf(build))
    found = finding(result, "CONTOUR_GAP")
    assert found["value"] == pytest.approx(0.3)
    assert found["limit"] == 0.01
    assert found["unit"] == "mm"
    assert sorted([found["place"]["at"], found["place"]["to"]]) == [[0.0, 0.0], [0.0, 0.3]]


def test_gap_within_join_tolerance_closes():
    def build(m, doc):
        m.add_line((0, 0), (100, 0))
        m.add_line((100.004, 0), (100, 80))
        m.add_line((100, 80), (0, 80))
        m.add_arc((0, 40), 40, 90, 270)

    result = job(dxf(build))
    assert result["ok"], codes(result)
    assert len(result["parts"]) == 1
    assert len(result["parts"][0]["outer"]["entities"]) == 4


def test_self_intersection_refused_with_coordinates():
    bow_tie = [(0, 0), (40, 40), (40, 0), (0, 40)]
    result = job(dxf(lambda m, d: m.add_lwpolyline(bow_tie, close=True, dxfattribs={"layer": "CUT"})))
    found = finding(result, "SELF_INTERSECTION")
    assert found["place"]["layer"] == "CUT"
    assert found["place"]["entity"] == "LWPOLYLINE"
    assert found["place"]["at"] == [20.0, 20.0]
    assert "(20.0, 20.0)" in found["message"]


def test_self_intersecting_svg_path_refused():
    result = job(svg('<path id="figure8" d="M 10 10 L 50 50 L 50 10 L 10 50 Z"/>'))
    found = finding(result, "SELF_INTERSECTION")
    assert found["place"]["handle"] == "figure8"
    assert found["place"]["entity"] == "path"
    assert found["place"]["at"] == [30.0, 70.0]  # y measured up from the bottom of the 100 mm page


def test_contours_crossing_each_other_refused():
    def build(m, doc):
        m.add_circle((0, 0), 30)
        m.add_circle((40, 0), 30)

    found = finding(job(dxf(build)), "CONTOURS_CROSS")
    assert found["place"]["entity"] == "CIRCLE"
    assert found["place"]["other"]["entity"] == "CIRCLE"
    x, y = found["place"]["at"]
    assert abs(x - 20) < 0.01
    assert abs(abs(y) - math.sqrt(30**2 - 20**2)) < 0.05


def test_duplicate_entities_refused_naming_both():
    def build(m, doc):
        m.add_circle((0, 0), 30)
        m.add_circle((0, 0), 30)
        m.add_line((50, 0), (60, 0))
        m.add_line((60, 0), (50, 0))

    result = job(dxf(build))
    duplicates = [f for f in result["findings"] if f["code"] == "DUPLICATE_ENTITY"]
    assert [(f["place"]["entity"], f["place"]["same_as"]["entity"]) for f in duplicates] == [
        ("CIRCLE", "CIRCLE"),
        ("LINE", "LINE"),
    ]
    assert duplicates[0]["place"]["handle"] != duplicates[0]["place"]["same_as"]["handle"]
    assert not result["ok"]


def test_branching_contour_refused():
    def build(m, doc):
        m.add_line((0, 0), (50, 0))
        m.add_line((50, 0), (25, 40))
        m.add_line((25, 40), (0, 0))
        m.add_line((50, 0), (80, 0))  # a third line from the triangle's corner

    result = job(dxf(build))
    found = finding(result, "CONTOUR_BRANCH")
    assert found["place"]["at"] == [50.0, 0.0]
    assert len(found["place"]["meeting"]) == 2
    assert not result["ok"]


def test_line_ending_on_a_closed_polyline_is_open():
    def build(m, doc):
        m.add_lwpolyline([(0, 0), (50, 0), (50, 50), (0, 50), (0, 0)])  # open, but its ends meet: closed
        m.add_line((50, 50), (80, 80))

    result = job(dxf(build))
    assert codes(result) == ["CONTOUR_OPEN"]
    assert finding(result, "CONTOUR_OPEN")["place"]["entity"] == "LINE"


def test_empty_drawing_and_empty_layer():
    empty = job(dxf(lambda m, d: None))
    assert codes(empty) == ["DRAWING_EMPTY"]
    assert not empty["ok"]
    wrong_layer = job(dxf(lambda m, d: m.add_circle((0, 0), 20, dxfattribs={"layer": "BODY"})), layer="NECK")
    found = finding(wrong_layer, "LAYER_EMPTY")
    assert found["place"] == {"layer": "NECK"}
    assert "BODY" in found["value"]


def test_drawing_larger_than_the_limits():
    result = job(dxf(lambda m, d: m.add_lwpolyline([(0, 0), (1500, 0), (1500, 100), (0, 100)], close=True)))
    found = finding(result, "DRAWING_TOO_LARGE")
    assert found["value"] == 1500
    assert found["limit"] == 1200
    assert found["place"]["bounds"] == [0, 0, 1500, 100]


def test_pocket_neck_narrower_than_the_tool_named():
    # Two 40 mm squares joined by a channel 4 mm wide: a 6 mm tool cannot pass from one to the other.
    dumbbell = [(0, 0), (40, 0), (40, 18), (60, 18), (60, 0), (100, 0), (100, 40), (60, 40), (60, 22)]
    dumbbell += [(40, 22), (40, 40), (0, 40)]
    result = job(dxf(lambda m, d: m.add_lwpolyline(dumbbell, close=True, dxfattribs={"layer": "POCKET"})), "pocket")
    found = finding(result, "FEATURE_NARROWER_THAN_TOOL")
    assert found["place"]["layer"] == "POCKET"
    assert found["place"]["entity"] == "LWPOLYLINE"
    x, y = found["place"]["at"]
    assert 40 <= x <= 60
    assert abs(y - 20) < 1.0
    assert found["value"] == pytest.approx(4.0, abs=0.05)
    assert found["limit"] == TOOL
    assert result["toolpath"] is None


def test_pocket_that_vanishes_under_the_tool_named():
    result = job(dxf(lambda m, d: m.add_lwpolyline([(0, 0), (30, 0), (30, 5), (0, 5)], close=True)), "pocket")
    found = finding(result, "FEATURE_NARROWER_THAN_TOOL")
    assert found["value"] == pytest.approx(5.0, abs=0.05)


def test_island_too_close_to_the_wall_named():
    def build(m, doc):
        m.add_lwpolyline([(0, 0), (100, 0), (100, 60), (0, 60)], close=True)
        m.add_circle((50, 30), 26)  # 4 mm from the walls at y = 0 and y = 60

    found = finding(job(dxf(build), "pocket"), "FEATURE_NARROWER_THAN_TOOL")
    assert found["value"] == pytest.approx(4.0, abs=0.01)
    assert found["place"]["at"][0] == pytest.approx(50, abs=1.0)  # at a chord of the flattened circle


def test_notch_narrower_than_the_tool_on_a_profile_named():
    # A 3 mm wide, 20 mm deep slot cut into the edge of a plate: a 6 mm tool running outside cannot enter it.
    plate = [(0, 0), (48.5, 0), (48.5, 20), (51.5, 20), (51.5, 0), (100, 0), (100, 60), (0, 60)]
    found = finding(job(dxf(lambda m, d: m.add_lwpolyline(plate, close=True))), "FEATURE_NARROWER_THAN_TOOL")
    assert found["value"] == pytest.approx(3.0, abs=0.05)
    x, y = found["place"]["at"]
    assert 48.5 <= x <= 51.5
    assert 0 <= y <= 20


def test_parts_closer_than_the_tool_named():
    def build(m, doc):
        m.add_lwpolyline([(0, 0), (40, 0), (40, 40), (0, 40)], close=True)
        m.add_lwpolyline([(43, 0), (80, 0), (80, 40), (43, 40)], close=True)

    found = finding(job(dxf(build)), "FEATURE_NARROWER_THAN_TOOL")
    assert found["value"] == pytest.approx(3.0, abs=0.01)


def test_inside_corners_are_information_not_refusal():
    result = job(dxf(lambda m, d: m.add_lwpolyline([(0, 0), (80, 0), (80, 50), (0, 50)], close=True)), "pocket")
    assert result["ok"]
    corners = finding(result, "CORNERS_NOT_REACHED")
    assert corners["status"] == "info"
    assert len(corners["place"]["corners"]) == 4
    assert corners["value"] == pytest.approx(R * (math.sqrt(2) - 1), abs=0.02)


@pytest.mark.parametrize(
    "make",
    [lambda: Tolerances(chord_mm=0), lambda: Tolerances(join_mm=-1), lambda: Limits(max_points=0)],
)
def test_shop_settings_that_cannot_work_fail_loudly(make):
    with pytest.raises(ValueError, match="must be positive"):
        make()


def test_invalid_design_is_a_finding_not_an_exception():
    result = outline_job({"operation": "engrave", "depth": -1, "layer": 3}, tool_diameter_mm=6, stepdown_mm=2)
    assert codes(result) == ["DESIGN_INVALID"]
    assert not result["ok"]
    assert "operation" in result["findings"][0]["message"]
    assert "depth" in result["findings"][0]["message"]
    assert "layer" in result["findings"][0]["message"]


# ----------------------------------------------------------------------------------------------------------
# Nesting and toolpaths
# ----------------------------------------------------------------------------------------------------------


def test_circle_profile_offset_is_the_tool_radius():
    result = job(dxf(lambda m, d: m.add_circle((0, 0), 50)))
    assert result["ok"]
    assert not result["findings"]
    path = result["toolpath"]
    (offset,) = path["geometry"]["offset"]
    assert all(abs(math.hypot(x, y) - (50 + R)) <= CHORD + 1e-9 for x, y in offset)
    for x, y, z in feed_points(path):
        if z < 0:
            assert abs(math.hypot(x, y) - (50 + R)) <= CHORD + 1e-9
    assert path["passes"] == 3
    assert path["bounds"]["z_min"] == -6.0


def test_profile_offset_distance_equals_tool_radius_on_a_body():
    source = dxf(lambda m, d: body_outline(m))
    for operation in ("profile_outside", "profile_inside"):
        result = job(source, operation)
        assert result["ok"], codes(result)
        (offset,) = result["toolpath"]["geometry"]["offset"]
        outline = Polygon(result["toolpath"]["geometry"]["outline"][0])
        distances = shapely.distance(shapely.points(offset), outline.exterior)
        assert abs(distances.min() - R) <= CHORD
        assert abs(distances.max() - R) <= CHORD
        inside = shapely.contains_xy(outline, [p[0] for p in offset], [p[1] for p in offset])
        assert inside.all() if operation == "profile_inside" else not inside.any()


def test_body_spline_outline_follows_the_curve():
    drawing = read_drawing(dxf(lambda m, d: body_outline(m, pieces=1)))
    outline = build_outline(drawing.pieces, drawing.tolerances)
    (part,) = outline.parts
    truth = body_polygon()
    # A spline through 24 points is not the curve itself, but a body drawn this way stays within a millimetre.
    assert part.polygon.symmetric_difference(truth).area / truth.length < 1.0
    assert part.outer.pieces[0].entity == "SPLINE"


def test_path_bounds_equal_offset_geometry_bounds():
    sources = {
        "profile_outside": dxf(lambda m, d: rounded_rect(m, 0, 0, 100, 60, 10)),
        "profile_inside": dxf(lambda m, d: m.add_circle((20, 30), 40)),
        "pocket": dxf(lambda m, d: (rounded_rect(m, 0, 0, 120, 80, 10), m.add_circle((60, 40), 15))),
    }
    for operation, source in sources.items():
        path = job(source, operation)["toolpath"]
        bounds, offset = path["bounds"], path["offset_bounds"]
        for key in ("x_min", "x_max", "y_min", "y_max"):
            assert bounds[key] == pytest.approx(offset[key], abs=1e-9), (operation, key)
    outside = job(sources["profile_outside"])["toolpath"]["offset_bounds"]
    assert [outside[k] for k in ("x_min", "x_max", "y_min", "y_max")] == pytest.approx([-R, 100 + R, -R, 60 + R])


def test_climb_and_conventional_run_opposite_ways():
    source = dxf(lambda m, d: rounded_rect(m, 0, 0, 100, 60, 10))

    def first_pass_area(operation, direction):
        path = job(source, operation, direction=direction, depth=2.0)["toolpath"]
        (run,) = [r for r in level_runs(path, -2.0) if len(r) > 3]
        return signed_area([p[:2] for p in run])

    # Clockwise spindle: climb keeps the wall on the cutter's right (G41 with M3).
    assert first_pass_area("profile_outside", "climb") < 0  # clockwise round the part
    assert first_pass_area("profile_outside", "conventional") > 0
    assert first_pass_area("profile_inside", "climb") > 0  # counter-clockwise round the inside of the wall
    assert first_pass_area("profile_inside", "conventional") < 0
    assert job(source, direction="climb")["toolpath"]["direction"] == "climb"


@pytest.mark.parametrize("operation", ["profile_outside", "profile_inside", "pocket"])
def test_climb_edge_leaves_the_wall_against_the_feed(operation):
    """Kinematics rather than a rule: a clockwise (M3) cutter climb-mills when its edge, where it touches the
    finished wall, moves against the feed, so the chip is thickest where the tooth enters and zero at the wall.
    """
    part = Polygon([(0, 0), (90, 0), (90, 70), (0, 70)])
    source = dxf(lambda m, d: m.add_lwpolyline(list(part.exterior.coords)[:-1], close=True))
    for direction, expected in (("climb", -1), ("conventional", 1)):
        path = job(source, operation, direction=direction, depth=2.0)["toolpath"]
        wall = path["geometry"]["offset"][0]  # the ring next to the drawn contour
        ring = shapely.LinearRing(wall)
        signs = set()
        travelled = 0.0
        for a, b in itertools.pairwise(level_runs(path, -2.0)[0]):
            length = math.dist(a[:2], b[:2])
            mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
            if travelled >= ring.length - 1e-6 or ring.distance(shapely.Point(mid)) > 1e-6:
                break  # once round the wall: what follows are the pocket's inner rings
            travelled += length
            if length < 1e-6:
                continue
            dx, dy = (b[0] - a[0]) / length, (b[1] - a[1]) / length
            left = (-dy, dx)
            probe = shapely.Point(mid[0] + left[0] * (R + 0.5), mid[1] + left[1] * (R + 0.5))
            material_left = part.contains(probe) if operation == "profile_outside" else not part.contains(probe)
            wx, wy = left if material_left else (-left[0], -left[1])
            # Edge velocity at the wall contact for a clockwise spindle: -z x w = (wy, -wx).
            signs.add(int(math.copysign(1, wy * dx - wx * dy)))
        assert signs == {expected}, (operation, direction)


def test_tabs_on_last_passes_only_at_count_width_height():
    tabs = {"count": 4, "width": 8.0, "height": 2.5}
    result = job(dxf(lambda m, d: m.add_circle((0, 0), 60)), depth=6.0, tabs=tabs)
    path = result["toolpath"]
    tab_top = -6.0 + 2.5
    runs = [r for r in level_runs(path, tab_top) if xy_length(r) > 0]
    # Passes at -2, -4 and -6: only the two below the tab top (-3.5) lift over the tabs.
    assert len(runs) == 4 * 2
    for run in runs:
        assert xy_length(run) == pytest.approx(8.0 + TOOL, abs=1e-6)
    points = feed_points(path)
    tab_points = [p for p in points if abs(p[2] - tab_top) < 1e-9]
    # The first pass (z = -2) never reaches the tab top, so no lift happens there.
    first_pass = [p for p in points if p[2] > -2.0 - 1e-9]
    assert not [p for p in first_pass if abs(p[2] - tab_top) < 1e-9]
    assert len(path["geometry"]["tabs"]) == 4
    # Tabs are spread evenly over the part of the path the entry ramps leave free (6 mm at 10° takes 34 mm
    # of the 396 mm path): four equal gaps between them, and the fifth, over the ramps, longer by that much.
    centres = []
    for tab in path["geometry"]["tabs"]:
        line = LineString(tab)
        mid = line.interpolate(0.5, normalized=True)
        centres.append(math.degrees(math.atan2(mid.y, mid.x)) % 360)
    centres.sort()
    gaps = sorted([b - a for a, b in itertools.pairwise(centres)] + [360 - centres[-1] + centres[0]])
    ramps_deg = math.degrees(6.0 / math.tan(math.radians(10.0)) / (60 + R))
    spacing = (360 - ramps_deg) / 4
    assert gaps == pytest.approx([spacing, spacing, spacing, spacing + ramps_deg], abs=0.5)
    assert tab_points


def test_entry_round_a_tiny_hole_is_warned_as_nearly_a_plunge():
    # A 7 mm hole with a 6 mm bit: the ramp spirals round a path 1 mm across.
    result = job(dxf(lambda m, d: m.add_circle((10, 10), 3.5)), "profile_inside")
    assert result["ok"]
    assert result["status"] == "warn"
    found = finding(result, "ENTRY_NEARLY_PLUNGE")
    assert found["value"] == pytest.approx(1.0, abs=0.01)
    assert found["limit"] == R
    assert math.dist(found["place"]["at"], (10, 10)) == pytest.approx(0.5, abs=0.01)
    assert "ENTRY_NEARLY_PLUNGE" not in codes(job(dxf(lambda m, d: m.add_circle((10, 10), 20)), "profile_inside"))


def test_tabs_as_high_as_the_cut_are_refused():
    result = job(dxf(lambda m, d: m.add_circle((0, 0), 60)), depth=3.0, tabs={"count": 2, "width": 5, "height": 3})
    assert finding(result, "TABS_INVALID")["status"] == "fail"


def test_tabs_that_do_not_fit_are_refused():
    result = job(dxf(lambda m, d: m.add_circle((0, 0), 8)), tabs={"count": 6, "width": 10, "height": 1})
    found = finding(result, "TABS_DO_NOT_FIT")
    assert found["place"]["at"]
    assert not result["ok"]


def test_ramped_entry_never_steeper_than_the_ramp_angle():
    tabs = {"count": 3, "width": 6, "height": 2.5}
    for operation in ("profile_outside", "profile_inside", "pocket"):
        extra = {"tabs": tabs} if operation != "pocket" else {}
        result = job(dxf(lambda m, d: rounded_rect(m, 0, 0, 100, 60, 10)), operation, ramp_angle_deg=8.0, **extra)
        path = result["toolpath"]
        for segment in path["segments"]:
            pts = segment["points"]
            if segment["kind"] == "ramp":
                for a, b in itertools.pairwise(pts):
                    assert (a[2] - b[2]) <= math.tan(math.radians(8.0)) * math.dist(a[:2], b[:2]) + 1e-9
            if segment["kind"] == "plunge" and operation != "pocket":
                assert pts[-1][2] >= 0.0  # straight down only in air, onto the stock top: never after a tab
        kinds = {s["kind"] for s in path["segments"]}
        assert kinds <= {"rapid", "plunge", "ramp", "cut"}
        assert "ramp" in kinds


def test_pocket_with_islands_clears_everything_but_islands():
    def build(m, doc):
        rounded_rect(m, -80, -50, 80, 50, 12, layer="POCKET")
        m.add_circle((-35, 0), 15, dxfattribs={"layer": "POCKET"})
        rounded_rect(m, 15, -20, 50, 20, 5, layer="POCKET")

    result = job(dxf(build), "pocket", depth=4.0, layer="POCKET")
    assert result["ok"], codes(result)
    (part,) = result["parts"]
    assert part["outer"]["entity"] == "LWPOLYLINE"
    assert len(part["islands"]) == 2
    path = result["toolpath"]
    region = Polygon(path["geometry"]["outline"][0], path["geometry"]["outline"][1:])
    assert len(path["geometry"]["islands"]) == 2
    bottom = [p for p in feed_points(path) if abs(p[2] + 4.0) < 1e-9]
    # The tool never cuts into the walls or the islands...
    distances = shapely.distance(shapely.points([p[:2] for p in bottom]), region.boundary)
    inside = shapely.contains_xy(region, [p[0] for p in bottom], [p[1] for p in bottom])
    assert inside.all()
    assert distances.min() >= R - CHORD
    # ...and what it sweeps at full depth covers all it can reach: no sliver wider than 0.05 mm is left.
    swept = swept_at(path, -4.0, R)
    reachable = region.buffer(-R, quad_segs=16).buffer(R, quad_segs=16)
    left = reachable.difference(swept)
    assert left.buffer(-0.025).is_empty
    assert path["pocket"]["entries"] == 1
    assert path["pocket"]["refined"] == 0


def test_pocket_wide_stepover_is_refined_to_leave_no_sliver():
    source = dxf(lambda m, d: m.add_circle((0, 0), 40))
    result = job(source, "pocket", stepover_mm=5.9)
    path = result["toolpath"]
    assert result["ok"]
    assert path["pocket"]["uncut_area_mm2"] < 1.0
    assert path["pocket"]["spacing_mm"] <= 5.9


def test_body_with_four_islands_profile_and_pocket():
    def build(m, doc):
        body_outline(m, pieces=196)
        cavities(m)

    source = dxf(build)
    profile = job(source, tabs={"count": 6, "width": 10, "height": 2})
    assert profile["ok"], codes(profile)
    (part,) = profile["parts"]
    assert len(part["outer"]["entities"]) == 196
    assert len(part["islands"]) == 4
    # Outside the body, inside each of the four cavities.
    assert len(profile["toolpath"]["geometry"]["offset"]) == 5
    pocket = job(source, "pocket", depth=3.0, stepover_mm=3.0)
    assert pocket["ok"], codes(pocket)


def test_result_is_plain_canonical_json_with_the_file_hash():
    source = dxf(lambda m, d: (body_outline(m, pieces=20), cavities(m)))
    result = job(source, tabs={"count": 3, "width": 6, "height": 1.5})
    text = json.dumps(result, sort_keys=True, allow_nan=False)
    assert json.loads(text) == result
    assert result["drawing"]["stats"]["sha256"] == hashlib.sha256(source["data"].encode()).hexdigest()
    assert result["drawing"]["stats"]["bytes"] == len(source["data"])


def test_same_input_same_result():
    source = dxf(lambda m, d: (body_outline(m, pieces=20), cavities(m)))
    assert job(source, tabs={"count": 3, "width": 6, "height": 1.5}) == job(
        source, tabs={"count": 3, "width": 6, "height": 1.5}
    )


@PROPERTY_SETTINGS
@given(
    w=st.floats(min_value=20, max_value=400),
    h=st.floats(min_value=20, max_value=300),
    r=st.floats(min_value=0, max_value=9.5),
    tool=st.sampled_from([3.175, 6.0, 6.35, 12.0]),
    operation=st.sampled_from(["profile_outside", "profile_inside"]),
)
def test_rectangle_profile_offsets_by_the_tool_radius(w, h, r, tool, operation):
    def build(m, doc):
        if r > 0.5:
            rounded_rect(m, 0, 0, w, h, r)
        else:
            m.add_lwpolyline([(0, 0), (w, 0), (w, h), (0, h)], close=True)

    result = job(dxf(build), operation, tool_diameter_mm=tool, depth=3.0)
    if operation == "profile_inside" and r > 0.5 and r < tool / 2:
        assert result["ok"]  # inside corners tighter than the tool stay round: information only
    assert result["ok"], codes(result)
    path = result["toolpath"]
    sign = 1 if operation == "profile_outside" else -1
    half = tool / 2
    expected = [-sign * half, w + sign * half, -sign * half, h + sign * half]
    got = [path["offset_bounds"][k] for k in ("x_min", "x_max", "y_min", "y_max")]
    assert got == pytest.approx(expected, abs=CHORD)
    assert [path["bounds"][k] for k in ("x_min", "x_max", "y_min", "y_max")] == pytest.approx(got, abs=1e-9)


@settings(max_examples=12, deadline=None, database=None)
@given(
    w=st.floats(min_value=40, max_value=120),
    h=st.floats(min_value=40, max_value=90),
    island=st.floats(min_value=2, max_value=12),
    stepover=st.floats(min_value=1.5, max_value=6.0),
)
def test_pocket_stays_inside_and_leaves_no_sliver(w, h, island, stepover):
    def build(m, doc):
        m.add_lwpolyline([(0, 0), (w, 0), (w, h), (0, h)], close=True)
        m.add_circle((w / 2, h / 2), island)

    result = job(dxf(build), "pocket", depth=2.0, stepover_mm=stepover)
    assert result["ok"], codes(result)
    path = result["toolpath"]
    region = Polygon([(0, 0), (w, 0), (w, h), (0, h)]).difference(shapely.Point(w / 2, h / 2).buffer(island, 64))
    bottom = [p[:2] for p in feed_points(path) if abs(p[2] + 2.0) < 1e-9]
    # Clear of the walls and of the true circle, within the chord tolerance its flattening allows.
    walls = min(min(x, w - x, y, h - y) for x, y in bottom)
    circle = min(math.dist((x, y), (w / 2, h / 2)) - island for x, y in bottom)
    assert walls >= R - 1e-9
    assert circle >= R - CHORD - 1e-9
    swept = swept_at(path, -2.0, R)
    reachable = region.buffer(-R, quad_segs=16).buffer(R, quad_segs=16)
    assert reachable.difference(swept).buffer(-0.05).is_empty


@settings(max_examples=40, deadline=None, database=None)
@given(
    points=st.lists(
        st.tuples(st.floats(min_value=0, max_value=100), st.floats(min_value=0, max_value=100)), min_size=1, max_size=9
    ),
    closed=st.booleans(),
    tool=st.floats(min_value=2, max_value=25),
    operation=st.sampled_from(["profile_outside", "profile_inside", "pocket"]),
    tabs=st.integers(min_value=0, max_value=4),
)
def test_any_polyline_gets_an_answer_never_an_exception(points, closed, tool, operation, tabs):
    source = dxf(lambda m, d: m.add_lwpolyline(points, close=closed))
    design_tabs = {"count": tabs, "width": 4.0, "height": 1.0} if tabs and operation != "pocket" else None
    result = job(source, operation, tool_diameter_mm=tool, depth=3.0, tabs=design_tabs, stepover_mm=tool * 0.4)
    json.dumps(result, allow_nan=False)
    assert result["ok"] == (result["toolpath"] is not None)
    assert result["ok"] == all(f["status"] != "fail" for f in result["findings"])
    if result["ok"]:
        bounds, offset = result["toolpath"]["bounds"], result["toolpath"]["offset_bounds"]
        for key in ("x_min", "x_max", "y_min", "y_max"):
            assert bounds[key] == pytest.approx(offset[key], abs=1e-9)
        assert bounds["z_min"] == pytest.approx(-3.0)


@settings(max_examples=15, deadline=None, database=None)
@given(
    count=st.integers(min_value=1, max_value=8),
    width=st.floats(min_value=2, max_value=15),
    height=st.floats(min_value=0.5, max_value=5.5),
    stepdown=st.floats(min_value=0.8, max_value=3.0),
)
def test_tabs_count_width_and_height_on_the_passes_below_their_top(count, width, height, stepdown):
    depth = 6.0
    tabs = {"count": count, "width": width, "height": height}
    result = job(dxf(lambda m, d: m.add_circle((0, 0), 80)), depth=depth, stepdown_mm=stepdown, tabs=tabs)
    assert result["ok"], codes(result)
    path = result["toolpath"]
    tab_top = -depth + height
    below = [z for z in (-depth * k / path["passes"] for k in range(1, path["passes"] + 1)) if z < tab_top - 1e-9]
    # A pass exactly at the tab top needs no lift (its own run at that height goes all the way round); the entry
    # ramps never run over a tab.
    round_once = 2 * math.pi * (80 + R)
    runs = [r for r in level_runs(path, tab_top) if 1e-6 < xy_length(r) < round_once / 2]
    assert len(runs) == count * len(below)
    for run in runs:
        assert xy_length(run) == pytest.approx(width + TOOL, abs=1e-6)
    assert min(p[2] for p in feed_points(path)) == pytest.approx(-depth)
