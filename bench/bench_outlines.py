"""Benchmark (not a test) of outlines from drawings: read, preflight and toolpath (feasibility/outlines).

    .venv/bin/python bench/bench_outlines.py            # full run, about half a minute
    .venv/bin/python bench/bench_outlines.py --quick    # smoke: fewer repeats

The job the target is set for: a guitar body outline drawn as 196 splines with 4 islands (two pickup
cavities, a control cavity, a jack hole), 200 entities in all, read from DXF text, preflighted and toolpathed
(profile outside with 3 passes and 6 tabs, a 6 mm bit). Goal: under 1 s. The baseline is a plain circle cut
the same way in the same run, so the ratio stays comparable when the machine is busy; the table also splits
the body's time into reading, preflight and toolpath, and shows a pocket clearing the whole body around its
islands (a far larger program). The memory part writes 5 MB DXF files and reports the peak memory Python
allocates while reading them (tracemalloc): one within the limits (parsed), one with more entities than the
limit (refused from the text before parsing) and one over the byte limit (refused before anything else).
"""

from __future__ import annotations

import argparse
import io
import math
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import ezdxf

from feasibility.outlines import DrawingError, Limits, Tolerances, build_outline, outline_job, read_drawing
from feasibility.outlines.preflight import check_size, narrow_features
from feasibility.outlines.toolpath import Plan, Tabs, plan_toolpath

TOOL_MM = 6.0
STEPDOWN_MM = 2.0
PROFILE = {"operation": "profile_outside", "depth": 6.0, "tabs": {"count": 6, "width": 10.0, "height": 2.0}}
POCKET = {"operation": "pocket", "depth": 4.0}
STEPOVER_MM = 2.4
FIVE_MB = 5_000_000


def _dxf(build) -> str:
    doc = ezdxf.new(units=4)
    build(doc.modelspace())
    stream = io.StringIO()
    doc.write(stream)
    return stream.getvalue()


def _body_point(t: float) -> tuple[float, float]:
    x = 240.0 * math.cos(t)
    half_width = 145.0 - 30.0 * math.cos(math.pi * (x - 10.0) / 150.0) + 0.05 * x
    return x, half_width * math.sin(t)


def _rounded_rect(m, x0, y0, x1, y1, r):
    b = math.tan(math.pi / 8)
    points = [(x0 + r, y0, 0), (x1 - r, y0, b), (x1, y0 + r, 0), (x1, y1 - r, b)]
    points += [(x1 - r, y1, 0), (x0 + r, y1, b), (x0, y1 - r, 0), (x0, y0 + r, b)]
    m.add_lwpolyline(points, format="xyb", close=True)


def body_dxf() -> str:
    def build(m):
        pieces = 196
        for k in range(pieces):
            t0, t1 = 2 * math.pi * k / pieces, 2 * math.pi * (k + 1) / pieces
            m.add_spline([_body_point(t0 + (t1 - t0) * j / 4) for j in range(5)])
        _rounded_rect(m, -75, -20, -5, 20, 6)
        _rounded_rect(m, 5, -20, 75, 20, 6)
        m.add_circle((-150, 80), 20)
        m.add_circle((-180, -60), 12)

    return _dxf(build)


def circle_dxf() -> str:
    return _dxf(lambda m: m.add_circle((0, 0), 150))


def _job(data: str, design: dict) -> dict:
    result = outline_job(
        {"shape": "outline", "source": {"format": "dxf", "data": data}, **design},
        tool_diameter_mm=TOOL_MM,
        stepdown_mm=STEPDOWN_MM,
        stepover_mm=STEPOVER_MM,
    )
    if not result["ok"]:
        raise SystemExit(f"the benchmark drawing was refused: {result['findings']}")
    return result


def _median_s(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _stages(data: str, repeats: int) -> dict[str, float]:
    """The body's profile job split into its stages (each the median over the repeats)."""
    tolerances = Tolerances()
    source = {"format": "dxf", "data": data}
    drawing = read_drawing(source, tolerances=tolerances)
    outline = build_outline(drawing.pieces, tolerances)
    plan = Plan(
        operation="profile_outside",
        tool_diameter=TOOL_MM,
        depth=6.0,
        stepdown=STEPDOWN_MM,
        tabs=Tabs(count=6, width=10.0, height=2.0),
    )
    return {
        "read (ezdxf, flatten)": _median_s(lambda: read_drawing(source, tolerances=tolerances), repeats),
        "contours (chain, check, nest)": _median_s(lambda: build_outline(drawing.pieces, tolerances), repeats),
        "preflight (size, narrow features)": _median_s(
            lambda: (
                check_size(outline.parts, Limits()),
                narrow_features(outline.parts, "profile_outside", TOOL_MM, tolerances.chord_mm),
            ),
            repeats,
        ),
        "toolpath": _median_s(lambda: plan_toolpath(outline.parts, plan), repeats),
    }


def _five_mb_within_limits() -> str:
    # 20 closed polylines of 5,500 vertices each: 110,000 points, just under 5 MB of DXF text.
    def build(m):
        n = 5500
        for k in range(20):
            cx, cy = (k % 5) * 220.0, (k // 5) * 190.0
            ellipse = [
                (cx + 100 * math.cos(2 * math.pi * j / n), cy + 90 * math.sin(2 * math.pi * j / n)) for j in range(n)
            ]
            m.add_lwpolyline(ellipse, close=True)

    return _dxf(build)


def _five_mb_many_entities() -> str:
    def build(m):
        for k in range(44_000):
            m.add_line((k % 200, k // 200), (k % 200 + 0.5, k // 200))

    return _dxf(build)


def _peak_mb(fn) -> tuple[float, str]:
    tracemalloc.start()
    try:
        outcome = fn()
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak / 1e6, outcome


def _memory_rows() -> list[tuple[str, int, str, float, float]]:
    rows = []
    limits = Limits(max_width_mm=2000.0, max_height_mm=2000.0)
    within = _five_mb_within_limits()
    many = _five_mb_many_entities()
    oversized = within + " " * (limits.max_bytes - len(within.encode()) + 1)

    def read(text):
        def run():
            try:
                drawing = read_drawing({"format": "dxf", "data": text}, limits=limits)
            except DrawingError as exc:
                return f"{exc.code} ({exc.http_status})"
            codes = [f.code for f in drawing.findings if f.status == "fail"]
            return ", ".join(codes) or f"read: {len(drawing.pieces)} pieces, {drawing.stats['points']} points"

        return run

    for name, text in (("within the limits", within), ("44,000 entities", many), ("over the byte limit", oversized)):
        start = time.perf_counter()
        read(text)()
        seconds = time.perf_counter() - start
        peak, outcome = _peak_mb(read(text))
        rows.append((name, len(text.encode()), outcome, peak, seconds))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, no 5 MB files")
    args = parser.parse_args()
    repeats = 3 if args.quick else 9

    body, circle = body_dxf(), circle_dxf()
    body_result = _job(body, PROFILE)
    part = body_result["parts"][0]
    print(
        f"body: {len(part['outer'].get('entities', [part['outer']])) + len(part['islands'])} entities, "
        f"{len(part['islands'])} islands, {len(body.encode())} bytes of DXF",
        file=sys.stderr,
    )
    baseline = _median_s(lambda: _job(circle, PROFILE), repeats)
    rows = [("circle, profile outside (baseline)", baseline, _job(circle, PROFILE)["toolpath"]["moves"])]
    body_s = _median_s(lambda: _job(body, PROFILE), repeats)
    rows.append(("body + 4 islands, profile outside", body_s, body_result["toolpath"]["moves"]))
    pocket_s = _median_s(lambda: _job(body, POCKET), max(1, repeats // 3))
    rows.append(("body + 4 islands, pocket (whole body)", pocket_s, _job(body, POCKET)["toolpath"]["moves"]))

    print(f"\nOutline jobs: read + preflight + toolpath, 6 mm bit, median of {repeats} (pocket: fewer)\n")
    print(f"{'job':<40} {'ms':>9} {'moves':>8} {'ratio':>7}")
    for name, seconds, moves in rows:
        print(f"{name:<40} {seconds * 1000:>9.1f} {moves:>8} {seconds / baseline:>7.2f}")
    print(f"\ntarget: body + 4 islands under 1000 ms: {'met' if body_s < 1.0 else 'NOT met'} ({body_s * 1000:.0f} ms)")

    print("\nThe body's profile job by stage\n")
    print(f"{'stage':<40} {'ms':>9}")
    for name, seconds in _stages(body, repeats).items():
        print(f"{name:<40} {seconds * 1000:>9.1f}")

    if args.quick:
        return
    print("\nMemory: reading 5 MB DXF files (peak allocated by Python, tracemalloc)\n")
    print(f"{'file':<22} {'bytes':>10} {'peak MB':>9} {'read s':>7}  outcome")
    for name, size, outcome, peak, seconds in _memory_rows():
        print(f"{name:<22} {size:>10} {peak:>9.1f} {seconds:>7.2f}  {outcome}")


if __name__ == "__main__":
    main()
