"""Email in and out: threading (headers, the ticket token, rewritten ids), loop protection (auto-replies, bounces,
our own mail, storms), attachments, the public samples through the whole intake, replies delivered to a real
SMTP server, and the IMAP poller against a real IMAP conversation."""

import base64
import email
import email.policy
import io
import socket
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.conf import settings
from django.core import mail
from PIL import Image

from aftersales.models import CustomerIdentity, InboundWebhookEvent
from tests import factories
from tests.samples import SAMPLES as SAMPLES_ROOT
from tickets.models import Attachment, Mailbox, Message, Ticket
from tickets.services import auto_answer_allowed, email_receive, message_send

pytestmark = pytest.mark.django_db

SAMPLES = SAMPLES_ROOT / "email"


def customer_mail(subject="Where is my order?", body="Hello, my parcel has not arrived.", *,
                  sender="Maria Lopez <maria@example.com>", message_id=None, in_reply_to=None, references=None,
                  headers=None, attachments=()):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "support@localhost", subject
    message["Message-ID"] = message_id or make_msgid(domain="example.com")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    for filename, content, maintype, subtype in attachments:
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def reply_out(ticket, body="We are on it.", **kwargs):
    """An agent's reply, delivered through the outbox to the locmem backend; returns the sent email."""
    from tickets.services import message_deliver

    message = message_send(ticket=ticket, body=body, **kwargs)
    message_deliver(message_pk=message.pk)
    return mail.outbox[-1]


# -- threading ------------------------------------------------------------------------------------------------

def test_a_new_email_opens_a_ticket_for_the_customer():
    order = factories.order(market_code="ES", email="maria@example.com")
    CustomerIdentity.objects.get_or_create(customer=order.customer, kind="email", value="maria@example.com")
    message = email_receive(raw=customer_mail(f"Pedido {order.number}", "Hola, ¿dónde está mi pedido? No ha llegado."))
    ticket = message.ticket
    assert (ticket.channel, ticket.contact, ticket.language, ticket.order) == ("email", "maria@example.com", "es",
                                                                               order)
    assert ticket.customer == order.customer
    assert bytes(message.raw).startswith(b"From: Maria Lopez")  # the original is kept, byte for byte


def test_replies_thread_by_headers_by_token_and_by_subject():
    first = email_receive(raw=customer_mail())
    ticket = first.ticket
    sent = reply_out(ticket)
    our_id = sent.extra_headers["Message-ID"]
    assert f"[#{ticket.number}]" in sent.subject
    assert sent.extra_headers["In-Reply-To"] == f"<{first.external_id}>"

    by_header = email_receive(raw=customer_mail("Re: " + sent.subject, "Thanks! Any tracking number?",
                                                in_reply_to=our_id, references=f"<{first.external_id}> {our_id}"))
    changed_subject = email_receive(raw=customer_mail("Another question", "Also, can I change the address?",
                                                      in_reply_to=our_id))
    rewritten = email_receive(raw=customer_mail(f"RE: Where is my order? [#{ticket.number}]", "Hello again",
                                                in_reply_to="<rewritten-by-outlook@eurprd.example>"))
    no_token = email_receive(raw=customer_mail("AW: Where is my order?", "Noch eine Frage",
                                               in_reply_to="<unknown@gmx.example>"))
    assert {m.ticket_id for m in (by_header, changed_subject, rewritten, no_token)} == {ticket.pk}
    assert Ticket.objects.count() == 1

    new = email_receive(raw=customer_mail("Broken zipper", "The zipper broke on day one."))
    assert new.ticket_id != ticket.pk
    assert Ticket.objects.count() == 2


def test_a_token_of_someone_elses_ticket_does_not_thread():
    ticket = email_receive(raw=customer_mail()).ticket
    other = email_receive(raw=customer_mail(f"Hi [#{ticket.number}]", "Not mine", sender="eve@example.net"))
    assert other.ticket_id != ticket.pk


def test_the_same_email_twice_is_one_message():
    raw = customer_mail(message_id="<once@example.com>")
    assert email_receive(raw=raw) is not None
    assert email_receive(raw=raw) is None
    assert Message.objects.filter(direction="inbound").count() == 1


# -- loop protection ----------------------------------------------------------------------------------------

def test_auto_replies_thread_but_never_open_a_ticket_or_reopen_one():
    ticket = email_receive(raw=customer_mail()).ticket
    sent = reply_out(ticket)
    away = email_receive(raw=customer_mail("Automatic reply: " + sent.subject, "I am out of office.",
                                           in_reply_to=sent.extra_headers["Message-ID"],
                                           headers={"Auto-Submitted": "auto-replied"}))
    assert (away.ticket_id, away.kind) == (ticket.pk, "auto_reply")
    ticket.refresh_from_db()
    assert ticket.status == "open"
    stray = email_receive(raw=customer_mail("Out of Office", "Away until Monday", sender="bob@example.org",
                                            headers={"Auto-Submitted": "auto-replied"}))
    assert stray is None
    assert Ticket.objects.count() == 1


def test_a_bounce_marks_our_message_failed():
    ticket = email_receive(raw=customer_mail(sender="gone@example.com")).ticket
    sent = reply_out(ticket)
    ours = Message.objects.get(direction="outbound")
    bounce = EmailMessage()
    bounce["From"], bounce["To"] = "MAILER-DAEMON@mx.example.com", "support@localhost"
    bounce["Subject"] = "Undelivered Mail Returned to Sender"
    bounce["Message-ID"] = make_msgid(domain="mx.example.com")
    bounce.set_content("This is the mail system. Your message could not be delivered.\n\n<gone@example.com>: "
                       "user unknown")
    report = EmailMessage()
    report["Message-ID"] = sent.extra_headers["Message-ID"]
    report["Subject"] = sent.subject
    report.set_content("original")
    bounce.add_attachment(report)
    report_type = "multipart/report; report-type=delivery-status"
    bounce.replace_header("Content-Type", bounce["Content-Type"].replace("multipart/mixed", report_type))
    email_receive(raw=bounce.as_bytes())
    ours.refresh_from_db()
    assert ours.delivery == "failed"
    assert "bounced" in ours.delivery_error
    assert Ticket.objects.count() == 1


def test_our_own_mail_is_never_taken_in():
    ticket = email_receive(raw=customer_mail()).ticket
    sent = reply_out(ticket)
    copy = sent.message().as_bytes()
    assert email_receive(raw=copy) is None
    assert email_receive(raw=customer_mail("Hi", "from us", sender=settings.DEFAULT_FROM_EMAIL)) is None
    assert Message.objects.filter(direction="inbound").count() == 1


def test_a_storm_from_one_address_is_not_answered_automatically():
    for n in range(22):
        email_receive(raw=customer_mail(f"Ping {n}", "ping", sender="robot@example.com"))
    assert not auto_answer_allowed(address="robot@example.com")
    assert auto_answer_allowed(address="maria@example.com")


# -- attachments ----------------------------------------------------------------------------------------------

def test_attachments_are_checked_and_kept_safely():
    photo = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 10, 10)).save(photo, "JPEG")
    raw = customer_mail(attachments=[
        ("photo.jpg", photo.getvalue(), "image", "jpeg"),
        ("invoice.pdf", b"%PDF-1.4\n%fake but shaped\n", "application", "pdf"),
        ("evil.jpg", b"MZ\x90\x00 not an image at all", "image", "jpeg"),
    ])
    message = email_receive(raw=raw)
    kept = {a.filename: a for a in Attachment.objects.filter(message=message)}
    assert kept["photo.jpg"].state == "stored"
    assert kept["photo.jpg"].content_type in ("image/jpeg", "image/webp", "image/png")
    assert kept["invoice.pdf"].content_type == "application/pdf"
    assert kept["evil.jpg"].state == "refused"
    assert "not a photo" in kept["evil.jpg"].error
    assert not kept["evil.jpg"].file


# -- the public samples ---------------------------------------------------------------------------------------

def samples():
    if not SAMPLES.exists():
        pytest.skip(f"{SAMPLES} is absent: the public samples live beside the checkout")
    return sorted(SAMPLES.glob("*.eml"))


def test_every_public_email_goes_through_the_intake():
    stored = {}
    for path in samples():
        message = email_receive(raw=path.read_bytes())
        stored[path.name] = message
        if path.name.startswith(("bounce_", "autoreply_", "read_receipt")):
            assert message is None or message.kind != "message", path.name
        else:
            assert message is not None, path.name
            assert message.kind == "message", path.name
            assert message.body.strip() or message.attachments.exists(), path.name
            assert "\ufffd" not in message.ticket.subject, path.name
    assert len(stored) == 24
    assert Ticket.objects.filter(channel="email").count() >= 10


# -- out through a real SMTP server, in through a real IMAP conversation ----------------------------------

def test_a_reply_is_delivered_to_a_real_smtp_server_with_threading_headers(settings):
    aiosmtpd = pytest.importorskip("aiosmtpd.controller")
    received = []

    class Collect:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 Message accepted for delivery"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = aiosmtpd.Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
        first = email_receive(raw=customer_mail(body="Hallo, wo ist mein Paket? Es ist nicht angekommen.",
                                                sender="jonas@example.de"))
        ticket = first.ticket
        from tickets.services import message_deliver

        message = message_send(ticket=ticket, body="Ihr Paket ist unterwegs.")
        assert message_deliver(message_pk=message.pk).delivery == "sent"
    finally:
        controller.stop()
    assert len(received) == 1
    assert received[0].rcpt_tos == ["jonas@example.de"]
    parsed = email.message_from_bytes(received[0].content, policy=email.policy.default)
    assert parsed["Message-ID"].strip("<>") == Message.objects.get(direction="outbound").external_id
    assert parsed["In-Reply-To"] == f"<{first.external_id}>"
    assert f"<{first.external_id}>" in parsed["References"]
    assert f"[#{ticket.number}]" in parsed["Subject"]
    assert parsed.get_content_type() == "multipart/alternative"
    assert "Ihr Paket ist unterwegs." in parsed.get_body(("plain",)).get_content()
    assert 'lang="de"' in parsed.get_body(("html",)).get_content()
    # and the customer's answer to it threads back
    answer = email_receive(raw=customer_mail("Re: " + parsed["Subject"], "Danke!", sender="jonas@example.de",
                                             in_reply_to=parsed["Message-ID"]))
    assert answer.ticket_id == ticket.pk


def test_the_imap_poller_takes_each_message_once_across_restarts_and_renumbering(settings, tasks_inline,
                                                                                 django_capture_on_commit_callbacks):
    from tests.tickets.imap_server import ImapServer
    from tickets.imap import imap_poll

    with ImapServer("support", "s3cret") as server:
        settings.IMAP_HOST, settings.IMAP_PORT = "127.0.0.1", server.port
        settings.IMAP_USER, settings.IMAP_PASSWORD, settings.IMAP_FOLDER = "support", "s3cret", "INBOX"
        for n in range(3):
            server.inbox.add(customer_mail(f"Question {n}", f"Question number {n}", sender=f"c{n}@example.com"))
        with django_capture_on_commit_callbacks(execute=True):
            assert imap_poll() == 3
        with django_capture_on_commit_callbacks(execute=True):
            assert imap_poll() == 0  # "UID 4:*" answers UID 3 again: not taken twice
        server.inbox.add(customer_mail("Question 3", "Question number 3", sender="c3@example.com"))
        with django_capture_on_commit_callbacks(execute=True):
            assert imap_poll() == 1
        server.inbox.renumber(uidvalidity=42)  # the server rebuilt the folder
        with django_capture_on_commit_callbacks(execute=True):
            assert imap_poll() == 4  # read again from the start …
        assert any("BODY.PEEK[]" in command for command in server.commands)  # never marks mail as seen
    assert Message.objects.filter(channel="email", direction="inbound").count() == 4  # … never a second message
    assert Mailbox.objects.get().last_uid == 4
    assert Mailbox.objects.get().uidvalidity == 42
    assert InboundWebhookEvent.objects.filter(provider="email", status="processed").count() == 8  # 4 + 4 re-read


def test_the_anymail_inbound_webhook_stores_and_processes_the_raw_email(client, settings, tasks_inline,
                                                                       django_capture_on_commit_callbacks):
    import hashlib
    import hmac
    import time

    settings.ANYMAIL = {**settings.ANYMAIL, "MAILGUN_WEBHOOK_SIGNING_KEY": "mg-key", "WEBHOOK_SECRET": "u:p"}
    raw = customer_mail("Where is my order?", "Hello from Mailgun", sender="ana@example.com")
    timestamp, token = str(int(time.time())), "a" * 50
    signature = hmac.new(b"mg-key", f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    data = {"timestamp": timestamp, "token": token, "signature": signature,
            "body-mime": raw.decode()}
    auth = "Basic " + base64.b64encode(b"u:p").decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/webhooks/email/mailgun/inbound/", data, HTTP_AUTHORIZATION=auth)
    assert response.status_code == 200
    message = Message.objects.get(direction="inbound")
    assert (message.sender, message.ticket.channel) == ("ana@example.com", "email")
    data["signature"] = "0" * 64
    assert client.post("/webhooks/email/mailgun/inbound/", data, HTTP_AUTHORIZATION=auth).status_code == 400
    assert Message.objects.filter(direction="inbound").count() == 1


def test_the_postmark_inbound_webhook_checks_basic_auth(client, settings, tasks_inline,
                                                        django_capture_on_commit_callbacks):
    import json

    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": "u:p"}
    raw = customer_mail("Wo ist mein Paket?", "Hallo, mein Paket ist nicht da.", sender="jonas@example.de")
    body = json.dumps({"RawEmail": raw.decode(), "Headers": [], "FromFull": {"Email": "jonas@example.de"}})
    good = "Basic " + base64.b64encode(b"u:p").decode()
    bad = "Basic " + base64.b64encode(b"u:wrong").decode()
    assert client.post("/webhooks/email/postmark/inbound/", body, content_type="application/json",
                       HTTP_AUTHORIZATION=bad).status_code == 400
    assert client.post("/webhooks/email/postmark/inbound/", body, content_type="application/json").status_code == 400
    assert InboundWebhookEvent.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        ok = client.post("/webhooks/email/postmark/inbound/", body, content_type="application/json",
                         HTTP_AUTHORIZATION=good)
    assert ok.status_code == 200
    message = Message.objects.get(direction="inbound")
    assert (message.sender, message.ticket.language) == ("jonas@example.de", "de")


def test_a_mailgun_delivery_without_a_signature_stores_nothing(client, settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "MAILGUN_WEBHOOK_SIGNING_KEY": "mg-key", "WEBHOOK_SECRET": "u:p"}
    auth = "Basic " + base64.b64encode(b"u:p").decode()
    response = client.post("/webhooks/email/mailgun/inbound/", {"body-mime": customer_mail().decode()},
                           HTTP_AUTHORIZATION=auth)
    assert response.status_code == 400
    assert InboundWebhookEvent.objects.count() == 0
