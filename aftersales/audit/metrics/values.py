"""``period_metrics``: every metric of ``METRICS`` for one period, in a constant number of queries whatever the
number of rows (about ten alone; within a shared computation read off the grouped statements of ``groups``)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import (
    Count,
    Q,
)

from .definitions import METRICS, Filters, MetricValue
from .groups import (
    ON_TIME,
    _promise_refunds,
    _returnless_groups,
    _sides,
    _ticket_groups,
)
from .scope import (
    _MEMO,
    DISPUTE_PROVIDERS,
    _base,
    _ignored,
    _installed,
    _minor,
    _minutes,
    _no_data,
    _order_channel,
    _percent,
    _ticket_channel,
    _totals,
    _value,
    refunds_in,
    sales_in,
)


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
