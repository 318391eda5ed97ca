"""The audit's shared statements give the numbers of the plain queries (issue 9, the audit-month benchmark).

Within ``metrics.shared_computation`` (an audit) every side is read by one grouped statement (refunds, captured
payments, each ticket measure, returnless savings) and the metric values, breakdowns and explanations are read off
those; outside it each call runs its own queries. Both paths must agree to the last digit, on one data set that has
every kind of row, with and without each filter; and the shared path must stay a handful of statements.
"""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.audit import metrics
from aftersales.audit.metrics import Filters
from aftersales.choices import PaymentProvider
from disputes.models import Dispute
from returns.models import ReturnCase, ReturnEvent, ReturnLine
from tests import factories
from tickets.models import CsatSurvey, Ticket

from .audit_support import refund, sale, utc

pytestmark = pytest.mark.django_db

MAY = metrics.month_bounds(date(2026, 5, 1), "Asia/Shanghai")


@pytest.fixture(autouse=True)
def store(settings):
    settings.STORE_TIME_ZONE = "Asia/Shanghai"
    settings.STORE_BASE_CURRENCY = "USD"


@pytest.fixture
def month_of_everything():
    """Sales in three currencies, two markets, two providers and two channels; partial refunds (one from a return
    case with a deadline that took back the lamp alone, one approved by an agent, one on an order without lines);
    complaints (a repeat), answered tickets by two agents, CSAT answers, a dispute and a keep-the-item return."""
    ann = User.objects.create_user("ann", first_name="Ann")
    us = sale(captured_at=utc(2026, 5, 3), amount=10000, lines=(("LAMP-01", 6000), ("MUG-01", 4000)))
    de = sale(captured_at=utc(2026, 5, 4), amount=20000, currency="EUR", rate="1.10", market_code="DE",
              provider=PaymentProvider.PAYPAL, lines=(("LAMP-01", 15000), ("SOCK-01", 5000)), source="shopify")
    jp = sale(captured_at=utc(2026, 5, 5), amount=9000, currency="JPY", rate="0.0065", lines=(("MUG-01", 9000),))
    bare = sale(captured_at=utc(2026, 5, 6), amount=3000)
    bare.order.lines.all().delete()
    case = ReturnCase.objects.create(order=us.order, customer=us.order.customer, currency="USD", reason="defective",
                                     refund_deadline=date(2026, 5, 20), status="approved_keep_item",
                                     resolution="keep_item")
    ReturnLine.objects.create(case=case, order_line=us.order.lines.get(sku="LAMP-01"), quantity=1, refund_minor=6000)
    event = ReturnEvent.objects.create(case=case, from_status="submitted", to_status="approved_keep_item")
    ReturnEvent.objects.filter(pk=event.pk).update(at=utc(2026, 5, 9))
    refund(us, amount=2500, at=utc(2026, 5, 10), source_ref=f"returns.ReturnCase:{case.pk}")
    refund(de, amount=5000, at=utc(2026, 5, 12), rate="1.20", reason="Not as described", approved_by=ann)
    refund(de, amount=1000, at=utc(2026, 5, 16), reason="Not as described")  # a second refund: one order, counted once
    refund(jp, amount=3000, at=utc(2026, 5, 13), cause="goodwill")
    refund(bare, amount=1000, at=utc(2026, 5, 14))
    Dispute.objects.create(provider="stripe", provider_id="dp_1", payment=us, order=us.order, status="needs_response",
                           currency="USD", amount_minor=1000, opened_at=utc(2026, 5, 15))
    customer = us.order.customer
    for day, channel in ((2, "email"), (7, "whatsapp")):
        ticket = Ticket.objects.create(customer=customer, order=us.order, channel=channel,
                                       complaint_category="damaged")
        Ticket.objects.filter(pk=ticket.pk).update(created_at=utc(2026, 5, day))
    for n, (minutes, agent, channel) in enumerate([(10, ann, "email"), (90, ann, "email"), (150, None, "whatsapp"),
                                                   (300, ann, "webchat")]):
        ticket = Ticket.objects.create(customer=factories.customer(), channel=channel, assignee=agent,
                                       first_inbound_at=utc(2026, 5, 8 + n),
                                       first_response_at=utc(2026, 5, 8 + n) + timedelta(minutes=minutes),
                                       first_response_minutes=minutes)
        CsatSurvey.objects.create(ticket=ticket, token=f"s{n}", score=2 + n, answered_at=utc(2026, 5, 20 + n))


def everything(filters: Filters):
    values = metrics.period_metrics(start=MAY[0], end=MAY[1], filters=filters)
    rows = {(definition.key, dimension): metrics.breakdown(key=definition.key, dimension=dimension, start=MAY[0],
                                                           end=MAY[1], filters=filters)
            for definition in metrics.METRICS for dimension in definition.dimensions}
    return values, rows, metrics.explanations(start=MAY[0], end=MAY[1], filters=filters, values=values)


@pytest.mark.parametrize("filters", [Filters(), Filters(market="DE"), Filters(provider="paypal"),
                                     Filters(channel="shopify"), Filters(channel="whatsapp")])
def test_the_shared_statements_give_the_plain_numbers(month_of_everything, filters):
    plain = everything(filters)
    with metrics.shared_computation():
        shared = everything(filters)
    assert shared == plain
    values, rows, _explanations = plain
    if filters == Filters():  # the data set does reach every metric
        assert {key for key, value in values.items() if value.value is None} == set()
        assert rows[("refund_rate_amount", "sku")][0]["code"] == "LAMP-01"


def test_an_audit_month_is_a_handful_of_statements(month_of_everything):
    def count(shared: bool) -> int:
        with CaptureQueriesContext(connection) as queries:
            if shared:
                with metrics.shared_computation():
                    everything(Filters())
            else:
                everything(Filters())
        return len(queries)

    # PostgreSQL: refunds, sales, three ticket measures and returnless savings one statement each; the rest are
    # promise compliance by dimension, dispute counts per market and labels (SQLite adds two per-group percentile
    # queries for each first-response group). The plain path runs every breakdown on its own: 95 (184 on SQLite).
    assert count(True) <= (22 if connection.vendor == "postgresql" else 46)
    assert count(True) * 4 <= count(False)
