"""Reads of the run index and detail from a read replica, only where the code asks for one.

The "replica" is a second database that pytest-django creates (``tests/reliability/conftest.py``); rows are
written to it directly, so a read that finds them must have gone there. Nothing copies between the two, which
also shows that nothing else is routed to the replica.
"""

import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.db import connections, router, transaction
from psycopg.types.json import Jsonb

from rmos_site.core.db_router import ReplicaRouter, read_db
from runs import hashing
from runs.models import RunArtifact
from runs.selectors import run_get, run_list
from runs.services import run_prepare
from tests.runs.factories import record

replica_db = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


def write_on_replica(tool_id: str) -> str:
    """The first artifact of the replica's (separate) chain, inserted with plain SQL."""
    fields = dict(
        run_prepare(kind="feasibility", status="OK", actor=None, request={"on": "replica"}, tool_id=tool_id).fields
    )
    created_at = datetime.now(UTC)
    fields.update(seq=1, created_at=created_at, prev_sha256=hashing.GENESIS_SHA256)
    fields["chain_sha256"] = hashing.chain_sha256(
        seq=1, created_at=created_at, prev_sha256=hashing.GENESIS_SHA256, content_sha256=fields["content_sha256"]
    )
    columns = [field for field in RunArtifact._meta.concrete_fields]
    values = [
        Jsonb(fields[field.attname]) if field.get_internal_type() == "JSONField" and fields[field.attname] is not None
        else fields[field.attname]
        for field in columns
    ]  # fmt: skip
    with connections["replica"].cursor() as cursor:
        cursor.execute(
            f"INSERT INTO runs_runartifact ({', '.join(field.column for field in columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})",
            values,
        )
    return fields["run_id"]


@replica_db
def test_replica_unconfigured_nothing_reads_it_and_writes_never_go_there(settings):
    assert settings.RMOS_READ_DATABASE == "default"
    assert read_db() == "default"
    on_primary = record().run_id
    on_replica = write_on_replica("replica:only")
    assert [item["run_id"] for item in run_list({})[0]] == [on_primary]
    # The router keeps writes on the primary even for an object read from the replica (Django's default
    # would send its save back where it came from), and has no opinion on reads or migrations.
    settings.DATABASE_ROUTERS = ["rmos_site.core.db_router.ReplicaRouter"]
    artifact = RunArtifact.objects.using("replica").get(run_id=on_replica)
    assert artifact._state.db == "replica"
    assert router.db_for_write(RunArtifact, instance=artifact) == "default"
    assert router.db_for_read(RunArtifact) == "default"
    assert ReplicaRouter().allow_migrate("replica", "runs") is None


@replica_db
def test_replica_configured_serves_index_and_detail_but_never_inside_a_transaction(settings, auditor_client):
    settings.RMOS_READ_DATABASE = "replica"
    on_primary = record(tool_id="primary:only").run_id
    on_replica = write_on_replica("replica:only")
    assert read_db() == "replica"
    listed = auditor_client.get("/api/rmos/runs").json()["items"]
    assert [item["run_id"] for item in listed] == [on_replica]
    assert auditor_client.get(f"/api/rmos/runs/{on_replica}").status_code == 200
    # A run the replica has not received yet (its writer may be showing the id to the client right now) is
    # read from the primary rather than answered 404.
    detail = auditor_client.get(f"/api/rmos/runs/{on_primary}")
    assert (detail.status_code, detail.json()["tool_id"]) == (200, "primary:only")
    assert auditor_client.get(f"/api/rmos/runs/run_{'0' * 32}").status_code == 404
    # Inside a transaction the caller may be about to write, or may have written what the replica lacks.
    with transaction.atomic():
        assert read_db() == "default"
        assert [item["run_id"] for item in run_list({})[0]] == [on_primary]
        assert run_get(on_primary).run_id == on_primary


@pytest.mark.parametrize(
    ("replica_url", "expect"),
    [
        ("", "default [] None"),
        ("postgresql://reader@replica.example:5432/rmos", "replica ['rmos_site.core.db_router.ReplicaRouter'] 5"),
        ("sqlite:///x.db", "ImproperlyConfigured"),
    ],
)
def test_replica_settings_come_from_database_replica_url(replica_url, expect):
    code = (
        "import django\n"
        "from django.conf import settings\n"
        "try:\n"
        "    settings.DATABASES\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__); raise SystemExit\n"
        "print(settings.RMOS_READ_DATABASE, getattr(settings, 'DATABASE_ROUTERS', None),"
        " settings.DATABASES.get('replica', {}).get('OPTIONS', {}).get('connect_timeout'))\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "rmos_site.settings",
        "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/unused",
        "DATABASE_REPLICA_URL": replica_url,
    }
    if not replica_url:
        del env["DATABASE_REPLICA_URL"]
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60
    )
    assert out.stdout.strip().splitlines()[-1] == expect, out.stderr[-2000:]
