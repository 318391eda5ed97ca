"""The tracking webhook (AfterShip-style): signature gate, dedupe, status and proof of delivery, and an
unknown tracking number kept as a failed event until its shipment arrives."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from aftersales.choices import ShipmentStatus, WebhookStatus
from aftersales.integrations.tracking import mapping
from aftersales.models import InboundWebhookEvent, Shipment, TrackingEvent
from tests import factories

from .ingestion_support import TRACKING_SECRET, counts, inline_worker, nothing, reload, tracking_post


@pytest.fixture(autouse=True)
def configured(settings):
    settings.TRACKING_WEBHOOK_SECRET = TRACKING_SECRET


@pytest.fixture
def shipment(db):
    order = factories.order(market_code="DE")
    return factories.shipment(order, carrier="DHL", tracking_number="JD014600003828", external_id="s-1",
                              shipped_at=None)


CHECKPOINTS = [
    {"checkpoint_time": "2026-05-02T08:00:00+08:00", "tag": "InTransit", "subtag": "InTransit_001",
     "message": "Shipment picked up", "city": "Shenzhen", "country_iso3": "CHN"},
    {"checkpoint_time": "2026-05-08T07:30:00+02:00", "tag": "OutForDelivery", "subtag": "OutForDelivery_001",
     "message": "Out for delivery", "location": "Berlin, DE"},
    {"checkpoint_time": "2026-05-08T14:12:00+02:00", "tag": "Delivered", "subtag": "Delivered_001",
     "message": "Delivered, signed for by: J ODE", "location": "Berlin, DE", "coordinates": [52.5319, 13.3859]},
]


def update(*, number="JD014600003828", checkpoints=CHECKPOINTS, event_id="evt-1", **msg):
    payload = {"event": "tracking_update",
               "msg": {"tracking_number": number, "slug": "dhl", "tag": checkpoints[-1]["tag"] if checkpoints else
                       "InTransit", "checkpoints": checkpoints, **msg}, "ts": 1778242320}
    if event_id:
        payload["event_id"] = event_id
    return payload


def deliver(client, payload, **kwargs):
    with inline_worker():
        return tracking_post(client, payload, **kwargs)


def event() -> InboundWebhookEvent:
    return InboundWebhookEvent.objects.get(provider="tracking")


# -- the gate ----------------------------------------------------------------------------------------------

def test_bad_signature_is_401_and_nothing_is_stored(client, shipment, caplog):
    caplog.set_level(logging.INFO)
    before = counts()
    response = tracking_post(client, update(), secret="not-the-secret")
    assert response.status_code == 401
    assert response.json() == {"detail": "The signature is missing or wrong."}
    assert counts() == before
    assert [record.getMessage().split(" (")[0] for record in caplog.records
            if record.name == "aftersales.views.webhooks"] == ["tracking webhook refused: bad signature"]


def test_missing_signature_is_401(client, shipment):
    before = counts()
    assert tracking_post(client, update(), secret=None).status_code == 401
    assert counts() == before


def test_malformed_json_is_400_and_nothing_is_stored(client, shipment):
    before = counts()
    response = tracking_post(client, None, raw=b'{"event": "tracking_update", "msg": ')
    assert response.status_code == 400
    assert response.json() == {"detail": "The body is not a JSON object."}
    assert counts() == before


def test_only_post_is_allowed(client):
    assert client.get("/webhooks/tracking/").status_code == 405


# -- recording ---------------------------------------------------------------------------------------------

def test_update_records_events_status_delivery_time_and_proof(client, shipment):
    payload = update(signed_by="J ODE", proof_of_delivery={"photo_url": "https://pod.example.com/JD01.jpg"})
    response = deliver(client, payload)

    assert response.status_code == 200
    assert response.json() == {"status": "stored", "event": event().pk}
    assert (event().event_id, event().event_type, event().status) == ("evt-1", "tracking_update",
                                                                       WebhookStatus.PROCESSED)
    assert list(TrackingEvent.objects.order_by("occurred_at").values_list("status", "description", "location")) == [
        (ShipmentStatus.IN_TRANSIT, "Shipment picked up", "Shenzhen, CHN"),
        (ShipmentStatus.OUT_FOR_DELIVERY, "Out for delivery", "Berlin, DE"),
        (ShipmentStatus.DELIVERED, "Delivered, signed for by: J ODE", "Berlin, DE")]
    shipment = reload(shipment)
    assert shipment.status == ShipmentStatus.DELIVERED
    assert shipment.shipped_at == datetime(2026, 5, 2, 0, 0, tzinfo=UTC)
    assert shipment.delivered_at == datetime(2026, 5, 8, 12, 12, tzinfo=UTC)
    assert (shipment.pod_signer, shipment.pod_photo_url, shipment.pod_latitude, shipment.pod_longitude) == (
        "J ODE", "https://pod.example.com/JD01.jpg", Decimal("52.531900"), Decimal("13.385900"))


def test_a_duplicate_delivery_is_200_and_processed_once(client, shipment):
    with inline_worker() as ran:
        first = tracking_post(client, update())
        second = tracking_post(client, update())
    assert second.status_code == 200
    assert second.json() == {"status": "duplicate", "event": first.json()["event"]}
    assert ran == [first.json()["event"]]
    assert InboundWebhookEvent.objects.count() == 1
    assert TrackingEvent.objects.count() == 3


def test_without_an_event_id_the_body_digest_deduplicates(client, shipment):
    payload = update(event_id=None)
    deliver(client, payload)
    deliver(client, payload)
    assert event().event_id == "sha256:" + hashlib.sha256(json.dumps(payload).encode()).hexdigest()
    assert InboundWebhookEvent.objects.count() == 1


def test_resent_checkpoints_in_a_later_update_are_recorded_once(client, shipment):
    deliver(client, update(checkpoints=CHECKPOINTS[:2], event_id="evt-1"))
    deliver(client, update(checkpoints=CHECKPOINTS, event_id="evt-2"))
    assert TrackingEvent.objects.count() == 3
    assert reload(shipment).status == ShipmentStatus.DELIVERED


def test_a_late_older_checkpoint_does_not_move_the_status_back(client, shipment):
    deliver(client, update(checkpoints=[CHECKPOINTS[2]], event_id="evt-1"))
    deliver(client, update(checkpoints=[CHECKPOINTS[0]], event_id="evt-2"))
    assert reload(shipment).status == ShipmentStatus.DELIVERED
    assert TrackingEvent.objects.count() == 2


def test_an_update_without_checkpoints_records_the_tag(client, shipment):
    deliver(client, update(checkpoints=[], tag="Exception", updated_at="2026-05-09T10:00:00+00:00"))
    recorded = TrackingEvent.objects.get()
    assert (recorded.status, recorded.occurred_at) == (ShipmentStatus.EXCEPTION, datetime(2026, 5, 9, 10, tzinfo=UTC))
    assert reload(shipment).status == ShipmentStatus.EXCEPTION


def test_other_event_types_are_stored_and_ignored(client, shipment):
    deliver(client, {"event": "edd_revise", "event_id": "evt-9", "msg": {"tracking_number": "JD014600003828"}})
    assert event().status == WebhookStatus.IGNORED
    assert TrackingEvent.objects.count() == 0


def test_naive_checkpoint_times_are_utc():
    (data,) = mapping.tracking_events(update(checkpoints=[{"checkpoint_time": "2014-05-02T16:24:38",
                                                           "tag": "Delivered"}]))
    assert data.occurred_at == datetime(2014, 5, 2, 16, 24, 38, tzinfo=UTC)


# -- unknown tracking number: kept, failed with a clear error, processed when the shipment arrives ----------

def test_unknown_tracking_number_is_kept_as_a_failed_event_with_a_clear_error(client, db):
    response = deliver(client, update(number="ZZ404"))
    assert response.status_code == 200
    waiting = event()
    assert waiting.status == WebhookStatus.FAILED
    assert waiting.error == ("aftersales.services.ingestion.MissingReference: No shipment has the tracking number "
                             "“ZZ404” (yet): the event is kept and processed again when its shipment arrives.")
    assert json.loads(waiting.body)["msg"]["tracking_number"] == "ZZ404"  # nothing lost
    assert counts() == nothing(InboundWebhookEvent=1)


def test_the_waiting_event_is_processed_when_its_shipment_arrives_through_the_api(client, db, django_user_model):
    deliver(client, update(number="ZZ404"))
    order = factories.order(market_code="DE", external_id="ext-77")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token " + Token.objects.create(
        user=django_user_model.objects.create_user(username="bot", is_staff=True)).key)

    with inline_worker() as ran:
        response = api.post("/api/v1/shipments/", {"order_external_id": "ext-77", "external_id": "s-1",
                                                   "carrier": "DHL", "tracking_number": "ZZ404"}, format="json")
    assert response.status_code == 201
    assert ran == [event().pk]
    assert event().status == WebhookStatus.PROCESSED
    shipment = Shipment.objects.get(order=order)
    assert shipment.status == ShipmentStatus.DELIVERED
    assert shipment.events.count() == 3
