"""Bodies and parameters that used to escape as 500s: numbers overflowing to infinity, JSON nested past the
recursion limit, a date at the end of the calendar, a NUL in a registry id. Each is a 400 problem body now, and
the job endpoints record it like any refused body (an ERROR artifact named by ``run_id``)."""

import json

import pytest
from django.core.management import call_command
from django.test import Client

from rmos_site.core import jsonbody
from runs.models import RunArtifact
from tests.conftest import client_for
from tests.reliability.conftest import ROUTER_RING
from workflow import services as workflow_services
from workflow.models import WorkflowSession

BODY_ENDPOINTS = [
    "/api/rmos/feasibility",
    "/api/rmos/toolpaths",
    "/api/rmos/workflow/sessions",
    "/api/rmos/workflow/approve",
    *(f"/api/rmos/workflow/sessions/{{session}}/{action}"
      for action in ("design", "context", "feasibility", "approve", "reject", "revise", "toolpaths", "archive")),
]  # fmt: skip
# The endpoints whose every authenticated call leaves an artifact, refused bodies included.
RECORDING = ("/api/rmos/feasibility", "/api/rmos/toolpaths")


def _nested(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


def _overflowing(field: str) -> str:
    """A job body with ``1e400`` (valid JSON, infinity as a float) in ``field``."""
    body = json.dumps({**ROUTER_RING, "cut": {"rpm": 12000}, "note": "n", "reason": "r"})
    marker = {"od": '"od": 100', "rpm": '"rpm": 12000', "top": '"note": "n"'}[field]
    return body.replace(marker, marker.split(":")[0] + ": 1e400")


HOSTILE_BODIES = {
    "overflow in a design number": _overflowing("od"),
    "overflow in a cut number": _overflowing("rpm"),
    "overflow at the top level": _overflowing("top"),
    "a huge integer": json.dumps({**ROUTER_RING, "design": {**ROUTER_RING["design"], "od": 10**400}}),
    "Infinity literal": '{"design": {"shape": "ring", "od": Infinity}}',
    "NaN literal": '{"score": NaN}',
    "nested 470 levels": '{"design": ' + _nested(470) + "}",
    "nested 1000 levels": '{"design": ' + _nested(1000) + "}",
    "nested 5000 levels": _nested(5000),
}


@pytest.mark.parametrize("url", BODY_ENDPOINTS)
@pytest.mark.parametrize("name", list(HOSTILE_BODIES))
def test_hostile_json_bodies_are_400_problems_never_500(db, operator, approver, url, name):
    session = workflow_services.session_create(actor=operator).session
    client = client_for(approver if url.endswith(("approve", "reject", "revise")) else operator)
    before = RunArtifact.objects.count()
    response = client.post(url.format(session=session.pk), HOSTILE_BODIES[name], content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["error"] == "MALFORMED_REQUEST"
    # Whatever was recorded is an ERROR artifact holding the body as text; nothing else was written.
    if url in RECORDING:
        assert "run_id" in problem
    if "run_id" in problem:
        artifact = RunArtifact.objects.get(run_id=problem["run_id"])
        assert artifact.status == "ERROR"
        assert artifact.errors[0]["code"] == "MALFORMED_REQUEST"
        # The body is kept as the text received, never as a decoded value.
        kept = artifact.request.get("body", artifact.request)["unparseable_body"]
        assert kept == HOSTILE_BODIES[name][:2000]
        assert RunArtifact.objects.count() == before + 1
    else:
        assert RunArtifact.objects.count() == before
    assert WorkflowSession.objects.count() == 1
    call_command("verify_runs", verbosity=0)


def test_the_reader_still_reads_what_clients_send():
    text = '{"a": [1, 2.5, -0.0, 1e300, "x", null, true], "b": {"c": {}}}'
    assert jsonbody.loads(text) == json.loads(text)
    assert jsonbody.loads(" " + _nested(jsonbody.MAX_DEPTH) + "\n") == json.loads(_nested(jsonbody.MAX_DEPTH))
    with pytest.raises(jsonbody.JSONBodyError, match="deeper"):
        jsonbody.loads(_nested(jsonbody.MAX_DEPTH + 1))
    with pytest.raises(jsonbody.JSONBodyError, match="Extra data"):
        jsonbody.loads("{} {}")


PAGE_DESIGNS = {
    "overflow": '{"shape": "ring", "od": 1e400, "width": 4, "depth": 1.5}',
    "nested 470 levels": '{"shape": ' + _nested(470) + "}",
    "nested 1000 levels": '{"shape": ' + _nested(1000) + "}",
}


@pytest.mark.parametrize("name", list(PAGE_DESIGNS))
def test_hostile_json_in_the_page_forms_is_a_message_never_500(db, operator, name):
    client = Client()
    client.force_login(operator)
    session = workflow_services.session_create(actor=operator).session
    job = {"tool_id": ROUTER_RING["tool_id"], "material_id": "ebony", "machine_id": "router_a"}
    posts = [
        ("/runs/new", {**job, "design": PAGE_DESIGNS[name]}),
        ("/sessions/new", {"mode": "design_first", "design": PAGE_DESIGNS[name]}),
        (f"/sessions/{session.pk}/design", {"design": PAGE_DESIGNS[name]}),
    ]
    for url, data in posts:
        response = client.post(url, {**data, "next": "/runs"}, follow=True)
        assert response.status_code == 200, (url, response.status_code)
        assert "Enter valid JSON" in response.content.decode(), url
    assert not RunArtifact.objects.exists()
    assert WorkflowSession.objects.count() == 1


def test_date_at_the_end_of_the_calendar_is_a_400_on_the_api_and_the_page(db, auditor, auditor_client):
    for query in ("date_to=9999-12-31", "date_from=9999-12-31", "date_from=0001-01-01&date_to=9999-12-31"):
        response = auditor_client.get(f"/api/rmos/runs?{query}")
        assert response.status_code == 400, (query, response.content[:300])
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["errors"].keys() & {"date_to", "date_from"}
        client = Client()
        client.force_login(auditor)
        assert client.get(f"/runs?{query}").status_code == 400
    # The last day that can be asked about still answers.
    assert auditor_client.get("/api/rmos/runs?date_from=0001-01-01&date_to=9999-12-30").status_code == 200


@pytest.mark.parametrize("registry", ["tools", "materials", "machines"])
@pytest.mark.parametrize("entry_id", ["%00", "a%00b", "x" * 65, "%C0", "%FF%FE", "UPPER", "a b"])
def test_malformed_registry_ids_are_400_naming_the_field(auditor_client, registry, entry_id):
    response = auditor_client.get(f"/api/rmos/registry/{registry}/{entry_id}")
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["error"] == "INVALID_ENTRY_ID"
    assert response.json()["errors"] == {"entry_id": [response.json()["detail"].split(": ", 1)[1]]}


def test_well_formed_unknown_registry_id_is_still_404(auditor_client):
    response = auditor_client.get("/api/rmos/registry/tools/router:nope")
    assert response.status_code == 404
    assert response.json()["error"] == "REGISTRY_ENTRY_NOT_FOUND"


@pytest.mark.parametrize("url", RECORDING)
@pytest.mark.parametrize("name", list(HOSTILE_BODIES))
def test_hostile_json_bodies_with_an_idempotency_key_are_400_and_replayed(operator_client, url, name):
    """The idempotency layer hashes the body before the parser sees it: the same 400, kept and replayed."""
    headers = {"HTTP_IDEMPOTENCY_KEY": f"hostile-{len(name)}"}
    first = operator_client.post(url, HOSTILE_BODIES[name], content_type="application/json", **headers)
    again = operator_client.post(url, HOSTILE_BODIES[name], content_type="application/json", **headers)
    assert first.status_code == again.status_code == 400, first.content[:300]
    assert first.json()["run_id"] == again.json()["run_id"]
    assert RunArtifact.objects.count() == 1
