"""The order page (``/<lang>/portal/orders/<token>/``): what it shows, in which language, to whom, at what cost."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from aftersales.choices import ShipmentStatus
from aftersales.models import OrderLine, ShipmentItem, TrackingEvent
from returns import portal_access
from returns.selectors import order_for_portal
from tests import factories

from .portal_support import delivered_order, policy, unlock

pytestmark = pytest.mark.django_db

# Every portal URL that names an unlocked order: each one is checked for who may and who may not open it.
TOKEN_URLS = ["returns:portal-order", "returns:portal-return-start", "returns:portal-not-received"]
# ... and those that only take a POST; the URLs that also name a return case are checked in test_portal_return.
TOKEN_POST_URLS = ["returns:portal-return-confirm", "returns:portal-order-cancel", "returns:portal-not-received"]
CASE_URLS = ["returns:portal-return", "returns:portal-return-slip"]



@pytest.fixture
def us_policy():
    return policy("US")


def token_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


def texts(html: str, testid: str) -> list[str]:
    """The text inside every element carrying ``data-testid=testid`` (flat: enough for badges and labels)."""
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", m)).strip()
            for m in re.findall(rf'data-testid="{testid}"[^>]*>(.*?)</', html, re.S)]


# -- what the page shows ---------------------------------------------------------------------------------

def test_lines_with_quantity_price_eligibility_and_reasons(client, us_policy):
    order = delivered_order(lines=2, quantity=2, unit_price_minor=2500)
    final_sale = order.lines.order_by("id").last().product
    final_sale.final_sale = True
    final_sale.save()
    html = client.get(unlock(client, order)).content.decode()

    titles = [line.title for line in order.lines.order_by("id")]
    assert texts(html, "line-title") == titles
    assert texts(html, "line-quantity") == ["Quantity 2 × $25.00"] * 2
    assert texts(html, "line-total") == ["$50.00"] * 2
    assert texts(html, "line-decision") == ["Eligible for return", "Not eligible"]
    assert texts(html, "line-reasons") == ["You can return this item within 30 days of delivery.",
                                           "This item is final sale and cannot be returned for a change of mind."]
    assert texts(html, "order-total") == ["$100.00"]


def test_tracking_timeline_newest_first_with_delivery_and_proof(client, us_policy):
    order = delivered_order(events=3)
    shipment = order.shipments.get()
    html = client.get(unlock(client, order)).content.decode()
    assert texts(html, "shipment-carrier") == ["YunExpress"]
    assert f'href="https://track.example.com/YT1" target="_blank" rel="noopener noreferrer" ' \
           f'data-testid="tracking-link">{shipment.tracking_number}</a>' in html
    assert texts(html, "shipment-status") == ["Delivered"]
    assert texts(html, "event-status") == ["Delivered", "In transit", "In transit"]
    assert html.index("Parcel delivered") < html.index("Scan 1") < html.index("Scan 0")
    assert texts(html, "delivered-at")[0].startswith("Delivered on ")
    assert "Signed for by J. Smith" in texts(html, "proof-of-delivery")[0]


def test_the_policy_that_applies_with_a_link_to_its_page(client, us_policy):
    html = client.get(unlock(client, delivered_order())).content.decode()
    assert 'href="/en/policies/us/returns/" data-testid="policy-link"' in html
    assert "30 days from delivery." in html
    assert "You send the item back at your own cost." in html
    assert client.get("/en/policies/us/returns/").status_code == 200


def test_not_shipped_yet(client, us_policy):
    html = client.get(unlock(client, factories.order())).content.decode()
    assert 'data-testid="not-shipped"' in html
    assert texts(html, "line-decision") == ["Needs review by our team"]
    assert texts(html, "line-reasons") == [
        "The item has not been delivered yet: cancel the order or wait for delivery."]


def test_the_window_closed(client, us_policy):
    html = client.get(unlock(client, delivered_order(delivered_days_ago=40))).content.decode()
    assert texts(html, "line-decision") == ["Not eligible"]
    assert texts(html, "line-reasons") == ["The 30-day return window has closed."]


def test_each_line_is_judged_by_the_delivery_of_the_shipment_that_carried_it(client, us_policy):
    order = factories.order(lines=2)
    early, late = order.lines.order_by("id")
    for line, days in ((early, 40), (late, 3)):
        shipment = factories.shipment(order, status=ShipmentStatus.DELIVERED,
                                      delivered_at=timezone.now() - timedelta(days=days))
        ShipmentItem.objects.create(shipment=shipment, line=line, quantity=1)
    html = client.get(unlock(client, order)).content.decode()
    assert texts(html, "line-decision") == ["Not eligible", "Eligible for return"]


def test_without_a_policy_the_team_confirms(client):
    html = client.get(unlock(client, delivered_order())).content.decode()
    assert texts(html, "line-decision") == ["Our team will confirm whether this item can be returned."]
    assert 'data-testid="policy-link"' not in html


def test_eu_keep_item_and_statutory_final_sale(client):
    policy("ES", returnless_threshold_minor=1000)
    order = delivered_order(market_code="ES", lines=2, unit_price_minor=800)
    product = order.lines.order_by("id").first().product
    product.final_sale = True
    product.save()
    html = client.get(unlock(client, order)).content.decode()
    assert texts(html, "line-decision") == ["Eligible: keep the item"] * 2
    assert texts(html, "line-reasons")[0].startswith(
        "Final-sale items can still be withdrawn from within 14 days of delivery by law.")


def test_the_page_in_spanish(client, us_policy):
    order = delivered_order()
    url = unlock(client, order, language="es")
    assert url.startswith("/es/portal/orders/")
    html = client.get(url).content.decode()
    assert '<html lang="es">' in html
    assert texts(html, "line-decision") == ["Se puede devolver"]
    assert texts(html, "line-reasons") == ["Puedes devolver este artículo en un plazo de 30 días desde la entrega."]
    assert 'data-testid="line-total">25,00\xa0US$</div>' in html
    assert texts(html, "event-status") == ["Entregado", "En tránsito"]
    assert texts(html, "shipment-status") == ["Entregado"]
    assert "30 días desde la entrega." in html
    assert 'href="/es/policies/us/returns/"' in html
    assert "Plazo de devolución" in html


def test_the_same_token_works_in_another_language_of_the_same_session(client, us_policy):
    url = unlock(client, delivered_order())
    assert client.get(url.replace("/en/", "/de/", 1)).status_code == 200


def test_personal_pages_are_not_cached_or_indexed(client, us_policy):
    response = client.get(unlock(client, delivered_order()))
    assert "no-store" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()


# -- who may open it ---------------------------------------------------------------------------------

@pytest.fixture
def two_customers(us_policy):
    """Two customers, each with a browser session that unlocked their own order."""
    alice, bob = Client(), Client()
    alice_order, bob_order = delivered_order(), delivered_order()
    return ((alice, alice_order, token_of(unlock(alice, alice_order))),
            (bob, bob_order, token_of(unlock(bob, bob_order))))


@pytest.mark.parametrize("name", TOKEN_URLS)
def test_a_token_from_another_session_is_a_404(two_customers, name):
    (alice, alice_order, alice_token), (bob, bob_order, bob_token) = two_customers
    assert alice.get(reverse(name, kwargs={"token": alice_token})).status_code == 200
    bobs_page = bob.get(reverse(name, kwargs={"token": bob_token})).content.decode()
    assert bob_order.number in bobs_page
    assert alice_order.number not in bobs_page
    assert bob.get(reverse(name, kwargs={"token": alice_token})).status_code == 404
    assert alice.get(reverse(name, kwargs={"token": bob_token})).status_code == 404
    assert Client().get(reverse(name, kwargs={"token": alice_token})).status_code == 404  # a fresh browser


def test_every_portal_url_that_names_an_order_is_checked():
    from returns.urls import urlpatterns

    with_token = {f"returns:{p.name}" for p in urlpatterns if "token" in p.pattern.converters}
    assert with_token == set(TOKEN_URLS) | set(TOKEN_POST_URLS) | set(CASE_URLS)


@pytest.mark.parametrize("name", TOKEN_POST_URLS)
def test_a_post_with_another_sessions_token_is_a_404_and_writes_nothing(two_customers, name):
    from aftersales.models import Refund
    from returns.models import ReturnCase

    (_alice, _alice_order, alice_token), (bob, _bob_order, _bob_token) = two_customers
    for data in ({}, {"action": "accept"}, {"action": "report", "wants": "refund"}, {"client_token": "x"}):
        assert bob.post(reverse(name, kwargs={"token": alice_token}), data).status_code == 404
    assert not ReturnCase.objects.exists()
    assert not Refund.objects.exists()


@pytest.mark.parametrize("name", TOKEN_URLS)
def test_a_changed_token_is_a_404(two_customers, name):
    (alice, alice_order, alice_token), (_bob, bob_order, _bob_token) = two_customers
    flipped = alice_token[:-1] + ("0" if alice_token[-1] != "0" else "1")
    for token in (flipped, alice_token[:-1], alice_token + "0", alice_token.upper(), str(alice_order.pk),
                  str(bob_order.pk), "x" * 40):
        assert alice.get(reverse(name, kwargs={"token": token})).status_code == 404, token


@pytest.mark.parametrize("name", TOKEN_URLS)
def test_no_session_is_a_404(client, us_policy, name):
    order = delivered_order()
    session = SessionStore()
    token = portal_access.unlock(session, order)  # a valid token, minted in a session this browser doesn't have
    assert client.get(reverse(name, kwargs={"token": token})).status_code == 404


@pytest.mark.parametrize("name", TOKEN_URLS)
def test_access_ends_after_a_day(client, us_policy, name):
    url = unlock(client, delivered_order())
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        assert client.get(url).status_code == 404


def test_the_order_page_only_answers_get(client, us_policy):
    url = unlock(client, delivered_order())
    assert client.post(url).status_code == 405


def test_order_for_portal_is_the_only_door():
    """The selector itself: the session's order with its token, a 404 for everything else."""
    mine, theirs = factories.order(), factories.order()
    session = SessionStore()
    token = portal_access.unlock(session, mine)
    assert order_for_portal(session, token) == mine
    other_session = SessionStore()
    other_token = portal_access.unlock(other_session, theirs)
    for bad_session, bad_token in ((session, other_token), (other_session, token), (SessionStore(), token),
                                   (session, ""), (session, None)):
        with pytest.raises(Http404):
            order_for_portal(bad_session, bad_token)
    session[portal_access.ORDER_KEY] = theirs.pk  # a session edited to name another order: the token no longer fits
    with pytest.raises(Http404):
        order_for_portal(session, token)
    mine.lines.all().delete()
    type(mine).objects.filter(pk=mine.pk).delete()
    with pytest.raises(Http404):
        order_for_portal(other_session, token)


# -- cost -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [1, 10])
def test_query_count_does_not_grow_with_lines_or_events(client, us_policy, django_assert_num_queries, size):
    order = delivered_order(lines=size, events=size)
    assert OrderLine.objects.filter(order=order).count() == size
    assert TrackingEvent.objects.filter(shipment__order=order).count() == size
    url = unlock(client, order)
    # session, order, lines+products, shipments, events, shipment items, policy placed under, policy in force,
    # quantities already returned (one grouped query), the order's return cases
    with django_assert_num_queries(10):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="order-line"') == size


def test_reasons_follow_the_language_active_when_shown(us_policy):
    """The page's reasons are lazy: rendered in the viewer's language, not the one of the request that built them."""
    from returns.selectors import order_page_for_portal

    order = delivered_order()
    session = SessionStore()
    page = order_page_for_portal(order_for_portal(session, portal_access.unlock(session, order)), language="en")
    with translation.override("es"):
        assert str(page.lines[0].decision.reasons[0]).startswith("Puedes devolver")
