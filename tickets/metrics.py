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
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q

from aftersales.audit.aggregates import percentiles, supports_percentile

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
    """Rows ``{"code", "numerator", "denominator", "median", "p90"}`` of one measure grouped by ``dimension``,
    most numerator first: ``measure`` is ``repeat_complaints`` (repeat ÷ complaints), ``first_response`` (within
    2 h ÷ answered, with the median and p90 per group) or ``csat`` (4–5 ÷ answers)."""
    return ticket_breakdowns(measure=measure, dimensions=(dimension,), start=start, end=end, market=market,
                             channel=channel, limit=limit)[dimension]


def ticket_breakdowns(*, measure: str, dimensions: tuple[str, ...], start: datetime, end: datetime,
                      market: str = "", channel: str = "", limit: int = 50,
                      whole: bool = False) -> dict[str, list[dict]]:
    """``ticket_breakdown`` for several dimensions at once, ``{dimension: rows}``: one statement that reads the
    period's tickets (or surveys) once and groups them by each dimension (``aftersales.audit.aggregates.grouped``);
    on SQLite the per-group median and p90 add a few queries per group (no ``percentile_cont`` there). ``whole``
    adds ``""``: one row of the whole period, the numbers ``ticket_aggregates`` gives for the measure (its median
    and p90 as ``Decimal``, as there)."""
    from django.db.models import Case, F, IntegerField, Value, When

    from aftersales.audit.aggregates import grouped

    def flag(condition):
        return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())

    prefix = "ticket__" if measure == "csat" else ""
    keys = {f"g_{dimension}": F(prefix + DIMENSION_FIELDS[dimension]) for dimension in dimensions}
    measures = {"numerator": "SUM(g_good)", "denominator": "COUNT(*)"}
    if measure == "repeat_complaints":
        base = _complaints(start=start, end=end, market=market, channel=channel).values(g_good=flag(REPEAT), **keys)
    elif measure == "first_response":
        responses = _responses(start=start, end=end, market=market, channel=channel)
        base = responses.values(g_good=flag(Q(first_response_minutes__lte=WITHIN_MINUTES)),
                                g_minutes=F("first_response_minutes"), **keys)
        if supports_percentile():
            measures |= {"median": "percentile_cont(0.5) WITHIN GROUP (ORDER BY g_minutes)",
                         "p90": "percentile_cont(0.9) WITHIN GROUP (ORDER BY g_minutes)"}
    elif measure == "csat":
        base = _surveys(start=start, end=end, market=market, channel=channel).values(
            g_good=flag(Q(score__gte=4)), **keys)
    else:
        raise ValueError(f"unknown measure {measure!r}")
    result = {}
    sets = {**({"": ()} if whole else {}), **{d: (f"g_{d}",) for d in dimensions}}
    for dimension, rows in grouped(base.order_by(), sets, measures).items():
        if not dimension:  # the whole: percentiles read as ticket_aggregates reads them
            row = rows[0]
            if measure == "first_response" and supports_percentile():
                row["median"], row["p90"] = (None if row[p] is None else Decimal(str(row[p])) for p in ("median",
                                                                                                         "p90"))
            elif measure == "first_response":
                _n, (row["median"], row["p90"]) = percentiles(responses, "first_response_minutes", (0.5, 0.9))
            result[""] = [{"code": "", "numerator": int(row["numerator"] or 0), "denominator": row["denominator"],
                           "median": row.get("median"), "p90": row.get("p90")}]
            continue
        rows = sorted(rows, key=lambda row: (-(row["numerator"] or 0), -row["denominator"]))[:limit]
        if measure == "first_response" and not supports_percentile():  # SQLite: a few queries per group
            for row in rows:
                scope = responses.filter(**{DIMENSION_FIELDS[dimension]: row[f"g_{dimension}"]})
                _n, (row["median"], row["p90"]) = percentiles(scope, "first_response_minutes", (0.5, 0.9))
        result[dimension] = [
            {"code": "" if row[f"g_{dimension}"] is None else str(row[f"g_{dimension}"]),
             "numerator": int(row["numerator"] or 0), "denominator": row["denominator"],
             "median": row.get("median"), "p90": row.get("p90")} for row in rows]
    return result


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


def ticket_rows(*, measure: str, start: datetime, end: datetime, market: str = "", channel: str = "",
                dimension: str = "", code: str | None = None, offset: int = 0, limit: int | None = 51) -> list[dict]:
    """The tickets behind one breakdown row of ``measure`` (the dashboard's last drill-down level), worst first:
    repeat complaints before first ones, the slowest first responses first, the lowest CSAT scores first; then
    newest first. ``dimension``/``code`` pick the row as ``ticket_breakdowns`` groups it (``""`` is the group
    without a value). One query; dicts of ``number``, ``at`` (when the ticket counts in the period), ``channel``,
    ``order``, ``market``, ``agent``, ``category``, ``minutes``, ``score``, ``comment`` and ``repeat``."""
    from django.db.models import BooleanField, Case, F, Value, When

    prefix = "ticket__" if measure == "csat" else ""
    if measure == "repeat_complaints":
        rows = _complaints(start=start, end=end, market=market, channel=channel).annotate(
            row_at=F("created_at"), repeat=Case(When(REPEAT, then=Value(True)), default=Value(False),
                                                output_field=BooleanField()))
        order = ("-repeat", "-row_at", "-pk")
    elif measure == "first_response":
        rows = _responses(start=start, end=end, market=market, channel=channel).annotate(row_at=F("first_inbound_at"))
        order = ("-first_response_minutes", "-row_at", "-pk")
    elif measure == "csat":
        rows = _surveys(start=start, end=end, market=market, channel=channel).annotate(row_at=F("answered_at"))
        order = ("score", "-row_at", "-pk")
    else:
        raise ValueError(f"unknown measure {measure!r}")
    if dimension:
        field = prefix + DIMENSION_FIELDS[dimension]
        if not code:
            rows = rows.filter(**({f"{field}__isnull": True} if dimension in ("market", "agent") else {field: ""}))
        elif dimension == "agent":
            rows = rows.filter(**{field: int(code)}) if code.isdigit() else rows.none()
        else:
            rows = rows.filter(**{field: code})
    names = {"number": "number", "channel": "channel", "order": "order__number", "market": "order__market__code",
             "agent_first": "assignee__first_name", "agent_last": "assignee__last_name",
             "agent_login": "assignee__username", "category": "complaint_category", "minutes": "first_response_minutes"}
    fields = {key: F(prefix + path) for key, path in names.items()}
    extra = {"repeat": F("repeat")} if measure == "repeat_complaints" else {}
    if measure == "csat":
        extra = {"score": F("score"), "comment": F("comment")}
    rows = rows.order_by(*order).values(at=F("row_at"), **{f"r_{key}": value for key, value in fields.items()},
                                        **{f"r_{key}": value for key, value in extra.items()})
    rows = rows[offset:offset + limit] if limit is not None else rows[offset:]
    result = []
    for row in rows:
        row = {key.removeprefix("r_"): value for key, value in row.items()}
        first, last, login = row.pop("agent_first"), row.pop("agent_last"), row.pop("agent_login")
        row["agent"] = f"{first} {last}".strip() or login or ""
        row.setdefault("repeat", None)
        row.setdefault("score", None)
        row.setdefault("comment", "")
        result.append(row)
    return result
