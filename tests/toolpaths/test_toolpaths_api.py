"""POST /api/rmos/toolpaths end to end: the fail-closed gate, verified G-code, one artifact per request."""

import hashlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feasibility.models import Tool
from feasibility.shop_data import MACHINES, MATERIALS, TOOLS
from runs.models import RunArtifact
from toolpaths import posts

URL = "/api/rmos/toolpaths"
ROUTER_RING = {
    "tool_id": "router:downcut_1_8in",
    "material_id": "ebony",
    "machine_id": "router_a",
    "design": {"shape": "ring", "od": 100, "width": 4, "depth": 1.5},
}
# A saw job runs on a machine that can hold a blade: the fret saw's arbor, its default sled, the nut at X0.
FRET_BOARD = {
    "tool_id": "saw:thin_140",
    "material_id": "ebony",
    "machine_id": "fret_saw",
    "design": {"shape": "fret_slots", "scale_length": 648, "frets": 22, "board_width": 56, "depth": 3},
}


def test_toolpaths_allowed_job_returns_verified_gcode_matching_artifact(operator_client):
    response = operator_client.post(URL, ROUTER_RING, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["run_id"] == body["_run_id"]
    assert body["mode"] == "router"
    gcode = body["gcode_text"]
    assert "G21" in gcode
    assert "M30" in gcode
    assert body["authoritative_feasibility"]["safety"]["risk_level"] in {"GREEN", "YELLOW"}
    artifact = RunArtifact.objects.get(run_id=body["run_id"])
    assert artifact.kind == "toolpaths"
    assert artifact.status == "OK"
    assert artifact.gcode_text == gcode
    assert artifact.gcode_sha256 == hashlib.sha256(gcode.encode()).hexdigest() == body["_hashes"]["gcode_sha256"]
    assert artifact.feasibility_sha256 == body["_hashes"]["feasibility_sha256"]
    assert artifact.toolpaths_sha256 == body["_hashes"]["toolpaths_sha256"]
    summary = body["toolpaths"]
    assert summary["moves"]["total"] > 0
    assert summary["estimated_time_s"] > 0


def test_toolpaths_saw_job_end_to_end(operator_client):
    response = operator_client.post(URL, FRET_BOARD, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["mode"] == "saw"
    assert "(fixture: fretboard_sled G54" in body["gcode_text"]
    assert "\nG40 G49 G80\nG21 G90 G91.1 G94 G17 G54\n" in body["gcode_text"]
    artifact = RunArtifact.objects.get(run_id=body["run_id"])
    assert artifact.gcode_sha256 == hashlib.sha256(body["gcode_text"].encode()).hexdigest()
    # The artifact keeps the machine's fixtures as they were, so later edits cannot change where this job sat.
    fixtures = artifact.registry_snapshot["machine"]["fixtures"]
    assert [fixture["fixture_id"] for fixture in fixtures] == ["fretboard_sled"]


def test_toolpaths_seed_saw_on_the_router_is_blocked_for_its_collet(operator_client):
    # The seed's toolpaths call names saw:thin_140 / ebony / router_a: router_a's vertical ER collet cannot
    # swing a 140 mm blade.
    response = operator_client.post(URL, {**FRET_BOARD, "machine_id": "router_a"}, format="json")
    assert response.status_code == 409
    assert response.json()["decision"]["block_reason"].startswith("TOOL_HOLDING:")


def test_toolpaths_seed_body_without_design_is_blocked_unknown(operator_client):
    seed = {"tool_id": "saw:thin_140", "material_id": "ebony", "machine_id": "router_a"}
    response = operator_client.post(URL, seed, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "SAFETY_BLOCKED"
    assert body["decision"]["risk_level"] == "UNKNOWN"


def test_toolpaths_red_is_409_with_contract_body_and_blocked_artifact(operator_client):
    request = {**ROUTER_RING, "cut": {"rpm": 60000}, "safety": {"risk_level": "GREEN"}}
    response = operator_client.post(URL, request, format="json")
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["error"] == "SAFETY_BLOCKED"
    assert body["message"] == "Toolpath generation blocked by server-side safety policy."
    assert body["decision"]["risk_level"] == "RED"
    assert set(body["decision"]) == {"risk_level", "score", "block_reason", "warnings"}
    assert body["authoritative_feasibility"]["safety"]["risk_level"] == "RED"
    assert "gcode_text" not in body
    artifact = RunArtifact.objects.get(run_id=body["run_id"])
    assert artifact.status == "BLOCKED"
    assert artifact.gcode_text in (None, "")


def test_toolpaths_unknown_tool_is_409_unknown(operator_client):
    response = operator_client.post(URL, {**ROUTER_RING, "tool_id": "router:nope"}, format="json")
    assert response.status_code == 409
    assert response.json()["decision"]["risk_level"] == "UNKNOWN"
    assert "router:nope" in response.json()["decision"]["block_reason"]


def test_toolpaths_engine_exception_is_500_error_artifact(operator_client, settings):
    settings.RMOS_FEASIBILITY_ENGINE = "tests.feasibility.broken_engines.raising"
    response = operator_client.post(URL, ROUTER_RING, format="json")
    assert response.status_code == 500
    body = response.json()
    assert body["error"] == "TOOLPATHS_ERROR"
    assert RunArtifact.objects.get(run_id=body["run_id"]).status == "ERROR"


def test_toolpaths_engine_inventing_a_level_is_blocked_never_ok(operator_client, settings):
    settings.RMOS_FEASIBILITY_ENGINE = "tests.feasibility.broken_engines.bad_level"
    response = operator_client.post(URL, ROUTER_RING, format="json")
    assert response.status_code == 500
    assert not RunArtifact.objects.filter(status="OK").exists()


def test_toolpaths_program_failing_verification_is_never_returned(operator_client, settings):
    # An engine that resolves a plunge deeper than the design allows: the verifier must catch the program.
    settings.RMOS_FEASIBILITY_ENGINE = "tests.toolpaths.lying_engine.evaluate"
    response = operator_client.post(URL, ROUTER_RING, format="json")
    assert response.status_code == 500
    body = response.json()
    assert body["error"] == "TOOLPATHS_ERROR"
    assert "gcode_text" not in body
    assert body["problems"]
    artifact = RunArtifact.objects.get(run_id=body["run_id"])
    assert artifact.status == "ERROR"
    assert not artifact.gcode_text


def test_toolpaths_bad_body_is_400_with_artifact(operator_client):
    response = operator_client.post(URL, {**ROUTER_RING, "design": {"shape": "ring", "od": "x"}}, format="json")
    assert response.status_code == 400
    assert RunArtifact.objects.get(run_id=response.json()["run_id"]).kind == "toolpaths"


def test_toolpaths_anonymous_is_401(anon_client, db):
    assert anon_client.post(URL, ROUTER_RING, format="json").status_code == 401


@pytest.mark.parametrize("persona", ["approver_client", "auditor_client", "outsider_client"])
def test_toolpaths_wrong_role_is_403(request, persona):
    response = request.getfixturevalue(persona).post(URL, ROUTER_RING, format="json")
    assert response.status_code == 403
    assert not RunArtifact.objects.filter(status="OK").exists()


def test_toolpaths_get_is_405(operator_client):
    assert operator_client.get(URL).status_code == 405


DESIGNS = st.one_of(
    st.fixed_dictionaries({"shape": st.just("ring"), "od": st.floats(1, 900), "width": st.floats(0.5, 30),
                           "depth": st.floats(0.1, 12)}),
    st.fixed_dictionaries({"shape": st.just("slot"), "length": st.floats(1, 900), "depth": st.floats(0.1, 12),
                           "angle": st.floats(-180, 180)}),
    st.fixed_dictionaries({"shape": st.just("fret_slots"), "scale_length": st.floats(300, 700),
                           "frets": st.integers(1, 26), "board_width": st.floats(30, 90), "depth": st.floats(0.5, 5)}),
    st.fixed_dictionaries({"shape": st.just("pocket_circle"), "d": st.floats(1, 300), "depth": st.floats(0.1, 12)}),
    st.fixed_dictionaries({"shape": st.just("pocket_rect"), "w": st.floats(1, 300), "h": st.floats(1, 300),
                           "depth": st.floats(0.1, 12)}),
)  # fmt: skip
CUTS = st.one_of(
    st.none(),
    st.fixed_dictionaries({}, optional={"rpm": st.integers(0, 40000), "feed_mm_min": st.floats(1, 20000),
                                        "stepdown_mm": st.floats(0.05, 20), "stepover_mm": st.floats(0.05, 10)}),
)  # fmt: skip
REQUESTS = st.fixed_dictionaries(
    {
        "tool_id": st.sampled_from([t["tool_id"] for t in TOOLS] + ["router:nope"]),
        "material_id": st.sampled_from([m["material_id"] for m in MATERIALS]),
        "machine_id": st.sampled_from([m["machine_id"] for m in MACHINES]),
        "design": DESIGNS,
        "cut": CUTS,
    },
    optional={
        "safety": st.just({"risk_level": "GREEN", "score": 100}),
        # Fixtures of some machine, of none, and the default: a fixture the machine lacks is UNKNOWN (409).
        "fixture": st.sampled_from([None, "fretboard_jig", "spoilboard", "fretboard_sled", "vacuum_table"]),
    },
)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request_body=REQUESTS)
def test_toolpaths_zero_red_to_green_leaks(operator_client, request_body):
    before = RunArtifact.objects.count()
    response = operator_client.post(URL, request_body, format="json")
    assert response.status_code in {200, 409}, response.json()
    assert RunArtifact.objects.count() == before + 1
    artifact = RunArtifact.objects.get(run_id=response.json()["run_id"])
    if response.status_code == 200:
        assert artifact.status == "OK"
        assert artifact.risk_level == "GREEN" or (artifact.risk_level == "YELLOW" and artifact.score >= 70)
        assert artifact.gcode_sha256 == hashlib.sha256(response.json()["gcode_text"].encode()).hexdigest()
    else:
        assert artifact.status == "BLOCKED"
        if artifact.risk_level == "YELLOW":  # without a session, a YELLOW no approver could sign off
            assert response.json()["error"] == "APPROVAL_REQUIRED"
            assert artifact.score < 70
        else:
            assert artifact.risk_level != "GREEN"
    assert not RunArtifact.objects.filter(status="OK").exclude(risk_level__in=["GREEN", "YELLOW"]).exists()
    assert not RunArtifact.objects.filter(status="OK", risk_level="YELLOW", score__lt=70).exists()


@pytest.mark.parametrize(("board_width", "allowed"), [(155, True), (156, False)])
def test_fret_board_near_the_y_travel_is_judged_with_the_lead_in(operator_client, board_width, allowed):
    """The saw runs on past each board edge by its half chord plus the generator's lead clearance; the
    engine's envelope includes both, so a board whose slots fit only without the clearance is refused by
    feasibility (409), never passed on to fail verification (500). The fret saw's sled puts Y0 at machine
    Y100 in 0..200 of soft limits; the 140 mm blade at 3 mm depth has a half chord of 20.27 mm:
    156 / 2 + 20.27 = 98.27 fits, + 2 does not; 155 / 2 + 22.27 = 99.77 does."""
    body = {**FRET_BOARD, "design": {**FRET_BOARD["design"], "board_width": board_width}}
    response = operator_client.post(URL, body, format="json")
    if allowed:
        assert response.status_code == 200, response.json()
        return
    assert response.status_code == 409, response.json()
    assert response.json()["decision"]["risk_level"] == "RED"
    assert "WORK_ENVELOPE" in response.json()["decision"]["block_reason"]


def test_toolpaths_program_selects_the_named_fixtures_work_offset(operator_client):
    response = operator_client.post(URL, {**ROUTER_RING, "fixture": "spoilboard"}, format="json")
    assert response.status_code == 200, response.json()
    text = response.json()["gcode_text"]
    assert "\nG21 G90 G91.1 G94 G17 G55\n" in text
    assert "(fixture: spoilboard G55 - Spoilboard, work zero at the centre" in text
    assert "(work zero: X0 Y0 = centre of the ring, Z0 = top of stock)" in text


def test_toolpaths_unknown_fixture_is_blocked(operator_client):
    response = operator_client.post(URL, {**ROUTER_RING, "fixture": "vacuum_table"}, format="json")
    assert response.status_code == 409
    assert response.json()["decision"]["risk_level"] == "UNKNOWN"


@pytest.mark.parametrize("y", [-17.9, 10.0003])
def test_toolpaths_pocket_whose_arc_rounded_to_nothing_is_released_and_verified(operator_client, y):
    # Released as GREEN before, but LinuxCNC refused it ("Zero-radius arc"); with y 10.0003 it answered 500.
    request = {
        "tool_id": "router:upcut_1_4in",
        "material_id": "walnut",
        "machine_id": "router_a",
        "design": {"shape": "pocket_circle", "d": 60.57301, "depth": 3, "x": -50.5505, "y": y},
    }
    response = operator_client.post(URL, request, format="json")
    assert response.status_code == 200, response.json()
    assert "I-0.001 J0" not in response.json()["gcode_text"]


# --- posts --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("machine_id", "post", "tool_change"),
    [("router_a", "linuxcnc", "\nT4 M6 G43 H4\n"), ("desktop_4040", "grbl", "\nM0\n")],
)
def test_toolpaths_default_post_is_the_machines_controller(operator_client, machine_id, post, tool_change):
    response = operator_client.post(URL, {**ROUTER_RING, "machine_id": machine_id}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert tool_change in body["gcode_text"]
    assert body["toolpaths"]["post"] == post
    assert body["toolpaths"]["post_version"] == posts.POSTS[post].version
    assert body["toolpaths"]["entry"].startswith("straight plunge")
    artifact = RunArtifact.objects.get(run_id=body["run_id"])
    # The post is inside the hashed toolpaths output, and the hash covers the exact text.
    assert artifact.toolpaths["post"] == post
    assert artifact.toolpaths["post_version"] == body["toolpaths"]["post_version"]
    assert artifact.gcode_sha256 == hashlib.sha256(body["gcode_text"].encode()).hexdigest()


def test_toolpaths_requested_post_overrides_the_controller_and_is_recorded(operator_client):
    response = operator_client.post(URL, {**ROUTER_RING, "post": "mach3"}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    # Mach3 reads G4 P in milliseconds: router_a's 5 s spindle ramp.
    assert "\nG4 P5000\n" in body["gcode_text"]
    artifact = RunArtifact.objects.get(run_id=body["run_id"])
    assert artifact.toolpaths["post"] == "mach3"
    assert artifact.request["post"] == "mach3"
    grbl = operator_client.post(URL, {**ROUTER_RING, "post": "grbl"}, format="json").json()
    assert "M6" not in grbl["gcode_text"]
    assert grbl["_hashes"]["gcode_sha256"] != body["_hashes"]["gcode_sha256"]
    assert grbl["_hashes"]["toolpaths_sha256"] != body["_hashes"]["toolpaths_sha256"]


@pytest.mark.parametrize("post", ["fanuc", "", "LINUXCNC", 3, ["grbl"], {"name": "grbl"}])
def test_toolpaths_unknown_post_is_400_naming_the_known_posts(operator_client, post):
    before = RunArtifact.objects.count()
    response = operator_client.post(URL, {**ROUTER_RING, "post": post}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["errors"]["post"] == [f"Unknown post {post!r}; known posts: linuxcnc, grbl, mach3."] or (
        "known posts: linuxcnc, grbl, mach3" in body["errors"]["post"][0]
    )
    # The refusal is an ERROR artifact; no G-code anywhere.
    assert RunArtifact.objects.count() == before + 1
    assert RunArtifact.objects.get(run_id=body["run_id"]).gcode_text is None


def test_toolpaths_tool_that_cannot_enter_the_cut_is_refused_with_the_reason(operator_client):
    # A straight (not centre-cutting) 1/4 in bit in a pocket barely wider than itself: no room to ramp or helix.
    Tool.objects.create(
        **{
            **next(tool for tool in TOOLS if tool["tool_id"] == "router:upcut_1_4in"),
            "tool_id": "router:straight_1_4in",
            "tool_number": 30,
            "centre_cutting": False,
        }
    )
    request = {
        "tool_id": "router:straight_1_4in",
        "material_id": "walnut",
        "machine_id": "router_a",
        "fixture": "spoilboard",
        "design": {"shape": "pocket_circle", "d": 6.6, "depth": 1},
    }
    response = operator_client.post(URL, request, format="json")
    assert response.status_code == 409, response.json()
    body = response.json()
    assert "does not cut at its centre" in body["detail"]
    artifact = RunArtifact.objects.get(run_id=body["run_id"])
    assert artifact.status == "BLOCKED"
    assert artifact.errors[0]["code"] == "POST_REFUSED"
    assert artifact.gcode_text is None
