"""The return desk: queue filters and clocks, case actions through to the refund, permissions, query counts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from aftersales.models import Refund
from policies.eligibility import Answers
from returns.choices import CaseStatus
from returns.models import ReturnCase
from returns.services import LineRequest, return_case_submit
from tests.returns.support import delivered_order, market_with_policy

pytestmark = pytest.mark.django_db


def new_case(code="US", **extra):
    order = delivered_order(code)
    return return_case_submit(order=order, lines=[LineRequest(order.lines.get(), 1)], reason="changed_mind", **extra)


@pytest.fixture
def agent_client(client, agent_user):
    client.force_login(agent_user)
    return client


def test_only_desk_staff(client, django_user_model):
    assert client.get("/desk/returns/").status_code == 302
    client.force_login(django_user_model.objects.create_user("someone"))
    assert client.get("/desk/returns/").status_code == 403
    market_with_policy()
    case = new_case()
    assert client.post(f"/desk/returns/{case.pk}/receive/").status_code == 403
    assert ReturnCase.objects.get(pk=case.pk).status == CaseStatus.AWAITING_SHIPMENT


def test_queue_filters_and_the_refund_clock(agent_client):
    market_with_policy("US")
    market_with_policy("DE")
    us, de = new_case("US"), new_case("DE")
    ReturnCase.objects.filter(pk=de.pk).update(refund_deadline=timezone.localdate() + timedelta(days=2))
    html = agent_client.get("/desk/returns/").content.decode()
    assert html.index(de.rma) < html.index(us.rma)  # soonest refund deadline first
    row = html[html.index(f'data-rma="{de.rma}"'):]
    assert 'class="text-danger fw-semibold" data-testid="clock">2 days' in row[:row.index("</tr>")]
    only_de = agent_client.get("/desk/returns/?market=DE&status=open").content.decode()
    assert de.rma in only_de
    assert us.rma not in only_de
    by_order = agent_client.get("/desk/returns/", {"q": us.order.number}).content.decode()
    assert us.rma in by_order
    assert de.rma not in by_order


def test_the_status_select_says_what_the_list_shows(agent_client):
    """Unasked, the queue lists the open cases, and its status select says "Open", not "All"."""
    market_with_policy("US")
    open_case, closed = new_case("US"), new_case("US")
    ReturnCase.objects.filter(pk=closed.pk).update(status=CaseStatus.CLOSED)
    for url in ("/desk/returns/", "/desk/returns/?market=US"):
        response = agent_client.get(url)
        assert response.context["form"]["status"].value() == "open"
        assert '<option value="open" selected>' in response.content.decode()
        assert [row["case"].pk for row in response.context["rows"]] == [open_case.pk]
    everything = agent_client.get("/desk/returns/?status=")
    assert '<option value="" selected>' in everything.content.decode()
    assert {row["case"].pk for row in everything.context["rows"]} == {open_case.pk, closed.pk}


def test_a_settled_case_shows_no_refund_clock_however_old_its_deadline(agent_client):
    market_with_policy("DE")
    owed, settled = new_case("DE"), new_case("DE")
    late = timezone.localdate() - timedelta(days=3)
    ReturnCase.objects.filter(pk__in=[owed.pk, settled.pk]).update(refund_deadline=late)
    ReturnCase.objects.filter(pk=settled.pk).update(status=CaseStatus.RESOLVED)
    html = agent_client.get("/desk/returns/?status=").content.decode()
    owed_row, settled_row = (html[html.index(f'data-rma="{case.rma}"'):] for case in (owed, settled))
    assert 'data-testid="clock">3 days late' in owed_row[:owed_row.index("</tr>")]
    assert 'data-testid="clock">—' in settled_row[:settled_row.index("</tr>")]
    assert "Refund due" in agent_client.get(f"/desk/returns/{owed.pk}/").content.decode()
    assert "Refund due" not in agent_client.get(f"/desk/returns/{settled.pk}/").content.decode()


def test_queue_query_count_does_not_grow_with_rows(agent_client, django_assert_max_num_queries):
    market_with_policy()
    new_case()
    with django_assert_max_num_queries(12) as few:
        agent_client.get("/desk/returns/")
    for _ in range(15):
        new_case()
    with django_assert_max_num_queries(len(few.captured_queries)):
        agent_client.get("/desk/returns/")


def test_case_page_query_count_does_not_grow_with_lines(agent_client, django_assert_max_num_queries):
    market_with_policy()
    small = delivered_order(lines=1)
    big = delivered_order(lines=8)
    one = return_case_submit(order=small, lines=[LineRequest(line, 1) for line in small.lines.all()],
                             reason="changed_mind")
    many = return_case_submit(order=big, lines=[LineRequest(line, 1) for line in big.lines.all()],
                              reason="changed_mind")
    with django_assert_max_num_queries(40) as baseline:
        assert agent_client.get(f"/desk/returns/{one.pk}/").status_code == 200
    with django_assert_max_num_queries(len(baseline.captured_queries)):
        assert agent_client.get(f"/desk/returns/{many.pk}/").status_code == 200


def test_agent_reviews_receives_inspects_and_refunds(agent_client):
    market_with_policy()
    case = new_case(answers=Answers(unused=False))
    assert case.status == CaseStatus.NEEDS_REVIEW
    agent_client.post(f"/desk/returns/{case.pk}/approve/")
    agent_client.post(f"/desk/returns/{case.pk}/receive/")
    line = case.lines.get()
    agent_client.post(f"/desk/returns/{case.pk}/lines/{line.pk}/inspect/",
                      {"grade": "B", "disposition": "liquidate", "recovered": "12.50"})
    case.refresh_from_db()
    assert case.status == CaseStatus.INSPECTED
    line.refresh_from_db()
    assert (line.grade, line.disposition, line.recovered_minor) == ("B", "liquidate", 1250)
    response = agent_client.post(f"/desk/returns/{case.pk}/refund/", {"amount": "", "reason": ""}, follow=True)
    assert "recorded in the ledger" in response.content.decode()
    refund = Refund.objects.get()
    assert (refund.amount_minor, refund.source_ref) == (4000, case.source_ref)  # shipped at own cost
    assert ReturnCase.objects.get(pk=case.pk).status == CaseStatus.RESOLVED
    assert agent_client.post(f"/desk/returns/{case.pk}/refund/", {}).status_code == 302
    assert Refund.objects.count() == 1


def test_refusals_are_shown_not_swallowed(agent_client):
    market_with_policy()
    case = new_case()
    response = agent_client.post(f"/desk/returns/{case.pk}/refund/", {"amount": "5"}, follow=True)
    assert "cannot be refunded while it is" in response.content.decode()
    response = agent_client.post(f"/desk/returns/{case.pk}/reject/", {"reason": "x"}, follow=True)
    assert "cannot go from" in response.content.decode()
    assert Refund.objects.count() == 0


def test_disposition_report_csv(agent_client):
    market_with_policy()
    case = new_case()
    agent_client.post(f"/desk/returns/{case.pk}/receive/")
    line = case.lines.get()
    agent_client.post(f"/desk/returns/{case.pk}/lines/{line.pk}/inspect/",
                      {"grade": "C", "disposition": "destroy", "recovered": ""})
    month = timezone.localdate().strftime("%Y-%m")
    response = agent_client.get(f"/desk/returns/dispositions.csv?month={month}")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = response.content.decode().splitlines()
    assert rows[0] == "rma,order,market,sku,title,quantity,grade,disposition,recovered,currency,inspected_at"
    assert rows[1].startswith(f"{case.rma},{case.order.number},US,{line.order_line.sku},")
    assert ",1,C,destroy,0.00,USD," in rows[1]
