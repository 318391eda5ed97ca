"""What other apps may call in ``tickets`` (DESIGN section 2): the one door into this app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .metrics import (
    CHANNELS,
    channel_label,
    complaint_category_label,
    first_response_minutes_fill,
    ticket_aggregates,
    ticket_breakdown,
    ticket_breakdowns,
    ticket_rows,
)
from .selectors import webchat_thread
from .services import email_receive, message_send, reply_rule, ticket_transition, webchat_post


@dataclass(frozen=True)
class ConversationMessage:
    """One message the customer sent or received (never an internal note), for a dispute's evidence."""

    ticket_number: str
    channel: str
    direction: str  # "inbound" (from the customer) or "outbound" (to the customer)
    sender: str
    at: datetime
    subject: str
    text: str
    attachments: tuple[str, ...]


@dataclass(frozen=True)
class TicketLink:
    number: str
    subject: str
    channel: str
    status: str
    created_at: datetime
    channel_label: str = ""
    status_label: str = ""


def _order_tickets(order_id: int, customer_id: int | None):
    from django.db.models import Q

    from .models import Ticket

    scope = Q(order_id=order_id)
    if customer_id:
        scope |= Q(customer_id=customer_id, order__isnull=True)  # the customer's conversations about no order
    return Ticket.objects.filter(scope)


def conversation_for_order(*, order_id: int, customer_id: int | None = None,
                           limit: int = 5000) -> list[ConversationMessage]:
    """Every message exchanged with the customer about an order, on every channel, oldest first: the tickets of the
    order and the customer's tickets without an order. Notes, automatic replies, bounces, read receipts and
    messages that never left (failed or held) are left out. Two queries whatever the length."""
    from django.db.models import Prefetch

    from .choices import Delivery, Direction, MessageKind
    from .models import Attachment, Message

    messages = (Message.objects.filter(ticket__in=_order_tickets(order_id, customer_id),
                                       direction__in=[Direction.INBOUND, Direction.OUTBOUND],
                                       kind__in=[MessageKind.MESSAGE, MessageKind.POSTBACK])
                .exclude(delivery__in=[Delivery.FAILED, Delivery.HELD])
                .select_related("ticket", "author")
                .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
                .order_by("created_at", "id")[:limit])
    return [ConversationMessage(
        ticket_number=message.ticket.number, channel=message.channel, direction=message.direction,
        sender=(message.author.get_full_name() or message.author.get_username()) if message.author else message.sender,
        at=message.sent_at or message.created_at, subject=message.subject, text=message.body or message.full_text,
        attachments=tuple(a.filename for a in message.attachments.all())) for message in messages]


def tickets_for_order(*, order_id: int, customer_id: int | None = None) -> list[TicketLink]:
    """The tickets of an order (and the customer's tickets without an order), newest first, in one query."""
    return [TicketLink(number=t.number, subject=t.subject, channel=t.channel, status=t.status, created_at=t.created_at,
                       channel_label=str(t.get_channel_display()), status_label=str(t.get_status_display()))
            for t in _order_tickets(order_id, customer_id).order_by("-created_at")[:20]]


__all__ = ["ConversationMessage", "TicketLink", "conversation_for_order", "email_receive", "message_send",
           "reply_rule", "ticket_transition", "tickets_for_order", "webchat_post", "webchat_thread"]
# The monthly audit (aftersales.audit) reads ticket aggregates through these (tickets/metrics.py).
__all__ += ["CHANNELS", "channel_label", "complaint_category_label", "first_response_minutes_fill",
            "ticket_aggregates", "ticket_breakdown", "ticket_breakdowns", "ticket_rows"]
