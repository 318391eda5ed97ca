"""Shopify's JSON → the ingestion dataclasses. Pure functions: no database, no settings.

Checked against Shopify's own REST fixtures (``../shared/samples/shopify/``, older API versions without the
``*_set`` money bags), and written to read the newer fields where they exist (``total_shipping_price_set``,
``discount_allocations``, ``shipment_status``, ``restock_type``).

Decisions:

* The order's payment is one ``Payment`` of the *manual* provider with the id ``shopify:<order id>``: its
  amount is ``total_price``; what counts as captured follows ``financial_status`` (paid, partially refunded
  and refunded orders were captured in full; partially paid ones up to ``total_outstanding``; authorized and
  pending ones not yet). Refunds are booked against it as they arrive (``refunds/create``).
* A line without a SKU gets ``shopify-<variant id>`` (our lines need one).
* A fulfillment is a shipment (its id is the shipment's external id); a fulfillment event is a tracking event.
* A value finer than the currency's minor unit is refused (``to_minor``), never rounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from aftersales.choices import (
    FulfillmentMode,
    OrderSource,
    OrderStatus,
    PaymentProvider,
    PaymentStatus,
    RefundCause,
    ShipmentStatus,
)
from aftersales.money import CurrencyError, to_minor
from aftersales.services.ingestion import (
    CustomerData,
    OrderData,
    OrderLineData,
    PaymentData,
    ProofOfDelivery,
    ShipmentData,
    ShipmentItemData,
    ShipmentRef,
    TrackingEventData,
)

SOURCE = OrderSource.SHOPIFY

ORDER_STATUS = {"fulfilled": OrderStatus.FULFILLED, "partial": OrderStatus.PARTIALLY_FULFILLED}
# Fulfillment.shipment_status and FulfillmentEvent.status (the carrier's view), then Fulfillment.status.
CARRIER_STATUS = {
    "label_printed": ShipmentStatus.PENDING, "label_purchased": ShipmentStatus.PENDING,
    "confirmed": ShipmentStatus.PENDING, "carrier_picked_up": ShipmentStatus.IN_TRANSIT,
    "picked_up": ShipmentStatus.IN_TRANSIT, "in_transit": ShipmentStatus.IN_TRANSIT,
    "delayed": ShipmentStatus.IN_TRANSIT, "ready_for_pickup": ShipmentStatus.OUT_FOR_DELIVERY,
    "out_for_delivery": ShipmentStatus.OUT_FOR_DELIVERY, "attempted_delivery": ShipmentStatus.EXCEPTION,
    "delivered": ShipmentStatus.DELIVERED, "failure": ShipmentStatus.EXCEPTION,
}
FULFILLMENT_STATUS = {
    "pending": ShipmentStatus.PENDING, "open": ShipmentStatus.PENDING, "success": ShipmentStatus.IN_TRANSIT,
    "cancelled": ShipmentStatus.EXCEPTION, "error": ShipmentStatus.EXCEPTION, "failure": ShipmentStatus.EXCEPTION,
}
CAPTURED_IN_FULL = {"paid", "partially_refunded", "refunded"}
VOIDED = {"voided", "expired"}


class ShopifyPayloadError(ValueError):
    """The JSON lacks something we need, or holds a value we cannot use; the message names the field."""


@dataclass(frozen=True)
class ShopifyRefund:
    refund_id: str
    order_id: str
    amount_minor: int
    currency: str
    cause: str
    reason: str
    created_at: datetime | None


def payment_id(order_id) -> str:
    """The id of the one payment we keep for a Shopify order."""
    return f"shopify:{order_id}"


def order_data(payload: dict, *, market_code: str) -> OrderData:
    order_id = _required(payload, "id")
    currency = _required(payload, "currency")
    total = _money(payload, "total_price", currency)
    customer = payload.get("customer") or {}
    address = payload.get("shipping_address") or {}
    placed_at = _datetime(payload, "processed_at") or _datetime(payload, "created_at", required=True)
    name = " ".join(part for part in (customer.get("first_name"), customer.get("last_name")) if part)
    status = (OrderStatus.CANCELLED if payload.get("cancelled_at")
              else ORDER_STATUS.get(payload.get("fulfillment_status") or "", OrderStatus.OPEN))
    return OrderData(
        source=SOURCE, external_id=str(order_id), number=str(payload.get("name") or order_id)[:64],
        market_code=market_code, currency=currency, placed_at=placed_at, status=status,
        cancelled_at=_datetime(payload, "cancelled_at"), fulfillment_mode=FulfillmentMode.OWN_SHIPPING,
        updated_at=_datetime(payload, "updated_at"),
        email=payload.get("email") or payload.get("contact_email") or "",
        customer=CustomerData(
            email=payload.get("email") or payload.get("contact_email") or customer.get("email") or "",
            name=(name or address.get("name") or "")[:200], phone=(customer.get("phone") or payload.get("phone")
                                                                  or "")[:32],
            language=(payload.get("customer_locale") or "")[:10],
            country=(address.get("country_code") or "")[:2]),
        ship_name=(address.get("name") or "")[:200],
        ship_address="\n".join(part for part in (address.get("address1"), address.get("address2")) if part),
        ship_city=(address.get("city") or "")[:120], ship_postcode=(address.get("zip") or "")[:32],
        ship_country=(address.get("country_code") or "")[:2],
        subtotal_minor=_money(payload, "subtotal_price", currency), shipping_minor=_shipping(payload, currency),
        tax_minor=_money(payload, "total_tax", currency), discount_minor=_money(payload, "total_discounts", currency),
        total_minor=total,
        lines=tuple(_line(item, currency, position)
                    for position, item in enumerate(payload.get("line_items") or [])),
        payments=(_payment(payload, order_id, currency, total, placed_at),) if total else (),
    )


def order_fulfillments(payload: dict) -> list[ShipmentData]:
    """The fulfillments an order payload carries, as shipments."""
    return [shipment_data(fulfillment, order_id=payload.get("id")) for fulfillment in payload.get("fulfillments") or []]


def shipment_data(fulfillment: dict, *, order_id=None) -> ShipmentData:
    order_id = fulfillment.get("order_id") or order_id
    if not order_id:
        raise ShopifyPayloadError(_("%(field)s is missing.") % {"field": "order_id"})
    status = (CARRIER_STATUS.get(fulfillment.get("shipment_status") or "")
              or FULFILLMENT_STATUS.get(fulfillment.get("status") or "", ShipmentStatus.PENDING))
    urls = [fulfillment.get("tracking_url"), *(fulfillment.get("tracking_urls") or [])]
    numbers = [fulfillment.get("tracking_number"), *(fulfillment.get("tracking_numbers") or [])]
    return ShipmentData(
        order_source=SOURCE, order_external_id=str(order_id), external_id=str(_required(fulfillment, "id")),
        carrier=(fulfillment.get("tracking_company") or "")[:64], service=(fulfillment.get("service") or "")[:64],
        tracking_number=(next((number for number in numbers if number), "") or "")[:64],
        tracking_url=next((url for url in urls if _usable_url(url)), ""), status=status,
        shipped_at=_datetime(fulfillment, "created_at") if status != ShipmentStatus.PENDING else None,
        delivered_at=_datetime(fulfillment, "updated_at") if status == ShipmentStatus.DELIVERED else None,
        items=tuple(ShipmentItemData(line_external_id=str(_required(item, "id")),
                                     quantity=int(item.get("quantity") or 0))
                    for item in fulfillment.get("line_items") or []),
    )


def fulfillment_event_data(payload: dict) -> TrackingEventData:
    status = CARRIER_STATUS.get(payload.get("status") or "", ShipmentStatus.IN_TRANSIT)
    latitude, longitude = payload.get("latitude"), payload.get("longitude")
    proof = None
    if status == ShipmentStatus.DELIVERED and latitude is not None and longitude is not None:
        proof = ProofOfDelivery(latitude=Decimal(str(latitude)), longitude=Decimal(str(longitude)))
    location = ", ".join(str(part) for part in (payload.get("city"), payload.get("province"),
                                                payload.get("country")) if part)
    return TrackingEventData(
        shipment=ShipmentRef(order_source=SOURCE, order_external_id=str(_required(payload, "order_id")),
                             shipment_external_id=str(_required(payload, "fulfillment_id"))),
        external_id=str(_required(payload, "id")), status=status,
        occurred_at=_datetime(payload, "happened_at") or _datetime(payload, "created_at", required=True),
        description=(payload.get("message") or payload.get("status") or "")[:500], location=location[:200],
        proof=proof,
    )


def refund_data(payload: dict, *, currency: str) -> ShopifyRefund:
    """What a ``refunds/create`` body refunded in money: its successful refund transactions."""
    transactions = [transaction for transaction in payload.get("transactions") or []
                    if transaction.get("kind") == "refund" and transaction.get("status") == "success"]
    currencies = {transaction.get("currency") or currency for transaction in transactions}
    if len(currencies) > 1:
        raise ShopifyPayloadError(_("The refund transactions are in several currencies: %(currencies)s.")
                                  % {"currencies": ", ".join(sorted(currencies))})
    refund_currency = currencies.pop() if currencies else currency
    amount = sum(_money(transaction, "amount", refund_currency) for transaction in transactions)
    items = payload.get("refund_line_items") or []
    restock_types = {item.get("restock_type") for item in items}
    if "return" in restock_types or (items and payload.get("restock")):
        cause = RefundCause.RETURN
    elif "cancel" in restock_types:
        cause = RefundCause.CANCELLATION
    else:
        cause = RefundCause.GOODWILL
    return ShopifyRefund(refund_id=str(_required(payload, "id")), order_id=str(_required(payload, "order_id")),
                         amount_minor=amount, currency=refund_currency, cause=cause,
                         reason=(payload.get("note") or "")[:500], created_at=_datetime(payload, "created_at"))


# -- parts -------------------------------------------------------------------------------------------------


def _line(item: dict, currency: str, position: int) -> OrderLineData:
    allocations = item.get("discount_allocations")
    if allocations:
        discount = sum(_money(allocation, "amount", currency) for allocation in allocations)
    else:
        discount = _money(item, "total_discount", currency)
    sku = (item.get("sku") or "").strip() or f"shopify-{item.get('variant_id') or item.get('id')}"
    try:
        quantity = int(item.get("quantity"))
    except (TypeError, ValueError):
        raise ShopifyPayloadError(_("%(field)s is not a whole number.")
                                  % {"field": f"line_items[{position}].quantity"}) from None
    return OrderLineData(
        external_id=str(_required(item, "id")), sku=sku[:64],
        title=(item.get("title") or item.get("name") or sku)[:255], variant=(item.get("variant_title") or "")[:120],
        quantity=quantity, unit_price_minor=_money(item, "price", currency), discount_minor=discount)


def _payment(payload: dict, order_id, currency: str, total: int, placed_at: datetime) -> PaymentData:
    financial = payload.get("financial_status") or ""
    if financial in CAPTURED_IN_FULL:
        status, captured = PaymentStatus.CAPTURED, total
    elif financial == "partially_paid" and payload.get("total_outstanding") is not None:
        status, captured = PaymentStatus.CAPTURED, max(0, total - _money(payload, "total_outstanding", currency))
    elif financial in VOIDED:
        status, captured = PaymentStatus.VOIDED, 0
    else:  # authorized, pending, partially_paid without the outstanding amount
        status, captured = PaymentStatus.AUTHORIZED, 0
    return PaymentData(provider=PaymentProvider.MANUAL, provider_payment_id=payment_id(order_id),
                       provider_order_id=str(order_id), amount_minor=total, captured_minor=captured, status=status,
                       captured_at=placed_at if captured else None)


def _shipping(payload: dict, currency: str) -> int:
    money_set = (payload.get("total_shipping_price_set") or {}).get("shop_money")
    if money_set:
        return _money(money_set, "amount", currency)
    return sum(_money(line, "price", currency) for line in payload.get("shipping_lines") or [])


def _required(payload: dict, key: str):
    value = payload.get(key)
    if value in (None, ""):
        raise ShopifyPayloadError(_("%(field)s is missing.") % {"field": key})
    return value


def _money(payload: dict, key: str, currency: str) -> int:
    value = payload.get(key)
    if value in (None, ""):
        return 0
    try:
        amount = to_minor(str(value), currency)
    except CurrencyError as error:
        raise ShopifyPayloadError(_("%(field)s: %(error)s") % {"field": key, "error": error}) from None
    if amount < 0:
        raise ShopifyPayloadError(_("%(field)s is negative.") % {"field": key})
    return amount


def _datetime(payload: dict, key: str, *, required: bool = False) -> datetime | None:
    value = payload.get(key)
    if not value:
        if required:
            raise ShopifyPayloadError(_("%(field)s is missing.") % {"field": key})
        return None
    parsed = parse_datetime(str(value))
    if parsed is None or parsed.tzinfo is None:
        raise ShopifyPayloadError(_("%(field)s is not a date and time with a UTC offset.") % {"field": key})
    return parsed


def _usable_url(url) -> bool:
    if not url or not isinstance(url, str) or len(url) > 200:
        return False
    try:
        URLValidator()(url)
    except ValidationError:
        return False
    return True
