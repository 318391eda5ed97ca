"""The ticket desk (``/desk/tickets/``): one queue of every channel and one conversation with its reply box.

Thin views: parse the form, call one service, show the result; a refusal (a closed WhatsApp window, an empty
reply) is shown to the agent as the service words it, in the agent's language.
"""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.models import Customer

from .. import selectors, services
from ..choices import TicketStatus
from ..desk_forms import NoteForm, QueueFilterForm, ReplyForm
from ..models import Ticket

desk_required = permission_required("aftersales.access_desk", raise_exception=True)
PAGE_SIZE = 50


@login_required
@desk_required
def queue(request):
    form = QueueFilterForm(request.GET or None)
    filters = selectors.QueueFilters()
    if form.is_valid():
        chosen = {key: value for key, value in form.cleaned_data.items()
                  if value or (key == "status" and key in request.GET)}  # "Any status" is an empty choice
        filters = selectors.QueueFilters(**{**filters.__dict__, **chosen})
    page = Paginator(selectors.ticket_queue(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "tickets/desk/queue.html", {"form": form, "page": page, "query": query.urlencode()})


def _ticket(number):
    try:
        return selectors.ticket_for_desk(number)
    except Ticket.DoesNotExist:
        raise Http404 from None


@login_required
@desk_required
def detail(request, number):
    ticket = _ticket(number)
    if ticket.merged_into_id:
        return redirect("tickets-desk:detail", number=ticket.merged_into.number)
    return render(request, "tickets/desk/detail.html", {
        "ticket": ticket, "rule": services.reply_rule(ticket), "panel": selectors.customer_panel(ticket.customer),
        "reply_form": ReplyForm(initial={"client_key": secrets.token_urlsafe(16)}), "note_form": NoteForm(),
        "matches": selectors.customer_search(request.GET.get("q", ""), exclude=ticket.customer),
        "query": request.GET.get("q", ""), "next_statuses": _next_statuses(ticket)})


def _next_statuses(ticket):
    from ..choices import TICKET_TRANSITIONS

    allowed = TICKET_TRANSITIONS[TicketStatus(ticket.status)]
    return [status for status in (TicketStatus.PENDING, TicketStatus.SOLVED, TicketStatus.CLOSED, TicketStatus.OPEN)
            if status in allowed]


@login_required
@desk_required
@require_POST
def reply(request, number):
    ticket = get_object_or_404(Ticket, number=number)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.message_send(ticket=ticket, body=form.cleaned_data["body"], author=request.user,
                                  template=form.cleaned_data["template"], client_key=form.cleaned_data["client_key"])
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Reply queued: it is sent on %(channel)s.") % {
                "channel": ticket.get_channel_display()})
    return redirect("tickets-desk:detail", number=number)


@login_required
@desk_required
@require_POST
def note(request, number):
    ticket = get_object_or_404(Ticket, number=number)
    try:
        services.ticket_note_add(ticket=ticket, body=request.POST.get("body", ""), author=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("tickets-desk:detail", number=number)


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
def merge_customer(request, number):
    ticket = get_object_or_404(Ticket.objects.select_related("customer"), number=number)
    other = get_object_or_404(Customer, pk=request.POST.get("customer"), merged_into__isnull=True)
    try:
        services.ticket_customers_merge(ticket=ticket, other=other, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Merged: %(other)s and this customer are now one, with all their tickets.")
                         % {"other": other})
    return redirect("tickets-desk:detail", number=number)
