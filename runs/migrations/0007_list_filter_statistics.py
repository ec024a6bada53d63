"""Extended statistics on the list's low-cardinality filters, so the planner knows how they combine.

Without them PostgreSQL multiplies the selectivities of ``kind``, ``status`` and ``risk_level`` as if they were
independent. A combination that matches nothing (``kind=approval&status=BLOCKED&risk_level=GREEN``: approvals
have no verdict of their own) is then estimated at thousands of rows, so ``ORDER BY seq DESC LIMIT n`` walks
the seq index backwards hoping to meet them soon, and reads the whole ledger. With the combinations'
frequencies (an MCV list, sampled from 300,000 rows by statistics target 1000, so that every combination
present is seen) the estimate is about none and the planner intersects the per-column indexes instead
(BitmapAnd). At 10^6 artifacts: 690 -> 215 ms; at 10^5: 92 -> 6 ms (docs/performance.md). The larger sample
makes ANALYZE of this table read more rows (a few seconds at 10^8).
"""

from django.db import migrations

# Gathered at once on a ledger that has artifacts (autovacuum would wait for 10% more rows, days on a large
# one); a new, empty ledger is left to autovacuum, since statistics saying "empty" only mislead the planner.
FORWARD = """
CREATE STATISTICS IF NOT EXISTS runs_kind_status_risk_stats (mcv) ON kind, status, risk_level FROM runs_runartifact;
ALTER STATISTICS runs_kind_status_risk_stats SET STATISTICS 1000;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM runs_runartifact) THEN
        ANALYZE runs_runartifact;
    END IF;
END $$;
"""
REVERSE = "DROP STATISTICS IF EXISTS runs_kind_status_risk_stats;"


class Migration(migrations.Migration):
    dependencies = [("runs", "0006_ledger_head_reads_use_the_index")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
