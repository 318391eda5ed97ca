"""Every kind of page, on the demo store (as ``make demo`` seeds it, over fewer orders), in a real browser:

* it fits a phone: at 390 px in Spanish nothing runs off the screen sideways; wide tables scroll in their own box;
* it passes axe-core's accessibility rules (WCAG 2 A/AA: contrast, names of controls, table headers, …) on a
  laptop screen (1280 px), for the manager's pages and the customer's, and no table there needs a sideways scroll;
* it asks for nothing that is not there (every asset served, the tab's icon included).

Screenshots of every page at phone width in the test's output folder.
"""

import io

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

from aftersales.audit.drilldown import live_month
from aftersales.audit.selectors import previous_month
from aftersales.demo_data.catalogue import LAMP_SKU
from disputes.models import Dispute
from policies.models import PolicyVersion
from returns.models import ReturnCase
from returns.selectors import portal_samples
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def demo_store(tasks_inline, manager_user):
    """What ``make demo`` loads, with the tasks its seeds queue run here (no message is left in the broker). The
    demo's logins get new passwords: the manager's is set back to the test's own."""
    call_command("seed_demo", "--orders", "1500", stdout=io.StringIO())  # a smaller year: the same kinds of page
    for command in ("seed_policies", "seed_returns", "demo_users", "seed_tickets", "seed_disputes"):
        call_command(command, stdout=io.StringIO())
    call_command("audit_month", backfill=True, stdout=io.StringIO())
    manager_user.refresh_from_db()
    manager_user.set_password("pw-manager")
    manager_user.save()


def staff_pages() -> dict[str, str]:
    month = previous_month(live_month()).strftime("%Y-%m")
    ticket = Ticket.objects.order_by("-pk").first()
    case = ReturnCase.objects.filter(lines__isnull=False).order_by("-pk").first()
    dispute = Dispute.objects.order_by("pk").first()
    policy = PolicyVersion.objects.order_by("pk").first()
    return {
        "dashboard": "/dashboard/",
        "metric": f"/dashboard/metrics/refund_rate_amount/?month={month}&dimension=sku",
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


# The elements that reach past the screen's right edge, outside any box that scrolls on its own.
STICKING_OUT = """() => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
    .filter(e => !(e.parentElement && e.parentElement.closest('.table-responsive, .overflow-auto')))
    .slice(0, 3).map(e => e.outerHTML.slice(0, 120))"""


# The tables wider than their box, which then scrolls sideways (what a laptop screen should never need).
SCROLLING_TABLES = """() => [...document.querySelectorAll('.table-responsive')]
    .filter(box => box.scrollWidth > box.clientWidth + 1)
    .map(box => `${box.querySelector('table')?.dataset.testid}: ${box.scrollWidth} > ${box.clientWidth} px`)"""


def log_in(page, base):
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill("manager")
    page.locator("#id_password").fill("pw-manager")
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(f"{base}/**")


def watch_refusals(page) -> list:
    refused = []
    page.on("response", lambda answer: refused.append((answer.status, answer.url)) if answer.status >= 400 else None)
    return refused


def test_every_page_fits_a_phone(live_server, browser, demo_store, output_path):
    context = browser.new_context(viewport=PHONE, locale="es-ES")
    page = context.new_page()
    refused = watch_refusals(page)
    log_in(page, live_server.url)
    too_wide = {}
    for name, path in staff_pages().items():
        response = page.goto(live_server.url + path)
        assert (response.status, page.url) == (200, live_server.url + path), name  # not sent to the login
        assert page.locator("html").get_attribute("lang") == "es", name
        page.wait_for_load_state("networkidle")
        page.screenshot(path=f"{output_path}/phone-{name}.png", full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[name] = (width, page.evaluate(STICKING_OUT))
    context.close()
    assert too_wide == {}, "pages wider than a phone (px, and what sticks out)"
    assert refused == []


def test_every_page_passes_the_accessibility_rules(live_server, browser, demo_store):
    axe = Axe()
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    refused = watch_refusals(page)
    sample = portal_samples({"en": "US"})[0]
    customer = {"login": "/accounts/login/", "portal": "/en/portal/", "policy-page": "/en/policies/us/returns/"}
    found = {}

    scrolling = {}

    def check(name, path):
        assert page.goto(live_server.url + path).status == 200, name
        page.wait_for_load_state("networkidle")
        violations = axe.run(page).response["violations"]
        found.update({f"{name}: {v['id']}": [node["html"][:120] for node in v["nodes"][:3]] for v in violations})
        if wide := page.evaluate(SCROLLING_TABLES):
            scrolling[name] = wide

    for name, path in customer.items():
        check(name, path)
    page.goto(live_server.url + "/en/portal/")
    inputs = page.locator("form input:not([type=hidden])")
    inputs.nth(0).fill(sample.order_number)
    inputs.nth(1).fill(sample.email)
    page.locator("form button").first.click()
    page.wait_for_load_state("networkidle")
    assert "/portal/orders/" in page.url
    order_page = page.url.removeprefix(live_server.url)
    for name, below in [("portal-order", ""), ("portal-return", "return/"), ("portal-not-received", "not-received/"),
                        ("portal-messages", "messages/")]:
        check(name, order_page + below)
    log_in(page, live_server.url)
    for name, path in staff_pages().items():
        check(name, path)
    context.close()
    assert found == {}, "axe-core found these (rule: the first elements)"
    assert scrolling == {}, "tables that need a sideways scroll on a laptop screen"
    assert refused == []
