"""API keys: issued once, stored as a hash (``ApiToken``), looked up by the hash of what a client sends."""

import hashlib
import secrets

from rmos_site.core.models import ApiToken

# 20 random bytes as 40 hex digits: the shape of the keys clients already hold.
KEY_BYTES = 20
# Longer than any key ever issued: anything longer is refused without a query.
MAX_KEY_LENGTH = 128


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def token_issue(*, user) -> str:
    """Create a new key for ``user`` and return it: the only time it exists in clear.

    Side effects: one ``ApiToken`` row holding the key's SHA-256. Earlier keys of the user keep working
    until they are deleted (revoked) in the admin.
    """
    key = secrets.token_hex(KEY_BYTES)
    ApiToken.objects.create(user=user, key_sha256=key_digest(key))
    return key
