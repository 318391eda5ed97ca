"""Aggregates the audit needs that Django does not ship: percentiles computed by the database.

PostgreSQL: ``percentile_cont(p) WITHIN GROUP (ORDER BY x)``, one query for several percentiles, grouped or not.
SQLite (``make test`` without ``DATABASE_URL``) has no ordered-set aggregates, so ``percentiles`` computes the same
linear interpolation from one ``COUNT`` and, per percentile, one ordered query that reads the two neighbouring
values at an ``OFFSET``: a fixed number of queries, no rows loaded beyond those two.
"""

from __future__ import annotations

import math
from decimal import Decimal

from django.db import connection
from django.db.models import Aggregate, Count, FloatField


class PercentileCont(Aggregate):
    """PostgreSQL's continuous percentile: ``PercentileCont("minutes", percentile=0.9)``."""

    function = "percentile_cont"
    name = "PercentileCont"
    output_field = FloatField()
    template = "%(function)s(%(percentile)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, *, percentile: float, **extra):
        if not 0 <= percentile <= 1:
            raise ValueError("percentile must be between 0 and 1")
        super().__init__(expression, percentile=repr(float(percentile)), **extra)


def supports_percentile() -> bool:
    return connection.vendor == "postgresql"


def percentiles(queryset, field: str, ps: tuple[float, ...]) -> tuple[int, list[Decimal | None]]:
    """(row count, [percentile p of ``field`` for p in ps]) over ``queryset``; None when it has no rows."""
    if supports_percentile():
        row = queryset.aggregate(n=Count(field), **{f"p{i}": PercentileCont(field, percentile=p)
                                                     for i, p in enumerate(ps)})
        return row["n"], [None if row[f"p{i}"] is None else Decimal(str(row[f"p{i}"])) for i in range(len(ps))]
    n = queryset.aggregate(n=Count(field))["n"]
    if not n:
        return 0, [None] * len(ps)
    ordered = queryset.filter(**{f"{field}__isnull": False}).order_by(field).values_list(field, flat=True)
    values = []
    for p in ps:
        position = p * (n - 1)
        low = math.floor(position)
        pair = list(ordered[low:low + 2])
        below = Decimal(pair[0])
        above = Decimal(pair[-1])
        values.append(below + (above - below) * Decimal(str(position - low)))
    return n, values


def to_base(amount: str, currency: str, rate: str, base_currency: str):
    """SQL expression: ``amount`` (minor units of ``currency``) × the stored ``rate`` to the base currency, in minor
    units of ``base_currency`` (not rounded: sums are rounded once). The currency exponents come from
    ``aftersales.money``, so JPY (no minor unit) and KWD (three) convert correctly."""
    from django.db.models import Case, DecimalField, ExpressionWrapper, F, Value, When

    from aftersales.money import _EXPONENTS, exponent

    base_exponent = exponent(base_currency)
    by_exponent: dict[int, list[str]] = {}
    for code, places in _EXPONENTS.items():
        by_exponent.setdefault(places, []).append(code)
    scale = DecimalField(max_digits=30, decimal_places=10)
    factor = Case(*[When(**{f"{currency}__in": sorted(codes)}, then=Value(Decimal(10) ** (base_exponent - places)))
                    for places, codes in sorted(by_exponent.items())],
                  default=Value(Decimal(10) ** (base_exponent - 2)), output_field=scale)
    amount_expression = F(amount) if isinstance(amount, str) else amount
    return ExpressionWrapper(amount_expression * F(rate) * factor, output_field=scale)
