"""Benchmark of the dispute deadline scan (``make bench``, PostgreSQL): ``disputes.services.disputes_scan`` with
``BENCH_DISPUTES_OPEN`` open disputes (default 2,000) while the closed ones grow until the table holds each size of
``BENCH_DISPUTES_SIZES`` (default 10,000, 100,000 and 1,000,000 rows in all, capped by ``BENCH_DISPUTES_MAX``).

The open disputes have internal deadlines spread from a day ago to 30 days ahead (so a few hundred are past a
threshold at any time); the closed ones are a history of several years, each with its 72-hour and 24-hour alerts
(every dispute gets both, answered or not), appended in time order with ``COPY`` (``tests.perf.generate``'s
writer), then ``ANALYZE``. At each size two figures:

* **busy scan**: the alerts of the open disputes removed, one scan records every due one again (writes included);
  the fastest of ``BENCH_DISPUTES_REPEAT`` runs;
* **idle scan**: the scan right after, which finds nothing due (the every-five-minutes case); the median of
  ``BENCH_DISPUTES_IDLE`` runs.

Both must stay within 1.5× of their value at the smallest size: the scan reads only each alert kind's partial index
(open disputes without that alert) and never the alerts table, so the closed history must not cost it anything.
``VACUUM ANALYZE`` runs after the busy scans, as autovacuum would.
``BENCH_EXPLAIN=1`` prints the scan's plan (EXPLAIN ANALYZE) at each size.
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from disputes.choices import OPEN_STATUSES
from disputes.models import ALERT_FLAGS, Dispute, DisputeAlert
from disputes.services import disputes_scan
from tests.perf.generate import Table, _CopyWriter, _Ids
from tests.perf.report import Report

# Committed rows (flushed after the test), so that VACUUM can run between the busy and the idle scans as autovacuum
# would: inside one test transaction every reset of the open disputes leaves dead index entries that the idle scans
# then walk, and the figures would grow with the number of rounds instead of with the data.
pytestmark = [pytest.mark.perf, pytest.mark.django_db(transaction=True)]

MAX = int(os.environ.get("BENCH_DISPUTES_MAX", "1000000"))
SIZES = sorted({size for size in (int(value) for value in os.environ.get(
    "BENCH_DISPUTES_SIZES", "10000,100000,1000000").split(",")) if size <= MAX} | {MAX})
OPEN = int(os.environ.get("BENCH_DISPUTES_OPEN", "2000"))
REPEAT = int(os.environ.get("BENCH_DISPUTES_REPEAT", "3"))
IDLE = int(os.environ.get("BENCH_DISPUTES_IDLE", "20"))
CHUNK = 50_000
FLAT = 1.5

DISPUTE_COLUMNS = ["id", "provider", "provider_id", "reason", "stage", "status", "currency", "amount_minor",
                   "opened_at", "respond_by", "internal_deadline", "outcome", "closed_at", "provider_updated_at",
                   "created_at", "updated_at"]
ALERT_COLUMNS = ["id", "dispute_id", "kind", "due_at", "recorded_at", "sent_at"]
CLOSED = [("won", "won"), ("lost", "lost"), ("won", "won"), ("accepted", "accepted"), ("charge_refunded", "refunded")]
REASONS = ["product_not_received", "fraudulent", "product_unacceptable", "duplicate", "general"]


class _Loader:
    def __init__(self, now):
        self.now = now
        self.tables = {Dispute: Table(Dispute, DISPUTE_COLUMNS), DisputeAlert: Table(DisputeAlert, ALERT_COLUMNS)}
        self.writer = _CopyWriter(self.tables)
        self.ids = _Ids(self.tables)
        self.closed = 0

    def _dispute(self, n: int, *, status: str, outcome: str, opened, deadline, closed_at) -> tuple:
        pk = self.ids.take(Dispute)
        provider = "stripe" if n % 3 else "paypal"
        return pk, (pk, provider, f"bench_{n}", REASONS[n % len(REASONS)], "chargeback", status, "USD",
                    1000 + n % 9000, opened, opened + timedelta(days=21), deadline, outcome, closed_at, opened,
                    opened, opened)

    def add_open(self, count: int) -> None:
        rows = []
        for n in range(count):
            deadline = self.now + timedelta(days=-1 + 31 * n / count)
            opened = deadline - timedelta(days=7)
            _pk, row = self._dispute(-1 - n, status="needs_response", outcome="", opened=opened, deadline=deadline,
                                     closed_at=None)
            rows.append(row)
        self.writer.write({Dispute: rows, DisputeAlert: []})
        self.writer.finish()

    def add_closed(self, count: int) -> None:
        """``count`` more closed disputes, older ones first (ids grow with time), each with its two alerts."""
        start = self.now - timedelta(days=1500)
        self.ids = _Ids(self.tables)  # the scans in between took ids from the sequences
        while count > 0:
            disputes, alerts = [], []
            for _ in range(min(CHUNK, count)):
                n = self.closed
                self.closed += 1
                opened = start + timedelta(minutes=n % 2_000_000)
                status, outcome = CLOSED[n % len(CLOSED)]
                deadline = opened + timedelta(days=7)
                pk, row = self._dispute(n, status=status, outcome=outcome, opened=opened, deadline=deadline,
                                        closed_at=opened + timedelta(days=30))
                disputes.append(row)
                for kind, hours in (("assignee_72h", 72), ("managers_24h", 24)):
                    due = deadline - timedelta(hours=hours)
                    alerts.append((self.ids.take(DisputeAlert), pk, kind, due, due, due))
            self.writer.write({Dispute: disputes, DisputeAlert: alerts})
            count -= len(disputes)
        self.writer.finish()


def _busy_and_idle(now) -> tuple[list[float], list[float], int]:
    busy, recorded = [], 0
    for _ in range(REPEAT):
        DisputeAlert.objects.filter(dispute__status__in=sorted(OPEN_STATUSES)).delete()
        Dispute.objects.filter(status__in=sorted(OPEN_STATUSES)).update(**dict.fromkeys(ALERT_FLAGS.values(), False))
        started = time.perf_counter()
        counts = disputes_scan(now=now)
        busy.append(time.perf_counter() - started)
        recorded = sum(counts.values())
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {Dispute._meta.db_table}, {DisputeAlert._meta.db_table}")
    idle = []
    for _ in range(IDLE):
        started = time.perf_counter()
        assert sum(disputes_scan(now=now).values()) == 0
        idle.append(time.perf_counter() - started)
    return busy, idle, recorded


def test_the_deadline_scan_stays_flat_as_closed_disputes_grow(settings):
    if connection.vendor != "postgresql":
        pytest.skip("the dispute benchmark runs on PostgreSQL (DATABASE_URL=postgres://…)")
    settings.DISPUTES_AUTO_SUBMIT = False
    now = timezone.now()
    loader = _Loader(now)
    report = Report("dispute-scan", {"db": connection.vendor, "open": OPEN, "sizes": "/".join(map(str, SIZES)),
                                     "repeat": REPEAT, "idle_runs": IDLE})
    started = time.perf_counter()
    loader.add_open(OPEN)
    figures = []  # the rows are flushed after the test (a transactional test)
    for size in SIZES:
        loaded = time.perf_counter()
        loader.add_closed(max(0, size - OPEN - loader.closed))
        report.add(f"{size:,} rows: load (COPY)", time.perf_counter() - loaded, "s",
                   f"{Dispute.objects.count():,} disputes")
        busy, idle, recorded = _busy_and_idle(now)
        if os.environ.get("BENCH_EXPLAIN"):
            _explain(now)
        figures.append((size, min(busy), statistics.median(idle)))
        report.add(f"{size:,} rows: busy scan (min)", min(busy) * 1000, "ms", f"{recorded} alerts recorded")
        report.add(f"{size:,} rows: idle scan (p50)", statistics.median(idle) * 1000, "ms",
                   f"max {max(idle) * 1000:.1f} ms")
    smallest = figures[0]
    for size, busy, idle in figures[1:]:
        report.add(f"{size:,} rows vs {smallest[0]:,}: busy", busy / smallest[1], "×", f"limit {FLAT}×")
        report.add(f"{size:,} rows vs {smallest[0]:,}: idle", idle / smallest[2], "×", f"limit {FLAT}×")
    report.add("total", time.perf_counter() - started, "s")
    report.emit()
    for size, busy, idle in figures[1:]:
        assert busy <= FLAT * smallest[1], f"busy scan at {size:,} rows: {busy:.4f} s vs {smallest[1]:.4f} s"
        assert idle <= FLAT * smallest[2], f"idle scan at {size:,} rows: {idle:.4f} s vs {smallest[2]:.4f} s"


def _explain(now):
    with CaptureQueriesContext(connection) as queries:
        disputes_scan(now=now)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN ANALYZE " + queries.captured_queries[0]["sql"])
        print("\n".join(row[0] for row in cursor.fetchall()))
