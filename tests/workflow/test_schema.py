"""The OpenAPI document lists every workflow endpoint, and the declared session schema is the one answered."""

from tests.workflow.test_sessions_api import REPRESENTATION_KEYS
from workflow.serializers import EventSerializer, SessionSerializer


def test_schema_has_every_workflow_operation(auditor_client):
    paths = auditor_client.get("/api/schema").json()["paths"]
    assert "/api/rmos/workflow/sessions" in paths
    assert set(paths["/api/rmos/workflow/sessions"]) >= {"get", "post"}
    assert "post" in paths["/api/rmos/workflow/approve"]
    assert "get" in paths["/api/rmos/workflow/sessions/{session_id}/events"]
    for action in ("design", "context", "feasibility", "approve", "reject", "revise", "toolpaths", "archive"):
        assert "post" in paths[f"/api/rmos/workflow/sessions/{{session_id}}/{action}"], action


def test_declared_serializers_match_the_representations():
    assert list(SessionSerializer().fields) == REPRESENTATION_KEYS
    assert list(EventSerializer().fields) == [
        "at",
        "actor",
        "role",
        "action",
        "from_state",
        "to_state",
        "note",
        "run_id",
    ]
