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

``disputes_scan`` is the periodic deadline scan (DESIGN section 3, "deadlines are state, not timers"): for each
alert kind, in threshold order, one indexed query on the partial index of open disputes finds those whose
threshold has passed and that have no alert of that kind yet (one statement, a branch per kind); each gets its
``DisputeAlert`` under the unique (dispute, kind) constraint and, if this scan created it, its email — sent inside
the same transaction, so a failed send leaves nothing recorded and the next scan tries again, and a second scanner
waits on the unique index and then finds the row. A scan that did not run for hours therefore records late, never
twice and never early. (A crash between the send and the commit would send that email again: at least once.)

The T-12 h alert (where ``DISPUTES_AUTO_SUBMIT`` is on) is the record of the auto-submission: when it is created,
a complete packet that the provider lets us submit is queued for the ``disputes.submit`` task (after the commit);
an incomplete packet, or one that cannot go through the provider's API (no credentials, no PayPal link), is noted
and mailed to the managers; a response already sent is only noted. The alert exists once, so the queueing does too,
and the submission service itself sends at most once.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from aftersales.models import Payment
from aftersales.money import format_money

from . import selectors
from .choices import CLOSED_STATUSES, STATUS_OUTCOMES, DisputeOutcome, DisputeProvider, transition_allowed
from .integrations import DisputeSnapshot, paypal_snapshot, stripe_snapshot
from .models import ALERT_FLAGS, Dispute, DisputeAlert, DisputeEvent

logger = logging.getLogger(__name__)

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


# -- the deadline scan ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertRule:
    kind: str
    before_deadline: timedelta
    mails: bool


# Threshold order: a dispute that jumped past several thresholds gets the missing alerts in this order.
ALERT_RULES = (
    AlertRule(DisputeAlert.Kind.ASSIGNEE_72H, timedelta(hours=72), mails=True),
    AlertRule(DisputeAlert.Kind.MANAGERS_24H, timedelta(hours=24), mails=True),
    AlertRule(DisputeAlert.Kind.AUTO_SUBMIT_12H, timedelta(hours=12), mails=False),
    AlertRule(DisputeAlert.Kind.OVERDUE_INCIDENT, timedelta(0), mails=False),
)
AUTO_SUBMIT_WAITS_NOTE = "auto-submission waits for a complete packet"
AUTO_SUBMIT_QUEUED_NOTE = "auto-submission queued (complete packet)"
AUTO_SUBMIT_MANUAL_NOTE = "auto-submission impossible through the provider's API: respond by hand"
AUTO_SUBMIT_DONE_NOTE = "nothing to auto-submit: the response was already sent"
SCAN_LIMIT = 500  # per kind and scan; the rest is found by the next scan


def disputes_scan(*, now: datetime | None = None, limit: int = SCAN_LIMIT) -> dict[str, int]:
    """Record (and mail) every deadline alert that is due and not recorded yet; returns how many per kind.

    T-72 h mails the assignee (the managers when there is none with an email address), T-24 h the managers;
    T-12 h is recorded only where ``DISPUTES_AUTO_SUBMIT`` is on: a complete packet is queued for submission, an
    incomplete one (or one the provider's API cannot take) is mailed to the managers; past the internal deadline a
    dispute still awaiting a response becomes an incident.
    """
    now = now or timezone.now()
    auto_submit = bool(getattr(settings, "DISPUTES_AUTO_SUBMIT", False))
    counts = dict.fromkeys(DisputeAlert.Kind.values, 0)

    @functools.cache
    def managers() -> tuple[str, ...]:  # read once per scan, and only when an alert needs it
        return tuple(selectors.manager_emails())

    rules = [rule for rule in ALERT_RULES if auto_submit or rule.kind != DisputeAlert.Kind.AUTO_SUBMIT_12H]
    due = selectors.dispute_alerts_due(
        thresholds=[(rule.kind, now + rule.before_deadline, rule.kind == DisputeAlert.Kind.OVERDUE_INCIDENT)
                    for rule in rules], limit=limit)
    if not due:
        return counts  # the usual case: one cheap query
    disputes = Dispute.objects.select_related("order", "assignee").in_bulk({pk for _kind, pk in due})
    by_kind = {rule.kind: rule for rule in rules}
    for kind, pk in due:  # kinds in threshold order, so a dispute past several gets them in that order
        rule, dispute = by_kind[kind], disputes[pk]
        recipients: list[str] = []
        note, after = "", None
        if rule.mails:
            assignee = _assignee_email(dispute) if kind == DisputeAlert.Kind.ASSIGNEE_72H else ""
            recipients = [assignee] if assignee else list(managers())
        if kind == DisputeAlert.Kind.AUTO_SUBMIT_12H:
            if DisputeAlert.objects.filter(dispute=dispute, kind=kind).exists():
                continue  # recorded meanwhile by another scanner: do not build its packet again
            note, after = _auto_submission(dispute)
            if note in (AUTO_SUBMIT_WAITS_NOTE, AUTO_SUBMIT_MANUAL_NOTE):
                recipients = list(managers())
        if _alert_record(dispute=dispute, rule=rule, now=now, recipients=recipients, note=note, after=after):
            counts[kind] += 1
    return counts


def _auto_submission(dispute: Dispute):
    """The T-12 h decision: ``(note, what to do once the alert is recorded)``."""
    from .submission import FINAL, _packet, dispute_actions
    from .tasks import dispute_submit_task

    if dispute.submission_state in FINAL:
        return AUTO_SUBMIT_DONE_NOTE, None
    try:
        complete = _packet(dispute.pk).complete
    except Exception as error:  # a packet that cannot be built is not complete; the managers are told
        logger.warning("packet of dispute %s not built for auto-submission (%s)", dispute.pk, type(error).__name__)
        complete = False
    if not complete:
        return AUTO_SUBMIT_WAITS_NOTE, None
    if "submit" not in dispute_actions(dispute):
        return AUTO_SUBMIT_MANUAL_NOTE, None
    pk = dispute.pk

    def queue():
        try:
            dispute_submit_task.delay(pk)
        except Exception as error:  # the broker is down: the decision is undone, so the next scan takes it again
            logger.warning("auto-submission of dispute %s not queued (%s); the next scan queues it",
                           pk, type(error).__name__)
            _auto_submission_undone(pk)

    return AUTO_SUBMIT_QUEUED_NOTE, lambda: transaction.on_commit(queue)


def _auto_submission_undone(pk: int) -> None:
    """Forget a T-12 h decision whose task never reached the broker: its alert row and flag go, so the dispute is
    due again and the next scan decides anew (the packet may have changed) and queues it. Nothing was mailed for a
    queued submission, so nothing is mailed twice; a submission that did start is left alone by the task itself."""
    kind = DisputeAlert.Kind.AUTO_SUBMIT_12H
    with transaction.atomic():
        deleted, _rows = DisputeAlert.objects.filter(dispute_id=pk, kind=kind, note=AUTO_SUBMIT_QUEUED_NOTE).delete()
        if deleted:
            Dispute.objects.filter(pk=pk).update(**{ALERT_FLAGS[kind]: False})


def _alert_record(*, dispute: Dispute, rule: AlertRule, now: datetime, recipients: list[str], note: str,
                  after=None) -> bool:
    """Create the alert and send its email in one transaction, then ``after()`` in it (queueing a task on commit);
    False if it existed or the send failed."""
    try:
        with transaction.atomic():
            alert, created = DisputeAlert.objects.get_or_create(
                dispute=dispute, kind=rule.kind,
                defaults={"due_at": dispute.internal_deadline - rule.before_deadline, "recorded_at": now,
                          "recipients": recipients, "note": note})
            # Also when it existed (recorded by another scanner, or written before the flag was kept).
            Dispute.objects.filter(pk=dispute.pk).update(**{ALERT_FLAGS[rule.kind]: True})
            if created and recipients:
                _alert_send(alert=alert, dispute=dispute)
                alert.sent_at = now
                alert.save(update_fields=["sent_at"])
            if created and after is not None:
                after()
    except Exception as error:  # one failed send must not stop the scan: nothing was recorded, the next scan retries
        # The exception's class only: an SMTP error's text can name the addresses (no personal data in logs).
        logger.warning("dispute alert %s of dispute %s not recorded (%s); the next scan retries", rule.kind,
                       dispute.pk, type(error).__name__)
        return False
    return created


def _assignee_email(dispute: Dispute) -> str:
    assignee = dispute.assignee
    return assignee.email if assignee is not None and assignee.is_active and assignee.email else ""


def _alert_send(*, alert: DisputeAlert, dispute: Dispute) -> None:
    """The plain-text email of an alert: order number, amount and deadlines only (no personal data)."""
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "kind": alert.kind, "to_assignee": alert.recipients == [_assignee_email(dispute)],
            "order_number": dispute.order.number if dispute.order_id else "",
            "provider": dispute.get_provider_display(), "reason": dispute.get_reason_display(),
            "amount": format_money(dispute.amount_minor, dispute.currency, settings.LANGUAGE_CODE),
            "internal_deadline": dispute.internal_deadline, "respond_by": dispute.respond_by,
            "packet_incomplete": alert.note == AUTO_SUBMIT_WAITS_NOTE,
        }
        reference = context["order_number"] or gettext("(order not linked yet)")
        if alert.kind == DisputeAlert.Kind.ASSIGNEE_72H:
            subject = gettext("Dispute on order %(order)s: 72 hours to the internal deadline") % {"order": reference}
        elif alert.kind == DisputeAlert.Kind.AUTO_SUBMIT_12H:
            subject = (gettext("Dispute on order %(order)s: 12 hours to the internal deadline, not submitted "
                               "automatically") % {"order": reference})
        else:
            subject = gettext("Escalation: dispute on order %(order)s is due within 24 hours") % {"order": reference}
        body = render_to_string("disputes/email/alert.txt", context)
    send_mail(subject, body, None, alert.recipients)
