"""Transition events are append-only, enforced by PostgreSQL (see runs/immutability.py)."""

from django.db import migrations

from runs.immutability import immutable_table_sql

FORWARD, REVERSE = immutable_table_sql("workflow_transitionevent")


class Migration(migrations.Migration):
    dependencies = [("workflow", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
