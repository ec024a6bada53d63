import json

import pytest

from runs.hashing import sha256_of
from tests.runs.factories import record

UNKNOWN = "run_" + "0" * 32
MALFORMED = [
    "..",
    "%2e%2e",
    "%2E%2E",
    "%2F",
    "%2Fetc%2Fpasswd",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2fsettings.py",
    "run_..%2F..",
    "run_" + "0" * 31,
    "run_" + "0" * 33,
    "run_" + "A" * 32,
    "RUN_" + "0" * 32,
    "run_" + "g" * 32,
    "run_" + "0" * 32 + "%0A",
    "run_" + "0" * 32 + ".json",
    "run_" + "0" * 32 + "%00",
    "0" * 32,
    "diff",
    "%20",
]


@pytest.fixture
def artifact(db):
    return record(
        request={"tool_id": "router:flat_3mm", "safety": {"risk_level": "GREEN"}, "note": "ébène"},
        gcode_text="G21\nG0 Z5\n",
        toolpaths={"moves": 2},
        errors=[],
    )


def test_detail_has_every_contract_field(auditor_client, artifact):
    response = auditor_client.get(f"/api/rmos/runs/{artifact.run_id}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {
        "run_id", "seq", "created_at", "kind", "status", "mode", "tool_id", "material_id", "machine_id",
        "session_id", "actor", "risk_level", "score", "request", "discarded_client_fields", "feasibility",
        "registry_snapshot", "outputs", "errors", "engine_version", "hashes", "request_sha256",
        "feasibility_sha256", "toolpaths_sha256", "gcode_sha256", "content_sha256",
    }  # fmt: skip
    assert body["run_id"] == artifact.run_id
    assert body["created_at"].endswith("Z")
    assert body["request"] == {"tool_id": "router:flat_3mm", "note": "ébène"}
    assert body["discarded_client_fields"] == ["safety"]
    assert body["outputs"] == {"gcode_text": "G21\nG0 Z5\n", "toolpaths": {"moves": 2}}
    assert set(body["hashes"]) == {
        "request_sha256", "feasibility_sha256", "toolpaths_sha256", "gcode_sha256", "content_sha256",
        "prev_sha256", "chain_sha256",
    }  # fmt: skip
    assert body["hashes"]["request_sha256"] == body["request_sha256"] == sha256_of(body["request"])
    assert response["ETag"] == f'"{artifact.content_sha256}"'


def test_download_is_an_attachment_byte_identical_each_time(auditor_client, artifact):
    url = f"/api/rmos/runs/{artifact.run_id}/download"
    first, second = auditor_client.get(url), auditor_client.get(url)
    assert first.status_code == 200
    assert first["Content-Disposition"] == f'attachment; filename="{artifact.run_id}.json"'
    assert first["Content-Type"] == "application/json"
    assert first.content == second.content
    assert first["ETag"] == second["ETag"] == f'"{artifact.content_sha256}"'
    assert json.loads(first.content) == auditor_client.get(f"/api/rmos/runs/{artifact.run_id}").json()


@pytest.mark.parametrize("header", ['"{h}"', 'W/"{h}"', '"other", "{h}"', "*"])
def test_download_with_matching_etag_is_304(auditor_client, artifact, header):
    response = auditor_client.get(
        f"/api/rmos/runs/{artifact.run_id}/download", HTTP_IF_NONE_MATCH=header.format(h=artifact.content_sha256)
    )
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == f'"{artifact.content_sha256}"'


def test_download_with_stale_etag_is_200(auditor_client, artifact):
    response = auditor_client.get(f"/api/rmos/runs/{artifact.run_id}/download", HTTP_IF_NONE_MATCH='"stale"')
    assert response.status_code == 200


@pytest.mark.parametrize("suffix", ["", "/download"])
@pytest.mark.parametrize("run_id", MALFORMED)
def test_malformed_run_id_is_400_invalid_run_id(auditor_client, db, run_id, suffix):
    response = auditor_client.get(f"/api/rmos/runs/{run_id}{suffix}")
    assert response.status_code == 400, (run_id, response.status_code)
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["error"] == "INVALID_RUN_ID"


@pytest.mark.parametrize("suffix", ["", "/download"])
def test_unknown_run_is_404_naming_it(auditor_client, db, suffix):
    response = auditor_client.get(f"/api/rmos/runs/{UNKNOWN}{suffix}")
    assert response.status_code == 404
    assert response.json()["error"] == "RUN_NOT_FOUND"
    assert response.json()["run_id"] == UNKNOWN


@pytest.mark.parametrize("suffix", ["", "/download"])
def test_run_anonymous_is_401(anon_client, artifact, suffix):
    assert anon_client.get(f"/api/rmos/runs/{artifact.run_id}{suffix}").status_code == 401


@pytest.mark.parametrize("suffix", ["", "/download"])
def test_run_without_role_is_403(outsider_client, artifact, suffix):
    response = outsider_client.get(f"/api/rmos/runs/{artifact.run_id}{suffix}")
    assert (response.status_code, response.json()["error"]) == (403, "PERMISSION_DENIED")


@pytest.mark.parametrize("persona", ["operator_client", "approver_client", "auditor_client"])
def test_run_every_role_may_read(request, artifact, persona):
    client = request.getfixturevalue(persona)
    assert client.get(f"/api/rmos/runs/{artifact.run_id}").status_code == 200
    assert client.get(f"/api/rmos/runs/{artifact.run_id}/download").status_code == 200


@pytest.mark.parametrize("suffix", ["", "/download"])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_run_write_methods_are_405(operator_client, artifact, suffix, method):
    response = getattr(operator_client, method)(f"/api/rmos/runs/{artifact.run_id}{suffix}", {}, format="json")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"
