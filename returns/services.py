"""Writes of the returns app: submit a return, move it through its statuses, refund it, cancel unshipped orders.

* ``return_case_submit`` judges each line with the policies engine (the clauses the order was placed under,
  or better ones in force now), prices the refund, and decides: auto-approved, keep-the-item, or review
  (any line needing review, or a serial returner). The portal's form token makes a double submit return the
  case already made.
* Every status change goes through ``_transition`` (allowed moves in ``choices.CASE_TRANSITIONS``), writes a
  ``ReturnEvent`` and, for moves the customer cares about, emails them in their language after commit.
* ``return_case_refund`` locks the case and pays through the core ledger with the idempotency key
  ``return:<RMA>``: two agents refunding the same case at once make one refund.
* ``not_received_*``: when the carrier says delivered but the customer has nothing, the policy's offer (a partial
  refund through the ledger, or store credit) is paid at once if accepted; otherwise, and always where the
  market puts the delivery risk on the seller (EU/UK), the claim goes to an agent for a refund or redelivery.
* ``order_cancel_unshipped`` refunds automatically only after checking, under a lock on the order, that
  nothing has shipped and the payment is captured; anything else becomes a case for an agent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.choices import (
    CouponKind,
    LegalProfile,
    OrderStatus,
    PaymentStatus,
    RefundCause,
    RefundSource,
    ShipmentStatus,
)
from aftersales.models import Coupon, Order, OrderLine, Payment, Refund, Shipment
from aftersales.services.refunds import refund_create, refundable_minor
from aftersales.texts import in_store_language
from policies.api import Answers, EligibilityRequest, applicable_clauses, decide
from policies.choices import REASON_KIND, Decision, NotReceivedOffer, ReturnReason

from .choices import CASE_TRANSITIONS, CaseKind, CaseStatus, Resolution, ShippingChoice
from .costs import return_cost_minor
from .models import ReturnCase, ReturnEvent, ReturnLine, ReturnPhoto

NOTIFY_STATUSES = {CaseStatus.APPROVED, CaseStatus.APPROVED_KEEP_ITEM, CaseStatus.NEEDS_REVIEW, CaseStatus.REJECTED,
                   CaseStatus.AWAITING_SHIPMENT, CaseStatus.RECEIVED, CaseStatus.RESOLVED, CaseStatus.CANCELLED}
REFUNDABLE_STATUSES = {CaseStatus.APPROVED_KEEP_ITEM, CaseStatus.RECEIVED, CaseStatus.INSPECTED,
                       CaseStatus.LOST_IN_TRANSIT}
NOT_RECEIVED_REFUNDABLE = {CaseStatus.SUBMITTED, CaseStatus.NEEDS_REVIEW, CaseStatus.APPROVED}


@dataclass(frozen=True)
class StoredPhoto:
    """A photo already checked and stored by ``aftersales.uploads`` (kept in the session between steps)."""

    storage_name: str
    content_type: str
    width: int
    height: int
    sha256: str


@dataclass(frozen=True)
class LineRequest:
    order_line: OrderLine
    quantity: int


# -- the timeline ------------------------------------------------------------------------------------------

def _transition(case: ReturnCase, to_status: str, *, actor=None, note="") -> ReturnEvent:
    """Record one step of the case. Notes are read by agents, so the system's own (lazy) notes are written in
    the store's language, not in the language of the customer whose request caused them."""
    if to_status not in CASE_TRANSITIONS[CaseStatus(case.status)]:
        raise ValidationError(_("A return cannot go from “%(from)s” to “%(to)s”.")
                              % {"from": case.get_status_display(), "to": CaseStatus(to_status).label},
                              code="invalid_transition")
    event = ReturnEvent.objects.create(case=case, from_status=case.status, to_status=to_status, actor=actor,
                                       note=in_store_language(note))
    case.status = to_status
    if to_status in NOTIFY_STATUSES:
        from .tasks import return_case_notify_task

        transaction.on_commit(lambda: return_case_notify_task.delay(event.pk))
    return event


def _locked(case: ReturnCase) -> ReturnCase:
    return ReturnCase.objects.select_for_update().get(pk=case.pk)


# -- submit ------------------------------------------------------------------------------------------------------

def delivered_on(order: Order, line: OrderLine) -> date | None:
    shipments = Shipment.objects.filter(order=order, delivered_at__isnull=False)
    carrying = shipments.filter(items__line=line).order_by("delivered_at").first() or shipments.order_by(
        "delivered_at").first()
    return timezone.localdate(carrying.delivered_at) if carrying else None


_NOT_LIVE = [CaseStatus.CANCELLED, CaseStatus.REJECTED, CaseStatus.EXPIRED, CaseStatus.DRAFT]


def returned_quantity(line: OrderLine) -> int:
    active = ReturnLine.objects.filter(order_line=line).exclude(case__status__in=_NOT_LIVE)
    return active.aggregate(n=Sum("quantity"))["n"] or 0


def returned_quantities(order) -> dict[int, int]:
    """Quantity taken by live return cases per order line id, in one grouped query."""
    rows = (ReturnLine.objects.filter(order_line__order=order).exclude(case__status__in=_NOT_LIVE)
            .values("order_line_id").annotate(n=Sum("quantity")))
    return {row["order_line_id"]: row["n"] for row in rows}


def is_serial_returner(customer, *, now=None, excluding=None) -> bool:
    """More than the configured number of returns in the last 90 days (not counting ``excluding``)."""
    now = now or timezone.now()
    recent = ReturnCase.objects.filter(customer=customer, kind=CaseKind.RETURN,
                                       submitted_at__gte=now - timedelta(days=90))
    if excluding is not None:
        recent = recent.exclude(pk=excluding.pk)
    return recent.count() >= settings.RETURNS_SERIAL_RETURNER_COUNT


def judge_line(order: Order, line: OrderLine, quantity: int, *, reason: str, answers: Answers, today: date):
    clauses = applicable_clauses(order)
    if clauses is None:
        return None
    unit = line.total_minor // line.quantity
    product = line.product
    return decide(EligibilityRequest(
        clauses=clauses, legal_profile=order.market.legal_profile, line_total_minor=unit * quantity,
        category=product.category if product else "", final_sale=bool(product and product.final_sale),
        delivered_on=delivered_on(order, line), requested_on=today, kind=REASON_KIND[ReturnReason(reason)],
        answers=answers, return_cost_minor=return_cost_minor(order)))


@dataclass(frozen=True)
class Quote:
    """What a return request would come to: per line decision and refund, totals, deadline."""

    lines: list  # [(LineRequest, EligibilityDecision, refund_minor)]
    gross_minor: int
    deductions_minor: int
    refund_deadline: date | None
    statutory: bool
    currency: str

    @property
    def net_minor(self):
        return self.gross_minor - self.deductions_minor

    @property
    def outcomes(self):
        return {decision.outcome for _request, decision, _minor in self.lines}


def return_request_quote(*, order: Order, lines: list[LineRequest], reason: str, shipping_choice: str,
                         answers: Answers | None = None, now=None) -> Quote:
    """Judge and price a request without writing anything (the portal's review step and ``submit`` share it).

    Raises ValidationError naming every line that cannot be returned and why.
    """
    now = now or timezone.now()
    if reason not in ReturnReason.values:
        raise ValidationError(_("Choose a reason for the return."), code="reason")
    chosen = [request for request in lines if request.quantity > 0]
    if not chosen:
        raise ValidationError(_("Choose at least one item to return."), code="no_lines")
    answers = answers or Answers()
    priced, errors = [], []
    for request in chosen:
        line = request.order_line
        if line.order_id != order.pk:
            raise ValidationError(_("This item is not part of the order."), code="foreign_line")
        left = line.quantity - returned_quantity(line)
        if request.quantity > left:
            errors.append(_("%(title)s: you can return at most %(left)s.") % {"title": line.title, "left": left})
            continue
        decision = judge_line(order, line, request.quantity, reason=reason, answers=answers,
                              today=timezone.localdate(now))
        if decision is None:
            raise ValidationError(_("Returns for this order are handled by our team: please contact us."),
                                  code="no_policy")
        if decision.outcome == Decision.INELIGIBLE:
            errors.append(f"{line.title}: {' '.join(str(r) for r in decision.reasons)}")
            continue
        priced.append((request, decision, line.total_minor // line.quantity * request.quantity))
    if errors:
        raise ValidationError(errors, code="ineligible")
    gross = sum(minor for _r, _d, minor in priced)
    restocking = sum(decision.restocking_fee_minor for _r, decision, _m in priced)
    shipping = 0
    if shipping_choice == ShippingChoice.DEDUCT:
        shipping = max(decision.return_shipping_minor for _r, decision, _m in priced)
    deadlines = [decision.refund_deadline for _r, decision, _m in priced if decision.refund_deadline]
    return Quote(lines=priced, gross_minor=gross, deductions_minor=min(gross, shipping + restocking),
                 refund_deadline=min(deadlines) if deadlines else None,
                 statutory=any(decision.statutory for _r, decision, _m in priced), currency=order.currency)


@transaction.atomic
def return_case_submit(*, order: Order, lines: list[LineRequest], reason: str, comment: str = "",
                       resolution: str = Resolution.REFUND, shipping_choice: str = ShippingChoice.OWN_COST,
                       answers: Answers | None = None, language: str = "en", client_token: str | None = None,
                       photos: list | None = None, send_back: bool = False, now=None) -> ReturnCase:
    """Create the case from a request; ``photos`` are already-checked stored images (``aftersales.uploads``).

    ``send_back``: the customer offered to keep the item would rather return it; honoured where the law grants
    the right to return (the statutory flag of the quote), ignored elsewhere.
    """
    now = now or timezone.now()
    Order.objects.select_for_update().filter(pk=order.pk).first()  # one submit per order at a time
    if client_token:  # looked up under the lock: a concurrent double submit finds the first one's case
        existing = ReturnCase.objects.filter(client_token=client_token).first()
        if existing is not None:
            return existing
    quote = return_request_quote(order=order, lines=lines, reason=reason, shipping_choice=shipping_choice,
                                 answers=answers, now=now)
    case = ReturnCase(order=order, customer=order.customer, reason=reason, comment=comment, resolution=resolution,
                      shipping_choice=shipping_choice, language=language, currency=order.currency,
                      client_token=client_token, submitted_at=now, estimate_minor=quote.gross_minor,
                      deductions_minor=quote.deductions_minor, refund_deadline=quote.refund_deadline,
                      statutory=quote.statutory)
    case.full_clean(exclude=["client_token"])
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError:  # the same form submitted twice at the same moment
        return ReturnCase.objects.get(client_token=client_token)
    for request, decision, refund_minor in quote.lines:
        ReturnLine.objects.create(case=case, order_line=request.order_line, quantity=request.quantity,
                                  decision=decision.outcome, refund_minor=refund_minor,
                                  deduction_minor=decision.restocking_fee_minor)
    for stored in photos or []:
        ReturnPhoto.objects.create(case=case, storage_name=stored.storage_name, content_type=stored.content_type,
                                   width=stored.width, height=stored.height, sha256=stored.sha256)
    ReturnEvent.objects.create(case=case, from_status="", to_status=CaseStatus.DRAFT)
    _transition(case, CaseStatus.SUBMITTED, note=comment)
    outcomes = quote.outcomes
    if Decision.NEEDS_REVIEW in outcomes or is_serial_returner(order.customer, now=now, excluding=case):
        _transition(case, CaseStatus.NEEDS_REVIEW,
                    note=gettext_lazy("Routed to review: an item needs checking, or many recent returns."))
    elif outcomes == {Decision.KEEP_ITEM} and not (send_back and quote.statutory):
        case.resolution = Resolution.KEEP_ITEM
        _transition(case, CaseStatus.APPROVED_KEEP_ITEM, note=gettext_lazy("Approved automatically: keep the item."))
    else:
        _transition(case, CaseStatus.APPROVED, note=gettext_lazy("Approved automatically."))
        _transition(case, CaseStatus.AWAITING_SHIPMENT)
    case.save()
    return case


# -- the desk's moves ----------------------------------------------------------------------------------------------

@transaction.atomic
def return_case_approve(*, case: ReturnCase, actor, keep_item: bool = False, note: str = "") -> ReturnCase:
    case = _locked(case)
    if keep_item:
        case.resolution = Resolution.KEEP_ITEM
        _transition(case, CaseStatus.APPROVED_KEEP_ITEM, actor=actor, note=note)
    else:
        _transition(case, CaseStatus.APPROVED, actor=actor, note=note)
        _transition(case, CaseStatus.AWAITING_SHIPMENT, actor=actor)
    case.save()
    return case


@transaction.atomic
def return_case_reject(*, case: ReturnCase, actor, reason: str) -> ReturnCase:
    if not reason.strip():
        raise ValidationError(_("Say why the return is rejected: the customer will read it."), code="reason")
    case = _locked(case)
    case.decision_note = reason
    _transition(case, CaseStatus.REJECTED, actor=actor, note=reason)
    case.save()
    return case


@transaction.atomic
def return_case_mark_received(*, case: ReturnCase, actor) -> ReturnCase:
    case = _locked(case)
    _transition(case, CaseStatus.RECEIVED, actor=actor)
    case.received_at = timezone.now()
    case.save()
    return case


@transaction.atomic
def return_line_inspect(*, line: ReturnLine, actor, grade: str, disposition: str, recovered_minor: int = 0
                        ) -> ReturnLine:
    case = _locked(line.case)
    if case.status not in (CaseStatus.RECEIVED, CaseStatus.INSPECTED):
        raise ValidationError(_("Items are inspected after the parcel is received."), code="not_received")
    if recovered_minor < 0:
        raise ValidationError(_("The amount recovered cannot be negative."), code="negative")
    line = ReturnLine.objects.select_for_update().get(pk=line.pk)
    line.grade, line.disposition, line.recovered_minor = grade, disposition, recovered_minor
    line.inspected_at, line.inspected_by = timezone.now(), actor
    line.full_clean()
    line.save()
    if not case.lines.filter(inspected_at__isnull=True).exists() and case.status == CaseStatus.RECEIVED:
        _transition(case, CaseStatus.INSPECTED, actor=actor)
        case.save()
    return line


def _payment_for(order: Order) -> Payment:
    for payment in Payment.objects.filter(order=order, status=PaymentStatus.CAPTURED).order_by("captured_at", "pk"):
        if refundable_minor(payment) > 0:
            return payment
    raise ValidationError(_("Nothing is left to refund on this order's payments."), code="nothing_to_refund")


@transaction.atomic
def return_case_refund(*, case: ReturnCase, actor, amount_minor: int | None = None, reason: str = "") -> Refund:
    """Refund the case through the ledger (once: a second call returns the same refund) and resolve it."""
    case = _locked(case)
    existing = Refund.objects.filter(idempotency_key=f"return:{case.rma}").first()
    if existing is not None:
        return existing
    not_received = case.kind == CaseKind.NOT_RECEIVED and case.status in NOT_RECEIVED_REFUNDABLE
    if case.status not in REFUNDABLE_STATUSES and not not_received:
        raise ValidationError(_("This return cannot be refunded while it is “%(status)s”.")
                              % {"status": case.get_status_display()}, code="not_refundable")
    due = case.estimate_minor - case.deductions_minor
    amount = due if amount_minor is None else amount_minor
    if amount_minor is not None and amount_minor != due and not reason.strip():
        raise ValidationError(_("Say why the refund differs from the estimate."), code="reason")
    if amount > case.estimate_minor:
        raise ValidationError(_("A return refund cannot exceed the value of the items returned."), code="too_much")
    cause = RefundCause.NOT_RECEIVED if case.kind == CaseKind.NOT_RECEIVED else RefundCause.RETURN
    refund = refund_create(payment=_payment_for(case.order), amount_minor=amount, cause=cause,
                           source=RefundSource.DESK, source_ref=case.source_ref, reason=reason or case.rma,
                           requested_by=actor, approved_by=actor, idempotency_key=f"return:{case.rma}")
    if not_received and case.status != CaseStatus.APPROVED:
        _transition(case, CaseStatus.APPROVED, actor=actor)
    if case.status == CaseStatus.RECEIVED:
        _transition(case, CaseStatus.INSPECTED, actor=actor,
                    note=gettext_lazy("Refunded before a line-by-line inspection."))
    _transition(case, CaseStatus.RESOLVED, actor=actor, note=reason)
    case.resolved_at = timezone.now()
    case.save()
    return refund


# -- not received although the carrier says delivered ------------------------------------------------------------

SELLER_BEARS_DELIVERY_RISK = {LegalProfile.EU, LegalProfile.UK}


@dataclass(frozen=True)
class NotReceivedQuote:
    """What the portal offers a customer whose parcel the carrier marked delivered."""

    kind: str  # policies.choices.NotReceivedOffer
    percent: int
    amount_minor: int
    currency: str
    seller_bears_risk: bool  # the customer may insist on a refund or a redelivery (EU/UK)
    delivered_at: object


def live_not_received(order: Order) -> ReturnCase | None:
    return ReturnCase.objects.filter(order=order, kind=CaseKind.NOT_RECEIVED).exclude(
        status__in=[CaseStatus.CANCELLED, CaseStatus.REJECTED, CaseStatus.EXPIRED]).first()


def not_received_quote(order: Order, *, now=None) -> NotReceivedQuote | None:
    """The offer for an order, or None when there is nothing to claim: no delivery scan, a claim already made,
    the order cancelled, or the delivery older than the policy's return window."""
    now = now or timezone.now()
    delivered = Shipment.objects.filter(order=order, delivered_at__isnull=False).order_by("-delivered_at").first()
    if delivered is None or order.status == OrderStatus.CANCELLED or live_not_received(order) is not None:
        return None
    clauses = applicable_clauses(order)
    if clauses is None or delivered.delivered_at + timedelta(days=clauses.window_days) < now:
        return None
    left = sum(refundable_minor(p) for p in Payment.objects.filter(order=order, status=PaymentStatus.CAPTURED))
    amount = min(order.total_minor * clauses.not_received_percent // 100, left)
    if clauses.not_received_offer == NotReceivedOffer.COUPON:
        amount = order.total_minor * clauses.not_received_percent // 100
    return NotReceivedQuote(kind=clauses.not_received_offer, percent=clauses.not_received_percent,
                            amount_minor=amount, currency=order.currency, delivered_at=delivered.delivered_at,
                            seller_bears_risk=order.market.legal_profile in SELLER_BEARS_DELIVERY_RISK)


def _not_received_case(order: Order, *, language: str, estimate_minor: int, resolution: str, comment: str = ""):
    case = ReturnCase.objects.create(order=order, customer=order.customer, kind=CaseKind.NOT_RECEIVED,
                                     language=language, currency=order.currency, submitted_at=timezone.now(),
                                     estimate_minor=estimate_minor, resolution=resolution, comment=comment)
    ReturnEvent.objects.create(case=case, to_status=CaseStatus.DRAFT)
    _transition(case, CaseStatus.SUBMITTED, note=comment)
    return case


@transaction.atomic
def not_received_accept_offer(*, order: Order, language: str = "en", now=None) -> ReturnCase:
    """Pay the policy's offer at once: a partial refund through the ledger, or store credit. Once per order."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    existing = live_not_received(order)
    if existing is not None:
        return existing
    quote = not_received_quote(order, now=now)
    if quote is None or quote.amount_minor <= 0:
        raise ValidationError(_("There is no offer for this order: please contact us."), code="no_offer")
    coupon = quote.kind == NotReceivedOffer.COUPON
    case = _not_received_case(order, language=language, estimate_minor=quote.amount_minor,
                              resolution=Resolution.STORE_CREDIT if coupon else Resolution.REFUND)
    _transition(case, CaseStatus.APPROVED,
                note=gettext_lazy("The customer accepted the offer for a parcel marked delivered."))
    if coupon:
        Coupon.objects.create(code=f"NR-{case.rma}", kind=CouponKind.STORE_CREDIT, customer=order.customer,
                              order=order, currency=order.currency, amount_minor=quote.amount_minor,
                              reason=case.source_ref, expires_at=timezone.now() + timedelta(days=365))
        note = in_store_language(gettext_lazy("Store credit %(code)s issued."), code=f"NR-{case.rma}")
    else:
        refund_create(payment=_payment_for(order), amount_minor=quote.amount_minor, cause=RefundCause.NOT_RECEIVED,
                      source=RefundSource.PORTAL, source_ref=case.source_ref,
                      reason=in_store_language(gettext_lazy("Offer for a parcel marked delivered but not received.")),
                      idempotency_key=f"return:{case.rma}")
        note = gettext_lazy("Partial refund sent to the original payment.")
    _transition(case, CaseStatus.RESOLVED, note=note)
    case.resolved_at = timezone.now()
    case.save()
    return case


@transaction.atomic
def not_received_report(*, order: Order, wants: str, comment: str = "", language: str = "en") -> ReturnCase:
    """The customer declines the offer: an agent investigates with the carrier and, where the seller carries the
    delivery risk, refunds or sends the order again (``wants`` is Resolution.REFUND or REDELIVERY)."""
    if wants not in (Resolution.REFUND, Resolution.REDELIVERY):
        raise ValidationError(_("Choose a refund or a new delivery."), code="wants")
    order = Order.objects.select_for_update().get(pk=order.pk)
    existing = live_not_received(order)
    if existing is not None:
        return existing
    if not Shipment.objects.filter(order=order, delivered_at__isnull=False).exists():
        raise ValidationError(_("The carrier has not marked this order delivered yet."), code="not_delivered")
    left = sum(refundable_minor(p) for p in Payment.objects.filter(order=order, status=PaymentStatus.CAPTURED))
    case = _not_received_case(order, language=language, estimate_minor=left, resolution=wants, comment=comment)
    if order.market.legal_profile in SELLER_BEARS_DELIVERY_RISK:
        note = gettext_lazy("Marked delivered but not received: the seller carries the delivery risk in this market; "
                 "refund or send again.")
    else:
        note = gettext_lazy("Marked delivered but not received: the customer declined the offer; "
                            "check with the carrier.")
    _transition(case, CaseStatus.NEEDS_REVIEW, note=note)
    case.save()
    return case


@transaction.atomic
def not_received_redeliver(*, case: ReturnCase, actor, note: str = "") -> ReturnCase:
    """The agent sends the order again instead of refunding: the claim is resolved without money moving."""
    case = _locked(case)
    if case.kind != CaseKind.NOT_RECEIVED:
        raise ValidationError(_("Only a not-received claim can be resolved by sending the order again."),
                              code="not_not_received")
    if case.status != CaseStatus.APPROVED:
        _transition(case, CaseStatus.APPROVED, actor=actor)
    case.resolution = Resolution.REDELIVERY
    _transition(case, CaseStatus.RESOLVED, actor=actor, note=note or gettext_lazy("The order is being sent again."))
    case.resolved_at = timezone.now()
    case.save()
    return case


# -- cancelling an unshipped order -------------------------------------------------------------------------------

def _why_not_cancellable(order: Order) -> list:
    problems = []
    if order.status == OrderStatus.CANCELLED:
        problems.append(gettext_lazy("The order is already cancelled."))
    shipped = Shipment.objects.filter(order=order).filter(
        Q(shipped_at__isnull=False) | ~Q(status=ShipmentStatus.PENDING))
    if shipped.exists():
        problems.append(gettext_lazy("Part of the order has already shipped."))
    captured = Payment.objects.filter(order=order, status=PaymentStatus.CAPTURED, captured_minor__gt=0)
    if not captured.exists():
        problems.append(gettext_lazy("The payment has not been captured yet."))
    if Refund.objects.filter(order=order).exists():
        problems.append(gettext_lazy("Part of the order was already refunded."))
    return problems


@transaction.atomic
def order_cancel_unshipped(*, order: Order, language: str = "en", requested_by=None
                           ) -> tuple[ReturnCase, Refund | None]:
    """Cancel and refund in full only when every check passes; otherwise hand the request to an agent."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    open_case = ReturnCase.objects.filter(order=order, kind=CaseKind.CANCELLATION).exclude(
        status__in=[CaseStatus.REJECTED, CaseStatus.CANCELLED]).first()
    if open_case is not None:
        return open_case, Refund.objects.filter(idempotency_key=f"cancel:{order.number}").first()
    case = ReturnCase.objects.create(order=order, customer=order.customer, kind=CaseKind.CANCELLATION,
                                     language=language, currency=order.currency, submitted_at=timezone.now(),
                                     estimate_minor=order.total_minor)
    ReturnEvent.objects.create(case=case, to_status=CaseStatus.DRAFT, actor=requested_by)
    _transition(case, CaseStatus.SUBMITTED, actor=requested_by)
    problems = _why_not_cancellable(order)
    if problems:
        _transition(case, CaseStatus.NEEDS_REVIEW, note=format_lazy(" ".join(["{}"] * len(problems)), *problems))
        case.save()
        return case, None
    refunds = []
    for payment in Payment.objects.filter(order=order, status=PaymentStatus.CAPTURED, captured_minor__gt=0):
        refunds.append(refund_create(
            payment=payment, amount_minor=refundable_minor(payment), cause=RefundCause.CANCELLATION,
            source=RefundSource.PORTAL, source_ref=case.source_ref,
            reason=in_store_language(gettext_lazy("Cancelled before shipping.")),
            requested_by=requested_by, idempotency_key=f"cancel:{order.number}" + ("" if not refunds else
                                                                                  f":{payment.pk}")))
    order.status, order.cancelled_at = OrderStatus.CANCELLED, timezone.now()
    order.save(update_fields=["status", "cancelled_at", "updated_at"])
    _transition(case, CaseStatus.APPROVED, note=gettext_lazy("Nothing had shipped and the payment was captured."))
    _transition(case, CaseStatus.RESOLVED, note=gettext_lazy("Order cancelled and refunded in full."))
    case.resolution, case.resolved_at = Resolution.REFUND, timezone.now()
    case.save()
    return case, refunds[0]
