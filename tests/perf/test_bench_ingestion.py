"""Ingestion benchmarks (``make bench``): the bulk loader, the refund-rate reads on what it loaded, and order
upserts through the REST API, with a table printed and JSON written under VAR_DIR/bench/.

Sizes come from the environment; the defaults keep ``make bench`` within a few minutes on a 2-core machine:

* ``BENCH_ORDERS`` (100,000): orders the generator appends before everything else (up to 1,000,000);
* ``BENCH_API_REQUESTS`` (400): single-order upserts (three new orders for every update of a known one);
* ``BENCH_API_BULK_REQUESTS`` (10): requests of 100 orders to the bulk endpoint.

The numbers mean most on PostgreSQL (``DATABASE_URL=postgres://…``); on SQLite they run the same way and
say so in the table. The API is called in-process through Django's test client with token auth, one
request at a time with real commits (``transactional_db``): latency is the application and database cost
without the network or a WSGI server. The API test flushes the database when it ends, so it runs last.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import DecimalField, ExpressionWrapper, F, Max, Min, Sum, Window
from django.db.models.functions import Lag, TruncMonth
from django.test import Client
from django.urls import Resolver404, resolve

from aftersales.choices import RefundStatus
from aftersales.demo_data import catalogue as cat
from aftersales.models import Customer, Order, OrderLine, Payment, Refund, Shipment
from aftersales.money import from_minor
from tests.perf.generate import EMAIL_DOMAIN, generate
from tests.perf.report import Report, latency_summary

pytestmark = pytest.mark.perf

BENCH_ORDERS = int(os.environ.get("BENCH_ORDERS", "100000"))
API_REQUESTS = int(os.environ.get("BENCH_API_REQUESTS", "400"))
API_BULK_REQUESTS = int(os.environ.get("BENCH_API_BULK_REQUESTS", "10"))
ORDERS_URL, BULK_URL = "/api/v1/orders/", "/api/v1/orders/bulk/"


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """BENCH_ORDERS orders appended once for the module, removed at the end."""
    with django_db_blocker.unblock():
        def progress(done, seconds):
            print(f"   generator: {done:>9,} orders in {seconds:6.1f} s", flush=True)

        result = generate(BENCH_ORDERS, progress=progress if BENCH_ORDERS >= 200_000 else None)
        yield result
        call_command("flush", interactive=False, verbosity=0)


def vendor_context(**extra):
    return {"db": connection.vendor, **extra}


# -- the generator -------------------------------------------------------------------------------------------

def test_generator_appends_orders_in_time_order(loaded, db):
    report = Report("generator", vendor_context(orders=f"{loaded.orders:,}", method=loaded.method))
    report.add("orders", loaded.orders, "")
    for table, count in loaded.rows.items():
        report.add(f"rows: {table.removeprefix('aftersales_')}", count, "")
    report.add("rows: total", loaded.total_rows, "")
    report.add("time", loaded.seconds, "s")
    report.add("throughput", loaded.total_rows / loaded.seconds, "rows/s")
    report.add("throughput", loaded.orders / loaded.seconds, "orders/s")
    report.emit()

    assert Order.objects.count() == loaded.orders
    assert Payment.objects.count() == loaded.orders
    assert 1.3 < OrderLine.objects.count() / loaded.orders < 1.8
    assert Shipment.objects.count() > 0.95 * loaded.orders
    refunds = Refund.objects.count()
    assert 0.04 * loaded.orders < refunds < 0.08 * loaded.orders
    # Appended in time order: no row's time is earlier than that of the row with the id before it.
    for model, moment in [(Order, "placed_at"), (Refund, "created_at")]:
        out_of_order = (model.objects.annotate(previous=Window(Lag(moment), order_by=F("pk").asc()))
                        .filter(previous__gt=F(moment)))
        assert out_of_order.count() == 0, model.__name__
    assert loaded.seconds < 15 * 60


# -- reads on what was loaded -----------------------------------------------------------------------------

def in_base(field):
    return Sum(ExpressionWrapper(F(field) * F("rate_to_base"), output_field=DecimalField(max_digits=24,
                                                                                         decimal_places=8)))


def month_refund_rate(start, end):
    """DESIGN section 7: refunds succeeded in the month ÷ payments captured in the month, in base currency."""
    refunds = Refund.objects.filter(status=RefundStatus.SUCCEEDED, succeeded_at__gte=start, succeeded_at__lt=end
                                    ).aggregate(total=in_base("amount_minor"))["total"] or 0
    sales = Payment.objects.filter(captured_at__gte=start, captured_at__lt=end
                                   ).aggregate(total=in_base("captured_minor"))["total"] or 0
    return float(refunds / sales) if sales else 0.0


def year_refund_rates(start, end):
    sales = dict(Payment.objects.filter(captured_at__gte=start, captured_at__lt=end)
                 .annotate(month=TruncMonth("captured_at")).values_list("month")
                 .annotate(total=in_base("captured_minor")).order_by())
    refunds = dict(Refund.objects.filter(status=RefundStatus.SUCCEEDED, succeeded_at__gte=start, succeeded_at__lt=end)
                   .annotate(month=TruncMonth("succeeded_at")).values_list("month")
                   .annotate(total=in_base("amount_minor")).order_by())
    return {month: float(refunds.get(month, 0) / total) for month, total in sales.items() if total}


def timed(function, *args, repeat=5):
    durations, value = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        value = function(*args)
        durations.append(time.perf_counter() - started)
    return value, statistics.median(durations), min(durations)


def test_refund_rate_reads(loaded, db):
    bounds = Order.objects.aggregate(first=Min("placed_at"), last=Max("placed_at"))
    end = bounds["last"].replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (end - timedelta(days=1)).replace(day=1)  # the last whole month still waits for late refunds
    month_start = (end - timedelta(days=1)).replace(day=1)
    rate, month_median, month_best = timed(month_refund_rate, month_start, end)
    rates, year_median, year_best = timed(year_refund_rates, end - timedelta(days=366), end, repeat=3)
    report = Report("refund-rate-reads", vendor_context(orders=f"{loaded.orders:,}"))
    report.add("one month's refund rate", month_median * 1000, "ms",
               f"median of 5, best {month_best * 1000:.1f} ms; reference 12-40 ms at 1 M orders (PostgreSQL)")
    report.add("a year by month", year_median * 1000, "ms",
               f"median of 3, best {year_best * 1000:.1f} ms; reference 360-490 ms at 1 M orders (PostgreSQL)")
    report.add(f"refund rate {month_start:%Y-%m}", 100 * rate, "%")
    report.emit()
    assert 0.005 < rate < 0.08
    assert len(rates) >= 11
    assert all(0.0 <= value < 0.1 for value in rates.values())


# -- the REST API -----------------------------------------------------------------------------------------

def _require_url(url):
    try:
        resolve(url)
    except Resolver404:
        pytest.skip(f"the REST API is not there yet: {url} does not resolve (aftersales/api_views.py, urls.py)")


def _api_client(django_user_model):
    from rest_framework.authtoken.models import Token

    user = django_user_model.objects.create_user("bench-store", password="unused-bench-password", is_staff=True)
    token = Token.objects.create(user=user)
    return Client(headers={"authorization": f"Token {token.key}"})


class _Bodies:
    """Order bodies as a store sends them: amounts as decimal strings, one Stripe or PayPal payment."""

    def __init__(self, seed=11):
        self.rng = random.Random(seed)  # noqa: S311 (benchmark data)
        known = Customer.objects.filter(email__endswith=EMAIL_DOMAIN).aggregate(low=Min("pk"), high=Max("pk"))
        self.known = (known["low"], known["high"]) if known["low"] else None
        self.items = [item for item in cat.CATALOGUE if item.popularity]
        self.sent = 0
        self.stamp = int(time.time())

    def new(self) -> dict:
        rng = self.rng
        self.sent += 1
        n = f"{self.stamp}-{self.sent}"
        code = rng.choices(list(cat.MARKETS), [m[6] for m in cat.MARKETS.values()])[0]
        currency, country = cat.MARKETS[code][2], cat.MARKETS[code][1][0]
        lines, subtotal = [], 0
        for position, item in enumerate(rng.sample(self.items, rng.choices([1, 2, 3], [0.6, 0.3, 0.1])[0])):
            unit = max(1, round(item.price_usd_minor * cat.PRICE_FACTOR[currency] / 100)) * 100 - 1
            quantity = 1 if rng.random() < 0.87 else 2
            subtotal += unit * quantity
            lines.append({"external_id": f"{n}-{position}", "sku": item.sku, "title": item.name,
                          "variant": "M" if item.sizes else "", "quantity": quantity,
                          "unit_price": str(from_minor(unit, currency))})
        flat, free_from = cat.SHIPPING[currency]
        shipping = 0 if subtotal >= free_from else flat
        total = subtotal + shipping
        if self.known and rng.random() < 0.25:
            email = f"c{rng.randint(*self.known)}@{EMAIL_DOMAIN}"  # a returning customer
        else:
            email = f"api-{n}@{EMAIL_DOMAIN}"
        placed = datetime.now(UTC) - timedelta(seconds=rng.randint(0, 3600))
        stripe = rng.random() < 0.68
        return {
            "external_id": f"api-{n}", "number": f"#API-{n}", "market": code, "currency": currency,
            "placed_at": placed.isoformat(), "customer": {"email": email, "name": "Bench Buyer", "country": country},
            "shipping_address": {"name": "Bench Buyer", "address": "1 Test Street", "city": "Springfield",
                                 "postcode": "12345", "country": country},
            "subtotal": str(from_minor(subtotal, currency)), "shipping": str(from_minor(shipping, currency)),
            "tax": "0", "discount": "0", "total": str(from_minor(total, currency)), "lines": lines,
            "payments": [{"provider": "stripe" if stripe else "paypal",
                          "provider_payment_id": f"ch_api{n}" if stripe else f"CAP{n}",
                          "amount": str(from_minor(total, currency)), "captured_at": placed.isoformat()}],
        }

    @staticmethod
    def update(body: dict) -> dict:
        """The same order later: fulfilled, with a corrected address."""
        return {**body, "status": "fulfilled",
                "shipping_address": {**body["shipping_address"], "address": "2 Test Street, flat 3"}}


def _post(client, url, body):
    started = time.perf_counter()
    response = client.post(url, body, content_type="application/json")
    return response, time.perf_counter() - started


def test_order_upserts_through_the_rest_api(loaded, transactional_db, django_user_model):
    _require_url(ORDERS_URL)
    client = _api_client(django_user_model)
    bodies = _Bodies()
    for _ in range(10):  # warm-up: imports, caches, prepared plans
        response, _ = _post(client, ORDERS_URL, bodies.new())
        assert response.status_code == 201, response.content[:2000]

    created, updated, sent = [], [], []
    for n in range(API_REQUESTS):
        if sent and n % 4 == 3:
            response, seconds = _post(client, ORDERS_URL, bodies.update(sent[-1 - (n % len(sent))]))
            assert response.status_code == 200, response.content[:2000]
            updated.append(seconds)
        else:
            body = bodies.new()
            response, seconds = _post(client, ORDERS_URL, body)
            assert response.status_code == 201, response.content[:2000]
            created.append(seconds)
            sent.append(body)

    report = Report("api-order-upserts", vendor_context(orders_before=f"{loaded.orders:,}", requests=API_REQUESTS))
    report.add_latencies("POST /api/v1/orders/ (all)", created + updated)
    report.add_latencies("  new order (201)", created)
    report.add_latencies("  known order (200)", updated)

    bulk_orders = 0
    try:
        resolve(BULK_URL)
    except Resolver404:
        report.add("bulk endpoint", 0, "", f"{BULK_URL} does not resolve: not measured")
    else:
        batches = []
        for _ in range(API_BULK_REQUESTS):
            response, seconds = _post(client, BULK_URL, {"orders": [bodies.new() for _ in range(100)]})
            assert response.status_code == 200, response.content[:2000]
            assert response.json()["created"] == 100, response.json()
            batches.append(seconds)
            bulk_orders += 100
        summary = latency_summary(batches)
        report.add("POST /api/v1/orders/bulk/ (100 orders)", summary["count"], "requests")
        report.add("  bulk throughput", 100 * summary["per_second"], "orders/s")
        report.add("  bulk p50", summary["p50"] * 1000, "ms")
        report.add("  bulk p95", summary["p95"] * 1000, "ms")
    report.emit()
    assert Order.objects.filter(external_id__startswith="api-").count() == 10 + len(created) + bulk_orders
