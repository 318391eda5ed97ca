"""Return aggregates for the monthly audit (DESIGN section 7, issue 9), called through ``returns.api``.

* **Refund-promise compliance**: a return refund (``Refund.source_ref = "returns.ReturnCase:<pk>"``) is on time
  when it succeeded on or before its case's ``refund_deadline``, the earlier of the policy's promise and the legal
  deadline (``policies.eligibility.refund_deadline``), the day counted in the store's time zone.
  ``case_field_for_refund`` gives the case's field as a SQL expression on a ``Refund`` queryset, so the core counts
  compliance with its own filters in one aggregate query.
* **What a return refund paid for**: a return case names the lines it returned and what each was worth
  (``ReturnLine.refund_minor``); ``returned_case_for_refund``, ``returned_value`` and ``returned_total`` let the
  audit spread such a refund over those lines only (a lamp returned from an order with a cable is the lamp's
  refund), where any other refund is spread over its order's lines by value.
* **Returnless savings**: cases approved as "keep the item" in the period (the approval on the case's timeline),
  each saving what bringing it back would have cost (``returns.costs``, by market and fulfillment mode, in the
  order's currency), converted with the rate stored on the order's payment. One aggregate query.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import BigIntegerField, Case, Count, Exists, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Cast, Substr

from aftersales.audit.aggregates import to_base
from aftersales.models import Payment

from .choices import CaseStatus
from .costs import DEFAULT_COST_MINOR, RETURN_COST_MINOR
from .models import ReturnCase, ReturnLine

REFUND_REF_PREFIX = "returns.ReturnCase:"
DIMENSION_FIELDS = {"reason": "reason", "market": "order__market__code", "channel": "order__source"}


def case_field_for_refund(field: str):
    """SQL expression on a ``Refund`` queryset: ``field`` of the return case behind the refund, NULL for refunds of
    other causes."""
    value = Subquery(ReturnCase.objects.filter(pk=_case_pk()).values(field)[:1])
    return Case(When(source_ref__startswith=REFUND_REF_PREFIX, then=value), default=None)


def _case_pk():
    return Cast(Substr(OuterRef("source_ref"), len(REFUND_REF_PREFIX) + 1), BigIntegerField())


def returned_case_for_refund():
    """SQL expression on a ``Refund`` queryset: the pk of the return case behind the refund when that case names
    what each returned line was worth (``ReturnLine.refund_minor``), else NULL. Such a refund paid for those lines,
    so the audit spreads it over them by that value; any other refund is spread over its order's lines."""
    case_pk = Cast(Substr("source_ref", len(REFUND_REF_PREFIX) + 1), BigIntegerField())
    valued = ReturnLine.objects.filter(case_id=_case_pk(), refund_minor__gt=0)
    # Nested: the prefix is checked before the rest of the reference is read as a number.
    return Case(When(source_ref__startswith=REFUND_REF_PREFIX,
                     then=Case(When(Exists(valued), then=case_pk), default=None, output_field=BigIntegerField())),
                default=None, output_field=BigIntegerField())


def returned_value(case, line):
    """SQL expression: what the return case ``case`` (an expression giving its pk) refunded for the order line
    ``line`` (its pk), NULL when the case did not return that line."""
    return Subquery(ReturnLine.objects.filter(case_id=case, order_line_id=line, refund_minor__gt=0)
                    .values("refund_minor")[:1])


def returned_total(case):
    """SQL expression: the value of every line the return case ``case`` returned."""
    return Subquery(ReturnLine.objects.filter(case_id=case, refund_minor__gt=0).values("case_id")
                    .annotate(total=Sum("refund_minor")).values("total")[:1])


def returned_value_sql(case: str, line: str) -> str:
    """``returned_value`` as SQL text over two column references, for the audit's hand-built spread
    (``aftersales.audit.aggregates.over_lines``)."""
    from django.db import connection

    table = connection.ops.quote_name(ReturnLine._meta.db_table)
    return (f"(SELECT rl.refund_minor FROM {table} rl WHERE rl.case_id = {case} AND rl.order_line_id = {line} "
            f"AND rl.refund_minor > 0)")


def return_reason_label(code: str) -> str:
    from policies.choices import ReturnReason

    return str(ReturnReason(code).label) if code in ReturnReason.values else code


def _return_cost():
    return Case(*[When(order__market__legal_profile=profile, order__fulfillment_mode=mode, then=Value(cost))
                  for (profile, mode), cost in RETURN_COST_MINOR.items()],
                default=Value(DEFAULT_COST_MINOR), output_field=BigIntegerField())


def _kept(*, start: datetime, end: datetime, market: str = "", channel: str = ""):
    cases = (ReturnCase.objects.filter(events__to_status=CaseStatus.APPROVED_KEEP_ITEM, events__at__gte=start,
                                       events__at__lt=end).exclude(status=CaseStatus.CANCELLED))
    if market:
        cases = cases.filter(order__market__code=market)
    if channel:
        cases = cases.filter(order__source=channel)
    rate = Subquery(Payment.objects.filter(order=OuterRef("order")).order_by("pk").values("rate_to_base")[:1])
    return cases.annotate(return_cost=_return_cost(), order_rate=rate)


def returnless_savings(*, start: datetime, end: datetime, base_currency: str, market: str = "",
                       channel: str = "", group_by: str = "", limit: int = 50):
    """(cases, savings in base minor units as a Decimal) of the period, or with ``group_by`` (reason, market,
    channel) rows ``{"code", "numerator" (savings), "denominator" (cases)}``, largest first."""
    cases = _kept(start=start, end=end, market=market, channel=channel)
    saved = Sum(to_base("return_cost", "currency", "order_rate", base_currency))
    if not group_by:
        row = cases.aggregate(n=Count("pk", distinct=True), saved=saved)
        return row["n"], row["saved"]
    field = DIMENSION_FIELDS[group_by]
    rows = cases.values(field).annotate(saved=saved, n=Count("pk")).order_by("-saved")[:limit]
    return [{"code": row[field] or "", "numerator": row["saved"], "denominator": row["n"]} for row in rows]


def returnless_cases(*, start: datetime, end: datetime, base_currency: str, market: str = "", channel: str = "",
                     dimension: str = "", code: str = "", offset: int = 0, limit: int | None = None) -> list[dict]:
    """The keep-the-item cases behind one ``returnless_savings`` row (``dimension``/``code``; "" = no value), largest
    saving first, then the newest approval: ``{"pk", "rma", "order", "market", "reason", "approved_at", "currency",
    "cost_minor" (in the order's currency), "saved" (base minor units, a Decimal)}``. One query."""
    from django.db.models import F, Max, Q

    from aftersales.audit.aggregates import decimal_of

    cases = _kept(start=start, end=end, market=market, channel=channel)
    if dimension:
        field = DIMENSION_FIELDS[dimension]
        cases = cases.filter(Q(**{field: code}) if code else Q(**{field: ""}) | Q(**{f"{field}__isnull": True}))
    rows = (cases.values("pk", "rma", "reason", "currency", order_number=F("order__number"),
                         market=F("order__market__code"))
            .annotate(approved_at=Max("events__at"), cost_minor=Max(_return_cost()),
                      saved=Max(to_base("return_cost", "currency", "order_rate", base_currency)))
            .order_by("-saved", "-approved_at", "-pk"))
    rows = rows[offset:offset + limit] if limit is not None else rows[offset:]
    return [{"pk": row["pk"], "rma": row["rma"], "order": row["order_number"], "market": row["market"] or "",
             "reason": row["reason"] or "", "approved_at": row["approved_at"], "currency": row["currency"],
             "cost_minor": row["cost_minor"], "saved": decimal_of(row["saved"])} for row in rows]


def returnless_savings_by(*, start: datetime, end: datetime, base_currency: str, market: str = "", channel: str = "",
                          dimensions: tuple[str, ...] = ("reason", "market", "channel")) -> dict:
    """``returnless_savings`` of the period and of each of ``dimensions`` in ONE statement (the audit asks for all):
    ``{"": (cases, savings), dimension: rows}``, the rows as ``returnless_savings(group_by=…)`` gives them (largest
    saving first). The numbers are those of the separate calls: cases counted once in the whole, per approval event
    in the groups, as there."""
    from django.db.models import F

    from aftersales.audit.aggregates import decimal_of, grouped

    keys = {f"g_{dimension}": F(DIMENSION_FIELDS[dimension]) for dimension in dimensions}
    rows = _kept(start=start, end=end, market=market, channel=channel).order_by().values(
        g_id=F("pk"), g_saved=to_base("return_cost", "currency", "order_rate", base_currency), **keys)
    sets = {"": (), **{dimension: (f"g_{dimension}",) for dimension in dimensions}}
    result = grouped(rows, sets, {"saved": "SUM(g_saved)", "n": "COUNT(g_id)", "cases": "COUNT(DISTINCT g_id)"})
    whole = result[""][0] if result[""] else {"cases": 0, "saved": None}
    found = {"": (whole["cases"], decimal_of(whole["saved"]))}
    for dimension in dimensions:
        found[dimension] = sorted(({"code": row[f"g_{dimension}"] or "", "numerator": decimal_of(row["saved"]),
                                    "denominator": row["n"]} for row in result[dimension]),
                                  key=lambda row: -(row["numerator"] or 0))
    return found
