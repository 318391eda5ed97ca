"""The Stripe and PayPal adapters on the wire: exactly what each sends, and how every answer maps onto a
``RefundResult`` or a transient / permanent ``ProviderError``.

HTTP is intercepted at the transport with ``responses``: requests must arrive in the registered order, each
registered answer is used once and must be used, and any other request fails (nothing reaches the network).
"""

import base64
import json
import logging
from urllib.parse import parse_qsl

import pytest
import requests
import responses
import stripe
from responses import matchers
from responses.registries import OrderedRegistry

from aftersales.integrations.base import (
    PermanentProviderError,
    RefundOutcome,
    RefundRequest,
    TransientProviderError,
)
from aftersales.integrations.paypal.gateway import PayPalGateway
from aftersales.integrations.stripe.gateway import StripeGateway

KEY = "0f3c9a52-5d0e-4b8e-9a51-6c1f3e0f7a10"

STRIPE_KEY = "sk_test_gateway_4eC39HqLyjWDarjtT1"
STRIPE_REFUNDS = "https://api.stripe.com/v1/refunds"
STRIPE_HEADERS = {"Authorization", "Idempotency-Key", "Content-Type", "Stripe-Version", "User-Agent",
                  "X-Stripe-Client-User-Agent", "Accept", "Accept-Encoding", "Connection", "Content-Length"}

PAYPAL_ID, PAYPAL_SECRET = "paypal-client-id-AbC", "paypal-client-secret-XyZ"
PAYPAL_BASIC = "Basic " + base64.b64encode(f"{PAYPAL_ID}:{PAYPAL_SECRET}".encode()).decode()
PAYPAL_TOKEN = "A21AAFakeAccessTokenForTests"
PAYPAL_SANDBOX = "https://api-m.sandbox.paypal.com"
CAPTURE = "2GG279541U471931P"
PAYPAL_HEADERS = {"Authorization", "Content-Type", "Accept", "User-Agent", "Accept-Encoding", "Connection",
                  "Content-Length"}


@pytest.fixture(autouse=True)
def _no_stripe_telemetry(monkeypatch):
    """Left on, the SDK writes ~/.config/stripe/telemetry_id and reports request timings on the next call."""
    monkeypatch.setattr(stripe, "enable_telemetry", False)


@pytest.fixture(autouse=True)
def _store_name(settings):
    settings.STORE_NAME = "Demo Store"  # PayPal's note_to_payer names the store


@pytest.fixture
def http():
    with responses.RequestsMock(assert_all_requests_are_fired=True, registry=OrderedRegistry) as mock:
        yield mock


# -- Stripe ----------------------------------------------------------------------------------------------

def stripe_request(reference="ch_3PTestCharge", amount_minor=1234, currency="USD"):
    return RefundRequest(payment_reference=reference, amount_minor=amount_minor, currency=currency,
                         idempotency_key=KEY, reason="return", metadata={"refund_id": "7"})


def stripe_refund(status="succeeded", **fields):
    return {"id": "re_3PTestRefund", "object": "refund", "amount": 1234, "charge": "ch_3PTestCharge",
            "currency": "usd", "metadata": {"refund_id": "7"}, "payment_intent": None, "reason": None,
            "status": status, **fields}


def stripe_answers(http, form, **answer):
    http.add(responses.POST, STRIPE_REFUNDS, **answer, match=[
        matchers.urlencoded_params_matcher(form),
        matchers.header_matcher({"Authorization": f"Bearer {STRIPE_KEY}", "Idempotency-Key": KEY,
                                 "Content-Type": "application/x-www-form-urlencoded"})])


def assert_stripe_call(call, form):
    sent = call.request
    assert (sent.method, sent.url) == ("POST", STRIPE_REFUNDS)
    assert dict(parse_qsl(sent.body, keep_blank_values=True)) == form
    assert set(sent.headers) == STRIPE_HEADERS  # nothing else: no Stripe-Account, no telemetry
    assert sent.headers["Authorization"] == f"Bearer {STRIPE_KEY}"
    assert sent.headers["Idempotency-Key"] == KEY
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"


CHARGE_FORM = {"charge": "ch_3PTestCharge", "amount": "1234", "metadata[refund_id]": "7"}


def test_stripe_refunds_a_charge_with_the_amount_and_the_idempotency_key(http):
    stripe_answers(http, CHARGE_FORM, json=stripe_refund())
    result = StripeGateway(api_key=STRIPE_KEY).refund(stripe_request())
    assert (result.outcome, result.provider_refund_id, result.message) == (RefundOutcome.SUCCEEDED,
                                                                           "re_3PTestRefund", "")
    assert result.raw["id"] == "re_3PTestRefund"
    assert len(http.calls) == 1
    assert_stripe_call(http.calls[0], CHARGE_FORM)


def test_stripe_refunds_a_payment_intent_with_payment_intent(http):
    form = {"payment_intent": "pi_3PTestIntent", "amount": "1234", "metadata[refund_id]": "7"}
    stripe_answers(http, form, json=stripe_refund(payment_intent="pi_3PTestIntent"))
    result = StripeGateway(api_key=STRIPE_KEY).refund(stripe_request(reference="pi_3PTestIntent"))
    assert (result.outcome, result.provider_refund_id) == (RefundOutcome.SUCCEEDED, "re_3PTestRefund")
    assert len(http.calls) == 1
    assert_stripe_call(http.calls[0], form)


@pytest.mark.parametrize(("refund", "outcome", "message"), [
    (stripe_refund("pending"), RefundOutcome.PENDING,
     "Stripe accepted the refund and has not completed it yet."),
    (stripe_refund("requires_action"), RefundOutcome.PENDING,
     "Stripe is waiting for the customer to act before it can complete the refund."),
    (stripe_refund("failed", failure_reason="expired_or_canceled_card"), RefundOutcome.FAILED,
     "Stripe did not complete the refund: the card has expired or was cancelled (expired_or_canceled_card)."),
    (stripe_refund("canceled", failure_reason="merchant_request"), RefundOutcome.FAILED,
     "Stripe did not complete the refund: the refund was cancelled at the merchant's request (merchant_request)."),
    (stripe_refund("failed", failure_reason="a_reason_added_later"), RefundOutcome.FAILED,
     "Stripe did not complete the refund: a_reason_added_later (a_reason_added_later)."),
    (stripe_refund("failed"), RefundOutcome.FAILED,
     "Stripe did not complete the refund: Stripe gave no reason (unknown)."),
    (stripe_refund("a_status_added_later"), RefundOutcome.PENDING,
     "Stripe accepted the refund and has not completed it yet."),
], ids=["pending", "requires_action", "failed", "canceled", "unknown_reason", "no_reason", "unknown_status"])
def test_stripe_refund_status_maps_onto_the_outcome(http, refund, outcome, message):
    stripe_answers(http, CHARGE_FORM, json=refund)
    result = StripeGateway(api_key=STRIPE_KEY).refund(stripe_request())
    assert (result.outcome, result.provider_refund_id, result.message) == (outcome, "re_3PTestRefund", message)
    assert len(http.calls) == 1


@pytest.mark.parametrize(("currency", "amount_minor", "sent"), [
    ("USD", 1234, "1234"),
    ("JPY", 1500, "1500"),     # zero-decimal in ISO and at Stripe
    ("KWD", 1230, "1230"),     # three decimals in both
    ("ISK", 500, "50000"),     # zero-decimal in ISO, two decimals in Stripe's API
    ("MGA", 150000, "1500"),   # two decimals in ISO, zero-decimal at Stripe
])
def test_stripe_amount_is_sent_in_stripes_minor_units(http, currency, amount_minor, sent):
    form = {**CHARGE_FORM, "amount": sent}
    stripe_answers(http, form, json=stripe_refund())
    StripeGateway(api_key=STRIPE_KEY).refund(stripe_request(amount_minor=amount_minor, currency=currency))
    assert_stripe_call(http.calls[0], form)


@pytest.mark.parametrize(("request_", "message"), [
    (stripe_request(reference="2GG279541U471931P"),
     "“2GG279541U471931P” is not a Stripe charge (ch_…) or payment intent (pi_…): "
     "this payment cannot be refunded through Stripe."),
    (stripe_request(currency="MGA", amount_minor=150050),
     "Stripe cannot refund fractions of a MGA unit: refund a whole amount instead."),
], ids=["not_a_charge", "fraction_of_a_unit"])
def test_stripe_refuses_what_it_cannot_send_without_calling_stripe(http, request_, message):
    with pytest.raises(PermanentProviderError) as raised:
        StripeGateway(api_key=STRIPE_KEY).refund(request_)
    assert raised.value.message == message
    assert len(http.calls) == 0


def stripe_error(code=None, message="", type_="invalid_request_error", **extra):
    return {"error": {**({"code": code} if code else {}), "message": message, "type": type_, **extra}}


@pytest.mark.parametrize(("status", "answer", "message"), [
    (400, {"json": stripe_error("charge_already_refunded", "Charge ch_3PTestCharge has already been refunded.",
                                param="", doc_url="https://stripe.com/docs/error-codes/charge-already-refunded")},
     "Stripe refused the refund: Charge ch_3PTestCharge has already been refunded. (charge_already_refunded)"),
    (400, {"json": stripe_error("amount_too_large", "Refund amount ($12.34) is greater than unrefunded amount on "
                                "charge ($10.00)", param="amount")},
     "Stripe refused the refund: Refund amount ($12.34) is greater than unrefunded amount on charge ($10.00) "
     "(amount_too_large)"),
    (404, {"json": stripe_error("resource_missing", "No such charge: 'ch_3PTestCharge'", param="charge")},
     "Stripe refused the refund: No such charge: 'ch_3PTestCharge' (resource_missing)"),
    (402, {"json": stripe_error("expired_card", "Your card has expired.", type_="card_error")},
     "Stripe refused the refund: Your card has expired. (expired_card)"),
    (400, {"json": stripe_error(None, "Keys for idempotent requests can only be used with the same parameters they "
                                "were first used with.", type_="idempotency_error")},
     "Stripe refused the refund: Keys for idempotent requests can only be used with the same parameters they were "
     "first used with."),
    (401, {"json": stripe_error(None, "Invalid API Key provided: sk_test_****eT1")},
     "Stripe refused the refund: Invalid API Key provided: sk_test_****eT1"),
    (403, {"json": stripe_error(None, "The provided key does not have the required permissions.")},
     "Stripe refused the refund: The provided key does not have the required permissions."),
], ids=["charge_already_refunded", "amount_too_large", "no_such_charge", "card_error", "idempotency_key_reused",
        "bad_api_key", "restricted_key"])
def test_stripe_refusals_are_permanent_with_stripes_message(http, status, answer, message):
    stripe_answers(http, CHARGE_FORM, status=status, **answer)
    with pytest.raises(PermanentProviderError) as raised:
        StripeGateway(api_key=STRIPE_KEY).refund(stripe_request())
    assert raised.value.message == message
    assert raised.value.raw == answer["json"]
    assert len(http.calls) == 1


@pytest.mark.parametrize(("status", "answer"), [
    (500, {"json": stripe_error(None, "An unknown error occurred", type_="api_error")}),
    (502, {"body": "<html><body>Bad gateway</body></html>", "content_type": "text/html"}),
    (503, {"json": stripe_error(None, "Stripe is temporarily unavailable.", type_="api_error")}),
    (429, {"json": stripe_error("rate_limit", "Too many requests hit the API too quickly.")}),
    (429, {"json": stripe_error("lock_timeout", "This object cannot be accessed right now because another API "
                                "request or Stripe process is currently accessing it.")}),
    (409, {"json": stripe_error("idempotency_key_in_use", "There is currently another in-progress request using "
                                "this Idempotent Key. Please try again later.")}),
    (400, {"json": stripe_error("some_future_code", "Try again."), "headers": {"Stripe-Should-Retry": "true"}}),
], ids=["500", "502_html", "503", "429_rate_limit", "429_lock_timeout", "409_idempotency_key_in_use",
        "should_retry_header"])
def test_stripe_errors_worth_retrying_are_transient_and_the_sdk_does_not_retry(http, status, answer):
    stripe_answers(http, CHARGE_FORM, status=status, **answer)
    with pytest.raises(TransientProviderError) as raised:
        StripeGateway(api_key=STRIPE_KEY).refund(stripe_request())
    assert raised.value.message == (f"Stripe could not take the refund right now (HTTP {status}); it will be "
                                    "retried with the same idempotency key.")
    assert len(http.calls) == 1  # one request: retries belong to the Celery task


@pytest.mark.parametrize("failure", [requests.ConnectionError("connection refused"),
                                     requests.ConnectTimeout("connect timed out"),
                                     requests.ReadTimeout("read timed out")],
                         ids=["connection_error", "connect_timeout", "read_timeout"])
def test_stripe_network_failures_are_transient(http, failure):
    stripe_answers(http, CHARGE_FORM, body=failure)
    with pytest.raises(TransientProviderError) as raised:
        StripeGateway(api_key=STRIPE_KEY).refund(stripe_request())
    assert raised.value.message == (f"Stripe could not be reached ({type(failure).__name__}); the refund will be "
                                    "retried with the same idempotency key.")
    assert len(http.calls) == 1


def test_stripe_key_never_reaches_the_log(http, caplog):
    caplog.set_level(logging.DEBUG)
    stripe_answers(http, CHARGE_FORM, json=stripe_refund())
    StripeGateway(api_key=STRIPE_KEY).refund(stripe_request())
    assert STRIPE_KEY not in caplog.text


# -- PayPal ----------------------------------------------------------------------------------------------

def paypal_request(amount_minor=1234, currency="USD", reference=CAPTURE):
    return RefundRequest(payment_reference=reference, amount_minor=amount_minor, currency=currency,
                         idempotency_key=KEY, reason="return", metadata={"refund_id": "7"})


def paypal_body(value="12.34", currency="USD"):
    return {"amount": {"value": value, "currency_code": currency}, "note_to_payer": "Refund from Demo Store"}


def paypal_gateway(mode="sandbox"):
    return PayPalGateway(mode=mode, client_id=PAYPAL_ID, client_secret=PAYPAL_SECRET)


def paypal_token(http, base=PAYPAL_SANDBOX, **answer):
    answer = answer or {"json": {"scope": "https://uri.paypal.com/services/payments/refund", "nonce": "2026-x",
                                 "access_token": PAYPAL_TOKEN, "token_type": "Bearer", "app_id": "APP-80W",
                                 "expires_in": 32400}}
    http.add(responses.POST, f"{base}/v1/oauth2/token", **answer, match=[
        matchers.urlencoded_params_matcher({"grant_type": "client_credentials"}),
        matchers.header_matcher({"Authorization": PAYPAL_BASIC,
                                 "Content-Type": "application/x-www-form-urlencoded"})])


def paypal_answers(http, sent, base=PAYPAL_SANDBOX, **answer):
    http.add(responses.POST, f"{base}/v2/payments/captures/{CAPTURE}/refund", **answer, match=[
        matchers.json_params_matcher(sent, strict_match=True),
        matchers.header_matcher({"Authorization": f"Bearer {PAYPAL_TOKEN}", "PayPal-Request-Id": KEY,
                                 "Content-Type": "application/json"})])


def assert_paypal_calls(calls, body, base=PAYPAL_SANDBOX):
    token, refund = calls
    assert (token.request.method, token.request.url) == ("POST", f"{base}/v1/oauth2/token")
    assert token.request.body == "grant_type=client_credentials"
    assert set(token.request.headers) == PAYPAL_HEADERS
    assert token.request.headers["Authorization"] == PAYPAL_BASIC
    assert (refund.request.method, refund.request.url) == ("POST", f"{base}/v2/payments/captures/{CAPTURE}/refund")
    assert json.loads(refund.request.body) == body
    assert set(refund.request.headers) == PAYPAL_HEADERS | {"PayPal-Request-Id"}
    assert refund.request.headers["Authorization"] == f"Bearer {PAYPAL_TOKEN}"
    assert refund.request.headers["PayPal-Request-Id"] == KEY
    assert refund.request.headers["Content-Type"] == "application/json"


def paypal_refund(status="COMPLETED", **fields):
    return {"id": "1JU08902781691411", "status": status, **fields, "links": [
        {"rel": "self", "method": "GET", "href": f"{PAYPAL_SANDBOX}/v2/payments/refunds/1JU08902781691411"},
        {"rel": "up", "method": "GET", "href": f"{PAYPAL_SANDBOX}/v2/payments/captures/{CAPTURE}"}]}


def test_paypal_gets_a_token_then_refunds_the_capture_with_the_request_id(http):
    paypal_token(http)
    paypal_answers(http, paypal_body(), status=201, json=paypal_refund())
    result = paypal_gateway().refund(paypal_request())
    assert (result.outcome, result.provider_refund_id, result.message) == (RefundOutcome.SUCCEEDED,
                                                                           "1JU08902781691411", "")
    assert result.raw["status"] == "COMPLETED"
    assert_paypal_calls(http.calls, paypal_body())


def test_paypal_live_mode_calls_the_live_api(http):
    live = "https://api-m.paypal.com"
    paypal_token(http, base=live)
    paypal_answers(http, paypal_body(), base=live, status=201, json=paypal_refund())
    assert paypal_gateway(mode="live").refund(paypal_request()).outcome == RefundOutcome.SUCCEEDED
    assert_paypal_calls(http.calls, paypal_body(), base=live)


@pytest.mark.parametrize(("answer", "outcome", "message"), [
    (paypal_refund("PENDING"), RefundOutcome.PENDING,
     "PayPal accepted the refund and has not completed it yet (PENDING)."),
    (paypal_refund("PENDING", status_details={"reason": "ECHECK"}), RefundOutcome.PENDING,
     "PayPal accepted the refund and has not completed it yet (PENDING, ECHECK)."),
    (paypal_refund("CANCELLED"), RefundOutcome.FAILED, "PayPal did not complete the refund (CANCELLED)."),
    (paypal_refund("FAILED", status_details={"reason": "ECHECK"}), RefundOutcome.FAILED,
     "PayPal did not complete the refund (FAILED, ECHECK)."),
    (paypal_refund("A_STATUS_ADDED_LATER"), RefundOutcome.PENDING,
     "PayPal accepted the refund and has not completed it yet (A_STATUS_ADDED_LATER)."),
], ids=["pending", "pending_echeck", "cancelled", "failed", "unknown_status"])
def test_paypal_refund_status_maps_onto_the_outcome(http, answer, outcome, message):
    paypal_token(http)
    paypal_answers(http, paypal_body(), status=201, json=answer)
    result = paypal_gateway().refund(paypal_request())
    assert (result.outcome, result.provider_refund_id, result.message) == (outcome, "1JU08902781691411", message)
    assert len(http.calls) == 2


@pytest.mark.parametrize(("currency", "amount_minor", "value"), [
    ("USD", 1234, "12.34"),
    ("EUR", 5, "0.05"),
    ("JPY", 1500, "1500"),     # no decimals
    ("HUF", 150000, "1500"),   # two decimals in ISO, whole units at PayPal
    ("TWD", 9900, "99"),
])
def test_paypal_amount_is_a_decimal_string_in_the_currencys_units(http, currency, amount_minor, value):
    body = paypal_body(value, currency)
    paypal_token(http)
    paypal_answers(http, body, status=201, json=paypal_refund())
    paypal_gateway().refund(paypal_request(amount_minor=amount_minor, currency=currency))
    assert_paypal_calls(http.calls, body)


@pytest.mark.parametrize(("request_", "message"), [
    (paypal_request(currency="HUF", amount_minor=150050),
     "PayPal cannot refund fractions of a HUF unit: refund a whole amount instead."),
    (paypal_request(reference="../../v1/oauth2/token"),
     "“../../v1/oauth2/token” is not a PayPal capture id: this payment cannot be refunded through PayPal."),
], ids=["fraction_of_a_unit", "not_a_capture_id"])
def test_paypal_refuses_what_it_cannot_send_without_calling_paypal(http, request_, message):
    with pytest.raises(PermanentProviderError) as raised:
        paypal_gateway().refund(request_)
    assert raised.value.message == message
    assert len(http.calls) == 0


def paypal_error(name, message, issue=None, description=None):
    error = {"name": name, "message": message, "debug_id": "e05d09cb4176a",
             "links": [{"href": "https://developer.paypal.com/docs/api/payments/v2/#error-" + (issue or name),
                        "rel": "information_link", "method": "GET"}]}
    if issue:
        error["details"] = [{"issue": issue, "description": description}]
    return error


@pytest.mark.parametrize(("status", "answer", "message"), [
    (422, paypal_error("UNPROCESSABLE_ENTITY", "The requested action could not be performed, semantically "
                       "incorrect, or failed business validation.", "CAPTURE_FULLY_REFUNDED",
                       "The capture has already been fully refunded"),
     "PayPal refused the refund: The capture has already been fully refunded (CAPTURE_FULLY_REFUNDED)"),
    (422, paypal_error("UNPROCESSABLE_ENTITY", "The requested action could not be performed, semantically "
                       "incorrect, or failed business validation.", "REFUND_AMOUNT_EXCEEDED",
                       "The refund amount must be less than or equal to the capture amount that has not yet "
                       "been refunded."),
     "PayPal refused the refund: The refund amount must be less than or equal to the capture amount that has not "
     "yet been refunded. (REFUND_AMOUNT_EXCEEDED)"),
    (404, paypal_error("RESOURCE_NOT_FOUND", "The specified resource does not exist.", "INVALID_RESOURCE_ID",
                       "Specified resource ID does not exist. Please check the resource ID and try again."),
     "PayPal refused the refund: Specified resource ID does not exist. Please check the resource ID and try "
     "again. (INVALID_RESOURCE_ID)"),
    (400, paypal_error("INVALID_REQUEST", "Request is not well-formed, syntactically incorrect, or violates "
                       "schema.", "INVALID_CURRENCY_CODE", "Currency code is invalid or is not currently "
                       "supported."),
     "PayPal refused the refund: Currency code is invalid or is not currently supported. (INVALID_CURRENCY_CODE)"),
    (403, paypal_error("NOT_AUTHORIZED", "Authorization failed due to insufficient permissions."),
     "PayPal refused the refund: Authorization failed due to insufficient permissions. (NOT_AUTHORIZED)"),
], ids=["capture_fully_refunded", "refund_amount_exceeded", "invalid_resource_id", "invalid_request",
        "not_authorized"])
def test_paypal_refusals_are_permanent_with_paypals_issue_and_description(http, status, answer, message):
    paypal_token(http)
    paypal_answers(http, paypal_body(), status=status, json=answer)
    with pytest.raises(PermanentProviderError) as raised:
        paypal_gateway().refund(paypal_request())
    assert raised.value.message == message
    assert raised.value.raw == answer
    assert len(http.calls) == 2


def test_paypal_rejected_credentials_are_permanent_and_no_refund_is_sent(http):
    paypal_token(http, status=401,
                 json={"error": "invalid_client", "error_description": "Client Authentication failed"})
    with pytest.raises(PermanentProviderError) as raised:
        paypal_gateway().refund(paypal_request())
    assert raised.value.message == "PayPal refused the refund: Client Authentication failed (invalid_client)"
    assert len(http.calls) == 1


@pytest.mark.parametrize(("status", "answer"), [
    (500, {"json": paypal_error("INTERNAL_SERVER_ERROR", "An internal server error occurred.")}),
    (503, {"body": "<html><body>Service Unavailable</body></html>", "content_type": "text/html"}),
    (429, {"json": paypal_error("RATE_LIMIT_REACHED", "Too many requests. Blocked due to rate limiting.")}),
    # Two simultaneous calls with one request id (a duplicate task delivery): the first may be refunding.
    (409, {"json": paypal_error("RESOURCE_CONFLICT", "The server has detected a conflict while processing this "
                                "request.")}),
], ids=["500", "503_html", "429", "409_same_request_id_in_flight"])
def test_paypal_errors_worth_retrying_are_transient(http, status, answer):
    paypal_token(http)
    paypal_answers(http, paypal_body(), status=status, **answer)
    with pytest.raises(TransientProviderError) as raised:
        paypal_gateway().refund(paypal_request())
    assert raised.value.message == (f"PayPal could not take the refund right now (HTTP {status}); it will be "
                                    "retried with the same request id.")
    assert len(http.calls) == 2


def test_paypal_token_endpoint_down_is_transient_and_no_refund_is_sent(http):
    paypal_token(http, status=503, body="upstream connect error")
    with pytest.raises(TransientProviderError, match=r"HTTP 503"):
        paypal_gateway().refund(paypal_request())
    assert len(http.calls) == 1


@pytest.mark.parametrize("failure", [requests.ConnectionError("connection reset"),
                                     requests.ConnectTimeout("connect timed out"),
                                     requests.ReadTimeout("read timed out")],
                         ids=["connection_error", "connect_timeout", "read_timeout"])
def test_paypal_network_failures_are_transient(http, failure):
    paypal_token(http)
    paypal_answers(http, paypal_body(), body=failure)
    with pytest.raises(TransientProviderError) as raised:
        paypal_gateway().refund(paypal_request())
    assert raised.value.message == (f"PayPal could not be reached ({type(failure).__name__}); the refund will be "
                                    "retried with the same request id.")
    assert len(http.calls) == 2


@pytest.mark.parametrize("answer", [{"body": "<html>cut off", "content_type": "text/html"}, {"json": []}],
                         ids=["not_json", "not_an_object"])
def test_paypal_unreadable_success_is_transient_not_failed(http, answer):
    paypal_token(http)
    paypal_answers(http, paypal_body(), status=201, **answer)
    with pytest.raises(TransientProviderError, match="could not be read"):
        paypal_gateway().refund(paypal_request())


@pytest.fixture
def timeouts(http, monkeypatch):
    """The timeout each request was sent with (installed over the ``responses`` interception)."""
    seen = []
    send = requests.adapters.HTTPAdapter.send

    def spy(adapter, request, **kwargs):
        seen.append(kwargs.get("timeout"))
        return send(adapter, request, **kwargs)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", spy)
    return seen


def test_every_provider_call_has_a_timeout(http, timeouts):
    stripe_answers(http, CHARGE_FORM, json=stripe_refund())
    paypal_token(http)
    paypal_answers(http, paypal_body(), status=201, json=paypal_refund())
    StripeGateway(api_key=STRIPE_KEY).refund(stripe_request())
    paypal_gateway().refund(paypal_request())
    assert timeouts == [30, 30, 30]


def test_paypal_credentials_and_token_never_reach_the_log(http, caplog):
    caplog.set_level(logging.DEBUG)
    paypal_token(http)
    paypal_answers(http, paypal_body(), status=201, json=paypal_refund())
    paypal_gateway().refund(paypal_request())
    for secret in (PAYPAL_SECRET, PAYPAL_BASIC.split()[1], PAYPAL_TOKEN):
        assert secret not in caplog.text
