"""Tables of the site layer. Not part of the ledger: rows here may be changed and purged."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class IdempotencyRecord(models.Model):
    """The first answer to a request sent with an ``Idempotency-Key`` (``rmos_site.core.idempotency``).

    A row is inserted, filled in and committed in the same transaction as the artifact it answers for, so a
    committed row always has its response; ``status_code`` is null only inside that transaction.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    endpoint = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    request_sha256 = models.CharField(max_length=64, help_text="SHA-256 of the canonical request body.")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=64, blank=True)
    # Text rather than jsonb: jsonb reorders keys, and a replay should render the same bytes as the original.
    response_body = models.TextField(blank=True)
    run_id = models.CharField(max_length=36, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "endpoint", "key"], name="rmos_idempotency_user_endpoint_key"),
        ]
        indexes = [models.Index(fields=["created_at"], name="rmos_idempotency_created")]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.key} -> {self.status_code}"


class ApiToken(models.Model):
    """An API key, kept only as the SHA-256 of the key: nobody (the admin, a database reader, a backup) can
    read a key back once ``rmos_token`` has printed it (``rmos_site.core.tokens``).

    A plain SHA-256 without salt or stretching is enough here, unlike for passwords: keys are 160 random bits,
    so there is no dictionary to try. A user may hold several keys (one per integration); deleting a row
    revokes that key at once.
    """

    key_sha256 = models.CharField(max_length=64, unique=True, help_text="SHA-256 (hex) of the key.")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "API token"
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.fingerprint} ({self.user_id})"

    @property
    def fingerprint(self) -> str:
        """The first hex digits of the hash: enough to tell tokens apart, nothing to log in with."""
        return self.key_sha256[:12]


class RoleChange(models.TextChoices):
    ADDED = "added", "added"
    REMOVED = "removed", "removed"


class RoleEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Role events are immutable.")

    def delete(self):
        raise TypeError("Role events are immutable.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise TypeError("Role events are immutable.")


class RoleEvent(models.Model):
    """One RMOS role given to or taken from one user. Append-only: PostgreSQL triggers refuse UPDATE, DELETE
    and TRUNCATE (``runs/immutability.py``), as for the ledger. Written by the database, a trigger on the
    user-group table (migration ``rmos_site/0003``), for every change of a user's role groups whoever makes it
    (the admin, ``rmos_token``, a shell, raw SQL); ``rmos_site.core.userguard`` names the actor."""

    at = models.DateTimeField(default=timezone.now, editable=False)
    # Usernames and the user's id, not foreign keys: the record outlives the user rows it names.
    actor = models.CharField(max_length=150, blank=True, help_text="Who made the change; empty when unknown.")
    via = models.CharField(max_length=32, blank=True, help_text="admin, rmos_token, ...; empty when unknown.")
    user_id = models.BigIntegerField(help_text="The id of the user whose roles changed.")
    username = models.CharField(max_length=150)
    role = models.CharField(max_length=16)
    change = models.CharField(max_length=8, choices=RoleChange.choices)

    objects = RoleEventQuerySet.as_manager()

    class Meta:
        base_manager_name = "objects"
        ordering = ["-id"]
        indexes = [models.Index(fields=["user_id", "id"], name="rmos_roleevent_user")]

    def __str__(self) -> str:
        return f"{self.role} {self.change} for {self.username} by {self.actor or '?'}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Role events are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Role events are immutable.")
