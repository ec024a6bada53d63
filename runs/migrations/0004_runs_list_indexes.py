"""The run index's tool indexes, from EXPLAIN ANALYZE at 10^6 artifacts (docs/performance.md).

- ``(tool_id varchar_pattern_ops, seq)`` replaces both ``(tool_id, seq)`` and ``(tool_id varchar_pattern_ops)``:
  pattern ops serve equality as well as ``LIKE 'prefix%'``, so one index does the work of two and every
  insert maintains one index fewer.
- ``(tool_id, material_id, seq)``: "this tool in this material, newest first" (with or without further filters)
  otherwise filtered about twelve thousand rows per page at 10^6 artifacts; with it a page reads its 51 rows.

- Django's automatic ``runs_runartifact_run_id_…_like`` index (``varchar_pattern_ops`` on the primary key, made for
  ``LIKE`` lookups) goes: run ids are only ever looked up exactly (the primary key index), and a random-UUID index
  is the most expensive kind to maintain on every insert.

Built and dropped CONCURRENTLY (so the migration is not atomic): the ledger keeps accepting artifacts while an
existing table is indexed. The new indexes exist before the old ones go.
"""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models

# Not part of Django's model state (it never was), so plain SQL. Its name carries a hash Django derives from the
# table and column; it is looked up rather than spelled out.
DROP_RUN_ID_LIKE = """
DO $$
DECLARE
    name text;
BEGIN
    FOR name IN
        SELECT indexname FROM pg_indexes
        WHERE schemaname = current_schema() AND tablename = 'runs_runartifact'
          AND indexname LIKE 'runs_runartifact_run_id_%_like'
    LOOP
        EXECUTE format('DROP INDEX IF EXISTS %I', name);
    END LOOP;
END;
$$;
"""
CREATE_RUN_ID_LIKE = (
    'CREATE INDEX IF NOT EXISTS "runs_runartifact_run_id_2782a2d4_like" '
    'ON "runs_runartifact" ("run_id" varchar_pattern_ops);'
)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("runs", "0003_ledger_next_link")]

    operations = [
        AddIndexConcurrently(
            model_name="runartifact",
            index=models.Index(
                fields=["tool_id", "seq"], name="runs_tool_pattern_seq", opclasses=["varchar_pattern_ops", "int8_ops"]
            ),
        ),
        AddIndexConcurrently(
            model_name="runartifact",
            index=models.Index(fields=["tool_id", "material_id", "seq"], name="runs_tool_material_seq"),
        ),
        RemoveIndexConcurrently(model_name="runartifact", name="runs_tool_seq"),
        RemoveIndexConcurrently(model_name="runartifact", name="runs_tool_prefix"),
        migrations.RunSQL(DROP_RUN_ID_LIKE, CREATE_RUN_ID_LIKE),
    ]
