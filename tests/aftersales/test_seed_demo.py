"""``manage.py seed_demo``: a believable year of store data, built fast, the same every time, loaded once, with
the return cases behind its return refunds.

The store is built once for the module (outside the per-test transactions) and removed afterwards; each
test reads it with ORM aggregates, the way the dashboard will.
"""

import io
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Max, Min, Q, Sum
from django.db.models.functions import TruncDate, TruncMonth

from aftersales.choices import OrderSource, OrderStatus, PaymentProvider, RefundCause, RefundStatus, ShipmentStatus
from aftersales.demo_data import delete_demo_data
from aftersales.demo_data.seed import anchor_for, month_starts
from aftersales.models import (
    ExchangeRate,
    Market,
    Order,
    OrderLine,
    Payment,
    Product,
    Refund,
    RefundEvent,
    Shipment,
    TrackingEvent,
)
from returns.choices import CaseStatus
from returns.models import ReturnCase, ReturnEvent, ReturnLine

TODAY = "2026-03-18"  # the data then covers March 2025 to February 2026, and March 2026 up to the 18th
MONTH_START = datetime(2026, 3, 1, tzinfo=UTC)  # the end of the twelve whole months (the tests' store is in UTC)
ANCHOR = datetime(2026, 3, 18, tzinfo=UTC)  # "now": nothing is dated at or after it
WHOLE = 5000  # orders in the twelve whole months (--orders)


def seed(*args):
    out = io.StringIO()
    started = time.monotonic()
    call_command("seed_demo", "--today", TODAY, *args, stdout=out)
    return out.getvalue(), time.monotonic() - started


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        output, seconds = seed()
        yield {"output": output, "seconds": seconds}
        delete_demo_data()
        for model in (ExchangeRate, Product, Market):  # shared facts the seed created in an empty test database
            model.objects.all().delete()


@pytest.fixture
def demo(seeded, db):
    return seeded


def in_base(field):
    return Sum(ExpressionWrapper(F(field) * F("rate_to_base"), output_field=DecimalField(max_digits=24,
                                                                                         decimal_places=8)))


def total():
    return Order.objects.filter(source=OrderSource.DEMO).count()


def test_builds_in_under_30_seconds_and_says_what_it_made(demo):
    assert demo["seconds"] < 30
    assert "Demo data loaded" in demo["output"]
    this_month = Order.objects.filter(placed_at__gte=MONTH_START).count()
    assert (f"5,000 orders placed from 2025-03-01 to 2026-03-01, and {this_month} this month up to 2026-03-18."
            in demo["output"])


def test_six_markets_with_their_currencies_and_legal_profiles(demo):
    assert set(Market.objects.values_list("code", "currency", "legal_profile")) == {
        ("US", "USD", "US"), ("DE", "EUR", "EU"), ("FR", "EUR", "EU"), ("ES", "EUR", "EU"), ("UK", "GBP", "UK"),
        ("AU", "AUD", "AU")}
    assert Order.objects.exclude(currency=F("market__currency")).count() == 0
    per_market = dict(Order.objects.values_list("market__code").annotate(n=Count("pk")))
    assert set(per_market) == {"US", "DE", "FR", "ES", "UK", "AU"}
    assert max(per_market, key=per_market.get) == "US"


def test_catalogue_of_about_forty_products_with_apparel_sizes_and_the_lamp(demo):
    assert 35 <= Product.objects.count() <= 45
    assert set(Product.objects.values_list("category", flat=True)) == {"apparel", "electronics", "home", "outdoor"}
    assert Product.objects.get(sku="LAMP-01").category == "home"
    apparel = OrderLine.objects.filter(product__category="apparel")
    assert apparel.count() > 1000
    assert apparel.filter(variant="").count() == 0
    assert set(apparel.values_list("variant", flat=True)) >= {"S", "M", "L", "XL", "40", "42"}
    assert OrderLine.objects.exclude(product__category="apparel").exclude(variant="").count() == 0


def test_about_5000_orders_over_the_twelve_months_before_the_anchor(demo):
    orders = Order.objects.filter(source=OrderSource.DEMO, placed_at__lt=MONTH_START)
    assert orders.count() == WHOLE
    span = orders.aggregate(first=Min("placed_at"), last=Max("placed_at"))
    assert span["first"] >= datetime(2025, 3, 1, tzinfo=UTC)
    months = dict(orders.annotate(month=TruncMonth("placed_at")).values_list("month").annotate(n=Count("pk")))
    assert len(months) == 12
    assert min(months.values()) >= 250
    busiest = max(months, key=months.get)
    assert (busiest.month, busiest.year) == (11, 2025)  # Black Friday
    assert Order.objects.filter(lines__isnull=True).count() == 0
    assert 1.2 < OrderLine.objects.count() / total() < 2.0


def test_the_month_in_progress_goes_on_at_the_pace_of_the_year_up_to_the_anchor(demo):
    """The dashboard's "this month so far" reads a store that is still selling, refunding and shipping."""
    this_month = Order.objects.filter(placed_at__gte=MONTH_START)
    assert this_month.filter(placed_at__gte=ANCHOR).count() == 0
    assert Order.objects.aggregate(last=Max("placed_at"))["last"] > ANCHOR - timedelta(hours=12)
    february = Order.objects.filter(placed_at__gte=datetime(2026, 2, 1, tzinfo=UTC), placed_at__lt=MONTH_START)
    per_day = this_month.count() / 17, february.count() / 28
    assert 0.9 < per_day[0] / per_day[1] < 1.6, per_day  # March is busier than February, as in the year
    days = set(this_month.annotate(day=TruncDate("placed_at")).values_list("day", flat=True))
    assert days == {date(2026, 3, day) for day in range(1, 18)}
    assert Refund.objects.filter(succeeded_at__gte=MONTH_START).count() > 0
    assert Shipment.objects.filter(order__in=this_month).count() > 0.8 * this_month.count()
    assert this_month.filter(status=OrderStatus.OPEN).count() > 0  # the last days' orders are still being packed


def test_order_totals_add_up_and_each_order_has_a_captured_payment(demo):
    assert Order.objects.exclude(
        total_minor=F("subtotal_minor") - F("discount_minor") + F("shipping_minor")).count() == 0
    line_sums = Order.objects.annotate(lines_total=Sum("lines__total_minor"),
                                       lines_discount=Sum("lines__discount_minor"))
    assert line_sums.exclude(lines_total=F("subtotal_minor") - F("discount_minor")).count() == 0
    assert line_sums.exclude(lines_discount=F("discount_minor")).count() == 0
    assert Payment.objects.count() == total()
    assert Payment.objects.exclude(captured_minor=F("order__total_minor")).count() == 0
    stripe = Payment.objects.filter(provider=PaymentProvider.STRIPE)
    paypal = Payment.objects.filter(provider=PaymentProvider.PAYPAL)
    assert 0.55 < stripe.count() / total() < 0.8
    assert stripe.exclude(provider_payment_id__startswith="ch_").count() == 0
    assert stripe.exclude(provider_order_id__startswith="pi_").count() == 0
    assert {len(pid) for pid in paypal.values_list("provider_payment_id", flat=True)} == {17}
    assert Payment.objects.values("provider_payment_id").distinct().count() == total()


def test_exchange_rates_to_the_base_currency_for_every_day_and_stored_on_payments(demo):
    assert settings.STORE_BASE_CURRENCY == "USD"
    days = (ANCHOR.date() - date(2025, 3, 1)).days
    for currency, low, high in [("EUR", "1.0", "1.2"), ("GBP", "1.15", "1.4"), ("AUD", "0.6", "0.72")]:
        rates = ExchangeRate.objects.filter(currency=currency, base_currency="USD")
        assert rates.count() >= days
        bounds = rates.aggregate(low=Min("rate"), high=Max("rate"))
        assert Decimal(low) < bounds["low"] <= bounds["high"] < Decimal(high)
    assert ExchangeRate.objects.filter(currency="USD").count() == 0
    assert Payment.objects.filter(currency="USD").exclude(rate_to_base=1).count() == 0
    for payment in Payment.objects.exclude(currency="USD").order_by("pk")[:200:20]:
        stored = ExchangeRate.objects.get(currency=payment.currency, valid_on=payment.captured_at.date())
        assert payment.rate_to_base == stored.rate


def test_shipments_with_carriers_tracking_events_and_proof_of_delivery(demo):
    shipments = Shipment.objects.all()
    assert 0.96 * total() <= shipments.count() < total()
    assert shipments.filter(Q(carrier="") | Q(tracking_number="")).count() == 0
    assert shipments.values("tracking_number").distinct().count() == shipments.count()
    assert {"YunExpress", "USPS", "Royal Mail", "DHL", "Australia Post"} <= set(
        shipments.values_list("carrier", flat=True))
    delivered = shipments.filter(status=ShipmentStatus.DELIVERED)
    assert delivered.count() > 0.9 * shipments.count()
    assert delivered.filter(delivered_at__isnull=True).count() == 0
    assert delivered.filter(delivered_at__gte=ANCHOR).count() == 0
    with_pod = delivered.filter(~Q(pod_signer="") | ~Q(pod_photo_url="") | Q(pod_latitude__isnull=False))
    assert with_pod.count() > 0.8 * delivered.count()
    assert delivered.filter(pod_latitude__isnull=False, pod_longitude__isnull=False).count() > 0.7 * delivered.count()
    assert delivered.exclude(events__status=ShipmentStatus.DELIVERED).count() == 0
    assert 4 <= TrackingEvent.objects.count() / shipments.count() <= 7
    assert TrackingEvent.objects.filter(occurred_at__gte=ANCHOR).count() == 0
    assert shipments.filter(status__in=[ShipmentStatus.EXCEPTION, ShipmentStatus.RETURNED]).count() > 0
    assert shipments.filter(status=ShipmentStatus.IN_TRANSIT).count() > 0  # still travelling at the anchor
    assert Shipment.objects.filter(order__status=OrderStatus.CANCELLED).count() == 0


def test_refunds_in_the_ledger_succeeded_with_every_cause_and_within_what_was_captured(demo):
    refunds = Refund.objects.all()
    assert 150 < refunds.count() < 600
    assert set(refunds.values_list("status", flat=True)) == {RefundStatus.SUCCEEDED}
    assert set(refunds.values_list("cause", flat=True)) == {RefundCause.RETURN, RefundCause.CANCELLATION,
                                                            RefundCause.NOT_RECEIVED, RefundCause.GOODWILL}
    assert refunds.filter(succeeded_at__gte=ANCHOR).count() == 0
    assert refunds.exclude(currency=F("payment__currency")).count() == 0
    assert refunds.filter(provider_refund_id="").count() == 0
    over = Payment.objects.annotate(refunded=Sum("refunds__amount_minor")).filter(refunded__gt=F("captured_minor"))
    assert over.count() == 0
    assert set(refunds.annotate(n=Count("events")).values_list("n", flat=True)) == {3}
    assert RefundEvent.objects.filter(to_status=RefundStatus.SUCCEEDED).count() == refunds.count()
    cancelled = Order.objects.filter(status=OrderStatus.CANCELLED)
    assert cancelled.count() > 0
    assert cancelled.exclude(refunds__cause=RefundCause.CANCELLATION).count() == 0


def test_the_lamp_is_refunded_for_about_a_fifth_of_its_sales(demo):
    lamp_orders = Order.objects.filter(lines__product__sku="LAMP-01")
    sales = Payment.objects.filter(order__in=lamp_orders).aggregate(total=in_base("captured_minor"))["total"]
    refunded = Refund.objects.filter(order__in=lamp_orders, status=RefundStatus.SUCCEEDED).aggregate(
        total=in_base("amount_minor"))["total"]
    share = float(refunded / sales)
    assert 0.17 <= share <= 0.23, share
    overall = float(Refund.objects.aggregate(t=in_base("amount_minor"))["t"]
                    / Payment.objects.aggregate(t=in_base("captured_minor"))["t"])
    assert share > 4 * overall  # the outlier a manager should spot


def case_of(refund):
    """The return case a refund points at (``source_ref``), or None."""
    prefix = "returns.ReturnCase:"
    return ReturnCase.objects.get(pk=int(refund.source_ref[len(prefix):])) if refund.source_ref.startswith(
        prefix) else None


def test_each_lamp_refund_of_a_return_belongs_to_a_resolved_return_case_with_its_reason_and_line(demo):
    lamp_refunds = Refund.objects.filter(order__lines__sku="LAMP-01", cause=RefundCause.RETURN).select_related(
        "order")
    assert 15 <= lamp_refunds.count() <= 40
    for refund in lamp_refunds:
        case = case_of(refund)
        assert case is not None, refund.reason
        assert (case.order_id, case.customer_id, case.kind, case.currency) == (
            refund.order_id, refund.order.customer_id, "return", refund.currency)
        assert case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED)
        assert case.estimate_minor - case.deductions_minor == refund.amount_minor  # what the case paid is the refund
        assert case.comment == refund.reason.removeprefix("LAMP-01: ")  # the customer's words
        [line] = case.lines.all()
        assert (line.order_line.sku, line.quantity) == ("LAMP-01", line.order_line.quantity)
        assert (line.grade, line.disposition) == ("C", "return_to_supplier")
        assert case.submitted_at < case.received_at < case.resolved_at == refund.created_at < refund.succeeded_at
    lamp_cases = ReturnCase.objects.filter(lines__order_line__sku="LAMP-01")
    assert lamp_cases.count() == lamp_refunds.count()
    reasons = dict(lamp_cases.values_list("reason").annotate(n=Count("pk")))
    assert set(reasons) == {"defective", "not_as_described"}  # four of its five complaints are faults
    assert reasons["defective"] > reasons["not_as_described"]


def test_most_other_return_refunds_have_a_case_and_no_other_refund_has_one(demo):
    others = Refund.objects.filter(cause=RefundCause.RETURN).exclude(order__lines__sku="LAMP-01")
    with_case = others.filter(source_ref__startswith="returns.ReturnCase:").count()
    assert 0.6 <= with_case / others.count() <= 0.9
    assert Refund.objects.exclude(cause=RefundCause.RETURN).exclude(source_ref="").count() == 0
    cases = ReturnCase.objects.all()
    assert cases.count() == with_case + Refund.objects.filter(cause=RefundCause.RETURN,
                                                              order__lines__sku="LAMP-01").count()
    # one refund per case, none paid twice
    assert Refund.objects.exclude(source_ref="").values("source_ref").distinct().count() == cases.count()
    assert set(cases.values_list("reason", flat=True)) <= {"wrong_size", "not_as_described", "changed_mind",
                                                           "defective"}


def test_the_return_cases_follow_the_desk_timeline_and_end_before_the_anchor(demo):
    tz = ZoneInfo(settings.STORE_TIME_ZONE)
    kept = ReturnCase.objects.filter(resolution="keep_item")
    assert kept.count() > 0
    assert kept.filter(received_at__isnull=False).count() == 0
    for case in ReturnCase.objects.prefetch_related("events", "lines"):
        steps = [event.to_status for event in case.events.all()]
        if case.resolution == "keep_item":
            expected = ["draft", "submitted", "approved_keep_item", "resolved"]
        else:
            expected = ["draft", "submitted", "approved", "awaiting_shipment", "in_transit", "received", "inspected",
                        "resolved"]
            assert all(line.inspected_at for line in case.lines.all())
        closed = case.resolved_at + timedelta(days=14) < ANCHOR
        assert steps == expected + (["closed"] if closed else [])
        assert case.status == ("closed" if closed else "resolved")
        times = [event.at for event in case.events.all()]
        assert times == sorted(times)
        assert times[-1] < ANCHOR
        assert case.refund_deadline == case.submitted_at.astimezone(tz).date() + timedelta(days=14)
        assert case.created_at == times[0] < case.submitted_at == times[1]


def test_monthly_refund_rate_is_between_2_and_4_percent_in_most_months(demo):
    tz = ZoneInfo(settings.STORE_TIME_ZONE)
    sales = dict(Payment.objects.annotate(month=TruncMonth("captured_at", tzinfo=tz)).values_list("month")
                 .annotate(total=in_base("captured_minor")))
    refunds = dict(Refund.objects.filter(status=RefundStatus.SUCCEEDED)
                   .annotate(month=TruncMonth("succeeded_at", tzinfo=tz)).values_list("month")
                   .annotate(total=in_base("amount_minor")))
    assert len(sales) == 13  # the twelve whole months and the month in progress
    assert set(refunds) == set(sales)
    rates = {month: float(refunds.get(month, 0) / sales[month]) for month in sales}
    in_progress = rates.pop(max(rates))
    assert 0.015 <= in_progress <= 0.045
    within = [month for month, rate in rates.items() if 0.02 <= rate <= 0.04]
    assert len(within) >= 10, {m.date().isoformat(): round(100 * r, 2) for m, r in rates.items()}
    assert all(0.01 <= rate <= 0.05 for rate in rates.values())
    assert 0.02 <= float(sum(refunds.values()) / sum(sales.values())) <= 0.04
    last_closed = max(rates)
    assert last_closed.date() == date(2026, 2, 1)
    assert rates[last_closed] >= 0.028  # the dashboard opens on a red refund rate (the red line is 2.5 %)


def return_rows():
    return (list(ReturnCase.objects.order_by("rma").values_list(
                "rma", "order__number", "reason", "status", "resolution", "estimate_minor", "deductions_minor",
                "refund_deadline", "submitted_at", "resolved_at")),
            list(ReturnLine.objects.order_by("case__rma").values_list("case__rma", "order_line__sku", "quantity",
                                                                      "refund_minor", "grade", "disposition")),
            list(ReturnEvent.objects.order_by("case__rma", "at", "to_status").values_list(
                "case__rma", "from_status", "to_status", "at", "note")),
            sorted((refund.order.number, refund.amount_minor, case_of(refund).rma) for refund in
                   Refund.objects.exclude(source_ref="").select_related("order")))


def test_a_second_run_does_nothing_and_says_so(demo):
    before = (Order.objects.count(), Refund.objects.count(), ExchangeRate.objects.count(), return_rows())
    output, seconds = seed()
    assert f"already loaded ({total():,} orders): nothing to do" in output
    assert "return cases" not in output
    assert (Order.objects.count(), Refund.objects.count(), ExchangeRate.objects.count(), return_rows()) == before
    assert seconds < 5


def test_the_first_run_says_how_many_return_cases_it_made(demo):
    cases = ReturnCase.objects.count()
    lamp = ReturnCase.objects.filter(lines__order_line__sku="LAMP-01").count()
    kept = ReturnCase.objects.filter(resolution="keep_item").count()
    assert (f"{cases} return cases behind the return refunds ({lamp} of LAMP-01, {kept} kept by the customer)."
            in demo["output"])


def test_a_store_seeded_before_the_return_cases_gets_the_same_cases_on_the_next_run(demo):
    before = return_rows()
    ReturnCase.objects.all().delete()
    Refund.objects.update(source_ref="")
    output, _seconds = seed()
    assert f"already loaded ({total():,} orders): nothing to do" in output
    assert f"{len(before[0])} return cases behind the return refunds" in output
    assert return_rows() == before


def snapshot():
    return (list(Order.objects.order_by("number").values_list("number", "currency", "total_minor", "placed_at")),
            list(Refund.objects.order_by("order__number", "amount_minor")
                 .values_list("order__number", "amount_minor", "cause", "succeeded_at")),
            list(Shipment.objects.order_by("order__number").values_list("order__number", "tracking_number")),
            return_rows())


def test_reset_rebuilds_exactly_the_same_store(demo):
    first = snapshot()
    output, seconds = seed("--reset")
    assert "Demo data loaded" in output
    assert snapshot() == first
    assert seconds < 30


def test_demo_rows_are_removed_but_other_data_is_kept(demo):
    from tests import factories

    demo_orders = total()
    own = factories.order(market_code="DE")
    deleted = delete_demo_data()
    assert deleted["orders"] == demo_orders
    assert list(Order.objects.all()) == [own]
    assert Refund.objects.count() == Shipment.objects.count() == 0
    assert deleted["return cases"] > 0
    assert ReturnCase.objects.count() == ReturnLine.objects.count() == ReturnEvent.objects.count() == 0


@pytest.mark.parametrize(("zone", "now", "expected", "month"), [
    ("UTC", "2026-07-19T10:00:00Z", datetime(2026, 7, 19, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC)),
    ("Asia/Shanghai", "2026-07-31T20:00:00Z", datetime(2026, 7, 31, 16, tzinfo=UTC),  # already 1 August there
     datetime(2026, 7, 31, 16, tzinfo=UTC)),
])
def test_now_is_anchored_to_the_start_of_the_current_day_in_the_store_time_zone(settings, zone, now, expected,
                                                                                month):
    import time_machine

    settings.STORE_TIME_ZONE = zone
    with time_machine.travel(now, tick=False):
        anchor = anchor_for()
    assert anchor == expected
    bounds = month_starts(anchor)
    assert len(bounds) == 14  # twelve whole months, and the month in progress
    assert bounds[-2] == month <= anchor < bounds[-1]
    assert bounds[0].astimezone(ZoneInfo(zone)).day == 1


def test_another_base_currency_gets_its_own_rates(demo, settings):
    settings.STORE_BASE_CURRENCY = "EUR"
    output, _seconds = seed("--reset", "--orders", "300")
    assert "300 orders placed" in output
    assert Payment.objects.filter(currency="EUR").exclude(rate_to_base=1).count() == 0
    usd = Payment.objects.filter(currency="USD").aggregate(low=Min("rate_to_base"), high=Max("rate_to_base"))
    assert Decimal("0.8") < usd["low"] <= usd["high"] < Decimal("1.0")
    assert set(ExchangeRate.objects.filter(base_currency="EUR").values_list("currency", flat=True)) == {
        "USD", "GBP", "AUD"}


def test_a_base_currency_without_demo_rates_is_refused_and_nothing_changes(demo, settings):
    from django.core.management import CommandError

    settings.STORE_BASE_CURRENCY = "JPY"
    before = Order.objects.count()
    with pytest.raises(CommandError, match="STORE_BASE_CURRENCY=JPY"):
        seed("--reset")
    assert Order.objects.count() == before
