"""A return refund belongs to the lines its case took back (issue 9: "refund rate → by SKU → the lamp").

A customer who returns the lamp from an order with a lamp and a cable is refunded for the lamp. The audit spreads
such a refund over the lines the return case values (``ReturnLine.refund_minor``), not over every line of the
order; any other refund (goodwill, a case that values no line) is still spread over the order's lines by value.
The breakdown (one grouped statement), the drill-down (ORM rows) and the shared audit computation agree.

Data, May 2026 in Shanghai, all USD at rate 1:

* o1: LAMP-01 40.00 + CABLE-01 10.00. Its case returns the lamp (valued 40.00); refund 40.00 → all to the lamp.
* o2: LAMP-01 30.00 + CABLE-01 30.00. A goodwill refund of 6.00 → 3.00 each.
* o3: LAMP-01 20.00 + CABLE-01 20.00. Its case values no line yet; refund 10.00 → 5.00 each.

Lamp: refunds 4,000 + 300 + 500 = 4,800 of sales 9,000 (53.33 %), three orders of three.
Cable: refunds 300 + 500 = 800 of sales 6,000 (13.33 %), two orders of three (o1's refund is none of the cable's).
"""

from datetime import date

import pytest

from aftersales.audit import drilldown, metrics
from aftersales.audit.metrics import Filters, breakdown, month_bounds
from aftersales.choices import RefundCause
from returns.models import ReturnCase, ReturnLine

from .audit_support import refund, sale, utc

pytestmark = pytest.mark.django_db

MAY = month_bounds(date(2026, 5, 1), "Asia/Shanghai")


@pytest.fixture(autouse=True)
def store(settings):
    settings.STORE_TIME_ZONE = "Asia/Shanghai"
    settings.STORE_BASE_CURRENCY = "USD"


def case_for(payment, reason: str, *, sku: str, value: int) -> ReturnCase:
    order = payment.order
    case = ReturnCase.objects.create(order=order, customer=order.customer, currency=order.currency, reason=reason)
    ReturnLine.objects.create(case=case, order_line=order.lines.get(sku=sku), quantity=1, refund_minor=value)
    return case


@pytest.fixture
def refunds():
    o1 = sale(captured_at=utc(2026, 5, 3), amount=5000, lines=(("LAMP-01", 4000), ("CABLE-01", 1000)))
    o2 = sale(captured_at=utc(2026, 5, 4), amount=6000, lines=(("LAMP-01", 3000), ("CABLE-01", 3000)))
    o3 = sale(captured_at=utc(2026, 5, 5), amount=4000, lines=(("LAMP-01", 2000), ("CABLE-01", 2000)))
    lamp_back = case_for(o1, "defective", sku="LAMP-01", value=4000)
    unvalued = case_for(o3, "changed_mind", sku="LAMP-01", value=0)
    return {
        "lamp": refund(o1, amount=4000, at=utc(2026, 5, 10), source_ref=lamp_back.source_ref),
        "goodwill": refund(o2, amount=600, at=utc(2026, 5, 11), cause=RefundCause.GOODWILL, reason="Late delivery"),
        "unvalued": refund(o3, amount=1000, at=utc(2026, 5, 12), source_ref=unvalued.source_ref),
    }


def sku_rows(key: str) -> list[tuple]:
    return [(row["code"], row["numerator"], row["denominator"], row["value"])
            for row in breakdown(key=key, dimension="sku", start=MAY[0], end=MAY[1])]


def test_a_returned_lamp_is_the_lamp_s_refund_not_the_cable_s(refunds):
    from decimal import Decimal

    assert sku_rows("refund_rate_amount") == [("LAMP-01", 4800, 9000, Decimal("53.33")),
                                              ("CABLE-01", 800, 6000, Decimal("13.33"))]
    assert sku_rows("refund_rate_count") == [("LAMP-01", 3, 3, Decimal("100.00")),
                                             ("CABLE-01", 2, 3, Decimal("66.67"))]


def test_the_shared_audit_computation_spreads_the_same_way(refunds):
    plain = sku_rows("refund_rate_amount"), sku_rows("refund_rate_count")
    with metrics.shared_computation():
        assert (sku_rows("refund_rate_amount"), sku_rows("refund_rate_count")) == plain
        # The cable's leading reason cannot be the lamp's "defective": that refund paid for no cable.
        reasons = metrics.breakdown(key="refund_rate_amount", dimension="sku", start=MAY[0], end=MAY[1])
        assert {row["code"]: row["reason"] for row in reasons} == {"LAMP-01": "defective",
                                                                   "CABLE-01": "changed_mind"}


def test_the_drill_down_finds_the_refunds_each_sku_was_paid_back_for(refunds):
    cable = drilldown.refunds_of_row("sku", "CABLE-01", date(2026, 5, 1), Filters(), now=utc(2026, 6, 2))
    assert set(cable) == {refunds["goodwill"], refunds["unvalued"]}
    parts = drilldown.refund_parts("sku", "CABLE-01", date(2026, 5, 1), Filters())
    assert [(p["code"], p["amount"], p["refunds"], p["orders"]) for p in parts] == [
        ("changed_mind", 500, 1, 1), ("Late delivery", 300, 1, 1)]
    lamp = drilldown.refund_parts("sku", "LAMP-01", date(2026, 5, 1), Filters())
    assert [(p["code"], p["amount"]) for p in lamp] == [("defective", 4000), ("changed_mind", 500),
                                                        ("Late delivery", 300)]
    assert sum(p["amount"] for p in lamp) == 4800  # the breakdown's numerator
    defective = drilldown.refund_parts("reason", "defective", date(2026, 5, 1), Filters())
    assert [(p["code"], p["amount"], p["orders"]) for p in defective] == [("LAMP-01", 4000, 1)]
    assert drilldown.case_refunds("reason", "defective", date(2026, 5, 1), Filters(), sku="CABLE-01") == []
    assert drilldown.case_refunds("reason", "defective", date(2026, 5, 1), Filters(), sku="LAMP-01") == [
        refunds["lamp"]]
