"""The one way into the ledger. Nothing else inserts run artifacts.

``run_record`` is what the feasibility, toolpaths and workflow services call; ``run_prepare`` and
``run_record_many`` are its two halves, exposed for bulk loading (``load_runs``). Hashing happens in
``run_prepare``, outside the ledger lock; only the chain link (seq, created_at, prev and chain hash) is
assigned under it.
"""

import json
import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, models, transaction

from runs import hashing
from runs.enums import RISK_LEVELS, RunKind, RunStatus
from runs.models import RunArtifact

# Verdict-shaped keys a client might send hoping to have them echoed as the server's decision.
CLIENT_DECISION_KEYS = frozenset({"feasibility", "safety", "risk_level", "score", "decision"})

# pg_advisory_xact_lock key serialising chain assignment: the bytes "RMOSLEDG". Any other advisory lock in
# this database must use a different key.
LEDGER_LOCK_KEY = int.from_bytes(b"RMOSLEDG", "big")

_TEXT_FIELDS = ("mode", "tool_id", "material_id", "machine_id", "session_id", "actor", "engine_version")
_SHA256_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class RunDraft:
    """A validated, hashed artifact waiting for its place in the chain: every column but ``seq``,
    ``created_at``, ``prev_sha256`` and ``chain_sha256``."""

    fields: dict


def run_record(
    *,
    kind: str,
    status: str,
    actor,
    request: dict | None,
    mode: str = "",
    tool_id: str = "",
    material_id: str = "",
    machine_id: str = "",
    session_id: str = "",
    risk_level: str = "",
    score: float | None = None,
    feasibility: dict | None = None,
    feasibility_sha256: str = "",
    registry_snapshot: dict | None = None,
    engine_version: str = "",
    gcode_text: str | None = None,
    toolpaths: dict | None = None,
    errors: list | None = None,
    discard_keys: Iterable[str] = (),
) -> RunArtifact:
    """Append one artifact to the ledger and return it.

    ``actor`` is the authenticated User (its username is stored) or None. ``request`` is stored without the
    client's ``CLIENT_DECISION_KEYS``, nor the caller's extra ``discard_keys`` (e.g. ``mode``, which only the
    registry decides); their names go to ``discarded_client_fields``. ``feasibility_sha256`` is the
    feasibility layer's own hash and is stored as given.

    Side effects: appends one row to ``runs_runartifact`` (COPY) inside ``transaction.atomic()``; takes the ledger's
    transaction-level advisory lock, which is held until the *outermost* transaction ends. Called inside a
    caller's ``atomic()`` block, it therefore serialises every other writer until that block commits: call it
    last, after the caller's own row locks, and keep the rest of that transaction short. If the caller's
    transaction rolls back, the artifact and its seq vanish together, so the chain stays gapless.

    Raises ValueError/TypeError for values the ledger cannot store faithfully (unknown kind or status, NaN,
    ``\\u0000``, non-JSON values, over-long ids): API layers validate earlier, so this is a programming error.
    """
    draft = run_prepare(
        kind=kind,
        status=status,
        actor=actor,
        request=request,
        mode=mode,
        tool_id=tool_id,
        material_id=material_id,
        machine_id=machine_id,
        session_id=session_id,
        risk_level=risk_level,
        score=score,
        feasibility=feasibility,
        feasibility_sha256=feasibility_sha256,
        registry_snapshot=registry_snapshot,
        engine_version=engine_version,
        gcode_text=gcode_text,
        toolpaths=toolpaths,
        errors=errors,
        discard_keys=discard_keys,
    )
    return run_record_many([draft])[0]


def run_prepare(
    *,
    kind: str,
    status: str,
    actor,
    request: dict | None,
    mode: str = "",
    tool_id: str = "",
    material_id: str = "",
    machine_id: str = "",
    session_id: str = "",
    risk_level: str = "",
    score: float | None = None,
    feasibility: dict | None = None,
    feasibility_sha256: str = "",
    registry_snapshot: dict | None = None,
    engine_version: str = "",
    gcode_text: str | None = None,
    toolpaths: dict | None = None,
    errors: list | None = None,
    discard_keys: Iterable[str] = (),
) -> RunDraft:
    """Validate, strip and hash one artifact (the arguments of ``run_record``). No side effects."""
    request = {} if request is None else _expect(request, dict, "request")
    refused = CLIENT_DECISION_KEYS | frozenset(discard_keys)
    discarded = sorted(refused & request.keys())
    request = hashing.json_value({key: value for key, value in request.items() if key not in refused})
    fields = {
        "run_id": f"run_{uuid.uuid4().hex}",
        "kind": RunKind(kind).value,
        "status": RunStatus(status).value,
        "risk_level": _risk_level(risk_level),
        "score": _score(score),
        "request": request,
        "discarded_client_fields": discarded,
        "feasibility": _json_object(feasibility, "feasibility"),
        "registry_snapshot": _json_object(registry_snapshot, "registry_snapshot"),
        "gcode_text": None if gcode_text is None else _text(_expect(gcode_text, str, "gcode_text"), "gcode_text"),
        "toolpaths": _json_object(toolpaths, "toolpaths"),
        "errors": hashing.json_value(_expect([] if errors is None else errors, list, "errors"), "errors"),
        "feasibility_sha256": _optional_sha256(feasibility_sha256, "feasibility_sha256"),
    }
    texts = {
        "mode": mode,
        "tool_id": tool_id,
        "material_id": material_id,
        "machine_id": machine_id,
        "session_id": session_id,
        "actor": _username(actor),
        "engine_version": engine_version,
    }
    for name in _TEXT_FIELDS:
        fields[name] = _column_text(texts[name], name)
    fields["request_sha256"] = hashing.sha256_of(fields["request"])
    fields["toolpaths_sha256"] = "" if fields["toolpaths"] is None else hashing.sha256_of(fields["toolpaths"])
    fields["gcode_sha256"] = "" if fields["gcode_text"] is None else hashing.sha256_hex(fields["gcode_text"])
    fields["content_sha256"] = hashing.content_sha256(fields)
    return RunDraft(fields=fields)


def run_record_many(drafts: Sequence[RunDraft], *, created_at: Sequence[datetime] | None = None) -> list[RunArtifact]:
    """Append ``drafts`` to the ledger, in order, and return the artifacts.

    ``created_at`` backdates synthetic artifacts (``load_runs`` only): each time is clamped into
    [previous artifact's time, now] so that time never runs backwards along seq. Without it every artifact
    is stamped with the database clock read under the lock.

    Side effects: appends the rows to ``runs_runartifact`` (one COPY, one transaction) under the ledger's advisory
    lock, held until the outermost transaction ends (see ``run_record``).
    """
    if created_at is not None and len(created_at) != len(drafts):
        raise ValueError("created_at must give one time per draft")
    if not drafts:
        return []
    with transaction.atomic():
        with connection.cursor() as cursor:
            # A separate statement from the head read: in READ COMMITTED a statement's snapshot is taken
            # when it starts, so reading the head in the same statement as the lock could miss the row the
            # previous holder just committed, and fork the chain.
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LEDGER_LOCK_KEY])
            cursor.execute(
                f"""
                SELECT clock_timestamp(), head.seq, head.chain_sha256, head.created_at
                FROM (SELECT 1) AS one LEFT JOIN LATERAL (
                    SELECT seq, chain_sha256, created_at FROM {RunArtifact._meta.db_table} ORDER BY seq DESC LIMIT 1
                ) AS head ON true
                """
            )
            now, seq, prev_sha256, previous_time = cursor.fetchone()
        seq = seq or 0
        prev_sha256 = prev_sha256 or hashing.GENESIS_SHA256
        artifacts = []
        for index, draft in enumerate(drafts):
            stamp = now if created_at is None else min(created_at[index], now)
            if previous_time is not None and stamp < previous_time:
                stamp = previous_time
            seq += 1
            chain = hashing.chain_sha256(
                seq=seq, created_at=stamp, prev_sha256=prev_sha256, content_sha256=draft.fields["content_sha256"]
            )
            artifacts.append(
                RunArtifact(**draft.fields, seq=seq, created_at=stamp, prev_sha256=prev_sha256, chain_sha256=chain)
            )
            prev_sha256, previous_time = chain, stamp
        _insert(artifacts)
    return artifacts


def _insert(artifacts: list[RunArtifact]) -> None:
    """The ledger's only INSERT. COPY rather than the ORM: several times faster for ``load_runs`` batches,
    and the same path for one row or a thousand. Row triggers (immutability, chain link) fire for COPY as
    for INSERT. The ORM's own insert paths refuse (``RunArtifact.save``, ``bulk_create``)."""
    fields = RunArtifact._meta.concrete_fields
    quote = connection.ops.quote_name
    statement = (
        f"COPY {quote(RunArtifact._meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) FROM STDIN"
    )
    json_columns = {field.attname for field in fields if isinstance(field, models.JSONField)}
    # wrap_database_errors: a refusal by the triggers surfaces as Django's IntegrityError, as for any query.
    with connection.wrap_database_errors, connection.cursor() as cursor, cursor.copy(statement) as copy:
        for artifact in artifacts:
            copy.write_row(
                [_copy_value(getattr(artifact, field.attname), field.attname in json_columns) for field in fields]
            )
    for artifact in artifacts:
        artifact._state.adding = False
        artifact._state.db = connection.alias


def _copy_value(value, is_json: bool):
    if is_json and value is not None:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)
    return value


def _expect(value, kind: type, name: str):
    if not isinstance(value, kind):
        raise TypeError(f"{name} must be a {kind.__name__}, not {type(value).__name__}")
    return value


def _json_object(value, name: str) -> dict | None:
    return None if value is None else hashing.json_value(_expect(value, dict, name), name)


def _text(value: str, name: str) -> str:
    if "\x00" in value:
        raise ValueError(f"{name} may not contain NUL (\\u0000); PostgreSQL cannot store it")
    return str.__str__(value)


def _column_text(value, name: str) -> str:
    value = _text(_expect("" if value is None else value, str, name), name)
    limit = RunArtifact._meta.get_field(name).max_length
    if len(value) > limit:
        raise ValueError(f"{name} is longer than {limit} characters")
    return value


def _username(actor) -> str:
    if actor is None or isinstance(actor, str):
        return actor or ""
    return actor.get_username()


def _risk_level(value) -> str:
    value = "" if value is None else str.__str__(_expect(value, str, "risk_level"))
    if value and value not in RISK_LEVELS:
        raise ValueError(f"risk_level must be one of {sorted(RISK_LEVELS)} or empty, not {value!r}")
    return value


def _score(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"score must be a number, not {type(value).__name__}")
    # Stored as double precision, so an int comes back as a float: hash what will be read back.
    value = float(value)
    if not math.isfinite(value):
        raise ValueError("score must be finite")
    return value + 0.0  # -0.0 becomes 0.0: one zero, one hash


def _optional_sha256(value: str, name: str) -> str:
    value = _expect(value or "", str, name)
    if value and (len(value) != 64 or not set(value) <= _SHA256_HEX):
        raise ValueError(f"{name} must be 64 lowercase hexadecimal digits or empty")
    return value
