"""Recompute the ledger: every hash of every artifact and every link, in seq order.

Used by ``manage.py verify_runs``; reads only. The walk runs in one REPEATABLE READ, READ ONLY transaction
when it can, so the count and head it reports belong to one consistent snapshot even while runs are written.
"""

from collections.abc import Callable
from dataclasses import dataclass
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

    def as_json(self, *, at: datetime) -> dict:
        return {
            "count": self.count,
            "chain_sha256": self.chain_sha256,
            "head_run_id": self.head_run_id,
            "time": hashing.iso_utc(at),
        }


@dataclass(frozen=True)
class Mismatch:
    seq: int
    run_id: str
    reason: str

    def __str__(self) -> str:
        return f"artifact {self.run_id} (seq {self.seq}): {self.reason}"


def ledger_verify(
    *,
    against: Checkpoint | None = None,
    batch_size: int = 500,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Checkpoint, Mismatch | None]:
    """Walk the ledger; return how far it verified and the first mismatch (None when all of it verifies).

    ``against``: also require that the artifact at ``against.count`` carries ``against.chain_sha256``.
    ``progress(done, total)`` is called after each batch.
    """
    nested = connection.in_atomic_block
    with transaction.atomic():
        if not nested:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return _walk(against=against, batch_size=batch_size, progress=progress)


def _walk(*, against, batch_size, progress):
    total = RunArtifact.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    expected_seq, prev_chain, prev_time, head_run_id = 1, hashing.GENESIS_SHA256, None, ""
    last_seq = 0
    while True:
        rows = list(RunArtifact.objects.filter(seq__gt=last_seq).order_by("seq").values(*_COLUMNS)[:batch_size])
        for row in rows:
            reason = _check(row, expected_seq=expected_seq, prev_chain=prev_chain, prev_time=prev_time)
            at_checkpoint = against is not None and row["seq"] == against.count
            if reason is None and at_checkpoint and row["chain_sha256"] != against.chain_sha256:
                reason = (
                    f"chain_sha256 {row['chain_sha256']} differs from the checkpoint's {against.chain_sha256}: "
                    "the ledger was rewritten up to this artifact"
                )
            if reason is not None:
                return Checkpoint(expected_seq - 1, prev_chain, head_run_id), Mismatch(
                    row["seq"], row["run_id"], reason
                )
            expected_seq, prev_chain, prev_time = row["seq"] + 1, row["chain_sha256"], row["created_at"]
            head_run_id = row["run_id"]
        if rows:
            last_seq = rows[-1]["seq"]
            if progress is not None:
                progress(last_seq, total)
        if len(rows) < batch_size:
            break
    reached = Checkpoint(expected_seq - 1, prev_chain, head_run_id)
    if against is not None and reached.count < against.count:
        return reached, Mismatch(
            reached.count + 1,
            "(missing)",
            f"the ledger ends at seq {reached.count} but the checkpoint has {against.count} artifacts: "
            "artifacts were removed",
        )
    return reached, None


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
