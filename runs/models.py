"""The run ledger: one append-only table of hashed, chained artifacts.

Rows are inserted only by ``runs.services`` and never changed or deleted. PostgreSQL enforces that with
triggers (``runs.immutability``, migration 0002); the refusals below fail earlier, with a clearer message.
"""

from django.db import models

from runs.enums import RISK_LEVEL_CHOICES, RunKind, RunStatus
from runs.errors import ImmutableArtifactError

RUN_ID_PATTERN = r"^run_[0-9a-f]{32}$"
_SHA256 = r"^[0-9a-f]{64}$"
_OPTIONAL_SHA256 = r"^([0-9a-f]{64})?$"


class RunArtifactQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableArtifactError("Run artifacts cannot be updated.")

    def delete(self):
        raise ImmutableArtifactError("Run artifacts cannot be deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise ImmutableArtifactError("Run artifacts cannot be updated.")

    def bulk_create(self, objs, *args, **kwargs):
        # runs.services inserts with COPY; nothing else inserts at all.
        raise ImmutableArtifactError("Run artifacts are created only by runs.services.run_record.")


class RunArtifact(models.Model):
    run_id = models.CharField(primary_key=True, max_length=36, editable=False)
    # Gapless position in the ledger, assigned under the ledger lock: also the index's "newest first" order.
    seq = models.BigIntegerField(unique=True, editable=False)
    # Set under the same lock as seq and never earlier than the previous artifact's, so both orders agree.
    created_at = models.DateTimeField(editable=False)
    kind = models.CharField(max_length=16, choices=RunKind.choices)
    status = models.CharField(max_length=8, choices=RunStatus.choices)
    mode = models.CharField(max_length=32, blank=True)
    tool_id = models.CharField(max_length=100, blank=True)
    material_id = models.CharField(max_length=100, blank=True)
    machine_id = models.CharField(max_length=100, blank=True)
    session_id = models.CharField(max_length=64, blank=True)
    actor = models.CharField(max_length=150, blank=True, help_text="Username of the authenticated caller.")
    risk_level = models.CharField(max_length=8, blank=True, choices=RISK_LEVEL_CHOICES)
    score = models.FloatField(null=True, blank=True)
    request = models.JSONField(default=dict, help_text="The request as received, client decision keys removed.")
    discarded_client_fields = models.JSONField(default=list)
    feasibility = models.JSONField(null=True, blank=True)
    registry_snapshot = models.JSONField(null=True, blank=True)
    gcode_text = models.TextField(null=True, blank=True)
    toolpaths = models.JSONField(null=True, blank=True)
    errors = models.JSONField(default=list)
    engine_version = models.CharField(max_length=64, blank=True)
    request_sha256 = models.CharField(max_length=64)
    feasibility_sha256 = models.CharField(max_length=64, blank=True)
    toolpaths_sha256 = models.CharField(max_length=64, blank=True)
    gcode_sha256 = models.CharField(max_length=64, blank=True)
    content_sha256 = models.CharField(max_length=64)
    prev_sha256 = models.CharField(max_length=64)
    chain_sha256 = models.CharField(max_length=64)

    objects = RunArtifactQuerySet.as_manager()

    class Meta:
        # The base manager serves related lookups and internal ORM paths; it must refuse writes too.
        base_manager_name = "objects"
        ordering = ["-seq"]
        # The index pages newest first by seq (keyset: "seq < cursor ORDER BY seq DESC LIMIT n"). Each
        # (filter column, seq) index answers "this value, below this seq, newest first" by a backward range
        # scan that stops after n rows, so a page deep in the ledger costs what the first page costs.
        # Date filters are turned into a seq range through (created_at, seq) (created_at never decreases
        # along seq). tool_id_prefix is a LIKE 'prefix%', which needs pattern ops: the tool index has them
        # (they serve equality too), so one index serves both. (tool_id, material_id, seq) serves the shop's
        # usual combined question, this tool in this material, without filtering thousands of rows
        # (docs/performance.md has the EXPLAIN ANALYZE at 10^6 artifacts). Every index costs every insert:
        # add one only for a query that needs it.
        indexes = [
            models.Index(fields=["status", "seq"], name="runs_status_seq"),
            models.Index(fields=["kind", "seq"], name="runs_kind_seq"),
            models.Index(fields=["mode", "seq"], name="runs_mode_seq"),
            models.Index(fields=["risk_level", "seq"], name="runs_risk_seq"),
            models.Index(
                fields=["tool_id", "seq"], name="runs_tool_pattern_seq", opclasses=["varchar_pattern_ops", "int8_ops"]
            ),
            models.Index(fields=["tool_id", "material_id", "seq"], name="runs_tool_material_seq"),
            models.Index(fields=["material_id", "seq"], name="runs_material_seq"),
            models.Index(fields=["machine_id", "seq"], name="runs_machine_seq"),
            models.Index(fields=["session_id", "seq"], name="runs_session_seq"),
            models.Index(fields=["created_at", "seq"], name="runs_created_seq"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(run_id__regex=RUN_ID_PATTERN), name="runs_run_id_format"),
            models.CheckConstraint(condition=models.Q(seq__gte=1), name="runs_seq_positive"),
            models.CheckConstraint(condition=models.Q(kind__in=RunKind.values), name="runs_kind_known"),
            models.CheckConstraint(condition=models.Q(status__in=RunStatus.values), name="runs_status_known"),
            models.CheckConstraint(
                condition=models.Q(risk_level__in=["", *(value for value, _ in RISK_LEVEL_CHOICES)]),
                name="runs_risk_level_known",
            ),
            *(
                models.CheckConstraint(condition=models.Q(**{f"{name}__regex": _SHA256}), name=f"runs_{name}_hex")
                for name in ("request_sha256", "content_sha256", "prev_sha256", "chain_sha256")
            ),
            *(
                models.CheckConstraint(
                    condition=models.Q(**{f"{name}__regex": _OPTIONAL_SHA256}), name=f"runs_{name}_hex"
                )
                for name in ("feasibility_sha256", "toolpaths_sha256", "gcode_sha256")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run_id} #{self.seq} {self.kind} {self.status}"

    def save(self, *args, **kwargs):
        if self._state.adding:
            raise ImmutableArtifactError("Run artifacts are created only by runs.services.run_record.")
        raise ImmutableArtifactError(f"Run artifact {self.run_id} is immutable and cannot be changed.")

    def save_base(self, *args, **kwargs):
        # loaddata and other raw saves call save_base directly, past save().
        self.save()

    def delete(self, *args, **kwargs):
        raise ImmutableArtifactError(f"Run artifact {self.run_id} is immutable and cannot be deleted.")


class RunHour(models.Model):
    """How many artifacts of each (status, risk level) one closed hour of the ledger holds: a cache the
    dashboard's day and week counts are summed from (``runs.rollup``), so that they cost the same whatever
    a week's volume. Derived, not part of the record: ``verify_runs`` does not cover it, and deleting rows is
    always safe (they are computed again from the ledger on the next read)."""

    hour = models.DateTimeField(primary_key=True, help_text="Start of the hour (UTC).")
    counts = models.JSONField(default=list, help_text='[{"status", "risk_level", "count"}, ...]; [] for none.')

    class Meta:
        verbose_name = "run count per hour"

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}:00 UTC"


class DrawingFile(models.Model):
    """A drawing (DXF or SVG text) received with a job, kept once under the SHA-256 of its UTF-8 bytes.

    Artifacts and sessions refer to it by that hash and its size, so a ledger row stays small however large the
    file, and the same file sent a thousand times is stored once. Immutable like the ledger (migration 0008:
    triggers refuse UPDATE, DELETE and TRUNCATE, and a check makes the key the hash of the text), so the
    ``feasibility_sha256`` that covers the hash also covers the file. Written only by ``runs.drawings``.
    """

    sha256 = models.CharField(primary_key=True, max_length=64, editable=False)
    format = models.CharField(max_length=8, editable=False, help_text="As first received: dxf or svg.")
    size_bytes = models.PositiveIntegerField(editable=False, help_text="Size of the UTF-8 text.")
    text = models.TextField(editable=False)
    received_at = models.DateTimeField(editable=False)
    received_by = models.CharField(max_length=150, blank=True, editable=False)

    class Meta:
        verbose_name = "received drawing"
        ordering = ["-received_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(sha256__regex=_SHA256), name="runs_drawing_sha256_hex"),
            models.CheckConstraint(condition=models.Q(format__in=["dxf", "svg"]), name="runs_drawing_format_known"),
        ]

    def __str__(self) -> str:
        return f"{self.format} {self.sha256[:12]} ({self.size_bytes} bytes)"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableArtifactError(f"Drawing {self.sha256} is immutable and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableArtifactError(f"Drawing {self.sha256} is immutable and cannot be deleted.")
