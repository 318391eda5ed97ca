"""Every write of ``tickets``: conversations in from every channel, replies out through the outbox.

In: ``email_receive`` (raw bytes from the anymail webhook or the IMAP poller), ``meta_event_receive`` (one
parsed WhatsApp / Messenger event from the webhook inbox) and ``webchat_post`` (the portal) all end in
``_inbound``: the customer is resolved from the channel identity, the conversation is found (email threading
headers, the ticket token in the subject, or the customer's live ticket on that channel) or opened, the order
is recognised from the text, the language detected, and the message stored once (``(channel, external_id)``
is unique). Loop protection: auto-replies, bounces and read receipts are stored where they thread but never
open a ticket or get an answer, and our own outbound mail is never taken in again.

Out: ``message_send`` stores the reply first (``Delivery.QUEUED``) and queues ``message_deliver`` after commit;
that locks the row, marks it SENDING in its own transaction (so a crash after the provider accepted it leaves
it SENDING, never sent twice), calls the channel adapter and records the provider's id or its reason. A reply
that failed, or stayed SENDING with no answer (``Message.unconfirmed``), waits for an agent: ``message_send_again``
or ``message_mark_sent``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.choices import IdentityKind
from aftersales.integrations.base import PermanentProviderError, TransientProviderError
from aftersales.models import Customer, Order, Shipment
from aftersales.services.customers import customer_resolve, on_customer_merge, root
from aftersales.texts import in_store_language

from .choices import (
    DELIVERY_RANK,
    LIVE_STATUSES,
    TICKET_TRANSITIONS,
    AttachmentState,
    Channel,
    Delivery,
    Direction,
    MessageKind,
    TicketStatus,
)
from .models import Attachment, Message, Ticket, TicketEvent

# A sender who writes more than this many times in an hour is not answered automatically (stops ping-pong).
PER_ADDRESS_HOURLY_LIMIT = 20
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
ORDER_NUMBER = re.compile(r"(?<![\w#])#?(\d{4,10})\b")
TRACKING_NUMBER = re.compile(r"\b([A-Z0-9]{10,34})\b")
REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|wg|tr|rv|sv|回复|答复|转发)\s*(\[\d+\])?\s*[:：]\s*)+", re.I)
NOT_A_CONVERSATION = {MessageKind.AUTO_REPLY, MessageKind.BOUNCE, MessageKind.READ_RECEIPT}


# -- status --------------------------------------------------------------------------------------------------


def ticket_transition(*, ticket: Ticket, to_status: str, actor=None, note="") -> TicketEvent:
    """The one way a ticket's status changes: checked against the allowed moves, written to the timeline."""
    if to_status not in TICKET_TRANSITIONS[TicketStatus(ticket.status)]:
        raise ValidationError(_("A ticket cannot go from “%(from)s” to “%(to)s”.")
                              % {"from": ticket.get_status_display(), "to": TicketStatus(to_status).label},
                              code="invalid_transition")
    event = TicketEvent.objects.create(ticket=ticket, from_status=ticket.status, to_status=to_status, actor=actor,
                                       note=in_store_language(note))
    ticket.status = to_status
    now = timezone.now()
    if to_status == TicketStatus.SOLVED:
        ticket.solved_at = now
    elif to_status == TicketStatus.CLOSED:
        ticket.closed_at = now
    elif to_status == TicketStatus.OPEN:
        ticket.solved_at = None
    ticket.save(update_fields=["status", "solved_at", "closed_at", "updated_at"])
    from .desk_services import sla_refresh

    sla_refresh(ticket)
    return event


# -- recognising the order -----------------------------------------------------------------------------------


def order_in_text(text: str, customer: Customer | None) -> Order | None:
    """An order named in the text by its number or a shipment's tracking number; the customer's own first."""
    numbers = set(ORDER_NUMBER.findall(text or ""))
    candidates = [f"#{n}" for n in numbers] + list(numbers)
    orders = Order.objects.filter(number__in=candidates) if candidates else Order.objects.none()
    trackings = set(TRACKING_NUMBER.findall((text or "").upper()))
    if trackings:
        orders = orders | Order.objects.filter(
            pk__in=Shipment.objects.filter(tracking_number__in=trackings).values("order_id"))
    found = list(orders.order_by("-placed_at")[:10])
    if customer is not None:
        own = [order for order in found if root(order.customer).pk == customer.pk]
        if own:
            return own[0]
        if found:
            return None  # someone else's order: never link a stranger's order to this conversation
    return found[0] if found and customer is None else None


def _latest_order(customer: Customer) -> Order | None:
    return Order.objects.filter(customer=customer).order_by("-placed_at").first()


# -- inbound -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Inbound:
    channel: str
    identity_kind: str
    contact: str
    external_id: str
    text: str
    full_text: str = ""
    subject: str = ""
    html: str = ""
    raw: bytes = b""
    kind: str = MessageKind.MESSAGE
    sender_name: str = ""
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    payload: str = ""
    sent_at: object = None
    portal_language: str | None = None
    ticket: Ticket | None = None  # already known (web chat)


def _language_of(text: str, customer: Customer, inbound: Inbound, order: Order | None) -> str:
    from .language import Signals, detect_language

    market = order.market if order else None
    return detect_language(text, signals=Signals(
        portal_language=inbound.portal_language, customer_language=customer.language or None,
        market_languages=tuple(market.languages) if market else (), phone=customer.phone or None))


def _thread(inbound: Inbound, customer: Customer) -> Ticket | None:
    if inbound.ticket is not None:
        return inbound.ticket
    if inbound.channel == Channel.EMAIL:
        from .mail.parse import ticket_token_in

        ids = [i for i in (inbound.in_reply_to, *inbound.references) if i]
        if ids:
            known = (Message.objects.filter(channel=Channel.EMAIL, external_id__in=ids)
                     .select_related("ticket").order_by("-created_at").first())
            if known is not None:
                return _follow_merge(known.ticket)
        token = ticket_token_in(inbound.subject)
        if token:
            ticket = Ticket.objects.filter(number=token).first()
            if ticket is not None and root(ticket.customer).pk == customer.pk:
                return _follow_merge(ticket)
        if ids or REPLY_PREFIX.match(inbound.subject or ""):
            # A reply whose references we do not know (the sender's provider rewrote the ids): the customer's
            # live email ticket with the same subject.
            subject = _bare_subject(inbound.subject)
            for ticket in Ticket.objects.filter(customer=customer, channel=Channel.EMAIL,
                                                status__in=LIVE_STATUSES).order_by("-last_message_at")[:20]:
                if _bare_subject(ticket.subject) == subject:
                    return ticket
        return None
    return (Ticket.objects.filter(customer=customer, channel=inbound.channel, status__in=LIVE_STATUSES)
            .order_by("-last_message_at").first())


def _bare_subject(subject: str) -> str:
    from .mail.parse import ticket_token_in

    subject = REPLY_PREFIX.sub("", subject or "")
    token = ticket_token_in(subject)
    if token:
        subject = subject.replace(f"[#{token}]", "")
    return " ".join(subject.split()).casefold()


def _follow_merge(ticket: Ticket) -> Ticket:
    seen = set()
    while ticket.merged_into_id and ticket.pk not in seen:
        seen.add(ticket.pk)
        ticket = ticket.merged_into
    return ticket


@transaction.atomic
def _inbound(inbound: Inbound) -> Message | None:
    """Store one inbound message once; returns None for what is not stored (a duplicate or an orphan echo)."""
    if inbound.external_id and Message.objects.filter(channel=inbound.channel,
                                                      external_id=inbound.external_id).exists():
        return None
    customer, _created = customer_resolve(kind=inbound.identity_kind, value=inbound.contact,
                                          defaults={"name": inbound.sender_name[:200]} if inbound.sender_name
                                          else None)
    # One customer's messages are taken in one at a time: two at once must not open two conversations.
    customer = Customer.objects.select_for_update(no_key=True).get(pk=customer.pk)
    ticket = _thread(inbound, customer)
    if ticket is not None and ticket.status == TicketStatus.CLOSED:
        ticket = None  # a closed conversation stays closed: the customer starts a new one
    if ticket is None and inbound.kind in NOT_A_CONVERSATION:
        return None  # an auto-reply or bounce about nothing we know: never a ticket, never answered
    now = timezone.now()
    is_new = ticket is None
    if is_new:
        order = order_in_text(f"{inbound.subject}\n{inbound.text}", customer)
        ticket = Ticket.objects.create(
            customer=customer, order=order, channel=inbound.channel, contact=inbound.contact,
            subject=(inbound.subject or inbound.text.strip().splitlines()[0] if inbound.text.strip() else
                     inbound.subject)[:300],
            language=_language_of(inbound.text, customer, inbound, order or _latest_order(customer)))
        TicketEvent.objects.create(ticket=ticket, to_status=TicketStatus.NEW)
    elif ticket.order_id is None and inbound.kind == MessageKind.MESSAGE:
        order = order_in_text(f"{inbound.subject}\n{inbound.text}", customer)
        if order is not None:
            ticket.order = order
            ticket.save(update_fields=["order", "updated_at"])
    try:
        with transaction.atomic():
            message = Message.objects.create(
                ticket=ticket, direction=Direction.INBOUND, channel=inbound.channel, kind=inbound.kind,
                external_id=inbound.external_id[:255], in_reply_to=inbound.in_reply_to[:255],
                references=list(inbound.references)[:50], sender=inbound.contact[:254],
                subject=inbound.subject[:300], body=inbound.text, full_text=inbound.full_text or inbound.text,
                body_html=inbound.html, raw=inbound.raw, payload=inbound.payload[:500],
                language=ticket.language if is_new else "", delivery=Delivery.RECEIVED)
    except IntegrityError:
        if is_new:
            raise  # roll the new ticket back with it: the other delivery made both
        return None
    if inbound.kind in NOT_A_CONVERSATION:
        return message
    ticket.last_inbound_at = ticket.last_message_at = now
    ticket.contact = inbound.contact or ticket.contact
    ticket.save(update_fields=["last_inbound_at", "last_message_at", "contact", "updated_at"])
    if ticket.status in (TicketStatus.PENDING, TicketStatus.SOLVED):
        ticket_transition(ticket=ticket, to_status=TicketStatus.OPEN,
                          note=gettext_lazy("The customer wrote again."))
    from .desk_services import on_inbound

    on_inbound(ticket, message)
    if is_new:
        from .tasks import ticket_route_task

        transaction.on_commit(lambda: ticket_route_task.delay(ticket.pk))
    return message


def email_receive(*, raw: bytes) -> Message | None:
    """Take in one raw email (from the anymail webhook or the IMAP poller), with its attachments checked and
    stored. Our own mail is never re-imported; a bounce marks the outbound message it bounced as failed."""
    from .mail.parse import parse_email

    parsed = parse_email(raw)
    own = {address.lower() for address in settings.SUPPORT_ADDRESSES}
    if parsed.message_id and Message.objects.filter(
            channel=Channel.EMAIL, external_id=parsed.message_id, direction=Direction.OUTBOUND).exists():
        return None  # our own outbound mail, seen again (BCC, a copy in the polled folder)
    if parsed.from_address in own or "x-aftersales-ticket" in {k.lower() for k in parsed.headers_of_interest}:
        return None
    if parsed.kind == "bounce":
        _bounce(parsed)
    if not parsed.from_address:
        return None
    message = _inbound(Inbound(
        channel=Channel.EMAIL, identity_kind=IdentityKind.EMAIL, contact=parsed.from_address,
        external_id=parsed.message_id or "sha256:" + hashlib.sha256(raw).hexdigest(),
        text=parsed.visible_text or parsed.text, full_text=parsed.text, subject=parsed.subject, html=parsed.html,
        raw=raw, kind=parsed.kind, sender_name=parsed.from_name, in_reply_to=parsed.in_reply_to,
        references=tuple(parsed.references), sent_at=parsed.date))
    if message is not None:
        for part in parsed.attachments:
            _attach(message, filename=part.filename, content_type=part.content_type, content=part.content,
                    content_id=part.content_id or "")
    return message


def _bounce(parsed) -> None:
    original = getattr(parsed, "original_message_id", "") or ""
    if original:
        Message.objects.filter(channel=Channel.EMAIL, direction=Direction.OUTBOUND, external_id=original).update(
            delivery=Delivery.FAILED, delivery_error=in_store_language(
                gettext_lazy("The email bounced: %(to)s"), to=", ".join(parsed.bounce_recipients)))


def attachment_checked(content: bytes, content_type: str) -> tuple[bytes, str]:
    """What we keep of a customer's file: photos re-encoded (a renamed non-image or a bomb is refused), PDFs
    kept as PDFs, anything else kept only as an opaque download. Raises ``UploadRejected``."""
    import io

    from aftersales.uploads import UploadRejected, clean_image

    if len(content) > MAX_ATTACHMENT_BYTES:
        raise UploadRejected("too_big", gettext_lazy("This file is too large to keep."))
    looks_like_image = content[:3] == b"\xff\xd8\xff" or content[:8] == b"\x89PNG\r\n\x1a\n" or (
        content[:4] == b"RIFF" and content[8:12] == b"WEBP")
    if looks_like_image or (content_type or "").startswith("image/"):
        clean = clean_image(io.BytesIO(content), max_bytes=MAX_ATTACHMENT_BYTES)
        return clean.content, clean.content_type
    if content.startswith(b"%PDF-"):
        return content, "application/pdf"
    return content, "application/octet-stream"


def _attach(message: Message, *, filename: str, content_type: str, content: bytes, content_id: str = "",
            ) -> Attachment:
    from aftersales.uploads import UploadRejected

    name = re.sub(r"[\\/\x00-\x1f]", "_", filename or "attachment")[:200]
    try:
        clean, kept_type = attachment_checked(content, content_type)
    except UploadRejected as refused:
        return Attachment.objects.create(message=message, filename=name, content_type=(content_type or "")[:120],
                                         size=len(content), state=AttachmentState.REFUSED,
                                         error=in_store_language(refused.message)[:500])
    attachment = Attachment(message=message, filename=name, content_type=kept_type, size=len(clean),
                            content_id=content_id[:255], state=AttachmentState.STORED)
    attachment.file.save(f"{message.pk}-{hashlib.sha256(clean).hexdigest()[:16]}", ContentFile(clean), save=False)
    attachment.save()
    return attachment


# -- WhatsApp and Messenger ----------------------------------------------------------------------------------


def meta_event_receive(*, event) -> Message | None:
    """One parsed WhatsApp or Messenger event (``tickets.meta.parse.MetaEvent``)."""
    if event.kind == "status":
        _delivery_update(event)
        return None
    if event.kind == "echo":
        _echo(event)
        return None
    if event.kind not in ("message", "postback"):
        return None
    identity = IdentityKind.WHATSAPP if event.channel == Channel.WHATSAPP else IdentityKind.MESSENGER
    text = event.text or ""
    if not text and event.location is not None:
        place = event.location
        text = " ".join(str(part) for part in ("📍", place.name, place.address, f"{place.latitude},{place.longitude}")
                        if part)
    message = _inbound(Inbound(
        channel=event.channel, identity_kind=identity, contact=event.sender_id, external_id=event.event_id,
        text=text, kind=MessageKind.POSTBACK if event.kind == "postback" else MessageKind.MESSAGE,
        sender_name=event.sender_name or "", payload=event.payload or "", raw=_json_bytes(event.raw),
        sent_at=event.timestamp))
    if message is not None:
        for media in event.media:
            attachment = Attachment.objects.create(
                message=message, media_id=(media.media_id or media.url or "")[:255],
                filename=(media.filename or "")[:255], content_type=(media.mime_type or "")[:120],
                state=AttachmentState.PENDING)
            from .tasks import attachment_fetch_task

            transaction.on_commit(lambda pk=attachment.pk: attachment_fetch_task.delay(pk))
    return message


def _json_bytes(raw) -> bytes:
    import json

    return json.dumps(raw, ensure_ascii=False, sort_keys=True).encode()


@transaction.atomic
def _delivery_update(event) -> None:
    """Apply a provider's status to our outbound messages; statuses only move forward, a failure is kept with
    its reason. Messenger read receipts name no message: everything we sent before the watermark is read."""
    status = event.status
    outbound = Message.objects.select_for_update(no_key=True).filter(channel=event.channel,
                                                                     direction=Direction.OUTBOUND)
    refs = [ref for ref in (*event.mids, event.message_ref) if ref]
    if refs:
        targets = outbound.filter(external_id__in=refs)
    elif event.watermark is not None and event.sender_id:
        targets = outbound.filter(ticket__contact=event.sender_id, sent_at__lte=event.watermark)
    else:
        return
    for message in targets:
        if status == "failed":
            message.delivery, message.delivery_error = Delivery.FAILED, (event.error or "")[:2000]
        elif status in DELIVERY_RANK and DELIVERY_RANK[status] > DELIVERY_RANK.get(message.delivery, -1):
            message.delivery = status
        else:
            continue
        stamp = event.timestamp or timezone.now()
        if status in (Delivery.DELIVERED, Delivery.READ):
            message.delivered_at = message.delivered_at or stamp
        if status == Delivery.READ:
            message.read_at = message.read_at or stamp
        message.save(update_fields=["delivery", "delivery_error", "delivered_at", "read_at"])


def _echo(event) -> None:
    """Messenger repeats every message the page sends: ours are already stored; others are ignored."""
    Message.objects.filter(channel=event.channel, external_id=event.event_id, direction=Direction.OUTBOUND,
                           delivery__in=[Delivery.SENDING, Delivery.QUEUED]).update(delivery=Delivery.SENT)


# -- web chat ------------------------------------------------------------------------------------------------


def webchat_post(*, order: Order, text: str, language: str, client_token: str = "") -> Message | None:
    """The customer who unlocked ``order`` in the portal writes to support: the thread is one ticket per order."""
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write a message first."), code="empty")
    if len(text) > 5000:
        raise ValidationError(_("Keep the message under 5,000 characters."), code="too_long")
    customer = root(order.customer)
    ticket = (Ticket.objects.filter(customer=customer, order=order, channel=Channel.WEBCHAT,
                                    status__in=LIVE_STATUSES).order_by("-created_at").first())
    if ticket is None:
        with transaction.atomic():
            ticket = Ticket.objects.create(customer=customer, order=order, channel=Channel.WEBCHAT,
                                           contact=order.email or customer.email,
                                           subject=in_store_language(gettext_lazy("Chat about order %(number)s")
                                                           ) % {"number": order.number},
                                           language=language)
            TicketEvent.objects.create(ticket=ticket, to_status=TicketStatus.NEW)
    return _inbound(Inbound(channel=Channel.WEBCHAT, identity_kind=IdentityKind.EMAIL,
                            contact=order.email or customer.email,
                            external_id=f"webchat:{client_token}" if client_token else "", text=text,
                            portal_language=language, ticket=ticket))


# -- outbound: the outbox ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplyRule:
    allowed: bool
    needs_template: bool = False
    tag: str = ""
    reason: str = ""


def reply_rule(ticket: Ticket, *, channel: str | None = None, now=None) -> ReplyRule:
    """What the channel allows now: WhatsApp free text only inside 24 hours of the customer's last message
    (then only approved templates); Messenger inside 24 hours, with the HUMAN_AGENT tag up to 7 days."""
    channel = channel or ticket.channel
    now = now or timezone.now()
    last = ticket.last_inbound_at
    age = (now - last) if last else None
    if channel == Channel.WHATSAPP and (age is None or age > timedelta(hours=24)):
        return ReplyRule(allowed=True, needs_template=True, reason=_(
            "The customer last wrote more than 24 hours ago: WhatsApp only allows an approved template now."))
    if channel == Channel.MESSENGER and (age is None or age > timedelta(hours=24)):
        if age is not None and age <= timedelta(days=7):
            return ReplyRule(allowed=True, tag="HUMAN_AGENT", reason=_(
                "Outside Messenger's 24-hour window: the reply is sent with the human agent tag (7 days)."))
        return ReplyRule(allowed=False, reason=_(
            "The customer last wrote more than 7 days ago: Messenger does not allow a reply now."))
    return ReplyRule(allowed=True)


def message_send(*, ticket: Ticket, body: str, author=None, channel: str | None = None, template: str = "",
                 client_key: str = "", automatic: bool = False) -> Message:
    """Store a reply in the outbox and queue its delivery after commit. ``client_key`` (the form's token) makes
    a double submit one message."""
    body = (body or "").strip()
    channel = channel or ticket.channel
    if not body and not template:
        raise ValidationError(_("Write a reply first."), code="empty")
    rule = reply_rule(ticket, channel=channel)
    if not rule.allowed:
        raise ValidationError(rule.reason, code="window_closed")
    if rule.needs_template and not template:
        raise ValidationError(rule.reason, code="template_required")
    if not client_key:
        client_key = hashlib.sha256(f"{timezone.now().isoformat()}:{body}".encode()).hexdigest()[:32]
    key = f"reply:{ticket.pk}:{client_key}"[:80]
    with transaction.atomic():
        existing = Message.objects.filter(outbox_key=key).first()
        if existing is not None:
            return existing
        ticket = Ticket.objects.select_for_update(no_key=True).get(pk=ticket.pk)
        message = Message.objects.create(
            ticket=ticket, direction=Direction.OUTBOUND, channel=channel, author=author, body=body,
            full_text=body, subject=_reply_subject(ticket) if channel == Channel.EMAIL else "",
            language=ticket.language, delivery=Delivery.QUEUED, outbox_key=key, template=template,
            payload="automatic" if automatic else "")
        ticket.last_message_at = timezone.now()
        ticket.save(update_fields=["last_message_at", "updated_at"])
        if ticket.status == TicketStatus.NEW and not automatic:
            ticket_transition(ticket=ticket, to_status=TicketStatus.OPEN, actor=author)
        from .desk_services import on_outbound

        on_outbound(ticket, message)
        from .tasks import message_deliver_task

        transaction.on_commit(lambda: message_deliver_task.delay(message.pk))
    return message


def _reply_subject(ticket: Ticket) -> str:
    from .mail.parse import subject_with_token

    subject = ticket.subject or in_store_language(gettext_lazy("Your message"))
    if not REPLY_PREFIX.match(subject):
        subject = f"Re: {subject}"
    return subject_with_token(subject, ticket.number)[:300]


def message_deliver(*, message_pk: int) -> Message:
    """Send one queued message through its channel. Idempotent: only QUEUED (or HELD, once configured) messages
    are sent; the row is marked SENDING and committed before the provider is called."""
    from .channels import ChannelNotConfigured, adapter_for

    with transaction.atomic():
        message = Message.objects.select_for_update(no_key=True).select_related("ticket").get(pk=message_pk)
        if message.delivery not in (Delivery.QUEUED, Delivery.HELD):
            return message
        adapter = adapter_for(message.channel)
        try:
            adapter.check_configured()
        except ChannelNotConfigured as missing:
            message.delivery, message.delivery_error = Delivery.HELD, str(missing)[:2000]
            message.save(update_fields=["delivery", "delivery_error"])
            return message
        message.delivery, message.attempts, message.sending_at = Delivery.SENDING, message.attempts + 1, timezone.now()
        message.save(update_fields=["delivery", "attempts", "sending_at"])
    try:
        external_id = adapter.send(message)
    except TransientProviderError as error:
        Message.objects.filter(pk=message.pk, delivery=Delivery.SENDING).update(
            delivery=Delivery.QUEUED, delivery_error=str(error)[:2000])
        raise
    except PermanentProviderError as error:
        Message.objects.filter(pk=message.pk).update(delivery=Delivery.FAILED, delivery_error=str(error)[:2000])
        message.refresh_from_db()
        return message
    Message.objects.filter(pk=message.pk, delivery=Delivery.SENDING).update(
        delivery=Delivery.SENT, delivery_error="", sent_at=timezone.now(), external_id=external_id[:255])
    message.refresh_from_db()
    return message


def message_give_up(*, message_pk: int, reason: str) -> Message:
    """After the last retry: the message is shown as failed with the provider's last reason."""
    Message.objects.filter(pk=message_pk, delivery__in=[Delivery.QUEUED, Delivery.SENDING]).update(
        delivery=Delivery.FAILED, delivery_error=reason[:2000])
    return Message.objects.get(pk=message_pk)


def _undelivered_reply(message_pk: int) -> Message:
    """The reply ``message_pk``, locked, when it awaits an agent's decision (failed, or not confirmed)."""
    message = (Message.objects.select_for_update(no_key=True).select_related("ticket")
               .get(pk=message_pk, direction=Direction.OUTBOUND))
    if message.delivery != Delivery.FAILED and not message.unconfirmed:
        raise ValidationError(_("This reply is not waiting for a decision: it was sent, or is being sent now."),
                              code="not_undelivered")
    return message


def _reply_event(message: Message, actor, note) -> None:
    """A line on the ticket's timeline saying who decided what about a reply that did not get through."""
    ticket = message.ticket
    TicketEvent.objects.create(ticket=ticket, from_status=ticket.status, to_status=ticket.status, actor=actor,
                               note=in_store_language(note) % {
                                   "time": timezone.localtime(message.created_at).strftime("%Y-%m-%d %H:%M")})


def message_send_again(*, message_pk: int, actor) -> Message:
    """An agent sends a reply again that failed (after fixing what the provider refused) or whose sending was never
    confirmed (the worker stopped while the provider was called: whether the customer got it is unknown, and the
    agent chose to risk a duplicate rather than silence). The channel's window is checked as for a new reply; the
    message is queued once however often this is asked (the row is locked, and a queued reply is not waiting)."""
    from .tasks import message_deliver_task

    with transaction.atomic():
        message = _undelivered_reply(message_pk)
        rule = reply_rule(message.ticket, channel=message.channel)
        if not rule.allowed:
            raise ValidationError(rule.reason, code="window_closed")
        if rule.needs_template and not message.template:
            raise ValidationError(rule.reason, code="template_required")
        message.delivery, message.delivery_error, message.sending_at = Delivery.QUEUED, "", None
        message.save(update_fields=["delivery", "delivery_error", "sending_at"])
        _reply_event(message, actor, gettext_lazy("The reply of %(time)s was sent again."))
        transaction.on_commit(lambda: message_deliver_task.delay(message.pk))
    return message


def message_mark_sent(*, message_pk: int, actor) -> Message:
    """An agent found that a reply whose sending was not confirmed did reach the customer (in the mailbox's sent
    folder, the WhatsApp Manager, the Page inbox): it is recorded as sent and never sent again. A failed reply
    cannot be marked sent: the provider said it refused it."""
    with transaction.atomic():
        message = _undelivered_reply(message_pk)
        if message.delivery == Delivery.FAILED:
            raise ValidationError(_("The provider refused this reply: it can only be sent again."),
                                  code="refused")
        message.delivery, message.delivery_error, message.sent_at = Delivery.SENT, "", timezone.now()
        message.save(update_fields=["delivery", "delivery_error", "sent_at"])
        _reply_event(message, actor, gettext_lazy("The reply of %(time)s was marked sent: it reached the "
                                                  "customer."))
    return message


def attachment_fetch(*, attachment_pk: int) -> Attachment:
    """Fetch a media attachment announced by WhatsApp (media id) or Messenger (URL); check and store it."""
    from aftersales.uploads import UploadRejected

    from .channels import ChannelNotConfigured, adapter_for

    attachment = Attachment.objects.select_related("message").get(pk=attachment_pk)
    if attachment.state != AttachmentState.PENDING:
        return attachment
    adapter = adapter_for(attachment.message.channel)
    try:
        adapter.check_configured()
        content, content_type = adapter.fetch_media(attachment.media_id)
    except ChannelNotConfigured as missing:
        attachment.state, attachment.error = AttachmentState.FAILED, str(missing)[:500]
        attachment.save(update_fields=["state", "error"])
        return attachment
    except PermanentProviderError as error:
        attachment.state, attachment.error = AttachmentState.FAILED, str(error)[:500]
        attachment.save(update_fields=["state", "error"])
        return attachment
    try:
        clean, kept_type = attachment_checked(content, content_type or attachment.content_type)
    except UploadRejected as refused:
        attachment.state, attachment.error = AttachmentState.REFUSED, in_store_language(refused.message)[:500]
        attachment.save(update_fields=["state", "error"])
        return attachment
    with transaction.atomic():
        locked = Attachment.objects.select_for_update().get(pk=attachment_pk)
        if locked.state != AttachmentState.PENDING:
            return locked
        locked.file.save(f"{locked.message_id}-{hashlib.sha256(clean).hexdigest()[:16]}", ContentFile(clean),
                         save=False)
        locked.content_type, locked.size, locked.state = kept_type, len(clean), AttachmentState.STORED
        locked.save()
    return locked


def messages_held_release() -> int:
    """Queue again every message held for a channel that is now configured (a periodic scan)."""
    from .channels import ChannelNotConfigured, adapter_for
    from .tasks import message_deliver_task

    count = 0
    for channel in Channel.values:
        try:
            adapter_for(channel).check_configured()
        except ChannelNotConfigured:
            continue
        for pk in Message.objects.filter(channel=channel, delivery__in=[Delivery.HELD, Delivery.QUEUED],
                                         created_at__lt=timezone.now() - timedelta(minutes=2)
                                         ).values_list("pk", flat=True)[:500]:
            message_deliver_task.delay(pk)
            count += 1
    return count


def auto_answer_allowed(*, address: str, now=None) -> bool:
    """Loop protection for anything we would send on our own: not to a sender writing in a storm."""
    now = now or timezone.now()
    recent = Message.objects.filter(sender=address, direction=Direction.INBOUND,
                                    created_at__gte=now - timedelta(hours=1)).count()
    return recent <= PER_ADDRESS_HOURLY_LIMIT


def message_flag(*, message: Message, findings, reason: str) -> Message:
    """The agent sent wording the phrase check flagged: keep what was flagged and why it was sent anyway."""
    message.flagged_phrases = [{"phrase": f.phrase, "suggestion": f.suggestion, "rule": f.rule_id}
                               for f in findings]
    message.override_reason = reason[:500]
    message.save(update_fields=["flagged_phrases", "override_reason"])
    return message


def ticket_note_add(*, ticket: Ticket, body: str, author) -> Message:
    """An internal note: on the timeline for agents, never sent, never shown to the customer."""
    body = (body or "").strip()
    if not body:
        raise ValidationError(_("Write the note first."), code="empty")
    return Message.objects.create(ticket=ticket, direction=Direction.NOTE, channel=ticket.channel, author=author,
                                  body=body, full_text=body, delivery=Delivery.SENT)


@transaction.atomic
def ticket_customers_merge(*, ticket: Ticket, other: Customer, actor) -> Customer:
    """An agent found that ``other`` is the same person as this ticket's customer: one customer with both
    identities, orders and tickets (``customer_merge`` moves them; the hook below moves the tickets)."""
    from aftersales.services.customers import customer_merge

    target = customer_merge(source=other, target=ticket.customer)
    TicketEvent.objects.create(ticket=ticket, from_status=ticket.status, to_status=ticket.status, actor=actor,
                               note=in_store_language(gettext_lazy("Customer %(other)s merged into this one.")) % {
                                   "other": str(other)})
    return target


# -- customers -----------------------------------------------------------------------------------------------


@on_customer_merge
def _move_tickets(source: Customer, target: Customer) -> None:
    Ticket.objects.filter(customer=source).update(customer=target)


def tickets_of(customer: Customer):
    return Ticket.objects.filter(Q(customer=customer) | Q(customer__merged_into=customer))
