"""LinuxCNC's interpreter reads what RMOS releases: every program of an allowed job, in every post, is accepted by
``rs274``, its canonical motion is the move list RMOS judged and verified (so it covers exactly the envelope the
engine judged, at feeds within the machine's limits), and it is the same after a hostile preamble an earlier
program could leave (``G20 G91 G93 G90.1 G55``). Pure: the engine and the generator on the default shop, no
database. Skipped, with the reason, where ``rs274`` is not installed.

Where the dialects differ, only the motion is compared: rs274 reads every dwell in seconds, so a Mach3 program's
``G4 P`` (milliseconds, docs/toolpaths.md) reads 1000 times longer; GRBL output is a subset of RS274NGC that rs274
reads word for word."""

import math

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from feasibility import shop_data
from feasibility.engine import evaluate
from feasibility.enums import RiskLevel
from feasibility.geometry import MIN_ARC_RADIUS_MM
from tests.linuxcnc import (
    ARC,
    HOSTILE_PREAMBLE,
    Rs274Refused,
    Tool,
    motion_matches,
    read_program,
    same_motion,
)
from tests.toolpaths.test_gcode import GOLDEN_KEYS, golden_path, golden_program
from toolpaths import posts
from toolpaths.gcode import PARK, generate
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


def released(request: dict, post: str | None = None):
    """The verdict and the program the server would release for it (verified, as the service does)."""
    result = judge(request)
    assert result["risk_level"] in RiskLevel.ALLOWS_TOOLPATHS, result["block_reason"]
    machine = MACHINES[request["machine_id"]]
    tool = TOOLS[request["tool_id"]]
    program = generate(design=result["design"], cut=result["cut"], tool=tool, machine=machine, post=post)
    assert verify(program.gcode_text, design=result["design"], cut=result["cut"], machine=machine, post=post) == []
    return result, program


def rs274_tool(tool_id: str) -> Tool:
    tool = TOOLS[tool_id]
    return Tool(tool["tool_number"] or 1, tool["diameter_mm"], comment=tool_id)


def judged_bounds(reading) -> tuple[float, ...]:
    """The reading's bounds: the path without the closing park (``Reading.path``)."""
    return reading.bounds()


def test_harness_gives_the_tool_table_the_tool_a_program_loads():
    # The shop's table would list tool 9; a test's table naming only tool 1 gets it added.
    text = "G40 G49 G80\nG21 G90 G91.1 G94 G17 G54\nT9 M6 G43 H9\nG0 Z5\nG0 X1 Y1\nM30\n"
    reading = read_program(text, tools=[Tool(1, 3.0)])
    assert ("SELECT_TOOL", "9") in reading.calls


def test_harness_reports_rs274s_own_refusal():
    # (The arc below is refused whatever the modes; the safety line is not what this test is about.)
    # The line of the released program LinuxCNC refused: its end lies on its centre.
    text = "G21 G90 G17 G54\nG0 Z5\nG0 X-50.55 Y-17.9\nG1 Z-1 F100\nG3 X-50.551 Y-17.9 I-0.001 J0 F100\nM30\n"
    with pytest.raises(Rs274Refused, match="Zero-radius arc"):
        read_program(text)


@pytest.mark.parametrize("y", [-17.9, 10.0003])
def test_pocket_that_was_refused_is_now_read_by_linuxcnc(y):
    request = {**ARC_REPRO, "design": {**ARC_REPRO["design"], "y": y}}
    result, program = released(request)
    reading = read_program(program.gcode_text, tools=[rs274_tool(request["tool_id"])])
    for motion in reading.motions:
        if motion.kind == ARC:
            assert math.dist(motion.start[:2], motion.centre) >= MIN_ARC_RADIUS_MM
            assert motion.start[:2] != motion.end[:2]
    assert _bounds(result) == pytest.approx(judged_bounds(reading), abs=1e-4)


def test_standard_fret_board_on_the_jig_is_read_by_linuxcnc_where_it_was_judged():
    request = {
        "tool_id": "router:fret_0_58mm",
        "material_id": "ebony",
        "machine_id": "router_a",
        "design": {"shape": "fret_slots", "scale_length": 648, "frets": 22},
    }
    result, program = released(request)
    reading = read_program(program.gcode_text, tools=[rs274_tool(request["tool_id"])])
    assert _bounds(result) == pytest.approx(judged_bounds(reading), abs=1e-4)
    # The slots span the board from fret 1 to fret 22: about 430 mm, nut on X0.
    assert reading.bounds()[0] == pytest.approx(36.369, abs=1e-3)
    assert reading.bounds()[1] == pytest.approx(466.161, abs=1e-3)
    assert reading.spindle_speeds == [result["cut"]["rpm"]]
    assert reading.feeds() == {result["cut"]["feed_mm_min"], result["cut"]["plunge_mm_min"]}
    # LinuxCNC loads the shop's tool 9 and applies its length before the spindle starts, then waits its ramp.
    names = [name for name, _ in reading.calls]
    assert ("SELECT_TOOL", "9") in reading.calls
    assert names.index("SELECT_TOOL") < names.index("CHANGE_TOOL") < names.index("START_SPINDLE_CLOCKWISE")
    assert reading.dwells_s == [MACHINES["router_a"]["spindle_ramp_s"]]


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


POST_NAMES = st.sampled_from(sorted(posts.POSTS))


def check_with_rs274(request: dict, post: str) -> None:
    """Read by rs274 as released and after a hostile preamble: accepted, the same motion both times, and that
    motion is the move list RMOS judged and verified."""
    result, program = released(request, post)
    tools = [rs274_tool(request["tool_id"])]
    reading = read_program(program.gcode_text, tools=tools)
    hostile = read_program(HOSTILE_PREAMBLE + program.gcode_text, tools=tools)
    # Whatever an earlier program left, this one moves the same way.
    assert same_motion(hostile, reading), request
    # rs274's canonical motion is RMOS's move list, move for move (kind, end point, feed).
    assert motion_matches(reading, program.moves)
    # What the engine judged (path + work offset against the soft limits) is exactly what LinuxCNC would run.
    assert judged_bounds(reading) == pytest.approx(_bounds(result), abs=1e-4), request
    for motion in reading.motions:
        if motion.kind == ARC:
            assert math.dist(motion.start[:2], motion.centre) >= MIN_ARC_RADIUS_MM
            assert math.dist(motion.end[:2], motion.centre) >= MIN_ARC_RADIUS_MM
            assert motion.start[:2] != motion.end[:2]
    machine = MACHINES[request["machine_id"]]
    assert max(reading.feeds()) <= machine["max_feed_xy_mm_min"]
    assert reading.spindle_speeds == [result["cut"]["rpm"]]
    ramp = machine["spindle_ramp_s"] * (1000 if posts.POSTS[post].dwell_unit == "ms" else 1)
    assert reading.dwells_s == [ramp]
    # The park is the last move, straight up, once the spindle has stopped: not part of the judged path.
    assert program.moves[-1].role == PARK
    assert len(reading.path()) == len(reading.motions) - 1
    assert reading.motions[-1].end[2] == pytest.approx(program.moves[-1].z)


@pytest.mark.slow
@settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)
@given(request=JOBS, fixture_pick=st.integers(0, 3), post=POST_NAMES)
def test_every_allowed_program_is_read_by_linuxcnc_within_the_judged_envelope(request, fixture_pick, post):
    fixtures = MACHINES[request["machine_id"]]["fixtures"]
    request = {**request, "fixture": fixtures[fixture_pick % len(fixtures)]["fixture_id"]}
    result = judge(request)
    assume(result["risk_level"] in RiskLevel.ALLOWS_TOOLPATHS)
    check_with_rs274(request, post)


# Small bits ramp or helix in: the entries are read by rs274 in every post.
@pytest.mark.parametrize("post", sorted(posts.POSTS))
@pytest.mark.parametrize(
    "design",
    [
        {"shape": "pocket_circle", "d": 20, "depth": 2},
        {"shape": "ring", "od": 60, "width": 4, "depth": 1.5},
        {"shape": "pocket_rect", "w": 20, "h": 10, "depth": 2},
        {"shape": "slot", "length": 20, "depth": 2, "angle": 30},
    ],
    ids=lambda design: design["shape"],
)
def test_ramp_and_helix_entries_are_read_by_linuxcnc(design, post):
    request = {
        "tool_id": "router:upcut_1_16in",
        "material_id": "walnut",
        "machine_id": "desktop_4040",
        "design": design,
    }
    check_with_rs274(request, post)


@pytest.mark.parametrize(("shape", "post"), GOLDEN_KEYS)
def test_every_golden_program_of_every_post_is_read_by_linuxcnc(shape, post):
    program = golden_program(shape, post)
    text = golden_path(shape, post).read_text(encoding="ascii")
    assert text == program.gcode_text
    tools = [Tool(4, 3.0, comment="golden router")]
    reading = read_program(text, tools=tools)
    hostile = read_program(HOSTILE_PREAMBLE + text, tools=tools)
    assert same_motion(hostile, reading)
    assert motion_matches(reading, program.moves)
    # The test shop's spindle ramp is 2 s: Mach3 writes it in milliseconds, which rs274 reads as seconds.
    assert reading.dwells_s == [2000.0 if post == "mach3" else 2.0]
    # The feeds stay inside the test machine's limits.
    assert max(reading.feeds()) <= 10000.0


def test_without_its_safety_line_a_program_runs_differently_after_the_hostile_preamble():
    # Why the safety line is there: the same moves without it, after G20 G91 G93 G90.1 G55, are refused or move
    # elsewhere.
    program = golden_program("slot", "linuxcnc")
    text = program.gcode_text.replace("G40 G49 G80\n", "").replace("G21 G90 G91.1 G94 G17 G54\n", "")
    tools = [Tool(4, 3.0)]
    try:
        hostile = read_program(HOSTILE_PREAMBLE + text, tools=tools)
    except Rs274Refused:
        return
    assert not same_motion(hostile, read_program(text, tools=tools))
