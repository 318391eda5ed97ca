"""Who else is looking at a ticket, and who is typing: short-lived marks in the shared cache (Redis in
production), refreshed by the ticket page every few seconds and forgotten when they stop."""

from __future__ import annotations

import time

from django.core.cache import cache

FRESH_SECONDS = 20
TYPING_SECONDS = 8


def _key(ticket_pk: int) -> str:
    return f"tickets:presence:{ticket_pk}"


def touch(ticket_pk: int, user, *, typing: bool) -> None:
    now = time.time()
    seen = cache.get(_key(ticket_pk)) or {}
    seen = {uid: mark for uid, mark in seen.items() if now - mark["at"] < FRESH_SECONDS}
    previous = seen.get(str(user.pk), {})
    seen[str(user.pk)] = {"name": user.get_full_name() or user.get_username(), "at": now,
                          "typing_at": now if typing else previous.get("typing_at", 0)}
    cache.set(_key(ticket_pk), seen, timeout=FRESH_SECONDS * 3)


def others(ticket_pk: int, user) -> list[dict]:
    """The other agents on this ticket now: name and whether they are typing."""
    now = time.time()
    seen = cache.get(_key(ticket_pk)) or {}
    return [{"name": mark["name"], "typing": now - mark.get("typing_at", 0) < TYPING_SECONDS}
            for uid, mark in sorted(seen.items()) if uid != str(user.pk) and now - mark["at"] < FRESH_SECONDS]
