"""Admin of ``tickets``: read-mostly views for support leads; the desk is where work happens."""

from django.contrib import admin

from .models import Attachment, Mailbox, Message, Ticket, TicketEvent


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
