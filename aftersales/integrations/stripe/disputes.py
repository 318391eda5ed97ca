"""Stripe disputes behind one door: evidence files, staging and submitting evidence, closing, listing.

* Files go to the Files API (``POST https://files.stripe.com/v1/files``, ``purpose=dispute_evidence``); the
  caller keeps the returned ``file_…`` id, so a document is uploaded once and a retry does not upload it again.
* Evidence is written with ``POST /v1/disputes/{id}`` (``evidence[<field>]`` for text fields and file ids,
  ``submit=false`` to stage, ``submit=true`` to submit); ``POST /v1/disputes/{id}/close`` accepts the dispute.
* Every write carries an ``Idempotency-Key`` given by the caller (derived from the dispute and its submission
  key), so a retried call after a timeout returns Stripe's first answer instead of acting twice.
* The client is the gateway's: ``requests`` with a bounded timeout, no SDK retries, and the same mapping of
  errors (``gateway._provider_error``): anything after which the call may have happened is transient; Stripe
  refusing it is permanent, with Stripe's own message. Nothing here logs a key or a request body.
* ``disputes_list`` pages through ``GET /v1/disputes`` with the SDK's auto-paging (``starting_after``).
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import stripe
from django.utils.translation import gettext as _

from aftersales.integrations.base import PermanentProviderError, ProviderError, TransientProviderError

from .gateway import TIMEOUT_SECONDS
from .gateway import _provider_error as _refund_error

LIST_PAGE_SIZE = 100


class StripeDisputes:
    name = "stripe"

    def __init__(self, api_key: str, *, timeout: float = TIMEOUT_SECONDS):
        self._client = stripe.StripeClient(api_key, http_client=stripe.RequestsClient(timeout=timeout),
                                           max_network_retries=0)

    def upload_file(self, *, filename: str, content: bytes, content_type: str, idempotency_key: str) -> str:
        """Upload one evidence file; returns Stripe's file id (``file_…``)."""
        handle = io.BytesIO(content)
        handle.name = filename
        try:
            uploaded = self._client.v1.files.create(
                params={"purpose": "dispute_evidence", "file": handle},
                options={"idempotency_key": idempotency_key})
        except stripe.StripeError as error:
            raise _provider_error(error) from error
        return uploaded.id

    def update_evidence(self, *, dispute_id: str, evidence: dict[str, str], submit: bool,
                        idempotency_key: str) -> dict:
        """Stage (``submit=False``) or submit (``submit=True``) the evidence; returns the dispute object."""
        try:
            dispute = self._client.v1.disputes.update(
                dispute_id, params={"evidence": dict(evidence), "submit": submit},
                options={"idempotency_key": idempotency_key})
        except stripe.StripeError as error:
            raise _provider_error(error) from error
        return dispute.to_dict(for_json=True)

    def close(self, *, dispute_id: str, idempotency_key: str) -> dict:
        """Accept the dispute (Stripe marks it lost); returns the dispute object."""
        try:
            dispute = self._client.v1.disputes.close(dispute_id, options={"idempotency_key": idempotency_key})
        except stripe.StripeError as error:
            raise _provider_error(error) from error
        return dispute.to_dict(for_json=True)

    def disputes_list(self) -> Iterator[dict]:
        """Every dispute of the account, newest first, page by page."""
        try:
            page = self._client.v1.disputes.list(params={"limit": LIST_PAGE_SIZE})
            for dispute in page.auto_paging_iter():
                yield dispute.to_dict(for_json=True)
        except stripe.StripeError as error:
            raise _provider_error(error) from error


def _provider_error(error: stripe.StripeError) -> ProviderError:
    """The gateway's mapping, said about a dispute rather than a refund."""
    mapped = _refund_error(error)
    body = mapped.raw
    if isinstance(mapped, TransientProviderError):
        return TransientProviderError(
            _("Stripe did not answer in time or could not take the request (%(detail)s); nothing is lost: try "
              "again, the same request is sent with the same idempotency key.")
            % {"detail": f"HTTP {error.http_status}" if error.http_status else type(error.__cause__ or error).__name__},
            raw=body)
    if isinstance(error, stripe.IdempotencyError):
        return PermanentProviderError(
            _("Stripe already received this submission with different evidence; reload the dispute and check it "
              "at Stripe before submitting again."), raw=body)
    detail = error.user_message or _("HTTP %(status)s without an explanation") % {"status": error.http_status}
    if error.code:
        detail = f"{detail} ({error.code})"
    return PermanentProviderError(_("Stripe refused the request: %(detail)s") % {"detail": detail}, raw=body)
