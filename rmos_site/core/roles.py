"""Roles are Django groups. This module is the only place that maps users to roles.

Groups are created by a data migration; their model permissions are (re)applied after every migrate,
because the permissions of models in later apps only exist once those apps have migrated.
"""

from django.contrib.auth.models import Group, Permission
from rest_framework.permissions import BasePermission

from rmos_site.core.enums import READ_ROLES, Role
from rmos_site.core.refusals import log_refused_read

# Django model permissions per role, for the admin. API access is decided by `HasRole` below.
ROLE_MODEL_PERMISSIONS: dict[str, list[str]] = {
    Role.OPERATOR: [
        "runs.view_runartifact",
        "workflow.view_workflowsession",
        "workflow.view_transitionevent",
        "feasibility.view_tool",
        "feasibility.view_material",
        "feasibility.view_machine",
    ],
    Role.APPROVER: [
        "runs.view_runartifact",
        "workflow.view_workflowsession",
        "workflow.change_workflowsession",
        "workflow.view_transitionevent",
        "feasibility.view_tool",
        "feasibility.view_material",
        "feasibility.view_machine",
        "feasibility.view_shoppolicy",
    ],
    Role.AUDITOR: [
        "rmos_site.view_roleevent",
        "runs.view_runartifact",
        "workflow.view_workflowsession",
        "workflow.view_transitionevent",
        "feasibility.view_tool",
        "feasibility.view_material",
        "feasibility.view_machine",
        "feasibility.view_shoppolicy",
    ],
    Role.ADMIN: [
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "auth.view_group",
        # Tokens: see who has one and revoke it; never read one (only hashes are stored) nor issue one.
        "rmos_site.view_apitoken",
        "rmos_site.delete_apitoken",
        "rmos_site.view_roleevent",
        "runs.view_runartifact",
        "workflow.view_workflowsession",
        "workflow.view_transitionevent",
        *(
            f"feasibility.{action}_{model}"
            for model in ("tool", "material", "machine")
            for action in ("view", "add", "change", "delete")
        ),
        # The shop policy is one row: changed, never added or deleted (feasibility.admin.ShopPolicyAdmin).
        "feasibility.view_shoppolicy",
        "feasibility.change_shoppolicy",
    ],
}

# Staff status lets a user into the Django admin at all; what they see there follows the permissions.
STAFF_ROLES = frozenset({Role.APPROVER, Role.ADMIN, Role.AUDITOR})


def user_roles(user) -> frozenset[str]:
    """The RMOS roles of ``user``, cached on the user object for the request."""
    if not user or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_rmos_roles", None)
    if cached is None:
        cached = remember_roles(user, [group.name for group in user.groups.all()])
    return cached


def remember_roles(user, group_names) -> frozenset[str]:
    """Cache on ``user`` the roles named by ``group_names`` (its groups, read by whoever loaded the user:
    token authentication reads them in the same query as the user)."""
    names = set(group_names)
    roles = frozenset(role for role in Role if role.value in names)
    user._rmos_roles = roles
    return roles


def grant_role(user, role: str) -> None:
    group = Group.objects.get(name=Role(role).value)
    user.groups.add(group)
    if role in STAFF_ROLES and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.__dict__.pop("_rmos_roles", None)


def sync_role_permissions(**kwargs) -> None:
    """post_migrate: give each role group exactly the permissions listed above that exist so far."""
    for role, perms in ROLE_MODEL_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role.value if isinstance(role, Role) else role)
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".", 1)
            wanted.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)


class HasRole(BasePermission):
    """Allow authenticated users holding any of ``roles``. Use ``HasRole.of(...)`` in views."""

    roles: frozenset[str] = frozenset()
    message = "Your role does not allow this action."

    @classmethod
    def of(cls, *roles: str) -> type["HasRole"]:
        return type(f"HasRole_{'_'.join(roles)}", (cls,), {"roles": frozenset(roles)})

    def has_permission(self, request, view) -> bool:
        return bool(user_roles(request.user) & self.roles)


class PostCheckedByService(HasRole):
    """For endpoints whose service checks the role itself (the jobs and the session actions): a POST by any
    authenticated user reaches the service, which refuses it there and, for the recorded kinds, leaves the
    same artifact as from the pages. Any other method needs one of ``roles`` here (so the role that may POST
    sees 405, the others 403, and a refused read writes nothing)."""

    def has_permission(self, request, view) -> bool:
        if request.method == "POST":
            return bool(request.user and request.user.is_authenticated)
        allowed = super().has_permission(request, view)
        if not allowed and request.user and request.user.is_authenticated:
            log_refused_read(request)
        return allowed


class HasAnyRole(HasRole):
    """The default: any RMOS role may read. Users without a role get 403."""

    roles = READ_ROLES


def roles_context(request) -> dict:
    roles = user_roles(getattr(request, "user", None))
    return {"rmos_roles": sorted(roles)}
