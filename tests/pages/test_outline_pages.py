"""Outlines on the pages: a drawing uploaded through the job and session forms, stored once by hash, drawn on
the run page; and the fret form's multiscale and radius fields."""

import re

from django.core.files.uploadedfile import SimpleUploadedFile

from runs.models import DrawingFile, RunArtifact
from tests.drawings import dxf_text, rounded_rect
from tests.pages.conftest import drive
from tests.pages.test_shop_floor import field_html
from workflow.models import WorkflowSession as Session

OUTLINE_JOB = {"tool_id": "router:upcut_1_4in", "material_id": "walnut", "machine_id": "router_a"}
OUTLINE_FIELDS = {
    "shape": "outline",
    "outline__operation": "profile_outside",
    "outline__direction": "climb",
    "outline__depth": "6",
    "outline__stock_thickness": "6",
    "outline__tabs_count": "4",
    "outline__tabs_width": "8",
    "outline__tabs_height": "2",
    "outline__x": "50",
    "outline__y": "50",
}


def rect_dxf() -> str:
    return dxf_text(lambda m, doc: rounded_rect(m, 0, 0, 120, 80, 10))


def upload(text: str, name: str = "body.dxf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="application/octet-stream")


def post_job(client, file, **changes):
    form = {**OUTLINE_JOB, **OUTLINE_FIELDS, "next": "/", "outline__file": file, **changes}
    return client.post("/runs/new", form)


def test_the_job_form_is_multipart_and_offers_the_outline(operator_page):
    html = operator_page.get("/").content.decode()
    assert re.search(r'<form [^>]*class="stack job-form" enctype="multipart/form-data">', html)
    assert 'value="outline"' in html
    file_field = field_html(html, "outline__file")
    assert 'type="file"' in file_field
    assert 'accept=".dxf,.svg"' in file_field
    operation = field_html(html, "outline__operation")
    for value in ("profile_outside", "profile_inside", "pocket"):
        assert f'value="{value}"' in operation
    assert 'value="climb" selected' in field_html(html, "outline__direction")


def test_a_dxf_uploaded_from_the_job_form_is_a_green_run_whose_request_holds_only_the_hash(operator_page):
    text = rect_dxf()
    response = post_job(operator_page, upload(text))
    artifact = RunArtifact.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/runs/{artifact.run_id}"
    assert (artifact.status, artifact.risk_level) == ("OK", "GREEN")
    assert artifact.gcode_text
    source = artifact.request["design"]["source"]
    assert "data" not in source
    assert source["format"] == "dxf"
    assert source["name"] == "body.dxf"
    stored = DrawingFile.objects.get()
    assert source["sha256"] == stored.sha256
    assert stored.text == text
    assert artifact.request["design"]["tabs"] == {"count": 4, "width": 8, "height": 2}
    # The run page draws the outline, its offset path and its tabs over the moves, with a key.
    page = operator_page.get(f"/runs/{artifact.run_id}").content.decode()
    assert "body.dxf" in page
    drawing = page.split('<svg class="drawing"', 1)[1].split("</svg>", 1)[0]
    cuts_at = drawing.index('class="dr-cuts"')
    for layer in ("dr-outline", "dr-offset", "dr-tabs"):
        assert drawing.index(f'class="{layer}"') > cuts_at  # on top of the moves
    assert drawing.count("<title>tab ") == 4
    assert ">tool centre</text>" in drawing
    assert ">island</text>" in drawing
    # The outline is drawn in part coordinates: the 120 x 80 rectangle placed at (50, 50).
    assert "M60 -50" in drawing or "M50 -60" in drawing or "L170 -50" in drawing or "L50 -120" in drawing
    # The drawing page and the SVG file show it too.
    assert 'class="dr-outline"' in operator_page.get(f"/runs/{artifact.run_id}/drawing").content.decode()
    preview = operator_page.get(f"/api/rmos/runs/{artifact.run_id}/preview.svg").content.decode()
    for layer in ("rmos-outline", "rmos-offset", "rmos-tabs"):
        assert f'class="{layer}"' in preview


def test_a_utf8_bom_is_tolerated_and_the_extension_is_case_blind(operator_page):
    post_job(operator_page, SimpleUploadedFile("BODY.DXF", b"\xef\xbb\xbf" + rect_dxf().encode()))
    artifact = RunArtifact.objects.get()
    assert artifact.risk_level == "GREEN"
    assert artifact.request["design"]["source"]["name"] == "BODY.DXF"


def test_a_malformed_dxf_is_refused_beside_the_file_field_and_leaves_an_error_artifact(operator_page):
    response = post_job(operator_page, upload("0\nSECTION\n2\nENTITIES\n0\nLWPOLYLINE\n10\nnot a number\n"))
    assert response.status_code == 302
    assert response["Location"] == "/"
    artifact = RunArtifact.objects.get()
    assert artifact.status == "ERROR"
    assert "data" not in artifact.request["design"]["source"]
    html = operator_page.get("/").content.decode()
    file_field = field_html(html, "outline__file")
    assert 'class="field-error"' in file_field
    assert "Choose the file again" in file_field
    # The rest of the form as typed.
    assert 'value="6"' in field_html(html, "outline__depth")
    assert re.search(r'value="outline"[^>]*checked', html)


def test_a_file_that_is_not_a_drawing_is_refused_at_the_field_and_nothing_is_written(operator_page):
    response = post_job(operator_page, upload("hello", name="notes.txt"))
    assert response.status_code == 302
    assert not RunArtifact.objects.exists()
    html = operator_page.get("/").content.decode()
    assert "notes.txt is not a drawing RMOS reads" in field_html(html, "outline__file")


def test_a_file_that_is_not_utf8_is_refused_at_the_field(operator_page):
    post_job(operator_page, SimpleUploadedFile("body.svg", b"<svg>\xff\xfe</svg>"))
    assert not RunArtifact.objects.exists()
    assert "is not UTF-8 text" in field_html(operator_page.get("/").content.decode(), "outline__file")


def test_no_file_is_refused_at_the_field(operator_page):
    form = {**OUTLINE_JOB, **OUTLINE_FIELDS, "next": "/"}
    operator_page.post("/runs/new", form)
    assert not RunArtifact.objects.exists()
    assert "Choose the drawing" in field_html(operator_page.get("/").content.decode(), "outline__file")


def test_the_page_views_that_take_drawings_accept_bodies_over_256_kib(operator_page, operator):
    # Padding the DXF with comments (999 groups) past the small limit: the page still takes it.
    padding = "999\n" + "x" * 200 + "\n"
    text = rect_dxf()
    text = text.replace("0\nSECTION", padding * 1600 + "0\nSECTION", 1)
    assert len(text) > 300_000
    response = post_job(operator_page, upload(text))
    assert response.status_code == 302
    assert RunArtifact.objects.get().risk_level == "GREEN"
    session = drive("draft", creator=operator)
    response = operator_page.post(f"/sessions/{session.pk}/design", {**OUTLINE_FIELDS, "outline__file": upload(text)})
    assert response.status_code == 302


def test_the_session_design_upload_stores_the_reference_and_shows_it(operator, operator_page):
    session = drive("draft", creator=operator)
    text = rect_dxf()
    response = operator_page.post(
        f"/sessions/{session.pk}/design", {**OUTLINE_FIELDS, "outline__file": upload(text, "guitar.dxf")}
    )
    assert response.status_code == 302
    design = Session.objects.get(pk=session.pk).design
    stored = DrawingFile.objects.get()
    assert design["source"] == {
        "format": "dxf",
        "sha256": stored.sha256,
        "bytes": len(text.encode()),
        "name": "guitar.dxf",
    }
    html = operator_page.get(f"/sessions/{session.pk}").content.decode()
    assert f"guitar.dxf ({stored.sha256[:12]}, {len(text.encode())} bytes)" in html
    # The design form shows the outline with the current drawing kept unless another file is chosen.
    form = html.split('class="stack action action-design"', 1)[1].split("</form>", 1)[0]
    assert 'enctype="multipart/form-data"' in html.split('class="stack action action-design"', 1)[1][:60]
    assert re.search(r'value="outline"[^>]*checked', form)
    assert "checked" in field_html(form, "outline__keep")
    assert 'value="6"' in field_html(form, "outline__depth")
    # Submitting it again, keeping the drawing: the same reference, nothing re-uploaded.
    fields = dict(re.findall(r'name="(outline__current)" value="([^"]*)"', form))
    response = operator_page.post(
        f"/sessions/{session.pk}/design",
        {**OUTLINE_FIELDS, "outline__depth": "5", "outline__keep": "on", **fields},
    )
    assert response.status_code == 302
    design = Session.objects.get(pk=session.pk).design
    assert design["depth"] == 5
    assert design["source"]["sha256"] == stored.sha256
    assert design["source"]["name"] == "guitar.dxf"


def test_a_new_session_takes_an_outline_upload(operator_page):
    response = operator_page.post(
        "/sessions/new", {"mode": "design_first", **OUTLINE_FIELDS, "outline__file": upload(rect_dxf())}
    )
    assert response.status_code == 302
    design = Session.objects.get().design
    assert design["shape"] == "outline"
    assert "data" not in design["source"]


def test_a_malformed_drawing_on_the_session_design_is_shown_beside_the_file(operator, operator_page):
    session = drive("draft", creator=operator)
    operator_page.post(f"/sessions/{session.pk}/design", {**OUTLINE_FIELDS, "outline__file": upload("garbage")})
    assert Session.objects.get(pk=session.pk).design is None
    html = operator_page.get(f"/sessions/{session.pk}").content.decode()
    form = html.split('class="stack action action-design"', 1)[1].split("</form>", 1)[0]
    assert "Choose the file again" in field_html(form, "outline__file")


MULTISCALE = {
    "shape": "fret_slots",
    "fret_slots__scale_length_bass": "686",
    "fret_slots__scale_length_treble": "648",
    "fret_slots__perpendicular_fret": "7",
    "fret_slots__frets": "24",
    "fret_slots__board_width": "70",
    "fret_slots__nut_width": "48",
    "fret_slots__radius": "254",
    "fret_slots__radius_end": "406",
    "fret_slots__depth": "3",
}


def test_the_multiscale_fret_form_round_trips(operator, operator_page):
    session = drive("draft", creator=operator)
    response = operator_page.post(f"/sessions/{session.pk}/design", MULTISCALE)
    assert response.status_code == 302
    design = Session.objects.get(pk=session.pk).design
    assert design == {
        "shape": "fret_slots", "scale_length_bass": 686, "scale_length_treble": 648, "perpendicular_fret": 7,
        "frets": 24, "board_width": 70, "nut_width": 48, "radius": 254, "radius_end": 406, "depth": 3,
    }  # fmt: skip
    html = operator_page.get(f"/sessions/{session.pk}").content.decode()
    form = html.split('class="stack action action-design"', 1)[1].split("</form>", 1)[0]
    # Shown in the fret board's fields, not in the JSON box.
    assert re.search(r'value="fret_slots"[^>]*checked', form)
    assert 'value="686"' in field_html(form, "fret_slots__scale_length_bass")
    assert 'value="406"' in field_html(form, "fret_slots__radius_end")
    assert re.search(r'<textarea[^>]*name="design"[^>]*>\s*</textarea>', form)


def test_the_fret_form_says_which_multiscale_field_is_missing(operator, operator_page):
    session = drive("draft", creator=operator)
    form = {**MULTISCALE, "fret_slots__scale_length_treble": ""}
    operator_page.post(f"/sessions/{session.pk}/design", form)
    html = operator_page.get(f"/sessions/{session.pk}").content.decode()
    design_form = html.split('class="stack action action-design"', 1)[1].split("</form>", 1)[0]
    assert "needs scale_length_treble" in field_html(design_form, "fret_slots__scale_length_treble")


def outline_session(operator, *, judged: bool = True):
    from workflow import services

    design = {
        "shape": "outline", "operation": "profile_outside", "direction": "climb",
        "source": {"format": "dxf", "data": rect_dxf(), "name": "body.dxf"},
        "depth": 6, "stock_thickness": 6, "tabs": {"count": 4, "width": 8, "height": 2}, "x": 50, "y": 50,
    }  # fmt: skip
    session = services.session_create(actor=operator, design=design, context=OUTLINE_JOB).session
    if judged:
        services.session_request_feasibility(session=session, actor=operator)
    return Session.objects.get(pk=session.pk)


def test_a_session_verdict_previews_the_outline_program_with_its_drawing(operator, approver_page):
    session = outline_session(operator)
    assert session.state == "feasibility_ready"
    html = approver_page.get(f"/sessions/{session.pk}").content.decode()
    verdict = html.split('id="verdict"', 1)[1]
    # No G-code yet: the program the generator would write from the drawing, with the drawing's layers.
    assert "<strong>Preview:</strong>" in verdict
    assert 'class="dr-cuts"' in verdict
    assert 'class="dr-outline"' in verdict
    assert 'class="dr-tabs"' in verdict


def test_a_dxf_in_its_windows_code_page_is_read_as_its_header_says(operator_page):
    # An R2000 file as older CAD writes it: ANSI_1252 text with a layer named in it.
    text = dxf_text(lambda m, doc: rounded_rect(m, 0, 0, 120, 80, 10, layer="Körper"))
    assert "$DWGCODEPAGE\n  3\nANSI_1252" in text
    post_job(operator_page, SimpleUploadedFile("old.dxf", text.encode("cp1252")), outline__layer="Körper")
    artifact = RunArtifact.objects.get()
    assert (artifact.status, artifact.risk_level) == ("OK", "GREEN"), artifact.feasibility
    assert DrawingFile.objects.get().text == text
    # Without a code page in its header, bytes that are not UTF-8 are still refused.
    post_job(operator_page, SimpleUploadedFile("odd.dxf", b"0\nSECTION\n999\n\xe9\n"))
    assert RunArtifact.objects.count() == 1


def test_the_job_form_chooses_the_fixture_and_the_post(operator_page):
    html = operator_page.get("/").content.decode()
    fixture = field_html(html, "fixture")
    assert '<optgroup label="router_a">' in fixture
    assert 'value="spoilboard"' in fixture
    assert "fretboard_jig (G54, the default)" in fixture
    post = field_html(html, "post")
    for value, label in (("linuxcnc", "LinuxCNC (.ngc)"), ("grbl", "GRBL (.nc)"), ("mach3", "Mach3 (.tap)")):
        assert f'value="{value}">{label}' in post
    # A body on the spoilboard, written for GRBL: the request names both, the program is GRBL's.
    body = dxf_text(lambda m, doc: rounded_rect(m, -200, -140, 200, 140, 30))
    response = post_job(operator_page, upload(body), fixture="spoilboard", post="grbl", outline__x="0", outline__y="0")
    artifact = RunArtifact.objects.get()
    assert response["Location"] == f"/runs/{artifact.run_id}"
    assert (artifact.request["fixture"], artifact.request["post"]) == ("spoilboard", "grbl")
    assert (artifact.risk_level, artifact.feasibility["cut"]["work_offset"]) == ("GREEN", "G55")
    assert artifact.toolpaths["post"] == "grbl"
    assert operator_page.get(f"/api/rmos/runs/{artifact.run_id}/gcode")["Content-Disposition"].endswith('.nc"')


def test_an_unknown_post_is_refused_at_its_field_and_an_unknown_fixture_is_judged(operator_page):
    post_job(operator_page, upload(rect_dxf()), post="fanuc", outline__depth="-1")
    assert not RunArtifact.objects.exists()
    # The form comes back with each message beside its field, and asks for the file again.
    html = operator_page.get("/").content.decode()
    assert "Unknown post" in field_html(html, "post")
    assert "field-error" in field_html(html, "outline__depth")
    assert "Choose the file again" in field_html(html, "outline__file")
    # A fixture the machine does not have is the engine's to judge (UNKNOWN, as over the API): never a guess.
    response = post_job(operator_page, upload(rect_dxf()), fixture="nowhere")
    artifact = RunArtifact.objects.get()
    assert response["Location"] == f"/runs/{artifact.run_id}"
    assert (artifact.status, artifact.risk_level) == ("BLOCKED", "UNKNOWN")
    assert "nowhere" in artifact.feasibility["block_reason"]
