"""Shopify webhook handlers: one per topic, run by ``webhook_process`` on a stored delivery (STYLE #7).

Each reads the stored body, maps it (``mapping``) and calls one ingestion service. A handler that raises
leaves the event *failed* with a readable error and no partial writes (it runs in a savepoint); the task
retries with backoff, and ``manage.py webhooks_reprocess`` or the admin run it again. Deliveries that name an
order we do not have yet (a fulfillment or refund that overtook its order) fail with ``MissingReference``;
when that order is stored, the failed deliveries waiting for it are queued again. An order delivery older than
the version stored (its ``updated_at``; Shopify does not deliver in order) is processed by changing nothing.

Imported at start-up by ``AftersalesConfig.ready`` so that the handlers are registered in every process.
"""

from __future__ import annotations

import json
import logging

from django.utils.translation import gettext as _

from aftersales.choices import PaymentProvider, RefundSource, WebhookProvider, WebhookStatus
from aftersales.models import InboundWebhookEvent, Market, Order, Payment
from aftersales.services.ingestion import (
    MissingReference,
    StaleVersion,
    order_upsert,
    shipment_upsert,
    tracking_event_record,
)
from aftersales.services.refunds import refund_record_external
from aftersales.services.webhooks import webhook_handler, webhook_reprocess

from ..payloads import RejectedPayload, rejected, stored_json_object
from . import mapping

logger = logging.getLogger(__name__)

PROVIDER = WebhookProvider.SHOPIFY
ORDER_TOPICS = ("orders/create", "orders/updated", "orders/paid", "orders/cancelled", "orders/fulfilled",
                "orders/partially_fulfilled")
# Topics whose delivery may arrive before its order, and wait for it.
WAITING_TOPICS = ("fulfillments/create", "fulfillments/update", "fulfillment_events/create", "refunds/create")


@webhook_handler(PROVIDER, *ORDER_TOPICS)
def order_event(event: InboundWebhookEvent) -> None:
    payload = _payload(event)
    with _rejected():
        market = _market_for(payload)
        try:
            order, _created = order_upsert(data=mapping.order_data(payload, market_code=market.code))
        except StaleVersion:  # overtaken by a newer version of the order: nothing in it is news (nor its shipments)
            logger.info("shopify %s (#%s): an older version of order %s than the one stored, not applied",
                        event.event_type, event.pk, payload.get("id"))
            return
        for shipment in mapping.order_fulfillments(payload):
            shipment_upsert(data=shipment)
    _requeue_waiting(order.external_id)


@webhook_handler(PROVIDER, "fulfillments/create", "fulfillments/update")
def fulfillment_event(event: InboundWebhookEvent) -> None:
    payload = _payload(event)
    with _rejected():
        shipment_upsert(data=mapping.shipment_data(payload))


@webhook_handler(PROVIDER, "fulfillment_events/create")
def fulfillment_tracking_event(event: InboundWebhookEvent) -> None:
    payload = _payload(event)
    with _rejected():
        tracking_event_record(data=mapping.fulfillment_event_data(payload))


@webhook_handler(PROVIDER, "refunds/create")
def refund_event(event: InboundWebhookEvent) -> None:
    """A refund made in Shopify: booked in the ledger against the order's payment, already succeeded."""
    payload = _payload(event)
    with _rejected():
        order_id = str(payload.get("order_id") or "")
        order = Order.objects.filter(source=mapping.SOURCE, external_id=order_id).first()
        if order is None:
            raise MissingReference("order_id", _("There is no Shopify order with the id “%(id)s” (yet).")
                                   % {"id": order_id})
        refund = mapping.refund_data(payload, currency=order.currency)
        if not refund.amount_minor:
            return  # a restock or a note without money back: nothing for the ledger
        payment = Payment.objects.filter(order=order, provider=PaymentProvider.MANUAL,
                                         provider_payment_id=mapping.payment_id(order_id)).first()
        if payment is None:
            raise MissingReference("order_id", _("Shopify order %(number)s has no payment to refund (yet).")
                                   % {"number": order.number})
        if refund.currency != payment.currency:
            raise RejectedPayload(_("The refund is in %(refund)s but the order was paid in %(payment)s.")
                                  % {"refund": refund.currency, "payment": payment.currency})
        refund_record_external(
            payment=payment, amount_minor=refund.amount_minor, cause=refund.cause, source=RefundSource.STORE,
            idempotency_key=f"shopify-refund-{refund.refund_id}", provider_refund_id=f"shopify:{refund.refund_id}",
            reason=refund.reason, source_ref=f"shopify.Refund:{refund.refund_id}"[:80],
            succeeded_at=refund.created_at,
            note=_("Refunded in Shopify (refund %(id)s).") % {"id": refund.refund_id})


# -- helpers -----------------------------------------------------------------------------------------------


def _payload(event: InboundWebhookEvent) -> dict:
    return stored_json_object(event.body)


def _rejected():
    return rejected(mapping.ShopifyPayloadError)


def _market_for(payload: dict) -> Market:
    """The market selling to the order's destination country (preferring one in the order's currency);
    else the only market in that currency; else the only market there is."""
    addresses = [payload.get("shipping_address"), payload.get("billing_address"),
                 (payload.get("customer") or {}).get("default_address")]
    country = next((address.get("country_code") for address in addresses if address and address.get("country_code")),
                   "")
    currency = payload.get("currency") or ""
    markets = list(Market.objects.all())
    by_country = [market for market in markets if country and country.upper() in market.countries]
    by_currency = [market for market in markets if market.currency == currency]
    both = [market for market in by_country if market.currency == currency]
    if both or by_country:
        return (both or by_country)[0]  # the destination decides which consumer law applies
    if len(by_currency) == 1:
        return by_currency[0]
    if len(markets) == 1:
        return markets[0]
    raise MissingReference("market", _("No market sells to “%(country)s” in %(currency)s: add one (or add the "
                                       "country to a market) in the admin, then reprocess this event.")
                           % {"country": country, "currency": currency})


def _requeue_waiting(order_id: str) -> None:
    """Failed deliveries that were waiting for this order: queue them again."""
    failed = (InboundWebhookEvent.objects.filter(provider=PROVIDER, status=WebhookStatus.FAILED,
                                                 event_type__in=WAITING_TOPICS, body__contains=order_id)
              .values_list("pk", "body"))
    pks = []
    for pk, body in failed:
        try:
            named = str(json.loads(body).get("order_id"))
        except (ValueError, AttributeError):
            continue
        if named == order_id:
            pks.append(pk)
    if pks:
        webhook_reprocess(event_pks=pks)
