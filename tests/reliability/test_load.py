"""A scaled-down load: concurrent writers over real HTTP. Every request is answered, every answer is backed
by exactly one artifact, and the chain verifies. ``bench/load_writers.py`` is the full-size run."""

import threading
import uuid

import pytest
from django.core.management import call_command

from rmos_site.core.models import IdempotencyRecord
from rmos_site.core.tokens import token_issue
from runs.models import RunArtifact
from tests.conftest import make_user
from tests.reliability.conftest import ROUTER_RING, SAW_RING, http_post

WRITERS = 8
REQUESTS_EACH = 25


@pytest.mark.django_db(transaction=True)
def test_load_concurrent_writers_every_request_answered_and_recorded_once(live_server, default_shop):
    token = token_issue(user=make_user("loader", "operator"))
    answers, failures = [], []
    barrier = threading.Barrier(WRITERS)

    def writer(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            for n in range(REQUESTS_EACH):
                # A mix of the two job endpoints, allowed and blocked verdicts, with and without a key; every
                # fifth request is sent twice with its key, as a client retrying a lost answer would.
                path = "/api/rmos/toolpaths" if n % 2 else "/api/rmos/feasibility"
                body = SAW_RING if n % 3 == 0 else ROUTER_RING
                key = str(uuid.uuid4()) if n % 5 == 0 or index % 2 else None
                answers.append(http_post(live_server.url, path, body, token, key))
                if key and n % 5 == 0:
                    answers.append(http_post(live_server.url, path, body, token, key))
        except Exception as exc:  # asserted on in the main thread
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(index,)) for index in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures
    statuses = sorted({status for status, _, _ in answers})
    assert set(statuses) <= {200, 409}, statuses
    first_answers = [body for _, headers, body in answers if headers.get("Idempotent-Replayed") != "true"]
    replays = len(answers) - len(first_answers)
    assert replays == WRITERS * REQUESTS_EACH // 5
    assert len(first_answers) == WRITERS * REQUESTS_EACH
    # One artifact per request that was not a replay, and each answer names its own.
    run_ids = [body["run_id"] for body in first_answers]
    assert len(set(run_ids)) == len(run_ids)
    assert set(RunArtifact.objects.values_list("run_id", flat=True)) == set(run_ids)
    assert list(RunArtifact.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, len(run_ids) + 1))
    assert IdempotencyRecord.objects.count() == sum(1 for n in range(REQUESTS_EACH) for i in range(WRITERS)
                                                    if n % 5 == 0 or i % 2)  # fmt: skip
    call_command("verify_runs", verbosity=0)
