"""Versioned return policies per market (DESIGN section 4, "policies").

A ``PolicyVersion`` is one complete set of clauses for one market. It is edited only while a draft; once
scheduled or in force it is never changed again, only superseded by a newer version. Text clauses are
translated with django-modeltranslation (``policies/translation.py``), falling back to English.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.models import Customer, Market

from .choices import DayKind, NotReceivedOffer, PolicyStatus, ShippingPayer


class PolicyVersion(models.Model):
    market = models.ForeignKey(Market, on_delete=models.PROTECT, related_name="policy_versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=16, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT,
                              db_index=True)
    effective_at = models.DateTimeField(_("takes effect"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    # -- the window ----------------------------------------------------------------------------------------
    window_days = models.PositiveSmallIntegerField(_("return window (days from delivery)"), default=30)
    requires_unused = models.BooleanField(_("item must be unused"), default=True)
    requires_original_packaging = models.BooleanField(_("original packaging required"), default=False)
    requires_tags = models.BooleanField(_("tags must be attached"), default=False)
    excluded_categories = models.JSONField(_("excluded categories"), default=list, blank=True)
    final_sale_excluded = models.BooleanField(_("final-sale items excluded"), default=True)

    # -- money ------------------------------------------------------------------------------------------------
    return_shipping_payer = models.CharField(_("return shipping"), max_length=16, choices=ShippingPayer.choices,
                                             default=ShippingPayer.CUSTOMER)
    return_shipping_fee_minor = models.BigIntegerField(_("return shipping deducted (minor units)"), default=0)
    restocking_fee_percent = models.PositiveSmallIntegerField(_("restocking fee (%)"), default=0)
    faulty_return_shipping_payer = models.CharField(_("return shipping of faulty goods"), max_length=16,
                                                    choices=ShippingPayer.choices, default=ShippingPayer.STORE)
    fees_disclosed_before_purchase = models.BooleanField(
        _("fees disclosed before purchase"), default=True,
        help_text=_("Shown on the product page or at checkout before the customer pays."))
    refund_days = models.PositiveSmallIntegerField(_("refund within"), default=14)
    refund_day_kind = models.CharField(_("counted in"), max_length=16, choices=DayKind.choices,
                                       default=DayKind.CALENDAR)
    returnless_threshold_minor = models.BigIntegerField(_("keep-the-item threshold (minor units)"), default=0)

    # -- not received ------------------------------------------------------------------------------------------
    not_received_offer = models.CharField(_("not-received offer"), max_length=16, choices=NotReceivedOffer.choices,
                                          default=NotReceivedOffer.PARTIAL_REFUND)
    not_received_percent = models.PositiveSmallIntegerField(_("not-received offer (%)"), default=30)

    # -- changes ---------------------------------------------------------------------------------------------------
    notice_days = models.PositiveSmallIntegerField(_("notice period for changes (days)"), default=14)

    # -- text (translated) ------------------------------------------------------------------------------------------
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    return_address = models.TextField(_("return address"), blank=True)
    change_note = models.TextField(_("what changed"), blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["market", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["market", "number"], name="policy_version_unique_number"),
            models.UniqueConstraint(fields=["market"], condition=Q(status=PolicyStatus.IN_FORCE),
                                    name="policy_one_in_force_per_market"),
            models.CheckConstraint(condition=Q(restocking_fee_percent__lte=100) & Q(not_received_percent__lte=100),
                                   name="policy_percent_valid"),
        ]
        verbose_name = _("return policy version")
        verbose_name_plural = _("return policy versions")

    def __str__(self):
        return f"{self.market.code} v{self.number} ({self.status})"

    @property
    def is_editable(self):
        return self.status == PolicyStatus.DRAFT


class PolicyVersionEvent(models.Model):
    """Timeline of a version: who moved it from which status to which, when and why."""

    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, choices=PolicyStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=PolicyStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["version", "at", "id"]

    def __str__(self):
        return f"{self.from_status or '∅'} → {self.to_status}"


class PolicyNotice(models.Model):
    """A customer was told about an upcoming version (once: unique per customer and version)."""

    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="notices")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="policy_notices")
    email = models.EmailField()
    language = models.CharField(max_length=10)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "customer"], name="policy_notice_once")]

    def __str__(self):
        return f"{self.version} → {self.email}"


class FaqEntry(models.Model):
    """A question and answer shown with the policy, in the portal and by the auto-responder."""

    market = models.ForeignKey(Market, on_delete=models.CASCADE, related_name="faq_entries")
    topic = models.SlugField(_("topic"), max_length=40, help_text=_("e.g. returns, refunds, shipping, tracking"))
    question = models.CharField(_("question"), max_length=300)
    answer = models.TextField(_("answer"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["market", "position", "id"]
        verbose_name = _("FAQ entry")
        verbose_name_plural = _("FAQ entries")

    def __str__(self):
        return self.question
