"""Toolpath summary figures against hand-computed cases, and the SVG plan view. Pure: no Django."""

import math
import re
import xml.etree.ElementTree as ET

import pytest

from tests.toolpaths.shop import MACHINE, ROUTER
from toolpaths.gcode import ARC_CCW, ARC_CW, FEED, RAPID, Move, generate
from toolpaths.summary import render_svg, summarize

SVG_NS = "{http://www.w3.org/2000/svg}"
# One pass, so every length below is easy to add up by hand.
CUT = {
    "rpm": 18000,
    "feed_mm_min": 1440.0,
    "plunge_mm_min": 480.0,
    "stepdown_mm": 1.5,
    "passes": 1,
    "stepover_mm": 1.2,
    "chip_load_mm": 0.04,
    "safe_z_mm": 5.0,
    "depth_mm": 1.5,
    "stock_thickness_mm": 6.0,
}
PLACED = {"x": 0.0, "y": 0.0, "stock_thickness": 6.0, "depth": 1.5}
SLOT = {**PLACED, "shape": "slot", "length": 30.0, "angle": 0.0}
SQUARE_POCKET = {**PLACED, "shape": "pocket_rect", "w": 10.0, "h": 10.0}
FRETBOARD = {
    **PLACED,
    "shape": "fret_slots",
    "x": -300.0,
    "scale_length": 648.0,
    "frets": 5,
    "board_width": 56.0,
}


def moves_for(design):
    return generate(design=design, cut=CUT, tool=ROUTER, machine=MACHINE).moves


def test_summary_single_slot_hand_computed():
    # Z5 -> plunge 6.5 at 480 (0.8125 s), 30 along X at 1440 (1.25 s), retract 6.5 at the Z rapid
    # 3000 (0.13 s), park 88 mm up to Z93 (1.76 s); the opening retract and the first XY rapid start from an
    # unknown position.
    summary = summarize(moves_for(SLOT), machine=MACHINE)
    assert summary == {
        "moves": {"rapid": 4, "feed": 2, "arc": 0, "total": 6},
        "cut_length_mm": 36.5,
        "rapid_length_mm": 6.5 + 88,
        "bounds": {"x_min": 0.0, "x_max": 30.0, "y_min": 0.0, "y_max": 0.0, "z_min": -1.5, "z_max": 93.0},
        "estimated_time_s": pytest.approx(0.8125 + 1.25 + 0.13 + 1.76, abs=1e-3),
    }


def test_summary_square_pocket_hand_computed():
    # A 3 mm tool in a 10 mm square: the centre stays within +-3.5. Stepover 1.2 over 7 mm gives
    # 6 gaps of 7/6, so 7 rows of 7 mm plus 7 mm of steps (56), then the 4 x 7 mm finishing pass (28),
    # after a 6.5 mm plunge; the park lifts 88 mm to the top of the travel.
    summary = summarize(moves_for(SQUARE_POCKET), machine=MACHINE)
    assert summary["moves"] == {"rapid": 4, "feed": 1 + 13 + 4, "arc": 0, "total": 22}
    assert summary["cut_length_mm"] == pytest.approx(6.5 + 56 + 28)
    assert summary["rapid_length_mm"] == pytest.approx(6.5 + 88)
    assert summary["bounds"] == {
        "x_min": -3.5,
        "x_max": 3.5,
        "y_min": -3.5,
        "y_max": 3.5,
        "z_min": -1.5,
        "z_max": 93.0,
    }
    expected = 6.5 / 480 * 60 + 84 / 1440 * 60 + (6.5 + 88) / 3000 * 60
    assert summary["estimated_time_s"] == pytest.approx(expected, abs=1e-3)


def test_summary_full_circle_arc_length_and_bounds():
    moves = [
        Move(RAPID, z=5.0),
        Move(RAPID, x=10.0, y=0.0),
        Move(FEED, z=-1.0, feed=600.0),
        Move(ARC_CCW, x=-10.0, y=0.0, i=-10.0, j=0.0, feed=600.0),
        Move(ARC_CCW, x=10.0, y=0.0, i=10.0, j=0.0, feed=600.0),
    ]
    summary = summarize(moves, machine=MACHINE)
    assert summary["moves"] == {"rapid": 2, "feed": 1, "arc": 2, "total": 5}
    assert summary["cut_length_mm"] == pytest.approx(6.0 + 20 * math.pi, abs=1e-3)
    assert summary["bounds"] == {
        "x_min": -10.0,
        "x_max": 10.0,
        "y_min": -10.0,
        "y_max": 10.0,
        "z_min": -1.0,
        "z_max": 5.0,
    }
    assert summary["estimated_time_s"] == pytest.approx((6.0 + 20 * math.pi) / 600 * 60, abs=1e-3)


def test_summary_quarter_arc_bounds_only_cover_swept_part():
    # Clockwise from (0, 10) to (10, 0) about the origin: the quarter in +X +Y, never reaching -X or -Y.
    moves = [Move(RAPID, x=0.0, y=10.0, z=0.0), Move(ARC_CW, x=10.0, y=0.0, i=0.0, j=-10.0, feed=600.0)]
    summary = summarize(moves, machine=MACHINE)
    assert summary["bounds"]["x_min"] == 0.0
    assert summary["bounds"]["y_min"] == 0.0
    assert summary["bounds"]["x_max"] == 10.0
    assert summary["bounds"]["y_max"] == 10.0
    assert summary["cut_length_mm"] == pytest.approx(5 * math.pi, abs=1e-3)


def test_summary_rapid_timed_by_slowest_axis():
    moves = [Move(RAPID, x=0.0, y=0.0, z=5.0), Move(RAPID, x=300.0, y=400.0), Move(RAPID, z=50.0)]
    summary = summarize(moves, machine=MACHINE)
    assert summary["rapid_length_mm"] == 545.0
    assert summary["estimated_time_s"] == pytest.approx(500 / 10000 * 60 + 45 / 3000 * 60)


def test_summary_feed_above_machine_max_timed_at_machine_max():
    moves = [Move(RAPID, x=0.0, y=0.0, z=0.0), Move(FEED, x=100.0, y=0.0, feed=20000.0)]
    assert summarize(moves, machine=MACHINE)["estimated_time_s"] == pytest.approx(100 / 10000 * 60)


def test_summary_plunge_above_z_max_timed_at_z_max():
    moves = [Move(RAPID, x=0.0, y=0.0, z=5.0), Move(FEED, z=-1.0, feed=5000.0)]
    assert summarize(moves, machine=MACHINE)["estimated_time_s"] == pytest.approx(6 / 3000 * 60)


def test_summary_empty_moves_zero_and_unknown_bounds():
    summary = summarize([], machine=MACHINE)
    assert summary["moves"]["total"] == 0
    assert summary["cut_length_mm"] == 0.0
    assert summary["estimated_time_s"] == 0.0
    assert set(summary["bounds"].values()) == {None}


def test_svg_well_formed_with_cut_and_rapid_paths():
    svg = render_svg(moves_for(FRETBOARD), machine=MACHINE, title="Fretboard")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    paths = {path.get("class"): path for path in root.iter(f"{SVG_NS}path")}
    assert paths["rmos-cuts"].get("d").startswith("M")
    assert paths["rmos-rapids"].get("d").startswith("M")
    assert paths["rmos-rapids"].get("stroke-dasharray")
    assert not paths["rmos-cuts"].get("stroke-dasharray")
    assert paths["rmos-cuts"].get("stroke") != paths["rmos-rapids"].get("stroke")
    legend = " ".join(text.text for text in root.iter(f"{SVG_NS}text"))
    assert "cut" in legend
    assert "rapid" in legend


def test_svg_view_box_fits_bounds_with_margin():
    moves = moves_for(SQUARE_POCKET)
    root = ET.fromstring(render_svg(moves))
    x, y, width, height = (float(value) for value in root.get("viewBox").split())
    # Y is flipped for the screen: plan Y +3.5 is at SVG y -3.5.
    assert x < -3.5
    assert x + width > 3.5
    assert y < -3.5
    assert y + height > 3.5
    assert width < 20


def test_svg_arcs_drawn_as_svg_arcs():
    moves = generate(
        design={**PLACED, "shape": "pocket_circle", "d": 20.0}, cut=CUT, tool=ROUTER, machine=MACHINE
    ).moves
    paths = ET.fromstring(render_svg(moves)).iter(f"{SVG_NS}path")
    cuts = next(path for path in paths if path.get("class") == "rmos-cuts")
    arcs = re.findall(r"A(\S+) (\S+) 0 0 ([01]) ", cuts.get("d"))
    # Each half-circle G3 is drawn as two quarter arcs, counter-clockwise on the plan: sweep flag 0.
    assert len(arcs) == 2 * sum(move.kind == ARC_CCW for move in moves)
    assert {flag for _, _, flag in arcs} == {"0"}


def test_svg_title_escaped_and_self_contained():
    svg = render_svg(moves_for(SLOT), title='<script>alert("x")</script> & co')
    root = ET.fromstring(svg)
    assert root.find(f"{SVG_NS}title").text == '<script>alert("x")</script> & co'
    assert "<script" not in svg
    assert "href" not in svg
    assert re.findall(r"https?://[^\"]+", svg) == ["http://www.w3.org/2000/svg"]


def test_svg_deterministic():
    moves = moves_for(FRETBOARD)
    assert render_svg(moves, machine=MACHINE, title="a") == render_svg(moves, machine=MACHINE, title="a")


def test_svg_empty_moves_still_valid():
    root = ET.fromstring(render_svg([]))
    assert root.get("viewBox")
    assert not [p for p in root.iter(f"{SVG_NS}path") if p.get("class") in ("rmos-cuts", "rmos-rapids")]


def _envelope(svg: str) -> tuple[float, float, float, float]:
    rect = ET.fromstring(svg).find(f"{SVG_NS}rect[@class='rmos-envelope']")
    return tuple(float(rect.get(key)) for key in ("x", "y", "width", "height"))


def test_svg_envelope_is_the_soft_limits_in_the_fixtures_work_coordinates():
    fretboard = {**FRETBOARD, "x": 0.0}
    jig = {
        "fixture_id": "jig",
        "name": "jig",
        "work_offset": "G55",
        "origin_x_mm": 150.0,
        "origin_y_mm": 250.0,
        "origin_z_mm": -90.0,
        "clamps": [],
        "is_default": False,
    }
    machine = {**MACHINE, "fixtures": [*MACHINE["fixtures"], jig]}
    moves = moves_for(fretboard)
    # Default fixture: work zero at the centre of router_a's 800 x 600 soft limits; SVG's y is -Y.
    assert _envelope(render_svg(moves, machine=machine)) == (-400, -300, 800, 600)
    # The jig: work zero at machine X150 Y250, so X runs -150..650 and Y -250..350 around it.
    assert _envelope(render_svg(moves, machine=machine, fixture_id="jig")) == (-150, -350, 800, 600)


def test_svg_envelope_of_a_machine_recorded_before_work_coordinates_is_its_centred_travel():
    legacy = {key: value for key, value in MACHINE.items() if not key.startswith("soft_") and key != "fixtures"}
    assert _envelope(render_svg(moves_for(SLOT), machine=legacy)) == (-400, -300, 800, 600)


def test_svg_without_a_usable_fixture_draws_no_envelope():
    svg = render_svg(moves_for(SLOT), machine=MACHINE, fixture_id="gone")
    assert ET.fromstring(svg).find(f"{SVG_NS}rect[@class='rmos-envelope']") is None
