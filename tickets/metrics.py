"""Ticket aggregates for the monthly audit (DESIGN section 7), called through ``tickets.api``.

Every function is one or a few aggregate queries over ``Ticket``/``CsatSurvey``; nothing is loaded row by row
(the one exception, ``first_response_minutes_fill``, fills tickets answered before the minutes were stored).

* **Repeat complaints**: complaint tickets (a ``complaint_category``) opened in the period; *repeat* when the same
  customer opened a complaint in the 30 days before about the same order, or, for a ticket with no order, any
  complaint. Customers are one across channels, so a WhatsApp complaint after an email one is a repeat.
  Merged-away tickets are not counted.
* **First response**: tickets whose first inbound message arrived in the period and that were answered; the stored
  ``first_response_minutes`` (business minutes, set when the first public reply is sent) gives median, p90 and the
  share within 120 minutes.
* **CSAT**: surveys answered in the period; satisfied = a score of 4 or 5.

Filters: ``market`` (the ticket's order's market code) and ``channel`` (the ticket's channel of origin).
Dimensions for grouping: ``reason`` (complaint category), ``market``, ``channel``, ``agent`` (assignee).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q

from aftersales.audit.aggregates import PercentileCont, percentiles, supports_percentile

from .choices import Channel, ComplaintCategory
from .models import CsatSurvey, Ticket

REPEAT_WINDOW = timedelta(days=30)
WITHIN_MINUTES = 120
CHANNELS = tuple(Channel.values)
DIMENSION_FIELDS = {"reason": "complaint_category", "market": "order__market__code", "channel": "channel",
                    "agent": "assignee"}


def _tickets(*, market: str = "", channel: str = ""):
    tickets = Ticket.objects.filter(merged_into__isnull=True)
    if market:
        tickets = tickets.filter(order__market__code=market)
    if channel:
        tickets = tickets.filter(channel=channel)
    return tickets


def _complaints(*, start: datetime, end: datetime, market: str = "", channel: str = ""):
    earlier = Ticket.objects.filter(merged_into__isnull=True, customer=OuterRef("customer"),
                                    created_at__lt=OuterRef("created_at"),
                                    created_at__gte=OuterRef("created_at") - REPEAT_WINDOW).exclude(
        complaint_category="").exclude(pk=OuterRef("pk"))
    return (_tickets(market=market, channel=channel).exclude(complaint_category="")
            .filter(created_at__gte=start, created_at__lt=end)
            .annotate(earlier_same_order=Exists(earlier.filter(order=OuterRef("order"))),
                      earlier_any=Exists(earlier)))


REPEAT = Q(order__isnull=False, earlier_same_order=True) | Q(order__isnull=True, earlier_any=True)


def _responses(*, start, end, market="", channel=""):
    return _tickets(market=market, channel=channel).filter(first_inbound_at__gte=start, first_inbound_at__lt=end,
                                                           first_response_minutes__isnull=False)


def _surveys(*, start, end, market="", channel=""):
    surveys = CsatSurvey.objects.filter(answered_at__gte=start, answered_at__lt=end, score__isnull=False)
    if market:
        surveys = surveys.filter(ticket__order__market__code=market)
    if channel:
        surveys = surveys.filter(ticket__channel=channel)
    return surveys


def ticket_aggregates(*, start: datetime, end: datetime, market: str = "", channel: str = "") -> dict:
    """Counts and percentiles of one period: ``complaints``, ``repeat_complaints``, ``responded``, ``within_2h``,
    ``median``/``p90`` (Decimal minutes or None), ``csat_answers``, ``csat_satisfied``. 4 queries on PostgreSQL,
    7 on SQLite (see ``aftersales.audit.aggregates``)."""
    complaints = _complaints(start=start, end=end, market=market, channel=channel).aggregate(
        n=Count("pk"), repeat=Count("pk", filter=REPEAT))
    responses = _responses(start=start, end=end, market=market, channel=channel)
    within = responses.aggregate(n=Count("pk", filter=Q(first_response_minutes__lte=WITHIN_MINUTES)))["n"]
    responded, (median, p90) = percentiles(responses, "first_response_minutes", (0.5, 0.9))
    csat = _surveys(start=start, end=end, market=market, channel=channel).aggregate(
        n=Count("pk"), good=Count("pk", filter=Q(score__gte=4)))
    return {"complaints": complaints["n"], "repeat_complaints": complaints["repeat"], "responded": responded,
            "within_2h": within, "median": median, "p90": p90, "csat_answers": csat["n"],
            "csat_satisfied": csat["good"]}


def ticket_breakdown(*, measure: str, dimension: str, start: datetime, end: datetime, market: str = "",
                     channel: str = "", limit: int = 50) -> list[dict]:
    """Rows ``{"code", "numerator", "denominator", "median", "p90"}`` of one measure grouped by ``dimension``
    (one grouped query): ``measure`` is ``repeat_complaints`` (repeat ÷ complaints), ``first_response``
    (within 2 h ÷ answered, and on PostgreSQL the median and p90 per group) or ``csat`` (4–5 ÷ answers)."""
    field = DIMENSION_FIELDS[dimension]
    if measure == "repeat_complaints":
        rows = (_complaints(start=start, end=end, market=market, channel=channel).values(field)
                .annotate(numerator=Count("pk", filter=REPEAT), denominator=Count("pk")))
    elif measure == "first_response":
        extra = {}
        if supports_percentile():
            extra = {"median": PercentileCont("first_response_minutes", percentile=0.5),
                     "p90": PercentileCont("first_response_minutes", percentile=0.9)}
        rows = (_responses(start=start, end=end, market=market, channel=channel).values(field)
                .annotate(numerator=Count("pk", filter=Q(first_response_minutes__lte=WITHIN_MINUTES)),
                          denominator=Count("pk"), **extra))
    elif measure == "csat":
        rows = (_surveys(start=start, end=end, market=market, channel=channel).values(f"ticket__{field}")
                .annotate(numerator=Count("pk", filter=Q(score__gte=4)), denominator=Count("pk")))
        field = f"ticket__{field}"
    else:
        raise ValueError(f"unknown measure {measure!r}")
    rows = list(rows.order_by("-numerator", "-denominator")[:limit])
    if measure == "first_response" and not supports_percentile():  # SQLite: a few queries per group
        responses = _responses(start=start, end=end, market=market, channel=channel)
        for row in rows:
            _n, (row["median"], row["p90"]) = percentiles(responses.filter(**{field: row[field]}),
                                                          "first_response_minutes", (0.5, 0.9))
    return [{"code": "" if row[field] is None else str(row[field]), "numerator": row["numerator"],
             "denominator": row["denominator"], "median": row.get("median"), "p90": row.get("p90")} for row in rows]


def complaint_category_label(code: str) -> str:
    return str(ComplaintCategory(code).label) if code in ComplaintCategory.values else code


def channel_label(code: str) -> str:
    return str(Channel(code).label) if code in Channel.values else code


def first_response_minutes_fill(*, limit: int = 5000) -> int:
    """Store the business minutes of tickets answered before they were stored at the first reply (demo data,
    tickets from before this column). Idempotent; returns how many were filled."""
    from .selectors import first_response_minutes

    pending = (Ticket.objects.filter(first_inbound_at__isnull=False, first_response_at__isnull=False,
                                     first_response_minutes__isnull=True).select_related("sla_policy")[:limit])
    filled = 0
    for ticket in pending:
        minutes = first_response_minutes(ticket)
        Ticket.objects.filter(pk=ticket.pk, first_response_minutes__isnull=True).update(first_response_minutes=minutes)
        filled += 1
    return filled
