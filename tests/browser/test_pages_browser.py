"""The pages in a real browser: Debian's Chromium, headless, driven by Playwright against the live server.

One operator's and one approver's afternoon, through the pages only: run a job that passes and one the
server blocks, find both with the filters, open a run and its drawing, compare the two, start a session and
request its verdict; then the approver approves it. Every page is saved as a PNG under
``test-artifacts/screenshots/`` for a person to look at. The browser refuses any inline script or style by the
pages' Content-Security-Policy, so a violation shows up here as a console error and fails the test.
"""

import re

import pytest

from runs.models import RunArtifact
from tests.browser.conftest import JOB, RING, RING_FIELDS, SCREENSHOTS, Tab
from workflow.models import WorkflowSession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def run_job(tab: Tab, **cut) -> str:
    """A rosette channel through the ring's form (the JSON box stays closed)."""
    page = tab.page
    page.goto("/")
    form = page.locator("#run-a-job form")
    for name, value in JOB.items():
        form.locator(f"select[name={name}]").select_option(value)
    form.locator("label.shape-option", has_text="Ring").click()
    for name, value in RING_FIELDS.items():
        form.locator(f"input[name={name}]").fill(value)
    if cut:
        form.locator("details.cut-overrides summary").click()
        for name, value in cut.items():
            form.locator(f"input[name={name}]").fill(str(value))
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/runs/run_[0-9a-f]{32}$"))
    return page.url.rsplit("/", 1)[1]


def test_operator_and_approver_through_the_pages(browser, shop):
    tab = Tab(browser, shop["url"])
    page = tab.page

    # Anonymous: every page sends you to the login form first.
    page.goto("/runs")
    assert "/accounts/login/" in page.url
    tab.shot("login")
    tab.log_in("op")

    # Two jobs through the "Run a job" form: one the server allows, one it blocks (the spindle too fast).
    ok_run = run_job(tab)
    assert "Run OK" in tab.message()
    blocked_run = run_job(tab, rpm=60000)
    assert "Blocked by the server's safety policy" in tab.message()
    assert RunArtifact.objects.get(run_id=ok_run).status == "OK"
    assert RunArtifact.objects.get(run_id=blocked_run).status == "BLOCKED"

    # A session, created and judged through its pages; it then waits for an approver.
    page.goto("/sessions")
    new = page.locator("#new-session form")
    new.locator("details.design-json summary").click()  # the advanced option: the design as JSON
    new.locator("textarea[name=design]").fill(RING)
    for name, value in JOB.items():
        new.locator(f"select[name={name}]").select_option(value)
    new.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/sessions/[0-9a-f-]{36}$"))
    session_url = page.url
    page.locator("form.action-feasibility button").click()
    page.wait_for_load_state()
    assert "Feasibility computed" in tab.message()
    session = WorkflowSession.objects.get(pk=session_url.rsplit("/", 1)[1])
    assert session.state == "feasibility_ready"

    page.goto("/")
    assert page.locator(f"a[href='/sessions/{session.pk}']").count() >= 1  # waiting for approval
    assert page.locator(f"a[href='/runs/{blocked_run}']").count() == 1  # among the latest blocked
    tab.shot("dashboard")

    # The filters: blocked toolpaths runs of router tools; the URL is their permalink.
    page.goto("/runs")
    tab.shot("runs_list")
    page.check("#filters input[name=status][value=BLOCKED]")
    page.check("#filters input[name=kind][value=toolpaths]")
    page.fill("#f-tool_id_prefix", "router:")
    page.click("#filters button[type=submit]")
    page.wait_for_url(re.compile(r".*/runs\?status=BLOCKED&kind=toolpaths&tool_id_prefix=router%3A$"))
    assert page.locator(".runs-table tbody tr").first.locator(f"a[href='/runs/{blocked_run}']").count() == 1
    assert page.locator(f".runs-table a[href='/runs/{ok_run}']").count() == 0

    # Both runs, and the two-run picker: A is the allowed run, B the blocked one.
    page.goto(f"/runs?kind=toolpaths&tool_id={JOB['tool_id']}&material_id=ebony&machine_id=router_a")
    assert page.is_disabled("#compare-button")  # nothing picked yet (the static script checks the picker)
    page.check(f"input[name=a][value={ok_run}]")
    assert page.is_disabled(f"input[name=b][value={ok_run}]")  # a run cannot be compared with itself
    page.check(f"input[name=b][value={blocked_run}]")
    tab.shot("runs_compare")
    page.click("#compare-button")
    page.wait_for_url(re.compile(r".*/runs/diff\?.*"))
    assert sorted(page.url.split("?", 1)[1].split("&")) == [f"a={ok_run}", f"b={blocked_run}"]
    diff_text = page.inner_text("main")
    assert "status" in diff_text
    assert "BLOCKED" in diff_text
    assert page.locator(".hash-badges .hash-differs").count() >= 1
    rpm = page.locator(".diff-table tr", has=page.locator("td.path", has_text="feasibility.cut.rpm"))
    assert rpm.locator(".delta").inner_text() == "+36000"  # 24000 from the registry, 60000 asked for
    tab.shot("diff")

    # The blocked run says why, check by check.
    page.goto(f"/runs/{blocked_run}")
    assert "RPM_TOOL_MAX" in page.inner_text(".callout-danger")
    tab.shot("run_detail_blocked")

    # The allowed run: decision, checks, hashes with copy buttons, G-code, and the drawing.
    page.goto(f"/runs/{ok_run}")
    assert page.is_visible("button.copy")  # shown by the static script; without it the hash is still selectable
    drawing = page.locator("svg.drawing")
    drawing.scroll_into_view_if_needed()
    assert drawing.bounding_box()["width"] > 300  # drawn in the page, to the card's width
    assert page.locator("details.gcode-rest summary").count() == 1
    tab.shot("run_detail")
    drawing.screenshot(path=str(SCREENSHOTS / "run_drawing.png"))

    # The approver approves the session the operator created (four eyes).
    page.click("form.logout button")
    page.wait_for_url(re.compile(r".*/accounts/login/"))
    tab.log_in("appr")
    page.goto("/sessions")
    tab.shot("sessions_list")
    page.click("nav a:text('Awaiting approval')")
    page.wait_for_url(re.compile(r".*/sessions\?state=feasibility_ready$"))
    assert page.locator(".sessions-table tbody tr").count() == 1
    assert page.locator(f".sessions-table a[href='/sessions/{session.pk}']").count() == 1
    page.goto(session_url)
    assert page.locator("form.action-approve").count() == 1
    assert page.locator("form.action-feasibility").count() == 0  # only the approver's actions are offered
    page.fill("#id_approve_note", "Checked the ring against the drawing.")
    tab.shot("session_detail")
    page.click("form.action-approve button")
    page.wait_for_load_state()
    assert "Approved" in tab.message()
    session.refresh_from_db()
    assert session.state == "approved"
    assert session.approved_by == shop["approver"]
    tab.shot("session_approved")

    assert tab.errors == []
    tab.close()

    # Without JavaScript the pages still do their work: the picker is two radio groups and a plain button.
    plain = Tab(browser, shop["url"], javascript=False)
    plain.log_in("appr")
    plain.page.goto("/runs?kind=toolpaths")
    assert plain.page.is_enabled("#compare-button")
    plain.page.check(f"input[name=a][value={blocked_run}]")
    plain.page.check(f"input[name=b][value={ok_run}]")
    plain.page.click("#compare-button")
    plain.page.wait_for_url(re.compile(r".*/runs/diff\?.*"))
    assert "differences" in plain.page.inner_text("main h2")
    plain.page.goto(f"/runs/{ok_run}")
    assert plain.page.locator("button.copy").first.is_hidden()  # nothing that would not work
    assert len(plain.page.inner_text("#hash-gcode_sha256")) == 64  # the hash itself is there to select
    assert plain.errors == []
    plain.close()
