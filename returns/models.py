"""Return cases: what the customer asked for (lines), what came back (inspection), what was decided and paid.

Goods, decision and money are kept apart (DESIGN section 4): ``ReturnLine`` records the goods and their
inspection, ``ReturnCase`` the decision and its timeline, and money moves only through the core refund
ledger (``Refund.source_ref = "returns.ReturnCase:<pk>"``).
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.models import Customer, Order, OrderLine

from .choices import CaseKind, CaseStatus, Disposition, Grade, Resolution, ShippingChoice

RMA_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY34679"  # no look-alikes (0/O, 1/I/L, 5/S, 8/B, 2/Z)


def new_rma() -> str:
    return "R-" + "".join(secrets.choice(RMA_ALPHABET) for _ in range(8))


class ReturnCase(models.Model):
    rma = models.CharField(_("RMA number"), max_length=16, unique=True, default=new_rma)
    kind = models.CharField(_("kind"), max_length=16, choices=CaseKind.choices, default=CaseKind.RETURN)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="return_cases")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="return_cases")
    status = models.CharField(_("status"), max_length=24, choices=CaseStatus.choices, default=CaseStatus.DRAFT,
                              db_index=True)
    reason = models.CharField(_("reason"), max_length=24, blank=True)  # policies.choices.ReturnReason
    comment = models.TextField(_("comment"), blank=True)
    resolution = models.CharField(_("preferred resolution"), max_length=16, choices=Resolution.choices,
                                  default=Resolution.REFUND)
    shipping_choice = models.CharField(_("return shipping"), max_length=16, choices=ShippingChoice.choices,
                                       default=ShippingChoice.OWN_COST)
    language = models.CharField(_("language"), max_length=10, default="en")
    currency = models.CharField(_("currency"), max_length=3)
    estimate_minor = models.BigIntegerField(_("refund estimate"), default=0)
    deductions_minor = models.BigIntegerField(_("deductions"), default=0)
    refund_deadline = models.DateField(_("refund deadline"), null=True, blank=True, db_index=True)
    statutory = models.BooleanField(_("statutory right"), default=False)
    decision_note = models.TextField(_("decision note"), blank=True)
    # A token the portal form carries: submitting the same form twice finds the case already made.
    client_token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("assignee"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, db_index=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "refund_deadline"], name="return_status_deadline"),
                   models.Index(fields=["customer", "submitted_at"], name="return_customer_submitted")]
        verbose_name = _("return case")
        verbose_name_plural = _("return cases")

    def __str__(self):
        return self.rma

    @property
    def reason_label(self) -> str:
        from policies.choices import ReturnReason

        return str(ReturnReason(self.reason).label) if self.reason in ReturnReason.values else ""

    @property
    def source_ref(self) -> str:
        return f"returns.ReturnCase:{self.pk}"


class ReturnLine(models.Model):
    case = models.ForeignKey(ReturnCase, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="return_lines")
    quantity = models.PositiveIntegerField(_("quantity"))
    decision = models.CharField(_("eligibility"), max_length=16, blank=True)  # policies.choices.Decision
    refund_minor = models.BigIntegerField(_("refund for this line"), default=0)
    deduction_minor = models.BigIntegerField(_("deduction for this line"), default=0)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, blank=True)
    disposition = models.CharField(_("disposition"), max_length=24, choices=Disposition.choices, blank=True)
    recovered_minor = models.BigIntegerField(_("amount recovered"), default=0)
    inspected_at = models.DateTimeField(_("inspected at"), null=True, blank=True)
    inspected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    class Meta:
        ordering = ["case", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="return_line_quantity_positive"),
            models.UniqueConstraint(fields=["case", "order_line"], name="return_line_once_per_case"),
        ]
        verbose_name = _("return line")
        verbose_name_plural = _("return lines")

    def __str__(self):
        return f"{self.quantity} × {self.order_line.sku}"


class ReturnPhoto(models.Model):
    """A photo the customer sent: checked and re-encoded (aftersales.uploads), stored outside the web root."""

    case = models.ForeignKey(ReturnCase, on_delete=models.CASCADE, related_name="photos")
    line = models.ForeignKey(ReturnLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="photos")
    storage_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=32)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "id"]

    def __str__(self):
        return self.storage_name


class ReturnEvent(models.Model):
    """The timeline of a case: every status change and note (who, when, from, to, why)."""

    case = models.ForeignKey(ReturnCase, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=24, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(max_length=24, choices=CaseStatus.choices, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    note = models.TextField(blank=True)
    visible_to_customer = models.BooleanField(default=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "at", "id"]

    def __str__(self):
        return f"{self.from_status or '∅'} → {self.to_status}"
