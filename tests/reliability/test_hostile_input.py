"""Hostile input on the list filters and the write endpoints: never a 500, never a changed table.

Run ids in paths (traversal, encodings, NUL) are covered by ``tests/runs/test_detail_api.py``.
"""

import json

import pytest
from django.core.management import call_command
from django.db import connection

from runs.models import RunArtifact
from runs.selectors import LIST_FILTERS
from tests.reliability.conftest import ROUTER_RING
from tests.runs.factories import record
from workflow import services as workflow_services
from workflow.models import TransitionEvent, WorkflowSession

HOSTILE = [
    "' OR 1=1 --",
    "'; DROP TABLE runs_runartifact; --",
    '"; DROP TABLE workflow_workflowsession; --',
    "%00",
    "\x00",
    "run\x00id",
    "%27%20OR%20%271%27%3D%271",
    "*",
    "%",
    "_",
    "\\",
    "ébène ☃ 𝄞",
    "\u202egnp.exe",
    "A" * 5000,
    "1e309",
    "-1",
    "9" * 30,
]
RUN_PARAMETERS = [*LIST_FILTERS, "date_from", "date_to", "limit", "cursor"]
SESSION_PARAMETERS = ["state", "mode", "created_by", "limit", "cursor"]


@pytest.fixture
def ledger(db, operator):
    record()
    record(tool_id="router:other", status="BLOCKED")
    workflow_services.session_create(actor=operator)
    return RunArtifact.objects.count(), WorkflowSession.objects.count(), TransitionEvent.objects.count()


def _tables_intact(before):
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('runs_runartifact'), to_regclass('workflow_workflowsession')")
        assert all(cursor.fetchone())
    assert (RunArtifact.objects.count(), WorkflowSession.objects.count(), TransitionEvent.objects.count()) == before
    call_command("verify_runs", verbosity=0)


@pytest.mark.parametrize(("url", "parameters"), [
    ("/api/rmos/runs", RUN_PARAMETERS),
    ("/api/rmos/workflow/sessions", SESSION_PARAMETERS),
])  # fmt: skip
def test_hostile_strings_in_every_list_filter_are_200_or_400(auditor_client, ledger, url, parameters):
    answers = {}
    for name in parameters:
        for value in HOSTILE:
            for query in ({name: value}, {name: [value, "x"]}):
                response = auditor_client.get(url, query)
                answers[(name, value, str(query))] = response.status_code
                assert response.status_code in (200, 400), (name, value, response.content[:300])
                if response.status_code == 400:
                    assert response["Content-Type"] == "application/problem+json"
                    assert response.json()["error"] in ("VALIDATION_ERROR", "INVALID_CURSOR")
    # The injection strings were taken as plain values: the filters they went into matched nothing.
    injected = auditor_client.get(url, {parameters[0]: "' OR 1=1 --"})
    assert injected.status_code == 400 or injected.json()["items"] == []
    _tables_intact(ledger)


TRAVERSALS = ["..", "%2e%2e", "..%2F..%2Fsettings.py", "run_..%2F..", "%00", "%2Fetc%2Fpasswd",
              "run_" + "0" * 32 + "%0A", "RUN_" + "0" * 32]  # fmt: skip


@pytest.mark.parametrize("run_id", TRAVERSALS)
def test_path_traversal_on_the_run_preview_is_400(auditor_client, run_id):
    # The detail and download are covered in tests/runs; the preview route came later.
    response = auditor_client.get(f"/api/rmos/runs/{run_id}/preview.svg")
    assert (response.status_code, response.json()["error"]) == (400, "INVALID_RUN_ID")


def test_hostile_strings_in_the_raw_query_string_are_200_or_400(auditor_client, ledger):
    for raw in ("tool_id=%00", "tool_id=%ED%A0%80", "tool_id=%FF%FE", "status=OK&status=%27", "limit=%00",
                "date_from=2025-02-30", "date_from=0000-01-01", "cursor=%00", "&&&==", "tool_id"):  # fmt: skip
        response = auditor_client.get(f"/api/rmos/runs?{raw}")
        assert response.status_code in (200, 400), (raw, response.content[:300])
        response = auditor_client.get(f"/api/rmos/workflow/sessions?{raw.replace('tool_id', 'created_by')}")
        assert response.status_code in (200, 400), (raw, response.content[:300])
    _tables_intact(ledger)


@pytest.mark.parametrize("url", ["/api/rmos/feasibility", "/api/rmos/toolpaths"])
@pytest.mark.parametrize("hostile", ["' OR 1=1 --", "'; DROP TABLE runs_runartifact; --", "\x00", "\ud800"])
def test_hostile_strings_in_job_bodies_are_recorded_not_executed(operator_client, ledger, url, hostile):
    body = {**ROUTER_RING, "tool_id": hostile, "session_id": "", "cut": {"rpm": 12000}}
    response = operator_client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code in (200, 400, 409), response.content[:300]
    artifacts, sessions, events = ledger
    _tables_intact((artifacts + 1, sessions, events))


# Every endpoint that takes a body. The limit is lowered for the test; the parser refuses before reading.
BODY_ENDPOINTS = [
    "/api/rmos/feasibility",
    "/api/rmos/toolpaths",
    "/api/rmos/workflow/sessions",
    "/api/rmos/workflow/approve",
    *(f"/api/rmos/workflow/sessions/{{session}}/{action}"
      for action in ("design", "context", "feasibility", "approve", "reject", "revise", "toolpaths", "archive")),
]  # fmt: skip


@pytest.mark.parametrize("url", BODY_ENDPOINTS)
@pytest.mark.parametrize("body", [
    {"\ud800": 1},
    {"mode": "\udfff", "note": "\ud800", "reason": "x\udc00", "session_id": "\ud800", "tool_id": "\ud800"},
    {"design": {"shape": "\ud800", "od": 1}},
    ["\ud800"],
])  # fmt: skip
def test_unpaired_surrogates_in_bodies_are_400_never_500(db, operator, approver, url, body):
    """JSON text may escape half of a surrogate pair, which is no character: such a body is refused with a
    400 (and the job endpoints still record it, escaped)."""
    from tests.conftest import client_for

    session = workflow_services.session_create(actor=operator).session
    client = client_for(approver if url.endswith(("approve", "reject", "revise")) else operator)
    response = client.post(url.format(session=session.pk), json.dumps(body), content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    response.content.decode("utf-8")


@pytest.mark.parametrize("url", BODY_ENDPOINTS)
@pytest.mark.parametrize("key", [None, "big-1"])
def test_oversized_bodies_are_413_on_every_write_endpoint(db, operator, approver, settings, url, key):
    from tests.conftest import client_for

    settings.RMOS_MAX_BODY_BYTES = settings.RMOS_MAX_DRAWING_BODY_BYTES = 4096
    session = workflow_services.session_create(actor=operator).session
    client = client_for(approver if url.endswith(("approve", "reject", "revise")) else operator)
    body = json.dumps({**ROUTER_RING, "note": "x" * 10_000})
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    response = client.post(url.format(session=session.pk), body, content_type="application/json", **headers)
    assert response.status_code == 413, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["error"] == "PAYLOAD_TOO_LARGE"
    # Refused before anything was judged: nothing to record.
    assert not RunArtifact.objects.exists()
