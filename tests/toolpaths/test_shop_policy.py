"""The shop policy end to end: bounded work refused before generation (409 naming the limit), the governance
gap closed (a YELLOW no approver could sign off is 409 APPROVAL_REQUIRED without a session), the policy in
every artifact's snapshot and hash, and edited only by the admin role in the admin, with its history."""

import time

import pytest

from feasibility.models import ShopPolicy
from feasibility.selectors import shop_policy
from runs.models import RunArtifact
from tests.conftest import client_for, make_user
from tests.feasibility.test_policy_checks import BIG_POCKET
from tests.workflow.conftest import CONTEXT, RING
from tests.workflow.test_happy_path import _journey_to_approval

TOOLPATHS = "/api/rmos/toolpaths"
FEASIBILITY = "/api/rmos/feasibility"
ROUTER_RING = {**CONTEXT, "design": RING}
# Real verdicts of the real engine: a ring in ebony fed too slowly rubs (CHIP_LOAD) and heats (HEAT_RISK).
YELLOW_LOW = {**ROUTER_RING, "cut": {"feed_mm_min": 400}}  # YELLOW 53.5: below any approver's minimum
YELLOW_HIGH = {**ROUTER_RING, "cut": {"feed_mm_min": 800}}  # YELLOW 77.9: approvable


def _post(client, url, body):
    return client.post(url, body, format="json")


# --- bounded work ------------------------------------------------------------------------------------------


def test_a_tiny_stepdown_is_refused_before_generation_naming_the_limit(operator_client):
    request = {**BIG_POCKET, "cut": {"stepdown_mm": 0.01}}
    started = time.perf_counter()
    response = _post(operator_client, TOOLPATHS, request)
    elapsed = time.perf_counter() - started
    assert response.status_code == 409, response.json()
    body = response.json()
    assert body["error"] == "SAFETY_BLOCKED"
    assert body["decision"]["block_reason"].startswith("MIN_STEPDOWN: 0.01 mm per pass (client) is below the shop")
    assert "min_stepdown_mm" in body["decision"]["block_reason"]
    checks = {check["code"]: check for check in body["authoritative_feasibility"]["safety"]["checks"]}
    assert checks["PROGRAM_SIZE"]["status"] == "fail"
    assert checks["PROGRAM_SIZE"]["unit"] == "s"
    artifact = RunArtifact.objects.get(run_id=body["run_id"])
    assert (artifact.status, artifact.gcode_text) == ("BLOCKED", None)
    # Before the limits this job generated 2.5 MB of G-code in over a second of CPU; now nothing is generated.
    assert elapsed < 1.0


def test_with_a_finer_minimum_the_program_size_limit_still_refuses_it(operator_client, set_policy):
    set_policy(min_stepdown_mm=0.01)
    response = _post(operator_client, TOOLPATHS, {**BIG_POCKET, "cut": {"stepdown_mm": 0.01}})
    assert response.status_code == 409
    reason = response.json()["decision"]["block_reason"]
    assert reason.startswith("PROGRAM_SIZE: estimated program too large: ")
    assert "over the shop's limit of 28800 (max_cutting_time_s)" in reason


def test_feasibility_shows_the_same_limit(operator_client):
    response = _post(operator_client, FEASIBILITY, {**BIG_POCKET, "cut": {"stepdown_mm": 0.01}})
    assert response.status_code == 200
    safety = response.json()["safety"]
    assert safety["risk_level"] == "RED"
    assert safety["block_reason"].startswith("MIN_STEPDOWN: ")


def test_the_registry_cut_of_the_big_pocket_is_still_released(operator_client):
    response = _post(operator_client, TOOLPATHS, BIG_POCKET)
    assert response.status_code == 200, response.json()
    checks = {check["code"]: check for check in response.json()["authoritative_feasibility"]["safety"]["checks"]}
    estimate = checks["PROGRAM_SIZE"]["value"]
    assert response.json()["toolpaths"]["moves"]["total"] <= estimate


def test_a_lowered_move_limit_refuses_what_it_released(operator_client, set_policy):
    assert _post(operator_client, TOOLPATHS, ROUTER_RING).status_code == 200
    set_policy(max_moves=10)
    response = _post(operator_client, TOOLPATHS, ROUTER_RING)
    assert response.status_code == 409
    assert "over the shop's limit of 10 (max_moves)" in response.json()["decision"]["block_reason"]


# --- the governance gap ------------------------------------------------------------------------------------


def test_a_yellow_below_the_approval_minimum_needs_a_session(operator_client):
    response = _post(operator_client, TOOLPATHS, YELLOW_LOW)
    assert response.status_code == 409, response.json()
    body = response.json()
    assert body["error"] == "APPROVAL_REQUIRED"
    assert body["decision"]["risk_level"] == "YELLOW"
    assert body["decision"]["score"] < 70
    assert body["approval_min_yellow_score"] == 70
    assert "Start a workflow session" in body["detail"]
    assert "gcode_text" not in body
    artifact = RunArtifact.objects.get(run_id=body["run_id"])
    assert (artifact.kind, artifact.status, artifact.gcode_text) == ("toolpaths", "BLOCKED", None)
    assert artifact.errors[0]["code"] == "APPROVAL_REQUIRED"
    assert (artifact.risk_level, artifact.score) == ("YELLOW", body["decision"]["score"])
    assert artifact.registry_snapshot["policy"] == shop_policy()
    assert artifact.feasibility_sha256 == body["authoritative_feasibility"]["feasibility_sha256"]


def test_a_yellow_at_or_above_the_minimum_is_released_without_a_session(operator_client):
    response = _post(operator_client, TOOLPATHS, YELLOW_HIGH)
    assert response.status_code == 200, response.json()
    assert response.json()["authoritative_feasibility"]["safety"]["risk_level"] == "YELLOW"


def test_the_minimum_is_the_policys(operator_client, set_policy):
    set_policy(approval_min_yellow_score=50)
    assert _post(operator_client, TOOLPATHS, YELLOW_LOW).status_code == 200
    set_policy(approval_min_yellow_score=90)
    assert _post(operator_client, TOOLPATHS, YELLOW_HIGH).json()["error"] == "APPROVAL_REQUIRED"


def test_the_policy_can_require_a_session_for_every_yellow(operator_client, set_policy):
    set_policy(yellow_requires_session=True)
    response = _post(operator_client, TOOLPATHS, YELLOW_HIGH)
    assert response.status_code == 409
    assert response.json()["error"] == "APPROVAL_REQUIRED"
    assert "requires an approved session for every YELLOW" in response.json()["detail"]
    # GREEN is still released.
    assert _post(operator_client, TOOLPATHS, ROUTER_RING).status_code == 200


def test_a_non_operator_is_refused_before_the_gate(approver_client):
    response = _post(approver_client, TOOLPATHS, YELLOW_LOW)
    assert response.status_code == 403


# --- the policy in the snapshot and the hash ---------------------------------------------------------------


def test_every_artifact_snapshots_the_policy_and_its_hash_covers_it(operator_client, set_policy):
    first = _post(operator_client, FEASIBILITY, ROUTER_RING).json()
    artifact = RunArtifact.objects.get(run_id=first["run_id"])
    assert artifact.registry_snapshot["policy"]["approval_min_yellow_score"] == 70.0
    assert set(artifact.registry_snapshot) == {"tool", "material", "machine", "policy"}
    set_policy(max_moves=150_000)
    second = _post(operator_client, FEASIBILITY, ROUTER_RING).json()
    assert second["safety"]["risk_level"] == first["safety"]["risk_level"]
    assert second["feasibility_sha256"] != first["feasibility_sha256"]
    # The old run keeps the policy it was judged with.
    artifact.refresh_from_db()
    assert artifact.registry_snapshot["policy"]["max_moves"] == 200_000
    assert RunArtifact.objects.get(run_id=second["run_id"]).registry_snapshot["policy"]["max_moves"] == 150_000


def test_a_policy_edit_voids_an_earlier_approval(operator_client, approver_client, set_policy):
    sid, _, _ = _journey_to_approval(operator_client, approver_client)
    set_policy(min_stepdown_mm=0.06)
    response = _post(operator_client, TOOLPATHS, {**ROUTER_RING, "session_id": sid})
    assert response.status_code == 409
    assert response.json()["state"] == "design_revision_required"
    artifact = RunArtifact.objects.get(run_id=response.json()["run_id"])
    assert artifact.errors[0]["code"] == "APPROVAL_MISMATCH"


# --- the admin ---------------------------------------------------------------------------------------------

CHANGE = "/admin/feasibility/shoppolicy/1/change/"


def _form_data(client) -> dict:
    response = client.get(CHANGE)
    assert response.status_code == 200
    form = response.context["adminform"].form
    return {name: value for name, value in form.initial.items() if value is not None and value is not False}


def test_the_admin_role_edits_the_policy_and_its_history_is_kept(client, admin_user):
    client.force_login(admin_user)
    data = {**_form_data(client), "approval_min_yellow_score": 80, "allow_self_approval": "on"}
    response = client.post(CHANGE, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    policy = ShopPolicy.objects.get()
    assert (policy.approval_min_yellow_score, policy.allow_self_approval) == (80.0, True)
    event = policy.events.order_by("-pgh_id").first()
    assert event.pgh_label == "update"
    assert event.approval_min_yellow_score == 80.0
    assert event.pgh_context.metadata["user"] == admin_user.pk
    # The migration's row is the first event: every value the policy has had is kept.
    assert policy.events.order_by("pgh_id").first().approval_min_yellow_score == 70.0


@pytest.mark.parametrize(
    ("field", "value"),
    [("max_moves", 0), ("max_gcode_bytes", 10**9), ("min_stepdown_mm", 0), ("approval_min_yellow_score", 101)],
)
def test_the_admin_refuses_values_out_of_bounds(client, admin_user, field, value):
    client.force_login(admin_user)
    before = shop_policy()
    response = client.post(CHANGE, {**_form_data(client), field: value})
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert shop_policy() == before


def test_the_database_refuses_values_out_of_bounds(db):
    from django.db import IntegrityError, transaction

    for changes in ({"max_moves": 0}, {"min_stepdown_mm": -1}, {"max_cutting_time_s": 10**9}):
        with pytest.raises(IntegrityError), transaction.atomic():
            ShopPolicy.objects.filter(pk=1).update(**changes)
    with pytest.raises(IntegrityError), transaction.atomic():
        ShopPolicy.objects.create(pk=2)


def test_nobody_adds_or_deletes_the_policy_in_the_admin(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/feasibility/shoppolicy/add/").status_code == 403
    assert client.post("/admin/feasibility/shoppolicy/1/delete/", {"post": "yes"}).status_code == 403
    assert ShopPolicy.objects.count() == 1


def test_other_roles_may_not_change_the_policy(client, approver, auditor, operator):
    for user in (approver, auditor):
        client.force_login(user)
        assert client.get(CHANGE).status_code == 200  # view only
        response = client.post(CHANGE, {"approval_min_yellow_score": 0, "allow_self_approval": "on"})
        assert response.status_code == 403
    client.force_login(operator)
    assert client.get(CHANGE).status_code == 302  # not staff: sent to the admin login
    assert shop_policy()["approval_min_yellow_score"] == 70.0
    assert shop_policy()["allow_self_approval"] is False


def test_a_policy_without_its_row_is_the_defaults(db):
    from feasibility.engine.tables import DEFAULT_POLICY

    ShopPolicy.objects.all().delete()
    assert shop_policy() == DEFAULT_POLICY
    client = client_for(make_user("op9", "operator"))
    response = _post(client, TOOLPATHS, YELLOW_LOW)
    assert response.json()["error"] == "APPROVAL_REQUIRED"


def test_a_program_over_the_limits_is_never_released_even_if_the_engine_let_it_through(
    operator_client, settings, set_policy
):
    """Fail closed: an engine that judges against other limits than the shop's (a plug-in, or an estimate gone
    wrong) cannot release a program over them; the run is an ERROR artifact without G-code."""
    settings.RMOS_FEASIBILITY_ENGINE = "tests.toolpaths.unbounded_engine.evaluate"
    set_policy(max_moves=10)
    response = _post(operator_client, TOOLPATHS, ROUTER_RING)
    assert response.status_code == 500
    body = response.json()
    assert body["error"] == "TOOLPATHS_ERROR"
    assert any("over the shop's limit of 10 (max_moves)" in problem for problem in body["problems"])
    artifact = RunArtifact.objects.get(run_id=body["run_id"])
    assert (artifact.status, artifact.gcode_text) == ("ERROR", None)
