"""The same order, or the same tracking event, delivered ten times at once is stored once (PostgreSQL).

A store retries, Shopify redelivers, two workers pick up twin events: the unique constraints plus the
services' retry-on-conflict make every caller succeed with one row in the end (STYLE #9).
"""

from datetime import UTC, datetime

import pytest

from aftersales.choices import ShipmentStatus
from aftersales.models import (
    Customer,
    CustomerIdentity,
    Order,
    OrderLine,
    Payment,
    Shipment,
    ShipmentItem,
    TrackingEvent,
)
from aftersales.services.ingestion import (
    CustomerData,
    OrderData,
    OrderLineData,
    PaymentData,
    ShipmentData,
    ShipmentItemData,
    ShipmentRef,
    TrackingEventData,
    order_upsert,
    shipment_upsert,
    tracking_event_record,
)
from tests import factories
from tests.concurrency import at_once

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CALLERS = 10


def test_ten_simultaneous_deliveries_of_one_order_make_one_order_and_one_customer(require_postgres):
    factories.market("US")
    data = OrderData(
        source="api", external_id="race-1", number="#R1", market_code="US", currency="USD",
        placed_at=datetime(2026, 5, 1, tzinfo=UTC), customer=CustomerData(email="race@example.com", name="Race"),
        total_minor=3000, lines=(OrderLineData(external_id="1", sku="A", title="A", quantity=1, unit_price_minor=1000),
                                 OrderLineData(external_id="2", sku="B", title="B", quantity=1, unit_price_minor=2000)),
        payments=(PaymentData(provider="stripe", provider_payment_id="ch_race", amount_minor=3000,
                              captured_minor=3000),))

    outcomes = at_once(*[lambda: order_upsert(data=data)[1]] * CALLERS)

    assert sorted(outcomes, key=str) == [False] * (CALLERS - 1) + [True]  # one created, the rest updated it
    assert (Order.objects.count(), OrderLine.objects.count(), Payment.objects.count()) == (1, 2, 1)
    assert (Customer.objects.count(), CustomerIdentity.objects.count()) == (1, 1)


def test_ten_simultaneous_copies_of_one_tracking_event_record_it_once(require_postgres):
    shipment = factories.shipment(factories.order(), tracking_number="RACE123")
    data = TrackingEventData(shipment=ShipmentRef(tracking_number="RACE123"), external_id="cp-1",
                             occurred_at=datetime(2026, 5, 3, tzinfo=UTC), status=ShipmentStatus.DELIVERED)

    outcomes = at_once(*[lambda: tracking_event_record(data=data)[1]] * CALLERS)

    assert sorted(outcomes, key=str) == [False] * (CALLERS - 1) + [True]
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 1


def test_ten_simultaneous_deliveries_of_one_shipment_make_one_shipment(require_postgres):
    order = factories.order(external_id="race-2")
    line = order.lines.get()
    data = ShipmentData(order_source=order.source, order_external_id="race-2", external_id="f-1", carrier="DHL",
                        tracking_number="RACE456", items=(ShipmentItemData(sku=line.sku, quantity=1),))

    outcomes = at_once(*[lambda: shipment_upsert(data=data)[1]] * CALLERS)

    assert sorted(outcomes, key=str) == [False] * (CALLERS - 1) + [True]
    assert (Shipment.objects.count(), ShipmentItem.objects.count()) == (1, 1)
