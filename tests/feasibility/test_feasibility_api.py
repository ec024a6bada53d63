"""POST /api/rmos/feasibility end to end: real engine, real registry, real ledger."""

import pytest

from runs.models import RunArtifact

URL = "/api/rmos/feasibility"
SEED_REQUEST = {
    "tool_id": "saw:thin_140",
    "material_id": "ebony",
    "machine_id": "router_a",
    "design": {"shape": "ring", "od": 140},
}
ROUTER_RING = {
    "tool_id": "router:downcut_1_8in",
    "material_id": "ebony",
    "machine_id": "router_a",
    "design": {"shape": "ring", "od": 100, "width": 4, "depth": 1.5},
}


def _check(body: dict, code: str) -> dict:
    return next(check for check in body["safety"]["checks"] if check["code"] == code)


def test_feasibility_seed_example_is_justified(operator_client):
    response = operator_client.post(URL, SEED_REQUEST, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["mode"] == "saw"
    # A saw blade cuts a straight kerf: a ring channel is not a job for it, and the verdict says so.
    assert body["safety"]["risk_level"] == "RED"
    assert body["safety"]["block_reason"]
    assert any(check["status"] == "fail" for check in body["safety"]["checks"])
    artifact = RunArtifact.objects.get(run_id=body["run_id"])
    assert artifact.kind == "feasibility"
    assert artifact.status == "OK"
    assert artifact.risk_level == "RED"
    assert artifact.feasibility_sha256 == body["feasibility_sha256"]


def test_feasibility_router_ring_is_allowed_with_resolved_cut(operator_client):
    body = operator_client.post(URL, ROUTER_RING, format="json").json()
    assert body["safety"]["risk_level"] in {"GREEN", "YELLOW"}
    assert body["mode"] == "router"
    cut = body["cut"]
    assert cut["rpm"] > 0
    assert cut["feed_mm_min"] > 0
    assert cut["passes"] >= 1
    assert body["engine_version"]


def test_feasibility_rpm_above_tool_limit_is_red_naming_the_check(operator_client):
    request = {**ROUTER_RING, "cut": {"rpm": 60000}}
    body = operator_client.post(URL, request, format="json").json()
    assert body["safety"]["risk_level"] == "RED"
    failing = [check for check in body["safety"]["checks"] if check["status"] == "fail"]
    assert any("RPM" in check["code"] for check in failing)


def test_feasibility_client_claiming_green_still_gets_red_and_is_recorded(operator_client):
    request = {
        **ROUTER_RING,
        "cut": {"rpm": 60000},
        "safety": {"risk_level": "GREEN", "score": 100},
        "risk_level": "GREEN",
        "score": 99,
        "decision": "GO",
        "feasibility": {"risk_level": "GREEN"},
        "mode": "router",
    }
    body = operator_client.post(URL, request, format="json").json()
    assert body["safety"]["risk_level"] == "RED"
    assert body["discarded_client_fields"] == ["decision", "feasibility", "mode", "risk_level", "safety", "score"]
    artifact = RunArtifact.objects.get(run_id=body["run_id"])
    assert artifact.risk_level == "RED"
    assert "safety" not in artifact.request
    assert sorted(artifact.discarded_client_fields) == body["discarded_client_fields"]


def test_feasibility_same_request_same_hash(operator_client):
    first = operator_client.post(URL, ROUTER_RING, format="json").json()
    second = operator_client.post(URL, ROUTER_RING, format="json").json()
    assert first["run_id"] != second["run_id"]
    assert first["feasibility_sha256"] == second["feasibility_sha256"]
    assert first["safety"] == second["safety"]


def test_feasibility_registry_edit_changes_hash(operator_client):
    from feasibility.models import Tool

    before = operator_client.post(URL, ROUTER_RING, format="json").json()
    Tool.objects.filter(tool_id="router:downcut_1_8in").update(chipload_max_mm=0.07)
    after = operator_client.post(URL, ROUTER_RING, format="json").json()
    assert before["feasibility_sha256"] != after["feasibility_sha256"]


@pytest.mark.parametrize("missing", ["tool_id", "material_id", "machine_id"])
def test_feasibility_unknown_id_is_unknown_naming_it(operator_client, missing):
    request = {**ROUTER_RING, missing: "no_such_thing"}
    response = operator_client.post(URL, request, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["safety"]["risk_level"] == "UNKNOWN"
    assert "no_such_thing" in body["safety"]["block_reason"]
    assert RunArtifact.objects.get(run_id=body["run_id"]).risk_level == "UNKNOWN"


def test_feasibility_missing_design_is_unknown(operator_client):
    request = {key: value for key, value in ROUTER_RING.items() if key != "design"}
    body = operator_client.post(URL, request, format="json").json()
    assert body["safety"]["risk_level"] == "UNKNOWN"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**ROUTER_RING, "rpm": 1000}, "rpm"),
        ({**ROUTER_RING, "design": {"shape": "ring", "od": "big"}}, "design"),
        ({**ROUTER_RING, "design": {"shape": "hexagon"}}, "design"),
        ({**ROUTER_RING, "design": {"shape": "ring", "od": 100, "colour": "red"}}, "design"),
        ({**ROUTER_RING, "cut": {"rpm": "fast"}}, "cut"),
        ({**ROUTER_RING, "cut": {"rmp": 1000}}, "cut"),
        ({**ROUTER_RING, "tool_id": "x" * 65}, "tool_id"),
        ({**ROUTER_RING, "design": [1, 2]}, "design"),
        ({**ROUTER_RING, "cut": {"rpm": -5}}, "cut"),
    ],
)
def test_feasibility_bad_body_is_400_with_error_artifact(operator_client, body, field):
    response = operator_client.post(URL, body, format="json")
    assert response.status_code == 400
    problem = response.json()
    assert problem["error"] == "VALIDATION_ERROR"
    if field:
        assert field in problem["errors"]
    artifact = RunArtifact.objects.get(run_id=problem["run_id"])
    assert artifact.status == "ERROR"
    assert artifact.kind == "feasibility"


def test_feasibility_tool_id_number_is_accepted_as_string_or_400(operator_client):
    # DRF's CharField coerces numbers; what matters is that nothing 500s and an artifact exists.
    response = operator_client.post(URL, {**ROUTER_RING, "tool_id": 7}, format="json")
    assert response.status_code in {200, 400}
    assert RunArtifact.objects.count() == 1


def test_feasibility_malformed_json_is_400_with_artifact(operator_client):
    response = operator_client.generic("POST", URL, '{"tool_id": ', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "MALFORMED_REQUEST"
    assert RunArtifact.objects.get(run_id=response.json()["run_id"]).status == "ERROR"


def test_feasibility_nan_is_400(operator_client):
    response = operator_client.generic(
        "POST", URL, '{"design": {"shape": "ring", "od": NaN}}', content_type="application/json"
    )
    assert response.status_code == 400


def test_feasibility_nul_character_is_400_not_500(operator_client):
    response = operator_client.post(URL, {**ROUTER_RING, "tool_id": "a\x00b"}, format="json")
    assert response.status_code == 400
    response = operator_client.post(URL, {**ROUTER_RING, "note\x00": "x"}, format="json")
    assert response.status_code == 400


def test_feasibility_json_array_body_is_400_with_artifact(operator_client):
    response = operator_client.post(URL, [ROUTER_RING], format="json")
    assert response.status_code == 400
    assert RunArtifact.objects.filter(status="ERROR").count() == 1


def test_feasibility_engine_exception_is_error_artifact_and_500(operator_client, settings):
    settings.RMOS_FEASIBILITY_ENGINE = "tests.feasibility.broken_engines.raising"
    response = operator_client.post(URL, ROUTER_RING, format="json")
    assert response.status_code == 500
    body = response.json()
    assert body["error"] == "FEASIBILITY_ERROR"
    assert "score" not in body
    artifact = RunArtifact.objects.get(run_id=body["run_id"])
    assert artifact.status == "ERROR"
    assert artifact.risk_level == ""
    assert artifact.score is None


@pytest.mark.parametrize("engine", ["bad_level", "no_score", "nan_score", "not_a_dict"])
def test_feasibility_malformed_engine_answer_fails_closed(operator_client, settings, engine):
    settings.RMOS_FEASIBILITY_ENGINE = f"tests.feasibility.broken_engines.{engine}"
    response = operator_client.post(URL, ROUTER_RING, format="json")
    assert response.status_code == 500
    assert RunArtifact.objects.get(run_id=response.json()["run_id"]).status == "ERROR"


def test_feasibility_anonymous_is_401_without_artifact(anon_client, db):
    response = anon_client.post(URL, ROUTER_RING, format="json")
    assert response.status_code == 401
    assert RunArtifact.objects.count() == 0


@pytest.mark.parametrize("persona", ["approver_client", "auditor_client", "outsider_client"])
def test_feasibility_wrong_role_is_403_and_recorded(request, persona):
    response = request.getfixturevalue(persona).post(URL, ROUTER_RING, format="json")
    assert response.status_code == 403
    assert response.json()["error"] == "PERMISSION_DENIED"
    artifact = RunArtifact.objects.get()
    assert artifact.status == "BLOCKED"


def test_feasibility_get_is_405(operator_client):
    assert operator_client.get(URL).status_code == 405


# --- where the job sits: the optional fixture -------------------------------------------------------------------

FRET_BOARD = {
    "tool_id": "router:fret_0_58mm",
    "material_id": "east_indian_rosewood",
    "machine_id": "router_a",
    "design": {"shape": "fret_slots", "scale_length": 648, "frets": 22},
}


def test_feasibility_standard_board_on_the_default_fixture_is_allowed(operator_client):
    body = operator_client.post(URL, FRET_BOARD, format="json").json()
    assert body["safety"]["risk_level"] in {"GREEN", "YELLOW"}, body["safety"]["block_reason"]
    assert (body["cut"]["fixture_id"], body["cut"]["work_offset"]) == ("fretboard_jig", "G54")
    assert _check(body, "WORK_ENVELOPE")["unit"] == "mm"
    artifact = RunArtifact.objects.get(run_id=body["run_id"])
    fixtures = artifact.registry_snapshot["machine"]["fixtures"]
    assert [fixture["fixture_id"] for fixture in fixtures] == ["fretboard_jig", "spoilboard"]


def test_feasibility_named_fixture_is_judged_on_its_work_offset(operator_client):
    body = operator_client.post(URL, {**ROUTER_RING, "fixture": "spoilboard"}, format="json").json()
    assert body["safety"]["risk_level"] in {"GREEN", "YELLOW"}
    assert (body["cut"]["fixture_id"], body["cut"]["work_offset"]) == ("spoilboard", "G55")
    assert "on spoilboard (G55)" in _check(body, "WORK_ENVELOPE")["message"]


def test_feasibility_fixture_changes_the_hash(operator_client):
    default = operator_client.post(URL, ROUTER_RING, format="json").json()
    named = operator_client.post(URL, {**ROUTER_RING, "fixture": "spoilboard"}, format="json").json()
    assert default["feasibility_sha256"] != named["feasibility_sha256"]


def test_feasibility_unknown_fixture_is_unknown_with_a_block_reason(operator_client):
    response = operator_client.post(URL, {**ROUTER_RING, "fixture": "vacuum_table"}, format="json")
    assert response.status_code == 200
    safety = response.json()["safety"]
    assert safety["risk_level"] == "UNKNOWN"
    assert safety["block_reason"].startswith("FIXTURE_KNOWN: unknown fixture 'vacuum_table' on machine 'router_a'")
    assert RunArtifact.objects.get(run_id=response.json()["run_id"]).risk_level == "UNKNOWN"


@pytest.mark.parametrize("fixture", [5, True, ["spoilboard"], {"id": "x"}, "", "Spoil Board!", "x" * 65])
def test_feasibility_malformed_fixture_is_400_naming_the_field(operator_client, fixture):
    response = operator_client.post(URL, {**ROUTER_RING, "fixture": fixture}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["error"] == "VALIDATION_ERROR"
    assert "fixture" in body["errors"]
    assert RunArtifact.objects.get(run_id=body["run_id"]).status == "ERROR"


def test_feasibility_null_fixture_means_the_default(operator_client):
    body = operator_client.post(URL, {**ROUTER_RING, "fixture": None}, format="json").json()
    assert body["cut"]["fixture_id"] == "fretboard_jig"
