"""An AfterShip-style ``tracking_update`` body → tracking events. Pure functions: no database.

The body we accept (AfterShip's webhook v4 shape; other services can be made to send it)::

    {"event": "tracking_update", "event_id": "…",          # event_id optional: else the body's SHA-256
     "msg": {"tracking_number": "1Z…", "slug": "ups", "tag": "Delivered",
             "signed_by": "D JOHNSON",                       # proof of delivery: who signed
             "proof_of_delivery": {"photo_url": "https://…", "latitude": 52.52, "longitude": 13.40},
             "checkpoints": [{"checkpoint_time": "2026-05-02T16:24:38+02:00", "tag": "Delivered",
                              "subtag": "Delivered_001", "message": "Signed for by: D JOHNSON",
                              "location": "Berlin, DE", "coordinates": [52.52, 13.40]}]}}

Every checkpoint becomes one tracking event; its id is ``checkpoint.id`` where the service gives one, else a
digest of its time, tag, subtag, message and location, so the full list AfterShip resends with every update
is recorded once. A checkpoint time without a UTC offset is taken as UTC. With no checkpoints, the
tracking's own tag becomes one event. Proof of delivery (signer, photo, GPS) goes on the latest delivered
checkpoint: ``msg.proof_of_delivery`` first, then ``msg.signed_by`` and that checkpoint's coordinates
(``coordinates: [lat, lng]`` or ``coordinate: {"latitude", "longitude"}``).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from aftersales.choices import ShipmentStatus
from aftersales.services.ingestion import ProofOfDelivery, ShipmentRef, TrackingEventData

EVENT_TYPE = "tracking_update"
TAGS = {
    "Pending": ShipmentStatus.PENDING, "InfoReceived": ShipmentStatus.PENDING,
    "InTransit": ShipmentStatus.IN_TRANSIT, "OutForDelivery": ShipmentStatus.OUT_FOR_DELIVERY,
    "AvailableForPickup": ShipmentStatus.OUT_FOR_DELIVERY, "AttemptFail": ShipmentStatus.EXCEPTION,
    "Exception": ShipmentStatus.EXCEPTION, "Expired": ShipmentStatus.EXCEPTION,
    "Delivered": ShipmentStatus.DELIVERED,
}


class TrackingPayloadError(ValueError):
    """The body lacks something we need; the message names the field."""


def event_id(payload: dict, body: bytes) -> str:
    """What makes a delivery unique in the inbox: the service's event id, else the body's digest."""
    given = payload.get("event_id") or payload.get("id")
    return str(given) if given else "sha256:" + hashlib.sha256(body).hexdigest()


def tracking_events(payload: dict) -> list[TrackingEventData]:
    msg = payload.get("msg")
    if not isinstance(msg, dict):
        raise TrackingPayloadError(_("%(field)s is missing.") % {"field": "msg"})
    number = str(msg.get("tracking_number") or "").strip()
    if not number:
        raise TrackingPayloadError(_("%(field)s is missing.") % {"field": "msg.tracking_number"})
    shipment = ShipmentRef(tracking_number=number, carrier=str(msg.get("slug") or ""))
    checkpoints = [checkpoint for checkpoint in msg.get("checkpoints") or [] if isinstance(checkpoint, dict)]
    if not checkpoints:
        checkpoints = [{"tag": msg.get("tag"), "subtag": msg.get("subtag"), "message": msg.get("subtag_message"),
                        "checkpoint_time": msg.get("updated_at") or _from_timestamp(payload.get("ts"))}]
    events = []
    for position, checkpoint in enumerate(checkpoints):
        occurred_at = _time(checkpoint.get("checkpoint_time") or checkpoint.get("created_at"),
                            f"msg.checkpoints[{position}].checkpoint_time")
        events.append(TrackingEventData(
            shipment=shipment, external_id=_checkpoint_id(checkpoint, occurred_at), occurred_at=occurred_at,
            status=TAGS.get(str(checkpoint.get("tag") or ""), ShipmentStatus.IN_TRANSIT),
            description=str(checkpoint.get("message") or checkpoint.get("subtag_message") or "")[:500],
            location=_location(checkpoint)[:200]))
    delivered = [index for index, event in enumerate(events) if event.status == ShipmentStatus.DELIVERED]
    if delivered:
        index = max(delivered, key=lambda i: events[i].occurred_at)
        proof = _proof(msg, checkpoints[index])
        if proof is not None:
            event = events[index]
            events[index] = TrackingEventData(shipment=event.shipment, external_id=event.external_id,
                                              occurred_at=event.occurred_at, status=event.status,
                                              description=event.description, location=event.location, proof=proof)
    return sorted(events, key=lambda event: event.occurred_at)


def _checkpoint_id(checkpoint: dict, occurred_at: datetime) -> str:
    if checkpoint.get("id"):
        return str(checkpoint["id"])[:128]
    parts = [occurred_at.isoformat(), *(str(checkpoint.get(key) or "") for key in ("tag", "subtag", "message",
                                                                                   "location"))]
    return "cp-" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def _location(checkpoint: dict) -> str:
    if checkpoint.get("location"):
        return str(checkpoint["location"])
    parts = (checkpoint.get(key) for key in ("city", "state", "country_name", "country_iso3", "country_region"))
    return ", ".join(str(part) for part in parts if part)


def _proof(msg: dict, checkpoint: dict) -> ProofOfDelivery | None:
    given = msg.get("proof_of_delivery") if isinstance(msg.get("proof_of_delivery"), dict) else {}
    latitude, longitude = given.get("latitude"), given.get("longitude")
    if latitude is None or longitude is None:
        latitude, longitude = _coordinates(checkpoint)
    proof = ProofOfDelivery(signer=str(given.get("signed_by") or given.get("signer") or msg.get("signed_by") or ""),
                            photo_url=str(given.get("photo_url") or ""), latitude=_decimal(latitude, "latitude"),
                            longitude=_decimal(longitude, "longitude"))
    return proof if (proof.signer or proof.photo_url or proof.latitude is not None) else None


def _coordinates(checkpoint: dict):
    pair = checkpoint.get("coordinates")
    if isinstance(pair, list) and len(pair) == 2:
        return pair[0], pair[1]
    point = checkpoint.get("coordinate")
    if isinstance(point, dict):
        return point.get("latitude"), point.get("longitude")
    return None, None


def _decimal(value, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise TrackingPayloadError(_("%(field)s is not a number.") % {"field": field}) from None


def _time(value, field: str) -> datetime:
    parsed = parse_datetime(str(value)) if value else None
    if parsed is None:
        raise TrackingPayloadError(_("%(field)s is not a date and time.") % {"field": field})
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _from_timestamp(value) -> str | None:
    try:
        return datetime.fromtimestamp(int(value), tz=UTC).isoformat()
    except (TypeError, ValueError, OverflowError, OSError):
        return None
