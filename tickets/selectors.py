"""Reads of ``tickets``; the portal ones take the order the visitor unlocked (STYLE #2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import F, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from aftersales.models import Customer, Order

from .choices import LIVE_STATUSES, Channel, Delivery, Direction
from .models import UNCONFIRMED_AFTER, Message, Ticket, TicketEvent


def webchat_thread(order: Order, *, after_id: int = 0) -> list[Message]:
    """What the customer sees of their chat about ``order``: their messages and our replies, never notes."""
    return list(Message.objects.filter(ticket__order=order, ticket__channel=Channel.WEBCHAT, pk__gt=after_id,
                                       direction__in=[Direction.INBOUND, Direction.OUTBOUND])
                .select_related("author").order_by("created_at", "id")[:500])


# -- the desk ------------------------------------------------------------------------------------------------

QUEUE_SORTS = {
    "reply_by": (F("reply_by").asc(nulls_last=True), "-last_message_at", "-id"),
    "recent": ("-last_message_at", "-id"),
    "oldest": ("last_message_at", "id"),
    "created": ("-created_at", "-id"),
    "priority": ("-priority_rank", F("reply_by").asc(nulls_last=True), "-id"),
}
# What a queue row shows: only these columns are read (an order row alone carries its whole raw payload).
QUEUE_COLUMNS = ("number", "channel", "subject", "language", "status", "priority", "tags", "reply_by",
                 "last_message_at", "customer__name", "customer__email", "customer__phone", "order__number",
                 "assignee__username", "assignee__first_name", "assignee__last_name")
# Saved views: what each one shows (the user and the time are the request's).
VIEWS = ("all", "mine", "unassigned", "breaching", "whatsapp", "spanish", "complaints", "snoozed", "undelivered")


@dataclass(frozen=True)
class QueueFilters:
    view: str = "all"
    status: str = "live"  # "live" = every status but closed
    channel: str = ""
    language: str = ""
    sort: str = "reply_by"
    q: str = ""


def ticket_queue(filters: QueueFilters, *, user=None, now=None):
    """The desk's list: one query for the rows with customer, order and assignee, whatever the page size."""
    from django.db.models import Case, IntegerField, Value, When

    now = now or timezone.now()
    tickets = (Ticket.objects.select_related("customer", "order", "assignee").only(*QUEUE_COLUMNS)
               .filter(merged_into__isnull=True))
    if filters.status == "live":
        tickets = tickets.filter(status__in=LIVE_STATUSES)
    elif filters.status:
        tickets = tickets.filter(status=filters.status)
    view = filters.view
    if view == "snoozed":
        tickets = tickets.filter(snoozed_until__gt=now)
    else:
        tickets = tickets.filter(Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=now))
    if view == "mine" and user is not None:
        tickets = tickets.filter(assignee=user)
    elif view == "unassigned":
        tickets = tickets.filter(assignee__isnull=True)
    elif view == "breaching":
        tickets = tickets.filter(reply_by__lte=now + timedelta(minutes=30))
    elif view == "whatsapp":
        tickets = tickets.filter(channel=Channel.WHATSAPP)
    elif view == "spanish":
        tickets = tickets.filter(language="es")
    elif view == "complaints":
        tickets = tickets.exclude(complaint_category="")
    elif view == "undelivered":
        tickets = undelivered(tickets, now=now)
    if filters.channel:
        tickets = tickets.filter(channel=filters.channel)
    if filters.language:
        tickets = tickets.filter(language=filters.language)
    if filters.q:
        q = filters.q.strip()
        tickets = tickets.filter(Q(number__iexact=q) | Q(subject__icontains=q) | Q(contact__iexact=q)
                                 | Q(order__number__iexact=q) | Q(customer__email__iexact=q))
    if filters.sort == "priority":
        tickets = tickets.annotate(priority_rank=Case(
            *[When(priority=p, then=Value(i)) for i, p in enumerate(("low", "normal", "high", "urgent"))],
            output_field=IntegerField()))
    return tickets.order_by(*QUEUE_SORTS.get(filters.sort, QUEUE_SORTS["reply_by"]))


def undelivered(tickets, *, now):
    """Tickets whose latest reply from an agent did not reach the customer: it failed (the provider refused it, or
    the retries ran out), or it was handed to the provider ``UNCONFIRMED_AFTER`` ago with no answer recorded. A
    later reply that went out takes the ticket off the list (an automatic acknowledgement does not); so does sending
    it again or marking it sent."""
    replies = Message.objects.filter(direction=Direction.OUTBOUND).exclude(payload="automatic")  # agents' own
    latest = replies.filter(ticket=OuterRef("pk")).order_by("-created_at", "-id")
    # Driven by the few replies failed or sending (a partial index holds exactly those), not by every live ticket.
    candidates = replies.filter(delivery__in=[Delivery.FAILED, Delivery.SENDING]).values("ticket_id")
    since = latest.annotate(since=Coalesce("sending_at", "created_at")).values("since")[:1]
    return (tickets.filter(pk__in=candidates)
            .annotate(last_reply_delivery=Subquery(latest.values("delivery")[:1]), last_reply_since=Subquery(since))
            .filter(Q(last_reply_delivery=Delivery.FAILED)
                    | Q(last_reply_delivery=Delivery.SENDING, last_reply_since__lt=now - UNCONFIRMED_AFTER)))


def undelivered_count(*, now=None) -> int:
    """How many live tickets wait on a reply that did not get through (the badge on the queue's view)."""
    live = Ticket.objects.filter(merged_into__isnull=True, status__in=LIVE_STATUSES)
    return undelivered(live, now=now or timezone.now()).count()


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


TICKETS_SHOWN = 10  # the customer's latest conversations: the sidebar lists them, the merge form offers the open ones


def customer_panel(customer: Customer) -> dict:
    """The sidebar: the customer's recent orders with items, shipments and tracking, payments with what is left
    to refund, return cases, refunds and other conversations — a fixed number of queries."""
    from aftersales.models import OrderLine, Payment, Refund, Shipment
    from aftersales.services.refunds import refundable_minor
    from disputes.api import disputes_for_orders
    from returns.api import return_cases_for_customer

    orders = list(Order.objects.filter(customer=customer).select_related("market").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("id")),
        Prefetch("shipments", queryset=Shipment.objects.order_by("-shipped_at", "-id")),
        Prefetch("payments", queryset=Payment.objects.order_by("id"))).order_by("-placed_at")[:5])
    payments = [(payment, order, refundable_minor(payment)) for order in orders for payment in order.payments.all()
                if payment.status == "captured"]
    # Returns, refunds and disputes all hang off orders: a customer without any (a first message before the order
    # is known) has none, and three queries are saved on the page.
    return {
        "orders": orders,
        "payments": [(p, o, left) for p, o, left in payments if left > 0],
        "returns": return_cases_for_customer(customer, limit=5) if orders else [],
        "disputes": disputes_for_orders(order_ids=[order.pk for order in orders]) if orders else [],
        "refunds": list(Refund.objects.filter(order__customer=customer).select_related("order")
                        .order_by("-created_at")[:8]) if orders else [],
        "tickets": list(Ticket.objects.filter(customer=customer).order_by("-last_message_at")[:TICKETS_SHOWN]),
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


def first_response_minutes(ticket: Ticket) -> int | None:
    """DESIGN section 7: first inbound message → first public agent reply (the auto-responder does not count), in
    business minutes of the ticket's SLA calendar, minus the time the ticket was pending on the customer."""
    from .desk_services import _calendar, sla_policy_for
    from .sla import business_minutes_between_excluding

    if ticket.first_inbound_at is None or ticket.first_response_at is None:
        return None
    paused, since = [], None
    for event in ticket.events.order_by("at", "id"):
        if event.to_status == "pending" and event.from_status != "pending":
            since = event.at
        elif since is not None and event.to_status != "pending":
            paused.append((since, event.at))
            since = None
    if since is not None:
        paused.append((since, None))
    return business_minutes_between_excluding(_calendar(ticket.sla_policy or sla_policy_for(ticket)),
                                              ticket.first_inbound_at, ticket.first_response_at, paused)
