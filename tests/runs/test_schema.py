def test_schema_documents_the_runs_api(auditor_client):
    schema = auditor_client.get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    for path in ("/api/rmos/runs", "/api/rmos/runs/{run_id}", "/api/rmos/runs/{run_id}/download",
                 "/api/rmos/runs/diff/{a_id}/{b_id}"):  # fmt: skip
        assert "get" in paths[path], path
    parameters = {p["name"]: p for p in paths["/api/rmos/runs"]["get"]["parameters"]}
    assert {"status", "kind", "tool_id_prefix", "date_from", "limit", "cursor"} <= set(parameters)
    assert parameters["status"]["schema"]["type"] == "array"
