"""PayPal disputes (Disputes API v1) behind one door: provide evidence, accept claim, make offer, send message, list.

* OAuth and the JSON calls go through the gateway's ``_Api`` (``paypalrestsdk``, deprecated upstream, so it stays
  here): a timeout on every call and none of the SDK's header-and-body logging. Every write carries
  ``PayPal-Request-Id`` given by the caller, so a retry after a timeout is recognised by PayPal.
* ``provide-evidence`` is ``multipart/form-data``, which the SDK cannot send: it is posted with ``requests`` and the
  same token — an ``input`` part (``application/json``: ``{"evidences": [...]}``) and one part per file, each
  file named in the JSON by its file name (``documents: [{"name": …}]``).
* PayPal says what a dispute allows through the HATEOAS ``links`` of the dispute (``provide_evidence``,
  ``accept_claim``, ``make_offer``, ``send_message``); every action is sent to the ``href`` of that link, and only
  when it is an https URL of PayPal's API for this mode under ``/v1/customer/disputes/`` (our token is never sent
  elsewhere).
* Errors: connection errors, timeouts, 5xx, 408, 409 and 429 are transient (the action may have happened; retry
  with the same request id); any other 4xx is permanent with PayPal's own issue and description.
* ``disputes_list`` pages through ``GET /v1/customer/disputes`` by its ``next`` links and fetches each dispute's
  details (the list carries only a summary).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.utils.translation import gettext as _
from paypalrestsdk import exceptions as paypal_errors

from aftersales.integrations.base import PermanentProviderError, ProviderError, TransientProviderError

from .gateway import ENDPOINTS, TIMEOUT_SECONDS, _Api, _detail, _json, paypal_value

# Hosts whose links we follow, per mode (PayPal's payloads still name the older api.* hosts).
API_HOSTS = {"sandbox": frozenset({"api-m.sandbox.paypal.com", "api.sandbox.paypal.com"}),
             "live": frozenset({"api-m.paypal.com", "api.paypal.com"})}
DISPUTES_PATH = "/v1/customer/disputes"
LIST_PAGE_SIZE = 50  # PayPal's maximum page_size
NOTE_MAX = 2000  # PayPal's limit on notes, offer notes and messages
CARRIERS = {"ups": "UPS", "usps": "USPS", "fedex": "FEDEX", "dhl": "DHL"}
OFFER_TYPES = ("REFUND", "REFUND_WITH_RETURN", "REFUND_WITH_REPLACEMENT")
_TRANSIENT_4XX = (408, 409, 429)


@dataclass(frozen=True)
class EvidenceFile:
    name: str
    content_type: str
    content: bytes


class PayPalDisputes:
    name = "paypal"

    def __init__(self, mode: str, client_id: str, client_secret: str, *, timeout: float = TIMEOUT_SECONDS):
        self._mode = mode
        self._api = _Api(mode=mode, endpoint=ENDPOINTS[mode], client_id=client_id, client_secret=client_secret)
        self._api.timeout = timeout

    # -- actions (each at the href of the dispute's link) ------------------------------------------------------

    def provide_evidence(self, *, href: str, evidences: list[dict], files: list[EvidenceFile],
                         request_id: str) -> dict:
        url = self._checked(href)
        parts = [("input", (None, json.dumps({"evidences": evidences}), "application/json"))]
        parts += [(f"file{number}", (item.name, item.content, item.content_type))
                  for number, item in enumerate(files, start=1)]
        try:
            token = self._api.get_access_token()
            response = requests.post(url, files=parts, timeout=self._api.timeout,
                                     headers={"Authorization": f"Bearer {token}", "Accept": "application/json",
                                              "PayPal-Request-Id": request_id})
            return self._api.handle_response(response, response.content.decode("utf-8"))
        except (requests.RequestException, paypal_errors.ConnectionError, ValueError) as error:
            raise _provider_error(error) from error

    def accept_claim(self, *, href: str, note: str, request_id: str) -> dict:
        return self._post(href, {"note": note[:NOTE_MAX]}, request_id)

    def make_offer(self, *, href: str, offer_type: str, amount_minor: int, currency: str, note: str,
                   request_id: str) -> dict:
        if offer_type not in OFFER_TYPES:
            raise PermanentProviderError(_("“%(type)s” is not an offer PayPal takes.") % {"type": offer_type})
        body = {"note": note[:NOTE_MAX], "offer_type": offer_type,
                "offer_amount": {"currency_code": currency.upper(), "value": paypal_value(amount_minor, currency)}}
        return self._post(href, body, request_id)

    def send_message(self, *, href: str, message: str, request_id: str) -> dict:
        return self._post(href, {"message": message[:NOTE_MAX]}, request_id)

    # -- reads ------------------------------------------------------------------------------------------------

    def dispute_get(self, dispute_id: str) -> dict:
        return self._call(f"{self._api.endpoint}{DISPUTES_PATH}/{_safe_id(dispute_id)}", "GET")

    def disputes_list(self) -> Iterator[dict]:
        """The details of every dispute, following the list's ``next`` links."""
        url = f"{self._api.endpoint}{DISPUTES_PATH}?page_size={LIST_PAGE_SIZE}"
        seen = set()
        while url and url not in seen:
            seen.add(url)
            page = self._call(url, "GET")
            for item in page.get("items") or []:
                yield self.dispute_get(item["dispute_id"])
            url = next((self._checked(link["href"]) for link in page.get("links") or []
                        if link.get("rel") == "next" and link.get("href")), None)

    # -- plumbing ---------------------------------------------------------------------------------------------

    def _post(self, href: str, body: dict, request_id: str) -> dict:
        return self._call(self._checked(href), "POST", body=body, request_id=request_id)

    def _call(self, url: str, method: str, *, body: dict | None = None, request_id: str = "") -> dict:
        try:
            headers = self._api.headers()
            if request_id:
                headers["PayPal-Request-Id"] = request_id
            kwargs = {"data": json.dumps(body)} if body is not None else {}
            answer = self._api.http_call(url, method, headers=headers, **kwargs)
            if not isinstance(answer, dict):
                raise ValueError("not a JSON object")
        except (requests.RequestException, paypal_errors.ConnectionError, ValueError) as error:
            raise _provider_error(error) from error
        return answer

    def _checked(self, href: str) -> str:
        parts = urlsplit(href or "")
        if (parts.scheme != "https" or parts.hostname not in API_HOSTS[self._mode] or parts.port
                or not (parts.path + "/").startswith(DISPUTES_PATH + "/") or ".." in parts.path):
            raise PermanentProviderError(_("PayPal's link for this action is not a PayPal disputes address; "
                                           "nothing was sent."))
        return href


def evidence_input(*, text: dict[str, str], file_names: list[str], refund_ids: list[str] = ()) -> list[dict]:
    """The ``evidences`` of provide-evidence from the packet's text (Stripe's field names) and files.

    Tracking → ``PROOF_OF_FULFILLMENT`` with ``tracking_info``; PayPal refund ids → ``PROOF_OF_REFUND``; everything
    else (the other text fields as notes, and every file) → ``OTHER``.
    """
    evidences, rest = [], dict(text)
    tracking = (rest.pop("shipping_tracking_number", "") or "").strip()
    carrier = (rest.pop("shipping_carrier", "") or "").strip()
    if tracking:
        info = {"tracking_number": tracking[:255]}
        code = CARRIERS.get(carrier.lower())
        info.update({"carrier_name": code} if code else {"carrier_name": "OTHER",
                                                          "carrier_name_other": (carrier or "OTHER")[:2000]})
        evidences.append({"evidence_type": "PROOF_OF_FULFILLMENT", "evidence_info": {"tracking_info": [info]}})
    elif carrier:
        rest["shipping_carrier"] = carrier
    if refund_ids:
        evidences.append({"evidence_type": "PROOF_OF_REFUND", "evidence_info": {"refund_ids": list(refund_ids)}})
    notes = "\n\n".join(f"{field.replace('_', ' ').capitalize()}: {value.strip()}"
                        for field, value in rest.items() if value and value.strip())
    if len(notes) > NOTE_MAX:
        notes = notes[:NOTE_MAX - 1] + "…"
    if notes or file_names:
        other = {"evidence_type": "OTHER"}
        if notes:
            other["notes"] = notes
        if file_names:
            other["documents"] = [{"name": name} for name in file_names]
        evidences.append(other)
    return evidences


def _safe_id(dispute_id: str) -> str:
    if not (dispute_id and all(char.isascii() and (char.isalnum() or char == "-") for char in dispute_id)):
        raise PermanentProviderError(_("“%(id)s” is not a PayPal dispute id.") % {"id": dispute_id})
    return dispute_id


def _provider_error(error: Exception) -> ProviderError:
    if isinstance(error, requests.RequestException):
        return TransientProviderError(
            _("PayPal did not answer in time (%(error)s); nothing is lost: try again, the same request is sent "
              "with the same request id.") % {"error": type(error).__name__})
    if isinstance(error, ValueError):
        return TransientProviderError(_("PayPal's answer could not be read; the action may have been taken: "
                                        "check the dispute at PayPal or try again with the same request id."))
    status = getattr(error.response, "status_code", None)
    body = _json(error.content)
    if isinstance(error, paypal_errors.ClientError) and status not in _TRANSIENT_4XX:
        return PermanentProviderError(_("PayPal refused the request: %(detail)s")
                                      % {"detail": _detail(body, status)}, raw=body)
    return TransientProviderError(
        _("PayPal could not take the request right now (HTTP %(status)s); try again, the same request is sent "
          "with the same request id.") % {"status": status}, raw=body)
