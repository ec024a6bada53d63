"""The address a request came from, for the login lock (django-axes' ``AXES_CLIENT_IP_CALLABLE``).

Without a proxy it is the socket's address (``REMOTE_ADDR``); a client's ``X-Forwarded-For`` is ignored, since
anybody can send one. Behind ``RMOS_TRUSTED_PROXY_COUNT`` proxies that each append the address they were reached
from, the client is the entry the outermost of them appended: that many entries from the right. Entries further
left were written by the client and are never read. A request that did not pass through every proxy (too few
entries) or carries no address in that place falls back to ``REMOTE_ADDR``, so a malformed header can move the
lock to the proxy's address but never to an address the client chose.
"""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.RMOS_TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(hops) < proxies:
        return remote
    candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
