"""Writes of the monthly audit: stored reports (``MonthlyAudit``) and once-only alerts (``AuditAlert``).

* ``audit_month(month)`` computes a closed month (cut in ``STORE_TIME_ZONE``) with ``metrics.period_metrics``, the
  breakdowns of every metric by each of its dimensions (top ``BREAKDOWN_ROWS`` rows) and the explanations, and
  stores them as revision 1. Called again it returns the stored audit and writes nothing; with ``recompute=True``
  it stores revision n + 1 and keeps the older ones. Two workers racing on one month meet the unique
  (month, revision) constraint: the loser returns the winner's row.
* ``audit_backfill()`` audits every closed month that has sales or refunds and no audit yet; the monthly beat task
  calls it too, so a missed tick catches up (DESIGN section 3: periodic work is state-based).
* Alerts: a stored month whose metric is amber or red (it crossed its line), and a month to date that is on course
  to (its rate so far, the pace projected to the month's end, is amber or red once ``ON_COURSE_MIN_DAYS`` have
  passed and the metric has at least ``ON_COURSE_MIN_COUNT`` cases), email the managers (group "Support
  manager", users with an address) once: the ``AuditAlert`` row is unique per (month, metric, kind) and is created
  in the same transaction as the send, so a failed send records nothing and the next run retries.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.db.models.functions import TruncMonth
from django.utils import timezone, translation
from django.utils.translation import gettext

from aftersales.models import AlertKind, AuditAlert, MonthlyAudit, Payment, Refund
from aftersales.roles import MANAGER_GROUP

from . import metrics
from .aggregates import reporting_session
from .selectors import first_of_month, previous_month

logger = logging.getLogger(__name__)

BREAKDOWN_ROWS = 20
ON_COURSE_MIN_DAYS = 7
ON_COURSE_MIN_COUNT = 20


class AuditError(ValueError):
    """A month that cannot be audited (not over yet); the message is translated."""


def _store_date(moment: datetime) -> date:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(settings.STORE_TIME_ZONE)).date()


def _jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _store_metric(value: metrics.MetricValue) -> dict:
    return {"value": _jsonable(value.value), "numerator": value.numerator, "denominator": value.denominator,
            "status": value.status, "extra": _jsonable(value.extra)}


def _prepare_sources() -> None:
    """Ticket first-response minutes are stored at the first reply; fill the ones answered before that existed."""
    from django.apps import apps

    if apps.is_installed("tickets"):
        from tickets.api import first_response_minutes_fill

        while first_response_minutes_fill(limit=2000) == 2000:
            pass


def audit_compute(*, start: datetime, end: datetime) -> dict:
    """Metrics, breakdowns and explanations of ``[start, end)`` as JSON-ready dicts (no write)."""
    with reporting_session(), metrics.shared_computation(), translation.override(settings.LANGUAGE_CODE):
        values = metrics.period_metrics(start=start, end=end)
        breakdowns = {definition.key: {dimension: _jsonable(metrics.breakdown(
            key=definition.key, dimension=dimension, start=start, end=end, limit=BREAKDOWN_ROWS))
            for dimension in definition.dimensions} for definition in metrics.METRICS
            if values[definition.key].value is not None}
        explanations = metrics.explanations(start=start, end=end, values=values)
    return {"metrics": {key: _store_metric(value) for key, value in values.items()}, "breakdowns": breakdowns,
            "explanations": explanations}


def audit_month(month: date, *, recompute: bool = False, now: datetime | None = None,
                alerts: bool = True) -> tuple[MonthlyAudit, bool]:
    """The audit of the closed month containing ``month``: (audit, created). Without ``recompute`` an existing
    audit is returned unchanged; with it a new revision is stored and the old ones kept."""
    month = first_of_month(month)
    now = now or timezone.now()
    start, end = metrics.month_bounds(month, settings.STORE_TIME_ZONE)
    if end > now:
        raise AuditError(gettext("%(month)s is not over yet: only closed months are audited.")
                         % {"month": f"{month:%Y-%m}"})
    newest = MonthlyAudit.objects.filter(month=month).order_by("-revision").first()
    if newest is not None and not recompute:
        return newest, False
    _prepare_sources()
    computed = audit_compute(start=start, end=end)
    revision = (MonthlyAudit.objects.filter(month=month).aggregate(r=Max("revision"))["r"] or 0) + 1
    audit = MonthlyAudit(month=month, revision=revision, computed_at=now, period_start=start, period_end=end,
                         base_currency=settings.STORE_BASE_CURRENCY, time_zone=settings.STORE_TIME_ZONE, **computed)
    try:
        with transaction.atomic():
            audit.save()
    except IntegrityError:  # another worker stored this revision a moment ago
        return MonthlyAudit.objects.get(month=month, revision=revision), False
    if alerts:
        audit_alerts_closed_month(audit=audit, now=now)
    return audit, True


def months_with_data() -> list[date]:
    """Every month (store time zone) with a captured payment or a succeeded refund, oldest first: two grouped
    queries returning one row per month."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(settings.STORE_TIME_ZONE)
    months = set()
    for queryset, field in ((Payment.objects.filter(captured_at__isnull=False, captured_minor__gt=0), "captured_at"),
                            (Refund.objects.filter(succeeded_at__isnull=False), "succeeded_at")):
        for value in queryset.annotate(m=TruncMonth(field, tzinfo=zone)).values_list("m", flat=True).distinct():
            months.add(value.date() if isinstance(value, datetime) else value)
    return sorted(months)


def audit_backfill(*, now: datetime | None = None) -> list[MonthlyAudit]:
    """Audit every closed month with data that has no audit yet (oldest first); returns the audits created.
    Alerts are only sent for the newest closed month: older months are history, not news."""
    now = now or timezone.now()
    last_closed = previous_month(_store_date(now))
    audited = set(MonthlyAudit.objects.values_list("month", flat=True))
    created = []
    for month in months_with_data():
        if month <= last_closed and month not in audited:
            audit, was_created = audit_month(month, now=now, alerts=month == last_closed)
            if was_created:
                created.append(audit)
    return created


def audit_previous_month(*, now: datetime | None = None) -> MonthlyAudit:
    """The beat task's work: the month before this one (store time zone), then any earlier gap."""
    now = now or timezone.now()
    month = previous_month(_store_date(now))
    audit, _created = audit_month(month, now=now)
    audit_backfill(now=now)
    return audit


# -- alerts -------------------------------------------------------------------------------------------------------


def manager_emails() -> list[str]:
    users = (get_user_model().objects.filter(groups__name=MANAGER_GROUP, is_active=True).exclude(email="")
             .order_by("email").values_list("email", flat=True).distinct())
    return list(users)


def _format(definition: metrics.MetricDef, value) -> str:
    if value is None:
        return "—"
    if definition.unit == "percent":
        return f"{value} %"
    if definition.unit == "minutes":
        return gettext("%(minutes)s min") % {"minutes": value}
    return str(value)


def _alert(*, month: date, key: str, kind: str, status: str, value, now: datetime, recipients: list[str]) -> bool:
    """Create the alert and send its email in one transaction; False if it existed or the send failed."""
    definition = metrics.metric(key)
    try:
        with transaction.atomic():
            row, created = AuditAlert.objects.get_or_create(
                month=month, metric=key, kind=kind,
                defaults={"status": status, "value": str(value), "recipients": recipients})
            if created and recipients:
                with translation.override(settings.LANGUAGE_CODE):
                    params = {"metric": definition.label, "month": f"{month:%Y-%m}",
                              "value": _format(definition, value),
                              "line": _format(definition, definition.thresholds.line if definition.thresholds
                                              else None)}
                    if kind == AlertKind.CLOSED_MONTH:
                        subject = gettext("Audit %(month)s: %(metric)s at %(value)s") % params
                        body = gettext("The monthly audit of %(month)s closed with %(metric)s at %(value)s "
                                       "(line: %(line)s).") % params
                    else:
                        subject = gettext("%(metric)s on course to cross its line in %(month)s") % params
                        body = gettext("So far in %(month)s, %(metric)s stands at %(value)s (line: %(line)s); at "
                                       "this pace the month closes over it.") % params
                    body += "\n\n" + gettext("Details: %(url)s") % {"url": f"{settings.PUBLIC_BASE_URL}/dashboard/"}
                send_mail(subject, body, None, recipients)
                row.sent_at = now
                row.save(update_fields=["sent_at"])
    except Exception as error:  # a failed send records nothing; the next run retries
        logger.warning("audit alert %s %s %s not recorded (%s); the next run retries", month, key, kind,
                       type(error).__name__)
        return False
    return created


def audit_alerts_closed_month(*, audit: MonthlyAudit, now: datetime | None = None) -> int:
    """One alert per amber or red metric of a stored month; returns how many were newly sent."""
    now = now or timezone.now()
    recipients = manager_emails()
    sent = 0
    for key, value in audit.metric_values().items():
        if value.status in ("amber", "red"):
            sent += _alert(month=audit.month, key=key, kind=AlertKind.CLOSED_MONTH, status=value.status,
                           value=value.value, now=now, recipients=recipients)
    return sent


def audit_on_course_check(*, now: datetime | None = None) -> int:
    """Month to date: alert once per metric on course to cross its line. Rates and percentiles are projected at
    their month-to-date value (the pace does not change a ratio); the check waits ``ON_COURSE_MIN_DAYS`` days and
    ``ON_COURSE_MIN_COUNT`` cases so that a handful of early refunds does not alarm anyone."""
    now = now or timezone.now()
    today = _store_date(now)
    if today.day - 1 < ON_COURSE_MIN_DAYS:
        return 0
    month = first_of_month(today)
    start, _end = metrics.month_bounds(month, settings.STORE_TIME_ZONE)
    _prepare_sources()
    recipients = manager_emails()
    sent = 0
    values = metrics.period_metrics(start=start, end=now)
    for key, value in values.items():
        # cases behind the number: orders for the amount rate (its denominator is money), else the denominator
        cases = values["refund_rate_count"].denominator if key == "refund_rate_amount" else value.denominator
        if value.status in ("amber", "red") and (cases or 0) >= ON_COURSE_MIN_COUNT:
            sent += _alert(month=month, key=key, kind=AlertKind.ON_COURSE, status=value.status, value=value.value,
                           now=now, recipients=recipients)
    return sent
