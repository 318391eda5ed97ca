"""WhatsApp and Messenger through the real webhook views: handshake, signatures, one message per event however
often it is delivered, status updates on our replies, echoes ignored, and every public sample handled."""

import json

import pytest
from django.test import Client

from aftersales.models import CustomerIdentity, InboundWebhookEvent
from tests import factories
from tests.samples import SAMPLES as SAMPLES_ROOT
from tickets.meta.signature import sign_hub
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db

SAMPLES = SAMPLES_ROOT
WA_SECRET, FB_SECRET = "wa-test-app-secret", "fb-test-app-secret"


@pytest.fixture(autouse=True)
def meta_settings(settings):
    settings.WHATSAPP_APP_SECRET, settings.WHATSAPP_VERIFY_TOKEN = WA_SECRET, "wa-verify"
    settings.MESSENGER_APP_SECRET, settings.MESSENGER_VERIFY_TOKEN = FB_SECRET, "fb-verify"


def whatsapp_text(text, *, wamid="wamid.TEST1", wa_id="4915112345678", name="Anna Schmidt", ts=1700000000):
    return {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550000000",
                                                      "phone_number_id": "PNID"},
        "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
        "messages": [{"from": wa_id, "id": wamid, "timestamp": str(ts), "type": "text", "text": {"body": text}}]}}]}]}


def whatsapp_status(wamid, status, *, ts=1700000100, errors=None):
    item = {"id": wamid, "status": status, "timestamp": str(ts), "recipient_id": "4915112345678"}
    if errors:
        item["errors"] = errors
    return {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550000000",
                                                      "phone_number_id": "PNID"},
        "statuses": [item]}}]}]}


def post(client, url, payload, secret, *, body=None, signature=None):
    raw = body if body is not None else json.dumps(payload).encode()
    headers = {} if signature is False else {"HTTP_X_HUB_SIGNATURE_256": signature or sign_hub(secret, raw)}
    return client.post(url, raw, content_type="application/json", **headers)


@pytest.fixture
def deliver(django_capture_on_commit_callbacks, tasks_inline):
    def run(url, payload, secret, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return post(Client(), url, payload, secret, **kwargs)
    return run


# -- handshake and signatures -------------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "token"), [("/webhooks/whatsapp/", "wa-verify"),
                                            ("/webhooks/messenger/", "fb-verify")])
def test_the_verification_handshake(client, url, token):
    ok = client.get(url, {"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "1158201444"})
    assert (ok.status_code, ok.content) == (200, b"1158201444")
    wrong = {"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"}
    assert client.get(url, wrong).status_code == 403
    assert client.get(url, {"hub.challenge": "1"}).status_code == 403


@pytest.mark.parametrize(("url", "secret"), [("/webhooks/whatsapp/", WA_SECRET), ("/webhooks/messenger/", FB_SECRET)])
def test_bad_missing_or_altered_signatures_are_refused_and_nothing_is_stored(client, url, secret):
    payload = whatsapp_text("hi") if "whatsapp" in url else json.loads(
        (SAMPLES / "messenger" / "fbmq_text_message.json").read_bytes() if (SAMPLES / "messenger").exists()
        else b'{"object": "page", "entry": []}')
    raw = json.dumps(payload).encode()
    assert post(client, url, payload, secret, signature=False).status_code == 401
    assert post(client, url, payload, secret, signature="sha256=" + "0" * 64).status_code == 401
    assert post(client, url, payload, "another-secret").status_code == 401
    altered = raw.replace(b"}", b' }', 1)
    response = post(client, url, payload, secret, body=altered, signature=sign_hub(secret, raw))
    assert response.status_code == 401
    assert response.json()["detail"] == "The signature is missing or wrong."
    assert InboundWebhookEvent.objects.count() == 0


def test_an_unconfigured_channel_accepts_nothing(client, settings):
    settings.WHATSAPP_APP_SECRET = ""
    assert post(client, "/webhooks/whatsapp/", whatsapp_text("hi"), "whatever-the-sender-used").status_code == 401
    assert InboundWebhookEvent.objects.count() == 0


def test_a_signed_body_that_is_not_a_payload_is_a_400(client):
    for body in (b"not json", b"[1, 2]", b'{"object": "page"}'):
        response = post(client, "/webhooks/whatsapp/", None, WA_SECRET, body=body)
        assert response.status_code == 400, body
    assert InboundWebhookEvent.objects.count() == 0


# -- messages ------------------------------------------------------------------------------------------------

def test_a_whatsapp_message_becomes_a_ticket_with_customer_order_and_language(deliver):
    order = factories.order(market_code="DE")
    response = deliver("/webhooks/whatsapp/", whatsapp_text(
        f"Hallo, wo ist meine Bestellung {order.number}? Ich warte seit drei Wochen."), WA_SECRET)
    assert response.json() == {"status": "stored", "stored": 1, "duplicates": 0}
    message = Message.objects.get(direction="inbound")
    ticket = message.ticket
    assert (ticket.channel, ticket.language, ticket.order, ticket.contact) == (
        "whatsapp", "de", None, "4915112345678")  # a stranger naming an order does not get it linked
    assert CustomerIdentity.objects.get(kind="whatsapp").value == "+4915112345678"
    assert ticket.customer.name == "Anna Schmidt"
    assert (message.direction, message.body, message.external_id) == (
        "inbound", f"Hallo, wo ist meine Bestellung {order.number}? Ich warte seit drei Wochen.", "wamid.TEST1")
    assert ticket.last_inbound_at is not None


def test_the_customers_own_order_is_linked(deliver):
    order = factories.order(market_code="ES")
    CustomerIdentity.objects.create(customer=order.customer, kind="whatsapp", value="+34600111222")
    deliver("/webhooks/whatsapp/", whatsapp_text(f"¿Dónde está mi pedido {order.number}? Gracias", wa_id="34600111222",
                                                 name="Lucía"), WA_SECRET)
    ticket = Ticket.objects.get()
    assert (ticket.order, ticket.customer, ticket.language) == (order, order.customer, "es")


def test_a_repeated_delivery_is_one_message_and_a_second_message_joins_the_ticket(deliver):
    for _ in range(3):
        deliver("/webhooks/whatsapp/", whatsapp_text("Where is my parcel?"), WA_SECRET)
    deliver("/webhooks/whatsapp/", whatsapp_text("Any news?", wamid="wamid.TEST2", ts=1700000500), WA_SECRET)
    assert Message.objects.filter(direction="inbound").count() == 2
    assert Ticket.objects.count() == 1
    assert InboundWebhookEvent.objects.filter(provider="whatsapp").count() == 2


def test_status_updates_move_forward_only_and_keep_the_failure_reason(deliver):
    deliver("/webhooks/whatsapp/", whatsapp_text("Hi"), WA_SECRET)
    ticket = Ticket.objects.get()
    ours = Message.objects.create(ticket=ticket, direction="outbound", channel="whatsapp", external_id="wamid.OUT1",
                                  body="Hello!", delivery="sent")
    deliver("/webhooks/whatsapp/", whatsapp_status("wamid.OUT1", "read", ts=1700000200), WA_SECRET)
    deliver("/webhooks/whatsapp/", whatsapp_status("wamid.OUT1", "delivered", ts=1700000150), WA_SECRET)
    ours.refresh_from_db()
    assert ours.delivery == "read"
    assert ours.read_at is not None
    assert ours.delivered_at is not None
    failed = Message.objects.create(ticket=ticket, direction="outbound", channel="whatsapp",
                                    external_id="wamid.OUT2", body="Hello?", delivery="sent")
    deliver("/webhooks/whatsapp/", whatsapp_status("wamid.OUT2", "failed", errors=[
        {"code": 131047, "title": "Re-engagement message", "message": "Re-engagement message",
         "error_data": {"details": "More than 24 hours have passed since the recipient last replied."}}]), WA_SECRET)
    failed.refresh_from_db()
    assert failed.delivery == "failed"
    assert "131047" in failed.delivery_error
    assert "24 hours" in failed.delivery_error


def messenger(messaging):
    return {"object": "page", "entry": [{"id": "PAGE", "time": 1700000000000, "messaging": [messaging]}]}


def test_messenger_text_postback_echo_and_receipts(deliver):
    base = {"sender": {"id": "PSID1"}, "recipient": {"id": "PAGE"}, "timestamp": 1700000000000}
    deliver("/webhooks/messenger/", messenger(base | {"message": {"mid": "m_1", "text": "Où est ma commande ?"}}),
            FB_SECRET)
    deliver("/webhooks/messenger/", messenger(base | {"postback": {"mid": "m_2", "title": "Track my order",
                                                                   "payload": "TRACK"}}), FB_SECRET)
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.contact, ticket.language) == ("messenger", "PSID1", "fr")
    assert list(ticket.messages.filter(direction="inbound").values_list("kind", "payload")) == [
        ("message", ""), ("postback", "TRACK")]
    ours = Message.objects.create(ticket=ticket, direction="outbound", channel="messenger", external_id="m_ours",
                                  body="Bonjour", delivery="sending")
    echo = {"sender": {"id": "PAGE"}, "recipient": {"id": "PSID1"}, "timestamp": 1700000001000,
            "message": {"is_echo": True, "app_id": 1, "mid": "m_ours", "text": "Bonjour"}}
    deliver("/webhooks/messenger/", messenger(echo), FB_SECRET)
    assert ticket.messages.filter(direction="inbound").count() == 2  # the echo is not a customer message
    ours.refresh_from_db()
    assert ours.delivery == "sent"
    deliver("/webhooks/messenger/", messenger(base | {"timestamp": 1700000002000, "delivery": {
        "mids": ["m_ours"], "watermark": 1700000001500}}), FB_SECRET)
    ours.refresh_from_db()
    assert ours.delivery == "delivered"


# -- conformance over the public samples -------------------------------------------------------------------

def sample_payloads(folder):
    if not (SAMPLES / folder).exists():
        pytest.skip(f"{SAMPLES / folder} is absent: the public samples live beside the checkout")
    for path in sorted((SAMPLES / folder).glob("*.json")):
        data = json.loads(path.read_bytes())
        if "object" in data:
            yield path.name, data
        else:  # a collection of named payloads
            for name, payload in data.items():
                if isinstance(payload, dict) and "object" in payload:
                    yield f"{path.name}:{name}", payload


@pytest.mark.parametrize(("folder", "url", "secret"), [("whatsapp", "/webhooks/whatsapp/", WA_SECRET),
                                                        ("messenger", "/webhooks/messenger/", FB_SECRET)])
def test_every_public_sample_is_handled_without_an_error(deliver, folder, url, secret):
    seen = 0
    for name, payload in sample_payloads(folder):
        response = deliver(url, payload, secret)
        assert response.status_code == 200, name
        seen += 1
    assert seen >= (20 if folder == "whatsapp" else 6)
    failed = list(InboundWebhookEvent.objects.filter(status="failed").values_list("event_id", "error"))
    assert failed == []
    assert InboundWebhookEvent.objects.filter(status="processed").count() > 0
    assert Message.objects.filter(direction="inbound").count() > 0
