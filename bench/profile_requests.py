"""Profile (not a test) of one request path, in process: the WSGI application called directly, no HTTP and no
load client, so the figures are the application's own CPU per request and where it goes.

    .venv/bin/python bench/profile_requests.py [feasibility|toolpaths|runs] [--count N] [--profile] [--top K]

It creates and migrates a throwaway database (``BENCH_DATABASE_URL``, like every benchmark), makes an operator
token, warms up, then times ``--count`` requests three times and prints the minimum CPU per request and the
database round trips per request. ``--profile`` adds a cProfile (CPU timer) of one more pass, sorted by
cumulative time. It is the tool behind the "CPU per request" table in docs/performance.md.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import DEFAULT_CONN_MAX_AGE, BenchDatabase, log, setup_django

JOB = {
    "tool_id": "router:downcut_1_8in",
    "material_id": "ebony",
    "machine_id": "router_a",
    "design": {"shape": "ring", "od": 100, "width": 4, "depth": 1.5},
}


def _environ(method: str, path: str, token: str, body: bytes = b"") -> dict:
    query = ""
    if "?" in path:
        path, query = path.split("?", 1)
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_AUTHORIZATION": f"Token {token}",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", nargs="?", default="feasibility", choices=("feasibility", "toolpaths", "runs"))
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()

    with BenchDatabase.create("profile") as database:
        token = database.manage("rmos_token", "bench-operator", "--role", "operator").strip()
        os.environ["DB_CONN_MAX_AGE"] = str(DEFAULT_CONN_MAX_AGE)  # persistent connections, as gunicorn in the benches
        setup_django(database.url)
        from django.core.wsgi import get_wsgi_application
        from django.db import connection

        application = get_wsgi_application()
        body = json.dumps(JOB).encode()
        method, path = (
            ("GET", "/api/rmos/runs?limit=50") if args.target == "runs" else ("POST", f"/api/rmos/{args.target}")
        )

        def one() -> None:
            status = []
            chunks = application(
                _environ(method, path, token, body if method == "POST" else b""), lambda s, h: status.append(s)
            )
            b"".join(chunks)
            if not status[0].startswith("200"):
                raise SystemExit(f"{method} {path}: {status[0]}")

        for _ in range(50):
            one()
        roundtrips = []

        def count(execute, sql, params, many, context):
            roundtrips.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            one()
        timings = []
        for _ in range(3):
            started = time.process_time()
            for _ in range(args.count):
                one()
            timings.append((time.process_time() - started) / args.count * 1000)
        print(
            f"{method} {path}: CPU per request {min(timings):.2f} ms (min of {', '.join(f'{t:.2f}' for t in timings)});"
            f" {len(roundtrips)} queries per request (+ health check)"
        )
        for sql in roundtrips:
            print("   ", " ".join(sql.split())[:140])
        if args.profile:
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            for _ in range(args.count):
                one()
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
            print(out.getvalue())
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.top)
            print(out.getvalue())
        log("done")


if __name__ == "__main__":
    main()
