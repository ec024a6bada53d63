"""What the pages give people at the machine: the G-code as a file, honest error pages, a safe context form."""

import hashlib
import io

import pytest
from django.core.management import call_command

from runs.models import RunArtifact
from tests.pages.conftest import drive, job, visible

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
    html = client.get(f"/admin/runs/runartifact/{outcome.run_id}/change/").content.decode()
    heading = html.split(f">{fieldset}</", 1)[0].rsplit("<fieldset", 1)[1]
    assert "collapse" in heading
