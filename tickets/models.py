"""Tickets and their messages across channels (DESIGN section 4, "tickets").

A ``Ticket`` is one conversation with one customer, whatever the channel; a ``Message`` is one thing said in
it: inbound (from the customer), outbound (to the customer, sent through the outbox) or an internal note.
Every inbound message keeps its original (the raw email bytes or the provider's JSON) beside the sanitised
text an agent reads. ``(channel, external_id)`` is unique, so a redelivered webhook or a re-fetched email is
never stored twice; outbound messages carry an ``outbox_key`` so that nothing is sent twice.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.models import Customer, Order

from .choices import (
    ApprovalStatus,
    AttachmentState,
    Channel,
    ComplaintCategory,
    Delivery,
    Direction,
    MessageKind,
    Priority,
    TicketStatus,
)

NUMBER_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY34679"
# A message marked sending this long ago without the provider's answer recorded is "not confirmed" (a send takes
# seconds; the worker's retries of a timeout put it back to queued in between).
UNCONFIRMED_AFTER = timedelta(minutes=10)


QUEUE_ORDER = ("reply_by", "-last_message_at", "-id")
LIVE = Q(status__in=["new", "open", "pending", "solved"])  # choices.LIVE_STATUSES, spelled out for migrations


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
    complaint_category = models.CharField(_("complaint category"), max_length=32, blank=True,
                                          choices=ComplaintCategory.choices)
    # The channel's address of the customer for replies: email address, WhatsApp id, PSID, or empty (web chat).
    contact = models.CharField(_("contact"), max_length=254, blank=True)
    last_inbound_at = models.DateTimeField(_("last message from the customer"), null=True, blank=True)
    last_message_at = models.DateTimeField(_("last message"), null=True, blank=True, db_index=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="merged_tickets", verbose_name=_("merged into"))
    # SLA state (tickets/sla.py): what is owed and by when; reply_by is the earliest of the SLA target and the
    # closing of the WhatsApp / Messenger window, kept in the row so that the queue sorts and filters on it.
    sla_policy = models.ForeignKey("SlaPolicy", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    first_inbound_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    # Business minutes to the first response, stored when it happens (the monthly audit aggregates it in SQL).
    first_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    awaiting_reply_since = models.DateTimeField(null=True, blank=True)  # the customer's oldest unanswered message
    reply_by = models.DateTimeField(_("reply by"), null=True, blank=True, db_index=True)
    resolve_by = models.DateTimeField(_("resolve by"), null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    snoozed_until = models.DateTimeField(_("snoozed until"), null=True, blank=True, db_index=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    auto_replied_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)  # bumped by every message: a reply on an older view asks
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        indexes = [models.Index(fields=["customer", "channel", "status"], name="ticket_customer_channel"),
                   models.Index(fields=["status", "last_message_at"], name="ticket_status_last"),
                   # The queue reads live tickets (a few % of all) in its whole sort order (reply-by, newest
                   # message, id): partial indexes on that order let a page stop after 51 index entries, however
                   # much closed history accumulates or how many tickets have no reply-by time
                   # (tests/perf/test_bench_tickets.py).
                   models.Index(fields=[*QUEUE_ORDER], condition=LIVE, name="ticket_live_queue"),
                   models.Index(fields=["assignee", *QUEUE_ORDER], condition=LIVE, name="ticket_live_assignee_q"),
                   models.Index(fields=["channel", *QUEUE_ORDER], condition=LIVE, name="ticket_live_channel_q"),
                   models.Index(fields=["language", *QUEUE_ORDER], condition=LIVE, name="ticket_live_language_q"),
                   # The monthly audit (aftersales.audit): first responses by month, earlier complaints of a customer.
                   models.Index(fields=["first_inbound_at"], name="ticket_first_inbound"),
                   models.Index(fields=["customer", "created_at"], condition=~Q(complaint_category=""),
                                name="ticket_customer_complaints"),
                   # Answered tickets whose business minutes are not stored yet (``first_response_minutes_fill``,
                   # run before every audit): almost always none, found without reading the whole table.
                   models.Index(fields=["id"], condition=Q(first_inbound_at__isnull=False,
                                                           first_response_at__isnull=False,
                                                           first_response_minutes__isnull=True),
                                name="ticket_minutes_pending")]
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
    flagged_phrases = models.JSONField(default=list, blank=True)  # the phrase check's findings when sent anyway
    override_reason = models.CharField(_("reason for sending anyway"), max_length=500, blank=True)
    sending_at = models.DateTimeField(null=True, blank=True)  # handed to the provider (``Message.unconfirmed``)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["channel", "external_id"], condition=~Q(external_id=""),
                                               name="message_unique_channel_external_id")]
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket_created"),
                   models.Index(fields=["sender", "created_at"], name="message_sender_created"),
                   # Replies that may not have reached the customer: the desk's "Replies not delivered" view.
                   models.Index(fields=["ticket"], name="message_undelivered",
                                condition=Q(direction=Direction.OUTBOUND,
                                            delivery__in=[Delivery.FAILED, Delivery.SENDING]))]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self):
        return f"{self.get_direction_display()} · {self.channel} · {self.pk}"

    @property
    def unconfirmed(self) -> bool:
        """Handed to the provider ``UNCONFIRMED_AFTER`` ago with no answer recorded: the worker stopped while the
        provider was called, so whether the customer got it is unknown, and an agent decides (send it again, or
        mark it sent: ``message_send_again``, ``message_mark_sent``)."""
        since = self.sending_at or self.created_at
        return (self.delivery == Delivery.SENDING and since is not None
                and since < timezone.now() - UNCONFIRMED_AFTER)


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


class BusinessCalendar(models.Model):
    """A team's working hours: per weekday, a list of [start, end] local times; holidays are days off."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    # {"0": [["09:00", "18:00"]], … "6": []}: Monday is 0, as in Python.
    hours = models.JSONField(_("working hours"), default=dict)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self):
        return self.name


class Holiday(models.Model):
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="holidays")
    day = models.DateField(_("day"))
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["calendar", "day"], name="holiday_unique_day")]
        ordering = ["day"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")

    def __str__(self):
        return f"{self.day} {self.name}"


class SlaPolicy(models.Model):
    """Targets in business minutes for tickets of a priority and channel (blank matches any); the most specific
    active policy applies."""

    name = models.CharField(_("name"), max_length=100)
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, blank=True)
    first_response_minutes = models.PositiveIntegerField(_("first response (minutes)"), default=120)
    next_response_minutes = models.PositiveIntegerField(_("next response (minutes)"), default=240)
    resolution_minutes = models.PositiveIntegerField(_("resolution (minutes)"), default=3 * 24 * 60)
    calendar = models.ForeignKey(BusinessCalendar, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="policies", verbose_name=_("calendar"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self):
        return self.name


class AgentProfile(models.Model):
    """What assignment needs to know about an agent: languages, how many open tickets at most, present or not."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_profile")
    languages = models.JSONField(_("languages"), default=list, blank=True)
    capacity = models.PositiveSmallIntegerField(_("open tickets at most"), default=25)
    available = models.BooleanField(_("available"), default=True)
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("agent profile")
        verbose_name_plural = _("agent profiles")

    def __str__(self):
        return str(self.user)


class Macro(models.Model):
    """A prepared answer with variables ({customer_name}, {order_number}, {tracking_link}, {policy_link},
    {portal_link}); title and body are translated per language (django-modeltranslation)."""

    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("macro")
        verbose_name_plural = _("macros")

    def __str__(self):
        return self.title


class PhraseRule(models.Model):
    """Wording agents should not send (blame-shifting, dismissive) and the approved wording offered instead.
    Managers edit these in the admin; ``pattern`` is matched case-insensitively as words, or as a regular
    expression when it starts with ``re:``."""

    language = models.CharField(_("language"), max_length=10)
    pattern = models.CharField(_("phrase"), max_length=300)
    suggestion = models.TextField(_("approved wording"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["language", "id"]
        verbose_name = _("phrase rule")
        verbose_name_plural = _("phrase rules")

    def __str__(self):
        return f"{self.language}: {self.pattern}"


class RefundApproval(models.Model):
    """A refund an agent asked for above their limit: a manager approves (the refund is then made through the
    ledger) or rejects it."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="refund_approvals")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="+")
    payment_id = models.BigIntegerField()
    amount_minor = models.BigIntegerField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ApprovalStatus.choices,
                              default=ApprovalStatus.PENDING, db_index=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    refund_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("approve_refund", "Can approve refunds above the agents' limit")]
        verbose_name = _("refund approval")
        verbose_name_plural = _("refund approvals")

    def __str__(self):
        return f"{self.ticket} {self.amount_minor} {self.currency}"


class CsatSurvey(models.Model):
    """The satisfaction question sent a day after a ticket is solved; answered once through its token."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="csat")
    token = models.CharField(max_length=64, unique=True)
    language = models.CharField(max_length=10, default="en")
    sent_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")

    def __str__(self):
        return f"{self.ticket} {self.score or '—'}"
