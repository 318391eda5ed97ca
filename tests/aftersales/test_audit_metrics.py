"""Each audit metric on a small hand-built data set, the answer worked out here (DESIGN section 7, issue 9).

The store runs on Asia/Shanghai (UTC+8): May 2026 is [2026-04-30 16:00 UTC, 2026-05-31 16:00 UTC).
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.audit import metrics
from aftersales.audit.metrics import Filters, breakdown, explanations, month_bounds, period_metrics
from aftersales.choices import PaymentProvider, RefundStatus
from disputes.models import Dispute
from returns.models import ReturnCase, ReturnEvent
from tests import factories
from tickets.models import CsatSurvey, Ticket

from .audit_support import refund, sale, utc

pytestmark = pytest.mark.django_db

TZ = "Asia/Shanghai"
MAY = month_bounds(date(2026, 5, 1), TZ)


@pytest.fixture(autouse=True)
def store(settings):
    settings.STORE_TIME_ZONE = TZ
    settings.STORE_BASE_CURRENCY = "USD"


def test_month_bounds_are_cut_in_the_store_time_zone():
    assert (utc(2026, 4, 30, 16), utc(2026, 5, 31, 16)) == MAY
    # Berlin changes to summer time on 29 March 2026: March is 31 days minus one hour long.
    start, end = month_bounds(date(2026, 3, 17), "Europe/Berlin")
    assert (start, end) == (utc(2026, 2, 28, 23), utc(2026, 3, 31, 22))


def refund_data():
    """Sales in May: 100.00 USD + 200.00 EUR at 1.10 + 10,000 JPY at 0.0065 + 50.00 USD at 23:30 local on 31 May
    = 10,000 + 22,000 + 6,500 + 5,000 = 43,500 US cents. Not in May: 70.00 USD at 00:30 local on 1 June and
    80.00 USD at 23:30 local on 30 April. Refunds in May: the EUR order partly twice (50.00 EUR at 1.10 = 5,500;
    30.00 EUR at the refund's own rate 1.20 = 3,600) and 10.00 USD at 23:45 local on 31 May = 10,100 cents."""
    a = sale(captured_at=utc(2026, 5, 10, 3), amount=10000, lines=(("MUG-01", 10000),))
    b = sale(captured_at=utc(2026, 5, 12, 9), amount=20000, currency="EUR", rate="1.10", market_code="DE",
             provider=PaymentProvider.PAYPAL, lines=(("LAMP-01", 15000), ("SOCK-01", 5000)))
    sale(captured_at=utc(2026, 5, 20, 1), amount=10000, currency="JPY", rate="0.0065")
    d = sale(captured_at=utc(2026, 5, 31, 15, 30), amount=5000)
    sale(captured_at=utc(2026, 5, 31, 16, 30), amount=7000)
    sale(captured_at=utc(2026, 4, 30, 15, 30), amount=8000)
    refund(b, amount=5000, at=utc(2026, 5, 20), reason="Not as described")
    refund(b, amount=3000, at=utc(2026, 5, 25), rate="1.20", reason="Not as described")
    refund(a, amount=1000, at=utc(2026, 5, 31, 15, 45), reason="Changed my mind")
    refund(a, amount=2000, at=utc(2026, 5, 21), status=RefundStatus.FAILED)
    refund(a, amount=500, at=None, status=RefundStatus.REQUESTED)
    refund(d, amount=500, at=utc(2026, 5, 31, 16, 10))  # 00:10 on 1 June in Shanghai
    return a, b, d


def test_refund_rate_by_amount_and_by_count():
    refund_data()
    values = period_metrics(start=MAY[0], end=MAY[1])
    amount = values["refund_rate_amount"]
    assert (amount.numerator, amount.denominator) == (10100, 43500)
    assert amount.value == Decimal("23.22")  # 10,100 / 43,500
    assert amount.status == "red"
    assert amount.extra["currency"] == "USD"
    count = values["refund_rate_count"]
    assert (count.numerator, count.denominator, count.value) == (2, 4, Decimal("50.00"))  # orders a, b of a, b, c, d


def test_refund_rate_filters_and_breakdowns():
    refund_data()
    german = period_metrics(start=MAY[0], end=MAY[1], filters=Filters(market="DE"))["refund_rate_amount"]
    assert (german.numerator, german.denominator, german.value) == (9100, 22000, Decimal("41.36"))
    paypal = period_metrics(start=MAY[0], end=MAY[1], filters=Filters(provider="paypal"))["refund_rate_amount"]
    assert paypal.numerator == 9100

    # The EUR order's refunds (9,100) are spread over its lines by value: 3/4 to the lamp, 1/4 to the socks.
    rows = breakdown(key="refund_rate_amount", dimension="sku", start=MAY[0], end=MAY[1])
    assert [(r["code"], r["numerator"], r["denominator"], r["value"]) for r in rows] == [
        ("LAMP-01", 6825, 16500, Decimal("41.36")), ("SOCK-01", 2275, 5500, Decimal("41.36")),
        ("MUG-01", 1000, 10000, Decimal("10.00"))]
    assert rows[0]["share"] == Decimal("67.57")  # 6,825 / 10,100
    assert rows[0]["label"] == "LAMP-01 · Product LAMP-01"

    reasons = breakdown(key="refund_rate_amount", dimension="reason", start=MAY[0], end=MAY[1])
    assert [(r["code"], r["numerator"], r["denominator"]) for r in reasons] == [
        ("Not as described", 9100, 43500), ("Changed my mind", 1000, 43500)]
    markets = breakdown(key="refund_rate_count", dimension="market", start=MAY[0], end=MAY[1])
    assert [(r["code"], r["label"], r["numerator"], r["denominator"]) for r in markets] == [
        ("DE", "Germany", 1, 1), ("US", "United States", 1, 3)]
    with pytest.raises(ValueError, match="cannot be broken down"):
        breakdown(key="csat", dimension="sku", start=MAY[0], end=MAY[1])


def test_explanations_name_the_top_sku_and_reason():
    refund_data()
    sentences = explanations(start=MAY[0], end=MAY[1])["refund_rate_amount"]
    assert sentences[0] == "SKU LAMP-01 drove 68 % of refunds in May 2026; “Not as described” is the leading reason."
    assert sentences[1] == "Its own refund rate was 41.4 %."


def test_the_top_sku_is_explained_by_its_own_leading_reason_not_the_month_s():
    """The month's leading reason is "Changed my mind" (75.00 and three orders over three small SKUs), but the
    lamp, the largest SKU (70.00, two orders), is refunded for "Not as described": the sentence about the lamp
    names the lamp's reason."""
    for amount in (6000, 1000):
        lamp = sale(captured_at=utc(2026, 5, 3, 3), amount=20000, lines=(("LAMP-01", 20000),))
        refund(lamp, amount=amount, at=utc(2026, 5, 9), reason="Not as described")
    for sku in ("MUG-01", "BAG-01", "CUP-01"):
        other = sale(captured_at=utc(2026, 5, 4, 3), amount=10000, lines=((sku, 10000),))
        refund(other, amount=2500, at=utc(2026, 5, 10), reason="Changed my mind")

    for key in ("refund_rate_amount", "refund_rate_count"):
        assert breakdown(key=key, dimension="reason", start=MAY[0], end=MAY[1])[0]["code"] == "Changed my mind"
    [top, *_rest] = breakdown(key="refund_rate_amount", dimension="sku", start=MAY[0], end=MAY[1])
    assert (top["code"], top["reason"], top["reason_label"], top["share"]) == (
        "LAMP-01", "Not as described", "Not as described", Decimal("48.28"))  # 7,000 of 14,500
    sentences = explanations(start=MAY[0], end=MAY[1])
    assert sentences["refund_rate_amount"][0] == (
        "SKU LAMP-01 drove 48 % of refunds in May 2026; “Not as described” is the leading reason.")
    assert sentences["refund_rate_count"][0] == (  # two orders of five
        "SKU LAMP-01 drove 40 % of refunds in May 2026; “Not as described” is the leading reason.")


def test_only_each_sku_s_leading_reasons_leave_the_database():
    """A SKU refunded for three reasons: "Broken" leads by amount (one order of 90.00), "Too small" by orders (two
    of 10.00 and 5.00 in JPY at its own exponent), "Late" by neither: two reasons come back, not three (free-text
    reasons would otherwise bring back a row per refund)."""
    from aftersales.audit.metrics.groups import _sides

    big = sale(captured_at=utc(2026, 5, 3, 3), amount=20000, lines=(("LAMP-01", 20000),))
    refund(big, amount=9000, at=utc(2026, 5, 9), reason="Broken")
    small = sale(captured_at=utc(2026, 5, 3, 3), amount=20000, lines=(("LAMP-01", 20000),))
    refund(small, amount=1000, at=utc(2026, 5, 9), reason="Too small")
    yen = sale(captured_at=utc(2026, 5, 3, 3), amount=3000, currency="JPY", rate="0.01", lines=(("LAMP-01", 3000),))
    refund(yen, amount=500, at=utc(2026, 5, 9), reason="Too small")  # 500 yen × 0.01 = 5.00 USD = 500 cents
    late = sale(captured_at=utc(2026, 5, 3, 3), amount=20000, lines=(("LAMP-01", 20000),))
    refund(late, amount=2000, at=utc(2026, 5, 9), reason="Late")

    reasons = _sides("refunds", start=MAY[0], end=MAY[1], filters=Filters(), sku=True)["sku_reason"]["LAMP-01"]
    assert {code: (row["amount"], row["orders"]) for code, row in reasons.items()} == {
        "Broken": (Decimal(9000), 1), "Too small": (Decimal(1500), 2)}
    with CaptureQueriesContext(connection) as captured:  # live, outside a shared computation
        by_amount = breakdown(key="refund_rate_amount", dimension="sku", start=MAY[0], end=MAY[1])[0]
    by_orders = breakdown(key="refund_rate_count", dimension="sku", start=MAY[0], end=MAY[1])[0]
    assert (by_amount["reason"], by_orders["reason"]) == ("Broken", "Too small")
    refund_reads = [q for q in captured.captured_queries if '"aftersales_refund"' in q["sql"]]
    assert len(refund_reads) == 1  # the SKUs, their refunds and their leading reasons: one statement


def test_no_source_rows_is_no_data_not_zero():
    values = period_metrics(start=MAY[0], end=MAY[1])
    assert {key: v.status for key, v in values.items() if key != "returnless_savings"} == dict.fromkeys(
        [k for k in values if k != "returnless_savings"], "no_data")
    assert values["refund_rate_amount"].value is None
    assert values["returnless_savings"].value == 0  # nothing kept is a real zero, and has no threshold
    assert values["returnless_savings"].status == "neutral"
    assert explanations(start=MAY[0], end=MAY[1]) == {}


def complaint(customer, *, at, channel="email", order=None, category="damaged", merged_into=None):
    ticket = Ticket.objects.create(customer=customer, order=order, channel=channel, complaint_category=category,
                                   merged_into=merged_into)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=at)
    return ticket


def test_repeat_complaints_across_channels():
    x, y, z, w = (factories.customer() for _ in range(4))
    first_order, second_order = factories.order(customer_obj=x), factories.order(customer_obj=x)
    complaint(x, at=utc(2026, 4, 20), order=first_order)                             # April: only history
    complaint(x, at=utc(2026, 5, 5), order=first_order, channel="whatsapp")          # repeat: same order, 15 days
    complaint(x, at=utc(2026, 5, 6), order=second_order, channel="messenger")        # another order: not repeat
    merged = complaint(x, at=utc(2026, 5, 6, 1), order=first_order)
    complaint(x, at=utc(2026, 5, 7), order=first_order, merged_into=merged)          # merged away: not counted
    complaint(y, at=utc(2026, 4, 30, 16, 30))                                        # 00:30 on 1 May local
    complaint(y, at=utc(2026, 5, 20), channel="webchat")                             # no order, 19 days: repeat
    complaint(z, at=utc(2026, 3, 1))
    complaint(z, at=utc(2026, 5, 10))                                                # 70 days later: not repeat
    complaint(w, at=utc(2026, 5, 3), category="")                                    # a question, not a complaint
    complaint(w, at=utc(2026, 5, 4))
    value = period_metrics(start=MAY[0], end=MAY[1])["repeat_complaint_rate"]
    # May complaints: x 5 May, x 6 May, x 6 May 01:00 (repeat of 5 May, same order), y 1 May, y 20 May, z, w = 7
    assert (value.numerator, value.denominator, value.value) == (3, 7, Decimal("42.86"))
    assert value.status == "red"
    whatsapp = period_metrics(start=MAY[0], end=MAY[1], filters=Filters(channel="whatsapp"))["repeat_complaint_rate"]
    assert (whatsapp.numerator, whatsapp.denominator) == (1, 1)
    rows = breakdown(key="repeat_complaint_rate", dimension="channel", start=MAY[0], end=MAY[1])
    assert [(r["code"], r["label"], r["numerator"], r["denominator"]) for r in rows] == [
        ("email", "Email", 1, 4), ("webchat", "Web chat", 1, 1), ("whatsapp", "WhatsApp", 1, 1),
        ("messenger", "Messenger", 0, 1)]
    assert explanations(start=MAY[0], end=MAY[1])["repeat_complaint_rate"][0] == (
        "“Damaged or defective” is behind 100 % of repeat complaints in May 2026.")


def answered(minutes, *, inbound_at, agent=None, channel="email"):
    ticket = Ticket.objects.create(customer=factories.customer(), channel=channel, assignee=agent,
                                   first_inbound_at=inbound_at,
                                   first_response_at=None if minutes is None else inbound_at + timedelta(hours=9),
                                   first_response_minutes=minutes)
    return ticket


def test_first_response_median_p90_and_share_within_two_hours():
    ann = User.objects.create_user("ann", first_name="Ann")
    for minutes in (10, 30, 60):
        answered(minutes, inbound_at=utc(2026, 5, 3), agent=ann)
    answered(130, inbound_at=utc(2026, 5, 4), channel="whatsapp")
    answered(200, inbound_at=utc(2026, 5, 31, 15, 59), channel="whatsapp")  # 23:59 local on 31 May
    answered(5, inbound_at=utc(2026, 4, 30, 15))                              # April
    answered(None, inbound_at=utc(2026, 5, 5))                                # not answered yet
    values = period_metrics(start=MAY[0], end=MAY[1])
    # minutes 10, 30, 60, 130, 200: median 60; p90 at position 0.9 × 4 = 3.6 → 130 + 0.6 × 70 = 172
    assert values["first_response_median"].value == Decimal("60.0")
    assert values["first_response_p90"].value == Decimal("172.0")
    within = values["first_response_within_2h"]
    assert (within.numerator, within.denominator, within.value) == (3, 5, Decimal("60.00"))
    assert within.status == "red"
    rows = breakdown(key="first_response_median", dimension="channel", start=MAY[0], end=MAY[1])
    assert [(r["code"], r["value"], r["share"]) for r in rows] == [
        ("whatsapp", Decimal("165.0"), Decimal("100.00")), ("email", Decimal("30.0"), Decimal("0.00"))]
    # the late ones (130 and 200 minutes) have no agent: only the channel explains them
    assert explanations(start=MAY[0], end=MAY[1])["first_response_within_2h"] == [
        "100 % of the late first responses in May 2026 came in by WhatsApp."]


def test_first_response_minutes_are_filled_for_tickets_answered_before_they_were_stored():
    from tickets.api import first_response_minutes_fill

    ticket = answered(None, inbound_at=utc(2026, 5, 3, 10))
    Ticket.objects.filter(pk=ticket.pk).update(first_response_at=utc(2026, 5, 3, 11, 30))
    assert first_response_minutes_fill() == 1
    ticket.refresh_from_db()
    assert ticket.first_response_minutes == 90  # no SLA calendar: every minute counts
    assert first_response_minutes_fill() == 0


def test_the_fill_before_every_audit_finds_pending_tickets_by_index_not_by_reading_the_table(require_postgres):
    """The audit first fills the business minutes of answered tickets that lack them: almost always none. The
    partial index ``ticket_minutes_pending`` holds exactly those, so the check costs the same at 200,000 tickets
    as at 20 (it read the whole table before: 25 ms at 200,000)."""
    from tickets.api import first_response_minutes_fill

    answered(30, inbound_at=utc(2026, 5, 3, 10))
    with CaptureQueriesContext(connection) as captured:
        assert first_response_minutes_fill() == 0
    [sql] = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny test table would rightly be read sequentially
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "ticket_minutes_pending" in plan, plan


def test_csat_is_the_share_of_four_and_five():
    for n, (score, at) in enumerate([(5, utc(2026, 5, 2)), (4, utc(2026, 5, 3)), (3, utc(2026, 5, 4)),
                                     (1, utc(2026, 5, 5)), (5, utc(2026, 5, 31, 15)), (5, utc(2026, 5, 31, 17)),
                                     (None, None)]):
        ticket = Ticket.objects.create(customer=factories.customer(), channel="email")
        CsatSurvey.objects.create(ticket=ticket, token=f"t{n}", score=score, answered_at=at)
    value = period_metrics(start=MAY[0], end=MAY[1])["csat"]
    assert (value.numerator, value.denominator, value.value) == (3, 5, Decimal("60.00"))


def test_dispute_rate_per_provider():
    payments = [sale(captured_at=utc(2026, 5, d), amount=1000) for d in (2, 3, 4, 5)]
    paypal = sale(captured_at=utc(2026, 5, 6), amount=1000, provider=PaymentProvider.PAYPAL)
    for n, (payment, opened) in enumerate([(payments[0], utc(2026, 5, 20)), (payments[1], utc(2026, 6, 2)),
                                           (paypal, utc(2026, 5, 21))]):
        Dispute.objects.create(provider=payment.provider, provider_id=f"dp_{n}", payment=payment,
                               order=payment.order, status="needs_response", currency="USD", amount_minor=1000,
                               opened_at=opened)
    values = period_metrics(start=MAY[0], end=MAY[1])
    stripe = values["dispute_rate_stripe"]
    assert (stripe.numerator, stripe.denominator, stripe.value) == (1, 4, Decimal("25.00"))
    assert stripe.status == "red"
    assert (values["dispute_rate_paypal"].numerator, values["dispute_rate_paypal"].denominator) == (1, 1)
    only_paypal = period_metrics(start=MAY[0], end=MAY[1], filters=Filters(provider="paypal"))
    assert only_paypal["dispute_rate_stripe"].status == "no_data"


def test_refund_promise_compliance_counts_the_deadline_day_in_store_time():
    payment = sale(captured_at=utc(2026, 5, 1), amount=9000)
    cases = [ReturnCase.objects.create(order=payment.order, customer=payment.order.customer, currency="USD",
                                       reason="defective", refund_deadline=date(2026, 5, 15)) for _ in range(3)]
    refund(payment, amount=1000, at=utc(2026, 5, 15, 15, 30), source_ref=f"returns.ReturnCase:{cases[0].pk}")  # 23:30
    refund(payment, amount=1000, at=utc(2026, 5, 15, 16, 30), source_ref=f"returns.ReturnCase:{cases[1].pk}")  # late
    refund(payment, amount=1000, at=utc(2026, 5, 10), source_ref=f"returns.ReturnCase:{cases[2].pk}")
    refund(payment, amount=1000, at=utc(2026, 5, 10), cause="goodwill")  # not a return: no promise
    value = period_metrics(start=MAY[0], end=MAY[1])["refund_promise_compliance"]
    assert (value.numerator, value.denominator, value.value) == (2, 3, Decimal("66.67"))
    rows = breakdown(key="refund_promise_compliance", dimension="reason", start=MAY[0], end=MAY[1])
    assert [(r["code"], r["label"], r["numerator"], r["denominator"]) for r in rows] == [
        ("defective", "Defective or damaged", 2, 3)]


def test_returnless_savings_in_base_currency():
    us = sale(captured_at=utc(2026, 5, 1), amount=1500)                                       # US, own shipping
    de = sale(captured_at=utc(2026, 5, 1), amount=1500, currency="EUR", rate="1.10", market_code="DE")
    de.order.fulfillment_mode = "overseas_warehouse"
    de.order.save()
    for payment, status in ((us, "approved_keep_item"), (de, "resolved"), (us, "cancelled")):
        case = ReturnCase.objects.create(order=payment.order, customer=payment.order.customer,
                                         currency=payment.currency, status=status, resolution="keep_item")
        event = ReturnEvent.objects.create(case=case, from_status="submitted", to_status="approved_keep_item")
        ReturnEvent.objects.filter(pk=event.pk).update(at=utc(2026, 5, 9))
    value = period_metrics(start=MAY[0], end=MAY[1])["returnless_savings"]
    # US own shipping 32.00 USD + EU overseas warehouse 8.00 EUR × 1.10 = 3,200 + 880 cents; the cancelled one not
    assert (value.value, value.denominator) == (4080, 2)


def test_period_metrics_costs_a_constant_number_of_queries():
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            period_metrics(start=MAY[0], end=MAY[1])
        return len(queries)

    a, _b, _d = refund_data()
    complaint(a.order.customer, at=utc(2026, 5, 2), order=a.order)
    answered(20, inbound_at=utc(2026, 5, 2))
    small = count()
    for day in range(1, 25):
        payment = sale(captured_at=utc(2026, 5, day), amount=1000 + day)
        refund(payment, amount=100, at=utc(2026, 5, day, 5))
        complaint(payment.order.customer, at=utc(2026, 5, day), order=payment.order)
        answered(day * 7, inbound_at=utc(2026, 5, day))
    assert count() == small
    assert small <= 14
    assert metrics.METRICS[0].key == "refund_rate_amount"


def test_the_first_reply_stores_its_business_minutes_for_the_audit(agent_user):
    """Friday 17:30 in Berlin → answered Monday 09:30 on a 09:00–18:00 calendar: 30 business minutes on Friday and
    30 on Monday = 60, not the 64 hours on the clock."""
    import time_machine

    from tickets.models import BusinessCalendar, SlaPolicy
    from tickets.services import Inbound, _inbound, message_send

    calendar = BusinessCalendar.objects.create(name="Berlin", time_zone="Europe/Berlin",
                                               hours={str(day): [["09:00", "18:00"]] for day in range(5)})
    SlaPolicy.objects.create(name="Default", calendar=calendar)
    with time_machine.travel(utc(2026, 1, 16, 16, 30), tick=False):
        ticket = _inbound(Inbound(channel="email", identity_kind="email", contact="anna@example.de",
                                  external_id="m-audit-1", text="Wo ist meine Bestellung?",
                                  subject="Bestellung")).ticket
    with time_machine.travel(utc(2026, 1, 19, 8, 30), tick=False):
        message_send(ticket=ticket, body="Hallo Anna", author=agent_user)
    ticket.refresh_from_db()
    assert ticket.first_response_minutes == 60
    january = month_bounds(date(2026, 1, 1), TZ)
    assert period_metrics(start=january[0], end=january[1])["first_response_median"].value == Decimal("60.0")


def test_a_filter_a_metric_does_not_have_is_named_not_silently_applied():
    refund_data()
    values = period_metrics(start=MAY[0], end=MAY[1], filters=Filters(channel="whatsapp", provider="stripe"))
    amount = values["refund_rate_amount"]  # a ticket channel: refunds are computed without it, and say so
    assert amount.extra["ignored_filters"] == ["channel"]
    assert (amount.numerator, amount.denominator) == (1000, 21500)  # Stripe only: a, the JPY order and d
    assert values["csat"].extra == {"ignored_filters": ["provider"]}  # tickets have no payment provider
    shop = period_metrics(start=MAY[0], end=MAY[1], filters=Filters(channel="shopify"))["refund_rate_amount"]
    assert (shop.value, shop.status, shop.extra.get("ignored_filters")) == (None, "no_data", None)
