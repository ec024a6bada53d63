import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from rmos_site.core.env import env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parents[2]


def test_env_bool_rejects_typo(monkeypatch):
    monkeypatch.setenv("RMOS_X", "ture")
    with pytest.raises(ImproperlyConfigured):
        env_bool("RMOS_X", False)


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("yes", True), ("off", False), ("", False)])
def test_env_bool_accepts_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("RMOS_X", raw)
    assert env_bool("RMOS_X", not expected) is expected


def test_env_int_bounds(monkeypatch):
    monkeypatch.setenv("RMOS_N", "0")
    with pytest.raises(ImproperlyConfigured):
        env_int("RMOS_N", 5, minimum=1)
    monkeypatch.setenv("RMOS_N", "x")
    with pytest.raises(ImproperlyConfigured):
        env_int("RMOS_N", 5)


def test_env_list_splits(monkeypatch):
    monkeypatch.setenv("RMOS_L", "a, b,,c")
    assert env_list("RMOS_L", []) == ["a", "b", "c"]


def test_database_is_postgres(db):
    from django.db import connection

    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        assert cursor.fetchone()[0]


def _settings_in_subprocess(**env) -> subprocess.CompletedProcess:
    """Load the settings in a fresh interpreter (they are read once per process) and print the connection's
    lifetime settings."""
    code = (
        "import django; django.setup(); from django.conf import settings; d = settings.DATABASES['default']; "
        "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "rmos_site.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, cwd=ROOT, check=False
    )


def test_db_conn_max_age_is_read_from_the_environment():
    database_url = "postgresql://postgres@127.0.0.1:1/unused"  # loading the settings does not connect
    done = _settings_in_subprocess(DATABASE_URL=database_url, DB_CONN_MAX_AGE="60")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["60", "True"]
    done = _settings_in_subprocess(DATABASE_URL=database_url, DB_CONN_MAX_AGE="")
    assert done.stdout.split() == ["0", "True"]
    done = _settings_in_subprocess(DATABASE_URL=database_url, DB_CONN_MAX_AGE="-1")
    assert done.returncode != 0
    assert "DB_CONN_MAX_AGE=-1 is below the minimum 0" in done.stderr


def test_dev_run_serves_with_persistent_connections():
    script = (ROOT / "dev").read_text()
    run_section = script.split("  run)", 1)[1].split(";;", 1)[0]
    assert "export DB_CONN_MAX_AGE=${DB_CONN_MAX_AGE:-60}" in run_section
    assert run_section.index("DB_CONN_MAX_AGE") < run_section.index("gunicorn")
