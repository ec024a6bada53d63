"""Verdicts a luthier can run: each wrong verdict of the earlier engine, reproduced as it was found, and the
rules that replaced it (work coordinates, saw kinematics and tool holding, fret slots, one geometry, physics,
suggestions). Pure: the engine and the generator on the default shop, no database."""

import copy
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feasibility import geometry, shop_data
from feasibility.engine import evaluate
from feasibility.engine.physics import depth_derating, kc
from feasibility.engine.registry import read_material, read_tool
from feasibility.engine.tables import SPEED_BANDS
from feasibility.enums import CheckStatus, MaterialClass, RiskLevel
from toolpaths.gcode import ARC_CCW, ARC_CW, PARK, arc_extent, generate

TOOLS = shop_data.tools_by_id()
MATERIALS = shop_data.materials_by_id()
MACHINES = shop_data.machines_by_id()
STANDARD_BOARD = {"shape": "fret_slots", "scale_length": 648, "frets": 22}


def judge(tool_id, material_id="ebony", machine_id="router_a", design=None, cut=None, fixture=None, **entries):
    request = {"tool_id": tool_id, "material_id": material_id, "machine_id": machine_id, "design": design, "cut": cut}
    if fixture is not None:
        request["fixture"] = fixture
    registry = {"tool": TOOLS.get(tool_id), "material": MATERIALS.get(material_id), "machine": MACHINES.get(machine_id)}
    registry.update(entries)
    return evaluate(copy.deepcopy(request), **registry)


def check(result, code):
    found = [c for c in result["checks"] if c["code"] == code]
    assert len(found) == 1, [c["code"] for c in result["checks"]]
    return found[0]


# --- 1. work zero is not the centre of travel -------------------------------------------------------------------


@pytest.mark.parametrize("material_id", ["ebony", "east_indian_rosewood", "hard_maple", "maple", "walnut"])
def test_standard_board_slots_on_router_a_with_the_fret_end_mill_at_the_default_placement(material_id):
    result = judge("router:fret_0_58mm", material_id, design=STANDARD_BOARD)
    assert result["risk_level"] in RiskLevel.ALLOWS_TOOLPATHS, result["block_reason"]
    envelope = check(result, "WORK_ENVELOPE")
    assert envelope["status"] == CheckStatus.PASS
    assert envelope["unit"] == "mm"
    # Machine coordinates: the jig puts the nut line at machine X150; the slots span about 430 mm.
    assert envelope["value"].startswith("X 186.4..616.2,")
    assert result["cut"]["fixture_id"] == "fretboard_jig"
    assert result["cut"]["work_offset"] == "G54"


def test_the_old_centre_of_travel_workaround_is_now_off_the_jig_and_names_the_fixture_that_fits():
    # x: -350 was the documented way to fit the board around a centred work zero; on the jig it hangs off the end.
    result = judge("router:fret_0_58mm", design={**STANDARD_BOARD, "x": -350})
    envelope = check(result, "WORK_ENVELOPE")
    assert result["block_reason"].startswith("WORK_ENVELOPE:")
    assert "fixtures that would fit: spoilboard (G55)" in envelope["message"]
    assert "fixture 'spoilboard' (G55) fits" in envelope["suggestions"]
    assert any(s.startswith("move the design by 163.6") for s in envelope["suggestions"])
    assert judge("router:fret_0_58mm", design={**STANDARD_BOARD, "x": -350}, fixture="spoilboard")["risk_level"] in (
        RiskLevel.ALLOWS_TOOLPATHS
    )


def test_no_check_assumes_work_zero_at_the_centre_of_travel():
    # The same machine with its soft limits moved to negative coordinates and the fixture moved with them: the
    # same job, the same verdict. Only path + work offset against the soft limits counts.
    machine = copy.deepcopy(MACHINES["router_a"])
    for axis in "xy":
        machine[f"soft_{axis}_min_mm"] -= 1000
        machine[f"soft_{axis}_max_mm"] -= 1000
    for fixture in machine["fixtures"]:
        fixture["origin_x_mm"] -= 1000
        fixture["origin_y_mm"] -= 1000
    moved = judge("router:fret_0_58mm", design=STANDARD_BOARD, machine=machine)
    here = judge("router:fret_0_58mm", design=STANDARD_BOARD)
    assert moved["risk_level"] == here["risk_level"]
    assert moved["cut"] == here["cut"]


def test_unknown_fixture_is_unknown_with_a_block_reason():
    result = judge("router:upcut_1_8in", design={"shape": "ring", "od": 100}, fixture="vacuum_table")
    assert result["risk_level"] == RiskLevel.UNKNOWN
    assert result["block_reason"].startswith("FIXTURE_KNOWN: unknown fixture 'vacuum_table' on machine 'router_a'")
    assert check(result, "FIXTURE_KNOWN")["suggestions"] == ["fixture 'fretboard_jig'", "fixture 'spoilboard'"]


def test_machine_without_a_default_fixture_is_unknown():
    machine = copy.deepcopy(MACHINES["router_a"])
    for fixture in machine["fixtures"]:
        fixture["is_default"] = False
    result = judge("router:upcut_1_8in", design={"shape": "ring", "od": 100}, machine=machine)
    assert result["block_reason"].startswith("FIXTURE_KNOWN: machine 'router_a' has no default fixture")


def test_a_cut_through_a_clamp_is_red_and_rapids_clear_the_tallest_clamp():
    # The jig's tail clamp sits past the last fret of a 648 mm board (X 495..535 from the nut line).
    result = judge("router:upcut_1_8in", design={"shape": "slot", "length": 60, "x": 480, "depth": 1})
    clamp = check(result, "CLAMP_CLEARANCE")
    assert clamp["status"] == CheckStatus.FAIL
    assert "tail toggle clamp" in clamp["message"]
    assert "place the design clear of the clamps" in clamp["suggestions"]
    # 20 mm clamp over 6 mm of stock, plus the 3 mm clearance.
    assert result["cut"]["safe_z_mm"] == 17.0


# --- 2. a saw is not a router bit -------------------------------------------------------------------------------


@pytest.mark.parametrize("angle", [0, 30, 180])
def test_saw_slot_across_its_blade_plane_is_red_naming_the_plane(angle):
    result = judge("saw:thin_140", machine_id="fret_saw", design={"shape": "slot", "length": 100, "angle": angle})
    assert result["block_reason"].startswith("SAW_PLANE:")
    assert "YZ plane" in result["block_reason"]
    assert "angle 90 or 270 (along the YZ plane)" in check(result, "SAW_PLANE")["suggestions"]


@pytest.mark.parametrize("angle", [90, 270, -90])
def test_saw_slot_in_its_blade_plane_passes(angle):
    result = judge("saw:thin_140", machine_id="fret_saw", design={"shape": "slot", "length": 100, "angle": angle})
    assert check(result, "SAW_PLANE")["status"] == CheckStatus.PASS
    assert result["risk_level"] in RiskLevel.ALLOWS_TOOLPATHS


@pytest.mark.parametrize(("design", "angle"), [({"shape": "slot", "length": 100}, 0), (STANDARD_BOARD, None)])
def test_saw_on_a_vertical_collet_spindle_is_red_for_holding(design, angle):
    result = judge("saw:thin_140", design=design)
    assert result["block_reason"].startswith("TOOL_HOLDING: router_a has a vertical spindle with a collet")
    assert "140 mm blade cannot be mounted" in result["block_reason"]
    holding = check(result, "TOOL_HOLDING")
    assert holding["suggestions"] == ["a machine with a saw arbor or angle head taking 140 mm blades"]


def test_blade_larger_than_the_arbor_takes_is_red():
    big = {**TOOLS["saw:thin_140"], "diameter_mm": 200.0}
    result = judge("saw:thin_140", machine_id="fret_saw", design=STANDARD_BOARD, tool=big)
    assert result["block_reason"].startswith("TOOL_HOLDING: a 200 mm blade is larger than the 150 mm")


def test_bit_shank_outside_the_collet_range_is_red():
    fat = {**TOOLS["router:upcut_1_4in"], "shank_mm": 12.7}
    result = judge("router:upcut_1_4in", machine_id="desktop_3018", design={"shape": "ring", "od": 60}, tool=fat)
    assert result["block_reason"].startswith("TOOL_HOLDING: a 12.7 mm shank does not fit the collet of desktop_3018")


def test_saw_slot_kerf_at_the_surface_is_as_long_as_designed():
    design = {"shape": "slot", "length": 100, "angle": 90, "depth": 3}
    result = judge("saw:thin_140", machine_id="fret_saw", design=design)
    half_chord = geometry.saw_half_chord(140, 3)
    assert half_chord == pytest.approx(20.273, abs=1e-3)
    saw, machine = TOOLS["saw:thin_140"], MACHINES["fret_saw"]
    program = generate(design=result["design"], cut=result["cut"], tool=saw, machine=machine)
    ys = [move.y for move in program.moves if move.y is not None]
    # The blade's axis travels the slot less both half-chords: the kerf at the surface is the 100 mm designed.
    assert max(ys) - min(ys) == pytest.approx(100 - 2 * half_chord, abs=2e-3)
    assert "kerf at the surface is 100 mm long" in check(result, "SAW_SLOT_LENGTH")["message"]


def test_saw_slot_shorter_than_the_blades_chord_is_red():
    design = {"shape": "slot", "length": 30, "angle": 90}
    result = judge("saw:thin_140", machine_id="fret_saw", design=design)
    assert result["block_reason"].startswith("SAW_SLOT_LENGTH: a 140 mm blade 3 mm deep cuts a kerf at least 40.546")
    assert "length at least 40.546 mm" in check(result, "SAW_SLOT_LENGTH")["suggestions"]


def test_saw_far_below_its_rim_speed_band_fails():
    # 140 mm at 1000 rpm is 7.3 m/s: not careful, wrong (the hardwood band is 40-70 m/s).
    slow_machine = {**MACHINES["fret_saw"], "rpm_min": 500}
    result = judge("saw:thin_140", "ebony", "fret_saw", STANDARD_BOARD, cut={"rpm": 1000}, machine=slow_machine)
    speed = check(result, "SURFACE_SPEED")
    assert speed["status"] == CheckStatus.FAIL
    assert speed["unit"] == "m/min"
    assert "7.33 m/s" in speed["message"]
    assert result["risk_level"] == RiskLevel.RED


def test_saw_on_the_3018_is_red_not_yellow():
    result = judge("saw:thin_140", machine_id="desktop_3018", design=STANDARD_BOARD)
    assert result["risk_level"] == RiskLevel.RED
    assert result["block_reason"].startswith("TOOL_HOLDING:")


# --- 3. fret slots that hold a fret -----------------------------------------------------------------------------


def test_shallow_vbit_fret_slot_is_red():
    result = judge("vbit:60deg", design={**STANDARD_BOARD, "depth": 0.5})
    assert result["risk_level"] == RiskLevel.RED
    depth = check(result, "FRET_SLOT_DEPTH")
    assert depth["status"] == CheckStatus.FAIL
    assert (depth["value"], depth["limit"], depth["unit"]) == (0.5, 1.5, "mm")
    assert depth["suggestions"] == ["depth at least 1.5 mm"]
    assert check(result, "TOOL_SHAPE_COMPATIBLE")["status"] == CheckStatus.FAIL


@pytest.mark.parametrize(
    ("kerf", "status"),
    [(0.9, CheckStatus.FAIL), (0.72, CheckStatus.FAIL), (0.65, CheckStatus.WARN), (0.6, CheckStatus.PASS),
     (0.58, CheckStatus.PASS), (0.5, CheckStatus.PASS), (0.47, CheckStatus.WARN), (0.4, CheckStatus.FAIL)],
)  # fmt: skip
def test_fret_slot_width_band_suits_standard_tangs(kerf, status):
    saw = {**TOOLS["saw:thin_140"], "kerf_mm": kerf}
    width = check(judge("saw:thin_140", machine_id="fret_saw", design=STANDARD_BOARD, tool=saw), "FEATURE_WIDTH")
    assert width["status"] == status
    assert (width["limit"], width["unit"]) == ("0.5-0.6", "mm")


def test_the_registry_has_the_tools_a_luthier_shop_slots_frets_and_details_with():
    fret = TOOLS["router:fret_0_58mm"]
    assert fret["diameter_mm"] == pytest.approx(0.023 * 25.4, abs=1e-3)
    assert fret["flutes"] == 3
    sixteenth = TOOLS["router:upcut_1_16in"]
    assert sixteenth["diameter_mm"] == pytest.approx(25.4 / 16)
    source = Path(shop_data.__file__).read_text(encoding="utf-8")
    assert "precisebits.com/tutorials/cutting-fret-slot" in source


# --- 4. one geometry --------------------------------------------------------------------------------------------


def test_engine_and_generator_share_the_geometry_module():
    import toolpaths.gcode as gcode

    for name in ("_lead_in", "_cutting_width", "_tool_centre_extent", "_ring", "_pocket_circle"):
        assert not hasattr(gcode, name), f"toolpaths.gcode.{name} computes geometry of its own"
    assert gcode.geometry is geometry


SHAPES = st.one_of(
    st.fixed_dictionaries({"shape": st.just("ring"), "od": st.floats(10, 200), "width": st.floats(0.5, 20)}),
    st.fixed_dictionaries({"shape": st.just("pocket_circle"), "d": st.floats(1, 150), "depth": st.floats(0.2, 4)}),
    st.fixed_dictionaries({"shape": st.just("pocket_rect"), "w": st.floats(1, 150), "h": st.floats(1, 150),
                           "depth": st.floats(0.2, 4)}),
    st.fixed_dictionaries({"shape": st.just("slot"), "length": st.floats(1, 200), "angle": st.floats(-360, 360)}),
    st.fixed_dictionaries({"shape": st.just("fret_slots"), "scale_length": st.floats(300, 700),
                           "frets": st.integers(1, 24)}),
)  # fmt: skip


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(
    design=SHAPES,
    x=st.floats(-80, 80),
    y=st.floats(-60, 60),
    tool_id=st.sampled_from(sorted(TOOLS)),
    machine_id=st.sampled_from(sorted(MACHINES)),
)
def test_judged_envelope_is_the_generated_path(design, x, y, tool_id, machine_id):
    result = judge(tool_id, "walnut", machine_id, design={**design, "x": x, "y": y})
    if result["cut"] is None or result["cut"].get("bounds_mm") is None:
        return
    try:
        tool, machine = TOOLS[tool_id], MACHINES[machine_id]
        program = generate(design=result["design"], cut=result["cut"], tool=tool, machine=machine)
    except ValueError:
        # The generator refuses what cannot be cut (a saw on a curve, a cut wider than the feature); the engine
        # fails those same jobs, so nothing is released.
        assert result["risk_level"] not in RiskLevel.ALLOWS_TOOLPATHS
        return
    xs, ys, zs = [], [], []
    x0 = y0 = None
    # The judged path: from the opening retract to the last retract (the park above it is the verifier's).
    for move in (move for move in program.moves[1:] if move.role != PARK):
        x1 = move.x if move.x is not None else x0
        y1 = move.y if move.y is not None else y0
        if move.kind in (ARC_CW, ARC_CCW):
            extent = arc_extent(x0, y0, x1, y1, x0 + move.i, y0 + move.j, ccw=move.kind == ARC_CCW)
            xs += extent[:2]
            ys += extent[2:]
        xs += [x1] if x1 is not None else []
        ys += [y1] if y1 is not None else []
        zs += [move.z] if move.z is not None else []
        x0, y0 = x1, y1
    box = result["cut"]["bounds_mm"]
    # Equal on the output grid (the arc extremes are computed in floating point, hence the 1e-9).
    expected = (box["x_min"], box["x_max"], box["y_min"], box["y_max"])
    assert (min(xs), max(xs), min(ys), max(ys)) == pytest.approx(expected, abs=1e-9)
    assert (min(zs), max(zs)) == (box["z_min"], box["z_max"])


# --- 6. physics -------------------------------------------------------------------------------------------------


def test_kc_has_a_chip_thickness_term_and_the_measured_magnitude():
    particleboard_like = read_material({**MATERIALS["mdf"], "density_kg_m3": 700})[0]
    # Palubicki 2021 measured 32-38 N/mm2 milling particleboard.
    assert 32 <= kc(particleboard_like, 0.1) <= 38
    assert kc(particleboard_like, 0.05) > kc(particleboard_like, 0.1) > kc(particleboard_like, 0.2)
    ebony = read_material(MATERIALS["ebony"])[0]
    # The old 0.12 x density put ebony at 115 N/mm2 whatever the chip.
    assert kc(ebony, 0.1) < 0.5 * 0.12 * 955


@pytest.mark.parametrize(
    ("depth_d", "factor"), [(0.5, 1.0), (1.0, 1.0), (1.5, 0.875), (2.0, 0.75), (3.0, 0.5), (4, 0.5)]
)
def test_chip_load_is_derated_with_depth_of_cut(depth_d, factor):
    tool = read_tool(TOOLS["router:upcut_1_4in"])[0]
    assert depth_derating(tool, depth_d * tool.diameter) == pytest.approx(factor)


def test_deep_client_pass_judges_the_chip_against_the_derated_band():
    design = {"shape": "slot", "length": 50, "depth": 12.7, "stock_thickness": 20}
    shallow = judge("router:upcut_1_4in", "walnut", design=design, cut={"stepdown_mm": 6.35})
    deep = judge("router:upcut_1_4in", "walnut", design=design, cut={"stepdown_mm": 12.7})
    high_s = float(check(shallow, "CHIP_LOAD")["limit"].split("-")[1])
    high_d = float(check(deep, "CHIP_LOAD")["limit"].split("-")[1])
    assert high_d == pytest.approx(0.75 * high_s, rel=1e-3)
    assert "x 0.75 for a pass 2 x D deep" in check(deep, "CHIP_LOAD")["message"]


def test_vbit_speed_is_judged_at_its_effective_diameter_at_depth():
    result = judge("vbit:60deg", "walnut", design={"shape": "slot", "length": 40, "depth": 1})
    effective = 2 * 1 * math.tan(math.radians(30))
    assert result["cut"]["cutting_diameter_mm"] == pytest.approx(effective, abs=1e-3)
    speed = check(result, "SURFACE_SPEED")
    assert speed["value"] == pytest.approx(math.pi * effective * result["cut"]["rpm"] / 1000, rel=1e-3)


def test_saw_rim_band_in_hardwood_is_40_to_70_m_s():
    band = SPEED_BANDS[("saw", MaterialClass.HARDWOOD)]
    assert (band.low / 60, band.high / 60) == (40, 70)


def test_mahogany_janka_names_the_source_it_comes_from():
    assert MATERIALS["mahogany"]["janka_lbf"] == 800
    source = Path(shop_data.__file__).read_text(encoding="utf-8")
    assert "800 lbf is the USDA Forest Products Laboratory figure" in source


# --- every check carries its unit, and every RED names the nearest fix ------------------------------------------

JOB_TOOLS = st.sampled_from(sorted(TOOLS))
CUTS = st.one_of(
    st.none(),
    st.fixed_dictionaries({}, optional={"rpm": st.integers(500, 40000), "feed_mm_min": st.floats(10, 20000),
                                        "stepdown_mm": st.floats(0.05, 15), "stepover_mm": st.floats(0.05, 8),
                                        "plunge_mm_min": st.floats(10, 5000)}),
)  # fmt: skip


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(
    design=SHAPES,
    x=st.floats(-500, 500),
    tool_id=JOB_TOOLS,
    material_id=st.sampled_from(sorted(MATERIALS)),
    machine_id=st.sampled_from(sorted(MACHINES)),
    cut=CUTS,
)
def test_every_failing_check_names_a_fix_and_every_measured_check_its_unit(
    design, x, tool_id, material_id, machine_id, cut
):
    result = judge(tool_id, material_id, machine_id, design={**design, "x": x}, cut=cut)
    for found in result["checks"]:
        assert "unit" in found
        assert "suggestions" in found
        if found["status"] in (CheckStatus.FAIL, CheckStatus.WARN):
            assert found["suggestions"], found
        if found["status"] == CheckStatus.PASS:
            assert found["suggestions"] == []
        if isinstance(found["value"], int | float) and found["code"] not in ("HEAT_RISK",):
            assert found["unit"], found


def test_docs_list_every_check_in_order_with_its_unit():
    from feasibility.engine import CHECK_ORDER

    docs = (Path(__file__).resolve().parents[2] / "docs" / "feasibility.md").read_text(encoding="utf-8")
    rows = [line for line in docs.splitlines() if line.startswith("| `") and line.count("|") >= 5]
    documented = [code for row in rows for code in CHECK_ORDER if f"`{code}`" in row.split("|")[1]]
    assert documented == list(CHECK_ORDER)


def test_bit_on_a_horizontal_spindle_is_red_for_holding():
    result = judge("router:upcut_1_8in", machine_id="fret_saw", design={"shape": "slot", "length": 50, "angle": 90})
    assert result["block_reason"] == ("TOOL_HOLDING: fret_saw has a horizontal spindle: a bit must stand vertical")


def test_envelope_fail_in_z_proposes_where_the_stock_top_must_sit():
    machine = copy.deepcopy(MACHINES["desktop_3018"])
    result = judge(
        "router:upcut_1_8in", machine_id="desktop_3018", design={"shape": "ring", "od": 60, "stock_thickness": 42}
    )
    envelope = check(result, "WORK_ENVELOPE")
    assert envelope["status"] == CheckStatus.FAIL
    # Bed at Z-38 + 42 mm of stock puts the top at Z4; with rapids 5 mm above it, it must sit at Z-5 or lower.
    assert "a fixture putting the stock top between machine Z-43.5 and Z-5 (now Z4)" in envelope["suggestions"]
    assert machine == MACHINES["desktop_3018"]


def test_machine_without_fixtures_is_unknown_and_says_to_add_one():
    machine = {**MACHINES["router_a"], "fixtures": []}
    for fixture in (None, "fretboard_jig"):
        result = judge("router:upcut_1_8in", design={"shape": "ring", "od": 100}, fixture=fixture, machine=machine)
        assert result["risk_level"] == RiskLevel.UNKNOWN
        assert check(result, "FIXTURE_KNOWN")["suggestions"] == ["add a fixture to the machine in the admin"]
