"""The evidence packet: assembled from a hand-built order, shipment, proof of delivery, conversation, policy and
refund into exactly the expected text fields and documents; completeness per reason with worked-out scores; the
agent's edits checked and recorded; uploads checked from content and stored once."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from aftersales.models import Refund, TrackingEvent
from disputes import evidence
from disputes.evidence import EvidenceRejected, document_add, evidence_update, packet_build
from disputes.models import Dispute, DisputeDocument, DisputeEvent
from policies.models import PolicyVersion
from policies.services import policy_version_create_draft, policy_version_publish
from tests import factories
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db

PLACED = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
_numbers = iter(range(1, 10_000))


def scenario(reason="product_not_received", *, pod=True, ticket=True, policy=True, refund=False, delivered=True):
    """One German order of a blue silk scarf, paid with Stripe, shipped with DHL, disputed."""
    n = next(_numbers)
    market = factories.market("DE")
    version = None
    if policy:
        version = PolicyVersion.objects.filter(market=market).first() or policy_version_publish(
            version=policy_version_create_draft(market=market, title="Returns", summary="Return within 30 days.",
                                                window_days=30, notice_days=14))
        PolicyVersion.objects.filter(pk=version.pk).update(effective_at=datetime(2026, 10, 1, tzinfo=UTC))
    customer = factories.customer(name="Anna Schmidt", email="anna@example.com", country="DE")
    order = factories.order(market_code="DE", unit_price_minor=4990, customer_obj=customer, number=f"#DE-{n}",
                            ship_name="Anna Schmidt", ship_address="Hauptstraße 1", ship_city="Berlin",
                            ship_postcode="10115", placed_at=PLACED, policy_version_id=version.pk if version else None)
    line = order.lines.get()
    line.title, line.variant, line.sku = "Silk scarf", "Blue", "SCARF-1"
    line.save()
    line.product.description = "100% silk scarf, 90 x 90 cm."
    line.product.save()
    payment = factories.payment(order, provider="stripe", provider_payment_id=f"ch_{n}")
    shipment = factories.shipment(
        order, carrier="DHL", tracking_number=f"JD{n:012d}", shipped_at=datetime(2026, 11, 3, 8, 0, tzinfo=UTC),
        status="delivered" if delivered else "in_transit",
        delivered_at=datetime(2026, 11, 9, 14, 30, tzinfo=UTC) if delivered else None,
        **({"pod_signer": "A. Schmidt", "pod_latitude": "52.520000", "pod_longitude": "13.405000"} if pod else {}))
    TrackingEvent.objects.create(shipment=shipment, external_id="e1",
                                 occurred_at=datetime(2026, 11, 3, 9, 0, tzinfo=UTC), status="in_transit",
                                 description="Picked up", location="Shenzhen")
    if delivered:
        TrackingEvent.objects.create(shipment=shipment, external_id="e2", occurred_at=shipment.delivered_at,
                                     status="delivered", description="Delivered", location="Berlin")
    if ticket:
        thread = Ticket.objects.create(customer=customer, order=order, channel="email", contact="anna@example.com",
                                       subject="Parcel")
        for direction, body, day in (("inbound", "Where is my parcel?", 10), ("note", "Internal: check DHL", 10),
                                     ("outbound", "It was delivered on 9 November.", 11)):
            message = Message.objects.create(ticket=thread, direction=direction, channel="email", body=body)
            Message.objects.filter(pk=message.pk).update(created_at=datetime(2026, 11, day, 12, 0, tzinfo=UTC))
    if refund:
        Refund.objects.create(payment=payment, order=order, amount_minor=1000, currency="EUR", cause="goodwill",
                              source="desk", status="succeeded", provider="stripe", provider_refund_id=f"re_{n}",
                              succeeded_at=datetime(2026, 11, 12, 9, 0, tzinfo=UTC))
    now = timezone.now()
    return Dispute.objects.create(
        provider="stripe", provider_id=f"dp_ev{n}", payment=payment, order=order, reason=reason,
        status="needs_response", amount_minor=4990, currency="EUR", opened_at=now - timedelta(days=1),
        respond_by=now + timedelta(days=10), internal_deadline=now + timedelta(days=6))


def photo(size=(800, 600), color=(200, 30, 30), fmt="JPEG", name="pod.jpg"):
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def test_the_packet_holds_exactly_the_expected_text_and_documents():
    dispute = scenario(refund=True)
    packet = packet_build(dispute_id=dispute.pk)
    order, version = dispute.order, PolicyVersion.objects.get(pk=dispute.order.policy_version_id)
    url = f"{settings.PUBLIC_BASE_URL.rstrip('/')}/en/policies/de/returns/"
    assert packet.text == {
        "product_description": "1 x Silk scarf (Blue), SKU SCARF-1: 100% silk scarf, 90 x 90 cm.",
        "customer_name": "Anna Schmidt",
        "customer_email_address": "anna@example.com",
        "shipping_address": "Anna Schmidt\nHauptstraße 1\n10115 Berlin\nDE",
        "shipping_carrier": "DHL",
        "shipping_tracking_number": dispute.order.shipments.get().tracking_number,
        "shipping_date": "2026-11-03",
        "refund_policy_disclosure": (
            f'The order was placed on 2026-11-02 under version {version.number} of our return policy for Germany '
            f'("Returns", in force since 2026-10-01). The store records the policy version in force on every order '
            f"at checkout; the policy is published at {url} and attached as the refund policy document. Return fees "
            "were disclosed before purchase."),
        "uncategorized_text": "\n".join([
            f"Order {order.number} was placed on 2026-11-02 for €49.90 by Anna Schmidt (anna@example.com).",
            f"Paid €49.90 with Stripe (reference {dispute.payment.provider_payment_id}) on 2026-11-02.",
            f"Shipped on 2026-11-03 with DHL, tracking number {order.shipments.get().tracking_number}. Delivered on "
            "2026-11-09. Signed for by A. Schmidt. Delivery scan at GPS 52.520000, 13.405000.",
            "We exchanged 2 messages with the customer (1 from them), the last on 2026-11-11; the conversation is "
            "attached.",
            f"Refund of €10.00 (Goodwill, Succeeded) on 2026-11-12, {Refund.objects.get().provider_refund_id}.",
        ]),
    }
    assert [(d.kind, d.source, d.content_type) for d in packet.documents] == [
        ("receipt", "generated", "application/pdf"), ("shipping_documentation", "generated", "application/pdf"),
        ("customer_communication", "generated", "application/pdf"), ("refund_policy", "generated", "application/pdf")]
    assert all(d.pages == 1 and d.size_bytes > 1000 and len(d.sha256) == 64 for d in packet.documents)
    assert (packet.score, packet.complete, packet.missing) == (100, True, ())


def test_a_rebuild_with_nothing_new_writes_nothing_and_a_change_replaces_the_stale_document():
    dispute = scenario()
    first = packet_build(dispute_id=dispute.pk)
    again = packet_build(dispute_id=dispute.pk)
    assert [d.pk for d in again.documents] == [d.pk for d in first.documents]
    assert DisputeDocument.objects.filter(dispute=dispute).count() == 4
    Message.objects.create(ticket=Ticket.objects.get(order=dispute.order), direction="inbound", channel="email",
                           body="Still nothing.")
    changed = packet_build(dispute_id=dispute.pk)
    kinds = {d.kind: d.pk for d in changed.documents}
    assert kinds["receipt"] == first.documents[0].pk
    assert kinds["customer_communication"] != first.documents[2].pk
    assert DisputeDocument.objects.filter(dispute=dispute).count() == 4


def test_the_conversation_spans_every_channel_and_leaves_out_notes_and_other_customers():
    from tickets.api import conversation_for_order

    dispute = scenario()
    customer = dispute.order.customer
    chat = Ticket.objects.create(customer=customer, channel="whatsapp", contact="+4915100000")  # about no order
    message = Message.objects.create(ticket=chat, direction="inbound", channel="whatsapp", body="Hallo?")
    Message.objects.filter(pk=message.pk).update(created_at=datetime(2026, 11, 12, 8, 0, tzinfo=UTC))
    stranger = Ticket.objects.create(customer=factories.customer(), channel="email", contact="x@example.com")
    Message.objects.create(ticket=stranger, direction="inbound", channel="email", body="Not about this order")

    messages = conversation_for_order(order_id=dispute.order_id, customer_id=customer.pk)
    assert [(m.channel, m.direction, m.text) for m in messages] == [
        ("email", "inbound", "Where is my parcel?"), ("email", "outbound", "It was delivered on 9 November."),
        ("whatsapp", "inbound", "Hallo?")]


# -- completeness: required weighs 3, recommended 1; score = 100 * present // total ----------------------------------

def keys(packet, *, present):
    return [(r.key, r.required) for r in packet.requirements if r.present is present]


def test_product_not_received_without_proof_of_delivery_conversation_or_policy():
    packet = packet_build(dispute_id=scenario(pod=False, ticket=False, policy=False).pk)
    # required: receipt, shipping address, tracking (9 of 12); recommended: product description (1 of 3) -> 10/15
    assert keys(packet, present=False) == [("proof_of_delivery", True), ("customer_communication", False),
                                           ("refund_policy", False)]
    assert (packet.score, packet.complete) == (66, False)
    assert packet.missing[0].how_to_get.startswith("Ask the carrier for the proof of delivery")


def test_product_not_received_with_everything_but_proof_of_delivery_then_a_photo_uploaded(agent_user):
    dispute = scenario(pod=False)
    assert packet_build(dispute_id=dispute.pk).score == 80  # 12/15
    document_add(dispute_id=dispute.pk, kind="shipping_documentation", upload=photo(), user=agent_user)
    packet = packet_build(dispute_id=dispute.pk)
    assert (packet.score, packet.complete) == (100, True)
    shipping = next(d for d in packet.documents if d.kind == "shipping_documentation")
    assert (shipping.source, shipping.content_type) == ("generated", "application/pdf")  # the photo is printed in it


def test_fraudulent_without_proof_of_delivery_or_conversation():
    packet = packet_build(dispute_id=scenario("fraudulent", pod=False, ticket=False).pk)
    # required: receipt, customer details, address, tracking (12 of 15); recommended: description (1 of 2) -> 13/17
    assert keys(packet, present=False) == [("proof_of_delivery", True), ("customer_communication", False)]
    assert (packet.score, packet.complete) == (76, False)


def test_product_unacceptable_without_conversation_or_refund():
    packet = packet_build(dispute_id=scenario("product_unacceptable", ticket=False).pk)
    # required: receipt, description, policy (9 of 12); recommended: tracking (1 of 2) -> 10/14
    assert keys(packet, present=False) == [("customer_communication", True), ("refunds", False)]
    assert packet.score == 71


def test_credit_not_processed_counts_a_refund_or_the_agents_explanation(agent_user):
    with_refund = packet_build(dispute_id=scenario("credit_not_processed", ticket=False, refund=True).pk)
    # required: receipt, policy, refunds (9 of 12); recommended: description, tracking (2 of 2) -> 11/14
    assert keys(with_refund, present=False) == [("customer_communication", True)]
    assert with_refund.score == 78
    dispute = scenario("credit_not_processed", ticket=False)
    assert packet_build(dispute_id=dispute.pk).score == 57  # 8/14
    evidence_update(dispute_id=dispute.pk, user=agent_user,
                    fields={"refund_refusal_explanation": "The customer kept the scarf and never returned it."})
    assert packet_build(dispute_id=dispute.pk).score == 78


def test_a_dispute_without_an_order_has_only_what_the_agent_gives():
    dispute = Dispute.objects.create(provider="stripe", provider_id="dp_lonely", reason="general",
                                     status="needs_response", amount_minor=100, currency="USD")
    packet = packet_build(dispute_id=dispute.pk)
    assert (packet.text, packet.documents, packet.score) == ({}, (), 0)


# -- the agent's text -------------------------------------------------------------------------------------------------

def test_edits_override_the_records_and_are_recorded_on_the_timeline(agent_user):
    dispute = scenario()
    evidence_update(dispute_id=dispute.pk, user=agent_user, fields={
        "shipping_carrier": "DHL Paket", "customer_name": "Anna Schmidt", "uncategorized_text": ""})
    dispute.refresh_from_db()
    assert dispute.evidence == {"shipping_carrier": "DHL Paket"}  # equal to the records or empty: not an override
    assert packet_build(dispute_id=dispute.pk).text["shipping_carrier"] == "DHL Paket"
    event = DisputeEvent.objects.get(dispute=dispute, type="evidence.updated")
    assert (event.note, event.raw) == ("agent: shipping_carrier", {"user_id": agent_user.pk,
                                                                   "fields": ["shipping_carrier"]})
    evidence_update(dispute_id=dispute.pk, user=agent_user, fields={"shipping_carrier": "DHL Paket"})
    assert DisputeEvent.objects.filter(dispute=dispute, type="evidence.updated").count() == 1  # nothing changed
    evidence_update(dispute_id=dispute.pk, user=agent_user, fields={"shipping_carrier": ""})
    dispute.refresh_from_db()
    assert dispute.evidence == {}
    assert packet_build(dispute_id=dispute.pk).text["shipping_carrier"] == "DHL"


@pytest.mark.parametrize(("fields", "code", "message"), [
    ({"favourite_colour": "blue"}, "field", '"favourite_colour" is not a text field of the evidence.'),
    ({"uncategorized_text": "x" * 20_001}, "too_long", "Uncategorized text is longer than 20,000 characters."),
    (dict.fromkeys(evidence.TEXT_FIELDS[:8], "x" * 19000), "too_long",
     "The text evidence would be longer than 150,000 characters in all."),
])
def test_bad_text_is_refused_and_nothing_is_written(agent_user, fields, code, message):
    dispute = scenario()
    with pytest.raises(EvidenceRejected) as refused:
        evidence_update(dispute_id=dispute.pk, user=agent_user, fields=fields)
    assert (refused.value.code, str(refused.value.message)) == (code, message)
    dispute.refresh_from_db()
    assert dispute.evidence == {}
    assert not DisputeEvent.objects.filter(dispute=dispute).exists()


def test_no_edit_or_upload_once_submitted(agent_user):
    dispute = scenario()
    Dispute.objects.filter(pk=dispute.pk).update(submission_state="submitted")
    with pytest.raises(EvidenceRejected) as refused:
        evidence_update(dispute_id=dispute.pk, user=agent_user, fields={"shipping_carrier": "UPS"})
    assert refused.value.code == "finished"
    with pytest.raises(EvidenceRejected):
        document_add(dispute_id=dispute.pk, kind="receipt", upload=photo(), user=agent_user)


# -- uploads ----------------------------------------------------------------------------------------------------------

def minimal_pdf(pages=1) -> bytes:
    from disputes.pdf import Section, render

    return render([Section(f"Page {i}") for i in range(pages)], title="carrier").content


def test_a_pdf_upload_is_checked_counted_and_stored_once(agent_user):
    dispute = scenario()
    content = minimal_pdf(2)
    first = document_add(dispute_id=dispute.pk, kind="shipping_documentation",
                         upload=SimpleUploadedFile("DHL POD.pdf", content), user=agent_user)
    again = document_add(dispute_id=dispute.pk, kind="shipping_documentation",
                         upload=SimpleUploadedFile("copy.pdf", content), user=agent_user)
    assert first.pk == again.pk
    assert (first.pages, first.content_type, first.size_bytes, first.title) == (2, "application/pdf", len(content),
                                                                                "DHL_POD.pdf")
    packet = packet_build(dispute_id=dispute.pk)
    assert next(d for d in packet.documents if d.kind == "shipping_documentation").pk == first.pk  # takes the slot
    assert DisputeEvent.objects.filter(dispute=dispute, type="evidence.document_added").count() == 1


@pytest.mark.parametrize(("name", "content", "code", "message"), [
    ("fake.pdf", b"%PDF-1.7\nthis is not really a pdf\n%%EOF", "not_pdf",
     "This file is neither a photo (JPEG, PNG, WebP) nor a readable PDF."),
    ("notes.txt", b"just some text", "not_pdf", "This file is neither a photo (JPEG, PNG, WebP) nor a readable PDF."),
    ("big.pdf", b"%PDF-1.7\n" + b"0" * 2_500_001, "too_big", "This PDF is larger than 2.5 MB: please upload a "
                                                            "smaller one."),
])
def test_bad_uploads_are_refused_with_a_message(agent_user, name, content, code, message):
    dispute = scenario()
    with pytest.raises(EvidenceRejected) as refused:
        document_add(dispute_id=dispute.pk, kind="receipt", upload=SimpleUploadedFile(name, content), user=agent_user)
    assert (refused.value.code, str(refused.value.message)) == (code, message)
    assert not DisputeDocument.objects.filter(dispute=dispute).exists()


def test_too_many_pdf_pages_and_too_many_photos_are_refused(agent_user):
    dispute = scenario()
    document_add(dispute_id=dispute.pk, kind="receipt", upload=SimpleUploadedFile("a.pdf", minimal_pdf(6)),
                 user=agent_user)
    with pytest.raises(EvidenceRejected) as refused:
        document_add(dispute_id=dispute.pk, kind="refund_policy", upload=SimpleUploadedFile("b.pdf", minimal_pdf(3)),
                     user=agent_user)
    assert refused.value.code == "limits"
    for i in range(evidence.UPLOAD_IMAGES_MAX):
        document_add(dispute_id=dispute.pk, kind="uncategorized_file", upload=photo(color=(i * 40, 0, 0)),
                     user=agent_user)
    with pytest.raises(EvidenceRejected) as refused:
        document_add(dispute_id=dispute.pk, kind="uncategorized_file", upload=photo(color=(0, 250, 0)),
                     user=agent_user)
    assert str(refused.value.message) == "A dispute can hold at most 6 photos: the card networks limit the pages."


def test_after_the_submission_the_documents_sent_stay_what_the_packet_holds():
    dispute = scenario()
    sent = packet_build(dispute_id=dispute.pk).documents
    Dispute.objects.filter(pk=dispute.pk).update(submission_state="submitted")
    Message.objects.create(ticket=Ticket.objects.get(order=dispute.order), direction="inbound", channel="email",
                           body="Any news?")
    assert [d.pk for d in packet_build(dispute_id=dispute.pk).documents] == [d.pk for d in sent]
    assert DisputeDocument.objects.filter(dispute=dispute).count() == 4
