"""What other apps may ask of disputes (DESIGN section 2): plain dataclasses, never model instances."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from . import selectors
from .choices import OPEN_STATUSES


@dataclass(frozen=True)
class DisputeSummary:
    id: int
    provider: str
    provider_id: str
    status: str
    stage: str
    reason: str
    currency: str
    amount_minor: int
    respond_by: datetime | None
    internal_deadline: datetime | None
    outcome: str
    is_open: bool


def disputes_for_order(*, order_id: int) -> list[DisputeSummary]:
    """Every dispute of an order, oldest first (a refund desk checks this before refunding a disputed payment)."""
    return [DisputeSummary(id=d.pk, provider=d.provider, provider_id=d.provider_id, status=d.status, stage=d.stage,
                           reason=d.reason, currency=d.currency, amount_minor=d.amount_minor, respond_by=d.respond_by,
                           internal_deadline=d.internal_deadline, outcome=d.outcome, is_open=d.status in OPEN_STATUSES)
            for d in selectors.dispute_list_for_order(order_id=order_id)]


def order_has_open_dispute(*, order_id: int) -> bool:
    return selectors.dispute_list_for_order(order_id=order_id).filter(status__in=sorted(OPEN_STATUSES)).exists()


def disputes_for_orders(*, order_ids) -> list[DisputeSummary]:
    """The disputes of several orders at once (the ticket desk's sidebar), newest first, in one query."""
    return [DisputeSummary(id=d.pk, provider=d.provider, provider_id=d.provider_id, status=d.status, stage=d.stage,
                           reason=d.reason, currency=d.currency, amount_minor=d.amount_minor, respond_by=d.respond_by,
                           internal_deadline=d.internal_deadline, outcome=d.outcome, is_open=d.status in OPEN_STATUSES)
            for d in selectors.disputes_for_orders(order_ids)]
