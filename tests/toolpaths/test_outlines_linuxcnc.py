"""Outlines from drawings, judged by the engine, generated, verified and read back by LinuxCNC's ``rs274``.

Each drawing is made with ezdxf (or written as an Inkscape-like SVG) in ``tests/drawings.py``: a circle, a rounded
rectangle in mm and in inches, a guitar body drawn as one closed spline with its four cavities, a pocket with
islands. Every released program is read by ``rs274`` as released and after a hostile preamble; its canonical motion
must be RMOS's move list, inside the bounds the engine judged, and the tool centre at full depth must keep the tool's
radius from the drawn outline within the flattening tolerance (the chord tolerance plus the 0.001 mm output grid).
Drawings that must be refused (an open contour, a self-intersecting one) are RED with the place named, and the
generator refuses them too. Pure: the engine and the generator on the default shop, no database.
"""

import hashlib
import io
import itertools
import math
import re

import ezdxf
import pytest
import shapely
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, Polygon

from feasibility import shop_data
from feasibility.engine import evaluate
from feasibility.enums import RiskLevel
from feasibility.geometry import OUTLINE_CHORD_MM
from tests.drawings import body_outline, body_polygon, cavities, dxf_text, rounded_rect, svg
from tests.linuxcnc import FEED, HOSTILE_PREAMBLE, Tool, motion_matches, read_program, same_motion
from toolpaths import posts
from toolpaths.gcode import generate
from toolpaths.verify import verify

TOOLS = shop_data.tools_by_id()
MATERIALS = shop_data.materials_by_id()
MACHINES = shop_data.machines_by_id()
TOOL_ID = "router:upcut_1_4in"
RADIUS = TOOLS[TOOL_ID]["diameter_mm"] / 2
# How far the tool centre may stray from the exact offset: the chord tolerance, the output grid (half a unit
# each way in x and y) and rs274's printing to 4 decimals.
MATCH_MM = OUTLINE_CHORD_MM + 0.001 + 1e-4


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def outline_request(text: str, fmt: str = "dxf", fixture: str | None = None, **design) -> tuple[dict, dict]:
    """A job for the default shop (walnut on router_a, at its default fixture unless another is named) and the
    drawings it names."""
    design = {
        "shape": "outline",
        "operation": "profile_outside",
        "depth": 6.0,
        "stock_thickness": 6.0,
        "x": 60.0,
        "y": 60.0,
        "source": {"format": fmt, "sha256": _hash(text), "bytes": len(text.encode())},
        **design,
    }
    request = {"tool_id": TOOL_ID, "material_id": "walnut", "machine_id": "router_a", "design": design}
    if fixture:
        request["fixture"] = fixture
    return request, {_hash(text): text}


def judge(request: dict, drawings: dict) -> dict:
    return evaluate(
        request,
        tool=TOOLS[request["tool_id"]],
        material=MATERIALS[request["material_id"]],
        machine=MACHINES[request["machine_id"]],
        drawings=drawings,
    )


def check(result: dict, code: str) -> dict:
    return next(c for c in result["checks"] if c["code"] == code)


def released(text: str, fmt: str = "dxf", post: str | None = None, fixture: str | None = None, **design):
    request, drawings = outline_request(text, fmt, fixture, **design)
    result = judge(request, drawings)
    assert result["risk_level"] in RiskLevel.ALLOWS_TOOLPATHS, result["block_reason"]
    machine = MACHINES[request["machine_id"]]
    program = generate(
        design=result["design"], cut=result["cut"], tool=TOOLS[TOOL_ID], machine=machine, post=post, drawing=text
    )
    problems = verify(program.gcode_text, design=result["design"], cut=result["cut"], machine=machine, post=post)
    assert problems == []
    return result, program


def read_back(result: dict, program, tool_id: str = TOOL_ID, machine_id: str = "router_a") -> list:
    """rs274's reading, checked against the move list, the hostile preamble, the judged bounds and the
    machine's feed limit."""
    tool = TOOLS[tool_id]
    tools = [Tool(tool["tool_number"] or 1, tool["diameter_mm"], comment=tool_id)]
    reading = read_program(program.gcode_text, tools=tools)
    assert same_motion(read_program(HOSTILE_PREAMBLE + program.gcode_text, tools=tools), reading)
    assert motion_matches(reading, program.moves)
    box = result["cut"]["bounds_mm"]
    judged = tuple(box[key] for key in ("x_min", "x_max", "y_min", "y_max", "z_min", "z_max"))
    assert reading.bounds() == pytest.approx(judged, abs=1e-3)
    assert max(reading.feeds()) <= MACHINES[machine_id]["max_feed_xy_mm_min"]
    return reading


def floor_points(reading, depth: float, x: float, y: float) -> list[tuple[float, float]]:
    """Where the tool centre cuts at full depth, in the drawing's frame (work coordinates less the design's x, y)."""
    return [
        (motion.end[0] - x, motion.end[1] - y)
        for motion in reading.path()
        if motion.kind == FEED and abs(motion.end[2] + depth) < 1e-3
    ]


def assert_offset(points, boundary, radius: float) -> None:
    distances = [boundary.distance(Point(p)) for p in points]
    assert distances, "nothing was cut at full depth"
    assert max(abs(d - radius) for d in distances) <= MATCH_MM, (min(distances), max(distances))


def test_circle_profile_is_read_back_at_the_tool_radius_from_the_drawn_circle():
    text = dxf_text(lambda m, doc: m.add_circle((0, 0), 40))
    result, program = released(text)
    reading = read_back(result, program)
    points = floor_points(reading, 6.0, 60.0, 60.0)
    # The tool centre runs round the circle at R + r, within the flattening tolerance, all the way round.
    assert_offset(points, Point(0, 0).buffer(40, quad_segs=4096).exterior, RADIUS)
    angles = sorted(math.atan2(py, px) for px, py in points)
    assert max(b - a for a, b in itertools.pairwise(angles)) < 0.1
    assert check(result, "OUTLINE_DRAWING")["status"] == "pass"
    # A profile through the stock with no tabs frees the part on its last pass: a warning, YELLOW.
    assert check(result, "TABS")["status"] == "warn"


@pytest.mark.parametrize("post", ["linuxcnc", "grbl", "mach3"])
def test_rounded_rectangle_with_tabs_in_every_post(post):
    text = dxf_text(lambda m, doc: rounded_rect(m, 0, 0, 120, 80, 10))
    result, program = released(text, post=post, tabs={"count": 4, "width": 8, "height": 2})
    assert result["risk_level"] == RiskLevel.GREEN
    reading = read_back(result, program)
    exact = shapely.box(10, 10, 110, 70).buffer(10, quad_segs=1024).exterior
    points = floor_points(reading, 6.0, 60.0, 60.0)
    assert_offset(points, exact, RADIUS)
    # The tabs: on the last pass (below 4 mm) the tool rises to the tab top four times and leaves it by a ramp.
    rises = [m for m in reading.path() if m.kind == FEED and m.start[:2] == m.end[:2] and m.end[2] > m.start[2]]
    assert len(rises) == 4
    assert all(m.end[2] == pytest.approx(-4.0, abs=1e-3) for m in rises)
    # Climb cutting on an outside profile runs clockwise.
    ring = [p for p in points]
    area = sum(a[0] * b[1] - b[0] * a[1] for a, b in itertools.pairwise(ring))
    assert area < 0


def test_inch_drawing_is_cut_in_millimetres():
    # 4 x 3 in with 0.25 in corners, drawn in inches ($INSUNITS 1).
    text = dxf_text(lambda m, doc: rounded_rect(m, 0, 0, 4, 3, 0.25), units=1)
    result, program = released(text, tabs={"count": 2, "width": 8, "height": 2})
    reading = read_back(result, program)
    assert result["outline"]["drawing"]["units"]["unit"] == "in"
    exact = shapely.box(6.35, 6.35, 101.6 - 6.35, 76.2 - 6.35).buffer(6.35, quad_segs=1024).exterior
    assert_offset(floor_points(reading, 6.0, 60.0, 60.0), exact, RADIUS)


def test_body_spline_with_islands_profile_is_read_back_and_follows_the_curve():
    text = dxf_text(lambda m, doc: (body_outline(m, layer="BODY"), cavities(m, layer="BODY")))
    result, program = released(
        text,
        fixture="spoilboard",
        x=0.0,
        y=0.0,
        depth=12.0,
        stock_thickness=12.0,
        tabs={"count": 6, "width": 10, "height": 3},
    )
    drawing = result["outline"]
    assert [len(part["islands"]) for part in drawing["parts"]] == [4]
    reading = read_back(result, program)
    points = floor_points(reading, 12.0, 0.0, 0.0)
    # The curve as drawn: ezdxf's own evaluation of the spline, a hundred times finer than the flattening.
    (spline,) = ezdxf.read(io.StringIO(text)).modelspace().query("SPLINE")
    curve = [(v.x, v.y) for v in spline.flattening(OUTLINE_CHORD_MM / 100)]
    body = Polygon(curve)
    # Points cut round the outside of the body keep the radius from the curve; the cavities' are inside it.
    outside = [p for p in points if not body.contains(Point(p))]
    assert_offset(outside, LineString(curve), RADIUS)
    assert len(outside) < len(points)


def test_pocket_with_islands_clears_around_them_and_is_read_back():
    def draw(m, doc):
        rounded_rect(m, 0, 0, 140, 90, 8)
        m.add_circle((40, 45), 12)
        rounded_rect(m, 80, 25, 115, 65, 4)

    text = dxf_text(draw)
    result, program = released(text, operation="pocket", depth=5.0, stock_thickness=12.0)
    assert result["outline"]["toolpath"]["pocket"]["uncut_area_mm2"] == 0
    reading = read_back(result, program)
    points = floor_points(reading, 5.0, 60.0, 60.0)
    region = (
        shapely.box(8, 8, 132, 82)
        .buffer(8, quad_segs=256)
        .difference(Point(40, 45).buffer(12, quad_segs=256))
        .difference(shapely.box(84, 29, 111, 61).buffer(4, quad_segs=256))
    )
    # Every point the centre reaches at the floor is at least the radius inside the walls and off the islands.
    assert min(region.exterior.distance(Point(p)) for p in points) >= RADIUS - MATCH_MM
    for island in region.interiors:
        assert min(LineString(island.coords).distance(Point(p)) for p in points) >= RADIUS - MATCH_MM
    assert all(region.contains(Point(p)) for p in points)


def test_svg_profile_inside_is_read_back():
    text = svg('<rect x="20" y="10" width="100" height="60" rx="6"/>', width="200mm", height="100mm")["data"]
    result, program = released(text, "svg", operation="profile_inside", depth=3.0, stock_thickness=6.0)
    reading = read_back(result, program)
    # SVG's y points down from the top of the 100 mm page: the rectangle is at y 30..90 up from the bottom.
    exact = shapely.box(26, 36, 114, 84).buffer(6, quad_segs=1024).exterior
    assert_offset(floor_points(reading, 3.0, 60.0, 60.0), exact, RADIUS)


def test_open_contour_is_red_with_its_place_and_never_generated():
    text = dxf_text(lambda m, doc: m.add_lwpolyline([(0, 0), (80, 0), (80, 50), (0, 50)], dxfattribs={"layer": "CUT"}))
    request, drawings = outline_request(text)
    result = judge(request, drawings)
    assert result["risk_level"] == RiskLevel.RED
    found = check(result, "OUTLINE_DRAWING")
    assert found["status"] == "fail"
    assert "open contour" in found["message"]
    assert "layer CUT" in found["message"]
    assert "(0.0, 0.0)" in found["message"]
    with pytest.raises(ValueError, match="open contour"):
        generate(design=result["design"], cut=result["cut"], tool=TOOLS[TOOL_ID], machine=MACHINES["router_a"],
                 drawing=text)  # fmt: skip


def test_self_intersecting_contour_is_red_with_the_crossing_named():
    bow_tie = [(0, 0), (60, 40), (60, 0), (0, 40)]
    text = dxf_text(lambda m, doc: m.add_lwpolyline(bow_tie, close=True))
    request, drawings = outline_request(text)
    result = judge(request, drawings)
    assert result["risk_level"] == RiskLevel.RED
    found = check(result, "OUTLINE_DRAWING")
    assert found["value"] == "SELF_INTERSECTION"
    assert "(30.0, 20.0)" in found["message"]


def test_feature_narrower_than_the_tool_is_red_on_feature_width():
    # A pocket 4 mm wide: a 6.35 mm bit cannot enter it.
    def draw(m, doc):
        m.add_lwpolyline([(0, 0), (4, 0), (4, 40), (0, 40)], close=True)

    request, drawings = outline_request(dxf_text(draw), operation="pocket", depth=3.0, stock_thickness=6.0)
    result = judge(request, drawings)
    assert result["risk_level"] == RiskLevel.RED
    assert check(result, "FEATURE_WIDTH")["status"] == "fail"
    assert check(result, "FEATURE_WIDTH")["limit"] == TOOLS[TOOL_ID]["diameter_mm"]


def test_drawing_beyond_the_soft_limits_names_the_envelope():
    text = dxf_text(lambda m, doc: rounded_rect(m, 0, 0, 120, 80, 10))
    request, drawings = outline_request(text, x=900.0, tabs={"count": 4, "width": 8, "height": 2})
    result = judge(request, drawings)
    assert result["risk_level"] == RiskLevel.RED
    assert check(result, "WORK_ENVELOPE")["status"] == "fail"


def test_a_drawing_the_engine_is_not_handed_is_unknown():
    text = dxf_text(lambda m, doc: m.add_circle((0, 0), 40))
    request, _ = outline_request(text)
    result = judge(request, {})
    assert result["risk_level"] == RiskLevel.UNKNOWN
    assert check(result, "DESIGN_VALID")["status"] == "unknown"


def test_profile_deeper_than_the_stock_is_red_and_a_through_cut_is_not():
    text = dxf_text(lambda m, doc: m.add_circle((0, 0), 40))
    request, drawings = outline_request(text, depth=7.0, stock_thickness=6.0)
    assert check(judge(request, drawings), "STOCK_THICKNESS")["status"] == "fail"
    request, drawings = outline_request(
        text, depth=6.0, stock_thickness=6.0, tabs={"count": 3, "width": 6, "height": 2}
    )
    result = judge(request, drawings)
    assert check(result, "STOCK_THICKNESS")["status"] == "pass"
    assert result["risk_level"] == RiskLevel.GREEN


def test_the_verdict_records_the_planner_and_its_libraries_but_not_the_path():
    text = dxf_text(lambda m, doc: m.add_circle((0, 0), 40))
    request, drawings = outline_request(text, tabs={"count": 3, "width": 6, "height": 2})
    result = judge(request, drawings)
    record = result["outline"]
    assert record["version"].startswith("rmos-outlines/")
    assert set(record["libraries"]) == {"ezdxf", "svgelements", "shapely", "geos"}
    assert record["drawing"]["stats"]["sha256"] == _hash(text)
    assert "segments" not in record["toolpath"]
    assert record["toolpath"]["moves"] > 100
    # The same request judges the same, to the byte.
    assert judge(request, drawings) == result


def test_program_size_counts_the_planned_moves_as_an_upper_bound():
    text = dxf_text(lambda m, doc: (body_outline(m), cavities(m)))
    for design in ({"operation": "profile_outside", "tabs": {"count": 6, "width": 10, "height": 3}},
                   {"operation": "pocket", "depth": 4.0, "stock_thickness": 12.0}):  # fmt: skip
        result, program = released(
            text, **{"fixture": "spoilboard", "x": 0.0, "y": 0.0, "depth": 12.0, "stock_thickness": 12.0, **design}
        )
        estimated = check(result, "PROGRAM_SIZE")["value"]
        assert len(program.moves) <= estimated <= len(program.moves) + 10
        assert len(program.gcode_text.encode()) <= _bytes(check(result, "PROGRAM_SIZE")["message"])


def _bytes(message: str) -> int:
    # "estimated program: 494 moves, 28302 bytes, 11.071 s; ..."
    return int(message.split(" moves, ")[1].split(" bytes")[0])


def test_polygon_reference_is_what_the_body_is():
    # The body the drawings draw is the one the assertions compare against.
    assert Polygon(body_polygon()).is_valid


# --- a sample of outline jobs across shapes, operations, tools, materials, machines, fixtures and posts -------

OUTLINE_TOOLS = sorted(tool_id for tool_id, tool in TOOLS.items() if tool["kind"] == "router")


def _drawn(kind: str, w: float, h: float) -> str:
    if kind == "circle":
        return dxf_text(lambda m, doc: m.add_circle((0, 0), w / 2))
    if kind == "rounded":
        return dxf_text(lambda m, doc: rounded_rect(m, 0, 0, w, h, min(w, h) / 5))
    # A plate with a round island: a pocket around it, or a profile that cuts both.
    return dxf_text(lambda m, doc: (rounded_rect(m, 0, 0, w, h, 4), m.add_circle((w / 2, h / 2), min(w, h) / 6)))


@pytest.mark.slow
@settings(max_examples=12, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])  # fmt: skip
@given(
    kind=st.sampled_from(["circle", "rounded", "island"]),
    size=st.tuples(st.floats(25, 90), st.floats(25, 70)),
    operation=st.sampled_from(["profile_outside", "profile_inside", "pocket"]),
    direction=st.sampled_from(["climb", "conventional"]),
    tool_id=st.sampled_from(OUTLINE_TOOLS),
    material_id=st.sampled_from(sorted(MATERIALS)),
    machine_id=st.sampled_from(sorted(MACHINES)),
    depth=st.floats(0.5, 4),
    place=st.tuples(st.floats(-40, 40), st.floats(-40, 40)),
    tabs=st.booleans(),
    fixture_pick=st.integers(0, 3),
    post=st.sampled_from(sorted(posts.POSTS)),
)
def test_every_allowed_outline_program_is_read_by_linuxcnc(
    kind, size, operation, direction, tool_id, material_id, machine_id, depth, place, tabs, fixture_pick, post
):
    text = _drawn(kind, *size)
    fixtures = MACHINES[machine_id]["fixtures"]
    design = {
        "shape": "outline", "operation": operation, "direction": direction, "depth": round(depth, 2),
        "stock_thickness": 6.0, "x": round(place[0], 2), "y": round(place[1], 2),
        "source": {"format": "dxf", "sha256": _hash(text), "bytes": len(text.encode())},
    }  # fmt: skip
    if tabs and operation != "pocket":
        design["tabs"] = {"count": 3, "width": 5.0, "height": round(depth / 3, 2)}
    request = {"tool_id": tool_id, "material_id": material_id, "machine_id": machine_id, "design": design,
               "fixture": fixtures[fixture_pick % len(fixtures)]["fixture_id"]}  # fmt: skip
    tool, machine = TOOLS[tool_id], MACHINES[machine_id]
    result = evaluate(
        request, tool=tool, material=MATERIALS[material_id], machine=machine, drawings={_hash(text): text}
    )
    assume(result["risk_level"] in RiskLevel.ALLOWS_TOOLPATHS)
    program = generate(design=result["design"], cut=result["cut"], tool=tool, machine=machine, post=post, drawing=text)
    assert verify(program.gcode_text, design=result["design"], cut=result["cut"], machine=machine, post=post) == []
    reading = read_back(result, program, tool_id, machine_id)
    # Nothing deeper than the design, and no Z faster than the plunge feed the engine judged.
    assert min(m.end[2] for m in reading.motions) >= -design["depth"] - 1e-3
    for motion in reading.motions:
        if motion.kind == FEED and motion.end[2] != motion.start[2]:
            dz = abs(motion.end[2] - motion.start[2])
            length = math.dist(motion.start, motion.end)
            assert motion.feed * dz / length <= result["cut"]["plunge_mm_min"] + 1.0


def test_a_drawing_full_of_faults_keeps_a_small_verdict():
    # 150 loose lines: 150 faults named in the drawing's findings, the first 50 kept in the verdict.
    text = dxf_text(lambda m, doc: [m.add_line((i, 0), (i, 5)) for i in range(0, 300, 2)])
    request, drawings = outline_request(text)
    result = judge(request, drawings)
    assert result["risk_level"] == RiskLevel.RED
    assert len(result["outline"]["findings"]) == 50
    assert result["outline"]["findings_total"] == 150
    assert result["block_reason"].count("(layer 0)") == 3
    assert result["block_reason"].endswith("and 147 more")


# --- a through cut a little into the spoilboard ---------------------------------------------------------------


def test_a_through_profile_goes_into_the_spoilboard_as_far_as_it_allows_and_is_read_back_there():
    # Shops cut a body free 0.2-0.5 mm into an MDF spoilboard, so that the stock's own variation leaves no skin.
    text = dxf_text(lambda m, doc: rounded_rect(m, -60, -40, 60, 40, 10))
    tabs = {"count": 4, "width": 8, "height": 2}
    result, program = released(text, fixture="spoilboard", x=0.0, y=0.0, depth=6.3, tabs=tabs)
    assert result["risk_level"] == "GREEN"
    stock = check(result, "STOCK_THICKNESS")
    assert stock["status"] == "pass"
    assert "0.3 mm into spoilboard (it allows 0.5 mm)" in stock["message"]
    assert stock["limit"] == pytest.approx(6.5)
    reading = read_back(result, program)
    assert reading.bounds()[4] == pytest.approx(-6.3, abs=1e-3)  # no deeper than judged
    # The tabs stand 1.7 mm into the part (their tops 4.3 mm down in 6 mm stock): the part stays held.
    assert any(abs(motion.end[2] + 4.3) < 1e-3 for motion in reading.path())
    # And the verifier holds the program to it: a move 0.1 mm lower is refused.
    deeper = re.sub(r"Z-6\.3(?=\D)", "Z-6.4", program.gcode_text, count=1)
    assert deeper != program.gcode_text
    problems = verify(deeper, design=result["design"], cut=result["cut"], machine=MACHINES["router_a"])
    assert any("deeper than design depth" in problem for problem in problems), problems


@pytest.mark.parametrize(
    ("fixture", "depth", "tabs", "failing", "words"),
    [
        (None, 6.3, 2.0, "STOCK_THICKNESS", "cuts into fretboard_jig, which allows no cut into it"),
        ("spoilboard", 6.6, 2.0, "STOCK_THICKNESS", "goes 0.6 mm into the fixture; spoilboard allows 0.5 mm"),
        ("spoilboard", 6.4, 0.4, "TABS", "tabs 0.4 mm high on a cut 0.4 mm below the stock stand in the fixture"),
    ],
)
def test_a_cut_further_into_the_fixture_than_it_allows_is_red(fixture, depth, tabs, failing, words):
    text = dxf_text(lambda m, doc: rounded_rect(m, -60, -40, 60, 40, 10))
    request, drawings = outline_request(
        text, fixture=fixture, x=40.0 if fixture is None else 0.0, y=0.0, depth=depth,
        tabs={"count": 4, "width": 8, "height": tabs},
    )  # fmt: skip
    result = judge(request, drawings)
    assert result["risk_level"] == "RED"
    assert check(result, failing)["status"] == "fail"
    assert words in check(result, failing)["message"]
    if fixture is None:
        assert "a fixture with a through allowance (a spoilboard)" in check(result, failing)["suggestions"]


def test_a_fixture_without_an_allowance_in_its_snapshot_allows_none():
    # A verdict's registry snapshot from before fixtures had an allowance reads as none: fail closed.
    machine = {**MACHINES["router_a"]}
    machine["fixtures"] = [{k: v for k, v in f.items() if k != "through_allowance_mm"} for f in machine["fixtures"]]
    text = dxf_text(lambda m, doc: rounded_rect(m, -60, -40, 60, 40, 10))
    request, drawings = outline_request(text, fixture="spoilboard", x=0.0, y=0.0, depth=6.3)
    result = evaluate(request, tool=TOOLS[TOOL_ID], material=MATERIALS["walnut"], machine=machine, drawings=drawings)
    assert check(result, "STOCK_THICKNESS")["status"] == "fail"
    # A value out of range is not a fixture at all.
    machine["fixtures"] = [{**f, "through_allowance_mm": 5.0} for f in MACHINES["router_a"]["fixtures"]]
    result = evaluate(request, tool=TOOLS[TOOL_ID], material=MATERIALS["walnut"], machine=machine, drawings=drawings)
    assert result["risk_level"] == "UNKNOWN"
    assert "through_allowance_mm must be at most 3" in result["block_reason"]
