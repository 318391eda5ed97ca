"""The demo's returns in progress (``returns.demo_open``): filed through the portal's services on the demo store
under its policies, so the returns desk opens with work in every state an agent acts on, and the portal samples
printed after them are still free to return."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from returns.choices import OPEN_STATUSES, CaseStatus
from returns.demo_open import OPEN_CASE_MARK, PLANNED, demo_open_returns
from returns.management.commands.portal_samples import DEMO_LANGUAGES
from returns.models import ReturnCase
from returns.selectors import portal_samples

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_store():
    call_command("seed_demo", "--orders", "1500", stdout=io.StringIO())
    call_command("seed_policies", stdout=io.StringIO())


def test_the_desk_opens_with_returns_in_every_state_an_agent_acts_on(demo_store, agent_user, client):
    made = demo_open_returns()
    assert len(made) == len(PLANNED) == 6
    cases = ReturnCase.objects.filter(client_token__startswith=OPEN_CASE_MARK).select_related("order__market")
    assert {case.status for case in cases} >= {CaseStatus.AWAITING_SHIPMENT, CaseStatus.NEEDS_REVIEW,
                                               CaseStatus.RECEIVED}
    assert all(case.status in OPEN_STATUSES for case in cases)
    today = timezone.localdate()
    for case, planned in zip(sorted(cases, key=lambda c: c.client_token), PLANNED, strict=True):
        assert (case.order.market.code, case.language, case.reason) == (planned.market, planned.language,
                                                                         planned.reason)
        assert case.refund_deadline >= today  # none late yet: the agent has days to act
        events = list(case.events.order_by("pk"))
        assert [event.to_status for event in events][:2] == ["draft", "submitted"]  # through the services
        assert events[0].at == case.submitted_at  # the timeline is dated as the request was made, not today
        assert [event.at for event in events] == sorted(event.at for event in events)
        if case.status == CaseStatus.RECEIVED:
            assert events[-1].at == case.received_at < timezone.now()
        assert case.lines.count() == 1
        assert not case.order.refunds.exists()
    client.force_login(agent_user)
    page = client.get("/desk/returns/")
    assert {row["case"].pk for row in page.context["rows"]} == {case.pk for case in cases}


def test_filed_once_and_the_portal_samples_are_other_orders(demo_store):
    first = demo_open_returns()
    assert demo_open_returns() == []
    assert ReturnCase.objects.filter(client_token__startswith=OPEN_CASE_MARK).count() == len(first)
    samples = portal_samples(DEMO_LANGUAGES)
    assert len(samples) == len(DEMO_LANGUAGES)
    assert not {sample.order_number for sample in samples} & {case.order.number for case in first}


def test_the_command_says_what_it_filed(demo_store):
    out = io.StringIO()
    call_command("seed_returns", stdout=out)
    assert out.getvalue().startswith("demo returns in progress: 6 of 6 filed (R-")
    again = io.StringIO()
    call_command("seed_returns", stdout=again)
    assert again.getvalue().startswith("demo returns in progress: already filed")
