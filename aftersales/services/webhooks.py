"""The webhook inbox: store a verified delivery once, answer 2xx, process it later in a task (STYLE #7).

A view verifies the signature on the raw body, then calls ``webhook_receive``; the unique
(provider, event_id) makes a repeated delivery a no-op ("already have it"). ``webhook_process`` runs the
handler registered for the event's (provider, type) inside a transaction: success marks it processed, an
exception marks it failed with the error (the task retries with backoff; the admin action and
``manage.py webhooks_reprocess`` queue it again). Handlers live with the app that owns the domain and
register themselves with ``@webhook_handler(provider, *event_types)``.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone

from aftersales.choices import WebhookStatus
from aftersales.models import InboundWebhookEvent

logger = logging.getLogger(__name__)

Handler = Callable[[InboundWebhookEvent], None]
_HANDLERS: dict[tuple[str, str], Handler] = {}


def webhook_handler(provider: str, *event_types: str):
    """Register the decorated function for these event types (``"*"`` is every type of the provider)."""
    def register(function: Handler) -> Handler:
        for event_type in event_types:
            _HANDLERS[(provider, event_type)] = function
        return function
    return register


def handler_for(provider: str, event_type: str) -> Handler | None:
    return _HANDLERS.get((provider, event_type)) or _HANDLERS.get((provider, "*"))


def webhook_receive(*, provider: str, event_id: str, event_type: str, headers: dict, body: str
                    ) -> tuple[InboundWebhookEvent, bool]:
    """Store a verified delivery; ``created`` is False for a duplicate, which is not processed again."""
    try:
        with transaction.atomic():
            event = InboundWebhookEvent.objects.create(provider=provider, event_id=event_id[:200],
                                                       event_type=event_type[:120], headers=headers, body=body)
    except IntegrityError:
        return InboundWebhookEvent.objects.get(provider=provider, event_id=event_id[:200]), False
    from aftersales.tasks import webhook_process_task

    transaction.on_commit(lambda: webhook_process_task.delay(event.pk))
    return event, True


def webhook_process(*, event_pk: int) -> InboundWebhookEvent:
    """Run the event's handler once. Raises the handler's exception after recording it (for the retry)."""
    with transaction.atomic():
        event = InboundWebhookEvent.objects.select_for_update().get(pk=event_pk)
        if event.status in (WebhookStatus.PROCESSED, WebhookStatus.IGNORED):
            return event
        handler = handler_for(event.provider, event.event_type)
        event.attempts += 1
        if handler is None:
            event.status, event.processed_at, event.error = WebhookStatus.IGNORED, timezone.now(), ""
            event.save(update_fields=["status", "processed_at", "error", "attempts"])
            return event
        try:
            with transaction.atomic():
                handler(event)
        except Exception as error:
            event.status = WebhookStatus.FAILED
            event.error = "".join(traceback.format_exception_only(error)).strip()[:4000]
            event.save(update_fields=["status", "error", "attempts"])
            logger.warning("webhook %s %s (#%s) failed: %s", event.provider, event.event_type, event.pk,
                           type(error).__name__)
            failure = error
        else:
            event.status, event.processed_at, event.error = WebhookStatus.PROCESSED, timezone.now(), ""
            event.save(update_fields=["status", "processed_at", "error", "attempts"])
            return event
    raise failure


def webhook_reprocess(*, event_pks: list[int]) -> int:
    """Queue failed or received events again (admin action, ``webhooks_reprocess``); returns how many."""
    from aftersales.tasks import webhook_process_task

    pks = list(InboundWebhookEvent.objects.filter(pk__in=event_pks)
               .exclude(status__in=[WebhookStatus.PROCESSED, WebhookStatus.IGNORED]).values_list("pk", flat=True))
    InboundWebhookEvent.objects.filter(pk__in=pks).update(status=WebhookStatus.RECEIVED)
    for pk in pks:
        transaction.on_commit(lambda pk=pk: webhook_process_task.delay(pk))
    return len(pks)
