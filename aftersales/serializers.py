"""REST API serializers of the core: an input and an output serializer per resource (STYLE #3).

Input serializers check what the store sends field by field and turn it into the plain dataclasses of
``aftersales.services.ingestion``; they never write. Amounts travel as decimal strings in major units
(``"12.34"``): a field refuses anything that is not such a string or is negative, and the enclosing object
converts them with ``aftersales.money.to_minor`` in its currency, which refuses more decimals than the
currency has (``"12.345"`` USD, ``"12.5"`` JPY). Errors come back as ``{"field": ["message"]}``, nested like
the input; a list's errors are keyed by the position of the failing items, as DRF does
(``{"lines": {"1": {"unit_price": ["…"]}}}``).

Output serializers show amounts the same way, from the stored minor units and currency.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aftersales.choices import (
    FulfillmentMode,
    OrderSource,
    OrderStatus,
    PaymentProvider,
    PaymentStatus,
    ShipmentStatus,
)
from aftersales.models import Order, OrderLine, Payment, Shipment, TrackingEvent
from aftersales.money import CurrencyError, exponent, from_minor, normalise_currency, to_minor
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

_AMOUNT = re.compile(r"-?\d+(\.\d+)?")
BULK_MAX_ORDERS = 100


# -- fields ------------------------------------------------------------------------------------------------


@extend_schema_field({"type": "string", "pattern": r"^\d+(\.\d+)?$", "example": "12.34"})
class AmountField(serializers.Field):
    """A non-negative decimal string in major units; the object converts it to minor units in its currency."""

    default_error_messages = {
        "not_string": gettext_lazy('Send the amount as a string in major units, e.g. "12.34".'),
        "invalid": gettext_lazy('“{value}” is not an amount: use digits and a decimal point, e.g. "12.34".'),
        "negative": gettext_lazy("Amounts cannot be negative."),
    }

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_string")
        text = data.strip()
        if not _AMOUNT.fullmatch(text):
            self.fail("invalid", value=text[:40])
        value = Decimal(text)
        if value < 0:
            self.fail("negative")
        return value

    def to_representation(self, value):
        return str(value)


class CurrencyField(serializers.CharField):
    """An ISO 4217 code, upper-cased."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("help_text", gettext_lazy("ISO 4217 code, e.g. USD, EUR, JPY."))
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        code = super().to_internal_value(data)
        try:
            return normalise_currency(code)
        except CurrencyError:
            raise serializers.ValidationError(
                _("Unknown currency “%(code)s”: use an ISO 4217 code such as USD or EUR.") % {"code": code}
            ) from None


@extend_schema_field({"type": "string", "example": "12.34"})
class MoneyField(serializers.Field):
    """Read-only: ``<minor field>`` of the object shown in major units of the object's currency."""

    def __init__(self, minor_field: str, currency_path: str = "currency", **kwargs):
        self.minor_field, self.currency_path = minor_field, currency_path
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, instance):
        currency = instance
        for part in self.currency_path.split("."):
            currency = getattr(currency, part)
        return str(from_minor(getattr(instance, self.minor_field), currency))


def _minor(value: Decimal, currency: str) -> int:
    try:
        return to_minor(value, currency)
    except CurrencyError:
        raise serializers.ValidationError(
            _("%(amount)s has more decimals than %(currency)s allows (%(places)s).")
            % {"amount": value, "currency": currency, "places": exponent(currency)}) from None


class _Converter:
    """Collects minor-unit conversions of one object and the errors, keyed by field."""

    def __init__(self, currency: str):
        self.currency, self.errors = currency, {}

    def __call__(self, attrs: dict, field: str, default: Decimal | None = Decimal(0)) -> int | None:
        value = attrs.get(field, default)
        if value is None:
            return None
        try:
            return _minor(value, self.currency)
        except serializers.ValidationError as error:
            self.errors[field] = error.detail
            return None


# -- orders: input -----------------------------------------------------------------------------------------


class CustomerInputSerializer(serializers.Serializer):
    email = serializers.EmailField(help_text=gettext_lazy("Finds the customer, or creates one."))
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    language = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    country = serializers.CharField(min_length=2, max_length=2, required=False, allow_blank=True, default="",
                                    help_text=gettext_lazy("ISO 3166 alpha-2 code."))


class ShippingAddressInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    address = serializers.CharField(required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    postcode = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    country = serializers.CharField(min_length=2, max_length=2, required=False, allow_blank=True, default="")


class OrderLineInputSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=128, required=False, allow_blank=True, default="",
                                        help_text=gettext_lazy("The store's id of the line; lines are matched "
                                                               "by it (by SKU + variant without it)."))
    sku = serializers.CharField(max_length=64)
    title = serializers.CharField(max_length=255)
    variant = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    quantity = serializers.IntegerField(min_value=1)
    unit_price = AmountField()
    discount = AmountField(required=False)
    total = AmountField(required=False, help_text=gettext_lazy("Default: unit price × quantity − discount."))


class PaymentInputSerializer(serializers.Serializer):
    provider = serializers.ChoiceField(choices=PaymentProvider.choices)
    provider_payment_id = serializers.CharField(max_length=128, help_text=gettext_lazy(
        "Stripe charge or payment intent id, PayPal capture id, or your reference for a manual payment."))
    provider_order_id = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
    currency = CurrencyField(required=False, help_text=gettext_lazy("Default: the order's currency."))
    amount = AmountField()
    captured = AmountField(required=False, help_text=gettext_lazy(
        "Default: the amount when the status is captured, else 0."))
    status = serializers.ChoiceField(choices=PaymentStatus.choices, default=PaymentStatus.CAPTURED)
    captured_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class OrderInputSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=128, help_text=gettext_lazy(
        "The store's id of the order: sending it again updates the same order."))
    number = serializers.CharField(max_length=64, help_text=gettext_lazy("The order number customers see."))
    market = serializers.CharField(max_length=8, help_text=gettext_lazy("Code of a market, e.g. US, DE."))
    currency = CurrencyField()
    placed_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=OrderStatus.choices, default=OrderStatus.OPEN)
    cancelled_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    updated_at = serializers.DateTimeField(required=False, allow_null=True, default=None, help_text=gettext_lazy(
        "When the store last changed the order. A version older than the one stored is refused (409), so "
        "updates that arrive out of order cannot undo newer ones."))
    fulfillment_mode = serializers.ChoiceField(choices=FulfillmentMode.choices, default=FulfillmentMode.OWN_SHIPPING)
    customer = CustomerInputSerializer()
    email = serializers.EmailField(required=False, allow_blank=True, default="", help_text=gettext_lazy(
        "The email given at checkout; default: the customer's."))
    shipping_address = ShippingAddressInputSerializer(required=False)
    subtotal = AmountField(required=False)
    shipping = AmountField(required=False)
    tax = AmountField(required=False)
    discount = AmountField(required=False)
    total = AmountField()
    lines = OrderLineInputSerializer(many=True, allow_empty=False)
    payments = PaymentInputSerializer(many=True, required=False)

    def validate(self, attrs):
        convert = _Converter(attrs["currency"])
        for name in ("subtotal", "shipping", "tax", "discount", "total"):
            attrs[f"{name}_minor"] = convert(attrs, name)
        errors = dict(convert.errors)
        line_errors, seen_lines = {}, {}
        for position, line in enumerate(attrs["lines"]):
            line_convert = _Converter(attrs["currency"])
            for name in ("unit_price", "discount"):
                line[f"{name}_minor"] = line_convert(line, name)
            line["total_minor"] = line_convert(line, "total", default=None)
            key = (line["external_id"],) if line["external_id"] else (line["sku"], line["variant"])
            if key in seen_lines:
                field = "external_id" if line["external_id"] else "sku"
                line_convert.errors[field] = [_("Line %(other)s has the same id (or SKU and variant).")
                                              % {"other": seen_lines[key] + 1}]
            seen_lines.setdefault(key, position)
            if line_convert.errors:
                line_errors[position] = line_convert.errors
        if line_errors:
            errors["lines"] = line_errors
        payment_errors, seen_payments = {}, set()
        for position, payment in enumerate(attrs.get("payments", [])):
            payment_convert = _Converter(payment.get("currency") or attrs["currency"])
            payment["amount_minor"] = payment_convert(payment, "amount")
            captured_default = payment["amount"] if payment["status"] == PaymentStatus.CAPTURED else Decimal(0)
            payment["captured_minor"] = payment_convert(payment, "captured", default=captured_default)
            if (payment["captured_minor"] is not None and payment["amount_minor"] is not None
                    and payment["captured_minor"] > payment["amount_minor"]):
                payment_convert.errors["captured"] = [_("The captured amount cannot be more than the amount.")]
            key = (payment["provider"], payment["provider_payment_id"])
            if key in seen_payments:
                payment_convert.errors["provider_payment_id"] = [_("Another payment of this order has this id.")]
            seen_payments.add(key)
            if payment_convert.errors:
                payment_errors[position] = payment_convert.errors
        if payment_errors:
            errors["payments"] = payment_errors
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def to_data(self, *, source: str = OrderSource.API) -> OrderData:
        """The validated order as the ingestion service's dataclass."""
        attrs = self.validated_data
        customer, address = attrs["customer"], attrs.get("shipping_address") or {}
        return OrderData(
            source=source, external_id=attrs["external_id"], number=attrs["number"], market_code=attrs["market"],
            currency=attrs["currency"], placed_at=attrs["placed_at"], status=attrs["status"],
            cancelled_at=attrs["cancelled_at"], fulfillment_mode=attrs["fulfillment_mode"], email=attrs["email"],
            updated_at=attrs["updated_at"],
            customer=CustomerData(email=customer["email"], name=customer["name"], phone=customer["phone"],
                                  language=customer["language"], country=customer["country"]),
            ship_name=address.get("name", ""), ship_address=address.get("address", ""),
            ship_city=address.get("city", ""), ship_postcode=address.get("postcode", ""),
            ship_country=address.get("country", ""),
            subtotal_minor=attrs["subtotal_minor"], shipping_minor=attrs["shipping_minor"],
            tax_minor=attrs["tax_minor"], discount_minor=attrs["discount_minor"], total_minor=attrs["total_minor"],
            lines=tuple(OrderLineData(
                external_id=line["external_id"], sku=line["sku"], title=line["title"], variant=line["variant"],
                quantity=line["quantity"], unit_price_minor=line["unit_price_minor"],
                discount_minor=line["discount_minor"], total_minor=line["total_minor"]) for line in attrs["lines"]),
            payments=tuple(PaymentData(
                provider=payment["provider"], provider_payment_id=payment["provider_payment_id"],
                provider_order_id=payment["provider_order_id"], currency=payment.get("currency", ""),
                amount_minor=payment["amount_minor"], captured_minor=payment["captured_minor"],
                status=payment["status"], captured_at=payment["captured_at"])
                for payment in attrs.get("payments", [])),
        )


@extend_schema_field(OrderInputSerializer(many=True))
class _OrderListField(serializers.ListField):
    """Checked as a list only; the view validates each order with ``OrderInputSerializer`` on its own."""


class OrderBulkInputSerializer(serializers.Serializer):
    """The envelope only: each order is validated on its own, so one bad order does not block the others."""

    orders = _OrderListField(child=serializers.JSONField(), min_length=1, max_length=BULK_MAX_ORDERS,
                             help_text=gettext_lazy("Up to 100 orders shaped like the single-order endpoint's body."))


# -- orders: output ----------------------------------------------------------------------------------------


class CustomerOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()


class OrderLineOutputSerializer(serializers.ModelSerializer):
    unit_price = MoneyField("unit_price_minor", "order.currency")
    discount = MoneyField("discount_minor", "order.currency")
    total = MoneyField("total_minor", "order.currency")

    class Meta:
        model = OrderLine
        fields = ["id", "external_id", "sku", "title", "variant", "quantity", "unit_price", "discount", "total"]


class PaymentOutputSerializer(serializers.ModelSerializer):
    amount = MoneyField("amount_minor")
    captured = MoneyField("captured_minor")

    class Meta:
        model = Payment
        fields = ["id", "provider", "provider_payment_id", "provider_order_id", "currency", "amount", "captured",
                  "status", "captured_at"]


class OrderOutputSerializer(serializers.ModelSerializer):
    market = serializers.SlugRelatedField(slug_field="code", read_only=True)
    customer = CustomerOutputSerializer(read_only=True)
    subtotal = MoneyField("subtotal_minor")
    shipping = MoneyField("shipping_minor")
    tax = MoneyField("tax_minor")
    discount = MoneyField("discount_minor")
    total = MoneyField("total_minor")
    lines = OrderLineOutputSerializer(many=True, read_only=True)
    payments = PaymentOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = ["id", "source", "external_id", "number", "market", "currency", "status", "fulfillment_mode",
                  "placed_at", "cancelled_at", "customer", "email", "subtotal", "shipping", "tax", "discount",
                  "total", "ship_name", "ship_address", "ship_city", "ship_postcode", "ship_country", "lines",
                  "payments", "created_at", "updated_at"]


class OrderBulkResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text=gettext_lazy("Position of the order in the request, from 0."))
    external_id = serializers.CharField(allow_blank=True)
    result = serializers.ChoiceField(choices=["created", "updated", "failed"])
    id = serializers.IntegerField(allow_null=True)
    number = serializers.CharField(allow_blank=True)
    errors = serializers.DictField(help_text=gettext_lazy('{"field": ["message"]} when the order failed.'))


class OrderBulkOutputSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    failed = serializers.IntegerField()
    results = OrderBulkResultSerializer(many=True)


# -- shipments ---------------------------------------------------------------------------------------------


class ShipmentItemInputSerializer(serializers.Serializer):
    line_external_id = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
    sku = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    quantity = serializers.IntegerField(min_value=1)

    def validate(self, attrs):
        if not (attrs["line_external_id"] or attrs["sku"]):
            raise serializers.ValidationError({"line_external_id": [_("Name the order line: its id or its SKU.")]})
        return attrs


class ShipmentInputSerializer(serializers.Serializer):
    order_external_id = serializers.CharField(max_length=128)
    order_source = serializers.ChoiceField(choices=OrderSource.choices, default=OrderSource.API)
    external_id = serializers.CharField(max_length=128, help_text=gettext_lazy(
        "The store's id of the shipment within the order: sending it again updates the same shipment."))
    carrier = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    service = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    tracking_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    tracking_url = serializers.URLField(max_length=200, required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(choices=ShipmentStatus.choices, default=ShipmentStatus.PENDING)
    shipped_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    delivered_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    items = ShipmentItemInputSerializer(many=True, required=False, help_text=gettext_lazy(
        "What the parcel holds; leave out to keep the items already known."))

    def to_data(self) -> ShipmentData:
        attrs = self.validated_data
        items = attrs.get("items")
        return ShipmentData(
            order_source=attrs["order_source"], order_external_id=attrs["order_external_id"],
            external_id=attrs["external_id"], carrier=attrs["carrier"], service=attrs["service"],
            tracking_number=attrs["tracking_number"], tracking_url=attrs["tracking_url"], status=attrs["status"],
            shipped_at=attrs["shipped_at"], delivered_at=attrs["delivered_at"],
            items=None if items is None else tuple(ShipmentItemData(
                line_external_id=item["line_external_id"], sku=item["sku"], quantity=item["quantity"])
                for item in items))


class ProofOfDeliverySerializer(serializers.Serializer):
    signer = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    photo_url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")
    latitude = serializers.DecimalField(max_digits=20, decimal_places=12, min_value=Decimal(-90),
                                        max_value=Decimal(90), required=False, allow_null=True, default=None,
                                        coerce_to_string=True)
    longitude = serializers.DecimalField(max_digits=20, decimal_places=12, min_value=Decimal(-180),
                                         max_value=Decimal(180), required=False, allow_null=True, default=None,
                                         coerce_to_string=True)


class ShipmentItemOutputSerializer(serializers.Serializer):
    line_external_id = serializers.CharField(source="line.external_id")
    sku = serializers.CharField(source="line.sku")
    quantity = serializers.IntegerField()


@extend_schema_field(ProofOfDeliverySerializer)
class ProofOfDeliveryOutputField(serializers.Field):
    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, shipment):
        return {"signer": shipment.pod_signer, "photo_url": shipment.pod_photo_url,
                "latitude": None if shipment.pod_latitude is None else str(shipment.pod_latitude),
                "longitude": None if shipment.pod_longitude is None else str(shipment.pod_longitude)}


class ShipmentOutputSerializer(serializers.ModelSerializer):
    order_external_id = serializers.CharField(source="order.external_id")
    order_source = serializers.CharField(source="order.source")
    proof_of_delivery = ProofOfDeliveryOutputField()
    items = ShipmentItemOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Shipment
        fields = ["id", "order_external_id", "order_source", "external_id", "carrier", "service", "tracking_number",
                  "tracking_url", "status", "shipped_at", "delivered_at", "proof_of_delivery", "items"]


# -- tracking events ---------------------------------------------------------------------------------------


class TrackingEventInputSerializer(serializers.Serializer):
    tracking_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="",
                                            help_text=gettext_lazy("Names the shipment (or use the three ids)."))
    carrier = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    order_source = serializers.ChoiceField(choices=OrderSource.choices, default=OrderSource.API)
    order_external_id = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
    shipment_external_id = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
    external_id = serializers.CharField(max_length=128, help_text=gettext_lazy(
        "The carrier's id of the event: sending it again changes nothing."))
    occurred_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=ShipmentStatus.choices)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    location = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    proof_of_delivery = ProofOfDeliverySerializer(required=False, allow_null=True, default=None)

    def validate(self, attrs):
        by_ids = attrs["order_external_id"] and attrs["shipment_external_id"]
        if not (attrs["tracking_number"] or by_ids):
            raise serializers.ValidationError({"tracking_number": [
                _("Name the shipment: its tracking number, or order_external_id and shipment_external_id.")]})
        return attrs

    def to_data(self) -> TrackingEventData:
        attrs = self.validated_data
        proof = attrs["proof_of_delivery"]
        return TrackingEventData(
            shipment=ShipmentRef(tracking_number=attrs["tracking_number"], carrier=attrs["carrier"],
                                 order_source=attrs["order_source"], order_external_id=attrs["order_external_id"],
                                 shipment_external_id=attrs["shipment_external_id"]),
            external_id=attrs["external_id"], occurred_at=attrs["occurred_at"], status=attrs["status"],
            description=attrs["description"], location=attrs["location"],
            proof=None if proof is None else ProofOfDelivery(
                signer=proof["signer"], photo_url=proof["photo_url"], latitude=proof["latitude"],
                longitude=proof["longitude"]))


class TrackingEventOutputSerializer(serializers.ModelSerializer):
    shipment = ShipmentOutputSerializer(read_only=True)

    class Meta:
        model = TrackingEvent
        fields = ["id", "external_id", "occurred_at", "status", "description", "location", "shipment"]
