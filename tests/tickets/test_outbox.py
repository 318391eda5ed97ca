"""Replies go out through the outbox on the customer's channel: stored first, sent once, the provider's answer
recorded; the 24-hour rules of WhatsApp and Messenger; timeouts retried, refusals shown, nothing sent twice.
HTTP is intercepted at the transport (``responses``) and what we sent is asserted."""

import contextlib
import json
from datetime import timedelta

import pytest
import requests
import responses
from django.core.exceptions import ValidationError
from django.utils import timezone

from aftersales.integrations.base import TransientProviderError
from tests import factories
from tickets.models import Message, Ticket
from tickets.services import message_deliver, message_send, messages_held_release, reply_rule

pytestmark = pytest.mark.django_db

WA_URL = "https://graph.facebook.com/v21.0/PNID/messages"
FB_URL = "https://graph.facebook.com/v21.0/me/messages"


@pytest.fixture(autouse=True)
def credentials(settings):
    settings.WHATSAPP_ACCESS_TOKEN, settings.WHATSAPP_PHONE_NUMBER_ID = "wa-token", "PNID"
    settings.MESSENGER_PAGE_ACCESS_TOKEN = "fb-token"


def ticket(channel, *, hours_ago=1, contact=None, language="en"):
    return Ticket.objects.create(
        customer=factories.customer(), channel=channel, language=language,
        contact=contact or {"whatsapp": "4915112345678", "messenger": "PSID1"}.get(channel, "c@example.com"),
        last_inbound_at=timezone.now() - timedelta(hours=hours_ago), subject="Where is my order?")


def sent_now(django_capture_on_commit_callbacks, **kwargs):
    """``message_send`` with its after-commit delivery run here, as the worker would."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = message_send(**kwargs)
    for callback in callbacks:
        with contextlib.suppress(Exception):  # a retry is asserted by the caller through the message's state
            callback()
    message.refresh_from_db()
    return message


@responses.activate
def test_whatsapp_reply_inside_the_window(django_capture_on_commit_callbacks, tasks_inline):
    responses.post(WA_URL, json={"messaging_product": "whatsapp", "messages": [{"id": "wamid.OUT"}]})
    message = sent_now(django_capture_on_commit_callbacks, ticket=ticket("whatsapp"), body="Your parcel is on its way.")
    assert (message.delivery, message.external_id, message.attempts) == ("sent", "wamid.OUT", 1)
    call = responses.calls[0].request
    assert call.headers["Authorization"] == "Bearer wa-token"
    assert json.loads(call.body) == {"messaging_product": "whatsapp", "recipient_type": "individual",
                                     "to": "4915112345678", "type": "text",
                                     "text": {"preview_url": False, "body": "Your parcel is on its way."}}


@responses.activate
def test_whatsapp_outside_the_window_only_an_approved_template(django_capture_on_commit_callbacks, tasks_inline):
    old = ticket("whatsapp", hours_ago=30, language="es")
    rule = reply_rule(old)
    assert rule.needs_template
    assert "24 hours" in rule.reason
    with pytest.raises(ValidationError) as refused:
        message_send(ticket=old, body="Hola")
    assert refused.value.code == "template_required"
    assert Message.objects.count() == 0
    responses.post(WA_URL, json={"messages": [{"id": "wamid.TPL"}]})
    message = sent_now(django_capture_on_commit_callbacks, ticket=old, body="", template="order_update")
    assert message.delivery == "sent"
    assert json.loads(responses.calls[0].request.body)["template"] == {"name": "order_update",
                                                                       "language": {"code": "es"}}


@responses.activate
def test_messenger_response_human_agent_tag_and_closed_window(django_capture_on_commit_callbacks, tasks_inline):
    responses.post(FB_URL, json={"recipient_id": "PSID1", "message_id": "m_1"})
    responses.post(FB_URL, json={"recipient_id": "PSID1", "message_id": "m_2"})
    sent_now(django_capture_on_commit_callbacks, ticket=ticket("messenger", hours_ago=2), body="Hi")
    sent_now(django_capture_on_commit_callbacks, ticket=ticket("messenger", hours_ago=72), body="Still there?")
    first, second = (json.loads(call.request.body) for call in responses.calls)
    assert first == {"recipient": {"id": "PSID1"}, "message": {"text": "Hi"}, "messaging_type": "RESPONSE"}
    assert second == {"recipient": {"id": "PSID1"}, "message": {"text": "Still there?"},
                      "messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}
    assert responses.calls[0].request.params == {"access_token": "fb-token"}
    with pytest.raises(ValidationError) as refused:
        message_send(ticket=ticket("messenger", hours_ago=24 * 8), body="Hello?")
    assert refused.value.code == "window_closed"


@responses.activate
def test_a_timeout_keeps_the_message_queued_and_the_retry_sends_it_once(tasks_inline):
    responses.post(WA_URL, body=requests.Timeout("read timed out"))
    responses.post(WA_URL, json={"messages": [{"id": "wamid.LATE"}]})
    message = Message.objects.create(ticket=ticket("whatsapp"), direction="outbound", channel="whatsapp",
                                     body="Hi", delivery="queued", outbox_key="k1")
    with pytest.raises(TransientProviderError):
        message_deliver(message_pk=message.pk)
    message.refresh_from_db()
    assert (message.delivery, message.attempts) == ("queued", 1)
    assert "did not answer" in message.delivery_error
    assert message_deliver(message_pk=message.pk).delivery == "sent"
    assert message_deliver(message_pk=message.pk).delivery == "sent"  # a duplicate task sends nothing
    assert len(responses.calls) == 2


@responses.activate
def test_a_refusal_is_shown_with_the_providers_reason():
    responses.post(WA_URL, status=400, json={"error": {"message": "(#131030) Recipient phone number not in "
                                                                  "allowed list", "code": 131030}})
    message = Message.objects.create(ticket=ticket("whatsapp"), direction="outbound", channel="whatsapp",
                                     body="Hi", delivery="queued", outbox_key="k2")
    message = message_deliver(message_pk=message.pk)
    assert message.delivery == "failed"
    assert "Recipient phone number not in allowed list" in message.delivery_error
    assert message_deliver(message_pk=message.pk).delivery == "failed"
    assert len(responses.calls) == 1


@responses.activate
def test_a_message_in_flight_is_never_sent_again():
    message = Message.objects.create(ticket=ticket("whatsapp"), direction="outbound", channel="whatsapp",
                                     body="Hi", delivery="sending", outbox_key="k3")
    assert message_deliver(message_pk=message.pk).delivery == "sending"
    assert len(responses.calls) == 0


@responses.activate
def test_without_credentials_the_message_is_held_then_released(settings, django_capture_on_commit_callbacks,
                                                               tasks_inline):
    settings.WHATSAPP_ACCESS_TOKEN = ""
    message = sent_now(django_capture_on_commit_callbacks, ticket=ticket("whatsapp"), body="Hi")
    assert message.delivery == "held"
    assert "not configured" in message.delivery_error
    assert len(responses.calls) == 0
    settings.WHATSAPP_ACCESS_TOKEN = "wa-token"
    responses.post(WA_URL, json={"messages": [{"id": "wamid.HELD"}]})
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert messages_held_release() == 1
    message.refresh_from_db()
    assert (message.delivery, message.external_id) == ("sent", "wamid.HELD")


def test_a_double_submit_is_one_message(django_capture_on_commit_callbacks):
    chat = ticket("webchat")
    with django_capture_on_commit_callbacks(execute=False):
        first = message_send(ticket=chat, body="Hello", client_key="form-1")
        again = message_send(ticket=chat, body="Hello", client_key="form-1")
    assert first.pk == again.pk
    assert Message.objects.count() == 1


def test_an_empty_reply_is_refused():
    with pytest.raises(ValidationError) as refused:
        message_send(ticket=ticket("webchat"), body="   ")
    assert refused.value.code == "empty"


# -- a reply that did not get through: the agent decides ----------------------------------------------------------

def stuck(channel="whatsapp", *, minutes_ago=11, hours_ago=1, key="stuck"):
    """A reply marked sending ``minutes_ago`` (the worker stopped while the provider was called)."""
    return Message.objects.create(ticket=ticket(channel, hours_ago=hours_ago), direction="outbound", channel=channel,
                                  body="Your refund is on its way.", delivery="sending", outbox_key=key, attempts=1,
                                  sending_at=timezone.now() - timedelta(minutes=minutes_ago))


@responses.activate
def test_deliver_records_when_the_reply_was_handed_to_the_provider():
    responses.post(WA_URL, json={"messages": [{"id": "wamid.AT"}]})
    message = Message.objects.create(ticket=ticket("whatsapp"), direction="outbound", channel="whatsapp",
                                     body="Hi", delivery="queued", outbox_key="k-at")
    before = timezone.now()
    message = message_deliver(message_pk=message.pk)
    assert message.delivery == "sent"
    assert before <= message.sending_at <= message.sent_at


def test_a_reply_sending_for_ten_minutes_is_not_confirmed():
    assert stuck(minutes_ago=11).unconfirmed
    assert not stuck(minutes_ago=9, key="recent").unconfirmed  # a send takes seconds; retries requeue in between
    old = stuck(minutes_ago=11, key="old-row")
    Message.objects.filter(pk=old.pk).update(sending_at=None, created_at=timezone.now() - timedelta(hours=1))
    old.refresh_from_db()
    assert old.unconfirmed  # marked sending before the time was recorded: its creation counts


@responses.activate
def test_the_agent_sends_an_unconfirmed_reply_again_once(django_capture_on_commit_callbacks, tasks_inline,
                                                         agent_user):
    from tickets.services import message_send_again

    message = stuck()
    assert message_deliver(message_pk=message.pk).delivery == "sending"  # a redelivered task never sends it
    responses.post(WA_URL, json={"messages": [{"id": "wamid.AGAIN"}]})
    with django_capture_on_commit_callbacks(execute=True):
        queued = message_send_again(message_pk=message.pk, actor=agent_user)
    assert (queued.delivery, queued.sending_at) == ("queued", None)
    message.refresh_from_db()
    assert (message.delivery, message.external_id, message.attempts) == ("sent", "wamid.AGAIN", 2)
    assert len(responses.calls) == 1
    event = message.ticket.events.get()
    assert (event.actor, event.from_status, event.to_status) == (agent_user, event.to_status, message.ticket.status)
    assert event.note.startswith("The reply of ")
    assert event.note.endswith(" was sent again.")
    with pytest.raises(ValidationError) as refused:
        message_send_again(message_pk=message.pk, actor=agent_user)
    assert refused.value.code == "not_undelivered"
    assert len(responses.calls) == 1


def test_a_reply_in_flight_or_sent_cannot_be_sent_again_or_marked(agent_user):
    from tickets.services import message_mark_sent, message_send_again

    for delivery, minutes in (("sending", 2), ("queued", 30), ("sent", 30)):
        message = stuck(minutes_ago=minutes, key=f"k-{delivery}")
        Message.objects.filter(pk=message.pk).update(delivery=delivery)
        for decide in (message_send_again, message_mark_sent):
            with pytest.raises(ValidationError) as refused:
                decide(message_pk=message.pk, actor=agent_user)
            assert refused.value.code == "not_undelivered"
        message.refresh_from_db()
        assert message.delivery == delivery
    assert not Message.objects.get(outbox_key="k-sending").ticket.events.exists()


def test_the_agent_marks_an_unconfirmed_reply_sent_and_it_is_never_sent(django_capture_on_commit_callbacks,
                                                                        agent_user):
    from tickets.services import message_mark_sent

    message = stuck()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        marked = message_mark_sent(message_pk=message.pk, actor=agent_user)
    assert callbacks == []  # nothing queued
    assert (marked.delivery, marked.unconfirmed) == ("sent", False)
    assert marked.sent_at is not None
    assert message_deliver(message_pk=message.pk).delivery == "sent"
    assert "marked sent" in message.ticket.events.get().note


@responses.activate
def test_a_refused_reply_is_sent_again_after_the_cause_is_fixed_but_never_marked_sent(
        django_capture_on_commit_callbacks, tasks_inline, agent_user):
    from tickets.services import message_mark_sent, message_send_again

    responses.post(WA_URL, status=400, json={"error": {"message": "(#131030) Recipient phone number not in "
                                                                  "allowed list", "code": 131030}})
    message = Message.objects.create(ticket=ticket("whatsapp"), direction="outbound", channel="whatsapp",
                                     body="Hi", delivery="queued", outbox_key="k-refused")
    assert message_deliver(message_pk=message.pk).delivery == "failed"
    with pytest.raises(ValidationError) as refused:
        message_mark_sent(message_pk=message.pk, actor=agent_user)
    assert refused.value.code == "refused"
    responses.replace(responses.POST, WA_URL, json={"messages": [{"id": "wamid.FIXED"}]})  # number now allowed
    with django_capture_on_commit_callbacks(execute=True):
        message_send_again(message_pk=message.pk, actor=agent_user)
    message.refresh_from_db()
    assert (message.delivery, message.external_id, message.delivery_error) == ("sent", "wamid.FIXED", "")


def test_sending_again_keeps_the_channel_s_window(agent_user):
    """WhatsApp: a free-text reply again only inside 24 hours of the customer's last message."""
    from tickets.services import message_send_again

    message = stuck(hours_ago=30)
    with pytest.raises(ValidationError) as refused:
        message_send_again(message_pk=message.pk, actor=agent_user)
    assert refused.value.code == "template_required"
    message.refresh_from_db()
    assert message.delivery == "sending"
    assert not message.ticket.events.exists()


@pytest.mark.django_db(transaction=True)
def test_two_agents_sending_again_at_once_queue_it_once(require_postgres, agent_user, monkeypatch):
    from tests.concurrency import at_once
    from tickets import tasks
    from tickets.services import message_send_again

    queued = []
    monkeypatch.setattr(tasks.message_deliver_task, "delay", queued.append)
    message = stuck()
    outcomes = at_once(*[lambda: message_send_again(message_pk=message.pk, actor=agent_user)] * 2)
    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["Message", "ValidationError"]
    assert queued == [message.pk]
    assert message.ticket.events.count() == 1
