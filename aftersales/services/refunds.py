"""The refund ledger's services: create (within what was captured), execute at the provider, settle.

* ``refund_create`` locks the payment row (``select_for_update``) and refuses any amount that would take
  the refunds that have not failed above the captured amount, so concurrent requests cannot over-refund.
  A repeated idempotency key returns the refund already made instead of making a second one.
* ``refund_execute`` asks the provider through its gateway with the refund's idempotency key; the call is
  made outside any transaction so no row lock is held over the network. Transient errors propagate for the
  task to retry with the same key; permanent ones mark the refund failed with the provider's message. Before
  sending a refund again, it asks a gateway that can look refunds up (Stripe) whether the earlier attempt made
  it: Stripe replays a saved 500 to the same key, so only that lookup settles a refund its 500 hid.
* ``refund_record_external`` books a refund the store already made (Shopify ``refunds/create``): same lock
  and over-refund check, nothing sent to a provider, recorded as succeeded.
* Every status change goes through ``_transition``, which checks ``REFUND_TRANSITIONS`` and writes a
  ``RefundEvent``.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from aftersales.choices import REFUND_TRANSITIONS, PaymentStatus, RefundStatus
from aftersales.integrations.base import PermanentProviderError, RefundOutcome, RefundRequest, RefundResult
from aftersales.integrations.registry import gateway_for
from aftersales.models import Payment, Refund, RefundEvent
from aftersales.money import format_money

from .rates import rate_to_base

MAX_EXECUTION_ATTEMPTS = 10


def refunded_minor(payment: Payment) -> int:
    """What is refunded or on its way back: every refund of the payment that has not failed."""
    total = (Refund.objects.filter(payment=payment).exclude(status=RefundStatus.FAILED)
             .aggregate(total=Sum("amount_minor"))["total"])
    return total or 0


def refundable_minor(payment: Payment) -> int:
    return max(0, payment.captured_minor - refunded_minor(payment))


@transaction.atomic
def refund_create(*, payment: Payment, amount_minor: int, cause: str, source: str, reason: str = "",
                  source_ref: str = "", requested_by=None, approved_by=None, idempotency_key: str | None = None,
                  execute: bool = True) -> Refund:
    if not isinstance(amount_minor, int) or isinstance(amount_minor, bool) or amount_minor <= 0:
        raise ValidationError(_("A refund must be a positive amount."), code="amount_not_positive")
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    if idempotency_key:
        existing = Refund.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            if existing.payment_id != locked.pk or existing.amount_minor != amount_minor:
                raise ValidationError(_("This idempotency key was already used for a different refund."),
                                      code="idempotency_key_reused")
            return existing
    if locked.status != PaymentStatus.CAPTURED or locked.captured_minor <= 0:
        raise ValidationError(_("This payment has nothing captured to refund."), code="not_captured")
    left = locked.captured_minor - refunded_minor(locked)
    if amount_minor > left:
        raise ValidationError(
            _("A refund of %(amount)s is more than the %(left)s still refundable on this payment.")
            % {"amount": format_money(amount_minor, locked.currency, _current_locale()),
               "left": format_money(max(left, 0), locked.currency, _current_locale())},
            code="exceeds_captured")
    refund = Refund(
        payment=locked, order_id=locked.order_id, amount_minor=amount_minor, currency=locked.currency,
        cause=cause, reason=reason, source=source, source_ref=source_ref, provider=locked.provider,
        requested_by=requested_by, approved_by=approved_by,
        rate_to_base=rate_to_base(locked.currency, timezone.now().date()),
    )
    if idempotency_key:
        refund.idempotency_key = idempotency_key
    refund.full_clean()
    refund.save()
    RefundEvent.objects.create(refund=refund, from_status="", to_status=RefundStatus.PLANNED,
                               actor=requested_by, note=reason)
    if execute:
        from aftersales.tasks import refund_execute_task

        transaction.on_commit(lambda: refund_execute_task.delay(refund.pk))
    return refund


def refund_execute(*, refund_id: int) -> Refund:
    """Send the refund to its provider. Safe to call again: a settled refund is returned as it is."""
    with transaction.atomic():
        refund = (Refund.objects.select_for_update(of=("self", "payment"))
                  .select_related("payment", "order__customer", "order__market").get(pk=refund_id))
        if refund.status in (RefundStatus.SUCCEEDED, RefundStatus.FAILED):
            return refund
        sent_before = refund.status == RefundStatus.REQUESTED and refund.attempts > 0
        if refund.status == RefundStatus.PLANNED:
            _transition(refund, RefundStatus.REQUESTED, note=_("Sent to %(provider)s.") % {"provider": refund.provider})
            refund.requested_at = timezone.now()
        refund.attempts += 1
        refund.save(update_fields=["status", "requested_at", "attempts"])
    request = RefundRequest(payment_reference=refund.payment.provider_payment_id, amount_minor=refund.amount_minor,
                            currency=refund.currency, idempotency_key=str(refund.idempotency_key),
                            reason=refund.cause, metadata={"refund_id": str(refund.pk)},
                            language=_customer_language(refund.order))
    gateway = gateway_for(refund.provider)
    try:
        result = _already_made(gateway, request) if sent_before else None
        result = result or gateway.refund(request)
    except PermanentProviderError as error:
        return _settle(refund.pk, RefundStatus.FAILED, message=error.message)
    # TransientProviderError propagates: the task retries with the same idempotency key.
    if result.outcome == RefundOutcome.SUCCEEDED:
        return _settle(refund.pk, RefundStatus.SUCCEEDED, provider_refund_id=result.provider_refund_id,
                       message=result.message)
    if result.outcome == RefundOutcome.FAILED:
        return _settle(refund.pk, RefundStatus.FAILED, provider_refund_id=result.provider_refund_id,
                       message=result.message)
    return _settle(refund.pk, None, provider_refund_id=result.provider_refund_id, message=result.message)


def _customer_language(order) -> str:
    """The language the customer reads: theirs, else their market's first, else the store's; one we translate."""
    for code in (order.customer.language, *(order.market.languages or []), settings.LANGUAGE_CODE):
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def _already_made(gateway, request: RefundRequest) -> RefundResult | None:
    """The refund the provider made on an earlier attempt, where the gateway can look it up (``RefundFinder``).
    A lookup the provider refuses proves nothing either way: the refund is then sent again with its key."""
    find = getattr(gateway, "find_refund", None)
    if find is None:
        return None
    try:
        return find(request)
    except PermanentProviderError:
        return None


@transaction.atomic
def refund_mark_executed(*, refund: Refund, actor, reference: str = "") -> Refund:
    """A person executed a manual refund outside the system: record it as succeeded."""
    return _settle(refund.pk, RefundStatus.SUCCEEDED, provider_refund_id=reference, actor=actor,
                   message=_("Executed manually."))


@transaction.atomic
def refund_record_external(*, payment: Payment, amount_minor: int, cause: str, source: str, idempotency_key: str,
                           provider_refund_id: str = "", reason: str = "", source_ref: str = "",
                           succeeded_at=None, note: str = "") -> tuple[Refund, bool]:
    """A refund that already happened elsewhere (the store refunded in Shopify): add it to the ledger as
    succeeded. It goes through ``refund_create`` (row lock, over-refund check, idempotency key) without
    executing anything, then planned → requested → succeeded with a timeline row each. ``True`` when new;
    the same ``idempotency_key`` again returns the refund already recorded."""
    refund = refund_create(payment=payment, amount_minor=amount_minor, cause=cause, source=source, reason=reason,
                           source_ref=source_ref, idempotency_key=idempotency_key, execute=False)
    if refund.status != RefundStatus.PLANNED:
        return refund, False
    note = note or _("Refunded outside this system.")
    now = timezone.now()
    _transition(refund, RefundStatus.REQUESTED, note=note)
    _transition(refund, RefundStatus.SUCCEEDED, note=note)
    refund.requested_at, refund.succeeded_at = now, succeeded_at or now
    refund.provider_refund_id = provider_refund_id
    refund.full_clean(exclude=["payment", "order", "requested_by", "approved_by"], validate_constraints=False)
    refund.save(update_fields=["status", "requested_at", "succeeded_at", "provider_refund_id"])
    return refund, True


@transaction.atomic
def _settle(refund_id, status, *, provider_refund_id="", message="", actor=None) -> Refund:
    refund = Refund.objects.select_for_update().get(pk=refund_id)
    if refund.status in (RefundStatus.SUCCEEDED, RefundStatus.FAILED):
        return refund  # settled meanwhile (a duplicate delivery of the task): nothing more to do
    fields = ["failure_message"]
    if provider_refund_id and not refund.provider_refund_id:
        refund.provider_refund_id = provider_refund_id
        fields.append("provider_refund_id")
    if status == RefundStatus.FAILED:
        refund.failure_message = message
    elif status is None:
        refund.failure_message = "" if refund.provider != "manual" and refund.provider_refund_id else message
    else:
        refund.failure_message = ""
    if status is not None:
        _transition(refund, status, actor=actor, note=message)
        stamp = "succeeded_at" if status == RefundStatus.SUCCEEDED else "failed_at"
        setattr(refund, stamp, timezone.now())
        fields += ["status", stamp]
    refund.save(update_fields=fields)
    return refund


def _transition(refund: Refund, to_status: str, *, actor=None, note: str = ""):
    if to_status not in REFUND_TRANSITIONS[RefundStatus(refund.status)]:
        raise ValidationError(_("A refund cannot go from %(from)s to %(to)s.")
                              % {"from": refund.status, "to": to_status}, code="invalid_transition")
    RefundEvent.objects.create(refund=refund, from_status=refund.status, to_status=to_status, actor=actor, note=note)
    refund.status = to_status


def _current_locale() -> str:
    return get_language() or "en"


def refunds_stalled(*, now=None):
    """Refunds that should have moved on: planned for over 2 minutes (the queued task was lost) or sent to a
    provider over 15 minutes ago without an answer. Manual refunds wait for a person and are not stalled."""
    now = now or timezone.now()
    planned = Q(status=RefundStatus.PLANNED, created_at__lt=now - timedelta(minutes=2))
    requested = Q(status=RefundStatus.REQUESTED, requested_at__lt=now - timedelta(minutes=15),
                  attempts__lt=MAX_EXECUTION_ATTEMPTS) & ~Q(provider="manual") & Q(provider_refund_id="")
    return Refund.objects.filter(planned | requested).order_by("created_at")
