"""``/sessions``, ``/sessions/<id>`` and the POST forms of each session action."""

import json
import re
import uuid

import pytest

from runs.models import RunArtifact
from tests.pages.conftest import CONTEXT, RING, drive, page_client, visible
from workflow import services
from workflow.models import TransitionEvent, WorkflowSession

SESSION_ROW = re.compile(r'<a class="mono" href="/sessions/([0-9a-f-]{36})"')
UNKNOWN = str(uuid.UUID(int=1))


def listed(response) -> list[str]:
    table = response.content.decode().split('class="table sessions-table', 1)
    return SESSION_ROW.findall(table[1]) if len(table) == 2 else []


def offered(response) -> list[str]:
    """The actions whose forms the page shows, in order."""
    return re.findall(r'<form method="post" action="/sessions/[0-9a-f-]{36}/(\w+)"', response.content.decode())


def act(client, session, action: str, data=None, **kwargs):
    return client.post(f"/sessions/{session.pk}/{action}", data or {}, **kwargs)


def state(session) -> str:
    return WorkflowSession.objects.get(pk=session.pk).state


def events(session) -> int:
    return TransitionEvent.objects.filter(session_id=session.pk).count()


# --- access -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/sessions", f"/sessions/{UNKNOWN}"])
def test_session_pages_anonymous_redirect_to_login(anon_page, path):
    response = anon_page.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_session_pages_without_a_role_are_403_pages(operator, outsider_page):
    session = drive("draft", creator=operator)
    for path in ("/sessions", f"/sessions/{session.pk}"):
        assert outsider_page.get(path).status_code == 403
    response = act(outsider_page, session, "archive")
    assert response.status_code == 403
    assert state(session) == "draft"


# --- the list -------------------------------------------------------------------------------------------


def test_session_list_newest_first_with_state_next_step_and_verdict(operator, approver, auditor_page):
    draft = drive("draft", creator=operator)
    judged = drive("feasibility_ready", creator=operator)
    response = auditor_page.get("/sessions")
    assert listed(response) == [str(judged.pk), str(draft.pk)]
    text = visible(response)
    # What the job is, with what, and where it stands, in the row.
    assert (
        "Feasibility ready 5 events ring · Ø100 mm · 4 mm wide · 1.5 mm deep router:downcut_1_8in ebony GREEN 100.0"
        in text
    )
    assert "Awaiting approval by an approver other than the creator." in text
    assert "Set context (and ensure design exists) to proceed." in text


def test_session_list_filters_state_and_mode(operator, auditor_page):
    draft = drive("draft", creator=operator)
    ready = drive("context_ready", creator=operator)
    other = services.session_create(actor=operator, mode="constraint_first").session
    assert listed(auditor_page.get("/sessions?state=context_ready")) == [str(ready.pk)]
    assert listed(auditor_page.get("/sessions?state=draft&state=context_ready&mode=design_first")) == [
        str(ready.pk),
        str(draft.pk),
    ]
    response = auditor_page.get("/sessions?mode=constraint_first")
    assert listed(response) == [str(other.pk)]
    assert 'name="mode" value="constraint_first" checked' in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("state=sleeping", 'state.0: "sleeping" is not a valid choice.'),
        ("colour=red", "colour"),
        ("cursor=forged", "The cursor is not one this server issued"),
    ],
)
def test_session_list_bad_filters_are_a_400_page(operator, auditor_page, query, message):
    drive("draft", creator=operator)
    response = auditor_page.get(f"/sessions?{query}")
    assert response.status_code == 400
    text = visible(response)
    assert "These filters cannot be applied." in text
    assert message in text
    assert listed(response) == []


def test_session_list_next_page_link(operator, auditor_page):
    made = [drive("draft", creator=operator) for _ in range(3)]
    first = auditor_page.get("/sessions?limit=2")
    assert listed(first) == [str(made[2].pk), str(made[1].pk)]
    following = re.search(r'href="(\?[^"]+)" rel="next"', first.content.decode()).group(1).replace("&amp;", "&")
    assert listed(auditor_page.get("/sessions" + following)) == [str(made[0].pk)]


def test_session_list_new_session_form_only_for_operators(operator_page, approver_page, auditor_page):
    assert 'action="/sessions/new"' in operator_page.get("/sessions").content.decode()
    for client in (approver_page, auditor_page):
        assert 'action="/sessions/new"' not in client.get("/sessions").content.decode()


# --- creating -------------------------------------------------------------------------------------------


def new_session_form(**changes) -> dict:
    return {"mode": "design_first", "design": json.dumps(RING), **CONTEXT, **changes}


def test_session_create_with_design_and_context_lands_on_the_session(operator_page):
    response = operator_page.post("/sessions/new", new_session_form(), follow=True)
    session = WorkflowSession.objects.get()
    assert response.redirect_chain == [(f"/sessions/{session.pk}", 302)]
    assert session.state == "context_ready"
    assert session.created_by.username == "op"
    assert session.context == CONTEXT
    assert "Session created." in visible(response)
    assert [event.action for event in session.events.order_by("id")] == ["create", "design", "context"]


def test_session_create_without_design_or_context_is_a_draft(operator_page):
    operator_page.post("/sessions/new", new_session_form(design="", tool_id="", material_id="", machine_id=""))
    session = WorkflowSession.objects.get()
    assert (session.state, session.design, session.context) == ("draft", None, None)


def test_session_create_by_an_approver_is_refused_with_a_message(approver_page):
    response = approver_page.post("/sessions/new", new_session_form(), follow=True)
    assert response.redirect_chain == [("/sessions", 302)]
    assert "Permission denied: Only operators create sessions." in visible(response)
    assert not WorkflowSession.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"design": "{oops"}, "Design (JSON): Enter valid JSON"),
        ({"design": '{"shape": "hexagon"}'}, "Design (JSON): shape: Unknown shape"),
        ({"mode": "freestyle"}, "Mode: Select a valid choice."),
        ({"tool_id": "x" * 65}, "Tool: Ensure this value has at most 64 characters"),
    ],
)
def test_session_create_malformed_input_is_a_message_and_nothing_written(operator_page, changes, message):
    response = operator_page.post("/sessions/new", new_session_form(**changes), follow=True)
    assert response.redirect_chain == [("/sessions", 302)]
    assert message in visible(response)
    assert not WorkflowSession.objects.exists()
    assert not TransitionEvent.objects.exists()


def test_session_create_get_is_405(operator_page):
    assert operator_page.get("/sessions/new").status_code == 405


# --- one session ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("session_id", [UNKNOWN, "not-a-uuid", "1" * 40])
def test_session_detail_unknown_or_malformed_id_is_a_404_page(auditor_page, session_id):
    response = auditor_page.get(f"/sessions/{session_id}")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "Session not found" in visible(response)


def test_session_detail_state_next_step_timeline_and_runs(operator, approver, auditor_page):
    session = drive("approved", creator=operator, approver=approver)
    response = auditor_page.get(f"/sessions/{session.pk}")
    text = visible(response)
    assert "Next step: Generate toolpaths to proceed." in text
    assert "Approved by appr" in text
    timeline = re.findall(r'<li class="event event-(\w+)">', response.content.decode())
    assert timeline == ["create", "design", "context", "feasibility", "feasibility_complete", "approve"]
    assert session.feasibility_run_id in text
    assert session.approval_run_id in text
    assert "Runs of this session" in text


def test_session_detail_offers_exactly_the_callers_actions(operator, approver, request):
    pages = {name: request.getfixturevalue(f"{name}_page") for name in ("operator", "approver", "auditor")}
    context_ready = drive("context_ready", creator=operator)
    judged = drive("feasibility_ready", creator=operator)
    approved = drive("approved", creator=operator, approver=approver)
    expected = {
        (context_ready, "operator"): ["design", "context", "feasibility", "archive"],
        (context_ready, "approver"): [],
        (judged, "operator"): ["archive"],
        (judged, "approver"): ["approve", "reject", "revise"],
        (approved, "operator"): ["toolpaths", "archive"],
        (approved, "approver"): ["revise"],
        (approved, "auditor"): [],
    }
    for (session, persona), actions in expected.items():
        response = pages[persona].get(f"/sessions/{session.pk}")
        assert offered(response) == actions, (session.state, persona)
        assert offered(response) == session.allowed_actions(response.wsgi_request.user)


def test_session_detail_creator_who_is_also_approver_gets_no_approve(operator_approver):
    session = drive("feasibility_ready", creator=operator_approver)
    response = page_client(operator_approver).get(f"/sessions/{session.pk}")
    assert offered(response) == ["archive"]


def test_session_detail_approve_form_carries_the_reviewed_hash(operator, approver_page):
    session = drive("feasibility_ready", creator=operator)
    html = approver_page.get(f"/sessions/{session.pk}").content.decode()
    assert f'name="feasibility_sha256" value="{session.feasibility_sha256}"' in html


def test_session_detail_context_form_is_fed_from_the_registry(operator, operator_page):
    session = drive("context_ready", creator=operator)
    html = operator_page.get(f"/sessions/{session.pk}").content.decode()
    assert '<option value="router:downcut_1_8in" selected>' in html
    assert '<option value="desktop_3018">' in html


def test_session_detail_context_form_keeps_an_id_the_registry_lacks(operator, operator_page):
    context = {**CONTEXT, "tool_id": "router:retired"}
    session = services.session_create(actor=operator, design=RING, context=context).session
    html = operator_page.get(f"/sessions/{session.pk}").content.decode()
    assert '<option value="router:retired" selected>router:retired — not in the registry</option>' in html


def test_session_context_form_chooses_the_fixture_and_the_post(operator, operator_page):
    session = drive("context_ready", creator=operator)
    html = operator_page.get(f"/sessions/{session.pk}").content.decode()
    form = html.split('class="stack action action-context"', 1)[1].split("</form>", 1)[0]
    fixture = form.split('name="fixture"', 1)[1].split("</select>", 1)[0]
    assert '<option value="" selected>— the machine&#x27;s default fixture —</option>' in fixture
    assert '<optgroup label="router_a">' in fixture
    assert 'value="spoilboard"' in fixture
    post = form.split('name="post"', 1)[1].split("</select>", 1)[0]
    assert 'value="grbl">GRBL (.nc)</option>' in post
    assert "the machine&#x27;s default" in html  # what the context card says of a session without a fixture
    # Chosen, the context keeps them; the card names them and the form shows them selected.
    response = act(operator_page, session, "context", {**CONTEXT, "fixture": "spoilboard", "post": "grbl"})
    assert response.status_code == 302
    assert WorkflowSession.objects.get(pk=session.pk).context == {**CONTEXT, "fixture": "spoilboard", "post": "grbl"}
    html = operator_page.get(f"/sessions/{session.pk}").content.decode()
    card = html.split("<h2>Context</h2>", 1)[1].split("</section>", 1)[0]
    assert '<dt>Fixture</dt><dd><span class="mono">spoilboard</span>' in card
    assert '<dt>G-code for</dt><dd><span class="mono">grbl</span>' in card
    assert '<option value="spoilboard" selected>' in html
    assert '<option value="grbl" selected>' in html
    # An unknown post is a message, and the context stays as it was.
    before = events(session)
    response = act(operator_page, session, "context", {**CONTEXT, "post": "fanuc"}, follow=True)
    assert "Unknown post" in visible(response)
    assert WorkflowSession.objects.get(pk=session.pk).context["post"] == "grbl"
    assert events(session) == before


def test_session_create_takes_the_fixture_and_the_post(operator_page):
    operator_page.post("/sessions/new", new_session_form(fixture="spoilboard", post="mach3"))
    assert WorkflowSession.objects.get().context == {**CONTEXT, "fixture": "spoilboard", "post": "mach3"}


# --- actions: the happy paths ---------------------------------------------------------------------------


def test_session_actions_design_context_feasibility_approve_toolpaths_archive(operator, approver):
    operator_page, approver_page = page_client(operator), page_client(approver)
    session = drive("draft", creator=operator)
    response = act(operator_page, session, "design", {"design": json.dumps(RING)}, follow=True)
    assert "Design saved." in visible(response)
    act(operator_page, session, "context", CONTEXT)
    assert state(session) == "context_ready"
    response = act(operator_page, session, "feasibility", follow=True)
    assert response.redirect_chain == [(f"/sessions/{session.pk}", 302)]
    assert state(session) == "feasibility_ready"
    run_id = WorkflowSession.objects.get(pk=session.pk).feasibility_run_id
    assert f"Feasibility computed. Recorded as {run_id}." in visible(response)
    sha = WorkflowSession.objects.get(pk=session.pk).feasibility_sha256
    response = act(approver_page, session, "approve", {"note": "fine", "feasibility_sha256": sha}, follow=True)
    assert "Approved: toolpaths may now be generated." in visible(response)
    approved = WorkflowSession.objects.get(pk=session.pk)
    assert (approved.state, approved.approved_by, approved.approval_note) == ("approved", approver, "fine")
    response = act(operator_page, session, "toolpaths", follow=True)
    toolpaths = WorkflowSession.objects.get(pk=session.pk).toolpaths_run_id
    assert state(session) == "toolpaths_ready"
    assert RunArtifact.objects.get(run_id=toolpaths).status == "OK"
    assert f"Toolpaths generated. Recorded as {toolpaths}." in visible(response)
    act(operator_page, session, "archive", {"note": "done"})
    assert state(session) == "archived"
    assert TransitionEvent.objects.get(session_id=session.pk, action="archive").note == "done"


def test_session_actions_reject_and_revise_with_reasons(operator, approver_page):
    rejected = drive("feasibility_ready", creator=operator)
    response = act(approver_page, rejected, "reject", {"reason": "too deep"}, follow=True)
    assert "Rejected." in visible(response)
    assert state(rejected) == "rejected"
    act(approver_page, rejected, "revise", {"reason": "try 1 mm"})
    assert state(rejected) == "design_revision_required"
    assert TransitionEvent.objects.get(session_id=rejected.pk, action="revise").note == "try 1 mm"


# --- actions: the unhappy paths -------------------------------------------------------------------------


def test_session_action_lost_race_is_a_polite_message(operator, approver_page, approver2_page):
    session = drive("feasibility_ready", creator=operator)
    sha = session.feasibility_sha256
    # Both approvers loaded the page; the first one's approval lands, then the second one's.
    act(approver_page, session, "approve", {"feasibility_sha256": sha})
    response = act(approver2_page, session, "approve", {"feasibility_sha256": sha}, follow=True)
    assert response.redirect_chain == [(f"/sessions/{session.pk}", 302)]
    assert response.status_code == 200
    text = visible(response)
    assert "Transition blocked: Action 'approve' is not allowed in state 'approved'." in text
    assert WorkflowSession.objects.get(pk=session.pk).approved_by.username == "appr"
    assert offered(response) == ["revise"]


def test_session_action_approval_blocked_by_the_verdict_is_a_message(operator, approver_page):
    session = services.session_create(
        actor=operator, design=RING, context={**CONTEXT, "tool_id": "router:not_in_the_shop"}
    ).session
    services.session_request_feasibility(session=session, actor=operator)
    response = act(approver_page, session, "approve", {"note": "please"}, follow=True)
    text = visible(response)
    assert "Approval blocked: UNKNOWN and overrides disabled" in text
    assert "Approval blocked: Approval blocked" not in text
    assert "(recorded as run_" in text
    assert state(session) == "feasibility_ready"


def test_session_action_approval_of_a_verdict_that_moved_is_refused(operator, approver_page):
    session = drive("feasibility_ready", creator=operator)
    response = act(approver_page, session, "approve", {"feasibility_sha256": "0" * 64}, follow=True)
    assert "the feasibility result changed since it was reviewed" in visible(response)
    assert state(session) == "feasibility_ready"


def test_session_action_wrong_role_is_a_message_and_state_unchanged(operator, operator_page):
    session = drive("feasibility_ready", creator=operator)
    response = act(operator_page, session, "approve", {"note": "self-service"}, follow=True)
    assert "Permission denied: Only the approver role may approve a session." in visible(response)
    assert state(session) == "feasibility_ready"


def test_session_action_four_eyes_is_a_message(operator_approver):
    session = drive("feasibility_ready", creator=operator_approver)
    response = act(page_client(operator_approver), session, "reject", {"reason": "mine"}, follow=True)
    assert "Four-eyes principle" in visible(response)
    assert state(session) == "feasibility_ready"


def test_session_action_wrong_state_is_a_message(operator, operator_page):
    session = drive("draft", creator=operator)
    response = act(operator_page, session, "toolpaths", follow=True)
    assert "Transition blocked: Action 'toolpaths' is not allowed in state 'draft'." in visible(response)
    assert state(session) == "draft"


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("design", {"design": "{"}, "Design (JSON): Enter valid JSON"),
        ("design", {"design": '{"shape": "ring", "od": -5}'}, "Design (JSON): od: Ensure this value is greater"),
        ("design", {}, "Shape: Choose a shape, or give the design as JSON."),
        ("design", {"shape": "pocket_rect", "pocket_rect__w": "30"}, "Height (Y): Required for a rectangular"),
        ("context", {**CONTEXT, "machine_id": ""}, "Machine: This field is required."),
        ("reject", {"reason": "   "}, "Reason: This field is required."),
        ("archive", {"note": "x" * 2001}, "Note: Ensure this value has at most 2000 characters"),
    ],
)
def test_session_action_malformed_input_is_a_message_and_nothing_written(operator, approver, action, data, message):
    session = drive("feasibility_ready" if action == "reject" else "context_ready", creator=operator)
    client = page_client(approver if action == "reject" else operator)
    before, artifacts = events(session), RunArtifact.objects.count()
    response = act(client, session, action, data, follow=True)
    assert response.redirect_chain == [(f"/sessions/{session.pk}", 302)]
    assert message in visible(response)
    assert events(session) == before
    assert RunArtifact.objects.count() == artifacts


@pytest.mark.parametrize("session_id", [UNKNOWN, "not-a-uuid"])
def test_session_action_unknown_session_is_a_404_page_and_nothing_written(approver_page, session_id):
    response = approver_page.post(f"/sessions/{session_id}/approve", {"note": "?"})
    assert response.status_code == 404
    assert "Session not found" in visible(response)
    assert not RunArtifact.objects.exists()


def test_session_action_unknown_action_is_a_404_page(operator, operator_page):
    session = drive("draft", creator=operator)
    response = act(operator_page, session, "teleport")
    assert response.status_code == 404
    assert events(session) == 1


def test_session_action_anonymous_is_sent_to_log_in_and_nothing_written(operator, anon_page):
    session = drive("feasibility_ready", creator=operator)
    before = events(session)
    response = act(anon_page, session, "approve", {"note": "anon"})
    assert response.status_code == 302
    # After logging in the user lands on the session's page, not on the POST-only action URL (a 405).
    assert response["Location"] == f"/accounts/login/?next=/sessions/{session.pk}"
    assert events(session) == before
    assert state(session) == "feasibility_ready"


def test_logging_in_after_a_lapsed_form_lands_on_the_session_page(operator, approver, anon_page):
    session = drive("feasibility_ready", creator=operator)
    login_url = act(anon_page, session, "approve", {"note": "lapsed"})["Location"]
    login_page = anon_page.get(login_url)
    assert login_page.status_code == 200
    response = anon_page.post(
        login_url, {"username": "appr", "password": "pw-appr", "next": f"/sessions/{session.pk}"}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == f"/sessions/{session.pk}"
    assert state(session) == "feasibility_ready"


def test_anonymous_get_of_an_action_url_is_sent_to_log_in_for_the_session_page(operator, anon_page):
    session = drive("draft", creator=operator)
    response = anon_page.get(f"/sessions/{session.pk}/archive")
    assert response["Location"] == f"/accounts/login/?next=/sessions/{session.pk}"


def test_session_action_get_is_405(operator, operator_page):
    session = drive("draft", creator=operator)
    assert operator_page.get(f"/sessions/{session.pk}/archive").status_code == 405


def test_session_action_needs_the_csrf_token(operator):
    session = drive("draft", creator=operator)
    response = act(page_client(operator, enforce_csrf_checks=True), session, "archive")
    assert response.status_code == 403
    assert state(session) == "draft"
