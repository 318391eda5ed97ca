"""The portal chat: a customer who unlocked an order writes to support and reads the replies in the same ticket
the agent answers; nobody else reaches it; a double submit is one message."""

import re

import pytest
from django.core.cache import cache
from django.test import Client

from tests import factories
from tests.returns.portal_support import unlock
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def visitor():
    order = factories.order(market_code="FR")
    client = Client()
    return client, unlock(client, order, language="fr"), order


def token_of(html):
    return re.search(r'name="client_token" value="([^"]+)"', html).group(1)


def test_a_customer_writes_and_sees_the_reply(visitor, django_capture_on_commit_callbacks, tasks_inline):
    client, order_url, order = visitor
    page = client.get(order_url + "messages/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="chat-empty"' in html
    sent = client.post(order_url + "messages/", {"text": "Bonjour, le colis est abîmé.",
                                                 "client_token": token_of(html)})
    assert sent.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.order, ticket.customer, ticket.language) == ("webchat", order, order.customer, "fr")
    with django_capture_on_commit_callbacks(execute=True):
        from tickets.services import message_send

        message_send(ticket=ticket, body="Nous sommes désolés : envoyez-nous une photo, s'il vous plaît.")
    thread = client.get(order_url + "messages/thread/").content.decode()
    assert thread.index("le colis est abîmé") < thread.index("envoyez-nous une photo")
    assert Message.objects.get(direction="outbound").delivery == "sent"


def test_a_double_submit_is_one_message(visitor):
    client, order_url, _order = visitor
    token = token_of(client.get(order_url + "messages/").content.decode())
    for _ in range(2):
        client.post(order_url + "messages/", {"text": "Hello", "client_token": token})
    assert Message.objects.count() == 1


def test_an_empty_message_is_refused_in_the_customers_language(visitor):
    client, order_url, _order = visitor
    response = client.post(order_url + "messages/", {"text": "  ", "client_token": "t"})
    assert response.status_code == 400
    assert "Ce champ est obligatoire." in response.content.decode()
    assert Message.objects.count() == 0


def test_notes_are_never_shown_to_the_customer(visitor):
    client, order_url, _order = visitor
    client.post(order_url + "messages/", {"text": "Hello", "client_token": "a"})
    Message.objects.create(ticket=Ticket.objects.get(), direction="note", channel="webchat",
                           body="Internal: customer is a serial returner")
    assert "serial returner" not in client.get(order_url + "messages/").content.decode()


def test_another_session_cannot_read_or_write_the_chat(visitor):
    client, order_url, _order = visitor
    client.post(order_url + "messages/", {"text": "Private", "client_token": "a"})
    stranger = Client()
    assert stranger.get(order_url + "messages/").status_code == 404
    assert stranger.get(order_url + "messages/thread/").status_code == 404
    assert stranger.post(order_url + "messages/", {"text": "Hi", "client_token": "b"}).status_code == 404
    assert Message.objects.count() == 1
