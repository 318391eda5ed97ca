"""The return desk (``/desk/returns/``): the queue, one case, and the actions an agent takes on it.

Thin views: parse the form, call one service, show the result; every refusal from a service is shown to the
agent as it is, in their language.
"""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.money import CurrencyError, format_money, to_minor

from .. import desk_selectors as selectors
from .. import services
from ..choices import OPEN_STATUSES
from ..desk_forms import InspectForm, QueueFilterForm, RefundForm, RejectForm
from ..models import ReturnCase, ReturnLine, ReturnPhoto

desk_required = permission_required("aftersales.access_desk", raise_exception=True)
PAGE_SIZE = 50


@login_required
@desk_required
def queue(request):
    params = request.GET.copy()
    params.setdefault("status", selectors.QueueFilters.status)  # what the list shows unless asked, said in its select
    form = QueueFilterForm(params)
    filters = selectors.QueueFilters()
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "") or k == "status"}
        filters = selectors.QueueFilters(**{**filters.__dict__, **data})
    page = Paginator(selectors.return_case_queue(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = []
    for case in page:
        left = _refund_days_left(case, today)
        rows.append({"case": case, "days_left": left, "days_late": -left if left is not None and left < 0 else 0,
                     "clock": selectors.clock_class(left)})
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "returns/desk/queue.html", {"form": form, "rows": rows, "page": page,
                                                        "query": query.urlencode(), "sort": filters.sort})


def _refund_days_left(case, today):
    """Days until the refund deadline while the refund is still owed; ``None`` once the case is settled (resolved,
    closed, rejected, cancelled, expired): a refunded case is never shown as late."""
    return selectors.days_left(case.refund_deadline, today) if case.status in OPEN_STATUSES else None


@login_required
@desk_required
def detail(request, pk):
    try:
        case = selectors.return_case_for_desk(pk)
    except ReturnCase.DoesNotExist:
        raise Http404 from None
    left = _refund_days_left(case, timezone.localdate())
    return render(request, "returns/desk/detail.html", {
        "case": case, "days_left": left, "clock": selectors.clock_class(left),
        "refunds": selectors.refunds_of(case), "reject_form": RejectForm(), "refund_form": RefundForm(),
        "inspect_form": InspectForm(), "due_minor": case.estimate_minor - case.deductions_minor,
    })


def _act(request, pk, action):
    case = get_object_or_404(ReturnCase, pk=pk)
    try:
        message = action(case)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(request, message)
    return redirect("returns-desk:detail", pk=case.pk)


@login_required
@desk_required
@require_POST
def approve(request, pk):
    keep = request.POST.get("keep_item") == "1"
    return _act(request, pk, lambda case: (services.return_case_approve(case=case, actor=request.user, keep_item=keep),
                                           _("Approved."))[1])


@login_required
@desk_required
@require_POST
def reject(request, pk):
    form = RejectForm(request.POST)
    reason = form.data.get("reason", "")
    return _act(request, pk, lambda case: (services.return_case_reject(case=case, actor=request.user, reason=reason),
                                           _("Rejected; the customer has been told why."))[1])


@login_required
@desk_required
@require_POST
def receive(request, pk):
    return _act(request, pk, lambda case: (services.return_case_mark_received(case=case, actor=request.user),
                                           _("Marked as received."))[1])


@login_required
@desk_required
@require_POST
def inspect(request, pk, line_pk):
    line = get_object_or_404(ReturnLine, pk=line_pk, case_id=pk)
    form = InspectForm(request.POST)

    def action(case):
        if not form.is_valid():
            raise ValidationError([f"{field}: {' '.join(errors)}" for field, errors in form.errors.items()])
        recovered = form.cleaned_data["recovered"] or 0
        try:
            recovered_minor = to_minor(recovered, case.currency)
        except CurrencyError as error:
            raise ValidationError(str(error)) from None
        services.return_line_inspect(line=line, actor=request.user, grade=form.cleaned_data["grade"],
                                     disposition=form.cleaned_data["disposition"], recovered_minor=recovered_minor)
        return _("Inspection recorded for %(sku)s.") % {"sku": line.order_line.sku}

    return _act(request, pk, action)


@login_required
@desk_required
@require_POST
def refund(request, pk):
    form = RefundForm(request.POST)

    def action(case):
        if not form.is_valid():
            raise ValidationError([" ".join(errors) for errors in form.errors.values()])
        made = services.return_case_refund(case=case, actor=request.user, amount_minor=form.amount_minor(case.currency),
                                           reason=form.cleaned_data["reason"])
        return _("Refund of %(amount)s recorded in the ledger (%(status)s).") % {
            "amount": format_money(made.amount_minor, made.currency, get_language() or "en"),
            "status": made.get_status_display()}

    return _act(request, pk, action)


@login_required
@desk_required
@require_POST
def redeliver(request, pk):
    return _act(request, pk, lambda case: (services.not_received_redeliver(case=case, actor=request.user),
                                           _("Resolved: the order is being sent again."))[1])


@login_required
@desk_required
def photo(request, pk, photo_pk):
    """Photos are stored outside the web root and served only to the desk through this view."""
    item = get_object_or_404(ReturnPhoto, pk=photo_pk, case_id=pk)
    response = FileResponse(default_storage.open(item.storage_name, "rb"), content_type=item.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@desk_required
def disposition_csv(request):
    try:
        month = date.fromisoformat(request.GET.get("month", "") + "-01")
    except ValueError:
        today = timezone.localdate()
        month = date(today.year, today.month, 1)
    response = HttpResponse(selectors.disposition_report(month), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="dispositions-{month:%Y-%m}.csv"'
    return response

