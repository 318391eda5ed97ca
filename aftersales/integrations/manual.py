"""The manual gateway: used when a provider is not configured. It moves no money; the refund is recorded
and waits for a person to execute it outside the system and mark it done (``refund_mark_executed``)."""

from django.utils.translation import gettext as _

from .base import RefundOutcome, RefundRequest, RefundResult


class ManualGateway:
    name = "manual"

    def refund(self, request: RefundRequest) -> RefundResult:
        return RefundResult(outcome=RefundOutcome.PENDING,
                            message=_("No payment provider is configured: execute this refund manually, "
                                      "then mark it as done."))
