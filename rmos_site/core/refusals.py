"""Which refusals the ledger records.

The ledger keeps every decision about a job or an approval, refused ones included: a refused ``POST`` to a job
or approval endpoint leaves a ``BLOCKED`` artifact, so the record shows who tried what. A refused *read* (a
``GET`` of such an endpoint by a user whose role may not call it) decides nothing; recording it would let any
logged-in user, even one without a role, grow the ledger by one row per request. Those go to the log instead:
one warning line on the ``rmos.refusals`` logger, with the user, method and path (``docs/security.md``).
"""

import logging

from rest_framework.permissions import SAFE_METHODS

logger = logging.getLogger("rmos.refusals")


def log_refused_read(request) -> None:
    """One warning line for a refused read (``GET``/``HEAD``/``OPTIONS``); writes are refused by the services,
    which record them."""
    if request.method not in SAFE_METHODS:
        return
    user = getattr(request, "user", None)
    logger.warning(
        "refused read: user=%s method=%s path=%s",
        user.get_username() if user is not None else "",
        request.method,
        request.path,
    )
