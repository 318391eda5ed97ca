"""The dispute desk (``/desk/disputes/``): open disputes by internal deadline with live countdowns, and one dispute
with its timeline and alerts. (Evidence packets and submission come with the next increment of this app.)"""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from .. import selectors
from ..choices import DisputeStage, DisputeStatus
from ..models import Dispute

desk_required = permission_required("aftersales.access_desk", raise_exception=True)


@login_required
@desk_required
@require_GET
def queue(request):
    show = "all" if request.GET.get("show") == "all" else "open"
    now = timezone.now()
    statuses = {value: str(label) for value, label in DisputeStatus.choices}
    stages = {value: str(label) for value, label in DisputeStage.choices}
    rows = []
    for dispute in selectors.dispute_queue(show=show)[:200]:
        deadline = dispute.internal_deadline
        hours = (deadline - now).total_seconds() / 3600 if deadline else None
        rows.append({"dispute": dispute, "status": statuses.get(dispute.status, dispute.status),
                     "stage": stages.get(dispute.stage, dispute.stage), "hours": hours,
                     "clock": "text-danger fw-semibold" if hours is not None and hours < 24 else
                              "text-warning-emphasis" if hours is not None and hours < 72 else ""})
    return render(request, "disputes/desk/queue.html", {"rows": rows, "show": show, "now": now})


@login_required
@desk_required
@require_GET
def detail(request, pk):
    try:
        dispute = selectors.dispute_for_desk(pk)
    except Dispute.DoesNotExist:
        raise Http404 from None
    return render(request, "disputes/desk/detail.html", {"dispute": dispute, "now": timezone.now()})
