"""Idempotency-Key on POST feasibility and POST toolpaths: retries replay, they never write twice."""

import json
import threading

import pytest
from django.db import connection

from rmos_site.core.models import IdempotencyRecord
from runs.models import RunArtifact
from tests.conftest import client_for, make_user
from tests.reliability.conftest import ROUTER_RING, SAW_RING

FEASIBILITY = "/api/rmos/feasibility"
TOOLPATHS = "/api/rmos/toolpaths"


def _post(client, url, body, key=None, **extra):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    return client.post(url, body, content_type="application/json", **headers, **extra)


@pytest.mark.parametrize("url", [FEASIBILITY, TOOLPATHS])
def test_idempotency_retry_replays_first_answer_without_a_second_artifact(operator_client, url):
    first = _post(operator_client, url, ROUTER_RING, "key-1")
    assert first.status_code == 200, first.json()
    assert "Idempotent-Replayed" not in first
    second = _post(operator_client, url, ROUTER_RING, "key-1")
    assert second.status_code == 200
    assert second["Idempotent-Replayed"] == "true"
    assert second.content == first.content
    assert RunArtifact.objects.count() == 1
    record = IdempotencyRecord.objects.get()
    assert record.run_id == first.json()["run_id"]


def test_idempotency_body_compared_as_canonical_json(operator_client):
    first = _post(operator_client, FEASIBILITY, ROUTER_RING, "k")
    reordered = json.dumps(dict(reversed(list(ROUTER_RING.items()))), indent=4)
    second = _post(operator_client, FEASIBILITY, reordered, "k")
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert RunArtifact.objects.count() == 1


def test_idempotency_same_key_other_body_is_422_and_writes_nothing(operator_client):
    _post(operator_client, FEASIBILITY, ROUTER_RING, "k")
    response = _post(operator_client, FEASIBILITY, {**ROUTER_RING, "cut": {"rpm": 12000}}, "k")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["error"] == "IDEMPOTENCY_KEY_REUSED"
    assert RunArtifact.objects.count() == 1


def test_idempotency_keys_are_scoped_to_user_and_endpoint(operator_client, operator2):
    _post(operator_client, FEASIBILITY, ROUTER_RING, "shared")
    other_user = _post(client_for(operator2), FEASIBILITY, ROUTER_RING, "shared")
    other_endpoint = _post(operator_client, TOOLPATHS, ROUTER_RING, "shared")
    assert "Idempotent-Replayed" not in other_user
    assert "Idempotent-Replayed" not in other_endpoint
    assert RunArtifact.objects.count() == 3


def test_idempotency_without_a_key_every_request_runs(operator_client):
    _post(operator_client, FEASIBILITY, ROUTER_RING)
    _post(operator_client, FEASIBILITY, ROUTER_RING)
    assert RunArtifact.objects.count() == 2
    assert not IdempotencyRecord.objects.exists()


def test_idempotency_malformed_body_400_is_recorded_and_replayed(operator_client):
    first = _post(operator_client, FEASIBILITY, "{not json", "bad-body")
    assert first.status_code == 400
    second = _post(operator_client, FEASIBILITY, "{not json", "bad-body")
    assert second.status_code == 400
    assert second["Idempotent-Replayed"] == "true"
    assert second["Content-Type"] == "application/problem+json"
    assert second.content == first.content
    artifact = RunArtifact.objects.get()
    assert artifact.status == "ERROR"
    assert first.json()["run_id"] == artifact.run_id


def test_idempotency_safety_blocked_409_is_replayed(operator_client):
    first = _post(operator_client, TOOLPATHS, SAW_RING, "blocked")
    assert first.status_code == 409
    second = _post(operator_client, TOOLPATHS, SAW_RING, "blocked")
    assert (second.status_code, second["Idempotent-Replayed"]) == (409, "true")
    assert second.json() == first.json()
    assert RunArtifact.objects.get().status == "BLOCKED"


def test_idempotency_workflow_refusal_committed_before_raising_is_kept_and_replayed(operator_client):
    # The workflow commits its BLOCKED artifact and then raises: inside the key's transaction, that artifact
    # must still be committed, with the stored 404 that names it.
    body = {**ROUTER_RING, "session_id": "00000000-0000-0000-0000-000000000000"}
    first = _post(operator_client, TOOLPATHS, body, "unknown-session")
    second = _post(operator_client, TOOLPATHS, body, "unknown-session")
    assert (first.status_code, second.status_code) == (404, 404)
    assert second["Idempotent-Replayed"] == "true"
    assert RunArtifact.objects.get().run_id == first.json()["run_id"] == second.json()["run_id"]


def test_idempotency_500_is_not_stored_so_a_retry_can_succeed(operator_client, settings):
    settings.RMOS_FEASIBILITY_ENGINE = "tests.feasibility.broken_engines.raising"
    failed = _post(operator_client, FEASIBILITY, ROUTER_RING, "retry-me")
    assert failed.status_code == 500
    # The ERROR artifact the 500 names was committed even though the answer was not stored.
    assert RunArtifact.objects.get(run_id=failed.json()["run_id"]).status == "ERROR"
    assert not IdempotencyRecord.objects.exists()
    settings.RMOS_FEASIBILITY_ENGINE = "feasibility.engine.evaluate"
    retried = _post(operator_client, FEASIBILITY, ROUTER_RING, "retry-me")
    assert retried.status_code == 200
    assert "Idempotent-Replayed" not in retried
    assert RunArtifact.objects.filter(status="OK").count() == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "clé", "tab\there", "new\x7fline"])
def test_idempotency_invalid_key_is_400_before_anything_runs(operator_client, key):
    response = _post(operator_client, FEASIBILITY, ROUTER_RING, key)
    assert response.status_code == 400
    assert response.json()["error"] == "INVALID_IDEMPOTENCY_KEY"
    assert not RunArtifact.objects.exists()


def test_idempotency_longest_printable_key_is_accepted(operator_client):
    key = "".join(chr(32 + index % 95) for index in range(255)).strip()
    assert _post(operator_client, FEASIBILITY, ROUTER_RING, key).status_code == 200
    assert IdempotencyRecord.objects.get().key == key


def test_idempotency_refusals_before_the_handler_are_not_stored(db, approver_client):
    # 403 comes from the role check, which runs before the key is looked at: nothing to replay.
    response = _post(approver_client, FEASIBILITY, ROUTER_RING, "k")
    assert response.status_code == 403
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_idempotency_concurrent_duplicates_write_exactly_one_artifact(default_shop):
    """Four threads send the same request with the same key at once, on each endpoint: one runs, the others
    wait for its commit and replay it."""
    client = client_for(make_user("racer", "operator"))
    for url in (FEASIBILITY, TOOLPATHS):
        results, failures = [], []
        barrier = threading.Barrier(4)

        def send(url=url, results=results, failures=failures, barrier=barrier) -> None:
            try:
                barrier.wait(timeout=10)
                results.append(_post(client, url, ROUTER_RING, "race"))
            except Exception as exc:  # asserted on in the main thread
                failures.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=send) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not failures
        assert [response.status_code for response in results] == [200] * 4, results[0].json()
        assert len({response.content for response in results}) == 1
        assert sorted(response.get("Idempotent-Replayed", "") for response in results) == ["", "true", "true", "true"]
    assert RunArtifact.objects.count() == 2


def test_purge_forgets_old_keys_only_and_keeps_the_artifacts(operator_client):
    from datetime import timedelta
    from io import StringIO

    from django.core.management import CommandError, call_command
    from django.utils import timezone

    old = _post(operator_client, FEASIBILITY, ROUTER_RING, "old-key")
    _post(operator_client, FEASIBILITY, ROUTER_RING, "new-key")
    IdempotencyRecord.objects.filter(key="old-key").update(created_at=timezone.now() - timedelta(days=31))

    out = StringIO()
    call_command("purge_idempotency_keys", "--dry-run", stdout=out)
    assert "1 idempotency keys older than 30 days would be deleted" in out.getvalue()
    assert IdempotencyRecord.objects.count() == 2

    out = StringIO()
    call_command("purge_idempotency_keys", stdout=out)
    assert "deleted 1 idempotency keys" in out.getvalue()
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new-key"]
    assert RunArtifact.objects.filter(run_id=old.json()["run_id"]).exists()  # the ledger keeps what it answered
    # A forgotten key counts as new; a kept one still replays.
    assert "Idempotent-Replayed" not in _post(operator_client, FEASIBILITY, ROUTER_RING, "old-key")
    assert _post(operator_client, FEASIBILITY, ROUTER_RING, "new-key")["Idempotent-Replayed"] == "true"

    with pytest.raises(CommandError, match="at least 1 day"):
        call_command("purge_idempotency_keys", "--older-than", "0")
