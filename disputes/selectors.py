"""Reads of disputes (STYLE #2). Desk and dashboard views, the deadline scan and ``disputes.api`` read here."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from .choices import OPEN_STATUSES
from .models import Dispute, DisputeEvent


def dispute_get_by_provider_id(*, provider: str, provider_id: str) -> Dispute | None:
    return Dispute.objects.filter(provider=provider, provider_id=provider_id).first()


def dispute_list_open_due(*, before: datetime) -> QuerySet[Dispute]:
    """Open disputes whose internal deadline is before ``before``, most urgent first (uses the partial index)."""
    return (Dispute.objects.filter(status__in=sorted(OPEN_STATUSES), internal_deadline__lt=before)
            .order_by("internal_deadline", "id"))


def dispute_list_for_order(*, order_id: int) -> QuerySet[Dispute]:
    return Dispute.objects.filter(order_id=order_id).order_by("opened_at", "id")


def dispute_timeline(*, dispute: Dispute) -> QuerySet[DisputeEvent]:
    return dispute.events.order_by("occurred_at", "id")
