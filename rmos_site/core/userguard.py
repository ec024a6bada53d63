"""Who may change users and roles, enforced below the forms, and the record of every role change.

The contract lets the ``admin`` role create users and give them the roles operator, approver and auditor;
never superuser or staff rights, never its own roles, never the ``admin`` role, never another user's password,
and never another admin (a staff user) at all: admins answer to a superuser.
The admin's forms (``rmos_site/admin.py``) offer only that, but a form is one path among many, so the rule
lives here too, on the model signals every path goes through: ``pre_save`` of a user and ``m2m_changed`` of
its groups and permissions refuse with ``PermissionDenied`` (a 403; the admin's transaction rolls back) when the
acting user may not make the change.

The acting user is the request's user (``ActingUserMiddleware``, read lazily, so requests that change no user
pay nothing) or whoever ``acting_as`` names; outside both (a shell, a migration, ``rmos_token``) nobody is
acting and nothing is refused: whoever runs those holds the server's own credentials already. Superusers may
do anything.

Every change of a user's RMOS role groups appends a ``RoleEvent`` (who, whom, which role, added or removed,
when). The database records it (a trigger on the membership table, migration ``rmos_site/0003``), so a change
made in a shell or in raw SQL is on record too; this module only tells the database, for the transaction, who
is acting and through which path (``name_the_actor``), which raw SQL leaves empty.
"""

import contextlib
import contextvars
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models.signals import m2m_changed, pre_delete, pre_save

from rmos_site.core.enums import Role
from rmos_site.core.roles import STAFF_ROLES

# The roles an admin who is not a superuser may give and take. Not its own: "admin" is for superusers.
ASSIGNABLE_ROLES = frozenset({Role.OPERATOR, Role.APPROVER, Role.AUDITOR})


@dataclass(frozen=True)
class _Acting:
    request: object = None
    user: object = None
    via: str = ""

    def resolve(self):
        """The acting user if one is logged in, else None."""
        user = self.user if self.request is None else getattr(self.request, "user", None)
        return user if user is not None and getattr(user, "is_authenticated", False) else None


_acting: contextvars.ContextVar[_Acting | None] = contextvars.ContextVar("rmos_acting", default=None)


@contextlib.contextmanager
def acting_as(user, *, via: str):
    """Attribute (and check) the user and role changes made inside the block to ``user`` (None: nobody in
    particular, as for a command), recorded as made ``via`` that path."""
    token = _acting.set(_Acting(user=user, via=via))
    try:
        yield
    finally:
        _acting.reset(token)


class ActingUserMiddleware:
    """Makes the request's user the acting user for whatever the request changes (after authentication)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        via = "admin" if request.path.startswith("/admin/") else "web"
        token = _acting.set(_Acting(request=request, via=via))
        try:
            return self.get_response(request)
        finally:
            _acting.reset(token)


def _restricted_actor():
    """The acting user when the rules apply to them (logged in, not a superuser), else None."""
    acting = _acting.get()
    user = acting.resolve() if acting is not None else None
    return None if user is None or user.is_superuser else user


def _refuse(message: str):
    raise PermissionDenied(message)


# --- users: superuser, staff, passwords ----------------------------------------------------------------


def guard_user_save(sender, instance, raw=False, update_fields=None, **kwargs):
    actor = _restricted_actor()
    if actor is None or raw:
        return
    # A login stores its time; a successful login may store a rehashed password (``_rehash``).
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    if instance._state.adding or instance.pk is None:
        if instance.is_superuser or instance.is_staff:
            _refuse("Only a superuser may give superuser or staff rights.")
        return
    guarded = {"is_superuser", "is_staff", "password"}
    stored = type(instance)._base_manager.filter(pk=instance.pk).values(*guarded).first()
    if stored is None:
        return
    if stored["is_superuser"]:
        _refuse("Only a superuser may change a superuser.")
    if stored["is_staff"] and instance.pk != actor.pk and not _rehash(instance, update_fields):
        # Peers cannot rename, deactivate or otherwise change each other: admins answer to a superuser.
        _refuse("Only a superuser may change another admin.")
    if update_fields is not None and not guarded & set(update_fields):
        return
    if instance.is_superuser != stored["is_superuser"] or instance.is_staff != stored["is_staff"]:
        _refuse("Only a superuser may give or take superuser or staff rights.")
    if instance.password != stored["password"] and instance.pk != actor.pk and not _rehash(instance, update_fields):
        _refuse("Only a superuser may set another user's password.")


def _rehash(instance, update_fields) -> bool:
    """Whether this save only stores the same password under a newer hasher: ``check_password`` does that when
    a login succeeds with an outdated hash (``save(update_fields=["password"])`` after clearing the raw
    password it was given), also while another user is logged in on that browser. A password *set* by
    ``set_password`` still holds its raw value until saved, and any other save names other fields or none."""
    return update_fields is not None and set(update_fields) == {"password"} and instance._password is None


# --- roles: the groups (and model permissions) of a user -------------------------------------------------


def _groups_in_change(instance, action: str, reverse: bool, pk_set) -> tuple[list, list]:
    """(users, groups) a groups change touches; for ``pre_clear`` the current members."""
    if reverse:  # group.user_set.add(...): instance is the group
        groups = [instance]
        if action == "pre_clear":
            users = list(instance.user_set.all())
        else:
            users = list(get_user_model()._base_manager.filter(pk__in=pk_set or ()))
        return users, groups
    users = [instance]
    groups = list(instance.groups.all()) if action == "pre_clear" else list(Group.objects.filter(pk__in=pk_set or ()))
    return users, groups


def guard_groups_change(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("pre_add", "pre_remove", "pre_clear"):
        return
    actor = _restricted_actor()
    if actor is None:
        return
    users, groups = _groups_in_change(instance, action, reverse, pk_set)
    if any(user.pk == actor.pk for user in users):
        _refuse("You may not change your own roles.")
    if any(user.is_superuser for user in users):
        _refuse("Only a superuser may change a superuser's roles.")
    if any(user.is_staff for user in users):
        _refuse("Only a superuser may change another admin's roles.")
    forbidden = sorted(group.name for group in groups if group.name not in ASSIGNABLE_ROLES)
    if forbidden:
        _refuse(f"Only a superuser may give or take the role {forbidden[0]}.")


def guard_permissions_change(sender, instance, action, **kwargs):
    if action in ("pre_add", "pre_remove", "pre_clear") and _restricted_actor() is not None:
        _refuse("Only a superuser may give or take model permissions; give roles instead.")


def name_the_actor(sender=None, **kwargs):
    """Before a membership change (or a user's deletion, which removes its memberships): tell the database who
    makes it, for the role-event trigger (migration ``rmos_site/0003``), in this transaction only. Always set,
    to empty values when nobody is acting, so a change never inherits an earlier one's actor."""
    if kwargs.get("action") not in (None, "pre_add", "pre_remove", "pre_clear"):
        return
    acting = _acting.get() or _Acting()
    actor = acting.resolve()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('rmos.actor', %s, true), set_config('rmos.via', %s, true)",
            [actor.get_username() if actor is not None else "", acting.via],
        )


def staff_for_staff_roles(sender, instance, action, reverse, pk_set, **kwargs):
    """After roles change: forget the roles cached on the user object, and make holders of the approver,
    auditor and admin roles staff (those roles work in the admin), as ``grant_role`` does. A queryset update,
    so it is the role that makes the user staff, not a save by the acting user (which the guard would
    refuse)."""
    if action in ("post_remove", "post_clear") and not reverse:
        instance.__dict__.pop("_rmos_roles", None)  # the roles cached on this user object are stale
    if action != "post_add":
        return
    users, groups = _groups_in_change(instance, action, reverse, pk_set)
    for user in users:
        user.__dict__.pop("_rmos_roles", None)
        if not user.is_staff and any(group.name in STAFF_ROLES for group in groups):
            type(user)._base_manager.filter(pk=user.pk).update(is_staff=True)
            user.is_staff = True


def connect() -> None:
    """Called once from the site's ``AppConfig.ready``."""
    user_model = get_user_model()
    groups_through = user_model.groups.through
    pre_save.connect(guard_user_save, sender=user_model, dispatch_uid="rmos_guard_user_save")
    pre_delete.connect(name_the_actor, sender=user_model, dispatch_uid="rmos_name_actor_user_delete")
    m2m_changed.connect(guard_groups_change, sender=groups_through, dispatch_uid="rmos_guard_groups")
    m2m_changed.connect(name_the_actor, sender=groups_through, dispatch_uid="rmos_name_actor_groups")
    m2m_changed.connect(staff_for_staff_roles, sender=groups_through, dispatch_uid="rmos_staff_for_staff_roles")
    m2m_changed.connect(
        guard_permissions_change, sender=user_model.user_permissions.through, dispatch_uid="rmos_guard_perms"
    )
