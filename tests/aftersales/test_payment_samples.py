"""Conformance: real provider payloads from ``../shared/samples/payments/`` (see its README) served, byte for
byte, as the intercepted provider answer; the adapters must read them into the right ``RefundResult``.

The samples are read in place and never copied into the project; without that folder these tests skip.
"""

import json
from decimal import Decimal
from urllib.parse import parse_qsl

import pytest
import responses
import stripe
from responses.registries import OrderedRegistry

from aftersales.integrations.base import RefundOutcome, RefundRequest
from aftersales.integrations.paypal.gateway import PayPalGateway
from aftersales.integrations.stripe.gateway import StripeGateway
from aftersales.money import to_minor
from tests.samples import SAMPLES as SAMPLES_ROOT

KEY = "5e0b7d1c-8f0a-4d55-b6a3-2f7d9c1e4b20"
PAYPAL_API = "https://api-m.sandbox.paypal.com"


@pytest.fixture
def samples():
    folder = SAMPLES_ROOT / "payments"
    if not folder.is_dir():
        pytest.skip(f"conformance samples not found: {folder} is absent (the shared samples folder lives next to "
                    "the project, see ../shared/samples/README.md)")
    return folder


@pytest.fixture
def http(monkeypatch):
    monkeypatch.setattr(stripe, "enable_telemetry", False)
    with responses.RequestsMock(assert_all_requests_are_fired=True, registry=OrderedRegistry) as mock:
        yield mock


def test_stripe_refund_object_from_stripes_openapi_fixtures(samples, http):
    raw = (samples / "stripe_openapi_fixtures3_refund_object.json").read_bytes()
    sample = json.loads(raw)
    http.add(responses.POST, "https://api.stripe.com/v1/refunds", body=raw, content_type="application/json")

    result = StripeGateway(api_key="sk_test_samples").refund(RefundRequest(
        payment_reference=sample["charge"], amount_minor=sample["amount"], currency=sample["currency"].upper(),
        idempotency_key=KEY))

    assert (result.outcome, result.provider_refund_id) == (RefundOutcome.SUCCEEDED, "re_1Pgc72B7WZ01zgkWqPvrRrPE")
    assert result.raw["destination_details"] == {"card": {"type": "reversal"}, "type": "card"}
    (call,) = http.calls
    assert dict(parse_qsl(call.request.body)) == {"charge": "ch_1PgafuB7WZ01zgkWXYmPNZs8", "amount": "100"}
    assert call.request.headers["Idempotency-Key"] == KEY


def paypal_capture_of(sample) -> str:
    """The capture a refund belongs to: PayPal links it as ``rel: up``."""
    (up,) = [link["href"] for link in sample["links"] if link["rel"] == "up"]
    return up.rsplit("/", 1)[1]


@pytest.mark.parametrize("name", ["paypal_v2_captures_refund_response_laravel_paypal_mock.json",
                                  "paypal_v2_refund_details_response_laravel_paypal_mock.json"],
                         ids=["minimal", "representation"])
def test_paypal_capture_refund_answers_from_paypals_documented_samples(samples, http, name):
    raw = (samples / name).read_bytes()
    sample = json.loads(raw)
    capture = paypal_capture_of(sample)
    amount = sample.get("amount", {"value": "10.99", "currency_code": "USD"})
    http.add(responses.POST, f"{PAYPAL_API}/v1/oauth2/token",
             json={"access_token": "A21AASamples", "token_type": "Bearer", "expires_in": 32400})
    http.add(responses.POST, f"{PAYPAL_API}/v2/payments/captures/{capture}/refund", status=201, body=raw,
             content_type="application/json")

    result = PayPalGateway(mode="sandbox", client_id="id", client_secret="secret").refund(RefundRequest(
        payment_reference=capture,
        amount_minor=to_minor(Decimal(amount["value"]), amount["currency_code"]),
        currency=amount["currency_code"], idempotency_key=KEY))

    assert (result.outcome, result.provider_refund_id) == (RefundOutcome.SUCCEEDED, "1JU08902781691411")
    assert capture == "2GG279541U471931P"
    refund_call = http.calls[1].request
    assert json.loads(refund_call.body)["amount"] == amount  # the same value and currency PayPal reports back
    assert refund_call.headers["PayPal-Request-Id"] == KEY
