import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from rmos_site.core.models import ApiToken, RoleEvent
from rmos_site.core.roles import user_roles
from rmos_site.core.tokens import key_digest


def _run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_rmos_token_creates_user_and_prints_token_alone(db):
    out, _ = _run("rmos_token", "bot", "--role", "operator")
    user = get_user_model().objects.get(username="bot")
    assert out.endswith("\n")
    assert len(out.strip()) == 40
    # Printed once: the database holds its hash only.
    assert ApiToken.objects.get(user=user).key_sha256 == key_digest(out.strip())
    assert user_roles(user) == {"operator"}
    assert not user.has_usable_password()


def test_rmos_token_issues_a_new_token_each_time_and_adds_roles(db, anon_client):
    first, _ = _run("rmos_token", "bot", "--role", "operator")
    second, _ = _run("rmos_token", "bot", "--role", "auditor")
    assert first != second
    user = get_user_model().objects.get(username="bot")
    assert user_roles(user) == {"operator", "auditor"}
    # The earlier token still works: a new one for a second integration does not cut off the first.
    for out in (first, second):
        anon_client.credentials(HTTP_AUTHORIZATION=f"Token {out.strip()}")
        assert anon_client.get("/api/schema").status_code == 200
    # Each role it gave is on record, made through the command by nobody in particular.
    events = RoleEvent.objects.order_by("id").values_list("username", "role", "change", "actor", "via")
    assert list(events) == [
        ("bot", "operator", "added", "", "rmos_token"),
        ("bot", "auditor", "added", "", "rmos_token"),
    ]


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
