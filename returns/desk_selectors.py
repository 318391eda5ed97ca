"""Reads for the return desk: the filtered, sorted queue and one case with everything an agent acts on.

Query cost is constant in the number of rows shown: the queue selects its related rows in one query and
annotates line counts; the case page prefetches lines, photos and the timeline.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from aftersales.models import Refund
from aftersales.money import from_minor

from .choices import OPEN_STATUSES, CaseStatus
from .models import ReturnCase, ReturnEvent, ReturnLine

SORTS = {
    "deadline": (F("refund_deadline").asc(nulls_last=True), "-submitted_at"),
    "-deadline": (F("refund_deadline").desc(nulls_last=True), "-submitted_at"),
    "age": ("submitted_at",),
    "-age": ("-submitted_at",),
    "rma": ("rma",),
    "status": ("status", "refund_deadline"),
}
RED_DAYS = 3


@dataclass(frozen=True)
class QueueFilters:
    status: str = "open"
    market: str = ""
    reason: str = ""
    kind: str = ""
    older_than_days: int | None = None
    due_within_days: int | None = None
    q: str = ""
    sort: str = "deadline"


def return_case_queue(filters: QueueFilters) -> QuerySet[ReturnCase]:
    cases = ReturnCase.objects.select_related("order__market", "customer", "assignee").annotate(
        line_count=Count("lines"))
    if filters.status == "open":
        cases = cases.filter(status__in=OPEN_STATUSES)
    elif filters.status:
        cases = cases.filter(status=filters.status)
    if filters.market:
        cases = cases.filter(order__market__code=filters.market)
    if filters.reason:
        cases = cases.filter(reason=filters.reason)
    if filters.kind:
        cases = cases.filter(kind=filters.kind)
    if filters.older_than_days is not None:
        cases = cases.filter(submitted_at__lte=timezone.now() - timedelta(days=filters.older_than_days))
    if filters.due_within_days is not None:
        cases = cases.filter(refund_deadline__lte=timezone.localdate() + timedelta(days=filters.due_within_days))
    if filters.q:
        term = filters.q.strip().lstrip("#")
        cases = cases.filter(Q(rma__iexact=term) | Q(order__number__iexact=term) | Q(order__number__iexact=f"#{term}")
                             | Q(customer__email__iexact=term))
    return cases.order_by(*SORTS.get(filters.sort, SORTS["deadline"]))


def days_left(deadline: date | None, today: date | None = None) -> int | None:
    if deadline is None:
        return None
    return (deadline - (today or timezone.localdate())).days


def clock_class(days: int | None) -> str:
    if days is None:
        return "text-body-secondary"
    if days <= RED_DAYS:
        return "text-danger fw-semibold"
    return "text-warning-emphasis" if days <= 7 else "text-success"


def return_case_for_desk(pk: int) -> ReturnCase:
    lines = ReturnLine.objects.select_related("order_line__product").prefetch_related("photos")
    return (ReturnCase.objects.select_related("order__market", "order__customer", "customer", "assignee")
            .prefetch_related(Prefetch("lines", queryset=lines), "photos",
                              Prefetch("events", queryset=ReturnEvent.objects.select_related("actor")))
            .get(pk=pk))


def refunds_of(case: ReturnCase) -> QuerySet[Refund]:
    return Refund.objects.filter(source_ref=case.source_ref).order_by("created_at")


def disposition_report(month: date) -> str:
    """CSV of every inspected line of the month: what was recovered, for the tax records."""
    start = timezone.make_aware(datetime(month.year, month.month, 1))
    end = timezone.make_aware(datetime(month.year + (month.month == 12), month.month % 12 + 1, 1))
    lines = (ReturnLine.objects.filter(inspected_at__gte=start, inspected_at__lt=end)
             .select_related("case__order__market", "order_line").order_by("inspected_at", "pk"))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["rma", "order", "market", "sku", "title", "quantity", "grade", "disposition",
                     "recovered", "currency", "inspected_at"])
    for line in lines:
        case = line.case
        writer.writerow([case.rma, case.order.number, case.order.market.code, line.order_line.sku,
                         line.order_line.title, line.quantity, line.grade, line.disposition,
                         str(from_minor(line.recovered_minor, case.currency)), case.currency,
                         timezone.localtime(line.inspected_at).isoformat(timespec="minutes")])
    return out.getvalue()


__all__ = ["CaseStatus", "QueueFilters", "clock_class", "days_left", "disposition_report", "refunds_of",
           "return_case_for_desk", "return_case_queue"]
