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
