"""Webhook handlers of disputes: the stored event's body → the upsert service (registered in ``apps.ready``)."""

from __future__ import annotations

import json

from aftersales.models import InboundWebhookEvent
from aftersales.services.webhooks import webhook_handler

from .choices import DisputeProvider
from .integrations import PAYPAL_DISPUTE_EVENTS, STRIPE_DISPUTE_EVENTS
from .services import dispute_upsert_from_paypal, dispute_upsert_from_stripe


@webhook_handler(DisputeProvider.STRIPE, *STRIPE_DISPUTE_EVENTS)
def stripe_dispute_event(event: InboundWebhookEvent) -> None:
    dispute_upsert_from_stripe(event=json.loads(event.body))


@webhook_handler(DisputeProvider.PAYPAL, *PAYPAL_DISPUTE_EVENTS)
def paypal_dispute_event(event: InboundWebhookEvent) -> None:
    dispute_upsert_from_paypal(event=json.loads(event.body))
