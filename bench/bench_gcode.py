"""Benchmark (not a test) of G-code generation, posting and verification as programs grow.

    .venv/bin/python bench/bench_gcode.py            # full run
    .venv/bin/python bench/bench_gcode.py --quick    # smoke: fewer sizes and repeats
    .venv/bin/python bench/bench_gcode.py --big      # adds a rectangular pocket of about 10^6 moves (one repeat)

For each size it reports the median over the repeats of the times to generate the typed move list, to post it
(format it as LinuxCNC text) and to verify the text, each per move, and the per-move total as a ratio of the
smallest size of the same design in the same run: on a noisy shared machine the absolute figures drift, the
ratios stay comparable. Ratios near 1 mean linear scaling. The last column is the verifier's time over its time
with every move read by the general path (``verify._steady_move`` off), measured alternately in the same run:
what the steady path saves.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from unittest import mock

from toolpaths import posts
from toolpaths import verify as verifier
from toolpaths.gcode import generate, operations
from toolpaths.verify import verify

MACHINE = {
    "machine_id": "bench",
    "name": "Benchmark router",
    "travel_x_mm": 800.0,
    "travel_y_mm": 600.0,
    "travel_z_mm": 120.0,
    "rpm_min": 6000,
    "rpm_max": 24000,
    "max_feed_xy_mm_min": 10000.0,
    "max_feed_z_mm_min": 3000.0,
    "spindle_power_w": 2200.0,
    "soft_x_min_mm": 0.0,
    "soft_x_max_mm": 800.0,
    "soft_y_min_mm": 0.0,
    "soft_y_max_mm": 600.0,
    "soft_z_min_mm": -120.0,
    "soft_z_max_mm": 0.0,
    "spindle_orientation": "vertical",
    "collet_min_mm": 1.0,
    "collet_max_mm": 13.0,
    "saw_mount": "none",
    "saw_max_blade_mm": 0.0,
    "saw_blade_plane": "",
    # Work zero in the middle of the table, so designs placed about X0 Y0 have the whole travel around them.
    "fixtures": [
        {
            "fixture_id": "table_centre",
            "name": "Table, work zero at the centre of travel",
            "work_offset": "G54",
            "origin_x_mm": 400.0,
            "origin_y_mm": 300.0,
            "origin_z_mm": -100.0,
            "clamps": [],
            "is_default": True,
        }
    ],
}
ROUTER = {
    "tool_id": "router:bench_3mm",
    "name": "3 mm 2-flute",
    "kind": "router",
    "diameter_mm": 3.0,
    "flutes": 2,
    "flute_length_mm": 12.0,
    "shank_mm": 3.175,
    "stickout_mm": 18.0,
    "kerf_mm": None,
    "max_rpm": 24000,
    "chipload_min_mm": 0.02,
    "chipload_max_mm": 0.08,
    "vbit_angle_deg": None,
    "tool_material": "carbide",
}
SAW = {**ROUTER, "tool_id": "saw:bench_140", "name": "140 mm saw", "kind": "saw", "diameter_mm": 140.0}
SAW["kerf_mm"] = 0.6
CUT = {
    "rpm": 18000,
    "feed_mm_min": 1440.0,
    "plunge_mm_min": 480.0,
    "stepdown_mm": 1.0,
    "passes": 3,
    "stepover_mm": 1.2,
    "chip_load_mm": 0.04,
    "safe_z_mm": 5.0,
    "depth_mm": 3.0,
    "stock_thickness_mm": 6.0,
}
PLACED = {"x": 0.0, "y": 0.0, "stock_thickness": 6.0, "depth": 3.0}
ROSETTE = {**PLACED, "shape": "ring", "od": 200.0, "inner_d": 100.0, "width": 50.0}
ROUND_POCKET = {**PLACED, "shape": "pocket_circle", "d": 200.0}
RECT_POCKET = {**PLACED, "shape": "pocket_rect", "w": 300.0, "h": 200.0}
FRETBOARD = {**PLACED, "shape": "fret_slots", "x": -300.0, "scale_length": 648.0, "board_width": 56.0}

STEPOVERS = {"quick": (2.0, 0.5, 0.1), "full": (2.0, 1.0, 0.5, 0.25, 0.1, 0.05, 0.02)}
FRETS = {"quick": (12, 24, 96), "full": (12, 24, 48, 96, 192)}
REPEATS = {"quick": 3, "full": 9}
# About 10^6 moves: 167 mm of rows 0.001 mm apart (the output grid), three levels.
BIG = ("pocket_rect", "10^6 moves", {**RECT_POCKET, "w": 300.0, "h": 170.0}, {**CUT, "stepover_mm": 0.001}, ROUTER)


def cases(mode: str, big: bool = False) -> list[tuple[str, str, dict, dict, dict]]:
    """(group, size label, design, cut, tool), smallest program of each group first."""
    found = []
    for group, design in (("ring", ROSETTE), ("pocket_circle", ROUND_POCKET), ("pocket_rect", RECT_POCKET)):
        for stepover in STEPOVERS[mode]:
            found.append((group, f"stepover {stepover}", design, {**CUT, "stepover_mm": stepover}, ROUTER))
    for frets in FRETS[mode]:
        found.append(("fret_slots", f"{frets} frets", {**FRETBOARD, "frets": frets}, CUT, SAW))
    if big:
        found.insert(len(STEPOVERS[mode]) * 3, BIG)
    return found


def median_ms(action, repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter_ns()
        action()
        timings.append(time.perf_counter_ns() - started)
    return statistics.median(timings) / 1e6


def _post_cold(post, ops) -> str:
    """The program's text as a request writes it: the number formats kept from earlier programs forgotten."""
    posts.format_number.cache_clear()
    return "\n".join(posts.render(post, ops)) + "\n"


def _general_only(state, params, limits) -> bool:
    """In place of ``verify._steady_move``: every move to the general path (a plain function, not a mock,
    whose calls would cost more than the path saves)."""
    return False


def measure(design: dict, cut: dict, tool: dict, repeats: int) -> tuple[int, float, float, float, float]:
    post = posts.post_for(MACHINE, None)
    ops, moves, _ = operations(design=design, cut=cut, tool=tool, machine=MACHINE)
    text = "\n".join(posts.render(post, ops)) + "\n"
    problems = verify(text, design=design, cut=cut, machine=MACHINE)
    if problems:
        raise SystemExit(f"generated program failed verification: {problems[:3]}")
    count = len(moves)
    gen_ms = median_ms(lambda: operations(design=design, cut=cut, tool=tool, machine=MACHINE), repeats)
    post_ms = median_ms(lambda: _post_cold(post, ops), repeats)
    verify_ms = median_ms(lambda: verify(text, design=design, cut=cut, machine=MACHINE), repeats)
    with mock.patch.object(verifier, "_steady_move", _general_only):
        general_ms = median_ms(lambda: verify(text, design=design, cut=cut, machine=MACHINE), repeats)
    return count, gen_ms, post_ms, verify_ms, general_ms


def peak_memory_mb(design: dict, cut: dict, tool: dict) -> tuple[float, float]:
    """(peak MB while generating, posting and verifying the program, MB of its text), measured apart from the
    timings (tracemalloc slows Python down)."""
    tracemalloc.start()
    program = generate(design=design, cut=cut, tool=tool, machine=MACHINE)
    verify(program.gcode_text, design=design, cut=cut, machine=MACHINE)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6, len(program.gcode_text) / 1e6


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer sizes and repeats, for a smoke run")
    parser.add_argument("--big", action="store_true", help="add a program of about 10^6 moves (one repeat)")
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"
    repeats = REPEATS[mode]

    print(f"G-code benchmark ({mode}, median of {repeats}, Python {sys.version.split()[0]})")
    header = (
        f"{'design':<14}{'size':<16}{'moves':>9}{'gen ms':>10}{'post ms':>10}{'verify ms':>11}"
        f"{'gen us':>8}{'post us':>8}{'ver us':>8}{'tot us':>8}{'ratio':>7}{'ver/general':>12}"
    )
    print(header)
    print("-" * len(header))
    baselines: dict[str, float] = {}
    for group, label, design, cut, tool in cases(mode, args.big):
        moves, gen_ms, post_ms, verify_ms, general_ms = measure(design, cut, tool, 1 if label == BIG[1] else repeats)
        gen_us, post_us, verify_us = (ms * 1000 / moves for ms in (gen_ms, post_ms, verify_ms))
        total = gen_us + post_us + verify_us
        base = baselines.setdefault(group, total)
        print(
            f"{group:<14}{label:<16}{moves:>9}{gen_ms:>10.1f}{post_ms:>10.1f}{verify_ms:>11.1f}"
            f"{gen_us:>8.2f}{post_us:>8.2f}{verify_us:>8.2f}{total:>8.2f}{total / base:>7.2f}"
            f"{verify_ms / general_ms:>12.2f}"
        )
    if args.big:
        peak, text = peak_memory_mb(*BIG[2:])
        print(f"{BIG[1]}: peak {peak:.0f} MB traced while generating, posting and verifying {text:.0f} MB of text")


if __name__ == "__main__":
    main()
