"""The evidence packet's contract (what ``disputes.submission`` codes against) and its limits."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import lazy

from aftersales.uploads import UploadRejected

from ..choices import DocumentKind, SubmissionState
from ..models import DisputeDocument

# Stripe's evidence text fields (``Dispute.evidence`` keys; PayPal notes use the same names).
TEXT_FIELDS = (
    "product_description", "customer_name", "customer_email_address", "customer_purchase_ip", "billing_address",
    "shipping_address", "shipping_carrier", "shipping_tracking_number", "shipping_date", "refund_policy_disclosure",
    "refund_refusal_explanation", "cancellation_policy_disclosure", "cancellation_rebuttal",
    "duplicate_charge_explanation", "duplicate_charge_id", "access_activity_log", "service_date",
    "uncategorized_text",
)
TEXT_FIELD_MAX = 20_000
TEXT_TOTAL_MAX = 150_000
MAX_BYTES = 4_500_000  # Stripe: all files of a dispute together
MAX_PAGES = 19  # Mastercard, on the compiled evidence
CHARS_PER_TEXT_PAGE = 3_000
UPLOAD_PDF_MAX_BYTES = 2_500_000
UPLOAD_PDFS_MAX_BYTES = 3_000_000
UPLOAD_PDFS_MAX_PAGES = 8
UPLOAD_IMAGE_MAX_BYTES = 10 * 1024 * 1024
UPLOAD_IMAGES_MAX = 6
MESSAGE_MAX_CHARS = 1_500
ORDER_LINES_SHOWN = 40
TRACKING_EVENTS_SHOWN = 30
FINISHED_STATES = frozenset({SubmissionState.SUBMITTING, SubmissionState.SUBMITTED, SubmissionState.ACCEPTED})
KIND_ORDER = [kind for kind in DocumentKind if kind != DocumentKind.PACKET]


class EvidenceRejected(UploadRejected):
    """Evidence we refuse (a text edit, an upload, an edit after submission): ``code`` + translated ``message``."""


def lazy_format(message, **params):
    return lazy(lambda: str(message) % params, str)()


@dataclass(frozen=True)
class Requirement:
    key: str
    label: str
    present: bool
    required: bool
    how_to_get: str


@dataclass(frozen=True)
class Packet:
    dispute_id: int
    text: dict[str, str]
    documents: tuple[DisputeDocument, ...]
    requirements: tuple[Requirement, ...]
    score: int

    @property
    def missing(self) -> tuple[Requirement, ...]:
        return tuple(r for r in self.requirements if not r.present)

    @property
    def complete(self) -> bool:
        return all(r.present for r in self.requirements if r.required)
