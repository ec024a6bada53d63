"""The plan-view drawing the pages show inline: the toolpath over the part it cuts, to scale.

A shop drawing, not a picture: the part's outline from the design with its dimensions, the toolpath (cuts
solid, rapids dashed in another colour), work zero (X0 Y0, the part's datum on its fixture), a scale bar
and the stock's thickness. Fixture clamps will come with the registry's fixtures: ``fixtures`` takes their
outlines and draws them in their own layer, under the toolpath, when there are any.

Drawn from what the ledger holds: a run's released G-code (read back with ``toolpaths.parse``), or, for a
verdict that has no program yet (a session waiting for approval), the program the generator would write from
the verdict's own design, cut and registry snapshot (``toolpaths.gcode.generate`` is pure), labelled as a
preview. An outline's run also shows, over its moves, the drawn outline, its islands, the tool centre's path and
the tabs (``toolpaths.overlay``: its drawing's text and the planner, one query and one cached plan per drawing).
Markup only (inline SVG with classes; colours live in the stylesheet): the pages' CSP forbids style
attributes. Pure: no queries.
"""

import math
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from django.utils.safestring import mark_safe

from feasibility import geometry
from rmos_site.pages import units
from toolpaths import overlay as outline_overlay
from toolpaths.gcode import ARC_CCW, ARC_CW, RAPID, generate
from toolpaths.parse import GcodeParseError, moves_from_gcode
from toolpaths.summary import plan_box, svg_arc, walk_moves

MIN_SPAN_MM = 20.0
PREVIEW_RISKS = frozenset({"GREEN", "YELLOW"})
MARGIN_RATIO = 0.12


@dataclass(frozen=True)
class Outline:
    """One closed outline in the plan (a fixture's clamp, say): a polygon of (x, y) points in mm."""

    label: str
    points: tuple[tuple[float, float], ...]


def moves_of_run(artifact, drawing: str | None = None):
    """The moves of a run's G-code, or of the program its verdict would give (an outline's from ``drawing``,
    its drawing's text); (moves, is_preview), or (None, False) when there is nothing to draw."""
    if artifact.gcode_text:
        try:
            return moves_from_gcode(artifact.gcode_text), False
        except GcodeParseError:
            return None, False
    if artifact.status != "OK" or artifact.risk_level not in PREVIEW_RISKS:
        # Only a verdict that allows cutting has a program to preview; a refused one never had one.
        return None, False
    feasibility = artifact.feasibility if isinstance(artifact.feasibility, dict) else {}
    snapshot = artifact.registry_snapshot if isinstance(artifact.registry_snapshot, dict) else {}
    design, cut = feasibility.get("design"), feasibility.get("cut")
    tool, machine = snapshot.get("tool"), snapshot.get("machine")
    if not all(isinstance(part, dict) for part in (design, cut, tool, machine)):
        return None, False
    try:
        return generate(design=design, cut=cut, tool=tool, machine=machine, drawing=drawing).moves, True
    except Exception:  # a preview the generator cannot make is left out, never a broken page
        return None, False


def run_fixture(artifact) -> dict | None:
    """The fixture ``artifact`` was judged on, from its own registry snapshot (never today's registry: a later
    edit must not move an old run's clamps), or ``None`` for a run recorded without one."""
    feasibility = artifact.feasibility if isinstance(artifact.feasibility, dict) else {}
    cut = feasibility.get("cut") if isinstance(feasibility.get("cut"), dict) else {}
    snapshot = artifact.registry_snapshot if isinstance(artifact.registry_snapshot, dict) else {}
    machine = snapshot.get("machine") if isinstance(snapshot.get("machine"), dict) else {}
    fixture_id = cut.get("fixture_id")
    for fixture in machine.get("fixtures") or []:
        if isinstance(fixture, dict) and fixture_id and fixture.get("fixture_id") == fixture_id:
            return fixture
    return None


def clamp_outlines(fixture: dict | None) -> tuple[Outline, ...]:
    """A fixture's clamps as plan outlines; clamps are rectangles in part coordinates, like the drawing."""
    outlines = []
    for clamp in (fixture or {}).get("clamps") or []:
        try:
            x0, x1, y0, y1 = (float(clamp[key]) for key in ("x_min_mm", "x_max_mm", "y_min_mm", "y_max_mm"))
        except (KeyError, TypeError, ValueError):
            continue
        label = f"{clamp.get('name') or 'clamp'}, {units.quantity(clamp.get('height_mm'), 'mm')} high"
        outlines.append(Outline(label=label, points=((x0, y0), (x1, y0), (x1, y1), (x0, y1))))
    return tuple(outlines)


def run_drawing(artifact) -> dict | None:
    """What a page needs to show the drawing of ``artifact``: the SVG markup and its caption facts."""
    is_outline = (
        isinstance(artifact.feasibility, dict) and (artifact.feasibility.get("design") or {}).get("shape") == "outline"
    )
    text = outline_overlay.drawing_text(artifact) if is_outline and not artifact.gcode_text else None
    moves, preview = moves_of_run(artifact, drawing=text)
    if not moves:
        return None
    overlay = outline_overlay.outline_geometry(artifact) if is_outline else None
    fixture = run_fixture(artifact)
    fixtures = clamp_outlines(fixture)
    feasibility = artifact.feasibility if isinstance(artifact.feasibility, dict) else {}
    design = feasibility.get("design")
    if not isinstance(design, dict):
        request = artifact.request if isinstance(artifact.request, dict) else {}
        design = request.get("design") if isinstance(request.get("design"), dict) else {}
    return {
        "svg": plan_svg(moves, design=design, fixtures=fixtures, title=artifact.run_id, overlay=overlay),
        "outline": overlay is not None,
        "drawing_name": units.drawing_label(design.get("source")) if overlay is not None else "",
        "preview": preview,
        "stock": units.quantity(design.get("stock_thickness"), "mm"),
        "fixture": fixture,
        "clamps": len(fixtures),
    }


# --- geometry -------------------------------------------------------------------------------------------


def _num(design: dict, key: str) -> float | None:
    value = design.get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def part_outline(design: dict) -> dict:
    """The part as the design gives it: circles, polygons and lines in mm, and the dimensions to print."""
    shape = design.get("shape")
    x, y = _num(design, "x") or 0.0, _num(design, "y") or 0.0
    circles, polygons, lines, notes = [], [], [], []
    if shape == "ring" and _num(design, "od"):
        circles.append((x, y, _num(design, "od") / 2))
        if _num(design, "inner_d"):
            circles.append((x, y, _num(design, "inner_d") / 2))
        notes.append(f"Ø{units.number(_num(design, 'od'))} mm")
    elif shape == "pocket_circle" and _num(design, "d"):
        circles.append((x, y, _num(design, "d") / 2))
        notes.append(f"Ø{units.number(_num(design, 'd'))} mm")
    elif shape == "pocket_rect" and _num(design, "w") and _num(design, "h"):
        w, h = _num(design, "w") / 2, _num(design, "h") / 2
        polygons.append(((x - w, y - h), (x + w, y - h), (x + w, y + h), (x - w, y + h)))
    elif shape == "slot" and _num(design, "length"):
        angle = math.radians(_num(design, "angle") or 0.0)
        length = _num(design, "length")
        lines.append(((x, y), (x + length * math.cos(angle), y + length * math.sin(angle))))
        notes.append(f"{units.number(length)} mm long")
    elif shape == "fret_slots" and not geometry.is_plain_fret_board(design) and _board(design) is not None:
        # A tapered, fanned or radiused board: its edges from the nut to the last fret, where the slots meet them.
        board = _board(design)
        nut, last = board.slot(0), board.slot(board.frets)
        corners = (nut[1], last[1], last[0], nut[0])  # treble nut, treble last fret, bass last fret, bass nut
        polygons.append(tuple((x + px, y + py) for px, py in corners))
        if board.scale_bass != board.scale_treble:
            scales = f"scales {units.number(board.scale_bass)}/{units.number(board.scale_treble)} mm"
        else:
            scales = f"scale {units.number(board.scale_bass)} mm"
        notes.append(f"{scales} · {board.frets} frets")
        if board.radius is not None:
            radii = units.number(board.radius)
            if board.radius_end is not None:
                radii += f" to {units.number(board.radius_end)}"
            notes.append(f"radius {radii} mm")
    elif shape == "fret_slots" and _num(design, "scale_length") and _num(design, "board_width"):
        scale, half = _num(design, "scale_length"), _num(design, "board_width") / 2
        frets = int(_num(design, "frets") or 0)
        last = scale - scale / 2 ** (frets / 12) if frets else scale / 2
        # The blank from the nut to a little past the last fret, as wide as the board.
        end = x + last + min(20.0, scale * 0.03)
        polygons.append(((x, y - half), (end, y - half), (end, y + half), (x, y + half)))
        notes.append(f"scale {units.number(scale)} mm · {frets} frets")
    return {"circles": circles, "polygons": polygons, "lines": lines, "notes": notes}


def _board(design: dict) -> geometry.FretBoard | None:
    """The board of a judged (normalised) design; None for a design the engine would not have judged."""
    try:
        return geometry.FretBoard.of(design)
    except (KeyError, TypeError, ValueError):
        return None


def _outline_bounds(outline: dict) -> tuple[float, float, float, float] | None:
    xs, ys = [], []
    for cx, cy, r in outline["circles"]:
        xs += [cx - r, cx + r]
        ys += [cy - r, cy + r]
    for polygon in outline["polygons"]:
        xs += [point[0] for point in polygon]
        ys += [point[1] for point in polygon]
    for start, end in outline["lines"]:
        xs += [start[0], end[0]]
        ys += [start[1], end[1]]
    return (min(xs), max(xs), min(ys), max(ys)) if xs else None


def nice_length(target: float) -> float:
    """The 1-2-5 length nearest below ``target``: what a scale bar is marked with."""
    if target <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(target))
    for step in (5, 2, 1):
        if step * power <= target:
            return step * power
    return power


# --- the SVG --------------------------------------------------------------------------------------------


def _f(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _pt(x: float, y: float) -> str:
    return f"{_f(x)} {_f(-y)}"  # the plan's Y goes up, SVG's down


def _rings_path(rings, *, closed: bool = True) -> str:
    end = " Z" if closed else ""
    return " ".join("M" + " L".join(_pt(px, py) for px, py in ring) + end for ring in rings if len(ring) > 1)


def _overlay_svg(overlay: dict, stroke: float, dash: str) -> list[str]:
    """An outline's layers over the moves: the drawn outline, its islands, the tool centre's path, the tabs."""
    out = []
    dotted = f'stroke-dasharray="{_f(stroke * 3)} {_f(stroke * 2)}"'
    if overlay.get("offset"):
        d = _rings_path(overlay["offset"])
        out.append(
            f'<path class="dr-offset" d="{d}" stroke-width="{_f(stroke)}" {dotted}><title>tool centre</title></path>'
        )
    if overlay.get("outline"):
        d = _rings_path(overlay["outline"])
        out.append(
            f'<path class="dr-outline" d="{d}" stroke-width="{_f(stroke * 1.6)}"><title>drawn outline</title></path>'
        )
    if overlay.get("islands"):
        d = _rings_path(overlay["islands"])
        title = "<title>island</title>"
        out.append(f'<path class="dr-islands" d="{d}" stroke-width="{_f(stroke * 1.6)}" {dash}>{title}</path>')
    tabs = [tab for tab in overlay.get("tabs") or () if len(tab) > 1]
    if tabs:
        out.append('<g class="dr-tabs">')
        for number, tab in enumerate(tabs, 1):
            out.append(f'<path d="{_rings_path([tab], closed=False)}" stroke-width="{_f(stroke * 7)}">'
                       f"<title>tab {number}</title></path>")  # fmt: skip
        out.append("</g>")
    return out


def _overlay_key(x0: float, y: float, font: float, stroke: float, dash: str) -> list[str]:
    """The second line of the key, for an outline's layers."""
    items = (
        ("dr-outline", "outline", 0.0, ""),
        ("dr-islands", "island", 7.0, dash),
        ("dr-offset", "tool centre", 13.0, f'stroke-dasharray="{_f(stroke * 3)} {_f(stroke * 2)}"'),
        ("dr-tab-key", "tab", 22.5, ""),
    )
    out = ['<g class="dr-key">']
    for css, label, at, extra in items:
        width = stroke * (7 if css == "dr-tab-key" else 1.6)
        out += [
            f'<line x1="{_f(x0 + font * at)}" y1="{_f(-y)}" x2="{_f(x0 + font * (at + 2))}" y2="{_f(-y)}" '
            f'class="{css}" stroke-width="{_f(width)}"{" " + extra if extra else ""}/>',
            f'<text x="{_f(x0 + font * (at + 2.4))}" y="{_f(-y + font * 0.35)}">{label}</text>',
        ]
    out.append("</g>")
    return out


def plan_svg(
    moves, *, design: dict, fixtures: tuple[Outline, ...] = (), title: str = "", overlay: dict | None = None
) -> str:
    """The drawing as inline SVG markup (safe to put in a page). ``overlay``: an outline's layers
    (``toolpaths.overlay.outline_geometry``), drawn over the moves with a second line of key."""
    cuts, rapids = [], []
    box = plan_box()
    pen = None
    for move, start, end in walk_moves(moves):
        box.add_point(end)
        planar = move.kind in (ARC_CW, ARC_CCW) or start[:2] != end[:2]
        if None in (start[0], start[1]) or not planar:
            continue
        if move.kind == RAPID:
            rapids.append(f"M{_pt(start[0], start[1])} L{_pt(end[0], end[1])}")
            continue
        if pen != start[:2]:
            cuts.append(f"M{_pt(start[0], start[1])}")
        if move.kind in (ARC_CW, ARC_CCW):
            box.add_arc(move, start, end)
            cuts.extend(svg_arc(move, start, end))
        else:
            cuts.append(f"L{_pt(end[0], end[1])}")
        pen = end[:2]

    outline = part_outline(design)
    if overlay:
        # The part is what the drawing draws: its outlines, with its islands as holes.
        outline["polygons"] += [tuple(ring) for ring in (*overlay["outline"], *overlay["islands"]) if len(ring) > 2]
    x_min, x_max, y_min, y_max = box.plan_view()
    bounds = [(x_min, x_max, y_min, y_max), (0.0, 0.0, 0.0, 0.0)]  # work zero is always in the picture
    part = _outline_bounds(outline)
    if part:
        bounds.append(part)
    if overlay and overlay.get("offset"):
        points = [point for ring in overlay["offset"] for point in ring]
        if points:
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            bounds.append((min(xs), max(xs), min(ys), max(ys)))
    for fixture in fixtures:
        bounds.append(_outline_bounds({"circles": [], "polygons": [fixture.points], "lines": []}))
    x_min, x_max = min(b[0] for b in bounds), max(b[1] for b in bounds)
    y_min, y_max = min(b[2] for b in bounds), max(b[3] for b in bounds)
    span = max(x_max - x_min, y_max - y_min, MIN_SPAN_MM)
    margin = span * MARGIN_RATIO
    font = span / 28
    stroke = span / 450
    # Room below the part for its X dimension and the scale bar, to the right for its Y dimension.
    left, right = x_min - margin, x_max + margin + font * 2.5
    top, bottom = y_max + margin, y_min - margin - font * (7.5 if overlay else 5.5)
    width, height = right - left, top - bottom

    out = [
        f'<svg class="drawing" xmlns="http://www.w3.org/2000/svg" viewBox="{_f(left)} {_f(-top)} {_f(width)} '
        f'{_f(height)}" role="img" aria-label={quoteattr(f"Plan view of {title}: toolpath over the part, to scale")} '
        f'font-size="{_f(font)}" stroke-width="{_f(stroke)}">',
        f"<title>{escape(f'Plan view of {title}')}</title>",
    ]
    # The part as designed.
    out.append('<g class="dr-part">')
    # One even-odd path, so that a ring's inner circle is the hole it is, not more of the part.
    shapes = [
        f"M{_f(cx - r)} {_f(-cy)} A{_f(r)} {_f(r)} 0 1 0 {_f(cx + r)} {_f(-cy)} A{_f(r)} {_f(r)} 0 1 0 {_f(cx - r)} "
        f"{_f(-cy)} Z"
        for cx, cy, r in outline["circles"]
    ]
    shapes += ["M" + " L".join(_pt(px, py) for px, py in polygon) + " Z" for polygon in outline["polygons"]]
    if shapes:
        out.append(f'<path d="{" ".join(shapes)}" fill-rule="evenodd"/>')
    for start, end in outline["lines"]:
        out.append(f'<line x1="{_f(start[0])}" y1="{_f(-start[1])}" x2="{_f(end[0])}" y2="{_f(-end[1])}"/>')
    out.append("</g>")
    # Fixtures (clamps) when the registry gives them; none are recorded yet.
    if fixtures:
        out.append('<g class="dr-fixtures">')
        for fixture in fixtures:
            points = " ".join(_pt(px, py).replace(" ", ",") for px, py in fixture.points)
            out.append(f"<polygon points={quoteattr(points)}><title>{escape(fixture.label)}</title></polygon>")
        out.append("</g>")
    # The toolpath: rapids dashed under the cuts.
    dash = f'stroke-dasharray="{_f(stroke * 6)} {_f(stroke * 4)}"'
    if rapids:
        out.append(f'<path class="dr-rapids" d="{" ".join(rapids)}" {dash}/>')
    if cuts:
        out.append(f'<path class="dr-cuts" d="{" ".join(cuts)}" stroke-width="{_f(stroke * 2.5)}"/>')
    if overlay:
        out += _overlay_svg(overlay, stroke, dash)
    # Work zero: the machinist's quartered circle.
    r0 = font * 0.6
    out += [
        '<g class="dr-zero">',
        f'<circle cx="0" cy="0" r="{_f(r0)}"/>',
        f'<path d="M0 0 L{_f(r0)} 0 A{_f(r0)} {_f(r0)} 0 0 0 0 {_f(-r0)} Z M0 0 L{_f(-r0)} 0 '
        f'A{_f(r0)} {_f(r0)} 0 0 0 0 {_f(r0)} Z" class="dr-zero-fill"/>',
        f'<text x="{_f(r0 * 1.3)}" y="{_f(r0 * 2.4)}">X0 Y0</text>',
        "</g>",
    ]
    # Dimensions of the part (of the toolpath where the design gives no outline).
    px_min, px_max, py_min, py_max = part or (x_min, x_max, y_min, y_max)
    tick = font * 0.5
    dim_y = py_min - margin * 0.55
    dim_x = px_max + margin * 0.55
    out += [
        '<g class="dr-dims">',
        f'<line x1="{_f(px_min)}" y1="{_f(-dim_y)}" x2="{_f(px_max)}" y2="{_f(-dim_y)}"/>',
        f'<line x1="{_f(px_min)}" y1="{_f(-dim_y - tick)}" x2="{_f(px_min)}" y2="{_f(-dim_y + tick)}"/>',
        f'<line x1="{_f(px_max)}" y1="{_f(-dim_y - tick)}" x2="{_f(px_max)}" y2="{_f(-dim_y + tick)}"/>',
        f'<text x="{_f((px_min + px_max) / 2)}" y="{_f(-dim_y + font * 1.2)}" text-anchor="middle">'
        f"{units.number(px_max - px_min)} mm</text>",
        f'<line x1="{_f(dim_x)}" y1="{_f(-py_min)}" x2="{_f(dim_x)}" y2="{_f(-py_max)}"/>',
        f'<line x1="{_f(dim_x - tick)}" y1="{_f(-py_min)}" x2="{_f(dim_x + tick)}" y2="{_f(-py_min)}"/>',
        f'<line x1="{_f(dim_x - tick)}" y1="{_f(-py_max)}" x2="{_f(dim_x + tick)}" y2="{_f(-py_max)}"/>',
        f'<text x="{_f(dim_x + font * 0.4)}" y="{_f(-(py_min + py_max) / 2)}" '
        f'transform="rotate(-90 {_f(dim_x + font * 0.4)} {_f(-(py_min + py_max) / 2)})" text-anchor="middle" '
        f'dy="{_f(font * 0.9)}">{units.number(py_max - py_min)} mm</text>',
        "</g>",
    ]
    # Scale bar and key along the bottom.
    bar = nice_length(span / 4)
    base = bottom + font * 1.6
    key_y = bottom + font * (5.4 if overlay else 3.6)  # an outline's line of key goes under this one
    segment = bar / 2
    out += [
        '<g class="dr-scale">',
        f'<rect x="{_f(left + margin)}" y="{_f(-base - tick)}" width="{_f(segment)}" height="{_f(tick)}" '
        'class="dr-scale-dark"/>',
        f'<rect x="{_f(left + margin + segment)}" y="{_f(-base - tick)}" width="{_f(segment)}" height="{_f(tick)}" '
        'class="dr-scale-light"/>',
        f'<text x="{_f(left + margin + bar + font * 0.5)}" y="{_f(-base)}">{units.number(bar)} mm</text>',
        "</g>",
        '<g class="dr-key">',
        f'<line x1="{_f(left + margin)}" y1="{_f(-key_y)}" x2="{_f(left + margin + font * 2)}" y2="{_f(-key_y)}" '
        f'class="dr-cuts" stroke-width="{_f(stroke * 2.5)}"/>',
        f'<text x="{_f(left + margin + font * 2.4)}" y="{_f(-key_y + font * 0.35)}">cut</text>',
        f'<line x1="{_f(left + margin + font * 5)}" y1="{_f(-key_y)}" x2="{_f(left + margin + font * 7)}" '
        f'y2="{_f(-key_y)}" class="dr-rapids" {dash}/>',
        f'<text x="{_f(left + margin + font * 7.4)}" y="{_f(-key_y + font * 0.35)}">rapid</text>',
        f'<line x1="{_f(left + margin + font * 10.5)}" y1="{_f(-key_y)}" x2="{_f(left + margin + font * 12.5)}" '
        f'y2="{_f(-key_y)}" class="dr-part-key"/>',
        f'<text x="{_f(left + margin + font * 12.9)}" y="{_f(-key_y + font * 0.35)}">part</text>',
        "</g>",
    ]
    if overlay:
        out += _overlay_key(left + margin, key_y - font * 1.8, font, stroke, dash)
    out.append("</svg>")
    return mark_safe("\n".join(out))
