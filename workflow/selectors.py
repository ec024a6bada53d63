"""Reads of workflow sessions: one session, the keyset-paginated list, the event log."""

import uuid
from datetime import datetime

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from rmos_site.core.cursors import cursor_read, cursor_sign, invalid_cursor
from rmos_site.core.problems import ProblemError
from workflow.models import SHAPER_ANNOTATIONS, SHAPING_ACTIONS, TransitionEvent, WorkflowSession

LIMIT_DEFAULT, LIMIT_MIN, LIMIT_MAX = 50, 1, 200
LIST_FILTERS = ("state", "mode", "created_by")
_CURSOR_SALT = "workflow.sessions.cursor"


def parse_session_id(value) -> uuid.UUID | None:
    """The UUID ``value`` names, or None. Only the canonical spellings count, so one session has one URL."""
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str) or len(value) not in (32, 36):
        return None
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return None
    return parsed if value.lower() in (str(parsed), parsed.hex) else None


def session_not_found(session_id) -> ProblemError:
    shown = str(session_id)[:100]
    return ProblemError(
        status=404,
        error="SESSION_NOT_FOUND",
        title="Session not found",
        detail=f"No workflow session {shown!r}.",
        session_id=shown,
    )


def _latest_actor(action: str) -> Subquery:
    events = TransitionEvent.objects.filter(session=OuterRef("pk"), action=action).order_by("-id")
    return Subquery(events.values("actor")[:1])


def _with_counts(queryset: QuerySet) -> QuerySet:
    """With what a representation needs in the same query: creator, approver, the event count, and who shaped
    the job (``WorkflowSession.shaped_by``, which ``allowed_actions`` asks for four eyes)."""
    shapers = {name: _latest_actor(action) for name, action in zip(SHAPER_ANNOTATIONS, SHAPING_ACTIONS, strict=True)}
    return queryset.select_related("created_by", "approved_by").annotate(events_count=Count("events"), **shapers)


def session_get(session_id) -> WorkflowSession:
    """One session with what its representation needs, or 404 ``SESSION_NOT_FOUND`` (malformed ids too:
    a string that is not a UUID cannot name a session, and the seed's clients expect 404 for unknown ids)."""
    pk = parse_session_id(session_id)
    if pk is None:
        raise session_not_found(session_id)
    found = _with_counts(WorkflowSession.objects.filter(pk=pk)).first()
    if found is None:
        raise session_not_found(session_id)
    return found


def clamp_limit(limit: int | None) -> int:
    return LIMIT_DEFAULT if limit is None else max(LIMIT_MIN, min(LIMIT_MAX, limit))


def session_list(filters: dict, *, limit: int | None = None, cursor: str | None = None):
    """One page of sessions, newest first, and the next page's cursor (None on the last page).

    ``filters`` maps ``state``, ``mode`` and ``created_by`` (a username) to lists of values: OR within a name,
    AND across names. Keyset pagination on (created_at, id): two queries whatever the page size (the page
    with its creators, approvers and event counts). The cursor is signed and bound to the filters, so a forged
    or re-targeted cursor is a 400 ``INVALID_CURSOR``, never a silent restart.
    """
    limit = clamp_limit(limit)
    filters = {name: sorted(set(filters.get(name) or [])) for name in LIST_FILTERS}
    filters = {name: values for name, values in filters.items() if values}
    queryset = WorkflowSession.objects.all()
    if filters.get("state"):
        queryset = queryset.filter(state__in=filters["state"])
    if filters.get("mode"):
        queryset = queryset.filter(mode__in=filters["mode"])
    if filters.get("created_by"):
        queryset = queryset.filter(created_by__username__in=filters["created_by"])
    if cursor:
        created_at, pk = _cursor_position(cursor, filters)
        queryset = queryset.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=pk))
    rows = list(_with_counts(queryset).order_by("-created_at", "-id")[: limit + 1])
    next_cursor = _cursor_for(rows[limit - 1], filters) if len(rows) > limit else None
    return rows[:limit], next_cursor


def _cursor_for(session: WorkflowSession, filters: dict) -> str:
    position = {"t": session.created_at.isoformat(), "id": str(session.pk)}
    return cursor_sign(salt=_CURSOR_SALT, position=position, filters=filters)


def _cursor_position(cursor: str, filters: dict) -> tuple[datetime, uuid.UUID]:
    position = cursor_read(cursor, salt=_CURSOR_SALT, filters=filters)
    pk = parse_session_id(position.get("id"))
    try:
        created_at = datetime.fromisoformat(position.get("t"))
    except (TypeError, ValueError):
        created_at = None
    if pk is None or created_at is None or created_at.tzinfo is None:
        raise invalid_cursor()
    return created_at, pk


def session_events(session: WorkflowSession) -> QuerySet:
    """The session's transition log, oldest first."""
    return TransitionEvent.objects.filter(session=session).order_by("id")


def session_runs(session: WorkflowSession) -> list:
    """The run artifacts written for the session, newest first (the admin shows them read-only)."""
    from runs.models import RunArtifact

    return list(
        RunArtifact.objects.filter(session_id=str(session.pk))
        .order_by("-seq")
        .only("run_id", "created_at", "kind", "status", "risk_level", "score", "actor")
    )
