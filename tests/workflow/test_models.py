"""What the model declares: protected state, immutable events, the approval rule and the next steps."""

import pytest
from django.db import IntegrityError, connection, transaction
from django_fsm import TransitionNotAllowed

from tests.workflow.conftest import drive
from workflow.enums import SessionState
from workflow.models import NEXT_STEPS, TransitionEvent, WorkflowSession


def test_state_is_protected(db, operator):
    session = drive("draft", creator=operator)
    with pytest.raises(AttributeError):
        session.state = "approved"


def test_transition_outside_its_sources_raises(db, operator):
    session = drive("draft", creator=operator)
    with pytest.raises(TransitionNotAllowed):
        session.approve(user=operator, note="", run_id="")


def test_database_refuses_an_approved_state_without_a_bound_approval(db, fake_engine, operator):
    session = drive("feasibility_ready", creator=operator)
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkflowSession.objects.filter(pk=session.pk).update(state="approved")


def test_events_are_immutable_in_the_orm_and_in_sql(db, operator):
    session = drive("draft", creator=operator)
    event = session.events.get()
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        TransitionEvent.objects.filter(pk=event.pk).update(note="edited")
    with pytest.raises(TypeError):
        TransitionEvent.objects.all().delete()
    with connection.cursor() as cursor:
        # Django's foreign keys are deferred; TRUNCATE refuses to run while their checks are pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for sql in (
        "UPDATE workflow_transitionevent SET note = 'edited'",
        "DELETE FROM workflow_transitionevent",
        "TRUNCATE workflow_transitionevent CASCADE",
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert session.events.get().note == ""


@pytest.mark.parametrize(
    ("risk", "score", "blocked"),
    [
        ("GREEN", 41.0, None),
        ("YELLOW", 70.0, None),
        ("YELLOW", 69.9, "Approval blocked: YELLOW with score 69.9 (below 70) and overrides disabled"),
        ("RED", 99.0, "Approval blocked: RED and overrides disabled"),
        ("UNKNOWN", 0.0, "Approval blocked: UNKNOWN and overrides disabled"),
        ("ERROR", 50.0, "Approval blocked: ERROR and overrides disabled"),
    ],
)
def test_approval_rule(db, risk, score, blocked):
    session = WorkflowSession(feasibility_run_id="run_x", feasibility_sha256="a" * 64, risk_level=risk, score=score)
    assert session.approval_block_reason() == blocked


def test_the_approval_minimum_is_the_shop_policys(set_policy):
    set_policy(approval_min_yellow_score=60.0)

    def reason(score):
        session = WorkflowSession(feasibility_run_id="run_x", feasibility_sha256="a" * 64, risk_level="YELLOW")
        session.score = score
        return session.approval_block_reason()

    assert reason(60.0) is None
    assert reason(59.9) == "Approval blocked: YELLOW with score 59.9 (below 60) and overrides disabled"
    set_policy(approval_min_yellow_score=95.0)
    assert reason(90.0) == "Approval blocked: YELLOW with score 90 (below 95) and overrides disabled"


def test_approval_without_feasibility_is_blocked():
    assert WorkflowSession().approval_block_reason() == "Approval blocked: no feasibility result yet"


def test_every_state_has_a_next_step():
    for state in SessionState.values:
        if state not in (SessionState.DRAFT, SessionState.FEASIBILITY_READY):
            assert NEXT_STEPS[state]


@pytest.mark.parametrize(
    ("design", "context", "text"),
    [
        (None, None, "Set context (and ensure design exists) to proceed."),
        ({"shape": "ring"}, None, "Set context to proceed."),
        (None, {"tool_id": "a", "material_id": "b", "machine_id": "c"}, "Set design to proceed."),
    ],
)
def test_draft_next_step(design, context, text):
    assert WorkflowSession(design=design, context=context).next_step() == text
