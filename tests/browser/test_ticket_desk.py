"""The ticket desk in a real browser: an agent moves through the queue with the keyboard, opens a Spanish WhatsApp
ticket, inserts a macro, is warned about "This is not our fault", takes the approved wording, sends, then refunds
part of the order from the sidebar. Screenshots in the test's output folder."""

import re

import pytest
from playwright.sync_api import expect

from aftersales.models import Refund
from tests import factories
from tickets.models import Message
from tickets.services import Inbound, _inbound

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def desk_seed_data():
    """Transactional tests empty the tables, data migrations included: put the seeded macros and phrase rules back
    exactly as the migrations write them."""
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    from tickets.models import Macro, PhraseRule
    from tickets.phrases import clear_cache

    for name, model in (("0003_phrase_rules", PhraseRule), ("0004_default_macros", Macro)):
        if not model.objects.exists():
            importlib.import_module(f"tickets.migrations.{name}").seed(apps, SimpleNamespace(connection=connection))
    clear_cache()


def agent_desk(browser, base):
    """A desk-sized browser page, logged in as the agent."""
    desk = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    desk.goto(f"{base}/accounts/login/")
    desk.get_by_label("Username").fill("agent")
    desk.get_by_label("Password").fill("pw-agent")
    desk.get_by_test_id("login-submit").click()
    return desk


def test_an_agent_answers_a_spanish_whatsapp_ticket_and_refunds_part_of_the_order(live_server, browser, agent_user,
                                                                                  output_path):
    order = factories.order(market_code="ES", unit_price_minor=4990,
                            customer_obj=factories.customer(name="Lucía García", language="es"))
    factories.payment(order)
    from aftersales.models import CustomerIdentity

    CustomerIdentity.objects.create(customer=order.customer, kind="whatsapp", value="+34600111222")
    older = _inbound(Inbound(channel="email", identity_kind="email", contact="other@example.com", external_id="e1",
                             text="Hello, is my order on its way?", subject="Order")).ticket
    ticket = _inbound(Inbound(channel="whatsapp", identity_kind="whatsapp", contact="34600111222",
                              external_id="wamid.ES1", text=f"Hola, mi pedido {order.number} llegó roto. ¿Qué hago?",
                              sender_name="Lucía")).ticket
    assert (ticket.language, ticket.order_id) == ("es", order.pk)

    desk = agent_desk(browser, live_server.url)
    desk.goto(f"{live_server.url}/desk/tickets/?view=whatsapp")
    expect(desk.locator("#queue-rows tr.desk-row")).to_have_count(1)
    desk.goto(f"{live_server.url}/desk/tickets/")
    expect(desk.locator("#queue-rows tr.desk-row")).to_have_count(2)
    desk.screenshot(path=f"{output_path}/1-queue.png", full_page=True)

    # keyboard: j selects the first row, j the next, k back; Enter opens the selected one
    rows = desk.locator("#queue-rows tr.desk-row")
    desk.keyboard.press("j")
    expect(rows.nth(0)).to_have_class(r"desk-row table-active")
    desk.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(r"desk-row table-active")
    desk.keyboard.press("k")
    expect(rows.nth(0)).to_have_class(r"desk-row table-active")
    target = rows.nth(0).get_attribute("data-ticket")
    if target != ticket.number:
        desk.keyboard.press("j")
    desk.keyboard.press("Enter")
    expect(desk.get_by_test_id("channel")).to_have_text("WhatsApp")
    assert desk.url.endswith(f"/desk/tickets/{ticket.number}/")
    assert older.number not in desk.url

    desk.keyboard.press("r")  # r focuses the reply box
    expect(desk.get_by_test_id("reply-body")).to_be_focused()
    desk.get_by_test_id("macro-select").select_option(label="Artículo dañado: pedir fotos")
    body = desk.get_by_test_id("reply-body")
    expect(body).to_have_value(re.compile(r"^Hola, Lucía García:.*#\d+ haya llegado dañado", re.S))
    body.press("Control+End")
    body.press("Enter")
    body.press_sequentially("This is not our fault.")
    warning = desk.get_by_test_id("phrase-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("not our fault")
    desk.screenshot(path=f"{output_path}/2-phrase-warning.png", full_page=True)
    desk.get_by_test_id("use-suggestion").first.click()
    expect(body).not_to_have_value("This is not our fault", timeout=2000)
    assert "not our fault" not in body.input_value()
    assert body.input_value().endswith("Atención al cliente\nWe'll look into this and get back to you within 2 hours.")
    expect(warning).to_have_count(0)
    desk.get_by_test_id("send-reply").click()
    expect(desk.get_by_test_id("flash")).to_contain_text("Reply queued")
    sent = Message.objects.get(direction="outbound", author=agent_user)
    assert "get back to you within 2 hours" in sent.body
    assert sent.channel == "whatsapp"
    assert sent.override_reason == ""

    desk.get_by_test_id("refund-amount").fill("10.00")
    desk.get_by_test_id("refund-reason").fill("Producto dañado: reembolso parcial")
    desk.get_by_test_id("refund-submit").click()
    expect(desk.get_by_test_id("flash")).to_contain_text("Refund recorded in the ledger.")
    expect(desk.get_by_test_id("sidebar-refunds")).to_contain_text("€10.00")
    desk.screenshot(path=f"{output_path}/3-replied-and-refunded.png", full_page=True)
    refund = Refund.objects.get()
    assert (refund.amount_minor, refund.order_id, refund.source) == (1000, order.pk, "desk")


def test_an_agent_finds_a_reply_that_was_never_confirmed_and_sends_it_again(live_server, browser, agent_user,
                                                                          output_path, tasks_inline, mailoutbox):
    """The worker stopped while the provider was called: the reply stays "sending" and nobody would look at the
    ticket again. The queue's "Replies not delivered" view finds it; the agent sends it again and it goes out once."""
    from datetime import timedelta

    from django.utils import timezone

    ticket = _inbound(Inbound(channel="email", identity_kind="email", contact="ana@example.com", external_id="e-stuck",
                              text="Where is my refund?", subject="Refund")).ticket
    stuck = Message.objects.create(ticket=ticket, direction="outbound", channel="email", body="Your refund is paid.",
                                   subject="Re: Refund", delivery="sending", outbox_key="stuck-1", attempts=1,
                                   author=agent_user,
                                   sending_at=timezone.now() - timedelta(minutes=25))
    desk = agent_desk(browser, live_server.url)
    desk.goto(f"{live_server.url}/desk/tickets/")
    expect(desk.get_by_test_id("undelivered-count")).to_have_text("1")
    desk.get_by_test_id("view-undelivered").click()
    expect(desk.locator("#queue-rows tr.desk-row")).to_have_count(1)
    expect(desk.locator("#queue-rows tr.desk-row")).to_have_attribute("data-ticket", ticket.number)
    desk.screenshot(path=f"{output_path}/1-replies-not-delivered.png", full_page=True)
    desk.keyboard.press("j")
    desk.keyboard.press("Enter")
    reply = desk.get_by_test_id("message").filter(has_text="Your refund is paid.")
    expect(reply.get_by_test_id("delivery")).to_have_text("Not confirmed")
    expect(reply.get_by_test_id("undelivered")).to_contain_text("never confirmed")
    desk.screenshot(path=f"{output_path}/2-not-confirmed.png", full_page=True)
    reply.get_by_test_id("send-again").click()
    expect(desk.get_by_test_id("flash")).to_contain_text("The reply is queued again.")
    reply = desk.get_by_test_id("message").filter(has_text="Your refund is paid.")
    expect(reply.get_by_test_id("delivery")).to_have_attribute("data-delivery", "sent")
    expect(reply.get_by_test_id("undelivered")).to_have_count(0)
    expect(desk.get_by_test_id("event").last).to_contain_text("was sent again")
    desk.screenshot(path=f"{output_path}/3-sent-again.png", full_page=True)
    assert [mail.to for mail in mailoutbox if "Your refund is paid." in mail.body] == [["ana@example.com"]]
    stuck.refresh_from_db()
    assert (stuck.delivery, stuck.attempts) == ("sent", 2)
    desk.goto(f"{live_server.url}/desk/tickets/?view=undelivered")
    expect(desk.locator("#queue-rows tr.desk-row")).to_have_count(0)
    expect(desk.get_by_test_id("undelivered-count")).to_have_count(0)
