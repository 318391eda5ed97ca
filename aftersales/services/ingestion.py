"""Store ingestion: orders with their customer, lines and payments; shipments with their items; tracking events.

The REST API, the Shopify adapter, the tracking webhook and the CSV import all write through these services
(STYLE #1). Each takes a frozen dataclass whose amounts are already integer minor units: parsing ``"12.34"``
is the edge's job (``aftersales.money.to_minor``), so that every path refuses the same things.

Idempotent by the store's own ids:

* an order by (``source``, ``external_id``): a second upsert updates it. An order sent with the time the store
  last changed it (``updated_at``; Shopify's webhooks carry it) is not overwritten by an older version that
  arrives later: that raises ``StaleVersion`` and writes nothing (webhooks are not delivered in order);
* its lines by their ``external_id`` (by SKU + variant where the store gives none). A line missing from a
  later version is removed, unless a shipment or another record refers to it: that is refused, not hidden;
* payments by (``provider``, ``provider_payment_id``): updated, never deleted (financial records). The
  captured amount may not drop below what the refund ledger already holds against it;
* shipments by (order, ``external_id``), their items by order line;
* tracking events by (shipment, ``external_id``): a repeated event changes nothing.

Customers are found through their email identity (``CustomerIdentity`` of kind email) or created with one,
by ``aftersales.services.customers.customer_resolve`` (a merged customer resolves to the one it was merged
into). Blank profile fields are filled in; filled ones are never overwritten (the desk may have corrected them).

Errors are ``ValidationError`` dicts keyed by the REST API's field names. A reference to something that has
not arrived yet (an unknown order or tracking number) raises ``MissingReference``: a webhook handler lets it
fail so the stored event is processed again later, and creating the shipment it waited for queues the
failed tracking deliveries that name its tracking number again. An order costs a constant number of
queries whatever its number of lines and payments (the bulk endpoint's query-count test relies on it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.choices import (
    FulfillmentMode,
    IdentityKind,
    OrderStatus,
    PaymentStatus,
    ShipmentStatus,
    WebhookProvider,
    WebhookStatus,
)
from aftersales.models import (
    Customer,
    InboundWebhookEvent,
    Market,
    Order,
    OrderLine,
    Payment,
    Product,
    Shipment,
    ShipmentItem,
    TrackingEvent,
)
from aftersales.money import CurrencyError, normalise_currency

from .customers import customer_resolve, normalise_identity
from .rates import rate_to_base
from .refunds import refunded_minor

# -- the data every path hands in ------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerData:
    email: str = ""
    name: str = ""
    phone: str = ""
    language: str = ""
    country: str = ""


@dataclass(frozen=True)
class OrderLineData:
    sku: str
    title: str
    quantity: int
    unit_price_minor: int
    external_id: str = ""
    variant: str = ""
    discount_minor: int = 0
    total_minor: int | None = None  # None: unit price × quantity − discount

    @property
    def key(self) -> tuple:
        return _line_key(self.external_id, self.sku, self.variant)


@dataclass(frozen=True)
class PaymentData:
    provider: str
    provider_payment_id: str
    amount_minor: int
    captured_minor: int
    status: str = PaymentStatus.CAPTURED
    currency: str = ""  # empty: the order's currency
    provider_order_id: str = ""
    captured_at: datetime | None = None


@dataclass(frozen=True)
class OrderData:
    source: str
    external_id: str
    number: str
    market_code: str
    currency: str
    placed_at: datetime
    customer: CustomerData
    lines: tuple[OrderLineData, ...]
    payments: tuple[PaymentData, ...] = ()
    total_minor: int = 0
    subtotal_minor: int = 0
    shipping_minor: int = 0
    tax_minor: int = 0
    discount_minor: int = 0
    status: str = OrderStatus.OPEN
    fulfillment_mode: str = FulfillmentMode.OWN_SHIPPING
    email: str = ""  # at checkout; empty: the customer's
    ship_name: str = ""
    ship_address: str = ""
    ship_city: str = ""
    ship_postcode: str = ""
    ship_country: str = ""
    cancelled_at: datetime | None = None
    updated_at: datetime | None = None  # when the store last changed it; None: apply whatever is stored


@dataclass(frozen=True)
class ShipmentItemData:
    quantity: int
    line_external_id: str = ""
    sku: str = ""  # where the store has no line ids


@dataclass(frozen=True)
class ShipmentData:
    order_source: str
    order_external_id: str
    external_id: str
    carrier: str = ""
    service: str = ""
    tracking_number: str = ""
    tracking_url: str = ""
    status: str = ShipmentStatus.PENDING
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    items: tuple[ShipmentItemData, ...] | None = None  # None: leave the items as they are


@dataclass(frozen=True)
class ShipmentRef:
    """Which shipment: by the order and the shipment's external id, or by tracking number (+ carrier)."""

    tracking_number: str = ""
    carrier: str = ""
    order_source: str = ""
    order_external_id: str = ""
    shipment_external_id: str = ""


@dataclass(frozen=True)
class ProofOfDelivery:
    signer: str = ""
    photo_url: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None


@dataclass(frozen=True)
class TrackingEventData:
    shipment: ShipmentRef
    external_id: str
    occurred_at: datetime
    status: str
    description: str = ""
    location: str = ""
    proof: ProofOfDelivery | None = None


class StaleVersion(Exception):
    """The data is an older version of an order than the one stored (``updated_at`` before the stored
    ``store_updated_at``): nothing was written. The message is translated."""

    field = "updated_at"

    def __init__(self, order: Order, updated_at: datetime):
        self.order = order
        self.message = (_("A newer version of this order is stored (changed in the store at %(stored)s); this one, "
                          "changed at %(sent)s, was not applied.")
                        % {"stored": order.store_updated_at.isoformat(), "sent": updated_at.isoformat()})
        super().__init__(self.message)


class MissingReference(Exception):
    """The data names an order or shipment that is not here (yet). ``field`` is the API field it came from."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


# Shipment statuses a store update cannot take a shipment out of (only tracking events can).
_FINAL_SHIPMENT_STATUSES = {ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED}
_LINE_FIELDS = ["sku", "title", "variant", "quantity", "unit_price_minor", "discount_minor", "total_minor",
                "product", "external_id"]
_LINE_COMPARED = [name if name != "product" else "product_id" for name in _LINE_FIELDS]
_PAYMENT_FIELDS = ["amount_minor", "captured_minor", "status", "currency", "provider_order_id", "captured_at"]


# -- orders ------------------------------------------------------------------------------------------------


@transaction.atomic
def order_upsert(*, data: OrderData) -> tuple[Order, bool]:
    """Create or update the order the store knows as (``source``, ``external_id``); ``True`` when created."""
    _check_order_data(data)
    market = Market.objects.filter(code=data.market_code).first()
    if market is None:
        raise ValidationError({"market": [_("There is no market with the code “%(code)s”.")
                                          % {"code": data.market_code}]})
    for attempt in range(2):
        order = (Order.objects.select_for_update().select_related("customer")
                 .filter(source=data.source, external_id=data.external_id).first())
        created = order is None
        if not created and _older(data.updated_at, than=order.store_updated_at):
            raise StaleVersion(order, data.updated_at)
        customer = _customer_find_or_create(data.customer, current=None if created else order.customer)
        if created:
            order = Order(source=data.source, external_id=data.external_id)
        _order_assign(order, data, market, customer)
        try:
            order.full_clean(exclude=["market", "customer"], validate_constraints=False)  # the number is unique
            if created:
                with transaction.atomic():  # a failed insert must not break the caller's transaction
                    order.save()
            else:
                order.save()
            break
        except (ValidationError, IntegrityError) as error:
            # A twin delivery of this order was stored meanwhile (its number now "exists", or the insert hit
            # the unique constraint): update that one instead.
            if created and attempt == 0 and Order.objects.filter(source=data.source,
                                                                 external_id=data.external_id).exists():
                continue
            if isinstance(error, IntegrityError):
                raise ValidationError({"number": [_("Another order already has the number %(number)s.")
                                                  % {"number": data.number}]}) from None
            raise
    _lines_sync(order, data.lines, created=created)
    _payments_sync(order, data.payments, created=created)
    return order, created


def _older(updated_at: datetime | None, *, than: datetime | None) -> bool:
    return updated_at is not None and than is not None and updated_at < than


def _check_order_data(data: OrderData) -> None:
    """What the edges normally refuse already; checked here too because every path lands here."""
    errors: dict[str, list[str]] = {}
    if not data.external_id.strip():
        errors["external_id"] = [_("The store's id of the order is required.")]
    try:
        normalise_currency(data.currency)
    except CurrencyError:
        errors["currency"] = [_("Unknown currency “%(code)s”: use an ISO 4217 code such as USD or EUR.")
                              % {"code": data.currency}]
    for name in ("total_minor", "subtotal_minor", "shipping_minor", "tax_minor", "discount_minor"):
        if getattr(data, name) < 0:
            errors[name.removesuffix("_minor")] = [_("Amounts cannot be negative.")]
    if not data.lines:
        errors["lines"] = [_("An order needs at least one line.")]
    seen = set()
    for position, line in enumerate(data.lines, start=1):
        if line.key in seen:
            errors.setdefault("lines", []).append(
                _("Line %(position)s repeats another line's id or SKU.") % {"position": position})
        seen.add(line.key)
        if line.quantity <= 0 or line.unit_price_minor < 0 or line.discount_minor < 0 or (
                line.total_minor is not None and line.total_minor < 0):
            errors.setdefault("lines", []).append(
                _("Line %(position)s has a quantity below 1 or a negative amount.") % {"position": position})
    payment_keys = set()
    for payment in data.payments:
        key = (payment.provider, payment.provider_payment_id)
        if not payment.provider_payment_id or key in payment_keys:
            errors.setdefault("payments", []).append(
                _("Every payment needs its own provider payment id."))
        payment_keys.add(key)
        if payment.captured_minor < 0 or payment.captured_minor > payment.amount_minor:
            errors.setdefault("payments", []).append(
                _("Payment %(id)s: the captured amount must be between 0 and the payment amount.")
                % {"id": payment.provider_payment_id})
    if errors:
        raise ValidationError(errors)


def _order_assign(order: Order, data: OrderData, market: Market, customer: Customer) -> None:
    order.number = data.number
    order.market = market
    order.customer = customer
    order.email = _normal_email(data.email) or customer.email
    order.currency = normalise_currency(data.currency)
    order.subtotal_minor = data.subtotal_minor
    order.shipping_minor = data.shipping_minor
    order.tax_minor = data.tax_minor
    order.discount_minor = data.discount_minor
    order.total_minor = data.total_minor
    order.placed_at = data.placed_at
    order.status = data.status
    order.fulfillment_mode = data.fulfillment_mode
    order.ship_name = data.ship_name
    order.ship_address = data.ship_address
    order.ship_city = data.ship_city
    order.ship_postcode = data.ship_postcode
    order.ship_country = data.ship_country.upper()
    order.cancelled_at = data.cancelled_at
    if data.updated_at is not None:
        order.store_updated_at = data.updated_at
    if data.status == OrderStatus.CANCELLED and order.cancelled_at is None:
        order.cancelled_at = timezone.now()


def _line_key(external_id: str, sku: str, variant: str) -> tuple:
    return ("id", external_id) if external_id else ("sku", sku, variant)


def _lines_sync(order: Order, lines: tuple[OrderLineData, ...], *, created: bool) -> None:
    existing = {} if created else {_line_key(line.external_id, line.sku, line.variant): line
                                   for line in order.lines.all()}
    products = {product.sku: product for product in Product.objects.filter(sku__in={line.sku for line in lines})}
    to_create, to_update = [], []
    for data in lines:
        line = existing.pop(data.key, None)
        before = None if line is None else [getattr(line, name) for name in _LINE_COMPARED]
        if line is None:
            line = OrderLine(order=order)
        line.external_id, line.sku, line.title, line.variant = data.external_id, data.sku, data.title, data.variant
        line.quantity, line.unit_price_minor = data.quantity, data.unit_price_minor
        line.discount_minor = data.discount_minor
        line.total_minor = (data.total_minor if data.total_minor is not None
                            else max(0, data.unit_price_minor * data.quantity - data.discount_minor))
        line.product = products.get(data.sku)
        _clean(line, exclude=["order", "product"], prefix="lines")
        if before is None:
            to_create.append(line)
        elif before != [getattr(line, name) for name in _LINE_COMPARED]:
            to_update.append(line)
    if existing:
        _lines_remove(order, list(existing.values()))
    if to_create:
        OrderLine.objects.bulk_create(to_create)
    if to_update:
        OrderLine.objects.bulk_update(to_update, _LINE_FIELDS)


def _lines_remove(order: Order, gone: list[OrderLine]) -> None:
    shipped = set(ShipmentItem.objects.filter(line__in=gone).values_list("line_id", flat=True))
    refused = [line for line in gone if line.pk in shipped]
    if not refused:
        try:
            with transaction.atomic():
                OrderLine.objects.filter(pk__in=[line.pk for line in gone]).delete()
            return
        except (ProtectedError, RestrictedError):
            refused = gone
    raise ValidationError({"lines": [
        _("Line %(sku)s of order %(number)s is missing from this version, but a shipment or a return refers "
          "to it, so it cannot be removed.") % {"sku": line.sku, "number": order.number} for line in refused]})


def _payments_sync(order: Order, payments: tuple[PaymentData, ...], *, created: bool) -> None:
    if not payments:
        return
    match = Q()
    for data in payments:
        match |= Q(provider=data.provider, provider_payment_id=data.provider_payment_id)
    existing = {(payment.provider, payment.provider_payment_id): payment
                for payment in Payment.objects.select_for_update().filter(match)}
    rates: dict[tuple, Decimal] = {}
    to_create, to_update, errors = [], [], []
    for data in payments:
        payment = existing.get((data.provider, data.provider_payment_id))
        if payment is not None and payment.order_id != order.pk:
            errors.append(_("Payment %(provider)s %(id)s belongs to another order.")
                          % {"provider": data.provider, "id": data.provider_payment_id})
            continue
        before = None if payment is None else [getattr(payment, name) for name in _PAYMENT_FIELDS]
        if payment is None:
            payment = Payment(order=order, provider=data.provider, provider_payment_id=data.provider_payment_id)
        payment.currency = normalise_currency(data.currency or order.currency)
        payment.amount_minor, payment.captured_minor = data.amount_minor, data.captured_minor
        payment.status, payment.provider_order_id = data.status, data.provider_order_id
        payment.captured_at = data.captured_at or payment.captured_at or (
            order.placed_at if data.captured_minor else None)
        _clean(payment, exclude=["order"], prefix="payments")
        if before is None:
            day = (payment.captured_at or order.placed_at).date()
            key = (payment.currency, day)
            if key not in rates:
                rates[key] = rate_to_base(payment.currency, day)
            payment.rate_to_base = rates[key]
            to_create.append(payment)
        elif before != [getattr(payment, name) for name in _PAYMENT_FIELDS]:
            if payment.captured_minor < before[1] and payment.captured_minor < refunded_minor(payment):
                errors.append(_("Payment %(provider)s %(id)s: the captured amount cannot drop below what is "
                                "already refunded.") % {"provider": data.provider, "id": data.provider_payment_id})
                continue
            to_update.append(payment)
    if errors:
        raise ValidationError({"payments": errors})
    if to_create:
        Payment.objects.bulk_create(to_create)
    if to_update:
        Payment.objects.bulk_update(to_update, _PAYMENT_FIELDS)


# -- customers ---------------------------------------------------------------------------------------------


def _normal_email(email: str) -> str:
    return normalise_identity(IdentityKind.EMAIL, email)


def _customer_find_or_create(data: CustomerData, *, current: Customer | None) -> Customer:
    """The customer behind the email identity (else the phone one), through ``customer_resolve``; with neither,
    the order's current customer or a new one. A known customer only gets its blank fields filled."""
    email = _normal_email(data.email)
    phone = normalise_identity(IdentityKind.PHONE, data.phone)
    kind, value = (IdentityKind.EMAIL, email) if email else (IdentityKind.PHONE, phone)
    if not value:
        return _customer_fill(current or Customer(), data, email="")
    profile = _customer_profile(data, email=email)
    defaults = {name: field for name, field in profile.items() if field}
    try:
        try:  # customer_resolve is atomic: a failed insert rolls back to its own savepoint
            customer, created = customer_resolve(kind=kind, value=value, defaults=defaults)
        except IntegrityError:  # a concurrent delivery created the same identity first: use its customer
            customer, created = customer_resolve(kind=kind, value=value, defaults=defaults)
    except ValidationError as error:
        raise ValidationError({f"customer.{name}": messages for name, messages in error.message_dict.items()}
                              ) from None
    return customer if created else _customer_fill(customer, data, email=email)


def _customer_profile(data: CustomerData, *, email: str) -> dict[str, str]:
    return {"email": email, "name": data.name.strip(), "phone": (data.phone or "").strip(),
            "language": data.language.strip(), "country": data.country.strip().upper()}


def _customer_fill(customer: Customer, data: CustomerData, *, email: str) -> Customer:
    """Save a new customer, or fill the blank fields of a known one (filled ones may be the desk's corrections)."""
    values = _customer_profile(data, email=email)
    changed = [name for name, value in values.items() if value and not getattr(customer, name)]
    for name in changed:
        setattr(customer, name, values[name])
    if customer.pk is None or changed:
        _clean(customer, exclude=["merged_into"], prefix="customer")
        customer.save(update_fields=None if customer.pk is None else changed)
    return customer


# -- shipments ---------------------------------------------------------------------------------------------


@transaction.atomic
def shipment_upsert(*, data: ShipmentData) -> tuple[Shipment, bool]:
    """Create or update the order's shipment known as ``external_id``; ``True`` when created."""
    if not data.external_id.strip():
        raise ValidationError({"external_id": [_("The store's id of the shipment is required.")]})
    order = _order_for(data.order_source, data.order_external_id)
    for attempt in range(2):
        shipment = Shipment.objects.select_for_update().filter(order=order, external_id=data.external_id).first()
        created = shipment is None
        if created:
            shipment = Shipment(order=order, external_id=data.external_id)
        old_tracking = shipment.tracking_number
        shipment.carrier, shipment.service = data.carrier, data.service
        shipment.tracking_number, shipment.tracking_url = data.tracking_number.strip(), data.tracking_url
        if not (shipment.status in _FINAL_SHIPMENT_STATUSES and data.status not in _FINAL_SHIPMENT_STATUSES):
            shipment.status = data.status
        shipment.shipped_at = data.shipped_at or shipment.shipped_at
        shipment.delivered_at = data.delivered_at or shipment.delivered_at
        if shipment.status == ShipmentStatus.DELIVERED and shipment.delivered_at is None:
            shipment.delivered_at = timezone.now()  # the sender did not say when: when we learnt it
        _clean(shipment, exclude=["order"])
        try:
            with transaction.atomic():
                shipment.save()
            break
        except IntegrityError:  # a twin delivery stored it meanwhile: update that one
            if not created or attempt or not Shipment.objects.filter(order=order,
                                                                     external_id=data.external_id).exists():
                raise
    if data.items is not None:
        _items_sync(shipment, order, data.items, created=created)
    if shipment.tracking_number and shipment.tracking_number != old_tracking:
        _requeue_waiting_tracking(shipment.tracking_number)
    return shipment, created


def _order_for(source: str, external_id: str) -> Order:
    order = Order.objects.filter(source=source, external_id=external_id).first()
    if order is None:
        raise MissingReference("order_external_id", _("There is no %(source)s order with the id “%(id)s” (yet).")
                               % {"source": source, "id": external_id})
    return order


def _items_sync(shipment: Shipment, order: Order, items: tuple[ShipmentItemData, ...], *, created: bool) -> None:
    lines = list(order.lines.all())
    by_id = {line.external_id: line for line in lines if line.external_id}
    by_sku: dict[str, list[OrderLine]] = {}
    for line in lines:
        by_sku.setdefault(line.sku, []).append(line)
    wanted: dict[int, int] = {}
    errors = []
    for item in items:
        if item.line_external_id:
            line = by_id.get(item.line_external_id)
        else:
            found = by_sku.get(item.sku, [])
            line = found[0] if len(found) == 1 else None
            if len(found) > 1:
                errors.append(_("Several lines of order %(number)s have the SKU %(sku)s: name the line by its id.")
                              % {"number": order.number, "sku": item.sku})
                continue
        if line is None:
            errors.append(_("Order %(number)s has no line “%(line)s”.")
                          % {"number": order.number, "line": item.line_external_id or item.sku})
            continue
        wanted[line.pk] = wanted.get(line.pk, 0) + item.quantity
        if item.quantity <= 0 or wanted[line.pk] > line.quantity:
            errors.append(_("Line %(sku)s: a quantity from 1 to the %(ordered)s ordered.")
                          % {"sku": line.sku, "ordered": line.quantity})
    if errors:
        raise ValidationError({"items": errors})
    existing = {} if created else {item.line_id: item for item in shipment.items.all()}
    to_create = [ShipmentItem(shipment=shipment, line_id=line_id, quantity=quantity)
                 for line_id, quantity in wanted.items() if line_id not in existing]
    to_update = []
    for line_id, quantity in wanted.items():
        item = existing.pop(line_id, None)
        if item is not None and item.quantity != quantity:
            item.quantity = quantity
            to_update.append(item)
    if existing:
        ShipmentItem.objects.filter(pk__in=[item.pk for item in existing.values()]).delete()
    if to_create:
        ShipmentItem.objects.bulk_create(to_create)
    if to_update:
        ShipmentItem.objects.bulk_update(to_update, ["quantity"])


def _requeue_waiting_tracking(tracking_number: str) -> None:
    """Tracking deliveries that failed because this tracking number was unknown: process them again."""
    from .webhooks import webhook_reprocess

    waiting = InboundWebhookEvent.objects.filter(provider=WebhookProvider.TRACKING, status=WebhookStatus.FAILED,
                                                 body__contains=json.dumps(tracking_number))
    pks = []
    for pk, body in waiting.values_list("pk", "body"):
        try:
            named = json.loads(body)["msg"]["tracking_number"]
        except (ValueError, KeyError, TypeError):
            continue
        if named == tracking_number:
            pks.append(pk)
    if pks:
        webhook_reprocess(event_pks=pks)


# -- tracking events ---------------------------------------------------------------------------------------


@transaction.atomic
def tracking_event_record(*, data: TrackingEventData) -> tuple[TrackingEvent, bool]:
    """Record one carrier event, move the shipment's status to its latest event, note delivery and its proof."""
    if not data.external_id.strip():
        raise ValidationError({"external_id": [_("The event's id is required.")]})
    shipment = _shipment_for(data.shipment)
    event = TrackingEvent.objects.filter(shipment=shipment, external_id=data.external_id).first()
    if event is not None:
        _proof_apply(shipment, data, fields=[])
        return event, False
    latest = shipment.events.order_by("-occurred_at", "-pk").first()
    event = TrackingEvent(shipment=shipment, external_id=data.external_id, occurred_at=data.occurred_at,
                          status=data.status, description=data.description[:500], location=data.location[:200])
    _clean(event, exclude=["shipment"])
    try:
        with transaction.atomic():
            event.save()
    except IntegrityError:  # the same event, delivered twice at once
        return TrackingEvent.objects.get(shipment=shipment, external_id=data.external_id), False
    fields = []
    if latest is None or data.occurred_at >= latest.occurred_at:
        shipment.status = data.status
        fields.append("status")
    if data.status != ShipmentStatus.PENDING and shipment.shipped_at is None:
        shipment.shipped_at = data.occurred_at
        fields.append("shipped_at")
    if data.status == ShipmentStatus.DELIVERED and (shipment.delivered_at is None
                                                     or data.occurred_at < shipment.delivered_at):
        shipment.delivered_at = data.occurred_at
        fields.append("delivered_at")
    _proof_apply(shipment, data, fields=fields)
    return event, True


def _shipment_for(ref: ShipmentRef) -> Shipment:
    if ref.order_external_id and ref.shipment_external_id:
        found = Shipment.objects.filter(order__source=ref.order_source, order__external_id=ref.order_external_id,
                                        external_id=ref.shipment_external_id)
        missing = MissingReference(
            "shipment_external_id", _("There is no shipment “%(shipment)s” of the %(source)s order “%(order)s” (yet).")
            % {"shipment": ref.shipment_external_id, "source": ref.order_source, "order": ref.order_external_id})
    elif ref.tracking_number:
        found = Shipment.objects.filter(tracking_number=ref.tracking_number.strip())
        missing = MissingReference(
            "tracking_number", _("No shipment has the tracking number “%(number)s” (yet): the event is kept and "
                                 "processed again when its shipment arrives.") % {"number": ref.tracking_number})
    else:
        raise ValidationError({"tracking_number": [_("Name the shipment: a tracking number, or the order and "
                                                     "shipment ids.")]})
    candidates = list(found.order_by("-pk").values_list("pk", "carrier")[:20])
    if not candidates:
        raise missing
    wanted = _carrier_slug(ref.carrier)
    chosen = next((pk for pk, carrier in candidates if wanted and _carrier_slug(carrier) == wanted), candidates[0][0])
    return Shipment.objects.select_for_update().get(pk=chosen)


def _carrier_slug(carrier: str) -> str:
    return "".join(character for character in (carrier or "").lower() if character.isalnum())


def _proof_apply(shipment: Shipment, data: TrackingEventData, *, fields: list[str]) -> None:
    proof = data.proof
    if proof is not None:
        values = {"pod_signer": proof.signer.strip()[:200], "pod_photo_url": proof.photo_url.strip(),
                  "pod_latitude": _coordinate(proof.latitude), "pod_longitude": _coordinate(proof.longitude)}
        for name, value in values.items():
            if value not in ("", None) and getattr(shipment, name) != value:
                setattr(shipment, name, value)
                fields.append(name)
    if fields:
        _clean(shipment, exclude=["order"], prefix="proof_of_delivery", names=_PROOF_NAMES)
        shipment.save(update_fields=sorted(set(fields)))


def _coordinate(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.000001"))


# -- shared ------------------------------------------------------------------------------------------------


_PROOF_NAMES = {"pod_signer": "signer", "pod_photo_url": "photo_url", "pod_latitude": "latitude",
                "pod_longitude": "longitude"}


def _clean(instance, *, exclude: list[str], prefix: str = "", names: dict[str, str] | None = None) -> None:
    """``full_clean`` without the queries (foreign keys, uniqueness): those are checked by the service itself,
    so that the query count stays the same whatever the number of lines. Errors are keyed ``prefix.field``."""
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        if not prefix:
            raise
        raise ValidationError({f"{prefix}.{(names or {}).get(name, name)}": messages
                               for name, messages in error.message_dict.items()}) from None
