"""The list pages cost the same number of queries with 5 rows as with 50: no per-row queries."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.pages.conftest import drive, page_client, record

ROW = re.compile(r"<tr>\s*<td")


def queries_for(client, path: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def runs(count: int, session) -> None:
    # A mix of kinds, statuses and risks, some linked to a workflow session (the page links those).
    for index in range(count):
        record(
            status=("OK", "BLOCKED", "ERROR")[index % 3],
            risk_level=("GREEN", "RED", "")[index % 3],
            session_id=str(session.pk) if index % 2 else "",
            errors=[{"code": "SAFETY_BLOCKED", "message": "too fast"}] if index % 3 == 1 else [],
        )


def sessions(count: int, operator, approver) -> None:
    for index in range(count):
        drive(("feasibility_ready", "approved", "draft")[index % 3], creator=operator, approver=approver)


@pytest.mark.parametrize("persona", ["operator", "auditor"])
def test_runs_page_queries_do_not_grow_with_rows(request, operator, django_assert_max_num_queries, persona):
    client = page_client(request.getfixturevalue(persona))
    session = drive("draft", creator=operator)
    runs(5, session)
    small, html = queries_for(client, "/runs")
    assert len(ROW.findall(html)) == 5
    runs(45, session)
    with django_assert_max_num_queries(small):
        large, html = queries_for(client, "/runs")
    assert len(ROW.findall(html)) == 50
    assert large == small


def test_sessions_page_queries_do_not_grow_with_rows(operator, approver, django_assert_max_num_queries):
    client = page_client(operator)
    sessions(5, operator, approver)
    small, html = queries_for(client, "/sessions")
    assert len(ROW.findall(html)) == 5
    sessions(45, operator, approver)
    with django_assert_max_num_queries(small):
        large, html = queries_for(client, "/sessions")
    assert len(ROW.findall(html)) == 50
    assert large == small


@pytest.mark.parametrize("persona", ["operator", "approver"])
def test_dashboard_queries_do_not_grow_with_runs_or_sessions(
    request, operator, approver, django_assert_max_num_queries, persona
):
    client = page_client(request.getfixturevalue(persona))
    session = drive("draft", creator=operator)
    runs(5, session)
    sessions(5, operator, approver)
    # Each measured view comes right after one that stored the week's closed hours (runs.rollup): an hour
    # that closes in between (the clock passing the hour while the runs are written) costs one view more.
    queries_for(client, "/")
    small, _ = queries_for(client, "/")
    runs(45, session)
    sessions(45, operator, approver)
    queries_for(client, "/")
    with django_assert_max_num_queries(small):
        large, html = queries_for(client, "/")
    assert large == small
    assert "Sessions waiting for approval" in html


@pytest.mark.parametrize(
    ("persona", "path", "expected"),
    [
        # 3 for the login session, the user and its roles; 3 for the registry's ids (the filters' suggestions,
        # the forms' selects); then the page's own: the run index and the designs of its rows, by their ids (2);
        # the session list (1); the dashboard's counts (3: the newest artifact's time, the stored hours, the
        # live count), latest blocked runs, sessions awaiting approval and sessions by state (6).
        ("auditor", "/runs", 8),
        ("auditor", "/sessions", 4),
        ("operator", "/sessions", 7),
        ("auditor", "/", 9),
        ("operator", "/", 12),
    ],
)
def test_what_each_page_costs(request, operator, django_assert_num_queries, persona, path, expected):
    """So that a change adding a query to a page is noticed."""
    client = page_client(request.getfixturevalue(persona))
    session = drive("feasibility_ready", creator=operator)
    runs(3, session)
    assert client.get(path).status_code == 200  # the dashboard's first view stores the week's closed hours
    with django_assert_num_queries(expected):
        assert client.get(path).status_code == 200
