"""The performance changes of RMOS issue 8 keep their semantics (docs/performance.md):

- one artifact is appended by one statement whose link (seq, created_at, prev and chain hash) PostgreSQL computes
  in ``rmos_runs_next_link``: it must be exactly ``runs.hashing.chain_sha256``, backdated times included;
- the registry entries of a verdict come from one query: the same dicts, value types included, as ``values()``;
- ``load_runs`` prepares batches in worker processes: the same seed gives the same ledger content whatever
  the number of workers.
"""

import io
import itertools
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from feasibility.models import Machine, Material, Tool
from feasibility.selectors import MACHINE_KEYS, MATERIAL_KEYS, TOOL_KEYS, registry_get, registry_lookup, shop_policy
from runs import hashing
from runs.models import RunArtifact
from runs.services import run_prepare, run_record_many
from tests.runs.factories import record


def _python_chain(artifact) -> str:
    return hashing.chain_sha256(
        seq=artifact.seq,
        created_at=artifact.created_at,
        prev_sha256=artifact.prev_sha256,
        content_sha256=artifact.content_sha256,
    )


def test_the_database_links_exactly_as_hashing_chain_sha256(db):
    now = datetime.now(UTC)
    # Whole seconds (.000000), a single microsecond, an old backdated time (clamped to the head's), the future
    # (clamped to now), and plain "now".
    wanted = [
        now.replace(microsecond=0) - timedelta(days=3),
        now.replace(microsecond=1) - timedelta(days=2),
        now - timedelta(days=400),
        now + timedelta(days=1),
        None,
    ]
    artifacts = []
    for moment in wanted:
        draft = run_prepare(kind="feasibility", status="OK", actor=None, request={"n": len(artifacts)})
        artifacts += run_record_many([draft], created_at=None if moment is None else [moment])
    artifacts.append(record())
    stored = list(RunArtifact.objects.order_by("seq"))
    assert [a.run_id for a in stored] == [a.run_id for a in artifacts]
    for returned, row in zip(artifacts, stored, strict=True):
        assert (returned.seq, returned.created_at, returned.prev_sha256, returned.chain_sha256) == (
            row.seq,
            row.created_at,
            row.prev_sha256,
            row.chain_sha256,
        )
        assert row.chain_sha256 == _python_chain(row)
    assert stored[0].prev_sha256 == hashing.GENESIS_SHA256
    assert stored[0].created_at == wanted[0]
    assert stored[1].created_at == wanted[1]
    assert stored[2].created_at == stored[1].created_at  # never earlier than the head
    assert stored[3].created_at <= datetime.now(UTC)  # never in the future
    call_command("verify_runs", verbosity=0)


def test_single_and_batch_appends_interleave_into_one_chain(db):
    record()
    drafts = [run_prepare(kind="feasibility", status="OK", actor=None, request={"i": i}) for i in range(3)]
    run_record_many(drafts)
    record()
    rows = list(RunArtifact.objects.order_by("seq").values_list("seq", "prev_sha256", "chain_sha256"))
    assert [seq for seq, _, _ in rows] == [1, 2, 3, 4, 5]
    for (_, _, chain), (_, prev, _) in itertools.pairwise(rows):
        assert prev == chain
    call_command("verify_runs", verbosity=0)


def test_one_append_is_one_statement(db):
    draft = run_prepare(kind="feasibility", status="OK", actor=None, request={})
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        run_record_many([draft])
    assert len(captured) == 1
    assert "rmos_runs_next_link" in captured[0]["sql"]


def _orm(model, keys, **filters):
    found = list(model.objects.filter(**filters).values(*keys))
    return found[0] if found else None


@pytest.mark.parametrize(
    ("tool_id", "material_id", "machine_id"),
    [
        ("router:downcut_1_8in", "ebony", "router_a"),
        ("saw:thin_140", "sitka_spruce", "desktop_3018"),
        ("router:nope", "ebony", ""),
        ("", "", ""),
    ],
)
def test_registry_lookup_is_what_values_returns(db, tool_id, material_id, machine_id):
    found = registry_lookup(tool_id=tool_id, material_id=material_id, machine_id=machine_id)
    expected = {
        "tool": _orm(Tool, TOOL_KEYS, tool_id=tool_id) if tool_id else None,
        "material": _orm(Material, MATERIAL_KEYS, material_id=material_id) if material_id else None,
        "machine": _orm(Machine, MACHINE_KEYS, machine_id=machine_id) if machine_id else None,
        # The shop policy, read in the same query, as its own selector reads it.
        "policy": shop_policy(),
    }
    if expected["machine"] is not None:
        # The machine's fixtures as the registry API reads them.
        expected["machine"]["fixtures"] = registry_get("machines", machine_id)["fixtures"]
    assert found == expected
    # The same types too: the feasibility hash is over canonical JSON, where 1 and 1.0 differ.
    assert hashing.canonical_json(found) == hashing.canonical_json(expected)
    if tool_id == "router:downcut_1_8in":
        assert found["tool"] is not None
        assert found["machine"] is not None


def _content(runs):
    return [
        (r.kind, r.status, r.tool_id, r.material_id, r.machine_id, r.risk_level, r.score, r.request, r.feasibility)
        for r in runs
    ]


def test_load_runs_content_does_not_depend_on_the_number_of_workers(db):
    options = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    call_command("load_runs", "90", "--batch-size=25", "--seed=3", "--jobs=1", **options)
    first = _content(RunArtifact.objects.order_by("seq"))
    call_command("load_runs", "90", "--batch-size=25", "--seed=3", "--jobs=2", **options)
    second = _content(RunArtifact.objects.order_by("seq")[90:])
    assert first == second
    call_command("verify_runs", verbosity=0)
