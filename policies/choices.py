"""Statuses and clause options of return policies, with the allowed transitions of a policy version."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    IN_FORCE = "in_force", _("In force")
    SUPERSEDED = "superseded", _("Superseded")


POLICY_TRANSITIONS = {
    PolicyStatus.DRAFT: {PolicyStatus.SCHEDULED, PolicyStatus.IN_FORCE},
    PolicyStatus.SCHEDULED: {PolicyStatus.IN_FORCE, PolicyStatus.DRAFT},
    PolicyStatus.IN_FORCE: {PolicyStatus.SUPERSEDED},
    PolicyStatus.SUPERSEDED: set(),
}


class ShippingPayer(models.TextChoices):
    STORE = "store", _("The store pays return shipping")
    CUSTOMER = "customer", _("The customer ships at their own cost")
    DEDUCTED = "deducted", _("Return shipping is deducted from the refund")


class DayKind(models.TextChoices):
    CALENDAR = "calendar", _("calendar days")
    BUSINESS = "business", _("business days")


class NotReceivedOffer(models.TextChoices):
    PARTIAL_REFUND = "partial_refund", _("Partial refund")
    COUPON = "coupon", _("Coupon")


class ReturnReason(models.TextChoices):
    """The taxonomy customers choose from; each maps to the legal kind of the request."""

    WRONG_SIZE = "wrong_size", _("Wrong size")
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    DEFECTIVE = "defective", _("Defective or damaged")
    WRONG_ITEM = "wrong_item", _("Wrong item sent")
    ARRIVED_LATE = "arrived_late", _("Arrived late")
    CHANGED_MIND = "changed_mind", _("Changed my mind")
    OTHER = "other", _("Other")


class RequestKind(models.TextChoices):
    FAULTY = "faulty", _("Faulty or not as described")
    WRONG_ITEM = "wrong_item", _("Wrong item")
    CHANGE_OF_MIND = "change_of_mind", _("Change of mind")


REASON_KIND = {
    ReturnReason.WRONG_SIZE: RequestKind.CHANGE_OF_MIND,
    ReturnReason.NOT_AS_DESCRIBED: RequestKind.FAULTY,
    ReturnReason.DEFECTIVE: RequestKind.FAULTY,
    ReturnReason.WRONG_ITEM: RequestKind.WRONG_ITEM,
    ReturnReason.ARRIVED_LATE: RequestKind.CHANGE_OF_MIND,
    ReturnReason.CHANGED_MIND: RequestKind.CHANGE_OF_MIND,
    ReturnReason.OTHER: RequestKind.CHANGE_OF_MIND,
}


class Decision(models.TextChoices):
    ELIGIBLE = "eligible", _("Eligible for return")
    KEEP_ITEM = "keep_item", _("Eligible: keep the item")
    NEEDS_REVIEW = "needs_review", _("Needs review by our team")
    INELIGIBLE = "ineligible", _("Not eligible")
