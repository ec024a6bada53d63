"""What the ``admin`` role may do to users, roles and tokens (the contract's "Actors"), through the Django admin
(posted as a browser would) and below it (``rmos_site.core.userguard``), and the record of every role change."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.test import Client

from rmos_site.core.enums import Role
from rmos_site.core.models import ApiToken, RoleEvent
from rmos_site.core.roles import user_roles
from rmos_site.core.tokens import token_issue
from rmos_site.core.userguard import acting_as

User = get_user_model()


@pytest.fixture
def admin_page(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", password="pw-root")


def _group(role: str) -> Group:
    return Group.objects.get(name=role)


def _change_form(user, *roles: str, **extra) -> dict:
    """The fields the restricted change form has, as a browser posts them."""
    return {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "groups": [_group(role).pk for role in roles],
        **extra,
    }


def _roles(user) -> set[str]:
    return set(User.objects.get(pk=user.pk).groups.values_list("name", flat=True))


def test_admin_cannot_make_itself_superuser_staff_or_approver(admin_page, admin_user):
    url = f"/admin/auth/user/{admin_user.pk}/change/"
    assert admin_page.get(url).status_code == 200
    response = admin_page.post(
        url, _change_form(admin_user, Role.ADMIN, Role.APPROVER, is_superuser="on", is_staff="on", user_permissions=[1])
    )
    assert response.status_code in (200, 302)
    admin_user.refresh_from_db()
    assert not admin_user.is_superuser
    assert _roles(admin_user) == {Role.ADMIN}
    assert not admin_user.user_permissions.exists()
    assert not RoleEvent.objects.filter(username=admin_user.username).exclude(role=Role.ADMIN).exists()


def test_admin_gives_another_user_the_roles_it_may_and_it_is_recorded(admin_page, admin_user, operator):
    response = admin_page.post(
        f"/admin/auth/user/{operator.pk}/change/", _change_form(operator, Role.AUDITOR, Role.APPROVER)
    )
    assert response.status_code == 302, response.content[:500]
    assert _roles(operator) == {Role.AUDITOR, Role.APPROVER}
    operator.refresh_from_db()
    assert operator.is_staff  # the approver and auditor roles work in the admin, as grant_role makes them
    assert not operator.is_superuser
    events = RoleEvent.objects.filter(username="op", actor="adm").values_list("role", "change", "via")
    assert set(events) == {
        (Role.OPERATOR, "removed", "admin"),
        (Role.AUDITOR, "added", "admin"),
        (Role.APPROVER, "added", "admin"),
    }


def test_admin_cannot_give_the_admin_role(admin_page, operator):
    response = admin_page.post(f"/admin/auth/user/{operator.pk}/change/", _change_form(operator, Role.ADMIN))
    assert response.status_code == 200  # the form again, with the error
    assert _roles(operator) == {Role.OPERATOR}


def test_admin_sees_another_admin_read_only_and_cannot_change_it(admin_page, db):
    from tests.conftest import make_user

    other = make_user("adm2", Role.ADMIN)
    page = admin_page.get(f"/admin/auth/user/{other.pk}/change/")
    assert page.status_code == 200
    assert 'name="username"' not in page.content.decode()  # shown, not editable
    for change in (
        _change_form(other, Role.ADMIN, Role.AUDITOR),
        _change_form(other, Role.ADMIN, username="renamed"),
        _change_form(other, Role.ADMIN, is_active=""),
    ):
        response = admin_page.post(f"/admin/auth/user/{other.pk}/change/", change)
        assert response.status_code == 403
    stored = User.objects.get(pk=other.pk)
    assert (stored.username, stored.is_active, _roles(stored)) == ("adm2", True, {Role.ADMIN})


def test_guard_refuses_a_peer_admin_change_whatever_the_path(admin_user, db):
    from tests.conftest import make_user

    other = make_user("adm3", Role.ADMIN)
    for refusal in (
        lambda: _with(other, username="renamed").save(),
        lambda: _with(other, is_active=False).save(update_fields=["is_active"]),
        lambda: other.groups.add(_group(Role.AUDITOR)),
    ):
        with acting_as(admin_user, via="test"), pytest.raises(PermissionDenied), transaction.atomic():
            refusal()
    # Its own profile is its own; a login storing another admin's time is no change.
    with acting_as(admin_user, via="test"):
        _with(admin_user, first_name="Ada").save()
        _with(other, last_login=other.date_joined).save(update_fields=["last_login"])
    assert User.objects.get(pk=other.pk).username == "adm3"


def test_admin_cannot_set_another_users_password(admin_page, approver):
    before = User.objects.get(pk=approver.pk).password
    url = f"/admin/auth/user/{approver.pk}/password/"
    assert admin_page.get(url).status_code == 403
    response = admin_page.post(url, {"password1": "N3w-secret-pw!", "password2": "N3w-secret-pw!"})
    assert response.status_code == 403
    assert User.objects.get(pk=approver.pk).password == before


def test_admin_may_change_its_own_password(admin_page, admin_user):
    url = f"/admin/auth/user/{admin_user.pk}/password/"
    response = admin_page.post(url, {"password1": "N3w-secret-pw!", "password2": "N3w-secret-pw!"})
    assert response.status_code == 302
    admin_user.refresh_from_db()
    assert admin_user.check_password("N3w-secret-pw!")


def test_admin_cannot_see_or_touch_superusers(admin_page, superuser):
    assert admin_page.get(f"/admin/auth/user/{superuser.pk}/change/").status_code == 302  # "doesn't exist"
    assert "root" not in admin_page.get("/admin/auth/user/").content.decode()


def test_admin_creates_users_with_the_roles_it_may(admin_page):
    response = admin_page.post(
        "/admin/auth/user/add/",
        {
            "username": "newop",
            "usable_password": "true",
            "password1": "Str0ng-pass-word",
            "password2": "Str0ng-pass-word",
            "groups": [_group(Role.OPERATOR).pk],
            "is_superuser": "on",
            "is_staff": "on",
        },
    )
    assert response.status_code == 302, response.content[:500]
    user = User.objects.get(username="newop")
    assert not user.is_superuser
    assert not user.is_staff
    assert user_roles(user) == {Role.OPERATOR}
    assert RoleEvent.objects.filter(username="newop", role=Role.OPERATOR, change="added", actor="adm").exists()


@pytest.mark.parametrize("role", [Role.ADMIN])
def test_admin_cannot_create_a_user_with_its_own_role(admin_page, role):
    response = admin_page.post(
        "/admin/auth/user/add/",
        {"username": "newadm", "usable_password": "false", "groups": [_group(role).pk]},
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="newadm").exists()


def test_superuser_keeps_the_full_user_admin(superuser, operator):
    client = Client()
    client.force_login(superuser)
    html = client.get(f"/admin/auth/user/{operator.pk}/change/").content.decode()
    assert 'name="is_superuser"' in html
    assert client.get(f"/admin/auth/user/{operator.pk}/password/").status_code == 200


# --- the guard below the forms -----------------------------------------------------------------------------


def test_guard_refuses_what_the_forms_hide_whatever_the_code_path(admin_user, operator, approver):
    """The same rules hold without any form: code running for the admin (here ``acting_as``, as the request
    middleware does for every request) cannot do it either."""
    refusals = [
        lambda: _with(admin_user, is_superuser=True).save(),
        lambda: _with(admin_user, is_staff=False).save(),
        lambda: _with(operator, is_superuser=True).save(),
        lambda: admin_user.groups.add(_group(Role.APPROVER)),
        lambda: admin_user.groups.clear(),
        lambda: operator.groups.add(_group(Role.ADMIN)),
        lambda: _group(Role.ADMIN).user_set.add(operator),
        lambda: _group(Role.APPROVER).user_set.add(admin_user),
        lambda: operator.user_permissions.set([1]),
        lambda: _password(approver).save(),
        lambda: User.objects.create(username="sneaky", is_superuser=True),
    ]
    for refusal in refusals:
        with acting_as(admin_user, via="test"), pytest.raises(PermissionDenied), transaction.atomic():
            refusal()
    assert _roles(admin_user) == {Role.ADMIN}
    assert _roles(operator) == {Role.OPERATOR}
    assert not User.objects.filter(is_superuser=True).exists()
    # What the role may do passes the same guard.
    with acting_as(admin_user, via="test"):
        operator.groups.add(_group(Role.AUDITOR))
        _password(admin_user).save()
    assert _roles(operator) == {Role.OPERATOR, Role.AUDITOR}


def _with(user, **fields):
    user = User.objects.get(pk=user.pk)
    for name, value in fields.items():
        setattr(user, name, value)
    return user


def _password(user):
    user = User.objects.get(pk=user.pk)
    user.set_password("An0ther-password")
    return user


# --- role events ---------------------------------------------------------------------------------------


def test_every_role_change_is_an_event_whoever_makes_it(superuser, operator):
    operator.groups.add(_group(Role.AUDITOR))  # a shell: nobody in particular
    with acting_as(superuser, via="admin"):
        operator.groups.remove(_group(Role.OPERATOR), _group(Role.APPROVER))  # approver: never held
        _group(Role.ADMIN).user_set.add(operator)
    operator.delete()
    events = list(RoleEvent.objects.order_by("id").values_list("actor", "via", "username", "role", "change"))
    assert events[:4] == [
        ("", "", "op", Role.OPERATOR, "added"),
        ("", "", "op", Role.AUDITOR, "added"),
        ("root", "admin", "op", Role.OPERATOR, "removed"),
        ("root", "admin", "op", Role.ADMIN, "added"),
    ]
    # Deleting the user takes its remaining roles with it, in no particular order.
    assert sorted(events[4:]) == [("", "", "op", Role.ADMIN, "removed"), ("", "", "op", Role.AUDITOR, "removed")]


def test_role_changes_in_raw_sql_are_recorded_by_the_database(operator):
    """The record does not depend on the ORM: the membership table's trigger writes it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO auth_user_groups (user_id, group_id) VALUES (%s, %s)", [operator.pk, _group(Role.ADMIN).pk]
        )
        cursor.execute("DELETE FROM auth_user_groups WHERE user_id = %s", [operator.pk])
        cursor.execute(
            "INSERT INTO auth_user_groups (user_id, group_id) VALUES (%s, %s)",
            [operator.pk, Group.objects.create(name="not-a-role").pk],
        )
    events = list(RoleEvent.objects.order_by("id").values_list("actor", "via", "user_id", "role", "change"))
    assert events[1] == ("", "", operator.pk, Role.ADMIN, "added")
    # One DELETE removed both roles (rows in no particular order); the group that is no role left no event.
    assert sorted(events[2:]) == [
        ("", "", operator.pk, Role.ADMIN, "removed"),
        ("", "", operator.pk, Role.OPERATOR, "removed"),
    ]


def test_role_events_are_immutable_in_the_orm_and_the_database(operator):
    event = RoleEvent.objects.get()
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        RoleEvent.objects.update(role=Role.ADMIN)
    with pytest.raises(TypeError):
        event.delete()
    for statement in ("UPDATE rmos_site_roleevent SET role = 'admin'", "DELETE FROM rmos_site_roleevent"):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert RoleEvent.objects.get().role == Role.OPERATOR


@pytest.mark.parametrize("persona", ["admin_user", "auditor"])
def test_role_events_are_visible_read_only_in_the_admin(request, operator, persona):
    client = Client()
    client.force_login(request.getfixturevalue(persona))
    assert "op" in client.get("/admin/rmos_site/roleevent/").content.decode()
    event = RoleEvent.objects.get(username="op")
    page = client.get(f"/admin/rmos_site/roleevent/{event.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.get("/admin/rmos_site/roleevent/add/").status_code == 403
    before = RoleEvent.objects.count()
    assert client.post(f"/admin/rmos_site/roleevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert RoleEvent.objects.count() == before


# --- tokens ------------------------------------------------------------------------------------------------


def test_no_one_reads_a_token_in_the_admin(admin_page, superuser, approver):
    key = token_issue(user=approver)
    root = Client()
    root.force_login(superuser)
    for client in (admin_page, root):
        listing = client.get("/admin/rmos_site/apitoken/")
        assert listing.status_code == 200
        assert "appr" in listing.content.decode()
        token = ApiToken.objects.get(user=approver)
        detail = client.get(f"/admin/rmos_site/apitoken/{token.pk}/change/")
        assert key not in listing.content.decode() + detail.content.decode()
        assert client.get("/admin/rmos_site/apitoken/add/").status_code == 403
        assert client.get("/admin/authtoken/tokenproxy/").status_code == 404


def test_admin_revokes_a_token(admin_page, approver):
    token_issue(user=approver)
    token = ApiToken.objects.get(user=approver)
    response = admin_page.post(f"/admin/rmos_site/apitoken/{token.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not ApiToken.objects.exists()


def test_a_login_that_upgrades_another_users_hash_is_no_password_change(settings, admin_user, operator):
    """Django re-hashes a password under a newer hasher when it is checked; that stores the same password, so
    the guard lets it through even while an admin is the acting user (logged in on the same browser)."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    before = User.objects.get(pk=operator.pk).password
    assert before.startswith("md5$")
    with acting_as(admin_user, via="test"):
        assert User.objects.get(pk=operator.pk).check_password("pw-op")
    after = User.objects.get(pk=operator.pk)
    assert after.password.startswith("pbkdf2_sha256$")
    assert after.check_password("pw-op")
    # Setting a new one is still refused.
    with acting_as(admin_user, via="test"), pytest.raises(PermissionDenied), transaction.atomic():
        _password(operator).save(update_fields=["password"])


def test_the_roles_cached_on_a_user_object_follow_its_changes(operator):
    assert user_roles(operator) == {Role.OPERATOR}
    operator.groups.add(_group(Role.AUDITOR))
    assert user_roles(operator) == {Role.OPERATOR, Role.AUDITOR}
    operator.groups.remove(_group(Role.OPERATOR))
    assert user_roles(operator) == {Role.AUDITOR}
    operator.groups.clear()
    assert user_roles(operator) == frozenset()
