"""PayPal refunds: ``POST v2/payments/captures/{capture_id}/refund`` through ``paypalrestsdk``.

* OAuth (client credentials, ``/v1/oauth2/token``) and the JSON call go through the SDK's ``Api``; the
  refund carries ``PayPal-Request-Id: <idempotency key>``, so a retry returns the refund PayPal already
  made instead of making a second one (PayPal keeps the key for 45 days).
* The call is made with ``Api.http_call`` rather than ``Api.post``: ``post`` turns a 400 into a return
  value and answers every 401 by fetching a new token and calling itself again, without a bound.
  ``http_call`` raises the SDK's typed exceptions for every non-2xx answer, which are mapped below.
* ``_Api`` adds a timeout to every call (the SDK sets none) and drops the SDK's request logging, which in
  sandbox mode writes the Authorization header (credentials, token) and the body to the log.
* Amounts: ``aftersales.money.from_minor`` gives the decimal string ("12.34", "1500" for JPY); the
  currencies in ``PAYPAL_WHOLE_UNITS`` take no decimals at PayPal even where ISO 4217 has two.
* Errors: connection errors, timeouts, 5xx, 408 and 429 are ``TransientProviderError`` (the task retries
  with the same request id); any other 4xx is ``PermanentProviderError`` with PayPal's issue and
  description (``CAPTURE_FULLY_REFUNDED``, ``INVALID_RESOURCE_ID``, bad credentials, …), except 409: PayPal
  may refuse the second of two simultaneous calls with the same request id (a duplicate task delivery) while
  the first one refunds, and marking that refund failed would free its amount for a second refund.
* A 2xx that cannot be read is transient too: never mark failed what might have succeeded.
"""

from __future__ import annotations

import json
from decimal import Decimal

import paypalrestsdk
import requests
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from paypalrestsdk import exceptions as paypal_errors

from aftersales.integrations.base import (
    PermanentProviderError,
    ProviderError,
    RefundOutcome,
    RefundRequest,
    RefundResult,
    TransientProviderError,
)
from aftersales.money import from_minor

TIMEOUT_SECONDS = 30
ENDPOINTS = {"sandbox": "https://api-m.sandbox.paypal.com", "live": "https://api-m.paypal.com"}
# PayPal refuses decimals for these, though ISO 4217 gives HUF and TWD two.
PAYPAL_WHOLE_UNITS = frozenset({"HUF", "JPY", "TWD"})
NOTE_TO_PAYER_MAX = 255  # PayPal's limit on note_to_payer

_OUTCOMES = {
    "COMPLETED": RefundOutcome.SUCCEEDED,
    "PENDING": RefundOutcome.PENDING,
    "CANCELLED": RefundOutcome.FAILED,
    "FAILED": RefundOutcome.FAILED,
}
_TRANSIENT_4XX = (408, 409, 429)


class _Api(paypalrestsdk.Api):
    """The SDK's client with a timeout on every call and without its header-and-body debug logging."""

    timeout = TIMEOUT_SECONDS

    def http_call(self, url, method, **kwargs):
        response = requests.request(method, url, proxies=self.proxies, timeout=self.timeout, **kwargs)
        return self.handle_response(response, response.content.decode("utf-8"))


class PayPalGateway:
    name = "paypal"

    def __init__(self, mode: str, client_id: str, client_secret: str, *, timeout: float = TIMEOUT_SECONDS):
        self._api = _Api(mode=mode, endpoint=ENDPOINTS[mode], client_id=client_id, client_secret=client_secret)
        self._api.timeout = timeout

    def refund(self, request: RefundRequest) -> RefundResult:
        body = {"amount": {"value": paypal_value(request.amount_minor, request.currency),
                           "currency_code": request.currency.upper()},
                "note_to_payer": _note_to_payer(request.language)}
        url = f"{self._api.endpoint}/v2/payments/captures/{_capture_id(request.payment_reference)}/refund"
        try:
            headers = {**self._api.headers(), "PayPal-Request-Id": request.idempotency_key}
            answer = self._api.http_call(url, "POST", data=json.dumps(body), headers=headers)
            if not isinstance(answer, dict):
                raise ValueError("not a JSON object")
        except (requests.RequestException, paypal_errors.ConnectionError, ValueError) as error:
            raise _provider_error(error) from error
        return _result(answer)


def paypal_value(amount_minor: int, currency: str) -> str:
    """``1234, "USD"`` → ``"12.34"``; ``1500, "JPY"`` → ``"1500"``; ``150000, "HUF"`` → ``"1500"``."""
    value = from_minor(amount_minor, currency)
    if currency.upper() in PAYPAL_WHOLE_UNITS:
        if value != value.to_integral_value():
            raise PermanentProviderError(
                _("PayPal cannot refund fractions of a %(currency)s unit: refund a whole amount instead.")
                % {"currency": currency.upper()})
        value = value.quantize(Decimal(1))
    return format(value, "f")


def _capture_id(reference: str) -> str:
    if not (reference.isascii() and reference.isalnum()):
        raise PermanentProviderError(
            _("“%(reference)s” is not a PayPal capture id: this payment cannot be refunded through PayPal.")
            % {"reference": reference})
    return reference


def _note_to_payer(language: str) -> str:
    """What PayPal shows the buyer, in the buyer's language (the store's when we do not know it)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return (_("Refund from %(store)s") % {"store": settings.STORE_NAME})[:NOTE_TO_PAYER_MAX]


def _result(answer: dict) -> RefundResult:
    status = answer.get("status") or ""
    outcome = _OUTCOMES.get(status, RefundOutcome.PENDING)  # an unknown status is not final
    reason = (answer.get("status_details") or {}).get("reason") or ""
    if outcome == RefundOutcome.SUCCEEDED:
        message = ""
    elif outcome == RefundOutcome.FAILED:
        message = (_("PayPal did not complete the refund (%(status)s%(reason)s).")
                   % {"status": status, "reason": f", {reason}" if reason else ""})
    else:
        message = (_("PayPal accepted the refund and has not completed it yet (%(status)s%(reason)s).")
                   % {"status": status or "?", "reason": f", {reason}" if reason else ""})
    return RefundResult(outcome=outcome, provider_refund_id=answer.get("id") or "", message=message, raw=answer)


def _provider_error(error: Exception) -> ProviderError:
    if isinstance(error, requests.RequestException):
        return TransientProviderError(
            _("PayPal could not be reached (%(error)s); the refund will be retried with the same request id.")
            % {"error": type(error).__name__})
    if isinstance(error, ValueError):  # a 2xx whose body is not JSON: the refund may have been made
        return TransientProviderError(
            _("PayPal's answer could not be read; the refund will be retried with the same request id."))
    status = getattr(error.response, "status_code", None)
    body = _json(error.content)
    if isinstance(error, paypal_errors.ClientError) and status not in _TRANSIENT_4XX:
        return PermanentProviderError(_("PayPal refused the refund: %(detail)s")
                                      % {"detail": _detail(body, status)}, raw=body)
    return TransientProviderError(
        _("PayPal could not take the refund right now (HTTP %(status)s); it will be retried with the same "
          "request id.") % {"status": status}, raw=body)


def _json(content) -> dict:
    try:
        parsed = json.loads(content or "")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _detail(body: dict, status) -> str:
    """PayPal's own words: ``description (ISSUE)`` per detail, else the message, else the OAuth error."""
    details = [f"{item.get('description') or body.get('message') or ''} ({item['issue']})".strip()
               for item in body.get("details") or [] if isinstance(item, dict) and item.get("issue")]
    if details:
        return "; ".join(details)
    if body.get("message"):
        return f"{body['message']} ({body['name']})" if body.get("name") else body["message"]
    if isinstance(body.get("error"), str):  # the OAuth endpoint: {"error": …, "error_description": …}
        return f"{body.get('error_description') or body['error']} ({body['error']})"
    return _("HTTP %(status)s without an explanation") % {"status": status}
