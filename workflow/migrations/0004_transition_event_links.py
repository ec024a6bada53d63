"""Every transition event extends the chain: seq is required and unique, and a BEFORE INSERT trigger refuses
a row that does not extend the head (seq = head + 1, prev_sha256 = the head's chain_sha256, at not earlier), as
runs/0002 does for the ledger. The hashes themselves are left to verify_runs."""

from django.db import migrations, models

TABLE = "workflow_transitionevent"

LINK_FORWARD = f"""
CREATE OR REPLACE FUNCTION rmos_workflow_events_check_link() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    head record;
BEGIN
    SELECT seq, chain_sha256, at INTO head FROM {TABLE} ORDER BY seq DESC LIMIT 1;
    IF NOT FOUND THEN
        IF NEW.seq <> 1 OR NEW.prev_sha256 <> repeat('0', 64) THEN
            RAISE EXCEPTION 'rmos: transition event (seq %) does not start the event chain', NEW.seq
                USING ERRCODE = 'restrict_violation';
        END IF;
    ELSIF NEW.seq <> head.seq + 1 OR NEW.prev_sha256 <> head.chain_sha256 OR NEW.at < head.at THEN
        RAISE EXCEPTION 'rmos: transition event (seq %) does not extend the event chain (head seq %)',
            NEW.seq, head.seq USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;
-- The head read by the seq index always (see runs/0006: a plan cached while the table was empty would scan it).
ALTER FUNCTION rmos_workflow_events_check_link() SET enable_seqscan = off;
CREATE TRIGGER {TABLE}_check_link BEFORE INSERT ON {TABLE} FOR EACH ROW
    EXECUTE FUNCTION rmos_workflow_events_check_link();
"""

LINK_REVERSE = f"""
DROP TRIGGER IF EXISTS {TABLE}_check_link ON {TABLE};
DROP FUNCTION IF EXISTS rmos_workflow_events_check_link();
"""


class Migration(migrations.Migration):
    dependencies = [("workflow", "0003_chain_transition_events")]

    operations = [
        migrations.AlterField(
            model_name="transitionevent",
            name="seq",
            field=models.PositiveBigIntegerField(unique=True, editable=False, help_text="Position in the event chain."),
        ),
        migrations.RunSQL(LINK_FORWARD, LINK_REVERSE),
    ]
