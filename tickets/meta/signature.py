"""Authenticity of Meta webhooks (WhatsApp Cloud API and Messenger Platform share the mechanism).

* POST: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw request body, keyed with the App Secret>``.
  Verify the exact bytes received, before any JSON parsing: a body re-serialised from parsed JSON no longer
  matches. The hex digest is compared case-insensitively and in constant time; the ``sha256=`` prefix is
  required. The legacy SHA-1 ``X-Hub-Signature`` header is not accepted.
* GET: ``hub.mode=subscribe&hub.verify_token=…&hub.challenge=…``; answer the challenge (as ``text/plain``)
  only when the verify token matches, otherwise the view answers 403.

An empty App Secret or verify token verifies nothing (a missing setting must not open the door).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Any

_PREFIX = "sha256="
_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")


def sign_hub(app_secret: str, body: bytes) -> str:
    """The full ``X-Hub-Signature-256`` header value for ``body`` (tests and the demo sender)."""
    if not app_secret:
        raise ValueError("cannot sign with an empty app secret")
    return _PREFIX + hmac.new(app_secret.encode(), bytes(body), hashlib.sha256).hexdigest()


def valid_hub_signature(*, app_secret: str, body: bytes, header: str | None) -> bool:
    """True only if ``header`` is ``sha256=<64 hex>`` and matches the HMAC of the raw ``body``."""
    if not app_secret or not header:
        return False
    value = header.strip()
    if value[: len(_PREFIX)].lower() != _PREFIX:
        return False
    digest = value[len(_PREFIX):].strip().lower()
    if not _HEX_DIGEST.fullmatch(digest):
        return False
    expected = sign_hub(app_secret, body)[len(_PREFIX):]
    return hmac.compare_digest(expected.encode("ascii"), digest.encode("ascii"))


def verify_handshake(params: Mapping[str, Any], verify_token: str) -> str | None:
    """``hub.challenge`` when ``hub.mode`` is ``subscribe`` and ``hub.verify_token`` matches, else None.

    ``params`` is ``request.GET`` (Django keeps the dots in ``hub.mode``) or any mapping; a list value, as
    from ``urllib.parse.parse_qs``, counts by its last item, as ``QueryDict.get`` does.
    """
    if not verify_token:
        return None
    mode = _param(params, "hub.mode")
    token = _param(params, "hub.verify_token")
    challenge = _param(params, "hub.challenge")
    if mode != "subscribe" or token is None or not challenge:
        return None
    if not hmac.compare_digest(token.encode(), verify_token.encode()):
        return None
    return challenge


def _param(params: Mapping[str, Any], key: str) -> str | None:
    value = params.get(key)
    if isinstance(value, list | tuple):
        value = value[-1] if value else None
    return value if isinstance(value, str) else None
