"""Statuses of a return case and the moves allowed between them (DESIGN section 4, "returns")."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseKind(models.TextChoices):
    RETURN = "return", _("Return")
    CANCELLATION = "cancellation", _("Cancellation")
    NOT_RECEIVED = "not_received", _("Not received")


class CaseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    APPROVED_KEEP_ITEM = "approved_keep_item", _("Approved: keep the item")
    NEEDS_REVIEW = "needs_review", _("Needs review")
    REJECTED = "rejected", _("Rejected")
    AWAITING_SHIPMENT = "awaiting_shipment", _("Waiting for the parcel")
    IN_TRANSIT = "in_transit", _("On its way back")
    RECEIVED = "received", _("Received")
    INSPECTED = "inspected", _("Inspected")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")
    LOST_IN_TRANSIT = "lost_in_transit", _("Lost in transit")


S = CaseStatus
SIDE_EXITS = {S.CANCELLED, S.EXPIRED}
CASE_TRANSITIONS = {
    S.DRAFT: {S.SUBMITTED, S.CANCELLED},
    S.SUBMITTED: {S.APPROVED, S.APPROVED_KEEP_ITEM, S.NEEDS_REVIEW, S.REJECTED, S.CANCELLED},
    S.NEEDS_REVIEW: {S.APPROVED, S.APPROVED_KEEP_ITEM, S.REJECTED, S.CANCELLED},
    S.APPROVED: {S.AWAITING_SHIPMENT, S.RESOLVED, S.CANCELLED},
    S.APPROVED_KEEP_ITEM: {S.RESOLVED, S.CANCELLED},
    S.AWAITING_SHIPMENT: {S.IN_TRANSIT, S.RECEIVED} | SIDE_EXITS,
    S.IN_TRANSIT: {S.RECEIVED, S.LOST_IN_TRANSIT},
    S.RECEIVED: {S.INSPECTED},
    S.INSPECTED: {S.RESOLVED},
    S.RESOLVED: {S.CLOSED},
    S.LOST_IN_TRANSIT: {S.RESOLVED},
    S.REJECTED: {S.CLOSED},
    S.CLOSED: set(),
    S.CANCELLED: set(),
    S.EXPIRED: set(),
}
OPEN_STATUSES = set(CaseStatus) - {S.CLOSED, S.CANCELLED, S.EXPIRED, S.REJECTED, S.RESOLVED}


class Resolution(models.TextChoices):
    REFUND = "refund", _("Refund to the original payment")
    STORE_CREDIT = "store_credit", _("Store credit")
    EXCHANGE = "exchange", _("Exchange")
    KEEP_ITEM = "keep_item", _("Keep the item with a refund")
    REDELIVERY = "redelivery", _("Send the order again")


class ShippingChoice(models.TextChoices):
    OWN_COST = "own_cost", _("I ship it at my own cost")
    DEDUCT = "deduct", _("Deduct the return label from my refund")
    FREE = "free", _("Free return label")


class Grade(models.TextChoices):
    A = "A", _("A: as new")
    B = "B", _("B: opened or lightly used")
    C = "C", _("C: damaged or incomplete")


class Disposition(models.TextChoices):
    RESTOCK = "restock", _("Restock")
    RECONDITION = "recondition", _("Recondition")
    LIQUIDATE = "liquidate", _("Liquidate")
    DESTROY = "destroy", _("Destroy")
    RETURN_TO_SUPPLIER = "return_to_supplier", _("Return to supplier")
