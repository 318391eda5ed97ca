"""Provider edge of disputes: payloads → plain ``DisputeSnapshot`` dataclasses, and PayPal webhook verification.

Services never read a provider payload directly (STYLE #6): they apply snapshots.

* **Stripe** (``charge.dispute.*`` events, API versions 2017–2024 read alike): amounts are Stripe minor units,
  turned into ours with the gateway's ``STRIPE_EXPONENTS``; ``status`` warning_* is the inquiry stage, anything
  else a chargeback; ``evidence_details.due_by`` (unix) is the provider deadline; funds withdrawn and reinstated
  come from ``balance_transactions`` (negative and positive amounts in the dispute's currency), or — in older
  payloads without them — from the event type (``funds_withdrawn`` / ``funds_reinstated`` mean the full
  amount). The service keeps the larger of what it has and what a snapshot says, so nothing is counted twice.
* **PayPal** (``CUSTOMER.DISPUTE.*``, Disputes API v1 resource): decimal strings through
  ``aftersales.money.to_minor``; ``status`` RESOLVED is mapped through ``dispute_outcome.outcome_code``;
  ``money_movements`` of the SELLER (DEBIT / CREDIT) are the funds withdrawn / reinstated;
  ``seller_response_due_date`` is the provider deadline.
* **PayPal webhook verification** goes through ``POST /v1/notifications/verify-webhook-signature`` (DESIGN
  section 8: the SDK's own certificate check does not check the certificate's host and is broken with
  pyOpenSSL ≥ 24.3). The OAuth token (``POST /v1/oauth2/token``, client credentials) is cached in Django's
  cache until shortly before it expires. ``requests`` is used directly with a 15 s timeout, as for the
  multipart evidence upload the SDK cannot make. The raw body is spliced verbatim into the request as
  ``webhook_event``: it is the parsed JSON of exactly the bytes PayPal sent, with nothing re-serialised.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

import requests
from django.conf import settings
from django.core.cache import cache
from django.utils.dateparse import parse_datetime

from aftersales.integrations.stripe.gateway import STRIPE_EXPONENTS
from aftersales.money import exponent, normalise_currency, to_minor

from .choices import OPEN_STATUSES, DisputeOutcome, DisputeReason, DisputeStage, DisputeStatus

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 15
PAYPAL_ENDPOINTS = {"sandbox": "https://api-m.sandbox.paypal.com", "live": "https://api-m.paypal.com"}
TOKEN_MARGIN_SECONDS = 60

STRIPE_DISPUTE_EVENTS = ("charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed",
                         "charge.dispute.funds_withdrawn", "charge.dispute.funds_reinstated")
PAYPAL_DISPUTE_EVENTS = ("CUSTOMER.DISPUTE.CREATED", "CUSTOMER.DISPUTE.UPDATED", "CUSTOMER.DISPUTE.RESOLVED")


class PayPalVerificationUnavailable(Exception):
    """PayPal could not say whether a delivery is genuine (timeout, connection error, 5xx, bad credentials)."""


@dataclass(frozen=True)
class DisputeSnapshot:
    """What one provider event says about one dispute, in our vocabulary."""

    provider: str
    provider_id: str
    event_id: str
    event_type: str
    occurred_at: datetime          # when the provider made the event
    updated_at: datetime           # the provider's version time, for refusing out-of-order events
    status: str
    provider_status: str
    stage: str
    reason: str
    provider_reason: str
    network_reason_code: str
    currency: str
    amount_minor: int
    opened_at: datetime | None
    respond_by: datetime | None
    outcome: str
    closed_at: datetime | None
    payment_references: tuple[str, ...]
    funds_withdrawn_minor: int | None = None
    funds_reinstated_minor: int | None = None
    raw: dict = field(default_factory=dict)


# -- Stripe ------------------------------------------------------------------------------------------------

_STRIPE_REASONS = {reason.value: reason for reason in DisputeReason} | {
    "debit_not_authorized": DisputeReason.FRAUDULENT,
}


def stripe_to_minor(amount: int, currency: str) -> int:
    """Stripe's minor units → ours (they differ only for the currencies in ``STRIPE_EXPONENTS``)."""
    ours = exponent(currency)
    theirs = STRIPE_EXPONENTS.get(currency.upper(), ours)
    if theirs >= ours:
        return int(amount) // 10 ** (theirs - ours)
    return int(amount) * 10 ** (ours - theirs)


def _unix(value) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=UTC) if value not in (None, "") else None


def _id(value) -> str:
    """An id that may come expanded (``{"id": …}``) in some API versions."""
    if isinstance(value, dict):
        value = value.get("id")
    return str(value) if value else ""


def stripe_snapshot(event: dict) -> DisputeSnapshot:
    dispute = event["data"]["object"]
    if dispute.get("object", "dispute") != "dispute":
        raise ValueError(f"{event.get('type')} does not carry a dispute")
    currency = normalise_currency(dispute["currency"])
    status = DisputeStatus(dispute["status"])
    occurred = _unix(event["created"])
    card = ((dispute.get("payment_method_details") or {}).get("card") or {})
    withdrawn = reinstated = None
    movements = [item for item in dispute.get("balance_transactions") or []
                 if isinstance(item, dict) and str(item.get("currency", "")).upper() == currency]
    if movements:
        withdrawn = sum(-stripe_to_minor(item["amount"], currency) for item in movements if item["amount"] < 0)
        reinstated = sum(stripe_to_minor(item["amount"], currency) for item in movements if item["amount"] > 0)
    amount = stripe_to_minor(dispute["amount"], currency)
    if event["type"] == "charge.dispute.funds_withdrawn" and not withdrawn:
        withdrawn = amount
    if event["type"] == "charge.dispute.funds_reinstated" and not reinstated:
        reinstated = amount
    closed = status not in OPEN_STATUSES
    return DisputeSnapshot(
        provider="stripe", provider_id=dispute["id"], event_id=event["id"], event_type=event["type"],
        occurred_at=occurred, updated_at=occurred, status=status, provider_status=dispute["status"],
        stage=DisputeStage.INQUIRY if status.startswith("warning_") else DisputeStage.CHARGEBACK,
        reason=_STRIPE_REASONS.get(dispute.get("reason") or "", DisputeReason.OTHER),
        provider_reason=dispute.get("reason") or "", network_reason_code=str(card.get("network_reason_code") or ""),
        currency=currency, amount_minor=amount, opened_at=_unix(dispute.get("created")),
        respond_by=_unix((dispute.get("evidence_details") or {}).get("due_by")),
        outcome=_stripe_outcome(status), closed_at=occurred if closed else None,
        payment_references=tuple(ref for ref in (_id(dispute.get("charge")), _id(dispute.get("payment_intent")))
                                 if ref),
        funds_withdrawn_minor=withdrawn, funds_reinstated_minor=reinstated, raw=dict(dispute))


def _stripe_outcome(status: str) -> str:
    return {DisputeStatus.WON: DisputeOutcome.WON, DisputeStatus.LOST: DisputeOutcome.LOST,
            DisputeStatus.CHARGE_REFUNDED: DisputeOutcome.REFUNDED}.get(status, DisputeOutcome.NONE)


# -- PayPal ------------------------------------------------------------------------------------------------

_PAYPAL_REASONS = {
    "MERCHANDISE_OR_SERVICE_NOT_RECEIVED": DisputeReason.PRODUCT_NOT_RECEIVED,
    "MERCHANDISE_OR_SERVICE_NOT_AS_DESCRIBED": DisputeReason.PRODUCT_UNACCEPTABLE,
    "UNAUTHORISED": DisputeReason.FRAUDULENT,
    "CREDIT_NOT_PROCESSED": DisputeReason.CREDIT_NOT_PROCESSED,
    "DUPLICATE_TRANSACTION": DisputeReason.DUPLICATE,
    "PAYMENT_BY_OTHER_MEANS": DisputeReason.DUPLICATE,
    "CANCELED_RECURRING_BILLING": DisputeReason.SUBSCRIPTION_CANCELED,
    "INCORRECT_AMOUNT": DisputeReason.GENERAL,
    "PROBLEM_WITH_REMITTANCE": DisputeReason.OTHER,
    "OTHER": DisputeReason.OTHER,
}
_PAYPAL_OPEN_STATUSES = {
    "OPEN": DisputeStatus.NEEDS_RESPONSE,
    "WAITING_FOR_SELLER_RESPONSE": DisputeStatus.NEEDS_RESPONSE,
    "WAITING_FOR_BUYER_RESPONSE": DisputeStatus.UNDER_REVIEW,
    "UNDER_REVIEW": DisputeStatus.UNDER_REVIEW,
    "OTHER": DisputeStatus.UNDER_REVIEW,
}
# RESOLVED, by dispute_outcome.outcome_code → (status, outcome). A payout by PayPal or a cancelled claim costs
# the seller nothing and is not a decision on the merits: closed, without an outcome.
_PAYPAL_OUTCOMES = {
    "RESOLVED_BUYER_FAVOUR": (DisputeStatus.LOST, DisputeOutcome.LOST),
    "RESOLVED_SELLER_FAVOUR": (DisputeStatus.WON, DisputeOutcome.WON),
    "DENIED": (DisputeStatus.WON, DisputeOutcome.WON),
    "ACCEPTED": (DisputeStatus.ACCEPTED, DisputeOutcome.ACCEPTED),
    "RESOLVED_WITH_PAYOUT": (DisputeStatus.CLOSED, DisputeOutcome.NONE),
    "CANCELED_BY_BUYER": (DisputeStatus.CLOSED, DisputeOutcome.NONE),
}
_PAYPAL_STAGES = {"INQUIRY": DisputeStage.INQUIRY, "CHARGEBACK": DisputeStage.CHARGEBACK,
                  "PRE_ARBITRATION": DisputeStage.PRE_ARBITRATION, "ARBITRATION": DisputeStage.ARBITRATION}


def _iso(value) -> datetime | None:
    if not value:
        return None
    parsed = parse_datetime(str(value))
    if parsed is None:
        raise ValueError(f"{value!r} is not a date-time")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _paypal_money(money: dict | None, currency: str) -> int | None:
    if not money or normalise_currency(money.get("currency_code", "")) != currency:
        return None
    return to_minor(money["value"], currency)


def paypal_snapshot(event: dict) -> DisputeSnapshot:
    dispute = event["resource"]
    transactions = dispute.get("disputed_transactions") or []
    money = dispute.get("dispute_amount") or (transactions[0].get("gross_amount") if transactions else None)
    if not money:
        raise ValueError(f"PayPal dispute {dispute.get('dispute_id')} has no amount")
    currency = normalise_currency(money["currency_code"])
    provider_status = dispute.get("status") or ""
    outcome_code = (dispute.get("dispute_outcome") or {}).get("outcome_code") or ""
    if provider_status == "RESOLVED":
        status, outcome = _PAYPAL_OUTCOMES.get(outcome_code, (DisputeStatus.CLOSED, DisputeOutcome.NONE))
    else:
        status, outcome = _PAYPAL_OPEN_STATUSES.get(provider_status, DisputeStatus.UNDER_REVIEW), DisputeOutcome.NONE
    occurred = _iso(event.get("create_time")) or _iso(dispute.get("update_time"))
    updated = _iso(dispute.get("update_time")) or occurred
    withdrawn = reinstated = None
    movements = [item for item in dispute.get("money_movements") or [] if item.get("affected_party") == "SELLER"]
    if movements:
        debits = [_paypal_money(item.get("amount"), currency) for item in movements if item.get("type") == "DEBIT"]
        credits = [_paypal_money(item.get("amount"), currency) for item in movements if item.get("type") == "CREDIT"]
        withdrawn = sum(value for value in debits if value)
        reinstated = sum(value for value in credits if value)
    closed_at = None
    if status not in OPEN_STATUSES:
        adjudicated = [_iso(item.get("adjudication_time")) for item in dispute.get("adjudications") or []]
        closed_at = max([time for time in adjudicated if time] or [updated])
    return DisputeSnapshot(
        provider="paypal", provider_id=dispute["dispute_id"], event_id=event["id"], event_type=event["event_type"],
        occurred_at=occurred, updated_at=updated, status=status, provider_status=provider_status,
        stage=_PAYPAL_STAGES.get(dispute.get("dispute_life_cycle_stage") or "", DisputeStage.INQUIRY),
        reason=_PAYPAL_REASONS.get(dispute.get("reason") or "", DisputeReason.OTHER),
        provider_reason=dispute.get("reason") or "",
        network_reason_code=str(dispute.get("external_reason_code") or ""),
        currency=currency, amount_minor=to_minor(money["value"], currency), opened_at=_iso(dispute.get("create_time")),
        respond_by=_iso(dispute.get("seller_response_due_date")), outcome=outcome, closed_at=closed_at,
        payment_references=tuple(item["seller_transaction_id"] for item in transactions
                                 if item.get("seller_transaction_id")),
        funds_withdrawn_minor=withdrawn, funds_reinstated_minor=reinstated, raw=dict(dispute))


# -- PayPal webhook verification -----------------------------------------------------------------------------

_VERIFY_HEADERS = {
    "auth_algo": "paypal-auth-algo",
    "cert_url": "paypal-cert-url",
    "transmission_id": "paypal-transmission-id",
    "transmission_sig": "paypal-transmission-sig",
    "transmission_time": "paypal-transmission-time",
}


def paypal_base_url() -> str:
    return PAYPAL_ENDPOINTS[settings.PAYPAL_MODE]


def paypal_verification_request(headers: dict, body: bytes) -> bytes:
    """The body of verify-webhook-signature: the five transmission headers, our webhook id, and the raw body
    spliced in verbatim as ``webhook_event``. ``ValueError`` when a header is missing or the body is not JSON."""
    lowered = {str(name).lower(): value for name, value in headers.items()}
    fields = {name: str(lowered.get(header) or "") for name, header in _VERIFY_HEADERS.items()}
    missing = [header for name, header in _VERIFY_HEADERS.items() if not fields[name]]
    if missing:
        raise ValueError(f"missing PayPal headers: {', '.join(missing)}")
    if not isinstance(json.loads(body), dict):  # raises ValueError (incl. UnicodeDecodeError) when not JSON
        raise ValueError("the body is not a JSON object")
    fields["webhook_id"] = settings.PAYPAL_WEBHOOK_ID
    return json.dumps(fields, separators=(",", ":")).encode()[:-1] + b',"webhook_event":' + body + b"}"


def _token_cache_key() -> str:
    digest = hashlib.sha256(f"{settings.PAYPAL_MODE}:{settings.PAYPAL_CLIENT_ID}".encode()).hexdigest()[:24]
    return f"disputes:paypal-token:{digest}"


def _paypal_token(*, fresh: bool = False) -> str:
    key = _token_cache_key()
    token = None if fresh else cache.get(key)
    if token:
        return token
    try:
        response = requests.post(f"{paypal_base_url()}/v1/oauth2/token", data={"grant_type": "client_credentials"},
                                 auth=(settings.PAYPAL_CLIENT_ID, settings.PAYPAL_CLIENT_SECRET),
                                 headers={"Accept": "application/json"}, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as error:
        raise PayPalVerificationUnavailable(f"PayPal OAuth unreachable: {type(error).__name__}") from error
    if response.status_code != 200:
        raise PayPalVerificationUnavailable(f"PayPal OAuth answered HTTP {response.status_code}")
    try:
        answer = response.json()
        token, expires_in = answer["access_token"], int(answer.get("expires_in") or 0)
    except (ValueError, KeyError, TypeError) as error:
        raise PayPalVerificationUnavailable("PayPal OAuth answer could not be read") from error
    if expires_in > TOKEN_MARGIN_SECONDS:
        cache.set(key, token, timeout=expires_in - TOKEN_MARGIN_SECONDS)
    return token


def verify_paypal_webhook(headers: dict, body: bytes) -> bool:
    """True when PayPal says ``verification_status == "SUCCESS"`` for this delivery (headers + exact raw body).

    False for a delivery PayPal does not vouch for (FAILURE, a 4xx on the request, missing headers, a body that
    is not JSON); ``PayPalVerificationUnavailable`` when PayPal could not be asked (timeout, connection error,
    5xx, OAuth refused) — the caller refuses the delivery either way and PayPal redelivers it.
    """
    try:
        payload = paypal_verification_request(headers, body)
    except ValueError as error:
        logger.warning("paypal webhook not verifiable: %s", error)
        return False
    for attempt in (1, 2):
        token = _paypal_token(fresh=attempt == 2)
        try:
            response = requests.post(f"{paypal_base_url()}/v1/notifications/verify-webhook-signature", data=payload,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                                              "Accept": "application/json"}, timeout=TIMEOUT_SECONDS)
        except requests.RequestException as error:
            raise PayPalVerificationUnavailable(f"PayPal unreachable: {type(error).__name__}") from error
        if response.status_code == 401 and attempt == 1:
            cache.delete(_token_cache_key())  # an expired or revoked token: fetch a new one, once
            continue
        break
    if response.status_code >= 500 or response.status_code in (401, 408, 429):
        raise PayPalVerificationUnavailable(f"PayPal verification answered HTTP {response.status_code}")
    if response.status_code != 200:
        logger.warning("paypal webhook verification refused: HTTP %s", response.status_code)
        return False
    try:
        status = response.json().get("verification_status")
    except (ValueError, AttributeError) as error:
        raise PayPalVerificationUnavailable("PayPal verification answer could not be read") from error
    return status == "SUCCESS"
