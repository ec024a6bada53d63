"""runs.rollup: a period's counts are stored counts of closed hours plus a live count of the rest, and always
equal a plain GROUP BY over the ledger."""

import random
import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from runs import rollup
from runs.models import RunArtifact, RunHour
from runs.services import run_prepare, run_record_many

STATUSES = [("OK", "GREEN", 95.0), ("OK", "YELLOW", 72.0), ("BLOCKED", "RED", 20.0), ("ERROR", "", None)]


def ledger(times) -> None:
    """One artifact per time (ascending), cycling through statuses and risk levels."""
    drafts = []
    for index, _ in enumerate(times):
        status, risk_level, score = STATUSES[index % len(STATUSES)]
        drafts.append(
            run_prepare(
                kind="feasibility", status=status, actor=None, request={"i": index}, risk_level=risk_level, score=score
            )
        )
    run_record_many(drafts, created_at=list(times), return_artifacts=False)


def plain(start, now) -> Counter:
    rows = (
        RunArtifact.objects.filter(created_at__gte=start, created_at__lte=now)
        .values("status", "risk_level")
        .annotate(n=Count("pk"))
    )
    return Counter({(row["status"], row["risk_level"]): row["n"] for row in rows})


def periods(now) -> dict:
    return {
        "week": now - timedelta(days=7),
        "day": now - timedelta(days=1),
        "36h": now - timedelta(hours=36, minutes=17),
        "90min": now - timedelta(minutes=90),
        "10d": now - timedelta(days=10),
    }


@pytest.fixture
def spread_ledger(db):
    """~400 artifacts over the last nine days, at random minutes, the newest a few minutes ago."""
    now = timezone.now()
    rng = random.Random(7)
    times = sorted(now - timedelta(minutes=rng.uniform(3, 9 * 24 * 60)) for _ in range(400))
    ledger(times)
    return now


def test_counts_equal_a_plain_group_by_before_and_after_the_hours_are_stored(spread_ledger):
    now = timezone.now()
    starts = periods(now)
    first = rollup.counts_since(starts, now=now)
    assert RunHour.objects.exists()
    second = rollup.counts_since(starts, now=now)
    for name, start in starts.items():
        assert first[name] == plain(start, now), name
        assert second[name] == plain(start, now), name


def test_only_closed_hours_are_stored(spread_ledger):
    now = timezone.now()
    rollup.counts_since(periods(now), now=now)
    newest = RunArtifact.objects.order_by("-seq").values_list("created_at", flat=True).first()
    stored = sorted(RunHour.objects.values_list("hour", flat=True))
    assert stored[-1] < rollup.floor_hour(newest)
    # Every whole hour of the longest period before the newest artifact's hour is stored, empty ones included.
    first = rollup.ceil_hour(now - timedelta(days=10))
    assert stored == [first + index * rollup.HOUR for index in range(len(stored))]
    assert stored[-1] + rollup.HOUR == rollup.floor_hour(newest)


def test_stored_hours_are_what_is_summed(spread_ledger):
    """A closed hour is read from its row, not recounted: change the row and the result follows; delete the
    rows and they are computed again from the ledger."""
    now = timezone.now()
    rollup.counts_since(periods(now), now=now)
    hour = RunHour.objects.exclude(counts=[]).order_by("-hour").first()
    RunHour.objects.filter(pk=hour.pk).update(counts=[{"status": "OK", "risk_level": "GREEN", "count": 1000}])
    week = rollup.counts_since({"week": now - timedelta(days=7)}, now=now)["week"]
    expected = plain(now - timedelta(days=7), now)
    assert sum(week.values()) == sum(expected.values()) - sum(row["count"] for row in hour.counts) + 1000
    RunHour.objects.all().delete()
    assert rollup.counts_since({"week": now - timedelta(days=7)}, now=now)["week"] == expected


def test_artifacts_written_after_the_hours_were_stored_are_counted(spread_ledger):
    now = timezone.now()
    rollup.counts_since(periods(now), now=now)
    ledger([timezone.now()] * 3)
    later = timezone.now()
    for name, start in periods(later).items():
        assert rollup.counts_since({name: start}, now=later)[name] == plain(start, later), name


def test_empty_ledger(db):
    now = timezone.now()
    assert rollup.counts_since(periods(now), now=now) == {name: Counter() for name in periods(now)}
    assert not RunHour.objects.exists()


def test_the_cost_does_not_grow_with_the_volume(spread_ledger, django_assert_num_queries):
    now = timezone.now()
    newest = RunArtifact.objects.order_by("-seq").values_list("created_at", flat=True).first()
    rollup.counts_since(periods(now), now=now)  # stores the closed hours
    # More artifacts in the newest artifact's (open) hour: no hour closes, whatever the clock does meanwhile.
    ledger([newest] * 50)
    # The newest artifact's time, the stored hours, one live count; no scan of the closed hours.
    with django_assert_num_queries(3) as captured:
        counts = rollup.counts_since(periods(now), now=now)
    live = captured.captured_queries[-1]["sql"]
    assert "GROUP BY" in live
    assert "date_trunc" not in live.lower()
    assert counts["week"] == plain(now - timedelta(days=7), now)


@pytest.mark.django_db(transaction=True)
def test_concurrent_readers_store_each_hour_once(spread_ledger):
    now = timezone.now()
    starts = periods(now)
    results, errors = [], []
    barrier = threading.Barrier(4)

    def read():
        try:
            barrier.wait()
            results.append(rollup.counts_since(starts, now=now))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    expected = {name: plain(start, now) for name, start in starts.items()}
    assert all(result == expected for result in results)
    hours = list(RunHour.objects.values_list("hour", flat=True))
    assert len(hours) == len(set(hours))
