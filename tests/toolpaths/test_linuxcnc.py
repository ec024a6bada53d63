"""LinuxCNC's interpreter reads what RMOS releases: every program of an allowed job is accepted by ``rs274``, and
its canonical motion covers exactly the envelope the engine judged. Pure: the engine and the generator on the
default shop, no database. Skipped, with the reason, where ``rs274`` is not installed."""

import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from feasibility import shop_data
from feasibility.engine import evaluate
from feasibility.enums import RiskLevel
from feasibility.geometry import MIN_ARC_RADIUS_MM
from tests.linuxcnc import ARC, Rs274Refused, Tool, read_program
from toolpaths.gcode import generate
from toolpaths.verify import verify

TOOLS = shop_data.tools_by_id()
MATERIALS = shop_data.materials_by_id()
MACHINES = shop_data.machines_by_id()
# The pocket LinuxCNC refused: a tool-centre circle whose radius rounded to nothing on the output grid.
ARC_REPRO = {
    "tool_id": "router:upcut_1_4in",
    "material_id": "walnut",
    "machine_id": "router_a",
    "design": {"shape": "pocket_circle", "d": 60.57301, "depth": 3, "x": -50.5505, "y": -17.9},
}


def judge(request: dict) -> dict:
    return evaluate(
        request,
        tool=TOOLS.get(request["tool_id"]),
        material=MATERIALS.get(request["material_id"]),
        machine=MACHINES.get(request["machine_id"]),
    )


def released(request: dict) -> tuple[dict, str]:
    """The verdict and the program the server would release for it (verified, as the service does)."""
    result = judge(request)
    assert result["risk_level"] in RiskLevel.ALLOWS_TOOLPATHS, result["block_reason"]
    machine = MACHINES[request["machine_id"]]
    program = generate(design=result["design"], cut=result["cut"], tool=TOOLS[request["tool_id"]], machine=machine)
    assert verify(program.gcode_text, design=result["design"], cut=result["cut"], machine=machine) == []
    return result, program.gcode_text


def rs274_tool(tool_id: str) -> Tool:
    return Tool(1, TOOLS[tool_id]["diameter_mm"], comment=tool_id)


def test_harness_reports_rs274s_own_refusal():
    # The line of the released program LinuxCNC refused: its end lies on its centre.
    text = "G21 G90 G17 G54\nG0 Z5\nG0 X-50.55 Y-17.9\nG1 Z-1 F100\nG3 X-50.551 Y-17.9 I-0.001 J0 F100\nM30\n"
    with pytest.raises(Rs274Refused, match="Zero-radius arc"):
        read_program(text)


@pytest.mark.parametrize("y", [-17.9, 10.0003])
def test_pocket_that_was_refused_is_now_read_by_linuxcnc(y):
    request = {**ARC_REPRO, "design": {**ARC_REPRO["design"], "y": y}}
    result, text = released(request)
    reading = read_program(text, tools=[rs274_tool(request["tool_id"])])
    for motion in reading.motions:
        if motion.kind == ARC:
            assert math.dist(motion.start[:2], motion.centre) >= MIN_ARC_RADIUS_MM
            assert motion.start[:2] != motion.end[:2]
    assert _bounds(result) == pytest.approx(reading.bounds(), abs=1e-4)


def test_standard_fret_board_on_the_jig_is_read_by_linuxcnc_where_it_was_judged():
    request = {
        "tool_id": "router:fret_0_58mm",
        "material_id": "ebony",
        "machine_id": "router_a",
        "design": {"shape": "fret_slots", "scale_length": 648, "frets": 22},
    }
    result, text = released(request)
    reading = read_program(text, tools=[rs274_tool(request["tool_id"])])
    assert _bounds(result) == pytest.approx(reading.bounds(), abs=1e-4)
    # The slots span the board from fret 1 to fret 22: about 430 mm, nut on X0.
    assert reading.bounds()[0] == pytest.approx(36.369, abs=1e-3)
    assert reading.bounds()[1] == pytest.approx(466.161, abs=1e-3)
    assert reading.spindle_speeds == [result["cut"]["rpm"]]
    assert reading.feeds() == {result["cut"]["feed_mm_min"], result["cut"]["plunge_mm_min"]}


def _bounds(result: dict) -> tuple[float, ...]:
    box = result["cut"]["bounds_mm"]
    return tuple(box[key] for key in ("x_min", "x_max", "y_min", "y_max", "z_min", "z_max"))


# --- every allowed job, across shapes, tools, materials, machines and fixtures ---------------------------------

ROUTER_TOOLS = sorted(tool_id for tool_id, tool in TOOLS.items() if tool["kind"] != "saw")
SAW_TOOLS = sorted(tool_id for tool_id, tool in TOOLS.items() if tool["kind"] == "saw")
ROUTER_MACHINES = sorted(machine_id for machine_id, machine in MACHINES.items() if machine["saw_mount"] == "none")
SAW_MACHINES = sorted(machine_id for machine_id, machine in MACHINES.items() if machine["saw_mount"] != "none")
PLACE = {"x": st.floats(-60, 60), "y": st.floats(-40, 40)}
DEPTH = st.floats(0.3, 4)
BIT_DESIGNS = st.one_of(
    st.fixed_dictionaries(
        {"shape": st.just("ring"), "od": st.floats(20, 160), "width": st.floats(1, 12), "depth": DEPTH}, optional=PLACE
    ),
    st.fixed_dictionaries(
        {"shape": st.just("slot"), "length": st.floats(5, 120), "depth": DEPTH, "angle": st.floats(-180, 180)},
        optional=PLACE,
    ),
    st.fixed_dictionaries({"shape": st.just("pocket_circle"), "d": st.floats(3, 120), "depth": DEPTH}, optional=PLACE),
    st.fixed_dictionaries(
        {"shape": st.just("pocket_rect"), "w": st.floats(3, 120), "h": st.floats(3, 90), "depth": DEPTH},
        optional=PLACE,
    ),
    st.fixed_dictionaries(
        {"shape": st.just("fret_slots"), "scale_length": st.floats(330, 660), "frets": st.integers(1, 24)},
        optional={"depth": st.floats(1.5, 3)},
    ),
)
SAW_DESIGNS = st.one_of(
    st.fixed_dictionaries(
        {"shape": st.just("fret_slots"), "scale_length": st.floats(330, 660), "frets": st.integers(1, 24)},
        optional={"depth": st.floats(1.5, 3), "board_width": st.floats(40, 90)},
    ),
    st.fixed_dictionaries(
        {"shape": st.just("slot"), "length": st.floats(45, 150), "angle": st.sampled_from([90.0, 270.0])},
        optional={"depth": st.floats(1, 3)},
    ),
)
MATERIAL_IDS = st.sampled_from(sorted(MATERIALS))
JOBS = st.one_of(
    st.fixed_dictionaries(
        {
            "tool_id": st.sampled_from(ROUTER_TOOLS),
            "material_id": MATERIAL_IDS,
            "machine_id": st.sampled_from(ROUTER_MACHINES),
            "design": BIT_DESIGNS,
        }
    ),
    st.fixed_dictionaries(
        {
            "tool_id": st.sampled_from(SAW_TOOLS),
            "material_id": MATERIAL_IDS,
            "machine_id": st.sampled_from(SAW_MACHINES),
            "design": SAW_DESIGNS,
        }
    ),
)


@pytest.mark.slow
@settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)
@given(request=JOBS, fixture_pick=st.integers(0, 3))
def test_every_allowed_program_is_read_by_linuxcnc_within_the_judged_envelope(request, fixture_pick):
    fixtures = MACHINES[request["machine_id"]]["fixtures"]
    request = {**request, "fixture": fixtures[fixture_pick % len(fixtures)]["fixture_id"]}
    result = judge(request)
    assume(result["risk_level"] in RiskLevel.ALLOWS_TOOLPATHS)
    result, text = released(request)
    reading = read_program(text, tools=[rs274_tool(request["tool_id"])])
    # What the engine judged (path + work offset against the soft limits) is exactly what LinuxCNC would run.
    assert reading.bounds() == pytest.approx(_bounds(result), abs=1e-4), request
    for motion in reading.motions:
        if motion.kind == ARC:
            assert math.dist(motion.start[:2], motion.centre) >= MIN_ARC_RADIUS_MM
            assert math.dist(motion.end[:2], motion.centre) >= MIN_ARC_RADIUS_MM
            assert motion.start[:2] != motion.end[:2]
    machine = MACHINES[request["machine_id"]]
    assert max(reading.feeds()) <= machine["max_feed_xy_mm_min"]
    assert reading.spindle_speeds == [result["cut"]["rpm"]]


@pytest.mark.parametrize("golden", sorted((Path(__file__).parent / "golden").glob("*.nc")), ids=lambda path: path.stem)
def test_every_golden_program_is_read_by_linuxcnc(golden):
    reading = read_program(golden.read_text(encoding="utf-8"))
    assert reading.motions
    assert reading.dwells_s == [2.0]
