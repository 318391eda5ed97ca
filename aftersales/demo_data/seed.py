"""Build the demo store: a year of orders, payments, shipments, tracking and refunds, the same every time.

Deterministic: one ``random.Random(seed)`` drives every choice and "now" is fixed to the start of the
current day in the store's time zone (or of ``today``), so two builds on the same day give the same
order numbers, totals and refunds. The twelve whole months before that anchor's month hold the year's orders
(``orders`` of them), and the anchor's month up to it is the month in progress, at the year's pace, so that the
dashboard's "this month so far" reads the store as a manager would; nothing is dated after the anchor (a parcel
still travelling at the anchor simply has no delivery yet).

The parts: ``catalogue`` (fixed facts: markets, products, places, carriers), ``builder`` (the rows),
``ledger`` (the refunds, planned to a believable refund rate, ~20 % for the lamp ``LAMP-01``), ``common``
(what they share). This module is the door: build, check, remove. Where the returns app is installed, its
``demo_returns_seed`` then gives the return refunds their return cases (in the same transaction; a store built
before that step existed gets them on the next run), and ``delete_demo_data`` removes those cases first.

Rows are written with ``bulk_create`` in batches inside one transaction. Historic timestamps need the
``auto_now``/``auto_now_add`` fields switched off while writing (``historic_timestamps``): this is a
command run in its own process, never inside a serving web process. Demo rows are marked so that they can
be found and removed (``delete_demo_data``): orders by ``source=demo``, webhook events by a header.
"""

from __future__ import annotations

import random
import time
from datetime import date

from django.apps import apps
from django.db import transaction
from django.db.models.deletion import ProtectedError, RestrictedError

from aftersales.choices import OrderSource
from aftersales.models import (
    Coupon,
    Customer,
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

from .builder import Builder
from .common import (
    DEFAULT_ORDERS,
    DEMO_HEADER,
    SEED,
    DemoDataError,
    SeedResult,
    anchor_for,
    historic_timestamps,
    month_starts,
)

__all__ = ["DEFAULT_ORDERS", "SEED", "DemoDataError", "DemoDataInUse", "SeedResult", "anchor_for",
           "delete_demo_data", "demo_data_exists", "historic_timestamps", "month_starts", "seed_demo_data"]


def demo_data_exists() -> int:
    """How many demo orders there are (0: none)."""
    return Order.objects.filter(source=OrderSource.DEMO).count()


# -- public entry points --------------------------------------------------------------------------------

def seed_demo_data(*, today: date | None = None, orders: int = DEFAULT_ORDERS, seed: int = SEED,
                   reset: bool = False) -> SeedResult:
    """Build the demo store unless it exists (then nothing happens); ``reset`` removes it and rebuilds."""
    started = time.monotonic()
    with transaction.atomic():
        if reset:
            delete_demo_data()
        existing = demo_data_exists()
        if existing:
            result = SeedResult(created=False, orders=existing)
        else:
            builder = Builder(random.Random(seed), anchor_for(today), orders)  # noqa: S311 (demo data, not secrets)
            result = builder.build()
        # A store built before the return cases were part of the demo gets them now; otherwise nothing happens.
        result.return_cases = _return_cases(seed=seed, end=result.end or anchor_for(today))
    result.seconds = time.monotonic() - started
    return result


def _return_cases(*, seed: int, end) -> dict[str, int]:
    """The return cases behind the return refunds (``returns.demo``), where the returns app is installed."""
    if not apps.is_installed("returns"):
        return {}
    from returns.api import demo_returns_seed

    return demo_returns_seed(seed=seed, end=end)


class DemoDataInUse(DemoDataError):
    """Other records point at demo rows, so they cannot be removed."""


def delete_demo_data() -> dict[str, int]:
    """Remove every demo row (markets, products and exchange rates stay: they are shared facts)."""
    demo = Order.objects.filter(source=OrderSource.DEMO)
    customer_pks = list(Customer.objects.filter(orders__source=OrderSource.DEMO).values_list("pk", flat=True)
                        .distinct())
    deleted = {}
    try:
        with transaction.atomic():
            if apps.is_installed("returns"):  # the return cases of demo orders (``returns.demo``) go first
                from returns.api import demo_returns_delete

                deleted["return cases"] = demo_returns_delete()
            for label, queryset in [
                ("refund events", RefundEvent.objects.filter(refund__order__in=demo)),
                ("refunds", Refund.objects.filter(order__in=demo)),
                ("coupons", Coupon.objects.filter(order__in=demo)),
                ("tracking events", TrackingEvent.objects.filter(shipment__order__in=demo)),
                ("shipment items", ShipmentItem.objects.filter(shipment__order__in=demo)),
                ("shipments", Shipment.objects.filter(order__in=demo)),
                ("payments", Payment.objects.filter(order__in=demo)),
                ("order lines", OrderLine.objects.filter(order__in=demo)),
                ("orders", demo),
                ("webhook events", InboundWebhookEvent.objects.filter(headers__has_key=DEMO_HEADER)),
            ]:
                deleted[label] = queryset.delete()[1].get(queryset.model._meta.label, 0)
            removed = 0
            for start in range(0, len(customer_pks), 5000):  # within every database's parameter limit
                chunk = Customer.objects.filter(pk__in=customer_pks[start:start + 5000], orders__isnull=True)
                removed += chunk.delete()[1].get(Customer._meta.label, 0)
            deleted["customers"] = removed
    except (ProtectedError, RestrictedError) as error:
        raise DemoDataInUse(str(error)) from error
    return deleted
