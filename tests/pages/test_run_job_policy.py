"""The "Run a job" page gets the toolpaths service's answers on the shop policy: the same refusal, the same
artifact, as the API."""

from runs.models import RunArtifact
from tests.pages.conftest import JOB, visible


def _form(**cut) -> dict:
    data = {key: value for key, value in JOB.items() if key != "design"}
    data["design"] = '{"shape": "ring", "od": 100, "width": 4, "depth": 1.5}'
    return {**data, **cut}


def test_run_job_for_a_yellow_below_the_approval_minimum_says_to_start_a_session(operator_page):
    response = operator_page.post("/runs/new", _form(feed_mm_min="400"), follow=True)
    artifact = RunArtifact.objects.get()
    assert (artifact.kind, artifact.status, artifact.risk_level) == ("toolpaths", "BLOCKED", "YELLOW")
    assert artifact.errors[0]["code"] == "APPROVAL_REQUIRED"
    assert artifact.gcode_text is None
    assert "Start a workflow session" in visible(response)


def test_run_job_over_the_minimum_stepdown_is_blocked_naming_the_limit(operator_page):
    response = operator_page.post("/runs/new", _form(stepdown_mm="0.01"), follow=True)
    artifact = RunArtifact.objects.get()
    assert artifact.status == "BLOCKED"
    assert "Blocked by the server's safety policy: MIN_STEPDOWN" in visible(response)
    assert "min_stepdown_mm" in visible(response)
