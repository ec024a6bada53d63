import hashlib
import math
import re

import pytest
from django.db import transaction

from runs import hashing
from runs.enums import RunKind, RunStatus
from runs.models import RunArtifact
from runs.services import CLIENT_DECISION_KEYS, run_record
from tests.runs.factories import record


def test_run_record_strips_client_decision_keys_and_records_them(db):
    artifact = record(
        request={"tool_id": "t", "safety": {"risk_level": "GREEN"}, "score": 100, "decision": "go", "note": "x"}
    )
    stored = RunArtifact.objects.get(run_id=artifact.run_id)
    assert stored.request == {"tool_id": "t", "note": "x"}
    assert stored.discarded_client_fields == ["decision", "safety", "score"]
    assert not CLIENT_DECISION_KEYS & stored.request.keys()
    assert stored.request_sha256 == hashing.sha256_of({"tool_id": "t", "note": "x"})


def test_run_record_discards_the_callers_extra_keys_too(db):
    artifact = record(request={"tool_id": "t", "mode": "saw", "risk_level": "GREEN"}, discard_keys={"mode"})
    assert artifact.request == {"tool_id": "t"}
    assert artifact.discarded_client_fields == ["mode", "risk_level"]


def test_run_record_hashes_what_is_stored(db, operator):
    gcode = "G21\r\nG0 Z5 ; é\n"
    toolpaths = {"moves": 3, "bounds": {"x": [-1.5, 1.5]}}
    artifact = record(actor=operator, gcode_text=gcode, toolpaths=toolpaths, kind=RunKind.TOOLPATHS)
    stored = RunArtifact.objects.get(run_id=artifact.run_id)
    assert re.fullmatch(r"run_[0-9a-f]{32}", stored.run_id)
    assert stored.actor == "op"
    assert stored.gcode_text == gcode
    assert stored.gcode_sha256 == hashlib.sha256(gcode.encode("utf-8")).hexdigest()
    assert stored.toolpaths_sha256 == hashing.sha256_of(toolpaths)
    assert stored.feasibility_sha256 == artifact.feasibility_sha256
    fields = {name: getattr(stored, name) for name in hashing.CONTENT_FIELDS}
    assert stored.content_sha256 == hashing.sha256_of(fields)
    assert stored.chain_sha256 == hashing.chain_sha256(
        seq=stored.seq,
        created_at=stored.created_at,
        prev_sha256=stored.prev_sha256,
        content_sha256=stored.content_sha256,
    )


def test_run_record_without_outputs_leaves_their_hashes_empty(db):
    artifact = record(request=None, feasibility=None, registry_snapshot=None)
    assert artifact.request == {}
    assert (artifact.toolpaths_sha256, artifact.gcode_sha256, artifact.feasibility_sha256) == ("", "", "")
    assert artifact.errors == []


def test_run_record_chains_each_artifact_to_the_one_before(db):
    first, second, third = record(), record(status=RunStatus.BLOCKED), record(status=RunStatus.ERROR)
    assert [first.seq, second.seq, third.seq] == [1, 2, 3]
    assert first.prev_sha256 == hashing.GENESIS_SHA256
    assert second.prev_sha256 == first.chain_sha256
    assert third.prev_sha256 == second.chain_sha256
    assert first.created_at <= second.created_at <= third.created_at


def test_run_record_integer_score_is_stored_as_the_float_it_reads_back_as(db):
    artifact = record(score=85)
    stored = RunArtifact.objects.get(run_id=artifact.run_id)
    assert stored.score == 85.0
    assert hashing.content_sha256({n: getattr(stored, n) for n in hashing.CONTENT_FIELDS}) == artifact.content_sha256


def _record_then_fail():
    with transaction.atomic():
        record()
        raise RuntimeError("the caller failed after recording")


def test_run_record_rolled_back_with_its_caller_leaves_no_gap(db):
    record()
    with pytest.raises(RuntimeError, match="caller failed"):
        _record_then_fail()
    assert record().seq == 2


@pytest.mark.parametrize(
    ("overrides", "error", "message"),
    [
        ({"kind": "painting"}, ValueError, "RunKind"),
        ({"status": "MAYBE"}, ValueError, "RunStatus"),
        ({"risk_level": "PURPLE"}, ValueError, "risk_level"),
        ({"score": math.nan}, ValueError, "finite"),
        ({"score": "90"}, TypeError, "score"),
        ({"request": {"note": "a\x00b"}}, ValueError, "NUL"),
        ({"gcode_text": "G0\x00"}, ValueError, "NUL"),
        ({"tool_id": "t\x00"}, ValueError, "NUL"),
        ({"tool_id": "x" * 101}, ValueError, "longer"),
        ({"feasibility": {"score": math.inf}, "feasibility_sha256": ""}, ValueError, "NaN and Infinity"),
        ({"feasibility_sha256": "ABC"}, ValueError, "feasibility_sha256"),
        ({"request": ["not", "a", "dict"]}, TypeError, "request"),
        ({"errors": {"code": "X"}}, TypeError, "errors"),
    ],
)
def test_run_record_refuses_what_it_cannot_store_faithfully(db, overrides, error, message):
    with pytest.raises(error, match=message):
        record(**overrides)
    assert not RunArtifact.objects.exists()


def test_run_record_accepts_enum_members_and_stores_plain_values(db):
    artifact = run_record(kind=RunKind.APPROVAL, status=RunStatus.BLOCKED, actor="someone", request={"note": "n"})
    stored = RunArtifact.objects.get(run_id=artifact.run_id)
    assert (stored.kind, stored.status, stored.actor, stored.risk_level, stored.score) == (
        "approval",
        "BLOCKED",
        "someone",
        "",
        None,
    )


def test_the_ledger_head_reads_are_pinned_to_the_index(db):
    """The two PL/pgSQL head reads keep a plan per session; one made while the ledger looked empty would scan
    the whole table on every later insert (migration runs/0006)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT proname, proconfig FROM pg_proc WHERE proname IN ('rmos_runs_check_link', 'rmos_runs_next_link')"
        )
        config = dict(cursor.fetchall())
    assert config == {
        "rmos_runs_check_link": ["enable_seqscan=off"],
        "rmos_runs_next_link": ["enable_seqscan=off"],
    }


def test_a_batch_into_a_ledger_analyzed_as_empty_links_up(db):
    """Statistics saying "empty" (ANALYZE on a new ledger) do not stop a large batch from linking up."""
    from django.db import connection

    from runs.services import run_prepare, run_record_many
    from runs.verification import ledger_verify

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE runs_runartifact")
    drafts = [run_prepare(kind="feasibility", status="OK", actor=None, request={"n": n}) for n in range(3000)]
    run_record_many(drafts, return_artifacts=False)
    reached, mismatch = ledger_verify()
    assert mismatch is None
    assert reached.count == 3000
