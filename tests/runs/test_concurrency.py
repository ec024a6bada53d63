import itertools
import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from runs.models import RunArtifact
from tests.runs.factories import record

WRITERS = 10
RUNS_EACH = 8


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_leave_one_gapless_verifying_chain():
    """Ten threads, each on its own connection, append at once; some inside a longer caller transaction
    that rolls back. The chain must come out gapless, unforked and verifying."""
    barrier = threading.Barrier(WRITERS)
    failures, written = [], []

    def writer(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            for n in range(RUNS_EACH):
                if n == 3 and index % 2:
                    # A caller whose own work fails after recording: its seq must not leave a hole.
                    try:
                        with transaction.atomic():
                            record(tool_id=f"router:w{index}")
                            raise RuntimeError("caller failed")
                    except RuntimeError:
                        pass
                written.append(record(tool_id=f"router:w{index}", score=float(n)).run_id)
        except Exception as exc:  # collected and asserted on in the main thread
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(index,)) for index in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not failures
    rows = list(RunArtifact.objects.order_by("seq").values_list("seq", "run_id", "prev_sha256", "chain_sha256"))
    assert [seq for seq, *_ in rows] == list(range(1, WRITERS * RUNS_EACH + 1))
    assert sorted(run_id for _, run_id, *_ in rows) == sorted(written)
    for (_, _, _, chain), (_, _, prev, _) in itertools.pairwise(rows):
        assert prev == chain
    call_command("verify_runs", verbosity=0)
