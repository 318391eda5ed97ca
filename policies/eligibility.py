"""The eligibility engine: one pure function from a request to a decision (DESIGN section 4).

``decide(request)`` reads nothing from the database and writes nothing: every input is in
``EligibilityRequest`` (the policy version's clauses, the line, the dates, the customer's answers, the
reason and the market's legal profile), so it is tested exhaustively with hypothesis. Reasons are lazy
translations, rendered in whatever language is active where they are shown.

Floors it never goes below (DESIGN section 6):
* EU/UK: a change-of-mind return within 14 days of delivery is always possible (the statutory right of
  withdrawal), final-sale flags and item-condition clauses notwithstanding (a used item may have its value
  reduced, which an agent assesses); no restocking fee; refund within 14 calendar days of the request.
* Faulty goods or a wrong item: never a return-shipping or restocking charge, in any market; beyond the
  window they still go to review (legal guarantees), never to a flat refusal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from aftersales.choices import LegalProfile

from .choices import DayKind, Decision, NotReceivedOffer, RequestKind, ShippingPayer
from .legal import EU_UK, REFUND_DEADLINE_DAYS, WITHDRAWAL_DAYS


def _fmt(message, **params):
    """``message % params`` evaluated when shown, so the reason follows the language active then."""
    return lazy(lambda: str(message) % params, str)()


@dataclass(frozen=True)
class Clauses:
    """The clauses of a policy version the engine needs (``clauses_of(version)`` builds it)."""

    window_days: int
    requires_unused: bool
    requires_original_packaging: bool
    excluded_categories: tuple[str, ...]
    final_sale_excluded: bool
    return_shipping_payer: str
    return_shipping_fee_minor: int
    restocking_fee_percent: int
    fees_disclosed_before_purchase: bool
    refund_days: int
    refund_day_kind: str
    returnless_threshold_minor: int
    not_received_offer: str = "partial_refund"  # NotReceivedOffer
    not_received_percent: int = 0


@dataclass(frozen=True)
class Answers:
    unused: bool = True
    original_packaging: bool = True


@dataclass(frozen=True)
class EligibilityRequest:
    clauses: Clauses
    legal_profile: str
    line_total_minor: int
    category: str
    final_sale: bool
    delivered_on: date | None
    requested_on: date
    kind: str  # RequestKind
    answers: Answers = field(default_factory=Answers)
    return_cost_minor: int = 0  # what bringing it back would cost the store (postage + handling)


@dataclass(frozen=True)
class EligibilityDecision:
    outcome: str  # Decision
    reasons: tuple
    return_shipping_minor: int = 0
    restocking_fee_minor: int = 0
    refund_deadline: date | None = None
    statutory: bool = False  # decided by the law's floor rather than the store's policy

    @property
    def deductions_minor(self):
        return self.return_shipping_minor + self.restocking_fee_minor


def clauses_of(version) -> Clauses:
    return Clauses(
        window_days=version.window_days, requires_unused=version.requires_unused,
        requires_original_packaging=version.requires_original_packaging,
        excluded_categories=tuple(version.excluded_categories or ()), final_sale_excluded=version.final_sale_excluded,
        return_shipping_payer=version.return_shipping_payer,
        return_shipping_fee_minor=version.return_shipping_fee_minor,
        restocking_fee_percent=version.restocking_fee_percent,
        fees_disclosed_before_purchase=version.fees_disclosed_before_purchase,
        refund_days=version.refund_days, refund_day_kind=version.refund_day_kind,
        returnless_threshold_minor=version.returnless_threshold_minor,
        not_received_offer=version.not_received_offer, not_received_percent=version.not_received_percent,
    )


def best_for_customer(old: Clauses, new: Clauses) -> Clauses:
    """Clause by clause, whichever of two versions treats the customer better."""
    from .legal import refund_days_in_calendar_days

    shipping_rank = {ShippingPayer.STORE: 0, ShippingPayer.CUSTOMER: 1, ShippingPayer.DEDUCTED: 1}
    old_span = refund_days_in_calendar_days(old.refund_days, old.refund_day_kind)
    new_span = refund_days_in_calendar_days(new.refund_days, new.refund_day_kind)
    refund_from = new if new_span < old_span else old
    offer_rank = {NotReceivedOffer.PARTIAL_REFUND: 1, NotReceivedOffer.COUPON: 0}
    not_received_from = max(old, new, key=lambda c: (c.not_received_percent, offer_rank.get(c.not_received_offer, 0)))
    return Clauses(
        window_days=max(old.window_days, new.window_days),
        requires_unused=old.requires_unused and new.requires_unused,
        requires_original_packaging=old.requires_original_packaging and new.requires_original_packaging,
        excluded_categories=tuple(sorted(set(old.excluded_categories) & set(new.excluded_categories))),
        final_sale_excluded=old.final_sale_excluded and new.final_sale_excluded,
        return_shipping_payer=min(old.return_shipping_payer, new.return_shipping_payer,
                                  key=lambda payer: shipping_rank[payer]),
        return_shipping_fee_minor=min(old.return_shipping_fee_minor, new.return_shipping_fee_minor),
        restocking_fee_percent=min(old.restocking_fee_percent, new.restocking_fee_percent),
        fees_disclosed_before_purchase=old.fees_disclosed_before_purchase,  # what the customer saw when buying
        refund_days=refund_from.refund_days, refund_day_kind=refund_from.refund_day_kind,
        returnless_threshold_minor=max(old.returnless_threshold_minor, new.returnless_threshold_minor),
        # the larger offer; at the same percentage money back beats a coupon
        not_received_offer=not_received_from.not_received_offer,
        not_received_percent=not_received_from.not_received_percent,
    )


def add_days(start: date, days: int, kind: str) -> date:
    if kind == DayKind.CALENDAR:
        return start + timedelta(days=days)
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def refund_deadline(clauses: Clauses, legal_profile: str, requested_on: date) -> date:
    promised = add_days(requested_on, clauses.refund_days, clauses.refund_day_kind)
    if legal_profile in EU_UK:
        return min(promised, requested_on + timedelta(days=REFUND_DEADLINE_DAYS))
    return promised


def decide(request: EligibilityRequest) -> EligibilityDecision:
    clauses, profile = request.clauses, request.legal_profile
    deadline = refund_deadline(clauses, profile, request.requested_on)
    statutory_withdrawal = profile in EU_UK
    if request.kind in (RequestKind.FAULTY, RequestKind.WRONG_ITEM):
        return _faulty(request, deadline)

    # -- change of mind ---------------------------------------------------------------------------------
    if request.delivered_on is None:
        if statutory_withdrawal:
            return EligibilityDecision(Decision.ELIGIBLE, (_("You may withdraw from the purchase before it "
                                                            "arrives."),), refund_deadline=deadline, statutory=True)
        return EligibilityDecision(Decision.NEEDS_REVIEW, (_("The item has not been delivered yet: cancel the "
                                                             "order or wait for delivery."),), refund_deadline=deadline)
    days_since_delivery = (request.requested_on - request.delivered_on).days
    window = max(clauses.window_days, WITHDRAWAL_DAYS) if statutory_withdrawal else clauses.window_days
    within_statutory = statutory_withdrawal and days_since_delivery <= WITHDRAWAL_DAYS
    if days_since_delivery > window:
        return EligibilityDecision(Decision.INELIGIBLE, (_fmt(_("The %(days)s-day return window has closed."),
                                                              days=window),), refund_deadline=None)
    excluded = request.category in clauses.excluded_categories or (request.final_sale and clauses.final_sale_excluded)
    if excluded and not within_statutory:
        return EligibilityDecision(Decision.INELIGIBLE, (_("This item is final sale and cannot be returned for a "
                                                           "change of mind."),))
    reasons = []
    if excluded:
        reasons.append(_("Final-sale items can still be withdrawn from within 14 days of delivery by law."))
    shipping, restocking = _change_of_mind_charges(request)
    if clauses.returnless_threshold_minor and request.line_total_minor <= clauses.returnless_threshold_minor:
        return _keep_item(request, deadline, within_statutory, reasons)
    if request.return_cost_minor and request.return_cost_minor >= request.line_total_minor:
        return _keep_item(request, deadline, within_statutory, reasons)
    condition_issue = ((clauses.requires_unused and not request.answers.unused)
                       or (clauses.requires_original_packaging and not request.answers.original_packaging))
    if condition_issue:
        reasons.append(_("The item is used or not in its original packaging: our team will check it, and its "
                         "value may be reduced."))
        return EligibilityDecision(Decision.NEEDS_REVIEW, tuple(reasons), shipping, restocking, deadline,
                                   within_statutory)
    reasons.append(_fmt(_("You can return this item within %(days)s days of delivery."), days=window))
    return EligibilityDecision(Decision.ELIGIBLE, tuple(reasons), shipping, restocking, deadline, within_statutory)


def _faulty(request, deadline):
    clauses = request.clauses
    if request.delivered_on is not None and (request.requested_on - request.delivered_on).days > max(
            clauses.window_days, WITHDRAWAL_DAYS):
        return EligibilityDecision(Decision.NEEDS_REVIEW, (_("Faulty items are covered by the legal guarantee beyond "
                                                             "the return window: our team will review it."),),
                                   refund_deadline=deadline, statutory=True)
    if clauses.returnless_threshold_minor and request.line_total_minor <= clauses.returnless_threshold_minor:
        return EligibilityDecision(Decision.KEEP_ITEM, (_("You can keep the item; we will refund it."),),
                                   refund_deadline=deadline, statutory=True)
    return EligibilityDecision(Decision.ELIGIBLE, (_("Faulty or wrong items are returned free of charge."),),
                               refund_deadline=deadline, statutory=True)


def _change_of_mind_charges(request) -> tuple[int, int]:
    clauses = request.clauses
    if not clauses.fees_disclosed_before_purchase:
        return 0, 0
    shipping = clauses.return_shipping_fee_minor if clauses.return_shipping_payer == ShippingPayer.DEDUCTED else 0
    restocking = 0
    if request.legal_profile not in EU_UK and clauses.restocking_fee_percent:
        restocking = request.line_total_minor * clauses.restocking_fee_percent // 100
    shipping = min(shipping, max(0, request.line_total_minor - restocking))
    return shipping, restocking


def _keep_item(request, deadline, statutory, reasons):
    reasons = [*reasons, _("Returning this item would cost more than it is worth: keep it and get your refund.")]
    if request.legal_profile in EU_UK | {LegalProfile.AU}:
        reasons.append(_("You may still send it back instead if you prefer."))
    return EligibilityDecision(Decision.KEEP_ITEM, tuple(reasons), refund_deadline=deadline, statutory=statutory)
