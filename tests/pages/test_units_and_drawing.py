"""The pure helpers behind the pages' numbers and drawings: precision, units, summaries, scale bars."""

import pytest

from rmos_site.pages import drawing, present, units
from tests.toolpaths.test_gcode import DESIGNS, GOLDEN_CASES, program


@pytest.mark.parametrize(
    ("value", "text"),
    [(2638.9378, "2639"), (1.5, "1.5"), (0.025439, "0.02544"), (24000, "24000"), (24000.0, "24000"),
     (100.0, "100"), (-3.25, "-3.25"), (0.0, "0"), (12.345, "12.35"), ("6000-24000", "6000-24000")],
)  # fmt: skip
def test_numbers_read_at_four_significant_digits(value, text):
    assert units.number(value) == text


def test_quantities_carry_their_unit_and_nothing_reads_as_nothing():
    assert units.quantity(2638.9378, "m/min") == "2639 m/min"
    assert units.quantity(15, "°") == "15°"
    assert units.quantity(None, "mm") == "—"
    assert units.quantity(0.81, "") == "0.81"


def test_a_checks_own_unit_wins_over_the_known_one():
    assert present.check_unit({"code": "FEED_XY", "unit": "in/min"}) == "in/min"
    assert present.check_unit({"code": "FEED_XY"}) == "mm/min"
    assert present.check_unit({"code": "HEAT_RISK"}) == ""
    assert present.check_unit({"code": "SOMETHING_NEW"}) == ""


@pytest.mark.parametrize(
    ("design", "summary"),
    [({"shape": "fret_slots", "scale_length": 648, "frets": 22}, "fret slots · 648 mm · 22 frets"),
     ({"shape": "ring", "od": 100.0, "width": 4, "depth": 1.5}, "ring · Ø100 mm · 4 mm wide · 1.5 mm deep"),
     ({"shape": "pocket_rect", "w": 30, "h": 20}, "rectangular pocket · 30 \N{MULTIPLICATION SIGN} 20 mm"),
     ({"shape": "slot", "length": 40, "depth": True}, "slot · 40 mm long"),
     ({"shape": "hexagon"}, "hexagon"),
     (None, ""), ({"od": 3}, "")],
)  # fmt: skip
def test_design_summaries_for_lists(design, summary):
    assert present.design_summary(design) == summary


def test_design_rows_put_the_shape_first_with_units():
    rows = present.design_rows({"depth": 1.5, "x": 0, "od": 100.0, "shape": "ring", "note": "x"})
    assert [(row["label"], row["value"]) for row in rows] == [
        ("Shape", "Ring (rosette channel)"), ("Outside diameter", "100 mm"), ("Depth", "1.5 mm"),
        ("Position X", "0 mm"), ("Note", "x"),
    ]  # fmt: skip


@pytest.mark.parametrize(("target", "bar"), [(37.0, 20), (120.0, 100), (9.9, 5), (0.3, 0.2)])
def test_scale_bars_are_one_two_five(target, bar):
    assert drawing.nice_length(target) == pytest.approx(bar)


@pytest.mark.parametrize("case", sorted(GOLDEN_CASES))
def test_every_golden_program_draws_with_its_part_zero_and_scale(case):
    generated = program(case)
    svg = drawing.plan_svg(generated.moves, design=DESIGNS[case], title=case)
    assert svg.startswith('<svg class="drawing"')
    assert "X0 Y0" in svg
    assert 'class="dr-scale"' in svg
    assert 'class="dr-cuts"' in svg
    assert "style=" not in svg  # the pages' CSP allows no style attribute
    assert '<g class="dr-part">\n<path' in svg or case == "slot"  # the part as designed (a slot is a line)


def test_fixture_outlines_get_a_layer_of_their_own():
    moves = program(sorted(GOLDEN_CASES)[0]).moves
    clamp = drawing.Outline("clamp 1", ((-60, -10), (-50, -10), (-50, 10), (-60, 10)))
    svg = drawing.plan_svg(moves, design={}, fixtures=(clamp,))
    assert '<g class="dr-fixtures">' in svg
    assert "<title>clamp 1</title>" in svg
