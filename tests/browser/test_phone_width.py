"""Every page of the desk and the dashboard fits a phone: on the demo store (as ``make demo`` seeds it), a manager
opens each kind of page at 390 px in Spanish and nothing runs off the screen sideways; wide tables scroll inside
their own box; no page asks for anything that is not there. Screenshots of every page in the test's output folder."""

import io

import pytest
from django.core.management import call_command

from aftersales.audit.drilldown import live_month
from aftersales.audit.selectors import previous_month
from aftersales.demo_data.catalogue import LAMP_SKU
from disputes.models import Dispute
from policies.models import PolicyVersion
from returns.models import ReturnCase
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def demo_store(tasks_inline, manager_user):
    """What ``make demo`` loads, with the tasks its seeds queue run here (no message is left in the broker). The
    demo's logins get new passwords: the manager's is set back to the test's own."""
    for command in ("seed_demo", "seed_policies", "seed_returns", "demo_users", "seed_tickets", "seed_disputes"):
        call_command(command, stdout=io.StringIO())
    call_command("audit_month", backfill=True, stdout=io.StringIO())
    manager_user.refresh_from_db()
    manager_user.set_password("pw-manager")
    manager_user.save()


def test_every_page_fits_a_phone(live_server, browser, demo_store, output_path):
    month = previous_month(live_month()).strftime("%Y-%m")
    ticket = Ticket.objects.order_by("-pk").first()
    case = ReturnCase.objects.filter(lines__isnull=False).order_by("-pk").first()
    dispute = Dispute.objects.order_by("pk").first()
    policy = PolicyVersion.objects.order_by("pk").first()
    metric = f"/dashboard/metrics/refund_rate_amount/?month={month}"
    pages = {
        "dashboard": "/dashboard/",
        "metric": f"{metric}&dimension=sku",
        "row": f"/dashboard/metrics/refund_rate_amount/sku/{LAMP_SKU}/?month={month}",
        "refunds-below": f"/dashboard/metrics/refund_rate_amount/sku/{LAMP_SKU}/cases/?month={month}",
        "tickets-below": f"/dashboard/metrics/first_response_p90/channel/email/cases/?month={month}",
        "ticket-queue": "/desk/tickets/",
        "ticket": f"/desk/tickets/{ticket.number}/",
        "return-queue": "/desk/returns/",
        "return": f"/desk/returns/{case.pk}/",
        "dispute-queue": "/desk/disputes/",
        "dispute": f"/desk/disputes/{dispute.pk}/",
        "dispute-risk": "/desk/disputes/risk/",
        "policies": "/desk/policies/",
        "policy": f"/desk/policies/{policy.pk}/",
    }
    context = browser.new_context(viewport=PHONE, locale="es-ES")
    page = context.new_page()
    refused = []  # every asset of every page is served, the tab's icon included
    page.on("response", lambda answer: refused.append((answer.status, answer.url)) if answer.status >= 400 else None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill("manager")
    page.locator("#id_password").fill("pw-manager")
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(f"{live_server.url}/**")

    too_wide = {}
    for name, path in pages.items():
        response = page.goto(live_server.url + path)
        assert (response.status, page.url) == (200, live_server.url + path), name  # not sent to the login
        assert page.locator("html").get_attribute("lang") == "es", name
        page.screenshot(path=f"{output_path}/phone-{name}.png", full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[name] = width
        page.wait_for_load_state("networkidle")
    context.close()
    assert too_wide == {}, "pages wider than a phone (px)"
    assert refused == []
