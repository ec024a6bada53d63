"""The shop policy: one row, created here with the defaults of feasibility.engine.tables.DEFAULT_POLICY (self-approval
off; the former RMOS_ALLOW_SELF_APPROVAL setting is gone: a shop that had it on ticks the box in the admin)."""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


def create_policy(apps, schema_editor):
    # The field defaults of this migration's model are the policy's defaults.
    apps.get_model("feasibility", "ShopPolicy").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [
        ("feasibility", "0004_default_shop_work_coordinates"),
        ("pghistory", "0007_auto_20250421_0444"),
    ]

    operations = [
        migrations.CreateModel(
            name="ShopPolicyEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("id", models.BigIntegerField()),
                (
                    "approval_min_yellow_score",
                    models.FloatField(
                        default=70.0,
                        help_text="A YELLOW verdict needs at least this score to be approved, or released without a session.",
                    ),
                ),
                (
                    "allow_self_approval",
                    models.BooleanField(
                        default=False,
                        help_text="Lets whoever created or shaped a session approve, reject or revise it (no four eyes). For a one-person shop only.",
                    ),
                ),
                (
                    "yellow_requires_session",
                    models.BooleanField(
                        default=False,
                        help_text="Every YELLOW job needs an approved workflow session; only GREEN is released without one.",
                    ),
                ),
                (
                    "max_moves",
                    models.PositiveIntegerField(
                        default=200000, help_text="Most moves one program may have (estimated before generating)."
                    ),
                ),
                (
                    "max_gcode_bytes",
                    models.PositiveIntegerField(default=8000000, help_text="Largest program, in bytes of G-code text."),
                ),
                (
                    "max_cutting_time_s",
                    models.FloatField(default=28800.0, help_text="Longest estimated run time of one program, seconds."),
                ),
                (
                    "min_stepdown_mm",
                    models.FloatField(
                        default=0.05, help_text="Thinnest depth per pass a multi-pass job may ask for, mm."
                    ),
                ),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="ShopPolicy",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "approval_min_yellow_score",
                    models.FloatField(
                        default=70.0,
                        help_text="A YELLOW verdict needs at least this score to be approved, or released without a session.",
                    ),
                ),
                (
                    "allow_self_approval",
                    models.BooleanField(
                        default=False,
                        help_text="Lets whoever created or shaped a session approve, reject or revise it (no four eyes). For a one-person shop only.",
                    ),
                ),
                (
                    "yellow_requires_session",
                    models.BooleanField(
                        default=False,
                        help_text="Every YELLOW job needs an approved workflow session; only GREEN is released without one.",
                    ),
                ),
                (
                    "max_moves",
                    models.PositiveIntegerField(
                        default=200000, help_text="Most moves one program may have (estimated before generating)."
                    ),
                ),
                (
                    "max_gcode_bytes",
                    models.PositiveIntegerField(default=8000000, help_text="Largest program, in bytes of G-code text."),
                ),
                (
                    "max_cutting_time_s",
                    models.FloatField(default=28800.0, help_text="Longest estimated run time of one program, seconds."),
                ),
                (
                    "min_stepdown_mm",
                    models.FloatField(
                        default=0.05, help_text="Thinnest depth per pass a multi-pass job may ask for, mm."
                    ),
                ),
            ],
            options={
                "verbose_name": "shop policy",
                "verbose_name_plural": "shop policy",
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("pk", 1)), name="shop_policy_single_row"),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("approval_min_yellow_score__gte", 0.0), ("approval_min_yellow_score__lte", 100.0)
                        ),
                        name="shop_policy_approval_min_yellow_score_range",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("max_moves__gte", 1), ("max_moves__lte", 2000000)),
                        name="shop_policy_max_moves_range",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("max_gcode_bytes__gte", 1000), ("max_gcode_bytes__lte", 64000000)),
                        name="shop_policy_max_gcode_bytes_range",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("max_cutting_time_s__gte", 1.0), ("max_cutting_time_s__lte", 604800.0)),
                        name="shop_policy_max_cutting_time_s_range",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("min_stepdown_mm__gte", 0.001), ("min_stepdown_mm__lte", 10.0)),
                        name="shop_policy_min_stepdown_mm_range",
                    ),
                ],
            },
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="shoppolicy",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "feasibility_shoppolicyevent" ("allow_self_approval", "approval_min_yellow_score", "id", "max_cutting_time_s", "max_gcode_bytes", "max_moves", "min_stepdown_mm", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "yellow_requires_session") VALUES (NEW."allow_self_approval", NEW."approval_min_yellow_score", NEW."id", NEW."max_cutting_time_s", NEW."max_gcode_bytes", NEW."max_moves", NEW."min_stepdown_mm", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."yellow_requires_session"); RETURN NULL;',
                    hash="01995ee6f297f04cf47777b20a072e1d1abb9d3b",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_aaca0",
                    table="feasibility_shoppolicy",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="shoppolicy",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "feasibility_shoppolicyevent" ("allow_self_approval", "approval_min_yellow_score", "id", "max_cutting_time_s", "max_gcode_bytes", "max_moves", "min_stepdown_mm", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "yellow_requires_session") VALUES (NEW."allow_self_approval", NEW."approval_min_yellow_score", NEW."id", NEW."max_cutting_time_s", NEW."max_gcode_bytes", NEW."max_moves", NEW."min_stepdown_mm", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."yellow_requires_session"); RETURN NULL;',
                    hash="f21a8d4d545922b3ed47169f8e26a055025a8a18",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_e61e7",
                    table="feasibility_shoppolicy",
                    when="AFTER",
                ),
            ),
        ),
        migrations.AddField(
            model_name="shoppolicyevent",
            name="pgh_context",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="pghistory.context",
            ),
        ),
        migrations.AddField(
            model_name="shoppolicyevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="events",
                to="feasibility.shoppolicy",
            ),
        ),
        migrations.RunPython(create_policy, migrations.RunPython.noop),
    ]
