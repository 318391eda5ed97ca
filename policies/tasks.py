"""Celery tasks of the policies app: thin wrappers around services, safe to run twice."""

from celery import shared_task

from .choices import PolicyStatus
from .models import PolicyVersion


@shared_task(name="policies.notices_send", acks_late=True)
def policy_notices_send_task(version_pk: int) -> int:
    from .services import policy_notices_prepare, policy_notices_send_batch

    version = PolicyVersion.objects.filter(pk=version_pk).select_related("market").first()
    if version is None:
        return 0
    policy_notices_prepare(version=version)
    total = 0
    while sent := policy_notices_send_batch(version=version):
        total += sent
    return total


@shared_task(name="policies.activate_due", ignore_result=True)
def policy_versions_activate_task() -> int:
    from .services import policy_versions_activate_due

    return len(policy_versions_activate_due())


@shared_task(name="policies.notices_resume", ignore_result=True)
def policy_notices_resume_task() -> int:
    """State-based: finish telling customers about every scheduled version (after downtime or a failure)."""
    pks = list(PolicyVersion.objects.filter(status=PolicyStatus.SCHEDULED, notices__sent_at__isnull=True)
               .values_list("pk", flat=True).distinct())
    for pk in pks:
        policy_notices_send_task.delay(pk)
    return len(pks)


@shared_task(name="policies.stamp_orders", ignore_result=True)
def orders_stamp_policy_version_task() -> int:
    from .services import orders_stamp_policy_version

    return orders_stamp_policy_version()
