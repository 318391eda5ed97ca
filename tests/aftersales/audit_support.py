"""Hand-built data for the audit tests: every row dated exactly, in a store on Shanghai time (UTC+8)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal

from aftersales.choices import PaymentProvider, PaymentStatus, RefundCause, RefundSource, RefundStatus
from aftersales.models import Order, OrderLine, Payment, Product, Refund
from tests import factories

_seq = itertools.count(1)


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def sale(*, captured_at: datetime, amount: int, currency: str = "USD", rate: str = "1", market_code: str = "US",
         provider: str = PaymentProvider.STRIPE, lines: tuple[tuple[str, int], ...] = (), source: str = "api",
         customer=None) -> Payment:
    """An order paid in full at ``captured_at``; ``lines`` are (SKU, line total) pairs (default one line)."""
    n = next(_seq)
    market = factories.market(market_code)
    buyer = customer or factories.customer()
    order = Order.objects.create(number=f"#A{n:05d}", market=market, customer=buyer, currency=currency,
                                 subtotal_minor=amount, total_minor=amount, placed_at=captured_at, source=source)
    for sku, total in lines or ((f"AUD-{n:05d}", amount),):
        product, _ = Product.objects.get_or_create(sku=sku, defaults={"name": f"Product {sku}"})
        OrderLine.objects.create(order=order, product=product, sku=sku, title=product.name, quantity=1,
                                 unit_price_minor=total, total_minor=total)
    return Payment.objects.create(order=order, provider=provider, provider_payment_id=f"{provider}-a{n}",
                                  currency=currency, amount_minor=amount, captured_minor=amount,
                                  status=PaymentStatus.CAPTURED, captured_at=captured_at, rate_to_base=Decimal(rate))


def refund(payment: Payment, *, amount: int, at: datetime | None, rate: str | None = None,
           status: str = RefundStatus.SUCCEEDED, cause: str = RefundCause.RETURN, reason: str = "",
           source_ref: str = "", approved_by=None) -> Refund:
    return Refund.objects.create(
        payment=payment, order=payment.order, amount_minor=amount, currency=payment.currency, cause=cause,
        reason=reason, source=RefundSource.DESK, source_ref=source_ref, status=status, provider=payment.provider,
        rate_to_base=Decimal(rate) if rate else payment.rate_to_base, approved_by=approved_by,
        succeeded_at=at if status == RefundStatus.SUCCEEDED else None,
        failed_at=at if status == RefundStatus.FAILED else None)
