"""verify_runs proves the workflow's transition events too: their own chain (workflow/chain.py) and their
agreement with the artifacts they name, against a table owner who switches the immutability trigger off."""

import io
import itertools
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from runs import hashing
from runs.models import RunArtifact
from tests.workflow.conftest import drive
from tests.workflow.fake_engine import ENGINE_PATH
from workflow.chain import event_content_sha256
from workflow.models import TransitionEvent

TABLE = TransitionEvent._meta.db_table


def as_owner(sql, params=None):
    """Raw SQL with the event table's triggers off, as its owner could (in the test's transaction)."""
    with connection.cursor() as cursor:
        # The test's own inserts left deferred foreign-key checks pending, which ALTER TABLE will not wait for.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER ALL")
        cursor.execute(sql, params)
        cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER ALL")


def verify(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("verify_runs", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def rechain_from(seq: int) -> None:
    """What a careful forger does after an edit: recompute the edited event's hashes and every link after it."""
    events = list(TransitionEvent.objects.filter(seq__gte=seq).order_by("seq").values())
    prev = TransitionEvent.objects.filter(seq=seq - 1).values_list("chain_sha256", flat=True).first()
    prev = prev or hashing.GENESIS_SHA256
    for event in events:
        content = event_content_sha256(event)
        chain = hashing.chain_sha256(seq=event["seq"], created_at=event["at"], prev_sha256=prev, content_sha256=content)
        as_owner(
            f"UPDATE {TABLE} SET prev_sha256 = %s, content_sha256 = %s, chain_sha256 = %s WHERE id = %s",
            [prev, content, chain, event["id"]],
        )
        prev = chain


@pytest.fixture
def workflow_ledger(settings, operator, approver):
    """Two sessions taken to toolpaths_ready: creates, designs, contexts, feasibility, approvals, toolpaths."""
    settings.RMOS_FEASIBILITY_ENGINE = ENGINE_PATH
    sessions = [drive("toolpaths_ready", creator=operator, approver=approver) for _ in range(2)]
    return sessions


def _approve_event(session) -> TransitionEvent:
    return TransitionEvent.objects.get(session=session, action="approve")


def test_events_are_chained_on_append_and_verify(workflow_ledger):
    events = list(TransitionEvent.objects.order_by("seq"))
    assert [event.seq for event in events] == list(range(1, len(events) + 1))
    assert [event.id for event in events] == sorted(event.id for event in events)
    assert events[0].prev_sha256 == hashing.GENESIS_SHA256
    for before, after in itertools.pairwise(events):
        assert after.prev_sha256 == before.chain_sha256
        assert after.at >= before.at
    out, _ = verify()
    assert f"{len(events)} transition events verified, head {events[-1].chain_sha256}" in out


def test_verify_names_an_approve_event_whose_actor_was_edited(workflow_ledger, operator):
    victim = _approve_event(workflow_ledger[0])
    as_owner(f"UPDATE {TABLE} SET actor = %s WHERE id = %s", [operator.username, victim.id])
    with pytest.raises(
        CommandError, match=rf"transition event {victim.id} \(approve .*seq {victim.seq}: content_sha256"
    ):
        verify()


def test_verify_names_an_edit_whose_hashes_were_recomputed_by_its_artifact(workflow_ledger, operator):
    """The forger rewrote the event chain from the edit on: consistent by itself, but the approve event now
    disagrees with its approval artifact, which the ledger proves."""
    victim = _approve_event(workflow_ledger[0])
    as_owner(f"UPDATE {TABLE} SET actor = %s WHERE id = %s", [operator.username, victim.id])
    rechain_from(victim.seq)
    with pytest.raises(CommandError, match=rf"transition event {victim.id} .*its actor 'op' disagrees with run"):
        verify()


@pytest.mark.parametrize(("column", "value"), [("session_id", None), ("run_id", None)])
def test_verify_names_an_event_moved_to_another_session_or_run(workflow_ledger, column, value):
    victim = _approve_event(workflow_ledger[0])
    other = _approve_event(workflow_ledger[1])
    as_owner(f"UPDATE {TABLE} SET {column} = %s WHERE id = %s", [getattr(other, column), victim.id])
    rechain_from(victim.seq)
    with pytest.raises(CommandError, match=rf"transition event {victim.id} .*disagrees with run"):
        verify()


def test_verify_names_an_approve_event_pointing_at_a_feasibility_run(workflow_ledger):
    victim = _approve_event(workflow_ledger[0])
    feasibility_run = TransitionEvent.objects.get(session=workflow_ledger[0], action="feasibility_complete").run_id
    as_owner(f"UPDATE {TABLE} SET run_id = %s WHERE id = %s", [feasibility_run, victim.id])
    rechain_from(victim.seq)
    with pytest.raises(CommandError, match=r"an approve event must name an OK approval artifact"):
        verify()


def test_verify_names_a_removed_event(workflow_ledger):
    victim = TransitionEvent.objects.get(session=workflow_ledger[0], action="context")
    as_owner(f"DELETE FROM {TABLE} WHERE id = %s", [victim.id])
    with pytest.raises(CommandError, match=rf"seq {victim.seq + 1}: seq {victim.seq + 1} where {victim.seq} was"):
        verify()


def test_verify_names_a_removed_approve_event_even_when_the_rest_was_rechained(workflow_ledger):
    victim = _approve_event(workflow_ledger[1])
    as_owner(f"DELETE FROM {TABLE} WHERE id = %s", [victim.id])
    as_owner(f"UPDATE {TABLE} SET seq = seq - 1 WHERE seq > %s", [victim.seq])
    rechain_from(victim.seq)
    expected = rf"artifact {victim.run_id}, seq \d+: approval of session {victim.session_id} has no approve event"
    with pytest.raises(CommandError, match=expected):
        verify()


def test_verify_names_reordered_events(workflow_ledger):
    first = TransitionEvent.objects.get(session=workflow_ledger[0], action="design")
    second = TransitionEvent.objects.get(session=workflow_ledger[0], action="context")
    as_owner(f"UPDATE {TABLE} SET seq = 1000000 WHERE id = %s", [first.id])
    as_owner(f"UPDATE {TABLE} SET seq = %s WHERE id = %s", [first.seq, second.id])
    as_owner(f"UPDATE {TABLE} SET seq = %s WHERE id = %s", [second.seq, first.id])
    with pytest.raises(CommandError, match=rf"transition event {second.id} .*seq {first.seq}: prev_sha256"):
        verify()


def test_events_removed_from_the_end_are_caught_against_a_checkpoint(workflow_ledger):
    out, _ = verify("--checkpoint")
    checkpoint = json.loads(out)
    assert checkpoint["transition_events"]["count"] == TransitionEvent.objects.count()
    last = TransitionEvent.objects.order_by("-seq").first()
    as_owner(f"DELETE FROM {TABLE} WHERE id = %s", [last.id])
    verify()  # a shorter chain is consistent by itself
    with pytest.raises(CommandError, match="events were removed"):
        verify("--against", json.dumps(checkpoint))


def test_events_rewritten_before_a_checkpoint_are_caught_against_it(workflow_ledger):
    out, _ = verify("--checkpoint")
    checkpoint = json.loads(out)
    first = TransitionEvent.objects.get(seq=1)
    as_owner(f"UPDATE {TABLE} SET note = 'forged' WHERE id = %s", [first.id])
    rechain_from(1)
    with pytest.raises(CommandError, match="the events were rewritten up to this one"):
        verify("--against", json.dumps(checkpoint))


def test_an_old_checkpoint_without_events_still_verifies(workflow_ledger):
    out, _ = verify("--checkpoint")
    checkpoint = json.loads(out)
    del checkpoint["transition_events"]
    assert "ledger OK" in verify("--against", json.dumps(checkpoint))[0]


def test_the_database_refuses_an_event_that_does_not_extend_the_chain(workflow_ledger):
    head = TransitionEvent.objects.order_by("-seq").first()
    columns = "session_id, at, actor, role, action, from_state, to_state, note, run_id"
    for seq, prev in ((head.seq + 2, head.chain_sha256), (head.seq + 1, "0" * 64), (head.seq, head.prev_sha256)):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {TABLE} ({columns}, seq, prev_sha256, content_sha256, chain_sha256) "
                f"SELECT {columns}, %s, %s, content_sha256, chain_sha256 FROM {TABLE} WHERE id = %s",
                [seq, prev, head.id],
            )
    with pytest.raises(TypeError):
        TransitionEvent.objects.bulk_create([TransitionEvent(session=workflow_ledger[0], actor="x", action="archive")])
    verify()


def test_events_and_artifacts_share_one_lock_so_an_approval_appends_both(workflow_ledger):
    """The approve event and its artifact were written in one transaction under the ledger lock."""
    approval = RunArtifact.objects.get(run_id=_approve_event(workflow_ledger[0]).run_id)
    assert approval.kind == "approval"
    assert approval.actor == _approve_event(workflow_ledger[0]).actor


@pytest.mark.django_db(transaction=True)
def test_the_migration_chains_events_written_before_it(settings, operator, approver):
    """Events of an existing database (no seq, no hashes) are chained in the order they were written, and
    verify; new events extend that chain."""
    from django.db.migrations.executor import MigrationExecutor

    settings.RMOS_FEASIBILITY_ENGINE = ENGINE_PATH
    session = drive("approved", creator=operator, approver=approver)
    before = list(TransitionEvent.objects.order_by("seq").values_list("id", "chain_sha256"))
    executor = MigrationExecutor(connection)
    executor.migrate([("workflow", "0002_transitionevent_immutable")])
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {TABLE}")
            assert cursor.fetchone()[0] == len(before)
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    after = list(TransitionEvent.objects.order_by("seq").values_list("id", "chain_sha256"))
    # The same events in the same order, chained again from their stored content and times: the same hashes.
    assert after == before
    from workflow import services

    services.session_archive(session=session, actor=operator)
    assert TransitionEvent.objects.order_by("-seq").first().seq == len(before) + 1
    assert "ledger OK" in verify()[0]
