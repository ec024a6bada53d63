"""An outline from a drawing, through the pages in a browser: the DXF uploaded with the job form at a desk
(1280 px) and on a phone (390 px), the run page and its drawing, which must fit the screen. Screenshots are
saved as ``outline_<page>-<width>.png`` under ``test-artifacts/screenshots/``."""

import pytest

from runs.models import RunArtifact
from tests.browser.conftest import SCREENSHOTS, Tab
from tests.browser.test_widths import WIDTHS, assert_fits
from tests.drawings import dxf_text, rounded_rect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUTLINE_JOB = {"tool_id": "router:upcut_1_4in", "material_id": "walnut", "machine_id": "router_a"}
FIELDS = {
    "outline__depth": "6",
    "outline__stock_thickness": "6",
    "outline__tabs_count": "4",
    "outline__tabs_width": "8",
    "outline__tabs_height": "2",
    "outline__x": "50",
    "outline__y": "50",
}


def outline_job_form(browser, shop, width: int):
    """The operator's "Run a job" form with the default shop's walnut job and the outline shape chosen."""
    tab = Tab(browser, shop["url"], width=width)
    tab.log_in("op")
    form = tab.page.locator("#run-a-job form")
    for name, value in OUTLINE_JOB.items():
        form.locator(f"select[name={name}]").select_option(value)
    form.locator("label.shape-option", has_text="Outline from a drawing").click()
    return tab, tab.page, form


def body_dxf() -> bytes:
    return dxf_text(lambda m, doc: rounded_rect(m, 0, 0, 120, 80, 10)).encode("utf-8")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_dxf_uploaded_through_the_job_form_is_cut_and_drawn(browser, shop, width):
    tab, page, form = outline_job_form(browser, shop, width)
    # Only the outline's fields show (CSS, no script), the file first.
    file_input = form.locator("input[name=outline__file]")
    assert file_input.is_visible()
    assert not form.locator("input[name=ring__od]").is_visible()
    assert_fits(tab, "outline_job_form", width)
    form.locator(".shape-fieldset[data-shape=outline]").screenshot(
        path=str(SCREENSHOTS / f"outline_job_fieldset-{width}.png")
    )
    file_input.set_input_files({"name": "body.dxf", "mimeType": "application/dxf", "buffer": body_dxf()})
    assert form.locator("select[name=outline__operation]").input_value() == "profile_outside"
    assert form.locator("select[name=outline__direction]").input_value() == "climb"
    for name, value in FIELDS.items():
        form.locator(f"input[name={name}]").fill(value)
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/runs/run_*")
    artifact = RunArtifact.objects.latest("created_at")
    assert (artifact.status, artifact.risk_level) == ("OK", "GREEN")
    assert "data" not in artifact.request["design"]["source"]
    assert "Run OK" in tab.message()
    drawing = page.locator("svg.drawing")
    for layer in ("path.dr-outline", "path.dr-offset", "g.dr-tabs"):  # the key draws lines, not paths
        assert drawing.locator(layer).count() == 1
    assert_fits(tab, "outline_run_detail", width)
    drawing.scroll_into_view_if_needed()
    box = drawing.bounding_box()
    assert box["width"] <= width
    drawing.screenshot(path=str(SCREENSHOTS / f"outline_drawing-{width}.png"))
    page.goto(f"/runs/{artifact.run_id}/drawing")
    assert page.locator("svg.drawing path.dr-outline").count() == 1
    assert_fits(tab, "outline_run_drawing_page", width)
    assert tab.errors == []
    tab.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_malformed_drawing_comes_back_beside_the_file_field(browser, shop, width):
    tab, page, form = outline_job_form(browser, shop, width)
    form.locator("input[name=outline__file]").set_input_files(
        {"name": "broken.dxf", "mimeType": "application/dxf", "buffer": b"0\nSECTION\n2\nENTITIES\n"}
    )
    for name, value in FIELDS.items():
        form.locator(f"input[name={name}]").fill(value)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    form = page.locator("#run-a-job form")
    assert form.locator("input[name=shape][value=outline]").is_checked()
    assert form.locator("input[name=outline__depth]").input_value() == "6"
    error = form.locator(".field:has(input[name=outline__file]) .field-error")
    assert "Choose the file again" in error.inner_text()
    assert_fits(tab, "outline_refused_job", width)
    tab.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_an_outline_session_fits_and_keeps_its_drawing(browser, shop, width):
    from tests.pages.test_outline_pages import outline_session

    session = outline_session(shop["operator"], judged=False)
    tab = Tab(browser, shop["url"], width=width)
    tab.log_in("op")
    page = tab.page
    page.goto(f"/sessions/{session.pk}")
    assert "body.dxf (" in page.inner_text(".design-drawing")
    form = page.locator("form.action-design")
    assert form.locator("input[name=shape][value=outline]").is_checked()
    assert form.locator("input[name=outline__keep]").is_checked()
    assert_fits(tab, "outline_session", width)
    form.locator(".shape-fieldset[data-shape=outline]").screenshot(
        path=str(SCREENSHOTS / f"outline_session_fieldset-{width}.png")
    )
    # Saved again as it is: the drawing kept by its hash.
    form.locator("input[name=outline__depth]").fill("5")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "Design saved" in tab.message()
    session.refresh_from_db()
    assert session.design["depth"] == 5
    assert session.design["source"]["name"] == "body.dxf"
    assert tab.errors == []
    tab.close()
