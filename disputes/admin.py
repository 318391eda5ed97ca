"""Admin of disputes: an operator's view. Every write is a service fed by the providers' webhooks or the deadline
scan; the only field an operator sets here is who the dispute is assigned to (the T-72 h alert goes to them)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from aftersales.admin import ReadOnlyInline, ServiceOwnedAdmin
from aftersales.money import format_money

from .models import Dispute, DisputeAlert, DisputeEvent


class DisputeEventInline(ReadOnlyInline):
    model = DisputeEvent
    fields = ["occurred_at", "type", "provider_event_id", "from_status", "to_status", "applied", "note"]
    ordering = ["occurred_at", "id"]


class DisputeAlertInline(ReadOnlyInline):
    model = DisputeAlert
    fields = ["kind", "due_at", "recorded_at", "sent_at", "recipients", "note"]
    ordering = ["due_at", "id"]


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
              "funds_reinstated_minor", "provider_updated_at", "assignee", "raw", "created_at", "updated_at"]
    editable = ("assignee",)
    raw_id_fields = ["assignee"]
    inlines = [DisputeAlertInline, DisputeEventInline]

    @admin.display(description=_("amount"), ordering="amount_minor")
    def amount(self, obj):
        return format_money(obj.amount_minor, obj.currency)


@admin.register(DisputeAlert)
class DisputeAlertAdmin(ServiceOwnedAdmin):
    list_display = ["dispute", "kind", "due_at", "recorded_at", "sent_at"]
    list_filter = ["kind"]
    list_select_related = ["dispute"]
    search_fields = ["=dispute__provider_id", "=dispute__order__number"]
    show_full_result_count = False
    fields = ["dispute", "kind", "due_at", "recorded_at", "sent_at", "recipients", "note"]
