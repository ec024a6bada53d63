"""Recompute the ledger: every hash of every artifact and every link, in seq order.

Used by ``manage.py verify_runs``; reads only. The walk runs in one REPEATABLE READ, READ ONLY transaction
when it can, so the count and head it reports belong to one consistent snapshot even while runs are written.

Other append-only chains kept beside the ledger (the workflow's transition events) register a check with
``register_chain``; it runs after the ledger walk, in the same snapshot, and its count and head join the
checkpoint. ``runs`` imports no other app: the chains come to it.
"""

import collections
import functools
import json
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction

from runs import hashing
from runs.models import RunArtifact

_COLUMNS = (*hashing.CONTENT_FIELDS, "seq", "created_at", "content_sha256", "prev_sha256", "chain_sha256")


@dataclass(frozen=True)
class Checkpoint:
    """How far the ledger reached: ``count`` artifacts, the last one's ``chain_sha256`` (the genesis value
    for an empty ledger). Stored elsewhere, it lets ``verify_runs --against`` prove the ledger still extends
    it, which a rewrite of the whole chain by someone able to disable the triggers cannot fake."""

    count: int
    chain_sha256: str
    head_run_id: str = ""
    # Each registered chain's own {"count", "chain_sha256"}, by name (e.g. "transition_events").
    chains: dict = field(default_factory=dict, compare=False)

    def as_json(self, *, at: datetime) -> dict:
        return {
            "count": self.count,
            "chain_sha256": self.chain_sha256,
            "head_run_id": self.head_run_id,
            "time": hashing.iso_utc(at),
            **self.chains,
        }


@dataclass(frozen=True)
class Mismatch:
    seq: int
    run_id: str
    reason: str
    # What failed when it is not an artifact, e.g. "transition event 12 (approve of session ...)".
    subject: str = ""

    def __str__(self) -> str:
        if self.subject:
            return f"{self.subject}, seq {self.seq}: {self.reason}"
        return f"artifact {self.run_id} (seq {self.seq}): {self.reason}"


# name -> check(against) -> ({"count", "chain_sha256"}, first mismatch or None); ``against`` is the
# checkpoint's entry under that name, or None.
ChainCheck = Callable[[dict | None], tuple[dict, "Mismatch | None"]]
_CHAINS: dict[str, ChainCheck] = {}


def register_chain(name: str, check: ChainCheck) -> None:
    """Have ``verify_runs`` verify another append-only chain after the ledger (from an ``AppConfig.ready``)."""
    _CHAINS[name] = check


def registered_chains() -> tuple[str, ...]:
    return tuple(_CHAINS)


def ledger_verify(
    *,
    against: Checkpoint | None = None,
    batch_size: int = 500,
    progress: Callable[[int, int], None] | None = None,
    jobs: int = 1,
    chunk_size: int = 20_000,
) -> tuple[Checkpoint, Mismatch | None]:
    """Walk the ledger; return how far it verified and the first mismatch (None when all of it verifies).

    ``against``: also require that the artifact at ``against.count`` carries ``against.chain_sha256``.
    ``progress(done, total)`` is called after each batch (each chunk with ``jobs`` > 1).
    ``jobs`` > 1 checks chunks of ``chunk_size`` seqs in that many worker processes, all reading the snapshot
    this process exported, and reports exactly what the walk in one process would (``_verify_in_parallel``).
    """
    nested = connection.in_atomic_block
    with transaction.atomic():
        if not nested:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        if jobs > 1:
            reached, mismatch = _verify_in_parallel(
                against=against, batch_size=batch_size, progress=progress, jobs=jobs, chunk_size=chunk_size
            )
        else:
            reached, mismatch = _walk(against=against, batch_size=batch_size, progress=progress)
        if mismatch is not None:
            return reached, mismatch
        chains = {}
        for name, check in _CHAINS.items():
            chains[name], mismatch = check(against.chains.get(name) if against is not None else None)
            if mismatch is not None:
                break
        return Checkpoint(reached.count, reached.chain_sha256, reached.head_run_id, chains), mismatch


def _walk(*, against, batch_size, progress):
    total = RunArtifact.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    state = _Position()
    last_seq = 0
    while True:
        rows = list(RunArtifact.objects.filter(seq__gt=last_seq).order_by("seq").values(*_COLUMNS)[:batch_size])
        mismatch = _check_rows(rows, state, against)
        if mismatch is not None:
            return state.reached(), mismatch
        if rows:
            last_seq = rows[-1]["seq"]
            if progress is not None:
                progress(last_seq, total)
        if len(rows) < batch_size:
            break
    return _finish(state.reached(), against)


@dataclass
class _Position:
    """Where a walk stands: the seq it expects next and what the previous artifact's link holds."""

    expected_seq: int = 1
    prev_chain: str = hashing.GENESIS_SHA256
    prev_time: datetime | None = None
    head_run_id: str = ""

    def reached(self) -> Checkpoint:
        return Checkpoint(self.expected_seq - 1, self.prev_chain, self.head_run_id)


def _check_rows(rows, state: _Position, against: Checkpoint | None) -> Mismatch | None:
    """Check ``rows`` (consecutive, in seq order) from ``state`` on, advancing it; the first mismatch, if any."""
    for row in rows:
        reason = _check(row, expected_seq=state.expected_seq, prev_chain=state.prev_chain, prev_time=state.prev_time)
        at_checkpoint = against is not None and row["seq"] == against.count
        if reason is None and at_checkpoint and row["chain_sha256"] != against.chain_sha256:
            reason = (
                f"chain_sha256 {row['chain_sha256']} differs from the checkpoint's {against.chain_sha256}: "
                "the ledger was rewritten up to this artifact"
            )
        if reason is not None:
            return Mismatch(row["seq"], row["run_id"], reason)
        state.expected_seq, state.prev_chain, state.prev_time = row["seq"] + 1, row["chain_sha256"], row["created_at"]
        state.head_run_id = row["run_id"]
    return None


def _finish(reached: Checkpoint, against: Checkpoint | None) -> tuple[Checkpoint, Mismatch | None]:
    if against is not None and reached.count < against.count:
        return reached, Mismatch(
            reached.count + 1,
            "(missing)",
            f"the ledger ends at seq {reached.count} but the checkpoint has {against.count} artifacts: "
            "artifacts were removed",
        )
    return reached, None


# --- the same walk in several processes ------------------------------------------------------------------
#
# The expensive part of a check is recomputing an artifact's hashes, which needs nothing but the artifact and
# the link fields of the one before it. So the ledger is cut into chunks of seqs; a worker checks one chunk
# starting from the artifact just below it (read from the same snapshot), and the chunks' results are taken
# in seq order: the first chunk with a mismatch gives the same answer the single walk would have stopped at.
# Workers are forked (they inherit the loaded settings) and open connections of their own; each reads in a
# REPEATABLE READ transaction importing this process's exported snapshot, so all of them see one ledger.


def _verify_in_parallel(*, against, batch_size, progress, jobs, chunk_size):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
    total = RunArtifact.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    chunks = iter([(start, min(start + chunk_size - 1, total)) for start in range(1, total + 1, chunk_size)])
    workers = max(1, min(jobs, -(-total // chunk_size)))
    check = functools.partial(_check_chunk, against=against, batch_size=batch_size)
    reached = Checkpoint(0, hashing.GENESIS_SHA256)
    # Chunks are handed out a few at a time and read back in order. On a mismatch the chunks not started are
    # cancelled and the few running ones finish (workers are never killed: a killed worker can leave the
    # pool's queues locked).
    with ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_worker_start,
        initargs=(connection.get_connection_params(), snapshot),
    ) as executor:
        pending = collections.deque()

        def submit_next() -> None:
            chunk = next(chunks, None)
            if chunk is not None:
                pending.append((chunk, executor.submit(check, chunk)))

        for _ in range(2 * workers):
            submit_next()
        while pending:
            (_, end), future = pending.popleft()
            chunk_reached, mismatch = future.result()
            if mismatch is not None:
                for _, later in pending:
                    later.cancel()
                return chunk_reached, mismatch
            submit_next()
            if chunk_reached.count:
                reached = chunk_reached
            if progress is not None:
                progress(end, total)
    return _finish(reached, against)


_worker: dict = {}


def _worker_start(params: dict, snapshot: str) -> None:
    # Forked: the inherited Django connection belongs to the parent and is never used here. Each chunk opens
    # and closes a connection of its own.
    _worker["params"] = params
    _worker["snapshot"] = snapshot


def _check_chunk(chunk: tuple[int, int], *, against, batch_size) -> tuple[Checkpoint, Mismatch | None]:
    import psycopg
    from psycopg import sql
    from psycopg.rows import dict_row

    start, end = chunk
    columns = sql.SQL(", ").join(sql.Identifier(name) for name in _COLUMNS)
    table = sql.Identifier(RunArtifact._meta.db_table)
    params = {**_worker["params"], "autocommit": True}  # the transaction is the explicit one below
    with psycopg.connect(**params) as conn, conn.cursor(row_factory=dict_row) as cursor:
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(_worker["snapshot"])))
        state = _Position()
        cursor.execute(
            sql.SQL(
                "SELECT seq, chain_sha256, created_at, run_id FROM {} WHERE seq < %s ORDER BY seq DESC LIMIT 1"
            ).format(table),
            [start],
        )
        before = cursor.fetchone()
        if before is not None:
            state = _Position(before["seq"] + 1, before["chain_sha256"], before["created_at"], before["run_id"])
        last_seq = start - 1
        while last_seq < end:
            cursor.execute(
                sql.SQL("SELECT {} FROM {} WHERE seq > %s AND seq <= %s ORDER BY seq LIMIT %s").format(columns, table),
                [last_seq, end, batch_size],
            )
            rows = [_as_values(row) for row in cursor.fetchall()]
            if not rows:
                break
            mismatch = _check_rows(rows, state, against)
            if mismatch is not None:
                return state.reached(), mismatch
            last_seq = rows[-1]["seq"]
        cursor.execute("COMMIT")
    return state.reached(), None


def _as_values(row: dict) -> dict:
    """A row as the ORM's ``values()`` gives it: JSON columns decoded (Django's connection settings load jsonb
    as text, for ``JSONField`` to decode)."""
    for name in hashing.JSON_FIELDS:
        if isinstance(row[name], str):
            row[name] = json.loads(row[name])
    return row


def _check(row: dict, *, expected_seq: int, prev_chain: str, prev_time) -> str | None:
    """Why ``row`` does not verify, or None. Links first: a gap explains the hash errors that follow it."""
    if row["seq"] != expected_seq:
        return f"seq {row['seq']} where {expected_seq} was expected: artifacts before it are missing"
    if row["prev_sha256"] != prev_chain:
        return f"prev_sha256 {row['prev_sha256']} is not the previous artifact's chain_sha256 {prev_chain}"
    if prev_time is not None and row["created_at"] < prev_time:
        return "created_at is earlier than the previous artifact's"
    try:
        recomputed = {
            "request_sha256": hashing.sha256_of(row["request"]),
            "toolpaths_sha256": "" if row["toolpaths"] is None else hashing.sha256_of(row["toolpaths"]),
            "gcode_sha256": "" if row["gcode_text"] is None else hashing.sha256_hex(row["gcode_text"]),
            "content_sha256": hashing.content_sha256(row),
        }
    except (TypeError, ValueError) as exc:
        return f"content cannot be canonicalised: {exc}"
    for name, value in recomputed.items():
        if row[name] != value:
            return f"{name} {row[name]} does not match its content (recomputed {value})"
    chain = hashing.chain_sha256(
        seq=row["seq"],
        created_at=row["created_at"],
        prev_sha256=row["prev_sha256"],
        content_sha256=recomputed["content_sha256"],
    )
    if row["chain_sha256"] != chain:
        return f"chain_sha256 {row['chain_sha256']} does not match its link (recomputed {chain})"
    return None
