"""Disputes: a mirror of each Stripe dispute or PayPal dispute, and its timeline (DESIGN section 4).

Rows are written only by ``disputes.services``. ``provider_updated_at`` is the provider time of the newest
event applied; an older event is recorded on the timeline and changes nothing else. Amounts are integer minor
units of ``currency`` (ISO 4217 exponents, DESIGN section 5).

``DisputeAlert`` records each deadline alert of a dispute once (unique per dispute and kind): the periodic scan
(``services.disputes_scan``) finds what is due from the state, so a missed scan delays an alert, never loses it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import (
    CLOSED_STATUSES,
    EVENT_LABELS,
    OPEN_STATUSES,
    DisputeOutcome,
    DisputeProvider,
    DisputeReason,
    DisputeStage,
    DisputeStatus,
    DocumentKind,
    DocumentSource,
    SubmissionState,
)


class Dispute(models.Model):
    provider = models.CharField(_("provider"), max_length=16, choices=DisputeProvider.choices)
    provider_id = models.CharField(_("provider dispute id"), max_length=128)
    payment = models.ForeignKey("aftersales.Payment", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="disputes", verbose_name=_("payment"))
    order = models.ForeignKey("aftersales.Order", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="disputes", verbose_name=_("order"))
    # The provider's own payment reference (Stripe charge / payment intent, PayPal seller transaction id), kept
    # so that a dispute that arrived before its payment can be linked later.
    payment_reference = models.CharField(_("provider payment reference"), max_length=128, blank=True)
    reason = models.CharField(_("reason"), max_length=32, choices=DisputeReason.choices,
                              default=DisputeReason.OTHER)
    provider_reason = models.CharField(_("provider reason"), max_length=64, blank=True)
    network_reason_code = models.CharField(_("network reason code"), max_length=32, blank=True)
    stage = models.CharField(_("stage"), max_length=16, choices=DisputeStage.choices,
                             default=DisputeStage.CHARGEBACK)
    status = models.CharField(_("status"), max_length=32, choices=DisputeStatus.choices)
    provider_status = models.CharField(_("provider status"), max_length=64, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    amount_minor = models.BigIntegerField(_("amount"))
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    respond_by = models.DateTimeField(_("provider deadline"), null=True, blank=True)
    internal_deadline = models.DateTimeField(_("internal deadline"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=DisputeOutcome.choices, blank=True,
                               default=DisputeOutcome.NONE)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    funds_withdrawn_minor = models.BigIntegerField(_("funds withdrawn"), default=0)
    funds_reinstated_minor = models.BigIntegerField(_("funds reinstated"), default=0)
    provider_updated_at = models.DateTimeField(_("provider updated at"), null=True, blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("assignee"))
    raw = models.JSONField(_("latest provider object"), default=dict)
    # The response: text evidence as the agent edited it (keys are Stripe's evidence field names, also used for
    # PayPal's notes), and where its submission stands. ``submission_key`` is the idempotency key of the one
    # submission; ``completeness`` is the packet's score (0-100) when it was submitted, for win rates.
    evidence = models.JSONField(_("evidence text"), default=dict, blank=True)
    submission_state = models.CharField(_("submission"), max_length=16, choices=SubmissionState.choices,
                                        blank=True, default=SubmissionState.NONE)
    submission_key = models.CharField(_("submission key"), max_length=64, blank=True)
    submission_started_at = models.DateTimeField(_("submission started at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submission_error = models.CharField(_("submission error"), max_length=500, blank=True)
    completeness = models.PositiveSmallIntegerField(_("completeness when submitted"), null=True, blank=True)
    # Which deadline alerts are recorded, one flag per ``DisputeAlert.Kind`` (``ALERT_FLAGS``), set in the alert's
    # transaction. Each kind has a partial index of the open disputes still without it, so the scan reads only the
    # disputes that are due, never the alerts table nor the closed history (tests/perf/test_bench_disputes.py).
    alerted_assignee_72h = models.BooleanField(_("assignee reminded"), default=False)
    alerted_managers_24h = models.BooleanField(_("managers alerted"), default=False)
    alerted_auto_submit_12h = models.BooleanField(_("auto-submission decided"), default=False)
    alerted_overdue_incident = models.BooleanField(_("incident recorded"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_id"], name="dispute_unique_provider_id"),
            models.CheckConstraint(condition=Q(amount_minor__gte=0) & Q(funds_withdrawn_minor__gte=0)
                                   & Q(funds_reinstated_minor__gte=0), name="dispute_amounts_not_negative"),
        ]
        indexes = [
            # The deadline scan reads only open disputes, ordered by the internal deadline.
            models.Index(fields=["internal_deadline"], name="dispute_open_deadline",
                         condition=Q(status__in=sorted(OPEN_STATUSES))),
            models.Index(fields=["provider", "opened_at"], name="dispute_provider_opened"),
            *[models.Index(fields=["internal_deadline"], name=f"dispute_due_{kind}",
                           condition=Q(status__in=sorted(OPEN_STATUSES), **{f"alerted_{kind}": False}))
              for kind in ("assignee_72h", "managers_24h", "auto_submit_12h", "overdue_incident")],
        ]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")

    def __str__(self):
        return f"{self.provider} {self.provider_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES


class DisputeEvent(models.Model):
    """One row of a dispute's timeline: a provider event (applied, or recorded only), with the status change."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events",
                                verbose_name=_("dispute"))
    provider_event_id = models.CharField(_("provider event id"), max_length=200, blank=True)
    type = models.CharField(_("type"), max_length=120)
    occurred_at = models.DateTimeField(_("occurred at"))
    from_status = models.CharField(_("from status"), max_length=32, blank=True)
    to_status = models.CharField(_("to status"), max_length=32, blank=True)
    applied = models.BooleanField(_("applied"), default=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    raw = models.JSONField(_("raw event"), default=dict)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["dispute", "occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["provider_event_id"], condition=~Q(provider_event_id=""),
                                    name="dispute_event_unique_provider_event"),
        ]
        verbose_name = _("dispute event")
        verbose_name_plural = _("dispute events")

    def __str__(self):
        return f"{self.type} {self.provider_event_id}".strip()

    @property
    def label(self) -> str:
        """The row's type in the reader's language (the provider's own name for a type this app does not know)."""
        return str(EVENT_LABELS.get(self.type, self.type))

    @property
    def status_change(self) -> tuple[str, str] | None:
        """(from, to) in words when this row moved the dispute, else ``None``."""
        if not self.from_status or self.from_status == self.to_status:
            return None
        words = dict(DisputeStatus.choices)
        return str(words.get(self.from_status, self.from_status)), str(words.get(self.to_status, self.to_status))


class DisputeAlert(models.Model):
    """One deadline alert of a dispute, recorded (and mailed, for the kinds that mail) at most once."""

    class Kind(models.TextChoices):
        # In threshold order: a scan after a downtime records the missing ones in this order.
        ASSIGNEE_72H = "assignee_72h", _("Assignee reminder (72 h before the internal deadline)")
        MANAGERS_24H = "managers_24h", _("Managers escalation (24 h before the internal deadline)")
        AUTO_SUBMIT_12H = "auto_submit_12h", _("Auto-submission (12 h before the internal deadline)")
        OVERDUE_INCIDENT = "overdue_incident", _("Incident: internal deadline passed without a response")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="alerts",
                                verbose_name=_("dispute"))
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    due_at = models.DateTimeField(_("due at"))
    recorded_at = models.DateTimeField(_("recorded at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    recipients = models.JSONField(_("recipients"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["dispute", "due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dispute", "kind"], name="dispute_alert_unique_kind"),
        ]
        verbose_name = _("dispute alert")
        verbose_name_plural = _("dispute alerts")

    def __str__(self):
        return f"{self.kind} {self.dispute_id}"


class DisputeDocument(models.Model):
    """One document of a dispute's evidence packet: generated from the desk's records or uploaded by an agent.

    Files live in the default storage (outside the web root) under a name derived from their content and are
    served only by access-checked desk views. ``provider_file_id`` is the Stripe file id once uploaded, so a
    document is uploaded to the provider at most once.
    """

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="documents",
                                verbose_name=_("dispute"))
    kind = models.CharField(_("kind"), max_length=40, choices=DocumentKind.choices)
    source = models.CharField(_("source"), max_length=16, choices=DocumentSource.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    storage_name = models.CharField(_("stored file"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size_bytes = models.PositiveIntegerField(_("size in bytes"))
    pages = models.PositiveSmallIntegerField(_("pages"), default=1)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("uploaded by"))
    provider_file_id = models.CharField(_("provider file id"), max_length=128, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["dispute", "kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dispute", "kind", "sha256"], name="dispute_document_unique_content"),
        ]
        verbose_name = _("dispute document")
        verbose_name_plural = _("dispute documents")

    def __str__(self):
        return f"{self.kind} {self.title}".strip()


class RiskAlert(models.Model):
    """One risk alert to the managers (``disputes.risk_services``), recorded and mailed at most once.

    Unique per kind, provider, period and level: a dispute rate over a card-network line in a month (period
    ``YYYY-MM``, level the line's key), or the PayPal loss run reaching the warning or the red line (period
    ``after-win-<id of the win the run follows>``, level ``warning`` / ``red``). Open until a manager acknowledges
    it; a loss-run alert is also resolved by the check once a win ends its run.
    """

    class Kind(models.TextChoices):
        DISPUTE_RATE = "dispute_rate", _("Dispute rate over a card-network line")
        PAYPAL_LOSSES = "paypal_losses", _("Consecutive PayPal losses")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    provider = models.CharField(_("provider"), max_length=16, choices=DisputeProvider.choices)
    period = models.CharField(_("period"), max_length=32)
    level = models.CharField(_("level"), max_length=32)
    value = models.CharField(_("value"), max_length=64, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    recipients = models.JSONField(_("recipients"), default=list, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+", verbose_name=_("acknowledged by"))

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "provider", "period", "level"], name="risk_alert_unique"),
        ]
        verbose_name = _("risk alert")
        verbose_name_plural = _("risk alerts")

    def __str__(self):
        return f"{self.kind} {self.provider} {self.period} {self.level}"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None and self.resolved_at is None


# The flag on ``Dispute`` that says an alert of each kind is recorded.
ALERT_FLAGS = {kind: f"alerted_{kind}" for kind in DisputeAlert.Kind.values}
