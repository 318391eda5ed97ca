"""Tickets and their messages across channels (DESIGN section 4, "tickets").

A ``Ticket`` is one conversation with one customer, whatever the channel; a ``Message`` is one thing said in
it: inbound (from the customer), outbound (to the customer, sent through the outbox) or an internal note.
Every inbound message keeps its original (the raw email bytes or the provider's JSON) beside the sanitised
text an agent reads. ``(channel, external_id)`` is unique, so a redelivered webhook or a re-fetched email is
never stored twice; outbound messages carry an ``outbox_key`` so that nothing is sent twice.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.models import Customer, Order

from .choices import AttachmentState, Channel, Delivery, Direction, MessageKind, Priority, TicketStatus

NUMBER_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY34679"


def new_ticket_number() -> str:
    return "T-" + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(7))


class Ticket(models.Model):
    number = models.CharField(_("number"), max_length=16, unique=True, default=new_ticket_number)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="tickets",
                                 verbose_name=_("customer"))
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets",
                              verbose_name=_("order"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    language = models.CharField(_("language"), max_length=10, default="en")
    status = models.CharField(_("status"), max_length=12, choices=TicketStatus.choices, default=TicketStatus.NEW,
                              db_index=True)
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="tickets", verbose_name=_("assignee"))
    tags = models.JSONField(_("tags"), default=list, blank=True)
    complaint_category = models.CharField(_("complaint category"), max_length=32, blank=True)
    # The channel's address of the customer for replies: email address, WhatsApp id, PSID, or empty (web chat).
    contact = models.CharField(_("contact"), max_length=254, blank=True)
    last_inbound_at = models.DateTimeField(_("last message from the customer"), null=True, blank=True)
    last_message_at = models.DateTimeField(_("last message"), null=True, blank=True, db_index=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="merged_tickets", verbose_name=_("merged into"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        indexes = [models.Index(fields=["customer", "channel", "status"], name="ticket_customer_channel"),
                   models.Index(fields=["status", "last_message_at"], name="ticket_status_last")]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")

    def __str__(self):
        return self.number


class TicketEvent(models.Model):
    """The ticket's timeline of status changes, merges and links (who, when, from, to, why)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, choices=TicketStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=TicketStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")

    def __str__(self):
        return f"{self.from_status or '∅'} → {self.to_status}"


class Message(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages",
                               verbose_name=_("ticket"))
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=MessageKind.choices, default=MessageKind.MESSAGE)
    # The provider's id: an email's Message-ID (without <>), a WhatsApp wamid, a Messenger mid.
    external_id = models.CharField(_("external id"), max_length=255, blank=True)
    in_reply_to = models.CharField(max_length=255, blank=True)
    references = models.JSONField(default=list, blank=True)
    sender = models.CharField(_("sender"), max_length=254, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("author"))
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("text"), blank=True)  # what an agent reads: quotes and signatures stripped
    full_text = models.TextField(_("full text"), blank=True)  # the whole plain text, quotes included
    body_html = models.TextField(_("HTML (sanitised)"), blank=True)
    raw = models.BinaryField(_("original"), blank=True, default=b"")  # raw email bytes or provider JSON
    payload = models.CharField(max_length=500, blank=True)  # a postback's or quick reply's payload
    language = models.CharField(_("language"), max_length=10, blank=True)
    delivery = models.CharField(_("delivery"), max_length=12, choices=Delivery.choices, default=Delivery.RECEIVED)
    delivery_error = models.TextField(_("delivery error"), blank=True)
    outbox_key = models.CharField(max_length=80, unique=True, null=True, blank=True)
    template = models.CharField(_("template"), max_length=120, blank=True)  # WhatsApp template outside 24 h
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["channel", "external_id"], condition=~Q(external_id=""),
                                               name="message_unique_channel_external_id")]
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket_created"),
                   models.Index(fields=["sender", "created_at"], name="message_sender_created")]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self):
        return f"{self.get_direction_display()} · {self.channel} · {self.pk}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="tickets/%Y/%m/", blank=True)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    content_type = models.CharField(_("type"), max_length=120, blank=True)
    size = models.PositiveIntegerField(_("size"), default=0)
    content_id = models.CharField(max_length=255, blank=True)
    media_id = models.CharField(max_length=255, blank=True)  # WhatsApp media id / Messenger URL, fetched later
    state = models.CharField(_("state"), max_length=10, choices=AttachmentState.choices,
                             default=AttachmentState.STORED)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.filename or self.media_id or f"#{self.pk}"


class Mailbox(models.Model):
    """Where the IMAP poller stands in one folder: the folder's UIDVALIDITY and the last UID taken in."""

    key = models.CharField(max_length=300, unique=True)  # user@host/folder
    uidvalidity = models.BigIntegerField(default=0)
    last_uid = models.BigIntegerField(default=0)
    polled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self):
        return self.key
