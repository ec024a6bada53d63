"""The pages' Content-Security-Policy, the absence of anything inline it would block, navigation by role, and
the admin and /api/docs still working beside them."""

import re

import pytest

from rmos_site.core.csp import POLICY
from tests.pages.conftest import drive, job, page_client, visible

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


@pytest.fixture
def every_page(operator, approver):
    blocked, allowed = job(operator, cut={"rpm": 60000}), job(operator)
    session = drive("feasibility_ready", creator=operator)
    approved = drive("approved", creator=operator, approver=approver)
    return [
        "/",
        "/runs",
        "/runs?status=NOPE",
        f"/runs/{allowed.run_id}",
        f"/runs/{allowed.run_id}/drawing",
        f"/runs/{blocked.run_id}",
        f"/runs/{approved.approval_run_id}",
        f"/sessions/{approved.pk}",
        "/runs/new",
        "/runs/run_bad",
        f"/runs/diff?a={allowed.run_id}&b={blocked.run_id}&all=1",
        "/runs/diff",
        "/sessions",
        f"/sessions/{session.pk}",
        "/sessions/unknown",
        "/no/such/page",
    ]


@pytest.mark.parametrize("persona", ["operator", "approver"])
def test_every_page_has_the_csp_and_nothing_inline(request, every_page, persona):
    client = page_client(request.getfixturevalue(persona))
    for path in every_page:
        response = client.get(path)
        assert response["Content-Security-Policy"] == POLICY, path
        html = response.content.decode()
        assert "style=" not in html, path
        assert "<style" not in html, path
        assert not INLINE_SCRIPT.search(html), path
        assert not EVENT_HANDLER.search(html), path
        assert "javascript:" not in html, path


def test_login_page_has_the_csp(anon_page):
    response = anon_page.get("/accounts/login/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == POLICY
    assert "style=" not in response.content.decode()


def test_policy_is_the_one_asked_for():
    assert POLICY == (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"
    )


def test_admin_and_swagger_ui_keep_working_without_the_policy(admin_user, operator):
    admin = page_client(admin_user)
    response = admin.get("/admin/")
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response
    docs = page_client(operator).get("/api/docs")
    assert docs.status_code == 200
    assert "Content-Security-Policy" not in docs
    assert "swagger-ui" in docs.content.decode()


def test_api_json_is_left_alone(operator_client):
    response = operator_client.get("/api/rmos/runs")
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response


def test_static_script_and_stylesheet_are_served(anon_page):
    for path, marker in (("/static/rmos/rmos.js", b"setUpCopyButtons"), ("/static/rmos/rmos.css", b".badge")):
        response = anon_page.get(path)
        assert response.status_code == 200
        assert marker in b"".join(response.streaming_content)
        response.close()


@pytest.mark.parametrize(
    ("persona", "links", "absent"),
    [
        ("operator", ["Dashboard", "Runs", "Sessions", "API docs"], ["Admin", "Awaiting approval", "Refusals"]),
        ("approver", ["Dashboard", "Runs", "Sessions", "Awaiting approval", "Admin"], ["Refusals"]),
        ("auditor", ["Dashboard", "Runs", "Sessions", "Refusals", "Admin"], ["Awaiting approval"]),
        ("admin_user", ["Dashboard", "Runs", "Sessions", "Admin"], ["Awaiting approval", "Refusals"]),
    ],
)
def test_navigation_by_role(db, request, persona, links, absent):
    html = page_client(request.getfixturevalue(persona)).get("/").content.decode()
    nav = visible_nav(html)
    for link in links:
        assert link in nav, link
    for link in absent:
        assert link not in nav, link
    assert 'aria-current="page">Dashboard' in html


def test_outsider_sees_no_rmos_navigation(outsider_page):
    nav = visible_nav(outsider_page.get("/").content.decode())
    assert "Runs" not in nav
    assert "Sessions" not in nav


def test_logout_is_a_post_form_with_csrf(operator_page):
    html = operator_page.get("/").content.decode()
    logout = re.search(r'<form class="logout" method="post" action="/accounts/logout/">(.*?)</form>', html, re.S)
    assert logout is not None
    assert 'name="csrfmiddlewaretoken"' in logout.group(1)
    response = operator_page.post("/accounts/logout/")
    assert response.status_code == 302
    assert operator_page.get("/").status_code == 302


def test_every_page_form_that_posts_carries_a_csrf_token(operator, approver):
    session = drive("feasibility_ready", creator=operator)
    for user, path in ((operator, "/"), (operator, "/sessions"), (approver, f"/sessions/{session.pk}")):
        html = page_client(user).get(path).content.decode()
        forms = re.findall(r'<form[^>]*method="post"[^>]*>(.*?)</form>', html, re.S)
        assert forms
        for body in forms:
            assert 'name="csrfmiddlewaretoken"' in body


def test_error_pages_are_html_for_pages_and_problems_for_the_api(auditor_page):
    page = auditor_page.get("/nowhere")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")
    assert "There is no page at this address." in visible(page)
    api = auditor_page.get("/api/nowhere")
    assert api["Content-Type"] == "application/problem+json"


def visible_nav(html: str) -> str:
    nav = re.search(r'<nav class="nav"[^>]*>(.*?)</nav>', html, re.S)
    return re.sub(r"<[^>]+>", " ", nav.group(1)) if nav else ""
