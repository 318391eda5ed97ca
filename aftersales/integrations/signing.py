"""Webhook signatures of providers that sign the raw request body with HMAC-SHA256 and send the digest
base64-encoded in a header: Shopify (``X-Shopify-Hmac-Sha256``) and AfterShip-style tracking services
(``aftership-hmac-sha256``). Compared in constant time; an unset secret verifies nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac


def hmac_sha256_base64(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode("ascii")


def valid_hmac_sha256_base64(*, secret: str, body: bytes, signature: str) -> bool:
    if not secret or not signature:
        return False
    expected = hmac_sha256_base64(secret, body).encode()
    return hmac.compare_digest(expected, signature.strip().encode("utf-8", "replace"))
