"""The dispute desk: only desk staff; open disputes sorted by internal deadline with countdowns (red within a day);
one query for the list whatever its length; the dispute page with its timeline; the ticket sidebar links to it."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from disputes.models import Dispute
from tests import factories
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def dispute(order=None, *, hours_left=100, status="needs_response", n=[0]):  # noqa: B006 (a counter)
    n[0] += 1
    now = timezone.now()
    return Dispute.objects.create(
        provider="stripe", provider_id=f"dp_{n[0]}", order=order, reason="product_not_received", stage="chargeback",
        status=status, amount_minor=4990, currency="EUR", opened_at=now - timedelta(days=2),
        respond_by=now + timedelta(hours=hours_left + 48), internal_deadline=now + timedelta(hours=hours_left))


@pytest.fixture
def agent(client, agent_user):
    client.force_login(agent_user)
    return client


def test_only_desk_staff(client, django_user_model):
    item = dispute()
    assert client.get("/desk/disputes/").status_code == 302
    client.force_login(django_user_model.objects.create_user("outsider", password="pw"))
    assert client.get("/desk/disputes/").status_code == 403
    assert client.get(f"/desk/disputes/{item.pk}/").status_code == 403


def test_open_disputes_most_urgent_first_with_red_countdowns(agent):
    later, urgent, closed = dispute(hours_left=90), dispute(hours_left=10), dispute(hours_left=5, status="won")
    page = agent.get("/desk/disputes/").content.decode()
    assert page.index(f'data-dispute="{urgent.pk}"') < page.index(f'data-dispute="{later.pk}"')
    assert f'data-dispute="{closed.pk}"' not in page
    assert 'text-danger fw-semibold text-nowrap" data-testid="countdown"' in page
    assert f'data-dispute="{closed.pk}"' in agent.get("/desk/disputes/", {"show": "all"}).content.decode()


def test_the_list_costs_the_same_for_3_or_30_disputes(agent):
    for _ in range(3):
        dispute(factories.order())

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert agent.get("/desk/disputes/").status_code == 200
        return len(captured)

    few = queries()
    for _ in range(27):
        dispute(factories.order())
    assert queries() == few


def test_the_dispute_page_and_the_ticket_sidebar_link(agent):
    order = factories.order(market_code="DE")
    item = dispute(order)
    page = agent.get(f"/desk/disputes/{item.pk}/").content.decode()
    assert "dp_" in page
    assert 'data-testid="timeline"' in page
    assert agent.get("/desk/disputes/999999/").status_code == 404
    ticket = Ticket.objects.create(customer=order.customer, order=order, channel="email", contact="x@example.com")
    sidebar = agent.get(f"/desk/tickets/{ticket.number}/").content.decode()
    assert f'href="/desk/disputes/{item.pk}/" data-testid="open-dispute"' in sidebar
