"""The dispute adapters on the wire (``aftersales.integrations.{stripe,paypal}.disputes``): exactly what each sends,
and how failures map onto transient / permanent ``ProviderError``s.

HTTP is intercepted at the transport with ``responses``: requests must arrive in the registered order, each answer is
used once and must be used, and any other request fails (nothing reaches the network).
"""

import base64
import json
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qsl

import pytest
import requests
import responses
from responses import matchers

from aftersales.integrations.base import PermanentProviderError, TransientProviderError
from aftersales.integrations.paypal.disputes import EvidenceFile, PayPalDisputes, evidence_input
from aftersales.integrations.stripe.disputes import StripeDisputes
from tests.disputes.submission_support import intercepted

STRIPE_KEY = "sk_test_disputes_4eC39HqLyjWDarjtT1"
STRIPE_API, STRIPE_FILES = "https://api.stripe.com/v1", "https://files.stripe.com/v1/files"
PAYPAL_ID, PAYPAL_SECRET = "paypal-client-id-AbC", "paypal-client-secret-XyZ"
PAYPAL_BASIC = "Basic " + base64.b64encode(f"{PAYPAL_ID}:{PAYPAL_SECRET}".encode()).decode()
PAYPAL_TOKEN = "A21AAFakeAccessTokenForDisputes"
PAYPAL = "https://api-m.sandbox.paypal.com"
DISPUTE = "PP-D-27803"


@pytest.fixture
def http(monkeypatch):
    with intercepted(monkeypatch) as mock:
        yield mock


def form(request) -> dict:
    return dict(parse_qsl(request.body, keep_blank_values=True))


def multipart(request) -> list[tuple[str, str | None, str, bytes]]:
    """``(name, filename, content type, bytes)`` of each part of a multipart/form-data request."""
    body = request.body if isinstance(request.body, bytes) else request.body.encode()
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode() + body)
    return [(part.get_param("name", header="content-disposition"), part.get_filename(), part.get_content_type(),
             part.get_payload(decode=True)) for part in message.iter_parts()]


# -- Stripe ---------------------------------------------------------------------------------------------------------

def test_stripe_uploads_a_file_for_dispute_evidence_with_its_idempotency_key(http):
    http.add(responses.POST, STRIPE_FILES, json={"id": "file_1Receipt", "object": "file"})
    file_id = StripeDisputes(STRIPE_KEY).upload_file(filename="receipt-7.pdf", content=b"%PDF-1.4 receipt",
                                                     content_type="application/pdf", idempotency_key="doc-7-ab")
    assert file_id == "file_1Receipt"
    sent = http.calls[0].request
    assert (sent.method, sent.url) == ("POST", STRIPE_FILES)
    assert sent.headers["Authorization"] == f"Bearer {STRIPE_KEY}"
    assert sent.headers["Idempotency-Key"] == "doc-7-ab"
    assert [(name, filename, content) for name, filename, _type, content in multipart(sent)] == [
        ("purpose", None, b"dispute_evidence"), ("file", "receipt-7.pdf", b"%PDF-1.4 receipt")]


@pytest.mark.parametrize(("submit", "flag"), [(False, "false"), (True, "true")])
def test_stripe_stages_or_submits_the_evidence(http, submit, flag):
    http.add(responses.POST, f"{STRIPE_API}/disputes/dp_1Test", json={"id": "dp_1Test", "object": "dispute",
                                                                     "status": "under_review"})
    answer = StripeDisputes(STRIPE_KEY).update_evidence(
        dispute_id="dp_1Test", evidence={"product_description": "Desk lamp LAMP-01", "receipt": "file_1Receipt"},
        submit=submit, idempotency_key="dispute-3-submit-k")
    assert answer["status"] == "under_review"
    sent = http.calls[0].request
    assert (sent.method, sent.url) == ("POST", f"{STRIPE_API}/disputes/dp_1Test")
    assert form(sent) == {"evidence[product_description]": "Desk lamp LAMP-01", "evidence[receipt]": "file_1Receipt",
                          "submit": flag}
    assert sent.headers["Idempotency-Key"] == "dispute-3-submit-k"
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"


def test_stripe_closes_a_dispute_to_accept_it(http):
    http.add(responses.POST, f"{STRIPE_API}/disputes/dp_1Test/close", json={"id": "dp_1Test", "status": "lost"})
    assert StripeDisputes(STRIPE_KEY).close(dispute_id="dp_1Test", idempotency_key="dispute-3-accept-k")["status"] \
        == "lost"
    sent = http.calls[0].request
    assert (sent.method, sent.url, sent.body or "") == ("POST", f"{STRIPE_API}/disputes/dp_1Test/close", "")
    assert sent.headers["Idempotency-Key"] == "dispute-3-accept-k"


@pytest.mark.parametrize(("answer", "kind", "message"), [
    ({"body": requests.ConnectTimeout("slow")}, TransientProviderError,
     "Stripe did not answer in time or could not take the request (ConnectTimeout); nothing is lost: try again, "
     "the same request is sent with the same idempotency key."),
    ({"status": 503, "json": {"error": {"type": "api_error", "message": "down"}}}, TransientProviderError,
     "Stripe did not answer in time or could not take the request (HTTP 503); nothing is lost: try again, the same "
     "request is sent with the same idempotency key."),
    ({"status": 400, "json": {"error": {"type": "invalid_request_error", "code": "resource_missing",
                                        "message": "No such dispute: 'dp_1Test'"}}}, PermanentProviderError,
     "Stripe refused the request: No such dispute: 'dp_1Test' (resource_missing)"),
    ({"status": 400, "json": {"error": {"type": "idempotency_error", "message": "Keys for idempotent requests can "
                                        "only be used with the same parameters they were first used with."}}},
     PermanentProviderError, "Stripe already received this submission with different evidence; reload the dispute "
     "and check it at Stripe before submitting again."),
], ids=["timeout", "503", "refused", "idempotency"])
def test_stripe_failures_say_whether_the_call_may_have_happened(http, answer, kind, message):
    http.add(responses.POST, f"{STRIPE_API}/disputes/dp_1Test", **answer)
    with pytest.raises(kind) as failure:
        StripeDisputes(STRIPE_KEY).update_evidence(dispute_id="dp_1Test", evidence={"uncategorized_text": "x"},
                                                   submit=True, idempotency_key="k")
    assert type(failure.value) is kind
    assert failure.value.message == message
    assert STRIPE_KEY not in failure.value.message
    assert len(http.calls) == 1  # the SDK never retries on its own


def test_stripe_lists_every_dispute_page_by_page(http):
    page = {"object": "list", "url": "/v1/disputes"}
    http.add(responses.GET, f"{STRIPE_API}/disputes", json={**page, "has_more": True, "data": [
        {"id": "dp_3", "object": "dispute"}, {"id": "dp_2", "object": "dispute"}]},
        match=[matchers.query_param_matcher({"limit": "100"})])
    http.add(responses.GET, f"{STRIPE_API}/disputes", json={**page, "has_more": False, "data": [
        {"id": "dp_1", "object": "dispute"}]},
        match=[matchers.query_param_matcher({"limit": "100", "starting_after": "dp_2"})])
    assert [d["id"] for d in StripeDisputes(STRIPE_KEY).disputes_list()] == ["dp_3", "dp_2", "dp_1"]
    assert len(http.calls) == 2


# -- PayPal ---------------------------------------------------------------------------------------------------------

def paypal() -> PayPalDisputes:
    return PayPalDisputes(mode="sandbox", client_id=PAYPAL_ID, client_secret=PAYPAL_SECRET)


def paypal_token(http):
    http.add(responses.POST, f"{PAYPAL}/v1/oauth2/token", json={
        "access_token": PAYPAL_TOKEN, "token_type": "Bearer", "expires_in": 32400}, match=[
        matchers.urlencoded_params_matcher({"grant_type": "client_credentials"}),
        matchers.header_matcher({"Authorization": PAYPAL_BASIC})])


def test_paypal_provides_evidence_as_multipart_with_the_json_input_part_and_the_files(http):
    paypal_token(http)
    href = f"{PAYPAL}/v1/customer/disputes/{DISPUTE}/provide-evidence"
    http.add(responses.POST, href, json={"links": [{"rel": "parent", "href": f"{PAYPAL}/v1/customer/disputes/x"}]})
    evidences = [{"evidence_type": "OTHER", "notes": "Delivered and signed.", "documents": [{"name": "receipt-1.pdf"}]}]
    paypal().provide_evidence(href=href, evidences=evidences, request_id="dispute-9-submit-k", files=[
        EvidenceFile(name="receipt-1.pdf", content_type="application/pdf", content=b"%PDF receipt"),
        EvidenceFile(name="shipping_documentation-2.pdf", content_type="application/pdf", content=b"%PDF pod")])
    token, sent = http.calls
    assert token.request.headers["Authorization"] == PAYPAL_BASIC
    assert (sent.request.method, sent.request.url) == ("POST", href)
    assert sent.request.headers["Authorization"] == f"Bearer {PAYPAL_TOKEN}"
    assert sent.request.headers["PayPal-Request-Id"] == "dispute-9-submit-k"
    assert sent.request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    parts = multipart(sent.request)
    assert [(name, filename, ctype) for name, filename, ctype, _content in parts] == [
        ("input", None, "application/json"), ("file1", "receipt-1.pdf", "application/pdf"),
        ("file2", "shipping_documentation-2.pdf", "application/pdf")]
    assert json.loads(parts[0][3]) == {"evidences": evidences}
    assert [content for *_rest, content in parts[1:]] == [b"%PDF receipt", b"%PDF pod"]


@pytest.mark.parametrize(("action", "kwargs", "body"), [
    ("accept_claim", {"note": "We accept the claim."}, {"note": "We accept the claim."}),
    ("make_offer", {"offer_type": "REFUND_WITH_RETURN", "amount_minor": 1250, "currency": "usd",
                    "note": "Return it and we refund $12.50."},
     {"note": "Return it and we refund $12.50.", "offer_type": "REFUND_WITH_RETURN",
      "offer_amount": {"currency_code": "USD", "value": "12.50"}}),
    ("make_offer", {"offer_type": "REFUND", "amount_minor": 1500, "currency": "JPY", "note": "Refund."},
     {"note": "Refund.", "offer_type": "REFUND", "offer_amount": {"currency_code": "JPY", "value": "1500"}}),
    ("send_message", {"message": "The parcel was signed for on 9 Nov."},
     {"message": "The parcel was signed for on 9 Nov."}),
], ids=["accept_claim", "make_offer", "make_offer_jpy", "send_message"])
def test_paypal_json_actions_go_to_the_link_with_the_request_id(http, action, kwargs, body):
    paypal_token(http)
    href = f"https://api.sandbox.paypal.com/v1/customer/disputes/{DISPUTE}/{action.replace('_', '-')}"
    http.add(responses.POST, href, json={"links": []}, match=[matchers.json_params_matcher(body, strict_match=True)])
    getattr(paypal(), action)(href=href, request_id="req-1", **kwargs)
    sent = http.calls[1].request
    assert (sent.method, sent.url, json.loads(sent.body)) == ("POST", href, body)
    assert sent.headers["PayPal-Request-Id"] == "req-1"
    assert sent.headers["Authorization"] == f"Bearer {PAYPAL_TOKEN}"
    assert sent.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("href", [
    "https://evil.example/v1/customer/disputes/PP-D-1/accept-claim",
    "http://api-m.sandbox.paypal.com/v1/customer/disputes/PP-D-1/accept-claim",
    "https://api-m.paypal.com/v1/customer/disputes/PP-D-1/accept-claim",  # live link, sandbox credentials
    "https://api-m.sandbox.paypal.com/v1/oauth2/token",
    "https://api-m.sandbox.paypal.com/v1/customer/disputes/../../oauth2/token",
    "https://api-m.sandbox.paypal.com:8443/v1/customer/disputes/PP-D-1/accept-claim",
    "",
])
def test_paypal_never_sends_the_token_outside_its_disputes_api(http, href):
    with pytest.raises(PermanentProviderError) as refused:
        paypal().accept_claim(href=href, note="x", request_id="r")
    assert refused.value.message == "PayPal's link for this action is not a PayPal disputes address; nothing was sent."
    assert len(http.calls) == 0


def test_paypal_refuses_an_offer_type_it_does_not_take(http):
    with pytest.raises(PermanentProviderError):
        paypal().make_offer(href=f"{PAYPAL}/v1/customer/disputes/{DISPUTE}/make-offer",
                            offer_type="REPLACEMENT_WITHOUT_REFUND", amount_minor=1, currency="USD", note="x",
                            request_id="r")
    assert len(http.calls) == 0


@pytest.mark.parametrize(("answer", "kind", "message"), [
    ({"body": requests.ReadTimeout("slow")}, TransientProviderError,
     "PayPal did not answer in time (ReadTimeout); nothing is lost: try again, the same request is sent with the "
     "same request id."),
    ({"status": 503, "json": {"name": "INTERNAL_SERVICE_ERROR"}}, TransientProviderError,
     "PayPal could not take the request right now (HTTP 503); try again, the same request is sent with the same "
     "request id."),
    ({"status": 422, "json": {"name": "UNPROCESSABLE_ENTITY", "message": "The requested action could not be "
                              "performed.", "details": [{"issue": "NOT_AUTHORIZED_TO_ACCEPT_CLAIM",
                                                         "description": "Not allowed to accept the claim."}]}},
     PermanentProviderError, "PayPal refused the request: Not allowed to accept the claim. "
                             "(NOT_AUTHORIZED_TO_ACCEPT_CLAIM)"),
], ids=["timeout", "503", "422"])
def test_paypal_failures_say_whether_the_action_may_have_happened(http, answer, kind, message):
    paypal_token(http)
    http.add(responses.POST, f"{PAYPAL}/v1/customer/disputes/{DISPUTE}/accept-claim", **answer)
    with pytest.raises(kind) as failure:
        paypal().accept_claim(href=f"{PAYPAL}/v1/customer/disputes/{DISPUTE}/accept-claim", note="x",
                              request_id="r")
    assert type(failure.value) is kind
    assert failure.value.message == message
    assert PAYPAL_TOKEN not in failure.value.message


def test_paypal_provide_evidence_timeout_is_transient(http):
    paypal_token(http)
    href = f"{PAYPAL}/v1/customer/disputes/{DISPUTE}/provide-evidence"
    http.add(responses.POST, href, body=requests.ConnectionError("reset"))
    with pytest.raises(TransientProviderError):
        paypal().provide_evidence(href=href, evidences=[], files=[], request_id="r")


def test_paypal_lists_every_dispute_through_its_next_links_with_the_details(http):
    paypal_token(http)
    first = f"{PAYPAL}/v1/customer/disputes?page_size=50"
    second = f"{PAYPAL}/v1/customer/disputes?page_size=50&next_page_token=abc"
    http.add(responses.GET, first, json={"items": [{"dispute_id": "PP-D-2"}], "links": [
        {"rel": "self", "href": first}, {"rel": "next", "href": second}]})
    http.add(responses.GET, f"{PAYPAL}/v1/customer/disputes/PP-D-2", json={"dispute_id": "PP-D-2", "status": "OPEN"})
    http.add(responses.GET, second, json={"items": [{"dispute_id": "PP-D-1"}], "links": [{"rel": "self",
                                                                                           "href": second}]})
    http.add(responses.GET, f"{PAYPAL}/v1/customer/disputes/PP-D-1", json={"dispute_id": "PP-D-1",
                                                                          "status": "RESOLVED"})
    assert [(d["dispute_id"], d["status"]) for d in paypal().disputes_list()] == [("PP-D-2", "OPEN"),
                                                                                  ("PP-D-1", "RESOLVED")]
    assert [call.request.url for call in http.calls[1:]] == [
        first, f"{PAYPAL}/v1/customer/disputes/PP-D-2", second, f"{PAYPAL}/v1/customer/disputes/PP-D-1"]


def test_paypal_evidence_input_maps_tracking_refunds_and_the_rest():
    text = {"shipping_carrier": "UPS", "shipping_tracking_number": "1Z999AA10123456784",
            "product_description": "Desk lamp", "customer_name": "", "uncategorized_text": "Signed by A. Schmidt."}
    assert evidence_input(text=text, file_names=["receipt-1.pdf"], refund_ids=["1JU08902781691411"]) == [
        {"evidence_type": "PROOF_OF_FULFILLMENT", "evidence_info": {"tracking_info": [
            {"tracking_number": "1Z999AA10123456784", "carrier_name": "UPS"}]}},
        {"evidence_type": "PROOF_OF_REFUND", "evidence_info": {"refund_ids": ["1JU08902781691411"]}},
        {"evidence_type": "OTHER",
         "notes": "Product description: Desk lamp\n\nUncategorized text: Signed by A. Schmidt.",
         "documents": [{"name": "receipt-1.pdf"}]}]
    other_carrier = evidence_input(text={"shipping_carrier": "Yun Express", "shipping_tracking_number": "YT1"},
                                   file_names=[])
    assert other_carrier == [{"evidence_type": "PROOF_OF_FULFILLMENT", "evidence_info": {"tracking_info": [
        {"tracking_number": "YT1", "carrier_name": "OTHER", "carrier_name_other": "Yun Express"}]}}]
    long_notes = evidence_input(text={"uncategorized_text": "x" * 5000}, file_names=[])
    assert len(long_notes[0]["notes"]) == 2000
    assert long_notes[0]["notes"].endswith("…")
    assert evidence_input(text={}, file_names=[]) == []
