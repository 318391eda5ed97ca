"""Enumerations of disputes and the allowed transitions of a dispute's status (STYLE #4).

Statuses are Stripe's vocabulary (the richer one) plus ``accepted`` and ``closed``; PayPal's statuses and
outcomes are mapped onto them in ``disputes.integrations``. Open statuses may move anywhere; a closed status
never moves back to an open one — only to another closed status (a decision corrected by the provider, e.g. an
inquiry that closed and a later final decision).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DisputeProvider(models.TextChoices):
    STRIPE = "stripe", "Stripe"
    PAYPAL = "paypal", "PayPal"


class DisputeReason(models.TextChoices):
    FRAUDULENT = "fraudulent", _("Fraudulent or unauthorised")
    PRODUCT_NOT_RECEIVED = "product_not_received", _("Product not received")
    PRODUCT_UNACCEPTABLE = "product_unacceptable", _("Product not as described")
    DUPLICATE = "duplicate", _("Duplicate or paid by other means")
    SUBSCRIPTION_CANCELED = "subscription_canceled", _("Subscription cancelled")
    CREDIT_NOT_PROCESSED = "credit_not_processed", _("Credit not processed")
    GENERAL = "general", _("General")
    UNRECOGNIZED = "unrecognized", _("Unrecognised charge")
    OTHER = "other", _("Other")


class DisputeStage(models.TextChoices):
    INQUIRY = "inquiry", _("Inquiry")
    CHARGEBACK = "chargeback", _("Chargeback")
    PRE_ARBITRATION = "pre_arbitration", _("Pre-arbitration")
    ARBITRATION = "arbitration", _("Arbitration")


class DisputeStatus(models.TextChoices):
    WARNING_NEEDS_RESPONSE = "warning_needs_response", _("Inquiry: needs a response")
    WARNING_UNDER_REVIEW = "warning_under_review", _("Inquiry: under review")
    NEEDS_RESPONSE = "needs_response", _("Needs a response")
    UNDER_REVIEW = "under_review", _("Under review")
    WARNING_CLOSED = "warning_closed", _("Inquiry closed")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    ACCEPTED = "accepted", _("Accepted")
    CHARGE_REFUNDED = "charge_refunded", _("Charge refunded")
    PREVENTED = "prevented", _("Prevented")
    CLOSED = "closed", _("Closed")


class DisputeOutcome(models.TextChoices):
    NONE = "", _("Not decided")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    ACCEPTED = "accepted", _("Accepted")
    REFUNDED = "refunded", _("Refunded")


OPEN_STATUSES = frozenset({
    DisputeStatus.WARNING_NEEDS_RESPONSE, DisputeStatus.WARNING_UNDER_REVIEW,
    DisputeStatus.NEEDS_RESPONSE, DisputeStatus.UNDER_REVIEW,
})
CLOSED_STATUSES = frozenset(set(DisputeStatus) - OPEN_STATUSES)

# The outcome a closed status means, where it means one.
STATUS_OUTCOMES = {
    DisputeStatus.WON: DisputeOutcome.WON,
    DisputeStatus.LOST: DisputeOutcome.LOST,
    DisputeStatus.ACCEPTED: DisputeOutcome.ACCEPTED,
    DisputeStatus.CHARGE_REFUNDED: DisputeOutcome.REFUNDED,
}

DISPUTE_TRANSITIONS: dict[str, frozenset[str]] = {
    **dict.fromkeys(OPEN_STATUSES, frozenset(DisputeStatus)),
    **dict.fromkeys(CLOSED_STATUSES, CLOSED_STATUSES),
}


def transition_allowed(old: str, new: str) -> bool:
    return old == new or new in DISPUTE_TRANSITIONS.get(old, frozenset())


class SubmissionState(models.TextChoices):
    """Where the dispute's response stands at the provider (``disputes.submission`` moves it)."""

    NONE = "", _("Not started")
    STAGED = "staged", _("Evidence staged (not submitted)")
    SUBMITTING = "submitting", _("Submitting")
    SUBMITTED = "submitted", _("Evidence submitted")
    ACCEPTED = "accepted", _("Dispute accepted")
    OFFERED = "offered", _("Offer made")
    FAILED = "failed", _("Submission failed")


class DocumentKind(models.TextChoices):
    """A document of the evidence packet; the values are Stripe's file evidence fields, plus the packet PDF."""

    RECEIPT = "receipt", _("Receipt")
    SHIPPING_DOCUMENTATION = "shipping_documentation", _("Shipping documentation and proof of delivery")
    CUSTOMER_COMMUNICATION = "customer_communication", _("Customer communication")
    REFUND_POLICY = "refund_policy", _("Refund policy")
    CANCELLATION_POLICY = "cancellation_policy", _("Cancellation policy")
    SERVICE_DOCUMENTATION = "service_documentation", _("Service documentation")
    DUPLICATE_CHARGE_DOCUMENTATION = "duplicate_charge_documentation", _("Duplicate charge documentation")
    UNCATEGORIZED_FILE = "uncategorized_file", _("Other document")
    PACKET = "packet", _("Whole evidence packet")


class DocumentSource(models.TextChoices):
    GENERATED = "generated", _("Generated from the desk's records")
    UPLOADED = "uploaded", _("Uploaded by an agent")


# What each row type of a dispute's timeline means, as the desk names it; a type not listed shows as sent.
EVENT_LABELS = {
    "charge.dispute.created": _("Opened at Stripe"),
    "charge.dispute.updated": _("Updated at Stripe"),
    "charge.dispute.closed": _("Closed at Stripe"),
    "charge.dispute.funds_withdrawn": _("Funds withdrawn by Stripe"),
    "charge.dispute.funds_reinstated": _("Funds reinstated by Stripe"),
    "CUSTOMER.DISPUTE.CREATED": _("Opened at PayPal"),
    "CUSTOMER.DISPUTE.UPDATED": _("Updated at PayPal"),
    "CUSTOMER.DISPUTE.RESOLVED": _("Resolved at PayPal"),
    "disputes_sync": _("Found by the daily check with the provider"),
    "evidence.document_added": _("Document attached"),
    "evidence.updated": _("Text evidence edited"),
    "response.staged": _("Evidence staged at Stripe"),
    "response.stage_failed": _("Staging the evidence failed"),
    "response.submitted": _("Response submitted"),
    "response.failed": _("Submitting the response failed"),
    "response.accepted": _("Dispute accepted"),
    "response.offer_made": _("Offer made to the customer"),
    "response.message_sent": _("Message sent to the customer"),
}
