"""Backfill of disputes from each provider's list endpoint (the ``disputes_sync`` command), through the webhooks' path.

* Each dispute object read (Stripe ``GET /v1/disputes``, PayPal ``GET /v1/customer/disputes`` and each dispute's
  details) is wrapped in an event envelope and turned into a snapshot by the same ``stripe_snapshot`` /
  ``paypal_snapshot`` the webhooks use, then applied by ``services.dispute_apply_snapshot`` (row lock, order of
  events, closed stays closed, funds never counted twice).
* **Idempotent**: the envelope's id is ``sync:<provider>:<dispute id>:<digest of the object>``, and an event id
  already on the timeline changes nothing — so running the sync twice changes nothing, and an object that changed
  since the last run is applied once.
* **Version time**: PayPal's object has its own ``update_time``. A Stripe dispute has none, so the time the list
  was requested stands for it (the object is at least that new): a webhook created before that is older than what
  the sync applied, one created after is newer and applies on top.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from .choices import DisputeProvider
from .integrations import paypal_snapshot, stripe_snapshot
from .models import Dispute, DisputeEvent
from .services import dispute_apply_snapshot

SYNC_EVENT_TYPE = "disputes_sync"


@dataclass(frozen=True)
class SyncResult:
    provider: str
    counts: dict[str, int]  # read, created, updated, unchanged, older, skipped
    skipped: tuple[str, ...] = ()  # "<dispute id>: <why>"


def disputes_sync(*, provider: str) -> SyncResult:
    """Read every dispute of ``provider`` and apply what is new; ``ProviderError`` if the provider cannot be read."""
    started = timezone.now().replace(microsecond=0)
    if provider == DisputeProvider.STRIPE:
        from aftersales.integrations.stripe.disputes import StripeDisputes

        objects = StripeDisputes(api_key=settings.STRIPE_SECRET_KEY).disputes_list()
        envelope = _stripe_envelope
    else:
        from aftersales.integrations.paypal.disputes import PayPalDisputes

        objects = PayPalDisputes(mode=settings.PAYPAL_MODE, client_id=settings.PAYPAL_CLIENT_ID,
                                 client_secret=settings.PAYPAL_CLIENT_SECRET).disputes_list()
        envelope = _paypal_envelope
    counts, skipped = Counter(), []
    for item in objects:
        counts["read"] += 1
        provider_id = str(item.get("id") or item.get("dispute_id") or "?")
        event = envelope(item, started)
        try:
            snapshot = (stripe_snapshot if provider == DisputeProvider.STRIPE else paypal_snapshot)(event)
        except (KeyError, TypeError, ValueError) as error:
            counts["skipped"] += 1
            skipped.append(f"{provider_id}: {type(error).__name__} {error}"[:300])
            continue
        counts[_apply(snapshot, event)] += 1
    names = ("read", "created", "updated", "unchanged", "older", "skipped")
    return SyncResult(provider=provider, counts={name: counts[name] for name in names}, skipped=tuple(skipped))


def _apply(snapshot, event: dict) -> str:
    if DisputeEvent.objects.filter(provider_event_id=snapshot.event_id).exists():
        return "unchanged"
    existed = Dispute.objects.filter(provider=snapshot.provider, provider_id=snapshot.provider_id).exists()
    dispute_apply_snapshot(snapshot=snapshot, raw_event=event)
    if not existed:
        return "created"
    applied = DisputeEvent.objects.filter(provider_event_id=snapshot.event_id, applied=True).exists()
    return "updated" if applied else "older"


def _digest(item: dict) -> str:
    return hashlib.sha256(json.dumps(item, sort_keys=True, default=str).encode()).hexdigest()[:24]


def _stripe_envelope(item: dict, started) -> dict:
    return {"id": f"sync:stripe:{item.get('id')}:{_digest(item)}", "object": "event", "type": SYNC_EVENT_TYPE,
            "created": int(started.timestamp()), "data": {"object": item}}


def _paypal_envelope(item: dict, started) -> dict:
    return {"id": f"sync:paypal:{item.get('dispute_id')}:{_digest(item)}", "event_type": SYNC_EVENT_TYPE,
            "create_time": item.get("update_time") or started.isoformat(), "resource": item}
