"""Transition events under the ledger's proof: their own hash chain, and their agreement with the artifacts.

Each ``TransitionEvent`` is linked as a run artifact is (``docs/ledger.md``): ``seq`` 1, 2, 3, ... without
gaps, ``content_sha256`` over its content fields, ``chain_sha256`` = ``runs.hashing.chain_sha256(seq, at,
prev_sha256, content_sha256)``, ``prev_sha256`` the previous event's ``chain_sha256`` (64 zeros for the first).
``event_link`` assigns them when an event is saved (``TransitionEvent.save``), so the one place that writes
events, ``workflow.services``, did not change.

The link is taken under the ledger's own advisory lock, not a second one: a transaction that writes an
artifact and then events (approve, feasibility, toolpaths) and one that writes only events then queue on one
lock, so no two of them can each hold one lock and wait for the other. Like the ledger's, the lock is held
until the outermost transaction ends; every caller takes its session row lock first.

``events_verify`` is what ``verify_runs`` runs after the ledger walk (registered in ``workflow.apps``): it
names the first event whose link or hashes do not match (an edited, removed or reordered event), any event
that names an artifact that is not in the ledger or that disagrees with it (actor, session; an approve event
must name an OK approval artifact), and any OK approval artifact of an existing session without its approve
event.
"""

from django.db import connection

from runs import hashing
from runs.services import LEDGER_LOCK_KEY
from runs.verification import Mismatch

# The columns content_sha256 covers, by name. seq, at and prev_sha256 are bound by chain_sha256. The text
# must stay stable: migration workflow/0003 hashed the events written before chaining with it.
EVENT_CONTENT_FIELDS = ("session_id", "actor", "role", "action", "from_state", "to_state", "note", "run_id")
_VERIFY_BATCH = 2000


def event_content(fields: dict) -> dict:
    content = {name: fields[name] for name in EVENT_CONTENT_FIELDS}
    content["session_id"] = str(content["session_id"])
    return content


def event_content_sha256(fields: dict) -> str:
    return hashing.sha256_of(event_content(fields))


def event_link(event) -> None:
    """Give a new ``event`` its place in the chain: ``seq``, ``at`` (the database clock, never earlier than the
    previous event's), ``prev_sha256``, ``content_sha256`` and ``chain_sha256``. Must run inside the
    transaction that inserts it; takes the ledger lock until that transaction ends."""
    table = connection.ops.quote_name(type(event)._meta.db_table)
    with connection.cursor() as cursor:
        # A separate statement from the head read (READ COMMITTED: a statement's snapshot is taken when it
        # starts, so it must start after the lock is held), as in runs.services.
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LEDGER_LOCK_KEY])
        cursor.execute(
            f"""
            SELECT clock_timestamp(), head.seq, head.chain_sha256, head.at
            FROM (SELECT 1) AS one LEFT JOIN LATERAL (
                SELECT seq, chain_sha256, at FROM {table} ORDER BY seq DESC LIMIT 1
            ) AS head ON true
            """
        )
        now, seq, prev_sha256, previous_at = cursor.fetchone()
    event.seq = (seq or 0) + 1
    event.prev_sha256 = prev_sha256 or hashing.GENESIS_SHA256
    event.at = max(now, previous_at) if previous_at is not None else now
    event.content_sha256 = event_content_sha256(event.__dict__)
    event.chain_sha256 = hashing.chain_sha256(
        seq=event.seq, created_at=event.at, prev_sha256=event.prev_sha256, content_sha256=event.content_sha256
    )


# --- verification --------------------------------------------------------------------------------------


def _event_mismatch(row: dict, reason: str) -> Mismatch:
    label = f"transition event {row['id']} ({row['action']} of session {row['session_id']})"
    return Mismatch(row["seq"], row["run_id"] or "-", reason, subject=label)


def _check_event(row: dict, *, expected_seq: int, prev_chain: str, prev_at) -> str | None:
    """Why ``row`` does not verify, or None. Links first, as for artifacts."""
    if row["seq"] != expected_seq:
        return f"seq {row['seq']} where {expected_seq} was expected: events before it are missing or were moved"
    if row["prev_sha256"] != prev_chain:
        return f"prev_sha256 {row['prev_sha256']} is not the previous event's chain_sha256 {prev_chain}"
    if prev_at is not None and row["at"] < prev_at:
        return "at is earlier than the previous event's"
    content = event_content_sha256(row)
    if row["content_sha256"] != content:
        return f"content_sha256 {row['content_sha256']} does not match its content (recomputed {content})"
    chain = hashing.chain_sha256(seq=row["seq"], created_at=row["at"], prev_sha256=row["prev_sha256"],
                                 content_sha256=content)  # fmt: skip
    if row["chain_sha256"] != chain:
        return f"chain_sha256 {row['chain_sha256']} does not match its link (recomputed {chain})"
    return None


def _check_against_artifacts(rows: list[dict]) -> tuple[dict, str] | None:
    """The first event of ``rows`` that disagrees with the artifact it names, and why."""
    from runs.models import RunArtifact

    named = {row["run_id"] for row in rows if row["run_id"]}
    artifacts = {
        artifact["run_id"]: artifact
        for artifact in RunArtifact.objects.filter(run_id__in=named).values(
            "run_id", "kind", "status", "actor", "session_id"
        )
    }
    for row in rows:
        if not row["run_id"]:
            continue
        artifact = artifacts.get(row["run_id"])
        if artifact is None:
            return row, f"names run {row['run_id']}, which is not in the ledger"
        if row["action"] == "approve" and (artifact["kind"], artifact["status"]) != ("approval", "OK"):
            return row, f"an approve event must name an OK approval artifact; run {row['run_id']} is not one"
        for field, expected in (("actor", row["actor"]), ("session_id", str(row["session_id"]))):
            if artifact[field] != expected:
                return row, (
                    f"its {field} {expected!r} disagrees with run {row['run_id']}, whose {field} is {artifact[field]!r}"
                )
    return None


def events_verify(against: dict | None = None) -> tuple[dict, Mismatch | None]:
    """Walk the events in ``seq`` order: ``({"count", "chain_sha256"} of the events verified, the first
    mismatch or None)``. ``against``: a checkpoint's ``{"count", "chain_sha256"}`` the events must still extend.

    Runs inside ``runs.verification.ledger_verify``'s REPEATABLE READ transaction (registered in
    ``workflow.apps``), so it sees the snapshot the ledger walk saw."""
    from workflow.models import TransitionEvent

    columns = ("id", "seq", "at", "prev_sha256", "content_sha256", "chain_sha256", *EVENT_CONTENT_FIELDS)
    expected_seq, prev_chain, prev_at = 1, hashing.GENESIS_SHA256, None
    approved_runs: set[str] = set()

    def reached() -> dict:
        return {"count": expected_seq - 1, "chain_sha256": prev_chain}

    last_seq = 0
    while True:
        rows = list(TransitionEvent.objects.filter(seq__gt=last_seq).order_by("seq").values(*columns)[:_VERIFY_BATCH])
        for row in rows:
            reason = _check_event(row, expected_seq=expected_seq, prev_chain=prev_chain, prev_at=prev_at)
            at_checkpoint = against is not None and row["seq"] == against["count"]
            if reason is None and at_checkpoint and row["chain_sha256"] != against["chain_sha256"]:
                reason = (
                    f"chain_sha256 {row['chain_sha256']} differs from the checkpoint's "
                    f"{against['chain_sha256']}: the events were rewritten up to this one"
                )
            if reason is not None:
                return reached(), _event_mismatch(row, reason)
            expected_seq, prev_chain, prev_at = row["seq"] + 1, row["chain_sha256"], row["at"]
            if row["action"] == "approve":
                approved_runs.add(row["run_id"])
        disagreement = _check_against_artifacts(rows)
        if disagreement is not None:
            row, reason = disagreement
            return reached(), _event_mismatch(row, reason)
        if len(rows) < _VERIFY_BATCH:
            break
        last_seq = rows[-1]["seq"]
    if against and expected_seq - 1 < against["count"]:
        return reached(), Mismatch(
            expected_seq,
            "-",
            f"the events end at seq {expected_seq - 1} but the checkpoint has {against['count']}: events were removed",
            subject="transition events",
        )
    return reached(), _approval_without_event(approved_runs)


def _approval_without_event(approved_runs: set[str]) -> Mismatch | None:
    """An OK approval artifact of a session that exists must have its approve event: removing one, even the
    newest, is seen here."""
    from runs.models import RunArtifact
    from workflow.models import WorkflowSession

    sessions = {str(pk) for pk in WorkflowSession.objects.values_list("pk", flat=True)}
    approvals = RunArtifact.objects.filter(kind="approval", status="OK").exclude(session_id="")
    for seq, run_id, session_id in approvals.order_by("seq").values_list("seq", "run_id", "session_id").iterator():
        if session_id in sessions and run_id not in approved_runs:
            return Mismatch(
                seq,
                run_id,
                f"approval of session {session_id} has no approve event: the event was removed",
                subject=f"artifact {run_id}",
            )
    return None
