"""Curves to chords within a stated tolerance.

Circular arcs are divided exactly (equal angles whose sagitta is at most the tolerance). Other curves (SVG
Béziers and elliptical arcs) are divided adaptively: a span is split until the curve's midpoint lies within
the tolerance of its chord, starting from a few spans so that an S-shaped span is never mistaken for a line.
DXF splines and ellipses use ezdxf's own flattening, which applies the same midpoint criterion.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from feasibility.outlines.model import Point

# Spans a curve starts with before the midpoint test; four keeps an S-bend or a full ellipse from looking flat.
MIN_SPANS = 4
MAX_DEPTH = 24


def arc_segments(radius: float, sweep_rad: float, tolerance: float) -> int:
    """Chords needed for a circular arc so that no chord strays more than ``tolerance`` from it."""
    sweep = abs(sweep_rad)
    if radius <= tolerance or sweep == 0.0:
        return 1
    step = 2.0 * math.acos(1.0 - tolerance / radius)
    return max(1, math.ceil(sweep / step - 1e-9))


def arc_points(center: Point, radius: float, start_rad: float, sweep_rad: float, tolerance: float) -> list[Point]:
    """Points of a circular arc from ``start_rad`` over ``sweep_rad`` (positive counter-clockwise), both ends kept."""
    n = arc_segments(radius, sweep_rad, tolerance)
    cx, cy = center
    return [
        (cx + radius * math.cos(start_rad + sweep_rad * k / n), cy + radius * math.sin(start_rad + sweep_rad * k / n))
        for k in range(n + 1)
    ]


def adaptive(curve: Callable[[float], Point], tolerance: float, *, budget: int) -> list[Point]:
    """Points of ``curve`` over t in [0, 1], both ends kept; at most ``budget`` points (then it stops refining)."""
    points: list[Point] = [curve(0.0)]
    count = 1

    def refine(t0: float, p0: Point, t1: float, p1: Point, depth: int) -> None:
        nonlocal count
        tm = 0.5 * (t0 + t1)
        pm = curve(tm)
        if depth < MAX_DEPTH and count < budget and _off_chord(p0, p1, pm) > tolerance:
            refine(t0, p0, tm, pm, depth + 1)
            refine(tm, pm, t1, p1, depth + 1)
            return
        points.append(p1)
        count += 1

    previous_t, previous_p = 0.0, points[0]
    for k in range(1, MIN_SPANS + 1):
        t = k / MIN_SPANS
        p = curve(t)
        refine(previous_t, previous_p, t, p, 0)
        previous_t, previous_p = t, p
    return points


def _off_chord(a: Point, b: Point, p: Point) -> float:
    """Distance of ``p`` from the segment a-b."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    if length2 == 0.0:
        return math.hypot(p[0] - a[0], p[1] - a[1])
    t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2))
    return math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)
