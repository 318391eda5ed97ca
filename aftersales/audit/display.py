"""How the dashboard writes a number for a manager: in their language (babel), "no data" for ``None`` (never 0),
money in the store's base currency, thresholds and statuses in words. Shared by the pages, the CSV labels and the
PDF report, so the three say the same thing the same way."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel import Locale
from babel.dates import format_skeleton
from babel.numbers import format_decimal, format_percent
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from aftersales.money import format_money, from_minor
from aftersales.places import babel_locale

from . import metrics as m

DIMENSION_LABELS = {"sku": _lazy("SKU"), "reason": _lazy("Reason"), "market": _lazy("Market"),
                    "channel": _lazy("Channel"), "provider": _lazy("Payment provider"), "agent": _lazy("Agent")}


def format_value(value, unit: str, language: str) -> str:
    """A metric value as a manager reads it, in their language; ``None`` is "no data"."""
    if value is None:
        return _("no data")
    locale = babel_locale(language)
    if unit == "percent":
        pattern = Locale.parse(locale).percent_formats[None].pattern.replace("#,##0", "#,##0.00")
        return format_percent(Decimal(value) / 100, format=pattern, locale=locale)
    if unit == "minutes":
        return _("%(minutes)s min") % {"minutes": format_decimal(Decimal(value), format="#,##0.0", locale=locale)}
    if unit == "money":
        return format_money(int(value), settings.STORE_BASE_CURRENCY, language)
    return format_decimal(value, locale=locale)


# Parts of a metric that are amounts in base-currency minor units (every other part is a count).
MONEY_PARTS = {("refund_rate_amount", "numerator"), ("refund_rate_amount", "denominator"),
               ("returnless_savings", "numerator"), ("returnless_savings", "value")}


# What the numerator and denominator of each metric count, as the tables head them.
PART_LABELS = {
    "refund_rate_amount": (_lazy("Refunded"), _lazy("Sales")),
    "refund_rate_count": (_lazy("Orders refunded"), _lazy("Orders paid")),
    "repeat_complaint_rate": (_lazy("Repeat complaints"), _lazy("Complaints")),
    "dispute_rate_stripe": (_lazy("Disputes"), _lazy("Transactions")),
    "dispute_rate_paypal": (_lazy("Disputes"), _lazy("Transactions")),
    "first_response_median": ("", _lazy("Tickets answered")),
    "first_response_p90": ("", _lazy("Tickets answered")),
    "first_response_within_2h": (_lazy("Within 2 h"), _lazy("Tickets answered")),
    "csat": (_lazy("Satisfied"), _lazy("Answers")),
    "refund_promise_compliance": (_lazy("On time"), _lazy("Return refunds")),
    "returnless_savings": (_lazy("Saved"), _lazy("Cases kept")),
}


def part_labels(definition: m.MetricDef) -> tuple[str, str]:
    labels = PART_LABELS.get(definition.key, (_lazy("Numerator"), _lazy("Denominator")))
    return str(labels[0]), str(labels[1])


def part_text(definition: m.MetricDef, part: str, value, language: str) -> str:
    """A numerator or denominator as read: money in the base currency, else a count; "—" when absent."""
    if value is None:
        return "—"
    if (definition.key, part) in MONEY_PARTS:
        return format_money(int(value), settings.STORE_BASE_CURRENCY, language)
    return format_decimal(value, locale=babel_locale(language))


def share_text(share, language: str) -> str:
    return "—" if share is None else format_value(share, "percent", language)


def status_label(status: str) -> str:
    return {"green": _("Healthy"), "amber": _("Warning"), "red": _("Alert"), "no_data": _("no data"),
            "neutral": _("For information")}.get(status, status)


def threshold_text(definition: m.MetricDef, language: str) -> str:
    """Where the metric turns amber and red, e.g. "warning from 2.50%, alert from 4.00%"; empty without
    thresholds (the dispute rates' red line is the card networks' line in force, here the fallback)."""
    limits = definition.thresholds
    if limits is None:
        return ""
    values = {"amber": format_value(limits.amber, definition.unit, language),
              "red": format_value(limits.red, definition.unit, language)}
    if limits.higher_is_better:
        return _("warning below %(amber)s, alert below %(red)s") % values
    return _("warning from %(amber)s, alert from %(red)s") % values


def month_label(month: date, language: str) -> str:
    return format_skeleton("yMMMM", month, locale=babel_locale(language))


def chart_number(value, unit: str) -> float | None:
    """A number for the chart only (never for arithmetic): money in major units of the base currency."""
    if value is None:
        return None
    if unit == "money":
        return float(from_minor(int(value), settings.STORE_BASE_CURRENCY))
    return float(value)

