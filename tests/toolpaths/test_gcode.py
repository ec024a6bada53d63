"""G-code generation: golden files, geometry, structure and determinism. Pure: no Django, no database.

The golden files under ``golden/`` pin the exact bytes of one program per design and post
(``{shape}.{post}.{extension}``). After an intended change to the output, regenerate them and review the diff:

    RMOS_UPDATE_GOLDEN=1 .venv/bin/python -m pytest -p no:django tests/toolpaths/test_gcode.py
"""

import math
import os
import re
import time
from itertools import pairwise
from pathlib import Path

import pytest

from tests.toolpaths.shop import MACHINE, ROUTER
from toolpaths import posts
from toolpaths.gcode import ARC_CCW, FEED, HELIX, PARK, RAMP, RAPID, Move, format_number, generate
from toolpaths.posts import GenerationRefused
from toolpaths.verify import verify

GOLDEN_DIR = Path(__file__).parent / "golden"
UPDATE_GOLDEN = os.environ.get("RMOS_UPDATE_GOLDEN") == "1"

SAW = {
    **ROUTER,
    "tool_id": "saw:thin_140",
    "name": "140 mm thin-kerf fret saw",
    "kind": "saw",
    "diameter_mm": 140.0,
    "flutes": 60,
    "flute_length_mm": 20.0,
    "shank_mm": 0.0,
    "stickout_mm": 0.0,
    "kerf_mm": 0.6,
    "max_rpm": 12000,
    "tool_material": "hss",
}
VBIT = {**ROUTER, "tool_id": "vbit:60deg", "name": "60 degree V-bit", "kind": "vbit", "diameter_mm": 6.0}
VBIT["vbit_angle_deg"] = 60.0
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
SAW_CUT = {**CUT, "rpm": 8000, "feed_mm_min": 600.0, "plunge_mm_min": 300.0, "stepdown_mm": 1.0, "passes": 3}
PLACED = {"x": 0.0, "y": 0.0, "stock_thickness": 6.0, "depth": 3.0}
DESIGNS = {
    "ring": {**PLACED, "shape": "ring", "od": 100.0, "inner_d": 90.0, "width": 5.0},
    "slot": {**PLACED, "shape": "slot", "x": -20.0, "y": 10.0, "length": 60.0, "angle": 30.0},
    "fret_slots": {
        **PLACED,
        "shape": "fret_slots",
        "x": -300.0,
        "scale_length": 648.0,
        "frets": 24,
        "board_width": 56.0,
    },
    "pocket_circle": {**PLACED, "shape": "pocket_circle", "x": 50.0, "y": -40.0, "d": 20.0},
    "pocket_rect": {**PLACED, "shape": "pocket_rect", "w": 30.0, "h": 16.0},
}
GOLDEN_CASES = {
    "ring": (ROUTER, CUT),
    "slot": (ROUTER, CUT),
    "fret_slots": (SAW, SAW_CUT),
    "pocket_circle": (ROUTER, CUT),
    "pocket_rect": (ROUTER, CUT),
}
MOTION_LINE = re.compile(r"^G[0-3] ")
POSTS = sorted(posts.POSTS)
NUMBERED = {**ROUTER, "tool_number": 4}


def program(case, *, tool=None, cut=None, post=None, **changes):
    default_tool, default_cut = GOLDEN_CASES[case]
    return generate(
        design={**DESIGNS[case], **changes},
        cut=cut or default_cut,
        tool=tool or default_tool,
        machine=MACHINE,
        post=post,
    )


def golden_path(shape: str, post: str) -> Path:
    return GOLDEN_DIR / f"{shape}.{post}.{posts.file_extension(post)}"


def golden_program(shape: str, post: str):
    """The program a golden file pins: the router cases load a numbered tool, so a post with a tool table writes
    its tool change."""
    return program(shape, tool=NUMBERED if GOLDEN_CASES[shape][0] is ROUTER else None, post=post)


GOLDEN_KEYS = [(shape, post) for shape in sorted(GOLDEN_CASES) for post in POSTS]


def cutting_moves(moves):
    """(move, x, y, z) of every feed and arc move, with modal axes filled in."""
    x = y = z = None
    found = []
    for move in moves:
        x = x if move.x is None else move.x
        y = y if move.y is None else move.y
        z = z if move.z is None else move.z
        if move.kind != RAPID:
            found.append((move, x, y, z))
    return found


def arc_radii(moves):
    return [round(math.hypot(move.i, move.j), 3) for move in moves if move.kind == ARC_CCW]


@pytest.mark.parametrize(("shape", "post"), GOLDEN_KEYS)
def test_gcode_matches_golden_file(shape, post):
    text = golden_program(shape, post).gcode_text
    golden = golden_path(shape, post)
    if UPDATE_GOLDEN:
        GOLDEN_DIR.mkdir(exist_ok=True)
        golden.write_bytes(text.encode("ascii"))
    assert text == golden.read_bytes().decode("ascii")


@pytest.mark.parametrize(
    ("shape", "tool", "cut"),
    [
        ("ring", ROUTER, CUT),
        ("ring", VBIT, CUT),
        ("slot", ROUTER, CUT),
        ("slot", SAW, SAW_CUT),
        ("fret_slots", SAW, SAW_CUT),
        ("fret_slots", ROUTER, CUT),
        ("pocket_circle", ROUTER, CUT),
        ("pocket_circle", VBIT, CUT),
        ("pocket_rect", ROUTER, CUT),
        ("pocket_rect", VBIT, CUT),
    ],
)
def test_gcode_passes_verify_for_every_design(shape, tool, cut):
    design = DESIGNS[shape]
    text = generate(design=design, cut=cut, tool=tool, machine=MACHINE).gcode_text
    assert verify(text, design=design, cut=cut, machine=MACHINE) == []


@pytest.mark.parametrize("shape", sorted(GOLDEN_CASES))
def test_gcode_deterministic_for_equal_inputs(shape):
    tool, cut = GOLDEN_CASES[shape]
    first = program(shape)
    # Equal dicts built in another key order must give the same bytes.
    second = generate(
        design=dict(reversed(list(DESIGNS[shape].items()))),
        cut=dict(reversed(list(cut.items()))),
        tool=dict(reversed(list(tool.items()))),
        machine=dict(reversed(list(MACHINE.items()))),
    )
    assert first.gcode_text.encode() == second.gcode_text.encode()
    assert first.moves == second.moves


@pytest.mark.parametrize("post", POSTS)
@pytest.mark.parametrize("shape", sorted(GOLDEN_CASES))
def test_gcode_structure_in_order(shape, post):
    text = program(shape, post=post).gcode_text
    lines = text.splitlines()
    first_code = next(k for k, line in enumerate(lines) if not line.startswith("("))
    header, code = lines[:first_code], lines[first_code:]
    tool, cut = GOLDEN_CASES[shape]
    safe = f"G0 Z{format_number(cut['safe_z_mm'])}"
    assert all(line.startswith("(") and line.endswith(")") for line in header)
    assert any(f"RMOS program: {shape}" in line for line in header)
    assert any("Z0 = top of stock" in line for line in header)
    assert any("units: mm" in line for line in header)
    assert any(line.startswith("(entry: ") for line in header)
    # The work offset of the fixture the job was judged on is selected before the first move.
    assert any("fixture: table_centre G54" in line for line in header)
    # The safety line: cutter compensation off on a line before the plane is set.
    assert code[:2] == ["G40 G49 G80", "G21 G90 G91.1 G94 G17 G54"]
    # No tool-table number: a touch-off stop naming the tool and where Z0 is.
    stop = code.index("M0")
    assert any(tool["tool_id"] in line for line in code[2:stop])
    assert any("TOUCH OFF Z0" in line for line in code[2:stop])
    assert code[stop + 1 : stop + 4] == [safe, f"M3 S{format_number(cut['rpm'])}", _dwell(post, 2)]
    # The park: the top of the Z travel (soft limit Z0) above work zero (bed Z-100 + 6 mm stock), less 1 mm.
    park = "G0 Z93"
    assert code[-4:] == [safe, "M5", park, "M30"]
    assert text.endswith("M30\n")


def _dwell(post: str, seconds: float) -> str:
    return f"G4 P{format_number(seconds * 1000 if post == 'mach3' else seconds)}"


@pytest.mark.parametrize("post", ["linuxcnc", "mach3"])
def test_tool_table_posts_change_and_measure_a_numbered_tool(post):
    code = program("slot", tool=NUMBERED, post=post).gcode_text.splitlines()
    assert "T4 M6 G43 H4" in code
    assert "M0" not in code


def test_grbl_has_no_tool_table_so_a_numbered_tool_is_still_a_touch_off_stop():
    text = program("slot", tool=NUMBERED, post="grbl").gcode_text
    assert "M6" not in text
    assert "G43" not in text
    assert "\nM0\n" in text
    assert all(len(line) <= posts.POSTS["grbl"].max_line for line in text.splitlines())
    assert verify(text, design=DESIGNS["slot"], cut=CUT, machine=MACHINE, post="grbl") == []


def test_the_wait_after_the_spindle_starts_is_the_machines_spindle_ramp():
    machine = {**MACHINE, "spindle_ramp_s": 7.5}
    for post, word in (("linuxcnc", "G4 P7.5"), ("grbl", "G4 P7.5"), ("mach3", "G4 P7500")):
        text = generate(design=DESIGNS["slot"], cut=CUT, tool=ROUTER, machine=machine, post=post).gcode_text
        assert word in text.splitlines()


def test_unknown_post_is_refused_naming_the_known_ones():
    with pytest.raises(GenerationRefused, match="known posts: linuxcnc, grbl, mach3"):
        program("slot", post="fanuc")


SMALL = {**ROUTER, "diameter_mm": 1.5875, "tool_id": "router:upcut_1_16in"}
NOT_CENTRE = {**ROUTER, "centre_cutting": False}


ENTRIES = [("ring", HELIX), ("pocket_circle", HELIX), ("pocket_rect", RAMP), ("slot", RAMP)]


@pytest.mark.parametrize(("shape", "role"), ENTRIES)
@pytest.mark.parametrize("tool", [SMALL, NOT_CENTRE], ids=["small", "not_centre_cutting"])
def test_small_or_non_centre_cutting_tools_ramp_or_helix_in_never_plunge(shape, role, tool):
    cut = {**CUT, "stepdown_mm": 1.0}
    result = program(shape, tool=tool, cut=cut)
    moves = result.moves
    entries = [move for move in moves if move.role == role]
    assert entries, result.entry
    # No straight plunge below the stock top.
    z = None
    for move in moves:
        if move.kind == FEED and move.x is None and move.y is None:
            assert move.z >= 0
        z = z if move.z is None else move.z
    assert ("helix" if role == HELIX else "ramp") in result.entry
    assert verify(result.gcode_text, design={**DESIGNS[shape]}, cut=cut, machine=MACHINE) == []


def test_ramps_are_no_steeper_than_the_entry_angle():
    result = program("slot", tool=SMALL, cut={**CUT, "stepdown_mm": 1.0})
    x = y = z = None
    for move in result.moves:
        if move.role == RAMP:
            run = math.dist((x, y), (move.x, move.y))
            assert (z - move.z) / run <= math.tan(math.radians(10)) + 1e-3
        x = x if move.x is None else move.x
        y = y if move.y is None else move.y
        z = z if move.z is None else move.z


def test_non_centre_cutting_tool_without_room_to_ramp_is_refused():
    with pytest.raises(GenerationRefused, match="does not cut at its centre"):
        program("pocket_circle", tool=NOT_CENTRE, d=3.2)


def test_centre_cutting_small_tool_without_room_plunges_and_says_so():
    tool = {**SMALL, "diameter_mm": 2.0}
    result = program("pocket_circle", tool=tool, d=2.2, cut={**CUT, "stepdown_mm": 1.0})
    assert "no room to ramp" in result.entry


def test_program_parks_at_the_top_of_the_travel_after_the_spindle_stops():
    moves = program("slot").moves
    assert moves[-1].role == PARK
    # Soft limit Z0 less the work zero (bed Z-100 + 6 mm stock) less the 1 mm margin.
    assert moves[-1].z == 93.0


@pytest.mark.parametrize("shape", sorted(GOLDEN_CASES))
def test_gcode_one_line_per_move(shape):
    result = program(shape)
    motion_lines = [line for line in result.gcode_text.splitlines() if MOTION_LINE.match(line)]
    assert len(motion_lines) == len(result.moves)
    assert all(isinstance(move, Move) for move in result.moves)


@pytest.mark.parametrize("shape", sorted(GOLDEN_CASES))
def test_gcode_plunges_at_plunge_feed_and_cuts_at_feed(shape):
    cut = GOLDEN_CASES[shape][1]
    for move in program(shape).moves:
        if move.kind == FEED and move.x is None:
            assert move.feed == cut["plunge_mm_min"]
            assert move.role == "plunge"
        elif move.kind != RAPID:
            assert move.feed == cut["feed_mm_min"]


@pytest.mark.parametrize("shape", sorted(GOLDEN_CASES))
def test_gcode_rapids_only_at_safe_z(shape):
    z = None
    for move in program(shape).moves:
        if move.kind == RAPID and move.x is not None:
            assert z == GOLDEN_CASES[shape][1]["safe_z_mm"]
        z = z if move.z is None else move.z


def test_ring_radii_stay_inside_channel_by_tool_radius():
    radii = sorted(set(arc_radii(program("ring", od=200.0, inner_d=180.0, width=10.0).moves)))
    assert radii[0] == pytest.approx(90.0 + 1.5)
    assert radii[-1] == pytest.approx(100.0 - 1.5)
    assert max(b - a for a, b in pairwise(radii)) <= CUT["stepover_mm"] + 1e-9


def test_ring_width_equal_to_tool_cuts_one_radius():
    radii = set(arc_radii(program("ring", od=100.0, inner_d=94.0, width=3.0).moves))
    assert radii == {48.5}


def test_ring_depth_levels_no_deeper_than_stepdown_apart():
    moves = program("ring", depth=4.0, cut={**CUT, "depth_mm": 4.0}).moves
    levels = sorted({z for _, _, _, z in cutting_moves(moves)}, reverse=True)
    # ceil(4 / 1.5) = 3 equal levels.
    assert levels == pytest.approx([-4 / 3, -8 / 3, -4.0], abs=1e-3)
    assert max(a - b for a, b in pairwise([0.0, *levels])) <= CUT["stepdown_mm"]


@pytest.mark.parametrize(("design_depth", "cut_depth"), [(1.2346, 1.235), (1.2344, 1.234)])
def test_depth_rounding_never_goes_below_design_or_cut_depth(design_depth, cut_depth):
    # The engine rounds cut figures to 3 decimals; the program must respect the shallower depth anyway.
    design = {**DESIGNS["slot"], "depth": design_depth}
    cut = {**CUT, "depth_mm": cut_depth}
    result = generate(design=design, cut=cut, tool=ROUTER, machine=MACHINE)
    deepest = min(z for _, _, _, z in cutting_moves(result.moves))
    assert deepest == -1.234
    assert verify(result.gcode_text, design=design, cut=cut, machine=MACHINE) == []


def test_fret_slots_at_twelve_tet_positions():
    design = DESIGNS["fret_slots"]
    xs = sorted({x for _, x, _, _ in cutting_moves(program("fret_slots").moves)})
    scale = design["scale_length"]
    expected = [design["x"] + scale - scale / 2 ** (n / 12) for n in range(1, design["frets"] + 1)]
    assert xs == pytest.approx(expected, abs=5e-4)
    # The 12th fret halves the string.
    assert xs[11] == pytest.approx(design["x"] + scale / 2, abs=5e-4)


def test_fret_slots_cut_across_full_board_width():
    cuts = cutting_moves(program("fret_slots").moves)
    ys = [y for move, _, y, _ in cuts if move.x is not None]
    assert min(ys) < -DESIGNS["fret_slots"]["board_width"] / 2
    assert max(ys) > DESIGNS["fret_slots"]["board_width"] / 2


def test_fret_slots_step_down_off_the_board():
    half = DESIGNS["fret_slots"]["board_width"] / 2
    for move, _, y, _ in cutting_moves(program("fret_slots").moves):
        if move.x is None:
            assert abs(y) > half


def test_fret_slots_retract_between_frets():
    moves = program("fret_slots").moves
    rapids_xy = [move for move in moves if move.kind == RAPID and move.x is not None]
    assert len(rapids_xy) == DESIGNS["fret_slots"]["frets"]


def test_slot_alternates_direction_per_pass():
    design = DESIGNS["slot"]
    cuts = [(x, y) for move, x, y, _ in cutting_moves(program("slot").moves) if move.x is not None]
    end = (
        design["x"] + design["length"] * math.cos(math.radians(design["angle"])),
        design["y"] + design["length"] * math.sin(math.radians(design["angle"])),
    )
    assert cuts[0] == pytest.approx(end, abs=5e-4)
    assert cuts[1] == pytest.approx((design["x"], design["y"]))


def test_pocket_rect_stays_inside_by_tool_radius():
    cuts = cutting_moves(program("pocket_rect").moves)
    xs = [x for _, x, _, _ in cuts]
    ys = [y for _, _, y, _ in cuts]
    half_w, half_h = DESIGNS["pocket_rect"]["w"] / 2 - 1.5, DESIGNS["pocket_rect"]["h"] / 2 - 1.5
    assert (min(xs), max(xs), min(ys), max(ys)) == (-half_w, half_w, -half_h, half_h)


def test_pocket_rect_rows_no_further_apart_than_stepover():
    rows = sorted({y for move, _, y, _ in cutting_moves(program("pocket_rect").moves) if move.x is not None})
    assert max(b - a for a, b in pairwise(rows)) <= CUT["stepover_mm"] + 1e-9


def test_pocket_rect_rows_run_along_longer_side():
    moves = program("pocket_rect", w=16.0, h=30.0).moves
    rows = {x for move, x, _, _ in cutting_moves(moves) if move.x is not None}
    assert len(rows) > 5  # rows stack along X, each running along Y


def test_pocket_circle_rings_reach_wall_stepping_at_most_stepover():
    radii = sorted(set(arc_radii(program("pocket_circle").moves)))
    assert radii[-1] == pytest.approx(DESIGNS["pocket_circle"]["d"] / 2 - 1.5)
    assert radii[0] <= CUT["stepover_mm"]
    assert max(b - a for a, b in pairwise(radii)) <= CUT["stepover_mm"] + 1e-9


def test_pocket_circle_plunges_at_centre():
    design = DESIGNS["pocket_circle"]
    first_plunge = next(c for c in cutting_moves(program("pocket_circle").moves) if c[0].x is None)
    assert first_plunge[1:3] == (design["x"], design["y"])


def test_stepover_wider_than_tool_is_capped_at_tool_width():
    radii = sorted(set(arc_radii(program("pocket_circle", cut={**CUT, "stepover_mm": 10.0}).moves)))
    assert max(b - a for a, b in pairwise([0.0, *radii])) <= ROUTER["diameter_mm"]


def test_vbit_offsets_by_width_at_full_depth():
    # 60 degree V at 3 mm deep cuts 2 * 3 * tan(30 degrees) = 3.464 mm wide.
    radii = sorted(set(arc_radii(program("pocket_circle", tool=VBIT).moves)))
    assert radii[-1] == pytest.approx(10.0 - 3.0 * math.tan(math.radians(30)), abs=1e-3)


def test_header_comment_survives_parentheses_in_names():
    tool = {**ROUTER, "name": "bit (old) ; M30"}
    text = program("slot", tool=tool).gcode_text
    header = next(line for line in text.splitlines() if "tool: " in line)
    assert header.count("(") == 1
    assert header.endswith(")")
    assert ";" not in header
    assert verify(text, design=DESIGNS["slot"], cut=CUT, machine=MACHINE) == []


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (5.0, "5"),
        (-0.0, "0"),
        (-0.0004, "0"),
        (1.23456, "1.235"),
        (-2.5, "-2.5"),
        (10.1, "10.1"),
        (100.0, "100"),
    ],
)
def test_format_number_fixed_decimals_without_trailing_zeros(value, text):
    assert format_number(value) == text


def test_gcode_never_prints_negative_zero():
    text = program("slot", angle=90.0).gcode_text
    assert not re.search(r"[XYZIJ]-0(?![.\d])", text)


@pytest.mark.parametrize(
    ("shape", "tool", "cut", "changes", "message"),
    [
        ("ring", SAW, SAW_CUT, {}, "saw blade cannot cut a ring"),
        ("pocket_rect", SAW, SAW_CUT, {}, "saw blade cannot cut a pocket_rect"),
        ("ring", ROUTER, CUT, {"od": 100.0, "inner_d": 98.0}, "wider than the ring channel"),
        ("pocket_circle", ROUTER, CUT, {"d": 2.0}, "wider than the pocket"),
        ("pocket_rect", ROUTER, CUT, {"h": 2.0}, "wider than the pocket height"),
        ("ring", ROUTER, CUT, {"od": 20.0, "inner_d": -40.0, "width": 30.0}, "inner_d must not be negative"),
        ("slot", ROUTER, CUT, {"depth": 3.01}, "differs from the design depth"),
        ("slot", ROUTER, {**CUT, "stepdown_mm": 0.0}, {}, "stepdown_mm must be a positive number"),
        ("slot", ROUTER, CUT, {"shape": "spiral"}, "unknown design shape"),
    ],
)
def test_generate_rejects_inputs_that_cannot_be_cut(shape, tool, cut, changes, message):
    with pytest.raises(ValueError, match=message):
        program(shape, tool=tool, cut=cut, **changes)


def test_generate_fast_for_full_fretboard_and_fine_rosette():
    fretboard = {**DESIGNS["fret_slots"], "frets": 24}
    rosette = {**DESIGNS["ring"], "od": 200.0, "inner_d": 150.0, "width": 25.0}
    fine = {**CUT, "stepover_mm": 0.1}
    started = time.perf_counter()
    generate(design=fretboard, cut=SAW_CUT, tool=SAW, machine=MACHINE)
    rosette_program = generate(design=rosette, cut=fine, tool=ROUTER, machine=MACHINE)
    elapsed = time.perf_counter() - started
    assert len(rosette_program.moves) > 1000
    # Milliseconds in practice; the bound only catches an accidental quadratic on a busy machine.
    assert elapsed < 0.5


# --- clearance and retract planes ---------------------------------------------------------------------------

FRET_ROUTER = {**ROUTER, "tool_id": "router:fret_0_58mm", "diameter_mm": 0.584}
# A 20 mm clamp over the board's upper edge between frets 1 and 2 (at X36.4 and X70.7 from the nut).
CLAMPED = {
    **MACHINE,
    "fixtures": [
        {
            **MACHINE["fixtures"][0],
            "clamps": [
                {"name": "edge clamp", "x_min_mm": 45, "x_max_mm": 60, "y_min_mm": 20, "y_max_mm": 60, "height_mm": 20}
            ],
        }
    ],
}


def _xy_rapids(moves):
    """(start, end, z) of every XY rapid after the first, with modal axes filled in."""
    x = y = z = None
    hops = []
    for move in moves:
        nx = x if move.x is None else move.x
        ny = y if move.y is None else move.y
        nz = z if move.z is None else move.z
        if move.kind == RAPID and move.x is not None and x is not None:
            hops.append(((x, y), (nx, ny), nz))
        x, y, z = nx, ny, nz
    return hops


def test_hops_between_features_run_at_the_retract_plane_except_over_a_clamp():
    # The clamp stands 14 mm above the 6 mm stock: the clearance plane is 3 mm above it, Z17.
    cut = {**CUT, "safe_z_mm": 17.0, "stepdown_mm": 3.0, "depth_mm": 3.0}
    design = {**DESIGNS["fret_slots"], "x": 0.0, "frets": 4}
    result = generate(design=design, cut=cut, tool=FRET_ROUTER, machine=CLAMPED)
    hops = _xy_rapids(result.moves)
    assert len(hops) == 3
    crossing = [hop for hop in hops if hop[0][0] < 45 and hop[1][0] > 60]
    assert [z for *_, z in crossing] == [17.0]
    assert all(z == 5.0 for hop in hops if hop not in crossing for z in [hop[2]])
    # The first rapid (from wherever the machine stood) and the last retract are at the clearance plane.
    assert result.moves[0].z == 17.0
    assert [move.z for move in result.moves if move.kind == RAPID and move.z is not None][-2] == 17.0
    assert verify(result.gcode_text, design=design, cut=cut, machine=CLAMPED) == []


def test_a_saw_never_drops_to_the_retract_plane():
    cut = {**SAW_CUT, "safe_z_mm": 17.0}
    result = program("fret_slots", cut=cut)
    assert {z for *_, z in _xy_rapids(result.moves)} == {17.0}
