"""Users, API tokens and role events in the Django admin.

The ``admin`` role (staff, not a superuser) may create users and give them the roles operator, approver and
auditor, nothing more (the contract's "Actors"). The forms below offer only that; ``rmos_site.core.userguard``
refuses the rest again on the model signals, whatever form or code path sends it. Superusers keep Django's
full user admin.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied

from rmos_site.core.models import ApiToken, RoleEvent
from rmos_site.core.userguard import ASSIGNABLE_ROLES

User = get_user_model()


def _assignable_groups():
    return Group.objects.filter(name__in=sorted(ASSIGNABLE_ROLES)).order_by("name")


class _LimitedGroupsMixin:
    """For an acting admin who is not a superuser: the roles offered are the assignable ones, and the groups a
    user already has outside them (another admin's ``admin`` role, say) are kept rather than dropped."""

    def clean_groups(self):
        chosen = self.cleaned_data.get("groups")
        chosen = list(chosen) if chosen is not None else []
        outside = [group for group in chosen if group.name not in ASSIGNABLE_ROLES]
        if outside:
            raise forms.ValidationError(f"You may give only the roles {', '.join(sorted(ASSIGNABLE_ROLES))}.")
        if self.instance.pk:
            chosen += [group for group in self.instance.groups.all() if group.name not in ASSIGNABLE_ROLES]
        return chosen


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin; for staff who are not superusers, narrowed to what the ``admin`` role may do."""

    _restricted_fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        ("Roles", {"fields": ("is_active", "groups", "is_staff", "is_superuser")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    _restricted_add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "usable_password", "password1", "password2", "groups")}),
    )

    @staticmethod
    def _restricted(request) -> bool:
        return not request.user.is_superuser

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        # Superusers are out of reach: an admin can neither read nor change them.
        return queryset.filter(is_superuser=False) if self._restricted(request) else queryset

    def get_fieldsets(self, request, obj=None):
        if not self._restricted(request):
            return super().get_fieldsets(request, obj)
        return self._restricted_fieldsets if obj is not None else self._restricted_add_fieldsets

    def get_readonly_fields(self, request, obj=None):
        if not self._restricted(request):
            return super().get_readonly_fields(request, obj)
        readonly = ["is_staff", "is_superuser", "last_login", "date_joined"]
        if obj is not None and obj.pk == request.user.pk:
            readonly.append("groups")  # never its own roles
        return readonly

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if not self._restricted(request) or "groups" not in form.base_fields:
            return form
        form = type(f"Limited{form.__name__}", (_LimitedGroupsMixin, form), {})
        form.base_fields["groups"].queryset = _assignable_groups()
        form.base_fields["groups"].help_text = "The RMOS roles this user holds."
        return form

    def has_change_permission(self, request, obj=None):
        # Another admin is shown read-only: only a superuser may change an admin (rmos_site/core/userguard.py).
        if obj is not None and self._restricted(request) and obj.is_staff and obj.pk != request.user.pk:
            return False
        return super().has_change_permission(request, obj)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or super().has_change_permission(request, obj)

    def user_change_password(self, request, id, form_url=""):
        if self._restricted(request) and str(request.user.pk) != str(id):
            raise PermissionDenied("Only a superuser may set another user's password.")
        return super().user_change_password(request, id, form_url)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens by user and date. The key itself is nowhere: only its hash is stored. Tokens are issued by
    ``manage.py rmos_token``, never here; deleting one revokes it."""

    list_display = ("fingerprint", "user", "created")
    list_select_related = ("user",)
    search_fields = ("user__username__exact",)
    fields = ("fingerprint", "user", "created")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RoleEvent)
class RoleEventAdmin(admin.ModelAdmin):
    """Every role given or taken, read-only for everyone (the database refuses changes anyway)."""

    list_display = ("at", "username", "change", "role", "actor", "via")
    list_filter = ("change", "role", "via")
    search_fields = ("username__exact", "actor__exact")
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
