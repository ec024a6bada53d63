"""The one way into the ledger. Nothing else inserts run artifacts.

``run_record`` is what the feasibility, toolpaths and workflow services call; ``run_prepare`` and
``run_record_many`` are its two halves, exposed for bulk loading (``load_runs``). Hashing happens in
``run_prepare``, outside the ledger lock; only the chain link (seq, created_at, prev and chain hash) is
assigned under it.

One artifact is appended in one statement, ``INSERT … SELECT … FROM rmos_runs_next_link(…) RETURNING …``
(migration 0003): the database takes the lock, reads the head and computes the link itself, so the lock is
never held across a round trip to this process. Batches (``load_runs``) take the lock, read the head, link in
Python and COPY.
"""

import functools
import json
import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime

from django.db import connection, transaction

from runs import hashing
from runs.enums import RISK_LEVELS, RunKind, RunStatus
from runs.models import RunArtifact

# Verdict-shaped keys a client might send hoping to have them echoed as the server's decision.
CLIENT_DECISION_KEYS = frozenset({"feasibility", "safety", "risk_level", "score", "decision"})

# pg_advisory_xact_lock key serialising chain assignment: the bytes "RMOSLEDG". Any other advisory lock in
# this database must use a different key.
LEDGER_LOCK_KEY = int.from_bytes(b"RMOSLEDG", "big")

_TEXT_FIELDS = ("mode", "tool_id", "material_id", "machine_id", "session_id", "actor", "engine_version")
# Assigned under the ledger lock; every other column is known before it is taken.
_LINK_FIELDS = ("seq", "created_at", "prev_sha256", "chain_sha256")
_SHA256_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class RunDraft:
    """A validated, hashed artifact waiting for its place in the chain: every column but ``seq``,
    ``created_at``, ``prev_sha256`` and ``chain_sha256``. ``json_text`` holds the canonical JSON of the JSON
    columns (None for SQL NULL), computed once for the hashes and sent as is to the database."""

    fields: dict
    json_text: dict = dataclass_field(default_factory=dict, compare=False, repr=False)


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
    # Each JSON column is encoded once: its canonical bytes give its own hash and are what the database gets.
    encoded = {
        name: None if fields[name] is None else hashing.canonical_json(fields[name]) for name in hashing.JSON_FIELDS
    }
    fields["request_sha256"] = hashing.sha256_hex(encoded["request"])
    fields["toolpaths_sha256"] = "" if encoded["toolpaths"] is None else hashing.sha256_hex(encoded["toolpaths"])
    fields["gcode_sha256"] = "" if fields["gcode_text"] is None else hashing.sha256_hex(fields["gcode_text"])
    fields["content_sha256"] = hashing.content_sha256(
        fields, encoded={name: b"null" if data is None else data for name, data in encoded.items()}
    )
    json_text = {name: None if data is None else data.decode("utf-8") for name, data in encoded.items()}
    return RunDraft(fields=fields, json_text=json_text)


def run_record_many(
    drafts: Sequence[RunDraft], *, created_at: Sequence[datetime] | None = None, return_artifacts: bool = True
) -> list[RunArtifact]:
    """Append ``drafts`` to the ledger, in order, and return the artifacts.

    ``created_at`` backdates synthetic artifacts (``load_runs`` only): each time is clamped into
    [previous artifact's time, now] so that time never runs backwards along seq. Without it every artifact
    is stamped with the database clock read under the lock. ``return_artifacts=False`` returns ``[]`` instead
    of building a model instance per row (bulk loads do not read them back).

    Side effects: appends the rows to ``runs_runartifact`` under the ledger's advisory lock, held until the
    outermost transaction ends (see ``run_record``): one artifact in one statement, a batch in one transaction
    (one COPY).
    """
    if created_at is not None and len(created_at) != len(drafts):
        raise ValueError("created_at must give one time per draft")
    if not drafts:
        return []
    if len(drafts) == 1:
        return [_append_one(drafts[0], None if created_at is None else created_at[0])]
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
        links = []
        for index, draft in enumerate(drafts):
            stamp = now if created_at is None else min(created_at[index], now)
            if previous_time is not None and stamp < previous_time:
                stamp = previous_time
            seq += 1
            chain = hashing.chain_sha256(
                seq=seq, created_at=stamp, prev_sha256=prev_sha256, content_sha256=draft.fields["content_sha256"]
            )
            links.append((seq, stamp, prev_sha256, chain))
            prev_sha256, previous_time = chain, stamp
        _copy(drafts, links)
    if not return_artifacts:
        return []
    return [_artifact(draft, link) for draft, link in zip(drafts, links, strict=True)]


def _artifact(draft: RunDraft, link: tuple) -> RunArtifact:
    seq, stamp, prev_sha256, chain = link
    artifact = RunArtifact(**draft.fields, seq=seq, created_at=stamp, prev_sha256=prev_sha256, chain_sha256=chain)
    artifact._state.adding = False
    artifact._state.db = connection.alias
    return artifact


@functools.cache
def _append_statement() -> tuple[str, tuple[str, ...]]:
    """``INSERT … SELECT <the draft's columns>, <the link> FROM rmos_runs_next_link(%s, %s) RETURNING <the link>``
    and the names of the draft columns it takes, in order."""
    quote = connection.ops.quote_name
    fields = [field for field in RunArtifact._meta.concrete_fields if field.attname not in _LINK_FIELDS]
    columns = [*(field.column for field in fields), *_LINK_FIELDS]
    values = ", ".join("%s::jsonb" if field.attname in hashing.JSON_FIELDS else "%s" for field in fields)
    statement = (
        f"INSERT INTO {quote(RunArtifact._meta.db_table)} ({', '.join(quote(column) for column in columns)}) "
        f"SELECT {values}, link.link_seq, link.link_created_at, link.link_prev_sha256, link.link_chain_sha256 "
        "FROM rmos_runs_next_link(%s, %s) AS link "
        f"RETURNING {', '.join(quote(column) for column in _LINK_FIELDS)}"
    )
    return statement, tuple(field.attname for field in fields)


def _append_one(draft: RunDraft, requested_at: datetime | None) -> RunArtifact:
    """One artifact in one statement (one round trip): ``rmos_runs_next_link`` takes the ledger lock, reads the
    head in a statement of its own and returns the link; the INSERT stores it and the chain-link trigger checks
    it. Outside a transaction the statement commits alone, so the lock is held only for the insert and its
    commit; inside the caller's ``atomic()`` it is held until that commits, as documented on ``run_record``."""
    statement, names = _append_statement()
    params = [_json_text(draft, name) if name in hashing.JSON_FIELDS else draft.fields[name] for name in names]
    params += [draft.fields["content_sha256"], requested_at]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        link = cursor.fetchone()
    return _artifact(draft, link)


def _copy(drafts: Sequence[RunDraft], links: list[tuple]) -> None:
    """The batch INSERT: COPY, several times faster than INSERTs for ``load_runs`` batches. Row triggers
    (immutability, chain link) fire for COPY as for INSERT. The ORM's own insert paths refuse
    (``RunArtifact.save``, ``bulk_create``)."""
    fields = RunArtifact._meta.concrete_fields
    quote = connection.ops.quote_name
    statement = (
        f"COPY {quote(RunArtifact._meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) FROM STDIN"
    )
    names = [field.attname for field in fields]
    # wrap_database_errors: a refusal by the triggers surfaces as Django's IntegrityError, as for any query.
    with connection.wrap_database_errors, connection.cursor() as cursor, cursor.copy(statement) as copy:
        for draft, link in zip(drafts, links, strict=True):
            json_text = draft.json_text or {name: _copy_value(draft.fields[name], True) for name in hashing.JSON_FIELDS}
            row = draft.fields | json_text | dict(zip(_LINK_FIELDS, link, strict=True))
            copy.write_row([row[name] for name in names])


def _json_text(draft: RunDraft, name: str) -> str | None:
    if name in draft.json_text:
        return draft.json_text[name]
    return _copy_value(draft.fields[name], True)


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
