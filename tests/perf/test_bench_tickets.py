"""Benchmark of the ticket desk (``make bench``, PostgreSQL): the queue's first page for every saved view and the
ticket page, p50/p95 server time over ``BENCH_DESK_REQUESTS`` requests each, on ``BENCH_TICKETS`` tickets with five
messages each (default 1,000,000 tickets and 5,000,000 messages, the issue's figure; set it lower for a quick run).

The rows are made in the database with ``generate_series`` (seconds per million): most tickets are closed history,
about 3 % live (new, open, pending) with reply-by times spread around now, as a real desk has; about one agent
reply in 2,500 was refused and one in 5,000 never confirmed (the "Replies not delivered" view and the count on its
pill, shown on every queue page). Target: p95 under 50 ms for the queue and the ticket page.
"""

from __future__ import annotations

import os
import random
import time

import pytest
from django.core.management import call_command
from django.db import connection

from tests.perf.report import Report

pytestmark = [pytest.mark.perf, pytest.mark.django_db]

TICKETS = int(os.environ.get("BENCH_TICKETS", "1000000"))
REQUESTS = int(os.environ.get("BENCH_DESK_REQUESTS", "200"))
MESSAGES_PER_TICKET = 5

CUSTOMERS_SQL = """
INSERT INTO aftersales_customer (email, phone, name, language, country, created_at)
SELECT 'bench' || g || '@bench.invalid', '', 'Bench customer ' || g,
       (ARRAY['en','es','de','fr','zh-hans'])[1 + g %% 5], 'US', now() - (g || ' seconds')::interval
FROM generate_series(1, %(customers)s) AS g
"""
TICKETS_SQL = """
INSERT INTO tickets_ticket (number, customer_id, channel, subject, language, status, priority, tags,
                            complaint_category, contact, version, last_inbound_at, last_message_at, reply_by,
                            first_inbound_at, awaiting_reply_since, assignee_id, created_at, updated_at)
SELECT 'B-' || g, %(first_customer)s + (g %% %(customers)s),
       (ARRAY['email','whatsapp','messenger','webchat'])[1 + g %% 4],
       'Where is my order ' || g, (ARRAY['en','es','de','fr','zh-hans'])[1 + g %% 5],
       CASE WHEN g %% 100 < 95 THEN 'closed' WHEN g %% 100 < 97 THEN 'solved'
            ELSE (ARRAY['new','open','pending'])[1 + g %% 3] END,
       (ARRAY['low','normal','normal','high','urgent'])[1 + g %% 5], '[]'::jsonb,
       CASE WHEN g %% 7 = 0 THEN 'damaged' ELSE '' END, 'c' || g || '@bench.invalid', 0,
       now() - ((%(tickets)s - g) || ' minutes')::interval, now() - ((%(tickets)s - g) || ' minutes')::interval,
       CASE WHEN g %% 100 >= 97 THEN now() + (((g %% 600) - 300) || ' minutes')::interval END,
       now() - ((%(tickets)s - g) || ' minutes')::interval,
       CASE WHEN g %% 100 >= 97 THEN now() - ((%(tickets)s - g) || ' minutes')::interval END,
       CASE WHEN g %% 3 = 0 THEN %(agent)s END,
       now() - ((%(tickets)s - g) || ' minutes')::interval, now()
FROM generate_series(1, %(tickets)s) AS g
"""
MESSAGES_SQL = """
INSERT INTO tickets_message (ticket_id, direction, channel, kind, external_id, in_reply_to, "references", sender,
                             subject, body, full_text, body_html, raw, payload, language, delivery, delivery_error,
                             template, attempts, flagged_phrases, override_reason, created_at)
SELECT t.id, CASE WHEN m %% 2 = 1 THEN 'inbound' ELSE 'outbound' END, t.channel, 'message', '', '', '[]'::jsonb,
       t.contact, '', 'Message ' || m || ' about my order: it has not arrived yet, can you check please?', '', '',
       ''::bytea, '', '', CASE WHEN m %% 2 = 1 THEN 'received'
                               WHEN (t.id + m) %% 4999 = 0 THEN 'failed'    -- about one reply in 2,500 refused
                               WHEN (t.id + m) %% 9973 = 0 THEN 'sending'   -- and one in 5,000 never confirmed
                               ELSE 'sent' END, '', '', 0, '[]'::jsonb, '',
       t.created_at + (m || ' minutes')::interval
FROM tickets_ticket t CROSS JOIN generate_series(1, %(per_ticket)s) AS m
"""


@pytest.fixture(scope="module")
def desk(django_db_setup, django_db_blocker):
    if connection.vendor != "postgresql":
        pytest.skip("the desk benchmark runs on PostgreSQL (DATABASE_URL=postgres://…)")
    with django_db_blocker.unblock():
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group

        agent = get_user_model().objects.create_user("bench-agent", password="pw")
        agent.groups.add(Group.objects.get(name="Support agent"))
        started = time.perf_counter()
        with connection.cursor() as cursor:
            customers = max(1, TICKETS // 3)
            cursor.execute(CUSTOMERS_SQL, {"customers": customers})
            cursor.execute("SELECT min(id) FROM aftersales_customer WHERE email LIKE 'bench%%'")
            first_customer = cursor.fetchone()[0]
            cursor.execute(TICKETS_SQL, {"first_customer": first_customer, "customers": customers,
                                         "tickets": TICKETS, "agent": agent.pk})
            cursor.execute(MESSAGES_SQL, {"per_ticket": MESSAGES_PER_TICKET})
            cursor.execute("ANALYZE aftersales_customer; ANALYZE tickets_ticket; ANALYZE tickets_message")
        loaded = time.perf_counter() - started
        print(f"\n   loaded {TICKETS:,} tickets and {TICKETS * MESSAGES_PER_TICKET:,} messages in {loaded:.1f} s",
              flush=True)
        yield {"agent": agent, "seconds": loaded}
        call_command("flush", interactive=False, verbosity=0)


def timings(client, urls):
    durations = []
    for url in urls:
        started = time.perf_counter()
        response = client.get(url)
        durations.append(time.perf_counter() - started)
        assert response.status_code == 200, url
    return durations


def test_queue_views_and_ticket_page(desk, client):
    client.force_login(desk["agent"])
    report = Report("ticket-desk", {"db": connection.vendor, "tickets": TICKETS,
                                    "messages": TICKETS * MESSAGES_PER_TICKET, "requests": REQUESTS})
    report.add("load (generate_series)", desk["seconds"], "s")
    worst = 0.0
    for view in ("all", "mine", "unassigned", "breaching", "whatsapp", "spanish", "complaints", "undelivered"):
        client.get(f"/desk/tickets/?view={view}")  # warm
        seconds = timings(client, [f"/desk/tickets/?view={view}"] * REQUESTS)
        report.add_latencies(f"queue view={view}", seconds)
        worst = max(worst, sorted(seconds)[int(len(seconds) * 0.95) - 1])
    with connection.cursor() as cursor:
        cursor.execute("SELECT number FROM tickets_ticket WHERE number LIKE 'B-%%' ORDER BY random() LIMIT %s",
                       [REQUESTS])
        numbers = [row[0] for row in cursor.fetchall()]
    random.Random(5).shuffle(numbers)  # noqa: S311 (a benchmark's order)
    # Warm as for the queue: a running server has compiled the template and loaded each language's catalogue
    # (macros are shown in the ticket's language) before the first agent opens a ticket; these are not measured.
    timings(client, [f"/desk/tickets/B-{n}/" for n in range(1, 21)])
    page = timings(client, [f"/desk/tickets/{number}/" for number in numbers])
    report.add_latencies("ticket page (5 messages)", page)
    report.emit()
    worst = max(worst, sorted(page)[int(len(page) * 0.95) - 1])
    assert worst < 1.0  # a guard against a pathological plan; the 50 ms target is read from the table
