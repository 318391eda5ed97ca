"""Stored monthly audits and the alerts they raised (issue 9, docs/adr/0009-monthly-audit.md).

``MonthlyAudit`` is an immutable report: one row per (month, revision). Computing a month again without
``recompute`` changes nothing; a recompute adds revision n + 1 and keeps the old ones. Rows are written only by
``aftersales.audit.services``; ``save()`` refuses to change a stored row (there is no update service).

``AuditAlert`` records each alert once: unique (month, metric, kind), so a retried task or a second beat tick
cannot email the managers twice.
"""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditImmutableError(Exception):
    """A stored audit is never changed: recompute the month to add a revision."""


class MonthlyAudit(models.Model):
    month = models.DateField(_("month"), help_text=_("The first day of the month, in the store's time zone."))
    revision = models.PositiveIntegerField(_("revision"), default=1)
    computed_at = models.DateTimeField(_("computed at"))
    period_start = models.DateTimeField(_("period start (UTC)"))
    period_end = models.DateTimeField(_("period end (UTC, exclusive)"))
    base_currency = models.CharField(_("base currency"), max_length=3)
    time_zone = models.CharField(_("store time zone"), max_length=64)
    # {metric key: {"value": "2.50" | 123 | null, "numerator", "denominator", "status", "extra"}}
    metrics = models.JSONField(_("metrics"), default=dict)
    # {metric key: {dimension: [{"code", "label", "value", "numerator", "denominator", "share"}, …]}}
    breakdowns = models.JSONField(_("breakdowns"), default=dict)
    # {metric key: [sentence, …]} in the store's language at the time of computing
    explanations = models.JSONField(_("explanations"), default=dict)

    class Meta:
        ordering = ["-month", "-revision"]
        constraints = [models.UniqueConstraint(fields=["month", "revision"], name="audit_unique_month_revision")]
        verbose_name = _("monthly audit")
        verbose_name_plural = _("monthly audits")

    def __str__(self):
        return f"{self.month:%Y-%m} r{self.revision}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AuditImmutableError("a stored audit is never changed; recompute the month for a new revision")
        super().save(*args, **kwargs)

    def metric_values(self) -> dict:
        """The stored metrics as ``aftersales.audit.metrics.MetricValue`` objects (Decimal values restored)."""
        from aftersales.audit.metrics import MetricValue

        values = {}
        for key, stored in self.metrics.items():
            value = stored.get("value")
            if isinstance(value, str):
                value = Decimal(value)
            values[key] = MetricValue(key=key, value=value, numerator=stored.get("numerator"),
                                      denominator=stored.get("denominator"), status=stored.get("status", "no_data"),
                                      extra=stored.get("extra") or {})
        return values


class AlertKind(models.TextChoices):
    CLOSED_MONTH = "closed_month", _("Closed month crossed the threshold")
    ON_COURSE = "on_course", _("Month to date on course to cross the threshold")


class AuditAlert(models.Model):
    month = models.DateField(_("month"))
    metric = models.CharField(_("metric"), max_length=40)
    kind = models.CharField(_("kind"), max_length=16, choices=AlertKind.choices)
    status = models.CharField(_("status"), max_length=8)  # amber | red
    value = models.CharField(_("value"), max_length=32, blank=True)  # as computed (projected for on_course)
    recipients = models.JSONField(_("recipients"), default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-month", "metric"]
        constraints = [models.UniqueConstraint(fields=["month", "metric", "kind"], name="audit_alert_once")]
        verbose_name = _("audit alert")
        verbose_name_plural = _("audit alerts")

    def __str__(self):
        return f"{self.month:%Y-%m} {self.metric} {self.kind}"
