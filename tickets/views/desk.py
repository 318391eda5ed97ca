"""The ticket desk (``/desk/tickets/``): the queue, one conversation, and the actions an agent takes from it.

Thin views: parse the form, call one service, show the result; a refusal (a closed WhatsApp window, an empty
reply, a refund above the agent's limit) is shown to the agent as the service words it, in the agent's language.
Fragments for htmx (the queue's rows, the phrase check, who else is here) come from the same views.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.models import Customer, Order, Payment
from aftersales.money import CurrencyError, to_minor

from .. import desk_services, presence, selectors, services
from ..choices import TICKET_TRANSITIONS, Channel, ComplaintCategory, Direction, Priority, TicketStatus
from ..desk_forms import QueueFilterForm, ReplyForm
from ..models import Message, RefundApproval, Ticket

desk_required = permission_required("aftersales.access_desk", raise_exception=True)
PAGE_SIZE = 50


@dataclass
class QueuePage:
    """One page of the queue without a COUNT: it reads PAGE_SIZE + 1 rows to know whether another page follows, so
    a page costs the same at a thousand tickets or a million (tests/perf/test_bench_tickets.py)."""

    number: int
    items: list
    has_next: bool

    @property
    def has_previous(self):
        return self.number > 1

    @property
    def has_other_pages(self):
        return self.has_next or self.has_previous

    @property
    def next_page_number(self):
        return self.number + 1

    @property
    def previous_page_number(self):
        return self.number - 1

    @property
    def shown(self):
        """How many tickets there are at least: exact on the last page."""
        return (self.number - 1) * PAGE_SIZE + len(self.items)

    def __iter__(self):
        return iter(self.items)


def _page(queryset, number: str | None) -> QueuePage:
    try:
        page = max(1, int(number or 1))
    except ValueError:
        page = 1
    start = (page - 1) * PAGE_SIZE
    rows = list(queryset[start:start + PAGE_SIZE + 1])
    return QueuePage(number=page, items=rows[:PAGE_SIZE], has_next=len(rows) > PAGE_SIZE)


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


# -- the queue ------------------------------------------------------------------------------------------------

@login_required
@desk_required
def queue(request):
    params = request.GET.copy()
    params.setdefault("status", selectors.QueueFilters.status)  # what the list shows unless asked, said in its select
    form = QueueFilterForm(params)
    filters = selectors.QueueFilters()
    if form.is_valid():
        chosen = {key: value for key, value in form.cleaned_data.items()
                  if value or key == "status"}  # "Any status" is an empty choice
        filters = selectors.QueueFilters(**{**filters.__dict__, **chosen})
    view = request.GET.get("view", "all")
    if view in selectors.VIEWS:
        filters = selectors.QueueFilters(**{**filters.__dict__, "view": view})
    now = timezone.now()
    page = _page(selectors.ticket_queue(filters, user=request.user, now=now), request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "rows": _rows(page, now), "query": query.urlencode(),
               "view": filters.view,
               "views": _views(), "agents": desk_services.agents()}
    if _is_htmx(request):
        return render(request, "tickets/desk/_queue_rows.html", context)
    context["undelivered"] = selectors.undelivered_count(now=now)  # said on its view's pill, so agents notice
    return render(request, "tickets/desk/queue.html", context)


PRIORITY_BADGES = {"urgent": "text-bg-danger", "high": "text-bg-warning"}


def _rows(page, now):
    """What each row shows, prepared here as plain strings: the template only places them, so 50 rows render in a
    few milliseconds (a model attribute or a filter per cell costs a template lookup each, 600 per page)."""
    from django.urls import reverse
    from django.utils.timesince import timesince, timeuntil

    detail = reverse("tickets-desk:detail", kwargs={"number": "NUMBER"})
    soon = now + timedelta(minutes=30)
    # Labels translated once per page (get_FOO_display() would translate every choice for every row).
    channels, priorities, statuses = ({value: str(label) for value, label in choices.choices}
                                      for choices in (Channel, Priority, TicketStatus))
    rows = []
    for ticket in page:
        due = ticket.reply_by
        if due is None:
            clock, clock_class = "", ""
        elif due < now:
            clock, clock_class = _("%(t)s late") % {"t": timesince(due, now, depth=1)}, "text-danger fw-semibold"
        else:
            clock = timeuntil(due, now, depth=1)
            clock_class = "text-warning-emphasis fw-semibold" if due < soon else ""
        rows.append({"number": ticket.number, "url": detail.replace("NUMBER", ticket.number), "clock": clock,
                     "clock_class": clock_class, "reply_by": due.isoformat() if due else "",
                     "channel": channels.get(ticket.channel, ticket.channel), "customer": str(ticket.customer),
                     "subject": ticket.subject or "—", "language": ticket.language,
                     "order": ticket.order.number if ticket.order_id else "—",
                     "priority": priorities.get(ticket.priority, ticket.priority),
                     "priority_class": PRIORITY_BADGES.get(ticket.priority, "text-bg-light border"),
                     "status": statuses.get(ticket.status, ticket.status),
                     "assignee": _person(ticket.assignee) if ticket.assignee_id else "—", "tags": ticket.tags})
    return rows


def _person(user) -> str:
    """A colleague as the page header names them: their name, else their login."""
    return user.get_full_name() or user.get_username()


def _views():
    return [("all", _("All open")), ("mine", _("Mine")), ("unassigned", _("Unassigned")),
            ("breaching", _("Breaching in 30 min")), ("whatsapp", "WhatsApp"), ("spanish", _("Spanish")),
            ("complaints", _("Complaints")), ("snoozed", _("Snoozed")), ("undelivered", _("Replies not delivered"))]


@login_required
@desk_required
@require_POST
def bulk(request):
    numbers = request.POST.getlist("tickets")
    action = request.POST.get("action", "")
    tickets = list(Ticket.objects.filter(number__in=numbers))
    assignee = None
    if action == "assign_me":
        action, assignee = "assign", request.user
    elif action == "assign":
        assignee = get_user_model().objects.filter(pk=request.POST.get("assignee") or 0).first()
    done = desk_services.tickets_bulk(tickets=tickets, action=action, actor=request.user, assignee=assignee,
                                      tag=request.POST.get("tag", ""))
    messages.success(request, _("%(done)s of %(total)s tickets updated.") % {"done": done, "total": len(tickets)})
    return redirect(request.POST.get("next") or "tickets-desk:queue")


# -- one conversation -----------------------------------------------------------------------------------------

def _ticket(number):
    try:
        return selectors.ticket_for_desk(number)
    except Ticket.DoesNotExist:
        raise Http404 from None


def _next_statuses(ticket):
    allowed = TICKET_TRANSITIONS[TicketStatus(ticket.status)]
    return [status for status in (TicketStatus.PENDING, TicketStatus.SOLVED, TicketStatus.CLOSED, TicketStatus.OPEN)
            if status in allowed]


def _detail_context(request, ticket, **extra):
    from django.conf import settings

    from ..macros import macro_context, macros_for, render_macro

    presence.touch(ticket.pk, request.user, typing=False)
    values = macro_context(ticket, base_url=settings.PUBLIC_BASE_URL)
    macros = [(macro, title, render_macro(macro, ticket, base_url=settings.PUBLIC_BASE_URL, values=values))
              for macro, title in macros_for(ticket)]
    channels = [(ticket.channel, ticket.get_channel_display())]
    if ticket.channel != Channel.EMAIL and ticket.customer.email:
        channels.append((Channel.EMAIL, Channel.EMAIL.label))
    panel = selectors.customer_panel(ticket.customer)
    return {
        "ticket": ticket, "rule": services.reply_rule(ticket), "panel": panel,
        "reply_form": ReplyForm(initial={"client_key": secrets.token_urlsafe(16)}),
        "matches": selectors.customer_search(request.GET.get("q", ""), exclude=ticket.customer),
        "query": request.GET.get("q", ""), "next_statuses": _next_statuses(ticket), "macros": macros,
        "channels": channels, "others": presence.others(ticket.pk, request.user),
        "approvals": list(RefundApproval.objects.filter(ticket=ticket).select_related("requested_by")[:10]),
        "can_approve": request.user.has_perm("tickets.approve_refund"), "priorities": Priority.choices,
        "categories": ComplaintCategory.choices, "agents": desk_services.agents(),
        "merge_candidates": [other for other in panel["tickets"] if other.pk != ticket.pk
                             and other.merged_into_id is None and other.status != TicketStatus.CLOSED],
        "limit_minor": settings.DESK_REFUND_LIMIT_MINOR, "now": timezone.now(), **extra}


@login_required
@desk_required
def detail(request, number):
    ticket = _ticket(number)
    if ticket.merged_into_id:
        return redirect("tickets-desk:detail", number=ticket.merged_into.number)
    return render(request, "tickets/desk/detail.html", _detail_context(request, ticket))


@login_required
@desk_required
@require_POST
def reply(request, number):
    from ..phrases import find_phrases

    ticket = get_object_or_404(Ticket, number=number)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The reply could not be read: please try again."))
        return redirect("tickets-desk:detail", number=number)
    body = form.cleaned_data["body"]
    channel = request.POST.get("channel") or ticket.channel
    version = int(request.POST.get("version") or 0)
    findings = find_phrases(body, language=ticket.language) if body else []
    reason = request.POST.get("override_reason", "").strip()
    warnings = {}
    if version and version < ticket.version and not request.POST.get("confirm_outdated"):
        warnings["outdated"] = True
    if findings and not reason:
        warnings["findings"] = findings
    if warnings:
        full = _ticket(number)
        context = _detail_context(request, full, draft=body, draft_channel=channel, **warnings)
        context["reply_form"] = form
        return render(request, "tickets/desk/detail.html", context, status=409)
    try:
        message = services.message_send(ticket=ticket, body=body, author=request.user, channel=channel,
                                        template=form.cleaned_data["template"],
                                        client_key=form.cleaned_data["client_key"])
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        if findings:
            services.message_flag(message=message, findings=findings, reason=reason)
        messages.success(request, _("Reply queued: it is sent on %(channel)s.") % {
            "channel": Channel(channel).label})
    return redirect("tickets-desk:detail", number=number)


@login_required
@desk_required
@require_POST
def phrase_check(request, number):
    """While the agent writes: the flagged wording and the approved one, as a fragment."""
    from ..phrases import find_phrases

    ticket = get_object_or_404(Ticket, number=number)
    findings = find_phrases(request.POST.get("body", ""), language=ticket.language)
    presence.touch(ticket.pk, request.user, typing=bool(request.POST.get("body")))
    return render(request, "tickets/desk/_phrases.html", {"findings": findings})


@login_required
@desk_required
def presence_fragment(request, number):
    ticket = get_object_or_404(Ticket, number=number)
    presence.touch(ticket.pk, request.user, typing=request.GET.get("typing") == "1")
    return render(request, "tickets/desk/_presence.html", {
        "others": presence.others(ticket.pk, request.user), "ticket": ticket,
        "newer": int(request.GET.get("version") or ticket.version) < ticket.version})


@login_required
@desk_required
@require_POST
def note(request, number):
    ticket = get_object_or_404(Ticket, number=number)
    try:
        services.ticket_note_add(ticket=ticket, body=request.POST.get("body", ""), author=request.user)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    return redirect("tickets-desk:detail", number=number)


def _undelivered_decision(request, number, pk, decide, done):
    """Send again / mark sent: the reply must belong to the ticket; what cannot be done is said, not an error page."""
    get_object_or_404(Message, pk=pk, ticket__number=number, direction=Direction.OUTBOUND)
    try:
        decide(message_pk=pk, actor=request.user)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(request, done)
    return redirect("tickets-desk:detail", number=number)


@login_required
@desk_required
@require_POST
def send_again(request, number, pk):
    return _undelivered_decision(request, number, pk, services.message_send_again, _("The reply is queued again."))


@login_required
@desk_required
@require_POST
def mark_sent(request, number, pk):
    return _undelivered_decision(request, number, pk, services.message_mark_sent, _("The reply is marked sent."))


@login_required
@desk_required
@require_POST
def status(request, number):
    ticket = get_object_or_404(Ticket, number=number)
    try:
        services.ticket_transition(ticket=ticket, to_status=request.POST.get("status", ""), actor=request.user)
    except (ValidationError, ValueError) as error:
        messages.error(request, error.messages[0] if isinstance(error, ValidationError) else _("Unknown status."))
    return redirect("tickets-desk:detail", number=number)


@login_required
@desk_required
@require_POST
def update(request, number):
    """Priority, complaint category, assignee and tags."""
    ticket = get_object_or_404(Ticket, number=number)
    desk_services.ticket_update(ticket=ticket, actor=request.user,
                                priority=request.POST.get("priority") or None,
                                complaint_category=request.POST.get("complaint_category"))
    if "assignee" in request.POST:
        assignee = get_user_model().objects.filter(pk=request.POST.get("assignee") or 0).first()
        try:
            desk_services.ticket_assign(ticket=ticket, assignee=assignee, actor=request.user)
        except ValidationError as error:
            messages.error(request, error.messages[0])
    if "tags" in request.POST:
        wanted = [t for t in request.POST.get("tags", "").replace(",", " ").split() if t]
        desk_services.ticket_tag(ticket=ticket, add=wanted, remove=[t for t in ticket.tags if t not in wanted])
    return redirect("tickets-desk:detail", number=number)


@login_required
@desk_required
@require_POST
def snooze(request, number):
    ticket = get_object_or_404(Ticket, number=number)
    until = None
    hours = request.POST.get("hours", "")
    if hours == "reply":
        until = None
    elif hours.isdigit():
        until = timezone.now() + timedelta(hours=int(hours))
    elif request.POST.get("until"):
        try:
            until = timezone.make_aware(datetime.fromisoformat(request.POST["until"]))
        except ValueError:
            messages.error(request, _("Choose a valid date and time."))
            return redirect("tickets-desk:detail", number=number)
    try:
        desk_services.ticket_snooze(ticket=ticket, until=until, actor=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("Snoozed."))
    return redirect("tickets-desk:detail", number=number)


@login_required
@desk_required
@require_POST
def merge_ticket(request, number):
    ticket = get_object_or_404(Ticket, number=number)
    other = get_object_or_404(Ticket, number=request.POST.get("other", ""))
    try:
        desk_services.tickets_merge(source=other, target=ticket, actor=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("%(other)s was merged into this ticket.") % {"other": other.number})
    return redirect("tickets-desk:detail", number=number)


@login_required
@desk_required
@require_POST
def merge_customer(request, number):
    ticket = get_object_or_404(Ticket.objects.select_related("customer"), number=number)
    other = get_object_or_404(Customer, pk=request.POST.get("customer"), merged_into__isnull=True)
    try:
        services.ticket_customers_merge(ticket=ticket, other=other, actor=request.user)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(request, _("Merged: %(other)s and this customer are now one, with all their tickets.")
                         % {"other": other})
    return redirect("tickets-desk:detail", number=number)


# -- acting on the order ----------------------------------------------------------------------------------------

@login_required
@desk_required
@require_POST
def refund(request, number):
    ticket = get_object_or_404(Ticket, number=number)
    payment = get_object_or_404(Payment.objects.select_related("order"), pk=request.POST.get("payment") or 0,
                                order__customer=ticket.customer)
    try:
        amount = to_minor(request.POST.get("amount", ""), payment.currency)
        result = desk_services.ticket_refund(ticket=ticket, payment=payment, amount_minor=amount,
                                             reason=request.POST.get("reason", ""), actor=request.user,
                                             key=request.POST.get("client_key") or secrets.token_hex(8))
    except (CurrencyError, ValueError):
        messages.error(request, _("Enter an amount such as 12.50."))
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        if isinstance(result, RefundApproval):
            messages.warning(request, _("Above your limit: the refund waits for a manager's approval."))
        else:
            messages.success(request, _("Refund recorded in the ledger."))
    return redirect("tickets-desk:detail", number=number)


@login_required
@desk_required
@require_POST
def approval(request, number, pk):
    found = get_object_or_404(RefundApproval, pk=pk, ticket__number=number)
    if not request.user.has_perm("tickets.approve_refund"):
        raise PermissionDenied
    desk_services.refund_approval_decide(approval=found, approve=request.POST.get("decision") == "approve",
                                         actor=request.user)
    return redirect("tickets-desk:detail", number=number)


@login_required
@desk_required
@require_POST
def coupon(request, number):
    ticket = get_object_or_404(Ticket.objects.select_related("order"), number=number)
    order = ticket.order or Order.objects.filter(customer=ticket.customer).order_by("-placed_at").first()
    currency = order.currency if order else "USD"
    try:
        amount = to_minor(request.POST.get("amount", ""), currency)
        made = desk_services.ticket_coupon_send(ticket=ticket, amount_minor=amount, currency=currency,
                                                actor=request.user,
                                                key=request.POST.get("client_key") or secrets.token_hex(4))
    except (CurrencyError, ValueError):
        messages.error(request, _("Enter an amount such as 12.50."))
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("Coupon %(code)s sent to the customer.") % {"code": made.code})
    return redirect("tickets-desk:detail", number=number)


@login_required
@desk_required
@require_POST
def start_return(request, number):
    """Start a return for the customer from the sidebar: one line, a reason; the case then lives in the return
    desk."""
    from returns.api import LineRequest, return_case_submit, returnable_lines

    ticket = get_object_or_404(Ticket, number=number)
    order = get_object_or_404(Order, pk=request.POST.get("order") or 0, customer=ticket.customer)
    available = {line.pk: (line, left) for line, left in returnable_lines(order)}
    try:
        line, left = available[int(request.POST.get("line") or 0)]
        quantity = min(int(request.POST.get("quantity") or 1), left)
        case = return_case_submit(order=order, lines=[LineRequest(line, quantity)],
                                  reason=request.POST.get("reason") or "other", language=ticket.language,
                                  comment=_("Started by %(agent)s from ticket %(number)s.") % {
                                      "agent": request.user, "number": ticket.number},
                                  client_token=f"ticket:{ticket.pk}:{request.POST.get('client_key', '')}"[:64])
    except (KeyError, ValueError):
        messages.error(request, _("Choose an item that can still be returned."))
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("Return %(rma)s started.") % {"rma": case.rma})
    return redirect("tickets-desk:detail", number=number)


@login_required
@desk_required
@require_POST
def not_received(request, number):
    """The not-received playbook: with the carrier's delivery scan, send the policy's offer to the customer, or
    open a claim for the carrier investigation (a refund or a redelivery decided on the return desk)."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils import translation

    from returns.api import not_received_quote, not_received_report

    ticket = get_object_or_404(Ticket, number=number)
    order = get_object_or_404(Order, pk=request.POST.get("order") or 0, customer=ticket.customer)
    action = request.POST.get("action")
    try:
        if action == "offer":
            quote = not_received_quote(order)
            if quote is None:
                raise ValidationError(_("There is nothing to offer: no delivery scan, or a claim already exists."))
            with translation.override(ticket.language):
                link = settings.PUBLIC_BASE_URL + reverse("portal")
                body = _("The carrier reports that order %(number)s was delivered. Please check with neighbours "
                         "and your mailbox. If it is not there, you can claim it here: %(link)s") % {
                    "number": order.number, "link": link}
            services.message_send(ticket=ticket, body=body, author=request.user,
                                  client_key=f"not-received:{order.pk}")
            messages.success(request, _("The customer was told how to claim the parcel."))
        else:
            case = not_received_report(order=order, wants=request.POST.get("wants") or "refund",
                                       comment=_("Opened from ticket %(number)s.") % {"number": ticket.number},
                                       language=ticket.language)
            messages.success(request, _("Claim %(rma)s opened on the return desk.") % {"rma": case.rma})
    except ValidationError as error:
        messages.error(request, error.messages[0])
    return redirect("tickets-desk:detail", number=number)

