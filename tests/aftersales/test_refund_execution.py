"""A refund from the ledger to the provider and back: ``refund_create(execute=False)``, then
``refund_execute_task`` run in-process with ``apply()``.

Under ``apply()`` Celery runs a retry at once and in the same process (the countdown is not waited for), so
one ``apply()`` plays the whole retry sequence a worker would: these tests prove which requests that sequence
sends. The gateways are configured through Django settings, so ``gateway_for`` picks them as in production;
HTTP is intercepted at the transport (``responses``), in order, each answer used once and all of them used.
"""

import json
from urllib.parse import parse_qsl

import pytest
import responses
import stripe
from responses import matchers
from responses.registries import OrderedRegistry

from aftersales.choices import RefundCause, RefundSource, RefundStatus
from aftersales.integrations.base import TransientProviderError
from aftersales.integrations.manual import ManualGateway
from aftersales.integrations.paypal.gateway import PayPalGateway
from aftersales.integrations.registry import gateway_for
from aftersales.integrations.stripe.gateway import StripeGateway
from aftersales.models import Refund
from aftersales.services.refunds import refund_create, refundable_minor
from aftersales.tasks import refund_execute_task
from tests import factories

pytestmark = pytest.mark.django_db

STRIPE_KEY = "sk_test_execution_51HxYz"
STRIPE_REFUNDS = "https://api.stripe.com/v1/refunds"
CHARGE = "ch_3PExecCharge"

PAYPAL_ID, PAYPAL_SECRET = "paypal-client-id-exec", "paypal-client-secret-exec"
PAYPAL_TOKEN = "A21AAExecAccessToken"
PAYPAL_API = "https://api-m.sandbox.paypal.com"
CAPTURE = "7TK53561YB803214S"


@pytest.fixture(autouse=True)
def providers(settings, monkeypatch):
    settings.STRIPE_SECRET_KEY = STRIPE_KEY
    settings.PAYPAL_MODE = "sandbox"
    settings.PAYPAL_CLIENT_ID = PAYPAL_ID
    settings.PAYPAL_CLIENT_SECRET = PAYPAL_SECRET
    settings.STORE_NAME = "Demo Store"  # PayPal's note_to_payer names the store
    monkeypatch.setattr(stripe, "enable_telemetry", False)  # no ~/.config/stripe file, no timing reports


@pytest.fixture
def http():
    with responses.RequestsMock(assert_all_requests_are_fired=True, registry=OrderedRegistry) as mock:
        yield mock


def planned(provider, reference, *, captured=5000, amount=5000):
    payment = factories.payment(provider=provider, provider_payment_id=reference, captured_minor=captured)
    return refund_create(payment=payment, amount_minor=amount, cause=RefundCause.RETURN, source=RefundSource.DESK,
                         reason="damaged in transit", execute=False)


def stripe_form(refund):
    return {"charge": CHARGE, "amount": str(refund.amount_minor), "metadata[refund_id]": str(refund.pk)}


def stripe_answers(http, refund, **answer):
    http.add(responses.POST, STRIPE_REFUNDS, **answer, match=[
        matchers.urlencoded_params_matcher(stripe_form(refund)),
        matchers.header_matcher({"Authorization": f"Bearer {STRIPE_KEY}",
                                 "Idempotency-Key": str(refund.idempotency_key)})])


def stripe_lists(http, refunds=(), **answer):
    """Stripe's answer to listing the charge's refunds (what ``refund_execute`` asks before sending again)."""
    body = answer.pop("json", None) or {"object": "list", "url": "/v1/refunds", "has_more": False,
                                        "data": list(refunds)}
    http.add(responses.GET, STRIPE_REFUNDS, json=body, **answer, match=[
        matchers.query_param_matcher({"charge": CHARGE, "limit": "100"}),
        matchers.header_matcher({"Authorization": f"Bearer {STRIPE_KEY}"})])


def stripe_refund(refund, status="succeeded", **fields):
    return {"id": "re_3PExecRefund", "object": "refund", "amount": refund.amount_minor, "charge": CHARGE,
            "currency": "usd", "metadata": {"refund_id": str(refund.pk)}, "status": status, **fields}


def paypal_token(http):
    http.add(responses.POST, f"{PAYPAL_API}/v1/oauth2/token",
             json={"access_token": PAYPAL_TOKEN, "token_type": "Bearer", "expires_in": 32400},
             match=[matchers.urlencoded_params_matcher({"grant_type": "client_credentials"})])


def paypal_answers(http, refund, *, note="Refund from Demo Store", **answer):
    sent = {"amount": {"value": "50.00", "currency_code": "USD"}, "note_to_payer": note}
    http.add(responses.POST, f"{PAYPAL_API}/v2/payments/captures/{CAPTURE}/refund", **answer, match=[
        matchers.json_params_matcher(sent, strict_match=True),
        matchers.header_matcher({"Authorization": f"Bearer {PAYPAL_TOKEN}",
                                 "PayPal-Request-Id": str(refund.idempotency_key)})])


def timeline(refund):
    return list(refund.events.values_list("from_status", "to_status"))


def test_configured_settings_pick_the_provider_gateways(settings):
    assert isinstance(gateway_for("stripe"), StripeGateway)
    assert isinstance(gateway_for("paypal"), PayPalGateway)
    settings.STRIPE_SECRET_KEY = settings.PAYPAL_CLIENT_SECRET = ""
    assert isinstance(gateway_for("stripe"), ManualGateway)
    assert isinstance(gateway_for("paypal"), ManualGateway)


def test_stripe_transient_failure_then_success_sends_the_same_key_twice_and_refunds_once(http):
    refund = planned("stripe", CHARGE)
    stripe_answers(http, refund, status=503, json={"error": {"type": "api_error", "message": "Try again later."}})
    stripe_lists(http)  # not made: send it again
    stripe_answers(http, refund, json=stripe_refund(refund))

    result = refund_execute_task.apply(args=[refund.pk])

    assert (result.successful(), result.get()) == (True, "succeeded")
    posts = [call for call in http.calls if call.request.method == "POST"]
    assert [call.request.headers["Idempotency-Key"] for call in posts] == [str(refund.idempotency_key)] * 2
    assert [dict(parse_qsl(call.request.body)) for call in posts] == [stripe_form(refund)] * 2
    refund.refresh_from_db()
    assert (refund.status, refund.provider_refund_id, refund.attempts, refund.failure_message) == (
        "succeeded", "re_3PExecRefund", 2, "")
    assert refund.succeeded_at is not None
    assert list(Refund.objects.filter(payment=refund.payment).values_list("status", "provider_refund_id")) == [
        ("succeeded", "re_3PExecRefund")]
    assert timeline(refund) == [("", "planned"), ("planned", "requested"), ("requested", "succeeded")]


def test_paypal_transient_failure_then_success_sends_the_same_request_id_twice_and_refunds_once(http):
    refund = planned("paypal", CAPTURE)
    paypal_token(http)
    paypal_answers(http, refund, status=500, json={"name": "INTERNAL_SERVER_ERROR",
                                                   "message": "An internal server error occurred."})
    paypal_token(http)
    paypal_answers(http, refund, status=201, json={"id": "0RX31594MB171221W", "status": "COMPLETED"})

    result = refund_execute_task.apply(args=[refund.pk])

    assert (result.successful(), result.get()) == (True, "succeeded")
    refund_calls = [call for call in http.calls if call.request.url.endswith("/refund")]
    assert [call.request.headers["PayPal-Request-Id"] for call in refund_calls] == [str(refund.idempotency_key)] * 2
    assert json.loads(refund_calls[0].request.body) == json.loads(refund_calls[1].request.body)
    refund.refresh_from_db()
    assert (refund.status, refund.provider_refund_id, refund.attempts) == ("succeeded", "0RX31594MB171221W", 2)
    assert Refund.objects.filter(payment=refund.payment, status=RefundStatus.SUCCEEDED).count() == 1


def test_retries_are_bounded_and_an_unanswered_refund_keeps_its_amount(http):
    refund = planned("stripe", CHARGE)
    attempts = 1 + refund_execute_task.max_retries
    for attempt in range(attempts):
        if attempt:
            stripe_lists(http)
        stripe_answers(http, refund, status=503, json={"error": {"type": "api_error", "message": "Try again."}})

    result = refund_execute_task.apply(args=[refund.pk])

    assert result.failed()
    assert isinstance(result.result, TransientProviderError)
    posts = [call for call in http.calls if call.request.method == "POST"]
    assert [call.request.headers["Idempotency-Key"] for call in posts] == [str(refund.idempotency_key)] * attempts
    refund.refresh_from_db()
    # Never marked failed: Stripe may yet have made it, so its amount stays taken.
    assert (refund.status, refund.attempts, refund.provider_refund_id) == ("requested", attempts, "")
    assert refundable_minor(refund.payment) == 0


def test_stripe_refusal_fails_the_refund_with_stripes_message_and_frees_the_amount(http):
    refund = planned("stripe", CHARGE)
    stripe_answers(http, refund, status=400, json={"error": {
        "type": "invalid_request_error", "code": "charge_already_refunded", "param": "",
        "message": f"Charge {CHARGE} has already been refunded."}})

    result = refund_execute_task.apply(args=[refund.pk])

    assert result.get() == "failed"
    assert len(http.calls) == 1  # a refusal is not retried
    refund.refresh_from_db()
    assert refund.status == "failed"
    assert refund.failure_message == (f"Stripe refused the refund: Charge {CHARGE} has already been refunded. "
                                      "(charge_already_refunded)")
    assert refund.failed_at is not None
    assert timeline(refund) == [("", "planned"), ("planned", "requested"), ("requested", "failed")]
    assert refundable_minor(refund.payment) == 5000
    again = refund_create(payment=refund.payment, amount_minor=5000, cause=RefundCause.RETURN,
                          source=RefundSource.DESK, execute=False)
    assert again.status == "planned"


def test_paypal_refusal_fails_the_refund_with_paypals_issue_and_frees_the_amount(http):
    refund = planned("paypal", CAPTURE)
    paypal_token(http)
    paypal_answers(http, refund, status=422, json={
        "name": "UNPROCESSABLE_ENTITY", "debug_id": "90f3ab0a7c1e1",
        "message": "The requested action could not be performed, semantically incorrect, or failed business "
                   "validation.",
        "details": [{"issue": "CAPTURE_FULLY_REFUNDED", "description": "The capture has already been fully refunded"}]})

    assert refund_execute_task.apply(args=[refund.pk]).get() == "failed"

    assert len(http.calls) == 2
    refund.refresh_from_db()
    assert (refund.status, refund.failure_message) == (
        "failed", "PayPal refused the refund: The capture has already been fully refunded (CAPTURE_FULLY_REFUNDED)")
    assert refundable_minor(refund.payment) == 5000


def test_stripe_failed_refund_object_fails_the_refund_and_keeps_its_id(http):
    refund = planned("stripe", CHARGE)
    stripe_answers(http, refund, json=stripe_refund(refund, "failed", failure_reason="lost_or_stolen_card"))

    assert refund_execute_task.apply(args=[refund.pk]).get() == "failed"

    refund.refresh_from_db()
    assert (refund.status, refund.provider_refund_id, refund.failure_message) == (
        "failed", "re_3PExecRefund",
        "Stripe did not complete the refund: the card was reported lost or stolen (lost_or_stolen_card).")
    assert refundable_minor(refund.payment) == 5000


def test_pending_refund_stays_requested_with_the_provider_id(http):
    refund = planned("stripe", CHARGE)
    stripe_answers(http, refund, json=stripe_refund(refund, "pending"))

    assert refund_execute_task.apply(args=[refund.pk]).get() == "requested"

    refund.refresh_from_db()
    assert (refund.status, refund.provider_refund_id) == ("requested", "re_3PExecRefund")
    assert refundable_minor(refund.payment) == 0


@pytest.mark.parametrize(("answer", "settled"), [
    ({}, "succeeded"),
    ({"status": 400, "json": {"error": {"type": "invalid_request_error", "code": "charge_disputed",
                                        "message": f"Charge {CHARGE} has been charged back; cannot issue a refund."}}},
     "failed"),
], ids=["succeeded", "failed"])
def test_running_the_task_again_on_a_settled_refund_calls_the_provider_no_more(http, answer, settled):
    refund = planned("stripe", CHARGE)
    stripe_answers(http, refund, **(answer or {"json": stripe_refund(refund)}))
    assert refund_execute_task.apply(args=[refund.pk]).get() == settled
    refund.refresh_from_db()
    before = (refund.status, refund.attempts, refund.failure_message, timeline(refund))

    assert refund_execute_task.apply(args=[refund.pk]).get() == settled
    assert refund_execute_task.apply(args=[refund.pk]).get() == settled

    assert len(http.calls) == 1  # only the first run reached Stripe; nothing else is registered

    refund.refresh_from_db()
    assert (refund.status, refund.attempts, refund.failure_message, timeline(refund)) == before


# -- Stripe replays a saved 500 to the same idempotency key: the payment's refunds say what happened -----------

def test_a_refund_stripe_made_behind_a_500_is_found_and_not_sent_again(http):
    refund = planned("stripe", CHARGE)
    stripe_answers(http, refund, status=500, json={"error": {"type": "api_error", "message": "Internal error."}})
    other = {**stripe_refund(refund), "id": "re_someone_else", "metadata": {"refund_id": "99999"}}
    stripe_lists(http, [other, stripe_refund(refund, id="re_3PBehindThe500")])

    result = refund_execute_task.apply(args=[refund.pk])

    assert (result.successful(), result.get()) == (True, "succeeded")
    assert [call.request.method for call in http.calls] == ["POST", "GET"]  # never a second POST
    refund.refresh_from_db()
    assert (refund.status, refund.provider_refund_id, refund.attempts) == ("succeeded", "re_3PBehindThe500", 2)
    assert Refund.objects.filter(payment=refund.payment).count() == 1
    assert refundable_minor(refund.payment) == 0


def test_the_stall_scan_settles_a_refund_whose_answer_was_lost(http):
    """The worker died after Stripe refunded: the refund stays requested until the periodic scan resumes it, and
    the lookup settles it without refunding again."""
    from datetime import timedelta

    from django.utils import timezone

    from aftersales.services.refunds import refunds_stalled

    refund = planned("stripe", CHARGE)
    Refund.objects.filter(pk=refund.pk).update(status=RefundStatus.REQUESTED, attempts=1,
                                               requested_at=timezone.now() - timedelta(minutes=20))
    stripe_lists(http, [stripe_refund(refund, status="pending")])

    assert list(refunds_stalled()) == [refund]  # what the periodic scan queues again
    assert refund_execute_task.apply(args=[refund.pk]).get() == "requested"

    refund.refresh_from_db()
    assert (refund.status, refund.provider_refund_id) == ("requested", "re_3PExecRefund")  # pending at Stripe
    assert [call.request.method for call in http.calls] == ["GET"]


def test_a_lookup_stripe_refuses_proves_nothing_and_the_refund_is_sent_again(http):
    refund = planned("stripe", CHARGE)
    stripe_answers(http, refund, status=500, json={"error": {"type": "api_error", "message": "Internal error."}})
    stripe_lists(http, status=400, json={"error": {"type": "invalid_request_error", "message": "No such charge"}})
    stripe_answers(http, refund, json=stripe_refund(refund))

    assert refund_execute_task.apply(args=[refund.pk]).get() == "succeeded"
    assert [call.request.method for call in http.calls] == ["POST", "GET", "POST"]


@pytest.mark.parametrize(("customer", "market", "note"), [
    ("de", ["en"], "Erstattung von Demo Store"),                 # the customer's own language
    ("fr-CA", ["en"], "Remboursement de Demo Store"),            # the nearest one we translate
    ("", ["es", "en"], "Reembolso de Demo Store"),               # else their market's first
    ("tlh", ["tlh"], "Refund from Demo Store"),                  # else the store's
])
def test_paypal_tells_the_buyer_in_the_buyer_s_language(http, customer, market, note):
    refund = planned("paypal", CAPTURE)
    refund.order.customer.language = customer
    refund.order.customer.save(update_fields=["language"])
    refund.order.market.languages = market
    refund.order.market.save(update_fields=["languages"])
    paypal_token(http)
    paypal_answers(http, refund, note=note, status=201, json={"id": "0RX31594MB171221W", "status": "COMPLETED"})

    assert refund_execute_task.apply(args=[refund.pk]).get() == "succeeded"
