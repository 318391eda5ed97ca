"""The refund ledger: every refund of every cause, one row each, with its timeline (DESIGN section 4).

Invariant, enforced by ``aftersales.services.refunds`` under a row lock on the payment: the sum of a
payment's refunds that have not failed never exceeds what was captured.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.choices import RefundCause, RefundSource, RefundStatus

from .commerce import Order, Payment


class Refund(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    amount_minor = models.BigIntegerField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    cause = models.CharField(_("cause"), max_length=16, choices=RefundCause.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=RefundSource.choices)
    # What asked for it, e.g. "returns.ReturnCase:42" (other apps are not imported by the core).
    source_ref = models.CharField(_("source reference"), max_length=80, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=16, choices=RefundStatus.choices,
                              default=RefundStatus.PLANNED, db_index=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=80, unique=True, default=uuid.uuid4)
    provider = models.CharField(_("provider"), max_length=16)
    provider_refund_id = models.CharField(_("provider refund id"), max_length=128, blank=True)
    failure_message = models.TextField(_("failure message"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("requested by"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("approved by"))
    rate_to_base = models.DecimalField(_("rate to base currency"), max_digits=18, decimal_places=8, default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    requested_at = models.DateTimeField(_("requested at"), null=True, blank=True)
    succeeded_at = models.DateTimeField(_("succeeded at"), null=True, blank=True, db_index=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="refund_amount_positive"),
            models.UniqueConstraint(fields=["provider", "provider_refund_id"], condition=~Q(provider_refund_id=""),
                                    name="refund_unique_provider_id"),
        ]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")

    def __str__(self):
        return f"Refund #{self.pk} {self.amount_minor} {self.currency} ({self.status})"


class RefundEvent(models.Model):
    """One status change of a refund: who, when, from, to, why."""

    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, choices=RefundStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=RefundStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["refund", "at", "id"]
        verbose_name = _("refund event")
        verbose_name_plural = _("refund events")

    def __str__(self):
        return f"{self.from_status or '∅'} → {self.to_status}"
