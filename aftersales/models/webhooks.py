"""The webhook inbox shared by every provider: verified, stored raw, deduplicated, processed later (STYLE #7)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.choices import WebhookProvider, WebhookStatus


class InboundWebhookEvent(models.Model):
    provider = models.CharField(_("provider"), max_length=16, choices=WebhookProvider.choices)
    event_id = models.CharField(_("event id"), max_length=200)
    event_type = models.CharField(_("event type"), max_length=120, blank=True, db_index=True)
    headers = models.JSONField(_("headers"), default=dict)
    body = models.TextField(_("raw body"))
    status = models.CharField(_("status"), max_length=16, choices=WebhookStatus.choices,
                              default=WebhookStatus.RECEIVED, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("last error"), blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_unique_event")]
        verbose_name = _("inbound webhook event")
        verbose_name_plural = _("inbound webhook events")

    def __str__(self):
        return f"{self.provider} {self.event_type} {self.event_id}"
