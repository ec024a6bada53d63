"""Vocabularies shared by every app. Compare against these, never against string literals."""

from django.db import models


class Role(models.TextChoices):
    OPERATOR = "operator", "Operator"
    APPROVER = "approver", "Approver"
    AUDITOR = "auditor", "Auditor"
    ADMIN = "admin", "Admin"


# Roles that may read runs, sessions and the registry.
READ_ROLES = frozenset(Role)
