"""Which order a portal visitor has unlocked, and the opaque token that names it in URLs.

A visitor unlocks ONE order by proving they know its number and its email address or postcode
(``views/portal.py``). The session then keeps the order id, a random nonce and the time of unlocking;
looking up another order replaces all three. The URL of the order page carries no database id: its token
is an HMAC (``django.utils.crypto.salted_hmac``, keyed by ``SECRET_KEY``) of the session's nonce and the
order id, so it names the order only for the session that unlocked it, can't be guessed or edited
into another order, and is worthless in another browser. ``selectors.order_for_portal`` is the only
reader of these keys that a view calls.
"""

from __future__ import annotations

import secrets
import time

from django.utils.crypto import constant_time_compare, salted_hmac

ORDER_KEY = "returns.portal.order_id"
NONCE_KEY = "returns.portal.nonce"
UNLOCKED_AT_KEY = "returns.portal.unlocked_at"
ACCESS_SECONDS = 24 * 60 * 60  # a day: long enough to come back to the page, short on a shared computer
_SALT = "returns.portal.order-token"


def unlock(session, order) -> str:
    """Give this session access to ``order`` (and only to it); returns the token of the order page."""
    session.cycle_key()  # a new session key whenever what the session may see changes
    session[ORDER_KEY] = order.pk
    session[NONCE_KEY] = secrets.token_urlsafe(16)
    session[UNLOCKED_AT_KEY] = int(time.time())
    return _token(session[NONCE_KEY], order.pk)


def unlocked_order_id(session, token: str) -> int | None:
    """The order id this session unlocked, when ``token`` is its token and access has not expired."""
    order_id, nonce, unlocked_at = session.get(ORDER_KEY), session.get(NONCE_KEY), session.get(UNLOCKED_AT_KEY)
    if not (isinstance(order_id, int) and nonce and isinstance(unlocked_at, int)):
        return None
    if time.time() - unlocked_at > ACCESS_SECONDS:
        return None
    if not constant_time_compare(_token(nonce, order_id), token or ""):
        return None
    return order_id


def _token(nonce: str, order_id: int) -> str:
    return salted_hmac(_SALT, f"{nonce}:{order_id}", algorithm="sha256").hexdigest()[:40]
