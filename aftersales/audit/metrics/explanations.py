"""``explanations``: for every red or amber metric, translated sentences naming its top contributors ("SKU
LAMP-01 drove 41 % of refunds in May 2026; “Not as described” is the leading reason.")."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats
from django.utils.translation import gettext

from aftersales.choices import PaymentProvider

from .breakdowns import breakdown
from .definitions import OTHER_REASONS, REFUND_SIDE, TICKET_MEASURES, Filters, MetricValue, metric
from .scope import _MEMO, _zone, month_bounds, shared_computation
from .values import period_metrics


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


def leading(rows: list[dict]) -> dict | None:
    """The breakdown row that explains a metric: the first with a code and a share ("no agent" and "all other
    reasons" explain nothing). Live rows and a stored audit's rows are read alike."""
    return next((row for row in rows if row.get("code") and row.get("code") != OTHER_REASONS and row.get("share")),
                None)


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
            return leading(breakdown(key=key, dimension=dimension, start=start, end=end, filters=filters, limit=3))

        sentences = _sentences(key, top, period)
        if sentences:
            result[key] = sentences
    return result


def _sentences(key: str, top, period: str) -> list[str]:
    sentences = []
    if key in REFUND_SIDE:
        sku, reason = top("sku"), top("reason")
        if sku and sku.get("reason"):  # the top SKU's own leading reason, not the month's
            reason = {"code": sku["reason"], "label": sku.get("reason_label") or sku["reason"]}
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
