"""The agent's input: uploaded documents (checked from their content) and edits of the text evidence."""

from __future__ import annotations

import hashlib
import re
import zlib

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from aftersales.uploads import UploadRejected, clean_image, store_image

from .. import pdf
from ..choices import DocumentSource
from ..models import Dispute, DisputeDocument, DisputeEvent
from .assemble import assembled_text, facts_of
from .build import store_file
from .contract import (
    FINISHED_STATES,
    KIND_ORDER,
    TEXT_FIELD_MAX,
    TEXT_FIELDS,
    TEXT_TOTAL_MAX,
    UPLOAD_IMAGE_MAX_BYTES,
    UPLOAD_IMAGES_MAX,
    UPLOAD_PDF_MAX_BYTES,
    UPLOAD_PDFS_MAX_BYTES,
    UPLOAD_PDFS_MAX_PAGES,
    EvidenceRejected,
    lazy_format,
)

MSG_FINISHED = _("The evidence of this dispute has been sent or the dispute accepted: it can no longer change.")

MSG_CLOSED = _("This dispute is closed: its evidence can no longer change.")

MSG_KIND = _("Choose what the document shows (receipt, shipping documentation, …).")

MSG_NOT_PDF = _("This file is neither a photo (JPEG, PNG, WebP) nor a readable PDF.")

MSG_PDF_ENCRYPTED = _("This PDF is password-protected: the bank could not open it. Please upload it without a "
                      "password.")

MSG_PDF_TOO_BIG = _("This PDF is larger than %(megabytes)s MB: please upload a smaller one.")

MSG_PDF_LIMITS = _("With this PDF the uploaded PDFs would pass %(pages)s pages or %(megabytes)s MB in all, more than "
                   "the card networks accept: upload only the pages that matter.")

MSG_TOO_MANY_IMAGES = _("A dispute can hold at most %(count)s photos: the card networks limit the pages.")

MSG_UNKNOWN_FIELD = _("\"%(field)s\" is not a text field of the evidence.")

MSG_FIELD_TOO_LONG = _("%(field)s is longer than %(max)s characters.")

MSG_TOTAL_TOO_LONG = _("The text evidence would be longer than %(max)s characters in all.")


def is_editable(dispute: Dispute) -> bool:
    """Whether the agent may still change the evidence (not sent, not accepted, not closed)."""
    return dispute.submission_state not in FINISHED_STATES and not dispute.is_closed


def _editable(dispute: Dispute):
    if dispute.submission_state in FINISHED_STATES:
        raise EvidenceRejected("finished", MSG_FINISHED)
    if dispute.is_closed:
        raise EvidenceRejected("closed", MSG_CLOSED)


def _read_upload(upload, max_bytes: int) -> bytes:
    declared = getattr(upload, "size", None)
    too_big = EvidenceRejected("too_big", lazy_format(MSG_PDF_TOO_BIG, megabytes=f"{max_bytes / 1_000_000:g}"))
    if isinstance(declared, int) and declared > max_bytes:
        raise too_big
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_big
    return data


def pdf_check(data: bytes) -> int:
    """The page count of an uploaded PDF, or ``EvidenceRejected``: a PDF header, an end-of-file marker, a
    cross-reference table that ``startxref`` really points at, at least one page, and no encryption."""
    if not data.startswith(b"%PDF-1.") and not data.startswith(b"%PDF-2."):
        raise EvidenceRejected("not_pdf", MSG_NOT_PDF)
    tail = data[-2048:]
    found = re.search(rb"startxref\s+(\d+)\s+%%EOF", tail)
    if not found or int(found.group(1)) >= len(data):
        raise EvidenceRejected("not_pdf", MSG_NOT_PDF)
    offset = int(found.group(1))
    if not (data[offset:offset + 4] == b"xref" or re.match(rb"\d+\s+\d+\s+obj", data[offset:offset + 32])):
        raise EvidenceRejected("not_pdf", MSG_NOT_PDF)
    if re.search(rb"/Encrypt\s", data):
        raise EvidenceRejected("encrypted", MSG_PDF_ENCRYPTED)
    try:
        pages = pdf.count_pages(data)
    except zlib.error:
        pages = 0
    if pages < 1:
        raise EvidenceRejected("not_pdf", MSG_NOT_PDF)
    return pages


@transaction.atomic
def document_add(*, dispute_id: int, kind: str, upload, user) -> DisputeDocument:
    """Attach an agent's document: a photo (re-encoded) or a PDF (checked); the same content twice is stored once."""
    dispute = Dispute.objects.select_for_update().get(pk=dispute_id)
    _editable(dispute)
    if kind not in KIND_ORDER:
        raise EvidenceRejected("kind", MSG_KIND)
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    uploads = list(dispute.documents.filter(source=DocumentSource.UPLOADED))
    if head.startswith(b"%PDF-"):
        data = _read_upload(upload, UPLOAD_PDF_MAX_BYTES)
        pages = pdf_check(data)
        sha = hashlib.sha256(data).hexdigest()
        if (same := next((d for d in uploads if d.kind == kind and d.sha256 == sha), None)) is not None:
            return same
        others = {d.kind: d for d in uploads if d.content_type == "application/pdf" and d.kind != kind}
        if (sum(d.pages for d in others.values()) + pages > UPLOAD_PDFS_MAX_PAGES
                or sum(d.size_bytes for d in others.values()) + len(data) > UPLOAD_PDFS_MAX_BYTES):
            raise EvidenceRejected("limits", lazy_format(MSG_PDF_LIMITS, pages=UPLOAD_PDFS_MAX_PAGES,
                                                     megabytes=f"{UPLOAD_PDFS_MAX_BYTES / 1_000_000:g}"))
        name, _sha = store_file(data)
        content_type, size = "application/pdf", len(data)
        title = _safe_title(upload, "pdf")
    else:
        try:
            clean = clean_image(upload, max_bytes=UPLOAD_IMAGE_MAX_BYTES)
        except UploadRejected as refused:
            if refused.code == "not_an_image":
                raise EvidenceRejected("not_pdf", MSG_NOT_PDF) from refused
            raise
        sha, pages = clean.sha256, 1
        if (same := next((d for d in uploads if d.kind == kind and d.sha256 == sha), None)) is not None:
            return same
        if sum(1 for d in uploads if d.content_type.startswith("image/")) >= UPLOAD_IMAGES_MAX:
            raise EvidenceRejected("too_many", lazy_format(MSG_TOO_MANY_IMAGES, count=UPLOAD_IMAGES_MAX))
        name = store_image(clean, folder="disputes/uploads")
        content_type, size, title = clean.content_type, len(clean.content), clean.original_name
    document = DisputeDocument.objects.create(
        dispute=dispute, kind=kind, source=DocumentSource.UPLOADED, title=title, storage_name=name,
        content_type=content_type, size_bytes=size, pages=pages, sha256=sha, uploaded_by=user)
    DisputeEvent.objects.create(dispute=dispute, type="evidence.document_added", occurred_at=timezone.now(),
                                from_status=dispute.status, to_status=dispute.status,
                                note=f"{_who(user)}: {kind} · {title}"[:500],
                                raw={"user_id": getattr(user, "pk", None), "document_id": document.pk, "kind": kind})
    return document


def _safe_title(upload, extension: str) -> str:
    from aftersales.uploads import _safe_name

    return _safe_name(getattr(upload, "name", None), extension).replace("photo.", "document.", 1)


def _who(user) -> str:
    return user.get_username() if user is not None and user.is_authenticated else "system"


@transaction.atomic
def evidence_update(*, dispute_id: int, fields: dict[str, str], user) -> None:
    """Save the agent's text evidence: known fields only, Stripe's lengths; a field equal to what the records say,
    or emptied, follows the records again. The timeline records who changed which fields."""
    dispute = Dispute.objects.select_for_update().get(pk=dispute_id)
    _editable(dispute)
    for key, value in fields.items():
        if key not in TEXT_FIELDS:
            raise EvidenceRejected("field", lazy_format(MSG_UNKNOWN_FIELD, field=key))
        if len(value or "") > TEXT_FIELD_MAX:
            raise EvidenceRejected("too_long", lazy_format(MSG_FIELD_TOO_LONG, field=key.replace("_", " ").capitalize(),
                                                       max=f"{TEXT_FIELD_MAX:,}"))
    with translation.override("en"):
        assembled = assembled_text(facts_of(dispute))
    edits = {key: value for key, value in (dispute.evidence or {}).items() if key in TEXT_FIELDS}
    for key, value in fields.items():
        value = (value or "").replace("\r\n", "\n").strip()
        if not value or value == assembled.get(key, ""):
            edits.pop(key, None)
        else:
            edits[key] = value
    if sum(len(v) for v in {**assembled, **edits}.values()) > TEXT_TOTAL_MAX:
        raise EvidenceRejected("too_long", lazy_format(MSG_TOTAL_TOO_LONG, max=f"{TEXT_TOTAL_MAX:,}"))
    before = {key: value for key, value in (dispute.evidence or {}).items() if key in TEXT_FIELDS}
    changed = sorted(key for key in set(before) | set(edits) if before.get(key) != edits.get(key))
    if not changed:
        return
    dispute.evidence = edits
    dispute.save(update_fields=["evidence", "updated_at"])
    DisputeEvent.objects.create(dispute=dispute, type="evidence.updated", occurred_at=timezone.now(),
                                from_status=dispute.status, to_status=dispute.status,
                                note=f"{_who(user)}: {', '.join(changed)}"[:500],
                                raw={"user_id": getattr(user, "pk", None), "fields": changed})
