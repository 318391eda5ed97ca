"""Tracking webhook handler: records a stored ``tracking_update`` delivery's checkpoints (STYLE #7).

A tracking number we do not know yet fails the event with ``MissingReference`` ("No shipment has the
tracking number …"): the raw delivery stays in the inbox, the task retries it with backoff, and storing a
shipment with that tracking number queues it again (``shipment_upsert``). Other event types of the service
(delivery-date estimates, …) have no handler and are marked ignored.

Imported at start-up by ``AftersalesConfig.ready`` so that the handler is registered in every process.
"""

from __future__ import annotations

from aftersales.choices import WebhookProvider
from aftersales.models import InboundWebhookEvent
from aftersales.services.ingestion import tracking_event_record
from aftersales.services.webhooks import webhook_handler

from ..payloads import rejected, stored_json_object
from . import mapping


@webhook_handler(WebhookProvider.TRACKING, mapping.EVENT_TYPE)
def tracking_update(event: InboundWebhookEvent) -> None:
    payload = stored_json_object(event.body)
    with rejected(mapping.TrackingPayloadError):
        for data in mapping.tracking_events(payload):
            tracking_event_record(data=data)
