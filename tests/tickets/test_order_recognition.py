"""The order a conversation is about, recognised from the text: an order number with or without "#", or a
shipment's tracking number; only ever the writer's own order."""

import pytest

from tests import factories
from tickets.services import order_in_text

pytestmark = pytest.mark.django_db


def test_order_numbers_and_tracking_numbers_are_recognised_for_the_customer():
    order = factories.order()
    factories.shipment(order, tracking_number="YT2412345678901234")
    customer = order.customer
    digits = order.number.lstrip("#")
    assert order_in_text(f"Hi, about {order.number}: it's late", customer) == order
    assert order_in_text(f"My order number is {digits}.", customer) == order
    assert order_in_text("Tracking yt2412345678901234 has not moved for a week", customer) == order
    assert order_in_text("Where is my parcel?", customer) is None


def test_someone_elses_order_is_never_linked():
    order = factories.order()
    stranger = factories.customer()
    assert order_in_text(f"Please refund {order.number}", stranger) is None
    own = factories.order(customer_obj=stranger)
    assert order_in_text(f"Refund {order.number} and {own.number}", stranger) == own
