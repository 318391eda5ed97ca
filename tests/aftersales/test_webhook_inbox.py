"""The shared webhook inbox: stored once, processed once, failures kept with the error and retried."""

import pytest

from aftersales.choices import WebhookStatus
from aftersales.models import InboundWebhookEvent
from aftersales.services import webhooks
from aftersales.services.webhooks import webhook_handler, webhook_process, webhook_receive, webhook_reprocess

pytestmark = pytest.mark.django_db


@pytest.fixture
def handlers(monkeypatch):
    monkeypatch.setattr(webhooks, "_HANDLERS", {})
    calls = []

    @webhook_handler("tracking", "ok")
    def ok(event):
        calls.append(event.event_id)

    @webhook_handler("tracking", "boom")
    def boom(event):
        calls.append(event.event_id)
        raise ValueError("unknown tracking number YT1")

    return calls


def receive(event_id, event_type="ok"):
    return webhook_receive(provider="tracking", event_id=event_id, event_type=event_type,
                           headers={"X-Test": "1"}, body='{"n": 1}')


def test_a_delivery_is_stored_once_and_queued_after_commit(handlers, django_capture_on_commit_callbacks, monkeypatch):
    from aftersales import tasks

    queued = []
    monkeypatch.setattr(tasks.webhook_process_task, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        event, created = receive("evt-1")
        again, created_again = receive("evt-1")
    assert (created, created_again) == (True, False)
    assert again.pk == event.pk
    assert queued == [event.pk]
    assert InboundWebhookEvent.objects.count() == 1
    assert (event.headers, event.body, event.status) == ({"X-Test": "1"}, '{"n": 1}', "received")


def test_processing_twice_runs_the_handler_once(handlers):
    event, _ = receive("evt-2")
    assert webhook_process(event_pk=event.pk).status == WebhookStatus.PROCESSED
    assert webhook_process(event_pk=event.pk).status == WebhookStatus.PROCESSED
    assert handlers == ["evt-2"]


def test_an_event_without_a_handler_is_ignored_not_lost(handlers):
    event, _ = receive("evt-3", "never-heard-of-it")
    processed = webhook_process(event_pk=event.pk)
    assert (processed.status, processed.attempts) == (WebhookStatus.IGNORED, 1)
    assert InboundWebhookEvent.objects.filter(pk=event.pk).exists()


def test_a_failing_handler_keeps_the_event_failed_with_the_error_then_reprocess(handlers):
    event, _ = receive("evt-4", "boom")
    with pytest.raises(ValueError, match="unknown tracking number"):
        webhook_process(event_pk=event.pk)
    event.refresh_from_db()
    assert (event.status, event.attempts, event.error) == ("failed", 1, "ValueError: unknown tracking number YT1")
    assert webhook_reprocess(event_pks=[event.pk]) == 1
    event.refresh_from_db()
    assert event.status == WebhookStatus.RECEIVED


def test_a_handler_failure_rolls_back_its_own_writes(monkeypatch):
    monkeypatch.setattr(webhooks, "_HANDLERS", {})

    @webhook_handler("tracking", "half")
    def half(event):
        InboundWebhookEvent.objects.create(provider="tracking", event_id="written-by-handler", body="")
        raise RuntimeError("then failed")

    event, _ = receive("evt-5", "half")
    with pytest.raises(RuntimeError):
        webhook_process(event_pk=event.pk)
    assert not InboundWebhookEvent.objects.filter(event_id="written-by-handler").exists()
    assert InboundWebhookEvent.objects.get(pk=event.pk).status == WebhookStatus.FAILED


def test_reprocess_leaves_processed_events_alone(handlers):
    event, _ = receive("evt-6")
    webhook_process(event_pk=event.pk)
    assert webhook_reprocess(event_pks=[event.pk]) == 0
