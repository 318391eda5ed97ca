"""Builders for return tests: a delivered order in a market with a published policy."""

from datetime import timedelta

from django.utils import timezone

from aftersales.choices import FulfillmentMode
from policies.services import policy_version_create_draft, policy_version_publish
from tests import factories


def market_with_policy(code="US", **clauses):
    market = factories.market(code)
    values = {"title": "Returns", "window_days": 30, "notice_days": 30, "return_shipping_fee_minor": 800,
              "return_shipping_payer": "deducted",
              "returnless_threshold_minor": 1000, "refund_days": 14} | clauses
    policy_version_publish(version=policy_version_create_draft(market=market, **values))
    return market


def delivered_order(code="US", *, days_ago=5, unit_price_minor=4000, quantity=1, lines=1, customer=None,
                    fulfillment_mode=FulfillmentMode.OVERSEAS_WAREHOUSE):
    order = factories.order(market_code=code, unit_price_minor=unit_price_minor, quantity=quantity, lines=lines,
                            customer_obj=customer, fulfillment_mode=fulfillment_mode,
                            placed_at=timezone.now() - timedelta(days=days_ago + 7))
    factories.payment(order)
    factories.shipment(order, status="delivered", delivered_at=timezone.now() - timedelta(days=days_ago))
    return order
