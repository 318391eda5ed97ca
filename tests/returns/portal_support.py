"""Builders shared by the portal tests: a market's policy in force, a delivered order, a visitor who unlocked it."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone

from aftersales.choices import ShipmentStatus
from aftersales.models import ShipmentItem, TrackingEvent
from policies.services import policy_version_create_draft, policy_version_publish
from tests import factories

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|"X-CSRFToken": "[^"]+"')


def policy(market_code: str = "US", **clauses):
    market = factories.market(market_code)
    return policy_version_publish(version=policy_version_create_draft(
        market=market, title="Returns", **{"window_days": 30, **clauses}))


def delivered_order(*, market_code: str = "US", lines: int = 1, events: int = 2, delivered_days_ago: int = 5,
                    **fields):
    """An order whose one shipment carried every line and was delivered ``delivered_days_ago`` days ago."""
    order = factories.order(market_code=market_code, lines=lines, **fields)
    delivered_at = timezone.now() - timedelta(days=delivered_days_ago)
    shipment = factories.shipment(order, status=ShipmentStatus.DELIVERED, delivered_at=delivered_at,
                                  tracking_url="https://track.example.com/YT1", pod_signer="J. Smith")
    for line in order.lines.all():
        ShipmentItem.objects.create(shipment=shipment, line=line, quantity=line.quantity)
    for n in range(events):
        last = n == events - 1
        TrackingEvent.objects.create(
            shipment=shipment, external_id=f"ev-{n}", occurred_at=delivered_at - timedelta(hours=events - 1 - n),
            status=ShipmentStatus.DELIVERED if last else ShipmentStatus.IN_TRANSIT,
            description="Parcel delivered" if last else f"Scan {n}", location="New York" if last else "Shenzhen")
    return order


def unlock(client, order, *, language: str = "en", contact: str | None = None):
    """Look ``order`` up as its customer would; returns the order page's URL."""
    response = client.post(f"/{language}/portal/", {"order_number": order.number,
                                                     "contact": contact or order.email})
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"]


def without_csrf(html: str) -> str:
    return CSRF.sub("CSRF", html)
