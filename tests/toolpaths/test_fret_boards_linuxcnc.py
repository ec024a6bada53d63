"""LinuxCNC's interpreter reads the programs of allowed fanned and radiused fret boards: its canonical motion
covers the envelope the engine judged, its slots end where the geometry put them (and where an independent
reading of FretFind2D puts them), and on a radiused board every cut keeps its level's depth below the top.
The engine and the generator on the default shop, without a database, then the same boards through the toolpaths
API on the real database. Skipped where ``rs274`` is not installed."""

import math

import pytest

from feasibility import geometry, shop_data
from feasibility.engine import evaluate
from feasibility.enums import RiskLevel
from tests.feasibility.fretfind import Board, top
from tests.feasibility.test_fret_boards import COMPOUND, MULTISCALE
from tests.linuxcnc import FEED, Tool, read_program
from toolpaths.gcode import generate
from toolpaths.verify import verify

TOOLS = shop_data.tools_by_id()
MATERIALS = shop_data.materials_by_id()
MACHINES = shop_data.machines_by_id()
FRET_MILL = "router:fret_0_58mm"
LEAD = TOOLS[FRET_MILL]["diameter_mm"] / 2 + 2.0
# The geometry within 0.001 mm, plus half a unit of the 3-decimal output.
READ_TOLERANCE_MM = 0.001 + 0.0005


def released(design: dict):
    request = {"tool_id": FRET_MILL, "material_id": "ebony", "machine_id": "router_a", "design": design}
    tool, machine = TOOLS[FRET_MILL], MACHINES["router_a"]
    result = evaluate(request, tool=tool, material=MATERIALS["ebony"], machine=machine)
    assert result["risk_level"] in RiskLevel.ALLOWS_TOOLPATHS, result["block_reason"]
    program = generate(design=result["design"], cut=result["cut"], tool=tool, machine=machine)
    assert verify(program.gcode_text, design=result["design"], cut=result["cut"], machine=machine) == []
    reading = read_program(
        program.gcode_text, tools=[Tool(tool.get("tool_number") or 1, tool["diameter_mm"], comment=FRET_MILL)]
    )
    return result, reading


def judged_bounds(result: dict) -> tuple[float, ...]:
    box = result["cut"]["bounds_mm"]
    return tuple(box[key] for key in ("x_min", "x_max", "y_min", "y_max", "z_min", "z_max"))


def off_line(x, y, a, b):
    """Distance of (x, y) from the line through a and b."""
    (ax, ay), (bx, by) = a, b
    return abs((bx - ax) * (ay - y) - (ax - x) * (by - ay)) / math.hypot(bx - ax, by - ay)


def cuts(reading):
    """Feed motions that move in XY: the slots themselves."""
    return [motion for motion in reading.motions if motion.kind == FEED and motion.moves_xy]


def test_fanned_board_is_read_by_linuxcnc_with_its_slots_where_the_geometry_and_fretfind_put_them():
    result, reading = released(MULTISCALE)
    assert judged_bounds(result) == pytest.approx(reading.bounds(), abs=1e-4)
    plan = geometry.plan(result["design"], geometry.ToolShape.of(TOOLS[FRET_MILL]))
    board = Board(685.8, 647.7, 22, 43, 56, perpendicular=8)
    ends = {(round(m.end[0], 3), round(m.end[1], 3)) for m in cuts(reading)}
    ends |= {(round(m.start[0], 3), round(m.start[1], 3)) for m in cuts(reading)}
    for n, line in enumerate(plan.lines, start=1):
        for point, independent in zip(line, board.slot(n, LEAD), strict=True):
            assert any(math.dist(point, end) <= READ_TOLERANCE_MM for end in ends), (n, point)
            assert math.dist(point, independent) <= 0.01, (n, point, independent)
    # Every slot is cut to the full depth, flat.
    assert min(m.end[2] for m in cuts(reading)) == pytest.approx(-3.0, abs=READ_TOLERANCE_MM)
    assert {m.start[2] == m.end[2] for m in cuts(reading)} == {True}


def test_compound_radius_board_is_read_by_linuxcnc_with_every_cut_its_levels_depth_below_the_top():
    result, reading = released(COMPOUND)
    assert judged_bounds(result) == pytest.approx(reading.bounds(), abs=1e-4)
    board = Board(648, 648, 22, 43, 56)
    last_x = sum(board.fret(22)[k][0] for k in range(2)) / 2
    levels = [-3.0 * k / 6 for k in range(1, 7)]
    assert result["cut"]["depth_mm"] == 3.0
    slots = [board.fret(n) for n in range(1, 23)]
    deepest = []
    for motion in cuts(reading):
        x, y, z = motion.end
        # The slot this point lies on: the nearest fret line.
        (tx, ty), (bx, by) = min(slots, key=lambda slot: off_line(x, y, *slot))
        t = ((x - tx) * (bx - tx) + (y - ty) * (by - ty)) / ((bx - tx) ** 2 + (by - ty) ** 2)
        t = min(max(t, 0.0), 1.0)  # beyond the edges the tool stays at the edge's height
        surface = top(tx + t * (bx - tx), ty + t * (by - ty), 254, 406.4, last_x)
        below = z - surface
        assert min(abs(below - level) for level in levels) <= READ_TOLERANCE_MM, (motion, below)
        if abs(below - levels[-1]) <= READ_TOLERANCE_MM:
            deepest.append(motion)
    # The last level of all 22 slots keeps the full 3 mm below the top: the tang depth holds at every point.
    assert len({round(m.end[0]) for m in deepest}) == 22
    assert reading.bounds()[4] == pytest.approx(-3.0 - geometry.surface_drop(result["design"]), abs=1e-4)


def test_fanned_compound_board_is_read_by_linuxcnc_where_it_was_judged():
    result, reading = released({**MULTISCALE, "radius": 254, "radius_end": 406.4})
    assert judged_bounds(result) == pytest.approx(reading.bounds(), abs=1e-4)


# --- through the API: the released program, its summary and its artifact ------------------------------------------


@pytest.mark.parametrize("design", [MULTISCALE, COMPOUND, {**MULTISCALE, "radius": 305}])
def test_toolpaths_api_releases_fanned_and_radiused_boards(operator_client, design):
    body = {"tool_id": FRET_MILL, "material_id": "ebony", "machine_id": "router_a", "design": design}
    response = operator_client.post("/api/rmos/toolpaths", body, format="json")
    assert response.status_code == 200, response.json()
    answer = response.json()
    judged = answer["authoritative_feasibility"]["cut"]["bounds_mm"]
    reading = read_program(
        answer["gcode_text"], tools=[Tool(TOOLS[FRET_MILL].get("tool_number") or 1, TOOLS[FRET_MILL]["diameter_mm"])]
    )
    box = tuple(judged[key] for key in ("x_min", "x_max", "y_min", "y_max", "z_min", "z_max"))
    assert box == pytest.approx(reading.bounds(), abs=1e-4)
