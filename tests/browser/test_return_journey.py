"""The whole return in real browsers, in every demo language: a customer on a phone finds the order, files a
return with a photo, gets the RMA and the slip; an agent approves, receives, inspects and refunds; the customer's
status page shows it, in their language. Screenshots in the test's output folder."""


import pytest
from django.utils import translation
from PIL import Image
from playwright.sync_api import expect

from aftersales.models import Refund
from returns.choices import CaseStatus
from returns.models import ReturnCase
from tests import factories
from tests.returns.portal_support import delivered_order, policy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# language, browser locale, market, the net refund as the review page writes it, the refund as the desk writes it
JOURNEYS = [
    ("es", "es-ES", "ES", "50,00", "€50.00"),
    ("en", "en-US", "US", "50.00", "$50.00"),
    ("de", "de-DE", "DE", "50,00", "€50.00"),
    ("fr", "fr-FR", "FR", "50,00", "€50.00"),
    ("zh-hans", "zh-CN", "AU", "50.00", "A$50.00"),
]


@pytest.mark.parametrize(("language", "locale", "market", "net", "refunded"), JOURNEYS, ids=[j[0] for j in JOURNEYS])
def test_customer_files_a_return_and_an_agent_refunds_it(live_server, browser, agent_user, output_path, tmp_path,
                                                         settings, language, locale, market, net, refunded):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "media")}}}
    policy(market, return_shipping_payer="deducted", return_shipping_fee_minor=900, returnless_threshold_minor=1000,
           refund_days=14, return_address="Retourenlager, Industriestraße 8, 04129 Leipzig")
    order = delivered_order(market_code=market, unit_price_minor=5900)
    factories.payment(order)
    photo = tmp_path / "foto.jpg"
    Image.new("RGB", (64, 48), (10, 120, 200)).save(photo, "JPEG")
    base = live_server.url

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale=locale)
    customer = phone.new_page()
    customer.goto(f"{base}/{language}/portal/")
    customer.locator("#id_order_number").fill(order.number)
    customer.locator("#id_contact").fill(order.email)
    customer.locator("form").get_by_role("button").click()
    expect(customer.get_by_test_id("start-return")).to_be_visible()
    customer.get_by_test_id("start-return").click()
    customer.locator("select[name^=qty_]").select_option("1")
    customer.locator("#id_reason").select_option("changed_mind")
    customer.locator("#id_unused").uncheck()  # worn once: an agent must look at it
    customer.locator("#id_photos").set_input_files(str(photo))
    customer.screenshot(path=f"{output_path}/1-customer-form-{language}.png", full_page=True)
    customer.get_by_test_id("review").click()
    expect(customer.get_by_test_id("net")).to_contain_text(net)
    customer.screenshot(path=f"{output_path}/2-customer-review-{language}.png", full_page=True)
    customer.get_by_test_id("confirm").click()
    case = ReturnCase.objects.get()
    expect(customer.get_by_test_id("page-title")).to_have_text(case.rma)
    assert case.language == language
    customer.screenshot(path=f"{output_path}/3-customer-submitted-{language}.png", full_page=True)

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US").new_page()
    desk.goto(f"{base}/accounts/login/")
    desk.get_by_label("Username").fill("agent")
    desk.get_by_label("Password").fill("pw-agent")
    desk.get_by_test_id("login-submit").click()
    desk.goto(f"{base}/desk/returns/")
    desk.get_by_role("link", name=case.rma).click()
    desk.get_by_test_id("approve").click()
    expect(desk.get_by_test_id("case-status")).to_have_text("Waiting for the parcel")
    customer.reload()  # approved: the customer now has the address and the slip
    expect(customer.get_by_test_id("return-address")).to_contain_text("Leipzig")
    slip = customer.request.get(base + customer.get_by_test_id("slip").get_attribute("href"))
    assert slip.status == 200
    assert slip.headers["content-type"] == "application/pdf"
    assert slip.body().startswith(b"%PDF")
    desk.get_by_test_id("receive").click()
    desk.locator("select[name=grade]").select_option("B")
    desk.locator("select[name=disposition]").select_option("restock")
    desk.get_by_test_id("inspect").click()
    expect(desk.get_by_test_id("case-status")).to_have_text("Inspected")
    desk.get_by_test_id("refund").click()
    expect(desk.get_by_test_id("case-status")).to_have_text("Resolved")
    expect(desk.get_by_test_id("refund-row")).to_contain_text(refunded)
    desk.screenshot(path=f"{output_path}/4-agent-refunded.png", full_page=True)
    assert Refund.objects.get().amount_minor == 5000

    customer.reload()
    with translation.override(language):
        resolved = str(CaseStatus.RESOLVED.label)
    if language != "en":
        assert resolved != "Resolved"  # the catalogue has it
    expect(customer.get_by_test_id("case-status")).to_have_text(resolved)
    customer.screenshot(path=f"{output_path}/5-customer-resolved-{language}.png", full_page=True)
    phone.close()
