"""Property tests of the feasibility engine: it never raises, always answers canonical JSON, and its risk
level always follows its checks. No database, no Django."""

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from feasibility import shop_data
from feasibility.engine import CHECK_ORDER, evaluate
from feasibility.enums import CheckStatus, MaterialClass, RiskLevel, Shape, ToolKind

TOOLS = shop_data.tools_by_id()
MATERIALS = shop_data.materials_by_id()
MACHINES = shop_data.machines_by_id()
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, database=None)

DESIGN_KEYS = ["od", "inner_d", "width", "depth", "length", "angle", "scale_length", "frets", "board_width"]
DESIGN_KEYS += ["d", "w", "h", "x", "y", "stock_thickness"]
CUT_KEYS = ["rpm", "feed_mm_min", "plunge_mm_min", "stepdown_mm", "stepover_mm"]

# Well-typed numbers across every scale: plausible shop values, zero, negatives, tiny, huge, beyond-float ints.
numbers = st.one_of(
    st.floats(min_value=0.01, max_value=1000),
    st.integers(min_value=1, max_value=40),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, 0.0, -0.0, 1e-300, 5e-324, 1e308, 10**400, -(10**400)]),
)
ids = {
    "tool_id": st.sampled_from([*TOOLS, "router:nope", ""]),
    "material_id": st.sampled_from([*MATERIALS, "unobtainium"]),
    "machine_id": st.sampled_from([*MACHINES, "router_z"]),
}
designs = st.one_of(
    st.none(),
    st.builds(
        lambda shape, values: {"shape": shape, **values},
        st.sampled_from([*(shape.value for shape in Shape), "hexagon"]),
        st.dictionaries(st.sampled_from(DESIGN_KEYS), numbers, max_size=8),
    ),
)
cuts = st.one_of(st.none(), st.dictionaries(st.sampled_from(CUT_KEYS), numbers, max_size=5))
requests = st.fixed_dictionaries({**ids, "design": designs, "cut": cuts})


def _assert_well_formed(result: dict) -> None:
    json.dumps(result, allow_nan=False)
    statuses = [check["status"] for check in result["checks"]]
    codes = [check["code"] for check in result["checks"]]
    assert codes == sorted(codes, key=CHECK_ORDER.index)
    assert len(codes) == len(set(codes))
    assert set(statuses) <= set(CheckStatus)
    has_unknown = CheckStatus.UNKNOWN in statuses
    has_fail = CheckStatus.FAIL in statuses
    has_warn = CheckStatus.WARN in statuses
    risk = result["risk_level"]
    assert (risk == RiskLevel.UNKNOWN) == has_unknown
    assert (risk == RiskLevel.RED) == (has_fail and not has_unknown)
    assert (risk == RiskLevel.YELLOW) == (has_warn and not has_fail and not has_unknown)
    assert (risk == RiskLevel.GREEN) == (not has_warn and not has_fail and not has_unknown)
    score = result["score"]
    assert isinstance(score, float)
    assert 0 <= score <= 100
    assert score == round(score, 1)
    if risk == RiskLevel.UNKNOWN:
        assert score == 0
    if risk == RiskLevel.RED:
        assert score <= 40
    if risk in (RiskLevel.RED, RiskLevel.UNKNOWN):
        assert result["block_reason"].split(":")[0] in codes
    else:
        assert result["block_reason"] is None
    if risk in RiskLevel.ALLOWS_TOOLPATHS:
        cut = result["cut"]
        assert result["design"] is not None
        assert cut is not None
        assert cut["passes"] >= 1
        for key in ("rpm", "feed_mm_min", "plunge_mm_min", "stepdown_mm", "stepover_mm", "depth_mm"):
            assert math.isfinite(cut[key])
            assert cut[key] > 0


@PROPERTY_SETTINGS
@given(requests)
def test_engine_over_shop_data_never_raises_and_risk_follows_checks(request):
    result = evaluate(
        request,
        tool=TOOLS.get(request["tool_id"]),
        material=MATERIALS.get(request["material_id"]),
        machine=MACHINES.get(request["machine_id"]),
    )
    _assert_well_formed(result)
    assert result == evaluate(
        request,
        tool=TOOLS.get(request["tool_id"]),
        material=MATERIALS.get(request["material_id"]),
        machine=MACHINES.get(request["machine_id"]),
    )


@PROPERTY_SETTINGS
@given(
    tool_id=st.sampled_from(list(TOOLS)),
    material_id=st.sampled_from(list(MATERIALS)),
    machine_id=st.sampled_from(list(MACHINES)),
    design=st.sampled_from(
        [
            {"shape": "ring", "od": 120, "width": 8, "depth": 1.5},
            {"shape": "slot", "length": 60, "depth": 2, "angle": 30},
            {"shape": "fret_slots", "scale_length": 628, "frets": 20, "board_width": 56, "depth": 3, "x": -140},
            {"shape": "pocket_circle", "d": 25, "depth": 3},
            {"shape": "pocket_rect", "w": 40, "h": 20, "depth": 3},
        ]
    ),
    cut=st.one_of(
        st.none(),
        st.dictionaries(
            st.sampled_from(CUT_KEYS),
            st.floats(min_value=1.0, max_value=9000, allow_nan=False),
            max_size=5,
        ),
    ),
)
def test_engine_with_plausible_jobs_resolves_a_cut_within_limits(tool_id, material_id, machine_id, design, cut):
    result = evaluate(
        {"tool_id": tool_id, "material_id": material_id, "machine_id": machine_id, "design": design, "cut": cut},
        tool=TOOLS[tool_id],
        material=MATERIALS[material_id],
        machine=MACHINES[machine_id],
    )
    _assert_well_formed(result)
    resolved = result["cut"]
    assert resolved is not None
    machine = MACHINES[machine_id]
    if not cut:
        assert resolved["passes"] == math.ceil(resolved["depth_mm"] / resolved["stepdown_mm"] - 1e-9)
        # Registry values never exceed a hard limit of the tool or the machine.
        assert resolved["rpm"] <= TOOLS[tool_id]["max_rpm"]
        assert resolved["feed_mm_min"] <= machine["max_feed_xy_mm_min"]
        assert resolved["plunge_mm_min"] <= machine["max_feed_z_mm_min"]
        assert resolved["stepdown_mm"] <= resolved["depth_mm"]


registry_numbers = st.one_of(
    st.floats(min_value=0.001, max_value=100000),
    st.sampled_from([0, -1, 1e-300, 1e300, None]),
)


@st.composite
def registry_entries(draw):
    tool = {key: draw(registry_numbers) for key in shop_data.TOOLS[0] if key not in ("tool_id", "name")}
    tool.update(
        tool_id="fuzz:tool",
        name="fuzz",
        kind=draw(st.sampled_from([*(kind.value for kind in ToolKind), "laser"])),
        flutes=draw(st.one_of(st.integers(min_value=-1, max_value=200), st.floats(min_value=0.5, max_value=5))),
        tool_material=draw(st.sampled_from(["carbide", "hss", "diamond"])),
    )
    material = {key: draw(registry_numbers) for key in ("janka_lbf", "density_kg_m3")}
    material.update(
        material_id="fuzz",
        name="fuzz",
        material_class=draw(st.sampled_from([*(klass.value for klass in MaterialClass), "metal"])),
        oily=draw(st.booleans()),
    )
    machine = {key: draw(registry_numbers) for key in shop_data.MACHINES[0] if key not in ("machine_id", "name")}
    machine.update(machine_id="fuzz", name="fuzz")
    return tool, material, machine


@PROPERTY_SETTINGS
@given(entries=registry_entries(), design=designs, cut=cuts)
def test_engine_with_odd_registry_entries_never_raises(entries, design, cut):
    tool, material, machine = entries
    request = {"tool_id": "fuzz:tool", "material_id": "fuzz", "machine_id": "fuzz", "design": design, "cut": cut}
    _assert_well_formed(evaluate(request, tool=tool, material=material, machine=machine))
