"""``manage.py disputes_sync``: backfill from Stripe's and PayPal's list endpoints through the webhooks' path.

Running it twice changes nothing (same rows, same timeline, counts say "unchanged"); an object that changed is applied
once; a dispute the webhooks already brought to a newer version is left as it is; the payment is linked by its
reference. HTTP is intercepted with ``responses`` (ordered, every answer used, nothing else sent).
"""

from datetime import UTC, datetime
from io import StringIO

import pytest
import responses
from django.core.management import CommandError, call_command
from responses import matchers

from disputes.choices import DisputeOutcome, DisputeStatus
from disputes.models import Dispute, DisputeEvent
from tests import factories
from tests.disputes.submission_support import intercepted

STRIPE_API = "https://api.stripe.com/v1"
PAYPAL = "https://api-m.sandbox.paypal.com"


@pytest.fixture(autouse=True)
def _credentials(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_sync_51Hx"
    settings.PAYPAL_MODE, settings.PAYPAL_CLIENT_ID, settings.PAYPAL_CLIENT_SECRET = "sandbox", "pp-id", "pp-secret"


@pytest.fixture
def http(monkeypatch):
    with intercepted(monkeypatch) as mock:
        yield mock


def stripe_object(dispute_id, *, status="needs_response", amount=4990, charge="ch_3Sync", **fields):
    return {"id": dispute_id, "object": "dispute", "amount": amount, "currency": "usd", "charge": charge,
            "payment_intent": None, "created": 1_764_000_000, "reason": "product_not_received", "status": status,
            "balance_transactions": [], "evidence_details": {"due_by": 1_764_900_000, "submission_count": 0},
            "payment_method_details": {"card": {"network_reason_code": "13.1"}}, **fields}


def stripe_pages(http, *pages):
    for number, page in enumerate(pages):
        params = {"limit": "100"} | ({"starting_after": pages[number - 1][-1]["id"]} if number else {})
        http.add(responses.GET, f"{STRIPE_API}/disputes", match=[matchers.query_param_matcher(params)], json={
            "object": "list", "url": "/v1/disputes", "has_more": number < len(pages) - 1, "data": page})


def paypal_object(dispute_id, *, status="WAITING_FOR_SELLER_RESPONSE", update_time="2026-11-20T10:00:00Z", **fields):
    return {"dispute_id": dispute_id, "create_time": "2026-11-18T09:00:00Z", "update_time": update_time,
            "disputed_transactions": [{"seller_transaction_id": "4BE79548VW224290D",
                                       "gross_amount": {"currency_code": "EUR", "value": "49.90"}}],
            "reason": "MERCHANDISE_OR_SERVICE_NOT_RECEIVED", "status": status,
            "dispute_amount": {"currency_code": "EUR", "value": "49.90"}, "dispute_life_cycle_stage": "CHARGEBACK",
            "seller_response_due_date": "2026-11-30T09:00:00Z",
            "links": [{"rel": "self", "method": "GET", "href": f"{PAYPAL}/v1/customer/disputes/{dispute_id}"},
                      {"rel": "provide_evidence", "method": "POST",
                       "href": f"{PAYPAL}/v1/customer/disputes/{dispute_id}/provide-evidence"}], **fields}


def paypal_list(http, *details):
    http.add(responses.POST, f"{PAYPAL}/v1/oauth2/token",
             json={"access_token": "A21AAToken", "token_type": "Bearer", "expires_in": 32400})
    http.add(responses.GET, f"{PAYPAL}/v1/customer/disputes?page_size=50", json={
        "items": [{"dispute_id": d["dispute_id"]} for d in details], "links": []})
    for detail in details:
        http.add(responses.GET, f"{PAYPAL}/v1/customer/disputes/{detail['dispute_id']}", json=detail)


def sync(*args) -> str:
    out = StringIO()
    call_command("disputes_sync", *args, stdout=out)
    return out.getvalue()


def snapshot_rows():
    disputes = list(Dispute.objects.order_by("id").values(
        "provider", "provider_id", "status", "amount_minor", "currency", "respond_by", "payment_id", "order_id",
        "outcome", "provider_updated_at", "updated_at"))
    timeline = list(DisputeEvent.objects.order_by("id").values_list("provider_event_id", "type", "applied"))
    return disputes, timeline


@pytest.mark.django_db
def test_stripe_sync_backfills_every_page_and_a_second_run_changes_nothing(http):
    payment = factories.payment(provider="stripe", provider_payment_id="ch_3Sync")
    newest = stripe_object("dp_1Two", charge="ch_3Sync")
    oldest = stripe_object("dp_1One", status="won", charge="ch_3Other")
    stripe_pages(http, [newest], [oldest])
    assert sync("--provider", "stripe") == ("Stripe: 2 read, 2 created, 0 updated, 0 unchanged, 0 older than what we "
                                            "have, 0 skipped.\n")
    two = Dispute.objects.get(provider_id="dp_1Two")
    assert (two.status, two.amount_minor, two.currency, two.payment, two.order_id) == (
        DisputeStatus.NEEDS_RESPONSE, 4990, "USD", payment, payment.order_id)
    assert two.respond_by == datetime.fromtimestamp(1_764_900_000, tz=UTC)
    assert two.network_reason_code == "13.1"
    one = Dispute.objects.get(provider_id="dp_1One")
    assert (one.status, one.outcome) == (DisputeStatus.WON, DisputeOutcome.WON)
    before = snapshot_rows()
    assert [(t, applied) for _id, t, applied in before[1]] == [("disputes_sync", True)] * 2

    stripe_pages(http, [newest], [oldest])
    assert sync("--provider", "stripe") == ("Stripe: 2 read, 0 created, 0 updated, 2 unchanged, 0 older than what we "
                                            "have, 0 skipped.\n")
    assert snapshot_rows() == before
    assert len(http.calls) == 4


@pytest.mark.django_db
def test_a_changed_object_is_applied_once(http):
    stripe_pages(http, [stripe_object("dp_1Chg")])
    sync("--provider", "stripe")
    changed = stripe_object("dp_1Chg", status="lost")
    stripe_pages(http, [changed])
    assert "0 created, 1 updated, 0 unchanged" in sync("--provider", "stripe")
    stripe_pages(http, [changed])
    assert "0 created, 0 updated, 1 unchanged" in sync("--provider", "stripe")
    dispute = Dispute.objects.get(provider_id="dp_1Chg")
    assert (dispute.status, dispute.outcome) == (DisputeStatus.LOST, DisputeOutcome.LOST)
    assert list(dispute.events.order_by("id").values_list("from_status", "to_status")) == [
        ("", "needs_response"), ("needs_response", "lost")]


@pytest.mark.django_db
def test_paypal_sync_reads_the_details_and_leaves_a_newer_version_alone(http):
    payment = factories.payment(provider="paypal", provider_payment_id="4BE79548VW224290D")
    open_one = paypal_object("PP-D-1001")
    resolved = paypal_object("PP-D-1002", status="RESOLVED", update_time="2026-11-25T12:00:00Z",
                             dispute_outcome={"outcome_code": "RESOLVED_SELLER_FAVOUR"})
    # The webhooks already brought PP-D-1001 to a version newer than the one the list returns.
    Dispute.objects.create(provider="paypal", provider_id="PP-D-1001", status=DisputeStatus.UNDER_REVIEW,
                           currency="EUR", amount_minor=4990,
                           provider_updated_at=datetime(2026, 11, 21, tzinfo=UTC))
    paypal_list(http, open_one, resolved)
    assert sync("--provider", "paypal") == ("PayPal: 2 read, 1 created, 0 updated, 0 unchanged, 1 older than what we "
                                            "have, 0 skipped.\n")
    kept = Dispute.objects.get(provider_id="PP-D-1001")
    assert (kept.status, kept.provider_updated_at) == (DisputeStatus.UNDER_REVIEW, datetime(2026, 11, 21, tzinfo=UTC))
    assert list(kept.events.values_list("applied", flat=True)) == [False]  # on the timeline, nothing else changed
    won = Dispute.objects.get(provider_id="PP-D-1002")
    assert (won.status, won.outcome, won.amount_minor, won.payment) == (DisputeStatus.WON, DisputeOutcome.WON, 4990,
                                                                         payment)
    assert won.raw["links"][1]["rel"] == "provide_evidence"  # the links the desk acts through
    before = snapshot_rows()

    paypal_list(http, open_one, resolved)
    assert "0 created, 0 updated, 2 unchanged, 0 older" in sync("--provider", "paypal")
    assert snapshot_rows() == before


@pytest.mark.django_db
def test_without_credentials_a_provider_is_skipped_and_named(http, settings):
    settings.PAYPAL_CLIENT_SECRET = ""
    stripe_pages(http, [])
    assert sync() == ("Stripe: 0 read, 0 created, 0 updated, 0 unchanged, 0 older than what we have, 0 skipped.\n"
                      "PayPal: no API credentials configured, skipped.\n")
    with pytest.raises(CommandError) as refused:
        sync("--provider", "paypal")
    assert str(refused.value) == "PayPal: no API credentials configured, skipped."


@pytest.mark.django_db
def test_an_unreadable_object_is_skipped_and_a_provider_failure_is_an_error(http):
    stripe_pages(http, [{"id": "dp_1Bad", "object": "dispute", "status": "needs_response"}])
    err = StringIO()
    out = StringIO()
    call_command("disputes_sync", "--provider", "stripe", stdout=out, stderr=err)
    assert "1 read, 0 created, 0 updated, 0 unchanged, 0 older than what we have, 1 skipped." in out.getvalue()
    assert err.getvalue() == "Stripe: skipped dp_1Bad: KeyError 'currency'\n"
    assert Dispute.objects.count() == 0
    http.add(responses.GET, f"{STRIPE_API}/disputes", status=401, json={"error": {
        "type": "invalid_request_error", "message": "Invalid API Key provided: sk_test_****51Hx"}})
    with pytest.raises(CommandError) as failed:
        sync("--provider", "stripe")
    assert str(failed.value) == "Stripe: Stripe refused the request: Invalid API Key provided: sk_test_****51Hx"
