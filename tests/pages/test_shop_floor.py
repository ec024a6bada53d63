"""What the pages give people at the machine: the G-code as a file, honest error pages, a safe context form."""

import hashlib
import io
import re

import pytest
from django.contrib.admin.utils import quote
from django.core.management import call_command

from runs.models import RunArtifact
from tests.pages.conftest import drive, job, record, visible

ZERO_ID = "run_" + "0" * 32


def test_run_page_offers_the_gcode_file_byte_equal_to_its_hash(operator, auditor_page):
    outcome = job(operator)
    artifact = RunArtifact.objects.get(run_id=outcome.run_id)
    html = auditor_page.get(f"/runs/{outcome.run_id}").content.decode()
    link = f'href="/api/rmos/runs/{outcome.run_id}/gcode" download="{outcome.run_id}.ngc"'
    assert link in html
    # The copy button fetches the same file; hidden until the static script enables it.
    assert f'data-copy-url="/api/rmos/runs/{outcome.run_id}/gcode" hidden>' in html
    # The page's login reaches the API's download as it does the JSON's.
    download = auditor_page.get(f"/api/rmos/runs/{outcome.run_id}/gcode")
    assert download.status_code == 200
    assert hashlib.sha256(download.content).hexdigest() == artifact.gcode_sha256


def test_a_run_without_gcode_offers_no_file(operator, auditor_page):
    outcome = job(operator, cut={"rpm": 60000})
    assert "/gcode" not in auditor_page.get(f"/runs/{outcome.run_id}").content.decode()


def test_get_of_the_run_a_job_address_is_the_styled_405_page(operator_page):
    response = operator_page.get("/runs/new")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response["Content-Type"].startswith("text/html")
    text = visible(response)
    assert "Not a page to open" in text
    assert "Back to the form" in text
    assert 'href="/">Back to the form' in response.content.decode()


def test_get_of_a_session_action_is_the_styled_405_page_pointing_at_the_session(operator, operator_page):
    session = drive("draft", creator=operator)
    response = operator_page.get(f"/sessions/{session.pk}/archive")
    assert response.status_code == 405
    assert f'href="/sessions/{session.pk}">Back to the form' in response.content.decode()


def test_post_to_a_page_is_the_styled_405_page(auditor_page):
    response = auditor_page.post("/runs")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert "Method not allowed" in visible(response)


def test_unknown_run_page_does_not_say_it_was_recorded(auditor_page):
    response = auditor_page.get(f"/runs/{ZERO_ID}")
    assert response.status_code == 404
    text = visible(response)
    assert "Run not found" in text
    assert "recorded" not in text
    assert f'href="/runs/{ZERO_ID}"' not in response.content.decode()


def test_refusal_pages_still_name_the_artifact_they_left(approver_page):
    response = approver_page.post("/runs/new", {"tool_id": "x", "material_id": "y", "machine_id": "z", "design": "{}"})
    assert response.status_code == 403
    run_id = RunArtifact.objects.get().run_id
    assert f"this refusal was recorded as {run_id}" in visible(response)


def test_demo_data_on_an_existing_database_says_how_to_reset_a_password(db):
    call_command("demo_data", stdout=io.StringIO())
    out = io.StringIO()
    call_command("demo_data", stdout=out)
    assert "./dev manage changepassword <username>" in out.getvalue()


def test_set_context_starts_empty(operator, operator_page):
    # A session without a context: nothing is preselected, so a stray click sets nothing (the fields are
    # required). A stored context stays selected (tests/pages/test_sessions_pages.py).
    session = drive("draft", creator=operator)
    html = operator_page.get(f"/sessions/{session.pk}").content.decode()
    form = html.split('class="stack action action-context"', 1)[1].split("</form>", 1)[0]
    for name in ("tool_id", "material_id", "machine_id"):
        select = form.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
        assert '<option value="" selected>— choose —</option>' in select, name
        assert select.count(" selected") == 1, name


@pytest.mark.parametrize("fieldset", ["Request", "Feasibility", "Outputs"])
def test_admin_folds_the_artifacts_json(admin_user, fieldset, client, operator):
    outcome = job(operator)
    client.force_login(admin_user)
    # The admin unquotes "_22", "_40" and the like in a key (django.contrib.admin.utils.unquote), and a run id
    # is "run_" and hex: its link must be quoted as the admin's own links are.
    response = client.get(f"/admin/runs/runartifact/{quote(outcome.run_id)}/change/")
    assert response.status_code == 200, (response.status_code, dict(response.headers), outcome.status)
    html = response.content.decode()
    assert html, (dict(response.headers), outcome.status)
    # Django's admin folds a "collapse" fieldset into a <details>, closed: no script needed.
    pattern = rf'<fieldset class="[^"]*\bcollapse"[^>]*>\s*<details><summary>\s*<h2[^>]*>{fieldset}</h2>'
    assert re.search(pattern, html)


# --- the job form keeps what was typed; a form per shape ---------------------------------------------------

JOB_IDS = {"tool_id": "router:downcut_1_8in", "material_id": "ebony", "machine_id": "router_a"}


def field_html(html: str, name: str) -> str:
    """The markup of the field block holding the input named ``name``."""
    before, after = html.split(f'name="{name}"', 1)
    start = before.rfind('<div class="field')
    return before[start:] + 'name="' + name + after.split('<div class="field', 1)[0]


def test_a_bad_design_keeps_everything_typed_and_says_why_next_to_the_field(operator_page):
    typed = {**JOB_IDS, "design": '{"shape": "ring", "od": 100,}', "rpm": "20000", "stepdown_mm": "0.5"}
    response = operator_page.post("/runs/new", {**typed, "next": "/"}, follow=True)
    assert response.redirect_chain == [("/", 302)]
    html = response.content.decode()
    for name, value in JOB_IDS.items():
        assert f'<option value="{value}" selected>' in field_html(html, name), name
    design = field_html(html, "design")
    assert "{&quot;shape&quot;: &quot;ring&quot;, &quot;od&quot;: 100,}</textarea>" in design
    assert '<p class="field-error">Enter valid JSON' in design
    assert '<details class="design-json" open>' in html
    assert '<details class="cut-overrides" open>' in html  # what was typed there is in view
    assert 'value="20000"' in field_html(html, "rpm")
    assert 'value="0.5"' in field_html(html, "stepdown_mm")
    assert not RunArtifact.objects.exists()
    # Kept once: the next visit starts afresh.
    again = operator_page.get("/").content.decode()
    assert "field-error" not in again
    assert "selected>— choose —" in field_html(again, "tool_id")


def test_a_design_the_server_refuses_names_the_field_it_is_about(operator_page):
    form = {**JOB_IDS, "shape": "ring", "ring__od": "100", "ring__depth": "-1"}
    html = operator_page.post("/runs/new", {**form, "next": "/"}, follow=True).content.decode()
    assert '<p class="field-error">Ensure this value is greater than or equal to 0.' in field_html(html, "ring__depth")
    assert 'value="100"' in field_html(html, "ring__od")
    assert 'value="ring" class="shape-radio" id="id_shape_1" checked' in html or 'value="ring"' in html
    assert not RunArtifact.objects.exists()


def test_a_missing_required_dimension_is_named_and_nothing_is_run(operator_page):
    response = operator_page.post("/runs/new", {**JOB_IDS, "shape": "fret_slots", "next": "/"}, follow=True)
    html = response.content.decode()
    assert "Required for a fret slots." in field_html(html, "fret_slots__scale_length")
    assert not RunArtifact.objects.exists()


def test_fret_slots_from_the_shape_form_with_the_defaults_left_blank(operator_page):
    form = {**JOB_IDS, "shape": "fret_slots", "fret_slots__scale_length": "648", "fret_slots__frets": ""}
    response = operator_page.post("/runs/new", {**form, "next": "/"})
    artifact = RunArtifact.objects.get()
    assert response["Location"] == f"/runs/{artifact.run_id}"
    # Sent as typed, blank fields left out: the engine applies and records its documented defaults.
    assert artifact.request["design"] == {"shape": "fret_slots", "scale_length": 648}
    assert artifact.feasibility["design"]["frets"] == 22


def test_only_the_chosen_shapes_fields_are_used(operator_page):
    form = {**JOB_IDS, "shape": "pocket_circle", "pocket_circle__d": "30", "pocket_circle__depth": "2",
            "ring__od": "999", "slot__length": "5"}  # fmt: skip
    operator_page.post("/runs/new", {**form, "next": "/"})
    assert RunArtifact.objects.get().request["design"] == {"shape": "pocket_circle", "d": 30, "depth": 2}


def test_the_json_box_when_filled_wins_over_the_shape_form(operator_page):
    form = {**JOB_IDS, "shape": "ring", "ring__od": "80", "design": '{"shape": "slot", "length": 40}'}
    operator_page.post("/runs/new", {**form, "next": "/"})
    assert RunArtifact.objects.get().request["design"] == {"shape": "slot", "length": 40}


def test_the_job_form_shows_every_shape_with_units_and_defaults(operator_page):
    html = operator_page.get("/").content.decode()
    for shape in ("ring", "slot", "fret_slots", "pocket_circle", "pocket_rect", "outline"):
        assert f'<fieldset class="shape-fieldset" data-shape="{shape}">' in html
    scale = field_html(html, "fret_slots__scale_length")
    assert '<span class="unit">mm</span>' in scale
    # One scale, or a multiscale board's bass and treble scales instead.
    assert '<span class="field-note">or the bass and treble scales</span>' in scale
    assert '<span class="field-note">optional</span>' in field_html(html, "fret_slots__radius")
    frets = field_html(html, "fret_slots__frets")
    assert 'placeholder="22"' in frets
    assert '<span class="field-note">default 22</span>' in frets
    assert '<span class="field-note">default 6 mm</span>' in field_html(html, "ring__width")
    assert "default 0°" in field_html(html, "slot__angle")
    # The JSON box starts empty (its example is a placeholder): nothing to delete before typing.
    assert re.search(r'<textarea[^>]*name="design"[^>]*>\s*</textarea>', html)


def test_the_sessions_design_step_uses_the_same_forms_prefilled(operator, operator_page):
    session = drive("context_ready", creator=operator)
    html = operator_page.get(f"/sessions/{session.pk}").content.decode()
    form = html.split('class="stack action action-design"', 1)[1].split("</form>", 1)[0]
    assert 'data-shape="pocket_rect"' in form
    assert 'value="100"' in field_html(form, "ring__od")  # the stored ring, in the ring's fields
    response = operator_page.post(
        f"/sessions/{session.pk}/design", {"shape": "pocket_rect", "pocket_rect__w": "30", "pocket_rect__h": "20",
                                           "pocket_rect__depth": "1.5"})  # fmt: skip
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.design["shape"] == "pocket_rect"
    assert (session.design["w"], session.design["h"], session.design["depth"]) == (30, 20, 1.5)


def test_a_session_design_refused_keeps_the_input_for_the_session_page(operator, operator_page):
    session = drive("context_ready", creator=operator)
    operator_page.post(f"/sessions/{session.pk}/design", {"shape": "slot", "slot__depth": "2"})
    html = operator_page.get(f"/sessions/{session.pk}").content.decode()
    form = html.split('class="stack action action-design"', 1)[1].split("</form>", 1)[0]
    assert "Required for a slot." in field_html(form, "slot__length")
    assert 'value="2"' in field_html(form, "slot__depth")


# --- numbers with units; lists that say what the job is -----------------------------------------------------


def test_checks_show_units_and_sensible_precision(auditor_page):
    checks = [
        # A unit given by the engine is shown as given; without one, the check's known unit.
        {"code": "SURFACE_SPEED", "status": "warn", "message": "fast", "value": 2638.9378, "limit": "300-1500",
         "unit": "m/min"},
        {"code": "CHIP_LOAD", "status": "pass", "message": "ok", "value": 0.025439, "limit": 0.08},
        {"code": "HEAT_RISK", "status": "pass", "message": "cool", "value": 0.81234, "limit": 1.2},
    ]  # fmt: skip
    feasibility = {"safety": {"risk_level": "YELLOW", "score": 80.0, "block_reason": None, "warnings": [],
                              "checks": checks}}  # fmt: skip
    artifact = record(feasibility=feasibility)
    html = auditor_page.get(f"/runs/{artifact.run_id}").content.decode()
    assert 'data-label="Value" title="2638.9378">2639 m/min</td>' in html
    assert 'data-label="Limit" title="300-1500">300-1500 m/min</td>' in html
    assert 'title="0.025439">0.02544 mm</td>' in html
    assert 'title="0.81234">0.8123</td>' in html  # an index has no unit


def test_lists_say_what_the_job_is(operator, auditor_page):
    job(operator, design={"shape": "fret_slots", "scale_length": 648})
    runs = visible(auditor_page.get("/runs"))
    # The engine's normalised design: the documented default of 22 frets is named.
    assert "fret slots · 648 mm · 22 frets · 3 mm deep router:downcut_1_8in ebony · router_a" in runs
    dashboard = visible(auditor_page.get("/"))
    assert "Sessions waiting for approval" in dashboard


# --- the approver decides seeing what they approve --------------------------------------------------------


def test_the_approver_sees_checks_drawing_and_cut_where_they_decide(operator, approver_page):
    session = drive("feasibility_ready", creator=operator)
    response = approver_page.get(f"/sessions/{session.pk}")
    html = response.content.decode()
    verdict = html.split('<section class="card verdict-card" id="verdict">', 1)[1].split("</section>", 1)[0]
    assert "The verdict to approve" in verdict
    assert "Checks that decide" in verdict
    assert '<details class="passed-checks"><summary>' in verdict  # the passes folded, the rest in view
    assert "RPM_TOOL_MAX" in verdict
    assert '<svg class="drawing"' in verdict  # the program this verdict would give, drawn
    assert "Preview:" in verdict
    assert "Spindle speed" in visible(response)
    # The approve form is on the same page, with the hash of exactly this verdict.
    assert f'value="{session.feasibility_sha256}"' in html


def test_the_approval_run_page_says_who_approved_what_and_why(operator, approver, auditor_page):
    session = drive("approved", creator=operator, approver=approver)
    text = visible(auditor_page.get(f"/runs/{session.approval_run_id}"))
    assert "The server allowed this run" not in text
    assert f"Approved by {approver.username}" in text
    assert "Their note: “ok”" in text
    assert f"whose result hashes to {session.approved_feasibility_sha256}" in text


def test_the_drawing_page_is_a_page_with_scale_zero_and_dimensions(operator, auditor_page):
    outcome = job(operator, design={"shape": "pocket_rect", "w": 30, "h": 20, "depth": 1})
    response = auditor_page.get(f"/runs/{outcome.run_id}/drawing")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="dr-scale"' in html
    assert "X0 Y0" in html
    assert ">30 mm</text>" in html
    assert ">20 mm</text>" in html
    assert 'class="dr-rapids"' in html
    assert 'class="dr-cuts"' in html
    assert "Stock 6 mm thick" in visible(response)


def test_the_drawing_page_of_a_run_without_a_drawing_says_so(operator, auditor_page):
    outcome = job(operator, cut={"rpm": 60000})
    response = auditor_page.get(f"/runs/{outcome.run_id}/drawing")
    assert response.status_code == 200
    assert "This run has nothing to draw" in visible(response)
    assert auditor_page.get("/runs/run_bad/drawing").status_code == 400


def test_every_kind_of_recorded_run_renders_its_page_and_drawing(db, auditor_page):
    """Synthetic history of every kind, status and shape (load_runs): no page or drawing fails on any."""
    call_command("load_runs", "60", days=2, seed=11, verbosity=0, stdout=io.StringIO())
    drawn = 0
    for run_id in RunArtifact.objects.values_list("run_id", flat=True):
        page = auditor_page.get(f"/runs/{run_id}")
        assert page.status_code == 200, run_id
        drawn += '<svg class="drawing"' in page.content.decode()
        assert auditor_page.get(f"/runs/{run_id}/drawing").status_code == 200, run_id
    assert drawn  # the history has drawings (released programs and previews of allowed verdicts)
