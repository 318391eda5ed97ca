"""Reads of the policies app: what a customer is shown, and what changed between two versions."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from aftersales.choices import LegalProfile
from aftersales.models import Market
from aftersales.money import format_money

from .choices import PolicyStatus, ShippingPayer
from .models import FaqEntry, PolicyVersion


@dataclass(frozen=True)
class Clause:
    key: str
    label: str
    text: str


def public_market(code: str) -> Market | None:
    return Market.objects.filter(code__iexact=code).first()


def versions_for_page(market: Market) -> dict:
    """In force, scheduled (if any) and the history, newest first; drafts are never public."""
    versions = list(PolicyVersion.objects.filter(market=market).exclude(status=PolicyStatus.DRAFT)
                    .order_by("-number"))
    return {
        "current": next((v for v in versions if v.status == PolicyStatus.IN_FORCE), None),
        "upcoming": next((v for v in versions if v.status == PolicyStatus.SCHEDULED), None),
        "history": [v for v in versions if v.status != PolicyStatus.SCHEDULED],
    }


def faq_for(market: Market, topic: str | None = None) -> list[FaqEntry]:
    entries = FaqEntry.objects.filter(market=market)
    return list(entries.filter(topic=topic) if topic else entries)


def clauses(version: PolicyVersion, language: str) -> list[Clause]:
    """The clauses as plain sentences in the active language (what customers read and compare)."""
    currency = version.market.currency

    def money(minor):
        return format_money(minor, currency, language)

    shipping = {
        ShippingPayer.STORE: _("We pay for return shipping."),
        ShippingPayer.CUSTOMER: _("You send the item back at your own cost."),
        ShippingPayer.DEDUCTED: _("Return shipping of %(fee)s is deducted from your refund.")
        % {"fee": money(version.return_shipping_fee_minor)},
    }[version.return_shipping_payer]
    conditions = [text for flag, text in [
        (version.requires_unused, _("unused")), (version.requires_original_packaging, _("in its original packaging")),
        (version.requires_tags, _("with its tags attached"))] if flag]
    items = [
        Clause("window_days", _("Return window"),
               _("%(days)s days from delivery.") % {"days": version.window_days}),
        Clause("conditions", _("Condition"),
               _("The item must be %(conditions)s.") % {"conditions": ", ".join(str(c) for c in conditions)}
               if conditions else _("No condition requirements.")),
        Clause("return_shipping_payer", _("Return shipping"), shipping),
        Clause("faulty", _("Faulty or wrong items"),
               _("Always returned free of charge, and refunded in full.")),
        Clause("restocking_fee_percent", _("Restocking fee"),
               _("%(percent)s%% of the item price on change-of-mind returns.")
               % {"percent": version.restocking_fee_percent}
               if version.restocking_fee_percent else _("None.")),
        Clause("refund_days", _("Refund"),
               _("Within %(days)s %(kind)s of receiving your return.")
               % {"days": version.refund_days, "kind": version.get_refund_day_kind_display()}),
        Clause("returnless_threshold_minor", _("Keep the item"),
               _("Items up to %(amount)s may be refunded without sending them back.")
               % {"amount": money(version.returnless_threshold_minor)}
               if version.returnless_threshold_minor else _("Items are returned before they are refunded.")),
        Clause("not_received", _("Not received"),
               _("If tracking shows delivery but you have nothing, we offer %(percent)s%% back or a coupon, and "
                 "investigate with the carrier.") % {"percent": version.not_received_percent}),
    ]
    if version.final_sale_excluded or version.excluded_categories:
        items.append(Clause("final_sale", _("Final sale"), _("Final-sale items cannot be returned for a change of "
                                                              "mind.")))
    return items


def diff(old: PolicyVersion, new: PolicyVersion, language: str) -> list[tuple[str, str, str]]:
    """(clause, before, after) for every clause whose text differs: the readable diff of the change banner."""
    before = {c.key: c for c in clauses(old, language)}
    changes = []
    for clause in clauses(new, language):
        previous = before.get(clause.key)
        if previous is None or previous.text != clause.text:
            changes.append((clause.label, previous.text if previous else "—", clause.text))
    return changes


def has_statutory_withdrawal(market: Market) -> bool:
    return market.legal_profile in (LegalProfile.EU, LegalProfile.UK)


def placed_under(order) -> PolicyVersion | None:
    """The version an order was placed under: the one stamped on it, else the one in force at checkout."""
    if order.policy_version_id:
        found = PolicyVersion.objects.filter(pk=order.policy_version_id).first()
        if found is not None:
            return found
    return (PolicyVersion.objects.filter(market_id=order.market_id, effective_at__lte=order.placed_at)
            .exclude(status__in=[PolicyStatus.DRAFT, PolicyStatus.SCHEDULED]).order_by("-effective_at").first())


def applicable_clauses(order):
    """The clauses an order is judged by: those it was placed under, each replaced by the clause in force now
    where that one is better for the customer (no silent retroactive change for the worse)."""
    from .eligibility import best_for_customer, clauses_of

    original = placed_under(order)
    current = PolicyVersion.objects.filter(market_id=order.market_id, status=PolicyStatus.IN_FORCE).first()
    if original is None and current is None:
        return None
    if original is None or current is None or original.pk == current.pk:
        return clauses_of(original or current)
    return best_for_customer(clauses_of(original), clauses_of(current))
