import pytest
from django.core.exceptions import ImproperlyConfigured

from rmos_site.env import env_bool, env_int, env_list


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
