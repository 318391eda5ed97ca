"""Admin of disputes: a read-only operator's view (every write is a service fed by the providers' webhooks)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from aftersales.admin import ReadOnlyInline, ServiceOwnedAdmin
from aftersales.money import format_money

from .models import Dispute, DisputeEvent


class DisputeEventInline(ReadOnlyInline):
    model = DisputeEvent
    fields = ["occurred_at", "type", "provider_event_id", "from_status", "to_status", "applied", "note"]
    ordering = ["occurred_at", "id"]


@admin.register(Dispute)
class DisputeAdmin(ServiceOwnedAdmin):
    list_display = ["provider_id", "provider", "status", "stage", "reason", "amount", "internal_deadline",
                    "respond_by", "outcome", "order"]
    list_filter = ["provider", "status", "stage", "reason", "outcome"]
    list_select_related = ["order"]
    search_fields = ["=provider_id", "=payment_reference", "=order__number"]
    show_full_result_count = False
    fields = ["provider", "provider_id", "payment", "order", "payment_reference", "status", "provider_status",
              "stage", "reason", "provider_reason", "network_reason_code", "currency", "amount_minor",
              "opened_at", "respond_by", "internal_deadline", "outcome", "closed_at", "funds_withdrawn_minor",
              "funds_reinstated_minor", "provider_updated_at", "raw", "created_at", "updated_at"]
    inlines = [DisputeEventInline]

    @admin.display(description=_("amount"), ordering="amount_minor")
    def amount(self, obj):
        return format_money(obj.amount_minor, obj.currency)
