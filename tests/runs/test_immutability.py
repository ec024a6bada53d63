"""Every way to change or delete an artifact is refused, and the row is left exactly as it was."""

import pytest
from django.contrib.admin.utils import quote
from django.db import IntegrityError, connection, transaction

from runs.errors import ImmutableArtifactError
from runs.immutability import immutable_table_sql
from runs.models import RunArtifact
from runs.selectors import run_download_bytes
from tests.runs.factories import record

TABLE = RunArtifact._meta.db_table


@pytest.fixture
def artifact(db):
    record()
    return record(tool_id="router:flat_6mm")


def assert_unchanged(artifact):
    stored = RunArtifact.objects.get(run_id=artifact.run_id)
    assert run_download_bytes(stored) == run_download_bytes(artifact)
    assert RunArtifact.objects.count() == 2


def test_model_save_of_existing_row_is_refused(artifact):
    loaded = RunArtifact.objects.get(run_id=artifact.run_id)
    loaded.status = "BLOCKED"
    with pytest.raises(ImmutableArtifactError, match="immutable"):
        loaded.save()
    with pytest.raises(ImmutableArtifactError):
        loaded.save(update_fields=["status"])
    assert_unchanged(artifact)


def test_model_save_of_new_row_outside_the_service_is_refused(artifact):
    copy = RunArtifact(**{f.attname: getattr(artifact, f.attname) for f in RunArtifact._meta.concrete_fields})
    copy.run_id, copy.seq = "run_" + "a" * 32, 3
    with pytest.raises(ImmutableArtifactError, match=r"only by runs\.services"):
        copy.save()
    with pytest.raises(ImmutableArtifactError):
        RunArtifact.objects.create(run_id="run_" + "b" * 32, seq=3)
    with pytest.raises(ImmutableArtifactError):
        copy.save_base(raw=True)  # what loaddata does
    assert_unchanged(artifact)


def test_model_delete_is_refused(artifact):
    with pytest.raises(ImmutableArtifactError, match="cannot be deleted"):
        RunArtifact.objects.get(run_id=artifact.run_id).delete()
    assert_unchanged(artifact)


@pytest.mark.parametrize(
    "operation",
    [
        lambda qs: qs.update(status="ERROR"),
        lambda qs: qs.delete(),
        lambda qs: qs.bulk_update(list(qs), ["status"]),
        lambda qs: qs.bulk_create([RunArtifact(run_id="run_" + "c" * 32, seq=3)]),
        lambda qs: RunArtifact.objects.update(status="ERROR"),
        lambda qs: RunArtifact._base_manager.all().delete(),
        lambda qs: RunArtifact.objects.update_or_create(run_id=qs.get().run_id, defaults={"status": "ERROR"}),
    ],
    ids=["update", "delete", "bulk_update", "bulk_create", "manager_update", "base_manager_delete", "update_or_create"],
)
def test_queryset_writes_are_refused(artifact, operation):
    with pytest.raises(ImmutableArtifactError):
        operation(RunArtifact.objects.filter(run_id=artifact.run_id))
    assert_unchanged(artifact)


@pytest.mark.parametrize(
    "statement",
    [
        f"UPDATE {TABLE} SET status = 'ERROR' WHERE run_id = %s",
        f"UPDATE {TABLE} SET score = score WHERE run_id = %s",
        f"DELETE FROM {TABLE} WHERE run_id = %s",
        f"TRUNCATE {TABLE}",
        f"TRUNCATE {TABLE} CASCADE",
    ],
)
def test_raw_sql_is_refused_by_postgres(artifact, statement):
    with pytest.raises(IntegrityError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [artifact.run_id] if "%s" in statement else None)
    assert_unchanged(artifact)


def test_raw_sql_truncate_is_allowed_only_to_a_transaction_that_opted_in(artifact):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL rmos.allow_truncate = 'off'")
        with pytest.raises(IntegrityError, match="immutable"), transaction.atomic():
            cursor.execute(f"TRUNCATE {TABLE}")
        # What the test suite's flush does; rolled back with the savepoint, so the rows come back.
        savepoint = transaction.savepoint()
        cursor.execute("SET LOCAL rmos.allow_truncate = 'on'")
        cursor.execute(f"TRUNCATE {TABLE}")
        assert not RunArtifact.objects.exists()
        transaction.savepoint_rollback(savepoint)
    assert_unchanged(artifact)


def test_raw_insert_that_does_not_extend_the_chain_is_refused(artifact):
    columns = [f.column for f in RunArtifact._meta.concrete_fields]
    values = {f.column: getattr(artifact, f.attname) for f in RunArtifact._meta.concrete_fields}
    values["run_id"], values["request"], values["discarded_client_fields"] = "run_" + "d" * 32, "{}", "[]"
    for name in ("feasibility", "registry_snapshot", "toolpaths", "errors"):
        values[name] = None if values[name] is None else "[]"
    sql = f"INSERT INTO {TABLE} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    for broken in ({"seq": 3}, {"seq": 5, "prev_sha256": artifact.chain_sha256}):
        row = {**values, "seq": 3, "prev_sha256": "f" * 64, **broken}
        with (
            pytest.raises(IntegrityError, match="does not extend"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [row[c] for c in columns])
    assert_unchanged(artifact)


def test_admin_change_and_delete_are_refused(artifact, client, admin_user):
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    base = f"/admin/runs/runartifact/{quote(artifact.run_id)}"
    assert client.post(f"{base}/change/", {"status": "ERROR"}).status_code == 403
    assert client.post(f"{base}/delete/", {"post": "yes"}).status_code == 403
    response = client.post(
        "/admin/runs/runartifact/", {"action": "delete_selected", "_selected_action": [artifact.run_id], "post": "yes"}
    )
    assert response.status_code in (200, 302)
    assert client.get("/admin/runs/runartifact/add/").status_code == 403
    assert_unchanged(artifact)


def test_immutable_table_sql_refuses_names_that_are_not_plain():
    with pytest.raises(ValueError, match="plain table name"):
        immutable_table_sql('runs"; DROP TABLE x; --')
    forward, reverse = immutable_table_sql("workflow_transitionevent")
    assert "rmos_refuse_change" in forward
    assert "DROP TRIGGER IF EXISTS workflow_transitionevent_refuse_truncate" in reverse
