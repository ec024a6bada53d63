"""Benchmark (not a test) of the dashboard's run counts (last 24 hours and 7 days by status and risk) when a
week holds many runs.

    .venv/bin/python bench/bench_dashboard.py [--sizes 10000 1000000] [--repeat 15]

For each size it creates a database of its own (``BENCH_DATABASE_URL``, like every benchmark), loads that many
runs spread over the last 7 days with ``manage.py load_runs N --days 7``, and times, in process:

- ``GROUP BY``: the single GROUP BY over the week that the dashboard ran before ``runs.rollup`` (the baseline);
- ``first view``: ``runs.rollup.counts_since`` with no hour stored yet (it stores every closed hour of the week);
- ``later views``: the same once the hours are stored, which is every view but the first.

It prints milliseconds (median and minimum) and two ratios: ``later/GROUP BY`` in each size, and each
column against the smallest size (a volume-independent figure stays near 1).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import PYTHON, ROOT, BenchDatabase, Table, log, ratio

CODE = r"""
import json, statistics, sys, time
from collections import Counter
from datetime import timedelta
import django
django.setup()
from django.db.models import Count, Q
from django.utils import timezone
from runs import rollup
from runs.models import RunArtifact, RunHour

repeat = int(sys.argv[1])

def group_by(now):
    rows = (RunArtifact.objects.filter(created_at__gte=now - timedelta(days=7)).values("status", "risk_level")
            .annotate(day=Count("pk", filter=Q(created_at__gte=now - timedelta(days=1))), week=Count("pk"))
            .order_by())
    return list(rows)

def rolled(now):
    return rollup.counts_since({"day": now - timedelta(days=1), "week": now - timedelta(days=7)}, now=now)

def ms(call):
    began = time.perf_counter()
    call()
    return (time.perf_counter() - began) * 1000

now = timezone.now()
# The two give the same counts (checked here as the tests do).
week = Counter()
for row in group_by(now):
    week[(row["status"], row["risk_level"])] += row["week"]
assert rolled(now)["week"] == +week, "rollup and GROUP BY disagree"
result = {"group_by": [], "first": [], "later": []}
for _ in range(2):
    group_by(timezone.now())
for _ in range(repeat):
    result["group_by"].append(ms(lambda: group_by(timezone.now())))
for _ in range(max(3, repeat // 5)):
    RunHour.objects.all().delete()
    result["first"].append(ms(lambda: rolled(timezone.now())))
for _ in range(repeat):
    result["later"].append(ms(lambda: rolled(timezone.now())))
result["hours"] = RunHour.objects.count()
print(json.dumps(result))
"""


def measure(size: int, repeat: int) -> dict:
    import json

    with BenchDatabase.create(f"dashboard_{size}") as database:
        began = time.perf_counter()
        database.manage("load_runs", str(size), "--days", "7", "--seed", "11")
        log(f"loaded {size:,} runs over 7 days in {time.perf_counter() - began:.0f}s")
        with database.connect(autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE runs_runartifact")  # as autovacuum would leave an append-only table
        done = subprocess.run(
            [PYTHON, "-c", CODE, str(repeat)],
            cwd=ROOT,
            env=database.env(DJANGO_SETTINGS_MODULE="rmos_site.settings"),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-3000:])
        return json.loads(done.stdout.strip().splitlines()[-1])


def run(sizes: list[int], repeat: int) -> Table:
    results = {size: measure(size, repeat) for size in sorted(sizes)}
    smallest = results[min(results)]
    table = Table(
        f"dashboard run counts, in process, {repeat} repeats (first view: {max(3, repeat // 5)}); ms, median (min)",
        [
            "runs in the week",
            "GROUP BY",
            "first view",
            "later views",
            "hours stored",
            "later/GROUP BY",
            "GROUP BY x",
            "later x",
        ],
    )
    for size, result in results.items():
        medians = {key: statistics.median(result[key]) for key in ("group_by", "first", "later")}
        mins = {key: min(result[key]) for key in ("group_by", "first", "later")}
        table.add(
            f"{size:,}",
            f"{medians['group_by']:.1f} ({mins['group_by']:.1f})",
            f"{medians['first']:.1f} ({mins['first']:.1f})",
            f"{medians['later']:.2f} ({mins['later']:.2f})",
            result["hours"],
            ratio(medians["later"], medians["group_by"]),
            ratio(medians["group_by"], statistics.median(smallest["group_by"])),
            ratio(medians["later"], statistics.median(smallest["later"])),
        )
        table.ratios[f"dashboard_{size}_later_over_group_by"] = ratio(medians["later"], medians["group_by"])
        table.ratios[f"dashboard_{size}_later_over_smallest"] = ratio(
            medians["later"], statistics.median(smallest["later"])
        )
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    print(run(args.sizes, args.repeat).render())


if __name__ == "__main__":
    main()
