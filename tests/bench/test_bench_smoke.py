"""A smoke run of the benchmarks (bench/run.py all --quick, at toy sizes): every benchmark still runs end to end
and prints a table whose ratios are finite numbers. Timings are never asserted: they belong to bench/run.py.

It uses the PostgreSQL server the test suite runs on (its own throwaway databases, created and dropped by the
benchmarks), a one-worker gunicorn and a handful of requests per cell.
"""

import math
import os
from urllib.parse import quote

import pytest

from bench import _common, bench_dashboard, bench_ledger, bench_read, bench_write
from bench.run import summary

pytestmark = pytest.mark.slow


@pytest.fixture
def bench_server(settings, monkeypatch):
    """Point the benchmarks at the test suite's own server, under a database name of their own."""
    db = settings.DATABASES["default"]
    host = db.get("HOST") or "127.0.0.1"
    netloc = quote(db.get("USER") or "postgres", safe="")
    if db.get("PASSWORD"):
        netloc += ":" + quote(db["PASSWORD"], safe="")
    netloc += "@" + quote(host, safe="") + (f":{db['PORT']}" if db.get("PORT") else "")
    monkeypatch.setenv("BENCH_DATABASE_URL", f"postgresql://{netloc}/rmos_bench_smoke_{os.getpid()}")
    # The read benchmark signs deep cursors in this process; its gunicorn checks them with the bench key.
    settings.SECRET_KEY = _common.BENCH_SECRET_KEY


def _assert_tables(tables):
    assert tables
    for table in tables:
        rendered = table.render()
        assert table.title in rendered
        assert table.ratios, table.title
        for name, value in table.ratios.items():
            assert math.isfinite(value), (table.title, name, value)
    assert summary(tables).rows


def test_write_benchmark_smoke(bench_server, capsys):
    tables = bench_write.run(clients=(1, 2), requests_each=4, workers=1, database_suffix="write")
    _assert_tables(tables)
    out = capsys.readouterr().out
    assert "API/chained" in out
    assert "ledger after the run" in out
    assert "verify_runs: ledger OK" in out
    assert "errors" not in out  # no request of the smoke run failed


def test_read_and_ledger_benchmarks_smoke(bench_server, capsys):
    tables = bench_read.run(sizes=(150, 300), requests=3, workers=1, startup_repeats=1, database_suffix="read")
    _assert_tables(tables)
    out = capsys.readouterr().out
    for title in ("load_runs", "verify_runs", "read path over HTTP", "GET runs/diff"):
        assert title in out


def test_gcode_benchmark_smoke():
    _assert_tables([bench_ledger.gcode_table(quick=True)])


def test_dashboard_benchmark_smoke(bench_server):
    table = bench_dashboard.run([200, 400], repeat=3)
    _assert_tables([table])
    assert len(table.rows) == 2
