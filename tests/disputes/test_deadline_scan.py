"""The dispute deadline scan (``disputes.services.disputes_scan``): alerts are state, recorded once, never early.

* A simulated month: 200 disputes opened at random times (fixed seed), the scan called every 5 minutes of simulated
  time except during two 6-hour outages. Every alert that became due is recorded exactly once, at the first scan at
  or after its due time (so within 5 minutes, or at the first scan after an outage), never before it; the emails
  are exactly those of the mailing alerts, to their recorded recipients, with no customer data.
* A dispute past several thresholds gets each missing alert once, in threshold order; two scanners at the same
  instant (threads on PostgreSQL) record once; a closed dispute gets no further alerts; a failed send records
  nothing and the next scan retries; auto-submission is recorded only where enabled: an incomplete packet (or one
  the provider's API cannot take) is mailed to the managers and submits nothing, a complete one is queued once
  for the ``disputes.submit`` task, a response already sent is only noted.
* The beat entry points at the registered task, and the task runs the scan.

The wall clock is frozen with ``time_machine`` far from the simulated times, so a scan that read it instead of
``now=`` would fail these tests.
"""

import random
import re
import time
from bisect import bisect_left
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection

from aftersales.roles import AGENT_GROUP, MANAGER_GROUP, ensure_role_groups
from disputes import selectors
from disputes.choices import DisputeProvider, DisputeStatus
from disputes.models import Dispute, DisputeAlert
from disputes.schedule import ENTRIES
from disputes.services import (
    ALERT_RULES,
    AUTO_SUBMIT_DONE_NOTE,
    AUTO_SUBMIT_MANUAL_NOTE,
    AUTO_SUBMIT_QUEUED_NOTE,
    AUTO_SUBMIT_WAITS_NOTE,
    dispute_internal_deadline,
    disputes_scan,
)
from disputes.tasks import disputes_scan_task
from tests import factories
from tests.concurrency import at_once
from tests.disputes.submission_support import FakePacket, fake_packet_installer, queued_ids

START = datetime(2026, 3, 2, tzinfo=UTC)
WALL_CLOCK = datetime(2031, 1, 1, tzinfo=UTC)  # frozen wall clock: nothing may read it in the simulations
STEP = timedelta(minutes=5)
MONTH = timedelta(days=30)
OUTAGES = [(START + timedelta(days=9, hours=3), START + timedelta(days=9, hours=9)),
           (START + timedelta(days=17, hours=20), START + timedelta(days=18, hours=2))]
Kind = DisputeAlert.Kind
MAILING = {Kind.ASSIGNEE_72H, Kind.MANAGERS_24H}
OFFSETS = {rule.kind: rule.before_deadline for rule in ALERT_RULES}
AWAITING = {DisputeStatus.NEEDS_RESPONSE, DisputeStatus.WARNING_NEEDS_RESPONSE}


@pytest.fixture
def staff(db):
    """Two managers, an inactive manager, a superuser, agents with and without an email address."""
    ensure_role_groups()
    users = get_user_model().objects
    managers, agents = Group.objects.get(name=MANAGER_GROUP), Group.objects.get(name=AGENT_GROUP)
    people = {}
    for name, group, extra in [("mia", managers, {}), ("max", managers, {}), ("old", managers, {"is_active": False}),
                               ("ana", agents, {}), ("ben", agents, {}), ("noemail", agents, {"email": ""})]:
        people[name] = users.create_user(username=name, password="pw-" + name,
                                         **{"email": f"{name}@desk.example", **extra})
        people[name].groups.add(group)
    people["root"] = users.create_superuser(username="root", password="pw-root", email="root@desk.example")
    return people


MANAGER_EMAILS = ["max@desk.example", "mia@desk.example", "root@desk.example"]


@pytest.fixture
def fake_packet(monkeypatch):
    return fake_packet_installer(monkeypatch)


@pytest.fixture
def queued(monkeypatch):
    return queued_ids(monkeypatch)


def _dispute(n: int, *, opened_at: datetime, respond_by: datetime, status=DisputeStatus.NEEDS_RESPONSE,
             order=None, assignee=None) -> Dispute:
    return Dispute(provider=DisputeProvider.STRIPE, provider_id=f"dp_{n:05d}", status=status, currency="USD",
                   amount_minor=1000 + n, opened_at=opened_at, respond_by=respond_by, order=order, assignee=assignee,
                   internal_deadline=dispute_internal_deadline(opened_at=opened_at, respond_by=respond_by))


def _one(*, deadline: datetime, **fields) -> Dispute:
    """A dispute whose internal deadline is ``deadline`` (opened 7 days before it)."""
    opened = deadline - timedelta(days=7)
    dispute = _dispute(next(_numbers), opened_at=opened, respond_by=opened + timedelta(days=14), **fields)
    dispute.save()
    return dispute


_numbers = iter(range(10_000, 99_999))


def _alerts(dispute: Dispute) -> list[tuple[str, datetime]]:
    return list(dispute.alerts.order_by("id").values_list("kind", "recorded_at"))


def _analyze():
    tables = [Dispute._meta.db_table, DisputeAlert._meta.db_table]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {', '.join(tables)}")
        else:
            cursor.execute("ANALYZE")


# -- the simulated month ------------------------------------------------------------------------------------------

def test_a_month_of_scans_with_two_outages_records_each_due_alert_once_and_on_time(staff, settings, monkeypatch):
    settings.DISPUTES_AUTO_SUBMIT = True
    rng = random.Random(20260302)  # noqa: S311 -- a reproducible simulation, not a secret
    orders = [factories.order() for _ in range(12)]
    customer_data = {value for o in orders for value in (o.email, o.customer.name, o.customer.email)}
    assignees = [None, None, staff["ana"], staff["ben"], staff["noemail"]]
    statuses = [DisputeStatus.NEEDS_RESPONSE] * 6 + [DisputeStatus.WARNING_NEEDS_RESPONSE,
                                                     DisputeStatus.UNDER_REVIEW]
    disputes = []
    for n in range(200):
        opened = START + timedelta(seconds=rng.randrange(int(MONTH.total_seconds())))
        respond_by = opened + timedelta(seconds=rng.randrange(10 * 86400, 21 * 86400))
        disputes.append(_dispute(n, opened_at=opened, respond_by=respond_by, status=rng.choice(statuses),
                                 order=rng.choice([*orders, None]), assignee=rng.choice(assignees)))
    Dispute.objects.bulk_create(disputes)
    disputes = list(Dispute.objects.select_related("assignee"))
    # The packet stands in for the evidence module here (rendering 200 packets is not what this test measures):
    # complete where the dispute has an order, as the real packet of reason "other" is (receipt, description).
    with_order = {d.pk: d.order_id is not None for d in disputes}
    monkeypatch.setattr("disputes.evidence.packet_build",
                        lambda *, dispute_id: FakePacket(complete=with_order[dispute_id]))

    scans = [START + STEP * i for i in range(int(MONTH / STEP))]
    assert len(scans) == 8640
    scans = [at for at in scans if not any(begin <= at < end for begin, end in OUTAGES)]
    assert len(scans) == 8640 - 2 * 72
    started = time.perf_counter()
    with time_machine.travel(WALL_CLOCK, tick=False):
        totals = dict.fromkeys(Kind.values, 0)
        for now in scans:
            if now.hour == now.minute == 0:
                _analyze()  # planner statistics, as autovacuum keeps them (rows inside a test transaction have none)
            for kind, count in disputes_scan(now=now).items():
                totals[kind] += count
    elapsed = time.perf_counter() - started

    expected = {}  # (dispute id, kind) -> (due at, recorded at: the first scan at or after the due time)
    for dispute in disputes:
        for kind, offset in OFFSETS.items():
            due = dispute.internal_deadline - offset
            if due > scans[-1] or (kind == Kind.OVERDUE_INCIDENT and dispute.status not in AWAITING):
                continue
            expected[dispute.pk, kind] = (due, scans[bisect_left(scans, due)])
    alerts = list(DisputeAlert.objects.select_related("dispute__order").order_by("id"))
    recorded = {(a.dispute_id, a.kind): (a.due_at, a.recorded_at) for a in alerts}
    assert len(alerts) == len(recorded)  # each at most once
    assert recorded == expected  # each due alert, at the first scan at or after its due time
    assert totals == {kind: sum(1 for _, k in expected if k == kind) for kind in Kind.values}

    in_outage = [a for a in alerts if any(begin <= a.due_at < end for begin, end in OUTAGES)]
    assert len(in_outage) >= 4  # the outages did hide alerts
    for alert in alerts:
        assert alert.recorded_at >= alert.due_at  # never early
        if alert in in_outage:
            end = next(end for begin, end in OUTAGES if begin <= alert.due_at < end)
            assert alert.recorded_at == end  # the first scan after the outage
        else:
            assert alert.recorded_at - alert.due_at < STEP

    # Auto-submission: a dispute without an order waits for a complete packet; with one, the packet is complete but
    # no API credentials are configured here. Either way nothing is queued and the managers are told.
    assert {a.dispute_id: a.note for a in alerts if a.kind == Kind.AUTO_SUBMIT_12H} == {
        a.dispute_id: AUTO_SUBMIT_MANUAL_NOTE if with_order[a.dispute_id] else AUTO_SUBMIT_WAITS_NOTE
        for a in alerts if a.kind == Kind.AUTO_SUBMIT_12H}
    assert {a.note for a in alerts if a.kind == Kind.AUTO_SUBMIT_12H} == {AUTO_SUBMIT_WAITS_NOTE,
                                                                          AUTO_SUBMIT_MANUAL_NOTE}
    mailing = [a for a in alerts if a.kind in MAILING | {Kind.AUTO_SUBMIT_12H}]
    assert all(a.sent_at == a.recorded_at for a in mailing)
    assert all(a.sent_at is None and a.recipients == [] for a in alerts if a.kind == Kind.OVERDUE_INCIDENT)
    assert len(mail.outbox) == len(mailing)
    assert [m.to for m in mail.outbox] == [a.recipients for a in mailing]
    by_assignee = {d.pk: d.assignee for d in disputes}
    for alert, message in zip(mailing, mail.outbox, strict=True):
        assignee = by_assignee[alert.dispute_id]
        if alert.kind == Kind.ASSIGNEE_72H and assignee is not None and assignee.email:
            assert alert.recipients == [assignee.email]
        else:
            assert alert.recipients == MANAGER_EMAILS
        if alert.dispute.order_id:
            assert alert.dispute.order.number in message.subject
        amount = alert.dispute.amount_minor
        assert f"${amount // 100}.{amount % 100:02d}" in message.body
        assert not any(value in message.subject + message.body for value in customer_data)
    print(f"\nmonth: {len(scans)} scans, {len(alerts)} alerts ({totals}), {len(mail.outbox)} emails, "
          f"{len(in_outage)} due during outages, {elapsed:.1f} s")  # speed: tests/perf/test_bench_disputes.py


# -- thresholds, races, closing --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_dispute_past_every_threshold_gets_each_missing_alert_once_in_order(staff, settings):
    settings.DISPUTES_AUTO_SUBMIT = True
    now = START + timedelta(days=20)
    dispute = _one(deadline=now - timedelta(hours=1), assignee=staff["ana"])
    with time_machine.travel(WALL_CLOCK, tick=False):
        assert disputes_scan(now=now) == dict.fromkeys(Kind.values, 1)
        assert disputes_scan(now=now + STEP) == dict.fromkeys(Kind.values, 0)
    assert _alerts(dispute) == [(kind, now) for kind in Kind.values]  # ids in threshold order
    assert [m.to for m in mail.outbox] == [["ana@desk.example"], MANAGER_EMAILS, MANAGER_EMAILS]
    assert "not submitted automatically" in mail.outbox[2].subject
    assert list(selectors.dispute_incidents()) == [dispute]


@pytest.mark.django_db
def test_nothing_is_recorded_before_its_threshold(staff):
    deadline = START + timedelta(days=10)
    dispute = _one(deadline=deadline)
    assert disputes_scan(now=deadline - timedelta(hours=72, seconds=1)) == dict.fromkeys(Kind.values, 0)
    assert disputes_scan(now=deadline - timedelta(hours=72))[Kind.ASSIGNEE_72H] == 1
    assert disputes_scan(now=deadline - timedelta(hours=24, seconds=1)) == dict.fromkeys(Kind.values, 0)
    assert _alerts(dispute) == [(Kind.ASSIGNEE_72H, deadline - timedelta(hours=72))]
    assert mail.outbox[0].to == MANAGER_EMAILS  # no assignee: the managers are told


@pytest.mark.django_db
def test_auto_submission_is_off_by_default_and_an_incomplete_packet_waits_and_tells_the_managers(
        staff, settings, fake_packet, django_capture_on_commit_callbacks, queued):
    fake_packet(complete=False)
    settings.STRIPE_SECRET_KEY = "sk_test_scan"
    deadline = START + timedelta(days=10)
    dispute = _one(deadline=deadline)
    at = deadline - timedelta(hours=12)
    disputes_scan(now=at)
    assert [kind for kind, _ in _alerts(dispute)] == [Kind.ASSIGNEE_72H, Kind.MANAGERS_24H]
    settings.DISPUTES_AUTO_SUBMIT = True
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert disputes_scan(now=at)[Kind.AUTO_SUBMIT_12H] == 1
        assert disputes_scan(now=at + STEP)[Kind.AUTO_SUBMIT_12H] == 0
    alert = dispute.alerts.get(kind=Kind.AUTO_SUBMIT_12H)
    assert (alert.note, alert.recipients, alert.sent_at) == (AUTO_SUBMIT_WAITS_NOTE, MANAGER_EMAILS, at)
    assert [m.to for m in mail.outbox] == [MANAGER_EMAILS, MANAGER_EMAILS, MANAGER_EMAILS]
    assert mail.outbox[2].subject == "Dispute on order (order not linked yet): 12 hours to the internal deadline, " \
                                     "not submitted automatically"
    assert "its evidence packet is not complete" in mail.outbox[2].body
    assert callbacks == []  # nothing queued, nothing submitted
    assert queued == []
    fresh = Dispute.objects.get(pk=dispute.pk)
    assert (fresh.status, fresh.submission_state) == (DisputeStatus.NEEDS_RESPONSE, "")


@pytest.mark.django_db
def test_a_complete_packet_is_queued_for_submission_once(staff, settings, fake_packet,
                                                         django_capture_on_commit_callbacks, queued):
    fake_packet(complete=True)
    settings.DISPUTES_AUTO_SUBMIT, settings.STRIPE_SECRET_KEY = True, "sk_test_scan"
    deadline = START + timedelta(days=10)
    dispute = _one(deadline=deadline)
    with django_capture_on_commit_callbacks(execute=True):
        counts = disputes_scan(now=deadline - timedelta(hours=12))
        again = disputes_scan(now=deadline - timedelta(hours=11))
    assert counts[Kind.AUTO_SUBMIT_12H] == 1
    assert again[Kind.AUTO_SUBMIT_12H] == 0
    alert = dispute.alerts.get(kind=Kind.AUTO_SUBMIT_12H)
    assert (alert.note, alert.recipients, alert.sent_at) == (AUTO_SUBMIT_QUEUED_NOTE, [], None)
    assert queued == [dispute.pk]  # once, after the commit
    assert len(mail.outbox) == 2  # the 72 h and 24 h alerts only


@pytest.mark.django_db
def test_a_submission_the_broker_did_not_take_is_queued_by_the_next_scan(
        staff, settings, fake_packet, django_capture_on_commit_callbacks, monkeypatch, caplog):
    from kombu.exceptions import OperationalError

    from disputes.tasks import dispute_submit_task

    fake_packet(complete=True)
    settings.DISPUTES_AUTO_SUBMIT, settings.STRIPE_SECRET_KEY = True, "sk_test_scan"
    deadline = START + timedelta(days=10)
    dispute = _one(deadline=deadline)
    sent: list[int] = []

    def broker_down(dispute_id):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(dispute_submit_task, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        down = disputes_scan(now=deadline - timedelta(hours=12))
    assert down[Kind.AUTO_SUBMIT_12H] == 1
    assert "not queued (OperationalError); the next scan queues it" in caplog.text
    assert not dispute.alerts.filter(kind=Kind.AUTO_SUBMIT_12H).exists()  # the decision is undone
    assert Dispute.objects.get(pk=dispute.pk).alerted_auto_submit_12h is False

    monkeypatch.setattr(dispute_submit_task, "delay", sent.append)  # the broker is back
    with django_capture_on_commit_callbacks(execute=True):
        back = disputes_scan(now=deadline - timedelta(hours=11))
        again = disputes_scan(now=deadline - timedelta(hours=10))
    assert (back[Kind.AUTO_SUBMIT_12H], again[Kind.AUTO_SUBMIT_12H]) == (1, 0)
    assert sent == [dispute.pk]  # queued once, by the scan after the downtime
    assert dispute.alerts.get(kind=Kind.AUTO_SUBMIT_12H).note == AUTO_SUBMIT_QUEUED_NOTE
    assert len(mail.outbox) == 2  # the 72 h and 24 h alerts, each once: the queued path mails nobody


@pytest.mark.django_db
def test_a_complete_packet_the_api_cannot_take_is_mailed_and_one_already_sent_only_noted(
        staff, settings, fake_packet, django_capture_on_commit_callbacks, queued):
    fake_packet(complete=True)
    settings.DISPUTES_AUTO_SUBMIT, settings.STRIPE_SECRET_KEY = True, ""  # no credentials: the manual path
    deadline = START + timedelta(days=10)
    manual = _one(deadline=deadline)
    sent = _one(deadline=deadline + timedelta(minutes=1))
    Dispute.objects.filter(pk=sent.pk).update(submission_state="submitted")
    with django_capture_on_commit_callbacks(execute=True):
        disputes_scan(now=deadline)
    notes = dict(DisputeAlert.objects.filter(kind=Kind.AUTO_SUBMIT_12H).values_list("dispute_id", "note"))
    assert notes == {manual.pk: AUTO_SUBMIT_MANUAL_NOTE, sent.pk: AUTO_SUBMIT_DONE_NOTE}
    assert manual.alerts.get(kind=Kind.AUTO_SUBMIT_12H).recipients == MANAGER_EMAILS
    assert sent.alerts.get(kind=Kind.AUTO_SUBMIT_12H).recipients == []
    assert "the provider's API cannot take it" in mail.outbox[-1].body
    assert len(mail.outbox) == 5  # 72 h and 24 h for both, and the manual one
    assert queued == []


@pytest.mark.django_db
def test_a_closed_dispute_gets_no_further_alerts(staff):
    deadline = START + timedelta(days=10)
    dispute = _one(deadline=deadline)
    disputes_scan(now=deadline - timedelta(hours=72))
    Dispute.objects.filter(pk=dispute.pk).update(status=DisputeStatus.WON, closed_at=deadline - timedelta(days=2))
    assert disputes_scan(now=deadline + timedelta(days=3)) == dict.fromkeys(Kind.values, 0)
    assert [kind for kind, _ in _alerts(dispute)] == [Kind.ASSIGNEE_72H]
    assert len(mail.outbox) == 1
    assert list(selectors.dispute_incidents()) == []


@pytest.mark.django_db
def test_a_dispute_under_review_is_no_incident(staff):
    deadline = START + timedelta(days=10)
    dispute = _one(deadline=deadline, status=DisputeStatus.UNDER_REVIEW)
    disputes_scan(now=deadline + timedelta(hours=1))
    assert Kind.OVERDUE_INCIDENT not in [kind for kind, _ in _alerts(dispute)]
    assert list(selectors.dispute_incidents()) == []


@pytest.mark.django_db
def test_a_failed_send_records_nothing_and_the_next_scan_retries(staff, monkeypatch):
    from disputes import services

    deadline = START + timedelta(days=10)
    dispute = _one(deadline=deadline, assignee=staff["ben"])
    real_send = services.send_mail

    def failing(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(services, "send_mail", failing)
    assert disputes_scan(now=deadline - timedelta(hours=72)) == dict.fromkeys(Kind.values, 0)
    assert _alerts(dispute) == []
    monkeypatch.setattr(services, "send_mail", real_send)
    later = deadline - timedelta(hours=71)
    assert disputes_scan(now=later)[Kind.ASSIGNEE_72H] == 1
    assert _alerts(dispute) == [(Kind.ASSIGNEE_72H, later)]
    assert [m.to for m in mail.outbox] == [["ben@desk.example"]]


@pytest.mark.django_db
def test_two_scans_at_the_same_instant_record_once(staff):
    now = START + timedelta(days=20)
    dispute = _one(deadline=now - timedelta(hours=1))
    first, second = disputes_scan(now=now), disputes_scan(now=now)
    assert sum(first.values()) == 3
    assert sum(second.values()) == 0
    assert len(_alerts(dispute)) == 3
    assert len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_scanners_record_and_mail_each_alert_once(require_postgres, staff):
    now = START + timedelta(days=20)
    disputes = [_one(deadline=now - timedelta(hours=hours)) for hours in range(1, 21)]
    results = at_once(*[lambda: disputes_scan(now=now)] * 2)
    assert all(isinstance(result, dict) for result in results), results
    assert sum(sum(result.values()) for result in results) == 3 * len(disputes)
    assert DisputeAlert.objects.count() == 3 * len(disputes)
    assert len(mail.outbox) == 2 * len(disputes)


@pytest.mark.django_db
def test_an_idle_scan_is_one_query(staff, settings, django_assert_num_queries):
    settings.DISPUTES_AUTO_SUBMIT = True
    _one(deadline=START + timedelta(days=10))
    with django_assert_num_queries(1):
        assert disputes_scan(now=START) == dict.fromkeys(Kind.values, 0)


def test_the_scan_reads_each_kinds_partial_index_and_never_the_alerts(require_postgres):
    from django.test.utils import CaptureQueriesContext

    thresholds = [(rule.kind, START + rule.before_deadline, rule.kind == Kind.OVERDUE_INCIDENT) for rule in ALERT_RULES]
    with CaptureQueriesContext(connection) as queries:
        selectors.dispute_alerts_due(thresholds=thresholds, limit=10)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny test table would rightly be read sequentially
        cursor.execute("EXPLAIN " + queries.captured_queries[0]["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # Each kind reads its own partial index (open disputes without that alert); the alerts table, which grows with
    # the closed history, is not read at all (tests/perf/test_bench_disputes.py).
    for rule in ALERT_RULES:
        assert re.search(rf"Index Scan using dispute_due_{rule.kind} on|Bitmap Index Scan on dispute_due_{rule.kind}\b",
                         plan), plan
    assert "disputealert" not in plan


# -- the periodic task ---------------------------------------------------------------------------------------------

def test_the_beat_entry_points_at_the_registered_task():
    from aftersales.celery import app
    from aftersales.management.commands.beat_schedule_sync import declared_entries

    entry = next(e for e in ENTRIES if e.task == "disputes.scan")
    assert entry.every_seconds == 300
    assert entry in list(declared_entries())
    assert disputes_scan_task.name == entry.task
    assert app.tasks[entry.task].name == entry.task


@pytest.mark.django_db
def test_the_task_runs_the_scan_on_the_clock(staff):
    deadline = START + timedelta(days=10)
    dispute = _one(deadline=deadline)
    with time_machine.travel(deadline - timedelta(hours=23), tick=False):
        counts = disputes_scan_task()
    assert counts == {**dict.fromkeys(Kind.values, 0), Kind.ASSIGNEE_72H: 1, Kind.MANAGERS_24H: 1}
    assert _alerts(dispute) == [(Kind.ASSIGNEE_72H, deadline - timedelta(hours=23)),
                                (Kind.MANAGERS_24H, deadline - timedelta(hours=23))]


@pytest.mark.django_db
def test_each_recorded_alert_sets_its_flag_on_the_dispute_and_an_existing_row_is_not_recorded_twice(staff):
    deadline = START + timedelta(days=10)
    dispute = _one(deadline=deadline)
    disputes_scan(now=deadline - timedelta(hours=72))
    dispute.refresh_from_db()
    assert (dispute.alerted_assignee_72h, dispute.alerted_managers_24h) == (True, False)
    # A row written without its flag (an older release, a restore): the scan finds it due, records nothing new, and
    # sets the flag, so the next scan no longer looks at it.
    DisputeAlert.objects.create(dispute=dispute, kind=Kind.MANAGERS_24H, due_at=deadline - timedelta(hours=24),
                                recorded_at=deadline - timedelta(hours=30))
    assert disputes_scan(now=deadline - timedelta(hours=24))[Kind.MANAGERS_24H] == 0
    dispute.refresh_from_db()
    assert (dispute.alerted_assignee_72h, dispute.alerted_managers_24h, dispute.alerted_overdue_incident) == (
        True, True, False)
    assert DisputeAlert.objects.filter(dispute=dispute).count() == 2
    assert len(mail.outbox) == 1
