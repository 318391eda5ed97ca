"""What each dispute reason needs (Stripe's category guidance for physical goods) and the score."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aftersales.choices import RefundStatus

from ..choices import DisputeReason, DocumentKind
from .assemble import Facts
from .contract import Requirement

REQUIREMENT_TEXTS = {
    "receipt": (_("Receipt of the order"),
                _("Link the dispute to its order (the payment must be on the desk), or upload the receipt as a "
                  "Receipt document.")),
    "product_description": (_("Description of what was sold"),
                            _("Fill in Product description (it comes from the order lines when the order is "
                              "linked).")),
    "customer_details": (_("Customer name and email address"),
                         _("Fill in Customer name and Customer email address as given at checkout.")),
    "shipping_address": (_("Shipping address"), _("Fill in the shipping address, or link the order that has it.")),
    "tracking_number": (_("Carrier and tracking number"),
                        _("Add the shipment to the order (store API or import), or type the carrier and tracking "
                          "number in the text evidence.")),
    "proof_of_delivery": (_("Proof of delivery"),
                          _("Ask the carrier for the proof of delivery (signature, photo or GPS scan) and upload it "
                            "as Shipping documentation.")),
    "customer_communication": (_("Conversation with the customer"),
                               _("Link the customer's ticket to the order on the ticket desk, or upload the emails "
                                 "or chats as Customer communication.")),
    "refund_policy": (_("Refund policy shown at checkout"),
                      _("Publish the market's return policy on the policy desk (or upload the policy the customer "
                        "saw) and say in Refund policy disclosure how it was shown before payment.")),
    "refunds": (_("Refunds made, or why none is owed"),
                _("Refund the order through the desk, or explain in Refund refusal explanation why no refund is "
                  "owed.")),
    "duplicate_explanation": (_("Why the charges are not duplicates"),
                              _("Explain in Duplicate charge explanation how the two charges differ and upload the "
                                "other receipt as Duplicate charge documentation.")),
    "cancellation_rebuttal": (_("Why the order was not cancelled"),
                              _("Explain in Cancellation rebuttal why the order was not cancelled.")),
}

REASON_REQUIREMENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    DisputeReason.FRAUDULENT: (("receipt", "customer_details", "shipping_address", "tracking_number",
                                "proof_of_delivery"), ("customer_communication", "product_description")),
    DisputeReason.PRODUCT_NOT_RECEIVED: (("receipt", "shipping_address", "tracking_number", "proof_of_delivery"),
                                         ("customer_communication", "product_description", "refund_policy")),
    DisputeReason.PRODUCT_UNACCEPTABLE: (("receipt", "product_description", "refund_policy",
                                          "customer_communication"), ("tracking_number", "refunds")),
    DisputeReason.CREDIT_NOT_PROCESSED: (("receipt", "refund_policy", "refunds", "customer_communication"),
                                         ("product_description", "tracking_number")),
    DisputeReason.DUPLICATE: (("receipt", "duplicate_explanation"), ("customer_communication", "refunds")),
    DisputeReason.SUBSCRIPTION_CANCELED: (("receipt", "refund_policy", "cancellation_rebuttal",
                                           "customer_communication"), ("product_description",)),
    DisputeReason.GENERAL: (("receipt", "product_description"),
                            ("customer_communication", "tracking_number", "proof_of_delivery", "refund_policy")),
}

REASON_REQUIREMENTS[DisputeReason.UNRECOGNIZED] = REASON_REQUIREMENTS[DisputeReason.FRAUDULENT]

REASON_REQUIREMENTS[DisputeReason.OTHER] = REASON_REQUIREMENTS[DisputeReason.GENERAL]

REQUIRED_WEIGHT, RECOMMENDED_WEIGHT = 3, 1


def score_of(requirements) -> int:
    total = sum(REQUIRED_WEIGHT if r.required else RECOMMENDED_WEIGHT for r in requirements)
    got = sum(REQUIRED_WEIGHT if r.required else RECOMMENDED_WEIGHT for r in requirements if r.present)
    return 100 * got // total if total else 0


def requirements_for(facts: Facts, text: dict[str, str], uploaded_kinds: set[str]) -> tuple[Requirement, ...]:
    def has(*fields):
        return all(text.get(f, "").strip() for f in fields)

    present = {
        "receipt": facts.order is not None or DocumentKind.RECEIPT in uploaded_kinds,
        "product_description": has("product_description"),
        "customer_details": has("customer_name", "customer_email_address"),
        "shipping_address": has("shipping_address"),
        "tracking_number": has("shipping_carrier", "shipping_tracking_number"),
        "proof_of_delivery": any(s.has_proof_of_delivery for s in facts.shipments)
        or DocumentKind.SHIPPING_DOCUMENTATION in uploaded_kinds,
        "customer_communication": bool(facts.messages) or DocumentKind.CUSTOMER_COMMUNICATION in uploaded_kinds,
        "refund_policy": (facts.policy is not None or DocumentKind.REFUND_POLICY in uploaded_kinds)
        and has("refund_policy_disclosure"),
        "refunds": any(r.status == RefundStatus.SUCCEEDED for r in facts.refunds) or has("refund_refusal_explanation"),
        "duplicate_explanation": has("duplicate_charge_explanation")
        or DocumentKind.DUPLICATE_CHARGE_DOCUMENTATION in uploaded_kinds,
        "cancellation_rebuttal": has("cancellation_rebuttal"),
    }
    required, recommended = REASON_REQUIREMENTS.get(facts.dispute.reason, REASON_REQUIREMENTS[DisputeReason.GENERAL])
    return tuple(Requirement(key=key, label=str(REQUIREMENT_TEXTS[key][0]), present=present[key], required=is_required,
                             how_to_get=str(REQUIREMENT_TEXTS[key][1]))
                 for keys, is_required in ((required, True), (recommended, False)) for key in keys)
