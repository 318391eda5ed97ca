"""The legal floor of DESIGN section 6, one test per cell that has a rule."""

import pytest

from policies import legal
from policies.choices import DayKind, ShippingPayer
from policies.models import PolicyVersion
from tests import factories

pytestmark = pytest.mark.django_db

COMPLIANT = {
    "window_days": 30, "return_shipping_payer": ShippingPayer.CUSTOMER, "return_shipping_fee_minor": 0,
    "restocking_fee_percent": 0, "fees_disclosed_before_purchase": True, "refund_days": 14,
    "refund_day_kind": DayKind.CALENDAR, "returnless_threshold_minor": 2000, "notice_days": 30,
    "faulty_return_shipping_payer": ShippingPayer.STORE, "title": "Returns", "summary": "Easy returns.",
}


def version(market_code, **clauses):
    return PolicyVersion(market=factories.market(market_code), number=1, **(COMPLIANT | clauses))


def errors(market_code, **clauses):
    return [(f.clause, f.market, f.rule) for f in legal.errors(version(market_code, **clauses))]


@pytest.mark.parametrize("market", ["US", "DE", "UK", "AU"])
def test_a_compliant_version_has_no_errors(market):
    assert errors(market) == []


# -- change-of-mind window ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("market", "profile"), [("DE", "EU"), ("UK", "UK")])
def test_eu_uk_window_under_14_days_is_refused(market, profile):
    assert errors(market, window_days=13) == [(
        "window_days", market,
        f"Change-of-mind returns must be accepted for at least 14 days from delivery ({profile} right of withdrawal).")]
    assert errors(market, window_days=14) == []


@pytest.mark.parametrize("market", ["US", "AU"])
def test_us_au_window_is_store_policy_with_a_warning_when_short(market):
    assert errors(market, window_days=7) == []
    assert [f.clause for f in legal.check(version(market, window_days=7)) if f.level == "warning"] == ["window_days"]


# -- refund deadline ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("market", ["DE", "UK"])
def test_eu_uk_refund_later_than_14_calendar_days_is_refused(market):
    assert [e[0] for e in errors(market, refund_days=15)] == ["refund_days"]
    assert [e[0] for e in errors(market, refund_days=14, refund_day_kind=DayKind.BUSINESS)] == ["refund_days"]
    assert errors(market, refund_days=10, refund_day_kind=DayKind.BUSINESS) == []


def test_us_refund_promise_is_kept_as_published_with_a_warning_when_long():
    assert errors("US", refund_days=14, refund_day_kind=DayKind.BUSINESS) == []
    assert "refund_days" in [f.clause for f in legal.check(version("US", refund_days=20)) if f.level == "warning"]


# -- return shipping --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("market", ["DE", "UK", "US"])
def test_return_shipping_charged_only_if_disclosed_before_purchase(market):
    assert errors(market, fees_disclosed_before_purchase=False) == [(
        "return_shipping_payer", market,
        "Return shipping may be charged to the customer only if this was disclosed before purchase.")]
    assert errors(market, fees_disclosed_before_purchase=False, return_shipping_payer=ShippingPayer.STORE) == []


@pytest.mark.parametrize(("market", "profile"), [("DE", "EU"), ("UK", "UK"), ("AU", "AU")])
def test_return_shipping_for_faulty_goods_is_refused(market, profile):
    assert errors(market, faulty_return_shipping_payer=ShippingPayer.CUSTOMER) == [(
        "faulty_return_shipping_payer", market,
        f"Return shipping of faulty goods may never be charged to the customer ({profile}).")]


# -- restocking fee ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("market", "profile"), [("DE", "EU"), ("UK", "UK")])
def test_eu_uk_restocking_fee_on_change_of_mind_is_refused(market, profile):
    assert errors(market, restocking_fee_percent=10) == [(
        "restocking_fee_percent", market,
        f"A restocking fee may not be charged on a change-of-mind return ({profile}).")]


def test_us_restocking_fee_only_if_disclosed():
    assert errors("US", restocking_fee_percent=10) == []
    assert ("restocking_fee_percent", "US", "A restocking fee may be charged only if it was disclosed before "
            "purchase.") in errors("US", restocking_fee_percent=10, fees_disclosed_before_purchase=False,
                                   return_shipping_payer=ShippingPayer.STORE)


def test_au_restocking_fee_never_on_faulty_goods_is_enforced_by_the_engine():
    # AU allows a disclosed change-of-mind restocking fee; faulty goods are never charged (engine property test).
    assert errors("AU", restocking_fee_percent=10) == []


# -- "no refunds" wording -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("field", "text"), [
    ("summary_en", "Sale items: no refunds."), ("conditions_es", "Artículos rebajados sin reembolso"),
    ("conditions_zh_hans", "特价商品不退款"), ("title_de", "Keine Rückerstattung bei Sale-Artikeln"),
])
def test_au_no_refunds_wording_is_refused_in_every_language(field, text):
    draft = version("AU")
    setattr(draft, field, text)
    found = [(f.clause, f.rule) for f in legal.errors(draft)]
    assert found == [(field, "\"No refunds\" wording is unlawful in Australia: consumer guarantees always apply.")]


def test_no_refunds_wording_is_allowed_outside_australia():
    draft = version("US", summary="Gift cards: no refunds.")
    assert legal.errors(draft) == []
