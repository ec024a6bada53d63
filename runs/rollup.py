"""Counts of artifacts by (status, risk level) over recent periods, in time independent of their volume.

The ledger only grows, and ``created_at`` never decreases along ``seq``: it is read under the ledger lock, held
until the artifact commits, and clamped to be no earlier than the previous artifact's (``rmos_runs_next_link``
and ``run_record_many``). So once an artifact stamped in hour H is visible, no artifact can still arrive in an
hour before H: those hours are *closed*, and their counts are fixed for good.

A period's counts are then the stored counts of its closed whole hours (``RunHour``, filled from the ledger the
first time an hour is needed, in one GROUP BY for every missing hour) plus a live count of the rest: the part of
its first hour inside the period, and everything from the newest artifact's hour on. The live part is at most
about two hours of artifacts, whatever the period's length.
"""

from collections import Counter
from datetime import UTC, datetime, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncHour

from runs.models import RunArtifact, RunHour

HOUR = timedelta(hours=1)
Key = tuple[str, str]  # (status, risk_level)


def floor_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def ceil_hour(moment: datetime) -> datetime:
    floor = floor_hour(moment)
    return floor if floor == moment else floor + HOUR


def counts_since(starts: dict[str, datetime], *, now: datetime) -> dict[str, Counter]:
    """For each named period ``[start, now]``, a ``Counter`` of ``(status, risk_level)`` (risk ``""`` for an
    artifact without a verdict). Side effect: stores the counts of closed hours it needed and did not have."""
    newest_at = RunArtifact.objects.order_by("-seq").values_list("created_at", flat=True).first()
    if newest_at is None:
        return {name: Counter() for name in starts}
    # Hours before the newest artifact's are closed; the hour holding `now` is never whole.
    open_from = min(floor_hour(newest_at), floor_hour(now))
    spans = {}
    for name, start in starts.items():
        first, last = ceil_hour(start), max(open_from, ceil_hour(start))  # closed whole hours: [first, last)
        spans[name] = (start, first, last)
    hours = _closed_hours({hour for _, first, last in spans.values() for hour in _hours(first, last)})
    live = _live_counts(spans, now=now)
    result = {}
    for name, (_, first, last) in spans.items():
        total = Counter(live[name])
        for hour in _hours(first, last):
            for row in hours[hour]:
                total[(row["status"], row["risk_level"])] += row["count"]
        result[name] = +total
    return result


def _hours(first: datetime, last: datetime) -> list[datetime]:
    count = max(int((last - first) / HOUR), 0)
    return [first + index * HOUR for index in range(count)]


def _closed_hours(wanted: set[datetime]) -> dict[datetime, list[dict]]:
    """The stored counts of ``wanted`` (closed) hours, computing and storing those not stored yet."""
    if not wanted:
        return {}
    found = dict(RunHour.objects.filter(hour__gte=min(wanted), hour__lte=max(wanted)).values_list("hour", "counts"))
    found = {hour.astimezone(UTC): counts for hour, counts in found.items()}
    missing = sorted(wanted - found.keys())
    if missing:
        computed: dict[datetime, list[dict]] = {hour: [] for hour in missing}
        rows = (
            RunArtifact.objects.filter(created_at__gte=missing[0], created_at__lt=missing[-1] + HOUR)
            .annotate(hour=TruncHour("created_at", tzinfo=UTC))
            .values("hour", "status", "risk_level")
            .annotate(count=Count("pk"))
            .order_by("hour", "status", "risk_level")
        )
        for row in rows:
            hour = row["hour"].astimezone(UTC)
            if hour in computed:
                computed[hour].append({"status": row["status"], "risk_level": row["risk_level"], "count": row["count"]})
        # Concurrent readers compute the same rows for a closed hour: whichever lands first stays.
        RunHour.objects.bulk_create(
            [RunHour(hour=hour, counts=counts) for hour, counts in computed.items()], ignore_conflicts=True
        )
        found.update(computed)
    return found


def _live_counts(spans: dict[str, tuple[datetime, datetime, datetime]], *, now: datetime) -> dict[str, Counter]:
    """One query for the parts of every period not covered by closed whole hours: [start, first) and
    [last, now]."""
    ranges = {
        name: Q(created_at__gte=start, created_at__lt=min(first, now)) | Q(created_at__gte=last, created_at__lte=now)
        for name, (start, first, last) in spans.items()
    }
    where = Q()
    for condition in ranges.values():
        where |= condition
    rows = (
        RunArtifact.objects.filter(where)
        .values("status", "risk_level")
        .annotate(**{f"n_{index}": Count("pk", filter=condition) for index, condition in enumerate(ranges.values())})
        .order_by()
    )
    result = {name: Counter() for name in spans}
    for row in rows:
        for index, name in enumerate(ranges):
            if row[f"n_{index}"]:
                result[name][(row["status"], row["risk_level"])] += row[f"n_{index}"]
    return result
