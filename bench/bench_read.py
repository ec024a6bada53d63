"""Benchmark (not a test) of the read path: ``GET /api/rmos/runs`` and ``GET /api/rmos/runs/diff/{a}/{b}`` over
HTTP against gunicorn, as the ledger grows to 10^4, 10^5 (and 10^6) artifacts.

    .venv/bin/python bench/run.py read [--quick]     # 10^4 and 10^5 artifacts (full: also 10^6)

The ledger is filled with ``manage.py load_runs`` (timed; see ``bench_ledger``). At each size, one client sends
``REQUESTS`` sequential requests per row (after a warm-up) and the table gives p50/p99 latency in milliseconds,
measured in this process around ``http.client`` (a new TCP connection per request, as gunicorn's sync workers
close each one). Lists are asked for their first page and for a page 90% deep: the cursor is built with the
selectors' own signed cursor encoder for ``seq`` = 10% of the ledger (the same cursor a client would reach by
following ``next_cursor`` through 90% of the matching runs). ``deep/first`` is the deep page's p50 over the
first page's: keyset pagination should keep it near 1 whatever the size. Diffs compare random pairs of
artifacts; their ratio is the p50 over the p50 at the smallest size.

With ``--explain`` it also prints PostgreSQL's ``EXPLAIN (ANALYZE, BUFFERS)`` of each list query at each size.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import bench_ledger
from bench._common import (
    DEFAULT_CONN_MAX_AGE,
    BenchDatabase,
    Gunicorn,
    Table,
    log,
    percentile,
    ratio,
    request,
    sequential_latencies,
    setup_django,
)

SIZES = bench_ledger.SIZES
REQUESTS = {"quick": 100, "full": 200}
LIMIT = 50
# Filters on the index, with the synthetic ledger's mix (bench_ledger uses manage.py load_runs): one tool of ten,
# one material of eleven, half the verdicts GREEN.
FILTERS = {
    "no filter": {},
    "1 filter": {"tool_id": ["router:downcut_1_8in"]},
    "3 filters": {"tool_id": ["router:downcut_1_8in"], "material_id": ["ebony"], "risk_level": ["GREEN"]},
}


def deep_cursor(filters: dict, seq: int) -> str:
    """The cursor a client holds after paging down to ``seq`` with ``filters`` (signed like the server's)."""
    from runs import selectors

    return selectors._cursor_for(seq, selectors._normalised_filters(filters))


def _get(port: int, token: str, path: str) -> None:
    status, body = request(port, "GET", path, headers={"Authorization": f"Token {token}"})
    if status != 200:
        raise RuntimeError(f"GET {path}: HTTP {status} {body[:300]!r}")


def list_path(filters: dict, cursor: str | None = None) -> str:
    query = [(name, value) for name, values in filters.items() for value in values]
    query.append(("limit", str(LIMIT)))
    if cursor:
        query.append(("cursor", cursor))
    return "/api/rmos/runs?" + urlencode(query)


def explain(database: BenchDatabase, filters: dict, cursor_seq: int | None) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the page query the selector runs for ``filters`` below ``cursor_seq``."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from runs import selectors

    cursor = deep_cursor(filters, cursor_seq) if cursor_seq else None
    with CaptureQueriesContext(connection) as captured:
        selectors.run_list(dict(filters), limit=LIMIT, cursor=cursor)
    sql = captured.captured_queries[-1]["sql"]
    with database.connect() as conn:
        plan = conn.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql).fetchall()
    return "\n".join(row[0] for row in plan)


def _random_pairs(database: BenchDatabase, size: int, count: int, rng: random.Random) -> list[tuple[str, str]]:
    seqs = [rng.randint(1, size) for _ in range(count * 2)]
    with database.connect() as conn:
        ids = dict(conn.execute("SELECT seq, run_id FROM runs_runartifact WHERE seq = ANY(%s)", [seqs]).fetchall())
    return [(ids[seqs[2 * i]], ids[seqs[2 * i + 1]]) for i in range(count)]


class ReadMeasurer:
    def __init__(self, database: BenchDatabase, server: Gunicorn, token: str, *, requests: int, explain_plans: bool):
        self.database, self.server, self.token = database, server, token
        self.requests, self.explain_plans = requests, explain_plans
        self.table = Table(
            title=f"read path over HTTP (gunicorn --workers {server.workers}, DB_CONN_MAX_AGE={DEFAULT_CONN_MAX_AGE}, "
            f"one client, {requests} sequential "
            f"requests per cell, limit={LIMIT}); latency ms",
            columns=["ledger size", "query", "first p50", "first p99", "deep p50", "deep p99", "deep/first"],
        )
        self.diff_table = Table(
            title=f"GET runs/diff/{{a}}/{{b}} over HTTP, random pairs, {requests} sequential requests; latency ms",
            columns=["ledger size", "p50", "p99", "ratio"],
        )
        self.plans: list[str] = []
        self._diff_base = None
        self._rng = random.Random(7)

    def measure(self, size: int) -> None:
        port, token = self.server.port, self.token
        deep_seq = max(2, size // 10)
        for label, filters in FILTERS.items():
            first_path = list_path(filters)
            deep_path = list_path(filters, deep_cursor(filters, deep_seq))
            first = sequential_latencies(lambda p=first_path: _get(port, token, p), self.requests)
            deep = sequential_latencies(lambda p=deep_path: _get(port, token, p), self.requests)
            first_p50, deep_p50 = percentile(first, 50), percentile(deep, 50)
            self.table.add(
                f"{size:,}", label, first_p50, percentile(first, 99), deep_p50, percentile(deep, 99),
                ratio(deep_p50, first_p50),
            )  # fmt: skip
            self.table.ratios[f"list_{label.replace(' ', '_')}_{size}_deep_over_first"] = ratio(deep_p50, first_p50)
            self.table.ratios[f"list_{label.replace(' ', '_')}_{size}_p99_ms"] = max(
                percentile(first, 99), percentile(deep, 99)
            )
            log(f"read {size} {label}: first p50 {first_p50:.1f} ms, deep p50 {deep_p50:.1f} ms")
            if self.explain_plans:
                for where, seq in (("first page", None), ("90% deep", deep_seq)):
                    plan = explain(self.database, filters, seq)
                    self.plans.append(f"-- {size:,} artifacts, {label}, {where}\n{plan}")
        pairs = iter(_random_pairs(self.database, size, self.requests + 5, self._rng))

        def diff() -> None:
            a, b = next(pairs)
            _get(port, token, f"/api/rmos/runs/diff/{a}/{b}")

        timings = sequential_latencies(diff, self.requests)
        p50 = percentile(timings, 50)
        self._diff_base = self._diff_base or p50
        self.diff_table.add(f"{size:,}", p50, percentile(timings, 99), ratio(p50, self._diff_base))
        self.diff_table.ratios[f"diff_{size}_over_smallest"] = ratio(p50, self._diff_base)
        self.diff_table.ratios[f"diff_{size}_p99_ms"] = percentile(timings, 99)


def run(
    *,
    quick: bool = False,
    sizes=None,
    requests: int | None = None,
    verify: bool = True,
    explain_plans: bool = False,
    workers: int | None = None,
    database_suffix: str = "read",
    startup_repeats: int = 3,
) -> list[Table]:
    sizes = tuple(sizes or SIZES["quick" if quick else "full"])
    requests = requests or REQUESTS["quick" if quick else "full"]
    database = BenchDatabase.create(database_suffix)
    try:
        setup_django(database.url)
        token = database.manage("rmos_token", "bench-auditor", "--role", "auditor").strip()
        with Gunicorn(database, workers=workers) as server:
            reads = ReadMeasurer(database, server, token, requests=requests, explain_plans=explain_plans)
            if verify:
                tables = bench_ledger.ledger_tables(
                    database, sizes, on_size=reads.measure, startup_repeats=startup_repeats
                )
            else:
                tables = []
                for size in sizes:
                    bench_ledger.grow(database, size)
                    reads.measure(size)
        tables += [reads.table, reads.diff_table]
        for table in tables:
            table.print()
        if reads.plans:
            print("EXPLAIN (ANALYZE, BUFFERS) of the page queries\n")
            print("\n\n".join(reads.plans) + "\n", flush=True)
        return tables
    finally:
        database.drop()


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of each list query")
    args = parser.parse_args(argv)
    run(quick=args.quick, explain_plans=args.explain)


if __name__ == "__main__":
    main()
