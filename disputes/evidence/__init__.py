"""The evidence packet of a dispute: assembled from what the desk already knows, scored per reason, rendered to PDF.

Public contract (``disputes.submission`` sends what ``packet_build`` returns):
``packet_build`` (text + documents + requirements + score), ``packet_pdf`` (everything in one PDF, for a manual
upload), ``document_add`` (an agent's upload), ``evidence_update`` (the agent's edits of the text evidence).

What is assembled (DESIGN section 4, "disputes"):

* **Text** (Stripe's evidence text fields): product description from the order lines, customer name and email,
  shipping address, carrier(s), tracking number(s), first shipping date, the refund-policy disclosure (the policy
  version stamped on the order at checkout), and a factual summary in ``uncategorized_text`` (order, payment,
  delivery and proof of delivery, conversation, refunds already made). The agent's edits (``Dispute.evidence``)
  override the assembled values field by field; an emptied field follows the records again. Text is written in
  English (the issuing bank reads it); the desk itself stays in the agent's language.
* **Generated documents** (PDF, ``disputes.pdf``): *receipt* (lines, totals, payments, refunds already made),
  *shipping documentation* (shipments, tracking events, proof of delivery: signer, GPS, the carrier's photo link),
  *customer communication* (every message to and from the customer on every channel, never internal notes) and
  *refund policy* (the version in force at checkout, its clauses and how it was disclosed). The proof-of-delivery
  photo of a shipment is a link at the carrier: it is printed as a link, never fetched (no network call here).
* **Uploads**: photos (JPEG/PNG/WebP, re-encoded by ``aftersales.uploads.clean_image``) are printed inside the
  generated PDF of their kind (a kind with no records gets a PDF of its photos), so Stripe gets one file per field.
  An uploaded PDF takes the slot of its kind: it is sent instead of the generated PDF of that kind (the agent chose
  the carrier's own document over our summary); the generated one stays in the packet PDF.

Stripe's limits and how they are kept (4.5 MB for all files of a dispute; Mastercard: 19 pages, which Stripe now
checks on the compiled evidence, text included):

* **Pages**: the text evidence is estimated at 3,000 characters a page; the files get the rest of 19 pages. Receipt,
  shipping and policy are bounded (at most 40 order lines and 30 tracking events are printed, the rest counted); the
  conversation gets what is left (at least one page): if it is longer, the first third and the most recent messages
  of what fits are kept and a note says how many were left out and that the whole conversation is kept by the store.
  Each message is cut at 1,500 characters with a note. Uploaded PDFs: at most 8 pages in all.
* **Size**: photos are downscaled and re-encoded as JPEG for the PDF (1400 px / quality 70, then 1000/60, 700/50,
  450/40 until everything fits); uploaded PDFs: at most 2.5 MB each and 3 MB in all; at most 6 photos a dispute.
* ``packet_pdf`` puts a cover page (the dispute summary and a table of contents with page numbers), the written
  evidence and every document in one PDF under the same limits. An uploaded PDF cannot be merged without a PDF
  library (none is a dependency), so it appears there as a page naming the file; it is sent as its own file.

Scoring: ``REASON_REQUIREMENTS`` lists, per reason, the requirements Stripe's category guidance asks for (required)
and those that help (recommended). A required one weighs 3, a recommended one 1; the score is the weighted share
present, rounded down (``100 * present // total``). ``complete`` means every required one is present.

Modules: ``contract`` (the dataclasses and the limits), ``assemble`` (records → text and PDF sections),
``requirements`` (the reason table and the score), ``build`` (rendering within the limits, storing, the packet PDF),
``inputs`` (uploads and text edits). ADR 0007 records the decisions.

Idempotence: documents are content-addressed (SHA-256 of the bytes; reportlab renders ``invariant``), so a rebuild
with nothing new writes nothing; a changed document replaces the stale generated row of its kind.
"""

from .build import packet_build, packet_pdf
from .contract import (
    KIND_ORDER,
    MAX_BYTES,
    MAX_PAGES,
    TEXT_FIELD_MAX,
    TEXT_FIELDS,
    TEXT_TOTAL_MAX,
    UPLOAD_IMAGES_MAX,
    EvidenceRejected,
    Packet,
    Requirement,
)
from .inputs import document_add, evidence_update, is_editable, pdf_check
from .requirements import REASON_REQUIREMENTS, score_of

__all__ = ["KIND_ORDER", "MAX_BYTES", "MAX_PAGES", "REASON_REQUIREMENTS", "TEXT_FIELDS", "TEXT_FIELD_MAX",
           "TEXT_TOTAL_MAX", "UPLOAD_IMAGES_MAX", "EvidenceRejected", "Packet", "Requirement", "document_add",
           "evidence_update", "is_editable", "packet_build", "packet_pdf", "pdf_check", "score_of"]
