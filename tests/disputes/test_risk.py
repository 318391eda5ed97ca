"""Outcomes and risk (``disputes.risk``, ``disputes.risk_services``, ``/desk/disputes/risk/``), with numbers worked
out by hand:

* win rates by reason and by completeness band count only decided disputes (won / lost); a group with nothing
  decided says "no data";
* the dispute rate of a provider in a month is disputes opened ÷ payments captured that month, in the store's time
  zone; 3 ÷ 200 = 1.50 % is on the Mastercard ECM and (since April 2026) the Visa VAMP line, 2 ÷ 50 = 4.00 % is
  over all three; a month without settled transactions has no rate and crosses nothing;
* the PayPal loss run counts the lost disputes after the newest win; accepted ones neither count nor reset;
* the periodic check records and mails each alert once (also with two checks at once, on PostgreSQL), a failed
  send records nothing, a win resolves the run's alerts;
* the page is for managers only; its query count does not grow with the disputes; acknowledging works once.
"""

from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.models import Payment
from aftersales.roles import AGENT_GROUP, MANAGER_GROUP, ensure_role_groups
from disputes import api, risk
from disputes.models import Dispute, RiskAlert
from disputes.risk_services import risk_alert_acknowledge, risk_check
from disputes.schedule import ENTRIES
from disputes.tasks import disputes_risk_check_task
from tests import factories
from tests.concurrency import at_once

NOW = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
NOV = datetime(2026, 11, 15, 9, 0, tzinfo=UTC)
_numbers = iter(range(1, 100000))


@pytest.fixture(autouse=True)
def _store_in_utc(settings):
    settings.STORE_TIME_ZONE = "UTC"


@pytest.fixture
def managers(db):
    """Two managers with an email address, an agent (never mailed) and an inactive manager."""
    ensure_role_groups()
    users = get_user_model().objects
    people = {}
    for name, group, extra in [("mia", MANAGER_GROUP, {}), ("max", MANAGER_GROUP, {}), ("ana", AGENT_GROUP, {}),
                               ("old", MANAGER_GROUP, {"is_active": False})]:
        people[name] = users.create_user(username=name, password="pw-" + name, email=f"{name}@desk.example", **extra)
        people[name].groups.add(Group.objects.get(name=group))
    return people


def dispute(provider="stripe", *, outcome="", reason="product_not_received", completeness=None, opened_at=NOV,
            closed_at=None, order=None) -> Dispute:
    status = {"won": "won", "lost": "lost", "accepted": "accepted", "refunded": "charge_refunded"}.get(
        outcome, "needs_response")
    if outcome and closed_at is None:
        closed_at = opened_at + timedelta(days=20)
    return Dispute.objects.create(
        provider=provider, provider_id=f"{provider}_{next(_numbers)}", status=status, outcome=outcome, reason=reason,
        completeness=completeness, currency="USD", amount_minor=5000, opened_at=opened_at, closed_at=closed_at,
        order=order)


def payments(provider: str, count: int, captured_at: datetime, order=None):
    order = order or factories.order()
    Payment.objects.bulk_create([
        Payment(order=order, provider=provider, provider_payment_id=f"{provider}-pay-{next(_numbers)}",
                currency="USD", amount_minor=2500, captured_minor=2500, status="captured", captured_at=captured_at)
        for _ in range(count)])


# -- win rates ----------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_win_rates_by_reason_and_completeness(django_assert_num_queries):
    for outcome, completeness in [("won", 100), ("won", 100), ("won", 85), ("lost", 100)]:
        dispute(outcome=outcome, reason="product_not_received", completeness=completeness)
    for outcome, completeness in [("won", None), ("lost", 60), ("lost", 49)]:
        dispute(outcome=outcome, reason="fraudulent", completeness=completeness)
    dispute(outcome="accepted", reason="duplicate", completeness=100)  # not a decision: counts nowhere
    dispute(outcome="refunded", reason="fraudulent", completeness=100)
    dispute(reason="duplicate")  # open

    with django_assert_num_queries(1):
        by_reason = {item.key: item for item in risk.win_rates_by_reason()}
    assert (by_reason["product_not_received"].won, by_reason["product_not_received"].lost) == (3, 1)
    assert by_reason["product_not_received"].rate == 75.0
    assert (by_reason["fraudulent"].won, by_reason["fraudulent"].lost, by_reason["fraudulent"].rate) == (1, 2, 33.3)
    assert (by_reason["duplicate"].decided, by_reason["duplicate"].rate) == (0, None)  # "no data"
    overall = risk.win_rate_overall()
    assert (overall.won, overall.lost, overall.rate) == (4, 3, 57.1)

    with django_assert_num_queries(1):
        bands = {item.key: (item.won, item.lost, item.rate) for item in risk.win_rates_by_completeness()}
    assert bands == {"lt50": (0, 1, 0.0), "50_79": (0, 1, 0.0), "80_99": (1, 0, 100.0), "100": (2, 1, 66.7),
                     "none": (1, 0, 100.0)}


@pytest.mark.django_db
def test_no_decided_dispute_is_no_data_everywhere():
    dispute(outcome="accepted")
    assert {item.rate for item in risk.win_rates_by_reason()} == {None}
    assert {item.rate for item in risk.win_rates_by_completeness()} == {None}
    assert risk.win_rate_overall().rate is None


# -- dispute rates ------------------------------------------------------------------------------------------------

def test_the_lines_in_force_change_on_their_effective_dates():
    def lines(day):
        return {line.key: line.ratio_bps for line in risk.rate_lines_on(day)}

    assert lines(date(2025, 5, 1)) == {"mastercard_ecm": 150, "mastercard_hecm": 300}
    assert lines(date(2026, 3, 1)) == {"visa_vamp": 220, "mastercard_ecm": 150, "mastercard_hecm": 300}
    assert lines(date(2026, 4, 1)) == {"visa_vamp": 150, "mastercard_ecm": 150, "mastercard_hecm": 300}
    assert api.rate_lines_on(date(2026, 12, 1)) == risk.rate_lines_on(date(2026, 12, 1))


def test_a_line_is_crossed_at_or_over_its_ratio():
    def crossed(disputes, settled, month):
        return sorted(check.line.key for check in risk.line_checks(disputes=disputes, settled=settled, month=month)
                      if check.crossed)

    # 11 / 500 = 220 bps: on the March 2026 VAMP line (2.20 %) and over ECM (1.50 %), under HECM (3.00 %).
    assert crossed(11, 500, date(2026, 3, 1)) == ["mastercard_ecm", "visa_vamp"]
    # 10 / 500 = 200 bps: under VAMP in March (2.20 %), over it from April (1.50 %).
    assert crossed(10, 500, date(2026, 3, 1)) == ["mastercard_ecm"]
    assert crossed(10, 500, date(2026, 4, 1)) == ["mastercard_ecm", "visa_vamp"]
    assert crossed(14, 1000, date(2026, 4, 1)) == []  # 1.40 %
    assert crossed(5, 0, date(2026, 4, 1)) == []  # no settled transactions: no rate
    checks = {check.line.key: check.count_met for check in risk.line_checks(disputes=100, settled=100,
                                                                             month=date(2026, 4, 1))}
    assert checks == {"visa_vamp": False, "mastercard_ecm": True, "mastercard_hecm": False}


def _november_and_december():
    """Stripe: Nov 3 ÷ 200 = 1.50 %, Dec 1 ÷ 100 = 1.00 %; PayPal: Nov 2 ÷ 50 = 4.00 %, Dec 1 ÷ 0 = no rate."""
    payments("stripe", 199, NOV)
    payments("stripe", 1, datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC))  # the last second of November
    payments("stripe", 100, datetime(2026, 12, 1, 0, 0, tzinfo=UTC))  # the first of December
    payments("paypal", 50, NOV)
    payments("manual", 40, NOV)  # neither provider's
    for _ in range(3):
        dispute("stripe")
    dispute("stripe", opened_at=datetime(2026, 12, 2, tzinfo=UTC))
    dispute("stripe", opened_at=datetime(2026, 9, 2, tzinfo=UTC))  # outside the window of the check
    for _ in range(2):
        dispute("paypal")
    dispute("paypal", opened_at=datetime(2026, 12, 3, tzinfo=UTC))


@pytest.mark.django_db
def test_dispute_rate_per_provider_and_month(django_assert_num_queries):
    _november_and_december()
    with django_assert_num_queries(2):
        rows = risk.dispute_rates(months=12, now=NOW)
    assert len(rows) == 24
    by = {(row.provider, row.month): row for row in rows}
    assert (rows[0].month, rows[11].month, rows[12].month) == (date(2026, 1, 1), date(2026, 12, 1), date(2026, 1, 1))
    nov, dec = date(2026, 11, 1), date(2026, 12, 1)
    assert (by["stripe", nov].disputes, by["stripe", nov].settled, by["stripe", nov].rate_percent) == (3, 200, 1.5)
    assert sorted(check.line.key for check in by["stripe", nov].crossed) == ["mastercard_ecm", "visa_vamp"]
    assert (by["stripe", dec].rate_percent, by["stripe", dec].crossed, by["stripe", dec].to_date) == (1.0, [], True)
    assert (by["paypal", nov].rate_percent, len(by["paypal", nov].crossed)) == (4.0, 3)
    assert (by["paypal", dec].disputes, by["paypal", dec].rate_percent, by["paypal", dec].crossed) == (1, None, [])
    assert (by["stripe", date(2026, 9, 1)].disputes, by["stripe", date(2026, 9, 1)].settled) == (1, 0)


@pytest.mark.django_db
def test_months_are_cut_in_the_store_time_zone(settings):
    settings.STORE_TIME_ZONE = "Asia/Shanghai"  # UTC+8
    payments("stripe", 10, datetime(2026, 11, 30, 17, 0, tzinfo=UTC))  # 1 December 01:00 in Shanghai
    dispute("stripe", opened_at=datetime(2026, 11, 30, 15, 59, tzinfo=UTC))  # 30 November 23:59 in Shanghai
    by = {row.month: row for row in risk.dispute_rates(months=2, now=NOW, providers=["stripe"])}
    assert (by[date(2026, 11, 1)].disputes, by[date(2026, 11, 1)].settled) == (1, 0)
    assert (by[date(2026, 12, 1)].disputes, by[date(2026, 12, 1)].settled) == (0, 10)


@pytest.mark.django_db
def test_dispute_counts_for_the_dashboard():
    us, de = factories.order(market_code="US"), factories.order(market_code="DE")
    dispute("stripe", order=us)
    dispute("stripe", order=de)
    dispute("paypal", order=de)
    dispute("paypal", opened_at=datetime(2026, 12, 1, tzinfo=UTC))  # the end is excluded
    start, end = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    assert api.dispute_counts(start=start, end=end) == {"stripe": 2, "paypal": 1}
    assert api.dispute_counts(start=start, end=end, market="DE") == {"stripe": 1, "paypal": 1}
    assert api.dispute_counts(start=start, end=end, provider="paypal") == {"paypal": 1}
    assert api.dispute_counts(start=start, end=end, market="UK") == {"stripe": 0, "paypal": 0}


# -- the PayPal loss run ------------------------------------------------------------------------------------------

def _decided(provider, outcome, day, **fields):
    return dispute(provider, outcome=outcome, opened_at=datetime(2026, 10, 1, tzinfo=UTC),
                   closed_at=datetime(2026, 11, day, tzinfo=UTC), **fields)


@pytest.mark.django_db
def test_the_loss_run_counts_the_losses_after_the_newest_win(django_assert_num_queries):
    assert (risk.paypal_loss_run().length, risk.paypal_loss_run().level) == (0, "")
    _decided("paypal", "lost", 1)
    win = _decided("paypal", "won", 2)
    _decided("paypal", "lost", 3)
    _decided("stripe", "lost", 4)  # another provider's loss
    _decided("paypal", "accepted", 5)  # accepting is not a ruling: neither counts nor resets
    _decided("paypal", "lost", 6)
    dispute("paypal")  # open
    with django_assert_num_queries(2):
        run = risk.paypal_loss_run()
    assert (run.length, run.period, run.level, run.warning, run.red) == (2, f"after-win-{win.pk}", "warning", 2, 3)
    _decided("paypal", "lost", 7)
    assert (risk.paypal_loss_run().length, risk.paypal_loss_run().level) == (3, "red")
    _decided("paypal", "won", 8)  # a win resets the run
    assert risk.paypal_loss_run().length == 0


@pytest.mark.django_db
def test_the_loss_levels_are_settings_and_ties_go_by_id(settings):
    settings.DISPUTES_PAYPAL_LOSS_WARNING, settings.DISPUTES_PAYPAL_LOSS_RED = 1, 2
    assert (risk.paypal_loss_run().length, risk.paypal_loss_run().period) == (0, "after-win-0")
    _decided("paypal", "lost", 4)
    assert (risk.paypal_loss_run().length, risk.paypal_loss_run().level) == (1, "warning")
    win = _decided("paypal", "won", 5)
    _decided("paypal", "lost", 5)  # same closing time as the win, created after it: newer
    run = risk.paypal_loss_run()
    assert (run.length, run.period, run.level) == (1, f"after-win-{win.pk}", "warning")
    _decided("paypal", "won", 5)  # same time again, newer still: the run is over
    assert risk.paypal_loss_run().length == 0


# -- the periodic check and its alerts ------------------------------------------------------------------------------

EXPECTED = {
    ("dispute_rate", "stripe", "2026-11", "mastercard_ecm", "1.50%"),
    ("dispute_rate", "stripe", "2026-11", "visa_vamp", "1.50%"),
    ("dispute_rate", "paypal", "2026-11", "mastercard_ecm", "4.00%"),
    ("dispute_rate", "paypal", "2026-11", "mastercard_hecm", "4.00%"),
    ("dispute_rate", "paypal", "2026-11", "visa_vamp", "4.00%"),
}


def _alerts():
    return {(a.kind, a.provider, a.period, a.level, a.value) for a in RiskAlert.objects.all()}


def _two_paypal_losses():
    win = _decided("paypal", "won", 1)
    _decided("paypal", "lost", 2)
    _decided("paypal", "lost", 3)
    return win


@pytest.mark.django_db
def test_the_check_records_and_mails_each_alert_once(managers):
    _november_and_december()
    win = _two_paypal_losses()
    counts = risk_check(now=NOW)
    assert counts == {"dispute_rate": 5, "paypal_losses": 1}
    assert _alerts() == EXPECTED | {("paypal_losses", "paypal", f"after-win-{win.pk}", "warning", "2")}
    assert len(mail.outbox) == 6
    assert {tuple(message.to) for message in mail.outbox} == {("max@desk.example", "mia@desk.example")}
    subjects = sorted(message.subject for message in mail.outbox)
    assert "Warning: 2 PayPal disputes lost in a row" in subjects
    assert ("Stripe dispute rate 1.50% in 2026-11 is over the Mastercard ECM (excessive chargeback merchant) line"
            in subjects)
    body = next(m.body for m in mail.outbox if m.subject.startswith("PayPal dispute rate") and "HECM" in m.subject)
    assert "Disputes opened in 2026-11: 2; settled transactions: 50; dispute rate: 4.00%." in body
    assert RiskAlert.objects.filter(sent_at=NOW).count() == 6

    assert risk_check(now=NOW + timedelta(hours=1)) == {"dispute_rate": 0, "paypal_losses": 0}
    assert (len(mail.outbox), RiskAlert.objects.count()) == (6, 6)

    _decided("paypal", "lost", 4)  # the same run reaches the red line: one more alert
    assert risk_check(now=NOW + timedelta(hours=2)) == {"dispute_rate": 0, "paypal_losses": 1}
    assert mail.outbox[-1].subject == "Red line: 3 PayPal disputes lost in a row"
    assert RiskAlert.objects.filter(kind="paypal_losses", resolved_at=None).count() == 2

    _decided("paypal", "won", 5)  # a win ends the run: its alerts are resolved, nothing new is sent
    assert risk_check(now=NOW + timedelta(hours=3)) == {"dispute_rate": 0, "paypal_losses": 0}
    assert RiskAlert.objects.filter(kind="paypal_losses", resolved_at=NOW + timedelta(hours=3)).count() == 2
    assert len(mail.outbox) == 7


@pytest.mark.django_db
def test_a_month_crossed_to_date_is_not_alerted_again_once_closed(managers):
    payments("stripe", 100, datetime(2026, 12, 2, tzinfo=UTC))
    for _ in range(2):
        dispute("stripe", opened_at=datetime(2026, 12, 3, tzinfo=UTC))  # 2.00 % to date
    assert risk_check(now=NOW) == {"dispute_rate": 2, "paypal_losses": 0}
    assert RiskAlert.objects.get(level="visa_vamp").detail["to_date"] is True
    assert risk_check(now=datetime(2027, 1, 5, tzinfo=UTC)) == {"dispute_rate": 0, "paypal_losses": 0}
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_the_month_to_date_is_alerted_on_from_its_eighth_day_and_20_settled_transactions(managers):
    """Early in a month a dispute against last month's sales meets a handful of this month's: no alarm until the
    month to date has a base. A closed month is judged whatever its size."""
    payments("paypal", 5, datetime(2026, 11, 20, tzinfo=UTC))
    dispute("paypal", opened_at=datetime(2026, 11, 21, tzinfo=UTC))  # November: 1 ÷ 5 = 20 %, closed
    payments("stripe", 19, datetime(2026, 12, 1, 9, tzinfo=UTC))
    for _ in range(2):
        dispute("stripe", opened_at=datetime(2026, 12, 1, 10, tzinfo=UTC))  # December: 2 ÷ 19 = 10.53 % so far
    december = next(row for row in risk.dispute_rates(months=1, now=datetime(2026, 12, 2, tzinfo=UTC))
                    if row.provider == "stripe")
    assert (december.rate_percent, len(december.crossed), december.to_date) == (10.53, 3, True)  # the page shows it

    assert risk_check(now=datetime(2026, 12, 2, tzinfo=UTC)) == {"dispute_rate": 3, "paypal_losses": 0}
    assert {alert.period for alert in RiskAlert.objects.all()} == {"2026-11"}  # the closed month only
    assert risk_check(now=datetime(2026, 12, 7, 23, tzinfo=UTC)) == {"dispute_rate": 0, "paypal_losses": 0}
    assert risk_check(now=datetime(2026, 12, 8, tzinfo=UTC)) == {"dispute_rate": 0, "paypal_losses": 0}  # 19 only
    payments("stripe", 1, datetime(2026, 12, 7, tzinfo=UTC))  # 2 ÷ 20 = 10 %
    assert risk_check(now=datetime(2026, 12, 8, tzinfo=UTC)) == {"dispute_rate": 3, "paypal_losses": 0}
    assert {(alert.period, alert.provider) for alert in RiskAlert.objects.filter(period="2026-12")} == {
        ("2026-12", "stripe")}
    assert len(mail.outbox) == 6


@pytest.mark.django_db
def test_a_failed_send_records_nothing_and_the_next_check_retries(managers):
    _november_and_december()
    with mock.patch("disputes.risk_services.send_mail", side_effect=ConnectionRefusedError):
        assert risk_check(now=NOW) == {"dispute_rate": 0, "paypal_losses": 0}
    assert RiskAlert.objects.count() == 0
    assert risk_check(now=NOW) == {"dispute_rate": 5, "paypal_losses": 0}
    assert len(mail.outbox) == 5


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_checks_record_and_mail_once(require_postgres, managers):
    _november_and_december()
    _two_paypal_losses()
    results = at_once(*[lambda: risk_check(now=NOW)] * 2)
    assert all(isinstance(result, dict) for result in results), results
    assert sum(sum(result.values()) for result in results) == 6
    assert RiskAlert.objects.count() == 6
    assert len(mail.outbox) == 6


def test_the_beat_entry_points_at_the_registered_task():
    from aftersales.celery import app
    from aftersales.management.commands.beat_schedule_sync import declared_entries

    entry = next(e for e in ENTRIES if e.task == "disputes.risk_check")
    assert entry.every_seconds == 3600
    assert entry in list(declared_entries())
    assert app.tasks[entry.task].name == disputes_risk_check_task.name == entry.task


@pytest.mark.django_db
def test_the_task_runs_the_check(managers):
    import time_machine

    _november_and_december()
    with time_machine.travel(NOW, tick=False):
        assert disputes_risk_check_task() == {"dispute_rate": 5, "paypal_losses": 0}


# -- the page -------------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_only_managers_see_the_risk_page(client, agent_user, manager_user):
    assert client.get("/desk/disputes/risk/").status_code == 302
    client.force_login(agent_user)
    assert client.get("/desk/disputes/risk/").status_code == 403
    assert client.post("/desk/disputes/risk/", {"acknowledge": "1"}).status_code == 403
    assert 'data-testid="risk-link"' not in client.get("/desk/disputes/").content.decode()
    client.force_login(manager_user)
    assert client.get("/desk/disputes/risk/").status_code == 200
    assert 'data-testid="risk-link"' in client.get("/desk/disputes/").content.decode()


@pytest.mark.django_db
def test_the_page_shows_the_numbers_with_constant_queries(client, manager_user, managers):
    client.force_login(manager_user)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/desk/disputes/risk/")
        assert response.status_code == 200
        return len(captured), response.content.decode()

    dispute(outcome="won", completeness=100)
    dispute(outcome="lost", completeness=100)
    few, _page = queries()
    for _ in range(15):
        dispute(outcome="won", completeness=90, reason="fraudulent")
        dispute("paypal", outcome="lost", closed_at=NOW - timedelta(days=1))
    assert queries()[0] == few
    _count, page = queries()
    assert '<tr data-band="100"><td>Complete (100 %)</td><td class="text-end">1</td><td class="text-end">1</td>' in page
    assert 'data-testid="loss-run" data-length="15" data-level="red"' in page
    assert (page.count('data-testid="rates-stripe"'), page.count('data-testid="rates-paypal"')) == (1, 1)
    assert ("The month to date is alerted on from day 8 of the month and 20 settled transactions of the provider"
            in page)  # the rule the check applies (``risk.judged_to_date``), said where the rates are


@pytest.mark.django_db
def test_open_alerts_are_banners_until_acknowledged_once(client, manager_user, agent_user, managers):
    _november_and_december()
    risk_check(now=NOW)
    alert = RiskAlert.objects.get(provider="stripe", level="visa_vamp")
    client.force_login(agent_user)
    assert 'data-testid="risk-alert"' not in client.get("/desk/disputes/").content.decode()
    client.force_login(manager_user)
    queue = client.get("/desk/disputes/").content.decode()
    assert queue.count('data-testid="risk-alert"') == 5
    assert f'data-risk-alert="{alert.pk}"' in queue
    response = client.post("/desk/disputes/risk/", {"acknowledge": str(alert.pk)}, follow=True)
    assert "The alert was acknowledged." in response.content.decode()
    alert.refresh_from_db()
    assert alert.acknowledged_by == manager_user
    assert alert.acknowledged_at is not None
    assert f'data-risk-alert="{alert.pk}"' not in client.get("/desk/disputes/").content.decode()
    again = client.post("/desk/disputes/risk/", {"acknowledge": str(alert.pk)}, follow=True).content.decode()
    assert "This alert does not exist or was already acknowledged." in again
    assert "This alert does not exist" in client.post("/desk/disputes/risk/", {"acknowledge": "x"},
                                                      follow=True).content.decode()
    assert risk_alert_acknowledge(alert_id=alert.pk, user=manager_user) is None
    assert RiskAlert.objects.filter(acknowledged_at__isnull=False).count() == 1


@pytest.mark.django_db
def test_the_risk_page_lists_each_alert_as_the_sentence_its_email_had_in_the_readers_language(
        client, manager_user, managers):
    _november_and_december()
    _two_paypal_losses()
    risk_check(now=NOW)
    client.force_login(manager_user)
    page = client.get("/desk/disputes/risk/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    titles = [cell.split("<")[0] for cell in page.split('data-testid="alert-title">')[1:]]
    assert len(titles) == RiskAlert.objects.count() == 6
    assert "Avertissement : 2 litiges PayPal perdus d’affilée" in titles
    assert ("Taux de litiges Stripe de 1,50% en 2026-11, au-delà du seuil Visa VAMP (marchand excessif)"
            in titles)  # the line named in French, the rate written as in French
    assert not [title for title in titles if "after-win" in title or "_" in title]  # no internal keys


@pytest.mark.django_db
def test_open_alerts_for_the_dashboard(managers, django_assert_num_queries):
    _two_paypal_losses()
    risk_check(now=NOW)
    with django_assert_num_queries(1):
        alerts = api.risk_alerts_open()
    assert [(a.kind, a.level, a.value, a.title) for a in alerts] == [
        ("paypal_losses", "warning", "2", "Warning: 2 PayPal disputes lost in a row")]
