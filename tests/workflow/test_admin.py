"""The approvers' desk in the Django admin: decisions through the services, nothing editable."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from tests.workflow.conftest import drive
from workflow.models import WorkflowSession

CHANGELIST = reverse("admin:workflow_workflowsession_changelist")


def _change(session):
    return reverse("admin:workflow_workflowsession_change", args=[session.pk])


def _decide(session, decision):
    return reverse("admin:workflow_workflowsession_decide", args=[session.pk, decision])


@pytest.fixture
def desk(db, fake_engine, approver):
    client = Client()
    client.force_login(approver)
    return client


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_changelist_puts_sessions_waiting_for_approval_first(desk, operator, approver):
    drive("draft", creator=operator)
    waiting = drive("feasibility_ready", creator=operator)
    drive("approved", creator=operator, approver=approver)
    response = desk.get(CHANGELIST)
    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert rows[0].pk == waiting.pk
    filtered = desk.get(CHANGELIST, {"state__exact": "approved"})
    assert [row.state for row in filtered.context["cl"].result_list] == ["approved"]


def test_change_page_offers_the_callers_decisions_and_no_save(desk, operator):
    session = drive("feasibility_ready", creator=operator)
    response = desk.get(_change(session))
    assert response.status_code == 200
    html = response.content.decode()
    for decision in ("approve", "reject", "revise"):
        assert _decide(session, decision) in html
    assert 'name="_save"' not in html
    assert "feasibility_complete" in html  # the events inline
    assert session.feasibility_run_id in html  # the linked runs
    admin_form = response.context["adminform"]
    assert not list(admin_form.form.fields)  # every field is read-only


def test_change_page_post_changes_nothing(desk, operator):
    session = drive("feasibility_ready", creator=operator)
    response = desk.post(_change(session), {"state": "approved", "approval_note": "sneaky"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.state, session.approval_note) == ("feasibility_ready", "")


def test_approve_button_asks_for_a_note_then_calls_the_service(desk, operator):
    session = drive("feasibility_ready", creator=operator)
    form = desk.get(_decide(session, "approve"))
    assert form.status_code == 200
    assert session.feasibility_sha256 in form.content.decode()
    response = desk.post(
        _decide(session, "approve"), {"text": "looks right", "feasibility_sha256": session.feasibility_sha256}
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.state == "approved"
    assert session.approval_note == "looks right"
    assert session.events.last().action == "approve"
    assert any("done" in message for message in _messages(response))


def test_refused_approval_is_a_message_not_a_500(desk, operator):
    session = drive("feasibility_ready", creator=operator, material="balsa_red")
    response = desk.post(_decide(session, "approve"), {"text": "please"})
    assert response.status_code == 302
    assert any("Approval blocked: RED and overrides disabled" in message for message in _messages(response))
    assert WorkflowSession.objects.get(pk=session.pk).state == "feasibility_ready"


def test_reject_without_reason_shows_the_form_again(desk, operator):
    session = drive("feasibility_ready", creator=operator)
    response = desk.post(_decide(session, "reject"), {"text": ""})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert WorkflowSession.objects.get(pk=session.pk).state == "feasibility_ready"


def test_own_session_has_no_buttons_and_is_refused(db, fake_engine, operator_approver):
    operator_approver.is_staff = True
    operator_approver.save()
    client = Client()
    client.force_login(operator_approver)
    session = drive("feasibility_ready", creator=operator_approver)
    assert _decide(session, "approve") not in client.get(_change(session)).content.decode()
    response = client.post(_decide(session, "approve"), {"text": "mine"})
    assert any("may not approve a session they created" in message for message in _messages(response))
    assert WorkflowSession.objects.get(pk=session.pk).state == "feasibility_ready"


def test_list_action_asks_for_a_reason_then_decides_each(desk, operator):
    waiting = drive("feasibility_ready", creator=operator)
    draft = drive("draft", creator=operator)
    selected = {"action": "reject_selected", "_selected_action": [str(waiting.pk), str(draft.pk)]}
    page = desk.post(CHANGELIST, selected)
    assert page.status_code == 200
    assert "Reason" in page.content.decode()
    assert WorkflowSession.objects.get(pk=waiting.pk).state == "feasibility_ready"
    done = desk.post(CHANGELIST, {**selected, "apply": "1", "text": "wrong wood"})
    assert done.status_code == 302
    assert WorkflowSession.objects.get(pk=waiting.pk).state == "rejected"
    assert WorkflowSession.objects.get(pk=draft.pk).state == "draft"
    messages = _messages(done)
    assert any(str(draft.pk) in message and "refused" in message for message in messages)
    assert waiting.events.last().note == "wrong wood"


def test_list_action_approve_and_revise(desk, operator):
    first, second = drive("feasibility_ready", creator=operator), drive("feasibility_ready", creator=operator)
    ids = [str(first.pk), str(second.pk)]
    desk.post(CHANGELIST, {"action": "approve_selected", "_selected_action": ids, "apply": "1", "text": ""})
    assert set(WorkflowSession.objects.filter(pk__in=ids).values_list("state", flat=True)) == {"approved"}
    desk.post(CHANGELIST, {"action": "revise_selected", "_selected_action": ids, "apply": "1", "text": "redo"})
    states = set(WorkflowSession.objects.filter(pk__in=ids).values_list("state", flat=True))
    assert states == {"design_revision_required"}


def test_auditor_reads_but_cannot_decide(db, fake_engine, operator, auditor):
    client = Client()
    client.force_login(auditor)
    session = drive("feasibility_ready", creator=operator)
    page = client.get(_change(session))
    assert page.status_code == 200
    assert _decide(session, "approve") not in page.content.decode()
    assert client.post(_decide(session, "approve"), {"text": "x"}).status_code == 403
    assert "approve_selected" not in client.get(CHANGELIST).content.decode()
    assert WorkflowSession.objects.get(pk=session.pk).state == "feasibility_ready"


def test_event_log_admin_is_read_only(desk, operator):
    session = drive("context_ready", creator=operator)
    event = session.events.first()
    assert desk.get(reverse("admin:workflow_transitionevent_changelist")).status_code == 200
    page = desk.get(reverse("admin:workflow_transitionevent_change", args=[event.pk]))
    assert page.status_code in (200, 403)
    assert desk.get(reverse("admin:workflow_transitionevent_add")).status_code == 403
