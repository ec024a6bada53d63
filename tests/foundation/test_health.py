import pytest
from django.db import connection


def test_health_anonymous_ok(db, anon_client):
    response = anon_client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["version"]


@pytest.mark.django_db(transaction=True)
def test_health_database_down_is_503_problem(anon_client):
    # Point the live connection at a port nothing listens on: a real failed connect, not a mock.
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update({"HOST": "127.0.0.1", "PORT": "1"})
    try:
        response = anon_client.get("/api/health")
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["error"] == "DATABASE_UNAVAILABLE"
    assert body["database"] == "unreachable"
    assert response["Retry-After"] == "5"


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_health_wrong_method_is_405_problem(db, anon_client, method):
    response = getattr(anon_client, method)("/api/health")
    assert response.status_code == 405
    assert response.json()["error"] == "METHOD_NOT_ALLOWED"
