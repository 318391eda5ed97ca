"""The customer's chat with support in the portal (``/<lang>/portal/orders/<token>/messages/``).

Only the order this session unlocked (``returns.api.order_for_portal``, 404 otherwise). The thread is the same
ticket the agent answers; the page polls a small fragment every few seconds, so replies appear without a reload.
"""

import secrets

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from returns.api import order_for_portal

from .. import selectors, services
from ..forms import ChatForm


@require_http_methods(["GET", "POST"])
def chat(request, token):
    order = order_for_portal(request.session, token)
    form = ChatForm(request.POST or None, initial={"client_token": secrets.token_urlsafe(16)})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.webchat_post(order=order, text=form.cleaned_data["text"], language=get_language(),
                                      client_token=form.cleaned_data["client_token"])
            except ValidationError as error:
                form.add_error("text", error)
            else:
                flash.success(request, _("Sent. We usually answer within two hours."))
                return redirect("tickets:portal-chat", token=token)
        status = 400
    return render(request, "tickets/portal/chat.html", {
        "order": order, "token": token, "form": form, "thread": selectors.webchat_thread(order)}, status=status)


@require_GET
def chat_messages(request, token):
    order = order_for_portal(request.session, token)
    return render(request, "tickets/portal/_thread.html", {"thread": selectors.webchat_thread(order)})


@require_http_methods(["GET", "POST"])
def survey(request, token):
    """The satisfaction survey a customer reaches from the link we sent: 1–5 and a comment, answered once."""
    from django.http import Http404

    from ..desk_services import csat_answer
    from ..models import CsatSurvey

    found = CsatSurvey.objects.select_related("ticket").filter(token=token).first()
    if found is None:
        raise Http404
    errors = []
    if request.method == "POST" and found.answered_at is None:
        try:
            found = csat_answer(token=token, score=int(request.POST.get("score") or 0),
                                comment=request.POST.get("comment", ""))
        except (ValueError, ValidationError):
            errors.append(_("Choose a score from 1 to 5."))
    return render(request, "tickets/portal/survey.html", {"survey": found, "errors": errors, "scores": range(1, 6)},
                  status=400 if errors else 200)
