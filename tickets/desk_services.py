"""Writes of the agent desk (split from ``services.py``, which keeps the channels in and out).

SLA state lives in the ticket row (``reply_by``, ``resolve_by``, ``awaiting_reply_since``) and is recomputed on
every event that changes it; the periodic ``sla_escalate`` scan finds what is overdue from the database, so a
stopped worker delays an escalation but never loses one. Assignment is round-robin among available agents who
speak the conversation's language and are under their capacity, with the profiles locked so that two new
tickets never race to the same slot. Refunds go through the core ledger; above the agents' limit they wait
for a manager's approval.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.choices import CouponKind, PaymentStatus, RefundCause, RefundSource
from aftersales.models import Coupon, Order, Payment
from aftersales.services.refunds import refund_create, refundable_minor
from aftersales.texts import in_store_language

from .choices import LIVE_STATUSES, ApprovalStatus, Direction, Priority, TicketStatus
from .models import AgentProfile, BusinessCalendar, Message, RefundApproval, SlaPolicy, Ticket, TicketEvent

PRIORITY_ORDER = [Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT]


def _event(ticket: Ticket, *, actor=None, note="", to_status: str | None = None) -> TicketEvent:
    return TicketEvent.objects.create(ticket=ticket, from_status=ticket.status, to_status=to_status or ticket.status,
                                      actor=actor, note=in_store_language(note) if note else "")


# -- SLA ------------------------------------------------------------------------------------------------------


def sla_policy_for(ticket: Ticket) -> SlaPolicy | None:
    """The most specific active policy: priority and channel, then either, then neither."""
    candidates = SlaPolicy.objects.filter(active=True).filter(
        Q(priority=ticket.priority) | Q(priority=""), Q(channel=ticket.channel) | Q(channel="")
    ).select_related("calendar")
    return max(candidates, key=lambda p: (bool(p.priority), bool(p.channel), -p.pk), default=None)


def _calendar(policy: SlaPolicy | None):
    from .sla import ALWAYS, Calendar

    if policy is None or policy.calendar is None:
        return ALWAYS
    calendar: BusinessCalendar = policy.calendar
    return Calendar.from_json(calendar.time_zone, calendar.hours,
                              frozenset(calendar.holidays.values_list("day", flat=True)))


def sla_refresh(ticket: Ticket, *, now: datetime | None = None, save: bool = True) -> Ticket:
    """Recompute what the ticket owes and by when (reply_by: the SLA target or the chat window, the earlier)."""
    from .sla import add_business_minutes, reply_by, window_closes

    now = now or timezone.now()
    policy = sla_policy_for(ticket)
    ticket.sla_policy = policy
    waiting = ticket.awaiting_reply_since
    if ticket.status not in (TicketStatus.NEW, TicketStatus.OPEN) or waiting is None or ticket.snoozed_until:
        ticket.reply_by = None
    else:
        calendar = _calendar(policy)
        minutes = (policy.first_response_minutes if policy else 120) if ticket.first_response_at is None else (
            policy.next_response_minutes if policy else 240)
        due = add_business_minutes(calendar, waiting, minutes)
        ticket.reply_by = reply_by(sla_due=due, window_closes=window_closes(ticket.channel, ticket.last_inbound_at))
    if ticket.status in (TicketStatus.SOLVED, TicketStatus.CLOSED) or ticket.first_inbound_at is None:
        ticket.resolve_by = None
    elif ticket.resolve_by is None:
        ticket.resolve_by = add_business_minutes(_calendar(policy), ticket.first_inbound_at,
                                                 policy.resolution_minutes if policy else 3 * 24 * 60)
    if ticket.reply_by is None or ticket.reply_by > now:
        ticket.breached_at = None if ticket.reply_by is None else ticket.breached_at
    if save:
        ticket.save(update_fields=["sla_policy", "reply_by", "resolve_by", "breached_at", "updated_at"])
    return ticket


def on_inbound(ticket: Ticket, message: Message) -> None:
    """A customer message: the clock starts (or keeps running from the oldest unanswered one)."""
    now = message.created_at or timezone.now()
    ticket.first_inbound_at = ticket.first_inbound_at or now
    ticket.awaiting_reply_since = ticket.awaiting_reply_since or now
    ticket.escalated_at = None if ticket.reply_by is None else ticket.escalated_at
    ticket.snoozed_until = None  # a snoozed ticket wakes when the customer writes
    ticket.version = F("version") + 1
    ticket.save(update_fields=["first_inbound_at", "awaiting_reply_since", "escalated_at", "snoozed_until",
                               "version", "updated_at"])
    ticket.refresh_from_db(fields=["version", "status"])
    sla_refresh(ticket)


def on_outbound(ticket: Ticket, message: Message) -> None:
    """A public reply by an agent stops the clock; the auto-responder does not count (DESIGN section 7)."""
    if message.direction != Direction.OUTBOUND or message.payload == "automatic":
        return
    if ticket.first_response_at is None:
        from .selectors import first_response_minutes

        ticket.first_response_at = message.created_at or timezone.now()
        ticket.first_response_minutes = first_response_minutes(ticket)
    ticket.awaiting_reply_since = None
    ticket.escalated_at = ticket.breached_at = None
    ticket.version = F("version") + 1
    ticket.save(update_fields=["first_response_at", "first_response_minutes", "awaiting_reply_since", "escalated_at",
                               "breached_at", "version", "updated_at"])
    ticket.refresh_from_db(fields=["version", "status"])
    sla_refresh(ticket)


def sla_escalate(*, now: datetime | None = None, limit: int = 500) -> int:
    """The periodic scan: every live ticket past its reply-by time that was not escalated yet is marked breached,
    raised one priority step and put on its timeline, once."""
    now = now or timezone.now()
    count = 0
    due = (Ticket.objects.filter(status__in=[TicketStatus.NEW, TicketStatus.OPEN], reply_by__lt=now,
                                 escalated_at__isnull=True).order_by("reply_by").values_list("pk", flat=True)[:limit])
    for pk in list(due):
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update(no_key=True).get(pk=pk)
            if ticket.escalated_at is not None or ticket.reply_by is None or ticket.reply_by >= now:
                continue
            ticket.breached_at = ticket.breached_at or ticket.reply_by
            ticket.escalated_at = now
            step = PRIORITY_ORDER.index(Priority(ticket.priority))
            ticket.priority = PRIORITY_ORDER[min(step + 1, len(PRIORITY_ORDER) - 1)]
            ticket.save(update_fields=["breached_at", "escalated_at", "priority", "updated_at"])
            _event(ticket, note=gettext_lazy("Reply-by time passed: escalated to priority “%(priority)s”.")
                   % {"priority": ticket.priority})
            count += 1
    return count


# -- assignment -----------------------------------------------------------------------------------------------


def _open_counts(user_ids):
    return dict(Ticket.objects.filter(assignee_id__in=user_ids, status__in=LIVE_STATUSES)
                .exclude(status=TicketStatus.SOLVED).values_list("assignee_id").annotate(n=Count("id")))


@transaction.atomic
def ticket_assign_round_robin(*, ticket: Ticket) -> Ticket:
    """Give a new ticket to the available agent who speaks its language, is under capacity and waited longest."""
    ticket = Ticket.objects.select_for_update(no_key=True).get(pk=ticket.pk)
    if ticket.assignee_id:
        return ticket
    profiles = list(AgentProfile.objects.select_for_update().filter(available=True, user__is_active=True)
                    .order_by(F("last_assigned_at").asc(nulls_first=True), "pk"))
    speakers = [p for p in profiles if ticket.language in (p.languages or [])]
    counts = _open_counts([p.user_id for p in speakers])
    chosen = next((p for p in speakers if counts.get(p.user_id, 0) < p.capacity), None)
    if chosen is None:
        return ticket  # nobody free who speaks it: the ticket waits in "Unassigned"
    chosen.last_assigned_at = timezone.now()
    chosen.save(update_fields=["last_assigned_at"])
    ticket.assignee_id = chosen.user_id
    ticket.save(update_fields=["assignee", "updated_at"])
    _event(ticket, note=gettext_lazy("Assigned to %(agent)s (round robin).") % {"agent": chosen.user})
    return ticket


@transaction.atomic
def ticket_assign(*, ticket: Ticket, assignee, actor) -> Ticket:
    ticket = Ticket.objects.select_for_update(no_key=True).get(pk=ticket.pk)
    if assignee is not None and not assignee.has_perm("aftersales.access_desk"):
        raise ValidationError(_("Tickets can only be given to desk staff."), code="not_staff")
    ticket.assignee = assignee
    ticket.save(update_fields=["assignee", "updated_at"])
    _event(ticket, actor=actor, note=gettext_lazy("Assigned to %(agent)s.") % {"agent": assignee}
           if assignee else gettext_lazy("Unassigned."))
    return ticket


def tickets_bulk(*, tickets, action: str, actor, assignee=None, tag: str = "") -> int:
    """Assign, tag or close many tickets; each goes through the same service as one would."""
    from .services import ticket_transition

    done = 0
    for ticket in tickets:
        try:
            if action == "assign":
                ticket_assign(ticket=ticket, assignee=assignee, actor=actor)
            elif action == "tag" and tag:
                ticket_tag(ticket=ticket, add=[tag], actor=actor)
            elif action in ("close", "solve"):
                target = TicketStatus.CLOSED if action == "close" else TicketStatus.SOLVED
                with transaction.atomic():
                    ticket_transition(ticket=Ticket.objects.select_for_update(no_key=True).get(pk=ticket.pk),
                                      to_status=target, actor=actor)
            else:
                continue
        except ValidationError:
            continue
        done += 1
    return done


def ticket_tag(*, ticket: Ticket, add=(), remove=(), actor=None) -> Ticket:
    cleaned = [t.strip().lower()[:40] for t in add if t and t.strip()]
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(no_key=True).get(pk=ticket.pk)
        tags = [t for t in ticket.tags if t not in set(remove)]
        tags += [t for t in cleaned if t not in tags]
        ticket.tags = tags
        ticket.save(update_fields=["tags", "updated_at"])
    return ticket


def ticket_update(*, ticket: Ticket, actor, priority: str | None = None, complaint_category: str | None = None,
                  ) -> Ticket:
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(no_key=True).get(pk=ticket.pk)
        fields = []
        if priority is not None and priority != ticket.priority:
            ticket.priority = Priority(priority)
            fields.append("priority")
        if complaint_category is not None and complaint_category != ticket.complaint_category:
            ticket.complaint_category = complaint_category
            fields.append("complaint_category")
        if fields:
            ticket.save(update_fields=[*fields, "updated_at"])
            if "priority" in fields:
                sla_refresh(ticket)
    return ticket


# -- snooze and merge ---------------------------------------------------------------------------------------


@transaction.atomic
def ticket_snooze(*, ticket: Ticket, until: datetime | None, actor) -> Ticket:
    """Out of the queue until ``until``, or — with no time — until the customer replies (status pending)."""
    from .services import ticket_transition

    ticket = Ticket.objects.select_for_update(no_key=True).get(pk=ticket.pk)
    if until is None:
        if ticket.status != TicketStatus.PENDING:
            ticket_transition(ticket=ticket, to_status=TicketStatus.PENDING, actor=actor,
                              note=gettext_lazy("Snoozed until the customer replies."))
    else:
        if until <= timezone.now():
            raise ValidationError(_("Choose a time in the future."), code="past")
        ticket.snoozed_until = until
        ticket.save(update_fields=["snoozed_until", "updated_at"])
        _event(ticket, actor=actor, note=gettext_lazy("Snoozed until %(until)s.") % {"until": until.isoformat()})
    return sla_refresh(ticket)


@transaction.atomic
def tickets_merge(*, source: Ticket, target: Ticket, actor) -> Ticket:
    """The same conversation twice: messages and links move to ``target``; ``source`` is closed with a pointer."""
    from .services import ticket_transition

    if source.pk == target.pk:
        raise ValidationError(_("A ticket cannot be merged into itself."), code="same_ticket")
    locked = {t.pk: t for t in Ticket.objects.select_for_update(no_key=True).filter(pk__in=[source.pk, target.pk])}
    source, target = locked[source.pk], locked[target.pk]
    if source.customer_id != target.customer_id:
        raise ValidationError(_("Only tickets of the same customer can be merged: merge the customers first."),
                              code="other_customer")
    if target.status == TicketStatus.CLOSED:
        raise ValidationError(_("A closed ticket cannot take in another one."), code="target_closed")
    Message.objects.filter(ticket=source).update(ticket=target)
    if target.order_id is None and source.order_id:
        target.order_id = source.order_id
    target.tags = target.tags + [t for t in source.tags if t not in target.tags]
    for field in ("first_inbound_at", "awaiting_reply_since"):
        values = [v for v in (getattr(source, field), getattr(target, field)) if v]
        setattr(target, field, min(values) if values else None)
    target.last_message_at = max(filter(None, [source.last_message_at, target.last_message_at]), default=None)
    target.save()
    source.merged_into = target
    source.save(update_fields=["merged_into", "updated_at"])
    if source.status != TicketStatus.CLOSED:
        ticket_transition(ticket=source, to_status=TicketStatus.CLOSED, actor=actor,
                          note=gettext_lazy("Merged into %(number)s.") % {"number": target.number})
    _event(target, actor=actor, note=gettext_lazy("%(number)s merged into this ticket.") % {"number": source.number})
    return sla_refresh(target)


# -- acting on the order ---------------------------------------------------------------------------------------


def _base_minor(payment: Payment, amount_minor: int) -> int:
    rate = payment.rate_to_base or 1
    return int(amount_minor * rate)


def may_refund_alone(user, payment: Payment, amount_minor: int) -> bool:
    return user.has_perm("tickets.approve_refund") or _base_minor(payment, amount_minor) <= \
        settings.DESK_REFUND_LIMIT_MINOR


@transaction.atomic
def ticket_refund(*, ticket: Ticket, payment: Payment, amount_minor: int, reason: str, actor, key: str,
                  cause: str = RefundCause.GOODWILL):
    """Refund part or all of a payment of the ticket's customer through the ledger, or — above the agent's limit —
    ask a manager. Returns the Refund or the RefundApproval. ``key`` makes a double submit one refund."""
    order = payment.order
    if order.customer_id != ticket.customer_id:
        raise PermissionDenied("not this customer's payment")
    if payment.status != PaymentStatus.CAPTURED:
        raise ValidationError(_("Only a captured payment can be refunded."), code="not_captured")
    if not reason.strip():
        raise ValidationError(_("Say why: the customer and the audit will read it."), code="reason")
    if amount_minor > refundable_minor(payment):
        raise ValidationError(_("More than what is left to refund on this payment."), code="too_much")
    if not may_refund_alone(actor, payment, amount_minor):
        approval, _created = RefundApproval.objects.get_or_create(
            ticket=ticket, order=order, payment_id=payment.pk, amount_minor=amount_minor, currency=payment.currency,
            status=ApprovalStatus.PENDING, defaults={"reason": reason[:500], "requested_by": actor})
        _event(ticket, actor=actor, note=gettext_lazy("Refund of %(amount)s %(currency)s waits for a manager.")
               % {"amount": amount_minor, "currency": payment.currency})
        return approval
    refund = refund_create(payment=payment, amount_minor=amount_minor, cause=cause, source=RefundSource.DESK,
                           reason=reason[:500], source_ref=f"tickets.Ticket:{ticket.pk}", requested_by=actor,
                           approved_by=actor, idempotency_key=f"ticket:{ticket.pk}:{key}"[:100])
    _event(ticket, actor=actor, note=gettext_lazy("Refund %(id)s through the ledger.") % {"id": refund.pk})
    return refund


@transaction.atomic
def refund_approval_decide(*, approval: RefundApproval, approve: bool, actor):
    if not actor.has_perm("tickets.approve_refund"):
        raise PermissionDenied("only managers approve refunds above the limit")
    approval = RefundApproval.objects.select_for_update().get(pk=approval.pk)
    if approval.status != ApprovalStatus.PENDING:
        return approval
    approval.decided_by, approval.decided_at = actor, timezone.now()
    if approve:
        payment = Payment.objects.get(pk=approval.payment_id)
        refund = refund_create(payment=payment, amount_minor=approval.amount_minor, cause=RefundCause.GOODWILL,
                               source=RefundSource.DESK, reason=approval.reason,
                               source_ref=f"tickets.Ticket:{approval.ticket_id}",
                               requested_by=approval.requested_by, approved_by=actor,
                               idempotency_key=f"approval:{approval.pk}")
        approval.status, approval.refund_id = ApprovalStatus.APPROVED, refund.pk
    else:
        approval.status = ApprovalStatus.REJECTED
    approval.save()
    _event(approval.ticket, actor=actor, note=(gettext_lazy("A manager approved the refund.") if approve
                                               else gettext_lazy("A manager rejected the refund.")))
    return approval


@transaction.atomic
def ticket_coupon_send(*, ticket: Ticket, amount_minor: int, currency: str, actor, key: str) -> Coupon:
    """Store credit for the customer, and a message on the ticket's channel with the code."""
    from .services import message_send

    if amount_minor <= 0:
        raise ValidationError(_("A coupon must be worth something."), code="amount")
    code = f"SORRY-{ticket.number[2:]}-{key[:4].upper()}"
    coupon, created = Coupon.objects.get_or_create(code=code, defaults={
        "kind": CouponKind.STORE_CREDIT, "customer": ticket.customer, "order": ticket.order, "currency": currency,
        "amount_minor": amount_minor, "reason": f"tickets.Ticket:{ticket.pk}",
        "expires_at": timezone.now() + timedelta(days=365)})
    if created:
        from aftersales.money import format_money

        with translation.override(ticket.language):
            body = _("We are sorry for the trouble. Here is a coupon of %(amount)s for your next order: %(code)s "
                     "(valid for one year).") % {"amount": format_money(amount_minor, currency, ticket.language),
                                                 "code": code}
        message_send(ticket=ticket, body=body, author=actor, client_key=f"coupon:{code}")
    return coupon


def orders_of(ticket: Ticket):
    return Order.objects.filter(customer=ticket.customer).order_by("-placed_at")


def agents():
    return get_user_model().objects.filter(is_active=True).filter(
        Q(groups__permissions__codename="access_desk") | Q(is_superuser=True)).distinct().order_by("username")



# -- satisfaction --------------------------------------------------------------------------------------------


def csat_send_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """The periodic scan: a day after a ticket is solved, ask the customer once (1–5 and a comment) in their
    language, on the ticket's channel where it allows free text."""
    import secrets

    from django.urls import reverse

    from .models import CsatSurvey
    from .services import message_send, reply_rule

    now = now or timezone.now()
    due = Ticket.objects.filter(status__in=[TicketStatus.SOLVED, TicketStatus.CLOSED], solved_at__lte=now - timedelta(
        days=1), solved_at__gte=now - timedelta(days=14), csat__isnull=True, merged_into__isnull=True)
    sent = 0
    for ticket in due.order_by("solved_at")[:limit]:
        with transaction.atomic():
            survey, created = CsatSurvey.objects.get_or_create(ticket=ticket, defaults={
                "token": secrets.token_urlsafe(24), "language": ticket.language})
            if not created:
                continue
            rule = reply_rule(ticket, now=now)
            if not rule.allowed or rule.needs_template:
                continue  # the window is closed: the survey stays unsent rather than break the channel's rules
            with translation.override(ticket.language):
                link = settings.PUBLIC_BASE_URL + reverse("tickets:survey", kwargs={"token": survey.token})
                body = _("How did we do? Please rate our help from 1 to 5 — it takes ten seconds: %(link)s") % {
                    "link": link}
            message_send(ticket=ticket, body=body, client_key="csat", automatic=True)
            survey.sent_at = now
            survey.save(update_fields=["sent_at"])
            sent += 1
    return sent


@transaction.atomic
def csat_answer(*, token: str, score: int, comment: str = ""):
    from .models import CsatSurvey

    survey = CsatSurvey.objects.select_for_update().filter(token=token).first()
    if survey is None:
        raise ValidationError(_("This survey link is not valid."), code="unknown")
    if not 1 <= int(score) <= 5:
        raise ValidationError(_("Choose a score from 1 to 5."), code="score")
    if survey.answered_at is not None:
        return survey  # answered once; a second click changes nothing
    survey.score, survey.comment, survey.answered_at = int(score), comment.strip()[:2000], timezone.now()
    survey.save(update_fields=["score", "comment", "answered_at"])
    return survey
