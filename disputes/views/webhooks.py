"""Stripe and PayPal dispute webhooks (DESIGN section 8, STYLE #7).

Each view is thin: verify the delivery on the raw body → store it through ``webhook_receive`` under the
provider's event id (a redelivery is "duplicate", not a second event) → 200; the dispute is written later by the
handler in ``disputes.handlers``, in a task.

* **Stripe**: ``stripe.Webhook.construct_event`` checks ``Stripe-Signature`` (HMAC-SHA256 of
  ``<t>.<raw body>``, 300 s tolerance) with ``STRIPE_WEBHOOK_SECRET``.
* **PayPal**: ``disputes.integrations.verify_paypal_webhook`` asks PayPal's verify-webhook-signature API;
  only ``SUCCESS`` is accepted. When PayPal cannot be asked (timeout, 5xx) the delivery is refused too: PayPal
  redelivers it, and nothing unverified is ever stored.

A missing configuration, a missing or wrong signature and a malformed body all answer 400 and store nothing; one
log line without the body says why. POST only; CSRF does not apply (the signature is the authentication).
"""

from __future__ import annotations

import json
import logging

import stripe
from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from aftersales.services.webhooks import webhook_receive

from ..choices import DisputeProvider
from ..integrations import PayPalVerificationUnavailable, verify_paypal_webhook

logger = logging.getLogger(__name__)

STRIPE_TOLERANCE_SECONDS = 300
_STRIPE_KEPT_HEADERS = ("Content-Type", "User-Agent", "Stripe-Signature")
_PAYPAL_KEPT_HEADERS = ("Content-Type", "User-Agent", "Paypal-Transmission-Id", "Paypal-Transmission-Time",
                        "Paypal-Transmission-Sig", "Paypal-Cert-Url", "Paypal-Auth-Algo")


def _refused(provider: str, reason: str, request: HttpRequest, detail: str) -> JsonResponse:
    logger.warning("%s webhook refused: %s (%s bytes)", provider, reason, len(request.body))
    return JsonResponse({"detail": detail}, status=400)


def _kept(request: HttpRequest, names: tuple[str, ...]) -> dict:
    return {name: request.headers[name] for name in names if name in request.headers}


def _stored(event, created: bool) -> JsonResponse:
    return JsonResponse({"status": "stored" if created else "duplicate", "event": event.pk}, status=200)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        return _refused("stripe", "not configured", request, _("Stripe webhooks are not configured."))
    signature = request.headers.get("Stripe-Signature", "")
    if not signature:
        return _refused("stripe", "missing signature", request, _("The signature is missing or wrong."))
    try:
        text = request.body.decode("utf-8")
        stripe.Webhook.construct_event(payload=text, sig_header=signature, secret=secret,
                                       tolerance=STRIPE_TOLERANCE_SECONDS)
        event = json.loads(text)  # the SDK's Event is not a dict (stripe ≥ 13); the same verified text, as one
    except stripe.SignatureVerificationError as error:
        return _refused("stripe", f"bad signature ({error.user_message or 'no match'})"[:120], request,
                        _("The signature is missing or wrong."))
    except (UnicodeDecodeError, ValueError, TypeError, AttributeError, KeyError):
        return _refused("stripe", "malformed body", request, _("The body is not a Stripe event."))
    event_id, event_type = (event.get("id"), event.get("type")) if isinstance(event, dict) else (None, None)
    if not (isinstance(event_id, str) and event_id and isinstance(event_type, str) and event_type):
        return _refused("stripe", "no event id or type", request, _("The body is not a Stripe event."))
    stored, created = webhook_receive(provider=DisputeProvider.STRIPE, event_id=event_id, event_type=event_type,
                                      headers=_kept(request, _STRIPE_KEPT_HEADERS), body=text)
    return _stored(stored, created)


@csrf_exempt
@require_POST
def paypal_webhook(request: HttpRequest) -> JsonResponse:
    if not (settings.PAYPAL_CLIENT_ID and settings.PAYPAL_CLIENT_SECRET and settings.PAYPAL_WEBHOOK_ID):
        return _refused("paypal", "not configured", request, _("PayPal webhooks are not configured."))
    try:
        text = request.body.decode("utf-8")
        payload = json.loads(text)
    except (UnicodeDecodeError, ValueError):
        return _refused("paypal", "malformed body", request, _("The body is not a PayPal event."))
    if not (isinstance(payload, dict) and isinstance(payload.get("id"), str) and payload["id"]
            and isinstance(payload.get("event_type"), str) and payload["event_type"]):
        return _refused("paypal", "no event id or type", request, _("The body is not a PayPal event."))
    try:
        verified = verify_paypal_webhook(dict(request.headers), request.body)
    except PayPalVerificationUnavailable as error:
        return _refused("paypal", f"verification unavailable ({error})"[:160], request,
                        _("PayPal could not verify this delivery now; it will be delivered again."))
    if not verified:
        return _refused("paypal", "bad signature", request, _("The signature is missing or wrong."))
    stored, created = webhook_receive(provider=DisputeProvider.PAYPAL, event_id=payload["id"],
                                      event_type=payload["event_type"], headers=_kept(request, _PAYPAL_KEPT_HEADERS),
                                      body=text)
    return _stored(stored, created)
