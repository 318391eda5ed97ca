"""The whole return in real browsers: a customer on a phone, in Spanish, finds the order, files a return with a
photo, gets the RMA and the slip; an agent approves, receives, inspects and refunds; the customer sees it.
Screenshots in the test's output folder."""


import pytest
from PIL import Image
from playwright.sync_api import expect

from aftersales.models import Refund
from returns.models import ReturnCase
from tests import factories
from tests.returns.portal_support import delivered_order, policy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_customer_files_a_return_and_an_agent_refunds_it(live_server, browser, agent_user, output_path, tmp_path,
                                                         settings):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "media")}}}
    policy("ES", return_shipping_payer="deducted", return_shipping_fee_minor=900, returnless_threshold_minor=1000,
           refund_days=14, return_address="Retourenlager, Industriestraße 8, 04129 Leipzig")
    order = delivered_order(market_code="ES", unit_price_minor=5900)
    factories.payment(order)
    photo = tmp_path / "foto.jpg"
    Image.new("RGB", (64, 48), (10, 120, 200)).save(photo, "JPEG")
    base = live_server.url

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="es-ES")
    customer = phone.new_page()
    customer.goto(f"{base}/es/portal/")
    customer.locator("#id_order_number").fill(order.number)
    customer.locator("#id_contact").fill(order.email)
    customer.locator("form").get_by_role("button").click()
    expect(customer.get_by_test_id("start-return")).to_be_visible()
    customer.get_by_test_id("start-return").click()
    customer.locator("select[name^=qty_]").select_option("1")
    customer.locator("#id_reason").select_option("changed_mind")
    customer.locator("#id_unused").uncheck()  # worn once: an agent must look at it
    customer.locator("#id_photos").set_input_files(str(photo))
    customer.screenshot(path=f"{output_path}/1-customer-form-es.png", full_page=True)
    customer.get_by_test_id("review").click()
    expect(customer.get_by_test_id("net")).to_contain_text("50,00")
    customer.screenshot(path=f"{output_path}/2-customer-review-es.png", full_page=True)
    customer.get_by_test_id("confirm").click()
    case = ReturnCase.objects.get()
    expect(customer.get_by_test_id("page-title")).to_have_text(case.rma)
    customer.screenshot(path=f"{output_path}/3-customer-submitted-es.png", full_page=True)

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US").new_page()
    desk.goto(f"{base}/accounts/login/")
    desk.get_by_label("Username").fill("agent")
    desk.get_by_label("Password").fill("pw-agent")
    desk.get_by_test_id("login-submit").click()
    desk.goto(f"{base}/desk/returns/")
    desk.get_by_role("link", name=case.rma).click()
    desk.get_by_test_id("approve").click()
    expect(desk.get_by_test_id("case-status")).to_have_text("Waiting for the parcel")
    desk.get_by_test_id("receive").click()
    desk.locator("select[name=grade]").select_option("B")
    desk.locator("select[name=disposition]").select_option("restock")
    desk.get_by_test_id("inspect").click()
    expect(desk.get_by_test_id("case-status")).to_have_text("Inspected")
    desk.get_by_test_id("refund").click()
    expect(desk.get_by_test_id("case-status")).to_have_text("Resolved")
    expect(desk.get_by_test_id("refund-row")).to_contain_text("€50.00")
    desk.screenshot(path=f"{output_path}/4-agent-refunded.png", full_page=True)
    assert Refund.objects.get().amount_minor == 5000

    customer.reload()
    expect(customer.get_by_test_id("case-status")).not_to_have_text("Needs review")
    customer.screenshot(path=f"{output_path}/5-customer-resolved-es.png", full_page=True)
    phone.close()
