"""Attempt counters for the portal's order lookup, kept in Django's cache.

The cache is shared by every web process (a file cache by default, Redis in production: see
``aftersales/settings/database.py``), so a limit holds across workers. Windows are fixed and aligned to
the clock: the key names the window, ``incr`` counts (atomic on Redis), and ``touch`` pins the expiry to
the window's end because the file cache's ``incr`` would otherwise reset it to the default timeout.
Identities (an IP address, an order number) are hashed before they become part of a key, so the cache
holds no personal data.

The caller passes the visitor's address from ``aftersales.client_address.client_ip``: behind a reverse proxy
listed in ``TRUSTED_PROXIES`` it is read from ``X-Forwarded-For``, so visitors do not share one counter.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    scope: str
    attempts: int
    window_seconds: int


LOOKUP_PER_IP = Limit("portal-lookup-ip", attempts=10, window_seconds=15 * 60)
LOOKUP_PER_ORDER = Limit("portal-lookup-order", attempts=5, window_seconds=15 * 60)


def hit(limit: Limit, identity: str) -> bool:
    """Count one attempt by ``identity``; True while it is within the limit (this attempt included)."""
    now = int(time.time())
    window = now // limit.window_seconds
    ttl = (window + 1) * limit.window_seconds - now + 1
    digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]
    key = f"returns:{limit.scope}:{window}:{digest}"
    cache.add(key, 0, timeout=ttl)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=ttl)
        count = 1
    cache.touch(key, timeout=ttl)
    return count <= limit.attempts


def lookup_allowed(*, ip: str, order_number: str) -> bool:
    """Count a lookup attempt against the visitor's IP and against the order number it names."""
    within_ip = hit(LOOKUP_PER_IP, ip or "unknown")
    within_order = hit(LOOKUP_PER_ORDER, order_number) if order_number else True
    return within_ip and within_order
