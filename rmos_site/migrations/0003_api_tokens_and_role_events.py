"""API tokens stored as hashes, and the append-only log of role changes.

Keys of DRF's token table (``authtoken_token``, from before tokens were hashed) are carried over as their
hashes, so clients keep their keys, and then deleted from that table: no key stays readable.
"""

import hashlib

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from runs.immutability import immutable_table_sql

FORWARD, REVERSE = immutable_table_sql("rmos_site_roleevent")


def carry_over_drf_tokens(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('authtoken_token') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return
        cursor.execute('SELECT "key", "user_id", "created" FROM "authtoken_token"')
        rows = cursor.fetchall()
        ApiToken = apps.get_model("rmos_site", "ApiToken")
        ApiToken.objects.bulk_create(
            ApiToken(key_sha256=hashlib.sha256(key.encode("utf-8")).hexdigest(), user_id=user_id, created=created)
            for key, user_id, created in rows
        )
        cursor.execute('DELETE FROM "authtoken_token"')


class Migration(migrations.Migration):
    dependencies = [
        ("rmos_site", "0002_idempotencyrecord"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        # The trigger function the immutable table uses (recreated by FORWARD anyway).
        ("runs", "0002_ledger_triggers"),
    ]

    operations = [
        migrations.CreateModel(
            name="ApiToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key_sha256", models.CharField(help_text="SHA-256 (hex) of the key.", max_length=64, unique=True)),
                ("created", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="api_tokens",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "API token",
                "ordering": ["-created", "-id"],
            },
        ),
        migrations.CreateModel(
            name="RoleEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                (
                    "actor",
                    models.CharField(blank=True, help_text="Who made the change; empty when unknown.", max_length=150),
                ),
                (
                    "via",
                    models.CharField(
                        blank=True, help_text="admin, rmos_token, ...; empty when unknown.", max_length=32
                    ),
                ),
                ("user_id", models.BigIntegerField(help_text="The id of the user whose roles changed.")),
                ("username", models.CharField(max_length=150)),
                ("role", models.CharField(max_length=16)),
                ("change", models.CharField(choices=[("added", "added"), ("removed", "removed")], max_length=8)),
            ],
            options={
                "ordering": ["-id"],
                "base_manager_name": "objects",
                "indexes": [models.Index(fields=["user_id", "id"], name="rmos_roleevent_user")],
            },
        ),
        migrations.RunSQL(FORWARD, REVERSE),
        migrations.RunPython(carry_over_drf_tokens, migrations.RunPython.noop),
    ]
