"""Small builders for test data: plain functions with sensible defaults, every field overridable."""

from __future__ import annotations

import itertools
from datetime import timedelta

from django.utils import timezone

from aftersales.choices import LegalProfile, PaymentProvider, PaymentStatus
from aftersales.models import Customer, Market, Order, OrderLine, Payment, Product, Shipment

_seq = itertools.count(1)

MARKETS = {
    "US": ("United States", ["US"], "USD", ["en"], LegalProfile.US),
    "DE": ("Germany", ["DE", "AT"], "EUR", ["de", "en"], LegalProfile.EU),
    "FR": ("France", ["FR", "BE"], "EUR", ["fr", "en"], LegalProfile.EU),
    "ES": ("Spain", ["ES"], "EUR", ["es", "en"], LegalProfile.EU),
    "UK": ("United Kingdom", ["GB"], "GBP", ["en"], LegalProfile.UK),
    "AU": ("Australia", ["AU"], "AUD", ["en"], LegalProfile.AU),
}


def market(code: str = "US") -> Market:
    name, countries, currency, languages, profile = MARKETS[code]
    found, _ = Market.objects.get_or_create(code=code, defaults={
        "name": name, "countries": countries, "currency": currency, "languages": languages,
        "legal_profile": profile})
    return found


def customer(**fields) -> Customer:
    n = next(_seq)
    return Customer.objects.create(**{"email": f"customer{n}@example.com", "name": f"Customer {n}",
                                      "language": "en", "country": "US", **fields})


def product(**fields) -> Product:
    n = next(_seq)
    return Product.objects.create(**{"sku": f"SKU-{n:05d}", "name": f"Product {n}", "unit_cost_minor": 800,
                                     **fields})


def order(*, market_code: str = "US", lines: int = 1, unit_price_minor: int = 2500, quantity: int = 1,
          customer_obj: Customer | None = None, **fields) -> Order:
    n = next(_seq)
    mkt = market(market_code)
    buyer = customer_obj or customer(country=mkt.countries[0])
    subtotal = unit_price_minor * quantity * lines
    created = Order.objects.create(**{
        "number": f"#{1000 + n}", "market": mkt, "customer": buyer, "email": buyer.email, "currency": mkt.currency,
        "subtotal_minor": subtotal, "total_minor": subtotal, "placed_at": timezone.now() - timedelta(days=10),
        "ship_country": mkt.countries[0], "ship_postcode": "10001", **fields})
    for _ in range(lines):
        item = product()
        OrderLine.objects.create(order=created, product=item, sku=item.sku, title=item.name, quantity=quantity,
                                 unit_price_minor=unit_price_minor, total_minor=unit_price_minor * quantity)
    return created


def payment(order_obj: Order | None = None, *, captured_minor: int | None = None,
            provider: str = PaymentProvider.MANUAL, **fields) -> Payment:
    order_obj = order_obj or order()
    amount = order_obj.total_minor if captured_minor is None else max(captured_minor, order_obj.total_minor)
    n = next(_seq)
    return Payment.objects.create(**{
        "order": order_obj, "provider": provider, "provider_payment_id": f"{provider}-{n}",
        "currency": order_obj.currency, "amount_minor": amount,
        "captured_minor": order_obj.total_minor if captured_minor is None else captured_minor,
        "status": PaymentStatus.CAPTURED, "captured_at": order_obj.placed_at, **fields})


def shipment(order_obj: Order, **fields) -> Shipment:
    n = next(_seq)
    return Shipment.objects.create(**{"order": order_obj, "carrier": "YunExpress", "tracking_number": f"YT{n:010d}",
                                      "shipped_at": order_obj.placed_at + timedelta(days=1), **fields})
