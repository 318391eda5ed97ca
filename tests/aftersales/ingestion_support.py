"""Shared by the store-ingestion tests: API bodies, signed webhook deliveries, running queued tasks inline."""

from __future__ import annotations

import contextlib
import copy
import json
from unittest import mock

from django.db.models import Model
from django.test import TestCase

from aftersales.integrations.signing import hmac_sha256_base64
from aftersales.models import (
    Customer,
    CustomerIdentity,
    InboundWebhookEvent,
    Order,
    OrderLine,
    Payment,
    Refund,
    RefundEvent,
    Shipment,
    ShipmentItem,
    TrackingEvent,
)
from aftersales.tasks import webhook_process_task

SHOPIFY_SECRET = "shpss_test_secret_for_hmac"
TRACKING_SECRET = "tracking_test_secret_for_hmac"

COUNTED = [Order, OrderLine, Payment, Customer, CustomerIdentity, Shipment, ShipmentItem, TrackingEvent, Refund,
           RefundEvent, InboundWebhookEvent]


def counts() -> dict[str, int]:
    """How many rows each ingestion table holds: compared before and after to prove nothing else was written."""
    return {model.__name__: model.objects.count() for model in COUNTED}


def nothing(**overrides) -> dict[str, int]:
    return {model.__name__: 0 for model in COUNTED} | overrides


BASE_ORDER = {
    "external_id": "ext-1001",
    "number": "#A1001",
    "market": "US",
    "currency": "USD",
    "placed_at": "2026-05-01T10:30:00Z",
    "customer": {"email": "Ada.Lovelace@Example.com", "name": "Ada Lovelace", "country": "US"},
    "shipping_address": {"name": "Ada Lovelace", "address": "1 Main St", "city": "Springfield",
                         "postcode": "12345", "country": "US"},
    "subtotal": "45.00",
    "shipping": "5.00",
    "tax": "0.00",
    "total": "50.00",
    "lines": [
        {"external_id": "l-1", "sku": "MUG-1", "title": "Mug", "quantity": 2, "unit_price": "10.00"},
        {"external_id": "l-2", "sku": "TEE-1", "title": "T-shirt", "variant": "M", "quantity": 1,
         "unit_price": "25.00"},
    ],
    "payments": [{"provider": "stripe", "provider_payment_id": "ch_1001", "amount": "50.00"}],
}


def order_body(**overrides) -> dict:
    body = copy.deepcopy(BASE_ORDER)
    body.update(copy.deepcopy(overrides))
    return body


def numbered_order(n: int, *, lines: int = 2, payments: int = 1) -> dict:
    """A distinct valid order (own ids, number, customer) with ``lines`` lines and ``payments`` payments."""
    return order_body(
        external_id=f"ext-{n}", number=f"#B{n}", customer={"email": f"buyer{n}@example.com"},
        total=f"{10 * lines}.00",
        lines=[{"external_id": f"{n}-{i}", "sku": f"SKU-{i}", "title": f"Item {i}", "quantity": 1,
                "unit_price": "10.00"} for i in range(lines)],
        payments=[{"provider": "stripe", "provider_payment_id": f"ch_{n}_{i}", "amount": f"{10 * lines}.00"}
                  for i in range(payments)])


def signed_post(client, url: str, body: bytes, *, secret: str | None, header: str, **headers):
    """POST ``body`` as it travels, signed like the provider signs it (``secret=None``: unsigned)."""
    if secret is not None:
        headers[header] = hmac_sha256_base64(secret, body)
    return client.generic("POST", url, body, content_type="application/json",
                          headers={name: value for name, value in headers.items() if value is not None})


def shopify_post(client, payload, *, topic: str, webhook_id: str, secret: str | None = SHOPIFY_SECRET,
                 raw: bytes | None = None, **headers):
    body = raw if raw is not None else json.dumps(payload).encode()
    return signed_post(client, "/webhooks/shopify/", body, secret=secret, header="X-Shopify-Hmac-Sha256",
                       **{"X-Shopify-Topic": topic, "X-Shopify-Webhook-Id": webhook_id,
                          "X-Shopify-Shop-Domain": "demo.myshopify.com", **headers})


def tracking_post(client, payload, *, secret: str | None = TRACKING_SECRET, raw: bytes | None = None):
    body = raw if raw is not None else json.dumps(payload).encode()
    return signed_post(client, "/webhooks/tracking/", body, secret=secret, header="Aftership-Hmac-Sha256")


def run_task(event_pk: int) -> None:
    """What a worker does with a queued id: run the real Celery task inline. A failing handler leaves the
    event failed (recorded by the service); called directly, the task re-raises instead of retrying later."""
    with contextlib.suppress(Exception):
        webhook_process_task(event_pk)


@contextlib.contextmanager
def inline_worker():
    """Run every webhook task queued on commit inside the block inline, as a worker would; yields the ids run.
    (The test's transaction never commits: Django's on-commit capture stands in for the commit.)"""
    ran: list[int] = []

    def delay(event_pk):
        ran.append(event_pk)
        run_task(event_pk)

    with mock.patch.object(webhook_process_task, "delay", side_effect=delay), \
            TestCase.captureOnCommitCallbacks(execute=True):
        yield ran


def reload(instance: Model) -> Model:
    return type(instance).objects.get(pk=instance.pk)
