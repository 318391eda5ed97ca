"""What each dashboard page shows, ready for its template and its CSV: the overview, one metric by a dimension,
one row of it, and the refunds and return cases behind a row. Every link keeps the filters; every number is
written by ``aftersales.audit.display``; the data comes from ``aftersales.audit.drilldown``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from babel.dates import format_skeleton
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aftersales.models.audit import AuditAlert
from aftersales.money import format_money

from . import drilldown as d
from . import metrics as m
from .display import (
    DIMENSION_LABELS,
    babel_locale,
    format_value,
    month_label,
    part_labels,
    part_text,
    share_text,
    status_label,
    threshold_text,
)
from .services import BREAKDOWN_ROWS


def query_string(filters: m.Filters, **extra) -> str:
    """``?market=US&month=2026-05``: the filters (kept in every link) plus page parameters; "" when empty."""
    params = {**dict(d.active_filters(filters)), **{k: v for k, v in extra.items() if v not in (None, "")}}
    return "?" + urlencode(params) if params else ""


def cell(value: m.MetricValue | None, definition: m.MetricDef, language: str) -> dict:
    value = value or m.MetricValue(key=definition.key, value=None, numerator=None, denominator=None,
                                   status="no_data")
    return {"value": value.value, "text": format_value(value.value, definition.unit, language),
            "status": value.status, "status_text": status_label(value.status), "numerator": value.numerator,
            "denominator": value.denominator,
            "numerator_text": part_text(definition, "numerator", value.numerator, language),
            "denominator_text": part_text(definition, "denominator", value.denominator, language),
            "ignored": [str(DIMENSION_LABELS.get(d, d)) for d in value.extra.get("ignored_filters") or []]}


def linkable(code) -> bool:
    return code not in (None, "", m.OTHER_REASONS) and "/" not in str(code)


def overview_page(data: d.Overview, filters: m.Filters, language: str) -> dict:
    current, closed = data.current, data.closed
    rows, explained, trend = [], [], []
    for definition in m.METRICS:
        key = definition.key
        row = {"key": key, "label": definition.label, "help": definition.help,
               "threshold": threshold_text(definition, language),
               "current": cell(current.values.get(key), definition, language),
               "closed": cell(closed.values.get(key), definition, language),
               "current_url": reverse("dashboard-metric", args=[key]) + query_string(
                   filters, month=f"{current.month:%Y-%m}"),
               "closed_url": reverse("dashboard-metric", args=[key]) + query_string(
                   filters, month=f"{closed.month:%Y-%m}")}
        rows.append(row)
        if {row["current"]["status"], row["closed"]["status"]} & {"red", "amber"}:
            explained.append({"key": key, "label": definition.label, "current": row["current"],
                              "closed": row["closed"],
                              "current_sentences": current.explanations.get(key, []),
                              "closed_sentences": closed.explanations.get(key, [])})
        trend.append({"key": key, "label": definition.label, "id": f"trend-{key}", "data": data.trend[key],
                      "url": row["closed_url"]})
    closed_audit = closed.audit
    return {
        "current_label": month_label(current.month, language), "closed_label": month_label(closed.month, language),
        "rows": rows, "explained": explained, "trend": trend, "alerts": [alert_text(a, language) for a in data.alerts],
        "closed_revision": closed_audit.revision if closed_audit else None,
        "closed_computed_at": closed_audit.computed_at if closed_audit else None,
        "current_as_of": current.snapshot.computed_at if current.snapshot else None,
        "pdf_url": reverse("dashboard-report", args=[f"{closed.month:%Y-%m}"]) if closed_audit else "",
        "csv_url": reverse("dashboard") + query_string(filters, format="csv"),
        "trend_csv_url": reverse("dashboard") + query_string(filters, format="csv", table="trend"),
        "filtered": bool(d.active_filters(filters)), "keep": [],
        **progress(filters, data.pending, data.queued, reverse("dashboard") + query_string(filters, whole="1")),
    }


def progress(filters: m.Filters, months: list[date], queued: bool, whole_url: str) -> dict:
    """What a page's progress bar needs: how many trend months a worker is computing, where to poll how far it is,
    whether they could be queued, after how long without a new month to say that the worker may be down, and the
    same page with every month computed on the request (``whole_url``: slower, needs no worker)."""
    return {"pending": len(months), "queued": queued, "whole_url": whole_url,
            "progress_url": reverse("dashboard") + query_string(filters, progress=",".join(f"{x:%Y-%m}"
                                                                                           for x in months)),
            "stall_seconds": settings.DASHBOARD_PROGRESS_STALL_SECONDS}


def alert_text(alert: AuditAlert, language: str) -> dict:
    """One line of the alert banner, linking to the metric in the alert's month."""
    try:
        definition = m.metric(alert.metric)
        label, unit = definition.label, definition.unit
        url = reverse("dashboard-metric", args=[alert.metric]) + query_string(m.Filters(), month=f"{alert.month:%Y-%m}")
    except KeyError:
        label, unit, url = alert.metric, "count", ""
    try:
        value = format_value(Decimal(alert.value), unit, language) if alert.value else ""
    except ArithmeticError:
        value = alert.value
    return {"status": alert.status, "month": month_label(alert.month, language), "label": label, "value": value,
            "kind": alert.kind, "kind_text": alert.get_kind_display(), "metric": alert.metric, "url": url}


def breakdown_display(definition: m.MetricDef, dimension: str, rows: list[dict], month: date, filters: m.Filters,
                      language: str) -> list[dict]:
    shown = []
    end = m.month_bounds(month, d.store_tz())[1]
    for row in rows:
        value = d.decimal_of(row.get("value"))
        code = row.get("code")
        status = m.status_of(definition.key, value, end=end)
        shown.append({
            "code": "" if code in (None, m.OTHER_REASONS) else str(code),
            "label": m.row_label(definition.key, dimension, row),
            "value": value, "text": format_value(value, definition.unit, language),
            "status": status, "status_text": status_label(status),
            "numerator": row.get("numerator"), "denominator": row.get("denominator"),
            "numerator_text": part_text(definition, "numerator", row.get("numerator"), language),
            "denominator_text": part_text(definition, "denominator", row.get("denominator"), language),
            "share": d.decimal_of(row.get("share")),
            "share_text": share_text(d.decimal_of(row.get("share")), language),
            "reason": row.get("reason") or "", "reason_label": m.reason_label(definition.key, row),
            "url": reverse("dashboard-row", args=[definition.key, dimension, code]) + query_string(
                filters, month=f"{month:%Y-%m}") if linkable(code) else ""})
    return shown


def month_links(base: str, month: date, filters: m.Filters, language: str, **extra) -> list[dict]:
    """The trend's months as links to the page at ``base`` in that month."""
    return [{"label": format_skeleton("yMMM", x, locale=babel_locale(language)), "active": x == month,
             "url": base + query_string(filters, month=f"{x:%Y-%m}", **extra)} for x in d.trend_months()]


def metric_page(definition: m.MetricDef, dimension: str, month: date, filters: m.Filters, language: str, *,
                whole: bool = False) -> dict:
    """One metric: its trend, its value in the chosen month, and that month broken down by one dimension. Under
    several filters the trend's other months are left to a worker unless ``whole`` (every month computed now)."""
    months = d.trend_months()
    stored = d.newest_audits(months[:-1], with_breakdowns=bool(d.active_filters(filters)))
    figures = [d.month_figures(x, filters, audit=stored.get(x), explain=x == month,
                               unaudited_live=x in (month, months[-2]),
                               cached_only=not whole and x not in (month, months[-1]))
               for x in months]
    pending = [f.month for f in figures if f.pending]
    queued = d.filtered_months_queue(pending, filters) if pending else True
    chosen = figures[months.index(month)]
    d.in_language(chosen, filters, language)
    rows = d.breakdown_rows(definition.key, dimension, month, filters, snapshot=chosen.snapshot)
    base = reverse("dashboard-metric", args=[definition.key])
    return {
        "definition": definition, "key": definition.key, "label": definition.label, "help": definition.help,
        "threshold": threshold_text(definition, language), "dimension": dimension,
        "dimension_label": DIMENSION_LABELS.get(dimension, dimension), "month": month,
        "month_label": month_label(month, language), "live": chosen.live,
        "as_of": chosen.snapshot.computed_at if chosen.snapshot else None, "parts": part_labels(definition),
        **progress(filters, pending, queued, reverse("dashboard-metric", args=[definition.key]) + query_string(
            filters, month=f"{month:%Y-%m}", dimension=dimension, whole="1")),
        "value": cell(chosen.values.get(definition.key), definition, language),
        "sentences": chosen.explanations.get(definition.key, []),
        "trend": {"id": f"trend-{definition.key}", "data": d.trend_series(figures, language)[definition.key]},
        "months": month_links(reverse("dashboard-metric", args=[definition.key]), month, filters, language,
                              dimension=dimension),
        "dimensions": [{"code": d, "label": DIMENSION_LABELS.get(d, d), "active": d == dimension,
                        "url": base + query_string(filters, month=f"{month:%Y-%m}", dimension=d)}
                       for d in definition.dimensions],
        "rows": breakdown_display(definition, dimension, rows, month, filters, language),
        # A stored breakdown keeps the rows that contribute most: say so, and open any other by its code.
        "largest_only": len(rows) if len(rows) >= BREAKDOWN_ROWS else None,
        "find_url": reverse("dashboard-row-find", args=[definition.key, dimension]),
        "find_keep": [*d.active_filters(filters), ("month", f"{month:%Y-%m}")],
        "reasons": any(row.get("reason") for row in rows),  # a refund rate by SKU: each SKU's leading reason
        "csv_url": base + query_string(filters, month=f"{month:%Y-%m}", dimension=dimension, format="csv"),
        "crumbs": [{"label": _("Dashboard"), "url": reverse("dashboard") + query_string(filters)},
                   {"label": definition.label, "url": ""}],
        "keep": [("month", f"{month:%Y-%m}"), ("dimension", dimension)],
        "filters": filters,
    }


# -- one breakdown row, and the refunds and return cases behind it ----------------------------------------------

def refund_parts_display(definition: m.MetricDef, dimension: str, code: str, month: date, filters: m.Filters,
                         language: str) -> list[dict]:
    """The refunds behind a row by reason (by SKU for a reason row), each linking to its refunds and cases."""
    base = settings.STORE_BASE_CURRENCY
    sub = d.sub_dimension(dimension)
    rows = d.refund_parts(dimension, code, month, filters)
    total = sum(Decimal(row["amount"]) for row in rows)
    labels = m._labels(definition.key, sub, [row["code"] for row in rows])
    shown = []
    for row in rows:
        amount_minor = int(Decimal(row["amount"]).quantize(Decimal(1)))
        share = (Decimal(row["amount"]) * 100 / total).quantize(Decimal("0.01")) if total else None
        shown.append({
            "code": row["code"], "label": labels.get(row["code"]) or row["code"] or _("(none)"),
            "refunds": row["refunds"], "orders": row["orders"], "amount_minor": amount_minor, "currency": base,
            "amount_text": format_money(amount_minor, base, language), "share": share,
            "share_text": share_text(share, language),
            "url": reverse("dashboard-cases", args=[definition.key, dimension, code]) + query_string(
                filters, month=f"{month:%Y-%m}", **{sub: row["code"]})})
    return shown


def row_page(definition: m.MetricDef, dimension: str, code: str, month: date, filters: m.Filters,
             language: str) -> dict:
    """One row of a breakdown (e.g. one SKU): its figures and what is behind it. For a refund metric: the refunds
    grouped by reason (by SKU for a reason row), each leading to the refunds and return cases; for a row that is
    itself a filter (market, channel, provider): the metric broken down by the other dimensions within it."""
    rows = d.breakdown_rows(definition.key, dimension, month, filters)
    found = d.breakdown_row(definition.key, dimension, code, month, filters, rows=rows)
    shown = breakdown_display(definition, dimension, [found] if found else [], month, filters, language)
    refund_side = definition.key in d.REFUND_METRICS
    sub = d.sub_dimension(dimension)  # what a refund row is split by next
    within = []
    if not refund_side and dimension in d.FILTER_DIMENSIONS and d.filter_applies(definition, dimension, code):
        narrowed = d.with_filter(filters, dimension, code)
        for other in definition.dimensions:
            if other == dimension or other in dict(d.active_filters(filters)):
                continue
            other_rows = d.breakdown_rows(definition.key, other, month, narrowed)[:10]
            within.append({"dimension": other, "label": DIMENSION_LABELS.get(other, other),
                           "rows": breakdown_display(definition, other, other_rows, month, narrowed, language)})
    label = shown[0]["label"] if shown else code
    here = [definition.key, dimension, code]
    trend, year = None, []
    if not d.active_filters(filters):  # the stored breakdowns are unfiltered; under filters the chart is left out
        year = d.row_months(definition, dimension, code,
                            current_rows=rows if month == d.trend_months()[-1] else None,
                            known={month: found} if found else None)
        trend = d.row_trend(year, definition.key, language)
        trend["label"] = f"{label} · {definition.label}"
    return {
        "definition": definition, "key": definition.key, "label": definition.label, "dimension": dimension,
        "dimension_label": DIMENSION_LABELS.get(dimension, dimension), "code": code, "row_label": label,
        "parts": part_labels(definition), "row": shown[0] if shown else None, "month": month,
        "month_label": month_label(month, language), "refund_side": refund_side,
        "sub_label": DIMENSION_LABELS[sub],
        "sub_heading": _("Refunds by SKU") if sub == "sku" else _("Refunds by reason"),
        "reasons": refund_parts_display(definition, dimension, code, month, filters, language) if refund_side
        else [],
        "within": within,
        "trend": {"id": "row-trend", "data": trend} if trend else None, "year": year,
        "trend_csv_url": reverse("dashboard-row", args=here) + query_string(filters, month=f"{month:%Y-%m}",
                                                                            format="csv", table="trend"),
        "months": month_links(reverse("dashboard-row", args=here), month, filters, language),
        "unfiltered_url": reverse("dashboard-row", args=here) + query_string(m.Filters(), month=f"{month:%Y-%m}"),
        "cases_url": reverse("dashboard-cases", args=here) + query_string(filters, month=f"{month:%Y-%m}"),
        "below_label": _below_label(definition.key),
        "csv_url": reverse("dashboard-row", args=here) + query_string(filters, month=f"{month:%Y-%m}",
                                                                      format="csv"),
        "crumbs": [{"label": _("Dashboard"), "url": reverse("dashboard") + query_string(filters)},
                   {"label": definition.label, "url": reverse("dashboard-metric", args=[definition.key])
                    + query_string(filters, month=f"{month:%Y-%m}", dimension=dimension)},
                   {"label": label, "url": ""}],
        "keep": [("month", f"{month:%Y-%m}")],
    }


def _below_label(key: str) -> str:
    """The button from a row to the rows behind it, for a metric that is not a refund rate (those list reasons)."""
    if key in d.TICKET_METRICS:
        return _("The tickets behind this row")
    if key == "refund_promise_compliance":
        return _("The return refunds behind this row")
    if key == "returnless_savings":
        return _("The items kept behind this row")
    return _("The disputes behind this row")


def _page_number(text) -> int:
    try:
        return max(1, int(text or 1))
    except ValueError:
        return 1


def _rows_below(definition: m.MetricDef, dimension: str, code: str, month: date, filters: m.Filters, *,
                number: int, has_next: bool, query: dict, row_label: str, last_crumb: str) -> dict:
    """What a page of the rows behind a breakdown row shares, whatever the rows are: its paging, CSV address,
    breadcrumb and the query its filter form keeps."""
    here = reverse("dashboard-cases", args=[definition.key, dimension, code])
    row_url = reverse("dashboard-row", args=[definition.key, dimension, code]) + query_string(
        filters, month=f"{month:%Y-%m}")
    return {
        "page": number, "has_next": has_next,
        "next_url": here + query_string(filters, page=number + 1, **query),
        "previous_url": here + query_string(filters, page=number - 1, **query) if number > 1 else "",
        "csv_url": here + query_string(filters, format="csv", **query),
        "crumbs": [{"label": _("Dashboard"), "url": reverse("dashboard") + query_string(filters)},
                   {"label": definition.label, "url": reverse("dashboard-metric", args=[definition.key])
                    + query_string(filters, month=f"{month:%Y-%m}", dimension=dimension)},
                   {"label": row_label, "url": row_url},
                   {"label": last_crumb, "url": ""}],
        "row_url": row_url,
        "keep": [(name, value) for name, value in query.items() if value],
    }


def cases_page(definition: m.MetricDef, dimension: str, code: str, month: date, filters: m.Filters,
               language: str, *, reason: str = "", sku: str = "", page=None, all_rows: bool = False) -> dict:
    """The refunds behind a row (and, optionally, one reason or SKU of it), newest first, each with its order and
    the return case it paid for, linked to the return desk. 50 a page; the CSV (``all_rows``) has them all."""
    number = 1 if all_rows else _page_number(page)
    rows = d.case_refunds(dimension, code, month, filters, reason=reason, sku=sku, page=number, all_rows=all_rows)
    labels = m._labels(definition.key, "reason", sorted({r.reason_code or "" for r in rows} | {reason}))
    items = []
    for refund in rows if all_rows else rows[:d.ROW_PAGE_SIZE]:
        case = d.case_pk(refund)
        rma = getattr(refund, "case_rma", None) or ""
        items.append({
            "pk": refund.pk, "succeeded_at": refund.succeeded_at, "order": refund.order.number,
            "market": refund.order.market.code, "amount_minor": refund.amount_minor, "currency": refund.currency,
            "amount_text": format_money(refund.amount_minor, refund.currency, language), "cause": refund.cause,
            "cause_text": refund.get_cause_display(), "reason": refund.reason_code or "",
            "reason_label": labels.get(refund.reason_code or "") or refund.reason_code or "", "rma": rma,
            "case_status": getattr(refund, "case_status", None) or "",
            "case_url": reverse("returns-desk:detail", args=[case]) if case and rma else ""})
    narrowed_by = labels.get(reason) or reason or sku
    query = {"month": f"{month:%Y-%m}", "reason": reason, "sku": sku}
    return {
        "definition": definition, "key": definition.key, "label": definition.label, "dimension": dimension,
        "code": code, "month": month, "month_label": month_label(month, language), "reason": reason, "sku": sku,
        "narrowed_by": narrowed_by, "cases": items, "heading": _("Refunds and return cases"), "table_id": "cases",
        **_rows_below(definition, dimension, code, month, filters, number=number,
                      has_next=not all_rows and len(rows) > d.ROW_PAGE_SIZE, query=query, row_label=code,
                      last_crumb=narrowed_by or _("Refunds and return cases")),
    }


def _row_name(definition: m.MetricDef, dimension: str, code: str) -> str:
    """A breakdown row's name from its code alone (a market's name, an agent's, a reason's label)."""
    return (m._labels(definition.key, dimension, [code]).get(code) if code else "") or m.row_label(
        definition.key, dimension, {"code": code})


def tickets_page(definition: m.MetricDef, dimension: str, code: str, month: date, filters: m.Filters,
                 language: str, *, page=None, all_rows: bool = False) -> dict:
    """The tickets behind a row of a ticket metric (the last level of its drill-down), worst first, each linked to
    the desk. 50 a page; the CSV (``all_rows``) has them all."""
    from tickets.api import channel_label, complaint_category_label

    number = 1 if all_rows else _page_number(page)
    rows = d.ticket_rows_of_row(definition.key, dimension, code, month, filters, page=number, all_rows=all_rows)
    items = [{**row, "url": reverse("tickets-desk:detail", args=[row["number"]]),
              "channel_text": channel_label(row["channel"]),
              "category_text": complaint_category_label(row["category"]) if row["category"] else ""}
             for row in (rows if all_rows else rows[:d.ROW_PAGE_SIZE])]
    measure = m.TICKET_MEASURES[definition.key]
    label = _row_name(definition, dimension, code)
    return {
        "definition": definition, "key": definition.key, "label": definition.label, "dimension": dimension,
        "code": code, "row_label": label, "month": month, "month_label": month_label(month, language),
        "measure": measure, "tickets": items, "heading": _("Tickets"), "table_id": "tickets",
        "at_label": {"repeat_complaints": _("Opened"), "first_response": _("First message"),
                     "csat": _("Answered")}[measure],
        **_rows_below(definition, dimension, code, month, filters, number=number,
                      has_next=not all_rows and len(rows) > d.ROW_PAGE_SIZE, query={"month": f"{month:%Y-%m}"},
                      row_label=label, last_crumb=_("Tickets")),
    }


def _cell(value, *, kind: str = "text", text: str = "", url: str = "", sort=None, csv=None, shown=True) -> dict:
    """One cell of a records table: ``kind`` text, number, money, date or datetime (dates are formatted by the
    template in the page's language), its sort key and its CSV value; ``shown=False`` for the CSV only (the
    currency of an amount the page writes with its symbol)."""
    raw = value.isoformat() if hasattr(value, "isoformat") else ("" if value is None else value)
    return {"value": value, "kind": kind, "text": text or ("" if value is None else str(value)), "url": url,
            "sort": raw if sort is None else sort, "end": kind in ("number", "money"),
            "csv": raw if csv is None else csv, "shown": shown}


def _dispute_records(definition, dimension, code, month, filters, language, number, all_rows):
    rows = d.dispute_rows_of_row(definition, code, month, filters, page=number, all_rows=all_rows)
    columns = [("dispute", _("Dispute")), ("opened_at", _("Opened")), ("order", _("Order")),
               ("market", _("Market")), ("reason", _("Reason")), ("status", _("Status")),
               ("amount_minor", _("Amount")), ("currency", ""), ("respond_by", _("Respond by"))]
    records = [[_cell(row.provider_id, url=reverse("disputes-desk:detail", args=[row.id])),
                _cell(row.opened_at, kind="datetime"), _cell(row.order_number), _cell(row.market),
                _cell(row.reason_label, csv=row.reason), _cell(row.status_label, csv=row.status),
                _cell(row.amount_minor, kind="money", text=format_money(row.amount_minor, row.currency, language)),
                _cell(row.currency, shown=False), _cell(row.respond_by, kind="datetime")] for row in rows]
    return _("Disputes"), columns, records


def _promise_records(definition, dimension, code, month, filters, language, number, all_rows):
    rows = d.promise_rows_of_row(dimension, code, month, filters, page=number, all_rows=all_rows)
    columns = [("rma", _("Return case")), ("paid_on", _("Paid")), ("deadline", _("Deadline")),
               ("days_late", _("Days late")), ("order", _("Order")), ("market", _("Market")),
               ("amount_minor", _("Amount")), ("currency", "")]
    records = []
    for refund in rows:
        late = max(0, (refund.paid_on - refund.deadline).days)
        case = d.case_pk(refund)
        records.append([
            _cell(refund.case_rma or "", url=reverse("returns-desk:detail", args=[case]) if case else ""),
            _cell(refund.paid_on, kind="date"), _cell(refund.deadline, kind="date"),
            _cell(late, kind="number", text=ngettext("%(days)s day late", "%(days)s days late", late)
                  % {"days": late} if late else _("On time")),
            _cell(refund.order.number), _cell(refund.order.market.code),
            _cell(refund.amount_minor, kind="money",
                  text=format_money(refund.amount_minor, refund.currency, language)),
            _cell(refund.currency, shown=False)])
    return _("Return refunds against their deadlines"), columns, records


def _returnless_records(definition, dimension, code, month, filters, language, number, all_rows):
    rows = d.returnless_rows_of_row(dimension, code, month, filters, page=number, all_rows=all_rows)
    reasons = m._labels(definition.key, "reason", sorted({row["reason"] for row in rows if row["reason"]}))
    base = settings.STORE_BASE_CURRENCY
    columns = [("rma", _("Return case")), ("approved_at", _("Approved")), ("order", _("Order")),
               ("market", _("Market")), ("reason", _("Reason")), ("return_cost_minor", _("Return cost")),
               ("currency", ""), ("saved_minor", _("Saved"))]
    records = [[_cell(row["rma"], url=reverse("returns-desk:detail", args=[row["pk"]])),
                _cell(row["approved_at"], kind="datetime"), _cell(row["order"]), _cell(row["market"]),
                _cell(reasons.get(row["reason"]) or row["reason"], csv=row["reason"]),
                _cell(row["cost_minor"], kind="money", text=format_money(row["cost_minor"], row["currency"],
                                                                          language)),
                _cell(row["currency"], shown=False),
                _cell(int(row["saved"] or 0), kind="money", text=format_money(int(row["saved"] or 0), base,
                                                                               language))]
               for row in rows]
    return _("Items kept by the customer"), columns, records


RECORDS = {"dispute_rate_stripe": _dispute_records, "dispute_rate_paypal": _dispute_records,
           "refund_promise_compliance": _promise_records, "returnless_savings": _returnless_records}


def records_page(definition: m.MetricDef, dimension: str, code: str, month: date, filters: m.Filters,
                 language: str, *, page=None, all_rows: bool = False) -> dict:
    """The rows behind a row of a dispute rate (the disputes), of refunds paid on time (the return refunds
    against their deadlines, latest first) or of returnless savings (the items kept): one table of cells, the
    same page layout as the refunds' and tickets'. 50 a page; the CSV (``all_rows``) has them all."""
    number = 1 if all_rows else _page_number(page)
    heading, columns, records = RECORDS[definition.key](definition, dimension, code, month, filters, language,
                                                        number, all_rows)
    label = _row_name(definition, dimension, code)
    return {
        "definition": definition, "key": definition.key, "label": definition.label, "dimension": dimension,
        "code": code, "row_label": label, "month": month, "month_label": month_label(month, language),
        "heading": heading, "table_id": "records",
        "columns": [{"key": key, "label": text, "end": key.endswith("_minor") or key == "days_late",
                     "shown": bool(text)} for key, text in columns],
        "records": records if all_rows else records[:d.ROW_PAGE_SIZE],
        **_rows_below(definition, dimension, code, month, filters, number=number,
                      has_next=not all_rows and len(records) > d.ROW_PAGE_SIZE,
                      query={"month": f"{month:%Y-%m}"}, row_label=label, last_crumb=heading),
    }
