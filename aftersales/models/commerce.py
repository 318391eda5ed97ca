"""What the store sells and ships: markets, customers, products, orders, payments, shipments, rates, coupons.

Every amount is ``*_minor`` (integer minor units) next to a ``currency`` (DESIGN section 5). Rows that come
from the store carry an ``external_id`` so that ingestion is idempotent.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.choices import (
    CouponKind,
    FulfillmentMode,
    IdentityKind,
    LegalProfile,
    OrderSource,
    OrderStatus,
    PaymentProvider,
    PaymentStatus,
    ProductCategory,
    ShipmentStatus,
)
from aftersales.places import market_name


class Market(models.Model):
    """Where a store sells: its currency, languages and the legal profile its return rules follow."""

    code = models.CharField(_("code"), max_length=8, unique=True)  # US, DE, UK, …
    name = models.CharField(_("name"), max_length=80)
    countries = models.JSONField(_("countries"), default=list, help_text=_("ISO 3166 alpha-2 codes"))
    currency = models.CharField(_("currency"), max_length=3)
    languages = models.JSONField(_("languages"), default=list)
    legal_profile = models.CharField(_("legal profile"), max_length=8, choices=LegalProfile.choices)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")

    class Meta:
        ordering = ["code"]
        verbose_name = _("market")
        verbose_name_plural = _("markets")

    def __str__(self):
        return f"{self.code} · {self.name}"

    @property
    def local_name(self) -> str:
        """The name in the reader's language where it is a country's own name (``places.market_name``)."""
        return market_name(self.name)


class Customer(models.Model):
    """One person across channels. A merged customer points at the one it was merged into."""

    email = models.EmailField(_("email"), blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="merged_customers", verbose_name=_("merged into"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self):
        return self.name or self.email or self.phone or f"#{self.pk}"


class CustomerIdentity(models.Model):
    """An address a customer reaches us from: email, phone, WhatsApp id, Messenger PSID."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(_("kind"), max_length=16, choices=IdentityKind.choices)
    value = models.CharField(_("value"), max_length=254)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="identity_unique_kind_value")]
        verbose_name = _("customer identity")
        verbose_name_plural = _("customer identities")

    def __str__(self):
        return f"{self.kind}:{self.value}"


class Product(models.Model):
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=32, choices=ProductCategory.choices,
                                default=ProductCategory.OTHER)
    final_sale = models.BooleanField(_("final sale"), default=False)
    unit_cost_minor = models.BigIntegerField(_("unit cost (minor units)"), default=0)
    cost_currency = models.CharField(_("cost currency"), max_length=3, default="USD")
    weight_grams = models.PositiveIntegerField(_("weight (g)"), default=0)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["sku"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self):
        return f"{self.sku} · {self.name}"


class Order(models.Model):
    number = models.CharField(_("order number"), max_length=64, unique=True)
    source = models.CharField(_("source"), max_length=16, choices=OrderSource.choices, default=OrderSource.API)
    external_id = models.CharField(_("external id"), max_length=128, blank=True)
    market = models.ForeignKey(Market, on_delete=models.PROTECT, related_name="orders")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    email = models.EmailField(_("email at checkout"), blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    subtotal_minor = models.BigIntegerField(_("subtotal"), default=0)
    shipping_minor = models.BigIntegerField(_("shipping"), default=0)
    tax_minor = models.BigIntegerField(_("tax"), default=0)
    discount_minor = models.BigIntegerField(_("discount"), default=0)
    total_minor = models.BigIntegerField(_("total"), default=0)
    placed_at = models.DateTimeField(_("placed at"), db_index=True)
    status = models.CharField(_("status"), max_length=24, choices=OrderStatus.choices, default=OrderStatus.OPEN)
    fulfillment_mode = models.CharField(_("fulfillment mode"), max_length=24, choices=FulfillmentMode.choices,
                                        default=FulfillmentMode.OWN_SHIPPING)
    # The return-policy version in force at checkout; set by the policies app (aftersales may not import it).
    policy_version_id = models.BigIntegerField(_("policy version at checkout"), null=True, blank=True)
    ship_name = models.CharField(_("ship to name"), max_length=200, blank=True)
    ship_address = models.TextField(_("ship to address"), blank=True)
    ship_city = models.CharField(_("city"), max_length=120, blank=True)
    ship_postcode = models.CharField(_("postcode"), max_length=32, blank=True)
    ship_country = models.CharField(_("country"), max_length=2, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # When the store last changed the order, as the version we stored says: an older version arriving later
    # (webhooks are not delivered in order) is not applied over it.
    store_updated_at = models.DateTimeField(_("changed in the store at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-placed_at"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], condition=~Q(external_id=""),
                                    name="order_unique_source_external_id"),
            models.CheckConstraint(condition=Q(total_minor__gte=0), name="order_total_not_negative"),
        ]
        indexes = [models.Index(fields=["customer", "placed_at"], name="order_customer_placed")]
        verbose_name = _("order")
        verbose_name_plural = _("orders")

    def __str__(self):
        return self.number


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT, related_name="lines")
    external_id = models.CharField(_("external id"), max_length=128, blank=True)
    sku = models.CharField(_("SKU"), max_length=64)
    title = models.CharField(_("title"), max_length=255)
    variant = models.CharField(_("variant"), max_length=120, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price_minor = models.BigIntegerField(_("unit price"))
    discount_minor = models.BigIntegerField(_("discount"), default=0)
    total_minor = models.BigIntegerField(_("line total"))

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="line_quantity_positive")]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")

    def __str__(self):
        return f"{self.quantity} × {self.sku}"


class Payment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(_("provider"), max_length=16, choices=PaymentProvider.choices)
    # Stripe: the charge (ch_…) or payment intent (pi_…); PayPal: the capture id; manual: a reference.
    provider_payment_id = models.CharField(_("provider payment id"), max_length=128, blank=True)
    provider_order_id = models.CharField(_("provider order id"), max_length=128, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    amount_minor = models.BigIntegerField(_("amount"))
    captured_minor = models.BigIntegerField(_("captured"), default=0)
    status = models.CharField(_("status"), max_length=16, choices=PaymentStatus.choices,
                              default=PaymentStatus.CAPTURED)
    captured_at = models.DateTimeField(_("captured at"), null=True, blank=True, db_index=True)
    rate_to_base = models.DecimalField(_("rate to base currency"), max_digits=18, decimal_places=8, default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_payment_id"], condition=~Q(provider_payment_id=""),
                                    name="payment_unique_provider_id"),
            models.CheckConstraint(condition=Q(captured_minor__gte=0) & Q(captured_minor__lte=models.F("amount_minor")),
                                   name="payment_captured_within_amount"),
        ]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def __str__(self):
        return f"{self.provider} {self.provider_payment_id or self.pk}"


class Shipment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    external_id = models.CharField(_("external id"), max_length=128, blank=True)
    carrier = models.CharField(_("carrier"), max_length=64, blank=True)
    service = models.CharField(_("service"), max_length=64, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=64, blank=True, db_index=True)
    tracking_url = models.URLField(_("tracking link"), blank=True)
    status = models.CharField(_("status"), max_length=24, choices=ShipmentStatus.choices,
                              default=ShipmentStatus.PENDING)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True, db_index=True)
    pod_signer = models.CharField(_("signed for by"), max_length=200, blank=True)
    pod_photo_url = models.URLField(_("delivery photo"), blank=True, max_length=500)
    pod_latitude = models.DecimalField(_("delivery latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    pod_longitude = models.DecimalField(_("delivery longitude"), max_digits=9, decimal_places=6, null=True,
                                        blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "external_id"], condition=~Q(external_id=""),
                                    name="shipment_unique_order_external_id"),
        ]
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")

    def __str__(self):
        return f"{self.carrier} {self.tracking_number}".strip() or f"#{self.pk}"

    @property
    def has_proof_of_delivery(self):
        return bool(self.pod_signer or self.pod_photo_url or self.pod_latitude is not None)


class ShipmentItem(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="items")
    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="shipment_items")
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shipment", "line"], name="shipment_item_unique_line")]

    def __str__(self):
        return f"{self.quantity} × line {self.line_id}"


class TrackingEvent(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    external_id = models.CharField(_("event id"), max_length=128)
    occurred_at = models.DateTimeField(_("occurred at"))
    status = models.CharField(_("status"), max_length=24, choices=ShipmentStatus.choices)
    description = models.CharField(_("description"), max_length=500, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)

    class Meta:
        ordering = ["shipment", "occurred_at"]
        constraints = [models.UniqueConstraint(fields=["shipment", "external_id"], name="tracking_event_unique")]
        verbose_name = _("tracking event")
        verbose_name_plural = _("tracking events")

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.status}"


class ExchangeRate(models.Model):
    """Units of ``base_currency`` for one unit of ``currency`` on a day; records copy the rate they used."""

    currency = models.CharField(_("currency"), max_length=3)
    base_currency = models.CharField(_("base currency"), max_length=3)
    rate = models.DecimalField(_("rate"), max_digits=18, decimal_places=8)
    valid_on = models.DateField(_("valid on"))

    class Meta:
        ordering = ["-valid_on", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "base_currency", "valid_on"], name="rate_unique_day"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="rate_positive"),
        ]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")

    def __str__(self):
        return f"1 {self.currency} = {self.rate} {self.base_currency} ({self.valid_on})"


class Coupon(models.Model):
    """A discount code or store credit given to a customer (goodwill, a not-received offer, a return)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=CouponKind.choices)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="coupons")
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.PROTECT, related_name="coupons")
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    amount_minor = models.BigIntegerField(_("amount"), default=0)
    percent = models.PositiveSmallIntegerField(_("percent"), default=0)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    redeemed_at = models.DateTimeField(_("redeemed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gte=0) & Q(percent__lte=100), name="coupon_value_valid"),
        ]
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")

    def __str__(self):
        return self.code
