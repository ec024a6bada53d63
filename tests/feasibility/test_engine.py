"""The pure feasibility engine, judged against the default shop. No database, no Django."""

import copy
import json
import math

import pytest

from feasibility import shop_data
from feasibility.engine import CHECK_ORDER, ENGINE_VERSION, evaluate
from feasibility.enums import CheckStatus, RiskLevel

TOOLS = shop_data.tools_by_id()
MATERIALS = shop_data.materials_by_id()
MACHINES = shop_data.machines_by_id()
SEED_RING = {"shape": "ring", "od": 140}
# At the default placement: the nut on work zero of the machine's default fixture (router_a's fret-board jig).
FRET_BOARD = {"shape": "fret_slots", "scale_length": 648, "frets": 22, "board_width": 56, "depth": 3}
CUT_KEYS = {"rpm", "feed_mm_min", "plunge_mm_min", "stepdown_mm", "passes", "stepover_mm", "chip_load_mm"}
CUT_KEYS |= {"safe_z_mm", "depth_mm", "stock_thickness_mm", "source"}


_SEED = object()


def judge(tool_id="router:upcut_1_8in", material_id="ebony", machine_id="router_a", design=_SEED, cut=None, **entries):
    """Evaluate against the default shop; tool=, material=, machine= replace the registry entries."""
    request = {
        "tool_id": tool_id,
        "material_id": material_id,
        "machine_id": machine_id,
        "design": copy.deepcopy(SEED_RING) if design is _SEED else design,
        "cut": cut,
    }
    registry = {"tool": TOOLS.get(tool_id), "material": MATERIALS.get(material_id), "machine": MACHINES.get(machine_id)}
    registry.update(entries)
    return evaluate(request, **registry)


def check(result, code):
    found = [c for c in result["checks"] if c["code"] == code]
    assert len(found) == 1, f"{code} not reported exactly once: {[c['code'] for c in result['checks']]}"
    return found[0]


# --- the seed example and the headline rules ------------------------------------------------------------


def test_seed_example_saw_ring_is_red_naming_the_shape_check():
    result = judge("saw:thin_140", "ebony", "router_a", {"shape": "ring", "od": 140})
    assert result["mode"] == "saw"
    assert result["risk_level"] == RiskLevel.RED
    assert result["score"] <= 40
    assert result["block_reason"].startswith("TOOL_SHAPE_COMPATIBLE:")
    assert "curved" in result["block_reason"]
    assert check(result, "TOOL_SHAPE_COMPATIBLE")["status"] == CheckStatus.FAIL
    # The defaults were applied and said so, so the verdict is about the saw, not a missing dimension.
    assert check(result, "DESIGN_VALID")["status"] == CheckStatus.PASS
    assert result["design"] == {
        "shape": "ring",
        "od": 140.0,
        "inner_d": 128.0,
        "width": 6.0,
        "depth": 1.5,
        "x": 0.0,
        "y": 0.0,
        "stock_thickness": 3.0,
    }
    assert result["defaults_applied"] == ["width", "depth", "x", "y", "stock_thickness"]


@pytest.mark.parametrize("tool_id", ["router:upcut_1_8in", "router:downcut_1_8in", "router:flat_3mm"])
def test_seed_ring_with_router_bit_is_allowed_with_gcode_ready_cut(tool_id):
    result = judge(tool_id, "ebony", "router_a", {"shape": "ring", "od": 140})
    assert result["mode"] == "router"
    assert result["risk_level"] in RiskLevel.ALLOWS_TOOLPATHS
    assert result["block_reason"] is None
    cut = result["cut"]
    assert set(cut) >= CUT_KEYS
    assert cut["passes"] == math.ceil(cut["depth_mm"] / cut["stepdown_mm"])
    assert 0 < cut["stepdown_mm"] <= cut["depth_mm"]
    assert cut["rpm"] <= TOOLS[tool_id]["max_rpm"]
    assert cut["feed_mm_min"] <= MACHINES["router_a"]["max_feed_xy_mm_min"]
    assert cut["plunge_mm_min"] <= MACHINES["router_a"]["max_feed_z_mm_min"]
    # Rapids clear the fret-board jig's 20 mm tail clamp by 3 mm over 3 mm of stock.
    assert cut["safe_z_mm"] == 20.0
    assert set(cut["source"].values()) == {"registry"}


def test_client_rpm_above_tool_max_is_red_naming_the_rpm_check():
    result = judge(cut={"rpm": 30000})
    assert result["risk_level"] == RiskLevel.RED
    assert result["block_reason"].startswith("RPM_TOOL_MAX:")
    assert check(result, "RPM_TOOL_MAX")["value"] == 30000
    assert check(result, "RPM_TOOL_MAX")["limit"] == 24000
    assert result["cut"]["source"]["rpm"] == "client"


def test_client_rpm_outside_machine_range_is_red_naming_the_range_check():
    result = judge(machine_id="desktop_3018", cut={"rpm": 12000})
    assert result["risk_level"] == RiskLevel.RED
    assert result["block_reason"].startswith("RPM_MACHINE_RANGE:")


@pytest.mark.parametrize(
    ("field", "code"),
    [("tool_id", "TOOL_KNOWN"), ("material_id", "MATERIAL_KNOWN"), ("machine_id", "MACHINE_KNOWN")],
)
def test_unknown_id_is_unknown_naming_the_id(field, code):
    ids = {"tool_id": "router:upcut_1_8in", "material_id": "ebony", "machine_id": "router_a", field: "no_such_thing"}
    result = judge(**ids)
    assert result["risk_level"] == RiskLevel.UNKNOWN
    assert result["score"] == 0.0
    assert result["block_reason"] == f"{code}: unknown {field} 'no_such_thing'"
    assert result["cut"] is None


def test_unknown_tool_has_no_mode():
    assert judge("router:nope")["mode"] is None


def test_unusable_registry_entry_is_unknown():
    broken = {**TOOLS["router:upcut_1_8in"], "diameter_mm": 0}
    result = judge(tool=broken)
    assert result["risk_level"] == RiskLevel.UNKNOWN
    assert "diameter_mm" in result["block_reason"]


def test_same_input_gives_identical_output_and_leaves_input_alone():
    request = {
        "tool_id": "router:upcut_1_4in",
        "material_id": "walnut",
        "machine_id": "router_a",
        "design": {"shape": "pocket_rect", "w": 60, "h": 40, "depth": 4},
        "cut": {"feed_mm_min": 4000},
    }
    registry = {"tool": TOOLS["router:upcut_1_4in"], "material": MATERIALS["walnut"], "machine": MACHINES["router_a"]}
    before = copy.deepcopy((request, registry))
    first = json.dumps(evaluate(request, **registry), sort_keys=True, allow_nan=False)
    second = json.dumps(evaluate(request, **registry), sort_keys=True, allow_nan=False)
    assert first == second
    assert (request, registry) == before


def test_checks_come_in_the_fixed_order():
    codes = [
        c["code"] for c in judge("router:upcut_1_4in", design={"shape": "pocket_circle", "d": 30, "depth": 2})["checks"]
    ]
    assert codes == sorted(codes, key=CHECK_ORDER.index)
    assert len(codes) == len(set(codes))


def test_engine_version_and_warnings_follow_the_checks():
    result = judge(cut={"feed_mm_min": 1100})
    assert result["engine_version"] == ENGINE_VERSION
    warned = [f"{c['code']}: {c['message']}" for c in result["checks"] if c["status"] == CheckStatus.WARN]
    assert result["warnings"] == warned
    assert result["risk_level"] == RiskLevel.YELLOW


# --- design normalisation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("design", "expected"),
    [
        ({"shape": "ring", "od": 100, "inner_d": 90}, {"width": 5.0, "depth": 1.5, "stock_thickness": 3.0}),
        ({"shape": "ring", "od": 100, "width": 4, "inner_d": 92}, {"width": 4.0, "inner_d": 92.0}),
        ({"shape": "slot", "length": 50}, {"depth": 3.0, "angle": 0.0, "stock_thickness": 6.0}),
        ({"shape": "slot", "length": 50, "angle": -90}, {"angle": 270.0}),
        (
            {"shape": "fret_slots", "scale_length": 628},
            {"frets": 22, "board_width": 70.0, "depth": 3.0, "stock_thickness": 6.35},
        ),
        ({"shape": "pocket_circle", "d": 20, "depth": 2}, {"stock_thickness": 6.0, "x": 0.0, "y": 0.0}),
        ({"shape": "pocket_rect", "w": 20, "h": 10, "depth": 2, "x": 5, "y": -5}, {"x": 5.0, "y": -5.0}),
    ],
)
def test_design_defaults_are_applied_and_reported(design, expected):
    result = judge(design=design)
    assert check(result, "DESIGN_VALID")["status"] == CheckStatus.PASS
    for key, value in expected.items():
        assert result["design"][key] == value
    for key in result["defaults_applied"]:
        assert key not in design
        assert key in check(result, "DESIGN_VALID")["message"]


@pytest.mark.parametrize(
    ("design", "expected_status", "words"),
    [
        (None, CheckStatus.UNKNOWN, "no design"),
        ([1, 2], CheckStatus.UNKNOWN, "not an object"),
        ({"shape": "hexagon"}, CheckStatus.UNKNOWN, "unsupported design shape 'hexagon'"),
        ({"od": 140}, CheckStatus.UNKNOWN, "unsupported design shape"),
        ({"shape": "ring"}, CheckStatus.UNKNOWN, "missing od"),
        ({"shape": "pocket_circle", "d": 10}, CheckStatus.UNKNOWN, "missing depth"),
        ({"shape": "pocket_rect", "w": 10, "depth": 1}, CheckStatus.UNKNOWN, "missing h"),
        ({"shape": "ring", "od": "big"}, CheckStatus.UNKNOWN, "unreadable od"),
        ({"shape": "ring", "od": True}, CheckStatus.UNKNOWN, "unreadable od"),
        ({"shape": "ring", "od": 140, "width": -3}, CheckStatus.FAIL, "width must be at least 0.01 mm"),
        ({"shape": "ring", "od": 10, "width": 6}, CheckStatus.FAIL, "inner_d must be at least 0.01 mm"),
        ({"shape": "ring", "od": 100, "width": 4, "inner_d": 80}, CheckStatus.FAIL, "does not match"),
        ({"shape": "slot", "length": 0}, CheckStatus.FAIL, "length must be at least 0.01 mm"),
        ({"shape": "fret_slots", "scale_length": 648, "frets": 21.5}, CheckStatus.FAIL, "frets must be"),
        ({"shape": "fret_slots", "scale_length": 648, "frets": 99}, CheckStatus.FAIL, "frets must be"),
        ({"shape": "pocket_circle", "d": 1e300, "depth": 1}, CheckStatus.FAIL, "beyond"),
        ({"shape": "pocket_circle", "d": 10**400, "depth": 1}, CheckStatus.UNKNOWN, "unreadable d"),
    ],
)
def test_design_missing_is_unknown_and_invalid_is_red(design, expected_status, words):
    result = judge(design=design)
    design_check = check(result, "DESIGN_VALID")
    assert design_check["status"] == expected_status
    assert words in design_check["message"]
    assert result["design"] is None
    assert result["cut"] is None
    expected_risk = RiskLevel.UNKNOWN if expected_status == CheckStatus.UNKNOWN else RiskLevel.RED
    assert result["risk_level"] == expected_risk
    assert result["block_reason"].startswith("DESIGN_VALID:")


def test_design_unknown_keys_are_ignored_and_named():
    result = judge(design={"shape": "ring", "od": 140, "colour": "red"})
    assert "ignored keys: colour" in check(result, "DESIGN_VALID")["message"]
    assert "colour" not in result["design"]


# --- each check: pass, warn and fail --------------------------------------------------------------------

POCKET = {"shape": "pocket_rect", "w": 40, "h": 20, "depth": 3}
DEEP_RING = {"shape": "ring", "od": 140, "depth": 6.3, "stock_thickness": 10}
DEEPER_RING = {"shape": "ring", "od": 140, "depth": 8, "stock_thickness": 12}

CHECK_CASES = [
    # (id, judge kwargs, check code, expected status)
    ("shape-router-ring", {}, "TOOL_SHAPE_COMPATIBLE", "pass"),
    (
        "shape-saw-slot",
        {"tool_id": "saw:thin_140", "design": {"shape": "slot", "length": 50}},
        "TOOL_SHAPE_COMPATIBLE",
        "pass",
    ),
    ("shape-saw-fret", {"tool_id": "saw:thin_140", "design": FRET_BOARD}, "TOOL_SHAPE_COMPATIBLE", "pass"),
    ("shape-vbit-ring", {"tool_id": "vbit:90deg"}, "TOOL_SHAPE_COMPATIBLE", "warn"),
    ("shape-saw-ring", {"tool_id": "saw:thin_140"}, "TOOL_SHAPE_COMPATIBLE", "fail"),
    (
        "shape-saw-circle",
        {"tool_id": "saw:slit_100", "design": {"shape": "pocket_circle", "d": 30, "depth": 1}},
        "TOOL_SHAPE_COMPATIBLE",
        "fail",
    ),
    ("shape-saw-rect", {"tool_id": "saw:thin_140", "design": POCKET}, "TOOL_SHAPE_COMPATIBLE", "fail"),
    ("cut-none", {}, "CUT_VALID", "pass"),
    ("cut-given", {"cut": {"rpm": 18000}}, "CUT_VALID", "pass"),
    ("cut-zero-rpm", {"cut": {"rpm": 0}}, "CUT_VALID", "fail"),
    ("cut-negative-feed", {"cut": {"feed_mm_min": -5}}, "CUT_VALID", "fail"),
    ("cut-not-object", {"cut": [1]}, "CUT_VALID", "fail"),
    ("rpm-tool-ok", {}, "RPM_TOOL_MAX", "pass"),
    ("rpm-tool-over", {"cut": {"rpm": 24001}}, "RPM_TOOL_MAX", "fail"),
    ("rpm-machine-ok", {"cut": {"rpm": 6000}}, "RPM_MACHINE_RANGE", "pass"),
    ("rpm-machine-under", {"cut": {"rpm": 5000}}, "RPM_MACHINE_RANGE", "fail"),
    ("speed-ok", {}, "SURFACE_SPEED", "pass"),
    ("speed-slow", {"cut": {"rpm": 6000}}, "SURFACE_SPEED", "warn"),
    (
        "speed-saw-slow-desktop",
        {"tool_id": "saw:slit_100", "machine_id": "desktop_3018", "design": FRET_BOARD},
        "SURFACE_SPEED",
        "warn",
    ),
    # 1/8 in bit in ebony: band 0.05-0.10 x 0.6 = 0.03-0.06 mm; 2 flutes at 24000 rpm.
    ("chip-ok", {}, "CHIP_LOAD", "pass"),
    ("chip-high", {"cut": {"feed_mm_min": 0.07 * 48000}}, "CHIP_LOAD", "warn"),
    ("chip-overload", {"cut": {"feed_mm_min": 0.1 * 48000}}, "CHIP_LOAD", "fail"),
    ("chip-low", {"cut": {"feed_mm_min": 0.02 * 48000}}, "CHIP_LOAD", "warn"),
    ("chip-rubbing", {"cut": {"feed_mm_min": 200}}, "CHIP_LOAD", "fail"),
    ("heat-ok", {}, "HEAT_RISK", "pass"),
    ("heat-oily-slow-feed", {"cut": {"feed_mm_min": 1100}}, "HEAT_RISK", "warn"),
    ("heat-maple-same-feed", {"material_id": "maple", "cut": {"feed_mm_min": 1100}}, "HEAT_RISK", "pass"),
    ("heat-maple-slower", {"material_id": "maple", "cut": {"feed_mm_min": 700}}, "HEAT_RISK", "warn"),
    ("feed-ok", {}, "FEED_XY", "pass"),
    ("feed-over-machine", {"cut": {"feed_mm_min": 12000}}, "FEED_XY", "fail"),
    ("plunge-ok", {}, "FEED_Z", "pass"),
    ("plunge-faster-than-feed", {"cut": {"plunge_mm_min": 2500}}, "FEED_Z", "warn"),
    ("plunge-over-machine", {"cut": {"plunge_mm_min": 3500}}, "FEED_Z", "fail"),
    ("depth-pass-ok", {}, "DEPTH_PER_PASS", "pass"),
    ("depth-pass-over-1d", {"design": DEEP_RING, "cut": {"stepdown_mm": 4}}, "DEPTH_PER_PASS", "warn"),
    ("depth-pass-over-2d", {"design": DEEPER_RING, "cut": {"stepdown_mm": 6.5}}, "DEPTH_PER_PASS", "fail"),
    ("depth-pass-too-many", {"design": DEEP_RING, "cut": {"stepdown_mm": 0.01}}, "DEPTH_PER_PASS", "fail"),
    (
        "depth-pass-saw-near-limit",
        {"tool_id": "saw:thin_140", "design": {"shape": "slot", "length": 50, "depth": 35, "stock_thickness": 50}},
        "DEPTH_PER_PASS",
        "pass",
    ),
    (
        "depth-pass-saw-client-deep",
        {
            "tool_id": "saw:thin_140",
            "design": {"shape": "slot", "length": 50, "depth": 35, "stock_thickness": 50},
            "cut": {"stepdown_mm": 35},
        },
        "DEPTH_PER_PASS",
        "warn",
    ),
    ("stepover-ok", {"design": POCKET}, "STEPOVER", "pass"),
    ("stepover-wide", {"design": POCKET, "cut": {"stepover_mm": 2.5}}, "STEPOVER", "warn"),
    ("stepover-gaps", {"design": POCKET, "cut": {"stepover_mm": 3.5}}, "STEPOVER", "fail"),
    ("reach-ok", {}, "TOOL_REACH", "pass"),
    ("reach-past-flutes", {"design": {**POCKET, "depth": 14, "stock_thickness": 20}}, "TOOL_REACH", "fail"),
    ("stock-ok", {}, "STOCK_THICKNESS", "pass"),
    ("stock-thin-floor", {"design": {**SEED_RING, "depth": 2.7}}, "STOCK_THICKNESS", "warn"),
    ("stock-through", {"design": {**SEED_RING, "depth": 3.5}}, "STOCK_THICKNESS", "fail"),
    ("envelope-ok", {}, "WORK_ENVELOPE", "pass"),
    ("envelope-x", {"design": {**SEED_RING, "x": 700}}, "WORK_ENVELOPE", "fail"),
    ("envelope-y-desktop", {"machine_id": "desktop_3018", "design": {**SEED_RING, "y": 30}}, "WORK_ENVELOPE", "fail"),
    (
        "envelope-z",
        {"machine_id": "desktop_3018", "design": {**SEED_RING, "stock_thickness": 42}},
        "WORK_ENVELOPE",
        "fail",
    ),
    ("envelope-fret-placed", {"tool_id": "router:fret_0_58mm", "design": FRET_BOARD}, "WORK_ENVELOPE", "pass"),
    (
        "envelope-fret-off-the-jig",
        {"tool_id": "router:fret_0_58mm", "design": {**FRET_BOARD, "x": -380}},
        "WORK_ENVELOPE",
        "fail",
    ),
    (
        "envelope-saw-on-its-sled",
        {"tool_id": "saw:thin_140", "machine_id": "fret_saw", "design": FRET_BOARD},
        "WORK_ENVELOPE",
        "pass",
    ),
    ("width-ring-ok", {}, "FEATURE_WIDTH", "pass"),
    ("width-ring-narrow", {"tool_id": "router:upcut_1_4in"}, "FEATURE_WIDTH", "fail"),
    ("width-circle-small", {"design": {"shape": "pocket_circle", "d": 2, "depth": 1}}, "FEATURE_WIDTH", "fail"),
    ("width-fret-saw", {"tool_id": "saw:thin_140", "design": FRET_BOARD}, "FEATURE_WIDTH", "pass"),
    ("width-fret-router", {"design": FRET_BOARD}, "FEATURE_WIDTH", "fail"),
    ("width-fret-vbit", {"tool_id": "vbit:60deg", "design": FRET_BOARD}, "FEATURE_WIDTH", "fail"),
    ("deflection-ok", {}, "DEFLECTION", "pass"),
    (
        "deflection-deep-pass",
        {"design": DEEP_RING, "cut": {"stepdown_mm": 6.3, "feed_mm_min": 2880}},
        "DEFLECTION",
        "warn",
    ),
    (
        "deflection-deep-fast",
        {"design": DEEPER_RING, "cut": {"stepdown_mm": 8, "feed_mm_min": 6500}},
        "DEFLECTION",
        "fail",
    ),
    ("power-ok", {}, "SPINDLE_POWER", "pass"),
    (
        "power-weak-spindle",
        {
            "tool_id": "router:upcut_1_4in",
            "material_id": "maple",
            "machine_id": "desktop_3018",
            "design": {"shape": "slot", "length": 50, "depth": 6, "stock_thickness": 10},
            "cut": {"stepdown_mm": 6, "rpm": 5000, "feed_mm_min": 1500},
        },
        "SPINDLE_POWER",
        "warn",
    ),
    (
        "power-overloaded",
        {
            "tool_id": "router:upcut_1_4in",
            "material_id": "maple",
            "machine_id": "desktop_3018",
            "design": {"shape": "slot", "length": 50, "depth": 6, "stock_thickness": 10},
            "cut": {"stepdown_mm": 6, "rpm": 3000, "feed_mm_min": 1500},
        },
        "SPINDLE_POWER",
        "fail",
    ),
]


@pytest.mark.parametrize(
    ("kwargs", "code", "expected"), [case[1:] for case in CHECK_CASES], ids=[c[0] for c in CHECK_CASES]
)
def test_check_reports_expected_status(kwargs, code, expected):
    result = judge(**kwargs)
    assert check(result, code)["status"] == expected
    if expected == "fail":
        assert result["risk_level"] == RiskLevel.RED
    if expected == "warn":
        assert result["risk_level"] in {RiskLevel.YELLOW, RiskLevel.RED}


def test_saw_gets_no_deflection_check():
    codes = {c["code"] for c in judge("saw:thin_140", design=FRET_BOARD)["checks"]}
    assert "DEFLECTION" not in codes


# --- physics details ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tool_id", "depth", "width"), [("vbit:90deg", 1.0, 2.0), ("vbit:60deg", 1.0, 1.1547), ("vbit:90deg", 9.0, 12.7)]
)
def test_vbit_cut_width_is_the_v_width_at_depth(tool_id, depth, width):
    result = judge(tool_id, design={"shape": "slot", "length": 40, "depth": depth, "stock_thickness": 20})
    assert result["cut"]["cut_width_mm"] == pytest.approx(width, abs=1e-3)


def test_fret_envelope_reaches_the_last_fret():
    # 12-TET: fret 12 sits at half the scale length; the jig puts the nut at machine X150.
    result = judge("router:fret_0_58mm", design={**FRET_BOARD, "frets": 12})
    assert result["cut"]["bounds_mm"]["x_max"] == 324.0
    assert "..474," in check(result, "WORK_ENVELOPE")["value"]


def test_saw_chip_is_thinned_by_its_shallow_engagement():
    result = judge("saw:thin_140", design=FRET_BOARD)
    feed_per_tooth = result["cut"]["chip_load_mm"]
    effective = check(result, "CHIP_LOAD")["value"]
    # At 3 mm deep on a 140 mm blade the chip is about 0.29 of the feed per tooth.
    assert effective == pytest.approx(feed_per_tooth * 0.2897, rel=0.01)


def test_harder_wood_gets_a_thinner_chip_and_shallower_passes():
    ebony = judge(material_id="ebony", design={"shape": "slot", "length": 40, "depth": 3})["cut"]
    walnut = judge(material_id="walnut", design={"shape": "slot", "length": 40, "depth": 3})["cut"]
    assert ebony["chip_load_mm"] < walnut["chip_load_mm"]
    assert ebony["stepdown_mm"] < walnut["stepdown_mm"]


def test_capped_feed_slows_the_spindle_instead_of_thinning_the_chip():
    result = judge("router:upcut_1_4in", "walnut", "desktop_4040", design={"shape": "slot", "length": 40, "depth": 3})
    cut = result["cut"]
    assert cut["feed_mm_min"] == MACHINES["desktop_4040"]["max_feed_xy_mm_min"]
    assert cut["rpm"] < MACHINES["desktop_4040"]["rpm_max"]
    assert check(result, "CHIP_LOAD")["status"] == CheckStatus.PASS


def test_no_common_rpm_keeps_the_tool_rating_and_fails_the_machine_range():
    slow_saw = {**TOOLS["saw:slit_100"], "max_rpm": 2000}
    result = judge("saw:slit_100", machine_id="fret_saw", design=FRET_BOARD, tool=slow_saw)
    assert result["cut"]["rpm"] == 2000
    assert check(result, "RPM_TOOL_MAX")["status"] == CheckStatus.PASS
    assert result["block_reason"].startswith("RPM_MACHINE_RANGE:")


def test_client_values_are_judged_and_marked_client():
    result = judge(cut={"rpm": 18000, "feed_mm_min": 1800, "plunge_mm_min": 500, "stepdown_mm": 0.5, "stepover_mm": 1})
    cut = result["cut"]
    assert (cut["rpm"], cut["feed_mm_min"], cut["plunge_mm_min"], cut["stepdown_mm"]) == (18000, 1800, 500, 0.5)
    assert cut["passes"] == 3
    assert {key for key, source in cut["source"].items() if source == "client"} == {
        "rpm",
        "feed_mm_min",
        "plunge_mm_min",
        "stepdown_mm",
        "stepover_mm",
    }


def test_plastic_is_heat_sensitive():
    acrylic = {
        "material_id": "acrylic",
        "name": "Cast acrylic",
        "material_class": "plastic",
        "janka_lbf": 1,
        "density_kg_m3": 1180,
        "oily": False,
    }
    result = judge(material_id="acrylic", cut={"feed_mm_min": 1000}, material=acrylic)
    assert check(result, "HEAT_RISK")["status"] == CheckStatus.WARN
    assert "melts" in check(result, "HEAT_RISK")["message"]


# --- score --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "risk", "low", "high"),
    [
        ({}, RiskLevel.GREEN, 100, 100),
        ({"cut": {"rpm": 6000}}, RiskLevel.YELLOW, 41, 95),
        ({"cut": {"feed_mm_min": 1100}}, RiskLevel.YELLOW, 41, 95),
        ({"tool_id": "saw:thin_140"}, RiskLevel.RED, 0, 40),
        ({"tool_id": "nope"}, RiskLevel.UNKNOWN, 0, 0),
    ],
)
def test_score_bands_follow_the_risk_level(kwargs, risk, low, high):
    result = judge(**kwargs)
    assert result["risk_level"] == risk
    assert low <= result["score"] <= high


def test_score_drops_with_more_and_worse_warnings():
    one = judge(cut={"rpm": 12000})["score"]
    worse = judge(cut={"rpm": 6000})["score"]
    assert 41 <= worse < one <= 95


# --- shop data ----------------------------------------------------------------------------------------------

TOOL_KEYS = {
    "tool_id",
    "name",
    "kind",
    "diameter_mm",
    "flutes",
    "flute_length_mm",
    "shank_mm",
    "stickout_mm",
    "kerf_mm",
    "max_rpm",
    "chipload_min_mm",
    "chipload_max_mm",
    "vbit_angle_deg",
    "tool_material",
    "tool_number",
    "centre_cutting",
}
MATERIAL_KEYS = {"material_id", "name", "material_class", "janka_lbf", "density_kg_m3", "oily"}
MACHINE_KEYS = {
    "machine_id",
    "name",
    "travel_x_mm",
    "travel_y_mm",
    "travel_z_mm",
    "rpm_min",
    "rpm_max",
    "max_feed_xy_mm_min",
    "max_feed_z_mm_min",
    "spindle_power_w",
    "soft_x_min_mm",
    "soft_x_max_mm",
    "soft_y_min_mm",
    "soft_y_max_mm",
    "soft_z_min_mm",
    "soft_z_max_mm",
    "spindle_orientation",
    "collet_min_mm",
    "collet_max_mm",
    "saw_mount",
    "saw_max_blade_mm",
    "saw_blade_plane",
    "controller",
    "spindle_ramp_s",
    "fixtures",
}


@pytest.mark.parametrize(
    ("entries", "keys", "id_key"),
    [
        (shop_data.TOOLS, TOOL_KEYS, "tool_id"),
        (shop_data.MATERIALS, MATERIAL_KEYS, "material_id"),
        (shop_data.MACHINES, MACHINE_KEYS, "machine_id"),
    ],
)
def test_shop_data_matches_the_interface_exactly(entries, keys, id_key):
    assert all(set(entry) == keys for entry in entries)
    ids = [entry[id_key] for entry in entries]
    assert len(ids) == len(set(ids))


def test_shop_data_has_the_required_entries():
    assert {"saw:thin_140", "router:upcut_1_8in", "router:downcut_1_8in", "router:upcut_1_4in"} <= set(TOOLS)
    assert {"router:downcut_1_4in", "router:flat_3mm", "router:flat_6mm", "vbit:60deg", "vbit:90deg"} <= set(TOOLS)
    assert sum(tool["kind"] == "saw" for tool in shop_data.TOOLS) >= 2
    assert all(tool_id.split(":")[0] == tool["kind"] for tool_id, tool in TOOLS.items())
    woods = {"ebony", "east_indian_rosewood", "hard_maple", "maple", "mahogany", "sitka_spruce", "western_red_cedar"}
    assert woods | {"walnut", "koa", "mdf", "baltic_birch_plywood"} <= set(MATERIALS)
    assert MATERIALS["maple"]["janka_lbf"] == MATERIALS["hard_maple"]["janka_lbf"]
    assert "router_a" in MACHINES
    assert len(MACHINES) >= 2
    assert 0.55 <= TOOLS["saw:thin_140"]["kerf_mm"] <= 0.6


def test_shop_data_is_usable_by_the_engine():
    for tool_id in TOOLS:
        for material_id in MATERIALS:
            result = judge(tool_id, material_id, "router_a", design={"shape": "slot", "length": 40, "depth": 1})
            assert check(result, "TOOL_KNOWN")["status"] == CheckStatus.PASS
            assert check(result, "MATERIAL_KNOWN")["status"] == CheckStatus.PASS
    for machine_id in MACHINES:
        assert check(judge(machine_id=machine_id), "MACHINE_KNOWN")["status"] == CheckStatus.PASS


def test_shop_lookups_return_copies():
    shop_data.tools_by_id()["saw:thin_140"]["kerf_mm"] = 99
    assert shop_data.tools_by_id()["saw:thin_140"]["kerf_mm"] != 99
