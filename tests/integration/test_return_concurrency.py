"""Two agents refunding one return at once make one refund; a double submit makes one case (PostgreSQL)."""

import pytest

from aftersales.models import Refund
from returns.models import ReturnCase
from returns.services import LineRequest, return_case_mark_received, return_case_refund, return_case_submit
from tests.concurrency import at_once
from tests.returns.support import delivered_order, market_with_policy

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_two_agents_refunding_the_same_case_make_one_refund(require_postgres):
    market_with_policy()
    order = delivered_order(unit_price_minor=4000)
    case = return_case_submit(order=order, lines=[LineRequest(order.lines.get(), 1)], reason="changed_mind")
    return_case_mark_received(case=case, actor=None)
    results = at_once(*[lambda: return_case_refund(case=case, actor=None)] * 2)
    assert all(isinstance(r, Refund) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert Refund.objects.filter(order=order).count() == 1


def test_double_clicking_submit_makes_one_case(require_postgres):
    market_with_policy()
    order = delivered_order()
    line = order.lines.get()
    results = at_once(*[lambda: return_case_submit(order=order, lines=[LineRequest(line, 1)], reason="changed_mind",
                                                 client_token="double-click")] * 5)
    assert all(isinstance(r, ReturnCase) for r in results), results
    assert ReturnCase.objects.count() == 1


def test_accepting_the_not_received_offer_twice_at_once_pays_once(require_postgres):
    """Two tabs, one click each: one case, one partial refund in the ledger."""
    from returns.services import not_received_accept_offer

    market_with_policy(not_received_percent=30)
    order = delivered_order(unit_price_minor=5000)
    results = at_once(*[lambda: not_received_accept_offer(order=order)] * 4)
    assert all(isinstance(r, ReturnCase) for r in results), results
    assert len({r.pk for r in results}) == 1
    refunds = list(Refund.objects.filter(order=order))
    assert [(r.amount_minor, r.cause) for r in refunds] == [(1500, "not_received")]
    assert ReturnCase.objects.get().status == "resolved"


def test_accepting_the_coupon_offer_twice_at_once_issues_one_coupon(require_postgres):
    from aftersales.models import Coupon
    from returns.services import not_received_accept_offer

    market_with_policy(not_received_offer="coupon", not_received_percent=20)
    order = delivered_order(unit_price_minor=5000)
    results = at_once(*[lambda: not_received_accept_offer(order=order)] * 4)
    assert all(isinstance(r, ReturnCase) for r in results), results
    assert [(c.amount_minor, c.code) for c in Coupon.objects.filter(order=order)] == [
        (1000, f"NR-{results[0].rma}")]
    assert Refund.objects.filter(order=order).count() == 0
