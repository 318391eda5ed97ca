"""The monthly audit as stored reports: idempotent, revised on demand, backfilled, scheduled, alerting once."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.core.management import CommandError, call_command

from aftersales import schedule
from aftersales.audit import selectors
from aftersales.audit.services import AuditError, audit_backfill, audit_month, audit_on_course_check
from aftersales.celery import app
from aftersales.models import AuditAlert, AuditImmutableError, MonthlyAudit
from aftersales.roles import MANAGER_GROUP

from .audit_support import refund, sale, utc

pytestmark = pytest.mark.django_db

NOW = utc(2026, 7, 10, 4)  # 10 July 2026, noon in Shanghai: May and June are closed


@pytest.fixture(autouse=True)
def store(settings):
    settings.STORE_TIME_ZONE = "Asia/Shanghai"
    settings.STORE_BASE_CURRENCY = "USD"
    settings.PUBLIC_BASE_URL = "https://desk.example.com"


@pytest.fixture
def managers():
    group, _ = Group.objects.get_or_create(name=MANAGER_GROUP)
    boss = User.objects.create_user("boss", email="boss@example.com")
    silent = User.objects.create_user("silent", email="")  # a manager without an address gets nothing
    agent = User.objects.create_user("agent", email="agent@example.com")  # not a manager
    boss.groups.add(group)
    silent.groups.add(group)
    return boss, agent


def may_sales(refunded: int):
    """May: 20 orders of 100.00 USD; ``refunded`` of them refunded 10.00 USD → rate = refunded × 1000 / 200,000."""
    payments = [sale(captured_at=utc(2026, 5, 1 + n), amount=10000, lines=((f"MAY-{n:02d}", 10000),))
                for n in range(20)]
    for payment in payments[:refunded]:
        refund(payment, amount=1000, at=utc(2026, 5, 28))
    return payments


def test_audit_month_stores_once_and_recompute_adds_a_revision(managers):
    payments = may_sales(refunded=3)  # 3,000 / 200,000 = 1.50 %: green (amber from 2.0 %)
    audit, created = audit_month(date(2026, 5, 17), now=NOW)
    assert created
    assert (audit.month, audit.revision) == (date(2026, 5, 1), 1)
    assert audit.metrics["refund_rate_amount"] == {"value": "1.50", "numerator": 3000, "denominator": 200000,
                                                   "status": "green", "extra": {"currency": "USD"}}
    assert (audit.period_start, audit.period_end) == (utc(2026, 4, 30, 16), utc(2026, 5, 31, 16))
    assert (audit.time_zone, audit.base_currency) == ("Asia/Shanghai", "USD")
    assert audit.breakdowns["refund_rate_amount"]["market"][0]["code"] == "US"
    # 3 of 20 orders refunded (15 %) is red by count, though only 1.5 % of the money: explained, by SKU and cause
    assert audit.explanations == {"refund_rate_count": [
        "SKU MAY-00 drove 33 % of refunds in May 2026; “Return” is the leading reason.",
        "Its own refund rate was 100.0 %."]}

    refund(payments[10], amount=2000, at=utc(2026, 5, 29))  # a late-booked refund: 5,000 / 200,000 = 2.50 %
    again, created = audit_month(date(2026, 5, 1), now=NOW)
    assert not created
    assert again.pk == audit.pk
    assert MonthlyAudit.objects.count() == 1
    assert again.metrics["refund_rate_amount"]["value"] == "1.50"  # nothing changed

    revised, created = audit_month(date(2026, 5, 1), recompute=True, now=NOW)
    assert created
    assert revised.revision == 2
    assert revised.metric_values()["refund_rate_amount"].value == Decimal("2.50")
    assert revised.metric_values()["refund_rate_amount"].status == "red"
    audit.refresh_from_db()
    assert audit.metrics["refund_rate_amount"]["value"] == "1.50"  # the old revision is kept as it was
    assert selectors.audit_for_month(date(2026, 5, 1)).revision == 2
    assert [a.revision for a in selectors.audit_revisions(date(2026, 5, 1))] == [2, 1]
    assert revised.explanations["refund_rate_amount"][0].startswith("SKU MAY-10 drove 40 % of refunds")


def test_a_stored_audit_cannot_be_changed():
    may_sales(refunded=1)
    audit, _ = audit_month(date(2026, 5, 1), now=NOW)
    audit.metrics = {}
    with pytest.raises(AuditImmutableError):
        audit.save()


def test_an_open_month_is_refused():
    with pytest.raises(AuditError, match="2026-07 is not over yet"):
        audit_month(date(2026, 7, 1), now=NOW)
    assert MonthlyAudit.objects.count() == 0


def test_backfill_fills_every_month_with_data_once():
    sale(captured_at=utc(2026, 2, 28, 17), amount=5000)  # 1 March, 01:00 local
    may_sales(refunded=1)
    sale(captured_at=utc(2026, 7, 2), amount=5000)  # July is not over
    created = audit_backfill(now=NOW)
    assert [a.month for a in created] == [date(2026, 3, 1), date(2026, 5, 1)]
    assert audit_backfill(now=NOW) == []
    assert [a.month for a in selectors.latest_audits(months=12)] == [date(2026, 3, 1), date(2026, 5, 1)]


def test_a_closed_month_over_the_line_alerts_the_managers_once(managers):
    may_sales(refunded=8)  # 8,000 / 200,000 = 4.00 %: red
    audit_month(date(2026, 5, 1), now=utc(2026, 6, 1, 2))  # June 1, 10:00 in Shanghai
    assert len(mail.outbox) == 2  # refund rate by amount (4 %) and by orders (8 / 20 = 40 %)
    subjects = sorted(message.subject for message in mail.outbox)
    assert subjects == ["Audit 2026-05: Refund rate (amount) at 4.00 %",
                        "Audit 2026-05: Refund rate (orders) at 40.00 %"]
    assert all(message.to == ["boss@example.com"] for message in mail.outbox)
    assert "https://desk.example.com/dashboard/" in mail.outbox[0].body
    alert = AuditAlert.objects.get(metric="refund_rate_amount")
    assert (alert.kind, alert.status, alert.value, alert.recipients) == ("closed_month", "red", "4.00",
                                                                         ["boss@example.com"])
    assert alert.sent_at == utc(2026, 6, 1, 2)

    audit_month(date(2026, 5, 1), recompute=True, now=utc(2026, 6, 2))  # a new revision: no new email
    assert len(mail.outbox) == 2
    assert AuditAlert.objects.count() == 2
    assert [a.metric for a in selectors.open_alerts(today=date(2026, 6, 15))] == ["refund_rate_amount",
                                                                                 "refund_rate_count"]
    assert selectors.open_alerts(today=date(2026, 8, 1)) == []


def test_a_failed_send_records_nothing_and_the_next_run_sends(managers, monkeypatch):
    from aftersales.audit import services

    may_sales(refunded=8)
    monkeypatch.setattr(services, "send_mail", lambda *a, **k: (_ for _ in ()).throw(ConnectionError("smtp")))
    audit, _ = audit_month(date(2026, 5, 1), now=NOW)
    assert AuditAlert.objects.count() == 0
    monkeypatch.undo()
    assert services.audit_alerts_closed_month(audit=audit, now=NOW) == 2
    assert services.audit_alerts_closed_month(audit=audit, now=NOW) == 0
    assert len(mail.outbox) == 2


def test_month_to_date_on_course_alerts_once(managers):
    payments = [sale(captured_at=utc(2026, 7, 1 + n % 8), amount=10000) for n in range(25)]
    for payment in payments[:2]:
        refund(payment, amount=5000, at=utc(2026, 7, 8))  # 10,000 / 250,000 = 4.00 % so far
    assert audit_on_course_check(now=utc(2026, 7, 5)) == 0  # too early in the month to call it
    assert audit_on_course_check(now=NOW) == 2  # amount (4 %) and orders (2 / 25 = 8 %)
    assert audit_on_course_check(now=utc(2026, 7, 11)) == 0
    assert sorted(m.subject for m in mail.outbox)[0] == "Refund rate (amount) on course to cross its line in 2026-07"
    assert {a.kind for a in AuditAlert.objects.all()} == {"on_course"}
    assert len(selectors.open_alerts(today=date(2026, 7, 12))) == 2


def test_the_beat_entry_runs_the_registered_task_on_the_first_at_two_in_store_time(settings):
    from django_celery_beat.models import PeriodicTask

    entry = next(e for e in schedule.ENTRIES if e.task == "aftersales.audit_previous_month")
    assert (entry.crontab, entry.crontab_in_store_time) == ("0 2 1 * *", True)
    app.loader.import_default_modules()
    assert "aftersales.audit_previous_month" in app.tasks
    assert "aftersales.audit_on_course" in app.tasks
    call_command("beat_schedule_sync", stdout=open("/dev/null", "w"))  # noqa: SIM115
    task = PeriodicTask.objects.get(task="aftersales.audit_previous_month")
    crontab = task.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_month, str(crontab.timezone)) == (
        "0", "2", "1", settings.STORE_TIME_ZONE)
    assert PeriodicTask.objects.get(task="aftersales.audit_on_course").crontab.hour == "8"


def test_the_task_audits_the_previous_month(tasks_inline, monkeypatch):
    from django.utils import timezone

    from aftersales.tasks import audit_previous_month_task

    may_sales(refunded=1)
    monkeypatch.setattr(timezone, "now", lambda: utc(2026, 5, 31, 18, 0))  # 02:00 on 1 June in Shanghai
    pk = audit_previous_month_task.delay().get()
    assert MonthlyAudit.objects.get(pk=pk).month == date(2026, 5, 1)
    assert audit_previous_month_task.delay().get() == pk  # a second tick changes nothing
    assert MonthlyAudit.objects.count() == 1


def test_the_command(capsys):
    may_sales(refunded=1)
    call_command("audit_month", "2026-05")
    call_command("audit_month", "2026-05")
    call_command("audit_month", "2026-05", "--recompute")
    out = capsys.readouterr().out
    assert out.splitlines() == ["2026-05 audited: revision 1.",
                                "2026-05 was already audited (revision 1); nothing changed. Use --recompute for a "
                                "new revision.", "2026-05 audited: revision 2."]
    for bad in ("2026-13", "May", "2026-5"):
        with pytest.raises(CommandError, match="Give the month as YYYY-MM"):
            call_command("audit_month", bad)
    with pytest.raises(CommandError, match="--backfill takes no month"):
        call_command("audit_month", "2026-05", "--backfill")
    call_command("audit_month", "--backfill")
    assert "0 month(s) audited" in capsys.readouterr().out
    assert MonthlyAudit.objects.count() == 2


def _settings_now() -> tuple[str, str] | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit'), current_setting('work_mem')")
        return cursor.fetchone()


def test_the_audit_statements_run_without_jit_and_with_sort_memory_then_the_settings_come_back():
    from django.db import connection

    from aftersales.audit.aggregates import REPORT_WORK_MEM, reporting_session

    before = _settings_now()
    seen = []
    with reporting_session():
        seen.append(_settings_now())
    assert _settings_now() == before  # the connection's own settings, whatever they were
    if connection.vendor == "postgresql":
        assert seen == [("off", REPORT_WORK_MEM)]
        with pytest.raises(ZeroDivisionError), reporting_session():
            1 / 0  # noqa: B018 — an error inside rolls the settings back with the savepoint
        assert _settings_now() == before
    else:  # SQLite has neither setting: nothing is sent
        assert seen == [None]
