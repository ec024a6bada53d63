"""Drawings received with jobs, stored once by the SHA-256 of their text (``runs.models.DrawingFile``).

Immutable like the ledger (the same trigger function), and the key must be the hash of the text: PostgreSQL
checks ``sha256 = sha256(text as UTF-8)``, so no writer can file a drawing under another drawing's hash.
"""

from django.db import migrations, models

from runs.immutability import immutable_table_sql

TABLE = "runs_drawingfile"
IMMUTABLE_FORWARD, IMMUTABLE_REVERSE = immutable_table_sql(TABLE)
HASH_FORWARD = f"""
ALTER TABLE {TABLE} ADD CONSTRAINT runs_drawing_sha256_of_text
    CHECK (sha256 = encode(sha256(convert_to(text, 'UTF8')), 'hex')
           AND size_bytes = octet_length(convert_to(text, 'UTF8')));
"""
HASH_REVERSE = f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS runs_drawing_sha256_of_text;"


class Migration(migrations.Migration):
    dependencies = [("runs", "0007_list_filter_statistics")]

    operations = [
        migrations.CreateModel(
            name="DrawingFile",
            fields=[
                ("sha256", models.CharField(editable=False, max_length=64, primary_key=True, serialize=False)),
                ("format", models.CharField(editable=False, help_text="As first received: dxf or svg.", max_length=8)),
                ("size_bytes", models.PositiveIntegerField(editable=False, help_text="Size of the UTF-8 text.")),
                ("text", models.TextField(editable=False)),
                ("received_at", models.DateTimeField(editable=False)),
                ("received_by", models.CharField(blank=True, editable=False, max_length=150)),
            ],
            options={
                "verbose_name": "received drawing",
                "ordering": ["-received_at"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("sha256__regex", "^[0-9a-f]{64}$")), name="runs_drawing_sha256_hex"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("format__in", ["dxf", "svg"])), name="runs_drawing_format_known"
                    ),
                ],
            },
        ),
        migrations.RunSQL(IMMUTABLE_FORWARD, IMMUTABLE_REVERSE),
        migrations.RunSQL(HASH_FORWARD, HASH_REVERSE),
    ]
