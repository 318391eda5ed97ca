"""The core admin: every page opens with data present, changelists cost the same queries for 2 or 20 rows,
searches find what an operator pastes, rows written by services take only the corrections the admin allows
(the ledger none but its reason), and failed webhooks are requeued by the admin action (for whoever may) and
by ``manage.py webhooks_reprocess``."""

import io
import itertools
import re
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aftersales import tasks
from aftersales.choices import CouponKind, IdentityKind, RefundCause, RefundSource, WebhookStatus
from aftersales.models import (
    Coupon,
    Customer,
    CustomerIdentity,
    ExchangeRate,
    InboundWebhookEvent,
    Order,
    Payment,
    Refund,
    Shipment,
    TrackingEvent,
)
from aftersales.services import webhooks
from aftersales.services.refunds import refund_create
from aftersales.services.webhooks import webhook_handler, webhook_process
from tests import factories

pytestmark = pytest.mark.django_db

MODELS = ["market", "customer", "product", "order", "payment", "shipment", "exchangerate", "coupon", "refund",
          "inboundwebhookevent"]
# Written by services only (store ingestion, customer identities, the ledger, the inbox).
NOT_ADDABLE = {"customer", "order", "payment", "shipment", "refund", "inboundwebhookevent"}
_n = itertools.count(1)


@pytest.fixture(autouse=True)
def _numbers_from_one(monkeypatch):
    """``populate`` numbers its rows from 1 in every test, so searches can name them."""
    monkeypatch.setattr(f"{__name__}._n", itertools.count(1))


def populate(count):
    """``count`` rows of everything the admin lists, linked the way real data is."""
    for _ in range(count):
        n = next(_n)
        order = factories.order(market_code=["US", "DE", "UK", "AU"][n % 4], lines=2)
        CustomerIdentity.objects.create(customer=order.customer, kind=IdentityKind.EMAIL, value=order.customer.email)
        payment = factories.payment(order, provider="stripe", provider_payment_id=f"ch_test{n:06d}")
        shipment = factories.shipment(order, tracking_number=f"YT{n:016d}", pod_signer="Front door")
        TrackingEvent.objects.create(shipment=shipment, external_id=f"ev{n}", occurred_at=shipment.shipped_at,
                                     status="in_transit", description="Departed Shenzhen")
        refund_create(payment=payment, amount_minor=500, cause=RefundCause.GOODWILL, source=RefundSource.DESK,
                      reason="late parcel", execute=False)
        Coupon.objects.create(code=f"SORRY{n:05d}", kind=CouponKind.STORE_CREDIT, customer=order.customer,
                              order=order, currency=order.currency, amount_minor=1000)
        ExchangeRate.objects.create(currency="EUR", base_currency="USD", rate="1.08000000",
                                    valid_on=date(2026, 1, 1) + timedelta(days=n))
        InboundWebhookEvent.objects.create(provider="stripe", event_id=f"evt_{n}", event_type="charge.refunded",
                                           headers={}, body="{}", status=WebhookStatus.FAILED, error="boom")


@pytest.fixture
def superuser_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "pw"))
    return client


def first_pk(model_name):
    from django.apps import apps

    return apps.get_model("aftersales", model_name).objects.order_by("pk").values_list("pk", flat=True).first()


@pytest.mark.parametrize("model_name", MODELS)
def test_changelist_change_and_add_pages_open(superuser_client, model_name):
    populate(3)
    changelist = superuser_client.get(reverse(f"admin:aftersales_{model_name}_changelist"))
    assert changelist.status_code == 200
    assert changelist.context["cl"].result_count > 0
    change = superuser_client.get(reverse(f"admin:aftersales_{model_name}_change", args=[first_pk(model_name)]))
    assert change.status_code == 200
    add = superuser_client.get(reverse(f"admin:aftersales_{model_name}_add"))
    assert add.status_code == (403 if model_name in NOT_ADDABLE else 200)


@pytest.mark.parametrize("model_name", MODELS)
def test_changelist_queries_do_not_grow_with_rows(superuser_client, model_name):
    url = reverse(f"admin:aftersales_{model_name}_changelist")
    populate(2)
    superuser_client.get(url)  # warm caches (content types, sessions) so both measurements compare alike

    def measure():
        with CaptureQueriesContext(connection) as queries:
            response = superuser_client.get(url)
        assert response.status_code == 200
        return response.context["cl"].result_count, len(queries)

    rows_small, queries_small = measure()
    populate(18)
    rows_large, queries_large = measure()
    assert rows_large > rows_small
    assert queries_large == queries_small, f"{model_name}: {queries_small} queries for {rows_small} rows, " \
                                           f"{queries_large} for {rows_large}"


@pytest.mark.parametrize(("model_name", "query", "expected"), [
    ("order", "YT0000000000000001", 1),      # a tracking number
    ("order", "ch_test000001", 1),           # a Stripe charge id
    ("order", "customer", 3),                 # part of an email
    ("payment", "ch_test000002", 1),
    ("shipment", "YT0000000000000003", 1),
    ("refund", "ch_test000001", 1),
    ("customer", "example.com", 3),
    ("coupon", "SORRY00002", 1),
    ("inboundwebhookevent", "evt_3", 1),
    ("product", "SKU-", 6),
    ("market", "DE", 1),
    ("exchangerate", "EUR", 3),
])
def test_searches_find_what_an_operator_pastes(superuser_client, model_name, query, expected):
    populate(3)
    response = superuser_client.get(reverse(f"admin:aftersales_{model_name}_changelist"), {"q": query})
    assert response.status_code == 200
    assert response.context["cl"].result_count == expected


def test_money_is_shown_formatted(superuser_client):
    order = factories.order(market_code="DE", unit_price_minor=123456)
    response = superuser_client.get(reverse("admin:aftersales_order_changelist"))
    assert "€1,234.56" in response.content.decode()
    response = superuser_client.get(reverse("admin:aftersales_order_change", args=[order.pk]),
                                    headers={"accept-language": "de"})
    assert response.status_code == 200


def management_forms(client, url):
    """The inline formsets' management fields as the change page renders them (a browser posts them back)."""
    page = client.get(url).content.decode()
    return dict(re.findall(r'name="([\w-]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)" value="(\d+)"', page))


def test_the_refund_ledger_cannot_be_changed_through_the_admin(superuser_client):
    populate(1)
    refund = Refund.objects.get()
    url = reverse("admin:aftersales_refund_change", args=[refund.pk])
    response = superuser_client.post(url, {**management_forms(superuser_client, url), "reason": "typo fixed",
                                           "amount_minor": 999999, "status": "succeeded"})
    assert response.status_code == 302
    refund.refresh_from_db()
    assert (refund.reason, refund.amount_minor, refund.status) == ("typo fixed", 500, "planned")
    assert superuser_client.post(reverse("admin:aftersales_refund_delete", args=[refund.pk])).status_code == 403


def test_payments_are_shown_not_edited(superuser_client):
    populate(1)
    payment = Payment.objects.get()
    url = reverse("admin:aftersales_payment_change", args=[payment.pk])
    page = superuser_client.get(url).content.decode()
    assert "ch_test" in page
    assert 'name="captured_minor"' not in page
    assert 'name="provider_payment_id"' not in page
    assert superuser_client.post(url, {"captured_minor": 1}).status_code == 403
    payment.refresh_from_db()
    assert payment.captured_minor == payment.order.total_minor


def test_an_order_only_takes_delivery_address_corrections(superuser_client):
    populate(1)
    order = Order.objects.get()
    number = order.number
    url = reverse("admin:aftersales_order_change", args=[order.pk])
    address = {"ship_name": "Ada L.", "ship_address": "2 New Road", "ship_city": "Leeds", "ship_postcode": "LS1 4DY",
               "ship_country": "GB"}
    response = superuser_client.post(url, {**management_forms(superuser_client, url), **address,
                                           "total_minor": 1, "status": "cancelled", "number": "#HACK"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert {name: getattr(order, name) for name in address} == address
    assert (order.total_minor, order.status, order.number) == (5000, "open", number)


def test_a_mistyped_tracking_number_can_be_corrected_but_not_the_status(superuser_client):
    populate(1)
    shipment = Shipment.objects.get()
    url = reverse("admin:aftersales_shipment_change", args=[shipment.pk])
    response = superuser_client.post(url, {**management_forms(superuser_client, url), "carrier": "YunExpress",
                                           "service": "", "tracking_number": "YT2222222222222222",
                                           "tracking_url": "", "status": "delivered"})
    assert response.status_code == 302
    shipment.refresh_from_db()
    assert (shipment.tracking_number, shipment.status) == ("YT2222222222222222", "pending")


def test_a_customer_keeps_email_and_identities_while_name_and_language_change(superuser_client):
    populate(1)
    customer = Customer.objects.get()
    url = reverse("admin:aftersales_customer_change", args=[customer.pk])
    response = superuser_client.post(url, {**management_forms(superuser_client, url), "name": "Ada Lovelace",
                                           "language": "fr", "country": "FR", "email": "other@example.com"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.name, customer.language, customer.country) == ("Ada Lovelace", "fr", "FR")
    assert customer.email != "other@example.com"
    assert list(customer.identities.values_list("value", flat=True)) == [customer.email]


def test_order_change_page_shows_its_lines_payments_shipments_and_refunds(superuser_client):
    populate(1)
    order = Order.objects.get()
    page = superuser_client.get(reverse("admin:aftersales_order_change", args=[order.pk])).content.decode()
    for expected in [order.lines.first().sku, "ch_test", Shipment.objects.get().tracking_number, "Goodwill"]:
        assert expected in page


# -- reprocessing failed webhooks -----------------------------------------------------------------------

@pytest.fixture
def flaky_handler(monkeypatch):
    """A registered handler that fails until told to work; the registry is restored afterwards."""
    monkeypatch.setattr(webhooks, "_HANDLERS", dict(webhooks._HANDLERS))
    state = {"fail": True, "calls": 0}

    @webhook_handler("tracking", "test.flaky")
    def flaky(event):
        state["calls"] += 1
        if state["fail"]:
            raise RuntimeError("carrier API said no")

    return state


@pytest.fixture
def queued(monkeypatch):
    """What was sent to the worker: the event ids given to ``webhook_process_task.delay``."""
    sent = []

    class FakeTask:
        @staticmethod
        def delay(pk):
            sent.append(pk)

    monkeypatch.setattr(tasks, "webhook_process_task", FakeTask)
    return sent


def failed_event(event_id, provider="tracking", event_type="test.flaky"):
    event = InboundWebhookEvent.objects.create(provider=provider, event_id=event_id, event_type=event_type,
                                               headers={}, body="{}")
    with pytest.raises(RuntimeError):
        webhook_process(event_pk=event.pk)
    event.refresh_from_db()
    assert (event.status, event.attempts) == (WebhookStatus.FAILED, 1)
    assert "carrier API said no" in event.error
    return event


def test_command_requeues_failed_events_which_then_process(flaky_handler, queued,
                                                           django_capture_on_commit_callbacks):
    event = failed_event("trk-1")
    done = InboundWebhookEvent.objects.create(provider="tracking", event_id="trk-ok", event_type="x", headers={},
                                              body="{}", status=WebhookStatus.PROCESSED)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("webhooks_reprocess", "--failed", stdout=out)
    assert out.getvalue().strip() == "1 event queued for processing."
    assert queued == [event.pk]
    event.refresh_from_db()
    assert event.status == WebhookStatus.RECEIVED

    flaky_handler["fail"] = False  # the carrier is back: what the worker does with the queued id
    processed = webhook_process(event_pk=queued[0])
    assert (processed.status, processed.attempts, processed.error) == (WebhookStatus.PROCESSED, 2, "")
    assert flaky_handler["calls"] == 2
    done.refresh_from_db()
    assert done.status == WebhookStatus.PROCESSED  # untouched


def test_command_by_id_and_provider_leaves_the_rest_and_never_reruns_processed_ones(
        flaky_handler, queued, django_capture_on_commit_callbacks):
    first, second = failed_event("trk-2"), failed_event("trk-3")
    other = InboundWebhookEvent.objects.create(provider="stripe", event_id="evt_x", event_type="charge.refunded",
                                               headers={}, body="{}", status=WebhookStatus.FAILED)
    done = InboundWebhookEvent.objects.create(provider="tracking", event_id="trk-done", event_type="x",
                                              headers={}, body="{}", status=WebhookStatus.PROCESSED)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("webhooks_reprocess", str(first.pk), str(done.pk), stdout=out)
    assert queued == [first.pk]
    assert "1 event was already processed or ignored" in out.getvalue()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("webhooks_reprocess", "--failed", "--provider", "tracking", stdout=io.StringIO())
    assert queued == [first.pk, second.pk]
    other.refresh_from_db()
    assert other.status == WebhookStatus.FAILED
    with pytest.raises(CommandError):
        call_command("webhooks_reprocess")


def test_admin_action_requeues_the_selected_failed_events(superuser_client, flaky_handler, queued,
                                                          django_capture_on_commit_callbacks):
    event, untouched = failed_event("trk-4"), failed_event("trk-5")
    url = reverse("admin:aftersales_inboundwebhookevent_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post(url, {"action": "reprocess", "_selected_action": [event.pk]}, follow=True)
    assert response.status_code == 200
    assert "1 event queued for processing." in [str(m) for m in response.context["messages"]]
    assert queued == [event.pk]
    event.refresh_from_db()
    untouched.refresh_from_db()
    assert (event.status, untouched.status) == (WebhookStatus.RECEIVED, WebhookStatus.FAILED)


def test_only_who_may_change_webhook_events_can_reprocess_them(client, django_user_model, flaky_handler, queued,
                                                                django_capture_on_commit_callbacks):
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_inboundwebhookevent"))
    client.force_login(viewer)
    event = failed_event("trk-6")
    url = reverse("admin:aftersales_inboundwebhookevent_changelist")
    page = client.get(url)
    assert page.status_code == 200
    assert "reprocess" not in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "reprocess", "_selected_action": [event.pk]})
    event.refresh_from_db()
    assert (event.status, queued) == (WebhookStatus.FAILED, [])


def test_agents_without_admin_access_are_kept_out(client, agent_user):
    client.force_login(agent_user)
    response = client.get(reverse("admin:aftersales_order_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
