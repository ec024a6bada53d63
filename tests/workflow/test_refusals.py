"""One refusal, one artifact: the same refused call leaves the same artifact from the API as from the pages
(``runs.refusals`` writes them all, from what the services decide), and a job naming a session is held to it."""

import json

import pytest

from runs.models import RunArtifact
from tests.conftest import client_for
from tests.pages.conftest import JOB, page_client
from tests.workflow.conftest import CONTEXT, RING, drive
from workflow.models import WorkflowSession

# What differs between any two artifacts whatever they record: identity, place in the chain, time, hashes.
IDENTITY = {"run_id", "seq", "created_at", "prev_sha256", "chain_sha256", "content_sha256"}


def _record(artifact: RunArtifact) -> dict:
    return {
        field.attname: getattr(artifact, field.attname)
        for field in RunArtifact._meta.concrete_fields
        if field.attname not in IDENTITY
    }


def _only_new_artifact(before: set) -> RunArtifact:
    (artifact,) = RunArtifact.objects.exclude(run_id__in=before)
    return artifact


def _both_ways(api_call, page_call) -> tuple[RunArtifact, RunArtifact]:
    before = set(RunArtifact.objects.values_list("run_id", flat=True))
    api_call()
    from_api = _only_new_artifact(before)
    page_call()
    from_page = _only_new_artifact(before | {from_api.run_id})
    return from_api, from_page


def test_an_operator_pressing_approve_leaves_the_same_artifact_from_api_and_page(operator, operator2):
    session = drive("feasibility_ready", creator=operator)
    body = {"note": "self-service", "feasibility_sha256": session.feasibility_sha256}
    from_api, from_page = _both_ways(
        lambda: client_for(operator2).post(f"/api/rmos/workflow/sessions/{session.pk}/approve", body, format="json"),
        lambda: page_client(operator2).post(f"/sessions/{session.pk}/approve", body),
    )
    assert (from_api.kind, from_api.status, from_api.errors[0]["code"]) == ("approval", "BLOCKED", "PERMISSION_DENIED")
    assert from_api.errors[0]["message"] == "Only the approver role may approve a session."
    assert from_api.request == {"session_id": str(session.pk), "action": "approve", "body": body}
    assert _record(from_page) == _record(from_api)


def test_an_auditor_posting_a_job_leaves_the_same_artifact_from_api_and_page(auditor):
    form = {**CONTEXT, "design": json.dumps(RING)}
    from_api, from_page = _both_ways(
        lambda: client_for(auditor).post("/api/rmos/toolpaths", JOB, format="json"),
        lambda: page_client(auditor).post("/runs/new", form),
    )
    assert (from_api.kind, from_api.status, from_api.actor) == ("toolpaths", "BLOCKED", auditor.username)
    assert from_api.errors == [{"code": "PERMISSION_DENIED", "message": "Only operators may run jobs."}]
    assert _record(from_page) == _record(from_api)


def test_an_approval_in_the_wrong_state_leaves_the_same_artifact_from_api_and_page(operator, approver):
    session = drive("context_ready", creator=operator)
    body = {"note": "too early"}
    from_api, from_page = _both_ways(
        lambda: client_for(approver).post(f"/api/rmos/workflow/sessions/{session.pk}/approve", body, format="json"),
        lambda: page_client(approver).post(f"/sessions/{session.pk}/approve", body),
    )
    assert (from_api.status, from_api.errors[0]["code"], from_api.session_id) == (
        "BLOCKED",
        "TRANSITION_BLOCKED",
        str(session.pk),
    )
    assert _record(from_page) == _record(from_api)


# --- a feasibility job naming a session is held to it, as a toolpaths job is ----------------------------

FEASIBILITY = "/api/rmos/feasibility"


def _feasibility(user, session_id: str):
    return client_for(user).post(FEASIBILITY, {**JOB, "session_id": session_id}, format="json")


@pytest.mark.parametrize("session_id", ["00000000-0000-4000-8000-000000000000", "not-a-session"])
def test_feasibility_naming_no_session_is_404_with_a_blocked_artifact(operator, session_id):
    response = _feasibility(operator, session_id)
    assert response.status_code == 404
    body = response.json()
    assert body["error"] == "SESSION_NOT_FOUND"
    artifact = RunArtifact.objects.get()
    assert (artifact.run_id, artifact.kind, artifact.status) == (body["run_id"], "feasibility", "BLOCKED")
    assert artifact.session_id == ("" if session_id == "not-a-session" else session_id)
    assert artifact.errors[0]["code"] == "SESSION_NOT_FOUND"


@pytest.mark.parametrize("state", ["archived", "feasibility_ready", "approved", "draft"])
def test_feasibility_naming_a_session_not_ready_for_it_is_409_and_the_session_untouched(
    operator, operator2, approver, state
):
    session = drive(state, creator=operator, approver=approver)
    events = session.events.count()
    response = _feasibility(operator2, str(session.pk))  # another operator's session, too
    assert response.status_code == 409
    body = response.json()
    assert (body["error"], body["state"], body["session_id"]) == ("TRANSITION_BLOCKED", state, str(session.pk))
    artifact = RunArtifact.objects.get(run_id=body["run_id"])
    assert (artifact.kind, artifact.status, artifact.session_id) == ("feasibility", "BLOCKED", str(session.pk))
    assert WorkflowSession.objects.get(pk=session.pk).state == state
    assert session.events.count() == events


def test_feasibility_naming_a_session_ready_for_it_is_linked_and_leaves_its_state(operator):
    session = drive("context_ready", creator=operator)
    response = _feasibility(operator, str(session.pk).upper().replace("-", ""))
    assert response.status_code == 200, response.json()
    artifact = RunArtifact.objects.get(run_id=response.json()["run_id"])
    assert (artifact.kind, artifact.status, artifact.session_id) == ("feasibility", "OK", str(session.pk))
    assert WorkflowSession.objects.get(pk=session.pk).state == "context_ready"


def test_feasibility_naming_a_session_by_a_non_operator_is_403_before_the_session_is_read(approver):
    response = _feasibility(approver, "00000000-0000-4000-8000-000000000000")
    assert (response.status_code, response.json()["error"]) == (403, "PERMISSION_DENIED")
    assert RunArtifact.objects.get().errors[0]["code"] == "PERMISSION_DENIED"


@pytest.mark.parametrize("path", [FEASIBILITY, "/api/rmos/toolpaths"])
def test_a_refused_read_of_a_job_endpoint_writes_nothing(approver, outsider, operator, path):
    """Only a POST reaches the service that records; another method is answered by the role check alone."""
    assert client_for(approver).get(path).status_code == 403
    assert client_for(outsider).get(path).status_code == 403
    assert client_for(operator).get(path).status_code == 405
    assert not RunArtifact.objects.exists()
