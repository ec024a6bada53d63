"""``GET /api/rmos/runs/{run_id}/gcode``: the program as a file, byte-equal to what ``gcode_sha256`` covers."""

import hashlib
import json

import pytest

from runs.gcode_file import EXTENSIONS, gcode_filename
from runs.hashing import CONTENT_FIELDS
from tests.runs.factories import record
from tests.runs.test_detail_api import MALFORMED, UNKNOWN
from toolpaths import posts

GCODE = "(ébène rosette)\nG21\nG90\nG0 Z5\nG1 Z-1 F300\nM2\n"


@pytest.fixture
def artifact(db):
    return record(gcode_text=GCODE, toolpaths={"moves": 3}, errors=[])


def url(run_id: str) -> str:
    return f"/api/rmos/runs/{run_id}/gcode"


def test_gcode_is_an_attachment_whose_sha256_is_the_artifacts(auditor_client, artifact):
    response = auditor_client.get(url(artifact.run_id))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{artifact.run_id}.ngc"'
    assert hashlib.sha256(response.content).hexdigest() == artifact.gcode_sha256
    assert response.content == GCODE.encode("utf-8")
    assert response["ETag"] == f'"{artifact.gcode_sha256}"'
    assert response["Cache-Control"] == "private, no-cache"


def test_gcode_with_matching_etag_is_304(auditor_client, artifact):
    response = auditor_client.get(url(artifact.run_id), HTTP_IF_NONE_MATCH=f'"{artifact.gcode_sha256}"')
    assert response.status_code == 304
    assert response.content == b""


def test_the_extension_follows_the_post_processor(db):
    assert gcode_filename(record(gcode_text=GCODE)).endswith(".ngc")  # every program so far is LinuxCNC's
    grbl = record(gcode_text=GCODE, toolpaths={"post": "grbl"})
    assert gcode_filename(grbl) == f"{grbl.run_id}.nc"
    assert gcode_filename(record(gcode_text=GCODE, toolpaths={"post": "unheard-of"})).endswith(".ngc")


@pytest.mark.parametrize("changes", [{"gcode_text": None}, {"gcode_text": None, "status": "BLOCKED"}])
def test_a_run_without_gcode_is_404_no_gcode(auditor_client, db, changes):
    artifact = record(**changes)
    response = auditor_client.get(url(artifact.run_id))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["error"] == "NO_GCODE"


def test_an_unknown_run_is_404_run_not_found(auditor_client, db):
    response = auditor_client.get(url(UNKNOWN))
    assert (response.status_code, response.json()["error"]) == (404, "RUN_NOT_FOUND")


@pytest.mark.parametrize("run_id", MALFORMED)
def test_a_malformed_run_id_is_400_invalid_run_id(auditor_client, db, run_id):
    response = auditor_client.get(url(run_id))
    assert (response.status_code, response.json()["error"]) == (400, "INVALID_RUN_ID"), run_id


def test_anonymous_is_401_and_without_a_role_403(anon_client, outsider_client, artifact):
    assert anon_client.get(url(artifact.run_id)).status_code == 401
    response = outsider_client.get(url(artifact.run_id))
    assert (response.status_code, response.json()["error"]) == (403, "PERMISSION_DENIED")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_write_methods_are_405(operator_client, artifact, method):
    response = getattr(operator_client, method)(url(artifact.run_id), {}, format="json")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"


def test_the_schema_documents_it(auditor_client):
    schema = auditor_client.get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/rmos/runs/{run_id}/gcode"]["get"]
    assert "text/plain" in operation["responses"]["200"]["content"]
    assert {"304", "400", "401", "403", "404"} <= set(operation["responses"])


def test_the_recipes_of_docs_api_md_check_both_downloads(auditor_client, artifact):
    """What docs/api.md tells integrators to run, run here: it must stay true."""
    gcode = auditor_client.get(url(artifact.run_id)).content
    assert hashlib.sha256(gcode).hexdigest() == artifact.gcode_sha256
    pretty = auditor_client.get(f"/api/rmos/runs/{artifact.run_id}/download").content
    assert hashlib.sha256(pretty).hexdigest() != artifact.content_sha256  # the file is for people
    doc = json.loads(pretty)
    fields = (  # the list docs/api.md gives
        "run_id",
        "kind",
        "status",
        "mode",
        "tool_id",
        "material_id",
        "machine_id",
        "session_id",
        "actor",
        "risk_level",
        "score",
        "request",
        "discarded_client_fields",
        "feasibility",
        "registry_snapshot",
        "gcode_text",
        "toolpaths",
        "errors",
        "engine_version",
        "request_sha256",
        "feasibility_sha256",
        "toolpaths_sha256",
        "gcode_sha256",
    )
    assert tuple(fields) == CONTENT_FIELDS
    content = {name: doc["outputs"][name] if name in ("gcode_text", "toolpaths") else doc[name] for name in fields}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    assert hashlib.sha256(canonical.encode("utf-8")).hexdigest() == doc["content_sha256"] == artifact.content_sha256
    request = json.dumps(doc["request"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert hashlib.sha256(request.encode("utf-8")).hexdigest() == artifact.request_sha256


def test_the_download_extensions_are_the_posts_own():
    # runs may not import toolpaths, so the ledger's table repeats the posts' extensions: they must agree.
    assert {name: posts.file_extension(name) for name in posts.POSTS} == EXTENSIONS
