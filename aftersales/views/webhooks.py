"""Inbound webhooks of the store side: Shopify and the tracking service (STYLE #7, DESIGN section 4).

Each view is thin: verify the HMAC of the raw body in constant time → parse → store through
``webhook_receive`` (unique per provider and event id) → 200. Processing happens later in a task. A missing or
bad signature answers 401 and stores nothing: one log line without personal data (no body, no address) says
so. A body that is not a JSON object answers 400 and stores nothing. A repeated delivery answers 200 and is
not processed twice. POST only; CSRF does not apply (the signature is the authentication).
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from aftersales.choices import WebhookProvider
from aftersales.integrations.signing import valid_hmac_sha256_base64
from aftersales.integrations.tracking import mapping as tracking_mapping
from aftersales.services.webhooks import webhook_receive

logger = logging.getLogger(__name__)

SHOPIFY_SIGNATURE = "X-Shopify-Hmac-Sha256"
TRACKING_SIGNATURE = "Aftership-Hmac-Sha256"
# Headers kept with the stored event (never cookies or authorisation).
_KEPT_HEADERS = ("Content-Type", "User-Agent", "X-Shopify-Topic", "X-Shopify-Webhook-Id", "X-Shopify-Shop-Domain",
                 "X-Shopify-Api-Version", "X-Shopify-Triggered-At", "X-Shopify-Event-Id")


@csrf_exempt
@require_POST
def shopify(request: HttpRequest) -> JsonResponse:
    refused = _refuse_unsigned(request, WebhookProvider.SHOPIFY, settings.SHOPIFY_WEBHOOK_SECRET, SHOPIFY_SIGNATURE)
    if refused:
        return refused
    payload, text = _json_object(request)
    if payload is None:
        return JsonResponse({"detail": _("The body is not a JSON object.")}, status=400)
    topic, event_id = request.headers.get("X-Shopify-Topic", ""), request.headers.get("X-Shopify-Webhook-Id", "")
    if not topic or not event_id:
        return JsonResponse({"detail": _("The X-Shopify-Topic and X-Shopify-Webhook-Id headers are required.")},
                            status=400)
    event, created = webhook_receive(provider=WebhookProvider.SHOPIFY, event_id=event_id, event_type=topic,
                                     headers=_kept_headers(request), body=text)
    return _stored(event, created)


@csrf_exempt
@require_POST
def tracking(request: HttpRequest) -> JsonResponse:
    refused = _refuse_unsigned(request, WebhookProvider.TRACKING, settings.TRACKING_WEBHOOK_SECRET,
                               TRACKING_SIGNATURE)
    if refused:
        return refused
    payload, text = _json_object(request)
    if payload is None:
        return JsonResponse({"detail": _("The body is not a JSON object.")}, status=400)
    event, created = webhook_receive(
        provider=WebhookProvider.TRACKING, event_id=tracking_mapping.event_id(payload, request.body),
        event_type=str(payload.get("event") or tracking_mapping.EVENT_TYPE), headers=_kept_headers(request),
        body=text)
    return _stored(event, created)


def _refuse_unsigned(request: HttpRequest, provider: str, secret: str, header: str) -> JsonResponse | None:
    signature = request.headers.get(header, "")
    if valid_hmac_sha256_base64(secret=secret, body=request.body, signature=signature):
        return None
    reason = "not configured" if not secret else "missing signature" if not signature else "bad signature"
    logger.warning("%s webhook refused: %s (%s bytes)", provider, reason, len(request.body))
    return JsonResponse({"detail": _("The signature is missing or wrong.")}, status=401)


def _json_object(request: HttpRequest) -> tuple[dict | None, str]:
    try:
        text = request.body.decode("utf-8")
        payload = json.loads(text)
    except (UnicodeDecodeError, ValueError):
        return None, ""
    return (payload, text) if isinstance(payload, dict) else (None, "")


def _kept_headers(request: HttpRequest) -> dict:
    return {name: request.headers[name] for name in _KEPT_HEADERS if name in request.headers}


def _stored(event, created: bool) -> JsonResponse:
    return JsonResponse({"status": "stored" if created else "duplicate", "event": event.pk}, status=200)
