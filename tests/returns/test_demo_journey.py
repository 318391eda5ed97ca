"""What `make demo` promises a visitor: with the demo data and policies loaded, the orders it prints can be taken
from lookup to refunded in every demo language, and the refund lands in the ledger and the admin."""

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from aftersales.models import Refund
from returns.choices import CaseStatus
from returns.management.commands.portal_samples import DEMO_LANGUAGES
from returns.models import ReturnCase
from returns.selectors import order_page_for_portal
from tests.returns.portal_support import unlock

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_store():
    call_command("seed_demo", "--orders", "1500", stdout=io.StringIO())
    call_command("seed_policies", stdout=io.StringIO())
    out = io.StringIO()
    call_command("portal_samples", "--base", "http://demo", stdout=out)
    return out.getvalue()


def printed_samples(output):
    return re.findall(r"^\s+(\S+)\s+http://demo/(\S+)/portal/\s+(\S+)\s+(\S+)\s+\((\w+)\)$", output, re.MULTILINE)


def file_a_return(client, order_url, order, language):
    eligible = next(view.line for view in order_page_for_portal(order, language=language).lines
                    if view.decision and view.decision.outcome == "eligible")
    form = client.get(order_url + "return/").content.decode()
    shipping = re.search(r'name="shipping_choice" value="([^"]+)"', form).group(1)
    review = client.post(order_url + "return/", {
        f"qty_{eligible.pk}": "1", "reason": "changed_mind", "unused": "on", "original_packaging": "on",
        "resolution": "refund", "shipping_choice": shipping, "comment": ""})
    assert review.status_code == 200, review.content.decode().split("<main")[-1][:3000]
    token = re.search(r'name="client_token" value="([^"]+)"', review.content.decode()).group(1)
    done = client.post(order_url + "return/confirm/", {"client_token": token})
    assert done.status_code == 302
    return ReturnCase.objects.get(order=order), done["Location"]


def work_the_case(desk, case):
    """What an agent clicks, by the case's status, until it is resolved."""
    for _step in range(6):
        case.refresh_from_db()
        if case.status == CaseStatus.RESOLVED:
            return
        action = {CaseStatus.NEEDS_REVIEW: "approve", CaseStatus.AWAITING_SHIPMENT: "receive",
                  CaseStatus.APPROVED: "receive", CaseStatus.RECEIVED: "inspect",
                  CaseStatus.INSPECTED: "refund", CaseStatus.APPROVED_KEEP_ITEM: "refund"}[case.status]
        if action == "inspect":
            for line in case.lines.all():
                response = desk.post(f"/desk/returns/{case.pk}/lines/{line.pk}/inspect/",
                                     {"grade": "A", "disposition": "restock", "recovered": ""})
                assert response.status_code == 302
        else:
            assert desk.post(f"/desk/returns/{case.pk}/{action}/", {"amount": "", "reason": ""}).status_code == 302
    raise AssertionError(f"{case.rma} is stuck in {case.status}")


def test_every_demo_language_goes_from_lookup_to_refunded(demo_store, agent_user, admin_client):
    samples = printed_samples(demo_store)
    assert sorted(language for language, *_ in samples) == sorted(DEMO_LANGUAGES)
    desk = Client()
    desk.force_login(agent_user)
    for language, url_language, number, email, market in samples:
        assert url_language == language
        visitor = Client()
        order_url = visitor.post(f"/{language}/portal/", {"order_number": number, "contact": email})["Location"]
        assert order_url.startswith(f"/{language}/portal/orders/")
        order = ReturnCase.order.field.related_model.objects.get(number=number)
        assert order.market.code == market
        case, case_url = file_a_return(visitor, order_url, order, language)
        assert case.language == language

        work_the_case(desk, case)

        refund = Refund.objects.get(source_ref=case.source_ref)
        assert refund.order_id == order.pk
        assert refund.amount_minor == case.estimate_minor - case.deductions_minor > 0
        page = visitor.get(case_url).content.decode()
        with translation.override(language):
            assert f'data-testid="case-status">{CaseStatus.RESOLVED.label}<' in page
        admin = admin_client.get("/admin/aftersales/refund/", {"q": order.number}).content.decode()
        assert order.number in admin


def test_the_samples_are_returnable_orders_of_their_market(demo_store):
    samples = printed_samples(demo_store)
    assert len({number for _l, _u, number, _e, _m in samples}) == len(samples)  # no order twice
    for language, _u, number, email, market in samples:
        assert unlock(Client(), ReturnCase.order.field.related_model.objects.get(number=number, email=email),
                      language=language)
        assert DEMO_LANGUAGES[language] == market
