"""Every page at a desk (1280 px) and on a phone (390 px): nothing scrolls sideways, and what a person at the
machine needs works there. Each page is saved as ``<name>-<width>.png`` under ``test-artifacts/screenshots/``.
"""

import hashlib
import re

import pytest
from django.contrib.admin.utils import quote

from rmos_site.core.enums import Role
from runs.models import RunArtifact
from tests.browser.conftest import JOB, SCREENSHOTS, Tab
from tests.conftest import make_user
from tests.pages.conftest import job
from tests.workflow.conftest import drive

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (390, 1280)
ZERO_ID = "run_" + "0" * 32

# The elements reaching past the right edge, to say which one overflows when a page does.
WIDEST = """() => {
  const limit = document.documentElement.clientWidth;
  return Array.from(document.querySelectorAll('body *'))
    .filter(el => el.getBoundingClientRect().right > limit + 0.5 && el.getClientRects().length)
    .slice(-5)
    .map(el => `${el.tagName.toLowerCase()}.${el.className && el.className.baseVal === undefined ? el.className : ''}`
               + ` right=${Math.round(el.getBoundingClientRect().right)}`);
}"""


def overflow(tab: Tab, name: str, width: int) -> str:
    """ "" when the page fits its window; else what sticks out. Saves the page's screenshot either way."""
    page = tab.page
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    tab.shot(f"{name}-{width}")
    return "" if scroll <= inner else f"{name} at {width}px is {scroll}px wide: {page.evaluate(WIDEST)}"


def assert_fits(tab: Tab, name: str, width: int) -> None:
    problem = overflow(tab, name, width)
    assert not problem, problem


@pytest.fixture
def pages(shop):
    """Every kind of page, with the data that makes each one as long and as wide as it gets."""
    operator, approver = shop["operator"], shop["approver"]
    # A Fender-scale fret board slotted with the fret end mill on the router's fret-board jig (its default
    # fixture: work zero on the nut line).
    fret_board = {"shape": "fret_slots", "scale_length": 648, "depth": 1.8}
    ok = job(operator, **{**JOB, "tool_id": "router:fret_0_58mm"}, design=fret_board)
    assert ok.status == "OK", ok.errors
    blocked = job(operator, **JOB, design={"shape": "ring", "od": 120, "width": 8, "depth": 2}, cut={"rpm": 60000})
    # A ring channel narrower than the 1/4 in bit: RED, with the tools that would cut it on asking.
    too_wide = job(
        operator, **{**JOB, "tool_id": "router:upcut_1_4in"}, design={"shape": "ring", "od": 100, "width": 4}
    )
    waiting = drive("feasibility_ready", creator=operator)
    approved = drive("approved", creator=operator, approver=approver)
    editable = drive("context_ready", creator=operator)
    operator_pages = {
        "dashboard": "/",
        "runs_list": "/runs",
        "run_detail": f"/runs/{ok.run_id}",
        "run_detail_blocked": f"/runs/{blocked.run_id}",
        "run_other_tools": f"/runs/{too_wide.run_id}?alternatives=1",
        "run_drawing_page": f"/runs/{ok.run_id}/drawing",
        "run_approval": f"/runs/{approved.approval_run_id}",
        "diff": f"/runs/diff?a={ok.run_id}&b={blocked.run_id}&all=1",
        "sessions_list": "/sessions",
        "session_editable": f"/sessions/{editable.pk}",
        "error_400": "/runs/run_bad",
        "error_404_run": f"/runs/{ZERO_ID}",
        "error_404": "/no/such/page",
        "error_405": "/runs/new",
    }
    approver_pages = {"session_to_approve": f"/sessions/{waiting.pk}", "session_approved": f"/sessions/{approved.pk}"}
    admin_pages = {
        "admin_session": f"/admin/workflow/workflowsession/{approved.pk}/change/",
        "admin_artifact": f"/admin/runs/runartifact/{quote(ok.run_id)}/change/",
    }
    return {"operator": operator_pages, "appr": approver_pages, "adm": admin_pages, "ok": ok.run_id}


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_fits_the_screen(browser, shop, pages, width):
    admin = make_user("adm", Role.ADMIN)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    anonymous = Tab(browser, shop["url"], width=width)
    anonymous.page.goto("/accounts/login/")
    problems = [overflow(anonymous, "login", width)]
    anonymous.close()
    for username in ("op", "appr", "adm"):
        tab = Tab(browser, shop["url"], width=width)
        tab.log_in(username)
        for name, path in pages[{"op": "operator"}.get(username, username)].items():
            tab.page.goto(path)
            problems.append(overflow(tab, name, width))
            if name.startswith("error_"):
                # The browser logs an error page's status as a failed load; anything else is a fault.
                tab.errors = [error for error in tab.errors if not error.startswith("Failed to load resource")]
        # The admin is Django's (it asks for a /favicon.ico nobody serves); RMOS's pages must log nothing.
        assert username == "adm" or tab.errors == [], (username, tab.errors)
        tab.close()
    problems = [problem for problem in problems if problem]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_refused_job_keeps_everything_typed(browser, shop, width):
    tab = Tab(browser, shop["url"], width=width)
    tab.log_in("op")
    page = tab.page
    before = RunArtifact.objects.count()
    form = page.locator("#run-a-job form")
    for name, value in JOB.items():
        form.locator(f"select[name={name}]").select_option(value)
    form.locator("label.shape-option", has_text="Fret slots").click()
    form.locator("input[name=fret_slots__scale_length]").fill("648")
    # The sketch beside the fields shows what is typed, and the defaults of what is not (the static script).
    sketch = form.locator(".shape-fieldset[data-shape=fret_slots] svg.shape-sketch")
    assert sketch.locator("text[data-key=scale_length]").text_content() == "scale_length 648 mm"
    assert sketch.locator("text[data-key=board_width]").text_content() == "board_width 70 mm"
    form.locator("input[name=fret_slots__frets]").fill("40")  # more than a board can have
    form.locator("details.cut-overrides summary").click()
    form.locator("input[name=feed_mm_min]").fill("900")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    form = page.locator("#run-a-job form")
    for name, value in JOB.items():
        assert form.locator(f"select[name={name}]").input_value() == value
    assert form.locator("input[name=shape][value=fret_slots]").is_checked()
    assert form.locator("input[name=fret_slots__scale_length]").input_value() == "648"
    frets = form.locator("input[name=fret_slots__frets]")
    assert frets.input_value() == "40"
    assert frets.is_visible()  # the chosen shape's fields are the ones shown
    assert not form.locator("input[name=ring__od]").is_visible()
    error = form.locator(".field:has(input[name=fret_slots__frets]) .field-error")
    assert "less than or equal to 36" in error.inner_text()
    assert form.locator("input[name=feed_mm_min]").input_value() == "900"
    assert RunArtifact.objects.count() == before  # nothing was run
    assert_fits(tab, "dashboard_refused_job", width)

    # A bad JSON design, typed in the advanced box: kept as typed, the error beside it.
    form.locator("details.design-json summary").click()
    form.locator("textarea[name=design]").fill('{"shape": "ring", "od": 100,}')
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    form = page.locator("#run-a-job form")
    assert form.locator("textarea[name=design]").input_value() == '{"shape": "ring", "od": 100,}'
    assert "Enter valid JSON" in form.locator(".design-json .field-error").inner_text()
    assert form.locator("select[name=tool_id]").input_value() == JOB["tool_id"]
    assert RunArtifact.objects.count() == before
    assert tab.errors == []
    tab.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_gcode_download_is_byte_equal_to_its_hash(browser, shop, pages, width):
    run_id = pages["ok"]
    artifact = RunArtifact.objects.get(run_id=run_id)
    tab = Tab(browser, shop["url"], width=width, accept_downloads=True)
    tab.log_in("op")
    tab.page.goto(f"/runs/{run_id}")
    with tab.page.expect_download() as download_info:
        tab.page.click(f"a[href='/api/rmos/runs/{run_id}/gcode']")
    download = download_info.value
    assert download.suggested_filename == f"{run_id}.ngc"
    with open(download.path(), "rb") as saved:  # Playwright's temporary copy of the downloaded file
        data = saved.read()
    assert hashlib.sha256(data).hexdigest() == artifact.gcode_sha256
    assert tab.page.is_visible("button.copy-url")  # the copy button, shown by the static script
    assert tab.errors == []
    tab.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_approver_sees_checks_and_drawing_beside_the_approve_form(browser, shop, width):
    session = drive("feasibility_ready", creator=shop["operator"])
    tab = Tab(browser, shop["url"], width=width)
    tab.log_in("appr")
    page = tab.page
    page.goto(f"/sessions/{session.pk}")
    verdict = page.locator("#verdict")
    assert verdict.locator("h3", has_text="Checks that decide").is_visible()
    drawing = verdict.locator("svg.drawing")
    drawing.scroll_into_view_if_needed()
    box = drawing.bounding_box()
    assert box["width"] > (300 if width < 500 else 500)  # as wide as its card allows: readable on a phone
    assert page.locator("form.action-approve").is_visible()
    drawing.screenshot(path=str(SCREENSHOTS / f"session_drawing-{width}.png"))
    page.fill("#id_approve_note", "Checked the drawing and the checks.")
    page.click("form.action-approve button")
    page.wait_for_load_state()
    assert "Approved" in tab.message()
    session.refresh_from_db()
    page.goto(f"/runs/{session.approval_run_id}")
    text = page.inner_text(".approval-facts")
    assert "Approved by appr" in text
    assert "Checked the drawing and the checks." in text
    assert session.approved_feasibility_sha256 in text
    assert re.search(r"it is the verdict they were shown", text)
    tab.close()
