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
    return [_summary(d) for d in selectors.dispute_list_for_order(order_id=order_id)]


def order_has_open_dispute(*, order_id: int) -> bool:
    return selectors.dispute_list_for_order(order_id=order_id).filter(status__in=sorted(OPEN_STATUSES)).exists()


def disputes_for_orders(*, order_ids) -> list[DisputeSummary]:
    """The disputes of several orders at once (the ticket desk's sidebar), newest first, in one query."""
    return [_summary(d) for d in selectors.disputes_for_orders(order_ids)]


def dispute_incidents(*, limit: int = 20) -> list[DisputeSummary]:
    """Open disputes past their internal deadline without a response, most overdue first (the dashboard's incidents;
    one query)."""
    return [_summary(d) for d in selectors.dispute_incidents()[:limit]]


def _summary(d) -> DisputeSummary:
    return DisputeSummary(id=d.pk, provider=d.provider, provider_id=d.provider_id, status=d.status, stage=d.stage,
                          reason=d.reason, currency=d.currency, amount_minor=d.amount_minor, respond_by=d.respond_by,
                          internal_deadline=d.internal_deadline, outcome=d.outcome, is_open=d.status in OPEN_STATUSES)


# -- outcomes and risk (``disputes.risk``): counts and the card-network lines, for the dashboard -------------------

from . import risk as _risk  # noqa: E402  (kept beside its section)

RateLine = _risk.RateLine  # frozen dataclass: key, label, ratio_bps, min_count, effective_from, source
RATE_LINES = _risk.RATE_LINES  # every line with its effective date, oldest first
VISA_VAMP, MASTERCARD_ECM, MASTERCARD_HECM = _risk.VISA_VAMP, _risk.MASTERCARD_ECM, _risk.MASTERCARD_HECM


def dispute_counts(*, start: datetime, end: datetime, market: str = "", provider: str = "") -> dict[str, int]:
    """Disputes opened in [start, end) per provider (0 where none), optionally of one market code and provider."""
    return _risk.dispute_counts(start=start, end=end, market=market, provider=provider)


@dataclass(frozen=True)
class OpenedDispute:
    """A dispute as the dashboard lists it under a dispute rate."""

    id: int
    provider: str
    provider_id: str
    opened_at: datetime
    order_number: str
    market: str
    reason: str
    reason_label: str
    status: str
    status_label: str
    outcome: str
    currency: str
    amount_minor: int
    respond_by: datetime | None


def disputes_opened(*, start: datetime, end: datetime, provider: str, market: str = "", offset: int = 0,
                    limit: int | None = None) -> list[OpenedDispute]:
    """The disputes of one provider (and market) opened in [start, end), newest first: what ``dispute_counts``
    counts, as rows. One query."""
    return [OpenedDispute(id=d.pk, provider=d.provider, provider_id=d.provider_id, opened_at=d.opened_at,
                          order_number=d.order.number if d.order else "",
                          market=d.order.market.code if d.order else "", reason=d.reason,
                          reason_label=str(d.get_reason_display()), status=d.status,
                          status_label=str(d.get_status_display()), outcome=d.outcome, currency=d.currency,
                          amount_minor=d.amount_minor, respond_by=d.respond_by)
            for d in _risk.disputes_opened(start=start, end=end, provider=provider, market=market, offset=offset,
                                           limit=limit)]


def rate_lines_on(day) -> list[RateLine]:
    """The card-network dispute-rate lines in force on ``day`` (a ``date``), lowest ratio first."""
    return _risk.rate_lines_on(day)


def paypal_loss_levels() -> tuple[int, int]:
    """(warning, red line) of the consecutive-PayPal-losses run."""
    return _risk.paypal_loss_levels()


@dataclass(frozen=True)
class RiskAlertSummary:
    id: int
    kind: str  # "dispute_rate" or "paypal_losses"
    provider: str
    period: str  # "YYYY-MM" for a rate, "after-win-<id>" for a loss run
    level: str  # the line's key (VISA_VAMP, MASTERCARD_ECM, MASTERCARD_HECM) or "warning" / "red"
    value: str  # the rate ("1.50%") or the run's length
    title: str  # translated into the active language
    recorded_at: datetime


def risk_alerts_open() -> list[RiskAlertSummary]:
    """Open risk alerts (not acknowledged, not resolved), newest first: for a banner on the dashboard (one query)."""
    return [RiskAlertSummary(id=a.pk, kind=a.kind, provider=a.provider, period=a.period, level=a.level, value=a.value,
                             title=_risk.risk_alert_subject(a), recorded_at=a.recorded_at)
            for a in _risk.open_risk_alerts()]
