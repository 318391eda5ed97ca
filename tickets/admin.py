"""Admin of ``tickets``: read-mostly views for support leads; the desk is where work happens."""

from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from .models import (
    AgentProfile,
    Attachment,
    BusinessCalendar,
    CsatSurvey,
    Holiday,
    Macro,
    Mailbox,
    Message,
    PhraseRule,
    RefundApproval,
    SlaPolicy,
    Ticket,
    TicketEvent,
)


class MessageInline(admin.TabularInline):
    model = Message
    fields = ("created_at", "direction", "channel", "kind", "sender", "body", "delivery", "delivery_error")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


class EventInline(admin.TabularInline):
    model = TicketEvent
    fields = ("at", "from_status", "to_status", "actor", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ("number", "channel", "customer", "order", "language", "status", "priority", "assignee",
                    "last_message_at")
    list_filter = ("channel", "status", "priority", "language")
    search_fields = ("number", "subject", "contact", "customer__email", "order__number")
    raw_id_fields = ("customer", "order", "assignee", "merged_into")
    inlines = [EventInline, MessageInline]


class AttachmentInline(admin.TabularInline):
    model = Attachment
    fields = ("filename", "content_type", "size", "state", "error", "file")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("pk", "ticket", "direction", "channel", "kind", "sender", "delivery", "created_at")
    list_filter = ("direction", "channel", "kind", "delivery")
    search_fields = ("external_id", "sender", "ticket__number")
    raw_id_fields = ("ticket", "author")
    exclude = ("raw",)
    inlines = [AttachmentInline]


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = ("key", "uidvalidity", "last_uid", "polled_at")


@admin.register(PhraseRule)
class PhraseRuleAdmin(admin.ModelAdmin):
    """Managers keep the phrase check's wording here (the desk reloads rules within a minute)."""

    list_display = ("language", "pattern", "suggestion", "active")
    list_filter = ("language", "active")
    search_fields = ("pattern", "suggestion")


@admin.register(Macro)
class MacroAdmin(TranslationAdmin):
    list_display = ("title", "active", "position")
    list_editable = ("active", "position")


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 1


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "time_zone")
    inlines = [HolidayInline]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "priority", "channel", "first_response_minutes", "next_response_minutes",
                    "resolution_minutes", "calendar", "active")
    list_filter = ("active", "priority", "channel")


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "languages", "capacity", "available", "last_assigned_at")
    list_editable = ("available", "capacity")


@admin.register(RefundApproval)
class RefundApprovalAdmin(admin.ModelAdmin):
    list_display = ("ticket", "amount_minor", "currency", "status", "requested_by", "decided_by", "created_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in RefundApproval._meta.fields]


@admin.register(CsatSurvey)
class CsatSurveyAdmin(admin.ModelAdmin):
    list_display = ("ticket", "score", "sent_at", "answered_at")
    readonly_fields = ("ticket", "token", "language", "sent_at", "score", "comment", "answered_at")
