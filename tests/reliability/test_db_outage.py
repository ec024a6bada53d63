"""The database going away: answers are 503 problems (never a 500 or a hang), nothing half-written stays, and
the next request works without a restart. ``bench/fault_db_restart.py`` restarts a real server under load."""

import json

import psycopg
import pytest
from django.db import connection

from feasibility import services as feasibility_services
from rmos_site.core.models import IdempotencyRecord
from rmos_site.core.tokens import token_issue
from runs.models import RunArtifact
from tests.conftest import client_for, make_user
from tests.reliability.conftest import ROUTER_RING, http_post

URL = "/api/rmos/feasibility"
PROBLEM = "application/problem+json"


def _post(client, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(URL, json.dumps(ROUTER_RING), content_type="application/json", **headers)


def _assert_unavailable(response):
    assert response.status_code == 503
    assert response["Content-Type"] == PROBLEM
    assert response["Retry-After"] == "5"
    assert response.json()["error"] == "DATABASE_UNAVAILABLE"


@pytest.mark.django_db(transaction=True)
def test_outage_database_unreachable_is_503_and_the_next_request_works(default_shop):
    client = client_for(make_user("op", "operator"))
    # Point the connection at a port nothing listens on: a real refused connect, as during a restart.
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update({"HOST": "127.0.0.1", "PORT": "1"})
    try:
        down = _post(client, key="k-1")
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)
    _assert_unavailable(down)
    assert not RunArtifact.objects.exists()
    retried = _post(client, key="k-1")
    assert retried.status_code == 200
    assert "Idempotent-Replayed" not in retried


@pytest.mark.django_db(transaction=True)
def test_outage_connection_lost_mid_request_leaves_no_partial_artifact(live_server, default_shop, monkeypatch):
    """The server ends the serving backend after the verdict and before the artifact is written: the write
    fails, the request is a 503, nothing of it is kept (no artifact, no stored answer), and a retry over the
    same server runs it afresh. Over real HTTP, so the request cycle drops the dead connection as it would in
    production. Without a key, and with one."""
    token = token_issue(user=make_user("op", "operator"))
    evaluate = feasibility_services.feasibility_evaluate

    def evaluate_then_lose_the_connection(**kwargs):
        evaluation = evaluate(**kwargs)
        with psycopg.connect(**connection.get_connection_params(), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])
        return evaluation

    written = []
    for key in (None, "k-2"):
        monkeypatch.setattr(feasibility_services, "feasibility_evaluate", evaluate_then_lose_the_connection)
        status, headers, body = http_post(live_server.url, URL, ROUTER_RING, token, key)
        monkeypatch.undo()
        assert (status, headers["Content-Type"], body["error"]) == (503, PROBLEM, "DATABASE_UNAVAILABLE")
        assert headers["Retry-After"] == "5"
        assert set(RunArtifact.objects.values_list("run_id", flat=True)) == set(written)
        assert not IdempotencyRecord.objects.exists()
        status, headers, body = http_post(live_server.url, URL, ROUTER_RING, token, key)
        assert status == 200
        assert "Idempotent-Replayed" not in headers
        written.append(body["run_id"])
        assert set(RunArtifact.objects.values_list("run_id", flat=True)) == set(written)
