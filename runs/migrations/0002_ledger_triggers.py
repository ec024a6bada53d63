"""Database-side guarantees of the ledger (see runs/immutability.py and docs/ledger.md).

1. Rows are immutable: UPDATE and DELETE refused per row, TRUNCATE per statement.
2. Every INSERT must extend the chain: seq is the head's seq + 1, prev_sha256 the head's chain_sha256 (the
   genesis value for the first row) and created_at no earlier than the head's. So no writer, even one
   bypassing runs.services, can leave a gap or a fork; only the hashes themselves are left to verify_runs,
   since canonical JSON cannot be recomputed in SQL.
"""

from django.db import migrations

from runs.immutability import DROP_FUNCTION_SQL, FUNCTION_SQL, immutable_table_sql

TABLE = "runs_runartifact"
IMMUTABLE_FORWARD, IMMUTABLE_REVERSE = immutable_table_sql(TABLE)

LINK_FORWARD = f"""
CREATE OR REPLACE FUNCTION rmos_runs_check_link() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    head record;
BEGIN
    -- Rows inserted earlier by the same statement are visible here, so multi-row INSERTs link up too.
    SELECT seq, chain_sha256, created_at INTO head FROM {TABLE} ORDER BY seq DESC LIMIT 1;
    IF NOT FOUND THEN
        IF NEW.seq <> 1 OR NEW.prev_sha256 <> repeat('0', 64) THEN
            RAISE EXCEPTION 'rmos: run % does not start the ledger (seq %, expected 1 and the genesis hash)',
                NEW.run_id, NEW.seq USING ERRCODE = 'restrict_violation';
        END IF;
    ELSIF NEW.seq <> head.seq + 1 OR NEW.prev_sha256 <> head.chain_sha256 OR NEW.created_at < head.created_at THEN
        RAISE EXCEPTION 'rmos: run % (seq %) does not extend the ledger head (seq %)', NEW.run_id, NEW.seq, head.seq
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER {TABLE}_check_link BEFORE INSERT ON {TABLE} FOR EACH ROW EXECUTE FUNCTION rmos_runs_check_link();
"""

LINK_REVERSE = f"""
DROP TRIGGER IF EXISTS {TABLE}_check_link ON {TABLE};
DROP FUNCTION IF EXISTS rmos_runs_check_link();
"""


class Migration(migrations.Migration):
    dependencies = [("runs", "0001_initial")]

    operations = [
        # Its own operation so that unapplying the ledger drops the shared function last.
        migrations.RunSQL(FUNCTION_SQL, DROP_FUNCTION_SQL),
        migrations.RunSQL(IMMUTABLE_FORWARD, IMMUTABLE_REVERSE),
        migrations.RunSQL(LINK_FORWARD, LINK_REVERSE),
    ]
