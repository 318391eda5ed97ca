"""Reads of ``tickets``; the portal ones take the order the visitor unlocked (STYLE #2)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q

from aftersales.models import Customer, Order

from .choices import LIVE_STATUSES, Channel, Direction
from .models import Message, Ticket, TicketEvent


def webchat_thread(order: Order, *, after_id: int = 0) -> list[Message]:
    """What the customer sees of their chat about ``order``: their messages and our replies, never notes."""
    return list(Message.objects.filter(ticket__order=order, ticket__channel=Channel.WEBCHAT, pk__gt=after_id,
                                       direction__in=[Direction.INBOUND, Direction.OUTBOUND])
                .select_related("author").order_by("created_at", "id")[:500])


# -- the desk ------------------------------------------------------------------------------------------------

QUEUE_SORTS = {"recent": ("-last_message_at", "-id"), "oldest": ("last_message_at", "id"),
               "created": ("-created_at", "-id")}


@dataclass(frozen=True)
class QueueFilters:
    status: str = "live"  # "live" = every status but closed
    channel: str = ""
    language: str = ""
    sort: str = "recent"


def ticket_queue(filters: QueueFilters):
    """The desk's list: one query for the rows with customer, order and assignee, whatever the page size."""
    tickets = Ticket.objects.select_related("customer", "order", "assignee")
    if filters.status == "live":
        tickets = tickets.filter(status__in=LIVE_STATUSES)
    elif filters.status:
        tickets = tickets.filter(status=filters.status)
    if filters.channel:
        tickets = tickets.filter(channel=filters.channel)
    if filters.language:
        tickets = tickets.filter(language=filters.language)
    tickets = tickets.filter(merged_into__isnull=True)
    return tickets.order_by(*QUEUE_SORTS.get(filters.sort, QUEUE_SORTS["recent"]))


def ticket_for_desk(number: str) -> Ticket:
    """One ticket with its timeline: messages with authors and attachments, events, the customer's identities,
    orders and other tickets — a fixed number of queries however long the conversation."""
    return (Ticket.objects.select_related("customer", "order__market", "assignee", "merged_into")
            .prefetch_related(
                Prefetch("messages", queryset=Message.objects.select_related("author").prefetch_related(
                    "attachments").order_by("created_at", "id")),
                Prefetch("events", queryset=TicketEvent.objects.select_related("actor").order_by("at", "id")),
                "customer__identities")
            .get(number=number))


def customer_panel(customer: Customer) -> dict:
    """The sidebar: the customer's recent orders and other conversations."""
    return {
        "orders": list(Order.objects.filter(customer=customer).select_related("market")
                       .order_by("-placed_at")[:5]),
        "tickets": list(Ticket.objects.filter(customer=customer).order_by("-last_message_at")[:6]),
    }


def customer_search(query: str, *, exclude: Customer) -> list[Customer]:
    """Customers an agent may merge this one with: by email, phone or a channel identity."""
    query = (query or "").strip()
    if len(query) < 3:
        return []
    matches = Customer.objects.filter(merged_into__isnull=True).exclude(pk=exclude.pk).filter(
        Q(email__iexact=query) | Q(phone__icontains=query.lstrip("+")) | Q(name__icontains=query)
        | Q(identities__value__iexact=query))
    return list(matches.distinct().order_by("-created_at")[:10])
