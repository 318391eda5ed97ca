"""Starting a return in the portal: choose, review the estimate, confirm once, follow it, print the slip; cancel an
unshipped order; and no customer ever reaches another's case."""

import io
import re
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from aftersales.models import Order, Refund
from returns.models import ReturnCase, ReturnPhoto
from tests import factories
from tests.returns.portal_support import delivered_order, policy, unlock

pytestmark = pytest.mark.django_db


def jpeg(size=(40, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "JPEG")
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")


def start(client, order_url, order, **extra):
    line = order.lines.get()
    data = {f"qty_{line.pk}": "1", "reason": "changed_mind", "unused": "on", "original_packaging": "on",
            "resolution": "refund", "shipping_choice": "deduct", "comment": "Too big"} | extra
    return client.post(order_url + "return/", data)


@pytest.fixture
def setup(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    policy("US", return_shipping_payer="deducted", return_shipping_fee_minor=800, returnless_threshold_minor=1000)
    order = delivered_order(unit_price_minor=4500)
    factories.payment(order)
    client = Client()
    return client, unlock(client, order), order


def test_the_whole_flow_from_the_order_page_to_the_slip(setup):
    client, order_url, order = setup
    page = client.get(order_url).content.decode()
    assert 'data-testid="start-return"' in page
    form = client.get(order_url + "return/")
    assert form.status_code == 200
    assert "Use our return label: $8.00 is deducted from your refund" in form.content.decode()

    review = start(client, order_url, order, photos=[jpeg()])
    html = review.content.decode()
    assert review.status_code == 200
    assert 'data-testid="net">$37.00<' in html
    assert 'data-testid="deductions">−$8.00<' in html
    assert "The money will be back on your original payment by" in html
    token = re.search(r'name="client_token" value="([^"]+)"', html).group(1)
    assert ReturnCase.objects.count() == 0  # nothing is written before the customer confirms

    done = client.post(order_url + "return/confirm/", {"client_token": token})
    again = client.post(order_url + "return/confirm/", {"client_token": token})  # a double click
    case = ReturnCase.objects.get()
    assert done["Location"] == again["Location"] == f"{order_url}returns/{case.rma}/"
    assert (case.status, case.estimate_minor, case.deductions_minor) == ("awaiting_shipment", 4500, 800)
    assert ReturnPhoto.objects.filter(case=case).count() == 1

    status = client.get(done["Location"]).content.decode()
    assert 'data-testid="instructions"' in status
    assert case.rma in status
    assert 'data-testid="refund-estimate">$37.00<' in status  # no refund yet: what it will be, after deductions
    assert 'data-testid="refund"' not in status
    slip = client.get(f"{order_url}returns/{case.rma}/slip.pdf")
    assert slip["Content-Type"] == "application/pdf"
    assert slip.content.startswith(b"%PDF")
    assert len(slip.content) > 1500


def test_fake_photo_is_refused_with_a_clear_message_and_nothing_stored(setup, tmp_path):
    client, order_url, order = setup
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")
    response = start(client, order_url, order, photos=[fake])
    assert response.status_code == 400
    assert "This file is not a photo we can read" in response.content.decode()
    assert ReturnCase.objects.count() == 0
    assert not any(tmp_path.rglob("*.*"))


def test_an_ineligible_item_is_explained(setup):
    client, order_url, order = setup
    response = start(client, order_url, order, reason="not-a-reason")
    assert response.status_code == 400
    assert ReturnCase.objects.count() == 0


def test_expired_form_is_refused_politely(setup):
    client, order_url, _order = setup
    response = client.post(order_url + "return/confirm/", {"client_token": "made-up"}, follow=True)
    assert "This form has expired" in response.content.decode()
    assert ReturnCase.objects.count() == 0


def test_spanish_review(setup):
    client, order_url, order = setup
    spanish_url = order_url.replace("/en/", "/es/")
    html = start(client, spanish_url, order).content.decode()
    assert "Tu reembolso" in html


def test_another_customer_never_reaches_a_case(setup):
    client, order_url, order = setup
    start_html = start(client, order_url, order).content.decode()
    token = re.search(r'name="client_token" value="([^"]+)"', start_html).group(1)
    client.post(order_url + "return/confirm/", {"client_token": token})
    case = ReturnCase.objects.get()
    other_order = delivered_order()
    stranger = Client()
    stranger_url = unlock(stranger, other_order)
    for path in (f"returns/{case.rma}/", f"returns/{case.rma}/slip.pdf"):
        assert client.get(order_url + path).status_code == 200
        assert stranger.get(order_url + path).status_code == 404        # someone else's token
        assert stranger.get(stranger_url + path).status_code == 404     # their own token, another order's RMA
        assert Client().get(order_url + path).status_code == 404        # no session at all
    assert stranger.post(order_url + "return/confirm/", {"client_token": token}).status_code == 404
    assert stranger.post(order_url + "cancel/").status_code == 404


def test_unshipped_order_is_cancelled_and_refunded_from_the_portal():
    policy("US")
    order = factories.order(unit_price_minor=3000)
    factories.payment(order)
    client = Client()
    order_url = unlock(client, order)
    page = client.get(order_url).content.decode()
    assert 'data-testid="cancel-order"' in page
    assert 'data-testid="start-return"' not in page
    response = client.post(order_url + "cancel/", follow=True)
    assert "Your order is cancelled" in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == "cancelled"
    assert Refund.objects.get().amount_minor == 3000


def test_the_case_page_says_where_each_refund_is_in_the_customers_language():
    """"Where is my refund?": a cancelled order's page lists what was cancelled and the refund, sent, then paid, or
    delayed, in the customer's words."""
    policy("FR")
    order = factories.order(market_code="FR", unit_price_minor=3498)
    title = order.lines.get().title
    factories.payment(order)
    client = Client()
    order_url = unlock(client, order, language="fr")
    case_url = client.post(order_url + "cancel/")["Location"]
    refund = Refund.objects.get()

    def shown():
        html = client.get(case_url).content.decode()
        found = re.search(r'data-testid="refund" data-status="(\w+)">([^<]+)</dd><dd class="col-12 small '
                          r'text-body-secondary" data-testid="refund-says">([^<]+)</dd>', html)
        items = re.search(r'data-testid="case-items"><div>([^<]+)</div>', html)
        assert 'data-testid="refund-estimate"' not in html  # the refund paid says it, not an estimate beside it
        return found.groups(), items.group(1)

    (status, amount, says), items = shown()
    assert (status, amount, items) == ("planned", "34,98\xa0€", f"1 × {title}")
    assert says == "En cours de préparation."  # not yet handed to the provider
    Refund.objects.filter(pk=refund.pk).update(status="requested", requested_at=datetime(2026, 12, 2, 10, tzinfo=UTC))
    assert shown()[0] == ("requested", "34,98\xa0€", "Envoyé le 2 décembre 2026 sur votre moyen de paiement "
                          "d’origine ; il peut falloir 5 à 10 jours ouvrés pour qu’il apparaisse sur votre relevé.")
    Refund.objects.filter(pk=refund.pk).update(status="succeeded", succeeded_at=datetime(2026, 12, 3, 9, tzinfo=UTC))
    assert shown()[0] == ("succeeded", "34,98\xa0€", "Versé le 3 décembre 2026 sur votre moyen de paiement d’origine.")
    Refund.objects.filter(pk=refund.pk).update(status="failed", succeeded_at=None)
    assert shown()[0][2] == "Retardé : notre équipe est prévenue et vous contactera."


@pytest.mark.parametrize(("market", "offered", "status"), [
    ("DE", True, "awaiting_shipment"),       # the statutory right to return stays available
    ("US", False, "approved_keep_item"),     # no such right: a forged "send back" changes nothing
])
def test_keep_the_item_or_send_it_back(market, offered, status):
    policy(market, return_shipping_payer="store", returnless_threshold_minor=10000)
    order = delivered_order(market_code=market, unit_price_minor=4500)
    factories.payment(order)
    client = Client()
    order_url = unlock(client, order)
    html = start(client, order_url, order, shipping_choice="free").content.decode()
    assert "You do not need to send anything back." in html
    assert ('data-testid="send-back"' in html) is offered
    token = re.search(r'name="client_token" value="([^"]+)"', html).group(1)
    client.post(order_url + "return/confirm/", {"client_token": token, "send_back": "1"})
    case = ReturnCase.objects.get()
    assert case.status == status


def test_a_line_left_out_of_the_post_is_a_line_not_returned(settings, tmp_path):
    """Scripts and older browsers send only the lines they change: the others count as 0, not as an error."""
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    policy("US")
    order = delivered_order(lines=2, unit_price_minor=3000)
    factories.payment(order)
    client = Client()
    order_url = unlock(client, order)
    first, second = order.lines.order_by("id")
    form = client.get(order_url + "return/").content.decode()
    shipping = re.search(r'name="shipping_choice" value="([^"]+)"', form).group(1)
    review = client.post(order_url + "return/", {f"qty_{first.pk}": "1", "reason": "changed_mind", "unused": "on",
                                                 "original_packaging": "on", "resolution": "refund",
                                                 "shipping_choice": shipping})
    assert review.status_code == 200
    token = re.search(r'name="client_token" value="([^"]+)"', review.content.decode()).group(1)
    client.post(order_url + "return/confirm/", {"client_token": token})
    assert list(ReturnCase.objects.get().lines.values_list("order_line_id", flat=True)) == [first.pk]
    assert second.pk not in ReturnCase.objects.get().lines.values_list("order_line_id", flat=True)
    nothing = client.post(order_url + "return/", {"reason": "changed_mind", "resolution": "refund",
                                                  "shipping_choice": shipping})
    assert nothing.status_code == 400  # still: choose at least one item
