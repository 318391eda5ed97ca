"""Celery tasks of ``disputes``: thin, idempotent, state-based (DESIGN section 5)."""

from celery import shared_task


@shared_task(name="disputes.scan", ignore_result=True)
def disputes_scan_task() -> dict[str, int]:
    """State-based scan: every deadline alert that is due is recorded (and mailed) once, however late."""
    from .services import disputes_scan

    return disputes_scan()
