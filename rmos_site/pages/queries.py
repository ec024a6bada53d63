"""Reads only the pages need: the dashboard's aggregates and the registry's ids for the forms' selects.

Each costs the same whatever the size of the ledger or the number of sessions: run counts come from
``runs.rollup`` (hourly counts of closed hours plus a live count of the last hour or so), lists are index
scans with a LIMIT.
"""

from collections import Counter
from datetime import datetime, timedelta

from django.db.models import Count

from feasibility.selectors import registry_list
from rmos_site.core.db_router import read_db
from runs.enums import RunStatus
from runs.models import RunArtifact
from runs.rollup import counts_since
from workflow.enums import SessionState
from workflow.models import WorkflowSession

DAY = timedelta(days=1)
WEEK = timedelta(days=7)
BLOCKED_FIELDS = ("run_id", "created_at", "kind", "risk_level", "score", "tool_id", "material_id", "machine_id",
                  "session_id", "errors", "feasibility__design", "request__design")  # fmt: skip


def run_counts(*, now: datetime) -> dict:
    """``{"day"|"week": {"status": Counter, "risk": Counter, "total": int}}`` for the last 24 hours and 7 days.

    From ``runs.rollup``: stored counts of the closed hours plus one live query for the rest, so the cost does
    not grow with a week's volume. A run without a verdict counts under risk ``""``.
    """
    periods = counts_since({"day": now - DAY, "week": now - WEEK}, now=now)
    counts = {period: {"status": Counter(), "risk": Counter(), "total": 0} for period in ("day", "week")}
    for period, counter in periods.items():
        for (status, risk_level), count in counter.items():
            counts[period]["status"][status] += count
            counts[period]["risk"][risk_level] += count
            counts[period]["total"] += count
    return counts


def latest_blocked(*, limit: int) -> list[dict]:
    """The newest BLOCKED runs with the reason each was refused (the first recorded error)."""
    rows = list(RunArtifact.objects.filter(status=RunStatus.BLOCKED).order_by("-seq").values(*BLOCKED_FIELDS)[:limit])
    for row in rows:
        row["design"] = _design_of(row.pop("feasibility__design"), row.pop("request__design"))
        first = row.pop("errors")[:1]
        error = first[0] if first and isinstance(first[0], dict) else {}
        row["reason_code"] = error.get("code") or ""
        row["reason"] = error.get("message") or ""
    return rows


def sessions_awaiting_approval(*, limit: int) -> list[WorkflowSession]:
    """Sessions in ``feasibility_ready``, the longest waiting first."""
    return list(
        WorkflowSession.objects.filter(state=SessionState.FEASIBILITY_READY)
        .select_related("created_by")
        .order_by("created_at", "id")[:limit]
    )


def session_state_counts() -> dict[str, int]:
    rows = WorkflowSession.objects.values("state").annotate(n=Count("id")).order_by()
    return {row["state"]: row["n"] for row in rows}


def registry_choices() -> dict[str, list]:
    """``(id, label)`` pairs of the tools, materials and machines, and the tool kinds, for selects and
    suggestion lists."""
    choices = {}
    for registry, id_key in (("tools", "tool_id"), ("materials", "material_id"), ("machines", "machine_id")):
        entries = sorted(registry_list(registry), key=lambda entry: entry[id_key])
        choices[registry] = [(entry[id_key], f"{entry[id_key]} — {entry['name']}") for entry in entries]
        if registry == "tools":
            # A run's mode is its tool's kind, and tool ids start with the kind: the filters' suggestions.
            choices["modes"] = sorted({entry["kind"] for entry in entries})
        if registry == "machines":
            # Each machine's fixtures (work offsets), grouped under it: where on the machine a job sits.
            choices["fixtures"] = [
                (
                    entry["machine_id"],
                    [(fixture["fixture_id"], _fixture_label(fixture)) for fixture in entry.get("fixtures") or ()],
                )
                for entry in entries
                if entry.get("fixtures")
            ]
    return choices


def _fixture_label(fixture: dict) -> str:
    default = ", the default" if fixture.get("is_default") else ""
    return f"{fixture['fixture_id']} ({fixture['work_offset']}{default}) — {fixture['name']}"


def _design_of(judged, requested):
    # The engine's normalised design (defaults filled in) where the run was judged, else what was asked for.
    return judged if isinstance(judged, dict) else requested if isinstance(requested, dict) else None


def run_designs(items: list[dict]) -> dict[str, dict]:
    """The design of each listed run, by run id: one query for the whole page, only the two JSON paths
    (not the artifacts' payloads), from the database the index was read from."""
    run_ids = [item["run_id"] for item in items]
    if not run_ids:
        return {}
    rows = (
        RunArtifact.objects.using(read_db())
        .filter(run_id__in=run_ids)
        .values_list("run_id", "feasibility__design", "request__design")
    )
    return {run_id: _design_of(judged, requested) for run_id, judged, requested in rows}
