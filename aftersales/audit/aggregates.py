"""Aggregates the audit needs that Django does not ship: percentiles computed by the database.

PostgreSQL: ``percentile_cont(p) WITHIN GROUP (ORDER BY x)``, one query for several percentiles, grouped or not.
SQLite (``make test`` without ``DATABASE_URL``) has no ordered-set aggregates, so ``percentiles`` computes the same
linear interpolation from one ``COUNT`` and, per percentile, one ordered query that reads the two neighbouring
values at an ``OFFSET``: a fixed number of queries, no rows loaded beyond those two.

``grouped``: one statement for every grouping of the same rows (the audit's breakdowns by market, channel,
provider, agent, reason … of one month). The rows are an ordinary ORM ``.values()`` queryset, wrapped as a CTE and
grouped once per set in a ``UNION ALL``; the same SQL text runs on PostgreSQL and SQLite, so there is one code path
and no hand-written copy of the ORM's joins. Chosen over ``GROUPING SETS`` (PostgreSQL only) for that reason; the
month's rows are read once either way.
"""

from __future__ import annotations

import decimal
import math
from contextlib import contextmanager
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Aggregate, Count, FloatField

# Sort memory for a report's statements: a month's groupings (about 100,000 rows each at a million orders a year)
# sort in memory instead of spilling to temporary files at PostgreSQL's default 4 MB.
REPORT_WORK_MEM = "64MB"


@contextmanager
def reporting_session():
    """Run a report's statements (an audit month) with PostgreSQL settings fit for a few large aggregates, and put
    the connection's own settings back afterwards: no JIT compilation (it cost about 130 ms on the month's sales
    statement at a million orders, more than it saved) and ``REPORT_WORK_MEM`` for sorts. The settings are
    transaction-local (``set_config(…, true)`` in a savepoint), so an error inside rolls them back with it. Other
    databases: nothing to set."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('jit'), current_setting('work_mem')")
            jit, work_mem = cursor.fetchone()
            cursor.execute("SELECT set_config('jit', 'off', true), set_config('work_mem', %s, true)", [REPORT_WORK_MEM])
        yield
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('jit', %s, true), set_config('work_mem', %s, true)", [jit, work_mem])


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


def grouped(queryset, sets: dict[str, tuple[str, ...]], aggregates: dict[str, str], *,
            derived: dict[str, str] | None = None, sources: dict[str, str] | None = None,
            derived_params: tuple | list = ()) -> dict[str, list[dict]]:
    """Several groupings of one set of rows in ONE statement: ``{set name: [row, …]}``.

    ``queryset`` is a ``.values(alias=expression, …)`` queryset giving one row per record (no grouping): the ORM
    builds its filters, joins and per-row expressions, portable as ever. Around it goes
    ``WITH base AS (<queryset>) SELECT … FROM base GROUP BY <set 1> UNION ALL SELECT … GROUP BY <set 2> …``:
    PostgreSQL materialises a CTE that is read more than once, so the period's rows are read from the tables once
    and every grouping runs over that small result (SQLite runs the same text). ``aggregates`` are SQL over the
    base's aliases (``{"raw": "SUM(g_raw)", "orders": "COUNT(DISTINCT g_order)"}``). Each row holds the set's
    columns, as text (one type in every branch of the union), and the aggregates as the database gives them
    (``Decimal`` on PostgreSQL, ``float`` on SQLite: see ``decimal_of``). ``derived``: more CTEs ``{name: SQL}``
    built on ``base`` (``over_lines``), with ``derived_params`` for their placeholders in order, and ``sources`` the
    sets grouped over one of them instead of ``base``."""
    base, params = queryset.query.sql_with_params()
    width = max(1, *(len(group) for group in sets.values()))
    quote = connection.ops.quote_name
    measures = ", ".join(f"{sql} AS {quote(name)}" for name, sql in aggregates.items())
    selects = []
    for index, (name, group) in enumerate(sets.items()):  # the keys as text: one column type in every branch
        keys = ", ".join(f"CAST({quote(group[j])} AS text) AS k{j}" if j < len(group) else f"NULL AS k{j}"
                         for j in range(width))
        source = (sources or {}).get(name, "base")
        by = f" GROUP BY {', '.join(quote(column) for column in group)}" if group else ""  # () = the whole
        selects.append(f"SELECT {index} AS grouping_set, {keys}, {measures} FROM {source}{by}")
    result: dict[str, list[dict]] = {name: [] for name in sets}
    groups = list(sets.items())
    with connection.cursor() as cursor:
        ctes = "".join(f", {name} AS ({sql})" for name, sql in (derived or {}).items())
        cursor.execute(f"WITH base AS ({base}){ctes} " + " UNION ALL ".join(selects), (*params, *derived_params))
        for values in cursor.fetchall():
            name, group = groups[values[0]]
            row = dict(zip(group, values[1:1 + len(group)], strict=True))
            row.update(zip(aggregates, values[1 + width:], strict=True))
            result[name].append(row)
    return result


def over_lines(base: str = "base", *, few: bool = False, carry: tuple[str, ...] = (),
               returned: str | None = None) -> str:
    """SQL of a CTE that spreads each row of ``base`` (aliases ``g_id``, ``g_order``, ``g_currency``, ``g_amount``,
    ``g_rate``) over its order's lines by value: a row per line with ``g_sku`` and ``g_raw`` = amount × (line
    total ÷ the order's line total) × rate, the very expression of ``metrics._line_share`` (same casts, same
    order of operations), except that the order's total is a window sum over the joined lines instead of a subquery
    per line, and that the lines join the record's ``order_id`` without reading the orders again. An order without
    lines gives one row with ``g_sku`` NULL.

    ``returned`` (refunds): SQL over ``b.g_case`` and ``l.id`` giving what a return case refunded for a line
    (``returns.api.returned_value_sql``). A row whose ``g_case`` is set (a return refund whose case values its
    lines) is spread over the lines that case returned, by that value, instead of over every line of the order.

    How the lines are found depends on where the records' orders lie. The month's payments belong to about the
    month's orders (ids grow with time): the redundant ``l.order_id >= MIN(g_order)`` bounds one index scan to
    them (without it PostgreSQL merges over the whole index). A month's refunds (``few``) belong to orders of many
    months, so that bound would still read most of the index: each refund's lines are looked up by its order
    instead (a ``LATERAL`` join, one index probe per refund)."""
    from aftersales.models import OrderLine

    number = "numeric(30, 10)" if connection.vendor == "postgresql" else "REAL"
    lines = connection.ops.quote_name(OrderLine._meta.db_table)
    weight = "l.total_minor"
    if returned:
        weight = f"(CASE WHEN b.g_case IS NULL THEN l.total_minor ELSE COALESCE({returned}, 0) END)"
    order_total = f"CAST(SUM({weight}) OVER (PARTITION BY b.g_id) AS {number})"
    kept = "".join(f", b.{column}" for column in carry)
    spread = (f"SELECT b.g_order, b.g_currency{kept}, l.sku AS g_sku, ((b.g_amount * (CAST({weight} AS "
              f"{number}) / NULLIF({order_total}, 0))) * b.g_rate) AS g_raw FROM {base} b ")
    if few and connection.vendor == "postgresql":  # SQLite has no LATERAL (nor the planner that needs telling)
        spread += (f"LEFT JOIN LATERAL (SELECT ol.id, ol.sku, ol.total_minor FROM {lines} ol "
                   f"WHERE ol.order_id = b.g_order) l ON 1 = 1")
    else:
        spread += (f"LEFT JOIN {lines} l ON l.order_id = b.g_order "
                   f"AND l.order_id >= (SELECT MIN(g_order) FROM {base})")
    if returned:  # the lines a return did not take back are no part of its refund
        spread += f" WHERE b.g_case IS NULL OR {weight} > 0"
    return spread


def _base_factor(base_currency: str) -> str:
    """SQL over ``g_currency``: the factor that takes a currency's minor units to the base currency's (its
    exponent as in ``metrics._factor``)."""
    from aftersales.money import _EXPONENTS, exponent

    def scale(places: int) -> str:
        return format(Decimal(10) ** (exponent(base_currency) - places), "f")

    factors = " ".join(f"WHEN '{code}' THEN {scale(places)}" for code, places in sorted(_EXPONENTS.items())
                       if places != 2)
    return f"CASE g_currency {factors} ELSE {scale(2)} END"


def _binary() -> str:
    """Codes compare as bytes (``COLLATE "C"``, SQLite's default), as Python compares them."""
    return ' COLLATE "C"' if connection.vendor == "postgresql" else ""


def _ranking(source: str, *, part: str, within: str | None, base_currency: str) -> str:
    """SQL: one row per ``part`` (per ``within`` and ``part`` when ``within`` is given) of the rows of ``source``
    (aliases ``g_currency``, ``g_raw``, ``g_order``) whose ``within`` (else ``part``) is not NULL, with its rank
    among the ``part``s of its ``within`` (else among all) by amount in the base currency (``by_amount``) and by
    distinct orders (``by_orders``); ties to the smaller code."""
    factor, binary = _base_factor(base_currency), _binary()
    group = f"{within}, {part}" if within else part
    over = f"PARTITION BY {within} " if within else ""
    return (f"SELECT {group}, ROW_NUMBER() OVER ({over}ORDER BY amount DESC, {part}{binary}) AS by_amount, "
            f"ROW_NUMBER() OVER ({over}ORDER BY orders DESC, {part}{binary}) AS by_orders "
            f"FROM (SELECT {group}, SUM(g_raw * {factor}) AS amount, COUNT(DISTINCT g_order) AS orders "
            f"FROM {source} WHERE {within or part} IS NOT NULL GROUP BY {group}) sums")


def leaders(source: str, *, key: str, part: str, base_currency: str) -> dict[str, str]:
    """CTEs ``{name: SQL}`` keeping the rows of ``source`` (aliases ``key``, ``part``, ``g_currency``, ``g_raw``,
    ``g_order``) whose ``part`` leads its ``key`` — the largest amount in the base currency, or the most distinct
    orders; ties to the smaller code — as ``leaders``. Grouped by (key, part, currency) they give at most two
    parts per key, read in the database instead of returning every pair: the refunds' SKU × reason pairs grow
    with free-text reasons, one key's leading reason does not."""
    return {
        "ranked": _ranking(source, part=part, within=key, base_currency=base_currency),
        "leaders": f"SELECT s.* FROM {source} s JOIN ranked r ON r.{key} = s.{key} AND r.{part} = s.{part} "
                   f"WHERE r.by_amount = 1 OR r.by_orders = 1",
    }


def capped(source: str, *, key: str, keep: int, other: str, base_currency: str) -> tuple[dict[str, str], list]:
    """CTEs ``{name: SQL}`` and their parameters: ``capped``, the rows of ``source`` (aliases ``key``,
    ``g_currency``, ``g_raw``, ``g_order``) with ``key`` kept where it is among the ``keep`` largest by amount in
    the base currency or by distinct orders (ties to the smaller code), and ``other`` where it is not. Grouped by
    ``key`` they give at most ``2 × keep + 1`` groups (and NULL, "none"), whatever the number of distinct keys;
    the sums over all groups are unchanged."""
    ranking = _ranking(source, part=key, within=None, base_currency=base_currency)
    return {
        "key_kept": f"SELECT {key} FROM ({ranking}) ranked_keys WHERE by_amount <= {int(keep)} "
                    f"OR by_orders <= {int(keep)}",
        "capped": f"SELECT s.g_order, s.g_currency, s.g_raw, CASE WHEN s.{key} IS NULL OR k.{key} IS NOT NULL "
                  f"THEN s.{key} ELSE %s END AS {key} FROM {source} s LEFT JOIN key_kept k ON k.{key} = s.{key}",
    }, [other]


_FLOATS = decimal.Context(prec=15)


def decimal_of(value) -> Decimal | None:
    """A database number as a ``Decimal`` the way Django's ``DecimalField`` reads an expression: SQLite's floats
    through a 15-digit context (SQLite keeps no more), PostgreSQL's numerics unchanged."""
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return _FLOATS.create_decimal_from_float(value)
    return Decimal(value)
