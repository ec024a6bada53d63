"""The whole journey through the API, with the real engine and with the fake one, and a registry edit between
approval and toolpaths."""

import hashlib

import pytest

from feasibility.models import Tool
from runs.models import RunArtifact
from tests.conftest import client_for
from tests.workflow.conftest import CONTEXT, RING

BASE = "/api/rmos/workflow"


def _post(client, path, body=None, status=200):
    response = client.post(f"{BASE}/{path}", body or {}, format="json")
    assert response.status_code == status, response.json()
    return response.json()


def _journey_to_approval(operator_client, approver_client, *, material="ebony"):
    created = _post(operator_client, "sessions", {"mode": "design_first"}, status=201)
    sid = created["session_id"]
    assert created["state"] == "draft"
    assert _post(operator_client, f"sessions/{sid}/design", {"design": RING})["state"] == "draft"
    body = _post(operator_client, f"sessions/{sid}/context", {**CONTEXT, "material_id": material})
    assert body["state"] == "context_ready"
    assert body["allowed_actions"] == ["design", "context", "feasibility", "archive"]
    feasibility = _post(operator_client, f"sessions/{sid}/feasibility")
    assert feasibility["state"] == "feasibility_ready"
    assert feasibility["feasibility"]["run_id"] == feasibility["run_id"]
    assert approver_client.get(f"{BASE}/sessions/{sid}").json()["allowed_actions"] == ["approve", "reject", "revise"]
    approved = _post(approver_client, "approve", {"session_id": sid, "note": "Approved for production", "actor": "op"})
    assert approved["approved"] is True
    assert approved["message"] == "Session approved for toolpath generation."
    assert approved["state"] == "approved"
    approval = approved["approval"]
    assert approval["approved_by"] == "appr"  # from the token, never the body's "actor"
    assert approval["note"] == "Approved for production"
    assert approval["feasibility_sha256"] == feasibility["feasibility"]["feasibility_sha256"]
    return sid, feasibility, approved


def test_happy_path_with_the_real_engine(operator_client, approver_client):
    sid, feasibility, approved = _journey_to_approval(operator_client, approver_client)
    assert feasibility["feasibility"]["risk_level"] == "GREEN"  # the default shop judges this ring safe
    feasibility_run = RunArtifact.objects.get(run_id=feasibility["run_id"])
    assert (feasibility_run.kind, feasibility_run.status, feasibility_run.session_id) == ("feasibility", "OK", sid)
    assert feasibility_run.engine_version.startswith("rmos-engine/")
    approval_run = RunArtifact.objects.get(run_id=approved["run_id"])
    assert (approval_run.kind, approval_run.status, approval_run.actor) == ("approval", "OK", "appr")
    assert approval_run.feasibility_sha256 == feasibility["feasibility"]["feasibility_sha256"]

    toolpaths = _post(operator_client, f"sessions/{sid}/toolpaths")
    assert toolpaths["state"] == "toolpaths_ready"
    gcode = toolpaths["toolpaths"]["gcode_text"]
    assert "M30" in gcode
    assert toolpaths["toolpaths"]["_hashes"]["gcode_sha256"] == hashlib.sha256(gcode.encode()).hexdigest()
    assert toolpaths["toolpaths"]["_hashes"]["feasibility_sha256"] == approved["approval"]["feasibility_sha256"]
    run = RunArtifact.objects.get(run_id=toolpaths["run_id"])
    assert (run.kind, run.status, run.session_id, run.gcode_text) == ("toolpaths", "OK", sid, gcode)

    archived = _post(operator_client, f"sessions/{sid}/archive", {"note": "cut and glued"})
    assert archived["state"] == "archived"
    assert archived["allowed_actions"] == []
    assert archived["next_step"] == "Archived. No further actions."

    events = operator_client.get(f"{BASE}/sessions/{sid}/events").json()["events"]
    assert [(e["action"], e["from_state"], e["to_state"]) for e in events] == [
        ("create", None, "draft"),
        ("design", "draft", "draft"),
        ("context", "draft", "context_ready"),
        ("feasibility", "context_ready", "feasibility_requested"),
        ("feasibility_complete", "feasibility_requested", "feasibility_ready"),
        ("approve", "feasibility_ready", "approved"),
        ("toolpaths", "approved", "toolpaths_requested"),
        ("toolpaths_complete", "toolpaths_requested", "toolpaths_ready"),
        ("archive", "toolpaths_ready", "archived"),
    ]
    assert [e["actor"] for e in events] == ["op"] * 5 + ["appr"] + ["op"] * 3
    assert events[-1]["note"] == "cut and glued"
    assert archived["events_count"] == len(events)
    # Every artifact of the journey carries the session id.
    assert set(RunArtifact.objects.filter(session_id=sid).values_list("kind", flat=True)) == {
        "feasibility", "approval", "toolpaths",
    }  # fmt: skip


def test_happy_path_with_the_fake_engine(fake_engine, operator_client, approver_client):
    sid, feasibility, _ = _journey_to_approval(operator_client, approver_client, material="maple")
    assert (feasibility["feasibility"]["risk_level"], feasibility["feasibility"]["score"]) == ("YELLOW", 74.0)
    assert _post(operator_client, f"sessions/{sid}/toolpaths")["state"] == "toolpaths_ready"
    assert _post(operator_client, f"sessions/{sid}/archive")["state"] == "archived"


def test_registry_edit_between_approval_and_toolpaths_sends_back_for_revision(operator_client, approver_client):
    sid, _, approved = _journey_to_approval(operator_client, approver_client)
    # An admin lowers the bit's rated speed: the verdict the approver signed can no longer be reproduced.
    Tool.objects.filter(tool_id=CONTEXT["tool_id"]).update(max_rpm=20000)

    response = operator_client.post(f"{BASE}/sessions/{sid}/toolpaths", {}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "SAFETY_BLOCKED"
    assert body["state"] == "design_revision_required"
    assert body["approved_feasibility_sha256"] == approved["approval"]["feasibility_sha256"]
    assert "gcode_text" not in body
    run = RunArtifact.objects.get(run_id=body["run_id"])
    assert (run.kind, run.status, run.session_id) == ("toolpaths", "BLOCKED", sid)
    assert run.errors[0]["code"] == "APPROVAL_MISMATCH"
    assert run.feasibility_sha256 != approved["approval"]["feasibility_sha256"]
    assert run.registry_snapshot["tool"]["max_rpm"] == 20000

    session = operator_client.get(f"{BASE}/sessions/{sid}").json()
    assert session["state"] == "design_revision_required"
    assert session["approval"] is None
    events = operator_client.get(f"{BASE}/sessions/{sid}/events").json()["events"]
    assert [(e["action"], e["to_state"], e["run_id"]) for e in events[-2:]] == [
        ("toolpaths", "toolpaths_requested", body["run_id"]),
        ("toolpaths_blocked", "design_revision_required", body["run_id"]),
    ]
    # The way forward: re-submit the context, judge again under the new registry, approve again, cut.
    assert _post(operator_client, f"sessions/{sid}/context", CONTEXT)["state"] == "context_ready"
    assert _post(operator_client, f"sessions/{sid}/feasibility")["state"] == "feasibility_ready"
    assert _post(approver_client, f"sessions/{sid}/approve", {"note": "again"})["state"] == "approved"
    assert _post(operator_client, f"sessions/{sid}/toolpaths")["state"] == "toolpaths_ready"


def test_registry_edit_to_a_red_verdict_also_sends_back(operator_client, approver_client):
    sid, _, _ = _journey_to_approval(operator_client, approver_client)
    # A shorter flute than the ring is deep: the real engine now says RED (TOOL_REACH).
    Tool.objects.filter(tool_id=CONTEXT["tool_id"]).update(flute_length_mm=1.0)
    response = operator_client.post(f"{BASE}/sessions/{sid}/toolpaths", {}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["decision"]["risk_level"] == "RED"
    assert body["state"] == "design_revision_required"
    run = RunArtifact.objects.get(run_id=body["run_id"])
    assert (run.status, run.risk_level, run.errors[0]["code"]) == ("BLOCKED", "RED", "SAFETY_BLOCKED")


def test_generator_failure_keeps_the_approval(fake_engine, operator_client, approver_client, operator, approver):
    # The fake engine passes non-ring designs through un-normalised, which the generator refuses.
    created = _post(
        operator_client, "sessions", {"design": {"shape": "pocket_circle", "d": 20, "depth": 2}, "context": CONTEXT},
        status=201,
    )  # fmt: skip
    sid = created["session_id"]
    _post(operator_client, f"sessions/{sid}/feasibility")
    _post(approver_client, f"sessions/{sid}/approve")
    response = operator_client.post(f"{BASE}/sessions/{sid}/toolpaths", {}, format="json")
    assert response.status_code == 500
    body = response.json()
    assert body["error"] == "TOOLPATHS_ERROR"
    assert body["state"] == "approved"
    assert RunArtifact.objects.get(run_id=body["run_id"]).status == "ERROR"
    events = operator_client.get(f"{BASE}/sessions/{sid}/events").json()["events"]
    assert [e["action"] for e in events[-2:]] == ["toolpaths", "toolpaths_failed"]


# --- POST /api/rmos/toolpaths with a session_id ------------------------------------------------------------

TOOLPATHS = "/api/rmos/toolpaths"


@pytest.fixture
def approved_session(operator_client, approver_client):
    sid, _, approved = _journey_to_approval(operator_client, approver_client)
    return sid, approved


def test_toolpaths_endpoint_with_approved_session_goes_toolpaths_ready(operator_client, approved_session):
    sid, _ = approved_session
    response = operator_client.post(TOOLPATHS, {**CONTEXT, "design": RING, "session_id": sid}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["state"] == "toolpaths_ready"
    assert "G21" in body["gcode_text"]
    assert RunArtifact.objects.get(run_id=body["run_id"]).session_id == sid
    events = operator_client.get(f"{BASE}/sessions/{sid}/events").json()["events"]
    assert [e["action"] for e in events[-2:]] == ["toolpaths", "toolpaths_complete"]


def test_toolpaths_endpoint_with_a_different_body_is_409_and_leaves_the_session(operator_client, approved_session):
    sid, _ = approved_session
    other = {**CONTEXT, "design": {**RING, "od": 90}, "session_id": sid}
    response = operator_client.post(TOOLPATHS, other, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "SAFETY_BLOCKED"
    assert body["state"] == "approved"  # the approval itself is still good
    assert RunArtifact.objects.get(run_id=body["run_id"]).status == "BLOCKED"
    assert operator_client.get(f"{BASE}/sessions/{sid}").json()["state"] == "approved"
    # ...and the approved job still goes through.
    ok = operator_client.post(TOOLPATHS, {**CONTEXT, "design": RING, "session_id": sid}, format="json")
    assert ok.status_code == 200


def test_toolpaths_endpoint_after_registry_edit_sends_back(operator_client, approved_session):
    sid, _ = approved_session
    Tool.objects.filter(tool_id=CONTEXT["tool_id"]).update(max_rpm=20000)
    response = operator_client.post(TOOLPATHS, {**CONTEXT, "design": RING, "session_id": sid}, format="json")
    assert response.status_code == 409
    assert response.json()["state"] == "design_revision_required"


def test_toolpaths_endpoint_registry_edit_with_other_body_sends_back(operator_client, approved_session):
    sid, _ = approved_session
    Tool.objects.filter(tool_id=CONTEXT["tool_id"]).update(max_rpm=20000)
    other = {**CONTEXT, "design": {**RING, "od": 90}, "session_id": sid}
    response = operator_client.post(TOOLPATHS, other, format="json")
    assert response.status_code == 409
    assert response.json()["state"] == "design_revision_required"


def test_toolpaths_endpoint_session_not_approved_is_409_transition_blocked(operator_client):
    created = _post(operator_client, "sessions", {"design": RING, "context": CONTEXT}, status=201)
    response = operator_client.post(
        TOOLPATHS, {**CONTEXT, "design": RING, "session_id": created["session_id"]}, format="json"
    )
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "TRANSITION_BLOCKED"
    assert body["state"] == "context_ready"
    run = RunArtifact.objects.get(run_id=body["run_id"])
    assert (run.kind, run.status) == ("toolpaths", "BLOCKED")


@pytest.mark.parametrize("session_id", ["00000000-0000-4000-8000-000000000000", "sess_001"])
def test_toolpaths_endpoint_unknown_session_is_404_with_blocked_artifact(operator_client, session_id):
    response = operator_client.post(TOOLPATHS, {**CONTEXT, "design": RING, "session_id": session_id}, format="json")
    assert response.status_code == 404
    body = response.json()
    assert body["error"] == "SESSION_NOT_FOUND"
    assert RunArtifact.objects.get(run_id=body["run_id"]).status == "BLOCKED"


def test_toolpaths_endpoint_with_session_after_archive_is_blocked(operator_client, approver, approved_session):
    sid, _ = approved_session
    _post(operator_client, f"sessions/{sid}/archive")
    response = operator_client.post(TOOLPATHS, {**CONTEXT, "design": RING, "session_id": sid}, format="json")
    assert response.status_code == 409
    assert response.json()["state"] == "archived"
    assert client_for(approver).get(f"{BASE}/sessions/{sid}").json()["state"] == "archived"
