"""Append-only tables, enforced by PostgreSQL itself.

``rmos_refuse_change()`` is a generic trigger function: attached to a table ``BEFORE UPDATE OR DELETE ... FOR
EACH ROW`` and ``BEFORE TRUNCATE ... FOR EACH STATEMENT`` it refuses every change to rows already written,
whatever client, role or ORM sent the statement, with SQLSTATE 23001 (``restrict_violation``; Django raises
``IntegrityError``) and a message naming the operation and the table. Any immutable table may reuse it: from
a migration,

    forward, reverse = immutable_table_sql("workflow_transitionevent")
    migrations.RunSQL(forward, reverse)

One exception, TRUNCATE inside a transaction that ran ``SET LOCAL rmos.allow_truncate = 'on'``, exists for
the test suite, whose transactional tests are torn down with ``TRUNCATE`` (``tests/conftest.py`` adds the
``SET LOCAL``). It grants nothing new: TRUNCATE needs the TRUNCATE privilege on the table, which only its
owner or a role it was granted to holds, and the owner can ``ALTER TABLE ... DISABLE TRIGGER`` anyway. The
production application role must therefore own neither the tables nor TRUNCATE on them (see
``docs/ledger.md``). Unlike django-pgtrigger's ``Protect``, nothing here can be skipped by a session variable
that any role may set.

The database is the enforcement because raw SQL, other clients and future code never pass through the ORM;
the model and queryset refusals in ``runs.models`` only fail earlier, with a clearer message.
"""

import re

REFUSE_FUNCTION = "rmos_refuse_change"

FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {REFUSE_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('rmos.allow_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'rmos: % on %.% is refused: its rows are immutable', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation',
              HINT = 'Rows of this table are written once and never changed or deleted.';
END;
$$;
COMMENT ON FUNCTION {REFUSE_FUNCTION}() IS
    'RMOS: refuses UPDATE, DELETE and TRUNCATE on append-only tables (see runs/immutability.py).';
"""

DROP_FUNCTION_SQL = f"DROP FUNCTION IF EXISTS {REFUSE_FUNCTION}();"

_TABLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,40}")


def immutable_table_sql(table_name: str) -> tuple[str, str]:
    """``(forward_sql, reverse_sql)`` making ``table_name`` append-only.

    The forward SQL (re)creates ``rmos_refuse_change()`` too, so a migration using it needs no ordering
    against the runs app; the reverse SQL drops only this table's triggers, since other tables may still use
    the function. The text must stay stable: migrations already applied embed it.
    """
    if not _TABLE_NAME.fullmatch(table_name):
        raise ValueError(f"not a plain table name: {table_name!r}")
    row_trigger = f"{table_name}_refuse_update_delete"
    truncate_trigger = f"{table_name}_refuse_truncate"
    forward = f"""
{FUNCTION_SQL}
CREATE TRIGGER {row_trigger}
    BEFORE UPDATE OR DELETE ON "{table_name}"
    FOR EACH ROW EXECUTE FUNCTION {REFUSE_FUNCTION}();
CREATE TRIGGER {truncate_trigger}
    BEFORE TRUNCATE ON "{table_name}"
    FOR EACH STATEMENT EXECUTE FUNCTION {REFUSE_FUNCTION}();
"""
    reverse = f"""
DROP TRIGGER IF EXISTS {row_trigger} ON "{table_name}";
DROP TRIGGER IF EXISTS {truncate_trigger} ON "{table_name}";
"""
    return forward, reverse
