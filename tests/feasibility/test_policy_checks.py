"""The shop policy's bounds on a job's work, judged by the engine before anything is generated
(``feasibility.engine.checks_policy``): the estimate is an upper bound of the real program, and a job over a
limit fails naming it. Pure: no database."""

import time

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from feasibility import geometry, shop_data
from feasibility.engine import evaluate
from feasibility.engine.checks_policy import estimate
from feasibility.engine.tables import DEFAULT_POLICY
from toolpaths.gcode import generate
from toolpaths.summary import summarize

TOOLS = shop_data.tools_by_id()
MATERIALS = shop_data.materials_by_id()
MACHINES = shop_data.machines_by_id()

# The job, on today's shop: a 780 x 580 pocket on router_a's spoilboard (work zero at the table's
# centre), GREEN at the registry's cut.
BIG_POCKET = {
    "tool_id": "router:flat_6mm",
    "material_id": "mahogany",
    "machine_id": "router_a",
    "fixture": "spoilboard",
    "design": {"shape": "pocket_rect", "w": 780, "h": 580, "depth": 3, "x": 0, "y": 0},
}


def _judge(request: dict, policy: dict | None = None) -> dict:
    return evaluate(
        request,
        tool=TOOLS.get(request["tool_id"]),
        material=MATERIALS.get(request["material_id"]),
        machine=MACHINES.get(request["machine_id"]),
        policy=policy,
    )


def _check(result: dict, code: str) -> dict:
    return next(check for check in result["checks"] if check["code"] == code)


def test_the_big_pocket_at_the_registry_cut_is_green_and_within_the_limits():
    result = _judge(BIG_POCKET)
    assert result["risk_level"] == "GREEN", result["block_reason"]
    assert _check(result, "PROGRAM_SIZE")["status"] == "pass"
    assert _check(result, "MIN_STEPDOWN")["status"] == "pass"


def test_a_hundredth_of_a_millimetre_stepdown_is_refused_naming_the_limits_in_milliseconds():
    request = {**BIG_POCKET, "cut": {"stepdown_mm": 0.01}}
    started = time.perf_counter()
    result = _judge(request)
    elapsed = time.perf_counter() - started
    assert elapsed < 0.1  # the generator needed over a second and wrote 2.5 MB for this job
    assert result["risk_level"] == "RED"
    assert result["block_reason"].startswith("MIN_STEPDOWN: 0.01 mm per pass (client) is below the shop's minimum")
    stepdown = _check(result, "MIN_STEPDOWN")
    assert (stepdown["value"], stepdown["limit"], stepdown["unit"]) == (0.01, 0.05, "mm")
    size = _check(result, "PROGRAM_SIZE")
    assert size["status"] == "fail"
    assert (size["limit"], size["unit"]) == (DEFAULT_POLICY["max_cutting_time_s"], "s")
    assert size["value"] > 400_000  # 300 levels: some five days of cutting
    assert "(max_cutting_time_s)" in size["message"]
    # A stepdown that would fit, fewer passes or a larger stepover, splitting the job.
    assert size["suggestions"][0].startswith("stepdown_mm: ")
    assert any("Split the job" in suggestion for suggestion in size["suggestions"])


def test_the_limits_are_the_policys():
    request = {**BIG_POCKET, "cut": {"stepdown_mm": 0.5}}
    assert _judge(request)["risk_level"] == "GREEN"
    tight = {**DEFAULT_POLICY, "max_moves": 1000}
    result = _judge(request, tight)
    size = _check(result, "PROGRAM_SIZE")
    assert result["risk_level"] == "RED"
    assert (size["status"], size["limit"], size["unit"]) == ("fail", 1000, "moves")
    assert size["value"] > 1000
    assert result["block_reason"].startswith("PROGRAM_SIZE: estimated program too large: ")
    assert "over the shop's limit of 1000 (max_moves)" in result["block_reason"]
    small_bytes = _check(_judge(request, {**DEFAULT_POLICY, "max_gcode_bytes": 10_000}), "PROGRAM_SIZE")
    assert (small_bytes["status"], small_bytes["unit"], small_bytes["limit"]) == ("fail", "bytes", 10_000)
    thick = _judge(request, {**DEFAULT_POLICY, "min_stepdown_mm": 1.0})
    assert thick["block_reason"].startswith("MIN_STEPDOWN: 0.5 mm per pass (client) is below")


def test_a_single_pass_shallower_than_the_minimum_is_just_a_shallow_cut():
    request = {**BIG_POCKET, "design": {**BIG_POCKET["design"], "w": 50, "h": 40, "depth": 0.02}}
    result = _judge(request, {**DEFAULT_POLICY, "min_stepdown_mm": 0.05})
    assert _check(result, "MIN_STEPDOWN")["status"] == "pass"


def test_a_malformed_policy_falls_back_to_the_defaults():
    request = {**BIG_POCKET, "cut": {"stepdown_mm": 0.01}}
    for policy in ({}, {"max_moves": "lots", "min_stepdown_mm": -1, "max_cutting_time_s": float("inf")}):
        result = _judge(request, policy)
        assert _check(result, "MIN_STEPDOWN")["limit"] == DEFAULT_POLICY["min_stepdown_mm"]
        assert _check(result, "PROGRAM_SIZE")["limit"] == DEFAULT_POLICY["max_cutting_time_s"]


# --- the estimate bounds the real program ----------------------------------------------------------------

ROUTER_TOOLS = [tool_id for tool_id, tool in TOOLS.items() if tool["kind"] != "saw"]
router_designs = st.one_of(
    st.builds(
        lambda od, width, depth: {"shape": "ring", "od": od, "width": width, "depth": depth},
        st.floats(20, 160),
        st.floats(3, 12),
        st.floats(0.2, 4),
    ),
    st.builds(
        lambda d, depth: {"shape": "pocket_circle", "d": d, "depth": depth}, st.floats(8, 120), st.floats(0.2, 4)
    ),
    st.builds(
        lambda w, h, depth: {"shape": "pocket_rect", "w": w, "h": h, "depth": depth},
        st.floats(8, 160),
        st.floats(8, 160),
        st.floats(0.2, 4),
    ),
    st.builds(
        lambda length, angle, depth: {"shape": "slot", "length": length, "angle": angle, "depth": depth},
        st.floats(10, 300),
        st.sampled_from([0, 30, 90, 135, 180]),
        st.floats(0.2, 4),
    ),
    st.builds(
        lambda frets, depth: {
            "shape": "fret_slots",
            "scale_length": 648,
            "frets": frets,
            "board_width": 56,
            "depth": depth,
        },
        st.integers(1, 24),
        st.floats(1.5, 3),
    ),
)
router_jobs = st.fixed_dictionaries(
    {
        "tool_id": st.sampled_from(ROUTER_TOOLS),
        "material_id": st.sampled_from(sorted(MATERIALS)),
        "machine_id": st.sampled_from(["router_a", "desktop_4040", "desktop_3018"]),
        "design": router_designs,
        "cut": st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {},
                optional={
                    "stepdown_mm": st.floats(0.05, 5),
                    "stepover_mm": st.floats(0.05, 6),
                    "feed_mm_min": st.floats(100, 6000),
                    "plunge_mm_min": st.floats(50, 1500),
                },
            ),
        ),
    }
)
saw_jobs = st.fixed_dictionaries(
    {
        "tool_id": st.sampled_from([tool_id for tool_id, tool in TOOLS.items() if tool["kind"] == "saw"]),
        "material_id": st.sampled_from(sorted(MATERIALS)),
        "machine_id": st.just("fret_saw"),
        "design": st.builds(
            lambda frets, depth: {
                "shape": "fret_slots",
                "scale_length": 648,
                "frets": frets,
                "board_width": 56,
                "depth": depth,
            },
            st.integers(1, 24),
            st.floats(1.5, 3),
        ),
        "cut": st.one_of(st.none(), st.fixed_dictionaries({"stepdown_mm": st.floats(0.05, 3)})),
    }
)


@pytest.mark.slow
@settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(request=st.one_of(router_jobs, saw_jobs))
def test_the_estimate_bounds_the_program_the_generator_writes(request):
    """Whatever the verdict (the bound must hold for every job the generator accepts): moves, bytes and the
    run time ``toolpaths.summary`` reports never exceed the estimate."""
    tool, machine = TOOLS[request["tool_id"]], MACHINES[request["machine_id"]]
    result = _judge(request)
    assume(result["cut"] is not None and result["design"] is not None)
    try:
        program = generate(design=result["design"], cut=result["cut"], tool=tool, machine=machine)
    except ValueError:
        assume(False)
    found = estimate(
        result["design"],
        result["cut"],
        geometry.ToolShape.of(tool),
        max_feed_xy=machine["max_feed_xy_mm_min"],
        max_feed_z=machine["max_feed_z_mm_min"],
        park_travel=machine["soft_z_max_mm"] - machine["soft_z_min_mm"],
    )
    summary = summarize(program.moves, machine=machine)
    assert found is not None
    assert summary["moves"]["total"] <= found.moves
    assert len(program.gcode_text.encode()) <= found.gcode_bytes
    assert summary["estimated_time_s"] <= found.time_s + 0.0005  # the summary rounds to 0.001 s
    # An upper bound that is not absurdly loose, or the limits would refuse real work. Ramp and helix entries
    # are counted at their worst case (every level on the shortest leg the generator may use), which can
    # triple a small program's figures; large programs, where the limits bite, are dominated by the cutting.
    assert found.moves <= 3 * summary["moves"]["total"] + 20
    assert found.time_s <= 3 * summary["estimated_time_s"] + 60
