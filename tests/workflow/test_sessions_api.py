"""Create, list, read and the event log of sessions over the API; the seed's workflow tests among them."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import client_for, make_user
from tests.workflow.conftest import CONTEXT, RING, drive
from workflow.models import WorkflowSession

SESSIONS = "/api/rmos/workflow/sessions"
REPRESENTATION_KEYS = [
    "session_id", "mode", "state", "next_step", "design", "context", "feasibility", "approval", "allowed_actions",
    "events_count", "created_by", "created_at", "updated_at",
]  # fmt: skip


def _create(client, body=None):
    response = client.post(SESSIONS, body or {}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


# --- the seed's workflow tests ---------------------------------------------------------------------------


def test_workflow_create_session(operator_client):
    # The seed's own body: mode plus a top-level tool_id.
    body = _create(operator_client, {"mode": "design_first", "tool_id": "saw:thin_140"})
    assert body["state"] == "draft"
    assert body["mode"] == "design_first"
    # The seed's answer to this very body.
    assert body["next_step"] == "Set context (and ensure design exists) to proceed."
    assert body["context"] == {"tool_id": "saw:thin_140"}
    uuid.UUID(body["session_id"])


def test_workflow_create_empty_session_next_step_is_the_seeds(operator_client):
    body = _create(operator_client)
    assert list(body) == REPRESENTATION_KEYS
    assert body["state"] == "draft"
    assert body["next_step"] == "Set context (and ensure design exists) to proceed."
    assert body["feasibility"] is None
    assert body["approval"] is None
    assert body["created_by"] == "op"
    assert body["events_count"] == 1
    assert body["allowed_actions"] == ["design", "context", "archive"]


def test_workflow_get_session(operator_client, auditor_client):
    created = _create(operator_client)
    response = auditor_client.get(f"{SESSIONS}/{created['session_id']}")
    assert response.status_code == 200
    body = response.json()
    assert body["session_id"] == created["session_id"]
    assert body["state"] == "draft"
    assert body["allowed_actions"] == []  # an auditor changes nothing


def test_workflow_session_not_found(operator_client):
    response = operator_client.get(f"{SESSIONS}/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["error"] == "SESSION_NOT_FOUND"


@pytest.mark.parametrize("bad", ["abc123-def456", "not-a-uuid", "..", "0" * 36, "x" * 300])
def test_workflow_malformed_session_id_is_404(operator_client, bad):
    response = operator_client.get(f"{SESSIONS}/{bad}")
    assert response.status_code == 404
    assert response.json()["error"] == "SESSION_NOT_FOUND"


def test_workflow_approve_requires_feasibility(operator_client, approver_client):
    created = _create(operator_client, {"design": RING, "context": CONTEXT})
    assert created["state"] == "context_ready"
    response = approver_client.post(
        "/api/rmos/workflow/approve", {"session_id": created["session_id"], "note": "go"}, format="json"
    )
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "TRANSITION_BLOCKED"
    assert body["state"] == "context_ready"
    assert body["session_id"] == created["session_id"]
    assert body["run_id"].startswith("run_")  # the refused approval is on the ledger


# --- create ----------------------------------------------------------------------------------------------


def test_create_with_design_and_context_is_context_ready_with_three_events(operator_client):
    body = _create(operator_client, {"mode": "constraint_first", "design": RING, "context": CONTEXT})
    assert body["state"] == "context_ready"
    assert body["mode"] == "constraint_first"
    assert body["design"]["od"] == 100
    assert body["context"] == CONTEXT
    assert body["events_count"] == 3
    assert body["next_step"] == "Request feasibility to proceed."


@pytest.mark.parametrize(
    "body",
    [
        {"mode": "turbo"},
        {"mode": 1},
        {"actor": "someone"},
        {"state": "approved"},
        {"design": {"shape": "hexagon"}},
        {"design": "ring"},
        {"design": {"shape": "ring", "od": "wide"}},
        {"design": {"shape": "ring", "od": 100, "colour": "red"}},
        {"context": {"tool_id": "t", "material_id": "m"}},
        {"context": {"tool_id": "t", "material_id": "m", "machine_id": 7}},
        {"context": {"tool_id": "t", "material_id": "m", "machine_id": "c", "extra": 1}},
        {"context": {"tool_id": "", "material_id": "m", "machine_id": "c"}},
        {"context": CONTEXT, "tool_id": "x"},
        {"tool_id": ["a"]},
        [],
        "text",
    ],
)
def test_create_bad_body_is_400_problem(operator_client, body):
    response = operator_client.post(SESSIONS, body, format="json")
    assert response.status_code == 400, response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["error"] == "VALIDATION_ERROR"
    assert not WorkflowSession.objects.exists()


def test_create_malformed_json_is_400_problem(operator_client):
    response = operator_client.post(SESSIONS, data='{"mode": ', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "MALFORMED_REQUEST"


def test_create_unknown_registry_ids_are_accepted(operator_client):
    # The engine answers UNKNOWN for them at feasibility, which then blocks approval.
    body = _create(operator_client, {"context": {"tool_id": "nope", "material_id": "nope", "machine_id": "nope"}})
    assert body["context"]["tool_id"] == "nope"


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anon_client", 401), ("outsider_client", 403), ("auditor_client", 403), ("approver_client", 403)],
)
def test_create_needs_an_operator(request, persona, status):
    response = request.getfixturevalue(persona).post(SESSIONS, {}, format="json")
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"


def test_sessions_collection_other_methods_are_405(operator_client):
    assert operator_client.put(SESSIONS, {}, format="json").status_code == 405
    assert operator_client.delete(SESSIONS).status_code == 405


def test_session_detail_auth_and_methods(db, operator_client, anon_client, outsider_client):
    url = f"{SESSIONS}/{_create(operator_client)['session_id']}"
    assert anon_client.get(url).status_code == 401
    assert outsider_client.get(url).status_code == 403
    for method in ("post", "put", "patch", "delete"):
        response = getattr(operator_client, method)(url, {}, format="json")
        assert response.status_code == 405, method
        assert response.json()["error"] == "METHOD_NOT_ALLOWED"


# --- list ------------------------------------------------------------------------------------------------


def test_list_newest_first_with_keyset_cursor(operator_client, auditor_client):
    ids = [_create(operator_client)["session_id"] for _ in range(5)]
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = auditor_client.get(SESSIONS, params).json()
        seen += [item["session_id"] for item in body["items"]]
        assert all(list(item) == REPRESENTATION_KEYS for item in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))


def test_list_filters_or_within_and_across(db, fake_engine, operator, operator2, approver, auditor_client):
    a = drive("draft", creator=operator)
    b = drive("context_ready", creator=operator)
    c = drive("feasibility_ready", creator=operator2)
    d = drive("approved", creator=operator2, approver=approver)

    def ids(query: str) -> set[str]:
        response = auditor_client.get(f"{SESSIONS}?{query}")
        assert response.status_code == 200, response.json()
        return {item["session_id"] for item in response.json()["items"]}

    assert ids("state=draft&state=approved") == {str(a.pk), str(d.pk)}
    assert ids("created_by=op2") == {str(c.pk), str(d.pk)}
    assert ids("created_by=op2&state=approved") == {str(d.pk)}
    assert ids("created_by=op&created_by=op2&state=context_ready") == {str(b.pk)}
    assert ids("mode=ai_assisted") == set()
    assert ids("created_by=nobody") == set()


@pytest.mark.parametrize(
    "query", ["state=flying", "mode=turbo", "limit=ten", "cursor=garbage", "colour=red", "limit=1&limit=x"]
)
def test_list_bad_query_is_400(operator_client, query):
    response = operator_client.get(f"{SESSIONS}?{query}")
    assert response.status_code == 400
    expected = "INVALID_CURSOR" if query.startswith("cursor") else "VALIDATION_ERROR"
    assert response.json()["error"] == expected


def test_list_cursor_of_other_filters_is_400(operator_client):
    for _ in range(3):
        _create(operator_client)
    cursor = operator_client.get(SESSIONS, {"limit": 1}).json()["next_cursor"]
    response = operator_client.get(SESSIONS, {"limit": 1, "cursor": cursor, "state": "draft"})
    assert response.status_code == 400
    assert response.json()["error"] == "INVALID_CURSOR"


@pytest.mark.parametrize(("limit", "expected"), [("0", 1), ("-5", 1), ("1000", 3), ("2", 2)])
def test_list_limit_is_clamped(operator_client, limit, expected):
    for _ in range(3):
        _create(operator_client)
    assert len(operator_client.get(SESSIONS, {"limit": limit}).json()["items"]) == expected


def test_list_query_count_is_constant_in_page_size(db, fake_engine, operator, operator2, approver):
    for index in range(12):
        drive(
            "approved" if index % 2 else "context_ready",
            creator=operator if index % 3 else operator2,
            approver=approver,
        )
    client = client_for(approver)

    def queries(limit: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(SESSIONS, {"limit": limit})
        assert response.status_code == 200
        assert len(response.json()["items"]) == limit
        return len(captured)

    assert queries(2) == queries(12)


def test_list_auth(db, anon_client, outsider_client, auditor_client):
    assert anon_client.get(SESSIONS).status_code == 401
    assert outsider_client.get(SESSIONS).status_code == 403
    assert auditor_client.get(SESSIONS).status_code == 200


# --- events ----------------------------------------------------------------------------------------------


def test_events_oldest_first_with_contract_keys(db, fake_engine, operator, approver):
    session = drive("approved", creator=operator, approver=approver)
    response = client_for(approver).get(f"{SESSIONS}/{session.pk}/events")
    assert response.status_code == 200
    events = response.json()["events"]
    assert [e["action"] for e in events] == [
        "create", "design", "context", "feasibility", "feasibility_complete", "approve",
    ]  # fmt: skip
    assert all(list(e) == ["at", "actor", "role", "action", "from_state", "to_state", "note", "run_id"] for e in events)
    assert events[0]["from_state"] is None
    assert events[0]["to_state"] == "draft"
    assert events[-1] == {
        **events[-1],
        "actor": "appr",
        "role": "approver",
        "from_state": "feasibility_ready",
        "to_state": "approved",
        "note": "ok",
    }
    assert events[-1]["run_id"] == session.approval_run_id
    assert events[4]["run_id"] == session.feasibility_run_id


def test_events_auth_404_405(db, operator_client, anon_client, outsider_client):
    url = f"{SESSIONS}/{_create(operator_client)['session_id']}/events"
    assert anon_client.get(url).status_code == 401
    assert outsider_client.get(url).status_code == 403
    assert operator_client.post(url, {}, format="json").status_code == 405
    assert operator_client.get(f"{SESSIONS}/{uuid.uuid4()}/events").json()["error"] == "SESSION_NOT_FOUND"


def test_unknown_action_is_404_problem(operator_client):
    url = f"{SESSIONS}/{_create(operator_client)['session_id']}/explode"
    response = operator_client.post(url, {}, format="json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_session_user_with_two_roles_reads_fine(db):
    user = make_user("both", "operator")
    from rmos_site.core.roles import grant_role

    grant_role(user, "auditor")
    response = client_for(user).get(SESSIONS)
    assert response.status_code == 200


# --- the seed's POST workflow/approve ----------------------------------------------------------------------

SEED_APPROVE = "/api/rmos/workflow/approve"


def test_seed_approve_auth_404_405(db, fake_engine, operator, approver, anon_client, auditor_client):
    session = drive("feasibility_ready", creator=operator)
    body = {"session_id": str(session.pk), "note": "ok"}
    assert anon_client.post(SEED_APPROVE, body, format="json").status_code == 401
    denied = client_for(operator).post(SEED_APPROVE, body, format="json")
    assert denied.status_code == 403
    assert auditor_client.post(SEED_APPROVE, body, format="json").status_code == 403
    client = client_for(approver)
    missing = client.post(SEED_APPROVE, {"session_id": str(uuid.uuid4()), "note": "ok"}, format="json")
    assert missing.status_code == 404
    assert missing.json()["error"] == "SESSION_NOT_FOUND"
    assert client.get(SEED_APPROVE).status_code == 405
    assert WorkflowSession.objects.get(pk=session.pk).state == "feasibility_ready"


@pytest.mark.parametrize("body", [{}, {"note": "ok"}, {"session_id": 5}, {"session_id": "x", "approve": True}])
def test_seed_approve_bad_body_is_400(db, approver_client, body):
    response = approver_client.post(SEED_APPROVE, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "VALIDATION_ERROR"


def test_seed_approve_ignores_the_body_actor(db, fake_engine, operator, approver):
    session = drive("feasibility_ready", creator=operator)
    # Naming the creator as actor must neither impersonate anyone nor trip the four-eyes rule.
    response = client_for(approver).post(
        SEED_APPROVE, {"session_id": str(session.pk), "note": "ok", "actor": "op"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["approval"]["approved_by"] == "appr"
    assert session.events.last().actor == "appr"
