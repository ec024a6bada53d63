"""Benchmark (not a test) of the ledger itself: loading synthetic artifacts (``manage.py load_runs``), verifying
the chain (``manage.py verify_runs``) as the ledger grows, and G-code generation time against program size
(``bench/bench_gcode.py``).

    .venv/bin/python bench/run.py ledger [--quick]      # 10^4 and 10^5 artifacts (full: also 10^6)

Both commands run as a shop would run them, in a subprocess on the benchmark database. The rate is artifacts per
second of the command's wall time minus the process start-up (the wall time of ``manage.py verify_runs --help``,
which loads Django the same way); the ratio is that rate divided by the rate at the smallest size of the same
run, so ~1.0 means linear: verifying ten times the artifacts takes ten times as long.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import BenchDatabase, Table, log, ratio

SIZES = {"quick": (10_000, 100_000), "full": (10_000, 100_000, 1_000_000)}
LOAD_SEED = 20260101


def count(database: BenchDatabase) -> int:
    with database.connect() as conn:
        return conn.execute("SELECT coalesce(max(seq), 0) FROM runs_runartifact").fetchone()[0]


def startup_seconds(database: BenchDatabase, repeats: int = 3) -> float:
    """Wall time of a manage.py command that loads Django and stops: what every command pays before working."""
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        database.manage("verify_runs", "--help")
        timings.append(time.perf_counter() - started)
    return min(timings)


def grow(database: BenchDatabase, target: int, *, seed: int = LOAD_SEED) -> tuple[int, float]:
    """Append synthetic artifacts with ``load_runs`` until the ledger holds ``target``; (added, seconds)."""
    added = target - count(database)
    if added <= 0:
        return 0, 0.0
    started = time.perf_counter()
    database.manage("load_runs", str(added), "--seed", str(seed + target))
    seconds = time.perf_counter() - started
    log(f"load_runs {added}: {seconds:.1f}s ({added / seconds:.0f}/s)")
    with database.connect(autocommit=True) as conn:
        # What autovacuum would have done by the time anyone reads a ledger this size: fresh planner statistics
        # and a visibility map.
        conn.execute("VACUUM ANALYZE runs_runartifact")
    return added, seconds


def verify(database: BenchDatabase) -> float:
    started = time.perf_counter()
    out = database.manage("verify_runs", "--verbosity", "0")
    seconds = time.perf_counter() - started
    if "ledger OK" not in out:
        raise RuntimeError(f"verify_runs did not report success: {out}")
    return seconds


def ledger_tables(database: BenchDatabase, sizes, *, on_size=None, startup_repeats: int = 3) -> list[Table]:
    """Grow the ledger to each size, timing ``load_runs`` and ``verify_runs``; ``on_size(size)`` runs after each
    verification (the read benchmark measures there)."""
    startup = startup_seconds(database, startup_repeats)
    load = Table(
        title=f"load_runs (batch 2000), seconds of wall time; ratio = rate / rate at {sizes[0]:,}",
        columns=["ledger size", "added", "seconds", "artifacts/s", "ratio"],
    )
    check = Table(
        title=f"verify_runs, wall time; rate excludes {startup:.2f}s of process start-up; ratio = rate / rate at "
        f"{sizes[0]:,}",
        columns=["ledger size", "seconds", "artifacts/s", "ratio"],
    )
    base_load = base_verify = None
    for size in sizes:
        added, load_s = grow(database, size)
        # Finite even for a tiny smoke-test ledger, where the start-up is all there is.
        load_rate = added / max(load_s - startup, 1e-3)
        base_load = base_load or load_rate
        load.add(f"{size:,}", f"{added:,}", load_s, load_rate, ratio(load_rate, base_load))
        load.ratios[f"load_{size}"] = ratio(load_rate, base_load)
        verify_s = verify(database)
        rate = size / max(verify_s - startup, 1e-3)
        base_verify = base_verify or rate
        check.add(f"{size:,}", verify_s, rate, ratio(rate, base_verify))
        check.ratios[f"verify_{size}"] = ratio(rate, base_verify)
        log(f"verify_runs {size}: {verify_s:.1f}s")
        if on_size is not None:
            on_size(size)
    return [load, check]


_GCODE_ROW = re.compile(r"^(\S+)\s+(.+?)\s+(\d+)" + r"\s+([\d.]+)" * 9 + "$")
_GCODE_COLUMNS = [
    "design", "size", "moves", "gen ms", "post ms", "verify ms", "gen us", "post us", "ver us", "tot us", "ratio",
    "ver/general",
]  # fmt: skip


def gcode_table(*, quick: bool) -> Table:
    """Run ``bench/bench_gcode.py`` and return its table (the same rows), keeping its worst ratio for the
    summary: the per-move time (generate + post + verify) of the largest program over that of the smallest of
    the same design, and the worst ratio of the verifier's time to its general path's (``ver/general``)."""
    from bench import bench_gcode

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        bench_gcode.main(["--quick"] if quick else [])
    lines = buffer.getvalue().splitlines()
    table = Table(title=f"{lines[0]} (bench/bench_gcode.py)", columns=_GCODE_COLUMNS)
    worst = steady = math.nan
    for line in lines[3:]:
        match = _GCODE_ROW.match(line)
        if match:
            table.rows.append(list(match.groups()))
            ratio, verifier = float(match.group(11)), float(match.group(12))
            worst = ratio if math.isnan(worst) else max(worst, ratio)
            steady = verifier if math.isnan(steady) else max(steady, verifier)
    table.ratios["gcode_per_move_worst_ratio"] = worst
    table.ratios["gcode_verify_over_general_worst"] = steady
    return table


def run(*, quick: bool = False, sizes=None, gcode: bool = True, database_suffix: str = "ledger") -> list[Table]:
    sizes = tuple(sizes or SIZES["quick" if quick else "full"])
    database = BenchDatabase.create(database_suffix)
    try:
        tables = ledger_tables(database, sizes)
    finally:
        database.drop()
    if gcode:
        tables.append(gcode_table(quick=quick))
    for table in tables:
        table.print()
    return tables


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    run(quick=parser.parse_args(argv).quick)


if __name__ == "__main__":
    main()
