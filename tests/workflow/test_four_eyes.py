"""Four eyes, widened (the contract; issue 15 item 2): nobody who created the session, set its current design
or context, or ran its current feasibility may approve, reject or revise it. One rule
(``WorkflowSession.refusal``) answers the API, the pages and the admin."""

import pytest
from django.test import Client
from django.urls import reverse

from rmos_site.core.enums import Role
from rmos_site.core.roles import STAFF_ROLES, grant_role
from runs.models import RunArtifact
from tests.conftest import client_for
from tests.pages.conftest import page_client, visible
from tests.workflow.conftest import CONTEXT, RING
from workflow import services
from workflow.models import WorkflowSession


@pytest.fixture
def shaper(operator2):
    """Another operator who also holds the approver role."""
    grant_role(operator2, Role.APPROVER)
    return operator2


def _judged(creator, *, design_by, context_by, feasibility_by) -> WorkflowSession:
    session = services.session_create(actor=creator).session
    services.session_set_design(session=session, actor=design_by, design=RING)
    services.session_set_context(session=session, actor=context_by, context=CONTEXT)
    services.session_request_feasibility(session=session, actor=feasibility_by)
    session = WorkflowSession.objects.get(pk=session.pk)
    assert session.state == "feasibility_ready"
    return session


def _url(session, action: str) -> str:
    return f"/api/rmos/workflow/sessions/{session.pk}/{action}"


BODIES = {"approve": {"note": "mine"}, "reject": {"reason": "mine"}, "revise": {"reason": "mine"}}


@pytest.mark.parametrize("action", list(BODIES))
@pytest.mark.parametrize("shaped", ["design", "context", "feasibility"])
def test_whoever_shaped_someone_elses_session_may_not_decide_on_it(db, operator, shaper, action, shaped):
    shapers = {"design_by": operator, "context_by": operator, "feasibility_by": operator}
    shapers[f"{shaped}_by"] = shaper
    session = _judged(operator, **shapers)
    response = client_for(shaper).post(_url(session, action), BODIES[action], format="json")
    assert response.status_code == 403, response.json()
    body = response.json()
    assert body["error"] == "FOUR_EYES_REQUIRED"
    assert body["detail"] == (
        f"An approver may not {action} a session whose design, context or feasibility they set; another approver must."
    )
    assert action not in body["allowed_actions"]
    assert WorkflowSession.objects.get(pk=session.pk).state == "feasibility_ready"
    if action == "approve":
        artifact = RunArtifact.objects.get(run_id=body["run_id"])
        assert (artifact.kind, artifact.status, artifact.errors[0]["code"]) == (
            "approval",
            "BLOCKED",
            "FOUR_EYES_REQUIRED",
        )


def test_the_pages_offer_no_decision_to_whoever_shaped_the_job(db, operator, shaper, approver):
    session = _judged(operator, design_by=shaper, context_by=operator, feasibility_by=operator)
    assert session.allowed_actions(shaper) == ["archive"]
    page = page_client(shaper).get(f"/sessions/{session.pk}")
    assert f'action="/sessions/{session.pk}/approve"' not in page.content.decode()
    assert f'action="/sessions/{session.pk}/reject"' not in page.content.decode()
    # An approver who shaped nothing is offered the decisions, and may take them.
    assert session.allowed_actions(approver) == ["approve", "reject", "revise"]
    assert client_for(approver).post(_url(session, "approve"), {}, format="json").status_code == 200


def test_a_page_post_by_whoever_shaped_the_job_is_refused_with_the_reason(db, operator, shaper):
    session = _judged(operator, design_by=operator, context_by=operator, feasibility_by=shaper)
    response = page_client(shaper).post(
        f"/sessions/{session.pk}/approve", {"feasibility_sha256": session.feasibility_sha256}, follow=True
    )
    assert "whose design, context or feasibility they set" in visible(response)
    assert WorkflowSession.objects.get(pk=session.pk).state == "feasibility_ready"


def test_only_the_current_shapers_count(db, operator, shaper):
    """A design replaced by someone else is no longer the shaper's: the latest design, context and feasibility
    events name who shaped what an approver now decides on."""
    session = services.session_create(actor=operator).session
    services.session_set_design(session=session, actor=shaper, design=RING)
    services.session_set_design(session=session, actor=operator, design=dict(RING))
    services.session_set_context(session=session, actor=operator, context=CONTEXT)
    services.session_request_feasibility(session=session, actor=operator)
    session = WorkflowSession.objects.get(pk=session.pk)
    assert session.shaped_by() == frozenset({operator.username})
    assert "approve" in session.allowed_actions(shaper)
    services.session_approve(session=session, actor=shaper, note="second pair of eyes")
    assert WorkflowSession.objects.get(pk=session.pk).state == "approved"


def test_self_approval_setting_lifts_the_widened_rule_too(db, set_policy, operator, shaper):
    set_policy(allow_self_approval=True)
    session = _judged(operator, design_by=shaper, context_by=shaper, feasibility_by=shaper)
    assert "approve" in session.allowed_actions(shaper)


def test_the_list_answers_each_sessions_decisions_by_the_widened_rule(db, operator, shaper):
    for _ in range(3):
        _judged(operator, design_by=shaper, context_by=operator, feasibility_by=operator)
    response = client_for(shaper).get("/api/rmos/workflow/sessions")
    assert [item["allowed_actions"] for item in response.json()["items"]] == [["archive"]] * 3


def test_the_admin_offers_no_decision_to_whoever_shaped_the_job_and_refuses_one(db, operator, shaper):
    assert Role.APPROVER in STAFF_ROLES  # grant_role made the shaper staff
    session = _judged(operator, design_by=operator, context_by=shaper, feasibility_by=operator)
    desk = Client()
    desk.force_login(shaper)
    decide = reverse("admin:workflow_workflowsession_decide", args=[session.pk, "reject"])
    page = desk.get(reverse("admin:workflow_workflowsession_change", args=[session.pk]))
    assert page.status_code == 200
    assert decide not in page.content.decode()
    response = desk.post(decide, {"text": "mine"}, follow=True)
    assert "whose design, context or feasibility they set" in response.content.decode()
    assert WorkflowSession.objects.get(pk=session.pk).state == "feasibility_ready"
