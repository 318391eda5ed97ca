"""Django admin of the core: the operator's view of markets, customers, orders, money and the webhook inbox.

What shapes it:

* **Every write is a service** (STYLE #1). Orders, payments and shipments come from the store (REST API,
  Shopify, CSV import), customers and identities from ``aftersales.services.customers``, refunds from
  ``aftersales.services.refunds`` (which keeps "never more than captured" under a row lock), webhook events
  from the inbox. Their admins (``ServiceOwnedAdmin``) cannot add or delete and leave only a few
  corrections editable: a shipping address, a mistyped tracking number, a customer's name or language, a
  refund's internal reason. Markets, products, exchange rates and coupons are reference data, edited here.
* **Money is shown, not typed**: formatted with ``format_money`` in the admin user's language.
* **Constant queries per changelist.** Every changelist names its ``list_select_related`` and computes
  per-row figures (a customer's orders, what a payment has refunded, a shipment's tracking events) with
  correlated subqueries, so a page of 100 rows costs the same number of queries as a page of 2
  (``tests/aftersales/test_admin.py`` checks it). Large tables skip the full count
  (``show_full_result_count``); coupons link customers and orders through autocomplete widgets instead of
  selects holding every customer.
* **Searches an operator pastes into**: order numbers, emails, tracking numbers and provider ids (Stripe
  ``ch_``/``pi_``/``re_``, PayPal capture and refund ids); provider ids match exactly.
* Failed webhook events are queued again through ``webhook_reprocess`` (the Reprocess action, for whoever
  may change webhook events), like ``manage.py webhooks_reprocess``.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth import get_permission_codename
from django.db import models
from django.db.models import Count, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from aftersales.choices import RefundStatus
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
    TrackingEvent,
)
from aftersales.money import CurrencyError, format_money
from aftersales.services.webhooks import webhook_reprocess

EMPTY = "–"


def money(amount_minor: int | None, currency: str) -> str:
    """An amount in the admin user's language; the raw figure when the currency is unknown."""
    if amount_minor is None:
        return EMPTY
    try:
        return format_money(amount_minor, currency, get_language() or "en")
    except CurrencyError:
        return f"{amount_minor} {currency}".strip()


def money_column(field: str, description, currency_field: str = "currency"):
    """A display method showing ``field`` (minor units) formatted in the record's currency.

    ``currency_field`` may follow relations (``"order__currency"``): select them with the rows.
    """

    @admin.display(description=description, ordering=field)
    def column(self, obj):
        currency = obj
        for part in currency_field.split("__"):
            currency = getattr(currency, part)
        return money(getattr(obj, field), currency)

    return column


class ReadOnlyInline(admin.TabularInline):
    """Rows shown on their parent's page that are changed elsewhere (their own page, or a service)."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ServiceOwnedAdmin(admin.ModelAdmin):
    """Rows written by services (store ingestion, the refund ledger, the webhook inbox, customer merges).

    The admin shows them and lets an operator correct only the fields named in ``editable``; adding and
    deleting go through the services (and the privacy erasure), never through a form. With nothing editable
    the change page is a view page.
    """

    editable: tuple[str, ...] = ()

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return bool(self.editable) and super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        shown = flatten_fieldsets(self.fieldsets) if self.fieldsets else list(self.fields)
        return [name for name in shown if name not in self.editable]


# -- markets, customers, products, rates ------------------------------------------------------------

@admin.register(Market)
class MarketAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "currency", "legal_profile", "language_list", "time_zone"]
    list_filter = ["legal_profile", "currency"]
    search_fields = ["code", "name"]

    @admin.display(description=_("languages"))
    def language_list(self, obj):
        return ", ".join(obj.languages or [])


class CustomerIdentityInline(ReadOnlyInline):
    """Identities are added and moved by ``aftersales.services.customers`` (normalised, merged), not typed here."""

    model = CustomerIdentity
    fields = ["kind", "value"]
    readonly_fields = fields
    show_change_link = False


@admin.register(Customer)
class CustomerAdmin(ServiceOwnedAdmin):
    list_display = ["__str__", "email", "phone", "language", "country", "order_count", "merged_into", "created_at"]
    list_select_related = ["merged_into"]
    list_filter = ["language", "country", ("merged_into", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["name", "email", "phone", "identities__value"]
    fields = ["name", "email", "phone", "language", "country", "order_count", "merged_into", "created_at"]
    # Email and phone follow the identities; a merge is ``customer_merge``.
    editable = ("name", "language", "country")
    inlines = [CustomerIdentityInline]
    show_full_result_count = False

    def get_queryset(self, request):
        # A correlated count runs for the rows of the page only; a join + GROUP BY would read every order.
        orders = (Order.objects.filter(customer=OuterRef("pk")).order_by().values("customer")
                  .annotate(n=Count("pk")).values("n"))
        return super().get_queryset(request).annotate(order_total=Coalesce(Subquery(orders), 0))

    @admin.display(description=_("orders"), ordering="order_total")
    def order_count(self, obj):
        return obj.order_total


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "category", "final_sale", "unit_cost", "weight_grams"]
    list_filter = ["category", "final_sale"]
    search_fields = ["sku", "name"]

    unit_cost = money_column("unit_cost_minor", _("unit cost"), currency_field="cost_currency")


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ["valid_on", "currency", "base_currency", "rate"]
    list_filter = ["currency", "base_currency", "valid_on"]
    search_fields = ["=currency", "=base_currency"]
    date_hierarchy = "valid_on"


# -- orders --------------------------------------------------------------------------------------------

class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ["sku", "title", "variant", "quantity", "unit_price", "discount", "line_total"]
    readonly_fields = fields

    unit_price = money_column("unit_price_minor", _("unit price"), currency_field="order__currency")
    discount = money_column("discount_minor", _("discount"), currency_field="order__currency")
    line_total = money_column("total_minor", _("line total"), currency_field="order__currency")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order")


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ["provider", "provider_payment_id", "status", "amount", "captured", "captured_at"]
    readonly_fields = fields

    amount = money_column("amount_minor", _("amount"))
    captured = money_column("captured_minor", _("captured"))


class ShipmentInline(ReadOnlyInline):
    model = Shipment
    fields = ["carrier", "tracking_number", "status", "shipped_at", "delivered_at", "pod"]
    readonly_fields = fields

    @admin.display(description=_("proof of delivery"), boolean=True)
    def pod(self, obj):
        return obj.has_proof_of_delivery


class RefundInline(ReadOnlyInline):
    model = Refund
    fk_name = "order"
    fields = ["amount", "cause", "status", "provider", "provider_refund_id", "created_at", "succeeded_at"]
    readonly_fields = fields

    amount = money_column("amount_minor", _("amount"))


@admin.register(Order)
class OrderAdmin(ServiceOwnedAdmin):
    """Orders come from the store (REST API, Shopify, CSV import); the desk may correct where it ships."""

    list_display = ["number", "placed_at", "market", "customer", "email", "total", "status", "fulfillment_mode",
                    "source"]
    list_select_related = ["market", "customer"]
    list_filter = ["status", "market", "source", "fulfillment_mode", "placed_at"]
    search_fields = ["number", "external_id", "email", "customer__email", "customer__name",
                     "=payments__provider_payment_id", "=payments__provider_order_id",
                     "=shipments__tracking_number", "^lines__sku"]
    date_hierarchy = "placed_at"
    inlines = [OrderLineInline, PaymentInline, ShipmentInline, RefundInline]
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["number", "status", "market", "customer", "email", "placed_at", "cancelled_at"]}),
        (_("Amounts"), {"fields": ["currency", "subtotal", "discount", "shipping", "tax", "total"]}),
        (_("Delivery"), {"fields": ["fulfillment_mode", "ship_name", "ship_address", "ship_city", "ship_postcode",
                                    "ship_country"]}),
        (_("Origin"), {"fields": ["source", "external_id", "policy_version_id", "created_at", "updated_at"],
                       "classes": ["collapse"]}),
    ]
    editable = ("ship_name", "ship_address", "ship_city", "ship_postcode", "ship_country")

    subtotal = money_column("subtotal_minor", _("subtotal"))
    discount = money_column("discount_minor", _("discount"))
    shipping = money_column("shipping_minor", _("shipping"))
    tax = money_column("tax_minor", _("tax"))
    total = money_column("total_minor", _("total"))


# -- payments and the refund ledger -------------------------------------------------------------------

class PaymentRefundInline(RefundInline):
    fk_name = "payment"


def _refunded_subquery():
    return (Refund.objects.filter(payment=OuterRef("pk")).exclude(status=RefundStatus.FAILED)
            .order_by().values("payment").annotate(total=Sum("amount_minor")).values("total"))


@admin.register(Payment)
class PaymentAdmin(ServiceOwnedAdmin):
    """Shown only: what was captured bounds every refund (changing it would break the ledger's invariant)."""

    list_display = ["__str__", "order", "provider", "status", "amount", "captured", "refunded", "captured_at"]
    list_select_related = ["order"]
    list_filter = ["provider", "status", "currency", "order__market", "captured_at"]
    search_fields = ["=provider_payment_id", "=provider_order_id", "order__number", "order__email"]
    date_hierarchy = "captured_at"
    fields = ["order", "provider", "provider_payment_id", "provider_order_id", "status", "currency", "amount",
              "captured", "refunded", "rate_to_base", "captured_at", "created_at"]
    inlines = [PaymentRefundInline]
    show_full_result_count = False

    amount = money_column("amount_minor", _("amount"))
    captured = money_column("captured_minor", _("captured"))

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(refunded_total=Coalesce(Subquery(_refunded_subquery()), 0))

    @admin.display(description=_("refunded"), ordering="refunded_total")
    def refunded(self, obj):
        return money(obj.refunded_total, obj.currency)


class RefundEventInline(ReadOnlyInline):
    model = RefundEvent
    fields = ["at", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Refund)
class RefundAdmin(ServiceOwnedAdmin):
    """The ledger: refunds are made and settled by ``aftersales.services.refunds`` only; the internal
    reason is the one thing an operator may reword here."""

    list_display = ["__str__", "order", "amount", "cause", "status", "provider", "provider_refund_id", "source",
                    "created_at", "succeeded_at"]
    list_select_related = ["order"]
    list_filter = ["status", "cause", "source", "provider", "currency", "order__market", "created_at",
                   "succeeded_at"]
    search_fields = ["order__number", "order__email", "=provider_refund_id", "=payment__provider_payment_id",
                     "=idempotency_key", "source_ref", "reason"]
    date_hierarchy = "created_at"
    inlines = [RefundEventInline]
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["order", "payment", "amount", "currency", "rate_to_base", "status", "cause", "reason",
                           "source", "source_ref"]}),
        (_("Provider"), {"fields": ["provider", "provider_refund_id", "idempotency_key", "attempts",
                                    "failure_message"]}),
        (_("People and times"), {"fields": ["requested_by", "approved_by", "created_at", "requested_at",
                                            "succeeded_at", "failed_at"]}),
    ]
    editable = ("reason",)

    amount = money_column("amount_minor", _("amount"))


# -- shipments -------------------------------------------------------------------------------------------

class TrackingEventInline(ReadOnlyInline):
    """Recorded by ``tracking_event_record``, which also moves the shipment's status and proof of delivery."""

    model = TrackingEvent
    fields = ["occurred_at", "status", "description", "location", "external_id"]
    readonly_fields = fields
    show_change_link = False


@admin.register(Shipment)
class ShipmentAdmin(ServiceOwnedAdmin):
    """Shipments come from the store and move with tracking events; a mistyped carrier or tracking number
    may be corrected here."""

    list_display = ["__str__", "order", "carrier", "tracking_number", "status", "shipped_at", "delivered_at",
                    "pod", "event_count"]
    list_select_related = ["order"]
    list_filter = ["status", "carrier", "order__market", "order__fulfillment_mode", "shipped_at", "delivered_at"]
    search_fields = ["tracking_number", "order__number", "order__email", "external_id"]
    date_hierarchy = "shipped_at"
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [TrackingEventInline]
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["order", "external_id", "carrier", "service", "tracking_number", "tracking_url",
                           "status", "shipped_at", "delivered_at", "created_at"]}),
        (_("Proof of delivery"), {"fields": ["pod_signer", "pod_photo_url", "pod_latitude", "pod_longitude"]}),
    ]
    editable = ("carrier", "service", "tracking_number", "tracking_url")

    def get_queryset(self, request):
        events = (TrackingEvent.objects.filter(shipment=OuterRef("pk")).order_by().values("shipment")
                  .annotate(n=Count("pk")).values("n"))
        return super().get_queryset(request).annotate(tracking_events=Coalesce(Subquery(events), 0))

    @admin.display(description=_("proof of delivery"), boolean=True)
    def pod(self, obj):
        return obj.has_proof_of_delivery

    @admin.display(description=_("tracking events"), ordering="tracking_events")
    def event_count(self, obj):
        return obj.tracking_events


# -- coupons -----------------------------------------------------------------------------------------------

@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    list_display = ["code", "kind", "value", "customer", "order", "expires_at", "redeemed_at", "created_at"]
    list_select_related = ["customer", "order"]
    list_filter = ["kind", "currency", ("redeemed_at", admin.EmptyFieldListFilter), "expires_at", "created_at"]
    search_fields = ["code", "customer__email", "customer__name", "order__number"]
    autocomplete_fields = ["customer", "order", "issued_by"]
    readonly_fields = ["created_at"]

    @admin.display(description=_("value"), ordering="amount_minor")
    def value(self, obj):
        if obj.percent:
            return f"{obj.percent} %"
        return money(obj.amount_minor, obj.currency) if obj.currency else EMPTY


# -- the webhook inbox ----------------------------------------------------------------------------------

@admin.register(InboundWebhookEvent)
class InboundWebhookEventAdmin(ServiceOwnedAdmin):
    """Stored deliveries, shown as received; failed ones can be queued again with the Reprocess action."""

    list_display = ["received_at", "provider", "event_type", "event_id", "status", "attempts", "processed_at"]
    list_filter = ["status", "provider", "event_type", "received_at"]
    search_fields = ["=event_id", "event_type"]
    date_hierarchy = "received_at"
    actions = ["reprocess"]
    show_full_result_count = False
    fields = ["provider", "event_id", "event_type", "status", "attempts", "error", "received_at", "processed_at",
              "headers", "body"]

    def has_reprocess_permission(self, request):
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.{get_permission_codename('change', opts)}")

    @admin.action(description=_("Reprocess the selected events"), permissions=["reprocess"])
    def reprocess(self, request, queryset):
        selected = list(queryset.values_list("pk", flat=True))
        queued = webhook_reprocess(event_pks=selected)
        self.message_user(request, ngettext("%(count)d event queued for processing.",
                                            "%(count)d events queued for processing.", queued) % {"count": queued},
                          messages.SUCCESS if queued else messages.WARNING)
        left = len(selected) - queued
        if left:
            self.message_user(request, ngettext(
                "%(count)d event was already processed or ignored and was left as it was.",
                "%(count)d events were already processed or ignored and were left as they were.", left)
                % {"count": left}, messages.INFO)
