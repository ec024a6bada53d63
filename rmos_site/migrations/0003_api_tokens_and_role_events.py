"""API tokens stored as hashes, and the append-only log of role changes.

Role changes are recorded by the database itself: a trigger on Django's user-group table appends a role event
for every membership of an RMOS role group inserted or deleted, whoever sends the statement (the ORM, a shell,
raw SQL), with the actor and path the application names for its transaction (``rmos.actor``, ``rmos.via``;
``rmos_site/core/userguard.py``), empty when nobody did.

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
ROLES = ("operator", "approver", "auditor", "admin")

RECORD_FORWARD = f"""
CREATE OR REPLACE FUNCTION rmos_record_role_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    membership record;
    role_name text;
    user_name text;
BEGIN
    IF TG_OP = 'INSERT' THEN membership := NEW; ELSE membership := OLD; END IF;
    SELECT name INTO role_name FROM auth_group WHERE id = membership.group_id;
    IF role_name IS NULL OR role_name <> ALL (ARRAY{list(ROLES)}) THEN
        RETURN NULL;
    END IF;
    SELECT username INTO user_name FROM auth_user WHERE id = membership.user_id;
    INSERT INTO rmos_site_roleevent (at, actor, via, user_id, username, role, change)
    VALUES (
        clock_timestamp(),
        coalesce(current_setting('rmos.actor', true), ''),
        coalesce(current_setting('rmos.via', true), ''),
        membership.user_id,
        coalesce(user_name, ''),
        role_name,
        CASE TG_OP WHEN 'INSERT' THEN 'added' ELSE 'removed' END
    );
    RETURN NULL;
END;
$$;
CREATE TRIGGER auth_user_groups_rmos_role_events AFTER INSERT OR DELETE ON auth_user_groups
    FOR EACH ROW EXECUTE FUNCTION rmos_record_role_change();
"""

RECORD_REVERSE = """
DROP TRIGGER IF EXISTS auth_user_groups_rmos_role_events ON auth_user_groups;
DROP FUNCTION IF EXISTS rmos_record_role_change();
"""


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
        migrations.RunSQL(RECORD_FORWARD, RECORD_REVERSE),
        migrations.RunPython(carry_over_drf_tokens, migrations.RunPython.noop),
    ]
