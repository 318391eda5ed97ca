"""What the desk knows about a dispute, as evidence text and as the sections of the generated PDFs."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from aftersales.choices import RefundStatus
from aftersales.models import Order, Refund, Shipment, TrackingEvent
from aftersales.money import format_money

from .. import pdf
from ..choices import DocumentKind, DocumentSource
from ..models import Dispute, DisputeDocument
from .contract import MESSAGE_MAX_CHARS, ORDER_LINES_SHOWN, TEXT_FIELDS, TRACKING_EVENTS_SHOWN


@dataclass
class Facts:
    dispute: Dispute
    order: Order | None
    shipments: list[Shipment]
    refunds: list[Refund]
    policy: object | None  # policies.PolicyVersion
    clauses: list
    messages: list  # tickets.api.ConversationMessage
    uploads: list[DisputeDocument]


def facts_of(dispute: Dispute) -> Facts:
    from django.db.models import Prefetch

    from policies import api as policies_api
    from tickets import api as tickets_api

    order = None
    if dispute.order_id:
        order = (Order.objects.select_related("market", "customer")
                 .prefetch_related("lines__product", "payments").get(pk=dispute.order_id))
    shipments, refunds, policy, clauses, messages = [], [], None, [], []
    if order is not None:
        shipments = list(order.shipments.order_by("shipped_at", "id").prefetch_related(
            Prefetch("events", queryset=TrackingEvent.objects.order_by("occurred_at", "id"))))
        refunds = list(Refund.objects.filter(order=order).exclude(status=RefundStatus.FAILED).order_by("created_at"))
        policy = policies_api.placed_under(order)
        if policy is not None:
            with translation.override("en"):
                clauses = [(str(c.label), str(c.text)) for c in policies_api.clauses(policy, "en")]
        messages = tickets_api.conversation_for_order(order_id=order.pk, customer_id=order.customer_id)
    uploads = list(dispute.documents.filter(source=DocumentSource.UPLOADED).order_by("created_at", "id"))
    return Facts(dispute, order, shipments, refunds, policy, clauses, messages, uploads)


def day(value: datetime | None) -> str:
    return timezone.localtime(value, UTC).date().isoformat() if value else ""


def money(minor: int, currency: str) -> str:
    return format_money(minor, currency, "en")


def assembled_text(facts: Facts) -> dict[str, str]:
    order = facts.order
    if order is None:
        return {}
    lines = []
    for line in order.lines.all():
        description = (line.product.description if line.product else "").strip()
        lines.append(f"{line.quantity} x {line.title}{f' ({line.variant})' if line.variant else ''}, SKU {line.sku}"
                     + (f": {description[:300]}" if description else ""))
    address = "\n".join(part for part in (order.ship_name, order.ship_address,
                                          f"{order.ship_postcode} {order.ship_city}".strip(), order.ship_country)
                        if part)
    shipped = [s for s in facts.shipments if s.tracking_number or s.carrier]
    text = {
        "product_description": "\n".join(lines),
        "customer_name": order.ship_name or order.customer.name,
        "customer_email_address": order.email or order.customer.email,
        "shipping_address": address,
        "shipping_carrier": ", ".join(dict.fromkeys(s.carrier for s in shipped if s.carrier)),
        "shipping_tracking_number": ", ".join(s.tracking_number for s in shipped if s.tracking_number),
        "shipping_date": min((day(s.shipped_at) for s in facts.shipments if s.shipped_at), default=""),
        "refund_policy_disclosure": disclosure(facts),
        "uncategorized_text": _summary(facts),
    }
    return {key: value for key, value in text.items() if value}


def policy_url(order: Order) -> str:
    with translation.override("en"):
        path = reverse("policies:returns", kwargs={"market_code": order.market.code.lower()})
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def disclosure(facts: Facts) -> str:
    policy, order = facts.policy, facts.order
    if policy is None or order is None:
        return ""
    text = gettext("The order was placed on %(placed)s under version %(number)s of our return policy for %(market)s "
                   "(\"%(title)s\", in force since %(since)s). The store records the policy version in force on every "
                   "order at checkout; the policy is published at %(url)s and attached as the refund policy "
                   "document.") % {
        "placed": day(order.placed_at), "number": policy.number, "market": order.market.name,
        "title": policy.title, "since": day(policy.effective_at) or day(policy.published_at),
        "url": policy_url(order)}
    charges_fees = policy.restocking_fee_percent or policy.return_shipping_payer != "store"
    if charges_fees and policy.fees_disclosed_before_purchase:
        text += " " + gettext("Return fees were disclosed before purchase.")
    return text


def _summary(facts: Facts) -> str:
    order = facts.order
    parts = [gettext("Order %(number)s was placed on %(placed)s for %(total)s by %(name)s (%(email)s).") % {
        "number": order.number, "placed": day(order.placed_at), "total": money(order.total_minor, order.currency),
        "name": order.ship_name or order.customer.name or "-", "email": order.email or order.customer.email or "-"}]
    for payment in order.payments.all():
        parts.append(gettext("Paid %(amount)s with %(provider)s (reference %(ref)s) on %(day)s.") % {
            "amount": money(payment.captured_minor, payment.currency), "provider": payment.get_provider_display(),
            "ref": payment.provider_payment_id or "-", "day": day(payment.captured_at)})
    for shipment in facts.shipments:
        sentence = gettext("Shipped on %(day)s with %(carrier)s, tracking number %(tracking)s.") % {
            "day": day(shipment.shipped_at) or "-", "carrier": shipment.carrier or "-",
            "tracking": shipment.tracking_number or "-"}
        if shipment.delivered_at:
            sentence += " " + gettext("Delivered on %(day)s.") % {"day": day(shipment.delivered_at)}
        if shipment.pod_signer:
            sentence += " " + gettext("Signed for by %(signer)s.") % {"signer": shipment.pod_signer}
        if shipment.pod_latitude is not None and shipment.pod_longitude is not None:
            sentence += " " + gettext("Delivery scan at GPS %(lat)s, %(lon)s.") % {
                "lat": shipment.pod_latitude, "lon": shipment.pod_longitude}
        parts.append(sentence)
    inbound = [m for m in facts.messages if m.direction == "inbound"]
    if facts.messages:
        parts.append(gettext("We exchanged %(count)s messages with the customer (%(inbound)s from them), the last on "
                             "%(day)s; the conversation is attached.") % {
            "count": len(facts.messages), "inbound": len(inbound), "day": day(facts.messages[-1].at)})
    for refund in facts.refunds:
        parts.append(gettext("Refund of %(amount)s (%(cause)s, %(status)s) on %(day)s%(ref)s.") % {
            "amount": money(refund.amount_minor, refund.currency), "cause": refund.get_cause_display(),
            "status": refund.get_status_display(), "day": day(refund.succeeded_at or refund.created_at),
            "ref": f", {refund.provider_refund_id}" if refund.provider_refund_id else ""})
    return "\n".join(parts)


def effective_text(dispute: Dispute, assembled: dict[str, str]) -> dict[str, str]:
    """The assembled text with the agent's edits on top (only known fields, only non-empty values)."""
    edits = {key: value for key, value in (dispute.evidence or {}).items()
             if key in TEXT_FIELDS and isinstance(value, str) and value.strip()}
    return {**assembled, **edits}


def receipt_section(facts: Facts) -> pdf.Section | None:
    order = facts.order
    if order is None:
        return None
    section = pdf.Section(gettext("Receipt: order %(number)s") % {"number": order.number})
    section.kv([(gettext("Order"), order.number), (gettext("Placed"), day(order.placed_at)),
                (gettext("Store"), f"{settings.STORE_NAME} ({order.market.name})"),
                (gettext("Customer"), order.ship_name or order.customer.name),
                (gettext("Email"), order.email or order.customer.email),
                (gettext("Ship to"), "\n".join(p for p in (order.ship_address, order.ship_postcode, order.ship_city,
                                                          order.ship_country) if p))])
    lines = list(order.lines.all())
    section.table([gettext("Qty"), gettext("Item"), gettext("SKU"), gettext("Unit price"), gettext("Total")],
                  [(line.quantity, line.title + (f" ({line.variant})" if line.variant else ""), line.sku,
                    money(line.unit_price_minor, order.currency), money(line.total_minor, order.currency))
                   for line in lines[:ORDER_LINES_SHOWN]])
    if len(lines) > ORDER_LINES_SHOWN:
        section.note(gettext("%(count)s more lines are not printed.") % {"count": len(lines) - ORDER_LINES_SHOWN})
    section.kv([(gettext("Subtotal"), money(order.subtotal_minor, order.currency)),
                (gettext("Shipping"), money(order.shipping_minor, order.currency)),
                (gettext("Tax"), money(order.tax_minor, order.currency)),
                (gettext("Discount"), money(order.discount_minor, order.currency) if order.discount_minor else ""),
                (gettext("Total"), money(order.total_minor, order.currency))])
    payments = list(order.payments.all())
    if payments:
        section.h(gettext("Payments"))
        section.table([gettext("Provider"), gettext("Reference"), gettext("Captured"), gettext("Date")],
                      [(p.get_provider_display(), p.provider_payment_id, money(p.captured_minor, p.currency),
                        day(p.captured_at)) for p in payments])
    section.h(gettext("Refunds already made"))
    if facts.refunds:
        section.table([gettext("Date"), gettext("Amount"), gettext("Cause"), gettext("Status"), gettext("Reference")],
                      [(day(r.succeeded_at or r.created_at), money(r.amount_minor, r.currency), r.get_cause_display(),
                        r.get_status_display(), r.provider_refund_id) for r in facts.refunds])
    else:
        section.p(gettext("None."))
    return section


def shipping_section(facts: Facts) -> pdf.Section | None:
    if not facts.shipments:
        return None
    section = pdf.Section(gettext("Shipping and proof of delivery"))
    for shipment in facts.shipments:
        section.h(f"{shipment.carrier} {shipment.tracking_number}".strip() or gettext("Shipment"))
        section.kv([(gettext("Service"), shipment.service), (gettext("Status"), shipment.get_status_display()),
                    (gettext("Shipped"), day(shipment.shipped_at)),
                    (gettext("Delivered"), day(shipment.delivered_at)),
                    (gettext("Tracking link"), shipment.tracking_url),
                    (gettext("Signed for by"), shipment.pod_signer),
                    (gettext("Delivery GPS"), f"{shipment.pod_latitude}, {shipment.pod_longitude}"
                     if shipment.pod_latitude is not None and shipment.pod_longitude is not None else ""),
                    (gettext("Carrier's delivery photo"), shipment.pod_photo_url)])
        events = list(shipment.events.all())
        if events:
            shown = events[-TRACKING_EVENTS_SHOWN:]
            if len(events) > len(shown):
                section.note(gettext("The %(count)s earliest tracking events are not printed.")
                             % {"count": len(events) - len(shown)})
            section.table([gettext("Time (UTC)"), gettext("Status"), gettext("Event"), gettext("Place")],
                          [(timezone.localtime(e.occurred_at, UTC).strftime("%Y-%m-%d %H:%M"),
                            e.get_status_display(), e.description, e.location) for e in shown])
    return section


def policy_section(facts: Facts) -> pdf.Section | None:
    policy = facts.policy
    if policy is None:
        return None
    section = pdf.Section(gettext("Refund policy: %(title)s (version %(number)s)") % {
        "title": policy.title, "number": policy.number})
    section.p(disclosure(facts))
    if policy.summary:
        section.p(policy.summary)
    section.kv(facts.clauses)
    if policy.conditions:
        section.h(gettext("Conditions"))
        section.p(policy.conditions[:6000])
    return section


def conversation_section(facts: Facts, keep: int) -> pdf.Section | None:
    messages = facts.messages
    if not messages:
        return None
    section = pdf.Section(gettext("Conversation with the customer (%(count)s messages, every channel)")
                          % {"count": len(messages)})
    head = math.ceil(keep / 3)
    shown = messages if keep >= len(messages) else [*messages[:head], None, *messages[len(messages) - (keep - head):]]
    for message in shown:
        if message is None:
            section.note(gettext("%(count)s messages are left out here to keep the evidence within the card "
                                 "networks' page limit; the store keeps the whole conversation.")
                         % {"count": len(messages) - keep})
            continue
        who = gettext("Customer") if message.direction == "inbound" else gettext("Store")
        section.h(f"{timezone.localtime(message.at, UTC):%Y-%m-%d %H:%M} UTC · {who} · "
                  f"{message.channel} · {message.ticket_number}")
        body = (message.text or "").strip()
        if len(body) > MESSAGE_MAX_CHARS:
            body = body[:MESSAGE_MAX_CHARS] + " […] " + gettext("(shortened)")
        section.p(body or "-")
        if message.attachments:
            section.note(gettext("Attachments: %(names)s") % {"names": ", ".join(message.attachments)})
    return section


def with_uploads(section: pdf.Section | None, kind: str, images: list[DisputeDocument]) -> pdf.Section | None:
    if not images:
        return section
    section = section or pdf.Section(str(DocumentKind(kind).label))
    section.h(gettext("Documents added by the store"))
    for image in images:
        section.image(image.storage_name, image.title)
    return section
