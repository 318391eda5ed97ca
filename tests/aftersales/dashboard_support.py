"""A small hand-built store for the dashboard tests: the last closed month holds three orders in one market, two
of them with the lamp, and two refunds (one through a return case), so every number can be worked out by hand.

Last closed month, US (USD, rate 1), all paid by Stripe, placed and captured on the 10th at noon:

* order A: LAMP-01 × 1 at 100.00; refunded 50.00 on the 15th through return case (reason "defective", refund due
  by the 20th: paid on time);
* order B: MUG-01 × 1 at 100.00; no refund;
* order C: LAMP-01 at 50.00 + MUG-01 at 50.00; refunded 20.00 on the 16th as goodwill, reason text "Scratched".

Sales 300.00, refunds 70.00 → refund rate 23.33 % (red). By SKU, a refund is spread over its order's lines by
value: LAMP-01 refunds 50.00 + 10.00 = 60.00 of sales 150.00 → 40.00 %, share 60/70 = 85.71 %; MUG-01 10.00 of
150.00 → 6.67 %, share 14.29 %. By order count: 2 refunded orders of 3 → 66.67 %.
"""

from dataclasses import dataclass
from datetime import date, datetime, time

from aftersales.audit import drilldown
from aftersales.choices import PaymentProvider, RefundCause, RefundSource, RefundStatus
from aftersales.models import Order, OrderLine, Payment, Product, Refund
from tests import factories


@dataclass
class Store:
    month: date
    live: date
    lamp_order: Order
    mug_order: Order
    mixed_order: Order
    case: object
    case_refund: Refund
    goodwill_refund: Refund


def at(month: date, day: int, hour: int = 12) -> datetime:
    return datetime.combine(date(month.year, month.month, day), time(hour), tzinfo=drilldown.store_tz())


def _order(number: str, month: date, lines: list[tuple[Product, int]]) -> Order:
    market = factories.market("US")
    buyer = factories.customer()
    total = sum(price for _, price in lines)
    order = Order.objects.create(number=number, market=market, customer=buyer, email=buyer.email, currency="USD",
                                 subtotal_minor=total, total_minor=total, placed_at=at(month, 10))
    for product, price in lines:
        OrderLine.objects.create(order=order, product=product, sku=product.sku, title=product.name, quantity=1,
                                 unit_price_minor=price, total_minor=price)
    Payment.objects.create(order=order, provider=PaymentProvider.STRIPE, provider_payment_id=f"ch_{number}",
                           currency="USD", amount_minor=total, captured_minor=total, captured_at=at(month, 10))
    return order


def _refund(order: Order, amount: int, when: datetime, *, cause: str, reason: str = "", source_ref: str = ""):
    return Refund.objects.create(payment=order.payments.get(), order=order, amount_minor=amount, currency="USD",
                                 cause=cause, reason=reason, source=RefundSource.DESK, source_ref=source_ref,
                                 status=RefundStatus.SUCCEEDED, provider=PaymentProvider.STRIPE, succeeded_at=when)


def build_store() -> Store:
    from returns.models import ReturnCase, ReturnLine

    live = drilldown.live_month()
    month = drilldown.shift_month(live, -1)
    lamp = Product.objects.create(sku="LAMP-01", name="Nordic LED table lamp")
    mug = Product.objects.create(sku="MUG-01", name="Stoneware mug")
    lamp_order = _order("#A-1", month, [(lamp, 10000)])
    mug_order = _order("#B-1", month, [(mug, 10000)])
    mixed_order = _order("#C-1", month, [(lamp, 5000), (mug, 5000)])
    case = ReturnCase.objects.create(order=lamp_order, customer=lamp_order.customer, status="resolved",
                                     reason="defective", currency="USD", rma="R-LAMPCASE1",
                                     refund_deadline=date(month.year, month.month, 20))
    ReturnLine.objects.create(case=case, order_line=lamp_order.lines.get(), quantity=1)
    case_refund = _refund(lamp_order, 5000, at(month, 15), cause=RefundCause.RETURN,
                          source_ref=f"returns.ReturnCase:{case.pk}")
    goodwill_refund = _refund(mixed_order, 2000, at(month, 16), cause=RefundCause.GOODWILL, reason="Scratched")
    return Store(month=month, live=live, lamp_order=lamp_order, mug_order=mug_order, mixed_order=mixed_order,
                 case=case, case_refund=case_refund, goodwill_refund=goodwill_refund)
