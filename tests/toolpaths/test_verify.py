"""The G-code verifier: a valid program passes, each kind of fault is caught by its own message, and no
text makes it raise. Pure: no Django, no database."""

import math
import time
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.toolpaths.shop import MACHINE, ROUTER
from toolpaths import verify as v
from toolpaths.gcode import generate

CUT = {
    "rpm": 18000,
    "feed_mm_min": 1440.0,
    "plunge_mm_min": 480.0,
    "stepdown_mm": 1.5,
    "passes": 2,
    "stepover_mm": 1.2,
    "chip_load_mm": 0.04,
    "safe_z_mm": 5.0,
    "depth_mm": 3.0,
    "stock_thickness_mm": 6.0,
}
DESIGN = {
    "shape": "slot",
    "x": 0.0,
    "y": 0.0,
    "stock_thickness": 6.0,
    "length": 20.0,
    "depth": 3.0,
    "angle": 0.0,
}

# A hand-written program in the generator's dialect; each test below breaks one thing in it.
VALID = """\
(hand-written slot)
G40 G49 G80
G21 G90 G91.1 G94 G17 G54
T1 M6 G43 H1
G0 Z5
M3 S18000
G4 P2
G0 X0 Y0
G1 Z-1.5 F480
G1 X20 Y0 F1440
G1 Z-3 F480
G1 X0 Y0 F1440
G3 X10 Y0 I5 J0
G3 X0 Y0 I-5 J0
G0 Z5
M5
M30
"""


def check(text):
    return v.verify(text, design=DESIGN, cut=CUT, machine=MACHINE)


def broken(old, new):
    assert old in VALID
    return check(VALID.replace(old, new, 1))


def only(problems, phrase):
    """The one problem carrying ``phrase``; fails when it is missing."""
    matching = [problem for problem in problems if phrase in problem]
    assert matching, problems
    return matching[0]


def test_verify_valid_program_has_no_problems():
    assert check(VALID) == []


def test_verify_generated_program_has_no_problems():
    text = generate(design=DESIGN, cut=CUT, tool=ROUTER, machine=MACHINE).gcode_text
    assert check(text) == []


def test_verify_rapid_into_stock_caught():
    problem = only(broken("G1 Z-1.5 F480", "G0 Z-1.5"), v.RAPID_INTO_STOCK)
    assert problem.startswith("line 9:")


def test_verify_xy_rapid_below_safe_z_caught():
    problems = broken("G1 X20 Y0 F1440", "G0 X20 Y0")
    assert only(problems, v.RAPID_XY_BELOW_SAFE_Z).startswith("line 10:")


def test_verify_xy_rapid_above_stock_but_below_safe_z_caught():
    problems = broken("G0 Z5\nM3", "G0 Z2\nM3")
    only(problems, v.RAPID_XY_BELOW_SAFE_Z)
    assert not any(v.RAPID_INTO_STOCK in problem for problem in problems)


def test_verify_xy_rapid_before_any_z_caught():
    only(broken("G0 Z5\nM3", "M3"), v.RAPID_XY_BELOW_SAFE_Z)


def test_verify_cut_with_spindle_off_caught():
    only(broken("M3 S18000\n", ""), v.SPINDLE_OFF_CUT)


def test_verify_cut_after_spindle_stopped_caught():
    only(broken("G1 Z-3 F480", "M5\nG1 Z-3 F480"), v.SPINDLE_OFF_CUT)


def test_verify_feed_move_in_air_with_spindle_off_allowed():
    text = VALID.replace("M3 S18000\nG4 P2\nG0 X0 Y0\n", "G0 X0 Y0\nG1 Z1 F480\nM3 S18000\nG4 P2\n")
    assert check(text) == []


def test_verify_spindle_speed_outside_machine_range_caught():
    only(broken("M3 S18000", "M3 S30000"), v.SPINDLE_SPEED)
    only(broken("M3 S18000", "M3"), v.SPINDLE_SPEED)


@pytest.mark.parametrize("line", ["G1 X500 Y0 F1440", "G1 X20 Y-301 F1440", "G1 X-400.01 Y0 F1440"])
def test_verify_line_outside_envelope_caught(line):
    only(broken("G1 X20 Y0 F1440", line), v.OUTSIDE_ENVELOPE)


def test_verify_rapid_above_envelope_caught():
    # The soft limit Z0 is 94 mm above the stock top: the table fixture's bed at Z-100 plus 6 mm of stock.
    only(broken("G0 Z5\nM5", "G0 Z115\nM5"), v.OUTSIDE_ENVELOPE)


def test_verify_arc_bulging_outside_envelope_caught():
    # Both ends at X390 are inside; the arc swings out to X405 on its way between them.
    text = VALID.replace("G0 X0 Y0\n", "G0 X390 Y-15\n", 1).replace(
        "G1 X20 Y0 F1440\n", "G3 X390 Y15 I0 J15 F1440\n", 1
    )
    problem = only(check(text), v.OUTSIDE_ENVELOPE)
    assert "405" in problem


def test_verify_arc_inside_envelope_accepted_when_it_bulges_inward():
    text = VALID.replace("G0 X0 Y0\n", "G0 X390 Y-15\n", 1).replace(
        "G1 X20 Y0 F1440\n", "G2 X390 Y15 I0 J15 F1440\n", 1
    )
    assert not any(v.OUTSIDE_ENVELOPE in problem for problem in check(text))


def test_verify_arc_with_mismatched_radii_caught():
    only(broken("G3 X10 Y0 I5 J0", "G3 X11 Y0 I5 J0"), v.BAD_ARC)


def test_verify_arc_without_centre_caught():
    only(broken("G3 X10 Y0 I5 J0", "G3 X10 Y0"), v.BAD_ARC)


def test_verify_full_circle_as_one_arc_caught():
    text = VALID.replace("G3 X10 Y0 I5 J0\nG3 X0 Y0 I-5 J0\n", "G3 X0 Y0 I5 J0\n")
    assert "full circle as one arc" in only(check(text), v.BAD_ARC)


@pytest.mark.parametrize(
    ("start", "arc"),
    [
        # The arc LinuxCNC refused ("Zero-radius arc"): the end lies on the centre.
        ("G1 X-50.55 Y-17.9 F1440", "G3 X-50.551 Y-17.9 I-0.001 J0"),
        # Its twin with the end a grid step off the centre: both radii round to nothing.
        ("G1 X-50.55 Y10 F1440", "G3 X-50.551 Y10.001 I-0.001 J0"),
    ],
)
def test_verify_arc_with_radius_rounded_to_nothing_caught(start, arc):
    text = VALID.replace("G1 X0 Y0 F1440\nG3 X10 Y0 I5 J0\nG3 X0 Y0 I-5 J0\n", f"{start}\n{arc}\n")
    assert "radius below" in only(check(text), v.BAD_ARC)


def test_verify_other_work_offset_caught():
    problem = only(broken("G21 G90 G91.1 G94 G17 G54", "G21 G90 G91.1 G94 G17 G55"), v.WRONG_WORK_OFFSET)
    assert "G54" in problem


def test_verify_without_work_offset_caught():
    only(broken("G21 G90 G91.1 G94 G17 G54", "G21 G90 G91.1 G94 G17"), v.MODES_NOT_SET)


def test_verify_machine_without_the_fixture_refuses_everything():
    problems = v.verify(VALID, design=DESIGN, cut={**CUT, "fixture_id": "gone"}, machine=MACHINE)
    assert problems == [f"{v.NO_FIXTURE}: machine 'router_a' has no usable fixture 'gone'"]


def test_verify_xy_feed_above_machine_max_caught():
    problem = only(broken("G1 X20 Y0 F1440", "G1 X20 Y0 F12000"), v.FEED_ABOVE_MAX)
    assert "XY" in problem


def test_verify_plunge_feed_above_z_max_caught():
    problem = only(broken("G1 Z-1.5 F480", "G1 Z-1.5 F4000"), v.FEED_ABOVE_MAX)
    assert "Z at 4000" in problem


def test_verify_xy_feed_between_z_and_xy_max_allowed():
    assert check(VALID.replace("G1 X20 Y0 F1440", "G1 X20 Y0 F9000")) == []


def test_verify_cut_without_feed_caught():
    only(check(VALID.replace(" F480", "").replace(" F1440", "")), v.NO_FEED)


def test_verify_deeper_than_design_depth_caught():
    problem = only(broken("G1 Z-3 F480", "G1 Z-3.5 F480"), v.TOO_DEEP)
    assert problem.startswith("line 11:")


def test_verify_depth_within_tolerance_accepted():
    assert check(VALID.replace("G1 Z-3 F480", "G1 Z-3.0000001 F480")) == []


def test_verify_missing_m30_caught():
    only(broken("M30\n", ""), v.MISSING_M30)


def test_verify_code_after_m30_caught():
    only(check(VALID + "G0 X10\n"), v.MISSING_M30)


def test_verify_comment_after_m30_allowed():
    assert check(VALID + "(end)\n\n") == []


def test_verify_missing_m5_before_m30_caught():
    only(broken("M5\n", ""), v.NO_M5_BEFORE_M30)


def test_verify_park_after_spindle_off_accepted():
    assert check(VALID.replace("M5\nM30", "M5\nG0 Z90\nM30")) == []


def test_verify_program_ending_below_safe_z_caught():
    only(broken("G0 Z5\nM5", "G0 Z1\nM5"), v.NOT_RETRACTED)


@pytest.mark.parametrize(
    "line",
    ["hello world", "G0 X1 (unclosed comment", "G0 X1)", "%", "G0 X1.2.3", "G1 X--2", "#1 G0 X1"],
)
def test_verify_garbage_line_caught(line):
    problem = only(broken("G4 P2\n", f"G4 P2\n{line}\n"), v.UNPARSEABLE)
    assert problem.startswith("line 8:")


@pytest.mark.parametrize("word", ["G43.1", "M7", "G91", "G20", "G41", "R5", "N10", "G90.1", "M8", "G93", "G53"])
def test_verify_unknown_word_caught(word):
    only(broken("G4 P2\n", f"G4 P2\n{word}\n"), v.UNKNOWN_WORD)


@pytest.mark.parametrize(
    "line",
    ["G0 G1 X1", "M3 M5", "G4", "G4 P1 X2", "G0 X1 X2", "P3", "G1 X1 I2 F100", "G1 X1 F0"],
)
def test_verify_invalid_statement_caught(line):
    only(broken("G0 Z5\nM5", f"G0 Z5\n{line}\nM5"), v.BAD_STATEMENT)


@pytest.mark.parametrize("line", ["X" + "1" * 200_000 + "!", "G0 " * 50_000 + "!", "(" * 100_000])
def test_verify_pathological_line_fast(line):
    started = time.perf_counter()
    only(check(VALID.replace("G4 P2\n", f"G4 P2\n{line}\n")), v.UNPARSEABLE)
    # A regex that re-splits long numbers would take minutes here.
    assert time.perf_counter() - started < 1.0


def test_verify_motion_before_modes_set_caught():
    only(broken("G21 G90 G91.1 G94 G17 G54\n", ""), v.MODES_NOT_SET)


@pytest.mark.parametrize("word", ["G21 ", "G90 ", "G91.1 ", "G94 "])
def test_verify_safety_line_missing_a_mode_an_earlier_program_could_leave_caught(word):
    only(broken("G21 G90 G91.1 G94 G17 G54", "G21 G90 G91.1 G94 G17 G54".replace(word, "")), v.MODES_NOT_SET)


@pytest.mark.parametrize("old", ["G40 G49 G80\n", "G40 ", "G80"])
def test_verify_cutter_compensation_and_cycles_must_be_cancelled(old):
    problems = broken(old, "")
    assert any(v.MODES_NOT_SET in problem or v.PLANE_BEFORE_G40 in problem for problem in problems), problems


def test_verify_length_offset_neither_cancelled_nor_applied_caught():
    # A touch-off stop instead of a tool change: nothing says which length offset an earlier program left.
    text = VALID.replace("G40 G49 G80", "G40 G80").replace("T1 M6 G43 H1\n", "M0\n")
    only(check(text), v.MODES_NOT_SET)


def test_verify_plane_on_the_same_line_as_g40_caught():
    # RS274NGC sets the plane before it cancels cutter compensation within one line.
    text = VALID.replace("G40 G49 G80\nG21 G90 G91.1 G94 G17 G54", "G49 G80\nG40 G21 G90 G91.1 G94 G17 G54")
    only(check(text), v.PLANE_BEFORE_G40)


def test_verify_cut_without_a_tool_selected_caught():
    only(broken("T1 M6 G43 H1\n", ""), v.NO_TOOL)


def test_verify_touch_off_stop_selects_the_tool():
    assert check(VALID.replace("T1 M6 G43 H1\n", "(LOAD TOOL: 3 mm bit)\nM0\n")) == []


def test_verify_length_offset_of_another_tool_caught():
    only(broken("T1 M6 G43 H1", "T1 M6 G43 H2"), v.TOOL_MISMATCH)


def test_verify_tool_change_without_a_length_offset_caught():
    only(broken("T1 M6 G43 H1", "T1 M6"), v.NO_TOOL)


def test_verify_wait_shorter_than_the_spindle_ramp_caught():
    problem = only(check(VALID.replace("G4 P2", "G4 P1")), v.NO_SPINDLE_WAIT)
    assert "waited 1 s, its ramp is 2 s" in problem
    only(check(VALID.replace("G4 P2\n", "")), v.NO_SPINDLE_WAIT)


def test_verify_reads_mach3_dwell_in_milliseconds():
    mach3 = v.verify(VALID, design=DESIGN, cut=CUT, machine=MACHINE, post="mach3")
    assert "waited 0.002 s" in only(mach3, v.NO_SPINDLE_WAIT)
    assert v.verify(VALID.replace("G4 P2", "G4 P2000"), design=DESIGN, cut=CUT, machine=MACHINE, post="mach3") == []


def test_verify_grbl_rejects_tool_table_words():
    problems = v.verify(VALID, design=DESIGN, cut=CUT, machine=MACHINE, post="grbl")
    assert "M6" in only(problems, v.POST_REJECTS)
    touch_off = VALID.replace("T1 M6 G43 H1\n", "(load the 3 mm bit, touch off Z0)\nM0\n")
    assert v.verify(touch_off, design=DESIGN, cut=CUT, machine=MACHINE, post="grbl") == []


def test_verify_grbl_line_length_caught():
    long_comment = "(" + "x" * 75 + ")\n"
    problems = v.verify(long_comment + VALID, design=DESIGN, cut=CUT, machine=MACHINE, post="grbl")
    only(problems, v.LINE_TOO_LONG)


def test_verify_non_ascii_caught():
    only(check(VALID.replace("(hand-written slot)", "(hand-written slot \u2013 rosewood)")), v.NOT_ASCII)


def test_verify_unknown_post_is_a_problem_not_an_exception():
    problems = v.verify(VALID, design=DESIGN, cut=CUT, machine=MACHINE, post="fanuc")
    assert problems == ["unknown post 'fanuc'; known posts: linuxcnc, grbl, mach3"]


CLAMPED = {
    **MACHINE,
    "fixtures": [
        {
            **MACHINE["fixtures"][0],
            "clamps": [
                {"name": "toe", "x_min_mm": 8, "x_max_mm": 12, "y_min_mm": -20, "y_max_mm": -10, "height_mm": 10}
            ],
        }
    ],
}


def test_verify_rapid_over_a_clamp_below_its_clearance_caught():
    # The clamp stands 10 mm above the bed: 4 mm above the 6 mm stock, so rapids over it stay at Z7 or higher.
    text = VALID.replace("G0 X0 Y0\n", "G0 X10 Y-30\nG0 X10 Y0\n")
    problem = only(v.verify(text, design=DESIGN, cut=CUT, machine=CLAMPED), v.RAPID_NEAR_CLAMP)
    assert "Z5 < Z7" in problem
    high = text.replace("G0 Z5", "G0 Z7")
    assert v.verify(high, design=DESIGN, cut={**CUT, "safe_z_mm": 7.0}, machine=CLAMPED) == []


def test_verify_helix_judged_by_its_z_share_of_the_feed():
    # Half a turn of radius 5 dropping 1.5 mm at F1440: Z moves at about 137 mm/min, under the 3000 limit.
    helix = VALID.replace("G1 Z-1.5 F480\n", "G1 Z0 F480\nG3 X10 Y0 Z-1.5 I5 J0 F1440\nG3 X0 Y0 I-5 J0\n")
    assert check(helix) == []
    steep = helix.replace("G3 X10 Y0 Z-1.5 I5 J0 F1440", "G3 X0.2 Y0 Z-1.5 I0.1 J0 F9000")
    assert "Z at" in only(check(steep), v.FEED_ABOVE_MAX)


def test_verify_lowercase_spacing_and_comments_accepted():
    text = VALID.replace("G1 X20 Y0 F1440", "g1x20 y 0 f1440 ; to the end")
    text = text.replace("G4 P2", "G4 P2 (spin up)")
    assert check(text) == []


def test_verify_problems_capped():
    text = VALID.replace("G4 P2\n", "G4 P2\n" + "foo\n" * (v.MAX_PROBLEMS + 20))
    problems = check(text)
    assert len(problems) == v.MAX_PROBLEMS + 1
    assert problems[-1] == f"20 {v.MORE_PROBLEMS}"


def test_verify_limits_depth_by_shallower_of_design_and_cut():
    shallow_cut = {**CUT, "depth_mm": 2.0}
    problems = v.verify(VALID, design=DESIGN, cut=shallow_cut, machine=MACHINE)
    only(problems, v.TOO_DEEP)


@settings(derandomize=True, database=None, max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("GMXYZIJFSP0123456789.-+ ();\n\t%eN"), max_size=200))
def test_verify_never_raises_on_arbitrary_text(text):
    assert isinstance(check(text), list)


def test_verify_hop_at_the_retract_plane_allowed_away_from_clamps_refused_over_one():
    # Safe Z7 (above the clamp), retract plane Z5: a hop from a known position may run at Z5 where it crosses
    # no clamp.
    cut = {**CUT, "safe_z_mm": 7.0}
    text = VALID.replace("G0 Z5\nM3", "G0 Z7\nM3").replace("G0 Z5\nM5", "G0 Z7\nM5")
    hop_clear = text.replace("G1 X0 Y0 F1440\n", "G0 Z5\nG0 X0 Y5\nG1 Z-3 F480\nG1 X0 Y0 F1440\n")
    assert v.verify(hop_clear, design=DESIGN, cut=cut, machine=CLAMPED) == []
    over_clamp = text.replace("G1 X0 Y0 F1440\n", "G0 Z5\nG0 X10 Y-15\nG1 Z-3 F480\nG1 X0 Y0 F1440\n")
    only(v.verify(over_clamp, design=DESIGN, cut=cut, machine=CLAMPED), v.RAPID_NEAR_CLAMP)


def test_verify_first_rapid_from_an_unknown_position_needs_the_clearance_plane():
    cut = {**CUT, "safe_z_mm": 7.0}
    problems = v.verify(VALID.replace("G0 Z5\nM5", "G0 Z7\nM5"), design=DESIGN, cut=cut, machine=MACHINE)
    assert "< safe Z7" in only(problems, v.RAPID_XY_BELOW_SAFE_Z)


# --- the steady path: plain moves in the middle of a program are settled without the general path -------------

# Values about the edges each check of a plain move turns on (travel X ±400, Y ±300 and Z -6..94 on this fixture,
# the 3 mm design depth, the 5 mm retract plane, the clamp at X8..12 Y-20..-10 with its 7 mm clearance, the arc
# radius minimum and tolerance, the feeds' maxima), a little either side, and anywhere near the part.
_X = st.one_of(st.sampled_from([400.0, 400.001, -400.0, -400.001, 8.0, 10.0, 12.0]), st.floats(-30, 40))
_Y = st.one_of(st.sampled_from([300.0, 300.001, -300.0, -300.001, -20.0, -15.0, -10.0]), st.floats(-30, 20))
_Z = st.sampled_from([-6.001, -3.001, -3.0, -2.999, -1.5, -0.0005, 0.0, 4.999, 5.0, 6.999, 7.0, 10.0, 94.001])
_FEED = st.sampled_from([None, 480.0, 1440.0, 3000.0, 3000.001, 6000.0, 10000.0, 10000.001, 12000.0])


@st.composite
def _plain_lines(draw, start=(20.0, 0.0, -1.5)) -> list[str]:
    """Plain move lines from ``start``, the position where they go in: rapids, feeds and arcs (true ones, whose
    end is on the circle to the output grid, and some whose end is off it by up to 0.01 mm)."""
    x, y, z = start
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        motion = draw(st.integers(0, 3))
        words = [f"G{motion}"]
        if motion in (2, 3):
            radius = draw(st.sampled_from([0.0005, 0.001, 0.5, 3.0, 40.0, 450.0]))
            heading, turn = draw(st.floats(0, 6.28)), draw(st.floats(0.01, 6.2))
            cx, cy = x - radius * math.cos(heading), y - radius * math.sin(heading)
            off = draw(st.sampled_from([0.0, 0.0, 0.004, 0.006, 0.01]))
            ex = round(cx + (radius + off) * math.cos(heading + turn), 3)
            ey = round(cy + (radius + off) * math.sin(heading + turn), 3)
            ez = draw(st.one_of(st.just(z), _Z))
            words += [f"X{ex:.3f}", f"Y{ey:.3f}", f"Z{ez:g}", f"I{cx - x:.3f}", f"J{cy - y:.3f}"]
        else:
            ex, ey, ez = (
                draw(st.one_of(st.just(x), _X)),
                draw(st.one_of(st.just(y), _Y)),
                draw(st.one_of(st.just(z), _Z)),
            )
            ex, ey = round(ex, 3), round(ey, 3)
            words += [
                f"{axis}{value:.3f}" for axis, value, old in (("X", ex, x), ("Y", ey, y), ("Z", ez, z)) if value != old
            ]
            if len(words) == 1:
                words.append(f"Z{z:.3f}")
        feed = draw(_FEED)
        if motion and feed is not None:
            words.append(f"F{feed:g}")
        lines.append(" ".join(words))
        x, y, z = ex, ey, ez
    return lines


@settings(derandomize=True, database=None, max_examples=500, deadline=None)
@given(
    lines=_plain_lines(),
    where=st.sampled_from(["G1 X20 Y0 F1440\n", "G1 X20 Y0 F1440\n", "M3 S18000\n", "G0 Z5\nM5\n"]),
    machine=st.sampled_from([MACHINE, CLAMPED]),
)
def test_the_steady_path_answers_as_the_general_path_does(lines, where, machine):
    text = VALID.replace(where, where + "\n".join(lines) + "\n", 1)
    fast = v.verify(text, design=DESIGN, cut=CUT, machine=machine)
    with mock.patch.object(v, "_steady_move", return_value=False):
        general = v.verify(text, design=DESIGN, cut=CUT, machine=machine)
    assert fast == general


# Cases the draw above reaches rarely, each on an edge of one condition of the steady path.
_EARLY_CUT = VALID.replace("G0 X0 Y0\n", "").replace("G0 Z5\nM3", "G0 Z5\nG0 X0 Y0\nM3")


@pytest.mark.parametrize(
    ("text", "machine", "found"),
    [
        (VALID.replace("G1 X20 Y0 F1440\n", "G1 X20 Y0 F1440\nG0 Z6\nG0 X10 Y-15\n"), CLAMPED, v.RAPID_NEAR_CLAMP),
        (
            VALID.replace("G1 X20 Y0 F1440\n", "G1 X20 Y0 F1440\nG0 Z10\nG0 X10 Y-15\nG0 Z6\n"),
            CLAMPED,
            v.RAPID_NEAR_CLAMP,
        ),
        (VALID.replace("G1 X20 Y0 F1440\n", "G1 X20 Y0 F1440\nG0 Z10\nG0 X10 Y-15\nG0 Z7\n"), CLAMPED, None),
        (VALID.replace("G1 X20 Y0 F1440\n", "G1 X20 Y0 F10000.001\n"), MACHINE, v.FEED_ABOVE_MAX),
        (VALID.replace("G1 X20 Y0 F1440\n", "G1 X20 Y0 F10000\n"), MACHINE, None),
        (VALID.replace("G1 X20 Y0 F1440\n", "G1 X20 Y0 F1440\nG2 X20 Y0 I-5 J0\n"), MACHINE, v.BAD_ARC),
        (_EARLY_CUT.replace("M3 S18000\n", "M3 S18000\nG1 Z-1 F480\n"), MACHINE, v.NO_SPINDLE_WAIT),
        (_EARLY_CUT, MACHINE, None),
        (VALID.replace("T1 M6 G43 H1\n", ""), MACHINE, v.NO_TOOL),
        (VALID.replace("G1 Z-1.5 F480", "G1 Z-1.5"), MACHINE, v.NO_FEED),
    ],
)
def test_the_steady_path_answers_as_the_general_path_does_on_its_edges(text, machine, found):
    fast = v.verify(text, design=DESIGN, cut=CUT, machine=machine)
    with mock.patch.object(v, "_steady_move", return_value=False):
        assert fast == v.verify(text, design=DESIGN, cut=CUT, machine=machine)
    if found is None:
        assert fast == []
    else:
        only(fast, found)


def test_the_steady_path_settles_the_generators_moves():
    # What it is for: the middle of a real program goes through it, and nothing is found there.
    ring = {**DESIGN, "shape": "ring", "od": 60, "inner_d": 48, "width": 6}
    text = generate(design=ring, cut=CUT, tool=ROUTER, machine=MACHINE).gcode_text
    settled = []
    steady = v._steady_move

    def counting(state, params, limits):
        settled.append(steady(state, params, limits))
        return settled[-1]

    with mock.patch.object(v, "_steady_move", counting):
        assert v.verify(text, design=ring, cut=CUT, machine=MACHINE) == []
    assert sum(settled) > 0.9 * len(settled)
