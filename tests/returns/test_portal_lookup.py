"""Find my order (``/<lang>/portal/``): matching rules, one neutral answer for every miss, rate limits."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from aftersales.models import Order
from returns import portal_access
from tests import factories

from .portal_support import delivered_order, without_csrf

pytestmark = pytest.mark.django_db

NEUTRAL = ("We could not find an order with these details. Check the order number and the email address or "
           "postcode you used when ordering.")
THROTTLED = "Too many attempts. Please wait 15 minutes and try again."



def lookup(client, number, contact, ip="10.0.0.1", language="en"):
    return client.post(f"/{language}/portal/", {"order_number": number, "contact": contact}, REMOTE_ADDR=ip)


def test_the_lookup_form_is_the_portal_front_page(client):
    response = client.get("/en/portal/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="lookup-form"' in html
    assert 'name="order_number"' in html
    assert 'name="contact"' in html
    assert "Email address or delivery postcode" in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_lookup_by_email_unlocks_the_order_and_redirects_to_its_page(client):
    order = delivered_order(email="ana@example.com")
    response = lookup(client, order.number, "ana@example.com")
    assert response.status_code == 302
    assert re.fullmatch(r"/en/portal/orders/[0-9a-f]{40}/", response["Location"])  # opaque: no database id
    assert client.session[portal_access.ORDER_KEY] == order.pk
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert f"Order {order.number}" in page.content.decode()


def test_lookup_by_postcode(client):
    order = delivered_order(ship_postcode="SW1A 1AA", market_code="UK")
    response = lookup(client, order.number, "sw1a1aa")
    assert response.status_code == 302
    assert client.session[portal_access.ORDER_KEY] == order.pk


@pytest.mark.parametrize(("number", "contact"), [
    ("{number}", "{email}"),
    ("{bare}", "{email}"),
    ("  # {bare} ", "  {email_upper}  "),
    ("{bare_spaced}", "{email_upper}"),
    ("{number}", " 10 001 "),
])
def test_numbers_emails_and_postcodes_match_whatever_the_case_blanks_or_hash(client, number, contact):
    order = factories.order(email="Mixed.Case@Example.com", ship_postcode="10001")
    bare = order.number.lstrip("#")
    values = {"number": order.number, "bare": bare, "bare_spaced": " ".join(bare),
              "email": order.email, "email_upper": order.email.upper()}
    response = lookup(client, number.format(**values), contact.format(**values))
    assert response.status_code == 302
    assert client.session[portal_access.ORDER_KEY] == order.pk


def test_a_number_stored_without_hash_is_found_with_one_and_in_another_case(client):
    order = factories.order(number="ab-778")
    assert lookup(client, "#AB-778", order.email).status_code == 302
    assert client.session[portal_access.ORDER_KEY] == order.pk


def test_the_customer_account_email_also_unlocks_the_order(client):
    order = factories.order(email="checkout@example.com")
    order.customer.email = "account@example.com"
    order.customer.save()
    assert lookup(client, order.number, "ACCOUNT@example.com").status_code == 302


@pytest.mark.parametrize("wrong", ["someone@example.com", "99999", "customer@example", "#"])
def test_a_wrong_email_or_postcode_does_not_unlock(client, wrong):
    order = factories.order(ship_postcode="10001")
    response = lookup(client, order.number, wrong)
    assert response.status_code == 200
    assert NEUTRAL in response.content.decode()
    assert portal_access.ORDER_KEY not in client.session


@pytest.mark.parametrize("contact", ["wrong@example.com", "SW1A 1AA"])
def test_unknown_order_and_wrong_details_get_the_identical_page(client, contact):
    """Same input, once with the order in the database and once without: the two pages are the same bytes."""
    order = factories.order()
    wrong_details = lookup(client, order.number, contact)
    Order.objects.filter(pk=order.pk).delete()
    no_such_order = lookup(client, order.number, contact)
    assert wrong_details.status_code == no_such_order.status_code == 200
    assert NEUTRAL in wrong_details.content.decode()
    assert without_csrf(wrong_details.content.decode()) == without_csrf(no_such_order.content.decode())


def test_form_errors_are_shown_and_nothing_is_looked_up(client):
    response = lookup(client, " # ", "")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter your order number." in html
    assert "This field is required." in html
    assert NEUTRAL not in html


def test_looking_up_another_order_replaces_the_first(client):
    first, second = delivered_order(), delivered_order()
    first_url = lookup(client, first.number, first.email)["Location"]
    second_url = lookup(client, second.number, second.email)["Location"]
    assert client.session[portal_access.ORDER_KEY] == second.pk
    assert client.get(first_url).status_code == 404
    assert client.get(second_url).status_code == 200


def test_a_failed_lookup_keeps_the_order_already_unlocked(client):
    order = delivered_order()
    url = lookup(client, order.number, order.email)["Location"]
    lookup(client, "#424242", "nobody@example.com")
    assert client.get(url).status_code == 200


def test_unlocking_gives_the_session_a_new_key(client):
    client.get("/en/portal/")
    client.session.save()
    before = client.session.session_key
    order = factories.order()
    lookup(client, order.number, order.email)
    assert client.session.session_key != before


# -- rate limits ---------------------------------------------------------------------------------------

def test_an_ip_gets_10_attempts_per_15_minutes_then_429(client):
    order = factories.order()
    for n in range(10):
        assert lookup(client, f"#77{n}", "x@example.com", ip="10.0.0.9").status_code == 200
    refused = lookup(client, order.number, order.email, ip="10.0.0.9")
    assert refused.status_code == 429
    assert THROTTLED in refused.content.decode()
    assert portal_access.ORDER_KEY not in client.session  # not even the right details get through
    assert lookup(client, order.number, order.email, ip="10.0.0.10").status_code == 302  # another visitor


def test_behind_a_trusted_proxy_each_visitor_has_their_own_counter(client, settings):
    """Behind a reverse proxy every request comes from the proxy's address; the visitor is the address the proxy
    appended to X-Forwarded-For, so one busy visitor does not lock every customer out of the portal."""
    import ipaddress

    settings.TRUSTED_PROXIES = (ipaddress.ip_network("10.9.0.0/16"),)
    order = factories.order()

    def via_proxy(forwarded, number, contact):
        return client.post("/en/portal/", {"order_number": number, "contact": contact}, REMOTE_ADDR="10.9.0.2",
                           HTTP_X_FORWARDED_FOR=forwarded)

    for n in range(10):
        assert via_proxy("203.0.113.7", f"#78{n}", "x@example.com").status_code == 200
    assert via_proxy("203.0.113.7", order.number, order.email).status_code == 429
    # The same visitor cannot escape its counter by writing its own header in front of the proxy's entry.
    assert via_proxy("198.51.100.1, 203.0.113.7", order.number, order.email).status_code == 429
    assert via_proxy("198.51.100.8", order.number, order.email).status_code == 302  # another visitor


def test_a_forwarded_header_from_an_untrusted_address_is_ignored(client, settings):
    import ipaddress

    settings.TRUSTED_PROXIES = (ipaddress.ip_network("10.9.0.0/16"),)
    order = factories.order()
    for n in range(10):
        response = client.post("/en/portal/", {"order_number": f"#79{n}", "contact": "x@example.com"},
                               REMOTE_ADDR="192.0.2.50", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
        assert response.status_code == 200
    refused = client.post("/en/portal/", {"order_number": order.number, "contact": order.email},
                          REMOTE_ADDR="192.0.2.50", HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert refused.status_code == 429


def test_an_order_number_gets_5_attempts_per_15_minutes_from_any_ip_then_429(client):
    order, other = factories.order(), factories.order()
    for n in range(5):
        assert lookup(client, order.number, "guess@example.com", ip=f"10.0.1.{n}").status_code == 200
    refused = lookup(client, f" {order.number.lstrip('#')} ", order.email, ip="10.0.2.1")  # same number, other form
    assert refused.status_code == 429
    assert THROTTLED in refused.content.decode()
    assert lookup(client, other.number, other.email, ip="10.0.2.1").status_code == 302


def test_the_limit_lifts_when_the_window_has_passed(client):
    order = factories.order()
    start = timezone.now().replace(minute=0, second=1, microsecond=0)
    with time_machine.travel(start, tick=False) as traveller:
        for n in range(5):
            lookup(client, order.number, "guess@example.com", ip=f"10.0.3.{n}")
        assert lookup(client, order.number, order.email, ip="10.0.3.9").status_code == 429
        traveller.shift(timedelta(minutes=16))
        assert lookup(client, order.number, order.email, ip="10.0.3.9").status_code == 302


def test_reading_the_form_does_not_count(client):
    for _ in range(20):
        assert client.get("/en/portal/", REMOTE_ADDR="10.0.4.1").status_code == 200
    order = factories.order()
    assert lookup(client, order.number, order.email, ip="10.0.4.1").status_code == 302
