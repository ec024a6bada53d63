"""The ledger's trust model (docs/security.md), on the test server.

1. The application role of docs/security.md, granted with exactly the SQL printed there, can serve RMOS, and
   cannot UPDATE, DELETE or TRUNCATE the append-only tables, disable their triggers or switch them off for its
   session: even with the triggers disabled by the owner, its privileges alone refuse.
2. What the owner can do anyway, and what ``verify_runs`` (with and without a checkpoint) makes of it.
"""

import io
import json
import re
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg import errors, sql

from runs.models import RunArtifact
from tests.conftest import client_for, make_user
from tests.reliability.conftest import ROUTER_RING
from tests.runs.factories import record

APPEND_ONLY = ("runs_runartifact", "workflow_transitionevent", "rmos_site_roleevent")
FORBIDDEN = (
    "UPDATE {table} SET {column} = {column}",
    "DELETE FROM {table}",
    "TRUNCATE {table}",
    "ALTER TABLE {table} DISABLE TRIGGER ALL",
)


def documented_grants(role: str) -> str:
    text = (Path(settings.BASE_DIR) / "docs" / "security.md").read_text()
    block = re.search(r"<!-- app-role-grants -->\s*```sql\n(.*?)```", text, re.S)
    assert block, "docs/security.md has lost its app-role-grants block"
    return block.group(1).replace("rmos_app", role)


def superuser():
    return psycopg.connect(**connection.get_connection_params(), autocommit=True)


@pytest.fixture
def app_role(transactional_db):
    """A fresh login role with the documented grants on the test database; dropped afterwards (roles belong
    to the whole server, which other test runs share)."""
    role = f"rmos_app_test_{uuid.uuid4().hex[:10]}"
    with superuser() as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
        admin.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                sql.Identifier(connection.settings_dict["NAME"]), sql.Identifier(role)
            )
        )
        for statement in documented_grants(role).split(";"):
            if statement.strip():
                admin.execute(statement)
    try:
        yield role
    finally:
        with superuser() as admin:
            admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


@contextmanager
def django_connected_as(role: str):
    """Serve through Django's own connection as ``role``, as an app server configured with it would."""
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update({"USER": role, "PASSWORD": ""})
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)


def test_app_role_serves_rmos_but_cannot_change_the_ledger(app_role):
    operator = make_user("op", "operator")
    client = client_for(operator)
    with django_connected_as(app_role):
        # The real paths: token lookup, the artifact insert under the ledger lock, the idempotency row, a
        # session with its events.
        job = client.post(
            "/api/rmos/feasibility", json.dumps(ROUTER_RING), content_type="application/json", HTTP_IDEMPOTENCY_KEY="k"
        )
        assert job.status_code == 200, job.content[:300]
        session = client.post("/api/rmos/workflow/sessions", json.dumps({"design": ROUTER_RING["design"]}),
                              content_type="application/json")  # fmt: skip
        assert session.status_code == 201, session.content[:300]
        call_command("verify_runs", verbosity=0)

    params = {**connection.get_connection_params(), "user": app_role, "password": ""}
    with psycopg.connect(**params, autocommit=True) as app:
        # Refused for want of privilege (42501), before any trigger could run.
        for table in APPEND_ONLY:
            for statement in FORBIDDEN:
                column = {"runs_runartifact": "run_id", "rmos_site_roleevent": "role"}.get(table, "note")
                with pytest.raises(errors.InsufficientPrivilege):
                    app.execute(statement.format(table=table, column=column))
        with pytest.raises(errors.InsufficientPrivilege):
            app.execute("SET session_replication_role = replica")
    assert RunArtifact.objects.filter(run_id=job.json()["run_id"]).exists()


def test_app_role_is_refused_even_with_the_triggers_disabled(app_role):
    record()
    with superuser() as owner:
        owner.execute("ALTER TABLE runs_runartifact DISABLE TRIGGER USER")
        try:
            params = {**connection.get_connection_params(), "user": app_role, "password": ""}
            with psycopg.connect(**params, autocommit=True) as app:
                for statement in ("UPDATE runs_runartifact SET score = 0", "DELETE FROM runs_runartifact",
                                  "TRUNCATE runs_runartifact"):  # fmt: skip
                    with pytest.raises(errors.InsufficientPrivilege):
                        app.execute(statement)
        finally:
            owner.execute("ALTER TABLE runs_runartifact ENABLE TRIGGER USER")
    call_command("verify_runs", verbosity=0)


# --- what the owner can do, and what verification sees --------------------------------------------------


@contextmanager
def owner_without_triggers():
    with superuser() as owner:
        owner.execute("ALTER TABLE runs_runartifact DISABLE TRIGGER USER")
        try:
            yield owner
        finally:
            owner.execute("ALTER TABLE runs_runartifact ENABLE TRIGGER USER")


def checkpoint() -> str:
    out = io.StringIO()
    call_command("verify_runs", "--checkpoint", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def verify(*args) -> None:
    call_command("verify_runs", *args, stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_owner_edit_of_a_row_is_named_by_verify_runs():
    runs = [record(score=float(n)) for n in range(4)]
    with owner_without_triggers() as owner:
        owner.execute("UPDATE runs_runartifact SET score = 99 WHERE run_id = %s", [runs[1].run_id])
    with pytest.raises(CommandError, match=runs[1].run_id):
        verify()


@pytest.mark.django_db(transaction=True)
def test_owner_deleting_a_middle_row_is_named_by_verify_runs():
    runs = [record(score=float(n)) for n in range(4)]
    with owner_without_triggers() as owner:
        owner.execute("DELETE FROM runs_runartifact WHERE run_id = %s", [runs[1].run_id])
    with pytest.raises(CommandError, match=runs[2].run_id):
        verify()


@pytest.mark.django_db(transaction=True)
def test_owner_truncating_the_tail_needs_a_checkpoint_and_the_one_after_it_is_invisible():
    runs = [record(score=float(n)) for n in range(3)]
    saved = checkpoint()  # covers the first three
    later = [record(score=float(n)) for n in range(3, 5)]
    # Removing what came after the checkpoint: a consistent, shorter chain that still extends the checkpoint.
    with owner_without_triggers() as owner:
        owner.execute("DELETE FROM runs_runartifact WHERE run_id = ANY(%s)", [[run.run_id for run in later]])
    verify()
    verify("--against", saved)
    # Reaching back into what the checkpoint covers is caught, though the chain is consistent by itself.
    with owner_without_triggers() as owner:
        owner.execute("DELETE FROM runs_runartifact WHERE run_id = %s", [runs[-1].run_id])
    verify()
    with pytest.raises(CommandError, match="removed"):
        verify("--against", saved)
