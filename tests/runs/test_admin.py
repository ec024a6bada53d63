import re
import uuid

import pytest
from django.contrib.admin.sites import site
from django.contrib.admin.utils import quote
from django.db import connection, transaction
from django.test import RequestFactory

from runs.models import RunArtifact
from tests.runs.factories import record


@pytest.fixture
def staff_client(client, auditor):
    client.force_login(auditor)
    return client


def test_admin_changelist_is_read_only_with_filters_and_search(staff_client, db):
    first = record(tool_id="saw:thin_140", session_id="sess_a")
    record(tool_id="router:flat_3mm", status="BLOCKED")
    response = staff_client.get("/admin/runs/runartifact/")
    assert response.status_code == 200
    html = response.content.decode()
    assert first.run_id in html
    assert "Add run artifact" not in html
    assert "action-select" not in html
    filtered = staff_client.get("/admin/runs/runartifact/?status__exact=BLOCKED").content.decode()
    assert first.run_id not in filtered
    assert first.run_id in staff_client.get("/admin/runs/runartifact/?q=saw:").content.decode()
    assert first.run_id in staff_client.get(f"/admin/runs/runartifact/?q={first.run_id}").content.decode()


def test_admin_detail_shows_everything_read_only(staff_client, db):
    artifact = record(gcode_text="G21\nG0 Z5\n", request={"note": "carve", "safety": {"risk_level": "GREEN"}})
    response = staff_client.get(f"/admin/runs/runartifact/{quote(artifact.run_id)}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    for value in (artifact.chain_sha256, artifact.content_sha256, "carve", "G0 Z5", "chip_load"):
        assert value in html
    assert 'name="status"' not in html
    assert "Save" not in html
    assert "deletelink" not in html


def test_a_run_id_with_an_escape_in_it_opens_from_the_admins_link(staff_client, db, monkeypatch):
    # The admin reads "_40", "_22" and the like in a key as an escaped character; "run_40..." is a run id.
    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID("40223f00" + "0" * 24))
    artifact = record()
    assert artifact.run_id.startswith("run_40")
    changelist = staff_client.get("/admin/runs/runartifact/").content.decode()
    link = re.search(r'href="(/admin/runs/runartifact/[^"]+/change/)"', changelist).group(1)
    assert link == f"/admin/runs/runartifact/{quote(artifact.run_id)}/change/"
    assert artifact.run_id not in link
    response = staff_client.get(link)
    assert response.status_code == 200
    assert artifact.run_id in response.content.decode()


def test_admin_auditor_cannot_add_change_or_delete(staff_client, db):
    artifact = record()
    base = f"/admin/runs/runartifact/{quote(artifact.run_id)}"
    assert staff_client.get("/admin/runs/runartifact/add/").status_code == 403
    assert staff_client.post(f"{base}/change/", {"status": "ERROR"}).status_code == 403
    assert staff_client.get(f"{base}/delete/").status_code == 403


def test_admin_search_finds_by_exact_id_and_tool_prefix_only(staff_client, db):
    saw = record(tool_id="saw:thin_140", session_id="sess_b")
    router = record(tool_id="router:flat_3mm")

    def found(term: str) -> set[str]:
        html = staff_client.get("/admin/runs/runartifact/", {"q": term}).content.decode()
        return {artifact.run_id for artifact in (saw, router) if artifact.run_id in html}

    assert found(saw.run_id) == {saw.run_id}
    assert found("sess_b") == {saw.run_id}
    assert found("router:") == {router.run_id}
    assert found(saw.run_id[:-1]) == set()  # not a substring or prefix search on ids
    assert found("thin") == set()  # nor a substring search on tools


def test_admin_search_uses_indexes_not_a_ledger_scan(db):
    """Every arm of the search's OR is an index condition, so PostgreSQL can combine them (BitmapOr) instead of
    walking the ledger; the admin's own "=" and "^" compare UPPER(...), which no index covers.

    On a table of one row the cheapest plan may be any walk (a backward scan of the seq index filtered row by
    row was seen): with sequential and plain index scans off, a bitmap scan is left only when every arm is an
    index condition, so the plan says what the test asks whatever the statistics."""
    record(tool_id="saw:thin_140")
    admin = site._registry[RunArtifact]
    request = RequestFactory().get("/admin/runs/runartifact/", {"q": "run_0123"})
    queryset, _ = admin.get_search_results(request, RunArtifact.objects.all(), "run_0123")
    sql, params = queryset.order_by("-seq")[:100].query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "upper(" not in plan.lower(), plan
    assert "BitmapOr" in plan, plan
    for index in ("runs_runartifact_pkey", "runs_tool_pattern_seq", "runs_session_seq"):
        assert index in plan, plan
