"""Benchmark data: N orders (up to 1,000,000) with customers, lines, payments, shipments and refunds.

Rows are appended in time order, as a real store appends them (DESIGN section 9: a ``created_at`` index
over a randomly ordered heap reads slower than a sequential scan): order ids grow with ``placed_at`` and
refund ids with ``created_at`` (refunds wait in a heap until the orders being written reach their time).

On PostgreSQL every chunk goes in with ``COPY … FROM STDIN`` through psycopg 3's ``cursor.copy()``, one
transaction per chunk, ids assigned here and the identity sequences moved past them afterwards, then
``ANALYZE`` so the planner knows the new sizes. On SQLite (no COPY) the same rows go through
``bulk_create``. Either way about a million orders load in minutes on a 2-core machine.

Every column of every model is written: the ones named in ``_row_*`` from the generated values, the others
from the field's default, and a new non-null field without a default fails loudly at start (update this
file) instead of being silently wrong. The shape: ~1.6 lines per order, one payment (Stripe ``ch_``/``pi_``
or a PayPal capture id), a shipment for every order placed more than three days before the end, and a
refund for ~6 % of orders (returns, cancellations, not received, goodwill), i.e. a refund rate of 3-4 %.

Run it on its own against a development database with
``DJANGO_SETTINGS_MODULE=aftersales.settings python -m tests.perf.generate 1000000``.
"""

from __future__ import annotations

import heapq
import json
import random
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import connection, models, transaction

from aftersales.choices import (
    FulfillmentMode,
    IdentityKind,
    OrderSource,
    OrderStatus,
    PaymentProvider,
    PaymentStatus,
    RefundCause,
    RefundSource,
    RefundStatus,
    ShipmentStatus,
)
from aftersales.demo_data import catalogue as cat
from aftersales.demo_data.common import historic_timestamps
from aftersales.models import (
    Customer,
    CustomerIdentity,
    Market,
    Order,
    OrderLine,
    Payment,
    Product,
    Refund,
    Shipment,
)

CHUNK_ORDERS = 20_000
REFUND_SHARE = 0.06
REPEAT_SHARE = 0.22
BULK_BATCH = 2_000
EMAIL_DOMAIN = "bench.example.com"


@dataclass
class LoadResult:
    orders: int
    rows: dict[str, int]
    seconds: float
    method: str
    end: datetime
    first_order_id: int = 0
    last_order_id: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


class Table:
    """One model's columns in a fixed order: the named ones first, every other column from its default."""

    def __init__(self, model: type[models.Model], names: list[str]):
        self.model = model
        self.name = model._meta.db_table
        by_name = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [name for name in names if name not in by_name]
        if unknown:
            raise RuntimeError(f"{model.__name__} has no column {unknown}: update tests/perf/generate.py")
        self.names = list(names)
        defaults, copy_defaults = [], []
        for attname, f in by_name.items():
            if attname in names:
                continue
            value = f.get_default()
            if value is None and not f.null:
                raise RuntimeError(f"{model.__name__}.{attname} is required and has no default: "
                                   "give it a value in tests/perf/generate.py")
            self.names.append(attname)
            defaults.append(value)
            copy_defaults.append(json.dumps(value) if isinstance(f, models.JSONField) else value)
        self.columns = [by_name[name].column for name in self.names]
        self.defaults, self.copy_defaults = tuple(defaults), tuple(copy_defaults)

    def full(self, row: tuple, *, for_copy: bool = False) -> tuple:
        return row + (self.copy_defaults if for_copy else self.defaults)


class _Ids:
    """The next free id of every table, read once at the start."""

    def __init__(self, tables: Iterable[type[models.Model]]):
        self.next = {}
        for model in tables:
            last = model.objects.aggregate(m=models.Max("pk"))["m"] or 0
            self.next[model] = last + 1

    def take(self, model) -> int:
        value = self.next[model]
        self.next[model] = value + 1
        return value


class _Writer:
    def __init__(self, tables: dict[type[models.Model], Table]):
        self.tables = tables

    def write(self, batch: dict[type[models.Model], list[tuple]]):
        raise NotImplementedError

    def finish(self):
        pass


class _CopyWriter(_Writer):
    """PostgreSQL: ``COPY table (columns) FROM STDIN`` per table and chunk, in one transaction per chunk."""

    method = "copy"

    def write(self, batch):
        with transaction.atomic():
            connection.ensure_connection()
            with connection.connection.cursor() as cursor:
                for model, rows in batch.items():
                    if not rows:
                        continue
                    table = self.tables[model]
                    columns = ", ".join(connection.ops.quote_name(c) for c in table.columns)
                    with cursor.copy(f"COPY {connection.ops.quote_name(table.name)} ({columns}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(table.full(row, for_copy=True))

    def finish(self):
        with connection.cursor() as cursor:
            for table in self.tables.values():
                cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                               f"(SELECT COALESCE(MAX(id), 1) FROM {connection.ops.quote_name(table.name)}))",
                               [table.name])
            for table in self.tables.values():
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table.name)}")


class _BulkWriter(_Writer):
    """Other databases (SQLite): model instances through ``bulk_create``, historic timestamps kept."""

    method = "bulk_create"

    def write(self, batch):
        with transaction.atomic(), historic_timestamps(*batch):
            for model, rows in batch.items():
                table = self.tables[model]
                objects = [model(**dict(zip(table.names, table.full(row), strict=True))) for row in rows]
                model.objects.bulk_create(objects, batch_size=BULK_BATCH)


def _ensure_reference_data() -> tuple[dict, dict]:
    markets = {}
    for code, (name, countries, currency, languages, profile, tz, _share) in cat.MARKETS.items():
        markets[code], _ = Market.objects.get_or_create(code=code, defaults={
            "name": name, "countries": countries, "currency": currency, "languages": languages,
            "legal_profile": profile, "time_zone": tz})
    products = {}
    for item in cat.CATALOGUE:
        products[item.sku], _ = Product.objects.get_or_create(sku=item.sku, defaults={
            "name": item.name, "category": item.category, "final_sale": item.final_sale,
            "unit_cost_minor": item.cost_usd_minor, "weight_grams": item.weight_grams})
    return markets, products


def generate(n_orders: int, *, end: datetime | None = None, months: int = 12, seed: int = 7,
             chunk: int = CHUNK_ORDERS, progress=None) -> LoadResult:
    """Append ``n_orders`` orders placed over ``months`` months before ``end`` (default: now)."""
    started = time.monotonic()
    rng = random.Random(seed)  # noqa: S311 (benchmark data)
    end = (end or datetime.now(UTC)).replace(microsecond=0)
    start = end - timedelta(days=30.4 * months)
    span = (end - start).total_seconds()
    markets, products = _ensure_reference_data()
    market_codes = list(cat.MARKETS)
    market_weights = [cat.MARKETS[c][6] for c in market_codes]
    items = [i for i in cat.CATALOGUE if i.popularity] + [next(i for i in cat.CATALOGUE if i.sku == cat.LAMP_SKU)]
    item_weights = [i.popularity or 3 for i in items]
    prices = {(i.sku, c): _price(i.price_usd_minor, c) for i in items for c in cat.PRICE_FACTOR}
    base_rate = {c: Decimal(f"{cat.USD_PER_UNIT[c]:.6f}") for c in cat.USD_PER_UNIT}

    tables = {
        Customer: Table(Customer, ["id", "email", "name", "language", "country", "created_at"]),
        CustomerIdentity: Table(CustomerIdentity, ["id", "customer_id", "kind", "value"]),
        Order: Table(Order, ["id", "number", "source", "external_id", "market_id", "customer_id", "email", "currency",
                             "subtotal_minor", "shipping_minor", "tax_minor", "discount_minor", "total_minor",
                             "placed_at", "status", "fulfillment_mode", "ship_city", "ship_postcode",
                             "ship_country", "cancelled_at", "created_at", "updated_at"]),
        OrderLine: Table(OrderLine, ["id", "order_id", "product_id", "external_id", "sku", "title", "variant",
                                     "quantity", "unit_price_minor", "discount_minor", "total_minor"]),
        Payment: Table(Payment, ["id", "order_id", "provider", "provider_payment_id", "provider_order_id",
                                 "currency", "amount_minor", "captured_minor", "status", "captured_at",
                                 "rate_to_base", "created_at"]),
        Shipment: Table(Shipment, ["id", "order_id", "carrier", "service", "tracking_number", "status",
                                   "shipped_at", "delivered_at", "pod_photo_url", "created_at"]),
        Refund: Table(Refund, ["id", "payment_id", "order_id", "amount_minor", "currency", "cause", "reason",
                               "source", "status", "idempotency_key", "provider", "provider_refund_id", "attempts",
                               "rate_to_base", "created_at", "requested_at", "succeeded_at"]),
    }
    writer = _CopyWriter(tables) if connection.vendor == "postgresql" else _BulkWriter(tables)
    ids = _Ids(tables)
    counts = {model._meta.db_table: 0 for model in tables}
    customers_by_market: dict[str, list[tuple[int, str]]] = {code: [] for code in market_codes}
    pending: list[tuple[datetime, int, tuple]] = []  # refunds waiting for their time: (at, tie-break, data)
    first_order_id = ids.next[Order]
    batch = {model: [] for model in tables}

    def flush():
        writer.write(batch)
        for model, rows in batch.items():
            counts[model._meta.db_table] += len(rows)
            rows.clear()

    def emit_refunds_until(moment: datetime):
        while pending and pending[0][0] <= moment:
            at, _tie, (payment_id, order_id, amount, currency, cause, provider) = heapq.heappop(pending)
            refund_id = ids.take(Refund)
            reference = f"re_b{refund_id:020d}" if provider == PaymentProvider.STRIPE else f"R{refund_id:016d}"
            batch[Refund].append((
                refund_id, payment_id, order_id, amount, currency, cause, "", RefundSource.DESK,
                RefundStatus.SUCCEEDED, f"bench-{refund_id}", provider, reference, 1, base_rate[currency],
                at - timedelta(minutes=5), at - timedelta(minutes=4), at))

    for index in range(n_orders):
        placed_at = start + timedelta(seconds=span * (index + rng.random()) / n_orders)
        emit_refunds_until(placed_at)
        code = rng.choices(market_codes, market_weights)[0]
        market = markets[code]
        currency = market.currency
        known = customers_by_market[code]
        if known and rng.random() < REPEAT_SHARE:
            customer_id, email = known[rng.randrange(len(known))]
        else:
            customer_id = ids.take(Customer)
            email = f"c{customer_id}@{EMAIL_DOMAIN}"
            known.append((customer_id, email))
            batch[Customer].append((customer_id, email, f"Customer {customer_id}", market.languages[0],
                                    market.countries[0], placed_at - timedelta(minutes=3)))
            batch[CustomerIdentity].append((ids.take(CustomerIdentity), customer_id, IdentityKind.EMAIL, email))
        order_id = ids.take(Order)
        subtotal = 0
        for line_no in range(rng.choices((1, 2, 3, 4), (0.6, 0.28, 0.09, 0.03))[0]):
            item = rng.choices(items, item_weights)[0]
            quantity = 1 if rng.random() < 0.87 else 2
            unit = prices[(item.sku, currency)]
            subtotal += unit * quantity
            batch[OrderLine].append((ids.take(OrderLine), order_id, products[item.sku].pk, f"{order_id}-{line_no}",
                                     item.sku, item.name, "M" if item.sizes else "", quantity, unit, 0,
                                     unit * quantity))
        flat, free_from = cat.SHIPPING[currency]
        shipping = 0 if subtotal >= free_from else flat
        total = subtotal + shipping
        vat = cat.VAT_RATE[code]
        cancelled = rng.random() < 0.006
        mode = rng.choices([FulfillmentMode.OWN_SHIPPING, FulfillmentMode.OVERSEAS_WAREHOUSE], [0.7, 0.3])[0]
        shipped_at = placed_at + timedelta(hours=rng.uniform(6, 60))
        shipped = not cancelled and shipped_at < end
        status = OrderStatus.CANCELLED if cancelled else OrderStatus.FULFILLED if shipped else OrderStatus.OPEN
        city, postcode, _lat, _lon = cat.CITIES[code][index % len(cat.CITIES[code])]
        batch[Order].append((
            order_id, f"#P{order_id}", OrderSource.CSV, str(order_id), market.pk, customer_id, email, currency,
            subtotal, shipping, round(total * vat / (1 + vat)), 0, total, placed_at, status, mode, city, postcode,
            market.countries[0], placed_at + timedelta(hours=2) if cancelled else None, placed_at, placed_at))
        payment_id = ids.take(Payment)
        stripe = rng.random() < 0.68
        provider = PaymentProvider.STRIPE if stripe else PaymentProvider.PAYPAL
        batch[Payment].append((
            payment_id, order_id, provider, f"ch_b{payment_id:020d}" if stripe else f"P{payment_id:016d}",
            f"pi_b{payment_id:020d}" if stripe else f"O{payment_id:016d}", currency, total, total,
            PaymentStatus.CAPTURED, placed_at + timedelta(seconds=30), base_rate[currency], placed_at))
        delivered_at = None
        if shipped:
            delivered_at = shipped_at + timedelta(days=rng.uniform(3, 16) if mode == FulfillmentMode.OWN_SHIPPING
                                                  else rng.uniform(2, 5))
            delivered = delivered_at < end
            shipment_id = ids.take(Shipment)
            batch[Shipment].append((
                shipment_id, order_id, "YunExpress" if mode == FulfillmentMode.OWN_SHIPPING else "DHL", "",
                f"YT{shipment_id:016d}", ShipmentStatus.DELIVERED if delivered else ShipmentStatus.IN_TRANSIT,
                shipped_at, delivered_at if delivered else None,
                f"https://pod.example.com/{shipment_id}.jpg" if delivered else "", shipped_at))
            if not delivered:
                delivered_at = None
        if cancelled:
            heapq.heappush(pending, (placed_at + timedelta(hours=2, minutes=5), payment_id,
                                     (payment_id, order_id, total, currency, RefundCause.CANCELLATION, provider)))
        elif delivered_at and rng.random() < REFUND_SHARE:
            roll = rng.random()
            cause = (RefundCause.RETURN if roll < 0.55 else RefundCause.GOODWILL if roll < 0.8
                     else RefundCause.NOT_RECEIVED)
            share = 1.0 if cause == RefundCause.RETURN and rng.random() < 0.4 else rng.uniform(0.1, 0.6)
            amount = max(100, min(total, int(total * share)))
            heapq.heappush(pending, (delivered_at + timedelta(days=rng.uniform(1, 25)), payment_id,
                                     (payment_id, order_id, amount, currency, cause, provider)))
        if (index + 1) % chunk == 0:
            flush()
            if progress:
                progress(index + 1, time.monotonic() - started)
    emit_refunds_until(end)  # what is still in the future at ``end`` never happened
    flush()
    writer.finish()
    return LoadResult(orders=n_orders, rows=counts, seconds=time.monotonic() - started, method=writer.method,
                      end=end, first_order_id=first_order_id, last_order_id=ids.next[Order] - 1)


def _price(usd_minor: int, currency: str) -> int:
    return max(1, round(usd_minor * cat.PRICE_FACTOR[currency] / 100)) * 100 - 1


def main(argv: list[str]) -> int:  # pragma: no cover (a development helper)
    import django

    django.setup()
    n_orders = int(argv[1]) if len(argv) > 1 else 100_000
    result = generate(n_orders, progress=lambda done, seconds: print(f"{done:>9,} orders  {seconds:7.1f} s"))
    print(f"{result.orders:,} orders, {result.total_rows:,} rows in {result.seconds:.1f} s "
          f"({result.total_rows / result.seconds:,.0f} rows/s, {result.method})")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv))
