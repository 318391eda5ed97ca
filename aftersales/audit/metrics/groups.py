"""The grouped statements a computation shares: the refunds, and the captured payments, of a period grouped by
every dimension in one statement each (``_sides``, ``aggregates.grouped``), each ticket measure for all its
dimensions (``_ticket_groups``), returnless savings (``_returnless_groups``) and the return refunds with their
deadlines (``_promise_refunds``). Metric values, breakdowns and explanations are read off these results."""

from __future__ import annotations

from django.db.models import (
    ExpressionWrapper,
    F,
    FilteredRelation,
    Min,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import TruncDate

from ..aggregates import capped, decimal_of, grouped, leaders, over_lines
from .definitions import OTHER_REASONS, REASON_GROUPS, TICKET_SIDE, Filters
from .scope import (
    _MEMO,
    DEC,
    _base,
    _code,
    _group,
    _in_base,
    _installed,
    _memo,
    _order_channel,
    _ticket_channel,
    _zone,
    refunds_in,
    sales_in,
)


def _promise_refunds(*, start, end, filters: Filters):
    from returns.api import case_field_for_refund

    return (refunds_in(start=start, end=end, filters=filters).filter(source_ref__startswith="returns.ReturnCase:")
            .annotate(deadline=case_field_for_refund("refund_deadline"),
                      paid_on=TruncDate("succeeded_at", tzinfo=_zone(None)))
            .filter(deadline__isnull=False))


ON_TIME = Q(paid_on__lte=F("deadline"))


def _refund_groups(dimension, *, start, end, filters) -> tuple[dict, dict, dict]:
    """Refunds and sales of one dimension's groups: ({code: {"amount", "orders"}}, the same for sales, and for
    SKUs each one's leading reasons ``{sku: {reason: {"amount", "orders"}}}``), read off the side's grouped
    statement (``_sides``), so both refund rates and the explanations share it."""
    sku = dimension == "sku"
    side = _sides("refunds", start=start, end=end, filters=filters, sku=sku)
    refunds, reasons = side[dimension], side["sku_reason"] if sku else {}
    if dimension in ("reason", "agent"):  # no sales of a reason or an agent: their part of the whole rate
        total = _sides("sales", start=start, end=end, filters=filters)[""].get("", {"amount": None, "orders": 0})
        return refunds, dict.fromkeys(refunds, total), reasons
    sales = _sides("sales", start=start, end=end, filters=filters, sku=sku)[dimension]
    if sku:  # the sales of the refunded SKUs only
        sales = {code: row for code, row in sales.items() if code in refunds}
    return refunds, sales, reasons


# Each side's groupings, read in one statement (``aggregates.grouped``): "" is the whole (by currency only).
SIDE_SETS = {"refunds": ("market", "channel", "provider", "agent", "reason"),
             "sales": ("market", "channel", "provider")}
SIDE_MEASURES = {"raw": "SUM(g_raw)", "orders": "COUNT(DISTINCT g_order)", "n": "COUNT(*)"}


def _sides(side: str, *, start, end, filters, sku: bool = False) -> dict[str, dict]:
    """The refunds ("refunds") or the captured payments ("sales") of ``[start, end)`` grouped by every dimension
    at once: ``{dimension: {code: {"amount", "orders", "n"}}}`` with ``""`` the whole, ``"sku"`` (each record spread
    over its order's lines by value) and for sales ``"settled"`` ``{(market, provider): payments}`` (dispute rates).
    ONE statement reads the period's records and their orders once (``aftersales.audit.aggregates.grouped``);
    within ``shared_computation`` it always includes the SKU groups, outside it only when ``sku`` asks; with them, the
    refunds also give ``"sku_reason"`` ``{sku: {reason: {"amount", "orders", "n"}}}`` for each SKU's leading reasons
    (by amount and by orders: one or two per SKU, ``aggregates.leaders``). The refunds' reasons are the leading
    ``REASON_GROUPS`` by amount and by orders, the rest folded into ``OTHER_REASONS`` (``aggregates.capped``)."""
    sku = sku or _MEMO.get() is not None

    def compute():
        queryset = (refunds_in if side == "refunds" else sales_in)(start=start, end=end, filters=filters)
        amount = "amount_minor" if side == "refunds" else "captured_minor"
        sets = {"": ("g_currency",), **{d: (f"g_{d}", "g_currency") for d in SIDE_SETS[side]}}
        if side == "sales":
            sets["settled"] = ("g_market", "g_provider")
        if sku:
            sets["sku"] = ("g_sku", "g_currency")
            if side == "refunds":  # each SKU's reasons: the explanations name the top SKU's own leading reason
                sets["sku_reason"] = ("g_sku", "g_reason", "g_currency")
        if side == "sales":  # the month's payments belong to about the month's orders: read those by id range
            queryset = _with_period_orders(queryset)
            period_group = {"market": F("period_order__market__code"), "channel": F("period_order__source")}
        else:  # a month's refunds are of orders from many months: a few thousand lookups by primary key
            period_group = {}
        rows = queryset.order_by().values(
            g_id=F("pk"), g_order=F("order"), g_currency=F("currency"), g_amount=F(amount), g_rate=F("rate_to_base"),
            g_raw=ExpressionWrapper(F(amount) * F("rate_to_base"), output_field=DEC),
            **{f"g_{d}": period_group.get(d) or _group(d) for d in SIDE_SETS[side]})
        derived, derived_params, sources = {}, [], {"sku": "lines", "sku_reason": "leaders"}
        if side == "refunds":  # free-text reasons: the leading ones, and the rest as one group
            cap, derived_params = capped("base", key="g_reason", keep=REASON_GROUPS, other=OTHER_REASONS,
                                         base_currency=_base())
            derived |= cap
            sources["reason"] = "capped"
        if sku:  # the refunds' lines carry their reason: only the leading reasons of each SKU leave the database
            returned = side == "refunds" and _installed("returns")
            if returned:  # a return refund is spread over the lines its case took back
                from returns.api import returned_case_for_refund, returned_value_sql

                rows = rows.annotate(g_case=returned_case_for_refund())
            derived |= {"lines": over_lines(few=side == "refunds", carry=("g_reason",) if side == "refunds" else (),
                                           returned=returned_value_sql("b.g_case", "l.id") if returned else None)}
            if side == "refunds":
                derived |= leaders("lines", key="g_sku", part="g_reason", base_currency=_base())
        folded = {}
        for name, group in grouped(rows, sets, SIDE_MEASURES, derived=derived, sources=sources,
                                   derived_params=derived_params).items():
            if name == "settled":
                folded[name] = {(row["g_market"], row["g_provider"]): row["n"] for row in group}
            elif name == "sku_reason":  # {sku: {reason: {"amount", "orders", "n"}}}
                by_sku: dict = {}
                for row in group:
                    by_sku.setdefault(_code(row["g_sku"]), []).append(row)
                folded[name] = {code: _fold(rows, "g_reason") for code, rows in by_sku.items()}
            else:
                if name == "sku" and side == "sales":  # an order without lines sells no SKU
                    group = [row for row in group if row["g_sku"] is not None]
                folded[name] = _fold(group, f"g_{name}")
        return folded

    return _memo(("sides", side, sku, start, end, filters), compute)


def _fold(rows: list[dict], column: str) -> dict:
    """Grouped rows (by ``column`` and currency) as ``{code: {"amount" (base minor), "orders", "n"}}``."""
    return _in_base([{"code": row.get(column), "currency": row["g_currency"], "raw": decimal_of(row["raw"]),
                      "orders": row["orders"], "n": row["n"]} for row in rows], counts=("orders", "n"))


def _with_period_orders(queryset):
    """``queryset`` (the period's payments) with ``period_order``: its order, joined on ``order.id >= the lowest
    order id among the period's payments``. The condition is always true for the rows joined, so the numbers are
    those of ``order__…``; it lets PostgreSQL read the orders table from that id on through its primary key (ids
    grow with time, so about the period's orders) instead of hashing the whole table: the month is read, not the
    year. ``order_id + 0`` keeps the planner from finding that minimum by walking the ``order_id`` index from the
    oldest payment up."""
    lowest = (queryset.order_by().annotate(one=Value(1)).values("one")
              .annotate(low=Min(F("order_id") + 0)).values("low"))
    return queryset.annotate(period_order=FilteredRelation("order", condition=Q(order__id__gte=Subquery(lowest))))


def _ticket_groups(measure, dimensions, *, start, end, filters) -> dict[str, list[dict]]:
    """One measure's ticket groups; within a shared computation all its dimensions and the whole, in one statement
    shared by the metric values, every breakdown and the explanations."""
    from tickets.api import ticket_breakdowns

    shared = _MEMO.get() is not None
    return _memo(("tickets", measure, start, end, filters), lambda: ticket_breakdowns(
        measure=measure, dimensions=TICKET_SIDE if shared else dimensions, start=start, end=end,
        market=filters.market, channel=_ticket_channel(filters), limit=10_000, whole=shared))


def _returnless_groups(*, start, end, filters) -> dict:
    from returns.api import returnless_savings_by

    return _memo(("returnless", start, end, filters), lambda: returnless_savings_by(
        start=start, end=end, base_currency=_base(), market=filters.market, channel=_order_channel(filters)))
