"""Every action from every state a session can rest in, through the API: allowed, wrong state, wrong role,
and the four-eyes rule (refused by default, allowed when the shop policy allows self-approval)."""

import pytest

from runs.models import RunArtifact
from tests.conftest import client_for
from tests.workflow.conftest import CONTEXT, RING, drive
from workflow.enums import SessionState
from workflow.models import TransitionEvent, WorkflowSession

RESTING_STATES = [
    "draft", "context_ready", "feasibility_ready", "approved", "rejected", "design_revision_required",
    "toolpaths_ready", "archived",
]  # fmt: skip
OPERATOR_ACTIONS = {
    "design": {"design": {**RING, "od": 90}},
    "context": {**CONTEXT, "machine_id": "desktop_4040"},
    "feasibility": {},
    "toolpaths": {},
    "archive": {"note": "done"},
}
APPROVER_ACTIONS = {"approve": {"note": "fine"}, "reject": {"reason": "too deep"}, "revise": {"reason": "thinner"}}
BODIES = {**OPERATOR_ACTIONS, **APPROVER_ACTIONS}
RECORDED = {"approve": "approval", "feasibility": "feasibility", "toolpaths": "toolpaths"}

# (action, from) -> to: the contract's transitions as the API shows them. Anything else is TRANSITION_BLOCKED.
ALLOWED = {
    ("design", "draft"): "draft",  # no context yet
    ("design", "context_ready"): "context_ready",
    ("design", "design_revision_required"): "context_ready",
    ("context", "draft"): "draft",  # no design yet
    ("context", "context_ready"): "context_ready",
    ("context", "design_revision_required"): "context_ready",
    ("feasibility", "context_ready"): "feasibility_ready",
    ("approve", "feasibility_ready"): "approved",
    ("reject", "feasibility_ready"): "rejected",
    **{("revise", state): "design_revision_required" for state in sorted(SessionState.REVISABLE)},
    ("toolpaths", "approved"): "toolpaths_ready",
    **{("archive", state): "archived" for state in sorted(SessionState.ARCHIVABLE)},
}
ALL_PAIRS = [(action, state) for action in BODIES for state in RESTING_STATES]


def _url(session, action):
    return f"/api/rmos/workflow/sessions/{session.pk}/{action}"


@pytest.fixture
def personas(db, fake_engine, operator, approver):
    return {"operator": operator, "approver": approver}


def _actor(action, personas):
    return personas["operator"] if action in OPERATOR_ACTIONS else personas["approver"]


@pytest.mark.parametrize(("action", "state"), [pair for pair in ALL_PAIRS if pair in ALLOWED])
def test_action_allowed(personas, action, state):
    session = drive(state, creator=personas["operator"], approver=personas["approver"])
    events_before = session.events.count()
    response = client_for(_actor(action, personas)).post(_url(session, action), BODIES[action], format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["state"] == ALLOWED[(action, state)]
    session.refresh_from_db()
    assert session.state == body["state"]
    events = list(session.events.order_by("id"))[events_before:]
    assert events[0].action == action
    assert events[0].from_state == state
    assert events[-1].to_state == body["state"]
    assert body["events_count"] == events_before + len(events)
    if action in ("feasibility", "toolpaths", "approve"):
        assert body["run_id"] == events[-1].run_id
        assert RunArtifact.objects.get(run_id=body["run_id"]).status == "OK"


@pytest.mark.parametrize(("action", "state"), [pair for pair in ALL_PAIRS if pair not in ALLOWED])
def test_action_wrong_state_is_409_transition_blocked(personas, action, state):
    actor = _actor(action, personas)
    session = drive(state, creator=personas["operator"], approver=personas["approver"])
    events_before = session.events.count()
    response = client_for(actor).post(_url(session, action), BODIES[action], format="json")
    assert response.status_code == 409, response.json()
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["error"] == "TRANSITION_BLOCKED"
    assert body["state"] == state
    assert state in body["detail"]
    assert body["allowed_actions"] == WorkflowSession.objects.get(pk=session.pk).allowed_actions(actor)
    assert session.events.count() == events_before
    if action in RECORDED:
        artifact = RunArtifact.objects.get(run_id=body["run_id"])
        assert (artifact.kind, artifact.status, artifact.session_id) == (RECORDED[action], "BLOCKED", str(session.pk))
        assert artifact.errors[0]["code"] == "TRANSITION_BLOCKED"


@pytest.mark.parametrize("action", list(BODIES))
@pytest.mark.parametrize("persona", ["wrong_role", "auditor", "outsider"])
def test_action_wrong_role_is_403(personas, auditor, outsider, action, persona):
    session = drive(
        "feasibility_ready" if action in APPROVER_ACTIONS else "context_ready",
        creator=personas["operator"],
        approver=personas["approver"],
    )
    if persona == "wrong_role":
        user = personas["approver"] if action in OPERATOR_ACTIONS else personas["operator"]
    else:
        user = auditor if persona == "auditor" else outsider
    before = RunArtifact.objects.count()
    response = client_for(user).post(_url(session, action), BODIES[action], format="json")
    assert response.status_code == 403
    assert response.json()["error"] == "PERMISSION_DENIED"
    assert WorkflowSession.objects.get(pk=session.pk).state == session.state
    # Refused approval, feasibility and toolpaths calls are on the ledger; the others are not ledger kinds.
    assert RunArtifact.objects.count() == before + (1 if action in RECORDED else 0)


@pytest.mark.parametrize("action", list(BODIES))
def test_action_anonymous_is_401_and_unknown_session_404(personas, anon_client, action):
    session = drive("draft", creator=personas["operator"])
    assert anon_client.post(_url(session, action), BODIES[action], format="json").status_code == 401
    client = client_for(_actor(action, personas))
    missing = "/api/rmos/workflow/sessions/00000000-0000-4000-8000-000000000000/" + action
    response = client.post(missing, BODIES[action], format="json")
    assert response.status_code == 404
    assert response.json()["error"] == "SESSION_NOT_FOUND"
    assert client.get(_url(session, action)).status_code == 405
    assert client.put(_url(session, action), {}, format="json").status_code == 405


@pytest.mark.parametrize("action", list(APPROVER_ACTIONS))
def test_self_decision_is_refused_by_four_eyes(db, fake_engine, operator_approver, action):
    session = drive("feasibility_ready", creator=operator_approver)
    response = client_for(operator_approver).post(_url(session, action), BODIES[action], format="json")
    assert response.status_code == 403
    body = response.json()
    assert body["error"] == "FOUR_EYES_REQUIRED"
    assert action not in body["allowed_actions"]
    assert WorkflowSession.objects.get(pk=session.pk).state == "feasibility_ready"
    if action == "approve":
        assert RunArtifact.objects.get(run_id=body["run_id"]).status == "BLOCKED"


@pytest.mark.parametrize("action", list(APPROVER_ACTIONS))
def test_self_decision_is_allowed_with_the_setting_on(db, fake_engine, set_policy, operator_approver, action):
    set_policy(allow_self_approval=True)
    session = drive("feasibility_ready", creator=operator_approver)
    client = client_for(operator_approver)
    assert action in client.get(f"/api/rmos/workflow/sessions/{session.pk}").json()["allowed_actions"]
    response = client.post(_url(session, action), BODIES[action], format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == ALLOWED[(action, "feasibility_ready")]


def test_allowed_actions_follow_role_state_and_four_eyes(db, fake_engine, operator, approver, operator_approver):
    session = drive("feasibility_ready", creator=operator_approver)
    assert session.allowed_actions(operator_approver) == ["archive"]
    assert session.allowed_actions(approver) == ["approve", "reject", "revise"]
    assert session.allowed_actions(operator) == ["archive"]


# --- the rules behind the transitions ----------------------------------------------------------------------


@pytest.mark.parametrize("order", [("design", "context"), ("context", "design")])
def test_design_and_context_in_either_order_reach_context_ready(personas, order):
    client = client_for(personas["operator"])
    session_id = client.post("/api/rmos/workflow/sessions", {}, format="json").json()["session_id"]
    bodies = {"design": {"design": RING}, "context": CONTEXT}
    first = client.post(f"/api/rmos/workflow/sessions/{session_id}/{order[0]}", bodies[order[0]], format="json")
    assert first.json()["state"] == "draft"
    second = client.post(f"/api/rmos/workflow/sessions/{session_id}/{order[1]}", bodies[order[1]], format="json")
    assert second.json()["state"] == "context_ready"


def test_a_change_after_revision_clears_feasibility_and_approval(personas):
    operator, approver = personas["operator"], personas["approver"]
    session = drive("approved", creator=operator, approver=approver)
    client_for(approver).post(_url(session, "revise"), {"reason": "wider"}, format="json")
    body = client_for(operator).post(_url(session, "design"), {"design": {**RING, "width": 5}}, format="json").json()
    assert body["state"] == "context_ready"
    assert body["feasibility"] is None
    assert body["approval"] is None


def test_revise_voids_the_approval(personas):
    session = drive("approved", creator=personas["operator"], approver=personas["approver"])
    body = client_for(personas["approver"]).post(_url(session, "revise"), {"reason": "x"}, format="json").json()
    assert body["state"] == "design_revision_required"
    assert body["approval"] is None
    assert body["feasibility"] is not None  # kept to show what was judged, until the inputs change


@pytest.mark.parametrize(
    ("action", "body"), [("reject", {}), ("reject", {"reason": "   "}), ("revise", {"reason": ""})]
)
def test_reject_and_revise_need_a_reason(personas, action, body):
    session = drive("feasibility_ready", creator=personas["operator"])
    response = client_for(personas["approver"]).post(_url(session, action), body, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "VALIDATION_ERROR"
    assert WorkflowSession.objects.get(pk=session.pk).state == "feasibility_ready"


@pytest.mark.parametrize(
    ("material", "risk", "message"),
    [
        ("balsa_red", "RED", "Approval blocked: RED and overrides disabled"),
        ("walnut", "YELLOW", "Approval blocked: YELLOW with score 50 (below 70) and overrides disabled"),
    ],
)
def test_approval_blocked_by_risk_is_409_with_blocked_artifact(personas, material, risk, message):
    session = drive("feasibility_ready", creator=personas["operator"], material=material)
    assert session.risk_level == risk
    client = client_for(personas["approver"])
    assert "approve" not in client.get(f"/api/rmos/workflow/sessions/{session.pk}").json()["allowed_actions"]
    response = client.post(_url(session, "approve"), {"note": "please"}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "APPROVAL_BLOCKED"
    assert body["message"] == message
    assert body["session_id"] == str(session.pk)
    artifact = RunArtifact.objects.get(run_id=body["run_id"])
    assert (artifact.kind, artifact.status, artifact.risk_level) == ("approval", "BLOCKED", risk)
    assert not TransitionEvent.objects.filter(session=session, action="approve").exists()
    # Still a way forward: an approver sends it back, the operator changes the material.
    client.post(_url(session, "revise"), {"reason": "use ebony"}, format="json")
    operator = client_for(personas["operator"])
    assert operator.post(_url(session, "context"), CONTEXT, format="json").json()["state"] == "context_ready"
    assert operator.post(_url(session, "feasibility"), {}, format="json").json()["feasibility"]["risk_level"] == "GREEN"


def test_unknown_registry_ids_give_unknown_and_block_approval(db, operator, approver):
    # The real engine: an id the registry does not know is UNKNOWN, and UNKNOWN is treated as RED.
    client = client_for(operator)
    context = {"tool_id": "router:nope", "material_id": "ebony", "machine_id": "router_a"}
    created = client.post("/api/rmos/workflow/sessions", {"design": RING, "context": context}, format="json").json()
    body = client.post(f"/api/rmos/workflow/sessions/{created['session_id']}/feasibility", {}, format="json").json()
    assert body["state"] == "feasibility_ready"
    assert body["feasibility"]["risk_level"] == "UNKNOWN"
    response = client_for(approver).post(
        f"/api/rmos/workflow/sessions/{created['session_id']}/approve", {}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["message"] == "Approval blocked: UNKNOWN and overrides disabled"


def test_maple_yellow_74_is_approvable(personas):
    session = drive("feasibility_ready", creator=personas["operator"], material="maple")
    assert (session.risk_level, session.score) == ("YELLOW", 74.0)
    response = client_for(personas["approver"]).post(_url(session, "approve"), {}, format="json")
    assert response.status_code == 200


def test_approve_with_a_stale_reviewed_hash_is_refused(personas):
    session = drive("feasibility_ready", creator=personas["operator"])
    client = client_for(personas["approver"])
    response = client.post(_url(session, "approve"), {"feasibility_sha256": "0" * 64}, format="json")
    assert response.status_code == 409
    assert response.json()["error"] == "APPROVAL_BLOCKED"
    ok = client.post(_url(session, "approve"), {"feasibility_sha256": session.feasibility_sha256}, format="json")
    assert ok.status_code == 200
    assert ok.json()["approval"]["feasibility_sha256"] == session.feasibility_sha256


def test_engine_failure_is_500_error_artifact_and_back_to_context_ready(personas):
    session = drive("context_ready", creator=personas["operator"], material="boom")
    response = client_for(personas["operator"]).post(_url(session, "feasibility"), {}, format="json")
    assert response.status_code == 500
    body = response.json()
    assert body["error"] == "FEASIBILITY_ERROR"
    assert body["state"] == "context_ready"
    artifact = RunArtifact.objects.get(run_id=body["run_id"])
    assert (artifact.kind, artifact.status, artifact.session_id) == ("feasibility", "ERROR", str(session.pk))
    actions = list(session.events.order_by("id").values_list("action", "to_state", "run_id"))[-2:]
    assert actions == [
        ("feasibility", "feasibility_requested", body["run_id"]),
        ("feasibility_failed", "context_ready", body["run_id"]),
    ]
    assert WorkflowSession.objects.get(pk=session.pk).state == "context_ready"


@pytest.mark.parametrize(
    "body",
    [{"note": 5}, {"note": None}, {"colour": "red"}, {"reason": "x"}, {"note": "x" * 2001}, ["note"]],
)
def test_malformed_approve_bodies_are_400_with_an_error_artifact(personas, body):
    session = drive("feasibility_ready", creator=personas["operator"])
    events = session.events.count()
    response = client_for(personas["approver"]).post(_url(session, "approve"), body, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "VALIDATION_ERROR"
    # Like every approval call, a refused one is on the ledger: an ERROR approval artifact with what was sent.
    artifact = RunArtifact.objects.get(run_id=response.json()["run_id"])
    assert (artifact.kind, artifact.status, artifact.session_id) == ("approval", "ERROR", str(session.pk))
    assert artifact.actor == personas["approver"].username
    assert artifact.request["action"] == "approve"
    assert artifact.request["body"] == body
    assert artifact.errors[0]["code"] == "VALIDATION_ERROR"
    assert WorkflowSession.objects.get(pk=session.pk).state == "feasibility_ready"
    assert session.events.count() == events


def test_seed_approve_malformed_body_is_recorded_against_the_named_session(personas):
    session = drive("feasibility_ready", creator=personas["operator"])
    response = client_for(personas["approver"]).post(
        "/api/rmos/workflow/approve", {"session_id": str(session.pk), "note": 7}, format="json"
    )
    assert response.status_code == 400
    artifact = RunArtifact.objects.get(run_id=response.json()["run_id"])
    assert (artifact.kind, artifact.status, artifact.session_id) == ("approval", "ERROR", str(session.pk))
    assert WorkflowSession.objects.get(pk=session.pk).state == "feasibility_ready"


def test_seed_approve_malformed_json_is_400_with_an_error_artifact(personas):
    response = client_for(personas["approver"]).post(
        "/api/rmos/workflow/approve", data='{"session_id": ', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "MALFORMED_REQUEST"
    artifact = RunArtifact.objects.get(run_id=response.json()["run_id"])
    assert (artifact.kind, artifact.status) == ("approval", "ERROR")
    assert artifact.request["body"] == {"unparseable_body": '{"session_id": '}


def test_malformed_routine_bodies_leave_no_artifact(personas):
    """Design, context, reject, revise and archive are recorded as events, not artifacts, when they happen;
    a refused body changes nothing and writes nothing."""
    session = drive("feasibility_ready", creator=personas["operator"])
    before = RunArtifact.objects.count()
    response = client_for(personas["approver"]).post(_url(session, "reject"), {"reason": 5}, format="json")
    assert response.status_code == 400
    assert "run_id" not in response.json()
    assert RunArtifact.objects.count() == before


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("design", {}),
        ("design", {"design": None}),
        ("design", {"design": {"shape": "ring", "od": -1}}),
        ("context", {"tool_id": "a", "material_id": "b"}),
        ("context", {**CONTEXT, "actor": "x"}),
        ("feasibility", {"risk_level": "GREEN"}),
        ("toolpaths", {"gcode": "G0"}),
        ("archive", {"note": ["x"]}),
    ],
)
def test_malformed_operator_bodies_are_400(personas, action, body):
    session = drive("context_ready", creator=personas["operator"])
    before = set(RunArtifact.objects.values_list("run_id", flat=True))
    response = client_for(personas["operator"]).post(_url(session, action), body, format="json")
    assert response.status_code == 400, response.json()
    assert WorkflowSession.objects.get(pk=session.pk).state == "context_ready"
    written = RunArtifact.objects.exclude(run_id__in=before)
    if action in ("feasibility", "toolpaths"):  # job calls: an ERROR artifact of their kind, named in the 400
        assert [(a.run_id, a.kind, a.status) for a in written] == [(response.json()["run_id"], action, "ERROR")]
    else:
        assert not written.exists()


def test_malformed_json_on_an_action_is_400(personas):
    session = drive("context_ready", creator=personas["operator"])
    response = client_for(personas["operator"]).post(
        _url(session, "feasibility"), data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "MALFORMED_REQUEST"
    artifact = RunArtifact.objects.get(run_id=response.json()["run_id"])
    assert (artifact.kind, artifact.status, artifact.session_id) == ("feasibility", "ERROR", str(session.pk))
    assert artifact.request["body"] == {"unparseable_body": "{not json"}
    assert WorkflowSession.objects.get(pk=session.pk).state == "context_ready"


def test_the_approval_minimum_follows_the_shop_policy(db, fake_engine, set_policy, operator, approver):
    """maple is YELLOW 74 in the fake engine: approvable at the default minimum of 70, not at 80."""
    session = drive("feasibility_ready", creator=operator, material="maple")
    client = client_for(approver)
    set_policy(approval_min_yellow_score=80)
    assert "approve" not in client.get(f"/api/rmos/workflow/sessions/{session.pk}").json()["allowed_actions"]
    response = client.post(_url(session, "approve"), {"note": "fine"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"] == "APPROVAL_BLOCKED"
    assert "below 80" in response.json()["detail"]
    set_policy(approval_min_yellow_score=70)
    response = client.post(_url(session, "approve"), {"note": "fine"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "approved"


def test_self_approval_is_refused_by_default_and_follows_the_policy(db, fake_engine, set_policy, operator_approver):
    session = drive("feasibility_ready", creator=operator_approver)
    client = client_for(operator_approver)
    response = client.post(_url(session, "approve"), {"note": "mine"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"] == "FOUR_EYES_REQUIRED"
    set_policy(allow_self_approval=True)
    assert client.post(_url(session, "approve"), {"note": "mine"}, format="json").status_code == 200
