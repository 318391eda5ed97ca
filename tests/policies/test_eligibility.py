"""The eligibility engine: examples, then properties over every input (hypothesis)."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from policies.choices import DayKind, Decision, RequestKind, ShippingPayer
from policies.eligibility import Answers, Clauses, EligibilityRequest, add_days, decide
from policies.legal import EU_UK

BASE = Clauses(window_days=30, requires_unused=True, requires_original_packaging=False, excluded_categories=(),
               final_sale_excluded=True, return_shipping_payer=ShippingPayer.DEDUCTED, return_shipping_fee_minor=800,
               restocking_fee_percent=10, fees_disclosed_before_purchase=True, refund_days=10,
               refund_day_kind=DayKind.BUSINESS, returnless_threshold_minor=2000)
DELIVERED = date(2026, 3, 2)  # a Monday


def request(**overrides):
    values = {"clauses": BASE, "legal_profile": "US", "line_total_minor": 5000, "category": "apparel",
              "final_sale": False, "delivered_on": DELIVERED, "requested_on": DELIVERED + timedelta(days=5),
              "kind": RequestKind.CHANGE_OF_MIND}
    return EligibilityRequest(**(values | overrides))


def test_us_change_of_mind_within_window_pays_disclosed_fees():
    decision = decide(request())
    assert decision.outcome == Decision.ELIGIBLE
    assert (decision.return_shipping_minor, decision.restocking_fee_minor) == (800, 500)
    assert decision.refund_deadline == date(2026, 3, 20)  # 10 business days from Sat 7 March
    assert [str(r) for r in decision.reasons] == ["You can return this item within 30 days of delivery."]


def test_eu_change_of_mind_has_no_restocking_fee_and_the_14_day_legal_clock():
    decision = decide(request(legal_profile="EU", clauses=BASE.__class__(**(BASE.__dict__ | {"refund_days": 30}))))
    assert decision.outcome == Decision.ELIGIBLE
    assert decision.restocking_fee_minor == 0
    assert decision.return_shipping_minor == 800
    assert decision.refund_deadline == DELIVERED + timedelta(days=5 + 14)
    assert decision.statutory is True


def test_window_closed():
    decision = decide(request(requested_on=DELIVERED + timedelta(days=31)))
    assert decision.outcome == Decision.INELIGIBLE
    assert [str(r) for r in decision.reasons] == ["The 30-day return window has closed."]


def test_final_sale_is_refused_in_the_us_but_withdrawable_in_the_eu():
    assert decide(request(final_sale=True)).outcome == Decision.INELIGIBLE
    eu = decide(request(final_sale=True, legal_profile="UK"))
    assert eu.outcome == Decision.ELIGIBLE
    assert "Final-sale items can still be withdrawn from within 14 days of delivery by law." in map(str, eu.reasons)


def test_cheap_line_is_kept_and_the_statutory_return_stays_available_in_the_eu():
    decision = decide(request(line_total_minor=1500, legal_profile="EU"))
    assert decision.outcome == Decision.KEEP_ITEM
    assert "You may still send it back instead if you prefer." in map(str, decision.reasons)


def test_return_costing_more_than_the_item_offers_keep_item():
    assert decide(request(return_cost_minor=6000)).outcome == Decision.KEEP_ITEM


def test_used_item_goes_to_review():
    assert decide(request(answers=Answers(unused=False))).outcome == Decision.NEEDS_REVIEW


def test_faulty_item_beyond_the_window_goes_to_review_not_refusal():
    decision = decide(request(kind=RequestKind.FAULTY, requested_on=DELIVERED + timedelta(days=200)))
    assert decision.outcome == Decision.NEEDS_REVIEW
    assert decision.deductions_minor == 0


def test_not_delivered_yet():
    assert decide(request(delivered_on=None)).outcome == Decision.NEEDS_REVIEW
    assert decide(request(delivered_on=None, legal_profile="EU")).outcome == Decision.ELIGIBLE


def test_reasons_follow_the_active_language():
    from django.utils import translation

    decision = decide(request(requested_on=DELIVERED + timedelta(days=31)))
    with translation.override("es"):
        assert str(decision.reasons[0]) == "El plazo de devolución de 30 días ha terminado."
    with translation.override("de"):
        assert str(decision.reasons[0]) != "The 30-day return window has closed."


def test_business_days_skip_weekends():
    assert add_days(date(2026, 3, 6), 1, DayKind.BUSINESS) == date(2026, 3, 9)  # Fri → Mon


# -- properties ---------------------------------------------------------------------------------------------------

clauses = st.builds(
    Clauses, window_days=st.integers(0, 120), requires_unused=st.booleans(), requires_original_packaging=st.booleans(),
    excluded_categories=st.lists(st.sampled_from(["apparel", "home", "electronics"]), max_size=2).map(tuple),
    final_sale_excluded=st.booleans(), return_shipping_payer=st.sampled_from(list(ShippingPayer)),
    return_shipping_fee_minor=st.integers(0, 5000), restocking_fee_percent=st.integers(0, 100),
    fees_disclosed_before_purchase=st.booleans(), refund_days=st.integers(1, 60),
    refund_day_kind=st.sampled_from(list(DayKind)), returnless_threshold_minor=st.integers(0, 5000))
requests = st.builds(
    EligibilityRequest, clauses=clauses, legal_profile=st.sampled_from(["EU", "UK", "US", "AU", "OTHER"]),
    line_total_minor=st.integers(1, 500_000), category=st.sampled_from(["apparel", "home", "electronics", "outdoor"]),
    final_sale=st.booleans(), delivered_on=st.one_of(st.none(), st.dates(date(2025, 1, 1), date(2027, 1, 1))),
    requested_on=st.dates(date(2025, 1, 1), date(2027, 6, 1)), kind=st.sampled_from(list(RequestKind)),
    answers=st.builds(Answers, unused=st.booleans(), original_packaging=st.booleans()),
    return_cost_minor=st.integers(0, 10_000))


def valid(req):
    return req.delivered_on is None or req.requested_on >= req.delivered_on


@settings(max_examples=400, deadline=None)
@given(requests)
def test_eu_uk_withdrawal_within_14_days_is_never_refused(req):
    if not valid(req) or req.legal_profile not in EU_UK or req.kind != RequestKind.CHANGE_OF_MIND:
        return
    if req.delivered_on is None or (req.requested_on - req.delivered_on).days <= 14:
        assert decide(req).outcome != Decision.INELIGIBLE


@settings(max_examples=400, deadline=None)
@given(requests)
def test_faulty_goods_never_carry_a_charge(req):
    if valid(req) and req.kind in (RequestKind.FAULTY, RequestKind.WRONG_ITEM):
        decision = decide(req)
        assert decision.deductions_minor == 0
        assert decision.outcome != Decision.INELIGIBLE


@settings(max_examples=400, deadline=None)
@given(requests)
def test_deadline_never_exceeds_the_legal_one(req):
    decision = decide(req)
    if req.legal_profile in EU_UK and decision.refund_deadline is not None:
        assert decision.refund_deadline <= req.requested_on + timedelta(days=14)


@settings(max_examples=400, deadline=None)
@given(requests)
def test_no_restocking_fee_in_eu_uk_and_deductions_never_exceed_the_line(req):
    decision = decide(req)
    if req.legal_profile in EU_UK:
        assert decision.restocking_fee_minor == 0
    assert 0 <= decision.deductions_minor <= req.line_total_minor
    if not req.clauses.fees_disclosed_before_purchase:
        assert decision.deductions_minor == 0
