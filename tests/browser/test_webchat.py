"""The portal chat in a real browser: a customer on a phone writes to support in German; the agent answers from
the desk in another browser; the answer appears on the customer's page without a reload."""

import pytest
from playwright.sync_api import expect

from tests.returns.portal_support import delivered_order, policy
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_chats_and_sees_the_agents_answer_without_reloading(live_server, browser, agent_user,
                                                                        output_path, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from aftersales.celery import app

    app.conf.task_always_eager = True
    try:
        policy("DE")
        order = delivered_order(market_code="DE", email="jonas@example.de")
        phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
        customer = phone.new_page()
        customer.goto(f"{live_server.url}/de/portal/")
        customer.locator("#id_order_number").fill(order.number)
        customer.locator("#id_contact").fill(order.email)
        customer.get_by_test_id("lookup-submit").click()
        customer.get_by_test_id("message-us").click()
        expect(customer.get_by_test_id("page-title")).to_have_text("Schreiben Sie uns")
        customer.locator("#id_text").fill("Hallo, der Reißverschluss ist kaputt.")
        customer.get_by_test_id("chat-send").click()
        expect(customer.get_by_test_id("chat-message")).to_have_count(1)
        ticket = Ticket.objects.get()
        assert (ticket.channel, ticket.language, ticket.order_id) == ("webchat", "de", order.pk)

        desk = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        desk.goto(f"{live_server.url}/accounts/login/")
        desk.get_by_label("Username").fill("agent")
        desk.get_by_label("Password").fill("pw-agent")
        desk.get_by_test_id("login-submit").click()
        desk.goto(f"{live_server.url}/desk/tickets/")
        desk.get_by_role("link", name=ticket.number).click()
        desk.locator("#id_body").fill("Das tut uns leid! Schicken Sie uns bitte ein Foto.")
        desk.get_by_test_id("send-reply").click()
        expect(desk.get_by_test_id("flash")).to_contain_text("Reply queued")
        desk.screenshot(path=f"{output_path}/desk-ticket-webchat.png", full_page=True)

        # no reload on the customer's side: the thread refreshes itself
        expect(customer.get_by_test_id("chat-message")).to_have_count(2, timeout=15000)
        expect(customer.get_by_test_id("chat-message").nth(1)).to_contain_text("Schicken Sie uns bitte ein Foto.")
        customer.screenshot(path=f"{output_path}/portal-chat-de-phone.png", full_page=True)
        assert customer.evaluate("document.documentElement.scrollWidth") <= 390
        phone.close()
    finally:
        app.conf.task_always_eager = False
