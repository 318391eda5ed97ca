"""A customer on a phone, in Spanish, finds their order and reads its page (Debian's Chromium)."""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from tests.returns.portal_support import delivered_order, policy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_find_my_order_on_a_phone_in_spanish(live_server, page, output_path):
    cache.clear()  # no rate-limit counters left by another test
    policy("US")
    order = delivered_order(lines=2, events=3, email="lucia@example.com")
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"{live_server.url}/es/portal/")
    expect(page.get_by_test_id("page-title")).to_have_text("¿En qué podemos ayudarte?")
    page.locator("#id_order_number").fill(order.number.lstrip("#"))
    page.locator("#id_contact").fill("wrong@example.com")
    page.get_by_test_id("lookup-submit").click()
    expect(page.get_by_test_id("lookup-error")).to_be_visible()
    page.screenshot(path=f"{output_path}/portal-lookup-miss-es-phone.png", full_page=True)

    page.locator("#id_contact").fill("  LUCIA@example.com ")
    page.get_by_test_id("lookup-submit").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server.url)}/es/portal/orders/[0-9a-f]{{40}}/$"))
    expect(page.get_by_test_id("page-title")).to_contain_text(order.number)
    expect(page.get_by_test_id("order-line")).to_have_count(2)
    expect(page.get_by_test_id("line-decision")).to_have_text(["Se puede devolver", "Se puede devolver"])
    expect(page.get_by_test_id("line-reasons").first).to_have_text(
        "Puedes devolver este artículo en un plazo de 30 días desde la entrega.")
    expect(page.get_by_test_id("event-status")).to_have_text(["Entregado", "En tránsito", "En tránsito"])
    expect(page.get_by_test_id("policy-link")).to_have_attribute("href", "/es/policies/us/returns/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing runs off a phone's screen
    page.screenshot(path=f"{output_path}/portal-order-es-phone.png", full_page=True)
