"""Writes of outcomes and risk: the managers' risk alerts (``RiskAlert``) and their acknowledgement (STYLE #1).

``risk_check`` is the periodic, state-based check (beat entry "Check dispute risk", task ``disputes.risk_check``):
it reads the numbers of ``disputes.risk`` and records one alert for each line crossed —

* a provider's dispute rate at or over a card-network line in the previous (closed) month or the current month
  to date (once it has a base: ``risk.judged_to_date``): one alert per provider, month and line, whether it was
  first seen mid-month or after the month closed;
* the PayPal loss run at the warning or the red line: one alert per run (named after the win it follows)
  and level, so a run that reaches 3 after 2 gets the red alert too, and a new run after a win alerts again.

Each alert is created with ``get_or_create`` under the unique (kind, provider, period, level) constraint and,
when this check created it, mailed to the managers (``selectors.manager_emails``: the active "Support manager"
users and superusers) inside the same transaction — a failed send records nothing and the next check retries; a
second check running at the same time waits on the unique index and then finds the row, so nothing is recorded
or mailed twice. Loss-run alerts whose run a win has ended are marked resolved. A check that did not run only
delays alerts; months older than the previous one are not looked at (their alerts were due long ago).
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from . import risk, selectors
from .choices import DisputeProvider
from .models import RiskAlert

logger = logging.getLogger(__name__)


def risk_check(*, now: datetime | None = None) -> dict[str, int]:
    """Record (and mail) every risk alert that is due and not recorded yet; returns how many of each kind."""
    now = now or timezone.now()
    counts = dict.fromkeys(RiskAlert.Kind.values, 0)
    due: list[dict] = []
    window = risk.month_window(now)
    for row in risk.dispute_rates(months=2, now=now):
        if row.month not in window or not risk.judged_to_date(row, now):
            continue
        for check in row.crossed:
            due.append({"kind": RiskAlert.Kind.DISPUTE_RATE, "provider": row.provider,
                        "period": row.month.strftime("%Y-%m"), "level": check.line.key,
                        "value": f"{row.rate_percent:.2f}%",
                        "detail": {"disputes": row.disputes, "settled": row.settled, "to_date": row.to_date,
                                   "line_bps": check.line.ratio_bps, "line": str(check.line.label),
                                   "count_met": check.count_met}})
    run = risk.paypal_loss_run()
    period = run.period if run.length else ""
    for level, threshold in (("warning", run.warning), ("red", run.red)):
        if run.length >= threshold:
            due.append({"kind": RiskAlert.Kind.PAYPAL_LOSSES, "provider": DisputeProvider.PAYPAL, "period": period,
                        "level": level, "value": str(run.length),
                        "detail": {"length": run.length, "warning": run.warning, "red": run.red}})
    _resolve_ended_runs(current_period=period, now=now)
    if not due:
        return counts
    managers = selectors.manager_emails()
    for alert in due:
        if _alert_record(alert=alert, recipients=managers, now=now):
            counts[alert["kind"]] += 1
    return counts


def _resolve_ended_runs(*, current_period: str, now: datetime) -> None:
    ended = RiskAlert.objects.filter(kind=RiskAlert.Kind.PAYPAL_LOSSES, resolved_at__isnull=True)
    if current_period:
        ended = ended.exclude(period=current_period)
    ended.update(resolved_at=now)


def _alert_record(*, alert: dict, recipients: list[str], now: datetime) -> bool:
    """Create the alert and send its email in one transaction; False if it existed or the send failed."""
    try:
        with transaction.atomic():
            row, created = RiskAlert.objects.get_or_create(
                kind=alert["kind"], provider=alert["provider"], period=alert["period"], level=alert["level"],
                defaults={"value": alert["value"], "detail": alert["detail"], "recorded_at": now,
                          "recipients": recipients})
            if created and recipients:
                _alert_send(row)
                row.sent_at = now
                row.save(update_fields=["sent_at"])
    except Exception as error:  # one failed send must not stop the check: nothing recorded, the next check retries
        logger.warning("risk alert %s %s %s not recorded (%s); the next check retries", alert["kind"],
                       alert["period"], alert["level"], type(error).__name__)
        return False
    return created


def _alert_send(alert: RiskAlert) -> None:
    """A plain-text email with the numbers only (no customer data)."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = risk.risk_alert_subject(alert)
        body = render_to_string("disputes/email/risk_alert.txt", {
            "alert": alert, "subject": subject, "detail": alert.detail,
            "url": f"{settings.PUBLIC_BASE_URL}/desk/disputes/risk/"})
    send_mail(subject, body, None, alert.recipients)


def risk_alert_acknowledge(*, alert_id: int, user, now: datetime | None = None) -> RiskAlert | None:
    """A manager marks an open alert as seen; it leaves the banners. ``None`` when there is no such open alert."""
    with transaction.atomic():
        alert = (RiskAlert.objects.select_for_update()
                 .filter(pk=alert_id, acknowledged_at__isnull=True, resolved_at__isnull=True).first())
        if alert is None:
            return None
        alert.acknowledged_at, alert.acknowledged_by = now or timezone.now(), user
        alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return alert
