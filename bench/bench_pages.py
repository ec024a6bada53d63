"""Benchmark (not a test): does ``/runs`` answer as fast over a large ledger as over a small one?

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/rmos_bench .venv/bin/python bench/bench_pages.py
    DATABASE_URL=... .venv/bin/python bench/bench_pages.py --large      # 1,000 and 1,000,000 runs
    DATABASE_URL=... .venv/bin/python bench/bench_pages.py --sizes 1000 20000 --repeat 9

For each ledger size, smallest first, it appends synthetic runs with ``manage.py load_runs`` until the ledger
holds that many, then times pages rendered by Django's test Client (the whole stack: middleware, session
login, selectors, templates; no network): the first page of ``/runs``, a deep page (the oldest runs, reached
through the keyset cursor), both unfiltered and with filters (``status=BLOCKED&tool_id_prefix=router:``), and
the dashboard; and the page's one ledger query (``runs.selectors.run_list``) on its own. It prints the
median, 90th percentile and minimum over the repeats, and the median and the minimum as ratios of the
smallest size's. Ratios near 1 mean the page does not slow down as the ledger grows: the index pages by
``seq`` with one indexed query per page (no OFFSET, no COUNT). The dashboard's counts follow the number of
runs in the newest hour (``runs.rollup``; ``bench_dashboard.py`` measures them with runs spread over a week).
Runs loaded after the first size are dated from the newest one on, since time never runs backwards along the
ledger, so here nearly all of them fall in the last hour: the dashboard's figure at the large size is a worst
case.

The ledger is append-only (no code path can remove an artifact), so give the benchmark a database of its own:
the one DATABASE_URL names is created if missing and migrated, and the script refuses a ledger that already
holds more runs than the smallest size. Loading runs at about 2,500 a second: 100,000 take under a minute,
1,000,000 several minutes.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rmos_site.settings")

FILTERS = {"status": ["BLOCKED"], "tool_id_prefix": ["router:"]}
FILTER_QUERY = "status=BLOCKED&tool_id_prefix=router%3A"
WALK_PAGE = 200
PAGE = 50


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", help="ledger sizes, default 1000 100000")
    parser.add_argument("--large", action="store_true", help="sizes 1000 and 1000000")
    parser.add_argument("--repeat", type=int, default=25, help="timed requests per page (default 25)")
    parser.add_argument("--seed", type=int, default=1, help="load_runs seed")
    args = parser.parse_args()
    args.sizes = sorted(args.sizes or ([1_000, 1_000_000] if args.large else [1_000, 100_000]))
    return args


def deep_cursor(filters: dict) -> str:
    """The cursor of the last page of runs matching ``filters`` (the oldest), found by following the cursors
    as a client would, through the selector: in pages of 200 to keep the walk short, of 50 (the page's own
    size) when fewer match. Empty when everything fits on the first page."""
    from runs.selectors import run_list

    for size in (WALK_PAGE, PAGE):
        last, cursor = "", None
        while True:
            _, cursor = run_list(filters, limit=size, cursor=cursor)
            if cursor is None:
                break
            last = cursor
        if last:
            return last
    return ""


def timed(call, repeat: int) -> list[float]:
    for _ in range(3):  # warm the connection, the caches and the plans
        call()
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        samples.append((time.perf_counter() - began) * 1000)
    return samples


def page(client, path: str):
    def call():
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")

    return call


def query(filters: dict, cursor: str):
    from runs.selectors import run_list

    return lambda: run_list(filters, limit=PAGE, cursor=cursor or None)


def main() -> None:
    args = parse_args()
    if not os.environ.get("DATABASE_URL"):
        raise SystemExit("Set DATABASE_URL to a database of the benchmark's own (its ledger only ever grows).")

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from rmos_site.core.enums import Role
    from rmos_site.core.roles import grant_role
    from runs.models import RunArtifact

    call_command("ensure_database", stdout=io.StringIO())
    call_command("migrate", verbosity=0)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user, created = get_user_model().objects.get_or_create(username="bench_pages")
    if created:
        grant_role(user, Role.AUDITOR)
    client = Client()
    client.force_login(user)

    existing = RunArtifact.objects.count()
    if existing > args.sizes[0]:
        raise SystemExit(
            f"The ledger already holds {existing:,} runs, more than the smallest size {args.sizes[0]:,}: "
            "point DATABASE_URL at a fresh database."
        )

    results: dict[str, dict[int, list[float]]] = {}
    for size in args.sizes:
        missing = size - RunArtifact.objects.count()
        if missing > 0:
            began = time.monotonic()
            print(f"loading {missing:,} runs ...", file=sys.stderr, flush=True)
            call_command("load_runs", str(missing), seed=args.seed + size, verbosity=0, stdout=io.StringIO())
            print(f"  {time.monotonic() - began:.0f} s", file=sys.stderr, flush=True)
        # Fresh statistics, as autovacuum would give a production table, so the plans are the real ones.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE runs_runartifact")
        deep, deep_filtered = deep_cursor({}), deep_cursor(FILTERS)
        calls = {
            "/runs first page": page(client, "/runs"),
            "/runs deep page": page(client, f"/runs?cursor={deep}"),
            "/runs filtered, first page": page(client, f"/runs?{FILTER_QUERY}"),
            "/runs filtered, deep page": page(client, f"/runs?{FILTER_QUERY}&cursor={deep_filtered}"),
            # The page's one ledger query on its own, without the login, the registry and the template.
            "run_list first page": query({}, ""),
            "run_list deep page": query({}, deep),
            "run_list filtered, first": query(FILTERS, ""),
            "run_list filtered, deep": query(FILTERS, deep_filtered),
            "/ dashboard (last 7 days)": page(client, "/"),
        }
        for name, call in calls.items():
            results.setdefault(name, {})[size] = timed(call, args.repeat)
            print(f"{size:>12,}  {name:<30} {statistics.median(results[name][size]):8.2f} ms", file=sys.stderr)

    smallest = args.sizes[0]
    print(f"\n{args.repeat} requests each (Django test Client, in-process); ratios against {smallest:,} runs.")
    print("On a busy machine the minimum is the steadier figure: it leaves out time spent waiting for a CPU.")
    header = f"{'what':<30} {'runs':>10} {'median ms':>10} {'p90 ms':>8} {'min ms':>8} {'median x':>9} {'min x':>7}"
    print(header)
    for name, by_size in results.items():
        base_median, base_min = statistics.median(by_size[smallest]), min(by_size[smallest])
        for size, samples in by_size.items():
            median, fastest = statistics.median(samples), min(samples)
            p90 = statistics.quantiles(samples, n=10)[-1]
            print(
                f"{name:<30} {size:>10,} {median:>10.2f} {p90:>8.2f} {fastest:>8.2f} "
                f"{median / base_median:>9.2f} {fastest / base_min:>7.2f}"
            )


if __name__ == "__main__":
    main()
