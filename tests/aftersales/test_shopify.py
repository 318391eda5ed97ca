"""Shopify webhooks: the signature gate, the inbox (stored once, processed once), the mapping, and a
conformance suite replaying Shopify's own fixtures from ../shared/samples/shopify/ through the real view."""

from __future__ import annotations

import copy
import json
import logging
from datetime import UTC, datetime

import pytest

from aftersales.choices import (
    OrderSource,
    OrderStatus,
    PaymentProvider,
    PaymentStatus,
    RefundCause,
    RefundSource,
    RefundStatus,
    ShipmentStatus,
    WebhookStatus,
)
from aftersales.integrations.shopify import mapping
from aftersales.models import InboundWebhookEvent, Order, Payment, Refund, Shipment, TrackingEvent
from tests import factories
from tests.samples import SAMPLES as SAMPLES_ROOT

from .ingestion_support import SHOPIFY_SECRET, counts, inline_worker, nothing, shopify_post

SAMPLES = SAMPLES_ROOT / "shopify"


@pytest.fixture(autouse=True)
def configured(settings):
    settings.SHOPIFY_WEBHOOK_SECRET = SHOPIFY_SECRET
    settings.SHOPIFY_SHOP_DOMAIN = "demo.myshopify.com"


@pytest.fixture
def us(db):
    return factories.market("US")


def order_payload(**overrides) -> dict:
    """Our own small Shopify order (newer API shape), not a copy of a sample."""
    payload = {
        "id": 820982911946154508, "name": "#9001", "email": "jon@example.com", "currency": "EUR",
        "created_at": "2026-03-01T09:00:00+01:00", "financial_status": "paid", "fulfillment_status": None,
        "cancelled_at": None, "customer_locale": "de", "total_price": "59.90", "subtotal_price": "54.90",
        "total_tax": "9.56", "total_discounts": "5.00",
        "total_shipping_price_set": {"shop_money": {"amount": "5.00", "currency_code": "EUR"}},
        "customer": {"id": 115310627314723954, "email": "jon@example.com", "first_name": "Jon", "last_name": "Ode"},
        "shipping_address": {"name": "Jon Ode", "address1": "Hauptstr. 1", "address2": "Hinterhaus",
                             "city": "Berlin", "zip": "10115", "country_code": "DE"},
        "line_items": [
            {"id": 866550311766439020, "variant_id": 808950810, "sku": "", "title": "Lamp", "variant_title": None,
             "quantity": 1, "price": "59.90", "discount_allocations": [{"amount": "5.00"}]},
        ],
        "fulfillments": [],
    }
    payload.update(overrides)
    return payload


def deliver(client, payload, topic, webhook_id, **kwargs):
    """Post a signed delivery and run what it queues inline, as the worker would; returns the response."""
    with inline_worker():
        return shopify_post(client, payload, topic=topic, webhook_id=webhook_id, **kwargs)


def event(webhook_id: str) -> InboundWebhookEvent:
    return InboundWebhookEvent.objects.get(provider="shopify", event_id=webhook_id)


# -- the gate: signature, body, headers --------------------------------------------------------------------

def test_bad_signature_is_401_and_nothing_is_stored_only_a_log_line(client, us, caplog):
    caplog.set_level(logging.INFO)
    response = shopify_post(client, order_payload(), topic="orders/create", webhook_id="w-1", secret="wrong-secret")
    assert response.status_code == 401
    assert response.json() == {"detail": "The signature is missing or wrong."}
    assert counts() == nothing()
    refusals = [record for record in caplog.records if record.name == "aftersales.views.webhooks"]
    assert [record.levelname for record in refusals] == ["WARNING"]
    message = refusals[0].getMessage()
    assert message.startswith("shopify webhook refused: bad signature (")
    assert "jon@example.com" not in caplog.text
    assert "Jon" not in message


def test_missing_signature_is_401(client, us):
    response = shopify_post(client, order_payload(), topic="orders/create", webhook_id="w-1", secret=None)
    assert response.status_code == 401
    assert counts() == nothing()


def test_a_signature_over_another_body_is_401(client, us):
    from aftersales.integrations.signing import hmac_sha256_base64

    signature = hmac_sha256_base64(SHOPIFY_SECRET, b'{"id": 1}')
    response = shopify_post(client, order_payload(), topic="orders/create", webhook_id="w-1", secret=None,
                            **{"X-Shopify-Hmac-Sha256": signature})
    assert response.status_code == 401
    assert counts() == nothing()


def test_without_a_configured_secret_every_delivery_is_refused(client, us, settings):
    settings.SHOPIFY_WEBHOOK_SECRET = ""
    response = shopify_post(client, order_payload(), topic="orders/create", webhook_id="w-1", secret="")
    assert response.status_code == 401
    assert counts() == nothing()


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b"\xff\xfe", b""])
def test_malformed_json_with_a_valid_signature_is_400_and_nothing_is_stored(client, us, raw):
    response = shopify_post(client, None, topic="orders/create", webhook_id="w-1", raw=raw)
    assert response.status_code == 400
    assert response.json() == {"detail": "The body is not a JSON object."}
    assert counts() == nothing()


def test_topic_and_webhook_id_headers_are_required(client, us):
    response = shopify_post(client, order_payload(), topic="orders/create", webhook_id=None)
    assert response.status_code == 400
    assert response.json() == {"detail": "The X-Shopify-Topic and X-Shopify-Webhook-Id headers are required."}
    assert counts() == nothing()


def test_only_post_is_allowed(client):
    assert client.get("/webhooks/shopify/").status_code == 405


# -- the inbox: stored raw, processed once -----------------------------------------------------------------

def test_a_delivery_is_stored_raw_answered_200_then_processed_by_the_task(client, us):
    with inline_worker() as ran:
        response = shopify_post(client, order_payload(), topic="orders/create", webhook_id="w-1")
    stored = event("w-1")
    assert response.status_code == 200
    assert response.json() == {"status": "stored", "event": stored.pk}
    assert ran == [stored.pk]
    assert (stored.event_type, stored.status, stored.error) == ("orders/create", WebhookStatus.PROCESSED, "")
    assert json.loads(stored.body) == order_payload()
    assert stored.headers["X-Shopify-Topic"] == "orders/create"
    assert "X-Shopify-Hmac-Sha256" not in stored.headers
    assert Order.objects.get().number == "#9001"


def test_a_duplicate_delivery_is_200_and_processed_once(client, us):
    with inline_worker() as ran:
        first = shopify_post(client, order_payload(), topic="orders/create", webhook_id="w-1")
        second = shopify_post(client, order_payload(), topic="orders/create", webhook_id="w-1")
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json() == {"status": "duplicate", "event": first.json()["event"]}
    assert ran == [first.json()["event"]]  # one task for two deliveries
    assert event("w-1").attempts == 1
    assert counts() == nothing(InboundWebhookEvent=1, Order=1, OrderLine=1, Payment=1, Customer=1,
                               CustomerIdentity=1)


def test_the_same_order_in_another_delivery_updates_it(client, us):
    deliver(client, order_payload(), "orders/create", "w-1")
    first = counts()
    deliver(client, order_payload(total_price="64.90", fulfillment_status="partial"), "orders/updated", "w-2")
    assert counts() == first | {"InboundWebhookEvent": 2}
    order = Order.objects.get()
    assert (order.total_minor, order.status) == (6490, OrderStatus.PARTIALLY_FULFILLED)
    assert Payment.objects.get().captured_minor == 6490


def test_an_older_version_arriving_late_does_not_undo_a_newer_one(client, us):
    """Shopify does not deliver in order: the cancellation (changed at 10:00) overtook the update made at 09:30.
    The late update is processed by changing nothing: the order stays cancelled, its payment voided."""
    cancelled = order_payload(cancelled_at="2026-03-02T10:00:00+01:00", financial_status="voided",
                              updated_at="2026-03-02T10:00:00+01:00")
    deliver(client, cancelled, "orders/cancelled", "w-new")
    before = counts()
    late = order_payload(total_price="64.90", fulfillment_status="partial", updated_at="2026-03-02T09:30:00+01:00",
                         email="typo@example.com")
    deliver(client, late, "orders/updated", "w-old")
    assert event("w-old").status == WebhookStatus.PROCESSED
    assert counts() == before | {"InboundWebhookEvent": 2}
    order = Order.objects.get()
    assert (order.status, order.total_minor, order.email) == (OrderStatus.CANCELLED, 5990, "jon@example.com")
    assert order.store_updated_at == datetime(2026, 3, 2, 9, tzinfo=UTC)
    assert (Payment.objects.get().status, Payment.objects.get().captured_minor) == (PaymentStatus.VOIDED, 0)
    # A newer version still applies, and one of the same moment (a redelivery under another id) too.
    newer = order_payload(total_price="64.90", updated_at="2026-03-02T11:00:00+01:00")
    deliver(client, newer, "orders/updated", "w-newer")
    assert Order.objects.get().total_minor == 6490
    deliver(client, newer | {"total_price": "65.90"}, "orders/updated", "w-same-moment")
    assert Order.objects.get().total_minor == 6590


def test_a_version_without_updated_at_is_applied_as_before(client, us):
    deliver(client, order_payload(updated_at="2026-03-02T10:00:00+01:00"), "orders/create", "w-1")
    deliver(client, order_payload(total_price="64.90"), "orders/updated", "w-2")
    order = Order.objects.get()
    assert (order.total_minor, order.store_updated_at) == (6490, datetime(2026, 3, 2, 9, tzinfo=UTC))


def test_a_topic_without_handler_is_stored_and_ignored(client, us):
    deliver(client, {"id": 1, "email": "x@example.com"}, "customers/create", "w-1")
    assert event("w-1").status == WebhookStatus.IGNORED
    assert counts() == nothing(InboundWebhookEvent=1)


def test_cancelled_order(client, us):
    deliver(client, order_payload(cancelled_at="2026-03-02T10:00:00+01:00", financial_status="voided"),
            "orders/cancelled", "w-1")
    order = Order.objects.get()
    assert (order.status, order.cancelled_at) == (OrderStatus.CANCELLED, datetime(2026, 3, 2, 9, tzinfo=UTC))
    payment = Payment.objects.get()
    assert (payment.status, payment.captured_minor) == (PaymentStatus.VOIDED, 0)


def test_an_order_no_market_sells_to_fails_with_a_clear_error(client, db):
    factories.market("US")
    factories.market("UK")
    deliver(client, order_payload(), "orders/create", "w-1")
    stored = event("w-1")
    assert stored.status == WebhookStatus.FAILED
    assert stored.error == ("aftersales.services.ingestion.MissingReference: No market sells to “DE” in EUR: add one "
                            "(or add the country to a market) in the admin, then reprocess this event.")
    assert counts() == nothing(InboundWebhookEvent=1)


def test_a_value_finer_than_the_currency_is_refused_not_rounded(client, db):
    factories.market("US")
    deliver(client, order_payload(currency="JPY", total_price="1500.5"), "orders/create", "w-1")
    stored = event("w-1")
    assert stored.status == WebhookStatus.FAILED
    assert stored.error == ("aftersales.integrations.payloads.RejectedPayload: total_price: 1500.5 has more "
                            "decimals than JPY allows")
    assert counts() == nothing(InboundWebhookEvent=1)


# -- the mapping -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("financial", "extra", "expected"), [
    ("paid", {}, (PaymentStatus.CAPTURED, 5990)),
    ("partially_refunded", {}, (PaymentStatus.CAPTURED, 5990)),
    ("partially_paid", {"total_outstanding": "20.00"}, (PaymentStatus.CAPTURED, 3990)),
    ("partially_paid", {}, (PaymentStatus.AUTHORIZED, 0)),
    ("authorized", {}, (PaymentStatus.AUTHORIZED, 0)),
    ("pending", {}, (PaymentStatus.AUTHORIZED, 0)),
    ("voided", {}, (PaymentStatus.VOIDED, 0)),
])
def test_financial_status_decides_what_is_captured(financial, extra, expected):
    data = mapping.order_data(order_payload(financial_status=financial, **extra), market_code="DE")
    (payment,) = data.payments
    assert (payment.status, payment.captured_minor) == expected
    assert (payment.provider, payment.provider_payment_id, payment.amount_minor) == (
        PaymentProvider.MANUAL, "shopify:820982911946154508", 5990)


def test_order_mapping_reads_the_newer_money_fields_and_fills_a_missing_sku():
    data = mapping.order_data(order_payload(), market_code="DE")
    assert (data.source, data.external_id, data.number, data.currency) == (
        OrderSource.SHOPIFY, "820982911946154508", "#9001", "EUR")
    assert (data.subtotal_minor, data.shipping_minor, data.tax_minor, data.discount_minor, data.total_minor) == (
        5490, 500, 956, 500, 5990)
    assert data.placed_at == datetime(2026, 3, 1, 8, tzinfo=UTC)
    (line,) = data.lines
    assert (line.external_id, line.sku, line.title, line.variant, line.discount_minor) == (
        "866550311766439020", "shopify-808950810", "Lamp", "", 500)
    assert (data.ship_address, data.ship_country, data.customer.language, data.customer.name) == (
        "Hauptstr. 1\nHinterhaus", "DE", "de", "Jon Ode")


@pytest.mark.parametrize(("items", "restock", "cause"), [
    ([{"restock_type": "return"}], False, RefundCause.RETURN),
    ([{"restock_type": "cancel"}], False, RefundCause.CANCELLATION),
    ([{"restock_type": "no_restock"}], False, RefundCause.GOODWILL),
    ([{}], True, RefundCause.RETURN),
    ([], False, RefundCause.GOODWILL),
])
def test_refund_cause(items, restock, cause):
    refund = mapping.refund_data({"id": 1, "order_id": 2, "restock": restock, "refund_line_items": items,
                                  "transactions": [{"kind": "refund", "status": "success", "amount": "1.00"}]},
                                 currency="EUR")
    assert (refund.cause, refund.amount_minor, refund.currency) == (cause, 100, "EUR")


def test_only_successful_refund_transactions_count():
    refund = mapping.refund_data({"id": 1, "order_id": 2, "transactions": [
        {"kind": "refund", "status": "success", "amount": "3.00", "currency": "USD"},
        {"kind": "refund", "status": "failure", "amount": "9.00", "currency": "USD"},
        {"kind": "sale", "status": "success", "amount": "50.00", "currency": "USD"}]}, currency="USD")
    assert refund.amount_minor == 300


# -- conformance: Shopify's own fixtures, read in place ----------------------------------------------------

@pytest.fixture
def sample():
    if not SAMPLES.is_dir():
        pytest.skip(f"the shared Shopify samples are not here ({SAMPLES}): conformance needs ../shared/samples/")

    def load(name: str, key: str) -> dict:
        """A REST fixture is wrapped in its resource key; a webhook body is the bare object."""
        return json.loads((SAMPLES / f"shopify_python_api_fixture_{name}.json").read_text())[key]

    return load


def test_conformance_order_fixture_becomes_order_lines_payment_and_shipment(client, us, sample):
    response = deliver(client, sample("order", "order"), "orders/create", "sample-order-1")
    assert response.status_code == 200
    assert event("sample-order-1").status == WebhookStatus.PROCESSED

    order = Order.objects.get()
    assert (order.source, order.external_id, order.number, order.market.code, order.currency, order.status) == (
        "shopify", "450789469", "#1001", "US", "USD", OrderStatus.OPEN)
    assert (order.subtotal_minor, order.shipping_minor, order.tax_minor, order.discount_minor, order.total_minor) == (
        39800, 0, 1194, 0, 40994)
    assert order.placed_at == datetime(2008, 1, 10, 16, tzinfo=UTC)
    assert (order.email, order.ship_name, order.ship_address, order.ship_city, order.ship_postcode,
            order.ship_country) == ("bob.norman@hostmail.com", "Bob Norman", "Chestnut Street 92", "Louisville",
                                    "40202", "US")
    assert (order.customer.email, order.customer.name, order.customer.country) == (
        "bob.norman@hostmail.com", "Bob Norman", "US")
    assert list(order.lines.values_list("external_id", "sku", "title", "variant", "quantity", "unit_price_minor",
                                        "total_minor")) == [
        ("466157049", "IPOD2008GREEN", "IPod Nano - 8gb", "green", 1, 19900, 19900),
        ("518995019", "IPOD2008RED", "IPod Nano - 8gb", "red", 1, 19900, 19900),
        ("703073504", "IPOD2008BLACK", "IPod Nano - 8gb", "black", 1, 19900, 19900)]
    payment = Payment.objects.get()
    assert (payment.provider, payment.provider_payment_id, payment.provider_order_id, payment.currency,
            payment.amount_minor, payment.captured_minor, payment.status) == (
        "manual", "shopify:450789469", "450789469", "USD", 40994, 0, PaymentStatus.AUTHORIZED)
    # Shopify's transaction fixture is this order's authorization: same order, same amount.
    transaction = sample("transaction", "transaction")
    assert (str(transaction["order_id"]), mapping.to_minor(transaction["amount"], "USD")) == (
        order.external_id, payment.amount_minor)
    shipment = Shipment.objects.get()
    assert (shipment.external_id, shipment.tracking_number, shipment.carrier, shipment.status,
            shipment.shipped_at) == ("255858046", "1Z2345", "", ShipmentStatus.EXCEPTION,
                                     datetime(2014, 1, 22, 20, 58, 27, tzinfo=UTC))
    assert shipment.tracking_url.startswith("http://wwwapps.ups.com/etracking/tracking.cgi?InquiryNumber1=1Z2345")
    assert list(shipment.items.values_list("line__external_id", "quantity")) == [("466157049", 1)]
    assert counts() == nothing(InboundWebhookEvent=1, Order=1, OrderLine=3, Payment=1, Customer=1,
                               CustomerIdentity=1, Shipment=1, ShipmentItem=1)


def test_conformance_fulfillment_fixture_updates_the_same_shipment(client, us, sample):
    deliver(client, sample("order", "order"), "orders/create", "sample-order-1")
    deliver(client, sample("fulfillment", "fulfillment"), "fulfillments/create", "sample-fulfillment-1")
    assert event("sample-fulfillment-1").status == WebhookStatus.PROCESSED
    shipment = Shipment.objects.get()
    assert (shipment.external_id, shipment.carrier, shipment.tracking_number, shipment.tracking_url,
            shipment.status) == ("255858046", "null-company", "1Z2345", "http://www.google.com/search?q=1Z2345",
                                 ShipmentStatus.PENDING)
    assert list(shipment.items.values_list("line__external_id", "quantity")) == [("466157049", 1)]


def test_conformance_refund_waits_for_the_capture_then_is_booked_once(client, us, sample):
    """The 2016 order fixture is only authorized: Shopify's refund of it cannot be booked until the order is
    paid. The refund fails clearly, and the paid update (the same fixture, financial_status "paid") queues
    it again."""
    order = sample("order", "order")
    deliver(client, order, "orders/create", "sample-order-1")
    deliver(client, sample("refund", "refund"), "refunds/create", "sample-refund-1")
    waiting = event("sample-refund-1")
    assert waiting.status == WebhookStatus.FAILED
    assert waiting.error == ("aftersales.integrations.payloads.RejectedPayload: This payment has nothing captured "
                             "to refund.")
    assert Refund.objects.count() == 0

    paid = copy.deepcopy(order) | {"financial_status": "paid"}
    with inline_worker() as ran:
        shopify_post(client, paid, topic="orders/updated", webhook_id="sample-order-2")
    assert ran == [event("sample-order-2").pk, waiting.pk]
    assert event("sample-refund-1").status == WebhookStatus.PROCESSED

    refund = Refund.objects.get()
    assert (refund.amount_minor, refund.currency, refund.status, refund.cause, refund.source, refund.provider,
            refund.provider_refund_id, refund.reason, refund.idempotency_key) == (
        20900, "USD", RefundStatus.SUCCEEDED, RefundCause.RETURN, RefundSource.STORE, "manual",
        "shopify:509562969", "it broke during shipping", "shopify-refund-509562969")
    assert refund.succeeded_at == datetime(2016, 6, 20, 17, 35, 6, tzinfo=UTC)
    assert list(refund.events.values_list("from_status", "to_status")) == [
        ("", "planned"), ("planned", "requested"), ("requested", "succeeded")]

    deliver(client, sample("refund", "refund"), "refunds/create", "sample-refund-2")  # redelivered under a new id
    assert event("sample-refund-2").status == WebhookStatus.PROCESSED
    assert Refund.objects.count() == 1
    assert refund.events.count() == 3


def test_conformance_refund_before_its_order_waits_for_it(client, us, sample):
    deliver(client, sample("refund", "refund"), "refunds/create", "sample-refund-1")
    waiting = event("sample-refund-1")
    assert waiting.status == WebhookStatus.FAILED
    assert waiting.error == ("aftersales.services.ingestion.MissingReference: There is no Shopify order with the id "
                             "“450789469” (yet).")
    deliver(client, sample("order", "order") | {"financial_status": "paid"}, "orders/create", "sample-order-1")
    assert event("sample-refund-1").status == WebhookStatus.PROCESSED
    assert Refund.objects.get().amount_minor == 20900


def test_conformance_over_refund_is_refused(client, us, sample):
    deliver(client, sample("order", "order") | {"financial_status": "paid"}, "orders/create", "sample-order-1")
    big = sample("refund", "refund")
    big["transactions"][0]["amount"] = "500.00"
    deliver(client, big, "refunds/create", "sample-refund-1")
    assert event("sample-refund-1").error == (
        "aftersales.integrations.payloads.RejectedPayload: A refund of $500.00 is more than the $409.94 still "
        "refundable on this payment.")
    assert Refund.objects.count() == 0


def test_conformance_fulfillment_event_for_an_unknown_order_is_kept_then_recorded(client, us, sample):
    deliver(client, sample("fulfillment_event", "fulfillment_event"), "fulfillment_events/create", "sample-fe-1")
    waiting = event("sample-fe-1")
    assert waiting.status == WebhookStatus.FAILED
    assert waiting.error == ("aftersales.services.ingestion.MissingReference: There is no shipment “2608403447971” of "
                             "the shopify order “2776493818019” (yet).")
    assert TrackingEvent.objects.count() == 0

    its_order = order_payload(id=2776493818019, name="#2776", currency="USD", shipping_address={"country_code": "US"},
                              line_items=[{"id": 11, "sku": "A", "title": "A", "quantity": 1, "price": "59.90"}],
                              fulfillments=[{"id": 2608403447971, "status": "open", "tracking_number": "9400100",
                                             "line_items": [{"id": 11, "quantity": 1}]}])
    deliver(client, its_order, "orders/create", "w-order")
    assert event("sample-fe-1").status == WebhookStatus.PROCESSED
    tracking = TrackingEvent.objects.get()
    assert (tracking.external_id, tracking.status, tracking.description, tracking.occurred_at) == (
        "12584341209251", ShipmentStatus.PENDING, "label_printed", datetime(2021, 1, 25, 21, 32, 23, tzinfo=UTC))
    assert tracking.shipment.external_id == "2608403447971"
