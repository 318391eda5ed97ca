"""The visitor's IP address, for per-visitor limits (the portal's lookup attempts).

Behind a reverse proxy ``REMOTE_ADDR`` is the proxy's address, so every visitor would share one counter. When the
request comes from a proxy listed in ``TRUSTED_PROXIES``, the address is read from ``X-Forwarded-For`` from the
right: each proxy appends the address it received the request from, so the first entry (from the right) that is not
a trusted proxy is the visitor. Entries left of it were written by the client and are never believed. From an
address that is not a trusted proxy the header is ignored, so a visitor cannot choose its own counter.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in settings.TRUSTED_PROXIES)


def client_ip(request) -> str:
    """The visitor's address ("" when the server gave none)."""
    address = request.META.get("REMOTE_ADDR", "").strip()
    if not _trusted(address):
        return address
    forwarded = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(forwarded):
        if not _trusted(hop):
            return hop
        address = hop
    return address  # every hop is a proxy: the one furthest from us
