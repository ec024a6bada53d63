import copy

import pytest

from runs.enums import RunKind, RunStatus
from tests.runs.factories import FEASIBILITY, record

UNKNOWN = "run_" + "f" * 32


def url(a, b, query=""):
    return f"/api/rmos/runs/diff/{a}/{b}" + (f"?{query}" if query else "")


@pytest.fixture
def pair(db):
    a = record(kind=RunKind.TOOLPATHS, gcode_text="G0 X1\n", toolpaths={"moves": 4, "cut_length_mm": 100.0})
    changed = copy.deepcopy(FEASIBILITY)
    changed["safety"].update(risk_level="RED", score=42.5, block_reason="too deep", warnings=["deep"])
    changed["safety"]["checks"][0].update(status="fail", value=0.12)
    changed["cut"]["rpm"] = 16000
    b = record(
        kind=RunKind.TOOLPATHS,
        status=RunStatus.BLOCKED,
        risk_level="RED",
        score=42.5,
        feasibility=changed,
        request={"tool_id": "router:flat_3mm", "design": {"shape": "ring", "od": 150, "width": 3, "depth": 2}},
        gcode_text="G0 X2\n",
        toolpaths={"moves": 4, "estimated_time_s": 30.0},
        errors=[{"code": "SAFETY_BLOCKED", "message": "too deep"}],
    )
    return a, b


def changes_by_path(body):
    return {change["path"]: change for change in body["changed_fields"]}


def test_diff_lists_decision_relevant_changes(auditor_client, pair):
    a, b = pair
    response = auditor_client.get(url(a.run_id, b.run_id))
    assert response.status_code == 200
    body = response.json()
    assert (body["a_id"], body["b_id"]) == (a.run_id, b.run_id)
    assert body["summary"] == {
        "a_status": "OK",
        "b_status": "BLOCKED",
        "a_kind": "toolpaths",
        "b_kind": "toolpaths",
        "total_changes": len(body["changed_fields"]),
        "added": 1,
        "removed": 1,
        "changed": len(body["changed_fields"]) - 2,
    }
    changes = changes_by_path(body)
    assert changes["status"] == {"field": "status", "path": "status", "a": "OK", "b": "BLOCKED", "op": "changed"}
    assert changes["score"]["delta"] == pytest.approx(-49.5)
    assert changes["feasibility.safety.risk_level"]["b"] == "RED"
    assert changes["feasibility.safety.checks[chip_load].status"]["op"] == "changed"
    assert changes["feasibility.safety.checks[chip_load].value"]["delta"] == pytest.approx(0.08)
    assert changes["feasibility.safety.warnings"] == {
        "field": "warnings", "path": "feasibility.safety.warnings", "a": [], "b": ["deep"], "op": "changed",
    }  # fmt: skip
    assert changes["feasibility.cut.rpm"]["delta"] == -2000
    assert changes["request.design.od"]["delta"] == 10
    assert changes["outputs.toolpaths.cut_length_mm"]["op"] == "removed"
    assert changes["outputs.toolpaths.estimated_time_s"] == {
        "field": "estimated_time_s", "path": "outputs.toolpaths.estimated_time_s", "a": None, "b": 30.0, "op": "added",
    }  # fmt: skip
    assert changes["errors"]["b"] == ["SAFETY_BLOCKED"]
    assert changes["hashes.gcode_sha256"]["op"] == "changed"
    assert "kind" not in changes
    assert "tool_id" not in changes
    assert body["hashes"]["gcode_sha256"] == {"a": a.gcode_sha256, "b": b.gcode_sha256, "equal": False}
    assert body["hashes"]["request_sha256"]["equal"] is False
    assert set(body["hashes"]) == {
        "request_sha256", "feasibility_sha256", "toolpaths_sha256", "gcode_sha256", "content_sha256"
    }  # fmt: skip


def test_diff_never_includes_gcode_text(auditor_client, pair):
    a, b = pair
    for query in ("", "all=1"):
        text = auditor_client.get(url(a.run_id, b.run_id, query)).content.decode()
        assert "G0 X1" not in text
        assert "G0 X2" not in text
        assert "gcode_text" not in text


def test_diff_all_adds_unchanged_fields(auditor_client, pair):
    a, b = pair
    body = auditor_client.get(url(a.run_id, b.run_id, "all=1")).json()
    changes = changes_by_path(body)
    assert changes["kind"] == {"field": "kind", "path": "kind", "a": "toolpaths", "b": "toolpaths", "op": "unchanged"}
    assert changes["tool_id"]["op"] == "unchanged"
    assert body["summary"]["unchanged"] == sum(c["op"] == "unchanged" for c in body["changed_fields"])
    assert body["summary"]["total_changes"] == len(body["changed_fields"]) - body["summary"]["unchanged"]


def test_diff_of_a_run_with_itself_is_empty(auditor_client, pair):
    a, _ = pair
    body = auditor_client.get(url(a.run_id, a.run_id)).json()
    assert body["changed_fields"] == []
    assert body["summary"]["total_changes"] == 0
    assert all(pair["equal"] for pair in body["hashes"].values())


@pytest.mark.parametrize(("side", "missing"), [("a", ["a"]), ("b", ["b"]), ("both", ["a", "b"])])
def test_diff_missing_side_is_404_naming_it(auditor_client, pair, side, missing):
    a, b = pair[0].run_id, pair[1].run_id
    a, b = (UNKNOWN if side in ("a", "both") else a), (UNKNOWN.replace("f", "e") if side in ("b", "both") else b)
    response = auditor_client.get(url(a, b))
    assert response.status_code == 404
    body = response.json()
    assert (body["error"], body["missing"]) == ("RUN_NOT_FOUND", missing)
    assert body["run_id"] == (a if missing[0] == "a" else b)


@pytest.mark.parametrize(
    ("a", "b", "invalid"),
    [
        ("..", "run_" + "0" * 32, ["a"]),
        ("run_" + "0" * 32, "%2e%2e", ["b"]),
        ("run_" + "A" * 32, "x", ["a", "b"]),
    ],
)
def test_diff_malformed_id_is_400(auditor_client, db, a, b, invalid):
    response = auditor_client.get(url(a, b))
    assert response.status_code == 400
    assert (response.json()["error"], response.json()["invalid"]) == ("INVALID_RUN_ID", invalid)


@pytest.mark.parametrize("path", ["diff/a%2Fb/c", "diff/run_x", "diff/a/b/c"])
def test_diff_with_slashes_in_ids_is_400(auditor_client, db, path):
    response = auditor_client.get(f"/api/rmos/runs/{path}")
    assert (response.status_code, response.json()["error"]) == (400, "INVALID_RUN_ID")


@pytest.mark.parametrize("query", ["all=maybe", "everything=1"])
def test_diff_bad_query_is_400(auditor_client, pair, query):
    response = auditor_client.get(url(pair[0].run_id, pair[1].run_id, query))
    assert (response.status_code, response.json()["error"]) == (400, "VALIDATION_ERROR")


def test_diff_anonymous_is_401(anon_client, pair):
    assert anon_client.get(url(pair[0].run_id, pair[1].run_id)).status_code == 401


def test_diff_without_role_is_403(outsider_client, pair):
    assert outsider_client.get(url(pair[0].run_id, pair[1].run_id)).status_code == 403


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_diff_write_methods_are_405(operator_client, pair, method):
    assert getattr(operator_client, method)(url(pair[0].run_id, pair[1].run_id)).status_code == 405
