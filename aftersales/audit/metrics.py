"""The metrics of DESIGN section 7, one definition each, computed by aggregate queries in the database.

Public interface (the dashboard calls these per request; the monthly audit stores their output):

* ``METRICS``: one ``MetricDef`` per metric in display order (key, label, unit, thresholds, help text).
* ``month_bounds(month, tz)``: ``[start, end)`` of a calendar month in the store's time zone, as UTC datetimes.
* ``period_metrics(start=, end=, filters=)``: ``{key: MetricValue}`` for every metric of ``METRICS``.
* ``breakdown(key=, dimension=, start=, end=, filters=, limit=)``: rows of one metric by one dimension.
* ``explanations(start=, end=, filters=)``: plain sentences naming the top contributors of red/amber metrics.

Decisions:

* Everything is an aggregate query (``SUM``/``COUNT``/``percentile_cont`` …) grouped in the database; no row
  of orders, refunds or tickets is loaded into Python, so memory stays flat as data grows and
  ``period_metrics`` runs a small constant number of queries whatever the row count (tested).
* Value ``None`` means "no data" (no source rows, or the source app is absent); never ``0`` for missing.
* Percent values are ``Decimal`` percentages rounded to 2 places (``Decimal("2.50")`` = 2.5 %); minutes are
  ``Decimal`` minutes rounded to 1 place; money is ``int`` minor units of ``settings.STORE_BASE_CURRENCY``.
* Status: ``"green"``/``"amber"``/``"red"`` against the metric's thresholds, ``"no_data"`` when the value is
  ``None``, ``"neutral"`` for a metric without thresholds (returnless savings).
* One read of the month per side within ``shared_computation`` (the audit, issue 9's benchmark): the refunds, and
  the captured payments, are each grouped by every dimension in ONE statement (``_sides``, ``aggregates.grouped``)
  that also holds the SKU groups (each record spread over its order's lines, ``aggregates.over_lines``), the totals
  of both refund rates and the settled payments of the dispute rates; each ticket measure is one statement for all
  its dimensions and its whole (``tickets.api.ticket_breakdowns``), returnless savings one
  (``returns.api.returnless_savings_by``). Metric values, breakdowns, explanations and labels are read off those
  results, never the tables again. The orders are joined with a redundant bound (``_with_period_orders``) so the
  month's orders are read, not the whole table. Outside a shared computation (the live metrics alone) every call
  keeps its own small queries; both paths give the same numbers (tests/aftersales/test_audit_shared.py).
"""

from __future__ import annotations

import zoneinfo
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import (
    CharField,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    FloatField,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, NullIf, TruncDate
from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from aftersales.choices import OrderSource, PaymentProvider, RefundCause, RefundStatus
from aftersales.models import Market, OrderLine, Payment, Product, Refund

from .aggregates import decimal_of, grouped, over_lines

# Dimensions a metric can be broken down by (``breakdown``); filters use the same codes.
DIMENSIONS = ("sku", "reason", "market", "channel", "provider", "agent")
STATUSES = ("green", "amber", "red", "no_data", "neutral")
UNITS = ("percent", "minutes", "count", "money")


@dataclass(frozen=True)
class Thresholds:
    """Where a value turns amber and red. ``higher_is_better`` flips the comparison.

    Lower is better: ``value < amber`` green, ``amber <= value < red`` amber, ``value >= red`` red.
    Higher is better: ``value >= amber`` green, ``red <= value < amber`` amber, ``value < red`` red.
    ``line`` is the healthy line drawn on trend charts (the number named in DESIGN section 7).
    """

    amber: Decimal
    red: Decimal
    higher_is_better: bool = False
    line: Decimal | None = None

    def status(self, value) -> str:
        if value is None:
            return "no_data"
        if self.higher_is_better:
            return "green" if value >= self.amber else "amber" if value >= self.red else "red"
        return "green" if value < self.amber else "amber" if value < self.red else "red"


@dataclass(frozen=True)
class MetricDef:
    key: str
    label: Promise  # lazily translated
    unit: str  # one of UNITS
    thresholds: Thresholds | None
    help: Promise  # the one definition (DESIGN section 7), lazily translated
    dimensions: tuple[str, ...] = DIMENSIONS  # what ``breakdown`` accepts for this metric
    provider: str = ""  # set on the per-provider dispute rates

    def status(self, value) -> str:
        if value is None:
            return "no_data"
        return self.thresholds.status(value) if self.thresholds else "neutral"


@dataclass(frozen=True)
class Filters:
    """Codes, "" = all. ``market``: Market.code; ``channel``: the order's sales channel (Order.source) for
    order-side metrics and the ticket's channel of origin for ticket-side metrics; ``provider``: payment
    provider (stripe, paypal, manual)."""

    market: str = ""
    channel: str = ""
    provider: str = ""


@dataclass(frozen=True)
class MetricValue:
    key: str
    value: Decimal | int | None  # None = no data
    numerator: int | None
    denominator: int | None
    status: str  # one of STATUSES
    extra: dict = field(default_factory=dict)  # e.g. {"within_2h": 17} or {"currency": "USD"}


D = Decimal
ORDER_SIDE = ("sku", "reason", "market", "channel", "provider", "agent")
TICKET_SIDE = ("reason", "market", "channel", "agent")  # reason = complaint category

# Dispute lines come from disputes.api (card-network ratios); these are the fallback if that app is absent.
DISPUTE_RED_PERCENT = D("1.50")  # the lowest card-network line in force (Visa VAMP 2026, Mastercard ECM)
DISPUTE_AMBER_PERCENT = D("1.00")  # two thirds of it: an early warning

# Refund rate: healthy below 2.5 % (DESIGN section 7), so 2.5 % and above is red; amber from 2.0 % warns while
# there is still room. Repeat complaints: DESIGN names 8 % as the warning line, so 8 % is amber and 12 % red.
REFUND_RATE_LINES = Thresholds(amber=D("2.0"), red=D("2.5"), line=D("2.5"))

METRICS: tuple[MetricDef, ...] = (
    MetricDef("refund_rate_amount", _("Refund rate (amount)"), "percent", REFUND_RATE_LINES,
              _("Refunds issued in the month ÷ sales captured in the month, in the base currency, each converted "
                "with the rate stored on the record. Healthy below 2.5 %."), ORDER_SIDE),
    MetricDef("refund_rate_count", _("Refund rate (orders)"), "percent", REFUND_RATE_LINES,
              _("Orders with a refund issued in the month ÷ orders with a payment captured in the month. "
                "Healthy below 2.5 %."), ORDER_SIDE),
    MetricDef("repeat_complaint_rate", _("Repeat complaints"), "percent",
              Thresholds(amber=D("8.0"), red=D("12.0"), line=D("8.0")),
              _("Share of complaint tickets opened in the month by a customer who already complained about the "
                "same order (or, with no order, at all) in the previous 30 days, across channels. Warning above "
                "8 %."), TICKET_SIDE),
    MetricDef("dispute_rate_stripe", _("Dispute rate (Stripe)"), "percent",
              Thresholds(amber=DISPUTE_AMBER_PERCENT, red=DISPUTE_RED_PERCENT, line=DISPUTE_RED_PERCENT),
              _("Disputes opened in the month ÷ settled transactions (payments captured) in the month, for this "
                "provider; shown against the card networks' lines."), ("market",), provider="stripe"),
    MetricDef("dispute_rate_paypal", _("Dispute rate (PayPal)"), "percent",
              Thresholds(amber=DISPUTE_AMBER_PERCENT, red=DISPUTE_RED_PERCENT, line=DISPUTE_RED_PERCENT),
              _("Disputes opened in the month ÷ settled transactions (payments captured) in the month, for this "
                "provider; shown against the card networks' lines."), ("market",), provider="paypal"),
    MetricDef("first_response_median", _("First response (median)"), "minutes",
              Thresholds(amber=D("60"), red=D("120"), line=D("120")),
              _("First inbound message → first public agent reply (not the auto-responder), in business time: "
                "the median over tickets whose first message arrived in the period."), TICKET_SIDE),
    MetricDef("first_response_p90", _("First response (90th percentile)"), "minutes",
              Thresholds(amber=D("120"), red=D("240"), line=D("120")),
              _("First inbound message → first public agent reply (not the auto-responder), in business time: "
                "nine tickets in ten were answered within this."), TICKET_SIDE),
    MetricDef("first_response_within_2h", _("Answered within 2 h"), "percent",
              Thresholds(amber=D("90"), red=D("80"), higher_is_better=True, line=D("90")),
              _("Share of tickets whose first response came within 2 business hours of the first inbound "
                "message."), TICKET_SIDE),
    MetricDef("csat", _("Customer satisfaction"), "percent",
              Thresholds(amber=D("85"), red=D("75"), higher_is_better=True, line=D("85")),
              _("Share of 4–5 answers on the 1–5 survey sent after a ticket is solved, answered in the period."),
              TICKET_SIDE),
    MetricDef("refund_promise_compliance", _("Refunds paid on time"), "percent",
              Thresholds(amber=D("98"), red=D("95"), higher_is_better=True, line=D("98")),
              _("Share of return refunds paid in the period on or before the case's refund deadline: the earlier "
                "of the policy's promise and the legal deadline."), ("reason", "market", "channel", "provider")),
    MetricDef("returnless_savings", _("Returnless savings"), "money", None,
              _("Return shipping and handling not paid because the customer kept the item (keep-the-item "
                "approvals in the period), in the base currency."), ("reason", "market", "channel")),
)


def metric(key: str) -> MetricDef:
    """The definition of one metric by key (KeyError for an unknown key)."""
    for definition in METRICS:
        if definition.key == key:
            return definition
    raise KeyError(key)




# -- periods ----------------------------------------------------------------------------------------------------


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


# -- helpers ----------------------------------------------------------------------------------------------------

HUNDRED = Decimal(100)
DISPUTE_PROVIDERS = (PaymentProvider.STRIPE.value, PaymentProvider.PAYPAL.value)
ORDER_CHANNELS = tuple(OrderSource.values)
REFUND_SIDE = ("refund_rate_amount", "refund_rate_count")
TICKET_MEASURES = {"repeat_complaint_rate": "repeat_complaints", "first_response_median": "first_response",
                   "first_response_p90": "first_response", "first_response_within_2h": "first_response",
                   "csat": "csat"}


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


# -- the period's metrics ---------------------------------------------------------------------------------------


def refund_and_sales_totals(*, start: datetime, end: datetime, filters: Filters = Filters()) -> tuple[dict, dict]:
    """The two queries behind both refund rates: refunds {"amount" (base minor, Decimal), "orders"} and sales
    {"amount", "orders", "settled_stripe", "settled_paypal"} of ``[start, end)``. Within ``shared_computation``
    (an audit, a page that breaks the rates down too) they are read off the grouped statements of ``_sides``, which
    read the month once for every breakdown; alone (the live metrics) they are two plain aggregates."""
    if _MEMO.get() is not None:
        refunds = _sides("refunds", start=start, end=end, filters=filters)[""].get("", {"amount": None, "orders": 0})
        sales = _sides("sales", start=start, end=end, filters=filters)
        settled = {f"settled_{p}": sum(n for (_market, provider), n in sales["settled"].items() if provider == p)
                   for p in DISPUTE_PROVIDERS}
        whole = sales[""].get("", {"amount": None, "orders": 0})
        return ({"amount": refunds["amount"], "orders": refunds["orders"]},
                {"amount": whole["amount"], "orders": whole["orders"], **settled})
    refunds = _totals(refunds_in(start=start, end=end, filters=filters), "amount_minor",
                      orders=Count("order", distinct=True))
    sales = _totals(sales_in(start=start, end=end, filters=filters), "captured_minor",
                    orders=Count("order", distinct=True),
                    **{f"settled_{p}": Count("pk", filter=Q(provider=p)) for p in DISPUTE_PROVIDERS})
    return refunds, sales


def period_metrics(*, start: datetime, end: datetime, filters: Filters = Filters()) -> dict[str, MetricValue]:
    """Every metric of ``METRICS`` for ``[start, end)``, keyed by metric key, in a constant number of queries
    (about ten, whatever the number of rows; tested)."""
    values: dict[str, MetricValue] = {}
    order_ignored = _ignored(filters, side="order")

    refunds, sales = refund_and_sales_totals(start=start, end=end, filters=filters)
    values["refund_rate_amount"] = _value(
        "refund_rate_amount", _percent(refunds["amount"], sales["amount"]), _minor(refunds["amount"]),
        _minor(sales["amount"]), end=end, currency=_base(), ignored_filters=order_ignored)
    values["refund_rate_count"] = _value(
        "refund_rate_count", _percent(refunds["orders"], sales["orders"]), refunds["orders"], sales["orders"],
        end=end, ignored_filters=order_ignored)

    values.update(_dispute_values(start=start, end=end, filters=filters, settled=sales))
    values.update(_ticket_values(start=start, end=end, filters=filters))
    values.update(_return_values(start=start, end=end, filters=filters))
    return {definition.key: values[definition.key] for definition in METRICS}


def _dispute_values(*, start, end, filters: Filters, settled: dict) -> dict[str, MetricValue]:
    keys = {definition.provider: definition.key for definition in METRICS if definition.provider}
    if not _installed("disputes"):
        return {key: _no_data(key, reason="disputes") for key in keys.values()}
    from disputes.api import dispute_counts

    ignored = ["channel"] if filters.channel else []
    if _order_channel(filters):  # disputes are counted by market and provider only: settle on the same scope
        settled = sales_in(start=start, end=end, filters=Filters(market=filters.market, provider=filters.provider)
                           ).aggregate(**{f"settled_{p}": Count("pk", filter=Q(provider=p)) for p in DISPUTE_PROVIDERS})
    counts = dispute_counts(start=start, end=end, market=filters.market, provider=filters.provider)
    values = {}
    for provider, key in keys.items():
        if filters.provider and filters.provider != provider:
            values[key] = _no_data(key, reason="provider")
            continue
        opened, transactions = counts.get(provider, 0), settled[f"settled_{provider}"]
        values[key] = _value(key, _percent(opened, transactions), opened, transactions, end=end,
                             ignored_filters=ignored)
    return values


def _ticket_values(*, start, end, filters: Filters) -> dict[str, MetricValue]:
    keys = ("repeat_complaint_rate", "first_response_median", "first_response_p90", "first_response_within_2h",
            "csat")
    if not _installed("tickets"):
        return {key: _no_data(key, reason="tickets") for key in keys}
    from tickets.api import ticket_aggregates

    ignored = _ignored(filters, side="ticket")
    if _MEMO.get() is not None:  # read off the grouped statements the breakdowns use
        whole = {measure: _ticket_groups(measure, (), start=start, end=end, filters=filters)[""][0]
                 for measure in ("repeat_complaints", "first_response", "csat")}
        complaints, responses, csat = whole["repeat_complaints"], whole["first_response"], whole["csat"]
        agg = {"complaints": complaints["denominator"], "repeat_complaints": complaints["numerator"],
               "responded": responses["denominator"], "within_2h": responses["numerator"],
               "median": responses["median"], "p90": responses["p90"], "csat_answers": csat["denominator"],
               "csat_satisfied": csat["numerator"]}
    else:
        agg = ticket_aggregates(start=start, end=end, market=filters.market, channel=_ticket_channel(filters))
    answered = agg["responded"]
    return {
        "repeat_complaint_rate": _value("repeat_complaint_rate", _percent(agg["repeat_complaints"], agg["complaints"]),
                                        agg["repeat_complaints"], agg["complaints"], end=end, ignored_filters=ignored),
        "first_response_median": _value("first_response_median", _minutes(agg["median"]), None, answered, end=end,
                                        ignored_filters=ignored),
        "first_response_p90": _value("first_response_p90", _minutes(agg["p90"]), None, answered, end=end,
                                     ignored_filters=ignored),
        "first_response_within_2h": _value("first_response_within_2h", _percent(agg["within_2h"], answered),
                                           agg["within_2h"], answered, end=end, ignored_filters=ignored),
        "csat": _value("csat", _percent(agg["csat_satisfied"], agg["csat_answers"]), agg["csat_satisfied"],
                       agg["csat_answers"], end=end, ignored_filters=ignored),
    }


def _promise_refunds(*, start, end, filters: Filters):
    from returns.api import case_field_for_refund

    return (refunds_in(start=start, end=end, filters=filters).filter(source_ref__startswith="returns.ReturnCase:")
            .annotate(deadline=case_field_for_refund("refund_deadline"),
                      paid_on=TruncDate("succeeded_at", tzinfo=_zone(None)))
            .filter(deadline__isnull=False))


ON_TIME = Q(paid_on__lte=F("deadline"))


def _return_values(*, start, end, filters: Filters) -> dict[str, MetricValue]:
    if not _installed("returns"):
        return {key: _no_data(key, reason="returns") for key in ("refund_promise_compliance", "returnless_savings")}
    from returns.api import returnless_savings

    promise = _promise_refunds(start=start, end=end, filters=filters).aggregate(
        n=Count("pk"), on_time=Count("pk", filter=ON_TIME))
    values = {"refund_promise_compliance": _value(
        "refund_promise_compliance", _percent(promise["on_time"], promise["n"]), promise["on_time"], promise["n"],
        end=end, ignored_filters=_ignored(filters, side="order"))}
    if _MEMO.get() is not None:  # an audit: the whole and every breakdown in one statement
        cases, saved = _returnless_groups(start=start, end=end, filters=filters)[""]
    else:
        cases, saved = returnless_savings(start=start, end=end, base_currency=_base(), market=filters.market,
                                          channel=_order_channel(filters))
    values["returnless_savings"] = _value("returnless_savings", _minor(saved), _minor(saved), cases, end=end,
                                          currency=_base(), ignored_filters=_ignored(filters, side="returnless"))
    return values


# -- one computation, shared ------------------------------------------------------------------------------------

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


# -- breakdowns -------------------------------------------------------------------------------------------------

DEC = DecimalField(max_digits=30, decimal_places=10)


def breakdown(*, key: str, dimension: str, start: datetime, end: datetime, filters: Filters = Filters(),
              limit: int = 50) -> list[dict]:
    """One metric by one dimension: ``[{"code", "label", "value", "numerator", "denominator", "share"}]`` sorted by
    contribution, largest first. ``code`` is the raw key to filter or drill down on (SKU, reason code or text,
    market code, channel, provider, user id as a string; "" = none). ``share`` is the row's part, a Decimal percent
    of the whole, of what makes the metric bad: refunds (amount or orders), repeat complaints, late first
    responses, unsatisfied answers, late refunds, disputes, or for savings the amount saved. A few grouped queries
    whatever the number of rows."""
    try:
        definition = metric(key)
    except KeyError:
        raise ValueError(gettext("Unknown metric: %(key)s.") % {"key": key}) from None
    if dimension not in definition.dimensions:
        raise ValueError(gettext("%(metric)s cannot be broken down by %(dimension)s.")
                         % {"metric": definition.label, "dimension": dimension})
    def compute():
        if key in REFUND_SIDE:
            return _refund_breakdown(key, dimension, start=start, end=end, filters=filters)
        if definition.provider:
            return _dispute_breakdown(definition, start=start, end=end, filters=filters)
        if key in TICKET_MEASURES:
            return _ticket_breakdown(key, dimension, start=start, end=end, filters=filters)
        if key == "refund_promise_compliance":
            return _promise_breakdown(dimension, start=start, end=end, filters=filters)
        return _returnless_breakdown(dimension, start=start, end=end, filters=filters)

    rows = sorted(_memo(("breakdown", key, dimension, start, end, filters), compute),
                  key=lambda row: (-row["contribution"], row["code"]))
    total = sum(row["contribution"] for row in rows)
    # Within a shared computation every breakdown of a dimension names much the same codes (both refund rates,
    # the explanations): their labels are read once for all the rows, not once per call for the rows shown.
    named = sorted({row["code"] for row in (rows if _MEMO.get() is not None else rows[:limit])})
    labels = _memo(("labels", key in TICKET_MEASURES, dimension, tuple(named)),
                   lambda: _labels(key, dimension, named))
    rows = rows[:limit]
    return [{"code": row["code"], "label": labels.get(row["code"]) or row["code"] or gettext("(none)"),
             "value": row["value"], "numerator": row["numerator"], "denominator": row["denominator"],
             "share": _percent(row["contribution"], total) if total else None} for row in rows]


def _refund_reason():
    """The reason of a refund: the return case's reason code, else the refund's own text, else its cause."""
    parts = []
    if _installed("returns"):
        from returns.api import case_field_for_refund

        parts.append(NullIf(case_field_for_refund("reason"), Value("")))
    return Coalesce(*parts, NullIf("reason", Value("")), "cause", output_field=CharField())


def _line_share():
    """The part of its order a line is (its total ÷ the order's line totals): refunds and sales are spread over an
    order's SKUs by value."""
    order_total = Subquery(OrderLine.objects.filter(order=OuterRef("order")).values("order")
                           .annotate(total=Sum("total_minor")).values("total")[:1])
    return _exact(F("order__lines__total_minor")) / NullIf(_exact(order_total), Value(0, output_field=DEC))


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


def _refund_groups(dimension, *, start, end, filters) -> tuple[dict, dict]:
    """Refunds and sales of one dimension's groups: ({code: {"amount", "orders"}}, the same for sales), read off
    the side's grouped statement (``_sides``), so both refund rates and the explanations share it."""
    sku = dimension == "sku"
    refunds = _sides("refunds", start=start, end=end, filters=filters, sku=sku)[dimension]
    if dimension in ("reason", "agent"):  # no sales of a reason or an agent: their part of the whole rate
        total = _sides("sales", start=start, end=end, filters=filters)[""].get("", {"amount": None, "orders": 0})
        return refunds, dict.fromkeys(refunds, total)
    sales = _sides("sales", start=start, end=end, filters=filters, sku=sku)[dimension]
    if sku:  # the sales of the refunded SKUs only
        sales = {code: row for code, row in sales.items() if code in refunds}
    return refunds, sales


# Each side's groupings, read in one statement (``aggregates.grouped``): "" is the whole (by currency only).
SIDE_SETS = {"refunds": ("market", "channel", "provider", "agent", "reason"),
             "sales": ("market", "channel", "provider")}
SIDE_MEASURES = {"raw": "SUM(g_raw)", "orders": "COUNT(DISTINCT g_order)", "n": "COUNT(*)"}


def _sides(side: str, *, start, end, filters, sku: bool = False) -> dict[str, dict]:
    """The refunds ("refunds") or the captured payments ("sales") of ``[start, end)`` grouped by every dimension
    at once: ``{dimension: {code: {"amount", "orders", "n"}}}`` with ``""`` the whole, ``"sku"`` (each record spread
    over its order's lines by value) and for sales ``"settled"`` ``{(market, provider): payments}`` (dispute rates).
    ONE statement reads the period's records and their orders once (``aftersales.audit.aggregates.grouped``);
    within ``shared_computation`` it always includes the SKU groups, outside it only when ``sku`` asks."""
    sku = sku or _MEMO.get() is not None

    def compute():
        queryset = (refunds_in if side == "refunds" else sales_in)(start=start, end=end, filters=filters)
        amount = "amount_minor" if side == "refunds" else "captured_minor"
        sets = {"": ("g_currency",), **{d: (f"g_{d}", "g_currency") for d in SIDE_SETS[side]}}
        if side == "sales":
            sets["settled"] = ("g_market", "g_provider")
        if sku:
            sets["sku"] = ("g_sku", "g_currency")
        period_group = {"market": F("period_order__market__code"), "channel": F("period_order__source")}
        rows = _with_period_orders(queryset).order_by().values(
            g_id=F("pk"), g_order=F("order"), g_currency=F("currency"), g_amount=F(amount), g_rate=F("rate_to_base"),
            g_raw=ExpressionWrapper(F(amount) * F("rate_to_base"), output_field=DEC),
            **{f"g_{d}": period_group.get(d) or _group(d) for d in SIDE_SETS[side]})
        folded = {}
        for name, group in grouped(rows, sets, SIDE_MEASURES, derived={"lines": over_lines()} if sku else None,
                                   sources={"sku": "lines"}).items():
            if name == "settled":
                folded[name] = {(row["g_market"], row["g_provider"]): row["n"] for row in group}
                continue
            if name == "sku" and side == "sales":  # an order without lines sells no SKU
                group = [row for row in group if row["g_sku"] is not None]
            folded[name] = _in_base([{"code": row.get(f"g_{name}"), "currency": row["g_currency"],
                                      "raw": decimal_of(row["raw"]), "orders": row["orders"], "n": row["n"]}
                                     for row in group], counts=("orders", "n"))
        return folded

    return _memo(("sides", side, sku, start, end, filters), compute)


def _with_period_orders(queryset):
    """``queryset`` (refunds or payments) with ``period_order``: its order, joined on ``order.id >= the lowest
    order id among the period's records``. The condition is always true for the rows joined, so the numbers are
    those of ``order__…``; it lets PostgreSQL read the orders table from that id on through its primary key (ids
    grow with time, so about the period's orders) instead of hashing the whole table: the month is read, not the
    year. ``order_id + 0`` keeps the planner from finding that minimum by walking the ``order_id`` index from the
    oldest payment up."""
    lowest = (queryset.order_by().annotate(one=Value(1)).values("one")
              .annotate(low=Min(F("order_id") + 0)).values("low"))
    return queryset.annotate(period_order=FilteredRelation("order", condition=Q(order__id__gte=Subquery(lowest))))


def _refund_breakdown(key, dimension, *, start, end, filters):
    refunds, denominators = _refund_groups(dimension, start=start, end=end, filters=filters)
    field = "amount" if key == "refund_rate_amount" else "orders"
    rows = []
    for code, row in refunds.items():
        denominator = (denominators.get(code) or {}).get(field)
        numerator = _minor(row[field]) if field == "amount" else row[field]
        rows.append({"code": code, "value": _percent(row[field], denominator), "numerator": numerator,
                     "denominator": _minor(denominator) if field == "amount" else denominator,
                     "contribution": Decimal(row[field] or 0)})
    return rows


def _dispute_breakdown(definition, *, start, end, filters):
    """Disputes ÷ settled payments of one provider by market: the settled counts come from the sales statement of
    the market scope (shared with the other provider and, without filters, with the refund rates); the disputes
    of a market are counted once for both providers."""
    from disputes.api import dispute_counts

    scope = Filters(market=filters.market)
    settled = {market: n for (market, provider), n in _sides("sales", start=start, end=end, filters=scope)[
        "settled"].items() if provider == definition.provider}
    markets = [filters.market] if filters.market else _memo(
        ("markets",), lambda: list(Market.objects.values_list("code", flat=True)))
    rows = []
    for code in markets:
        opened = _memo(("disputes", start, end, code), lambda code=code: dispute_counts(
            start=start, end=end, market=code)).get(definition.provider, 0)
        if opened or settled.get(code):
            rows.append({"code": code, "value": _percent(opened, settled.get(code)), "numerator": opened,
                         "denominator": settled.get(code, 0), "contribution": opened})
    return rows


def _ticket_groups(measure, dimensions, *, start, end, filters) -> dict[str, list[dict]]:
    """One measure's ticket groups; within a shared computation all its dimensions and the whole, in one statement
    shared by the metric values, every breakdown and the explanations."""
    from tickets.api import ticket_breakdowns

    shared = _MEMO.get() is not None
    return _memo(("tickets", measure, start, end, filters), lambda: ticket_breakdowns(
        measure=measure, dimensions=TICKET_SIDE if shared else dimensions, start=start, end=end,
        market=filters.market, channel=_ticket_channel(filters), limit=10_000, whole=shared))


def _ticket_breakdown(key, dimension, *, start, end, filters):
    grouped_rows = _ticket_groups(TICKET_MEASURES[key], (dimension,), start=start, end=end, filters=filters)
    rows = []
    for row in grouped_rows[dimension]:
        good, total = row["numerator"], row["denominator"]
        if key == "repeat_complaint_rate":
            value, contribution = _percent(good, total), good
        elif key in ("first_response_median", "first_response_p90"):
            value, contribution = _minutes(row["median" if key == "first_response_median" else "p90"]), total - good
            good = None
        else:
            value, contribution = _percent(good, total), total - good
        rows.append({"code": row["code"], "value": value, "numerator": good, "denominator": total,
                     "contribution": contribution})
    return rows


def _promise_breakdown(dimension, *, start, end, filters):
    refunds = _promise_refunds(start=start, end=end, filters=filters)
    if dimension == "reason":
        from returns.api import case_field_for_refund

        code = case_field_for_refund("reason")
    else:
        code = _group(dimension)
    rows = []
    for row in refunds.annotate(code=code).values("code").annotate(n=Count("pk"), on_time=Count("pk", filter=ON_TIME)):
        rows.append({"code": _code(row["code"]), "value": _percent(row["on_time"], row["n"]),
                     "numerator": row["on_time"], "denominator": row["n"], "contribution": row["n"] - row["on_time"]})
    return rows


def _returnless_groups(*, start, end, filters) -> dict:
    from returns.api import returnless_savings_by

    return _memo(("returnless", start, end, filters), lambda: returnless_savings_by(
        start=start, end=end, base_currency=_base(), market=filters.market, channel=_order_channel(filters)))


def _returnless_breakdown(dimension, *, start, end, filters):
    if _MEMO.get() is not None:
        rows = _returnless_groups(start=start, end=end, filters=filters)[dimension]
    else:
        from returns.api import returnless_savings

        rows = returnless_savings(start=start, end=end, base_currency=_base(), market=filters.market,
                                  channel=_order_channel(filters), group_by=dimension, limit=10_000)
    return [{"code": _code(row["code"]), "value": _minor(row["numerator"]), "numerator": _minor(row["numerator"]),
             "denominator": row["denominator"], "contribution": Decimal(row["numerator"] or 0)} for row in rows]


def _labels(key: str, dimension: str, codes: list[str]) -> dict[str, str]:
    """Readable names of the codes of one breakdown (one query at most)."""
    codes = [code for code in codes if code]
    if not codes:
        return {}
    if dimension == "sku":
        return {sku: f"{sku} · {name}" for sku, name in Product.objects.filter(sku__in=codes)
                .values_list("sku", "name")}
    if dimension == "market":
        return dict(Market.objects.filter(code__in=codes).values_list("code", "name"))
    if dimension == "provider":
        return {code: str(PaymentProvider(code).label) for code in codes if code in PaymentProvider.values}
    if dimension == "agent":
        users = get_user_model().objects.filter(pk__in=[int(code) for code in codes if code.isdigit()])
        return {str(user.pk): user.get_full_name() or user.get_username() for user in users}
    if dimension == "channel":
        labels = {code: str(OrderSource(code).label) for code in codes if code in OrderSource.values}
        if _installed("tickets"):
            from tickets.api import channel_label

            labels.update({code: channel_label(code) for code in codes if code not in labels})
        return labels
    # reason
    if key in TICKET_MEASURES:
        from tickets.api import complaint_category_label

        return {code: complaint_category_label(code) for code in codes}
    labels = {code: str(RefundCause(code).label) for code in codes if code in RefundCause.values}
    if _installed("returns"):
        from returns.api import return_reason_label

        labels.update({code: return_reason_label(code) for code in codes if code not in labels})
    return labels


# -- explanations -----------------------------------------------------------------------------------------------


def period_label(start: datetime, end: datetime, tz=None) -> str:
    """"May 2026" for a whole month in the store's time zone, else "1 May 2026 – 17 May 2026"."""
    zone = _zone(tz)
    local_start = start.astimezone(zone)
    if month_bounds(local_start.date(), zone) == (start, end):
        return formats.date_format(local_start, "F Y")
    last = (end - timedelta(seconds=1)).astimezone(zone)
    return f"{formats.date_format(local_start, 'j F Y')} – {formats.date_format(last, 'j F Y')}"


def _number(value, places: int = 0) -> str:
    """Localised, rounded half up (``number_format`` alone truncates: 67.57 would read 67)."""
    return formats.number_format(Decimal(value).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP), places)


def _pct_text(share) -> str:
    return _number(share)


def explanations(*, start: datetime, end: datetime, filters: Filters = Filters(),
                 values: dict[str, MetricValue] | None = None) -> dict[str, list[str]]:
    """For every red or amber metric, translated sentences naming the top contributors, keyed by metric key
    (``values``: the period's metrics if already computed). A few grouped queries per bad metric."""
    with nullcontext() if _MEMO.get() is not None else shared_computation():
        return _explain(start=start, end=end, filters=filters, values=values)


def _explain(*, start, end, filters, values) -> dict[str, list[str]]:
    values = values if values is not None else period_metrics(start=start, end=end, filters=filters)
    period = period_label(start, end)
    result = {}
    for key, value in values.items():
        if value.status not in ("amber", "red"):
            continue

        def top(dimension, key=key):
            if dimension not in metric(key).dimensions:
                return None
            rows = breakdown(key=key, dimension=dimension, start=start, end=end, filters=filters, limit=3)
            named = [row for row in rows if row["code"] and row["share"]]  # "no agent" explains nothing
            return named[0] if named else None

        sentences = _sentences(key, top, period)
        if sentences:
            result[key] = sentences
    return result


def _sentences(key: str, top, period: str) -> list[str]:
    sentences = []
    if key in REFUND_SIDE:
        sku, reason = top("sku"), top("reason")
        if sku and reason:
            sentences.append(gettext("SKU %(sku)s drove %(share)s %% of refunds in %(period)s; “%(reason)s” is the "
                                     "leading reason.") % {"sku": sku["code"], "share": _pct_text(sku["share"]),
                                                           "period": period, "reason": reason["label"]})
        elif sku:
            sentences.append(gettext("SKU %(sku)s drove %(share)s %% of refunds in %(period)s.")
                             % {"sku": sku["code"], "share": _pct_text(sku["share"]), "period": period})
        if sku and sku["value"] is not None:
            sentences.append(gettext("Its own refund rate was %(rate)s %%.")
                             % {"rate": _number(sku["value"], 1)})
        market = top("market")
        if market and market["share"] < 100:
            sentences.append(gettext("%(market)s accounts for %(share)s %% of them.")
                             % {"market": market["label"], "share": _pct_text(market["share"])})
    elif key == "repeat_complaint_rate":
        reason, channel = top("reason"), top("channel")
        if reason:
            sentences.append(gettext("“%(reason)s” is behind %(share)s %% of repeat complaints in %(period)s.")
                             % {"reason": reason["label"], "share": _pct_text(reason["share"]), "period": period})
        if channel:
            sentences.append(gettext("%(share)s %% of them came in by %(channel)s.")
                             % {"channel": channel["label"], "share": _pct_text(channel["share"])})
    elif metric(key).provider:
        market = top("market")
        if market:
            sentences.append(gettext("%(market)s accounts for %(share)s %% of %(provider)s disputes in %(period)s.")
                             % {"market": market["label"], "share": _pct_text(market["share"]),
                                "provider": PaymentProvider(metric(key).provider).label, "period": period})
    elif key in TICKET_MEASURES:  # first response and CSAT
        agent, channel = top("agent"), top("channel")
        what = gettext("unsatisfied answers") if key == "csat" else gettext("late first responses")
        if agent:
            sentences.append(gettext("%(agent)s had %(share)s %% of the %(what)s in %(period)s.")
                             % {"agent": agent["label"], "share": _pct_text(agent["share"]), "what": what,
                                "period": period})
        if channel:
            sentences.append(gettext("%(share)s %% of the %(what)s in %(period)s came in by %(channel)s.")
                             % {"channel": channel["label"], "share": _pct_text(channel["share"]), "what": what,
                                "period": period})
    elif key == "refund_promise_compliance":
        market, reason = top("market"), top("reason")
        if market:
            sentences.append(gettext("%(market)s accounts for %(share)s %% of the refunds paid late in %(period)s.")
                             % {"market": market["label"], "share": _pct_text(market["share"]), "period": period})
        if reason:
            sentences.append(gettext("“%(reason)s” is the leading reason among them.") % {"reason": reason["label"]})
    return sentences
