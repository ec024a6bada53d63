"""RMOS benchmarks: one entry point.

    .venv/bin/python bench/run.py all              # everything (about 20 minutes on 2 cores, 10^6 artifacts)
    .venv/bin/python bench/run.py all --quick      # a few minutes: 10^4 and 10^5 artifacts, shorter cells
    .venv/bin/python bench/run.py write|read|ledger|gcode [--quick]
    .venv/bin/python bench/run.py read --explain   # also EXPLAIN ANALYZE of every list query

Each benchmark prints a table with its ratios (see bench/README.md for what they mean). The databases are
created and dropped on the PostgreSQL server of ``BENCH_DATABASE_URL`` (default
``postgresql://postgres@127.0.0.1:5432/rmos_bench``); without a reachable server an embedded one is started.
Benchmarks never fail a build: they exit non-zero only when they could not run.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import bench_ledger, bench_read, bench_write
from bench._common import Table, machine_line, server_url

# The targets of RMOS issue 8 (docs/performance.md).
WRITE_TARGET = 0.5  # API throughput at least half the chained raw-insert floor, at 8 clients
READ_TARGET_MS = 50.0  # list and diff p99 under 50 ms at the largest ledger


def run_benchmarks(which: str, *, quick: bool, explain: bool = False) -> list[Table]:
    tables: list[Table] = []
    if which in ("write", "all"):
        tables += bench_write.run(quick=quick)
    if which == "all":
        # One ledger for the read path, load_runs and verify_runs: 10^6 artifacts are loaded once.
        tables += bench_read.run(quick=quick, verify=True, explain_plans=explain)
    elif which == "read":
        tables += bench_read.run(quick=quick, verify=False, explain_plans=explain)
    elif which == "ledger":
        tables += bench_ledger.run(quick=quick, gcode=False)
    if which in ("gcode", "ledger", "all"):
        table = bench_ledger.gcode_table(quick=quick)
        table.print()
        tables.append(table)
    return tables


def summary(tables: list[Table]) -> Table:
    """Every ratio of the run in one table, with the issue's targets marked where they apply."""
    result = Table(title="summary: ratios and targets", columns=["ratio", "value", "target"])
    ratios = {name: value for table in tables for name, value in table.ratios.items()}
    sizes = [int(key.split("_")[-3]) for key in ratios if key.endswith("_p99_ms")]
    largest = max(sizes, default=None)
    for key, value in ratios.items():
        target = ""
        if key.endswith("_x8_api_over_chained"):
            target = f">= {WRITE_TARGET} at 8 clients: {_verdict(value >= WRITE_TARGET, value)}"
        elif key.endswith("_p99_ms"):
            if int(key.split("_")[-3]) != largest:
                continue
            target = f"p99 < {READ_TARGET_MS:.0f} ms at {largest:,}: {_verdict(value < READ_TARGET_MS, value)}"
        result.add(key, value, target)
    return result


def _verdict(met: bool, value: float) -> str:
    return "n/a" if math.isnan(value) else ("met" if met else "NOT met")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="RMOS benchmarks (see bench/README.md)")
    parser.add_argument("which", nargs="?", default="all", choices=["write", "read", "ledger", "gcode", "all"])
    parser.add_argument("--quick", action="store_true", help="smaller sizes and shorter cells")
    parser.add_argument("--explain", action="store_true", help="read: print EXPLAIN ANALYZE of each list query")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    url = server_url() if args.which != "gcode" else None
    print(f"RMOS benchmark: {args.which}{' --quick' if args.quick else ''}; {machine_line(url)}\n", flush=True)
    tables = run_benchmarks(args.which, quick=args.quick, explain=args.explain)
    summary(tables).print()
    print(f"total {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
