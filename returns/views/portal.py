"""The hosted customer portal of returns: find my order (``/<lang>/portal/``) and the order page.

Thin views: the form parses, ``ratelimit`` counts, the selectors find and check, the templates render.
A failed lookup shows one neutral message whatever went wrong, so the page never says whether an order
number exists; too many attempts (per IP, per order number) get a 429 without looking anything up.
"""

import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aftersales.client_address import client_ip
from aftersales.uploads import UploadRejected, clean_image, store_image
from policies.api import Answers
from policies.choices import Decision
from returns import portal_access, ratelimit, selectors, services
from returns.forms import NotReceivedReportForm, OrderLookupForm, ReturnRequestForm
from returns.models import ReturnCase
from returns.slip import render_slip


@never_cache
@require_http_methods(["GET", "POST"])
def lookup(request):
    form = OrderLookupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        number = selectors.normalise_order_number(request.POST.get("order_number", ""))
        if not ratelimit.lookup_allowed(ip=client_ip(request), order_number=number):
            return render(request, "returns/portal/lookup.html", {"form": form, "throttled": True}, status=429)
        if form.is_valid():
            order = selectors.order_for_lookup(**form.cleaned_data)
            if order is not None:
                token = portal_access.unlock(request.session, order)
                return redirect("returns:portal-order", token=token)
            form.add_error(None, _("We could not find an order with these details. Check the order number "
                                   "and the email address or postcode you used when ordering."))
    return render(request, "returns/portal/lookup.html", {"form": form})


@never_cache
@require_GET
def order_detail(request, token):
    order = selectors.order_for_portal(request.session, token)
    page = selectors.order_page_for_portal(order, language=get_language())
    shipped = any(shipment.shipped_at or shipment.status != "pending" for shipment in order.shipments.all())
    delivered = any(shipment.delivered_at for shipment in order.shipments.all())
    cases = list(order.return_cases.order_by("-created_at"))
    claimed = any(case.kind == "not_received" and case.status not in ("cancelled", "rejected", "expired")
                  for case in cases)
    return render(request, "returns/portal/order.html", {
        "page": page, "order": order, "token": token, "cases": cases,
        "can_return": shipped and order.status != "cancelled" and bool(selectors.returnable_lines(order)),
        "can_cancel": not shipped and order.status != "cancelled",
        "can_claim_not_received": delivered and not claimed and order.status != "cancelled",
        "cancel_confirm": _("Cancel the whole order and get your money back?")})


# -- starting a return ---------------------------------------------------------------------------------------

DRAFTS_KEY = "return_drafts"


def _request_form(request, order, data=None, files=None):
    return ReturnRequestForm(data, files, lines=selectors.returnable_lines(order),
                             shipping_options=selectors.shipping_options(order))


@never_cache
@require_http_methods(["GET", "POST"])
def return_start(request, token):
    """Step 1 (choose) and step 2 (review the estimate). Photos are checked and stored at step 1."""
    order = selectors.order_for_portal(request.session, token)
    form = _request_form(request, order, request.POST or None, request.FILES or None)
    context = {"order": order, "form": form, "token": token}
    if request.method == "POST" and form.is_valid():
        photos = []
        try:
            for upload in form.cleaned_data["photos"]:
                clean = clean_image(upload)
                photos.append({"storage_name": store_image(clean, folder="returns"),
                               "content_type": clean.content_type, "width": clean.width, "height": clean.height,
                               "sha256": clean.sha256})
        except UploadRejected as error:
            form.add_error("photos", str(error.message))
            return render(request, "returns/portal/return_form.html", context, status=400)
        answers = Answers(unused=form.cleaned_data["unused"],
                          original_packaging=form.cleaned_data["original_packaging"])
        lines = form.line_requests()
        try:
            quote = services.return_request_quote(order=order, lines=lines, reason=form.cleaned_data["reason"],
                                                  shipping_choice=form.cleaned_data["shipping_choice"],
                                                  answers=answers)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
            return render(request, "returns/portal/return_form.html", context, status=400)
        client_token = secrets.token_urlsafe(16)
        drafts = request.session.get(DRAFTS_KEY, {})
        drafts[client_token] = {
            "order": order.pk, "lines": [[r.order_line.pk, r.quantity] for r in lines],
            "reason": form.cleaned_data["reason"], "unused": answers.unused,
            "original_packaging": answers.original_packaging, "comment": form.cleaned_data["comment"],
            "resolution": form.cleaned_data["resolution"], "shipping_choice": form.cleaned_data["shipping_choice"],
            "photos": photos}
        request.session[DRAFTS_KEY] = dict(list(drafts.items())[-5:])
        return render(request, "returns/portal/return_review.html", {
            **context, "quote": selectors.quote_view(quote, get_language()), "client_token": client_token,
            "may_send_back": quote.statutory and quote.outcomes == {Decision.KEEP_ITEM},
            "photo_count": len(photos)})
    return render(request, "returns/portal/return_form.html", context, status=400 if request.method == "POST" else 200)


@never_cache
@require_POST
def return_confirm(request, token):
    """Step 3: create the case. The draft's token makes a double click find the case made by the first."""
    order = selectors.order_for_portal(request.session, token)
    client_token = request.POST.get("client_token", "")
    draft = request.session.get(DRAFTS_KEY, {}).get(client_token)
    if draft is None or draft["order"] != order.pk:
        existing = ReturnCase.objects.filter(order=order, client_token=client_token).first() if client_token else None
        if existing is not None:
            return redirect("returns:portal-return", token=token, rma=existing.rma)
        messages.error(request, _("This form has expired. Please start your return again."))
        return redirect("returns:portal-return-start", token=token)
    lines_by_id = {line.pk: line for line in order.lines.all()}
    lines = [services.LineRequest(lines_by_id[pk], quantity) for pk, quantity in draft["lines"] if pk in lines_by_id]
    try:
        case = services.return_case_submit(
            order=order, lines=lines, reason=draft["reason"], comment=draft["comment"],
            resolution=draft["resolution"], shipping_choice=draft["shipping_choice"],
            answers=Answers(unused=draft["unused"], original_packaging=draft["original_packaging"]),
            language=get_language() or "en", client_token=client_token,
            photos=[services.StoredPhoto(**photo) for photo in draft["photos"]],
            send_back=request.POST.get("send_back") == "1")
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("returns:portal-return-start", token=token)
    return redirect("returns:portal-return", token=token, rma=case.rma)


@never_cache
@require_GET
def return_detail(request, token, rma):
    order, case = selectors.case_for_portal(request.session, token, rma)
    events = [event for event in case.events.all() if event.visible_to_customer and event.to_status]
    return render(request, "returns/portal/return_case.html", {
        "order": order, "case": case, "token": token, "events": events,
        "address": selectors.return_address(order), "due_minor": case.estimate_minor - case.deductions_minor,
        "coupon": selectors.coupon_of(case), "refunds": selectors.refunds_for_portal(case),
        "items": selectors.case_items(case),
        "needs_parcel": case.status in ("awaiting_shipment", "approved")})


@never_cache
@require_GET
def return_slip(request, token, rma):
    order, case = selectors.case_for_portal(request.session, token, rma)
    if case.kind != "return" or case.status in ("rejected", "cancelled", "approved_keep_item", "needs_review"):
        raise Http404
    response = HttpResponse(render_slip(case, selectors.return_address(order)), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="return-slip-{case.rma}.pdf"'
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def not_received(request, token):
    """Marked delivered but not here: the proof of delivery, the policy's offer, or a claim for an agent."""
    order = selectors.order_for_portal(request.session, token)
    action = request.POST.get("action")
    form = NotReceivedReportForm(request.POST if action == "report" else None)
    errors = []
    if request.method == "POST":
        language = get_language() or "en"
        try:
            if action == "accept":
                case = services.not_received_accept_offer(order=order, language=language)
                messages.success(request, _("Thank you. Your compensation is on its way."))
                return redirect("returns:portal-return", token=token, rma=case.rma)
            if form.is_valid():
                case = services.not_received_report(order=order, wants=form.cleaned_data["wants"],
                                                    comment=form.cleaned_data["comment"], language=language)
                messages.info(request, _("Our team will look into it and get back to you within two working days."))
                return redirect("returns:portal-return", token=token, rma=case.rma)
        except ValidationError as error:
            errors = error.messages
    else:
        existing = services.live_not_received(order)
        if existing is not None:
            return redirect("returns:portal-return", token=token, rma=existing.rma)
    quote = services.not_received_quote(order)
    return render(request, "returns/portal/not_received.html", {
        "order": order, "token": token, "quote": quote, "form": form, "errors": errors,
        "shipments": [shipment for shipment in order.shipments.all() if shipment.delivered_at],
        "offer": selectors.not_received_offer_view(quote, get_language()) if quote else None,
    }, status=400 if request.method == "POST" else 200)


@never_cache
@require_POST
def order_cancel(request, token):
    order = selectors.order_for_portal(request.session, token)
    case, refund = services.order_cancel_unshipped(order=order, language=get_language() or "en")
    if refund is not None:
        messages.success(request, _("Your order is cancelled. The refund is on its way to your original payment."))
    else:
        messages.info(request, _("We could not cancel it automatically; our team will get back to you shortly."))
    return redirect("returns:portal-return", token=token, rma=case.rma)
