"""Figures and a plan-view drawing of a move list from ``toolpaths.gcode``. Pure and deterministic.

Moves leave unchanged axes ``None``; the machine's position before the program is unknown, so travel from
it (the opening retract and the first rapid in XY) has no length and adds nothing to the time. Dwells are
not moves and are not timed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from xml.sax.saxutils import escape, quoteattr

from toolpaths.gcode import ARC_CCW, ARC_CW, FEED, RAPID, Move, arc_extent, arc_sweep, format_number

ROUND_DIGITS = 3
SECONDS_PER_MINUTE = 60.0

SVG_SIZE_PX = 640
SVG_MARGIN_RATIO = 0.05
SVG_MIN_SPAN_MM = 10.0
CUT_COLOUR = "#1d4ed8"
RAPID_COLOUR = "#dc2626"
GUIDE_COLOUR = "#9ca3af"
OUTLINE_COLOUR = "#111827"
ISLAND_COLOUR = "#7c3aed"
OFFSET_COLOUR = "#0f766e"
TAB_COLOUR = "#f59e0b"

_Point = tuple[float | None, float | None, float | None]


def summarize(moves: Iterable[Move], *, machine: dict) -> dict:
    """Counts, lengths, bounds and a feed-limited time estimate of the moves."""
    max_xy = float(machine["max_feed_xy_mm_min"])
    max_z = float(machine["max_feed_z_mm_min"])
    counts = {RAPID: 0, FEED: 0, "arc": 0}
    cut_length = rapid_length = minutes = 0.0
    box = _Box()
    for move, start, end in _walk(moves):
        box.add_point(end)
        if move.kind == RAPID:
            counts[RAPID] += 1
            planar, vertical = _deltas(start, end)
            rapid_length += math.hypot(planar, vertical)
            # Axes travel together, so a rapid lasts as long as its slowest axis.
            minutes += max(planar / max_xy, vertical / max_z)
            continue
        counts["arc" if move.kind in (ARC_CW, ARC_CCW) else FEED] += 1
        if move.kind == FEED:
            planar, vertical = _deltas(start, end)
            length = math.hypot(planar, vertical)
            limit = max_xy if planar else max_z
        else:
            length = _arc_length(move, start, end)
            limit = max_xy
            box.add_arc(move, start, end)
        cut_length += length
        # A controller clamps a programmed feed to the machine's limit for the axes that move.
        minutes += length / min(float(move.feed), limit)
    total = counts[RAPID] + counts[FEED] + counts["arc"]
    return {
        "moves": {"rapid": counts[RAPID], "feed": counts[FEED], "arc": counts["arc"], "total": total},
        "cut_length_mm": round(cut_length, ROUND_DIGITS),
        "rapid_length_mm": round(rapid_length, ROUND_DIGITS),
        "bounds": box.as_dict(),
        "estimated_time_s": round(minutes * SECONDS_PER_MINUTE, ROUND_DIGITS),
    }


def render_svg(
    moves: Iterable[Move],
    *,
    machine: dict | None = None,
    title: str = "",
    fixture_id: str | None = None,
    overlay: dict | None = None,
) -> str:
    """A self-contained SVG plan view (XY, Y up): cuts solid, rapids dashed, fitted to the moves' bounds.

    With a machine, its envelope is drawn in work coordinates: its soft limits less the work zero of the fixture
    ``fixture_id`` (default: the machine's default fixture). ``overlay``: an outline's drawn outline, islands,
    tool-centre path and tabs in part coordinates (``toolpaths.overlay.outline_geometry``), over the moves."""
    cut_d: list[str] = []
    rapid_d: list[str] = []
    box = _Box()
    pen: tuple[float, float] | None = None
    for move, start, end in _walk(moves):
        box.add_point(end)
        planar = move.kind in (ARC_CW, ARC_CCW) or start[:2] != end[:2]
        if None in (start[0], start[1]) or not planar:
            continue
        if move.kind == RAPID:
            rapid_d.append(f"M{_xy(start)} L{_xy(end)}")
            continue
        if pen != start[:2]:
            cut_d.append(f"M{_xy(start)}")
        if move.kind == FEED:
            cut_d.append(f"L{_xy(end)}")
        else:
            box.add_arc(move, start, end)
            cut_d.extend(_svg_arc(move, start, end))
        pen = end[:2]

    for ring in (overlay or {}).get("outline", ()):
        for x, y in ring:
            box.add_point((x, y, None))
    x_min, x_max, y_min, y_max = box.plan_view()
    span = max(x_max - x_min, y_max - y_min)
    margin = span * SVG_MARGIN_RATIO
    stroke = span / 400
    font = span / 30
    legend_height = font * (5 if overlay else 3)
    view_x, view_y = x_min - margin, -y_max - margin
    view_w = x_max - x_min + 2 * margin
    view_h = y_max - y_min + 2 * margin + legend_height
    scale = SVG_SIZE_PX / max(view_w, view_h)
    fmt = format_number
    vx, vy, vw, vh = (fmt(value) for value in (view_x, view_y, view_w, view_h))
    legend_y = -y_min + margin + font * 1.5
    key_x = view_x + margin

    dashes = f'stroke-dasharray="{fmt(stroke * 4)} {fmt(stroke * 3)}"'
    round_ends = 'stroke-linecap="round" stroke-linejoin="round"'

    def key(offset: float, colour: str, dashed: bool, label: str) -> list[str]:
        x0 = key_x + offset
        dash = f" {dashes}" if dashed else ""
        return [
            f'<line x1="{fmt(x0)}" y1="{fmt(legend_y)}" x2="{fmt(x0 + font * 2)}" y2="{fmt(legend_y)}" '
            f'stroke="{colour}" stroke-width="{fmt(stroke * 2)}"{dash}/>',
            f'<text x="{fmt(x0 + font * 2.5)}" y="{fmt(legend_y + font * 0.35)}">{label}</text>',
        ]

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{vx} {vy} {vw} {vh}" '
        f'width="{round(view_w * scale)}" height="{round(view_h * scale)}" role="img" '
        f"aria-label={quoteattr(title)}>",
        f"<title>{escape(title)}</title>",
        f'<rect x="{vx}" y="{vy}" width="{vw}" height="{vh}" fill="#ffffff"/>',
        *_guides(machine, margin, stroke, fixture_id),
        *_path("rmos-rapids", rapid_d, f'stroke="{RAPID_COLOUR}" stroke-width="{fmt(stroke)}" {dashes}'),
        *_path("rmos-cuts", cut_d, f'stroke="{CUT_COLOUR}" stroke-width="{fmt(stroke * 2)}" {round_ends}'),
        *(_overlay_paths(overlay, stroke, dashes) if overlay else []),
        f'<g class="rmos-legend" font-family="sans-serif" font-size="{fmt(font)}" fill="#111827">',
        *key(0.0, CUT_COLOUR, False, "cut"),
        *key(font * 6, RAPID_COLOUR, True, "rapid"),
        f'<text x="{fmt(key_x + font * 12)}" y="{fmt(legend_y + font * 0.35)}">{escape(title)}</text>',
    ]
    if overlay:
        legend_y += font * 1.8
        parts += [
            *key(0.0, OUTLINE_COLOUR, False, "outline"),
            *key(font * 7.5, ISLAND_COLOUR, True, "island"),
            *key(font * 14, OFFSET_COLOUR, True, "tool centre"),
            *key(font * 23.5, TAB_COLOUR, False, "tab"),
        ]
    parts += ["</g>", "</svg>"]
    return "\n".join(parts) + "\n"


def _rings(rings, *, closed: bool = True) -> list[str]:
    end = " Z" if closed else ""
    return [
        "M" + " L".join(f"{format_number(x)},{format_number(-y)}" for x, y in ring) + end
        for ring in rings
        if len(ring) > 1
    ]


def _overlay_paths(overlay: dict, stroke: float, dashes: str) -> list[str]:
    """An outline's layers: the tool centre's path (dashed), the drawn outline, its islands (dashed), the tabs
    (wide marks)."""
    fmt = format_number
    width = fmt(stroke * 1.5)
    layers = (
        ("rmos-offset", "offset", True, f'stroke="{OFFSET_COLOUR}" stroke-width="{fmt(stroke)}" {dashes}'),
        ("rmos-outline", "outline", True, f'stroke="{OUTLINE_COLOUR}" stroke-width="{width}"'),
        ("rmos-islands", "islands", True, f'stroke="{ISLAND_COLOUR}" stroke-width="{width}" {dashes}'),
        ("rmos-tabs", "tabs", False, f'stroke="{TAB_COLOUR}" stroke-width="{fmt(stroke * 7)}" stroke-opacity="0.85"'),
    )
    paths = []
    for css_class, layer, closed, style in layers:
        paths += _path(css_class, _rings(overlay.get(layer, ()), closed=closed), style)
    return paths


def _path(css_class: str, commands: list[str], style: str) -> list[str]:
    # An empty "d" is an error in SVG 1.1 renderers, so a program without rapids in XY gets no element.
    if not commands:
        return []
    return [f'<path class="{css_class}" d="{" ".join(commands)}" fill="none" {style}/>']


def _walk(moves: Iterable[Move]) -> Iterator[tuple[Move, _Point, _Point]]:
    """Each move with its start and end position, following modal axes from an unknown start."""
    position: _Point = (None, None, None)
    for move in moves:
        end = (
            position[0] if move.x is None else move.x,
            position[1] if move.y is None else move.y,
            position[2] if move.z is None else move.z,
        )
        yield move, position, end
        position = end


def _deltas(start: _Point, end: _Point) -> tuple[float, float]:
    """(XY distance, Z distance); an axis leaving an unknown position contributes nothing."""

    def delta(axis: int) -> float:
        return 0.0 if start[axis] is None or end[axis] is None else end[axis] - start[axis]

    return math.hypot(delta(0), delta(1)), abs(delta(2))


def _centre(move: Move, start: _Point) -> tuple[float, float]:
    return start[0] + (move.i or 0.0), start[1] + (move.j or 0.0)


def _arc_length(move: Move, start: _Point, end: _Point) -> float:
    cx, cy = _centre(move, start)
    sweep = arc_sweep(start[0], start[1], end[0], end[1], cx, cy, ccw=move.kind == ARC_CCW)
    return math.hypot(math.hypot(start[0] - cx, start[1] - cy) * sweep, _deltas(start, end)[1])


def _svg_arc(move: Move, start: _Point, end: _Point) -> list[str]:
    """The arc as two SVG arc segments split at its middle, so neither needs the large-arc flag and a
    full circle (start equal to end, which one SVG arc cannot draw) still renders."""
    cx, cy = _centre(move, start)
    ccw = move.kind == ARC_CCW
    radius = math.hypot(start[0] - cx, start[1] - cy)
    sweep = arc_sweep(start[0], start[1], end[0], end[1], cx, cy, ccw=ccw)
    middle = math.atan2(start[1] - cy, start[0] - cx) + (sweep / 2 if ccw else -sweep / 2)
    mid = (cx + radius * math.cos(middle), cy + radius * math.sin(middle), None)
    # The drawing looks like the plan (Y up), but in SVG's y-down coordinates a counter-clockwise arc
    # runs towards negative angles: sweep flag 0.
    flag = 0 if ccw else 1
    r = format_number(radius)
    return [f"A{r} {r} 0 0 {flag} {_xy(point)}" for point in (mid, end)]


def _xy(point: _Point) -> str:
    return f"{format_number(point[0])} {format_number(-point[1])}"


def _envelope(machine: dict, fixture_id: str | None) -> tuple[float, float, float, float] | None:
    """(x_min, x_max, y_min, y_max) the tool may reach in work coordinates, or None when the entry cannot say.

    Machines recorded before work coordinates carry only their travel, and were judged with work zero at its
    centre: their drawing shows that, since that is what their verdict assumed."""
    try:
        if "soft_x_min_mm" not in machine:
            half_x, half_y = float(machine["travel_x_mm"]) / 2, float(machine["travel_y_mm"]) / 2
            return -half_x, half_x, -half_y, half_y
        fixtures = machine.get("fixtures") or []
        fixture = next(
            (f for f in fixtures if f.get("fixture_id") == fixture_id or (fixture_id is None and f.get("is_default"))),
            None,
        )
        if fixture is None:
            return None
        ox, oy = float(fixture["origin_x_mm"]), float(fixture["origin_y_mm"])
        return (
            float(machine["soft_x_min_mm"]) - ox,
            float(machine["soft_x_max_mm"]) - ox,
            float(machine["soft_y_min_mm"]) - oy,
            float(machine["soft_y_max_mm"]) - oy,
        )
    except (KeyError, TypeError, ValueError):
        return None


def _guides(machine: dict | None, margin: float, stroke: float, fixture_id: str | None = None) -> list[str]:
    """Program zero and, when known, the machine envelope: only visible where the view reaches them,
    which is exactly when they matter."""
    fmt = format_number
    tick = margin / 2
    guides = [
        f'<path class="rmos-origin" d="M{fmt(-tick)} 0 L{fmt(tick)} 0 M0 {fmt(-tick)} L0 {fmt(tick)}" '
        f'stroke="{GUIDE_COLOUR}" stroke-width="{fmt(stroke)}"/>'
    ]
    envelope = _envelope(machine, fixture_id) if machine is not None else None
    if envelope is not None:
        x_min, x_max, y_min, y_max = envelope
        # SVG's Y runs down: the top edge of the rectangle is -y_max.
        guides.append(
            f'<rect class="rmos-envelope" x="{fmt(x_min)}" y="{fmt(-y_max)}" width="{fmt(x_max - x_min)}" '
            f'height="{fmt(y_max - y_min)}" fill="none" stroke="{GUIDE_COLOUR}" stroke-width="{fmt(stroke)}"/>'
        )
    return guides


class _Box:
    def __init__(self) -> None:
        self.low: list[float | None] = [None, None, None]
        self.high: list[float | None] = [None, None, None]

    def _extend(self, axis: int, low: float | None, high: float | None) -> None:
        if low is None:
            return
        self.low[axis] = low if self.low[axis] is None else min(self.low[axis], low)
        self.high[axis] = high if self.high[axis] is None else max(self.high[axis], high)

    def add_point(self, point: _Point) -> None:
        for axis, value in enumerate(point):
            self._extend(axis, value, value)

    def add_arc(self, move: Move, start: _Point, end: _Point) -> None:
        cx, cy = _centre(move, start)
        x_min, x_max, y_min, y_max = arc_extent(*start[:2], *end[:2], cx, cy, ccw=move.kind == ARC_CCW)
        self._extend(0, x_min, x_max)
        self._extend(1, y_min, y_max)

    def as_dict(self) -> dict:
        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, ROUND_DIGITS)

        names = ("x", "y", "z")
        bounds = {f"{name}_min": rounded(self.low[k]) for k, name in enumerate(names)}
        bounds.update({f"{name}_max": rounded(self.high[k]) for k, name in enumerate(names)})
        return {key: bounds[key] for key in ("x_min", "x_max", "y_min", "y_max", "z_min", "z_max")}

    def plan_view(self) -> tuple[float, float, float, float]:
        """The XY bounds, each side widened about its middle to at least SVG_MIN_SPAN_MM so that a
        straight slot or a lone plunge still gets a readable drawing."""
        limits = []
        for axis in (0, 1):
            low, high = self.low[axis] or 0.0, self.high[axis] or 0.0
            half = max(high - low, SVG_MIN_SPAN_MM) / 2
            middle = (low + high) / 2
            limits += [middle - half, middle + half]
        return limits[0], limits[1], limits[2], limits[3]


# The walk, the bounds and the arcs, for drawings made elsewhere (the pages' inline plan view).
walk_moves = _walk
svg_arc = _svg_arc


def plan_box() -> _Box:
    """An empty bounding box: ``add_point``, ``add_arc``, then ``plan_view()`` for the XY limits."""
    return _Box()
