"""Channels, statuses and the moves allowed between them (DESIGN section 4, "tickets")."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    WHATSAPP = "whatsapp", _("WhatsApp")
    MESSENGER = "messenger", _("Messenger")
    WEBCHAT = "webchat", _("Web chat")


class TicketStatus(models.TextChoices):
    # With a context: "Open" and "Closed" of a ticket are not those of a return or an order in every language.
    NEW = "new", pgettext_lazy("ticket status", "New")
    OPEN = "open", pgettext_lazy("ticket status", "Open")
    PENDING = "pending", pgettext_lazy("ticket status", "Pending")
    SOLVED = "solved", pgettext_lazy("ticket status", "Solved")
    CLOSED = "closed", pgettext_lazy("ticket status", "Closed")


S = TicketStatus
TICKET_TRANSITIONS = {
    S.NEW: {S.OPEN, S.PENDING, S.SOLVED, S.CLOSED},
    S.OPEN: {S.PENDING, S.SOLVED, S.CLOSED},
    S.PENDING: {S.OPEN, S.SOLVED, S.CLOSED},
    S.SOLVED: {S.OPEN, S.CLOSED},  # a customer's reply reopens a solved ticket
    S.CLOSED: set(),  # a reply to a closed ticket opens a new one
}
LIVE_STATUSES = (S.NEW, S.OPEN, S.PENDING, S.SOLVED)


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Direction(models.TextChoices):
    INBOUND = "inbound", _("From the customer")
    OUTBOUND = "outbound", _("To the customer")
    NOTE = "note", _("Internal note")


class MessageKind(models.TextChoices):
    MESSAGE = "message", _("Message")
    AUTO_REPLY = "auto_reply", _("Automatic reply")
    BOUNCE = "bounce", _("Bounce")
    READ_RECEIPT = "read_receipt", _("Read receipt")
    POSTBACK = "postback", _("Button choice")


class Delivery(models.TextChoices):
    RECEIVED = "received", _("Received")
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    FAILED = "failed", _("Failed")
    HELD = "held", _("Held: channel not configured")


# Status updates only move forward: a late "delivered" never overwrites "read".
DELIVERY_RANK = {Delivery.QUEUED: 0, Delivery.HELD: 0, Delivery.SENDING: 1, Delivery.SENT: 2,
                 Delivery.DELIVERED: 3, Delivery.READ: 4}


class AttachmentState(models.TextChoices):
    PENDING = "pending", _("Being fetched")
    STORED = "stored", _("Stored")
    REFUSED = "refused", _("Refused")
    FAILED = "failed", _("Could not be fetched")


class ComplaintCategory(models.TextChoices):
    NOT_RECEIVED = "not_received", _("Order not received")
    LATE = "late", _("Late delivery")
    DAMAGED = "damaged", _("Damaged or defective")
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    WRONG_ITEM = "wrong_item", _("Wrong item")
    REFUND = "refund", _("Refund not received")
    SERVICE = "service", _("Service")
    OTHER = "other", _("Other")


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a manager")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
