"""Marked delivered but not received: proof of delivery and the policy's offer in the portal, paid once through the
ledger or as store credit; a declined offer (and, in the EU/UK, a refund or redelivery) goes to an agent."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from aftersales.models import Coupon, Refund, Shipment
from returns import services
from returns.models import ReturnCase
from tests import factories
from tests.returns.portal_support import unlock
from tests.returns.support import delivered_order, market_with_policy

pytestmark = pytest.mark.django_db


def with_proof(order):
    Shipment.objects.filter(order=order).update(pod_signer="FRONT DESK", pod_latitude="40.712800",
                                                pod_longitude="-74.006000", carrier="YunExpress",
                                                tracking_number="YT123")
    return order


@pytest.fixture
def us_partial():
    market_with_policy("US", not_received_offer="partial_refund", not_received_percent=30)
    order = with_proof(delivered_order("US", unit_price_minor=4000))
    client = Client()
    return client, unlock(client, order), order


def test_the_customer_sees_the_proof_and_the_offer_and_is_paid_once(us_partial):
    client, order_url, order = us_partial
    assert 'data-testid="not-received"' in client.get(order_url).content.decode()
    page = client.get(order_url + "not-received/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "YunExpress marked the parcel delivered on" in html
    assert "Signed for by FRONT DESK" in html
    assert "(40.7128, -74.0060)" in html
    assert "A refund of $12.00" in html  # 30 % of $40.00
    assert 'data-testid="seller-risk"' not in html  # the US does not put the delivery risk on the seller

    response = client.post(order_url + "not-received/", {"action": "accept"})
    case = ReturnCase.objects.get(order=order, kind="not_received")
    assert response.status_code == 302
    assert response["Location"].endswith(f"/returns/{case.rma}/")
    refund = Refund.objects.get(order=order)
    assert (refund.amount_minor, refund.cause, refund.source, refund.idempotency_key) == (
        1200, "not_received", "portal", f"return:{case.rma}")
    assert case.status == "resolved"
    assert case.resolution == "refund"
    assert [e.to_status for e in case.events.order_by("pk")] == ["draft", "submitted", "approved", "resolved"]

    status_page = client.get(response["Location"]).content.decode()
    assert 'data-testid="compensation">$12.00<' in status_page
    # a second click, a replayed form, or a fresh visit to the page pays nothing more
    assert client.post(order_url + "not-received/", {"action": "accept"}).status_code == 302
    assert client.get(order_url + "not-received/").status_code == 302
    assert Refund.objects.filter(order=order).count() == 1
    assert ReturnCase.objects.filter(order=order, kind="not_received").count() == 1
    assert 'data-testid="not-received"' not in client.get(order_url).content.decode()


def test_a_coupon_offer_issues_store_credit_and_moves_no_money():
    market_with_policy("US", not_received_offer="coupon", not_received_percent=50)
    order = delivered_order("US", unit_price_minor=4000)
    client = Client()
    order_url = unlock(client, order)
    assert "Store credit of $20.00" in client.get(order_url + "not-received/").content.decode()
    status_page = client.post(order_url + "not-received/", {"action": "accept"}, follow=True).content.decode()
    case = ReturnCase.objects.get(order=order)
    coupon = Coupon.objects.get(order=order)
    assert (coupon.code, coupon.kind, coupon.amount_minor, coupon.customer_id) == (
        f"NR-{case.rma}", "store_credit", 2000, order.customer_id)
    assert f'data-testid="coupon-code">NR-{case.rma}<' in status_page
    assert not Refund.objects.filter(order=order).exists()
    assert case.resolution == "store_credit"
    assert case.status == "resolved"


def test_in_the_eu_the_customer_may_insist_and_an_agent_refunds_in_full(client, agent_user):
    market_with_policy("DE", return_shipping_payer="store", not_received_percent=20)
    order = delivered_order("DE", unit_price_minor=5000)
    visitor = Client()
    order_url = unlock(visitor, order, language="de")
    page = visitor.get(order_url + "not-received/").content.decode()
    assert 'data-testid="seller-risk"' in page
    response = visitor.post(order_url + "not-received/", {"action": "report", "wants": "refund",
                                                          "comment": "Nothing at the door"})
    assert response.status_code == 302
    case = ReturnCase.objects.get(order=order)
    assert (case.status, case.resolution, case.estimate_minor, case.comment) == (
        "needs_review", "refund", 5000, "Nothing at the door")
    assert "seller carries the delivery risk" in case.events.get(to_status="needs_review").note
    assert not Refund.objects.exists()

    client.force_login(agent_user)
    detail = client.get(f"/desk/returns/{case.pk}/").content.decode()
    assert 'data-testid="redeliver"' in detail
    assert 'data-testid="refund"' in detail
    client.post(f"/desk/returns/{case.pk}/refund/", {"amount": "", "reason": ""})
    refund = Refund.objects.get(order=order)
    assert (refund.amount_minor, refund.cause) == (5000, "not_received")
    case.refresh_from_db()
    assert case.status == "resolved"
    client.post(f"/desk/returns/{case.pk}/refund/", {"amount": "", "reason": ""})
    assert Refund.objects.filter(order=order).count() == 1


def test_an_agent_can_send_the_order_again_instead(client, agent_user):
    market_with_policy("UK", return_shipping_payer="store")
    order = delivered_order("UK")
    case = services.not_received_report(order=order, wants="redelivery", comment="")
    client.force_login(agent_user)
    client.post(f"/desk/returns/{case.pk}/redeliver/")
    case.refresh_from_db()
    assert (case.status, case.resolution) == ("resolved", "redelivery")
    assert not Refund.objects.exists()


def test_a_claim_needs_a_choice_and_loses_nothing(us_partial):
    client, order_url, _order = us_partial
    response = client.post(order_url + "not-received/", {"action": "report", "comment": "Where is it?"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert "Where is it?" in response.content.decode()  # what the customer typed is still there
    assert not ReturnCase.objects.exists()


def test_no_offer_before_delivery_or_after_the_window():
    market_with_policy("US", not_received_percent=30)
    undelivered = factories.order()
    factories.payment(undelivered)
    client = Client()
    order_url = unlock(client, undelivered)
    assert 'data-testid="not-received"' not in client.get(order_url).content.decode()
    page = client.get(order_url + "not-received/").content.decode()
    assert 'data-testid="offer"' not in page
    refused = client.post(order_url + "not-received/", {"action": "report", "wants": "refund"})
    assert refused.status_code == 400
    assert "The carrier has not marked this order delivered yet." in refused.content.decode()
    assert client.post(order_url + "not-received/", {"action": "accept"}).status_code == 400
    assert not ReturnCase.objects.exists()
    assert not Refund.objects.exists()

    old = delivered_order("US", days_ago=40)  # the policy's window is 30 days
    assert services.not_received_quote(old) is None
    assert services.not_received_quote(delivered_order("US", days_ago=3)).amount_minor == 1200


def test_the_offer_is_never_more_than_is_left_to_refund(us_partial):
    _client, _url, order = us_partial
    payment = order.payments.get()
    Refund.objects.create(payment=payment, order=order, amount_minor=3500, currency="USD", cause="goodwill",
                          source="desk", status="succeeded", idempotency_key="goodwill-1")
    assert services.not_received_quote(order).amount_minor == 500


def test_the_claim_page_is_in_the_customers_language(us_partial):
    client, order_url, _order = us_partial
    from django.utils import translation

    with translation.override("es"):
        title = translation.gettext("I have not received my order")
    assert title != "I have not received my order"
    page = client.get(order_url.replace("/en/", "/es/") + "not-received/").content.decode()
    assert f'data-testid="page-title">{title}<' in page


def test_an_offer_follows_the_best_of_the_two_policies():
    from policies.eligibility import best_for_customer, clauses_of
    from policies.models import PolicyVersion

    market_with_policy("US", not_received_offer="coupon", not_received_percent=40)
    old = clauses_of(PolicyVersion.objects.get())
    better = best_for_customer(old, old.__class__(**{**old.__dict__, "not_received_offer": "partial_refund"}))
    assert (better.not_received_offer, better.not_received_percent) == ("partial_refund", 40)
    worse = best_for_customer(old, old.__class__(**{**old.__dict__, "not_received_percent": 10}))
    assert worse.not_received_percent == 40


def test_now_is_respected_for_the_window():
    market_with_policy("US", not_received_percent=30)
    order = delivered_order("US", days_ago=5)
    assert services.not_received_quote(order, now=timezone.now() + timedelta(days=40)) is None
