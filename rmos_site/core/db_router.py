"""An optional read replica (``DATABASE_REPLICA_URL``), used only where the code asks for it.

Nothing is routed to the replica implicitly: a governance server must not answer "not found" or show a stale
state to a caller that just wrote, and most reads here feed a decision (session state, approvals, the ledger
head), which must come from the primary. Selectors that serve plain listings opt in with
``.using(read_db())`` (the run index and the run detail; ``docs/deployment.md``).
"""

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA_ALIAS = "replica"


def read_db() -> str:
    """The alias for an opt-in read: the replica when ``RMOS_READ_DATABASE`` names one, else the primary.

    Inside a transaction on the primary the answer is always the primary: the caller may be about to write,
    or may have written rows that the replica has not received yet.
    """
    alias = getattr(settings, "RMOS_READ_DATABASE", DEFAULT_DB_ALIAS)
    if alias == DEFAULT_DB_ALIAS or alias not in connections.settings:
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return alias


class ReplicaRouter:
    """Keeps writes on the primary whatever an instance was read from.

    Without it, saving an object loaded from the replica would go back to the replica (Django's default for
    an instance hint), which is read-only at best. Reads get no opinion, so they stay on the primary unless a
    queryset says ``using(read_db())``; migrations get none either (``migrate`` runs on the primary only).
    """

    def db_for_read(self, model, **hints):
        return None

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same data, so an object from either may refer to one from the other.
        aliases = {DEFAULT_DB_ALIAS, REPLICA_ALIAS}
        if obj1._state.db in aliases and obj2._state.db in aliases:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return None
