"""The last level of the dashboard's drill-down: the rows behind a breakdown row — a ticket metric's tickets (worst
first), a dispute rate's disputes, the return refunds behind refunds paid on time (against their deadlines), the
items kept behind returnless savings — each linked to its desk, in the manager's language, paged, exported to CSV
(all rows, exactly), in a constant number of queries, and for managers only.

The store runs on Asia/Shanghai (UTC+8): May 2026 is [2026-04-30 16:00 UTC, 2026-05-31 16:00 UTC).
"""

import csv
import io
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.audit import drilldown
from aftersales.choices import PaymentProvider
from disputes.models import Dispute
from returns.models import ReturnCase, ReturnEvent
from tests import factories
from tickets.models import CsatSurvey, Ticket

from .audit_support import refund, sale, utc

pytestmark = pytest.mark.django_db

MAY = "2026-05"


@pytest.fixture(autouse=True)
def store(settings):
    settings.STORE_TIME_ZONE = "Asia/Shanghai"
    settings.STORE_BASE_CURRENCY = "USD"
    settings.DASHBOARD_LIVE_SECONDS = 0


@pytest.fixture
def manager(client, manager_user):
    client.force_login(manager_user)
    return client


def exported(response) -> list[dict]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


# -- tickets -------------------------------------------------------------------------------------------------------

def complaint(customer, *, at, channel="email", order=None, category="damaged", agent=None):
    ticket = Ticket.objects.create(customer=customer, order=order, channel=channel, complaint_category=category,
                                   assignee=agent)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=at)
    return ticket


def answered(minutes, *, inbound_at, agent=None, channel="email", order=None):
    return Ticket.objects.create(customer=order.customer if order else factories.customer(), order=order,
                                 channel=channel, assignee=agent, first_inbound_at=inbound_at,
                                 first_response_at=inbound_at + timedelta(hours=9), first_response_minutes=minutes)


def rows(response):
    return [(row["ticket"], row["channel"], row["repeat"]) for row in csv.DictReader(
        io.StringIO(response.content.decode("utf-8-sig")))]


def test_the_repeat_complaints_of_a_channel_are_listed_repeat_first(client, manager_user):
    x, y = factories.customer(), factories.customer()
    order = factories.order(customer_obj=x, market_code="DE")
    first = complaint(x, at=utc(2026, 5, 2), order=order)                              # email, the first one
    again = complaint(x, at=utc(2026, 5, 9), order=order, channel="whatsapp")          # repeat on WhatsApp
    other = complaint(y, at=utc(2026, 5, 12), channel="whatsapp", category="late")     # a first complaint
    complaint(y, at=utc(2026, 5, 13), channel="whatsapp", category="")                 # a question: not listed
    complaint(y, at=utc(2026, 4, 10), channel="whatsapp")                              # April: not listed
    client.force_login(manager_user)

    page = client.get(f"/dashboard/metrics/repeat_complaint_rate/channel/whatsapp/?month={MAY}")
    assert page.status_code == 200
    link = f"/dashboard/metrics/repeat_complaint_rate/channel/whatsapp/cases/?month={MAY}"
    assert f'href="{link}"' in page.content.decode()
    response = client.get(link)
    assert response.status_code == 200
    listed = response.context["page"]["tickets"]
    # the repeat first (it is the newest too, but a repeat comes first whatever its date), then the newest
    assert [(t["number"], t["repeat"], t["category"]) for t in listed] == [
        (again.number, True, "damaged"), (other.number, False, "late")]
    assert listed[0]["order"] == order.number
    assert listed[0]["market"] == "DE"
    content = response.content.decode()
    assert f'href="/desk/tickets/{again.number}/"' in content
    assert 'data-testid="repeat"' in content
    assert first.number not in content
    assert rows(client.get(f"{link}&format=csv")) == [(again.number, "whatsapp", "1"), (other.number, "whatsapp",
                                                                                       "0")]


def test_first_responses_of_an_agent_are_listed_slowest_first_and_exported_whole(client, manager_user,
                                                                                   django_user_model):
    ann = django_user_model.objects.create_user("ann", first_name="Ann", last_name="Lee")
    slow = answered(200, inbound_at=utc(2026, 5, 3), agent=ann)
    fast = answered(10, inbound_at=utc(2026, 5, 4), agent=ann)
    middle = answered(95, inbound_at=utc(2026, 5, 5), agent=ann, channel="messenger")
    answered(300, inbound_at=utc(2026, 5, 6))                     # nobody's: not Ann's row
    answered(400, inbound_at=utc(2026, 4, 29), agent=ann)         # April
    client.force_login(manager_user)
    url = f"/dashboard/metrics/first_response_within_2h/agent/{ann.pk}/cases/?month={MAY}"
    response = client.get(url)
    assert response.status_code == 200
    page = response.context["page"]
    assert page["row_label"] == "Ann Lee"
    assert [(t["number"], t["minutes"], t["agent"]) for t in page["tickets"]] == [
        (slow.number, 200, "Ann Lee"), (middle.number, 95, "Ann Lee"), (fast.number, 10, "Ann Lee")]
    exported = list(csv.DictReader(io.StringIO(client.get(url + "&format=csv").content.decode("utf-8-sig"))))
    assert [(row["ticket"], row["first_response_minutes"]) for row in exported] == [
        (slow.number, "200"), (middle.number, "95"), (fast.number, "10")]


def test_csat_answers_are_listed_lowest_score_first(client, manager_user):
    for n, score in enumerate((5, 1, 4, 3)):
        ticket = Ticket.objects.create(customer=factories.customer(), channel="email")
        CsatSurvey.objects.create(ticket=ticket, token=f"t{n}", score=score, answered_at=utc(2026, 5, 10 + n),
                                  comment="too slow" if score == 1 else "")
    client.force_login(manager_user)
    response = client.get(f"/dashboard/metrics/csat/channel/email/cases/?month={MAY}")
    assert [(t["score"], t["comment"]) for t in response.context["page"]["tickets"]] == [
        (1, "too slow"), (3, ""), (4, ""), (5, "")]
    assert "too slow" in response.content.decode()


def test_a_row_without_tickets_says_so(client, manager_user):
    client.force_login(manager_user)
    response = client.get(f"/dashboard/metrics/repeat_complaint_rate/channel/messenger/cases/?month={MAY}")
    assert response.status_code == 200
    assert response.context["page"]["tickets"] == []
    assert "No ticket behind this row in this month." in response.content.decode()


def test_the_tickets_page_is_paged_in_a_constant_number_of_queries(client, manager_user):
    client.force_login(manager_user)
    url = f"/dashboard/metrics/first_response_median/channel/email/cases/?month={MAY}"

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    answered(30, inbound_at=utc(2026, 5, 3))
    few = count()
    for n in range(drilldown.ROW_PAGE_SIZE + 5):
        answered(n, inbound_at=utc(2026, 5, 4) + timedelta(minutes=n), agent=manager_user)
    assert count() == few
    page = client.get(url).context["page"]
    assert len(page["tickets"]) == drilldown.ROW_PAGE_SIZE
    assert page["has_next"]
    second = client.get(page["next_url"]).context["page"]
    assert len(second["tickets"]) == 6
    assert not second["has_next"]
    assert {t["number"] for t in page["tickets"]}.isdisjoint({t["number"] for t in second["tickets"]})


def test_only_managers_see_the_tickets_and_a_dimension_a_metric_lacks_is_not_found(client, agent_user,
                                                                                    manager_user):
    url = f"/dashboard/metrics/csat/channel/email/cases/?month={MAY}"
    client.force_login(agent_user)
    assert client.get(url).status_code == 403
    client.force_login(manager_user)
    assert client.get(url).status_code == 200
    assert client.get(f"/dashboard/metrics/csat/sku/LAMP-01/cases/?month={MAY}").status_code == 404


# -- disputes, return refunds against their deadlines, items kept ------------------------------------------

def dispute(payment, n, opened, amount=1000):
    return Dispute.objects.create(provider=payment.provider, provider_id=f"dp_{n}", payment=payment,
                                  order=payment.order, status="needs_response", currency=payment.currency,
                                  amount_minor=amount, opened_at=opened, reason="fraudulent")


def test_the_disputes_behind_a_market_of_a_dispute_rate(manager):
    us = [sale(captured_at=utc(2026, 5, d), amount=1000) for d in (2, 3)]
    de = sale(captured_at=utc(2026, 5, 4), amount=1500, currency="EUR", rate="1.10", market_code="DE")
    paypal = sale(captured_at=utc(2026, 5, 6), amount=1000, provider=PaymentProvider.PAYPAL)
    older = dispute(us[0], 1, utc(2026, 5, 10))
    newer = dispute(us[1], 2, utc(2026, 5, 20), amount=2500)
    dispute(de, 3, utc(2026, 5, 11), amount=1500)              # another market
    dispute(paypal, 4, utc(2026, 5, 12))                        # another provider
    dispute(us[0], 5, utc(2026, 6, 2))                          # June
    row = manager.get(f"/dashboard/metrics/dispute_rate_stripe/market/US/?month={MAY}")
    link = f"/dashboard/metrics/dispute_rate_stripe/market/US/cases/?month={MAY}"
    assert f'href="{link}"' in row.content.decode()
    response = manager.get(link)
    assert response.status_code == 200
    page = response.context["page"]
    assert page["heading"] == "Disputes"
    assert [record[0]["value"] for record in page["records"]] == ["dp_2", "dp_1"]  # newest first
    content = response.content.decode()
    assert f'href="/desk/disputes/{newer.pk}/"' in content
    assert f'href="/desk/disputes/{older.pk}/"' in content
    assert "$25.00" in content
    rows = exported(manager.get(link + "&format=csv"))
    assert [(r["dispute"], r["market"], r["amount_minor"], r["currency"], r["reason"]) for r in rows] == [
        ("dp_2", "US", "2500", "USD", "fraudulent"), ("dp_1", "US", "1000", "USD", "fraudulent")]
    german = manager.get(f"/dashboard/metrics/dispute_rate_stripe/market/DE/cases/?month={MAY}",
                         HTTP_ACCEPT_LANGUAGE="de")
    assert "15,00\xa0€" in german.content.decode()  # in German, with its non-breaking space


def test_the_return_refunds_behind_refunds_paid_on_time_latest_first(manager):
    payment = sale(captured_at=utc(2026, 5, 1), amount=9000)
    cases = [ReturnCase.objects.create(order=payment.order, customer=payment.order.customer, currency="USD",
                                       reason="defective", refund_deadline=date(2026, 5, 15)) for _ in range(3)]
    refund(payment, amount=1000, at=utc(2026, 5, 15, 15, 30), source_ref=f"returns.ReturnCase:{cases[0].pk}")
    refund(payment, amount=2000, at=utc(2026, 5, 17, 16, 30), source_ref=f"returns.ReturnCase:{cases[1].pk}")
    refund(payment, amount=3000, at=utc(2026, 5, 10), source_ref=f"returns.ReturnCase:{cases[2].pk}")
    refund(payment, amount=4000, at=utc(2026, 5, 10), cause="goodwill")  # not a return: no promise, not listed
    response = manager.get(f"/dashboard/metrics/refund_promise_compliance/reason/defective/cases/?month={MAY}")
    assert response.status_code == 200
    records = response.context["page"]["records"]
    # 18 May local is three days after the 15 May deadline; 23:30 on the 15th is on time
    assert [(r[0]["value"], r[1]["value"], r[3]["value"], r[3]["text"]) for r in records] == [
        (cases[1].rma, date(2026, 5, 18), 3, "3 days late"), (cases[0].rma, date(2026, 5, 15), 0, "On time"),
        (cases[2].rma, date(2026, 5, 10), 0, "On time")]
    assert f'href="/desk/returns/{cases[1].pk}/"' in response.content.decode()
    rows = exported(manager.get(f"/dashboard/metrics/refund_promise_compliance/reason/defective/cases/"
                                f"?month={MAY}&format=csv"))
    assert [(r["rma"], r["paid_on"], r["deadline"], r["days_late"], r["amount_minor"]) for r in rows] == [
        (cases[1].rma, "2026-05-18", "2026-05-15", "3", "2000"), (cases[0].rma, "2026-05-15", "2026-05-15", "0",
                                                                  "1000"),
        (cases[2].rma, "2026-05-10", "2026-05-15", "0", "3000")]
    by_market = manager.get(f"/dashboard/metrics/refund_promise_compliance/market/US/cases/?month={MAY}")
    assert len(by_market.context["page"]["records"]) == 3
    assert manager.get(f"/dashboard/metrics/refund_promise_compliance/market/DE/cases/?month={MAY}").context[
        "page"]["records"] == []


def test_the_items_kept_behind_returnless_savings_largest_saving_first(manager):
    us = sale(captured_at=utc(2026, 5, 1), amount=1500)                                       # US, own shipping
    de = sale(captured_at=utc(2026, 5, 1), amount=1500, currency="EUR", rate="1.10", market_code="DE")
    de.order.fulfillment_mode = "overseas_warehouse"
    de.order.save()
    made = []
    for payment, status in ((us, "approved_keep_item"), (de, "resolved"), (us, "cancelled")):
        case = ReturnCase.objects.create(order=payment.order, customer=payment.order.customer, reason="defective",
                                         currency=payment.currency, status=status, resolution="keep_item")
        event = ReturnEvent.objects.create(case=case, from_status="submitted", to_status="approved_keep_item")
        ReturnEvent.objects.filter(pk=event.pk).update(at=utc(2026, 5, 9))
        made.append(case)
    response = manager.get(f"/dashboard/metrics/returnless_savings/reason/defective/cases/?month={MAY}")
    assert response.status_code == 200
    records = response.context["page"]["records"]
    # US own shipping 32.00 USD; EU overseas warehouse 8.00 EUR × 1.10 = 8.80 USD; the cancelled case not listed
    assert [(r[0]["value"], r[5]["text"], r[7]["value"], r[7]["text"]) for r in records] == [
        (made[0].rma, "$32.00", 3200, "$32.00"), (made[1].rma, "€8.00", 880, "$8.80")]
    assert records[0][4]["text"] == "Defective or damaged"
    rows = exported(manager.get(f"/dashboard/metrics/returnless_savings/reason/defective/cases/?month={MAY}"
                                "&format=csv"))
    assert [(r["rma"], r["return_cost_minor"], r["currency"], r["saved_minor"]) for r in rows] == [
        (made[0].rma, "3200", "USD", "3200"), (made[1].rma, "800", "EUR", "880")]


def test_the_rows_pages_cost_the_same_whatever_their_length(manager):
    url = f"/dashboard/metrics/dispute_rate_stripe/market/US/cases/?month={MAY}"

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert manager.get(url).status_code == 200
        return len(queries)

    payment = sale(captured_at=utc(2026, 5, 2), amount=1000)
    dispute(payment, 0, utc(2026, 5, 3))
    few = count()
    for n in range(1, 60):
        dispute(payment, n, utc(2026, 5, 4))
    assert count() == few
    page = manager.get(url).context["page"]
    assert len(page["records"]) == 50
    assert page["has_next"]
    assert len(manager.get(page["next_url"]).context["page"]["records"]) == 10


def test_an_agent_is_refused_and_a_dimension_a_metric_lacks_is_not_found(client, agent_user, manager_user):
    client.force_login(agent_user)
    assert client.get(f"/dashboard/metrics/dispute_rate_stripe/market/US/cases/?month={MAY}").status_code == 403
    client.force_login(manager_user)
    assert client.get(f"/dashboard/metrics/dispute_rate_stripe/sku/LAMP-01/cases/?month={MAY}").status_code == 404
