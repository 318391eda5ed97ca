"""The metrics of DESIGN section 7, one definition each, computed by aggregate queries in the database.

Public interface (the dashboard calls these per request; the monthly audit stores their output):

* ``METRICS``: one ``MetricDef`` per metric in display order (key, label, unit, thresholds, help text).
* ``month_bounds(month, tz)``: ``[start, end)`` of a calendar month in the store's time zone, as UTC datetimes.
* ``period_metrics(start=, end=, filters=)``: ``{key: MetricValue}`` for every metric of ``METRICS``.
* ``breakdown(key=, dimension=, start=, end=, filters=, limit=)``: rows of one metric by one dimension.
* ``explanations(start=, end=, filters=)``: plain sentences naming the top contributors of red/amber metrics.

Modules: ``definitions`` (what each metric is), ``scope`` (periods, filters, money, statuses, the shared memo),
``groups`` (the grouped statements a computation shares), ``values`` (``period_metrics``), ``breakdowns`` and
``explanations``. The names below are the package's interface; the drill-down pages of this package
(``aftersales.audit.drilldown``, ``exports``, ``pages``) also use the few underscored helpers it re-exports.

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

from .breakdowns import _labels, breakdown, reason_label, row_label
from .definitions import (
    DIMENSIONS,
    METRICS,
    OTHER_REASONS,
    REASON_GROUPS,
    REFUND_SIDE,
    STATUSES,
    TICKET_MEASURES,
    UNITS,
    Filters,
    MetricDef,
    MetricValue,
    Thresholds,
    metric,
)
from .explanations import _sentences, explanations, leading, period_label
from .scope import (
    ORDER_CHANNELS,
    _group,
    _order_channel,
    _refund_reason,
    _ticket_channel,
    _zone,
    month_bounds,
    refund_lines,
    refunds_in,
    sales_in,
    shared_computation,
    status_of,
)
from .values import period_metrics, refund_and_sales_totals

__all__ = [
    "DIMENSIONS", "METRICS", "ORDER_CHANNELS", "OTHER_REASONS", "REASON_GROUPS", "REFUND_SIDE", "STATUSES",
    "TICKET_MEASURES", "UNITS", "Filters", "MetricDef", "MetricValue", "Thresholds", "_group", "_labels",
    "_order_channel", "_refund_reason", "_sentences", "_ticket_channel", "_zone", "breakdown", "explanations",
    "leading", "metric", "month_bounds", "period_label", "period_metrics", "reason_label",
    "refund_and_sales_totals", "refund_lines", "refunds_in", "row_label", "sales_in", "shared_computation",
    "status_of",
]
