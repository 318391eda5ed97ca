"""Stripe refunds: ``POST /v1/refunds`` through ``stripe.StripeClient``, mapped onto ``RefundResult``.

* HTTP goes through ``requests`` (``stripe.RequestsClient``, bounded timeout) and the SDK never retries
  (``max_network_retries=0``): the Celery task retries transient errors, always with the refund's own
  idempotency key, so a retried call returns the refund Stripe already made instead of making a second one.
* ``ch_…``/``py_…`` references are refunded with ``charge=``, ``pi_…`` with ``payment_intent=``.
* Amounts are sent in Stripe's minor units, which follow ISO 4217 except for the currencies in
  ``STRIPE_EXPONENTS`` (https://docs.stripe.com/currencies#special-cases).
* Before sending a refund again, ``find_refund`` lists the payment's refunds for ours (``metadata.refund_id``):
  Stripe replays a saved 500 to the same idempotency key for 24 hours, so only the list tells whether the first
  request made the refund.
* Errors: anything after which the refund may still have happened, or may happen on a retry (connection
  errors, timeouts, 5xx, 429, a 409 for an idempotency key still being processed, ``Stripe-Should-Retry:
  true``) is a ``TransientProviderError``; Stripe refusing the request (invalid request, card error,
  authentication, idempotency key reused with other parameters) is a ``PermanentProviderError`` carrying
  Stripe's own message and code. Never mark failed what might have succeeded: a failed refund frees its
  amount for another refund.
"""

from __future__ import annotations

import stripe
from django.utils.translation import gettext as _

from aftersales.integrations.base import (
    PermanentProviderError,
    ProviderError,
    RefundOutcome,
    RefundRequest,
    RefundResult,
    TransientProviderError,
)
from aftersales.money import exponent

TIMEOUT_SECONDS = 30

# Currencies whose minor unit in Stripe's API differs from ISO 4217 (aftersales.money's table).
STRIPE_EXPONENTS = {
    "ISK": 2,  # zero-decimal in ISO; Stripe keeps two decimals (amounts must be multiples of 100)
    "MGA": 0,  # two decimals in ISO; zero-decimal in Stripe
}

_OUTCOMES = {
    "succeeded": RefundOutcome.SUCCEEDED,
    "pending": RefundOutcome.PENDING,
    "requires_action": RefundOutcome.PENDING,
    "failed": RefundOutcome.FAILED,
    "canceled": RefundOutcome.FAILED,
}


def _failure_reasons() -> dict[str, str]:
    # Stripe's ``failure_reason`` values (Refund object), said to an agent.
    return {
        "charge_for_pending_refund_disputed": _("the payment was disputed while the refund was pending"),
        "declined": _("the card issuer declined the refund"),
        "expired_or_canceled_card": _("the card has expired or was cancelled"),
        "insufficient_funds": _("the Stripe balance did not cover the refund"),
        "lost_or_stolen_card": _("the card was reported lost or stolen"),
        "merchant_request": _("the refund was cancelled at the merchant's request"),
        "unknown": _("Stripe gave no reason"),
    }


class StripeGateway:
    name = "stripe"

    def __init__(self, api_key: str, *, timeout: float = TIMEOUT_SECONDS):
        self._client = stripe.StripeClient(api_key, http_client=stripe.RequestsClient(timeout=timeout),
                                           max_network_retries=0)

    def refund(self, request: RefundRequest) -> RefundResult:
        params = {**_target(request.payment_reference),
                  "amount": stripe_amount(request.amount_minor, request.currency)}
        if request.metadata:
            params["metadata"] = {str(key): str(value) for key, value in request.metadata.items()}
        try:
            refund = self._client.v1.refunds.create(params=params,
                                                    options={"idempotency_key": request.idempotency_key})
        except stripe.StripeError as error:
            raise _provider_error(error) from error
        return _result(refund.to_dict(for_json=True))

    def find_refund(self, request: RefundRequest) -> RefundResult | None:
        """The refund Stripe made for ``request`` (its ``metadata.refund_id``) on the payment, or None.

        Stripe saves the first answer to an idempotency key, a 500 included, and replays it for 24 hours: after a
        server error, sending the refund again cannot tell whether Stripe made it. Listing the payment's refunds
        can, so ``refund_execute`` looks here before it sends a refund again."""
        ours = str(request.metadata.get("refund_id", ""))
        if not ours:
            return None
        try:
            page = self._client.v1.refunds.list(params={**_target(request.payment_reference), "limit": 100})
            for refund in page.auto_paging_iter():
                found = refund.to_dict(for_json=True)
                if str((found.get("metadata") or {}).get("refund_id", "")) == ours:
                    return _result(found)
        except stripe.StripeError as error:
            raise _provider_error(error) from error
        return None


def stripe_amount(amount_minor: int, currency: str) -> int:
    """Our minor units (ISO 4217 exponents) → Stripe's: ``500, "ISK"`` → ``50000``; ``1234, "USD"`` → ``1234``."""
    ours = exponent(currency)
    theirs = STRIPE_EXPONENTS.get(currency.upper(), ours)
    if theirs >= ours:
        return amount_minor * 10 ** (theirs - ours)
    scale = 10 ** (ours - theirs)
    if amount_minor % scale:
        raise PermanentProviderError(
            _("Stripe cannot refund fractions of a %(currency)s unit: refund a whole amount instead.")
            % {"currency": currency.upper()})
    return amount_minor // scale


def _target(reference: str) -> dict:
    if reference.startswith(("ch_", "py_")):
        return {"charge": reference}
    if reference.startswith("pi_"):
        return {"payment_intent": reference}
    raise PermanentProviderError(
        _("“%(reference)s” is not a Stripe charge (ch_…) or payment intent (pi_…): this payment cannot be "
          "refunded through Stripe.") % {"reference": reference})


def _result(refund: dict) -> RefundResult:
    refund_id = refund.get("id") or ""
    status = refund.get("status") or ""
    outcome = _OUTCOMES.get(status, RefundOutcome.PENDING)  # an unknown status is not final
    if outcome == RefundOutcome.SUCCEEDED:
        message = ""
    elif outcome == RefundOutcome.FAILED:
        code = refund.get("failure_reason") or "unknown"
        message = (_("Stripe did not complete the refund: %(reason)s (%(code)s).")
                   % {"reason": _failure_reasons().get(code, code), "code": code})
    elif status == "requires_action":
        message = _("Stripe is waiting for the customer to act before it can complete the refund.")
    else:
        message = _("Stripe accepted the refund and has not completed it yet.")
    return RefundResult(outcome=outcome, provider_refund_id=refund_id, message=message, raw=refund)


def _provider_error(error: stripe.StripeError) -> ProviderError:
    body = error.json_body if isinstance(error.json_body, dict) else {}
    status = error.http_status
    if isinstance(error, stripe.APIConnectionError):
        return TransientProviderError(
            _("Stripe could not be reached (%(error)s); the refund will be retried with the same "
              "idempotency key.") % {"error": type(error.__cause__ or error).__name__}, raw=body)
    should_retry = (error.headers or {}).get("stripe-should-retry") == "true"
    if (isinstance(error, stripe.RateLimitError) or should_retry
            or (isinstance(error, stripe.APIError) and (status is None or status >= 500 or status in (408, 409)))):
        return TransientProviderError(
            _("Stripe could not take the refund right now (HTTP %(status)s); it will be retried with the same "
              "idempotency key.") % {"status": status}, raw=body)
    detail = error.user_message or _("HTTP %(status)s without an explanation") % {"status": status}
    if error.code:
        detail = f"{detail} ({error.code})"
    return PermanentProviderError(_("Stripe refused the refund: %(detail)s") % {"detail": detail}, raw=body)
