"""verify_runs against a ledger tampered with by the database owner, who can switch the triggers off."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from runs.hashing import GENESIS_SHA256
from runs.models import RunArtifact
from tests.runs.factories import TABLE, as_owner, record


def verify(*args, batch_size=500):
    out, err = io.StringIO(), io.StringIO()
    call_command("verify_runs", *args, f"--batch-size={batch_size}", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def ledger(db):
    return [record(score=float(n), tool_id=f"router:t{n}") for n in range(6)]


def test_verify_runs_accepts_an_intact_ledger(ledger):
    out, _ = verify()
    assert "ledger OK: 6 artifacts verified" in out
    assert ledger[-1].chain_sha256 in out


def test_verify_runs_accepts_an_empty_ledger(db):
    out, _ = verify("--checkpoint")
    assert json.loads(out)["count"] == 0
    assert json.loads(out)["chain_sha256"] == GENESIS_SHA256


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        (f"UPDATE {TABLE} SET score = 99 WHERE run_id = %s", "content_sha256"),
        (f'UPDATE {TABLE} SET request = \'{{"tool_id": "x"}}\' WHERE run_id = %s', "request_sha256"),
        (f"UPDATE {TABLE} SET status = 'BLOCKED' WHERE run_id = %s", "content_sha256"),
        (f"UPDATE {TABLE} SET created_at = created_at + interval '1 microsecond' WHERE run_id = %s", "chain_sha256"),
        (f"UPDATE {TABLE} SET gcode_text = 'G0' WHERE run_id = %s", "gcode_sha256"),
    ],
)
def test_verify_runs_names_an_edited_artifact(ledger, sql, reason):
    victim = ledger[3]
    as_owner(sql, [victim.run_id])
    with pytest.raises(CommandError, match=rf"{victim.run_id} \(seq 4\): {reason}") as failure:
        verify()
    assert failure.value.returncode == 1
    assert "the 3 artifacts before it verify" in str(failure.value)


def test_verify_runs_names_an_edit_whose_hashes_were_recomputed_by_the_link(ledger):
    """Recomputing content and chain hashes of one row still breaks the next artifact's link."""
    from runs import hashing

    victim = RunArtifact.objects.get(run_id=ledger[2].run_id)
    fields = {name: getattr(victim, name) for name in hashing.CONTENT_FIELDS} | {"score": 100.0}
    content = hashing.content_sha256(fields)
    chain = hashing.chain_sha256(
        seq=victim.seq, created_at=victim.created_at, prev_sha256=victim.prev_sha256, content_sha256=content
    )
    as_owner(
        f"UPDATE {TABLE} SET score = 100, content_sha256 = %s, chain_sha256 = %s WHERE run_id = %s",
        [content, chain, victim.run_id],
    )
    with pytest.raises(CommandError, match=rf"{ledger[3].run_id} \(seq 4\): prev_sha256"):
        verify()


def test_verify_runs_names_a_broken_link(ledger):
    as_owner(f"UPDATE {TABLE} SET prev_sha256 = %s WHERE run_id = %s", ["e" * 64, ledger[4].run_id])
    with pytest.raises(CommandError, match=rf"{ledger[4].run_id} \(seq 5\): prev_sha256"):
        verify()


def test_verify_runs_names_the_artifact_after_a_deleted_one(ledger):
    as_owner(f"DELETE FROM {TABLE} WHERE run_id = %s", [ledger[1].run_id])
    with pytest.raises(CommandError, match=rf"{ledger[2].run_id} \(seq 3\): seq 3 where 2 was expected"):
        verify()


def test_verify_runs_shows_progress_on_stderr(ledger):
    out, err = verify(batch_size=2)
    assert "verify_runs: 2/6 artifacts (33%)" in err
    assert "verify_runs: 6/6 artifacts (100%)" in err
    assert "verify_runs" not in out


def test_verify_runs_checkpoint_then_against_file_and_string(ledger, tmp_path):
    out, err = verify("--checkpoint")
    checkpoint = json.loads(out)
    assert set(checkpoint) == {"count", "chain_sha256", "head_run_id", "time", "transition_events"}
    assert (checkpoint["count"], checkpoint["chain_sha256"]) == (6, ledger[-1].chain_sha256)
    assert checkpoint["time"].endswith("Z")
    assert "ledger OK" in err
    path = tmp_path / "checkpoint.json"
    path.write_text(out)
    record()
    assert "extends the checkpoint at count 6" in verify("--against", str(path))[0]
    assert "extends the checkpoint" in verify("--against", out)[0]


def test_verify_runs_against_detects_a_removed_tail(ledger):
    checkpoint, _ = verify("--checkpoint")
    as_owner(f"DELETE FROM {TABLE} WHERE seq = 6")
    verify()  # the shortened chain is consistent in itself
    with pytest.raises(CommandError, match="artifacts were removed"):
        verify("--against", checkpoint)


def test_verify_runs_against_detects_a_rewritten_chain(ledger):
    """An owner who rewrites history and recomputes every hash passes the walk, but not the checkpoint."""
    from runs import hashing

    checkpoint, _ = verify("--checkpoint")
    prev = hashing.GENESIS_SHA256
    for artifact in RunArtifact.objects.order_by("seq"):
        fields = {name: getattr(artifact, name) for name in hashing.CONTENT_FIELDS} | {"score": 50.0}
        content = hashing.content_sha256(fields)
        chain = hashing.chain_sha256(
            seq=artifact.seq, created_at=artifact.created_at, prev_sha256=prev, content_sha256=content
        )
        as_owner(
            f"UPDATE {TABLE} SET score = 50, content_sha256 = %s, prev_sha256 = %s, chain_sha256 = %s "
            "WHERE run_id = %s",
            [content, prev, chain, artifact.run_id],
        )
        prev = chain
    verify()
    with pytest.raises(CommandError, match=rf"{ledger[-1].run_id} \(seq 6\): .*checkpoint"):
        verify("--against", checkpoint)


@pytest.mark.parametrize(
    "checkpoint",
    ["{not json", '{"count": -1, "chain_sha256": "' + "0" * 64 + '"}', '{"count": 2}', "/nonexistent/checkpoint"],
)
def test_verify_runs_against_a_malformed_checkpoint_is_a_usage_error(db, checkpoint):
    with pytest.raises(CommandError) as failure:
        verify("--against", checkpoint)
    assert failure.value.returncode == 2
