import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

from rmos_site.core.roles import user_roles


def _run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_rmos_token_creates_user_and_prints_token_alone(db):
    out, _ = _run("rmos_token", "bot", "--role", "operator")
    user = get_user_model().objects.get(username="bot")
    assert out == Token.objects.get(user=user).key + "\n"
    assert user_roles(user) == {"operator"}
    assert not user.has_usable_password()


def test_rmos_token_is_stable_and_adds_roles(db):
    first, _ = _run("rmos_token", "bot", "--role", "operator")
    second, _ = _run("rmos_token", "bot", "--role", "auditor")
    assert first == second
    user = get_user_model().objects.get(username="bot")
    assert user_roles(user) == {"operator", "auditor"}


def test_rmos_token_token_authenticates(db, anon_client):
    out, _ = _run("rmos_token", "bot", "--role", "auditor")
    anon_client.credentials(HTTP_AUTHORIZATION=f"Token {out.strip()}")
    assert anon_client.get("/api/schema").status_code == 200


def test_rmos_token_unknown_role_fails(db):
    with pytest.raises(CommandError):
        _run("rmos_token", "bot", "--role", "superhero")
    assert not get_user_model().objects.filter(username="bot").exists()


def test_demo_data_creates_users_once(db):
    out, _ = _run("demo_data")
    assert out.count("password=") == 4
    users = {u.username: u for u in get_user_model().objects.all()}
    assert {"operator", "approver", "auditor", "admin"} <= set(users)
    assert users["approver"].is_staff
    assert users["admin"].is_superuser
    again, _ = _run("demo_data")
    assert "already exist" in again


def test_role_groups_have_permissions(db):
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {"operator", "approver", "auditor", "admin"}
    assert Group.objects.get(name="admin").permissions.filter(codename="change_user").exists()
