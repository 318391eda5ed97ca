"""Every write of disputes (STYLE #1, #4, #9).

``dispute_upsert_from_stripe`` / ``dispute_upsert_from_paypal`` turn one provider event into a snapshot
(``disputes.integrations``) and apply it to the dispute, under a row lock, in one transaction:

* **Idempotent per event**: an event id already on the timeline changes nothing.
* **Out of order**: an event whose provider time is older than the dispute's ``provider_updated_at`` — or a
  *created* event for a dispute we already have — is written to the timeline (``applied=False``) and changes
  nothing else. Provider times have one-second resolution, so equal times are applied.
* **Closed stays closed**: a closed dispute never goes back to an open status (``choices.transition_allowed``);
  such an event still records money movements and the payment link, and notes the refusal on the timeline.
* **Funds** are the larger of what we have and what the event says (both are totals, not increments), so a
  redelivered or repeated movement is never counted twice.
* The payment is linked by the provider's reference (Stripe charge or payment intent, PayPal seller transaction
  id) against ``Payment.provider_payment_id`` (and PayPal's ``provider_order_id``); a dispute that arrives
  before its payment is linked by a later event.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q

from aftersales.models import Payment

from .choices import CLOSED_STATUSES, STATUS_OUTCOMES, DisputeOutcome, DisputeProvider, transition_allowed
from .integrations import DisputeSnapshot, paypal_snapshot, stripe_snapshot
from .models import Dispute, DisputeEvent

INTERNAL_WINDOW = timedelta(days=7)
PROVIDER_DEADLINE_MARGIN = timedelta(hours=48)


def dispute_internal_deadline(*, opened_at: datetime | None, respond_by: datetime | None) -> datetime | None:
    """The earlier of opened + 7 days and the provider's deadline − 48 h (DESIGN section 4)."""
    candidates = [time for time in (opened_at and opened_at + INTERNAL_WINDOW,
                                    respond_by and respond_by - PROVIDER_DEADLINE_MARGIN) if time]
    return min(candidates) if candidates else None


def dispute_upsert_from_stripe(*, event: dict) -> Dispute:
    """Apply a ``charge.dispute.*`` event (the parsed webhook body)."""
    return dispute_apply_snapshot(snapshot=stripe_snapshot(event), raw_event=event)


def dispute_upsert_from_paypal(*, event: dict) -> Dispute:
    """Apply a ``CUSTOMER.DISPUTE.*`` event (the parsed webhook body)."""
    return dispute_apply_snapshot(snapshot=paypal_snapshot(event), raw_event=event)


@transaction.atomic
def dispute_apply_snapshot(*, snapshot: DisputeSnapshot, raw_event: dict | None = None) -> Dispute:
    dispute, new = _locked_dispute(snapshot)
    if DisputeEvent.objects.filter(provider_event_id=snapshot.event_id).exists():
        return dispute  # already applied or recorded: a redelivery
    event_raw = _event_summary(raw_event, snapshot)
    if not new and _stale(dispute, snapshot):
        DisputeEvent.objects.create(
            dispute=dispute, provider_event_id=snapshot.event_id, type=snapshot.event_type,
            occurred_at=snapshot.occurred_at, from_status=dispute.status, to_status=dispute.status, applied=False,
            note=_stale_note(dispute, snapshot), raw=event_raw)
        return dispute

    from_status = "" if new else dispute.status
    notes = []
    if new or transition_allowed(dispute.status, snapshot.status):
        _apply_state(dispute, snapshot, new=new)
    else:
        notes.append(f"{snapshot.provider_status or snapshot.status} refused: the dispute is closed "
                     f"({dispute.status}) and stays closed")
    _apply_money_and_links(dispute, snapshot)
    dispute.provider_updated_at = max(filter(None, (dispute.provider_updated_at, snapshot.updated_at)))
    dispute.full_clean()
    dispute.save()
    DisputeEvent.objects.create(
        dispute=dispute, provider_event_id=snapshot.event_id, type=snapshot.event_type,
        occurred_at=snapshot.occurred_at, from_status=from_status, to_status=dispute.status, applied=True,
        note="; ".join(notes), raw=event_raw)
    return dispute


def _locked_dispute(snapshot: DisputeSnapshot) -> tuple[Dispute, bool]:
    lookup = {"provider": snapshot.provider, "provider_id": snapshot.provider_id}
    dispute = Dispute.objects.select_for_update().filter(**lookup).first()
    if dispute is not None:
        return dispute, False
    try:
        with transaction.atomic():
            Dispute.objects.create(**lookup, status=snapshot.status, currency=snapshot.currency,
                                   amount_minor=snapshot.amount_minor)
    except IntegrityError:  # another worker created it first: apply on top of its version
        return Dispute.objects.select_for_update().get(**lookup), False
    return Dispute.objects.select_for_update().get(**lookup), True


def _stale(dispute: Dispute, snapshot: DisputeSnapshot) -> bool:
    if snapshot.event_type.lower().endswith("created"):
        return True  # the dispute already exists, so whatever made it is at least as new as its creation
    return dispute.provider_updated_at is not None and snapshot.updated_at < dispute.provider_updated_at


def _stale_note(dispute: Dispute, snapshot: DisputeSnapshot) -> str:
    known = dispute.provider_updated_at.isoformat() if dispute.provider_updated_at else "?"
    return (f"out of order: {snapshot.event_type} at {snapshot.updated_at.isoformat()} is older than the version "
            f"we have ({known}); nothing changed")


def _apply_state(dispute: Dispute, snapshot: DisputeSnapshot, *, new: bool) -> None:
    was_closed = not new and dispute.status in CLOSED_STATUSES
    dispute.status = snapshot.status
    dispute.provider_status = snapshot.provider_status
    dispute.stage = snapshot.stage
    dispute.reason, dispute.provider_reason = snapshot.reason, snapshot.provider_reason
    dispute.network_reason_code = snapshot.network_reason_code or dispute.network_reason_code
    dispute.currency, dispute.amount_minor = snapshot.currency, snapshot.amount_minor
    dispute.opened_at = snapshot.opened_at or dispute.opened_at
    dispute.respond_by = snapshot.respond_by or dispute.respond_by
    dispute.internal_deadline = dispute_internal_deadline(opened_at=dispute.opened_at, respond_by=dispute.respond_by)
    if snapshot.status in CLOSED_STATUSES:
        dispute.outcome = snapshot.outcome or STATUS_OUTCOMES.get(snapshot.status, DisputeOutcome.NONE)
        if not was_closed or dispute.closed_at is None:
            dispute.closed_at = snapshot.closed_at or snapshot.occurred_at
    else:
        dispute.outcome, dispute.closed_at = DisputeOutcome.NONE, None
    dispute.raw = snapshot.raw


def _apply_money_and_links(dispute: Dispute, snapshot: DisputeSnapshot) -> None:
    if snapshot.funds_withdrawn_minor is not None:
        dispute.funds_withdrawn_minor = max(dispute.funds_withdrawn_minor, snapshot.funds_withdrawn_minor)
    if snapshot.funds_reinstated_minor is not None:
        dispute.funds_reinstated_minor = max(dispute.funds_reinstated_minor, snapshot.funds_reinstated_minor)
    if snapshot.payment_references and not dispute.payment_reference:
        dispute.payment_reference = snapshot.payment_references[0][:128]
    if dispute.payment_id is None and snapshot.payment_references:
        payment = _payment_for(snapshot.provider, snapshot.payment_references)
        if payment is not None:
            dispute.payment, dispute.order_id = payment, payment.order_id


def _payment_for(provider: str, references: tuple[str, ...]) -> Payment | None:
    match = Q(provider_payment_id__in=references)
    if provider == DisputeProvider.PAYPAL:
        match |= Q(provider_order_id__in=references)
    return Payment.objects.filter(match, provider=provider).order_by("id").first()


def _event_summary(raw_event: dict | None, snapshot: DisputeSnapshot) -> dict:
    """What the timeline keeps of an event: its envelope (the dispute object itself is kept on the dispute)."""
    if not raw_event:
        return {"id": snapshot.event_id, "type": snapshot.event_type}
    envelope = {key: value for key, value in raw_event.items() if key not in ("data", "resource")}
    data = raw_event.get("data")
    if isinstance(data, dict) and data.get("previous_attributes"):
        envelope["previous_attributes"] = data["previous_attributes"]
    return envelope
