"""Responding to disputes (``disputes.submission``): what is allowed, submitting once, failures, PayPal's links.

* Submitting twice, or while a submission is in flight, sends once — also from two threads at the same instant on
  PostgreSQL. A submission older than the in-flight window may be retried, with the same key.
* A timeout leaves the dispute ``failed`` with a clear message and its key: the retry sends the same request with
  the same idempotency key, and files already uploaded are not uploaded again. A permanent refusal clears the key.
* PayPal: only what the dispute's links allow, sent to the link's ``href``; anything else is refused without any
  HTTP. Accept, offer and message requests are asserted on the wire.
* The unit tests use a stand-in packet (``disputes.evidence.packet_build`` replaced); the end-to-end tests build the
  real packet of a real order and submit it to each provider's API (intercepted).

HTTP is intercepted with ``responses`` (ordered, every answer used, nothing else sent).
"""

import json
import time
from datetime import timedelta
from urllib.parse import parse_qsl

import pytest
import requests
import responses
from django.utils import timezone

from aftersales.models import Refund
from disputes.choices import DisputeStatus, SubmissionState
from disputes.models import Dispute, DisputeEvent
from disputes.submission import (
    IN_FLIGHT,
    SubmissionFailed,
    SubmissionRefused,
    dispute_accept,
    dispute_actions,
    dispute_message,
    dispute_offer,
    dispute_stage,
    dispute_submit,
)
from disputes.tasks import dispute_submit_task
from tests import factories
from tests.concurrency import at_once
from tests.disputes.submission_support import document, fake_packet_installer, intercepted

STRIPE_KEY = "sk_test_submission_51Hx"
STRIPE_API, STRIPE_FILES = "https://api.stripe.com/v1", "https://files.stripe.com/v1/files"
PAYPAL = "https://api-m.sandbox.paypal.com"
PAYPAL_TOKEN = "A21AAFakeTokenForSubmission"
TEXT = {"product_description": "Desk lamp LAMP-01", "uncategorized_text": "Delivered, signed by A. Schmidt."}


@pytest.fixture(autouse=True)
def _credentials(settings):
    settings.STRIPE_SECRET_KEY = STRIPE_KEY
    settings.PAYPAL_MODE, settings.PAYPAL_CLIENT_ID, settings.PAYPAL_CLIENT_SECRET = "sandbox", "pp-id", "pp-secret"


@pytest.fixture
def http(monkeypatch):
    with intercepted(monkeypatch) as mock:
        yield mock


@pytest.fixture
def fake_packet(monkeypatch):
    return fake_packet_installer(monkeypatch)


_numbers = iter(range(1, 10_000))


def stripe_dispute(**fields) -> Dispute:
    now = timezone.now()
    return Dispute.objects.create(**{
        "provider": "stripe", "provider_id": f"dp_1Sub{next(_numbers):04d}", "status": DisputeStatus.NEEDS_RESPONSE,
        "currency": "USD", "amount_minor": 4990, "opened_at": now - timedelta(days=1),
        "respond_by": now + timedelta(days=10), "internal_deadline": now + timedelta(days=6), **fields})


def links(dispute_id: str, *rels: str) -> list[dict]:
    base = f"https://api.sandbox.paypal.com/v1/customer/disputes/{dispute_id}"
    return [{"rel": "self", "method": "GET", "href": base}] + [
        {"rel": rel, "method": "POST", "href": f"{base}/{rel.replace('_', '-')}"} for rel in rels]


def paypal_dispute(*rels, **fields) -> Dispute:
    provider_id = f"PP-D-{next(_numbers):05d}"
    return stripe_dispute(provider="paypal", provider_id=provider_id, raw={"dispute_id": provider_id,
                                                                           "links": links(provider_id, *rels)},
                          **fields)


def stripe_submit_answer(http, dispute, **answer):
    http.add(responses.POST, f"{STRIPE_API}/disputes/{dispute.provider_id}",
             **(answer or {"json": {"id": dispute.provider_id, "object": "dispute", "status": "under_review"}}))


def paypal_token(http):
    http.add(responses.POST, f"{PAYPAL}/v1/oauth2/token",
             json={"access_token": PAYPAL_TOKEN, "token_type": "Bearer", "expires_in": 32400})


def form(call) -> dict:
    return dict(parse_qsl(call.request.body, keep_blank_values=True))


def events(dispute) -> list[tuple[str, str]]:
    return list(DisputeEvent.objects.filter(dispute=dispute).order_by("id").values_list("type", "note"))


# -- what is allowed ------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_stripe_actions_follow_the_status_and_the_submission(settings):
    dispute = stripe_dispute()
    assert dispute_actions(dispute) == {"submit", "stage", "accept"}
    dispute.status = DisputeStatus.WARNING_NEEDS_RESPONSE
    assert dispute_actions(dispute) == {"submit", "stage", "accept"}
    for status in (DisputeStatus.UNDER_REVIEW, DisputeStatus.WON, DisputeStatus.LOST):
        dispute.status = status
        assert dispute_actions(dispute) == frozenset()
    dispute.status = DisputeStatus.NEEDS_RESPONSE
    for state in (SubmissionState.SUBMITTED, SubmissionState.ACCEPTED):
        dispute.submission_state = state
        assert dispute_actions(dispute) == frozenset()
    dispute.submission_state, dispute.submission_started_at = SubmissionState.SUBMITTING, timezone.now()
    assert dispute_actions(dispute) == frozenset()
    dispute.submission_started_at = timezone.now() - IN_FLIGHT - timedelta(seconds=1)  # a stale attempt
    assert dispute_actions(dispute) == {"submit", "stage", "accept"}
    dispute.submission_state = SubmissionState.FAILED
    assert dispute_actions(dispute) == {"submit", "stage", "accept"}
    settings.STRIPE_SECRET_KEY = ""  # no credentials: the packet PDF is uploaded by hand
    assert dispute_actions(dispute) == frozenset()


@pytest.mark.django_db
def test_paypal_actions_are_exactly_what_the_links_allow(settings):
    assert dispute_actions(paypal_dispute()) == frozenset()
    assert dispute_actions(paypal_dispute("provide_evidence")) == {"submit"}
    assert dispute_actions(paypal_dispute("accept_claim", "make_offer")) == {"accept", "offer"}
    every = paypal_dispute("provide_evidence", "accept_claim", "make_offer", "send_message", "appeal")
    assert dispute_actions(every) == {"submit", "accept", "offer", "message"}
    every.submission_state = SubmissionState.SUBMITTED  # the links are from before the submission
    assert dispute_actions(every) == {"accept", "offer", "message"}
    every.submission_state = SubmissionState.ACCEPTED
    assert dispute_actions(every) == frozenset()
    settings.PAYPAL_CLIENT_SECRET = ""
    assert dispute_actions(every) == frozenset()


# -- Stripe: submit once ----------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_stripe_submission_uploads_each_file_once_and_submits_the_evidence(http, fake_packet, agent_user):
    dispute = stripe_dispute()
    receipt = document(dispute, "receipt", b"%PDF receipt")
    proof = document(dispute, "shipping_documentation", b"%PDF proof", provider_file_id="file_1Earlier")
    fake_packet(text={**TEXT, "customer_name": ""}, documents=[receipt, proof], score=84)
    http.add(responses.POST, STRIPE_FILES, json={"id": "file_1Receipt", "object": "file"})
    stripe_submit_answer(http, dispute)

    dispute_submit(dispute_id=dispute.pk, user=agent_user)

    upload, submit = http.calls
    assert upload.request.url == STRIPE_FILES
    assert upload.request.headers["Idempotency-Key"] == f"dispute-document-{receipt.pk}-{receipt.sha256[:32]}"
    assert b'filename="receipt-' in upload.request.body
    assert b"%PDF receipt" in upload.request.body
    fresh = Dispute.objects.get(pk=dispute.pk)
    assert (submit.request.method, submit.request.url) == ("POST", f"{STRIPE_API}/disputes/{dispute.provider_id}")
    assert form(submit) == {"evidence[product_description]": "Desk lamp LAMP-01",
                            "evidence[uncategorized_text]": "Delivered, signed by A. Schmidt.",
                            "evidence[receipt]": "file_1Receipt", "evidence[shipping_documentation]": "file_1Earlier",
                            "submit": "true"}
    assert submit.request.headers["Idempotency-Key"] == f"dispute-{dispute.pk}-submit-{fresh.submission_key}"
    assert len(fresh.submission_key) == 32
    assert (fresh.submission_state, fresh.completeness, fresh.submission_error) == (SubmissionState.SUBMITTED, 84, "")
    assert fresh.submitted_at is not None
    assert fresh.status == DisputeStatus.NEEDS_RESPONSE  # the provider's webhook moves the status
    receipt.refresh_from_db()
    assert receipt.provider_file_id == "file_1Receipt"
    assert events(dispute) == [("response.submitted",
                                "evidence submitted to Stripe by agent (packet 84/100, 2 documents)")]


@pytest.mark.django_db
def test_submitting_twice_sends_once(http, fake_packet, agent_user, manager_user):
    dispute = stripe_dispute()
    builds = fake_packet(text=TEXT)
    stripe_submit_answer(http, dispute)
    dispute_submit(dispute_id=dispute.pk, user=agent_user)
    with pytest.raises(SubmissionRefused) as refused:
        dispute_submit(dispute_id=dispute.pk, user=manager_user)
    assert refused.value.message == "The evidence of this dispute was already submitted; it is never sent twice."
    with pytest.raises(SubmissionRefused):
        dispute_accept(dispute_id=dispute.pk, user=manager_user)
    assert len(http.calls) == 1
    assert builds == [dispute.pk]  # the refused attempts did not even build the packet
    assert [kind for kind, _note in events(dispute)] == ["response.submitted"]


@pytest.mark.django_db
def test_a_submission_in_flight_is_refused_without_any_call(http, fake_packet, agent_user):
    started = timezone.now() - timedelta(minutes=2)
    dispute = stripe_dispute(submission_state=SubmissionState.SUBMITTING, submission_key="k" * 32,
                             submission_started_at=started)
    fake_packet(text=TEXT)
    for action in (dispute_submit, dispute_accept, dispute_stage):
        with pytest.raises(SubmissionRefused) as refused:
            action(dispute_id=dispute.pk, user=agent_user)
        assert refused.value.message == "A submission of this dispute is already in flight; wait for its answer."
    assert len(http.calls) == 0
    fresh = Dispute.objects.get(pk=dispute.pk)
    assert (fresh.submission_state, fresh.submission_key, fresh.submission_started_at) == (
        SubmissionState.SUBMITTING, "k" * 32, started)
    assert events(dispute) == []


@pytest.mark.django_db
def test_a_stale_submission_is_retried_with_its_key(http, fake_packet, agent_user):
    dispute = stripe_dispute(submission_state=SubmissionState.SUBMITTING, submission_key="a" * 32,
                             submission_started_at=timezone.now() - IN_FLIGHT - timedelta(seconds=1))
    fake_packet(text=TEXT)
    stripe_submit_answer(http, dispute)
    dispute_submit(dispute_id=dispute.pk, user=agent_user)
    assert http.calls[0].request.headers["Idempotency-Key"] == f"dispute-{dispute.pk}-submit-{'a' * 32}"
    assert Dispute.objects.get(pk=dispute.pk).submission_state == SubmissionState.SUBMITTED


@pytest.mark.django_db
def test_a_timeout_fails_with_a_message_and_the_retry_reuses_the_key_and_the_uploads(http, fake_packet, agent_user):
    dispute = stripe_dispute()
    receipt = document(dispute, "receipt", b"%PDF receipt")
    fake_packet(text=TEXT, documents=[receipt])
    http.add(responses.POST, STRIPE_FILES, json={"id": "file_1Receipt", "object": "file"})
    stripe_submit_answer(http, dispute, body=requests.ReadTimeout("Stripe is slow"))

    with pytest.raises(SubmissionFailed) as failed:
        dispute_submit(dispute_id=dispute.pk, user=agent_user)
    message = ("Stripe did not answer in time or could not take the request (ReadTimeout); nothing is lost: try "
               "again, the same request is sent with the same idempotency key.")
    assert (failed.value.message, failed.value.transient) == (message, True)
    fresh = Dispute.objects.get(pk=dispute.pk)
    key = fresh.submission_key
    assert (fresh.submission_state, fresh.submission_error, fresh.submitted_at) == (SubmissionState.FAILED, message,
                                                                                     None)
    assert len(key) == 32
    assert events(dispute) == [("response.failed", f"submitting at Stripe failed (agent): {message}")]

    stripe_submit_answer(http, dispute)
    dispute_submit(dispute_id=dispute.pk, user=agent_user)
    first, second = http.calls[1], http.calls[2]
    assert [call.request.url for call in http.calls] == [STRIPE_FILES] + 2 * [
        f"{STRIPE_API}/disputes/{dispute.provider_id}"]  # the file was not uploaded again
    assert first.request.headers["Idempotency-Key"] == second.request.headers["Idempotency-Key"] == \
        f"dispute-{dispute.pk}-submit-{key}"
    assert form(first) == form(second)
    fresh.refresh_from_db()
    assert (fresh.submission_state, fresh.submission_key, fresh.submission_error) == (SubmissionState.SUBMITTED, key,
                                                                                       "")


@pytest.mark.django_db
def test_a_refusal_fails_and_clears_the_key_so_the_next_attempt_is_a_new_request(http, fake_packet, agent_user):
    dispute = stripe_dispute()
    fake_packet(text=TEXT)
    stripe_submit_answer(http, dispute, status=400, json={"error": {
        "type": "invalid_request_error", "message": "This dispute is already closed."}})
    with pytest.raises(SubmissionFailed) as failed:
        dispute_submit(dispute_id=dispute.pk, user=agent_user)
    assert (failed.value.message, failed.value.transient) == (
        "Stripe refused the request: This dispute is already closed.", False)
    fresh = Dispute.objects.get(pk=dispute.pk)
    assert (fresh.submission_state, fresh.submission_key) == (SubmissionState.FAILED, "")
    first_key = http.calls[0].request.headers["Idempotency-Key"]
    stripe_submit_answer(http, dispute)
    dispute_submit(dispute_id=dispute.pk, user=agent_user)
    assert http.calls[1].request.headers["Idempotency-Key"] != first_key


@pytest.mark.django_db
def test_an_empty_packet_is_refused_and_the_state_is_restored(http, fake_packet, agent_user):
    dispute = stripe_dispute(submission_state=SubmissionState.STAGED)
    fake_packet(text={})
    with pytest.raises(SubmissionRefused) as refused:
        dispute_submit(dispute_id=dispute.pk, user=agent_user)
    assert refused.value.message == "The packet is empty: add evidence before submitting."
    fresh = Dispute.objects.get(pk=dispute.pk)
    assert (fresh.submission_state, fresh.submission_key, fresh.submission_started_at) == (SubmissionState.STAGED,
                                                                                           "", None)
    assert len(http.calls) == 0


@pytest.mark.django_db
def test_staging_sends_submit_false_and_the_same_content_gets_the_same_key(http, fake_packet, agent_user):
    dispute = stripe_dispute()
    fake_packet(text=TEXT)
    stripe_submit_answer(http, dispute)
    stripe_submit_answer(http, dispute)
    dispute_stage(dispute_id=dispute.pk, user=agent_user)
    dispute_stage(dispute_id=dispute.pk, user=agent_user)
    first, second = http.calls
    assert form(first) == {"evidence[product_description]": "Desk lamp LAMP-01",
                           "evidence[uncategorized_text]": "Delivered, signed by A. Schmidt.", "submit": "false"}
    key = first.request.headers["Idempotency-Key"]
    assert key.startswith(f"dispute-{dispute.pk}-stage-")
    assert second.request.headers["Idempotency-Key"] == key
    fresh = Dispute.objects.get(pk=dispute.pk)
    assert (fresh.submission_state, fresh.submission_key) == (SubmissionState.STAGED, "")
    assert [kind for kind, _note in events(dispute)] == ["response.staged", "response.staged"]


@pytest.mark.django_db
def test_stripe_accept_closes_the_dispute_once(http, fake_packet, agent_user):
    dispute = stripe_dispute()
    http.add(responses.POST, f"{STRIPE_API}/disputes/{dispute.provider_id}/close",
             json={"id": dispute.provider_id, "status": "lost"})
    dispute_accept(dispute_id=dispute.pk, user=agent_user)
    fresh = Dispute.objects.get(pk=dispute.pk)
    assert http.calls[0].request.headers["Idempotency-Key"] == f"dispute-{dispute.pk}-accept-{fresh.submission_key}"
    assert fresh.submission_state == SubmissionState.ACCEPTED
    with pytest.raises(SubmissionRefused) as refused:
        dispute_submit(dispute_id=dispute.pk, user=agent_user)
    assert refused.value.message == "This dispute was accepted; nothing more can be sent."
    assert len(http.calls) == 1
    assert events(dispute) == [("response.accepted", "dispute accepted at Stripe by agent")]


@pytest.mark.django_db
def test_stripe_refuses_offers_messages_and_a_dispute_no_longer_awaiting_a_response(http, agent_user):
    dispute = stripe_dispute()
    with pytest.raises(SubmissionRefused) as refused:
        dispute_offer(dispute_id=dispute.pk, user=agent_user, offer_type="REFUND", amount_minor=100, note="x")
    assert refused.value.message == ("Stripe disputes take no offers or messages: respond with evidence or accept "
                                     "the dispute.")
    Dispute.objects.filter(pk=dispute.pk).update(status=DisputeStatus.UNDER_REVIEW)
    with pytest.raises(SubmissionRefused) as refused:
        dispute_submit(dispute_id=dispute.pk, user=agent_user)
    assert refused.value.message == "This dispute no longer awaits a response (Under review)."
    assert len(http.calls) == 0


@pytest.mark.django_db
def test_without_credentials_the_agent_is_sent_to_the_packet_pdf(http, settings, agent_user):
    settings.STRIPE_SECRET_KEY = ""
    dispute = stripe_dispute()
    with pytest.raises(SubmissionRefused) as refused:
        dispute_submit(dispute_id=dispute.pk, user=agent_user)
    assert refused.value.message == ("Stripe API credentials are not configured: download the packet as one PDF and "
                                     "upload it in the Stripe dashboard.")
    assert len(http.calls) == 0


# -- two agents at the same instant (PostgreSQL) ------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submissions_send_once(require_postgres, http, fake_packet, agent_user, manager_user):
    dispute = stripe_dispute()
    fake_packet(text=TEXT)

    def slow_stripe(request):
        time.sleep(0.5)  # the first submission is still in flight when the second one asks
        return 200, {}, json.dumps({"id": dispute.provider_id, "object": "dispute", "status": "under_review"})

    http.add_callback(responses.POST, f"{STRIPE_API}/disputes/{dispute.provider_id}", callback=slow_stripe)
    results = at_once(lambda: dispute_submit(dispute_id=dispute.pk, user=agent_user),
                      lambda: dispute_submit(dispute_id=dispute.pk, user=manager_user))
    outcomes = [result.message if isinstance(result, SubmissionRefused) else "sent" if result is None
                else repr(result) for result in results]
    assert sorted(outcomes) == ["A submission of this dispute is already in flight; wait for its answer.", "sent"]
    assert len(http.calls) == 1
    fresh = Dispute.objects.get(pk=dispute.pk)
    assert fresh.submission_state == SubmissionState.SUBMITTED
    assert [kind for kind, _note in events(dispute)] == ["response.submitted"]


# -- PayPal -----------------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_paypal_actions_not_in_the_links_are_refused_without_any_http(http, fake_packet, agent_user):
    dispute = paypal_dispute("send_message")
    fake_packet(text=TEXT)
    message = "PayPal does not allow this action on this dispute now (the dispute's links do not offer it)."
    calls = [lambda: dispute_submit(dispute_id=dispute.pk, user=agent_user),
             lambda: dispute_accept(dispute_id=dispute.pk, user=agent_user),
             lambda: dispute_offer(dispute_id=dispute.pk, user=agent_user, offer_type="REFUND", amount_minor=100,
                                   note="Half back")]
    for call in calls:
        with pytest.raises(SubmissionRefused) as refused:
            call()
        assert refused.value.message == message
    with pytest.raises(SubmissionRefused) as refused:
        dispute_stage(dispute_id=dispute.pk, user=agent_user)
    assert refused.value.message == "PayPal has no draft evidence: the evidence is sent once, when it is submitted."
    assert len(http.calls) == 0
    fresh = Dispute.objects.get(pk=dispute.pk)
    assert (fresh.submission_state, fresh.submission_key) == ("", "")
    assert events(dispute) == []


@pytest.mark.django_db
def test_paypal_submission_posts_the_evidence_and_files_to_the_provide_evidence_link(http, fake_packet, agent_user):
    dispute = paypal_dispute("provide_evidence", "accept_claim")
    receipt = document(dispute, "receipt", b"%PDF receipt")
    fake_packet(text={**TEXT, "shipping_carrier": "DHL", "shipping_tracking_number": "JD0146000033"},
                documents=[receipt], score=90)
    href = links(dispute.provider_id, "provide_evidence")[1]["href"]
    paypal_token(http)
    http.add(responses.POST, href, json={"links": []})

    dispute_submit(dispute_id=dispute.pk, user=agent_user)

    sent = http.calls[1].request
    fresh = Dispute.objects.get(pk=dispute.pk)
    assert (sent.method, sent.url) == ("POST", href)
    assert sent.headers["PayPal-Request-Id"] == f"dispute-{dispute.pk}-submit-{fresh.submission_key}"
    assert sent.headers["Authorization"] == f"Bearer {PAYPAL_TOKEN}"
    from tests.disputes.test_dispute_adapters import multipart

    parts = multipart(sent)
    name = f"receipt-{receipt.pk}.pdf"
    assert [(part, filename, ctype) for part, filename, ctype, _content in parts] == [
        ("input", None, "application/json"), ("file1", name, "application/pdf")]
    assert json.loads(parts[0][3]) == {"evidences": [
        {"evidence_type": "PROOF_OF_FULFILLMENT",
         "evidence_info": {"tracking_info": [{"tracking_number": "JD0146000033", "carrier_name": "DHL"}]}},
        {"evidence_type": "OTHER", "notes": "Product description: Desk lamp LAMP-01\n\nUncategorized text: "
                                            "Delivered, signed by A. Schmidt.", "documents": [{"name": name}]}]}
    assert parts[1][3] == b"%PDF receipt"
    assert (fresh.submission_state, fresh.completeness) == (SubmissionState.SUBMITTED, 90)
    with pytest.raises(SubmissionRefused):
        dispute_submit(dispute_id=dispute.pk, user=agent_user)
    assert len(http.calls) == 2


@pytest.mark.django_db
def test_paypal_accept_offer_and_message_requests(http, agent_user):
    dispute = paypal_dispute("accept_claim", "make_offer", "send_message")
    hrefs = {link["rel"]: link["href"] for link in links(dispute.provider_id, "accept_claim", "make_offer",
                                                                "send_message")}
    for rel in ("make_offer", "send_message", "accept_claim"):
        paypal_token(http)
        http.add(responses.POST, hrefs[rel], json={"links": []})

    dispute_offer(dispute_id=dispute.pk, user=agent_user, offer_type="REFUND_WITH_RETURN", amount_minor=2500,
                  note="  Send it back and we refund $25.00.  ")
    assert Dispute.objects.get(pk=dispute.pk).submission_state == SubmissionState.OFFERED
    dispute_message(dispute_id=dispute.pk, user=agent_user, text="It was signed for on 9 November.")
    dispute_accept(dispute_id=dispute.pk, user=agent_user)

    offer, message, accept = (http.calls[i].request for i in (1, 3, 5))
    assert (offer.url, json.loads(offer.body)) == (hrefs["make_offer"], {
        "note": "Send it back and we refund $25.00.", "offer_type": "REFUND_WITH_RETURN",
        "offer_amount": {"currency_code": "USD", "value": "25.00"}})
    assert (message.url, json.loads(message.body)) == (hrefs["send_message"],
                                                       {"message": "It was signed for on 9 November."})
    fresh = Dispute.objects.get(pk=dispute.pk)
    assert (accept.url, json.loads(accept.body)) == (hrefs["accept_claim"], {"note": "The merchant accepts the claim."})
    assert accept.headers["PayPal-Request-Id"] == f"dispute-{dispute.pk}-accept-{fresh.submission_key}"
    assert offer.headers["PayPal-Request-Id"].startswith(f"dispute-{dispute.pk}-offer-")
    assert message.headers["PayPal-Request-Id"].startswith(f"dispute-{dispute.pk}-message-")
    assert fresh.submission_state == SubmissionState.ACCEPTED
    assert events(dispute) == [
        ("response.offer_made", "offer REFUND_WITH_RETURN of 2500 USD (minor units) made by agent"),
        ("response.message_sent", "message sent to the buyer by agent"),
        ("response.accepted", "dispute accepted at PayPal by agent")]


@pytest.mark.django_db
@pytest.mark.parametrize(("kwargs", "message"), [
    ({"offer_type": "REPLACEMENT_WITHOUT_REFUND", "amount_minor": 100, "note": "x"},
     "Choose a refund, a refund with return, or a refund with a replacement."),
    ({"offer_type": "REFUND", "amount_minor": 4991, "note": "x"},
     "An offer must be more than nothing and at most the disputed amount."),
    ({"offer_type": "REFUND", "amount_minor": 0, "note": "x"},
     "An offer must be more than nothing and at most the disputed amount."),
    ({"offer_type": "REFUND", "amount_minor": 100, "note": "   "}, "Write a note to the buyer about the offer."),
    ({"offer_type": "REFUND", "amount_minor": 100, "note": "x" * 2001},
     "Keep it under 2000 characters (PayPal's limit)."),
])
def test_a_bad_offer_is_refused_without_any_http(http, agent_user, kwargs, message):
    dispute = paypal_dispute("make_offer")
    with pytest.raises(SubmissionRefused) as refused:
        dispute_offer(dispute_id=dispute.pk, user=agent_user, **kwargs)
    assert refused.value.message == message
    assert len(http.calls) == 0
    assert events(dispute) == []


@pytest.mark.django_db
def test_an_empty_message_is_refused(http, agent_user):
    dispute = paypal_dispute("send_message")
    with pytest.raises(SubmissionRefused) as refused:
        dispute_message(dispute_id=dispute.pk, user=agent_user, text=" \n ")
    assert refused.value.message == "Write the message to send."
    assert len(http.calls) == 0


# -- the auto-submission task ---------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_task_submits_a_complete_packet_and_retries_a_timeout_with_the_same_key(http, fake_packet, tasks_inline):
    dispute = stripe_dispute()
    fake_packet(text=TEXT, complete=True)
    stripe_submit_answer(http, dispute, body=requests.ConnectTimeout("slow"))
    stripe_submit_answer(http, dispute)
    assert dispute_submit_task.delay(dispute.pk).get() == "submitted"
    first, second = http.calls
    assert first.request.headers["Idempotency-Key"] == second.request.headers["Idempotency-Key"]
    fresh = Dispute.objects.get(pk=dispute.pk)
    assert fresh.submission_state == SubmissionState.SUBMITTED
    assert [note for _kind, note in events(dispute)][-1] == (
        "evidence submitted to Stripe by auto-submission (T-12 h) (packet 100/100, 0 documents)")
    assert dispute_submit_task.delay(dispute.pk).get() == "refused"  # once
    assert len(http.calls) == 2


@pytest.mark.django_db
def test_the_task_leaves_an_incomplete_packet_alone(http, fake_packet, tasks_inline):
    dispute = stripe_dispute()
    fake_packet(text=TEXT, complete=False)
    assert dispute_submit_task.delay(dispute.pk).get() == "refused"
    assert len(http.calls) == 0
    fresh = Dispute.objects.get(pk=dispute.pk)
    assert (fresh.submission_state, fresh.submission_key) == ("", "")


# -- end to end, with the real packet -------------------------------------------------------------------------------

def ordered_dispute(provider: str, **fields) -> Dispute:
    order = factories.order(lines=2)
    payment = factories.payment(order, provider=provider)
    factories.shipment(order)
    return stripe_dispute(provider=provider, order=order, payment=payment, reason="general", **fields)


@pytest.mark.django_db
def test_end_to_end_the_real_packet_is_submitted_to_stripe(http, agent_user):
    from disputes.evidence import packet_build

    dispute = ordered_dispute("stripe")
    packet = packet_build(dispute_id=dispute.pk)
    assert packet.documents  # generated PDFs: the receipt at least
    for number, _doc in enumerate(packet.documents):
        http.add(responses.POST, STRIPE_FILES, json={"id": f"file_E2E{number}", "object": "file"})
    stripe_submit_answer(http, dispute)

    dispute_submit(dispute_id=dispute.pk, user=agent_user)

    *uploads, submit = http.calls
    assert len(uploads) == len(packet.documents)
    assert all(b"%PDF" in call.request.body for call in uploads)
    sent = form(submit)
    assert sent.pop("submit") == "true"
    expected = {f"evidence[{name}]": value for name, value in packet.text.items() if value}
    expected |= {f"evidence[{doc.kind}]": f"file_E2E{number}" for number, doc in enumerate(packet.documents)}
    assert sent == expected
    assert sent["evidence[product_description]"]  # from the order lines
    fresh = Dispute.objects.get(pk=dispute.pk)
    assert (fresh.submission_state, fresh.completeness) == (SubmissionState.SUBMITTED, packet.score)
    assert sorted(fresh.documents.exclude(provider_file_id="").values_list("provider_file_id", flat=True)) == [
        f"file_E2E{number}" for number in range(len(packet.documents))]


@pytest.mark.django_db
def test_end_to_end_the_real_packet_is_submitted_to_paypal(http, agent_user):
    from disputes.evidence import packet_build
    from tests.disputes.test_dispute_adapters import multipart

    dispute = ordered_dispute("paypal", provider_id="PP-D-E2E01",
                              raw={"dispute_id": "PP-D-E2E01", "links": links("PP-D-E2E01", "provide_evidence")})
    Refund.objects.create(payment=dispute.payment, order=dispute.order, amount_minor=500, currency="USD",
                          cause="goodwill", source="desk", status="succeeded", provider="paypal",
                          provider_refund_id="1JU08902781691411")
    packet = packet_build(dispute_id=dispute.pk)
    href = links("PP-D-E2E01", "provide_evidence")[1]["href"]
    paypal_token(http)
    http.add(responses.POST, href, json={"links": []})

    dispute_submit(dispute_id=dispute.pk, user=agent_user)

    parts = multipart(http.calls[1].request)
    names = [f"{doc.kind}-{doc.pk}.pdf" for doc in packet.documents]
    assert [(part, filename) for part, filename, _ctype, _content in parts] == [("input", None)] + [
        (f"file{number}", name) for number, name in enumerate(names, start=1)]
    evidences = json.loads(parts[0][3])["evidences"]
    shipment = dispute.order.shipments.get()
    assert evidences[:2] == [
        {"evidence_type": "PROOF_OF_FULFILLMENT", "evidence_info": {"tracking_info": [
            {"tracking_number": shipment.tracking_number, "carrier_name": "OTHER",
             "carrier_name_other": "YunExpress"}]}},
        {"evidence_type": "PROOF_OF_REFUND", "evidence_info": {"refund_ids": ["1JU08902781691411"]}}]
    assert evidences[-1]["evidence_type"] == "OTHER"
    assert evidences[-1]["documents"] == [{"name": name} for name in names]
    assert packet.text["product_description"] in evidences[-1]["notes"]
    assert Dispute.objects.get(pk=dispute.pk).submission_state == SubmissionState.SUBMITTED
