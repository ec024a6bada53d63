"""The ledger's link assignment as one server-side function, so that a single artifact is appended in one
statement (one round trip) and the ledger lock is held only while PostgreSQL itself works.

``rmos_runs_next_link(content_sha256, requested_at)`` takes the ledger lock (``pg_advisory_xact_lock`` on the key
of ``runs.services.LEDGER_LOCK_KEY``, the bytes "RMOSLEDG"), reads the head in a statement of its own (a
VOLATILE PL/pgSQL function takes a fresh snapshot per statement under READ COMMITTED, so it sees the row the
previous lock holder just committed), and returns the next ``seq``, ``created_at`` (the clock read under the
lock, or ``requested_at`` clamped into [head's time, now]), ``prev_sha256`` and ``chain_sha256``.

``chain_sha256`` is exactly ``runs.hashing.chain_sha256``: SHA-256 of the canonical JSON
``{"content_sha256":"…","created_at":"YYYY-MM-DDTHH:MM:SS.ffffffZ","prev_sha256":"…","seq":N}``, keys sorted,
no whitespace. Every value is hexadecimal, an ISO timestamp or an integer, so the text needs no escaping.
``verify_runs`` recomputes it in Python, and the chain-link trigger of migration 0002 still checks every insert.

``runs.services`` uses it as ``INSERT … SELECT … FROM rmos_runs_next_link(%s, NULL) RETURNING …``.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION rmos_runs_next_link(p_content_sha256 text, p_requested_at timestamptz)
RETURNS TABLE (link_seq bigint, link_created_at timestamptz, link_prev_sha256 text, link_chain_sha256 text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    head_seq bigint;
    head_chain text;
    head_time timestamptz;
    now_ts timestamptz;
BEGIN
    PERFORM pg_advisory_xact_lock(5930483503497299015);  -- int.from_bytes(b"RMOSLEDG", "big")
    SELECT r.seq, r.chain_sha256, r.created_at INTO head_seq, head_chain, head_time
        FROM runs_runartifact AS r ORDER BY r.seq DESC LIMIT 1;
    now_ts := clock_timestamp();
    link_seq := coalesce(head_seq, 0) + 1;
    link_prev_sha256 := coalesce(head_chain, repeat('0', 64));
    link_created_at := least(coalesce(p_requested_at, now_ts), now_ts);
    IF head_time IS NOT NULL AND link_created_at < head_time THEN
        link_created_at := head_time;
    END IF;
    link_chain_sha256 := encode(sha256(convert_to(
        '{"content_sha256":"' || p_content_sha256
        || '","created_at":"' || to_char(link_created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
        || '","prev_sha256":"' || link_prev_sha256
        || '","seq":' || link_seq::text || '}',
        'UTF8')), 'hex');
    RETURN NEXT;
END;
$$;
COMMENT ON FUNCTION rmos_runs_next_link(text, timestamptz) IS
    'RMOS: takes the ledger lock and returns the next link (seq, created_at, prev and chain hash); see runs/services.py.';
"""

REVERSE = "DROP FUNCTION IF EXISTS rmos_runs_next_link(text, timestamptz);"


class Migration(migrations.Migration):
    dependencies = [("runs", "0002_ledger_triggers")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
