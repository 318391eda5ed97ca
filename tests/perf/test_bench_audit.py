"""Benchmark of the monthly audit (``make bench``, PostgreSQL; issue 9).

Data: ``BENCH_AUDIT_ORDERS`` orders (default 1,000,000: about 60,000 refunds, see ``tests/perf/generate.py``) over the
12 months before now, and ``BENCH_AUDIT_TICKETS`` tickets (default 200,000; one in seven a complaint, one in five
with a CSAT answer, every one answered with stored business minutes), made with ``generate_series``. Half the data
is loaded first to measure the audit's peak memory at that size, then the full size is loaded anew, in time order
as a store writes it.

Figures, for the last closed month:

* the time of one audit month (every metric, every breakdown, the explanations; stored as a revision; median of
  ``BENCH_AUDIT_REPEAT`` recomputes) against the time of one hand-written SQL aggregate giving the same month's
  refund rate, as a ratio (target ≤ 1.5×), and the same ratio for the refund-rate part alone (the two ORM
  aggregates ``period_metrics`` issues for it);
* where the audit's time goes: its number of statements, their time in the database and the slowest six (one more
  ``audit_compute`` under ``connection.execute_wrapper``);
* ``period_metrics`` (the dashboard's live call) on its own;
* the peak Python memory of computing an audit month (``tracemalloc``) at half and at full size: flat means the
  computation does not grow with the rows (target: ratio ≈ 1).

Run small first: ``BENCH_AUDIT_ORDERS=20000 BENCH_AUDIT_TICKETS=4000 make bench PYTEST_ARGS=-k audit``.
"""

from __future__ import annotations

import os
import re
import statistics
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from aftersales.audit import metrics
from aftersales.audit.selectors import previous_month
from aftersales.audit.services import audit_compute, audit_month
from tests.perf.generate import generate
from tests.perf.report import Report

pytestmark = [pytest.mark.perf, pytest.mark.django_db]

ORDERS = int(os.environ.get("BENCH_AUDIT_ORDERS", "1000000"))
TICKETS = int(os.environ.get("BENCH_AUDIT_TICKETS", "200000"))
REPEAT = int(os.environ.get("BENCH_AUDIT_REPEAT", "3"))

TICKETS_SQL = """
INSERT INTO tickets_ticket (number, customer_id, order_id, channel, subject, language, status, priority, tags,
                            complaint_category, contact, version, last_inbound_at, last_message_at,
                            first_inbound_at, first_response_at, first_response_minutes, assignee_id,
                            created_at, updated_at)
SELECT 'AU-' || (%(offset)s + g), c.first + ((%(offset)s + g) %% c.n),
       CASE WHEN g %% 2 = 0 THEN o.first + ((%(offset)s + g) %% o.n) END,
       (ARRAY['email','whatsapp','messenger','webchat'])[1 + g %% 4], 'Order question', 'en', 'closed', 'normal',
       '[]'::jsonb, CASE WHEN g %% 7 = 0 THEN (ARRAY['damaged','late','not_received'])[1 + g %% 3] ELSE '' END,
       '', 0, t.at, t.at, t.at, t.at + (((g * 37) %% 400) || ' minutes')::interval, (g * 37) %% 400, NULL, t.at, t.at
FROM generate_series(1, %(tickets)s) AS g
CROSS JOIN (SELECT min(id) AS first, count(*) AS n FROM aftersales_customer) AS c
CROSS JOIN (SELECT min(id) AS first, count(*) AS n FROM aftersales_order) AS o
CROSS JOIN LATERAL (SELECT %(end)s::timestamptz - (((%(tickets)s - g) * 365.0 / %(tickets)s) || ' days')::interval
                   AS at) AS t  -- oldest first: ids grow with time
"""
CSAT_SQL = """
INSERT INTO tickets_csatsurvey (ticket_id, token, language, sent_at, score, comment, answered_at)
SELECT id, 'bench-' || id, 'en', created_at + interval '1 day', 1 + (id %% 5), '', created_at + interval '2 days'
FROM tickets_ticket WHERE number LIKE 'AU-%%' AND id %% 5 = 0 AND id > %(after)s
"""

HAND_SQL = """
SELECT (SELECT sum(amount_minor * rate_to_base) FROM aftersales_refund
        WHERE status = 'succeeded' AND succeeded_at >= %(start)s AND succeeded_at < %(end)s)
     / (SELECT sum(captured_minor * rate_to_base) FROM aftersales_payment
        WHERE captured_minor > 0 AND captured_at >= %(start)s AND captured_at < %(end)s) * 100
"""

# The floor of any audit computed from the rows: its inputs read once, by hand, with no breakdown at all. Each
# statement makes the database read what the audit cannot do without (the month's payments with their orders'
# market and channel, and with their order lines for the SKU split; the refunds with their orders; the month's
# tickets and survey answers), and folds it into one row, in the plan PostgreSQL finds best.
FLOOR_SQL = {
    "payments × orders": """
        SELECT sum(p.captured_minor * p.rate_to_base), max(o.market_id), max(o.source) FROM aftersales_payment p
        JOIN aftersales_order o ON o.id = p.order_id
        WHERE p.captured_minor > 0 AND p.captured_at >= %(start)s AND p.captured_at < %(end)s""",
    "payments × order lines": """
        SELECT sum(l.total_minor), max(l.sku) FROM aftersales_payment p
        JOIN aftersales_orderline l ON l.order_id = p.order_id
        WHERE p.captured_minor > 0 AND p.captured_at >= %(start)s AND p.captured_at < %(end)s""",
    "refunds × orders × order lines": """
        SELECT sum(r.amount_minor * r.rate_to_base), max(o.market_id), max(l.sku) FROM aftersales_refund r
        JOIN aftersales_order o ON o.id = r.order_id LEFT JOIN aftersales_orderline l ON l.order_id = r.order_id
        WHERE r.status = 'succeeded' AND r.succeeded_at >= %(start)s AND r.succeeded_at < %(end)s""",
    "tickets and survey answers": """
        SELECT (SELECT sum(first_response_minutes) FROM tickets_ticket
                WHERE first_inbound_at >= %(start)s AND first_inbound_at < %(end)s),
               (SELECT sum(score) FROM tickets_csatsurvey
                WHERE answered_at >= %(start)s AND answered_at < %(end)s)""",
}


def _add_tickets(count: int, *, offset: int, end: datetime) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM tickets_ticket")
        after = cursor.fetchone()[0]
        cursor.execute(TICKETS_SQL, {"tickets": count, "offset": offset, "end": end})
        cursor.execute(CSAT_SQL, {"after": after})
        cursor.execute("ANALYZE tickets_ticket; ANALYZE tickets_csatsurvey")


def _peak_memory(start, end) -> int:
    tracemalloc.start()
    try:
        audit_compute(start=start, end=end)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _statements(start, end) -> tuple[list[tuple[float, str]], float]:
    """([(seconds, what)] of the statements of one more ``audit_compute``: where the audit's time goes, and the
    seconds of the whole call)."""
    spent = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            read = re.search(r'FROM "(\w+)" (?:INNER|LEFT|WHERE|GROUP|ORDER)', sql)
            table = read[1] if read else sql.split()[0]
            what = ("grouped " if sql.startswith("WITH base") else "") + table + (
                " × order lines" if '"aftersales_orderline"' in sql and table != "aftersales_orderline" else "")
            spent.append((time.perf_counter() - started, what))

    started = time.perf_counter()
    with connection.execute_wrapper(timed):
        audit_compute(start=start, end=end)
    return spent, time.perf_counter() - started


def _timed(function, repeat: int) -> float:
    """Median seconds of ``repeat`` calls."""
    durations = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        durations.append(time.perf_counter() - started)
    return statistics.median(durations)


@pytest.fixture(scope="module")
def two_sizes(django_db_setup, django_db_blocker):
    if connection.vendor != "postgresql":
        pytest.skip("the audit benchmark runs on PostgreSQL (DATABASE_URL=postgres://…)")
    with django_db_blocker.unblock():
        end = datetime.now(UTC).replace(microsecond=0)
        month = previous_month(end.astimezone(metrics._zone(None)).date())
        start_at, end_at = metrics.month_bounds(month, settings.STORE_TIME_ZONE)

        def progress(done, seconds):
            print(f"   generator: {done:>9,} orders in {seconds:6.1f} s", flush=True)

        half = ORDERS // 2
        generate(half, end=end, seed=7, progress=progress if half >= 200_000 else None)
        _add_tickets(TICKETS // 2, offset=0, end=end)
        audit_compute(start=end_at - timedelta(days=1), end=end_at)  # imports and catalogues load once, untraced
        memory_half = _peak_memory(start_at, end_at)
        # The full size is loaded anew, not appended: a second year of orders written after the first would give
        # older orders higher ids, which no store does (DESIGN section 9: rows in time order).
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE aftersales_customer, aftersales_order RESTART IDENTITY CASCADE")
        loaded = time.perf_counter()
        generate(ORDERS, end=end, seed=8, progress=progress if half >= 200_000 else None)
        _add_tickets(TICKETS, offset=0, end=end)
        seconds = time.perf_counter() - loaded
        memory_full = _peak_memory(start_at, end_at)
        yield {"month": month, "start": start_at, "end": end_at, "memory": (memory_half, memory_full),
               "load_seconds": seconds}
        call_command("flush", interactive=False, verbosity=0)


def test_audit_month_against_hand_written_sql(two_sizes):
    start, end, month = two_sizes["start"], two_sizes["end"], two_sizes["month"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM aftersales_order")
        orders = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM aftersales_refund")
        refunds = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM tickets_ticket")
        tickets = cursor.fetchone()[0]

    def hand():
        with connection.cursor() as cursor:
            cursor.execute(HAND_SQL, {"start": start, "end": end})
            return cursor.fetchone()[0]

    def orm_refund_rate():  # the two queries period_metrics issues for both refund rates
        refunds, sales = metrics.refund_and_sales_totals(start=start, end=end)
        return refunds["amount"] * 100 / sales["amount"]

    hand()  # warm the cache for both sides
    hand_seconds = _timed(hand, REPEAT)
    orm_seconds = _timed(orm_refund_rate, REPEAT)
    live_seconds = _timed(lambda: metrics.period_metrics(start=start, end=end), REPEAT)
    audits = []  # each run stores a new revision: the whole monthly job, timed as the beat task runs it
    runs = []  # (seconds, seconds in its statements) of each run: the part outside the database from the same runs

    def one_audit():
        spent = [0.0]

        def timed(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent[0] += time.perf_counter() - started

        started = time.perf_counter()
        with connection.execute_wrapper(timed):
            audits.append(audit_month(month, recompute=True, alerts=False))
        runs.append((time.perf_counter() - started, spent[0]))

    audit_seconds = _timed(one_audit, REPEAT)
    audit, created = audits[-1]
    statements, compute_seconds = _statements(start, end)
    in_database = sum(seconds for seconds, _what in statements)
    floors = {}
    for what, sql in FLOOR_SQL.items():
        def read(sql=sql):
            with connection.cursor() as cursor:
                cursor.execute(sql, {"start": start, "end": end})
                return cursor.fetchone()
        read()
        floors[what] = _timed(read, REPEAT)
    floor_seconds = sum(floors.values())
    # formatting, labels, explanations, storing the revision: the median over the same runs as audit_seconds
    python_seconds = statistics.median(total - in_statements for total, in_statements in runs)
    assert created

    stored = Decimal(audit.metrics["refund_rate_amount"]["value"])
    assert abs(stored - Decimal(hand()).quantize(Decimal("0.01"))) <= Decimal("0.01")  # the same number

    memory_half, memory_full = two_sizes["memory"]
    report = Report("monthly-audit", {"db": connection.vendor, "orders": orders, "refunds": refunds,
                                      "tickets": tickets, "month": f"{month:%Y-%m}"})
    report.add("load (generator + generate_series)", two_sizes["load_seconds"], "s")
    report.add("hand-written SQL refund rate", hand_seconds * 1000, "ms", f"median of {REPEAT}")
    report.add("refund rates through the ORM (2 queries)", orm_seconds * 1000, "ms", f"median of {REPEAT}")
    report.add("  ratio ORM / hand SQL", orm_seconds / hand_seconds, "×", "target ≤ 1.5")
    report.add("period_metrics (all metrics, live)", live_seconds * 1000, "ms", f"median of {REPEAT}")
    report.add("audit month (metrics, breakdowns, explanations)", audit_seconds * 1000, "ms",
               f"median of {REPEAT}, stored")
    report.add("  ratio audit month / hand SQL", audit_seconds / hand_seconds, "×", "target ≤ 1.5")
    report.add("  statements of an audit month", len(statements), "",
               f"{in_database * 1000:.0f} ms of it in the database, {compute_seconds * 1000:.0f} ms the computation")
    for seconds, what in sorted(statements, reverse=True)[:6]:
        report.add(f"    {what}", seconds * 1000, "ms", "the slowest statements")
    report.add("floor: the audit's inputs read once by hand SQL, no breakdown", floor_seconds * 1000, "ms",
               f"median of {REPEAT} each")
    for what, seconds in floors.items():
        report.add(f"    {what}", seconds * 1000, "ms")
    report.add("  ratio floor / hand SQL", floor_seconds / hand_seconds, "×", "no audit from the rows goes below")
    report.add("the audit month outside the database", python_seconds * 1000, "ms",
               "audit month − its statements, same runs")
    report.add("  ratio (floor + that) / hand SQL", (floor_seconds + python_seconds) / hand_seconds, "×")
    report.add("  ratio audit month / floor", audit_seconds / floor_seconds, "×", "the audit's own overhead")
    report.add("peak memory of an audit, half data", memory_half / 1024, "KiB", "tracemalloc")
    report.add("peak memory of an audit, full data", memory_full / 1024, "KiB", "tracemalloc")
    report.add("  ratio full / half", memory_full / memory_half, "×", "flat ≈ 1")
    report.add("refund rate of the month", float(stored), "%")
    report.emit()
    assert memory_full < 2 * memory_half  # memory does not follow the rows
