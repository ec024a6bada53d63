"""``toolpaths.parse.moves_from_gcode`` and ``GET /api/rmos/runs/{run_id}/preview.svg``."""

import hashlib
import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import resolve

from runs.models import RunArtifact
from tests.conftest import client_for
from tests.pages.conftest import job, record
from tests.toolpaths.test_gcode import GOLDEN_CASES, GOLDEN_KEYS, MACHINE, golden_path, golden_program, program
from toolpaths.gcode import ARC_CCW, FEED, RAPID, Move
from toolpaths.parse import GcodeParseError, moves_from_gcode
from toolpaths.summary import render_svg
from toolpaths.views import RunPreviewView

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "toolpaths" / "golden"
SVG_NS = "{http://www.w3.org/2000/svg}"


def url(run_id: str) -> str:
    return f"/api/rmos/runs/{run_id}/preview.svg"


# --- parsing --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "post"), GOLDEN_KEYS)
def test_moves_from_gcode_round_trips_every_golden_program(case, post):
    generated = golden_program(case, post)
    assert golden_path(case, post).read_text() == generated.gcode_text
    assert moves_from_gcode(generated.gcode_text) == generated.moves


@pytest.mark.parametrize("case", sorted(GOLDEN_CASES))
def test_moves_from_gcode_draws_what_the_generator_would_draw(case):
    generated = program(case)
    drawn = render_svg(moves_from_gcode(generated.gcode_text), machine=MACHINE, title=case)
    assert drawn == render_svg(generated.moves, machine=MACHINE, title=case)


def test_moves_from_gcode_modal_motion_feed_comments_and_dwell():
    text = (
        "(header)\nG21 G90 G17\nG0 Z5 ; retract\nM3 S18000\nG4 P2\nG0 X1 Y2\nG1 Z-1 F300\nX4 F900\nY6\n"
        "G3 X4 Y6 I1 J0\nM5\nM30\n"
    )
    assert moves_from_gcode(text) == (
        Move(RAPID, z=5.0),
        Move(RAPID, x=1.0, y=2.0),
        Move(FEED, z=-1.0, feed=300.0),
        Move(FEED, x=4.0, feed=900.0),
        Move(FEED, y=6.0, feed=900.0),
        Move(ARC_CCW, x=4.0, y=6.0, i=1.0, j=0.0, feed=900.0),
    )


def test_moves_from_gcode_empty_text_has_no_moves():
    assert moves_from_gcode("") == ()
    assert moves_from_gcode("(only a comment)\n\n") == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("G21\nG0 X1\nG81 X2\n", "line 3: unknown word G81"),
        ("G0 X1\nhello\n", "line 2: unparseable line"),
        ("X1 Y2\n", "line 1: axis words with no motion mode"),
        ("G0 X1 X2\n", "line 1: invalid statement: X given twice"),
    ],
)
def test_moves_from_gcode_refuses_what_it_cannot_read(text, message):
    with pytest.raises(GcodeParseError, match=message):
        moves_from_gcode(text)


# --- the endpoint -----------------------------------------------------------------------------------------


def test_preview_route_wins_over_the_run_detail_route():
    assert resolve(url("run_" + "a" * 32)).func.view_class is RunPreviewView


def test_preview_envelope_is_the_judged_fixtures(operator, operator_client):
    # On the spoilboard (G55) work zero sits elsewhere than on the default fret-board jig: the envelope drawn
    # around the cuts must be the soft limits as seen from the fixture the run was judged on.
    outcome = job(operator, fixture="spoilboard")
    artifact = RunArtifact.objects.get(run_id=outcome.run_id)
    assert artifact.feasibility["cut"]["fixture_id"] == "spoilboard"
    machine = artifact.registry_snapshot["machine"]
    moves = moves_from_gcode(artifact.gcode_text)
    drawn = operator_client.get(url(outcome.run_id)).content.decode()
    assert drawn == render_svg(moves, machine=machine, title=artifact.run_id, fixture_id="spoilboard")
    assert drawn != render_svg(moves, machine=machine, title=artifact.run_id)


@pytest.mark.parametrize("persona", ["operator", "approver", "auditor", "admin_user"])
def test_preview_any_role_gets_the_drawing_with_etag(request, operator, persona):
    outcome = job(operator)
    artifact = RunArtifact.objects.get(run_id=outcome.run_id)
    response = client_for(request.getfixturevalue(persona)).get(url(outcome.run_id))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert response["ETag"] == f'"{artifact.gcode_sha256}"'
    assert response["ETag"] == f'"{hashlib.sha256(artifact.gcode_text.encode()).hexdigest()}"'
    assert response["Cache-Control"] == "private, max-age=31536000, immutable"
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    root = ET.fromstring(response.content)
    assert root.tag == f"{SVG_NS}svg"
    assert "rmos-cuts" in {path.get("class") for path in root.iter(f"{SVG_NS}path")}
    assert root.find(f"{SVG_NS}rect[@class='rmos-envelope']") is not None  # the machine from the snapshot


def test_preview_with_session_cookie_and_image_accept_header(operator, operator_page):
    outcome = job(operator)
    response = operator_page.get(url(outcome.run_id), HTTP_ACCEPT="image/svg+xml")
    assert response.status_code == 200
    assert response.content.startswith(b"<svg")


def test_preview_if_none_match_is_304(operator_client, operator):
    outcome = job(operator)
    etag = operator_client.get(url(outcome.run_id))["ETag"]
    response = operator_client.get(url(outcome.run_id), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response["ETag"] == etag
    assert response.content == b""


def test_preview_of_a_synthetic_run_without_machine_travel(db, auditor_client):
    call_command("load_runs", "60", seed=3, verbosity=0, stdout=io.StringIO())
    artifact = RunArtifact.objects.exclude(gcode_text=None).first()
    response = auditor_client.get(url(artifact.run_id))
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert root.find(f"{SVG_NS}rect[@class='rmos-envelope']") is None


def test_preview_malformed_id_is_400_problem(operator_client):
    response = operator_client.get(url("run_..%2Fetc"))
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["error"] == "INVALID_RUN_ID"


def test_preview_unknown_id_is_404_problem_even_asking_for_an_image(operator_client):
    response = operator_client.get(url("run_" + "0" * 32), HTTP_ACCEPT="image/svg+xml")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["error"] == "RUN_NOT_FOUND"


def test_preview_of_a_run_without_gcode_is_404_no_toolpath(operator, operator_client):
    feasibility = record(actor=operator)
    blocked = job(operator, cut={"rpm": 60000})
    for run_id in (feasibility.run_id, blocked.run_id):
        response = operator_client.get(url(run_id))
        assert response.status_code == 404
        body = response.json()
        assert body["error"] == "NO_TOOLPATH"
        assert body["run_id"] == run_id


def test_preview_of_unreadable_gcode_is_422(operator_client):
    artifact = record(kind="toolpaths", gcode_text="G0 X1\nG81 X2\n")
    response = operator_client.get(url(artifact.run_id))
    assert response.status_code == 422
    assert response.json()["error"] == "GCODE_UNREADABLE"


def test_preview_anonymous_401_and_outsider_403(db, anon_client, outsider_client, operator):
    outcome = job(operator)
    assert anon_client.get(url(outcome.run_id)).status_code == 401
    assert outsider_client.get(url(outcome.run_id)).status_code == 403


def test_preview_post_is_405(operator_client, operator):
    outcome = job(operator)
    response = operator_client.post(url(outcome.run_id))
    assert response.status_code == 405
    assert response.json()["error"] == "METHOD_NOT_ALLOWED"


def test_preview_documented_in_the_schema(auditor_client):
    schema = auditor_client.get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/rmos/runs/{run_id}/preview.svg"]["get"]
    assert "image/svg+xml" in operation["responses"]["200"]["content"]
