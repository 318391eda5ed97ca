"""Celery tasks of ``disputes``: thin, idempotent, state-based (DESIGN section 5)."""

from celery import shared_task


@shared_task(name="disputes.scan", ignore_result=True)
def disputes_scan_task() -> dict[str, int]:
    """State-based scan: every deadline alert that is due is recorded (and mailed) once, however late."""
    from .services import disputes_scan

    return disputes_scan()


@shared_task(name="disputes.risk_check", ignore_result=True)
def disputes_risk_check_task() -> dict[str, int]:
    """State-based check: every risk alert that is due (dispute rate over a line, PayPal loss run) is recorded and
    mailed to the managers once."""
    from .risk_services import risk_check

    return risk_check()


@shared_task(name="disputes.submit", bind=True, acks_late=True, max_retries=5)
def dispute_submit_task(self, dispute_id: int) -> str:
    """The T-12 h auto-submission of a complete packet, once (``submission.dispute_auto_submit``): a dispute already
    submitted, accepted or in flight is left alone; a transient provider failure retries with the same key."""
    from .submission import SubmissionFailed, SubmissionRefused, dispute_auto_submit

    try:
        dispute_auto_submit(dispute_id=dispute_id)
    except SubmissionFailed as failure:
        if failure.transient and self.request.retries < self.max_retries:
            raise self.retry(exc=failure, countdown=min(600, 30 * 2 ** self.request.retries)) from failure
        return "failed"
    except SubmissionRefused:
        return "refused"
    return "submitted"
