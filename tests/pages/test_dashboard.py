"""``/``: runs by status and risk over a day and a week, the latest refusals, sessions waiting for approval."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from runs.services import run_prepare, run_record_many
from tests.pages.conftest import CONTEXT, RING, drive, job, record, visible
from workflow import services


def test_dashboard_anonymous_redirects_to_login(anon_page):
    response = anon_page.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_dashboard_without_a_role_is_a_403_page(outsider_page):
    response = outsider_page.get("/")
    assert response.status_code == 403
    assert "No RMOS role" in visible(response)


def test_dashboard_empty_ledger(auditor_page):
    response = auditor_page.get("/")
    assert response.status_code == 200
    text = visible(response)
    assert "0 runs in the last 24 hours, 0 in the last 7 days." in text
    assert "Nothing blocked yet." in text
    assert "No session is waiting for approval." in text
    assert text.count("no runs") == 4


def test_dashboard_counts_by_status_and_risk_over_day_and_week(auditor_page):
    now = timezone.now()
    old = [run_prepare(kind="feasibility", status="OK", actor=None, request={}, risk_level="GREEN", score=90.0)]
    older = [run_prepare(kind="feasibility", status="OK", actor=None, request={}, risk_level="GREEN", score=90.0)]
    run_record_many(older, created_at=[now - timedelta(days=10)])  # outside the week
    run_record_many(old, created_at=[now - timedelta(days=3)])  # in the week, not the day
    record()
    record(status="BLOCKED", risk_level="RED", score=10.0)
    record(status="ERROR", risk_level="", score=None, feasibility=None)
    response = auditor_page.get("/")
    text = visible(response)
    assert "3 runs in the last 24 hours, 4 in the last 7 days." in text
    assert "OK 1 / 2" in text
    assert "BLOCKED 1 / 1" in text
    assert "ERROR 1 / 1" in text
    assert "GREEN 1 / 2" in text
    assert "RED 1 / 1" in text
    assert "no verdict 1 / 1" in text
    svg = response.content.decode().split('<svg class="chart"', 1)[1].split("</svg>", 1)[0]
    assert re.findall(r'<rect class="seg chart-(status-\w+|risk-\w+)"', svg) == [
        "status-OK", "status-BLOCKED", "status-ERROR",  # 24 hours
        "status-OK", "status-BLOCKED", "status-ERROR",  # 7 days
        "risk-GREEN", "risk-RED", "risk-none",
        "risk-GREEN", "risk-RED", "risk-none",
    ]  # fmt: skip
    # Each group under its own heading: the status bars are not mistaken for the risk bars.
    assert "Outcome of the runs (status)" in svg
    assert "Verdict of the server (risk)" in svg
    assert "style=" not in svg


def test_dashboard_latest_blocked_runs_with_their_reasons(operator, auditor_page):
    blocked = job(operator, cut={"rpm": 60000})
    record()
    response = auditor_page.get("/")
    html = response.content.decode()
    assert f'href="/runs/{blocked.run_id}"' in html
    assert "SAFETY_BLOCKED RPM_TOOL_MAX: 60000 rpm (client) exceeds the tool's rated maximum" in visible(response)


def test_dashboard_sessions_waiting_for_approval(operator, approver_page):
    waiting = drive("feasibility_ready", creator=operator)
    unapprovable = services.session_create(
        actor=operator, design=RING, context={**CONTEXT, "tool_id": "router:not_in_the_shop"}
    ).session
    services.session_request_feasibility(session=unapprovable, actor=operator)
    drive("draft", creator=operator)
    response = approver_page.get("/")
    html = response.content.decode()
    text = visible(response)
    assert f'href="/sessions/{waiting.pk}"' in html
    assert f'href="/sessions/{unapprovable.pk}"' in html
    assert "Sessions waiting for approval 2" in text
    assert "no: UNKNOWN and overrides disabled" in text
    assert "Review" in text


@pytest.mark.parametrize(("persona", "has_form"), [("operator_page", True), ("approver_page", False),
                                                   ("auditor_page", False)])  # fmt: skip
def test_dashboard_run_a_job_form_only_for_operators(db, request, persona, has_form):
    html = request.getfixturevalue(persona).get("/").content.decode()
    assert ('action="/runs/new"' in html) is has_form
    if has_form:
        assert '<option value="" selected>— choose —</option>' in html
        assert '<option value="router:downcut_1_8in">' in html
