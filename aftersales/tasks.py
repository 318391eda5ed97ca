"""Core Celery tasks: thin, idempotent, taking ids (DESIGN section 5)."""

import os
import socket

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from .health import HEARTBEAT_KEY


@shared_task(name="aftersales.ping")
def ping(token: str) -> dict:
    """Answer with where it ran: proves a separate worker process executed it."""
    return {"token": token, "pid": os.getpid(), "host": socket.gethostname()}


@shared_task(name="aftersales.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Record that beat and a worker are alive; shown by /healthz."""
    cache.set(HEARTBEAT_KEY, timezone.now().isoformat(), timeout=3600)


@shared_task(name="aftersales.refund_execute", bind=True, acks_late=True, max_retries=6)
def refund_execute_task(self, refund_id: int) -> str:
    """Execute one refund at its provider; transient errors retry with backoff and the same idempotency key."""
    from .integrations.base import TransientProviderError
    from .services.refunds import refund_execute

    try:
        return refund_execute(refund_id=refund_id).status
    except TransientProviderError as error:
        raise self.retry(exc=error, countdown=min(600, 15 * 2 ** self.request.retries)) from error


@shared_task(name="aftersales.webhook_process", bind=True, acks_late=True, max_retries=5)
def webhook_process_task(self, event_pk: int) -> str:
    """Process one stored webhook event; a failing handler is retried with backoff, then left failed."""
    from .services.webhooks import webhook_process

    try:
        return webhook_process(event_pk=event_pk).status
    except Exception as error:
        if self.request.retries >= self.max_retries:
            return "failed"
        raise self.retry(exc=error, countdown=min(900, 30 * 2 ** self.request.retries)) from error


@shared_task(name="aftersales.refunds_resume_stalled", ignore_result=True)
def refunds_resume_stalled_task() -> int:
    """State-based scan (DESIGN section 3): re-queue refunds whose task was lost or whose provider went quiet."""
    from .services.refunds import refunds_stalled

    pks = list(refunds_stalled().values_list("pk", flat=True)[:500])
    for pk in pks:
        refund_execute_task.delay(pk)
    return len(pks)


@shared_task(name="aftersales.audit_previous_month", ignore_result=True)
def audit_previous_month_task() -> int:
    """Beat, the 1st of each month at 02:00 store time: audit the month just closed (and any earlier gap)."""
    from .audit.services import audit_previous_month

    return audit_previous_month().pk


@shared_task(name="aftersales.dashboard_live_refresh", ignore_result=True)
def dashboard_live_refresh_task() -> bool:
    """Beat, every 4 minutes: renew the dashboard's month-to-date snapshot before it expires, so that no manager's
    request waits for it (nothing when ``DASHBOARD_LIVE_SECONDS`` is 0)."""
    from django.utils import timezone

    from .audit.drilldown import live_month, live_snapshot

    now = timezone.now()
    return live_snapshot(live_month(now), now, renew=True) is not None


@shared_task(name="aftersales.dashboard_filtered_months", ignore_result=True)
def dashboard_filtered_months_task(months: list[str], market: str = "", channel: str = "", provider: str = "") -> int:
    """Queued by a dashboard page under several filters: compute the trend months the cache lacks, so that the page
    fills in (it shows their progress) and every later view reads them."""
    from datetime import date

    from .audit import metrics
    from .audit.drilldown import filtered_months

    return filtered_months([date.fromisoformat(f"{month}-01") for month in months],
                           metrics.Filters(market=market, channel=channel, provider=provider))


@shared_task(name="aftersales.audit_on_course", ignore_result=True)
def audit_on_course_task() -> int:
    """Beat, daily: alert the managers once when the month so far is on course to cross a line."""
    from .audit.services import audit_on_course_check

    return audit_on_course_check()
