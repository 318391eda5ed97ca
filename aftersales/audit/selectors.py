"""Reads of stored audits and alerts for the dashboard (writes are in ``aftersales.audit.services``).

* ``latest_audits(months=12)``: the newest revision of each of the last ``months`` audited months, oldest first,
  in one query (trend charts).
* ``audit_for_month(month)``: the newest revision of one month, or None.
* ``audit_revisions(month)``: every revision of a month, newest first.
* ``open_alerts(today=None)``: the alerts the banner shows: the on-course alerts of the current month and the
  closed-month alerts of the last closed month.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from aftersales.models import AlertKind, AuditAlert, MonthlyAudit


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def previous_month(month: date) -> date:
    month = first_of_month(month)
    return date(month.year - 1, 12, 1) if month.month == 1 else date(month.year, month.month - 1, 1)


def store_today() -> date:
    """Today's date in the store's time zone."""
    import zoneinfo

    return timezone.now().astimezone(zoneinfo.ZoneInfo(settings.STORE_TIME_ZONE)).date()


def _newest_revisions():
    newest = MonthlyAudit.objects.filter(month=OuterRef("month")).order_by("-revision").values("revision")[:1]
    return MonthlyAudit.objects.filter(revision=Subquery(newest))


def latest_audits(*, months: int = 12) -> list[MonthlyAudit]:
    """The newest revision of each of the last ``months`` audited months, oldest first (one query)."""
    rows = list(_newest_revisions().order_by("-month")[:months])
    return rows[::-1]


def audit_for_month(month: date) -> MonthlyAudit | None:
    return MonthlyAudit.objects.filter(month=first_of_month(month)).order_by("-revision").first()


def audit_revisions(month: date) -> list[MonthlyAudit]:
    return list(MonthlyAudit.objects.filter(month=first_of_month(month)).order_by("-revision"))


def audited_months() -> set[date]:
    return set(MonthlyAudit.objects.values("month").annotate(r=Max("revision")).values_list("month", flat=True))


def open_alerts(*, today: date | None = None) -> list[AuditAlert]:
    """The banner: this month's on-course alerts and the last closed month's alerts, red first."""
    this_month = first_of_month(today or store_today())
    last_closed = previous_month(this_month)
    alerts = AuditAlert.objects.filter(month=this_month, kind=AlertKind.ON_COURSE) | AuditAlert.objects.filter(
        month=last_closed, kind=AlertKind.CLOSED_MONTH)
    return sorted(alerts, key=lambda alert: (alert.status != "red", alert.month, alert.metric))
