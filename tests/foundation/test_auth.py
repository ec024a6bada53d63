import pytest


def test_schema_without_token_is_401_problem(db, anon_client):
    response = anon_client.get("/api/schema")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == "Token"
    body = response.json()
    assert body["error"] == "NOT_AUTHENTICATED"
    assert body["status"] == 401
    assert set(body) >= {"type", "title", "status", "detail", "error"}


def test_schema_bad_token_is_401(db, anon_client):
    anon_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = anon_client.get("/api/schema")
    assert response.status_code == 401
    assert response.json()["error"] == "AUTHENTICATION_FAILED"


def test_schema_user_without_role_is_403(outsider_client):
    response = outsider_client.get("/api/schema")
    assert response.status_code == 403
    assert response.json()["error"] == "PERMISSION_DENIED"


@pytest.mark.parametrize("persona", ["operator_client", "approver_client", "auditor_client"])
def test_schema_any_role_gets_openapi(request, persona):
    response = request.getfixturevalue(persona).get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")
    assert "/api/health" in response.json()["paths"]


def test_docs_anonymous_redirects_to_login(db, client):
    response = client.get("/api/docs")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_docs_logged_in_serves_local_assets(client, operator):
    client.force_login(operator)
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html


def test_login_page_is_public(db, client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content


def test_login_then_home(client, operator):
    response = client.post("/accounts/login/", {"username": "op", "password": "pw-op"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_home_anonymous_redirects_to_login(db, client):
    response = client.get("/")
    assert response.status_code == 302


def test_static_files_are_public(db, client):
    response = client.get("/static/rmos/rmos.css")
    assert response.status_code == 200
    assert b"--ok" in b"".join(response.streaming_content)
    response.close()


def test_unknown_api_path_is_404_problem(db, anon_client):
    response = anon_client.get("/api/nope")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["error"] == "NOT_FOUND"
