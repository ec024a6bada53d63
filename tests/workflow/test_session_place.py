"""A session's context names where the job sits (``fixture``) and which controller its G-code is for (``post``),
as a job's body does: the verdict is judged on that fixture, the approval covers it and the program is written for
that controller. Real engine, real registry, real ledger; the program is read back by LinuxCNC's rs274.
"""

import pytest

from runs.models import RunArtifact
from tests.drawings import dxf_text, rounded_rect
from tests.linuxcnc import read_program
from workflow.models import TransitionEvent, WorkflowSession

SESSIONS = "/api/rmos/workflow/sessions"
TOOLPATHS = "/api/rmos/toolpaths"
IDS = {"tool_id": "router:upcut_1_4in", "material_id": "walnut", "machine_id": "router_a"}
# A 400 x 280 mm body around work zero: on router_a's spoilboard (G55, zero at the centre of the table) it fits;
# on the machine's default fixture, the fret-board jig with its zero on the nut pin, it runs off the travel.
BODY = dxf_text(lambda m, doc: rounded_rect(m, -200, -140, 200, 140, 30))
DESIGN = {
    "shape": "outline",
    "operation": "profile_outside",
    "depth": 6,
    "stock_thickness": 6,
    "tabs": {"count": 4, "width": 8, "height": 2},
    "x": 0,
    "y": 0,
    "source": {"format": "dxf", "data": BODY, "name": "body.dxf"},
}
TOOL_MM = 6.35


def _create(client, **context) -> dict:
    response = client.post(SESSIONS, {"design": DESIGN, "context": {**IDS, **context}}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def _judge(client, sid) -> dict:
    response = client.post(f"{SESSIONS}/{sid}/feasibility", {}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()["feasibility"]


def test_a_body_on_the_spoilboard_for_grbl_is_judged_there_approved_and_written_for_grbl(
    operator_client, approver_client
):
    session = _create(operator_client, fixture="spoilboard", post="grbl")
    assert session["context"] == {**IDS, "fixture": "spoilboard", "post": "grbl"}
    sid = session["session_id"]
    verdict = _judge(operator_client, sid)
    assert verdict["risk_level"] == "GREEN", verdict
    judged = RunArtifact.objects.get(run_id=verdict["run_id"])
    assert judged.request["fixture"] == "spoilboard"
    assert judged.feasibility["cut"]["work_offset"] == "G55"

    approved = approver_client.post(f"{SESSIONS}/{sid}/approve", {"note": "body blank"}, format="json")
    assert approved.status_code == 200, approved.json()
    cut = operator_client.post(f"{SESSIONS}/{sid}/toolpaths", {}, format="json")
    assert cut.status_code == 200, cut.json()
    program = cut.json()["toolpaths"]
    artifact = RunArtifact.objects.get(run_id=program["run_id"])
    assert (artifact.request["fixture"], artifact.request["post"], artifact.toolpaths["post"]) == (
        "spoilboard", "grbl", "grbl",
    )  # fmt: skip
    assert program["_hashes"]["feasibility_sha256"] == approved.json()["approval"]["feasibility_sha256"]
    text = program["gcode_text"]
    assert " G55\n" in text
    assert "(fixture: spoilboard G55" in text
    download = operator_client.get(f"/api/rmos/runs/{artifact.run_id}/gcode")
    assert download["Content-Disposition"].endswith('.nc"')
    # LinuxCNC's reader takes the program, and the tool centre goes around the body a tool's radius outside.
    x_min, x_max, y_min, y_max, _, _ = read_program(text).bounds()
    assert x_max - x_min == pytest.approx(400 + TOOL_MM, abs=0.02)
    assert y_max - y_min == pytest.approx(280 + TOOL_MM, abs=0.02)


def test_without_a_fixture_the_same_session_is_judged_on_the_machines_default(operator_client):
    sid = _create(operator_client)["session_id"]
    verdict = _judge(operator_client, sid)
    assert verdict["risk_level"] == "RED", verdict
    artifact = RunArtifact.objects.get(run_id=verdict["run_id"])
    assert artifact.feasibility["cut"]["work_offset"] == "G54"
    assert any(
        check["code"] == "WORK_ENVELOPE" and check["status"] == "fail" for check in artifact.feasibility["checks"]
    )


def test_an_unknown_fixture_is_judged_unknown_and_cannot_be_approved(operator_client, approver_client):
    sid = _create(operator_client, fixture="vacuum_table")["session_id"]
    verdict = _judge(operator_client, sid)
    assert verdict["risk_level"] == "UNKNOWN"
    assert "vacuum_table" in RunArtifact.objects.get(run_id=verdict["run_id"]).feasibility["block_reason"]
    refused = approver_client.post(f"{SESSIONS}/{sid}/approve", {}, format="json")
    assert refused.status_code == 409
    assert WorkflowSession.objects.get(pk=sid).state == "feasibility_ready"


@pytest.mark.parametrize(
    ("context", "field", "words"),
    [
        ({"post": "fanuc"}, "context.post", "Unknown post 'fanuc'; known posts: linuxcnc, grbl, mach3."),
        ({"post": ""}, "context.post", "Unknown post ''"),
        ({"post": 3}, "context.post", "Unknown post a int"),
        ({"fixture": 7}, "context.fixture", "Not a valid string."),
        ({"fixture": "x" * 65}, "context.fixture", "no more than 64 characters"),
        ({"work_offset": "G56"}, "context.work_offset", "Unknown field."),
    ],
)
def test_a_bad_fixture_or_post_is_a_400_and_leaves_the_session_as_it_was(operator_client, context, field, words):
    session = _create(operator_client, fixture="spoilboard", post="grbl")
    sid = session["session_id"]
    events = TransitionEvent.objects.filter(session_id=sid).count()
    response = operator_client.post(f"{SESSIONS}/{sid}/context", {**IDS, **context}, format="json")
    assert response.status_code == 400, response.json()
    problem = response.json()
    assert problem["error"] == "VALIDATION_ERROR"
    section, name = field.split(".")
    errors = problem["errors"].get(name) or problem["errors"][section][name]
    assert words in " ".join(errors)
    stored = WorkflowSession.objects.get(pk=sid)
    assert stored.context == {**IDS, "fixture": "spoilboard", "post": "grbl"}
    assert TransitionEvent.objects.filter(session_id=sid).count() == events
    # The same mistake on create creates nothing.
    before = WorkflowSession.objects.count()
    created = operator_client.post(SESSIONS, {"context": {**IDS, **context}}, format="json")
    assert created.status_code == 400
    assert WorkflowSession.objects.count() == before


def test_setting_the_context_again_without_them_goes_back_to_the_machines_defaults(operator_client):
    sid = _create(operator_client, fixture="spoilboard", post="mach3")["session_id"]
    response = operator_client.post(f"{SESSIONS}/{sid}/context", {**IDS, "post": None}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["context"] == IDS
    stored = WorkflowSession.objects.get(pk=sid)
    assert (stored.job_inputs()["fixture"], stored.job_inputs()["post"]) == (None, None)


def test_a_toolpaths_call_naming_the_session_is_held_to_its_fixture(operator_client, approver_client):
    sid = _create(operator_client, fixture="spoilboard")["session_id"]
    assert _judge(operator_client, sid)["risk_level"] == "GREEN"
    assert approver_client.post(f"{SESSIONS}/{sid}/approve", {}, format="json").status_code == 200
    job = {**IDS, "design": DESIGN, "session_id": sid}
    # The approved job on another fixture is another verdict: refused, and the approval still stands.
    elsewhere = operator_client.post(TOOLPATHS, job, format="json")
    assert elsewhere.status_code == 409, elsewhere.json()
    assert WorkflowSession.objects.get(pk=sid).state == "approved"
    # Any post writes the approved verdict: the controller is not part of what was judged.
    cut = operator_client.post(TOOLPATHS, {**job, "fixture": "spoilboard", "post": "mach3"}, format="json")
    assert cut.status_code == 200, cut.json()
    assert RunArtifact.objects.get(run_id=cut.json()["run_id"]).toolpaths["post"] == "mach3"
    assert WorkflowSession.objects.get(pk=sid).state == "toolpaths_ready"
