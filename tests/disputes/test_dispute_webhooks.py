"""Stripe and PayPal dispute webhooks through the real views, the inbox and the task, down to the Dispute rows.

* Conformance: every Stripe dispute sample in ``../shared/samples/disputes/`` (API versions 2017–2024, read in
  place) is delivered with a valid ``Stripe-Signature`` and must give the right dispute; the PayPal delivery
  sample must produce exactly the verify-webhook-signature request PayPal documents, and its CRC32 and signed
  string must match the values worked out in the samples folder; the PayPal dispute sample, wrapped in a
  CUSTOMER.DISPUTE.RESOLVED event, must give a lost dispute in minor units. Without that folder these skip.
* Our own fixtures: bad signatures store nothing, duplicates are one event, out-of-order events end in the
  newest state, closed stays closed, funds are never counted twice.

All HTTP is intercepted with ``responses``; nothing reaches the network.
"""

import base64
import hashlib
import hmac
import json
import time
import zlib
from datetime import UTC, datetime, timedelta

import pytest
import requests
import responses
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from aftersales.choices import WebhookStatus
from aftersales.models import InboundWebhookEvent
from disputes import api
from disputes.integrations import _token_cache_key
from disputes.models import Dispute, DisputeEvent
from disputes.services import dispute_upsert_from_paypal
from tests import factories
from tests.samples import SAMPLES as SAMPLES_ROOT

pytestmark = pytest.mark.django_db

SAMPLES = SAMPLES_ROOT / "disputes"
STRIPE_SECRET = "whsec_test_disputes_0123456789"
PAYPAL_API = "https://api-m.sandbox.paypal.com"
PAYPAL_CLIENT, PAYPAL_SECRET = "paypal-test-client", "paypal-test-secret"
TOKEN_URL = f"{PAYPAL_API}/v1/oauth2/token"
VERIFY_URL = f"{PAYPAL_API}/v1/notifications/verify-webhook-signature"
DAY = timedelta(days=7)
TEST_TOKEN = "A21AA-test-token"


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


@pytest.fixture(autouse=True)
def provider_settings(settings):
    settings.STRIPE_WEBHOOK_SECRET = STRIPE_SECRET
    settings.PAYPAL_MODE = "sandbox"
    settings.PAYPAL_CLIENT_ID, settings.PAYPAL_CLIENT_SECRET = PAYPAL_CLIENT, PAYPAL_SECRET
    settings.PAYPAL_WEBHOOK_ID = "4JH86294D6297924G"
    cache.delete(_token_cache_key())
    yield
    cache.delete(_token_cache_key())


@pytest.fixture
def samples():
    if not SAMPLES.is_dir():
        pytest.skip(f"conformance samples not found: {SAMPLES} is absent (the shared samples folder lives next to "
                    "the project, see ../shared/samples/README.md)")
    return SAMPLES


@pytest.fixture
def http():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def stripe_signature(payload: bytes, *, secret: str = STRIPE_SECRET, timestamp: int | None = None) -> str:
    """Stripe's scheme: ``t=<ts>,v1=<hex HMAC-SHA256(secret, "<ts>.<payload>")>``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


@pytest.fixture
def deliver_stripe(django_capture_on_commit_callbacks, tasks_inline):
    def run(body: bytes, *, signature: str | None = None, sign: bool = True):
        headers = {}
        if sign:
            headers["Stripe-Signature"] = signature or stripe_signature(body)
        with django_capture_on_commit_callbacks(execute=True):
            return Client().post(reverse("webhook-stripe"), body, content_type="application/json", headers=headers)
    return run


def stripe_event(event_id, event_type, created, *, status, dispute_id="dp_test_1", amount=4200, charge="ch_test_1",
                 opened=1_700_000_000, due_by=1_700_600_000, balance_transactions=None) -> bytes:
    dispute = {"id": dispute_id, "object": "dispute", "amount": amount, "currency": "usd", "charge": charge,
               "created": opened, "evidence_details": {"due_by": due_by}, "reason": "product_not_received",
               "status": status, "balance_transactions": balance_transactions or []}
    return json.dumps({"id": event_id, "object": "event", "type": event_type, "created": created,
                       "data": {"object": dispute}}).encode()


def nothing_stored():
    return (InboundWebhookEvent.objects.count(), Dispute.objects.count(), DisputeEvent.objects.count()) == (0, 0, 0)


# -- conformance: every Stripe sample, through the real view ------------------------------------------------------

def _expected(*, provider_id, status, stage, reason, amount, opened, due_by, outcome="", closed_at=None,
              withdrawn=0, reinstated=0, network_reason_code=""):
    return {"provider": "stripe", "provider_id": provider_id, "status": status, "stage": stage, "reason": reason,
            "amount_minor": amount, "currency": "USD", "opened_at": at(opened), "respond_by": at(due_by),
            "internal_deadline": min(at(opened) + DAY, at(due_by) - timedelta(hours=48)), "outcome": outcome,
            "closed_at": closed_at, "funds_withdrawn_minor": withdrawn, "funds_reinstated_minor": reinstated,
            "network_reason_code": network_reason_code}


STRIPE_SAMPLES = {
    # An inquiry (early warning), not yet a chargeback.
    "stripe_charge.dispute.created.json": _expected(
        provider_id="dp_000000000000000000000000", status="warning_needs_response", stage="inquiry",
        reason="fraudulent", amount=100, opened=1648319940, due_by=1649116799),
    # Stripe withdrew the amount at creation (a balance transaction of -1000).
    "stripe_charge.dispute.created.dj-stripe.json": _expected(
        provider_id="dp_1JAyTwJSZQVUcJYgPqasUEn1", status="needs_response", stage="chargeback", reason="fraudulent",
        amount=1000, opened=1625755540, due_by=1626566399, withdrawn=1000),
    "stripe_charge.dispute.updated.json": _expected(
        provider_id="dp_00000000000000", status="under_review", stage="chargeback", reason="general", amount=1000,
        opened=1517720636, due_by=1519430399),
    # closed_at is the event's time, which in this fixture (2012) predates the dispute (2018).
    "stripe_charge.dispute.closed.json": _expected(
        provider_id="dp_00000000000000", status="won", stage="chargeback", reason="general", amount=1000,
        opened=1517799472, due_by=1519516799, outcome="won", closed_at=at(1326853478)),
    "stripe_charge.dispute.funds_withdrawn.dj-stripe.json": _expected(
        provider_id="dp_1JAyTwJSZQVUcJYgPqasUEn1", status="needs_response", stage="chargeback", reason="fraudulent",
        amount=1000, opened=1625755540, due_by=1626566399, withdrawn=1000),
    # Reinstated while the object still says under_review: money back, no decision yet.
    "stripe_charge.dispute.funds_reinstated.dj-stripe.json": _expected(
        provider_id="dp_1JAyTwJSZQVUcJYgPqasUEn1", status="under_review", stage="chargeback", reason="fraudulent",
        amount=1000, opened=1625755540, due_by=1626566399, withdrawn=1000, reinstated=1000),
    # A bare Dispute object (2024 API, Visa CE 3.0 fields), wrapped by us in a charge.dispute.created event.
    "stripe_dispute_object.openapi-fixtures3.json": _expected(
        provider_id="dp_1Pgc71B7WZ01zgkWMevJiAUx", status="warning_needs_response", stage="inquiry",
        reason="general", amount=1000, opened=1234567890, due_by=1723679999, network_reason_code="10.4"),
}


def test_every_stripe_sample_in_the_folder_is_covered(samples):
    assert sorted(path.name for path in samples.glob("stripe_*.json")) == sorted(STRIPE_SAMPLES)


@pytest.mark.parametrize("name", sorted(STRIPE_SAMPLES))
def test_stripe_sample_replayed_through_the_view(samples, deliver_stripe, name):
    raw = (samples / name).read_bytes()
    event = json.loads(raw)
    if event.get("object") == "dispute":
        raw = json.dumps({"id": "evt_wrapped_openapi_dispute", "object": "event", "type": "charge.dispute.created",
                          "created": event["created"], "data": {"object": event}}).encode()
        event = json.loads(raw)
    dispute_object = event["data"]["object"]
    reference = dispute_object.get("payment_intent") or dispute_object["charge"]
    payment = factories.payment(provider="stripe", provider_payment_id=reference)

    response = deliver_stripe(raw)

    assert response.status_code == 200
    assert response.json()["status"] == "stored"
    stored = InboundWebhookEvent.objects.get()
    assert (stored.provider, stored.event_id, stored.event_type, stored.status) == (
        "stripe", event["id"], event["type"], WebhookStatus.PROCESSED)
    assert stored.body == raw.decode()
    dispute = Dispute.objects.get()
    fields = {name: getattr(dispute, name) for name in STRIPE_SAMPLES[name]}
    assert fields == STRIPE_SAMPLES[name]
    assert (dispute.payment_id, dispute.order_id) == (payment.pk, payment.order_id)
    assert dispute.raw == dispute_object
    assert dispute.provider_updated_at == at(event["created"])
    timeline = list(DisputeEvent.objects.values_list("provider_event_id", "type", "from_status", "to_status",
                                                     "applied"))
    assert timeline == [(event["id"], event["type"], "", dispute.status, True)]
    assert api.order_has_open_dispute(order_id=payment.order_id) is dispute.is_open


@pytest.mark.parametrize(("first", "second"), [
    ("stripe_charge.dispute.updated.json", "stripe_charge.dispute.closed.json"),
    ("stripe_charge.dispute.funds_withdrawn.dj-stripe.json", "stripe_charge.dispute.funds_reinstated.dj-stripe.json"),
])
def test_samples_sharing_an_event_id_are_one_event(samples, deliver_stripe, first, second):
    """Two pairs of fixtures reuse one event id for different event types: Stripe's id is the identity, so the
    second delivery is a duplicate and changes nothing."""
    first_raw, second_raw = (samples / first).read_bytes(), (samples / second).read_bytes()
    assert json.loads(first_raw)["id"] == json.loads(second_raw)["id"]

    assert deliver_stripe(first_raw).json()["status"] == "stored"
    assert deliver_stripe(second_raw).json()["status"] == "duplicate"

    assert InboundWebhookEvent.objects.count() == 1
    assert DisputeEvent.objects.count() == 1
    assert Dispute.objects.get().status == json.loads(first_raw)["data"]["object"]["status"]


# -- Stripe signatures -------------------------------------------------------------------------------------------

BODY = stripe_event("evt_sig_1", "charge.dispute.created", 1_700_000_000, status="needs_response")


BAD_SIGNATURES = [
    ("missing signature", BODY, None),
    ("wrong secret", BODY, stripe_signature(BODY, secret="whsec_someone_else")),
    ("timestamp older than 300 s", BODY, stripe_signature(BODY, timestamp=int(time.time()) - 301)),
    ("altered body", BODY.replace(b"4200", b"9200"), stripe_signature(BODY)),
    ("malformed header", BODY, "t=abc,v9=zzz"),
    ("no v1 scheme", BODY, "t=1700000000"),
]


# Named by case: a signature holds the time, and every test process must collect the same test ids.
@pytest.mark.parametrize(("case", "body", "signature"), BAD_SIGNATURES, ids=[case for case, *_ in BAD_SIGNATURES])
def test_bad_stripe_signatures_answer_400_and_store_nothing(deliver_stripe, case, body, signature):
    response = deliver_stripe(body, signature=signature, sign=signature is not None)
    assert response.status_code == 400, case
    assert nothing_stored()


def test_stripe_not_configured_answers_400_and_stores_nothing(deliver_stripe, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    assert deliver_stripe(BODY).status_code == 400
    assert nothing_stored()


@pytest.mark.parametrize("body", [b"not json", b'["a list"]', b'{"object": "event", "no": "id"}', b"\xff\xfe"])
def test_malformed_stripe_bodies_answer_400_and_store_nothing(deliver_stripe, body):
    assert deliver_stripe(body, signature=stripe_signature(body)).status_code == 400
    assert nothing_stored()


def test_stripe_webhook_is_post_only():
    assert Client().get(reverse("webhook-stripe")).status_code == 405


# -- Stripe ordering, duplicates, closed, funds ---------------------------------------------------------------------

def test_a_duplicate_delivery_is_one_event(deliver_stripe):
    assert deliver_stripe(BODY).json()["status"] == "stored"
    assert deliver_stripe(BODY).json()["status"] == "duplicate"
    assert InboundWebhookEvent.objects.count() == 1
    assert DisputeEvent.objects.count() == 1
    assert Dispute.objects.get().status == "needs_response"


def test_updated_before_created_ends_in_the_updated_state(deliver_stripe):
    deliver_stripe(stripe_event("evt_2", "charge.dispute.updated", 1_700_000_500, status="under_review"))
    deliver_stripe(stripe_event("evt_1", "charge.dispute.created", 1_700_000_000, status="needs_response"))

    dispute = Dispute.objects.get()
    assert (dispute.status, dispute.provider_updated_at) == ("under_review", at(1_700_000_500))
    assert list(dispute.events.order_by("occurred_at").values_list("provider_event_id", "applied")) == [
        ("evt_1", False), ("evt_2", True)]
    assert "out of order" in dispute.events.get(provider_event_id="evt_1").note


def test_an_older_update_after_a_newer_one_changes_nothing_but_the_timeline(deliver_stripe):
    deliver_stripe(stripe_event("evt_1", "charge.dispute.created", 1_700_000_000, status="needs_response"))
    deliver_stripe(stripe_event("evt_3", "charge.dispute.updated", 1_700_000_900, status="under_review",
                                due_by=1_700_700_000))
    deliver_stripe(stripe_event("evt_2", "charge.dispute.updated", 1_700_000_500, status="needs_response",
                                due_by=1_700_650_000))

    dispute = Dispute.objects.get()
    assert (dispute.status, dispute.respond_by, dispute.provider_updated_at) == (
        "under_review", at(1_700_700_000), at(1_700_000_900))
    assert dispute.events.count() == 3
    assert list(dispute.events.filter(applied=False).values_list("provider_event_id", flat=True)) == ["evt_2"]


def test_closed_stays_closed(deliver_stripe):
    deliver_stripe(stripe_event("evt_1", "charge.dispute.created", 1_700_000_000, status="needs_response"))
    deliver_stripe(stripe_event("evt_2", "charge.dispute.closed", 1_700_001_000, status="won"))
    deliver_stripe(stripe_event("evt_3", "charge.dispute.updated", 1_700_002_000, status="under_review"))

    dispute = Dispute.objects.get()
    assert (dispute.status, dispute.outcome, dispute.closed_at) == ("won", "won", at(1_700_001_000))
    last = dispute.events.get(provider_event_id="evt_3")
    assert (last.from_status, last.to_status, last.applied) == ("won", "won", True)
    assert "stays closed" in last.note


def test_internal_deadline_is_the_earlier_of_seven_days_and_the_provider_deadline_less_48_hours(deliver_stripe):
    opened = 1_700_000_000
    deliver_stripe(stripe_event("evt_1", "charge.dispute.created", opened, status="needs_response",
                                opened=opened, due_by=opened + 5 * 86400))
    assert Dispute.objects.get().internal_deadline == at(opened + 3 * 86400)
    deliver_stripe(stripe_event("evt_2", "charge.dispute.updated", opened + 60, status="needs_response",
                                opened=opened, due_by=opened + 21 * 86400))
    assert Dispute.objects.get().internal_deadline == at(opened) + DAY


def test_funds_are_never_counted_twice(deliver_stripe):
    withdrawal = [{"id": "txn_1", "object": "balance_transaction", "amount": -4200, "currency": "usd"}]
    deliver_stripe(stripe_event("evt_1", "charge.dispute.created", 1_700_000_000, status="needs_response",
                                balance_transactions=withdrawal))
    deliver_stripe(stripe_event("evt_2", "charge.dispute.funds_withdrawn", 1_700_000_000, status="needs_response",
                                balance_transactions=withdrawal))
    # An older payload without balance transactions says the same thing again, under another event id.
    deliver_stripe(stripe_event("evt_3", "charge.dispute.funds_withdrawn", 1_700_000_100, status="needs_response"))
    reinstatement = [*withdrawal, {"id": "txn_2", "object": "balance_transaction", "amount": 4200, "currency": "usd"}]
    deliver_stripe(stripe_event("evt_4", "charge.dispute.funds_reinstated", 1_700_000_900, status="won",
                                balance_transactions=reinstatement))
    deliver_stripe(stripe_event("evt_5", "charge.dispute.closed", 1_700_000_900, status="won",
                                balance_transactions=reinstatement))

    dispute = Dispute.objects.get()
    assert (dispute.funds_withdrawn_minor, dispute.funds_reinstated_minor) == (4200, 4200)
    assert (dispute.status, dispute.outcome) == ("won", "won")
    assert dispute.events.count() == 5


def test_a_dispute_that_arrives_before_its_payment_is_linked_by_a_later_event(deliver_stripe):
    deliver_stripe(stripe_event("evt_1", "charge.dispute.created", 1_700_000_000, status="needs_response"))
    assert Dispute.objects.get().payment_id is None
    payment = factories.payment(provider="stripe", provider_payment_id="ch_test_1")
    deliver_stripe(stripe_event("evt_2", "charge.dispute.updated", 1_700_000_100, status="under_review"))
    dispute = Dispute.objects.get()
    assert (dispute.payment_id, dispute.order_id, dispute.payment_reference) == (
        payment.pk, payment.order_id, "ch_test_1")
    [summary] = api.disputes_for_order(order_id=payment.order_id)
    assert (summary.provider_id, summary.status, summary.is_open) == ("dp_test_1", "under_review", True)


# -- PayPal ---------------------------------------------------------------------------------------------------------

def paypal_headers(sample_headers: dict) -> dict:
    return {name.title(): value for name, value in sample_headers.items()}


@pytest.fixture
def deliver_paypal(django_capture_on_commit_callbacks, tasks_inline):
    def run(body: bytes, headers: dict):
        with django_capture_on_commit_callbacks(execute=True):
            return Client().post(reverse("webhook-paypal"), body, content_type="application/json", headers=headers)
    return run


@pytest.fixture
def delivery(samples):
    meta = json.loads((samples / "paypal_webhook_delivery.paypal-python-sdk.headers.json").read_bytes())
    raw = (samples / "paypal_webhook_delivery.paypal-python-sdk.body.json").read_bytes()
    return raw, meta


def token_ok(http, token=None, expires_in=32400):
    http.add(responses.POST, TOKEN_URL, json={"access_token": token or TEST_TOKEN, "token_type": "Bearer",
                                              "expires_in": expires_in})


def test_paypal_sample_delivery_sends_exactly_the_documented_verification_request(http, delivery, deliver_paypal,
                                                                                   settings):
    raw, meta = delivery
    settings.PAYPAL_WEBHOOK_ID = meta["webhook_id"]
    token_ok(http)
    http.add(responses.POST, VERIFY_URL, json={"verification_status": "SUCCESS"})

    response = deliver_paypal(raw, paypal_headers(meta["headers"]))

    assert response.status_code == 200
    token_call, verify_call = http.calls
    expected_basic = base64.b64encode(f"{PAYPAL_CLIENT}:{PAYPAL_SECRET}".encode()).decode()
    assert token_call.request.headers["Authorization"] == f"Basic {expected_basic}"
    assert token_call.request.body == "grant_type=client_credentials"
    assert verify_call.request.headers["Authorization"] == f"Bearer {TEST_TOKEN}"
    sent = verify_call.request.body
    headers = meta["headers"]
    assert json.loads(sent) == {
        "auth_algo": "sha256",  # as in the SDK's sample; real deliveries send SHA256withRSA
        "cert_url": headers["PAYPAL-CERT-URL"],
        "transmission_id": headers["PAYPAL-TRANSMISSION-ID"],
        "transmission_sig": headers["PAYPAL-TRANSMISSION-SIG"],
        "transmission_time": headers["PAYPAL-TRANSMISSION-TIME"],
        "webhook_id": "4JH86294D6297924G",
        "webhook_event": json.loads(raw),
    }
    assert raw in sent  # the raw body travels verbatim, not re-serialised
    stored = InboundWebhookEvent.objects.get()
    assert (stored.provider, stored.event_id, stored.event_type, stored.body) == (
        "paypal", "WH-0G2756385H040842W-5Y612302CV158622M", "PAYMENT.SALE.COMPLETED", raw.decode())
    assert stored.status == WebhookStatus.IGNORED  # not a dispute event: kept, handled by nobody here
    assert Dispute.objects.count() == 0


def test_paypal_sample_crc32_and_signed_string_match_the_worked_out_values(delivery):
    raw, meta = delivery
    crc = zlib.crc32(raw)
    headers = meta["headers"]
    signed = f"{headers['PAYPAL-TRANSMISSION-ID']}|{headers['PAYPAL-TRANSMISSION-TIME']}|{meta['webhook_id']}|{crc}"
    assert crc == meta["derived"]["crc32_decimal_of_raw_body"] == 2771810304
    assert signed == meta["derived"]["signed_message"]
    # One changed byte (a space the JSON parser would not notice) changes the CRC: the bytes are what is signed.
    assert zlib.crc32(raw.replace(b'"id":', b'"id": ', 1)) != crc


@pytest.mark.parametrize(("case", "register"), [
    ("FAILURE", lambda http: http.add(responses.POST, VERIFY_URL, json={"verification_status": "FAILURE"})),
    ("400 from PayPal", lambda http: http.add(responses.POST, VERIFY_URL, status=400,
                                              json={"name": "VALIDATION_ERROR"})),
    ("timeout", lambda http: http.add(responses.POST, VERIFY_URL, body=requests.exceptions.ReadTimeout("slow"))),
    ("503 from PayPal", lambda http: http.add(responses.POST, VERIFY_URL, status=503)),
])
def test_paypal_delivery_not_verified_answers_400_and_stores_nothing(http, delivery, deliver_paypal, settings, case,
                                                                     register):
    raw, meta = delivery
    settings.PAYPAL_WEBHOOK_ID = meta["webhook_id"]
    token_ok(http)
    register(http)
    assert deliver_paypal(raw, paypal_headers(meta["headers"])).status_code == 400, case
    assert nothing_stored()


def test_paypal_token_timeout_answers_400_and_stores_nothing(http, delivery, deliver_paypal):
    raw, meta = delivery
    http.add(responses.POST, TOKEN_URL, body=requests.exceptions.ConnectTimeout("slow"))
    assert deliver_paypal(raw, paypal_headers(meta["headers"])).status_code == 400
    assert nothing_stored()
    assert [call.request.url for call in http.calls] == [TOKEN_URL]


def test_paypal_missing_headers_are_refused_without_asking_paypal(http, delivery, deliver_paypal):
    raw, meta = delivery
    headers = paypal_headers(meta["headers"])
    del headers["Paypal-Transmission-Sig"]
    assert deliver_paypal(raw, headers).status_code == 400
    assert nothing_stored()
    assert len(http.calls) == 0


def test_paypal_not_configured_answers_400_without_any_call(http, delivery, deliver_paypal, settings):
    raw, meta = delivery
    settings.PAYPAL_WEBHOOK_ID = ""
    assert deliver_paypal(raw, paypal_headers(meta["headers"])).status_code == 400
    assert nothing_stored()
    assert len(http.calls) == 0


def test_paypal_token_is_cached_and_renewed_once_when_refused(http, delivery, deliver_paypal):
    raw, meta = delivery
    headers = paypal_headers(meta["headers"])
    token_ok(http, token="first")
    http.add(responses.POST, VERIFY_URL, json={"verification_status": "SUCCESS"})
    assert deliver_paypal(raw, headers).status_code == 200
    assert deliver_paypal(raw, headers).json()["status"] == "duplicate"
    assert [call.request.url for call in http.calls] == [TOKEN_URL, VERIFY_URL, VERIFY_URL]

    http.reset()
    http.add(responses.POST, VERIFY_URL, status=401, json={"error": "invalid_token"})
    token_ok(http, token="second")
    http.add(responses.POST, VERIFY_URL, json={"verification_status": "SUCCESS"})
    other = raw.replace(b"WH-0G2756385H040842W-5Y612302CV158622M", b"WH-SECOND-DELIVERY")
    assert deliver_paypal(other, headers).status_code == 200
    assert [call.request.headers.get("Authorization") for call in http.calls][-1] == "Bearer second"
    assert InboundWebhookEvent.objects.count() == 2


def resolved_event(samples) -> dict:
    dispute = json.loads((samples / "paypal_show_dispute_details.resolved_PP-D-33305.shopware.json").read_bytes())
    return {"id": "WH-TEST-PP-D-33305-RESOLVED", "event_version": "1.0", "create_time": "2020-12-01T14:33:05.000Z",
            "resource_type": "dispute", "event_type": "CUSTOMER.DISPUTE.RESOLVED",
            "summary": "A dispute was resolved", "resource": dispute}


def test_paypal_dispute_sample_resolved_through_the_view(http, samples, delivery, deliver_paypal):
    _raw, meta = delivery
    order = factories.order(market_code="UK", unit_price_minor=2000)
    payment = factories.payment(order, provider="paypal", provider_payment_id="4BE79548VW224290D")
    token_ok(http)
    http.add(responses.POST, VERIFY_URL, json={"verification_status": "SUCCESS"})
    event = resolved_event(samples)

    response = deliver_paypal(json.dumps(event).encode(), paypal_headers(meta["headers"]))

    assert response.status_code == 200
    assert InboundWebhookEvent.objects.get().status == WebhookStatus.PROCESSED
    dispute = Dispute.objects.get()
    opened = datetime(2020, 12, 1, 14, 32, 23, tzinfo=UTC)
    assert {name: getattr(dispute, name) for name in (
        "provider", "provider_id", "status", "provider_status", "outcome", "stage", "reason", "provider_reason",
        "currency", "amount_minor", "opened_at", "closed_at", "respond_by", "internal_deadline",
        "funds_withdrawn_minor", "funds_reinstated_minor", "provider_updated_at", "payment_id", "order_id",
        "payment_reference")} == {
        "provider": "paypal", "provider_id": "PP-D-33305", "status": "lost", "provider_status": "RESOLVED",
        "outcome": "lost", "stage": "chargeback", "reason": "general", "provider_reason": "INCORRECT_AMOUNT",
        "currency": "GBP", "amount_minor": 800, "opened_at": opened,
        "closed_at": datetime(2020, 12, 1, 14, 33, 1, tzinfo=UTC), "respond_by": None,
        "internal_deadline": opened + DAY,
        # PayPal's sample debits the seller 84.64 GBP on an 8.00 dispute of a 20.00 payment: kept as reported.
        "funds_withdrawn_minor": 8464, "funds_reinstated_minor": 0,
        "provider_updated_at": datetime(2020, 12, 1, 14, 33, 1, tzinfo=UTC),
        "payment_id": payment.pk, "order_id": order.pk, "payment_reference": "4BE79548VW224290D"}
    assert api.order_has_open_dispute(order_id=order.pk) is False


def test_paypal_older_update_after_resolution_leaves_it_resolved(samples):
    dispute_upsert_from_paypal(event=resolved_event(samples))
    older = resolved_event(samples)
    older["id"], older["event_type"] = "WH-TEST-OLDER-UPDATE", "CUSTOMER.DISPUTE.UPDATED"
    older["create_time"] = "2020-12-01T14:32:51.000Z"
    older["resource"] = {**older["resource"], "status": "UNDER_REVIEW", "update_time": "2020-12-01T14:32:50.000Z",
                         "dispute_outcome": None}
    dispute_upsert_from_paypal(event=older)
    dispute_upsert_from_paypal(event=older)  # and again: still one timeline row for it

    dispute = Dispute.objects.get()
    assert (dispute.status, dispute.outcome) == ("lost", "lost")
    assert list(dispute.events.values_list("provider_event_id", "applied")) == [
        ("WH-TEST-OLDER-UPDATE", False), ("WH-TEST-PP-D-33305-RESOLVED", True)]


def test_paypal_open_dispute_with_a_seller_deadline(samples):
    event = resolved_event(samples)
    event["id"], event["event_type"] = "WH-TEST-CREATED", "CUSTOMER.DISPUTE.CREATED"
    event["resource"] = {**event["resource"], "status": "WAITING_FOR_SELLER_RESPONSE", "dispute_outcome": None,
                         "dispute_life_cycle_stage": "INQUIRY", "reason": "MERCHANDISE_OR_SERVICE_NOT_RECEIVED",
                         "seller_response_due_date": "2020-12-05T10:00:00.000Z", "money_movements": []}
    dispute = dispute_upsert_from_paypal(event=event)
    assert (dispute.status, dispute.stage, dispute.reason, dispute.outcome, dispute.closed_at) == (
        "needs_response", "inquiry", "product_not_received", "", None)
    assert dispute.respond_by == datetime(2020, 12, 5, 10, 0, tzinfo=UTC)
    assert dispute.internal_deadline == datetime(2020, 12, 3, 10, 0, tzinfo=UTC)


def test_admin_shows_a_dispute_and_its_timeline_read_only(deliver_stripe, admin_client):
    deliver_stripe(stripe_event("evt_1", "charge.dispute.created", 1_700_000_000, status="needs_response"))
    dispute = Dispute.objects.get()
    changelist = admin_client.get(reverse("admin:disputes_dispute_changelist"))
    page = admin_client.get(reverse("admin:disputes_dispute_change", args=[dispute.pk]))
    assert (changelist.status_code, page.status_code) == (200, 200)
    assert b"dp_test_1" in changelist.content
    assert b"evt_1" in page.content
    assert admin_client.get(reverse("admin:disputes_dispute_add")).status_code == 403
