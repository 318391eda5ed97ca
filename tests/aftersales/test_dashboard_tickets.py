"""The last level of a ticket metric's drill-down: the tickets behind a breakdown row, worst first, linked to the
desk, paged, exported to CSV (all rows), in a constant number of queries, and for managers only.

The store runs on Asia/Shanghai (UTC+8): May 2026 is [2026-04-30 16:00 UTC, 2026-05-31 16:00 UTC).
"""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.audit import drilldown
from tests import factories
from tickets.models import CsatSurvey, Ticket

from .audit_support import utc

pytestmark = pytest.mark.django_db

MAY = "2026-05"


@pytest.fixture(autouse=True)
def store(settings):
    settings.STORE_TIME_ZONE = "Asia/Shanghai"
    settings.STORE_BASE_CURRENCY = "USD"


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


def test_the_tickets_page_is_paged_in_a_constant_number_of_queries(client, manager_user, settings):
    settings.DASHBOARD_LIVE_SECONDS = 0
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


def test_only_managers_see_the_tickets_and_other_metrics_have_no_such_page(client, agent_user, manager_user):
    url = f"/dashboard/metrics/csat/channel/email/cases/?month={MAY}"
    client.force_login(agent_user)
    assert client.get(url).status_code == 403
    client.force_login(manager_user)
    assert client.get(url).status_code == 200
    assert client.get(f"/dashboard/metrics/dispute_rate_stripe/market/US/cases/?month={MAY}").status_code == 404
    assert client.get(f"/dashboard/metrics/csat/sku/LAMP-01/cases/?month={MAY}").status_code == 404
