"""Building the packet: rendering the documents within the limits, storing them once, the packet PDF."""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext

from .. import pdf
from ..choices import DocumentKind, DocumentSource, SubmissionState
from ..models import Dispute, DisputeDocument
from .assemble import (
    Facts,
    assembled_text,
    conversation_section,
    day,
    effective_text,
    facts_of,
    money,
    policy_section,
    receipt_section,
    shipping_section,
    with_uploads,
)
from .contract import CHARS_PER_TEXT_PAGE, KIND_ORDER, MAX_BYTES, MAX_PAGES, TEXT_FIELDS, Packet
from .requirements import requirements_for, score_of

logger = logging.getLogger(__name__)
SENT_STATES = frozenset({SubmissionState.SUBMITTED, SubmissionState.ACCEPTED})


def _render_cached(sections: list[pdf.Section], title: str, quality: pdf.ImageQuality) -> pdf.Rendered:
    """Rendering is deterministic: the result is cached under the content's fingerprint (a page view rebuilds the
    packet without rendering anything that did not change)."""
    digest = hashlib.sha256(repr((title, quality, [s.fingerprint() for s in sections])).encode()).hexdigest()
    key = f"disputes:pdf:{digest}"
    found = cache.get(key)
    if found is not None:
        return found
    rendered = pdf.render(sections, title=title, quality=quality)
    if len(rendered.content) < 1_000_000:
        cache.set(key, rendered, 24 * 3600)
    return rendered


def fit_conversation(facts: Facts, budget: int, quality) -> tuple[pdf.Section | None, pdf.Rendered | None]:
    """The conversation within ``budget`` pages: all of it, or as many messages as fit (binary search)."""
    total = len(facts.messages)
    if not total:
        return None, None
    title = str(DocumentKind.CUSTOMER_COMMUNICATION.label)
    section = conversation_section(facts, total)
    rendered = _render_cached([section], title, quality)
    if rendered.pages <= budget:
        return section, rendered
    low, high, best = 0, total - 1, None
    while low <= high:
        keep = (low + high) // 2
        candidate = conversation_section(facts, keep)
        result = _render_cached([candidate], title, quality)
        if result.pages <= budget:
            best, low = (candidate, result), keep + 1
        else:
            high = keep - 1
    return best or (conversation_section(facts, 0), _render_cached([conversation_section(facts, 0)], title, quality))


def text_pages(text: dict[str, str]) -> int:
    return max(1, math.ceil(sum(len(value) for value in text.values()) / CHARS_PER_TEXT_PAGE))


@dataclass
class _Built:
    packet: Packet
    sections: dict[str, pdf.Section]
    slot_pdfs: list[DisputeDocument]
    quality: pdf.ImageQuality


def store_file(content: bytes, extension: str = "pdf") -> tuple[str, str]:
    sha = hashlib.sha256(content).hexdigest()
    name = f"disputes/documents/{sha[:2]}/{sha}.{extension}"
    if not default_storage.exists(name):
        saved = default_storage.save(name, ContentFile(content))
        if saved != name:
            default_storage.delete(saved)
    return name, sha


def _upsert_generated(dispute: Dispute, existing: dict, kind: str, title: str, rendered: pdf.Rendered):
    name, sha = store_file(rendered.content)
    row = existing.get((kind, sha))
    if row is None:
        row = DisputeDocument.objects.create(
            dispute=dispute, kind=kind, source=DocumentSource.GENERATED, title=title[:200], storage_name=name,
            content_type="application/pdf", size_bytes=len(rendered.content), pages=rendered.pages, sha256=sha)
    return row


def _drop(rows):
    for row in rows:
        name = row.storage_name
        row.delete()
        if not DisputeDocument.objects.filter(storage_name=name).exists():
            default_storage.delete(name)


def _build(dispute_id: int) -> _Built:
    dispute = Dispute.objects.select_for_update().get(pk=dispute_id)
    facts = facts_of(dispute)
    with translation.override("en"):
        text = effective_text(dispute, assembled_text(facts))
        images = [d for d in facts.uploads if d.content_type.startswith("image/")]
        slot_pdfs = {}
        for upload in facts.uploads:
            if upload.content_type == "application/pdf":
                slot_pdfs[upload.kind] = upload  # the newest wins
        fixed = {DocumentKind.RECEIPT: receipt_section(facts),
                 DocumentKind.SHIPPING_DOCUMENTATION: shipping_section(facts),
                 DocumentKind.REFUND_POLICY: policy_section(facts)}
        for kind in KIND_ORDER:
            if kind != DocumentKind.CUSTOMER_COMMUNICATION:
                fixed[kind] = with_uploads(fixed.get(kind), kind, [i for i in images if i.kind == kind])
        # The cover page of the packet PDF, the text, the uploaded PDFs and the other documents come first; the
        # conversation gets what is left of the 19 pages.
        budget_base = MAX_PAGES - 1 - text_pages(text) - sum(d.pages for d in slot_pdfs.values())
        comm_images = [i for i in images if i.kind == DocumentKind.CUSTOMER_COMMUNICATION]
        comm_title = str(DocumentKind.CUSTOMER_COMMUNICATION.label)
        for quality in pdf.IMAGE_LEVELS:
            sections = {kind: section for kind, section in fixed.items() if section is not None}
            rendered = {kind: _render_cached([section], str(DocumentKind(kind).label), quality)
                        for kind, section in sections.items()}
            budget = max(1, budget_base - sum(r.pages for r in rendered.values()) - math.ceil(len(comm_images) / 2))
            section, result = fit_conversation(facts, budget, quality)
            section = with_uploads(section, DocumentKind.CUSTOMER_COMMUNICATION, comm_images)
            if section is not None:
                sections[DocumentKind.CUSTOMER_COMMUNICATION] = section
                rendered[DocumentKind.CUSTOMER_COMMUNICATION] = (
                    _render_cached([section], comm_title, quality) if comm_images else result)
            size = sum(len(r.content) for kind, r in rendered.items() if kind not in slot_pdfs)
            if size + sum(d.size_bytes for d in slot_pdfs.values()) <= MAX_BYTES:
                break
    existing = {(d.kind, d.sha256): d for d in dispute.documents.filter(source=DocumentSource.GENERATED)
                .order_by("id")}
    if dispute.submission_state in SENT_STATES:
        # What was sent stays what the desk shows: no document is replaced after the submission.
        current = {kind: d for (kind, _sha), d in existing.items() if kind != DocumentKind.PACKET}
    else:
        current = {kind: _upsert_generated(dispute, existing, kind, sections[kind].title, rendered[kind])
                   for kind in KIND_ORDER if kind in rendered}
        _drop([d for d in existing.values() if d.kind != DocumentKind.PACKET and current.get(d.kind) != d])
    documents = tuple(slot_pdfs.get(kind) or current[kind] for kind in KIND_ORDER
                      if kind in slot_pdfs or kind in current)
    requirements = requirements_for(facts, text, {d.kind for d in facts.uploads})
    packet = Packet(dispute_id=dispute.pk, text=text, documents=documents, requirements=requirements,
                    score=score_of(requirements))
    return _Built(packet, sections, list(slot_pdfs.values()), quality)


@transaction.atomic
def packet_build(*, dispute_id: int) -> Packet:
    """Assemble the packet and (re)generate its documents; no provider call; the same content writes nothing."""
    return _build(dispute_id).packet


def _cover(dispute: Dispute, packet: Packet, toc: list[tuple[str, int]]) -> pdf.Section:
    section = pdf.Section(gettext("Dispute evidence: %(provider)s %(id)s") % {
        "provider": dispute.get_provider_display(), "id": dispute.provider_id})
    section.kv([(gettext("Store"), settings.STORE_NAME),
                (gettext("Order"), dispute.order.number if dispute.order else ""),
                (gettext("Amount disputed"), money(dispute.amount_minor, dispute.currency)),
                (gettext("Reason"), f"{dispute.get_reason_display()} {dispute.network_reason_code}".strip()),
                (gettext("Opened"), day(dispute.opened_at)), (gettext("Respond by"), day(dispute.respond_by)),
                (gettext("Completeness"), f"{packet.score} / 100")])
    section.h(gettext("Contents"))
    section.table([gettext("Section"), gettext("Page")], toc)
    return section


def _written(packet: Packet) -> pdf.Section:
    section = pdf.Section(gettext("Written evidence"))
    for key in TEXT_FIELDS:
        if packet.text.get(key):
            section.h(key.replace("_", " ").capitalize())
            section.p(packet.text[key])
    return section


def _upload_title(upload: DisputeDocument) -> str:
    return upload.title or str(DocumentKind(upload.kind).label)


@transaction.atomic
def packet_pdf(*, dispute_id: int) -> DisputeDocument:
    """One PDF of everything (cover with summary and contents, written evidence, every document), stored as the
    dispute's PACKET document; for a manual upload where the store has no API credentials."""
    built = _build(dispute_id)
    dispute = Dispute.objects.select_related("order").get(pk=dispute_id)
    with translation.override("en"):
        attached, placeholders = [], []  # uploaded PDFs merged page for page; a page naming any pypdf cannot read
        for upload in built.slot_pdfs:
            with default_storage.open(upload.storage_name, "rb") as handle:
                content = handle.read()
            if pdf.mergeable(content):
                attached.append((upload, content))
                continue
            logger.warning("uploaded PDF %s of dispute %s not merged into the packet", upload.pk, dispute_id)
            section = pdf.Section(_upload_title(upload))
            section.p(gettext("This document (%(kind)s, %(pages)s pages, SHA-256 %(sha)s) is sent to the provider as "
                              "its own file.") % {"kind": DocumentKind(upload.kind).label, "pages": upload.pages,
                                                  "sha": upload.sha256[:16]})
            placeholders.append(section)
        body = [_written(built.packet)] + [built.sections[k] for k in KIND_ORDER if k in built.sections] + placeholders
        for quality in pdf.IMAGE_LEVELS[pdf.IMAGE_LEVELS.index(built.quality):]:
            toc, page = [], 2
            for section in body:
                toc.append((section.title, page))
                page += _render_cached([section], section.title, quality).pages
            for upload, _content in attached:
                toc.append((_upload_title(upload), page))
                page += upload.pages
            rendered = _render_cached([_cover(dispute, built.packet, toc), *body], "packet", quality)
            if attached:
                rendered = pdf.merge(rendered.content, [content for _upload, content in attached], title="packet")
            if len(rendered.content) <= MAX_BYTES:
                break
    name, sha = store_file(rendered.content)
    stale = list(dispute.documents.filter(kind=DocumentKind.PACKET).exclude(sha256=sha))
    row = dispute.documents.filter(kind=DocumentKind.PACKET, sha256=sha).first() or DisputeDocument.objects.create(
        dispute=dispute, kind=DocumentKind.PACKET, source=DocumentSource.GENERATED,
        title=f"evidence-{dispute.provider_id}.pdf"[:200], storage_name=name, content_type="application/pdf",
        size_bytes=len(rendered.content), pages=rendered.pages, sha256=sha)
    _drop(stale)
    return row
