"""The demo store's builder: markets, products, daily exchange rates, customers, orders with lines and
payments, shipments with tracking and proof of delivery, coupons and a few webhook events, written with
``bulk_create`` in batches. The refunds come from ``ledger.RefundPlanner``; ``seed.py`` says what the whole
looks like and how it is kept deterministic.

Amounts: EU, UK and AU prices include VAT/GST (``tax_minor`` is the included part); US prices are
without sales tax. ``total = subtotal - discount + shipping``; a line's total is after its share of the
order's discount, so refunding a line never exceeds what was captured.
"""

from __future__ import annotations

import json
import random
import zoneinfo
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.conf import settings

from aftersales.choices import (
    CouponKind,
    FulfillmentMode,
    IdentityKind,
    OrderSource,
    OrderStatus,
    PaymentProvider,
    PaymentStatus,
    RefundCause,
    RefundSource,
    ShipmentStatus,
    WebhookProvider,
    WebhookStatus,
)
from aftersales.models import (
    Coupon,
    Customer,
    CustomerIdentity,
    ExchangeRate,
    InboundWebhookEvent,
    Market,
    Order,
    OrderLine,
    Payment,
    Product,
    Refund,
    RefundEvent,
    Shipment,
    ShipmentItem,
    TrackingEvent,
)
from aftersales.money import from_minor

from . import catalogue as cat
from .common import (
    BATCH,
    DEMO_HEADER,
    MONTHS,
    UPPER_DIGITS,
    DemoDataError,
    Plan,
    SeedResult,
    ascii_name,
    fill_pattern,
    historic_timestamps,
    local_price,
    month_starts,
    token,
)
from .ledger import RefundPlanner

LAMP_ORDER_SHARE = 0.025      # orders that are one LAMP-01
CANCEL_SHARE = 0.006          # cancelled before shipping, refunded in full
LOST_SHARE = 0.005            # lost in transit, refunded in full as not received
REPEAT_CUSTOMER_SHARE = 0.22
# Calendar-month weight of order volume: a quiet February, Black Friday and Christmas.
SEASON = {1: 0.85, 2: 0.75, 3: 0.85, 4: 0.85, 5: 0.9, 6: 0.9, 7: 0.95, 8: 0.95, 9: 0.95, 10: 1.0, 11: 1.45,
          12: 1.35}


class Builder(RefundPlanner):
    """One build: collects every row in memory (``rows``), plans the refunds, then writes them in batches."""

    def __init__(self, rng: random.Random, anchor: datetime, n_orders: int):
        self.rng = rng
        self.anchor = anchor
        self.n_orders = n_orders
        self.bounds = month_starts(anchor)
        self.base = settings.STORE_BASE_CURRENCY
        if self.base not in cat.USD_PER_UNIT:
            raise DemoDataError(f"the demo store has exchange rates for {', '.join(cat.USD_PER_UNIT)} only, "
                                f"not for STORE_BASE_CURRENCY={self.base}")
        self.tz = zoneinfo.ZoneInfo(settings.STORE_TIME_ZONE)
        self.rows: dict[str, list] = defaultdict(list)
        self.plans: list[Plan] = []
        self.customers_by_market: dict[str, list[Customer]] = defaultdict(list)
        self.used_identities: set[tuple[str, str]] = set()
        self.used_codes: set[str] = set()
        self.n_customers = 0

    # ---- orchestration
    def build(self) -> SeedResult:
        self.markets = self._markets()
        self.products = self._products()
        self.rates = self._rates()
        for placed_at, market_code in self._order_times():
            self._order(placed_at, market_code)
        self.plan_lamp_returns()
        self.plan_fill_refunds()
        self._coupons()
        self._webhook_events()
        counts = self._write()
        sales = sum(self._base(p.payment.captured_minor, p.payment.rate_to_base) for p in self.plans)
        refunds = sum(self._base(r.amount_minor, r.rate_to_base) for r in self.rows["refunds"])
        lamp = [p for p in self.plans if p.lamp]
        lamp_sales = sum(self._base(p.payment.captured_minor, p.payment.rate_to_base) for p in lamp)
        lamp_refunds = sum(self._base(p.refunded, p.payment.rate_to_base) for p in lamp)
        return SeedResult(created=True, orders=len(self.plans), counts=counts, start=self.bounds[0],
                          end=self.anchor, month_start=self.bounds[MONTHS],
                          this_month=sum(1 for p in self.plans if p.placed_at >= self.bounds[MONTHS]),
                          refund_rate=refunds / sales if sales else 0.0,
                          lamp_refund_share=lamp_refunds / lamp_sales if lamp_sales else 0.0)

    def _write(self) -> dict[str, int]:
        order = [("customers", Customer), ("identities", CustomerIdentity), ("orders", Order),
                 ("lines", OrderLine), ("payments", Payment), ("shipments", Shipment),
                 ("shipment_items", ShipmentItem), ("tracking_events", TrackingEvent), ("refunds", Refund),
                 ("refund_events", RefundEvent), ("coupons", Coupon), ("webhook_events", InboundWebhookEvent)]
        counts = {}
        with historic_timestamps(*(model for _, model in order)):
            for key, model in order:
                model.objects.bulk_create(self.rows[key], batch_size=BATCH)
                counts[key] = len(self.rows[key])
        ExchangeRate.objects.bulk_create(self.rows["rates"], batch_size=BATCH, ignore_conflicts=True)
        counts["exchange_rates"] = len(self.rows["rates"])
        return counts

    # ---- reference data
    def _markets(self) -> dict[str, Market]:
        found = {}
        for code, (name, countries, currency, languages, profile, tz, _share) in cat.MARKETS.items():
            found[code], _ = Market.objects.get_or_create(code=code, defaults={
                "name": name, "countries": countries, "currency": currency, "languages": languages,
                "legal_profile": profile, "time_zone": tz})
        return found

    def _products(self) -> dict[str, Product]:
        existing = {p.sku: p for p in Product.objects.filter(sku__in=[item.sku for item in cat.CATALOGUE])}
        missing = [Product(sku=item.sku, name=item.name, category=item.category, final_sale=item.final_sale,
                           unit_cost_minor=item.cost_usd_minor, cost_currency="USD", weight_grams=item.weight_grams)
                   for item in cat.CATALOGUE if item.sku not in existing]
        Product.objects.bulk_create(missing)
        existing.update({p.sku: p for p in missing})
        return existing

    def _rates(self) -> dict[tuple[str, date], Decimal]:
        """A gentle daily random walk per currency around its USD value, stored against the base currency."""
        first = (self.bounds[0] - timedelta(days=3)).date()
        days = [first + timedelta(days=n) for n in range((self.anchor.date() - first).days + 1)]
        usd = {}
        for currency, centre in cat.USD_PER_UNIT.items():
            level = 1.0
            for day in days:
                level = min(1.06, max(0.94, level * (1 + self.rng.gauss(0, 0.003))))
                usd[(currency, day)] = centre * level if currency != "USD" else 1.0
        rates = {}
        for currency in cat.USD_PER_UNIT:
            if currency == self.base:
                continue
            for day in days:
                value = Decimal(f"{usd[(currency, day)] / usd[(self.base, day)]:.6f}")
                rates[(currency, day)] = value
                self.rows["rates"].append(ExchangeRate(currency=currency, base_currency=self.base, rate=value,
                                                       valid_on=day))
        return rates

    def rate(self, currency: str, when: datetime) -> Decimal:
        if currency == self.base:
            return Decimal(1)
        return self.rates.get((currency, when.astimezone(UTC).date()), Decimal(1))

    @staticmethod
    def _base(amount_minor: int, rate: Decimal) -> float:
        return amount_minor * float(rate)

    def month_of(self, when: datetime) -> int:
        local, first = when.astimezone(self.tz), self.bounds[0].astimezone(self.tz)
        return (local.year - first.year) * 12 + local.month - first.month

    # ---- orders
    def _order_times(self) -> list[tuple[datetime, str]]:
        """About ``n_orders`` over the twelve whole months by season (the store grows over the year), then the month
        in progress up to the anchor at the pace the year would go on at."""
        weights = [self._weight(k) for k in range(MONTHS + 1)]
        total = sum(weights[:MONTHS])
        exact = [self.n_orders * w / total for w in weights[:MONTHS]]
        counts = [int(x) for x in exact]
        for k in sorted(range(MONTHS), key=lambda k: exact[k] - counts[k], reverse=True)[:self.n_orders - sum(counts)]:
            counts[k] += 1
        start, after = self.bounds[MONTHS], self.bounds[MONTHS + 1]
        elapsed = (self.anchor - start) / (after - start)
        counts.append(round(self.n_orders * weights[MONTHS] / total * elapsed))
        codes = list(cat.MARKETS)
        shares = [cat.MARKETS[code][6] for code in codes]
        times = []
        for k, count in enumerate(counts):
            span = (min(self.bounds[k + 1], self.anchor) - self.bounds[k]).total_seconds()
            moments = sorted(self.rng.uniform(0, span - 120) for _ in range(count))  # paid before the month ends
            times += [(self.bounds[k] + timedelta(seconds=int(s)), self.rng.choices(codes, shares)[0])
                      for s in moments]
        return times

    def _weight(self, k: int) -> float:
        """Month ``k``'s share of the orders: its season, and the store's growth of 30 % over the year."""
        return SEASON[self.bounds[k].astimezone(self.tz).month] * (1 + 0.3 * k / (MONTHS - 1))

    def _customer(self, market_code: str, when: datetime) -> Customer:
        known = self.customers_by_market[market_code]
        if known and self.rng.random() < REPEAT_CUSTOMER_SHARE:
            return self.rng.choice(known)
        rng = self.rng
        market = cat.MARKETS[market_code]
        language = market[3][0] if not (market_code == "US" and rng.random() < 0.1) else "es"
        first_names, last_names = cat.NAMES[language]
        first, last = rng.choice(first_names), rng.choice(last_names)
        self.n_customers += 1
        n = self.n_customers
        email = f"{ascii_name(first)}.{ascii_name(last)}{n}@{rng.choice(cat.EMAIL_DOMAINS)}".lower()
        prefix, digits = cat.PHONE_PREFIXES[market_code]
        phone = f"+{prefix}{n % 10 ** digits:0{digits}d}"
        customer = Customer(name=f"{first} {last}", email=email, phone=phone, language=language,
                            country=market[1][0], created_at=when - timedelta(minutes=rng.randint(2, 30)))
        self._identity(customer, IdentityKind.EMAIL, email)
        if rng.random() < 0.25:
            self._identity(customer, IdentityKind.WHATSAPP, phone)
        if rng.random() < 0.12:
            self._identity(customer, IdentityKind.MESSENGER, f"{rng.randint(2, 9)}{n:06d}{rng.randint(0, 10**9):09d}")
        self.rows["customers"].append(customer)
        known.append(customer)
        return customer

    def _identity(self, customer: Customer, kind: str, value: str):
        if (kind, value) not in self.used_identities:
            self.used_identities.add((kind, value))
            self.rows["identities"].append(CustomerIdentity(customer=customer, kind=kind, value=value))

    def _order(self, placed_at: datetime, market_code: str):
        rng = self.rng
        market = self.markets[market_code]
        currency = market.currency
        customer = self._customer(market_code, placed_at)
        index = len(self.plans)
        city, postcode, _lat, _lon = rng.choice(cat.CITIES[market_code])
        order = Order(
            number=f"#{100001 + index}", source=OrderSource.DEMO, external_id=str(5_600_000_000_000 + index * 7),
            market=market, customer=customer, email=customer.email, currency=currency, placed_at=placed_at,
            created_at=placed_at + timedelta(seconds=rng.randint(1, 20)), status=OrderStatus.OPEN,
            ship_name=customer.name, ship_address=self._street(customer.language), ship_city=city,
            ship_postcode=postcode, ship_country=market.countries[0])
        lamp = rng.random() < LAMP_ORDER_SHARE
        lines = self._lines(order, currency, lamp)
        subtotal = sum(line.unit_price_minor * line.quantity for line in lines)
        discount = sum(line.discount_minor for line in lines)
        flat, free_from = cat.SHIPPING[currency]
        shipping = 0 if subtotal - discount >= free_from else flat
        total = subtotal - discount + shipping
        vat = cat.VAT_RATE[market_code]
        order.subtotal_minor, order.discount_minor, order.shipping_minor = subtotal, discount, shipping
        order.tax_minor = round(total * vat / (1 + vat))
        order.total_minor = total
        order.fulfillment_mode = FulfillmentMode.OWN_SHIPPING if lamp else rng.choices(
            [FulfillmentMode.OWN_SHIPPING, FulfillmentMode.OVERSEAS_WAREHOUSE, FulfillmentMode.THIRD_PARTY],
            [0.6, 0.3, 0.1])[0]
        payment = self._payment(order, placed_at)
        plan = Plan(order=order, payment=payment, market=market_code, lines=lines, lamp=lamp, placed_at=placed_at)
        self.plans.append(plan)
        self.rows["orders"].append(order)
        self.rows["lines"] += lines
        self.rows["payments"].append(payment)
        order.updated_at = order.created_at
        if not lamp and rng.random() < CANCEL_SHARE:
            cancelled_at = placed_at + timedelta(minutes=rng.randint(40, 1800))
            if cancelled_at < self.anchor:
                order.status, order.cancelled_at, order.updated_at = OrderStatus.CANCELLED, cancelled_at, cancelled_at
                self.refund(plan, payment.captured_minor, RefundCause.CANCELLATION,
                             cancelled_at + timedelta(minutes=rng.randint(1, 30)),
                             rng.choice([RefundSource.PORTAL, RefundSource.DESK]))
                plan.closed = True
                return
        self._ship(plan)

    def _street(self, language: str) -> str:
        street, number = self.rng.choice(cat.STREETS[language]), self.rng.randint(1, 180)
        return f"{street} {number}" if language in ("de", "es") else f"{number} {street}"

    def _lines(self, order: Order, currency: str, lamp: bool) -> list[OrderLine]:
        rng = self.rng
        if lamp:
            picks = [(next(i for i in cat.CATALOGUE if i.sku == cat.LAMP_SKU), 2 if rng.random() < 0.05 else 1)]
        else:
            wanted = rng.choices([1, 2, 3, 4], [0.6, 0.28, 0.09, 0.03])[0]
            items = [i for i in cat.CATALOGUE if i.popularity]
            weights = [i.popularity for i in items]
            chosen: list = []
            while len(chosen) < wanted:
                item = rng.choices(items, weights)[0]
                if item not in chosen:
                    chosen.append(item)
            picks = [(item, rng.choices([1, 2, 3], [0.85, 0.12, 0.03])[0]) for item in chosen]
        percent = 0
        if rng.random() < 0.18:
            local = order.placed_at.astimezone(self.tz)
            percent = 15 if local.month == 11 and local.day >= 20 else 10
        lines = []
        for item, quantity in picks:
            unit = local_price(item.price_usd_minor, currency)
            variant, sku = "", item.sku
            if item.sizes:
                variant = rng.choices(*item.sizes)[0]
                sku = f"{item.sku}-{variant}"
            gross = unit * quantity
            discount = gross * percent // 100
            lines.append(OrderLine(order=order, product=self.products[item.sku], sku=sku, title=item.name,
                                   variant=variant, quantity=quantity, unit_price_minor=unit,
                                   discount_minor=discount, total_minor=gross - discount,
                                   external_id=str(13_000_000_000_000 + len(self.rows["lines"]) + len(lines))))
        return lines

    def _payment(self, order: Order, placed_at: datetime) -> Payment:
        rng = self.rng
        captured_at = placed_at + timedelta(seconds=rng.randint(3, 90))
        if rng.random() < 0.68:
            provider = PaymentProvider.STRIPE
            payment_id, provider_order_id = "ch_3" + token(rng, 23), "pi_3" + token(rng, 23)
        else:
            provider = PaymentProvider.PAYPAL
            payment_id, provider_order_id = token(rng, 17, UPPER_DIGITS), token(rng, 17, UPPER_DIGITS)
        return Payment(order=order, provider=provider, provider_payment_id=payment_id,
                       provider_order_id=provider_order_id, currency=order.currency, amount_minor=order.total_minor,
                       captured_minor=order.total_minor, status=PaymentStatus.CAPTURED, captured_at=captured_at,
                       rate_to_base=self.rate(order.currency, captured_at), created_at=captured_at)

    # ---- shipping
    def _ship(self, plan: Plan):
        rng = self.rng
        order = plan.order
        mode = order.fulfillment_mode
        hours = {FulfillmentMode.OWN_SHIPPING: (20, 72), FulfillmentMode.OVERSEAS_WAREHOUSE: (4, 30),
                 FulfillmentMode.THIRD_PARTY: (12, 48)}[mode]
        shipped_at = plan.placed_at + timedelta(minutes=rng.randint(hours[0] * 60, hours[1] * 60))
        if shipped_at >= self.anchor:
            return  # still being packed at the anchor: an open order
        if mode == FulfillmentMode.OWN_SHIPPING:
            carrier, service, pattern, _w = rng.choices(cat.CHINA_CARRIERS, [c[3] for c in cat.CHINA_CARRIERS])[0]
            days = rng.uniform(7, 16) if rng.random() < 0.95 else rng.uniform(17, 28)
            origin = "Shenzhen, CN"
        else:
            local = cat.LOCAL_CARRIERS[plan.market]
            carrier, service, pattern, _w = rng.choices(local, [c[3] for c in local])[0]
            days = rng.uniform(2, 5) if mode == FulfillmentMode.OVERSEAS_WAREHOUSE else rng.uniform(3, 7)
            origin = cat.WAREHOUSES[plan.market]
        tracking = fill_pattern(rng, pattern)
        city, _postcode, lat, lon = next(c for c in cat.CITIES[plan.market] if c[0] == order.ship_city)
        destination = f"{city}, {order.ship_country}"
        shipment = Shipment(order=order, external_id=str(4_800_000_000_000 + len(self.rows["shipments"])),
                            carrier=carrier, service=service, tracking_number=tracking,
                            tracking_url=f"https://t.17track.net/en#nums={tracking}", shipped_at=shipped_at,
                            created_at=shipped_at - timedelta(hours=rng.randint(1, 8)))
        order.status, order.updated_at = OrderStatus.FULFILLED, shipped_at
        self.rows["shipments"].append(shipment)
        self.rows["shipment_items"] += [ShipmentItem(shipment=shipment, line=line, quantity=line.quantity)
                                        for line in plan.lines]
        delivered_at = shipped_at + timedelta(days=days)
        lost = not plan.lamp and rng.random() < LOST_SHARE
        steps = [(shipment.created_at, ShipmentStatus.PENDING, "Shipping label created", origin),
                 (shipped_at, ShipmentStatus.IN_TRANSIT, "Picked up by the carrier", origin)]
        if mode == FulfillmentMode.OWN_SHIPPING:
            span = delivered_at - shipped_at
            steps += [(shipped_at + span * 0.15, ShipmentStatus.IN_TRANSIT, "Departed the origin country",
                       "Shenzhen, CN"),
                      (shipped_at + span * 0.6, ShipmentStatus.IN_TRANSIT, "Arrived in the destination country",
                       destination),
                      (shipped_at + span * 0.7, ShipmentStatus.IN_TRANSIT, "Customs clearance completed",
                       destination)]
        if lost:
            problem_at = shipped_at + (delivered_at - shipped_at) * 0.8
            steps = [s for s in steps if s[0] < problem_at]
            if rng.random() < 0.5:
                steps.append((problem_at, ShipmentStatus.EXCEPTION, "Parcel missing at the sorting centre",
                              destination))
            else:
                steps.append((problem_at, ShipmentStatus.RETURNED, "Address unknown: returned to sender", origin))
        else:
            steps += [(delivered_at - timedelta(hours=rng.uniform(2, 8)), ShipmentStatus.OUT_FOR_DELIVERY,
                       "Out for delivery", destination),
                      (delivered_at, ShipmentStatus.DELIVERED, "Delivered", destination)]
        shown = [s for s in steps if s[0] < self.anchor]
        shipment.status = shown[-1][1]
        for n, (at, status, description, location) in enumerate(shown):
            self.rows["tracking_events"].append(TrackingEvent(
                shipment=shipment, external_id=f"{tracking}-{n + 1}", occurred_at=at, status=status,
                description=description, location=location))
        if lost:
            plan.closed = True
            refund_at = shipped_at + timedelta(days=rng.uniform(25, 40))
            if refund_at < self.anchor:
                self.refund(plan, plan.payment.captured_minor, RefundCause.NOT_RECEIVED, refund_at,
                             RefundSource.DESK, reason=cat.REFUND_REASONS["not_received"][rng.randint(0, 1)])
            return
        if shipment.status == ShipmentStatus.DELIVERED:
            shipment.delivered_at = plan.delivered_at = delivered_at
            if rng.random() < 0.35:
                shipment.pod_signer = order.ship_name if rng.random() < 0.5 else rng.choice(cat.POD_PLACES)
            if rng.random() < 0.75:
                shipment.pod_photo_url = f"https://pod.example.com/{carrier.lower().replace(' ', '-')}/{tracking}.jpg"
            if rng.random() < 0.8:
                shipment.pod_latitude = Decimal(f"{lat + rng.uniform(-0.04, 0.04):.6f}")
                shipment.pod_longitude = Decimal(f"{lon + rng.uniform(-0.04, 0.04):.6f}")
            plan.has_pod = shipment.has_proof_of_delivery

    # ---- coupons and webhooks
    def _coupons(self):
        rng = self.rng
        for plan in self.plans:
            if not plan.delivered_at or plan.refunded or rng.random() > 0.015:
                continue
            created_at = plan.delivered_at + timedelta(days=rng.uniform(1, 10))
            if created_at >= self.anchor:
                continue
            code = "SORRY-" + token(rng, 6, UPPER_DIGITS)
            if code in self.used_codes:
                continue
            self.used_codes.add(code)
            percent = rng.random() < 0.4
            redeemed_at = created_at + timedelta(days=rng.uniform(3, 60))
            self.rows["coupons"].append(Coupon(
                code=code, kind=CouponKind.PERCENT if percent else CouponKind.STORE_CREDIT,
                customer=plan.order.customer, order=plan.order, currency="" if percent else plan.order.currency,
                amount_minor=0 if percent else rng.choice([500, 1000]), percent=15 if percent else 0,
                reason=rng.choice(cat.REFUND_REASONS["goodwill"]), created_at=created_at,
                expires_at=created_at + timedelta(days=90),
                redeemed_at=redeemed_at if redeemed_at < self.anchor and rng.random() < 0.4 else None))

    def _webhook_events(self):
        """A few provider notifications of the last refunds, and two tracking updates that failed."""
        rng = self.rng
        for refund in self.rows["refunds"][-10:]:
            received = refund.succeeded_at + timedelta(seconds=rng.randint(1, 20))
            if refund.provider == PaymentProvider.STRIPE:
                event_id, event_type = "evt_3" + token(rng, 23), "charge.refunded"
                body = {"id": event_id, "type": event_type, "data": {"object": {
                    "id": refund.payment.provider_payment_id, "amount_refunded": refund.amount_minor,
                    "currency": refund.currency.lower()}}}
            else:
                event_id, event_type = "WH-" + token(rng, 24, UPPER_DIGITS), "PAYMENT.CAPTURE.REFUNDED"
                body = {"id": event_id, "event_type": event_type, "resource": {
                    "id": refund.provider_refund_id, "amount": {
                        "currency_code": refund.currency, "value": str(from_minor(refund.amount_minor,
                                                                                  refund.currency))}}}
            self.rows["webhook_events"].append(InboundWebhookEvent(
                provider=refund.provider, event_id=event_id, event_type=event_type,
                headers={DEMO_HEADER: "seed_demo", "Content-Type": "application/json"}, body=json.dumps(body),
                status=WebhookStatus.PROCESSED, attempts=1, received_at=received,
                processed_at=received + timedelta(seconds=2)))
        for n in range(2):
            received = self.anchor - timedelta(hours=rng.randint(2, 40))
            tracking = fill_pattern(rng, "YTDDDDDDDDDDDDDDDD")
            self.rows["webhook_events"].append(InboundWebhookEvent(
                provider=WebhookProvider.TRACKING, event_id=f"trk-{tracking}-{n}", event_type="tracking.updated",
                headers={DEMO_HEADER: "seed_demo", "Content-Type": "application/json"},
                body=json.dumps({"tracking_number": tracking, "status": "in_transit"}), status=WebhookStatus.FAILED,
                attempts=6, error=f"ValueError: no shipment has the tracking number {tracking}",
                received_at=received))
