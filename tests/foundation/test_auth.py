import pytest
from rest_framework.test import APIClient

from rmos_site.core.authentication import TokenAuthentication
from rmos_site.core.enums import Role
from rmos_site.core.models import ApiToken
from rmos_site.core.roles import grant_role, user_roles
from rmos_site.core.tokens import key_digest, token_issue
from tests.conftest import client_for


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


# --- API tokens: one query for the token, its user and the user's roles (rmos_site/core/authentication.py) ---


def test_token_user_and_roles_come_in_one_query(operator, django_assert_num_queries):
    client = client_for(operator)
    client.get("/api/health")  # warm per-process caches
    with django_assert_num_queries(2) as captured:  # the token with user and groups, then the page
        response = client.get("/api/rmos/runs")
    assert response.status_code == 200
    auth_sql = captured.captured_queries[0]["sql"]
    assert "rmos_site_apitoken" in auth_sql
    assert "auth_group" in auth_sql


def test_token_of_inactive_user_is_401(operator):
    client = client_for(operator)
    operator.is_active = False
    operator.save(update_fields=["is_active"])
    response = client.get("/api/rmos/runs")
    assert response.status_code == 401
    assert response.json()["error"] == "AUTHENTICATION_FAILED"
    assert response.json()["detail"] == "User inactive or deleted."


def test_deleted_token_is_refused_at_once(operator):
    client = client_for(operator)
    assert client.get("/api/rmos/runs").status_code == 200
    ApiToken.objects.filter(user=operator).delete()
    response = client.get("/api/rmos/runs")
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."


def test_role_change_applies_to_the_next_request(operator, outsider):
    client = client_for(outsider)
    assert client.get("/api/rmos/runs").status_code == 403
    grant_role(outsider, Role.AUDITOR)
    assert client.get("/api/rmos/runs").status_code == 200
    outsider.groups.clear()
    assert client.get("/api/rmos/runs").status_code == 403


def test_token_user_is_the_full_user(operator):
    """Everything downstream (actor names, events) gets the real user row, not a partial one."""
    user, token = TokenAuthentication().authenticate_credentials(token_issue(user=operator))
    assert user == operator
    assert user.username == "op"
    assert user.is_active
    assert user.date_joined == operator.date_joined
    assert user_roles(user) == frozenset({Role.OPERATOR})
    assert token.user is user
    assert token.created is not None


@pytest.mark.parametrize("header", ["Token", "Token a b", "Token \x00", "Token " + "k" * 300])
def test_malformed_token_headers_are_401(db, anon_client, header):
    anon_client.credentials(HTTP_AUTHORIZATION=header)
    response = anon_client.get("/api/rmos/runs")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_tokens_are_stored_only_as_hashes(operator):
    key = token_issue(user=operator)
    stored = ApiToken.objects.get(user=operator)
    assert stored.key_sha256 == key_digest(key) != key
    assert len(key) == 40
    # Nothing in the database holds the key itself.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM rmos_site_apitoken WHERE key_sha256 = %s", [key])
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT to_regclass('authtoken_token')")
        assert cursor.fetchone()[0] is None


def test_every_issued_token_works_until_revoked(operator):
    first, second = token_issue(user=operator), token_issue(user=operator)
    for key in (first, second):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert client.get("/api/rmos/runs").status_code == 200
    ApiToken.objects.get(key_sha256=key_digest(first)).delete()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert client.get("/api/rmos/runs").status_code == 401


def test_keys_of_drf_tokens_keep_working_once_carried_over_as_hashes(operator):
    """An upgraded database still has DRF's token table with keys in clear: the migration stores their hashes
    and empties it, and clients keep their keys."""
    import importlib

    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module("rmos_site.migrations.0003_api_tokens_and_role_events")
    key = "f" * 40
    with connection.cursor() as cursor:
        cursor.execute(
            'CREATE TABLE "authtoken_token" ("key" varchar(40) PRIMARY KEY, "user_id" integer, "created" timestamptz)'
        )
        cursor.execute('INSERT INTO "authtoken_token" VALUES (%s, %s, now())', [key, operator.pk])
    with connection.schema_editor() as editor:
        migration.carry_over_drf_tokens(apps, editor)
    with connection.cursor() as cursor:
        cursor.execute('SELECT count(*) FROM "authtoken_token"')
        assert cursor.fetchone()[0] == 0
    assert ApiToken.objects.get(user=operator).key_sha256 == key_digest(key)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/rmos/runs").status_code == 200
