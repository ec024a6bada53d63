# Django finds an app's models in its ``models`` module; the site's one table lives in the ground beside the
# idempotency code that owns it.
from rmos_site.core.models import IdempotencyRecord

__all__ = ["IdempotencyRecord"]
