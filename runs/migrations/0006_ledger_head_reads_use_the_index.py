"""The ledger's head reads always use the seq index.

``rmos_runs_check_link`` (the chain-link trigger, one call per inserted row) and ``rmos_runs_next_link`` (the
single-statement append) read the head with ``ORDER BY seq DESC LIMIT 1``. PL/pgSQL keeps a plan per
session: one made while the statistics say the table is empty (ANALYZE ran on a new ledger) is a sequential
scan with a sort, kept for the session, and every later insert then reads the whole table: a COPY of 20,000
rows into a new ledger took 41 s on PostgreSQL 18 against 1.5 s with the index, and `load_runs` slowed to a
few dozen artifacts a second on PostgreSQL 15. ``enable_seqscan = off`` on the two
functions leaves the index as the only sensible plan whatever the statistics say; nothing else is affected.
"""

from django.db import migrations

FORWARD = """
ALTER FUNCTION rmos_runs_check_link() SET enable_seqscan = off;
ALTER FUNCTION rmos_runs_next_link(text, timestamptz) SET enable_seqscan = off;
"""
REVERSE = """
ALTER FUNCTION rmos_runs_check_link() RESET enable_seqscan;
ALTER FUNCTION rmos_runs_next_link(text, timestamptz) RESET enable_seqscan;
"""


class Migration(migrations.Migration):
    dependencies = [("runs", "0005_run_hour_counts")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
