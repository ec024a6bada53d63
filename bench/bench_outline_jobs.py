"""Benchmark (not a test) of outline jobs as the server runs them: received, judged, generated and verified.

    .venv/bin/python bench/bench_outline_jobs.py            # about a minute
    .venv/bin/python bench/bench_outline_jobs.py --quick    # smoke: fewer repeats, no 5 MB file

The job the issue sets the target for: a 200-entity guitar body (196 splines and 4 cavities, the drawing of
``bench/bench_outlines.py``) cut as a profile with tabs, "judged and generated in under 1 s". Each row is what one
toolpaths request computes, without the database: the drawing's receipt (``feasibility.drawings``: can it be read
at all), the engine's verdict (``feasibility.engine.evaluate``, which plans the outline with the resolved cut), the
program (``toolpaths.gcode.generate``, LinuxCNC post) and the verifier (``toolpaths.verify``). The planner's cache
is emptied before every repeat, so each is a first request. The baseline is a plain circle cut the same way in the
same run, so the ratios stay comparable on a busy machine. The memory part judges a 5 MB drawing within the
limits and reports the peak Python allocates (tracemalloc).
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_outlines import _five_mb_within_limits, body_dxf, circle_dxf
from feasibility import geometry, outlines, shop_data
from feasibility.engine import evaluate
from toolpaths.gcode import generate
from toolpaths.verify import verify

TOOLS = shop_data.tools_by_id()
MATERIALS = shop_data.materials_by_id()
MACHINES = shop_data.machines_by_id()
TOOL_ID = "router:upcut_1_4in"
PROFILE = {"operation": "profile_outside", "depth": 12.0, "stock_thickness": 12.0,
           "tabs": {"count": 6, "width": 10.0, "height": 3.0}}  # fmt: skip
POCKET = {"operation": "pocket", "depth": 4.0, "stock_thickness": 12.0}


def request(text: str, design: dict) -> tuple[dict, dict]:
    sha = hashlib.sha256(text.encode()).hexdigest()
    source = {"format": "dxf", "sha256": sha, "bytes": len(text.encode())}
    body = {
        "tool_id": TOOL_ID,
        "material_id": "walnut",
        "machine_id": "router_a",
        "fixture": "spoilboard",
        "design": {"shape": "outline", "x": 0.0, "y": 0.0, "source": source, **design},
    }
    return body, {sha: text}


def one_job(text: str, design: dict) -> dict:
    """Receipt, verdict, program, verification: what a toolpaths request computes. Returns the figures."""
    geometry._outline_plan.cache_clear()
    outlines._read_cached.cache_clear()
    started = time.perf_counter()
    tolerances = outlines.Tolerances(chord_mm=geometry.OUTLINE_CHORD_MM)
    outlines.read_source({"format": "dxf", "data": text}, layer=design.get("layer"), tolerances=tolerances)
    received = time.perf_counter()
    body, drawings = request(text, design)
    machine = MACHINES["router_a"]
    result = evaluate(body, tool=TOOLS[TOOL_ID], material=MATERIALS["walnut"], machine=machine, drawings=drawings)
    if result["risk_level"] not in ("GREEN", "YELLOW"):
        raise SystemExit(f"the benchmark job was refused: {result['block_reason']}")
    judged = time.perf_counter()
    program = generate(design=result["design"], cut=result["cut"], tool=TOOLS[TOOL_ID], machine=machine, drawing=text)
    generated = time.perf_counter()
    problems = verify(program.gcode_text, design=result["design"], cut=result["cut"], machine=machine)
    verified = time.perf_counter()
    if problems:
        raise SystemExit(f"the benchmark program failed verification: {problems[:3]}")
    return {
        "receive": received - started,
        "judge": judged - received,
        "generate": generated - judged,
        "verify": verified - generated,
        "total": verified - started,
        "moves": len(program.moves),
        "bytes": len(program.gcode_text),
    }


def median_job(text: str, design: dict, repeats: int) -> dict:
    runs = [one_job(text, design) for _ in range(repeats)]
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, no 5 MB file")
    args = parser.parse_args()
    repeats = 3 if args.quick else 7
    body, circle = body_dxf(), circle_dxf()

    rows = [
        ("circle, profile outside (baseline)", median_job(circle, PROFILE, repeats)),
        ("body + 4 islands, profile outside", median_job(body, PROFILE, repeats)),
        ("body + 4 islands, pocket (whole body)", median_job(body, POCKET, max(1, repeats // 3))),
    ]
    baseline = rows[0][1]["total"]
    print(f"\nOutline toolpaths jobs, 1/4 in bit in walnut on router_a, median of {repeats} (pocket: fewer)\n")
    header = f"{'job':<40} {'receive':>8} {'judge':>8} {'generate':>9} {'verify':>8} {'total ms':>9} {'moves':>8}"
    print(header + f" {'ratio':>6}")
    for name, figures in rows:
        stages = " ".join(
            f"{figures[key] * 1000:>{width}.0f}"
            for key, width in (("receive", 8), ("judge", 8), ("generate", 9), ("verify", 8), ("total", 9))
        )
        print(f"{name:<40} {stages} {figures['moves']:>8.0f} {figures['total'] / baseline:>6.2f}")
    body_ms = rows[1][1]["total"] * 1000
    print(f"\ntarget: the body with 4 islands judged and generated under 1000 ms: "
          f"{'met' if body_ms < 1000 else 'NOT met'} ({body_ms:.0f} ms)")  # fmt: skip

    if args.quick:
        return
    big = _five_mb_within_limits()
    design = {"operation": "profile_outside", "depth": 3.0, "stock_thickness": 6.0, "layer": None}
    body_request, drawings = request(big, design)

    def judge() -> dict:
        geometry._outline_plan.cache_clear()
        outlines._read_cached.cache_clear()
        return evaluate(body_request, tool=TOOLS[TOOL_ID], material=MATERIALS["walnut"], machine=MACHINES["router_a"],
                        drawings=drawings)  # fmt: skip

    started = time.perf_counter()
    judge()
    seconds = time.perf_counter() - started
    # Memory in a second run: tracemalloc slows Python several times over.
    tracemalloc.start()
    result = judge()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"\nA {len(big.encode()) / 1e6:.1f} MB DXF (20 ellipses, 110,000 vertices) judged in {seconds:.1f} s, "
          f"peak {peak / 1e6:.0f} MB allocated by Python; verdict {result['risk_level']} "
          f"({result['block_reason'] or 'nothing blocks it'})")  # fmt: skip


if __name__ == "__main__":
    main()
