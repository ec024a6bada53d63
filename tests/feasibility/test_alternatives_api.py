"""``GET /api/rmos/runs/{run_id}/alternatives``: the other tools that would pass the job a run judged, over the
API as on the run page, for every RMOS role, nothing recorded."""

import pytest

from runs.models import RunArtifact
from tests.pages.conftest import drive, job, page_client

URL = "/api/rmos/runs/{}/alternatives"
ZERO_ID = "run_" + "0" * 32


def test_a_red_run_gets_the_tools_that_would_pass_it(operator, auditor_client):
    run = job(operator, tool_id="router:upcut_1_4in")
    before = RunArtifact.objects.count()
    response = auditor_client.get(URL.format(run.run_id))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["run_id"] == run.run_id
    assert body["skipped"] is None
    assert body["tried"] == 11  # every tool of the default shop but the one the job named
    tools = [item["tool_id"] for item in body["alternatives"]]
    assert "router:downcut_1_8in" in tools
    assert "router:upcut_1_4in" not in tools
    assert {item["risk_level"] for item in body["alternatives"]} <= {"GREEN", "YELLOW"}
    # The page lists the same tools in the same order.
    page = page_client(operator).get(f"/runs/{run.run_id}", {"alternatives": "1"}).content.decode()
    assert [page.index(f'<span class="mono">{tool}</span>') for tool in tools] == sorted(
        page.index(f'<span class="mono">{tool}</span>') for tool in tools
    )
    assert RunArtifact.objects.count() == before


def test_a_green_run_or_one_that_judged_no_job_tries_nothing(operator, approver, operator_client):
    green = job(operator)
    body = operator_client.get(URL.format(green.run_id)).json()
    assert (body["tried"], body["alternatives"], body["skipped"]) == (0, [], "The run was GREEN: its own tool passes.")
    approval = drive("approved", creator=operator, approver=approver).approval_run_id
    body = operator_client.get(URL.format(approval)).json()
    assert body["skipped"].startswith("The run judged no job")


@pytest.mark.parametrize(
    ("run_id", "status", "error"), [(ZERO_ID, 404, "RUN_NOT_FOUND"), ("run_bad", 400, "INVALID_RUN_ID")]
)
def test_an_unknown_or_malformed_run_is_a_problem(operator_client, run_id, status, error):
    response = operator_client.get(URL.format(run_id))
    assert response.status_code == status
    assert response.json()["error"] == error


def test_only_rmos_roles_may_ask(operator, outsider_client, anon_client):
    run = job(operator, tool_id="router:upcut_1_4in")
    assert outsider_client.get(URL.format(run.run_id)).status_code == 403
    assert anon_client.get(URL.format(run.run_id)).status_code == 401
