"""What each metric is: ``METRICS``, one ``MetricDef`` per metric in display order (key, label, unit, thresholds,
the one definition of DESIGN section 7 as help text, the dimensions it breaks down by), the ``Thresholds`` that
colour a value, and the value types the rest of the package returns (``Filters``, ``MetricValue``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

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
REFUND_SIDE = ("refund_rate_amount", "refund_rate_count")
# Refund reasons are partly free text (one group per refund at worst): a period's refunds keep the leading
# ``REASON_GROUPS`` reasons by amount and by orders, and the rest are one row, ``OTHER_REASONS`` (a code no reason
# can be: it starts with a control character), so what leaves the database stays bounded as the data grows.
REASON_GROUPS = 100
OTHER_REASONS = "\x1fother"
TICKET_MEASURES = {"repeat_complaint_rate": "repeat_complaints", "first_response_median": "first_response",
                   "first_response_p90": "first_response", "first_response_within_2h": "first_response",
                   "csat": "csat"}
