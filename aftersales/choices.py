"""Statuses and enumerations of the core, with the allowed transitions of each status field (STYLE #4)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LegalProfile(models.TextChoices):
    EU = "EU", _("European Union")
    UK = "UK", _("United Kingdom")
    US = "US", _("United States")
    AU = "AU", _("Australia")
    OTHER = "OTHER", _("Other")


class IdentityKind(models.TextChoices):
    EMAIL = "email", _("Email address")
    PHONE = "phone", _("Phone number")
    WHATSAPP = "whatsapp", _("WhatsApp id")
    MESSENGER = "messenger", _("Messenger PSID")


class ProductCategory(models.TextChoices):
    APPAREL = "apparel", _("Apparel")
    ELECTRONICS = "electronics", _("Electronics")
    HOME = "home", _("Home")
    OUTDOOR = "outdoor", _("Outdoor")
    OTHER = "other", _("Other")


class FulfillmentMode(models.TextChoices):
    OWN_SHIPPING = "own_shipping", _("Own shipping from China")
    OVERSEAS_WAREHOUSE = "overseas_warehouse", _("Overseas warehouse")
    THIRD_PARTY = "3pl", _("Third-party logistics")


class OrderStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PARTIALLY_FULFILLED = "partially_fulfilled", _("Partially fulfilled")
    FULFILLED = "fulfilled", _("Fulfilled")
    CANCELLED = "cancelled", _("Cancelled")


class OrderSource(models.TextChoices):
    API = "api", _("Store API")
    SHOPIFY = "shopify", _("Shopify")
    CSV = "csv", _("CSV import")
    DEMO = "demo", _("Demo data")


class PaymentProvider(models.TextChoices):
    STRIPE = "stripe", "Stripe"
    PAYPAL = "paypal", "PayPal"
    MANUAL = "manual", _("Manual")


class PaymentStatus(models.TextChoices):
    AUTHORIZED = "authorized", _("Authorized")
    CAPTURED = "captured", _("Captured")
    VOIDED = "voided", _("Voided")
    FAILED = "failed", _("Failed")


class ShipmentStatus(models.TextChoices):
    PENDING = "pending", _("Label created")
    IN_TRANSIT = "in_transit", _("In transit")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    DELIVERED = "delivered", _("Delivered")
    EXCEPTION = "exception", _("Delivery problem")
    RETURNED = "returned", _("Returned to sender")


class CouponKind(models.TextChoices):
    AMOUNT = "amount", _("Fixed amount off")
    PERCENT = "percent", _("Percentage off")
    STORE_CREDIT = "store_credit", _("Store credit")


class RefundCause(models.TextChoices):
    RETURN = "return", _("Return")
    CANCELLATION = "cancellation", _("Cancellation")
    NOT_RECEIVED = "not_received", _("Not received")
    GOODWILL = "goodwill", _("Goodwill")
    DISPUTE = "dispute", _("Dispute")


class RefundSource(models.TextChoices):
    DESK = "desk", _("Agent desk")
    PORTAL = "portal", _("Customer portal")
    STORE = "store", _("Store (API or Shopify)")
    SYSTEM = "system", _("Automatic")


class RefundStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    REQUESTED = "requested", _("Requested")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


REFUND_TRANSITIONS = {
    RefundStatus.PLANNED: {RefundStatus.REQUESTED, RefundStatus.FAILED},
    RefundStatus.REQUESTED: {RefundStatus.SUCCEEDED, RefundStatus.FAILED},
    RefundStatus.SUCCEEDED: set(),
    RefundStatus.FAILED: set(),
}


class WebhookProvider(models.TextChoices):
    STRIPE = "stripe", "Stripe"
    PAYPAL = "paypal", "PayPal"
    SHOPIFY = "shopify", "Shopify"
    TRACKING = "tracking", _("Tracking")
    WHATSAPP = "whatsapp", "WhatsApp"
    MESSENGER = "messenger", "Messenger"
    EMAIL = "email", _("Email")


class WebhookStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored")
    FAILED = "failed", _("Failed")
