"""Reads of disputes (STYLE #2). Desk and dashboard views, the deadline scan and ``disputes.api`` read here."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Exists, F, OuterRef, QuerySet

from .choices import OPEN_STATUSES, DisputeStatus, DocumentKind
from .models import ALERT_FLAGS, Dispute, DisputeAlert, DisputeDocument, DisputeEvent

# Open and still waiting for our response (once evidence is submitted the dispute is under review).
AWAITING_RESPONSE_STATUSES = frozenset({DisputeStatus.NEEDS_RESPONSE, DisputeStatus.WARNING_NEEDS_RESPONSE})


def dispute_get_by_provider_id(*, provider: str, provider_id: str) -> Dispute | None:
    return Dispute.objects.filter(provider=provider, provider_id=provider_id).first()


def dispute_list_open_due(*, before: datetime) -> QuerySet[Dispute]:
    """Open disputes whose internal deadline is before ``before``, most urgent first (uses the partial index)."""
    return (Dispute.objects.filter(status__in=sorted(OPEN_STATUSES), internal_deadline__lt=before)
            .order_by("internal_deadline", "id"))


def dispute_alerts_due(*, thresholds: list[tuple[str, datetime, bool]], limit: int) -> list[tuple[str, int]]:
    """``(kind, dispute id)`` of every open dispute whose internal deadline is at or before the kind's threshold and
    that has no alert of that kind yet, kinds in the given order and each most urgent first.

    ``thresholds`` holds ``(kind, threshold, awaiting_response_only)``. One statement with one branch per kind,
    each a range scan of that kind's partial index (``dispute_due_<kind>``: open disputes without the kind's
    alert flag), so an idle scan reads no row at all; neither the alerts table nor the closed history is read,
    and the scan's cost stays flat however long the history grows. Written in SQL because the scan runs every few
    minutes and nearly always finds nothing: a compiled ORM query per kind cost more than the database work (see
    the month test).
    """
    if not thresholds:
        return []
    dispute_table = Dispute._meta.db_table
    branches, params = [], []
    for position, (kind, threshold, awaiting_only) in enumerate(thresholds):
        statuses = sorted(OPEN_STATUSES)
        narrow = ""
        if awaiting_only:
            narrow = f" AND d.status IN ({', '.join(['%s'] * len(AWAITING_RESPONSE_STATUSES))})"
            statuses += sorted(AWAITING_RESPONSE_STATUSES)
        # Each branch is a derived table, so that its ORDER BY and LIMIT also work on SQLite (the embedded default).
        branches.append(
            f"SELECT * FROM (SELECT {position} AS position, %s AS kind, d.id, d.internal_deadline "
            f"FROM {dispute_table} d "
            f"WHERE d.status IN ({', '.join(['%s'] * len(OPEN_STATUSES))}){narrow} AND d.internal_deadline <= %s "
            # Spelled as the partial index's predicate, so that the planner matches it.
            f"AND NOT d.{ALERT_FLAGS[kind]} "
            f"ORDER BY d.internal_deadline, d.id LIMIT %s) AS branch_{position}")
        params += [kind, *statuses, threshold, limit]
    sql = " UNION ALL ".join(branches) + " ORDER BY position, internal_deadline, id"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(kind, pk) for _position, kind, pk, _deadline in cursor.fetchall()]


def dispute_incidents() -> QuerySet[Dispute]:
    """Open disputes that passed their internal deadline without a response (an ``overdue_incident`` alert)."""
    overdue = DisputeAlert.objects.filter(dispute=OuterRef("pk"), kind=DisputeAlert.Kind.OVERDUE_INCIDENT)
    return (Dispute.objects.filter(Exists(overdue), status__in=sorted(OPEN_STATUSES))
            .select_related("order").order_by("internal_deadline", "id"))


def manager_emails() -> list[str]:
    """Email addresses of the active users who may read the manager dashboard (superusers included)."""
    users = get_user_model().objects.with_perm("aftersales.access_dashboard", is_active=True)
    return sorted({email for email in users.values_list("email", flat=True) if email})


def dispute_list_for_order(*, order_id: int) -> QuerySet[Dispute]:
    return Dispute.objects.filter(order_id=order_id).order_by("opened_at", "id")


def dispute_timeline(*, dispute: Dispute) -> QuerySet[DisputeEvent]:
    return dispute.events.order_by("occurred_at", "id")


def dispute_queue(*, show: str = "open") -> QuerySet[Dispute]:
    """The dispute desk's list: open disputes by internal deadline (the most urgent first), with their order and
    payment in the same query."""
    disputes = Dispute.objects.select_related("order", "payment", "assignee")
    if show == "open":
        return disputes.filter(status__in=sorted(OPEN_STATUSES)).order_by(
            F("internal_deadline").asc(nulls_last=True), "pk")
    return disputes.order_by("-opened_at", "-pk")


def dispute_for_desk(pk: int) -> Dispute:
    return (Dispute.objects.select_related("order__customer", "payment", "assignee")
            .prefetch_related("events", "alerts").get(pk=pk))


def disputes_for_orders(order_ids) -> list[Dispute]:
    return list(Dispute.objects.filter(order_id__in=list(order_ids)).order_by("-opened_at"))


def dispute_documents(*, dispute_id: int, with_packet: bool = False) -> QuerySet[DisputeDocument]:
    """The documents of a dispute for the packet review page (one query), in the packet's order; the packet PDF
    itself only where asked (the access-checked file view)."""
    documents = DisputeDocument.objects.filter(dispute_id=dispute_id).select_related("uploaded_by")
    if not with_packet:
        documents = documents.exclude(kind=DocumentKind.PACKET)
    return documents.order_by("kind", "source", "id")


def dispute_related(*, dispute: Dispute) -> dict:
    """The tickets and return cases of the dispute's order (through those apps' api), for links on the review page:
    two queries whatever their number."""
    from returns import api as returns_api
    from tickets import api as tickets_api

    order = dispute.order
    if order is None:
        return {"tickets": [], "returns": []}
    return {"tickets": tickets_api.tickets_for_order(order_id=order.pk, customer_id=order.customer_id),
            "returns": [case for case in returns_api.return_cases_for_customer(order.customer, limit=50)
                        if case.order_id == order.pk]}


def dispute_provider_refund_ids(*, dispute: Dispute) -> list[str]:
    """The provider's ids of the refunds already made on the disputed payment (PayPal's PROOF_OF_REFUND)."""
    if dispute.payment_id is None:
        return []
    from aftersales.choices import RefundStatus
    from aftersales.models import Refund

    return list(Refund.objects.filter(payment_id=dispute.payment_id, provider=dispute.provider,
                                      status=RefundStatus.SUCCEEDED).exclude(provider_refund_id="")
                .order_by("id").values_list("provider_refund_id", flat=True)[:100])
