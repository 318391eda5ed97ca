"""Reads for the manager dashboard (``/dashboard/``): which numbers a page shows and where they are read from.

The numbers come from ``aftersales.audit.metrics`` (one definition each); ``aftersales.audit.pages`` turns what
this module reads into pages and exports, ``aftersales.audit.display`` writes the numbers for a reader.

Decisions:

* Closed months are read from the stored ``MonthlyAudit`` (its newest revision), never recomputed per request:
  the overview costs a constant number of queries whatever the data size (the stored months in one query, the
  live month's ``period_metrics`` and ``explanations``, the alerts). Only the month in progress is live.
* A closed month without an audit is computed live when it is the month shown (the last closed month before
  the 1st-of-month audit has run); in the trend it is a gap: the backfill audits every month with data.
* With exactly one filter (market, channel or provider) a closed month is read from the stored breakdown of
  that dimension, which is the same metric restricted to that code, mirroring how ``period_metrics`` applies
  (or ignores) each filter. With several filters the months are computed live (correct, slower).
* Stored explanations are worded again in the reader's language from the stored breakdowns, never from today's
  data: a closed month's report keeps saying what was true when it was computed.
* Below a breakdown row of a refund metric lie refunds (the ledger is the core's): grouped by reason (or SKU),
  then listed with the return case each paid for. The returns app is reached through ``returns.api`` only, and
  its absence leaves the case columns empty.
"""

from __future__ import annotations

import logging
import zoneinfo
from contextlib import nullcontext, suppress
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_skeleton
from django.apps import apps
from django.conf import settings
from django.db.models import Count, F, Sum
from django.db.models.fields.json import KeyTransform
from django.utils import timezone
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

from aftersales.choices import OrderSource, PaymentProvider
from aftersales.models import Market, MonthlyAudit, Refund
from aftersales.models.audit import AuditAlert
from aftersales.places import market_name

from . import metrics as m
from . import selectors
from .display import babel_locale, chart_number
from .services import BREAKDOWN_ROWS

TREND_MONTHS = 12
FILTER_DIMENSIONS = ("market", "channel", "provider")
logger = logging.getLogger(__name__)


# -- months and filters ---------------------------------------------------------------------------------------

def store_tz() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.STORE_TIME_ZONE)


def live_month(now: datetime | None = None) -> date:
    """The first day of the month in progress, in the store's time zone."""
    local = (now or timezone.now()).astimezone(store_tz())
    return date(local.year, local.month, 1)


def shift_month(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def parse_month(text: str | None) -> date | None:
    """``"2026-05"`` → ``date(2026, 5, 1)``; anything else → ``None``."""
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        return None


def trend_months(now: datetime | None = None) -> list[date]:
    current = live_month(now)
    return [shift_month(current, k - TREND_MONTHS + 1) for k in range(TREND_MONTHS)]


def filter_choices() -> dict[str, list[tuple[str, str]]]:
    """Codes the filters accept: markets from the database, channels (sales channel and ticket channels),
    payment providers."""
    channels = [(code, str(label)) for code, label in OrderSource.choices]
    if apps.is_installed("tickets"):
        from tickets.api import CHANNELS, channel_label

        channels += [(code, channel_label(code)) for code in CHANNELS]
    return {
        "market": [(market.code, market_name(market.name))
                   for market in Market.objects.order_by("code").only("code", "name")],
        "channel": channels,
        "provider": [(code, str(label)) for code, label in PaymentProvider.choices],
    }


def active_filters(filters: m.Filters) -> list[tuple[str, str]]:
    return [(name, getattr(filters, name)) for name in FILTER_DIMENSIONS if getattr(filters, name)]


# -- one month of every metric --------------------------------------------------------------------------------

@dataclass
class MonthFigures:
    """Every metric of one month: stored (closed month) or computed now (the live month, or filtered)."""

    month: date
    live: bool
    values: dict[str, m.MetricValue]
    explanations: dict[str, list[str]] = field(default_factory=dict)
    audit: MonthlyAudit | None = None
    snapshot: MonthlyAudit | None = None  # the month in progress as the shared snapshot computed it (never saved)
    pending: bool = False  # filtered figures not computed yet: a worker is computing them (``filtered_months``)


def live_snapshot_key(month: date) -> str:
    return f"audit:live:{month:%Y-%m}:{settings.STORE_TIME_ZONE}:{settings.STORE_BASE_CURRENCY}"


def live_snapshot(month: date, now: datetime, *, renew: bool = False) -> MonthlyAudit | None:
    """The month in progress computed as an audit is (metrics, breakdowns, explanations: ``audit_compute``) up to
    the moment it was computed, in an unsaved ``MonthlyAudit``: computed at most once in ``DASHBOARD_LIVE_SECONDS``
    and shared through the cache by every manager, language and single filter (read as a stored month is), so a
    dashboard request late in the month does not read the whole month again. ``None`` when turned off (0).
    ``renew`` computes it anew (the beat task ``aftersales.dashboard_live_refresh``, before it expires)."""
    seconds = settings.DASHBOARD_LIVE_SECONDS
    if not seconds:
        return None
    from django.core.cache import cache

    from .services import audit_compute

    key = live_snapshot_key(month)
    start, end = m.month_bounds(month, store_tz())
    try:
        data = None if renew else cache.get(key)
    except Exception as error:  # the cache is down: the month is computed on the request, as with 0
        logger.warning("dashboard snapshot not read (%s): the month to date is computed live", type(error).__name__)
        return None
    if data is None or data["computed_at"] > now:  # or a clock set back (tests travelling in time)
        data = {"computed_at": now, **audit_compute(start=start, end=min(end, now))}
        try:
            cache.set(key, data, seconds)
        except Exception as error:  # shown all the same; the next request computes it again
            logger.warning("dashboard snapshot not kept (%s)", type(error).__name__)
    return MonthlyAudit(month=month, revision=0, computed_at=data["computed_at"], period_start=start,
                        period_end=min(end, data["computed_at"]), base_currency=settings.STORE_BASE_CURRENCY,
                        time_zone=settings.STORE_TIME_ZONE, metrics=data["metrics"], breakdowns=data["breakdowns"],
                        explanations=data["explanations"])


def newest_audits(months: list[date], *, with_breakdowns: bool = False) -> dict[date, MonthlyAudit]:
    """The newest revision of each month's stored audit, in one query."""
    rows = MonthlyAudit.objects.filter(month__in=months).order_by("month", "-revision")
    if not with_breakdowns:
        rows = rows.defer("breakdowns")
    newest: dict[date, MonthlyAudit] = {}
    for audit in rows:
        newest.setdefault(audit.month, audit)
    return newest


def decimal_of(raw):
    """A stored JSON number back to what ``metrics`` returns: a Decimal for a string, else as it is."""
    return Decimal(raw) if isinstance(raw, str) else raw


def _from_row(definition: m.MetricDef, row: dict | None, end: datetime) -> m.MetricValue:
    """A metric value from a stored breakdown row; no row is "no data", except for a sum (money), where it is 0."""
    if row is None and definition.unit == "money":
        row = {"value": 0, "numerator": 0, "denominator": 0}
    if row is None:
        return m.MetricValue(key=definition.key, value=None, numerator=None, denominator=None, status="no_data")
    value = decimal_of(row.get("value"))
    return m.MetricValue(key=definition.key, value=value, numerator=row.get("numerator"),
                         denominator=row.get("denominator"), status=m.status_of(definition.key, value, end=end))


def _single_filter(filters: m.Filters) -> tuple[str, str] | None:
    chosen = active_filters(filters)
    return chosen[0] if len(chosen) == 1 else None


def filter_applies(definition: m.MetricDef, dimension: str, code: str) -> bool:
    """Whether a filter narrows this metric, as ``metrics.period_metrics`` applies it (otherwise the metric is
    computed without it and says so in ``extra["ignored_filters"]``)."""
    if definition.provider:  # the dispute rates: counted by market and provider only
        return dimension in ("market", "provider")
    if dimension not in definition.dimensions:
        return False
    if dimension == "channel":  # a sales channel narrows order-side metrics, a ticket channel ticket-side ones
        ticket_side = definition.key in m.TICKET_MEASURES
        return (code not in m.ORDER_CHANNELS) if ticket_side else (code in m.ORDER_CHANNELS)
    return True


def stored_values(audit: MonthlyAudit, filters: m.Filters) -> dict[str, m.MetricValue] | None:
    """The month's values from its stored audit, or ``None`` when the stored audit cannot answer these filters."""
    stored = audit.metric_values()
    if not active_filters(filters):
        return stored
    single = _single_filter(filters)
    if single is None:
        return None
    dimension, code = single
    values = {}
    for definition in m.METRICS:
        whole = stored.get(definition.key) or _from_row(definition, None, audit.period_end)
        if not filter_applies(definition, dimension, code):
            values[definition.key] = replace(whole, extra={**whole.extra, "ignored_filters": [dimension]})
        elif whole.value is None:  # no data at all, so none within the filter (nothing was broken down)
            values[definition.key] = whole
        elif definition.provider and dimension == "provider":
            values[definition.key] = whole if code == definition.provider else _from_row(
                definition, None, audit.period_end)
        else:
            rows = (audit.breakdowns.get(definition.key) or {}).get(dimension)
            if rows is None:
                return None
            values[definition.key] = _from_row(definition, _row_of(rows, code), audit.period_end)
    return values


def month_figures(month: date, filters: m.Filters, *, audit: MonthlyAudit | None = None,
                  explain: bool = True, unaudited_live: bool = True, cached_only: bool = False,
                  now: datetime | None = None) -> MonthFigures:
    """One month: from its stored audit where that answers the filters, else computed now (``filtered_figures``,
    kept in the cache for filters no stored audit answers). A closed month without an audit is computed now only
    with ``unaudited_live`` (the months shown side by side); in the trend it is a gap: the backfill audits every
    month with data, so an unaudited older month has none (or awaits its audit). ``cached_only`` (the trend's
    older months) does not compute what the cache lacks: the month comes back ``pending``."""
    now = now or timezone.now()
    if month >= live_month(now) and audit is None and (snapshot := live_snapshot(month, now)) is not None:
        values = stored_values(snapshot, filters)
        if values is not None:  # unfiltered, its explanations (``in_language`` words them for the reader)
            explanations = snapshot.explanations if explain else {}
            if explain and active_filters(filters):
                explanations = m.explanations(start=snapshot.period_start, end=snapshot.period_end, filters=filters,
                                              values=values)
            return MonthFigures(month=month, live=True, values=values, explanations=explanations, snapshot=snapshot)
    if month < live_month(now) and audit is None and not unaudited_live:
        return MonthFigures(month=month, live=False, values={})
    if month < live_month(now) and audit is not None:
        values = stored_values(audit, filters)
        if values is not None:
            explanations = audit.explanations if explain and not active_filters(filters) else {}
            if explain and active_filters(filters):
                start, end = m.month_bounds(month, store_tz())
                explanations = m.explanations(start=start, end=end, filters=filters, values=values)
            return MonthFigures(month=month, live=False, values=values, explanations=explanations, audit=audit)
    computed = filtered_figures(month, filters, audit=audit, explain=explain, now=now, cached_only=cached_only)
    if computed is None:
        return MonthFigures(month=month, live=month >= live_month(now), values={}, audit=audit, pending=True)
    values, explanations = computed
    return MonthFigures(month=month, live=month >= live_month(now), values=values, explanations=explanations,
                        audit=audit)


# -- filters no stored audit answers ---------------------------------------------------------------------------

FILTERED_CLOSED_SECONDS = 30 * 24 * 3600
ROWS_UNLIMITED = 1_000_000  # every row of a breakdown (looking one up that the stored rows do not hold)


def filtered_key(month: date, filters: m.Filters, audit: MonthlyAudit | None, *, explain: bool) -> str:
    """Where a month's figures under several filters are kept: per audit revision for a closed month (its numbers
    are frozen with it; named by its id and the moment it was computed, so that a database built again, whose ids
    start over, never reads another's), per month for the month in progress; explanations in the reader's
    language."""
    scope = f"r{audit.pk}-{audit.computed_at:%Y%m%d%H%M%S%f}" if audit is not None and audit.pk else "live"
    language = (get_language() or settings.LANGUAGE_CODE) if explain else "-"
    return ":".join(["audit:filtered", f"{month:%Y-%m}", scope, filters.market, filters.channel, filters.provider,
                     language, settings.STORE_TIME_ZONE, settings.STORE_BASE_CURRENCY])


def filtered_figures(month: date, filters: m.Filters, *, audit: MonthlyAudit | None, explain: bool, now: datetime,
                     cached_only: bool = False) -> tuple[dict, dict] | None:
    """(values, explanations) of a month read off the rows: what no stored audit or snapshot answers (several
    filters at once, or the month to date with the snapshot off). Under filters, with ``DASHBOARD_LIVE_SECONDS`` on,
    the result is kept in the cache: a closed month's for ``FILTERED_CLOSED_SECONDS`` under its audit revision, the
    month in progress's for ``DASHBOARD_LIVE_SECONDS``. ``None`` when ``cached_only`` and not computed yet."""
    from django.core.cache import cache

    seconds = settings.DASHBOARD_LIVE_SECONDS
    key = filtered_key(month, filters, audit, explain=explain) if seconds and active_filters(filters) else None
    if key is not None:
        try:
            found = cache.get(key)
        except Exception as error:  # the cache is down: computed on the request
            logger.warning("filtered dashboard figures not read (%s): computed live", type(error).__name__)
            found, key = None, None
        if found is not None:
            return found
        if cached_only and key is not None:
            return None
    start, end = _period(month, now)
    # Explained, the explanations read the groups the values were computed from instead of reading them again;
    # unexplained (the trend's months), each value reads only its own groups.
    with m.shared_computation() if explain else nullcontext():
        values = m.period_metrics(start=start, end=end, filters=filters)
        explanations = m.explanations(start=start, end=end, filters=filters, values=values) if explain else {}
    if key is not None:
        try:
            cache.set(key, (values, explanations), FILTERED_CLOSED_SECONDS if month < live_month(now) else seconds)
        except Exception as error:
            logger.warning("filtered dashboard figures not kept (%s)", type(error).__name__)
    return values, explanations


def filtered_queue_key(months: list[date], filters: m.Filters) -> str:
    """Marks months under filters as queued for five minutes, so that reloads and other managers queue them once."""
    return ":".join(["audit:filtered:queued", filters.market, filters.channel, filters.provider,
                     ",".join(f"{x:%Y-%m}" for x in months), settings.STORE_TIME_ZONE])


def filtered_months_queue(months: list[date], filters: m.Filters) -> bool:
    """Have a worker compute the trend months these filters lack (``aftersales.dashboard_filtered_months``), once
    however many managers or reloads ask; False when it could not be queued (the page says so, and its progress
    poll asks again: ``filtered_progress``)."""
    from django.core.cache import cache

    from aftersales.tasks import dashboard_filtered_months_task

    key = filtered_queue_key(months, filters)
    try:
        if not cache.add(key, 1, 300):
            return True
    except Exception as error:  # no cache: nothing can be queued once; the page still shows what it has
        logger.warning("filtered dashboard months not queued (%s)", type(error).__name__)
        return False
    try:
        dashboard_filtered_months_task.delay([f"{x:%Y-%m}" for x in months], market=filters.market,
                                             channel=filters.channel, provider=filters.provider)
    except Exception as error:  # no broker: nothing queued, and the mark goes so that the next poll tries again
        logger.warning("filtered dashboard months not queued (%s)", type(error).__name__)
        with suppress(Exception):
            cache.delete(key)
        return False
    return True


def filtered_months(months: list[date], filters: m.Filters, *, now: datetime | None = None) -> int:
    """Compute and keep the figures of ``months`` under ``filters`` (the worker's side of ``filtered_months_queue``);
    returns how many were computed (the ones kept already are skipped)."""
    now = now or timezone.now()
    stored = newest_audits([x for x in months if x < live_month(now)])
    made = 0
    for month in months:
        audit = stored.get(month)
        if filtered_figures(month, filters, audit=audit, explain=False, now=now, cached_only=True) is None:
            filtered_figures(month, filters, audit=audit, explain=False, now=now)
            made += 1
    return made


def filtered_progress(months: list[date], filters: m.Filters, *, now: datetime | None = None) -> dict:
    """How many of a page's pending ``months`` under ``filters`` a worker has computed, for its progress bar
    (``{"ready", "total", "queued"}``): read from the cache, nothing computed. While some are missing they are queued
    again once the last request for them is five minutes old (a task lost with its worker, or never sent because the
    broker was down, is sent again: a reload is never needed); ``queued`` is False while they cannot be."""
    now = now or timezone.now()
    stored = newest_audits([x for x in months if x < live_month(now)])
    ready = sum(1 for x in months if filtered_figures(x, filters, audit=stored.get(x), explain=False, now=now,
                                                      cached_only=True) is not None)
    queued = ready >= len(months) or filtered_months_queue(months, filters)
    return {"ready": ready, "total": len(months), "queued": queued}


def in_language(figures: MonthFigures, filters: m.Filters, language: str) -> None:
    """A stored month's or the snapshot's explanations worded in ``language`` (unfiltered: filtered ones are
    computed in the active language)."""
    source = figures.snapshot if figures.snapshot is not None else figures.audit if not figures.live else None
    if source is not None and figures.explanations and not active_filters(filters):
        figures.explanations = stored_explanations(source, language)


def stored_explanations(audit: MonthlyAudit, language: str) -> dict[str, list[str]]:
    """A stored audit's explanations in ``language``: as stored when that is the language they were written in
    (the store's), else worded again from the stored breakdowns (their top rows), without touching the source
    data, so the report still says what was true when it was computed."""
    if language == settings.LANGUAGE_CODE:
        return audit.explanations
    with override(language):
        period = m.period_label(audit.period_start, audit.period_end, audit.time_zone)
        result = {}
        for key, value in audit.metric_values().items():
            if value.status not in ("amber", "red") or key not in {d.key for d in m.METRICS}:
                continue

            def top(dimension, key=key):
                if dimension not in m.metric(key).dimensions:
                    return None
                row = m.leading((audit.breakdowns.get(key) or {}).get(dimension) or [])
                if row is None:
                    return None
                return {**row, "value": decimal_of(row.get("value")), "share": decimal_of(row["share"]),
                        "label": m.row_label(key, dimension, row), "reason_label": m.reason_label(key, row)}

            sentences = m._sentences(key, top, period)
            if sentences:
                result[key] = sentences
    return result


# -- the overview -------------------------------------------------------------------------------------------

@dataclass
class Overview:
    current: MonthFigures
    closed: MonthFigures
    trend: dict[str, dict]
    alerts: list[AuditAlert]
    months: list[date]
    figures: dict[date, MonthFigures]
    pending: list[date] = field(default_factory=list)  # trend months a worker is computing for these filters
    queued: bool = True  # False: the pending months could not be handed to a worker (no broker)


def overview(filters: m.Filters, *, language: str, now: datetime | None = None, whole: bool = False) -> Overview:
    """The dashboard: this month so far, the last closed month, 12-month trends and the open alerts. Under several
    filters the trend's older months are left to the worker (``pending``) unless ``whole`` (an export: every month
    computed now, never a blank that only means "not yet")."""
    now = now or timezone.now()
    months = trend_months(now)
    stored = newest_audits(months[:-1], with_breakdowns=bool(active_filters(filters)))
    current = month_figures(months[-1], filters, now=now)
    closed = month_figures(months[-2], filters, audit=stored.get(months[-2]), now=now)
    in_language(closed, filters, language)
    in_language(current, filters, language)
    figures = {months[-1]: current, months[-2]: closed}
    for month in months[:-2]:
        figures[month] = month_figures(month, filters, audit=stored.get(month), explain=False, unaudited_live=False,
                                       cached_only=not whole, now=now)
    pending = [x for x in months if figures[x].pending]
    queued = filtered_months_queue(pending, filters) if pending else True
    return Overview(current=current, closed=closed, trend=trend_series([figures[x] for x in months], language),
                    alerts=selectors.open_alerts(today=months[-1]), months=months, figures=figures, pending=pending,
                    queued=queued)


def trend_series(figures: list[MonthFigures], language: str, *, only: str = "") -> dict[str, dict]:
    """Chart data per metric (``only`` that one): month labels, values (``None`` = no data), statuses and the
    threshold line; ``partial`` when the last month is the one in progress (drawn apart: its value is not a month's
    yet)."""
    locale = babel_locale(language)
    labels = [format_skeleton("yMMM", f.month, locale=locale) for f in figures]
    partial = bool(figures) and figures[-1].live
    series = {}
    for definition in [m.metric(only)] if only else m.METRICS:
        values = [f.values.get(definition.key) for f in figures]
        line = definition.thresholds.line if definition.thresholds else None
        if line is None and definition.thresholds:
            line = definition.thresholds.amber
        series[definition.key] = {
            "label": str(definition.label), "unit": definition.unit, "labels": labels,
            "values": [chart_number(v.value if v else None, definition.unit) for v in values],
            "statuses": [v.status if v else "no_data" for v in values],
            "threshold": chart_number(line, definition.unit), "thresholdLabel": str(_("Threshold")),
            "noData": str(_("no data")), "partial": partial, "soFar": str(_("so far")),
            "suffix": {"percent": " %", "minutes": " " + str(_("min"))}.get(definition.unit, ""),
            "currency": settings.STORE_BASE_CURRENCY if definition.unit == "money" else "",
        }
    return series


# -- breakdowns -------------------------------------------------------------------------------------------

def breakdown_row(key: str, dimension: str, code: str, month: date, filters: m.Filters, *,
                  rows: list[dict] | None = None, now: datetime | None = None) -> dict | None:
    """One row of a breakdown (a SKU under the refund rate): from ``rows`` (``breakdown_rows``, read by the caller)
    when it is there; else, when those rows may have been cut (a breakdown keeps the ``BREAKDOWN_ROWS`` that
    contribute most), from the whole breakdown computed now, so that a row outside the largest is shown with its
    numbers instead of "no data". None: the row has nothing this month."""
    now = now or timezone.now()
    rows = breakdown_rows(key, dimension, month, filters, now=now) if rows is None else rows
    found = _row_of(rows, code)
    if found is not None or len(rows) < BREAKDOWN_ROWS:
        return found
    start, end = m.month_bounds(month, store_tz())
    return _row_of(m.breakdown(key=key, dimension=dimension, start=start, end=min(end, now), filters=filters,
                               limit=ROWS_UNLIMITED), code)


def _row_of(rows: list[dict], code: str) -> dict | None:
    """The row of ``code`` in a breakdown (stored codes may be numbers: an agent's id)."""
    return next((row for row in rows if str(row.get("code")) == code), None)


def row_months(definition: m.MetricDef, dimension: str, code: str, *, now: datetime | None = None,
               current_rows: list[dict] | None = None, known: dict[date, dict] | None = None) -> list[MonthFigures]:
    """One row of a breakdown in each of the trend's months (the lamp's refund rate over the year): the closed
    months from their stored audits (the newest revision's breakdown of this metric by this dimension only, read out
    of the stored JSON in one query), the month in progress from the snapshot or ``current_rows`` (its breakdown
    where the caller has it); ``known`` rows (the month a row page shows, looked up beyond the stored rows) win. A
    month without an audit has no value, and neither has an audited month without the row (for money, 0): a
    breakdown keeps the 20 rows that contribute most, so an absence says "not in this month's breakdown", not zero.
    Unfiltered: the stored breakdowns are."""
    now = now or timezone.now()
    months = trend_months(now)
    part = KeyTransform(dimension, KeyTransform(definition.key, "breakdowns"))
    stored: dict[date, list] = {}
    for month, rows in (MonthlyAudit.objects.filter(month__in=months[:-1]).order_by("month", "-revision")
                        .annotate(part=part).values_list("month", "part")):
        stored.setdefault(month, rows or [])
    stored[months[-1]] = (current_rows if current_rows is not None
                          else breakdown_rows(definition.key, dimension, months[-1], m.Filters(), now=now))
    figures = []
    for month in months:
        values = {}
        if month in stored:
            row = (known or {}).get(month) or _row_of(stored[month], code)
            values[definition.key] = _from_row(definition, row, m.month_bounds(month, store_tz())[1])
        figures.append(MonthFigures(month=month, live=month == months[-1], values=values))
    return figures


def row_trend(figures: list[MonthFigures], key: str, language: str) -> dict:
    """``row_months`` as chart data (``trend_series``); a gap says "not in this month's breakdown"."""
    series = trend_series(figures, language, only=key)[key]
    with override(language):
        series["noData"] = str(_("not in this month's breakdown"))
    return series


def breakdown_rows(key: str, dimension: str, month: date, filters: m.Filters, *,
                   now: datetime | None = None, snapshot: MonthlyAudit | None = None) -> list[dict]:
    """One metric of one month by one dimension, unfiltered: the stored breakdown of a closed month, the snapshot's
    of the month in progress (``snapshot`` where the caller has it already, else ``live_snapshot``); else computed
    now."""
    now = now or timezone.now()
    if not active_filters(filters):
        audit = (newest_audits([month], with_breakdowns=True).get(month) if month < live_month(now)
                 else snapshot or live_snapshot(month, now))
        if audit is not None:
            return list((audit.breakdowns.get(key) or {}).get(dimension) or [])
    start, end = m.month_bounds(month, store_tz())
    return m.breakdown(key=key, dimension=dimension, start=start, end=min(end, now), filters=filters,
                       limit=BREAKDOWN_ROWS)  # as many as a stored breakdown keeps


def with_filter(filters: m.Filters, dimension: str, code: str) -> m.Filters:
    """The filters narrowed to one breakdown row, where the row's dimension is itself a filter."""
    if dimension in FILTER_DIMENSIONS:
        return replace(filters, **{dimension: code})
    return filters


# -- the refunds behind one breakdown row ---------------------------------------------------------------------

ROW_PAGE_SIZE = 50
REFUND_METRICS = m.REFUND_SIDE  # the metrics whose rows lead down to refunds and return cases
TICKET_METRICS = tuple(m.TICKET_MEASURES)  # the metrics whose rows lead down to tickets
CASE_REF_PREFIX = "returns.ReturnCase:"


def refunds_of_row(dimension: str, code: str, month: date, filters: m.Filters, *, now: datetime | None = None):
    """The refunds behind one breakdown row of a refund metric (issued in the month, within the filters), picked
    the way ``metrics.breakdown`` groups them."""
    start, end = _period(month, now)
    if dimension in FILTER_DIMENSIONS:
        return m.refunds_in(start=start, end=end, filters=with_filter(filters, dimension, code))
    refunds = m.refunds_in(start=start, end=end, filters=filters)
    if dimension == "sku":
        return refunds.filter(pk__in=m.refund_lines(refunds).filter(line_sku=code).values("pk"))
    if dimension == "agent":
        return refunds.annotate(row_code=m._group(dimension)).filter(row_code=int(code) if code.isdigit() else None)
    return refunds.annotate(row_code=m._group(dimension)).filter(row_code=code)


def sub_dimension(dimension: str) -> str:
    """What a refund row is split by next: its reasons, or its SKUs when the row is a reason."""
    return "sku" if dimension == "reason" else "reason"


def refund_parts(dimension: str, code: str, month: date, filters: m.Filters) -> list[dict]:
    """The refunds behind a row grouped by ``sub_dimension``: ``{"code", "amount"}`` (base minor units, a
    Decimal) ``"refunds"``, ``"orders"``, largest first, in one grouped query. Amounts are converted at the rates
    stored on the refunds; a refund's part for one SKU is its share of the lines it paid for
    (``metrics.refund_lines``), as in the breakdown."""
    from .aggregates import to_base

    sub = sub_dimension(dimension)
    rows, part, amount = refunds_of_row(dimension, code, month, filters), m._group(sub), F("amount_minor")
    if "sku" in (dimension, sub):  # a row per (refund, line it paid for)
        rows, amount = m.refund_lines(rows), F("amount_minor") * F("line_share")
        if dimension == "sku":
            rows = rows.filter(line_sku=code)
        else:
            part = F("line_sku")
    grouped = (rows.annotate(part_code=part).values("part_code")
               .annotate(amount=Sum(to_base(amount, "currency", "rate_to_base", settings.STORE_BASE_CURRENCY)),
                         refunds=Count("pk", distinct=True), orders=Count("order", distinct=True))
               .order_by("-amount", "part_code"))
    return [{"code": "" if row["part_code"] is None else str(row["part_code"]), "amount": row["amount"] or 0,
             "refunds": row["refunds"], "orders": row["orders"]} for row in grouped[:ROW_PAGE_SIZE]]


def case_refunds(dimension: str, code: str, month: date, filters: m.Filters, *, reason: str = "", sku: str = "",
                 page: int = 1, all_rows: bool = False) -> list[Refund]:
    """The refunds behind a row (optionally of one reason or one SKU of it), newest first, with ``reason_code``,
    and the RMA and status of the return case each paid for (``case_rma``, ``case_status``, None for other
    causes). One query: a page reads ``ROW_PAGE_SIZE + 1`` rows to know whether another follows, never a count;
    ``all_rows`` (the CSV) reads them all."""
    refunds = refunds_of_row(dimension, code, month, filters)
    if reason and dimension != "reason":
        refunds = refunds.annotate(part_reason=m._refund_reason()).filter(part_reason=reason)
    if sku and dimension != "sku":
        refunds = refunds.filter(pk__in=m.refund_lines(refunds).filter(line_sku=sku).values("pk"))
    rows = Refund.objects.filter(pk__in=refunds.values("pk")).select_related("order__market").annotate(
        reason_code=m._refund_reason())
    if apps.is_installed("returns"):
        from returns.api import case_field_for_refund

        rows = rows.annotate(case_rma=case_field_for_refund("rma"), case_status=case_field_for_refund("status"))
    rows = rows.order_by("-succeeded_at", "-pk")
    return _sliced(rows, **_window(page, all_rows))


def ticket_rows_of_row(key: str, dimension: str, code: str, month: date, filters: m.Filters, *, page: int = 1,
                       all_rows: bool = False, now: datetime | None = None) -> list[dict]:
    """The tickets behind one breakdown row of a ticket metric, worst first (``tickets.api.ticket_rows``): a page
    reads ``ROW_PAGE_SIZE + 1`` rows to know whether another follows; ``all_rows`` (the CSV) reads them all."""
    from tickets.api import ticket_rows

    start, end = _period(month, now)
    return ticket_rows(measure=m.TICKET_MEASURES[key], start=start, end=end, market=filters.market,
                       channel=m._ticket_channel(filters), dimension=dimension, code=code, **_window(page, all_rows))


def _period(month: date, now: datetime | None) -> tuple[datetime, datetime]:
    """A month's bounds in the store's time zone, up to now for the month in progress."""
    start, end = m.month_bounds(month, store_tz())
    return start, min(end, now or timezone.now())


def _window(page: int, all_rows: bool) -> dict:
    """The slice of a page of rows: ``ROW_PAGE_SIZE + 1`` (one more tells whether another page follows)."""
    return {"offset": 0, "limit": None} if all_rows else {"offset": (page - 1) * ROW_PAGE_SIZE,
                                                          "limit": ROW_PAGE_SIZE + 1}


def _sliced(rows, *, offset: int, limit: int | None) -> list:
    return list(rows[offset:None if limit is None else offset + limit])


def dispute_rows_of_row(definition: m.MetricDef, code: str, month: date, filters: m.Filters, *, page: int = 1,
                        all_rows: bool = False, now: datetime | None = None) -> list:
    """The disputes behind a market row of a dispute rate (``disputes.api.disputes_opened``), newest first."""
    from disputes.api import disputes_opened

    start, end = _period(month, now)
    return disputes_opened(start=start, end=end, provider=definition.provider, market=code or filters.market,
                           **_window(page, all_rows))


def promise_rows_of_row(dimension: str, code: str, month: date, filters: m.Filters, *, page: int = 1,
                        all_rows: bool = False, now: datetime | None = None) -> list[Refund]:
    """The return refunds behind a row of "refunds paid on time", latest against their deadline first, each with
    ``deadline``, ``paid_on`` and ``case_rma``. One query."""
    from returns.api import case_field_for_refund

    from .metrics.groups import _promise_refunds

    start, end = _period(month, now)
    if dimension in FILTER_DIMENSIONS:
        rows = _promise_refunds(start=start, end=end, filters=with_filter(filters, dimension, code))
    else:
        rows = _promise_refunds(start=start, end=end, filters=filters).annotate(
            row_code=case_field_for_refund("reason")).filter(row_code=code)
    rows = (rows.select_related("order__market").annotate(case_rma=case_field_for_refund("rma"))
            .order_by(F("deadline") - F("paid_on"), "-succeeded_at", "-pk"))
    return _sliced(rows, **_window(page, all_rows))


def returnless_rows_of_row(dimension: str, code: str, month: date, filters: m.Filters, *, page: int = 1,
                           all_rows: bool = False, now: datetime | None = None) -> list[dict]:
    """The keep-the-item cases behind a row of returnless savings (``returns.api.returnless_cases``)."""
    from returns.api import returnless_cases

    start, end = _period(month, now)
    return returnless_cases(start=start, end=end, base_currency=settings.STORE_BASE_CURRENCY, market=filters.market,
                            channel=m._order_channel(filters),
                            dimension=dimension, code=code, **_window(page, all_rows))


def case_pk(refund: Refund) -> int | None:
    """The return case a refund paid for, from its ``source_ref`` (``"returns.ReturnCase:42"``)."""
    ref = refund.source_ref
    number = ref.removeprefix(CASE_REF_PREFIX) if ref.startswith(CASE_REF_PREFIX) else ""
    return int(number) if number.isdigit() else None
