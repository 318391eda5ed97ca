"""Outcomes and risk of disputes: win rates, dispute rates against the card-network lines, the PayPal loss run.

Reads only (STYLE #2); the alerts these numbers raise are written by ``disputes.risk_services``. Every figure is a
database aggregate, so each function costs a fixed number of queries whatever the number of disputes.

**Win rates.** A dispute is *decided* when the provider ruled on it: outcome ``won`` or ``lost``. Accepting a
dispute (or refunding the charge, or a PayPal claim cancelled or paid out by PayPal) is not a ruling on our
evidence, so it counts in neither side. Rates are by reason and by the packet's completeness band when it was
submitted (``Dispute.completeness``: <50, 50–79, 80–99, 100, and "not recorded" for disputes decided without a
scored packet). A group with nothing decided shows "no data" (``rate is None``), never 0 %.

**Dispute rate** of a provider in a month = disputes opened that month (``opened_at``) ÷ settled transactions
that month = payments of that provider captured that month (``Payment.captured_at``, ``captured_minor`` > 0).
Months are cut in ``STORE_TIME_ZONE``. The networks' own ratios differ in what they count, and we document the
approximation instead of pretending to compute theirs:

* **Visa Acquirer Monitoring Program (VAMP)**, merchant "excessive" level: VAMP ratio = count of fraud reports
  (TC40) + disputes (TC15) ÷ count of settled card-not-present transactions (TC05), per month; ≥ 2.20 % from
  1 June 2025 (enforced from 1 October 2025), ≥ 1.50 % from 1 April 2026 (global, outside MENA), and only when
  fraud reports + disputes ≥ 1,500 in the month (outside MENA). Sources: Checkout.com support, "What are the
  thresholds for disputes and fraud under Visa's Acquirer Monitoring Program (VAMP)"; Austreme, "Updated 2025
  VAMP thresholds". We have no TC40 fraud reports, so our ratio is disputes ÷ settled transactions: a lower
  bound of Visa's.
* **Mastercard Excessive Chargeback Program (ECP)**, effective October 2019: Excessive Chargeback Merchant (ECM)
  at ≥ 1.50 % and ≥ 100 chargebacks in a calendar month, High Excessive (HECM) at ≥ 3.00 % and ≥ 300. Mastercard
  divides a month's chargebacks by the *previous* month's sales; we use the same month's, like VAMP. Sources:
  Braintree (PayPal developer) "Mastercard Programs: Excessive Chargeback Program"; Solidgate support,
  "Mastercard monitoring programs".

Our payments do not say which card network they ran on (and PayPal wallets are not card payments at all), so
each provider's rate is compared with every line. A line is *crossed* when the rate is at or over its ratio:
the alert is an early warning, raised on the ratio alone, because acquirers act on the ratio well before a
store reaches the networks' minimum counts; the page shows whether the minimum count is met too. A month
without settled transactions has no rate (``None``) and crosses nothing. The month to date is alerted on only
once it has a base (``judged_to_date``: a week gone and 20 settled transactions of the provider), as the audit's
month to date is; the page shows its rate from the first day.

**PayPal loss run**: the number of the newest decided PayPal disputes (by ``closed_at``, then id) that are lost,
i.e. the lost ones decided after the newest win. A win resets it to 0; accepted or undecided ones neither count
nor reset. Warning at ``DISPUTES_PAYPAL_LOSS_WARNING`` (default 2), red line at ``DISPUTES_PAYPAL_LOSS_RED``
(default 3) — PayPal may limit or hold an account whose claims keep going against the seller.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db.models import Case, CharField, Count, Q, Value, When
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from aftersales.models import Payment

from .choices import DisputeOutcome, DisputeProvider, DisputeReason
from .models import Dispute, RiskAlert

# -- the card-network lines ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateLine:
    """One card-network threshold: crossed when disputes ÷ settled transactions ≥ ``ratio_bps`` / 10,000."""

    key: str
    label: str  # translated lazily
    ratio_bps: int  # basis points: 150 = 1.50 %
    min_count: int  # the network's minimum monthly count for enrolment (shown, not needed for our alert)
    effective_from: date
    source: str

    @property
    def ratio_percent(self) -> float:
        return self.ratio_bps / 100


VISA_VAMP = "visa_vamp"
MASTERCARD_ECM = "mastercard_ecm"
MASTERCARD_HECM = "mastercard_hecm"

VAMP_SOURCE = ("Checkout.com support: thresholds for disputes and fraud under Visa's Acquirer Monitoring Program "
               "(VAMP), merchant excessive ratio")
ECP_SOURCE = "Braintree / PayPal developer docs: Mastercard Excessive Chargeback Program, thresholds since Oct 2019"

# Every line with its effective date, oldest first; ``rate_lines_on`` picks the ones in force on a day.
RATE_LINES: tuple[RateLine, ...] = (
    RateLine(VISA_VAMP, _("Visa VAMP (excessive merchant)"), 220, 1500, date(2025, 6, 1), VAMP_SOURCE),
    RateLine(VISA_VAMP, _("Visa VAMP (excessive merchant)"), 150, 1500, date(2026, 4, 1), VAMP_SOURCE),
    RateLine(MASTERCARD_ECM, _("Mastercard ECM (excessive chargeback merchant)"), 150, 100, date(2019, 10, 1),
             ECP_SOURCE),
    RateLine(MASTERCARD_HECM, _("Mastercard HECM (high excessive chargeback merchant)"), 300, 300, date(2019, 10, 1),
             ECP_SOURCE),
)

TO_DATE_MIN_DAYS = 7  # days of the month gone before the month to date is alerted on (``judged_to_date``)
TO_DATE_MIN_SETTLED = 20  # and the provider's settled transactions in it

PAYPAL_LOSS_WARNING_DEFAULT = 2
PAYPAL_LOSS_RED_DEFAULT = 3


def rate_lines_on(day: date) -> list[RateLine]:
    """The lines in force on ``day``: for each key the newest whose effective date is not after it."""
    current: dict[str, RateLine] = {}
    for line in RATE_LINES:
        if line.effective_from <= day:
            current[line.key] = line
    return sorted(current.values(), key=lambda line: (line.ratio_bps, line.key))


def paypal_loss_levels() -> tuple[int, int]:
    """(warning, red line) for the PayPal loss run, from settings."""
    warning = int(getattr(settings, "DISPUTES_PAYPAL_LOSS_WARNING", PAYPAL_LOSS_WARNING_DEFAULT))
    red = int(getattr(settings, "DISPUTES_PAYPAL_LOSS_RED", PAYPAL_LOSS_RED_DEFAULT))
    return warning, max(red, warning)


# -- counts for other apps (the dashboard) ---------------------------------------------------------------------


def dispute_counts(*, start: datetime, end: datetime, market: str = "", provider: str = "") -> dict[str, int]:
    """Disputes opened in [start, end) per provider (every provider present, 0 when none), optionally of one market
    (its code, through the linked order) and one provider. One query."""
    disputes = Dispute.objects.filter(opened_at__gte=start, opened_at__lt=end)
    if market:
        disputes = disputes.filter(order__market__code=market)
    providers = [provider] if provider else list(DisputeProvider.values)
    disputes = disputes.filter(provider__in=providers)
    counts = dict.fromkeys(providers, 0)
    for row in disputes.values("provider").annotate(n=Count("id")).order_by("provider"):
        counts[row["provider"]] = row["n"]
    return counts


def disputes_opened(*, start: datetime, end: datetime, provider: str, market: str = "", offset: int = 0,
                    limit: int | None = None) -> list[Dispute]:
    """The disputes ``dispute_counts`` counts for one provider (and market), newest first, with their orders and
    markets: the rows behind a dispute rate on the dashboard. One query."""
    disputes = Dispute.objects.filter(opened_at__gte=start, opened_at__lt=end, provider=provider)
    if market:
        disputes = disputes.filter(order__market__code=market)
    disputes = disputes.select_related("order__market").order_by("-opened_at", "-pk")
    return list(disputes[offset:offset + limit] if limit is not None else disputes[offset:])


# -- win rates ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WinRate:
    key: str
    label: str
    won: int
    lost: int

    @property
    def decided(self) -> int:
        return self.won + self.lost

    @property
    def rate(self) -> float | None:
        """Won ÷ decided as a percentage with one decimal, ``None`` ("no data") when nothing was decided."""
        return round(100 * self.won / self.decided, 1) if self.decided else None


# (key, label, lowest, highest) of the completeness bands; completeness is 0-100.
COMPLETENESS_BANDS = (
    ("lt50", _("Under 50 %"), 0, 49),
    ("50_79", _("50–79 %"), 50, 79),
    ("80_99", _("80–99 %"), 80, 99),
    ("100", _("Complete (100 %)"), 100, 100),
)
NOT_RECORDED = "none"

_DECIDED = Q(outcome__in=[DisputeOutcome.WON, DisputeOutcome.LOST])
_COUNTS = {"won": Count("id", filter=Q(outcome=DisputeOutcome.WON)),
           "lost": Count("id", filter=Q(outcome=DisputeOutcome.LOST))}


def win_rates_by_reason() -> list[WinRate]:
    """Every reason with its won / lost counts (reasons without a decided dispute say "no data"). One query."""
    counts = {row["reason"]: row for row in
              Dispute.objects.filter(_DECIDED).values("reason").annotate(**_COUNTS).order_by("reason")}
    return [WinRate(value, str(label), counts.get(value, {}).get("won", 0), counts.get(value, {}).get("lost", 0))
            for value, label in DisputeReason.choices]


def win_rates_by_completeness() -> list[WinRate]:
    """The completeness bands, then "not recorded" (decided without a scored packet). One query."""
    band = Case(*[When(completeness__gte=low, completeness__lte=high, then=Value(key))
                  for key, _label, low, high in COMPLETENESS_BANDS],
                default=Value(NOT_RECORDED), output_field=CharField())
    counts = {row["band"]: row for row in
              Dispute.objects.filter(_DECIDED).annotate(band=band).values("band").annotate(**_COUNTS).order_by()}
    bands = [(key, label) for key, label, _low, _high in COMPLETENESS_BANDS] + [(NOT_RECORDED, _("Not recorded"))]
    return [WinRate(key, str(label), counts.get(key, {}).get("won", 0), counts.get(key, {}).get("lost", 0))
            for key, label in bands]


def win_rate_overall() -> WinRate:
    totals = Dispute.objects.filter(_DECIDED).aggregate(**_COUNTS)
    return WinRate("all", str(_("All disputes")), totals["won"], totals["lost"])


# -- dispute rates ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineCheck:
    line: RateLine
    crossed: bool  # the rate is at or over the line's ratio
    count_met: bool  # and the month's count reaches the network's minimum


@dataclass(frozen=True)
class MonthRate:
    provider: str
    month: date  # the first day of the month, in the store's time zone
    disputes: int
    settled: int
    to_date: bool  # the current month, still running
    checks: list[LineCheck] = field(default_factory=list)

    @property
    def rate_bps(self) -> float | None:
        """Disputes ÷ settled transactions in basis points (100 bps = 1 %), ``None`` without settled transactions."""
        return 10000 * self.disputes / self.settled if self.settled else None

    @property
    def rate_percent(self) -> float | None:
        return None if self.rate_bps is None else round(self.rate_bps / 100, 2)

    @property
    def crossed(self) -> list[LineCheck]:
        return [check for check in self.checks if check.crossed]


def _store_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.STORE_TIME_ZONE)


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_bounds(first: date, months: int) -> tuple[datetime, datetime]:
    zone = _store_zone()
    start = datetime.combine(first, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(add_months(first, months), datetime.min.time(), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def line_checks(*, disputes: int, settled: int, month: date) -> list[LineCheck]:
    """Each line in force on the month's first day, crossed when disputes × 10,000 ≥ ratio_bps × settled."""
    if not settled:
        return [LineCheck(line, False, False) for line in rate_lines_on(month)]
    return [LineCheck(line, disputes * 10000 >= line.ratio_bps * settled, disputes >= line.min_count)
            for line in rate_lines_on(month)]


def dispute_rates(*, months: int = 12, now: datetime | None = None, providers=None) -> list[MonthRate]:
    """The dispute rate of each provider in each of the last ``months`` months (the current one to date), oldest
    first. Two queries: disputes opened and payments captured, each grouped by provider and month."""
    now = now or timezone.now()
    current = month_start(now.astimezone(_store_zone()).date())
    first = add_months(current, -(months - 1))
    start, end = _month_bounds(first, months)
    providers = list(providers or DisputeProvider.values)
    zone = _store_zone()
    opened = (Dispute.objects.filter(provider__in=providers, opened_at__gte=start, opened_at__lt=end)
              .annotate(month=TruncMonth("opened_at", tzinfo=zone)).values("provider", "month")
              .annotate(n=Count("id")).order_by())
    settled = (Payment.objects.filter(provider__in=providers, captured_at__gte=start, captured_at__lt=end,
                                      captured_minor__gt=0)
               .annotate(month=TruncMonth("captured_at", tzinfo=zone)).values("provider", "month")
               .annotate(n=Count("id")).order_by())
    disputes_by = {(row["provider"], _as_date(row["month"])): row["n"] for row in opened}
    settled_by = {(row["provider"], _as_date(row["month"])): row["n"] for row in settled}
    rows = []
    for provider in providers:
        for offset in range(months):
            month = add_months(first, offset)
            count, sales = disputes_by.get((provider, month), 0), settled_by.get((provider, month), 0)
            rows.append(MonthRate(provider, month, count, sales, month == current,
                                  line_checks(disputes=count, settled=sales, month=month)))
    return rows


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


# -- the PayPal loss run --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LossRun:
    length: int  # the newest decided PayPal disputes that are lost, in a row
    after_win_id: int  # the win the run follows (0 when there is none): identifies the run for its alerts
    warning: int
    red: int

    @property
    def level(self) -> str:
        """"red", "warning" or "" (below the warning)."""
        return "red" if self.length >= self.red else "warning" if self.length >= self.warning else ""

    @property
    def period(self) -> str:
        return f"after-win-{self.after_win_id}"


def paypal_loss_run() -> LossRun:
    """The run of lost PayPal disputes decided after the newest won one (by ``closed_at``, then id). Two queries:
    the newest win, then the number of losses after it. The run is named after that win, which stays the newest
    until the run ends, so its alerts keep their key however long it grows."""
    warning, red = paypal_loss_levels()
    paypal = Dispute.objects.filter(provider=DisputeProvider.PAYPAL, closed_at__isnull=False)
    last_win = (paypal.filter(outcome=DisputeOutcome.WON).order_by("-closed_at", "-id")
                .values_list("closed_at", "id").first())
    losses = paypal.filter(outcome=DisputeOutcome.LOST)
    if last_win is not None:
        closed_at, pk = last_win
        losses = losses.filter(Q(closed_at__gt=closed_at) | Q(closed_at=closed_at, id__gt=pk))
    return LossRun(losses.aggregate(n=Count("id"))["n"], last_win[1] if last_win else 0, warning, red)


def judged_to_date(row: MonthRate, now: datetime | None = None) -> bool:
    """Whether a month's rate has a base to be alerted on: a closed month always; the month to date once
    ``TO_DATE_MIN_DAYS`` days of it have gone and the provider has ``TO_DATE_MIN_SETTLED`` settled transactions in it.
    Early in a month a dispute opened against last month's sales meets a handful of this month's: two disputes on
    the 2nd over five payments read 40 %, which says nothing about the store. The same wait as the audit's month
    to date (``aftersales.audit.services.ON_COURSE_MIN_DAYS`` / ``ON_COURSE_MIN_COUNT``)."""
    if not row.to_date:
        return True
    today = (now or timezone.now()).astimezone(_store_zone()).date()
    return today.day - 1 >= TO_DATE_MIN_DAYS and row.settled >= TO_DATE_MIN_SETTLED


def month_window(now: datetime | None = None) -> list[date]:
    """The months the periodic check looks at: the closed previous month and the current one (to date)."""
    now = now or timezone.now()
    current = month_start(now.astimezone(_store_zone()).date())
    return [add_months(current, -1), current]



def open_risk_alerts(*, limit: int = 20):
    """Open risk alerts (neither acknowledged nor resolved), newest first: the banners of the desk and risk page."""
    return list(RiskAlert.objects.filter(acknowledged_at__isnull=True, resolved_at__isnull=True)
                .order_by("-recorded_at", "-id")[:limit])


def recent_risk_alerts(*, limit: int = 50):
    """The newest alerts, each with its ``title``: the sentence its e-mail had, in the active language."""
    alerts = list(RiskAlert.objects.select_related("acknowledged_by").order_by("-recorded_at", "-id")[:limit])
    for alert in alerts:
        alert.title = risk_alert_subject(alert)
    return alerts


def risk_alert_subject(alert: RiskAlert) -> str:
    provider = alert.get_provider_display()
    if alert.kind == RiskAlert.Kind.PAYPAL_LOSSES:
        if alert.level == "red":
            return gettext("Red line: %(n)s PayPal disputes lost in a row") % {"n": alert.value}
        return gettext("Warning: %(n)s PayPal disputes lost in a row") % {"n": alert.value}
    line = next((line.label for line in RATE_LINES if line.key == alert.level), alert.detail.get("line", ""))
    return gettext("%(provider)s dispute rate %(rate)s in %(month)s is over the %(line)s line") % {
        "provider": provider, "rate": _rate_text(alert.value), "month": alert.period, "line": line}


def _rate_text(value: str) -> str:
    """A stored rate ("1.50%") written as the reader writes numbers ("1,50%" in French)."""
    try:
        return number_format(Decimal(value.removesuffix("%")), 2) + "%"
    except (InvalidOperation, ValueError):
        return value
