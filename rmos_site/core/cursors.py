"""Signed keyset cursors, one helper for every paginated list (the run index, the session list).

A cursor carries the position of the last row shown and a digest of the filters it was issued for, signed with
``SECRET_KEY`` (and accepted under ``SECRET_KEY_FALLBACKS``, so a key rotation keeps the cursors clients hold).
A forged, truncated or re-targeted cursor is a 400 ``INVALID_CURSOR``, never a silent restart from the top.
"""

import hashlib
import json

from django.core import signing

from rmos_site.core.problems import ProblemError

CURSOR_VERSION = 1
CURSOR_MAX_LENGTH = 500
FOREIGN = "The cursor is not one this server issued; start again without a cursor."
OTHER_FILTERS = "The cursor belongs to a query with other filters; start again without a cursor."


def invalid_cursor(detail: str = FOREIGN) -> ProblemError:
    return ProblemError(status=400, error="INVALID_CURSOR", title="Invalid cursor", detail=detail)


def filters_digest(filters: dict) -> str:
    """A short digest of the (JSON-able, already normalised) filters a cursor is bound to."""
    text = json.dumps(filters, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _signer(salt: str) -> signing.Signer:
    # Made per use, so it signs with the current SECRET_KEY and accepts SECRET_KEY_FALLBACKS.
    return signing.Signer(salt=salt)


def cursor_sign(*, salt: str, position: dict, filters: dict) -> str:
    """The cursor for ``position`` (plain JSON values) in the list filtered by ``filters``."""
    return _signer(salt).sign_object({"v": CURSOR_VERSION, "p": position, "q": filters_digest(filters)})


def cursor_read(cursor: str, *, salt: str, filters: dict) -> dict:
    """The position a cursor of this server holds, or 400 ``INVALID_CURSOR``. The caller checks the position's
    values themselves (types, ranges) and raises ``invalid_cursor()`` when they are wrong."""
    if not isinstance(cursor, str) or len(cursor) > CURSOR_MAX_LENGTH:
        raise invalid_cursor()
    try:
        payload = _signer(salt).unsign_object(cursor)
    except (signing.BadSignature, ValueError, UnicodeError):
        raise invalid_cursor() from None
    if not isinstance(payload, dict) or payload.get("v") != CURSOR_VERSION or not isinstance(payload.get("p"), dict):
        raise invalid_cursor()
    if payload.get("q") != filters_digest(filters):
        raise invalid_cursor(OTHER_FILTERS)
    return payload["p"]
