"""The packet as one PDF: cover with the dispute summary and a table of contents, then every document; within
Stripe's limits (4.5 MB, 19 pages) even for a huge conversation and large photos; Chinese text renders."""

import io
import os
import random

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from disputes import evidence, pdf
from disputes.evidence import build as evidence_build
from disputes.evidence import document_add, packet_build, packet_pdf
from disputes.evidence.assemble import facts_of
from disputes.models import DisputeDocument
from tests.disputes.test_evidence import scenario
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db


def stored(document) -> bytes:
    with default_storage.open(document.storage_name, "rb") as handle:
        return handle.read()


def noisy_photo(seed: int) -> SimpleUploadedFile:
    """A photo that compresses badly (random pixels), about 3 MB as a JPEG."""
    rng = random.Random(seed)  # noqa: S311 (test pixels)
    image = Image.frombytes("RGB", (2000, 1500), rng.randbytes(2000 * 1500 * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return SimpleUploadedFile(f"photo{seed}.jpg", out.getvalue())


def test_one_pdf_with_a_cover_a_table_of_contents_and_every_document():
    dispute = scenario()
    row = packet_pdf(dispute_id=dispute.pk)
    content = stored(row)
    assert (row.kind, row.source, row.content_type) == ("packet", "generated", "application/pdf")
    # cover, written evidence, receipt, shipping, conversation, policy: one page each
    assert row.pages == pdf.count_pages(content) == 6
    assert row.size_bytes == len(content)
    assert packet_pdf(dispute_id=dispute.pk).pk == row.pk  # nothing new: the same row
    assert DisputeDocument.objects.filter(dispute=dispute, kind="packet").count() == 1


def pages_text(content: bytes) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def test_an_uploaded_pdf_is_merged_page_for_page_where_the_contents_say(agent_user):
    from tests.disputes.test_evidence import minimal_pdf

    dispute = scenario()
    upload = document_add(dispute_id=dispute.pk, kind="shipping_documentation",
                          upload=SimpleUploadedFile("DHL POD.pdf", minimal_pdf(2)), user=agent_user)
    row = packet_pdf(dispute_id=dispute.pk)
    content = stored(row)
    # cover, written evidence, receipt, shipping, conversation, policy, then the upload's own two pages
    assert row.pages == pdf.count_pages(content) == 8
    text = pages_text(content)
    assert ("Page 0" in text[6], "Page 1" in text[7]) == (True, True)
    assert "DHL_POD.pdf 7" in " ".join(text[0].split())  # the contents name it at its first page
    assert not any("is sent to the provider as its own file" in page for page in text)
    assert packet_pdf(dispute_id=dispute.pk).pk == row.pk  # merged deterministically: the same bytes, the same row
    assert upload.pk in {d.pk for d in packet_build(dispute_id=dispute.pk).documents}  # still sent as its own file


def test_an_uploaded_pdf_that_cannot_be_merged_is_named_on_a_page_of_its_own(agent_user, caplog):
    from tests.disputes.test_evidence import minimal_pdf

    dispute = scenario()
    upload = document_add(dispute_id=dispute.pk, kind="receipt",
                          upload=SimpleUploadedFile("invoice.pdf", minimal_pdf(1)), user=agent_user)
    broken = b"%PDF-1.4\n" + b"\x00" * 200 + b"/Type /Page\n%%EOF"  # a page for the count, nothing for a parser
    name, sha = evidence_build.store_file(broken)
    DisputeDocument.objects.filter(pk=upload.pk).update(storage_name=name, sha256=sha, size_bytes=len(broken))
    row = packet_pdf(dispute_id=dispute.pk)
    text = pages_text(stored(row))
    assert row.pages == len(text) == 7
    assert "is sent to the provider as its own file" in " ".join(text[6].split())
    assert "not merged into the packet" in caplog.text


def test_a_huge_conversation_and_large_photos_stay_within_stripes_limits(agent_user):
    dispute = scenario("product_not_received")
    ticket = Ticket.objects.get(order=dispute.order)
    Message.objects.bulk_create([
        Message(ticket=ticket, direction="inbound" if i % 2 else "outbound", channel="email",
                body=f"Message {i}. " + "Where is my parcel? I have been waiting for weeks. " * 60)
        for i in range(400)])
    for seed in range(evidence.UPLOAD_IMAGES_MAX):
        document_add(dispute_id=dispute.pk, kind="shipping_documentation" if seed % 2 else "uncategorized_file",
                     upload=noisy_photo(seed), user=agent_user)
    packet = packet_build(dispute_id=dispute.pk)
    files = [stored(d) for d in packet.documents]
    assert sum(len(f) for f in files) <= evidence.MAX_BYTES
    text_pages = evidence_build.text_pages(packet.text)
    assert sum(pdf.count_pages(f) for f in files) + text_pages <= evidence.MAX_PAGES - 1
    conversation = next(d for d in packet.documents if d.kind == "customer_communication")
    assert b"messages are left out here" not in stored(conversation)  # compressed: check the page count instead
    assert conversation.pages >= 1

    row = packet_pdf(dispute_id=dispute.pk)
    content = stored(row)
    assert len(content) <= evidence.MAX_BYTES
    assert pdf.count_pages(content) == row.pages <= evidence.MAX_PAGES


def test_a_conversation_that_does_not_fit_keeps_the_start_and_the_latest_messages_with_a_note():
    dispute = scenario()
    ticket = Ticket.objects.get(order=dispute.order)
    Message.objects.bulk_create([Message(ticket=ticket, direction="inbound", channel="email", body=f"Number {i}. "
                                         + "Long text. " * 140) for i in range(120)])
    facts = facts_of(dispute)
    section, rendered = evidence_build.fit_conversation(facts, 3, pdf.IMAGE_LEVELS[0])
    assert rendered.pages <= 3
    texts = [block.text for block in section.blocks]
    kept = [t for t in texts if t.startswith("Number ")]
    note = next(t for t in texts if "messages are left out here" in t)
    assert texts[1] == "Where is my parcel?"  # the start of the conversation is kept
    assert kept[-1].startswith("Number 119.")  # and the most recent messages
    assert note.startswith(f"{122 - len(kept) - 2} messages are left out")


def test_chinese_text_renders_with_an_embedded_font_or_falls_back_to_the_cid_font(monkeypatch):
    section = pdf.Section("客户沟通")
    section.p("我的包裹在哪里？")
    content = pdf.render([section], title="zh").content
    if os.path.exists(pdf.WQY_PATH):  # installed by .ci/run (Debian fonts-wqy-zenhei): subset-embedded
        assert b"/BaseFont /AAAAAA+WenQuanYiZenHei" in content
        assert b"/FontFile2" in content
    monkeypatch.setattr(pdf, "WQY_PATH", "/nonexistent/font.ttc")
    monkeypatch.setattr(pdf, "_fonts", {})
    fallback = pdf.render([section], title="zh").content
    assert b"STSong-Light" in fallback
    assert pdf.count_pages(fallback) == 1


def test_the_same_content_renders_to_the_same_bytes():
    section = pdf.Section("Receipt")
    section.kv([("Order", "#1")])
    assert pdf.render([section], title="r").content == pdf.render([section], title="r").content
