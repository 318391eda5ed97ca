"""``breakdown``: one metric by one dimension, sorted by contribution, with readable labels for the codes
(``_labels``, one query at most per dimension)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
)
from django.utils.translation import gettext

from aftersales.choices import OrderSource, PaymentProvider, RefundCause
from aftersales.models import Market, Product
from aftersales.places import market_name

from .definitions import OTHER_REASONS, REFUND_SIDE, TICKET_MEASURES, Filters, metric
from .groups import (
    ON_TIME,
    _promise_refunds,
    _refund_groups,
    _returnless_groups,
    _sides,
    _ticket_groups,
)
from .scope import (
    _MEMO,
    _base,
    _code,
    _group,
    _installed,
    _memo,
    _minor,
    _minutes,
    _order_channel,
    _percent,
)


def breakdown(*, key: str, dimension: str, start: datetime, end: datetime, filters: Filters = Filters(),
              limit: int = 50) -> list[dict]:
    """One metric by one dimension: ``[{"code", "label", "value", "numerator", "denominator", "share"}]`` sorted by
    contribution, largest first; a refund rate by SKU adds each SKU's leading reason (``reason``,
    ``reason_label``). ``code`` is the raw key to filter or drill down on (SKU, reason code or text, market code,
    channel, provider, user id as a string; "" = none). ``share`` is the row's part, a Decimal percent of the whole,
    of what makes the metric bad: refunds (amount or orders), repeat complaints, late first responses, unsatisfied
    answers, late refunds, disputes, or for savings the amount saved. A few grouped queries whatever the number of
    rows."""
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
    result = [{"code": row["code"], "label": labels.get(row["code"]) or row["code"] or gettext("(none)"),
               "value": row["value"], "numerator": row["numerator"], "denominator": row["denominator"],
               "share": _percent(row["contribution"], total) if total else None} for row in rows]
    reasons = sorted({row["reason"] for row in rows if row.get("reason")})
    if reasons:  # a refund rate by SKU: each SKU's own leading reason, labelled
        reason_labels = _memo(("labels", False, "reason", tuple(reasons)), lambda: _labels(key, "reason", reasons))
        for out, row in zip(result, rows, strict=True):
            if row.get("reason"):
                out["reason"] = row["reason"]
                out["reason_label"] = reason_labels.get(row["reason"]) or row["reason"]
    return result


def _refund_breakdown(key, dimension, *, start, end, filters):
    refunds, denominators, reasons = _refund_groups(dimension, start=start, end=end, filters=filters)
    field = "amount" if key == "refund_rate_amount" else "orders"
    rows = []
    for code, row in refunds.items():
        denominator = (denominators.get(code) or {}).get(field)
        numerator = _minor(row[field]) if field == "amount" else row[field]
        rows.append({"code": code, "value": _percent(row[field], denominator), "numerator": numerator,
                     "denominator": _minor(denominator) if field == "amount" else denominator,
                     "contribution": Decimal(row[field] or 0)})
        if reasons.get(code):  # the reason behind most of this SKU's refunds (amount or orders, as the metric)
            rows[-1]["reason"] = min(reasons[code].items(), key=lambda item: (-Decimal(item[1][field] or 0),
                                                                               item[0]))[0]
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
        return {code: market_name(name) for code, name in Market.objects.filter(code__in=codes)
                .values_list("code", "name")}
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
    other = {OTHER_REASONS: gettext("All other reasons")} if OTHER_REASONS in codes else {}
    if key in TICKET_MEASURES:
        from tickets.api import complaint_category_label

        return {code: complaint_category_label(code) for code in codes}
    labels = {code: str(RefundCause(code).label) for code in codes if code in RefundCause.values} | other
    if _installed("returns"):
        from returns.api import return_reason_label

        labels.update({code: return_reason_label(code) for code in codes if code not in labels})
    return labels


# Codes whose labels are the product's own words (translated), not data: a stored row's label is in the language
# it was computed in, so it is named again in the active one. SKUs and agents are data and stay; a market named
# after a country is that country in the active language (``places.market_name``), its own name otherwise.
TRANSLATED_DIMENSIONS = ("reason", "channel", "provider")


def row_label(key: str, dimension: str, row: dict) -> str:
    """A breakdown row's label in the active language (a stored row's included): a reason code, channel or
    provider named again, a free-text reason as written, "(none)" for no code."""
    code = "" if row.get("code") is None else str(row["code"])
    if not code:
        return gettext("(none)")
    if dimension in TRANSLATED_DIMENSIONS:
        return _labels(key, dimension, [code]).get(code) or row.get("label") or code
    if dimension == "market":
        return market_name(row.get("label") or code)
    return row.get("label") or code


def reason_label(key: str, row: dict) -> str:
    """A refund-rate SKU row's leading reason in the active language; "" for a row without one."""
    reason = row.get("reason")
    if not reason:
        return ""
    return _labels(key, "reason", [reason]).get(reason) or row.get("reason_label") or reason
