"""verify_runs --jobs: chunks checked in worker processes that share one exported snapshot give exactly the
answer of the single walk, on intact and on tampered ledgers (tampering committed, so the workers see it)."""

import io

import pytest
from django.core.management import call_command

from runs.verification import Checkpoint, ledger_verify
from tests.runs.factories import TABLE, as_owner, record

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ledger():
    return [record(score=float(n), tool_id=f"router:t{n}") for n in range(23)]


def both(**kwargs):
    """(single walk, parallel walk in chunks of 5 seqs over 3 workers)"""
    return ledger_verify(**kwargs), ledger_verify(jobs=3, chunk_size=5, **kwargs)


def test_intact_ledger_same_answer(ledger):
    single, parallel = both()
    assert single == parallel
    assert parallel == (Checkpoint(23, ledger[-1].chain_sha256, ledger[-1].run_id), None)


def test_empty_ledger_same_answer():
    single, parallel = both()
    assert single == parallel
    assert parallel[1] is None
    assert parallel[0].count == 0


@pytest.mark.parametrize("seq", [1, 6, 12, 15, 23])  # first, a chunk's first, middle, a chunk's last, the head
def test_edited_artifact_same_mismatch(ledger, seq):
    as_owner(f"UPDATE {TABLE} SET score = 99 WHERE seq = %s", [seq])
    single, parallel = both()
    assert single == parallel
    reached, mismatch = parallel
    assert mismatch.seq == seq
    assert "content_sha256" in mismatch.reason
    assert reached.count == seq - 1


@pytest.mark.parametrize("seq", [5, 6, 11])  # the row before a chunk, a chunk's first row, inside a chunk
def test_removed_artifact_same_mismatch(ledger, seq):
    as_owner(f"DELETE FROM {TABLE} WHERE seq = %s", [seq])
    single, parallel = both()
    assert single == parallel
    assert parallel[1].seq == seq + 1
    assert f"where {seq} was expected" in parallel[1].reason


def test_checkpoints_same_answer(ledger):
    good = Checkpoint(10, ledger[9].chain_sha256, ledger[9].run_id)
    assert both(against=good)[0] == both(against=good)[1]
    assert both(against=good)[1][1] is None
    forged = Checkpoint(10, "f" * 64)
    single, parallel = both(against=forged)
    assert single == parallel
    assert parallel[1].seq == 10
    beyond = Checkpoint(30, "e" * 64)
    single, parallel = both(against=beyond)
    assert single == parallel
    assert "artifacts were removed" in parallel[1].reason


def test_command_with_jobs_prints_what_one_process_prints(ledger):
    def run(*args):
        out = io.StringIO()
        call_command("verify_runs", *args, stdout=out, stderr=io.StringIO())
        return out.getvalue()

    assert (
        run("--jobs", "2")
        == run()
        == f"ledger OK: 23 artifacts verified; head chain_sha256 {ledger[-1].chain_sha256}; "
        f"0 transition events verified, head {'0' * 64}\n"
    )


def test_jobs_below_one_is_a_usage_error():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="--jobs must be at least 1") as failure:
        call_command("verify_runs", "--jobs", "0", stdout=io.StringIO())
    assert failure.value.returncode == 2
