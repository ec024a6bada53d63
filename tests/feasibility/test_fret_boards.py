"""Multiscale (fanned), tapered and radiused fret boards: positions against an independent reading of
FretFind2D's method (tests/feasibility/fretfind.py), the engine's judgement of them, and the request's 400s.
The engine tests are pure (the default shop, no database); the API ones run on the real database."""

import copy
import itertools
import math

import pytest

from feasibility import geometry, shop_data
from feasibility.engine import evaluate
from feasibility.enums import CheckStatus, RiskLevel
from tests.feasibility.fretfind import Board, top

TOOLS = shop_data.tools_by_id()
MATERIALS = shop_data.materials_by_id()
MACHINES = shop_data.machines_by_id()
FRET_MILL = "router:fret_0_58mm"
# The usual lead: the cut's radius plus 2 mm beyond each board edge (docs/feasibility.md, "Geometry").
LEAD = TOOLS[FRET_MILL]["diameter_mm"] / 2 + 2.0
POSITION_TOLERANCE_MM = 0.01

STANDARD = {"shape": "fret_slots", "scale_length": 648, "frets": 22}
MULTISCALE = {
    "shape": "fret_slots",
    "scale_length_bass": 685.8,
    "scale_length_treble": 647.7,
    "perpendicular_fret": 8,
    "nut_width": 43,
    "board_width": 56,
    "frets": 22,
}
COMPOUND = {
    "shape": "fret_slots",
    "scale_length": 648,
    "frets": 22,
    "nut_width": 43,
    "board_width": 56,
    "radius": 254,
    "radius_end": 406.4,
}


def judge(design, tool_id=FRET_MILL, machine_id="router_a", material_id="ebony"):
    request = {"tool_id": tool_id, "material_id": material_id, "machine_id": machine_id, "design": design}
    return evaluate(
        copy.deepcopy(request),
        tool=TOOLS[tool_id],
        material=MATERIALS[material_id],
        machine=MACHINES[machine_id],
    )


def check(result, code):
    (found,) = [c for c in result["checks"] if c["code"] == code]
    return found


def planned(design, tool_id=FRET_MILL):
    normalised = judge(design, tool_id)["design"]
    assert normalised is not None
    return geometry.plan(normalised, geometry.ToolShape.of(TOOLS[tool_id]))


# --- positions -------------------------------------------------------------------------------------------------


def test_standard_648_board_slots_sit_at_12_tet_from_the_nut_square_across_the_blank():
    plan = planned(STANDARD)
    for n, (start, end) in enumerate(plan.lines, start=1):
        expected = 648 - 648 / 2 ** (n / 12)
        assert start[0] == end[0] == pytest.approx(expected, abs=POSITION_TOLERANCE_MM)
        assert (start[1], end[1]) == pytest.approx((-35 - LEAD, 35 + LEAD), abs=POSITION_TOLERANCE_MM)
    assert plan.lines[11][0][0] == pytest.approx(324.0, abs=1e-3)


def test_multiscale_slots_join_each_edges_12_tet_point_and_run_past_the_edges_by_the_lead():
    board = Board(685.8, 647.7, 22, 43, 56, perpendicular=8)
    plan = planned(MULTISCALE)
    assert len(plan.lines) == 22
    for n, (start, end) in enumerate(plan.lines, start=1):
        expected_start, expected_end = board.slot(n, LEAD)
        assert start == pytest.approx(expected_start, abs=POSITION_TOLERANCE_MM), n
        assert end == pytest.approx(expected_end, abs=POSITION_TOLERANCE_MM), n


def test_multiscale_perpendicular_fret_is_square_and_the_nut_crosses_the_centreline_at_x0():
    plan = planned(MULTISCALE)
    start, end = plan.lines[7]  # fret 8
    assert start[0] == pytest.approx(end[0], abs=1e-3)
    board = geometry.FretBoard.of(judge(MULTISCALE)["design"])
    (bass_x, bass_y), (treble_x, treble_y) = board.edge_point(0, True), board.edge_point(0, False)
    assert (bass_x + treble_x) / 2 == pytest.approx(0.0, abs=1e-9)
    assert (bass_y, treble_y) == pytest.approx((21.5, -21.5))
    # Below the perpendicular fret the bass end (longer scale) lies nearer the nut; above it, further.
    assert plan.lines[0][1][0] < plan.lines[0][0][0]
    assert plan.lines[21][1][0] > plan.lines[21][0][0]


def test_the_taper_of_a_single_scale_board_takes_the_slots_to_its_edges():
    board = Board(648, 648, 22, 43, 56)
    plan = planned({**STANDARD, "nut_width": 43, "board_width": 56})
    for n, (start, end) in enumerate(plan.lines, start=1):
        expected_start, expected_end = board.slot(n, LEAD)
        assert (*start, *end) == pytest.approx((*expected_start, *expected_end), abs=POSITION_TOLERANCE_MM)
        assert start[0] == pytest.approx(end[0], abs=1e-3)
    # Fret 1 is about 43.4 mm wide, fret 22 56 mm: the slots follow.
    at_fret_1 = 43 + 13 * (1 - 2 ** (-1 / 12)) / (1 - 2 ** (-22 / 12))
    assert plan.lines[0][1][1] - plan.lines[0][0][1] == pytest.approx(at_fret_1 + 2 * LEAD, abs=0.01)
    assert plan.lines[21][1][1] - plan.lines[21][0][1] == pytest.approx(56 + 2 * LEAD, abs=0.01)


def test_compound_radius_slots_follow_the_top_within_the_stated_tolerance():
    design = judge(COMPOUND)["design"]
    plan = geometry.plan(design, geometry.ToolShape.of(TOOLS[FRET_MILL]))
    board = Board(648, 648, 22, 43, 56)
    last_x = sum(board.fret(22)[k][0] for k in range(2)) / 2
    assert plan.paths
    for n, path in enumerate(plan.paths, start=1):
        (tx, ty), (bx, by) = board.fret(n)

        def expected(x, y, tx=tx, ty=ty, bx=bx, by=by):
            # Beyond the edges the path stays at the edge's height.
            t = min(max(((x - tx) * (bx - tx) + (y - ty) * (by - ty)) / ((bx - tx) ** 2 + (by - ty) ** 2), 0), 1)
            return top(tx + t * (bx - tx), ty + t * (by - ty), 254, 406.4, last_x)

        for x, y, z in path:
            # On the grid, towards the crown: at most one grid step above the true top, never below it (but for
            # the top's slope across the half grid step that X and Y were rounded by).
            assert expected(x, y) - 1e-4 <= z <= expected(x, y) + geometry.GRID_MM + 1e-9
        for (x0, y0, z0), (x1, y1, z1) in itertools.pairwise(path):
            middle = expected((x0 + x1) / 2, (y0 + y1) / 2)
            assert abs((z0 + z1) / 2 - middle) <= geometry.RADIUS_CHORD_TOLERANCE_MM + geometry.GRID_MM
    # A 10 in radius drops about 0.91 mm at fret 1's edge (22 mm out); 16 in about 0.97 mm at fret 22's (28 mm out).
    (x1, y1), _ = board.fret(1)
    assert plan.paths[0][0][2] == pytest.approx(top(x1, y1, 254, 406.4, last_x), abs=geometry.GRID_MM)
    assert plan.paths[0][0][2] == pytest.approx(-0.912, abs=0.001)
    assert plan.lowest_surface() == pytest.approx(min(z for path in plan.paths for _, _, z in path))


def test_fractional_perpendicular_fret_is_square_where_it_falls():
    board = geometry.FretBoard.of(judge({**MULTISCALE, "perpendicular_fret": 8.5})["design"])
    bass, treble = board.edge_point(8.5, True), board.edge_point(8.5, False)
    assert bass[0] == pytest.approx(treble[0], abs=1e-9)
    expected = Board(685.8, 647.7, 22, 43, 56, perpendicular=8.5)
    (bass_x, bass_y), (treble_x, treble_y) = board.slot(3)
    (etx, ety), (ebx, eby) = expected.fret(3)
    assert (bass_x, bass_y, treble_x, treble_y) == pytest.approx((ebx, eby, etx, ety), abs=POSITION_TOLERANCE_MM)


# --- the engine's judgement -------------------------------------------------------------------------------------


def test_the_standard_single_scale_request_is_judged_as_before():
    result = judge(STANDARD)
    assert result["risk_level"] == RiskLevel.GREEN
    assert result["design"] == {
        "shape": "fret_slots",
        "scale_length": 648.0,
        "frets": 22,
        "board_width": 70.0,
        "depth": 3.0,
        "x": 0.0,
        "y": 0.0,
        "stock_thickness": 6.35,
    }
    assert result["cut"]["bounds_mm"] == {
        "x_min": 36.369,
        "x_max": 466.161,
        "y_min": -37.292,
        "y_max": 37.292,
        "z_min": -3.0,
        "z_max": result["cut"]["bounds_mm"]["z_max"],
    }


def test_multiscale_board_is_allowed_with_its_documented_defaults_and_an_envelope_from_the_angled_slots():
    result = judge({k: v for k, v in MULTISCALE.items() if k not in ("nut_width", "board_width")})
    assert result["risk_level"] in RiskLevel.ALLOWS_TOOLPATHS, result["block_reason"]
    assert (result["design"]["nut_width"], result["design"]["board_width"]) == (43.0, 56.0)
    box = result["cut"]["bounds_mm"]
    board = Board(685.8, 647.7, 22, 43, 56, perpendicular=8)
    ends = [point for n in range(1, 23) for point in board.slot(n, LEAD)]
    assert box["x_min"] == pytest.approx(min(x for x, _ in ends), abs=1e-3)
    assert box["x_max"] == pytest.approx(max(x for x, _ in ends), abs=1e-3)
    assert box["y_max"] == pytest.approx(max(y for _, y in ends), abs=1e-3)
    assert check(result, "WORK_ENVELOPE")["status"] == CheckStatus.PASS


def test_multiscale_perpendicular_fret_defaults_to_7():
    design = {k: v for k, v in MULTISCALE.items() if k != "perpendicular_fret"}
    result = judge(design)
    assert result["design"]["perpendicular_fret"] == 7.0
    assert "perpendicular_fret" in result["defaults_applied"]


def test_fanned_slots_are_red_for_a_saw_turning_in_yz_naming_the_angle():
    result = judge(MULTISCALE, tool_id="saw:thin_140", machine_id="fret_saw")
    assert result["risk_level"] == RiskLevel.RED
    plane = check(result, "SAW_PLANE")
    assert plane["status"] == CheckStatus.FAIL
    board = Board(685.8, 647.7, 22, 43, 56, perpendicular=8)
    angles = {}
    for n in range(1, 23):
        (tx, ty), (bx, by) = board.fret(n)
        angles[n] = abs(math.degrees(math.atan2(bx - tx, by - ty)))
    # The narrow end of the board turns its slots furthest: fret 1, about 15 degrees.
    worst = max(angles, key=angles.get)
    assert worst == 1
    assert plane["value"] == f"{angles[1]:.3f} deg off Y (fret 1, a fanned slot)"
    assert plane["suggestions"] == ["a fret-slotting end mill: fanned slots are not square to the centreline"]


def test_a_tapered_single_scale_board_stays_in_the_saws_plane():
    result = judge({**STANDARD, "nut_width": 43, "board_width": 56}, tool_id="saw:thin_140", machine_id="fret_saw")
    assert check(result, "SAW_PLANE")["status"] == CheckStatus.PASS


def test_radiused_board_envelope_goes_down_with_the_top_and_the_stock_check_counts_the_drop():
    result = judge(COMPOUND)
    assert result["risk_level"] in RiskLevel.ALLOWS_TOOLPATHS, result["block_reason"]
    drop = geometry.surface_drop(result["design"])
    assert 0.9 < drop < 1.1
    assert result["cut"]["bounds_mm"]["z_min"] == pytest.approx(-3.0 - drop, abs=1e-3)
    stock = check(result, "STOCK_THICKNESS")
    assert stock["value"] == pytest.approx(3.0 + drop, abs=1e-3)
    assert "below the crown" in stock["message"]
    depth = check(result, "FRET_SLOT_DEPTH")
    assert depth["status"] == CheckStatus.PASS
    assert "at every point" in depth["message"]
    # In a blank as thin as the slot plus the drop, the cut goes through at the edges.
    thin = judge({**COMPOUND, "stock_thickness": 3.5})
    assert check(thin, "STOCK_THICKNESS")["status"] == CheckStatus.FAIL


@pytest.mark.parametrize(
    ("design", "phrase"),
    [
        ({**MULTISCALE, "scale_length": 648}, "not both"),
        ({**STANDARD, "perpendicular_fret": 7}, "perpendicular_fret applies"),
        ({**STANDARD, "radius_end": 406}, "needs radius"),
        ({**STANDARD, "radius": 30}, "radius must be at least 50"),
        ({**STANDARD, "radius": 60, "board_width": 130}, "smaller than half the board"),
        ({**MULTISCALE, "scale_length_bass": 1100}, "1.5 times"),
        ({**MULTISCALE, "perpendicular_fret": 30}, "perpendicular_fret must be from 0"),
        ({**MULTISCALE, "scale_length_treble": 50, "scale_length_bass": 60}, "scale_length_bass must be from 100"),
    ],
)
def test_impossible_boards_are_red_naming_the_problem(design, phrase):
    result = judge(design)
    assert result["risk_level"] == RiskLevel.RED
    assert phrase in check(result, "DESIGN_VALID")["message"]


def test_a_multiscale_board_missing_half_its_pair_cannot_be_judged():
    design = {k: v for k, v in MULTISCALE.items() if k != "scale_length_treble"}
    result = judge(design)
    assert result["risk_level"] == RiskLevel.UNKNOWN
    assert "scale_length_treble" in check(result, "DESIGN_VALID")["message"]


# --- the request ------------------------------------------------------------------------------------------------

URL = "/api/rmos/feasibility"
REQUEST = {"tool_id": FRET_MILL, "material_id": "ebony", "machine_id": "router_a"}


@pytest.mark.parametrize(
    ("design", "field", "phrase"),
    [
        ({**MULTISCALE, "scale_length": 648}, "scale_length", "not both"),
        ({**{k: v for k, v in MULTISCALE.items() if k != "scale_length_bass"}}, "scale_length_bass", "needs"),
        ({**STANDARD, "perpendicular_fret": 7}, "perpendicular_fret", "multiscale"),
        ({**STANDARD, "radius_end": 406}, "radius_end", "needs radius"),
        ({**STANDARD, "radius": 10}, "radius", "50"),
        ({**MULTISCALE, "scale_length_treble": 0}, "scale_length_treble", "100"),
        ({**MULTISCALE, "perpendicular_fret": -1}, "perpendicular_fret", "0"),
        ({**MULTISCALE, "nut_width": "43"}, "nut_width", ""),
    ],
)
def test_bad_fret_board_fields_are_400_naming_the_field(operator_client, design, field, phrase):
    response = operator_client.post(URL, {**REQUEST, "design": design}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]["design"]
    assert field in errors, errors
    assert phrase in " ".join(errors[field])


def test_multiscale_compound_board_is_answered_by_the_api(operator_client):
    design = {**MULTISCALE, "radius": 254, "radius_end": 406.4}
    response = operator_client.post(URL, {**REQUEST, "design": design}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["safety"]["risk_level"] in ("GREEN", "YELLOW"), body["safety"]["block_reason"]
    assert body["design"]["radius_end"] == 406.4


def test_the_drawing_outlines_a_fanned_radiused_board_by_its_edges():
    from rmos_site.pages.drawing import part_outline

    outline = part_outline(judge({**MULTISCALE, "radius": 254, "radius_end": 406.4})["design"])
    board = Board(685.8, 647.7, 22, 43, 56, perpendicular=8)
    (treble_nut, bass_nut), (treble_last, bass_last) = board.fret(0), board.fret(22)
    (polygon,) = outline["polygons"]
    expected = (treble_nut, treble_last, bass_last, bass_nut)
    assert [c for point in polygon for c in point] == pytest.approx([c for p in expected for c in p], abs=0.01)
    assert outline["notes"] == ["scales 685.8/647.7 mm · 22 frets", "radius 254 to 406.4 mm"]
    # A design that is not a board at all draws nothing rather than failing.
    assert part_outline({"shape": "fret_slots", "nut_width": 43})["polygons"] == []


def test_lists_name_a_fanned_radiused_board_by_its_scales():
    from rmos_site.pages.present import design_summary

    summary = design_summary(judge({**MULTISCALE, "radius": 254})["design"])
    assert summary == "fret slots · 685.8 mm bass · 647.7 mm treble · 22 frets · radius 254 mm · 3 mm deep"
    assert design_summary(judge(STANDARD)["design"]) == "fret slots · 648 mm · 22 frets · 3 mm deep"
