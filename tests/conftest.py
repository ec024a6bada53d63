"""Shared personas: operator, approver, auditor, admin, and an outsider with no RMOS role; and how the property
tests draw their examples."""

import os

import pytest
from django.contrib.auth import get_user_model
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from rmos_site.core.enums import Role
from rmos_site.core.roles import grant_role
from rmos_site.core.tokens import token_issue

# On a developer's machine the property tests draw new examples each run, to find what nobody thought of; in CI
# (``CI`` set, as .ci/run and CI services do) they draw the same ones every run, so that a clean clone's result
# says whether the commit is good, not whether the draw was lucky. A failure found locally prints its example.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


def make_user(username: str, role: str | None = None):
    user = get_user_model().objects.create_user(username=username, password="pw-" + username)
    if role:
        grant_role(user, role)
    return user


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=user)}")
    return client


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The personas are created with passwords; the default hasher costs a third of a second per user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def operator(db):
    return make_user("op", Role.OPERATOR)


@pytest.fixture
def operator2(db):
    return make_user("op2", Role.OPERATOR)


@pytest.fixture
def approver(db):
    return make_user("appr", Role.APPROVER)


@pytest.fixture
def approver2(db):
    return make_user("appr2", Role.APPROVER)


@pytest.fixture
def auditor(db):
    return make_user("aud", Role.AUDITOR)


@pytest.fixture
def admin_user(db):
    return make_user("adm", Role.ADMIN)


@pytest.fixture
def outsider(db):
    return make_user("outsider")


@pytest.fixture
def anon_client():
    return APIClient()


@pytest.fixture
def operator_client(operator):
    return client_for(operator)


@pytest.fixture
def approver_client(approver):
    return client_for(approver)


@pytest.fixture
def auditor_client(auditor):
    return client_for(auditor)


@pytest.fixture
def outsider_client(outsider):
    return client_for(outsider)


@pytest.fixture(scope="session", autouse=True)
def _allow_flush_truncate():
    """Transactional tests are torn down with one TRUNCATE of every table, which the immutable tables'
    triggers refuse unless the transaction opted in (see ``runs/immutability.py``). Django runs the flush
    statements inside one atomic block (``execute_sql_flush``), so a leading ``SET LOCAL`` covers exactly
    that TRUNCATE and ends with it."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, **kwargs):
        statements = original(self, style, tables, **kwargs)
        return ["SET LOCAL rmos.allow_truncate = 'on';", *statements] if statements else statements

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", sql_flush)
        yield


@pytest.fixture
def set_policy(db):
    """Change the shop policy (its one row) for a test: ``set_policy(allow_self_approval=True)``."""
    from feasibility.models import ShopPolicy

    def set_(**changes):
        policy, _ = ShopPolicy.objects.update_or_create(pk=ShopPolicy.SINGLE_ROW_PK, defaults=changes)
        return policy

    return set_
