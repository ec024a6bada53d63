"""Benchmark (not a test) of the write path: ``POST /api/rmos/feasibility`` and ``/toolpaths`` under gunicorn,
against the floor of raw psycopg inserts of the same artifact rows on the same server.

    .venv/bin/python bench/run.py write [--quick]

For each endpoint and each number of concurrent clients (1, 8, 32) it reports the API's throughput and p50/p99
latency, and the same for two floors measured in the same run with the same number of threads, each thread on
its own connection, inserting the same row (all columns, JSON payloads included, a fresh run_id and its content
hash computed in Python per row, as the service does):

- ``chained``: what the ledger inherently costs: ``pg_advisory_xact_lock``, the head read, the chain hash, the
  INSERT into ``runs_runartifact`` (its triggers and indexes) and the commit, one transaction per row;
- ``1-stmt`` (when migration 0003 is applied): the single statement ``runs.services`` itself sends for one
  artifact, ``INSERT … SELECT … FROM rmos_runs_next_link(…)`` in autocommit: the same serialisation with the
  lock taken, the head read and the link computed inside PostgreSQL, one round trip;
- ``unchained``: the same INSERT into an identical table without the chain (no lock, no head read, no link
  trigger), autocommit, so the chain's own cost is visible.

``API/chained`` is the API's throughput divided by the chained floor's: 1.0 would mean Django, DRF, the
engine and the G-code cost nothing next to the ledger's own serialisation.
"""

from __future__ import annotations

import itertools
import json
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    DEFAULT_CONN_MAX_AGE,
    BenchDatabase,
    Gunicorn,
    LoadResult,
    Table,
    api_json,
    child_pids,
    cpu_by_pid,
    cpu_delta,
    log,
    own_cpu_seconds,
    ratio,
    request,
    run_load,
)

JOB = {
    "tool_id": "router:downcut_1_8in",
    "material_id": "ebony",
    "machine_id": "router_a",
    "design": {"shape": "ring", "od": 100, "width": 4, "depth": 1.5},
}
ENDPOINTS = ("feasibility", "toolpaths")
CLIENTS = (1, 8, 32)
LEDGER_LOCK_KEY = int.from_bytes(b"RMOSLEDG", "big")  # runs.services.LEDGER_LOCK_KEY
LINK_COLUMNS = ("seq", "created_at", "prev_sha256", "chain_sha256")
TABLE = "runs_runartifact"
UNCHAINED = "bench_unchained_runartifact"
HEAD_SQL = f"""
    SELECT clock_timestamp(), head.seq, head.chain_sha256, head.created_at
    FROM (SELECT 1) AS one LEFT JOIN LATERAL (
        SELECT seq, chain_sha256, created_at FROM {TABLE} ORDER BY seq DESC LIMIT 1
    ) AS head ON true
"""


def _columns(conn) -> tuple[list[str], set[str]]:
    from psycopg.rows import tuple_row

    query = (
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position"
    )
    rows = conn.cursor(row_factory=tuple_row).execute(query, [TABLE]).fetchall()
    return [name for name, _ in rows], {name for name, kind in rows if kind == "jsonb"}


# One counter for every writer: the unchained table is shared too (next() on a count is atomic under the GIL).
_UNCHAINED_SEQ = itertools.count(1)


class RawWriter:
    """Plain psycopg inserts of copies of one stored artifact: the floor the API is compared with."""

    def __init__(self, database: BenchDatabase, template_run_id: str) -> None:
        import psycopg
        from psycopg.rows import dict_row

        self.database = database
        with database.connect(row_factory=dict_row) as conn:
            self.columns, self.json_columns = _columns(conn)
            self.template = conn.execute(f"SELECT * FROM {TABLE} WHERE run_id = %s", [template_run_id]).fetchone()
            conn.execute(f"CREATE TABLE IF NOT EXISTS {UNCHAINED} (LIKE {TABLE} INCLUDING ALL)")
            conn.commit()
            self.has_link_function = conn.execute(
                "SELECT to_regprocedure('rmos_runs_next_link(text, timestamptz)') IS NOT NULL AS found"
            ).fetchone()["found"]
        names = ", ".join(self.columns)
        marks = ", ".join(["%s"] * len(self.columns))
        self.insert_chained = f"INSERT INTO {TABLE} ({names}) VALUES ({marks})"
        self.insert_unchained = f"INSERT INTO {UNCHAINED} ({names}) VALUES ({marks})"
        # The statement runs.services sends for one artifact (migration 0003): lock, head and link in the server.
        self.content_columns = [name for name in self.columns if name not in LINK_COLUMNS]
        self.insert_one_statement = (
            f"INSERT INTO {TABLE} ({', '.join(self.content_columns)}, {', '.join(LINK_COLUMNS)}) "
            f"SELECT {', '.join(['%s'] * len(self.content_columns))}, link.link_seq, link.link_created_at, "
            "link.link_prev_sha256, link.link_chain_sha256 FROM rmos_runs_next_link(%s, NULL) AS link"
        )
        self._psycopg = psycopg

    def _fields(self) -> dict:
        from runs import hashing

        fields = dict(self.template)
        fields["run_id"] = f"run_{uuid.uuid4().hex}"
        fields["content_sha256"] = hashing.content_sha256(fields)
        return fields

    def _values(self, fields: dict, columns: list[str] | None = None) -> list:
        from psycopg.types.json import Jsonb

        dumps = _dumps
        return [
            Jsonb(fields[name], dumps) if name in self.json_columns and fields[name] is not None else fields[name]
            for name in columns or self.columns
        ]

    def connections(self, count: int, *, autocommit: bool = False) -> list:
        return [self.database.connect(autocommit=autocommit) for _ in range(count)]

    def chained(self, conn) -> None:
        from runs import hashing

        fields = self._fields()  # content hash before the lock, as runs.services does
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [LEDGER_LOCK_KEY])
            now, seq, prev, previous_time = conn.execute(HEAD_SQL).fetchone()
            stamp = now if previous_time is None or now >= previous_time else previous_time
            fields["seq"] = (seq or 0) + 1
            fields["created_at"] = stamp
            fields["prev_sha256"] = prev or hashing.GENESIS_SHA256
            fields["chain_sha256"] = hashing.chain_sha256(
                seq=fields["seq"],
                created_at=stamp,
                prev_sha256=fields["prev_sha256"],
                content_sha256=fields["content_sha256"],
            )
            conn.execute(self.insert_chained, self._values(fields))

    def one_statement(self, conn) -> None:
        """Autocommit connection: the single statement is its own transaction, as in ``runs.services``."""
        fields = self._fields()
        conn.execute(self.insert_one_statement, [*self._values(fields, self.content_columns), fields["content_sha256"]])

    def unchained(self, conn) -> None:
        """Autocommit connection: one INSERT, one round trip."""
        fields = self._fields()
        fields["seq"] = next(_UNCHAINED_SEQ)
        fields["created_at"] = datetime.now(UTC)
        fields["prev_sha256"] = fields["chain_sha256"] = fields["content_sha256"]
        conn.execute(self.insert_unchained, self._values(fields))


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def _api_action(port: int, endpoint: str, token: str):
    body = json.dumps(JOB).encode()
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def action(_index: int) -> None:
        status, data = request(port, "POST", f"/api/rmos/{endpoint}", body=body, headers=headers)
        if status != 200:
            raise RuntimeError(f"HTTP {status}: {data[:200]!r}")

    return action


def _raw_action(writer: RawWriter, method: str, conns: list):
    insert = getattr(writer, method)

    def action(index: int) -> None:
        insert(conns[index])

    return action


def _backend_pids(database: BenchDatabase) -> list[int]:
    with database.connect(autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return [pid for (pid,) in rows]


def _measured(database: BenchDatabase, action, *, clients: int, server_pids=(), **load) -> LoadResult:
    """One slice of load, with the CPU it cost: gunicorn's workers, the database backends and this process."""
    pids = [*server_pids, *_backend_pids(database)]
    before, own_before = cpu_by_pid(pids), own_cpu_seconds()
    result = run_load(action, clients=clients, **load)
    result.cpu_s = cpu_delta(before, cpu_by_pid(pids)) + own_cpu_seconds() - own_before
    return result


def run(
    *,
    quick: bool = False,
    clients: tuple[int, ...] = CLIENTS,
    duration_s: float | None = None,
    rounds: int | None = None,
    requests_each: int | None = None,
    workers: int | None = None,
    database_suffix: str = "write",
) -> list[Table]:
    """``rounds`` slices of ``duration_s / rounds`` seconds per variant, the variants taking turns, so that a
    change in the machine's background load hits the API and its floors alike (or ``requests_each`` calls per
    client, once: the smoke test)."""
    if requests_each is None:
        duration_s = duration_s or (3.0 if quick else 10.0)
        rounds = rounds or (3 if quick else 5)
        load = {"duration_s": duration_s / rounds}
    else:
        rounds = 1
        load = {"requests_each": requests_each}
    database = BenchDatabase.create(database_suffix)
    try:
        token = database.manage("rmos_token", "bench", "--role", "operator").strip()
        with Gunicorn(database, workers=workers) as server:
            workers_pids = child_pids(server.process.pid)
            templates = {}
            for endpoint in ENDPOINTS:
                status, body = api_json(server.port, "POST", f"/api/rmos/{endpoint}", token, JOB)
                if status != 200:
                    raise RuntimeError(f"POST {endpoint}: HTTP {status} {body}")
                templates[endpoint] = body["run_id"]
            writers = {endpoint: RawWriter(database, run_id) for endpoint, run_id in templates.items()}
            one_statement = all(writer.has_link_function for writer in writers.values())
            columns = ["endpoint", "clients", "API req/s", "p50 ms", "p99 ms", "CPU ms", "chained/s", "p50 ms",
                       "p99 ms", "CPU ms"]  # fmt: skip
            columns += ["1-stmt/s"] if one_statement else []
            columns += ["unchained/s", "API/chained"] + (["API/1-stmt"] if one_statement else []) + ["API/unchained"]
            per_cell = f"{duration_s:g}s per cell in {rounds} turns" if duration_s else f"{requests_each} per client"
            table = Table(
                title=(
                    f"write path: gunicorn --workers {server.workers} (sync), DB_CONN_MAX_AGE={DEFAULT_CONN_MAX_AGE}, "
                    f"{per_cell}; raw floors: psycopg, one connection per thread, one transaction per row"
                ),
                columns=columns,
                notes=[
                    "CPU ms: CPU time per request (per row for the floor) of gunicorn's workers, the database "
                    "backends and this load client together, n/a where /proc cannot be read."
                ],
            )
            variants = ["API", "chained", *(["one_statement"] if one_statement else []), "unchained"]
            for endpoint in ENDPOINTS:
                writer = writers[endpoint]
                for count in clients:
                    log(f"write: {endpoint} x{count}")
                    results = {name: LoadResult(clients=count, elapsed_s=0.0) for name in variants}
                    for _ in range(rounds):
                        # The variants take turns, so that other processes' load hits them alike.
                        api = _api_action(server.port, endpoint, token)
                        results["API"].merge(_measured(database, api, clients=count, server_pids=workers_pids, **load))
                        for method in variants[1:]:
                            conns = writer.connections(count, autocommit=method != "chained")
                            try:
                                action = _raw_action(writer, method, conns)
                                results[method].merge(_measured(database, action, clients=count, **load))
                            finally:
                                for conn in conns:
                                    conn.close()
                    for name, result in results.items():
                        if result.errors:
                            table.notes.append(f"{endpoint} x{count} {name}: {result.errors} errors, first: "
                                               f"{result.first_error}")  # fmt: skip
                    api, chained, unchained = results["API"], results["chained"], results["unchained"]
                    cells = [endpoint, count, api.throughput, api.p50, api.p99, api.cpu_ms_per_op,
                             chained.throughput, chained.p50, chained.p99, chained.cpu_ms_per_op]  # fmt: skip
                    if one_statement:
                        cells.append(results["one_statement"].throughput)
                    cells += [unchained.throughput, ratio(api.throughput, chained.throughput)]
                    if one_statement:
                        cells.append(ratio(api.throughput, results["one_statement"].throughput))
                    cells.append(ratio(api.throughput, unchained.throughput))
                    table.add(*cells)
                    for name, result in results.items():
                        if name != "API":
                            table.ratios[f"{endpoint}_x{count}_api_over_{name}"] = ratio(
                                api.throughput, result.throughput
                            )
            with database.connect() as conn:
                total = conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0]
        # Every API call and every chained row went into one ledger: it must still verify.
        verified = database.manage("verify_runs", "--verbosity", "0").strip()
        table.notes.append(f"ledger after the run: {total} artifacts; verify_runs: {verified.split(';')[0]}")
        table.print()
        return [table]
    finally:
        database.drop()


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    run(quick=parser.parse_args(argv).quick)


if __name__ == "__main__":
    main()
