"""The store's REST API (/api/v1/): who may call it, idempotent upserts, exact 400s, bulk, query counts."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from aftersales.choices import IdentityKind, RefundCause, RefundSource, ShipmentStatus
from aftersales.models import Customer, CustomerIdentity, Order, Payment, Shipment, TrackingEvent
from aftersales.services.refunds import refund_record_external
from tests import factories

from .ingestion_support import counts, nothing, numbered_order, order_body

ORDERS, BULK = "/api/v1/orders/", "/api/v1/orders/bulk/"
SHIPMENTS, EVENTS = "/api/v1/shipments/", "/api/v1/tracking-events/"


@pytest.fixture
def market(db):
    return factories.market("US")


@pytest.fixture
def api(db, django_user_model):
    """A client holding the token of a staff service user, as the store's integration does."""
    user = django_user_model.objects.create_user(username="store-bot", is_staff=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def post(client, url, body):
    return client.post(url, body, format="json")


# -- who may call ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [ORDERS, BULK, SHIPMENTS, EVENTS])
def test_anonymous_caller_gets_401_and_nothing_is_written(db, market, url):
    response = post(APIClient(), url, order_body())
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}
    assert response.headers["WWW-Authenticate"] == "Token"
    assert counts() == nothing()


def test_wrong_token_gets_401(db, market):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = post(client, ORDERS, order_body())
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}
    assert counts() == nothing()


@pytest.mark.parametrize("user_fixture", ["agent_user", "plain_user"])
def test_a_user_who_is_not_staff_gets_403(request, db, market, django_user_model, user_fixture):
    user = (django_user_model.objects.create_user(username="customer-ish") if user_fixture == "plain_user"
            else request.getfixturevalue(user_fixture))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    response = post(client, ORDERS, order_body())
    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to perform this action."}
    assert counts() == nothing()


def test_drf_create_token_command_gives_the_service_user_a_working_token(db, market, django_user_model):
    from django.core.management import call_command

    django_user_model.objects.create_user(username="shop-sync", is_staff=True)
    call_command("drf_create_token", "shop-sync", stdout=__import__("io").StringIO())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get(user__username='shop-sync').key}")
    assert post(client, ORDERS, order_body()).status_code == 201


# -- one order ---------------------------------------------------------------------------------------------

def test_create_order_with_customer_lines_and_payment(api, market):
    response = post(api, ORDERS, order_body())

    assert response.status_code == 201, response.json()
    body = response.json()
    order = Order.objects.get()
    assert body["id"] == order.pk
    assert {key: body[key] for key in ("source", "external_id", "number", "market", "currency", "status",
                                       "subtotal", "shipping", "tax", "discount", "total", "email")} == {
        "source": "api", "external_id": "ext-1001", "number": "#A1001", "market": "US", "currency": "USD",
        "status": "open", "subtotal": "45.00", "shipping": "5.00", "tax": "0.00", "discount": "0.00",
        "total": "50.00", "email": "ada.lovelace@example.com"}
    assert [(line["external_id"], line["sku"], line["quantity"], line["unit_price"], line["total"])
            for line in body["lines"]] == [("l-1", "MUG-1", 2, "10.00", "20.00"), ("l-2", "TEE-1", 1, "25.00", "25.00")]
    assert [(p["provider"], p["provider_payment_id"], p["amount"], p["captured"], p["status"])
            for p in body["payments"]] == [("stripe", "ch_1001", "50.00", "50.00", "captured")]
    assert body["customer"] == {"id": order.customer_id, "email": "ada.lovelace@example.com", "name": "Ada Lovelace"}

    assert (order.total_minor, order.subtotal_minor, order.shipping_minor) == (5000, 4500, 500)
    assert order.placed_at == datetime(2026, 5, 1, 10, 30, tzinfo=UTC)
    assert list(order.lines.values_list("sku", "unit_price_minor", "total_minor")) == [
        ("MUG-1", 1000, 2000), ("TEE-1", 2500, 2500)]
    payment = Payment.objects.get()
    assert (payment.order_id, payment.amount_minor, payment.captured_minor, payment.captured_at) == (
        order.pk, 5000, 5000, order.placed_at)
    identity = CustomerIdentity.objects.get()
    assert (identity.kind, identity.value, identity.customer_id) == (IdentityKind.EMAIL, "ada.lovelace@example.com",
                                                                    order.customer_id)
    assert counts() == nothing(Order=1, OrderLine=2, Payment=1, Customer=1, CustomerIdentity=1)


def test_sending_the_same_order_again_updates_it_in_place(api, market):
    assert post(api, ORDERS, order_body()).status_code == 201
    first = counts()

    changed = order_body(total="52.00", lines=[
        {"external_id": "l-1", "sku": "MUG-1", "title": "Mug (blue)", "quantity": 3, "unit_price": "10.00"},
        {"external_id": "l-2", "sku": "TEE-1", "title": "T-shirt", "variant": "M", "quantity": 1,
         "unit_price": "22.00"}],
        payments=[{"provider": "stripe", "provider_payment_id": "ch_1001", "amount": "52.00"}])
    response = post(api, ORDERS, changed)

    assert response.status_code == 200
    assert counts() == first  # nothing written twice
    order = Order.objects.get()
    assert order.total_minor == 5200
    assert list(order.lines.values_list("external_id", "title", "quantity", "total_minor")) == [
        ("l-1", "Mug (blue)", 3, 3000), ("l-2", "T-shirt", 1, 2200)]
    assert Payment.objects.get().captured_minor == 5200

    again = post(api, ORDERS, changed)
    assert again.status_code == 200
    assert again.json()["lines"] == response.json()["lines"]
    assert counts() == first


def test_a_known_customer_is_found_by_email_whatever_its_case(api, market):
    post(api, ORDERS, order_body())
    second = order_body(external_id="ext-2", number="#A2", payments=[],
                        customer={"email": "ADA.LOVELACE@example.COM", "name": "Someone Else", "phone": "+1 555"})
    assert post(api, ORDERS, second).status_code == 201
    customer = Customer.objects.get()
    assert Order.objects.filter(customer=customer).count() == 2
    assert (customer.name, customer.phone) == ("Ada Lovelace", "+1 555")  # blanks filled, names kept
    assert CustomerIdentity.objects.count() == 1


def test_a_line_missing_from_a_new_version_is_removed(api, market):
    post(api, ORDERS, order_body())
    response = post(api, ORDERS, order_body(lines=[BODY_LINE_1]))
    assert response.status_code == 200
    assert [line["external_id"] for line in response.json()["lines"]] == ["l-1"]


BODY_LINE_1 = {"external_id": "l-1", "sku": "MUG-1", "title": "Mug", "quantity": 2, "unit_price": "10.00"}


def test_a_shipped_line_cannot_disappear_from_the_order(api, market):
    post(api, ORDERS, order_body())
    post(api, SHIPMENTS, {"order_external_id": "ext-1001", "external_id": "s-1",
                          "items": [{"line_external_id": "l-2", "quantity": 1}]})
    before = counts()
    response = post(api, ORDERS, order_body(lines=[BODY_LINE_1]))
    assert response.status_code == 400
    assert response.json() == {"lines": [
        "Line TEE-1 of order #A1001 is missing from this version, but a shipment or a return refers to it, "
        "so it cannot be removed."]}
    assert counts() == before
    assert Order.objects.get().lines.count() == 2


# -- exact answers to bad input, and nothing written ---------------------------------------------------------

BAD_INPUT = [
    pytest.param({"currency": "XYZ"},
                 {"currency": ["Unknown currency “XYZ”: use an ISO 4217 code such as USD or EUR."]},
                 id="unknown-currency"),
    pytest.param({"total": "-1.00"}, {"total": ["Amounts cannot be negative."]}, id="negative-total"),
    pytest.param({"total": "12.345"}, {"total": ["12.345 has more decimals than USD allows (2)."]},
                 id="too-many-decimals"),
    pytest.param({"currency": "JPY", "total": "1200.5", "lines": [
        {"sku": "A", "title": "A", "quantity": 1, "unit_price": "1200"}], "payments": []},
                 {"total": ["1200.5 has more decimals than JPY allows (0)."]}, id="jpy-has-no-decimals"),
    pytest.param({"total": 50.0}, {"total": ['Send the amount as a string in major units, e.g. "12.34".']},
                 id="float-amount"),
    pytest.param({"total": "12,50"},
                 {"total": ['“12,50” is not an amount: use digits and a decimal point, e.g. "12.34".']},
                 id="comma-amount"),
    pytest.param({"lines": [{"sku": "A", "title": "A", "quantity": 1, "unit_price": "-3.00"}]},
                 {"lines": {"0": {"unit_price": ["Amounts cannot be negative."]}}}, id="negative-line-price"),
    pytest.param({"lines": [BODY_LINE_1, {"sku": "B", "title": "B", "quantity": 1, "unit_price": "3.001"}]},
                 {"lines": {"1": {"unit_price": ["3.001 has more decimals than USD allows (2)."]}}},
                 id="line-too-many-decimals"),
    pytest.param({"lines": [BODY_LINE_1, {**BODY_LINE_1, "quantity": 0}]},
                 {"lines": {"1": {"quantity": ["Ensure this value is greater than or equal to 1."]}}},
                 id="zero-quantity"),
    pytest.param({"lines": [BODY_LINE_1, BODY_LINE_1]},
                 {"lines": {"1": {"external_id": ["Line 1 has the same id (or SKU and variant)."]}}},
                 id="duplicate-line"),
    pytest.param({"lines": []}, {"lines": {"non_field_errors": ["This list may not be empty."]}}, id="no-lines"),
    pytest.param({"payments": [{"provider": "stripe", "provider_payment_id": "ch_1", "amount": "50.00",
                                "captured": "60.00"}]},
                 {"payments": {"0": {"captured": ["The captured amount cannot be more than the amount."]}}},
                 id="captured-above-amount"),
    pytest.param({"payments": [{"provider": "stripe", "provider_payment_id": "ch_1", "amount": "50.00",
                                "currency": "EURO"}]},
                 {"payments": {"0": {"currency": [
                     "Unknown currency “EURO”: use an ISO 4217 code such as USD or EUR."]}}},
                 id="payment-currency"),
    pytest.param({"payments": [{"provider": "venmo", "provider_payment_id": "v1", "amount": "50.00"}]},
                 {"payments": {"0": {"provider": ['"venmo" is not a valid choice.']}}}, id="unknown-provider"),
    pytest.param({"market": "ZZ"}, {"market": ["There is no market with the code “ZZ”."]}, id="unknown-market"),
    pytest.param({"customer": {"email": "not-an-email"}},
                 {"customer": {"email": ["Enter a valid email address."]}}, id="bad-email"),
    pytest.param({"placed_at": "yesterday"}, {"placed_at": [
        "Datetime has wrong format. Use one of these formats instead: "
        "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."]}, id="bad-datetime"),
]


@pytest.mark.parametrize(("change", "expected"), BAD_INPUT)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(api, market, change, expected):
    response = post(api, ORDERS, order_body(**change))
    assert response.status_code == 400
    assert response.json() == expected
    assert counts() == nothing()


def test_missing_required_fields_are_each_named(api, market):
    response = post(api, ORDERS, {"lines": [{"sku": "A"}]})
    assert response.status_code == 400
    assert response.json() == {
        "external_id": ["This field is required."], "number": ["This field is required."],
        "market": ["This field is required."], "currency": ["This field is required."],
        "placed_at": ["This field is required."], "customer": ["This field is required."],
        "total": ["This field is required."],
        "lines": {"0": {"title": ["This field is required."], "quantity": ["This field is required."],
                        "unit_price": ["This field is required."]}}}
    assert counts() == nothing()


def test_an_order_number_used_by_another_order_is_refused(api, market):
    post(api, ORDERS, order_body())
    before = counts()
    response = post(api, ORDERS, order_body(external_id="ext-other", payments=[]))
    assert response.status_code == 400
    assert response.json() == {"number": ["Order with this Order number already exists."]}
    assert counts() == before


def test_a_payment_of_another_order_is_refused(api, market):
    post(api, ORDERS, order_body())
    before = counts()
    response = post(api, ORDERS, order_body(external_id="ext-2", number="#A2"))
    assert response.status_code == 400
    assert response.json() == {"payments": ["Payment stripe ch_1001 belongs to another order."]}
    assert counts() == before


def test_captured_amount_cannot_drop_below_what_is_refunded(api, market):
    post(api, ORDERS, order_body())
    refund_record_external(payment=Payment.objects.get(), amount_minor=3000, cause=RefundCause.GOODWILL,
                           source=RefundSource.STORE, idempotency_key="r-1")
    response = post(api, ORDERS, order_body(payments=[
        {"provider": "stripe", "provider_payment_id": "ch_1001", "amount": "50.00", "captured": "20.00"}]))
    assert response.status_code == 400
    assert response.json() == {"payments": [
        "Payment stripe ch_1001: the captured amount cannot drop below what is already refunded."]}
    assert Payment.objects.get().captured_minor == 5000


# -- bulk --------------------------------------------------------------------------------------------------

def test_an_older_version_is_refused_with_409_and_changes_nothing(api, market):
    newer = post(api, ORDERS, order_body(updated_at="2026-03-02T10:00:00Z", total="25.00"))
    assert newer.status_code == 201
    before = counts()
    stale = api.post(ORDERS, order_body(updated_at="2026-03-02T09:59:59Z", total="99.00"), format="json",
                     HTTP_ACCEPT_LANGUAGE="de")
    assert stale.status_code == 409
    [message] = stale.json()["updated_at"]
    assert message.startswith("Eine neuere Fassung dieser Bestellung ist gespeichert")
    assert counts() == before
    assert Order.objects.get().total_minor == 2500
    in_bulk = post(api, BULK, {"orders": [order_body(updated_at="2026-03-02T09:00:00Z", total="99.00")]}).json()
    assert (in_bulk["failed"], in_bulk["results"][0]["errors"]["updated_at"][0][:21]) == (1, "A newer version of th")
    assert post(api, ORDERS, order_body(updated_at="2026-03-02T10:00:01Z", total="30.00")).status_code == 200
    assert Order.objects.get().total_minor == 3000


def test_bulk_reports_each_order_and_one_bad_order_does_not_block_the_others(api, market):
    bad_currency = numbered_order(2) | {"currency": "XYZ"}
    bad_market = numbered_order(4) | {"market": "ZZ"}
    response = post(api, BULK, {"orders": [numbered_order(1), bad_currency, numbered_order(3), bad_market, "junk"]})

    assert response.status_code == 200
    orders = {order.external_id: order for order in Order.objects.all()}
    assert response.json() == {"created": 2, "updated": 0, "failed": 3, "results": [
        {"index": 0, "external_id": "ext-1", "result": "created", "id": orders["ext-1"].pk, "number": "#B1",
         "errors": {}},
        {"index": 1, "external_id": "ext-2", "result": "failed", "id": None, "number": "",
         "errors": {"currency": ["Unknown currency “XYZ”: use an ISO 4217 code such as USD or EUR."]}},
        {"index": 2, "external_id": "ext-3", "result": "created", "id": orders["ext-3"].pk, "number": "#B3",
         "errors": {}},
        {"index": 3, "external_id": "ext-4", "result": "failed", "id": None, "number": "",
         "errors": {"market": ["There is no market with the code “ZZ”."]}},
        {"index": 4, "external_id": "", "result": "failed", "id": None, "number": "",
         "errors": {"non_field_errors": ["Invalid data. Expected a dictionary, but got str."]}},
    ]}
    # Only the two good orders left rows behind: no customer, line or payment of a failed one.
    assert counts() == nothing(Order=2, OrderLine=4, Payment=2, Customer=2, CustomerIdentity=2)

    again = post(api, BULK, {"orders": [numbered_order(1), numbered_order(3)]})
    assert again.json()["updated"] == 2
    assert counts() == nothing(Order=2, OrderLine=4, Payment=2, Customer=2, CustomerIdentity=2)


@pytest.mark.parametrize(("body", "expected"), [
    ({"orders": []}, {"orders": ["Ensure this field has at least 1 elements."]}),
    ({"orders": [{}] * 101}, {"orders": ["Ensure this field has no more than 100 elements."]}),
    ({}, {"orders": ["This field is required."]}),
])
def test_bulk_envelope_errors(api, market, body, expected):
    response = post(api, BULK, body)
    assert response.status_code == 400
    assert response.json() == expected
    assert counts() == nothing()


# Queries per order whatever its lines and payments (savepoints included): a new order with a new customer
# takes 17 today, an update 12; the budget leaves a little room and must not grow with the number of orders.
PER_ORDER_CREATE = 19
PER_ORDER_UPDATE = 14
REQUEST_OVERHEAD = 1  # token authentication


@pytest.mark.parametrize("n", [1, 10, 30])
def test_bulk_queries_grow_by_a_constant_per_order(api, market, django_assert_max_num_queries, n):
    orders = [numbered_order(i, lines=1 + i % 7, payments=1 + i % 2) for i in range(n)]
    with django_assert_max_num_queries(REQUEST_OVERHEAD + PER_ORDER_CREATE * n):
        assert post(api, BULK, {"orders": orders}).json()["created"] == n
    with django_assert_max_num_queries(REQUEST_OVERHEAD + PER_ORDER_UPDATE * n):
        assert post(api, BULK, {"orders": orders}).json()["updated"] == n


@pytest.mark.parametrize("url", [ORDERS, BULK])
def test_the_number_of_lines_and_payments_does_not_change_the_query_count(api, market, url):
    """Neither the writes nor the answer (the single-order endpoint shows every line and payment) grow."""
    def queries(body):
        with CaptureQueriesContext(connection) as captured:
            assert post(api, url, body if url == ORDERS else {"orders": [body]}).status_code in (200, 201)
        return len(captured.captured_queries)

    small = queries(numbered_order(1, lines=1, payments=1)), queries(numbered_order(1, lines=1, payments=1))
    large = queries(numbered_order(2, lines=12, payments=3)), queries(numbered_order(2, lines=12, payments=3))
    assert small == large  # (create, update)


# -- shipments ---------------------------------------------------------------------------------------------

SHIPMENT = {"order_external_id": "ext-1001", "external_id": "s-1", "carrier": "YunExpress",
            "tracking_number": "YT123", "tracking_url": "https://track.example.com/YT123", "status": "in_transit",
            "shipped_at": "2026-05-02T08:00:00Z", "items": [{"line_external_id": "l-1", "quantity": 2},
                                                            {"sku": "TEE-1", "quantity": 1}]}


def test_shipment_upsert_creates_then_updates_with_items(api, market):
    post(api, ORDERS, order_body())
    response = post(api, SHIPMENTS, SHIPMENT)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {key: body[key] for key in ("order_external_id", "order_source", "external_id", "carrier",
                                       "tracking_number", "status", "shipped_at", "delivered_at")} == {
        "order_external_id": "ext-1001", "order_source": "api", "external_id": "s-1", "carrier": "YunExpress",
        "tracking_number": "YT123", "status": "in_transit", "shipped_at": "2026-05-02T08:00:00Z",
        "delivered_at": None}
    assert body["items"] == [{"line_external_id": "l-1", "sku": "MUG-1", "quantity": 2},
                             {"line_external_id": "l-2", "sku": "TEE-1", "quantity": 1}]
    assert body["proof_of_delivery"] == {"signer": "", "photo_url": "", "latitude": None, "longitude": None}
    first = counts()

    again = post(api, SHIPMENTS, {**SHIPMENT, "items": [{"line_external_id": "l-1", "quantity": 1}]})
    assert again.status_code == 200
    assert again.json()["items"] == [{"line_external_id": "l-1", "sku": "MUG-1", "quantity": 1}]
    assert counts() == first | {"ShipmentItem": 1}
    assert Shipment.objects.get().items.get().quantity == 1


@pytest.mark.parametrize(("change", "expected"), [
    ({"order_external_id": "nope"}, {"order_external_id": ["There is no api order with the id “nope” (yet)."]}),
    ({"items": [{"line_external_id": "l-9", "quantity": 1}]}, {"items": ["Order #A1001 has no line “l-9”."]}),
    ({"items": [{"line_external_id": "l-1", "quantity": 3}]},
     {"items": ["Line MUG-1: a quantity from 1 to the 2 ordered."]}),
    ({"items": [{"quantity": 1}]}, {"items": {"0": {"line_external_id": ["Name the order line: its id or its SKU."]}}}),
    ({"tracking_url": "not a url"}, {"tracking_url": ["Enter a valid URL."]}),
    ({"status": "lost"}, {"status": ['"lost" is not a valid choice.']}),
])
def test_bad_shipment_is_a_400_and_writes_nothing(api, market, change, expected):
    post(api, ORDERS, order_body())
    before = counts()
    response = post(api, SHIPMENTS, {**SHIPMENT, **change})
    assert response.status_code == 400
    assert response.json() == expected
    assert counts() == before


# -- tracking events ---------------------------------------------------------------------------------------

@pytest.fixture
def shipped(api, market):
    post(api, ORDERS, order_body())
    post(api, SHIPMENTS, SHIPMENT)
    return Shipment.objects.get()


def test_tracking_event_moves_the_shipment_and_records_proof_of_delivery(api, shipped):
    in_transit = {"tracking_number": "YT123", "external_id": "e-1", "occurred_at": "2026-05-03T09:00:00Z",
                  "status": "in_transit", "description": "Departed facility", "location": "Shenzhen, CN"}
    assert post(api, EVENTS, in_transit).status_code == 201
    delivered = {"order_external_id": "ext-1001", "shipment_external_id": "s-1", "external_id": "e-2",
                 "occurred_at": "2026-05-09T15:04:00+02:00", "status": "delivered", "description": "Delivered",
                 "proof_of_delivery": {"signer": "A LOVELACE", "photo_url": "https://pod.example.com/e-2.jpg",
                                       "latitude": "39.78373312", "longitude": "-89.65014800"}}
    response = post(api, EVENTS, delivered)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["external_id"], body["status"]) == ("e-2", "delivered")
    assert body["shipment"]["status"] == "delivered"
    assert body["shipment"]["delivered_at"] == "2026-05-09T13:04:00Z"
    assert body["shipment"]["proof_of_delivery"] == {
        "signer": "A LOVELACE", "photo_url": "https://pod.example.com/e-2.jpg", "latitude": "39.783733",
        "longitude": "-89.650148"}
    shipment = Shipment.objects.get()
    assert (shipment.status, shipment.delivered_at, shipment.pod_latitude) == (
        ShipmentStatus.DELIVERED, datetime(2026, 5, 9, 13, 4, tzinfo=UTC), Decimal("39.783733"))
    assert shipment.has_proof_of_delivery


def test_a_repeated_tracking_event_changes_nothing(api, shipped):
    event = {"tracking_number": "YT123", "external_id": "e-1", "occurred_at": "2026-05-03T09:00:00Z",
             "status": "out_for_delivery"}
    assert post(api, EVENTS, event).status_code == 201
    before = counts()
    again = post(api, EVENTS, {**event, "status": "delivered"})
    assert again.status_code == 200
    assert again.json()["status"] == "out_for_delivery"
    assert counts() == before
    assert Shipment.objects.get().status == ShipmentStatus.OUT_FOR_DELIVERY


def test_an_older_event_arriving_late_does_not_move_the_status_back(api, shipped):
    post(api, EVENTS, {"tracking_number": "YT123", "external_id": "e-2", "occurred_at": "2026-05-09T10:00:00Z",
                       "status": "delivered"})
    post(api, EVENTS, {"tracking_number": "YT123", "external_id": "e-1", "occurred_at": "2026-05-03T09:00:00Z",
                       "status": "in_transit"})
    shipment = Shipment.objects.get()
    assert shipment.status == ShipmentStatus.DELIVERED
    assert list(TrackingEvent.objects.order_by("occurred_at").values_list("external_id", flat=True)) == ["e-1", "e-2"]


@pytest.mark.parametrize(("body", "expected"), [
    ({"tracking_number": "ZZ999", "external_id": "e-1", "occurred_at": "2026-05-03T09:00:00Z", "status": "delivered"},
     {"tracking_number": ["No shipment has the tracking number “ZZ999” (yet): the event is kept and processed "
                          "again when its shipment arrives."]}),
    ({"order_external_id": "ext-1001", "shipment_external_id": "s-9", "external_id": "e-1",
      "occurred_at": "2026-05-03T09:00:00Z", "status": "delivered"},
     {"shipment_external_id": ["There is no shipment “s-9” of the api order “ext-1001” (yet)."]}),
    ({"external_id": "e-1", "occurred_at": "2026-05-03T09:00:00Z", "status": "delivered"},
     {"tracking_number": ["Name the shipment: its tracking number, or order_external_id and shipment_external_id."]}),
    ({"tracking_number": "YT123", "external_id": "e-1", "occurred_at": "2026-05-03T09:00:00Z", "status": "delivered",
      "proof_of_delivery": {"latitude": "91"}},
     {"proof_of_delivery": {"latitude": ["Ensure this value is less than or equal to 90."]}}),
])
def test_bad_tracking_event_is_a_400_and_writes_nothing(api, shipped, body, expected):
    before = counts()
    response = post(api, EVENTS, body)
    assert response.status_code == 400
    assert response.json() == expected
    assert counts() == before
