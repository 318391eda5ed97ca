"""What every metric stands on: the period (``month_bounds`` in the store's time zone), the records of a period
under the dashboard's filters (``refunds_in``, ``sales_in``), money summed in the base currency (each record's own
rate, the currency's exponent applied once per currency group), the status of a value against its thresholds, and
``shared_computation``, the memo within which each grouped statement runs once."""

from __future__ import annotations

import zoneinfo
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.apps import apps
from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    DecimalField,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, NullIf

from aftersales.choices import OrderSource, PaymentProvider, RefundStatus
from aftersales.models import OrderLine, Payment, Refund

from .definitions import (
    DISPUTE_AMBER_PERCENT,
    DISPUTE_RED_PERCENT,
    Filters,
    MetricValue,
    Thresholds,
    metric,
)


def _zone(tz) -> zoneinfo.ZoneInfo:
    if tz is None:
        tz = settings.STORE_TIME_ZONE
    return zoneinfo.ZoneInfo(tz) if isinstance(tz, str) else tz


def month_bounds(month: date, tz=None) -> tuple[datetime, datetime]:
    """``[start, end)`` of the calendar month containing ``month`` in time zone ``tz`` (a tzinfo or an IANA
    name; default the store's), returned as aware UTC datetimes."""
    zone = _zone(tz)
    first = date(month.year, month.month, 1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return (datetime.combine(first, time.min, tzinfo=zone).astimezone(UTC),
            datetime.combine(following, time.min, tzinfo=zone).astimezone(UTC))



HUNDRED = Decimal(100)
DISPUTE_PROVIDERS = (PaymentProvider.STRIPE.value, PaymentProvider.PAYPAL.value)
ORDER_CHANNELS = tuple(OrderSource.values)


def _percent(numerator, denominator) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator or 0) * HUNDRED / Decimal(denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _minor(value) -> int:
    return int(Decimal(value or 0).quantize(Decimal(1), ROUND_HALF_UP))


def _minutes(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _base() -> str:
    return settings.STORE_BASE_CURRENCY


def _installed(app: str) -> bool:
    return apps.is_installed(app)


def _ticket_channels() -> tuple[str, ...]:
    if not _installed("tickets"):
        return ()
    from tickets.api import CHANNELS

    return CHANNELS


def _order_channel(filters: Filters) -> str:
    return filters.channel if filters.channel in ORDER_CHANNELS else ""


def _ticket_channel(filters: Filters) -> str:
    return filters.channel if filters.channel in _ticket_channels() else ""


def _ignored(filters: Filters, *, side: str) -> list[str]:
    """Filters a metric of ``side`` ("order", "ticket", "returnless") does not have: the metric is computed without
    them and lists them in ``extra["ignored_filters"]`` for the dashboard to say so."""
    ignored = []
    if filters.channel:
        applies = _ticket_channel(filters) if side == "ticket" else _order_channel(filters)
        if not applies:
            ignored.append("channel")
    if filters.provider and side in ("ticket", "returnless"):
        ignored.append("provider")
    return ignored


def _order_scope(filters: Filters, *, prefix: str = "order__", provider_field: str = "provider") -> Q:
    scope = Q()
    if filters.market:
        scope &= Q(**{f"{prefix}market__code": filters.market})
    if _order_channel(filters):
        scope &= Q(**{f"{prefix}source": filters.channel})
    if filters.provider:
        scope &= Q(**{provider_field: filters.provider})
    return scope


def refunds_in(*, start: datetime, end: datetime, filters: Filters = Filters()):
    """Refunds issued in ``[start, end)``: succeeded, by ``succeeded_at`` (the drill-down lists these)."""
    return Refund.objects.filter(status=RefundStatus.SUCCEEDED, succeeded_at__gte=start, succeeded_at__lt=end).filter(
        _order_scope(filters))


def sales_in(*, start: datetime, end: datetime, filters: Filters = Filters()):
    """Payments captured in ``[start, end)`` (sales and settled transactions)."""
    return Payment.objects.filter(captured_at__gte=start, captured_at__lt=end, captured_minor__gt=0).filter(
        _order_scope(filters))


def _factor(currency: str) -> Decimal:
    """Minor units of the base currency per (minor unit of ``currency`` × rate): 1 between two 2-decimal currencies,
    100 from JPY (no minor unit) to USD."""
    from aftersales.money import _EXPONENTS, exponent

    return Decimal(10) ** (exponent(_base()) - _EXPONENTS.get(currency, 2))


def _raw(amount) -> Sum:
    """Σ amount × the record's own rate, in the record's minor units; ``_in_base`` applies the currency's exponent
    once per currency group instead of per row."""
    amount = F(amount) if isinstance(amount, str) else amount
    return Sum(ExpressionWrapper(amount * F("rate_to_base"), output_field=DEC))


def _in_base(rows, *, counts: tuple[str, ...] = ()) -> dict:
    """Fold rows grouped by (code, currency) into {code: {"amount": Decimal base minor, <count>: int}}."""
    folded: dict = {}
    for row in rows:
        into = folded.setdefault(_code(row.get("code")), {"amount": Decimal(0), **dict.fromkeys(counts, 0)})
        if row["raw"] is not None:
            into["amount"] += Decimal(str(row["raw"])) * _factor(row["currency"])
        for name in counts:
            into[name] += row[name] or 0
    return folded


def _totals(queryset, amount: str, **counts) -> dict:
    """{"amount", <count>…} of a refunds or payments queryset: one query grouped by currency (a handful of rows).
    Counts must be additive across currencies (an order has one currency, so distinct orders add up)."""
    rows = queryset.values("currency").annotate(raw=_raw(amount), **counts).order_by()
    return _in_base(rows, counts=tuple(counts)).get("", {"amount": None, **dict.fromkeys(counts, 0)})


def _dispute_thresholds(end: datetime) -> Thresholds:
    """The lowest card-network line in force at the period's end is red; two thirds of it amber."""
    red = DISPUTE_RED_PERCENT
    if _installed("disputes"):
        from disputes import api as disputes_api

        lines = getattr(disputes_api, "rate_lines_on", None)
        if lines:
            current = lines((end - timedelta(seconds=1)).date())
            if current:
                red = Decimal(min(line.ratio_bps for line in current)) / HUNDRED
    amber = (red * 2 / 3).quantize(Decimal("0.01"), ROUND_HALF_UP) if red != DISPUTE_RED_PERCENT else (
        DISPUTE_AMBER_PERCENT)
    return Thresholds(amber=amber, red=red, line=red)


def status_of(key: str, value, *, end: datetime | None = None) -> str:
    definition = metric(key)
    if definition.provider and end is not None and value is not None:
        return _dispute_thresholds(end).status(value)
    return definition.status(value)


def _value(key, value, numerator, denominator, *, end, **extra) -> MetricValue:
    return MetricValue(key=key, value=value, numerator=numerator, denominator=denominator,
                       status=status_of(key, value, end=end), extra={k: v for k, v in extra.items() if v})


def _no_data(key, *, reason: str) -> MetricValue:
    return MetricValue(key=key, value=None, numerator=None, denominator=None, status="no_data",
                       extra={"missing": reason})



_MEMO: ContextVar[dict | None] = ContextVar("audit_memo", default=None)


@contextmanager
def shared_computation():
    """Within the block, the same grouped query runs once: an audit (or a dashboard request) asks for the refund
    groups of a dimension for both refund rates, and again for the explanations. Nothing is kept after it."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def _memo(key, compute):
    memo = _MEMO.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]



DEC = DecimalField(max_digits=30, decimal_places=10)


def _refund_reason():
    """The reason of a refund: the return case's reason code, else the refund's own text, else its cause."""
    parts = []
    if _installed("returns"):
        from returns.api import case_field_for_refund

        parts.append(NullIf(case_field_for_refund("reason"), Value("")))
    return Coalesce(*parts, NullIf("reason", Value("")), "cause", output_field=CharField())


def refund_lines(refunds):
    """``refunds`` as one row per (refund, order line it paid for), with ``line_sku`` and ``line_share``: the part of
    the refund that line is. A return refund whose case values the lines it took back (``returns.api``) paid for
    those lines, by that value; any other refund is spread over its order's lines by value (line total ÷ the
    order's line totals). The very shares ``aggregates.over_lines`` computes in the audit's statements."""
    order_total = Subquery(OrderLine.objects.filter(order=OuterRef("order")).values("order")
                           .annotate(total=Sum("total_minor")).values("total")[:1])
    share = _exact(F("order__lines__total_minor")) / NullIf(_exact(order_total), Value(0, output_field=DEC))
    if not _installed("returns"):
        return refunds.annotate(line_sku=F("order__lines__sku"), line_share=share)
    from returns.api import returned_case_for_refund, returned_total, returned_value

    case = OuterRef("returned_case")
    returned = (_exact(Coalesce(returned_value(case, OuterRef("order__lines__id")), Value(0)))
                / NullIf(_exact(returned_total(case)), Value(0, output_field=DEC)))
    return (refunds.annotate(returned_case=returned_case_for_refund())
            .annotate(line_sku=F("order__lines__sku"),
                      line_share=Case(When(returned_case__isnull=True, then=share), default=returned,
                                      output_field=_exact(Value(0)).output_field))
            .filter(Q(returned_case__isnull=True) | Q(line_share__gt=0)))


def _exact(expression):
    """A number that divides without truncating: numeric on PostgreSQL; real on SQLite, whose NUMERIC cast keeps an
    integer an integer (and ``15000 / 20000`` would be 0)."""
    from django.db import connection

    if connection.vendor == "sqlite":
        return Cast(expression, FloatField())
    return Cast(expression, DEC)


def _group(dimension: str):
    return {"market": F("order__market__code"), "channel": F("order__source"), "provider": F("provider"),
            "sku": F("order__lines__sku"), "agent": Coalesce("approved_by", "requested_by"),
            "reason": _refund_reason()}[dimension]


def _code(value) -> str:
    return "" if value is None else str(value)
