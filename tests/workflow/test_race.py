"""Approvers racing on one session, each thread on its own connection to the real database."""

import threading

import pytest
from django.db import connection

from runs.models import RunArtifact
from tests.conftest import client_for
from tests.workflow.conftest import drive
from workflow.models import TransitionEvent, WorkflowSession

RACERS = 12


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_exactly_one_wins(fake_engine, operator, approver, approver2):
    session = drive("feasibility_ready", creator=operator)
    clients = [client_for(approver if index % 2 else approver2) for index in range(RACERS)]
    url = f"/api/rmos/workflow/sessions/{session.pk}/approve"
    barrier = threading.Barrier(RACERS)
    results, failures = [None] * RACERS, []

    def racer(index: int) -> None:
        try:
            barrier.wait(timeout=5)
            response = clients[index].post(url, {"note": f"racer {index}"}, format="json")
            results[index] = (response.status_code, response.json())
        except Exception as exc:  # asserted on in the main thread
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=racer, args=(index,)) for index in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert not failures
    codes = sorted(code for code, _ in results)
    assert codes == [200] + [409] * (RACERS - 1)
    losers = [body for code, body in results if code == 409]
    assert {body["error"] for body in losers} == {"TRANSITION_BLOCKED"}
    assert {body["state"] for body in losers} == {"approved"}

    assert TransitionEvent.objects.filter(session=session, action="approve").count() == 1
    assert WorkflowSession.objects.get(pk=session.pk).state == "approved"
    approvals = RunArtifact.objects.filter(session_id=str(session.pk), kind="approval")
    assert approvals.filter(status="OK").count() == 1
    assert approvals.filter(status="BLOCKED").count() == RACERS - 1
