"""Responding to a dispute at its provider: stage, submit (once), accept, offer, message (DESIGN sections 4, 8).

* **What is allowed** (``dispute_actions``): Stripe — stage, submit and accept while the dispute awaits a response
  (``needs_response`` / ``warning_needs_response``) and nothing was submitted or accepted; PayPal — only what the
  HATEOAS ``links`` of the dispute (``Dispute.raw``) offer: ``provide_evidence`` → submit, ``accept_claim`` →
  accept, ``make_offer`` → offer, ``send_message`` → message; each action is sent to that link's ``href``. The
  links we hold may predate our own action, so evidence already submitted is never offered again, and nothing
  after an accepted dispute.
  Without API credentials nothing is offered: the store downloads the packet as one PDF and uploads it by hand.
* **Once** (submit and accept): the dispute row is locked (``select_for_update``); a dispute already submitted or
  accepted is refused, and so is one whose submission started less than ``IN_FLIGHT`` ago; otherwise it is marked
  ``submitting`` with its ``submission_key`` (kept from an earlier attempt if there was one) and committed. The
  provider is called outside that transaction, so no row lock is held over the network, and the outcome is
  recorded afterwards — ``submitted`` / ``accepted``, or ``failed`` with the provider's message — with a timeline
  row (who, when, what).
* **Idempotency**: every provider write carries a key derived from the dispute and its submission key. After a
  transient failure (timeout, 5xx: the call may have happened) the key is kept, so the retry is answered with the
  provider's first answer instead of acting twice; after a permanent refusal (nothing happened) it is cleared and
  the next attempt gets a new one. Stripe files are uploaded once: the file id is kept on the document.
* The agent waits for the answer: the desk calls these services directly and shows ``SubmissionRefused.message``.
  The T-12 h auto-submission runs the same service in the ``disputes.submit`` task (``dispute_auto_submit``),
  which submits only a complete packet.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aftersales.integrations.base import ProviderError, TransientProviderError

from . import selectors
from .choices import DisputeProvider, DisputeStatus, DocumentKind, SubmissionState
from .models import Dispute, DisputeDocument, DisputeEvent

IN_FLIGHT = timedelta(minutes=15)  # longer than the slowest submission (uploads with 30 s timeouts)
ACTIONS = ("submit", "stage", "accept", "offer", "message")
PAYPAL_RELS = {"submit": "provide_evidence", "accept": "accept_claim", "offer": "make_offer",
               "message": "send_message"}
AWAITING = frozenset({DisputeStatus.NEEDS_RESPONSE, DisputeStatus.WARNING_NEEDS_RESPONSE})
FINAL = frozenset({SubmissionState.SUBMITTED, SubmissionState.ACCEPTED})
STRIPE_FILE_FIELDS = frozenset(DocumentKind.values) - {DocumentKind.PACKET}
MESSAGE_MAX = 2000  # PayPal's limit on notes and messages
AUTO_ACTOR = "auto-submission (T-12 h)"


class SubmissionRefused(Exception):
    """An action the dispute does not allow now; ``.message`` is a translated sentence for the agent."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class SubmissionFailed(SubmissionRefused):
    """The provider was asked and did not do it; ``transient``: it may have (retrying reuses the same key)."""

    def __init__(self, message, *, transient: bool):
        super().__init__(message)
        self.transient = transient


# -- what is allowed ---------------------------------------------------------------------------------------------

def dispute_actions(dispute) -> frozenset[str]:
    """The actions the desk may offer now: a subset of ``{"submit", "stage", "accept", "offer", "message"}``."""
    return frozenset(action for action in ACTIONS if _refusal(dispute, action) is None)


def _refusal(dispute: Dispute, action: str, *, now=None) -> str | None:
    """Why ``action`` is not allowed on ``dispute`` now (a translated sentence), or None."""
    provider = dispute.get_provider_display()
    if dispute.submission_state == SubmissionState.ACCEPTED:
        return _("This dispute was accepted; nothing more can be sent.")
    if action in ("submit", "stage", "accept"):
        # PayPal may still let the seller accept the claim after its evidence: its links say so.
        if dispute.submission_state == SubmissionState.SUBMITTED and (
                action != "accept" or dispute.provider == DisputeProvider.STRIPE):
            return _("The evidence of this dispute was already submitted; it is never sent twice.")
        if _in_flight(dispute, now=now):
            return _("A submission of this dispute is already in flight; wait for its answer.")
    if dispute.provider == DisputeProvider.STRIPE:
        if action in ("offer", "message"):
            return _("Stripe disputes take no offers or messages: respond with evidence or accept the dispute.")
        if dispute.status not in AWAITING:
            return (_("This dispute no longer awaits a response (%(status)s).")
                    % {"status": dispute.get_status_display()})
    else:
        if action == "stage":
            return _("PayPal has no draft evidence: the evidence is sent once, when it is submitted.")
        if _paypal_link(dispute, PAYPAL_RELS[action]) is None:
            return _("PayPal does not allow this action on this dispute now (the dispute's links do not offer it).")
    if not _configured(dispute.provider):
        return (_("%(provider)s API credentials are not configured: download the packet as one PDF and upload it "
                  "in the %(provider)s dashboard.") % {"provider": provider})
    return None


def _in_flight(dispute: Dispute, *, now=None) -> bool:
    started = dispute.submission_started_at
    return (dispute.submission_state == SubmissionState.SUBMITTING and started is not None
            and (now or timezone.now()) - started < IN_FLIGHT)


def _paypal_link(dispute: Dispute, rel: str) -> str | None:
    links = (dispute.raw or {}).get("links") if isinstance(dispute.raw, dict) else None
    for link in links or []:
        if isinstance(link, dict) and link.get("rel") == rel and link.get("href"):
            return str(link["href"])
    return None


def _configured(provider: str) -> bool:
    if provider == DisputeProvider.STRIPE:
        return bool(settings.STRIPE_SECRET_KEY)
    return bool(settings.PAYPAL_CLIENT_ID and settings.PAYPAL_CLIENT_SECRET)


def _stripe():
    from aftersales.integrations.stripe.disputes import StripeDisputes

    return StripeDisputes(api_key=settings.STRIPE_SECRET_KEY)


def _paypal():
    from aftersales.integrations.paypal.disputes import PayPalDisputes

    return PayPalDisputes(mode=settings.PAYPAL_MODE, client_id=settings.PAYPAL_CLIENT_ID,
                          client_secret=settings.PAYPAL_CLIENT_SECRET)


# -- the services ------------------------------------------------------------------------------------------------

def dispute_stage(*, dispute_id: int, user) -> None:
    """Stripe only: upload the packet's files and save the evidence with ``submit=false`` (the agent keeps editing).

    A failure changes no state: it is kept in ``submission_error`` and raised as ``SubmissionFailed``."""
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update().get(pk=dispute_id)
        _refuse_unless_allowed(dispute, "stage")
    packet = _packet(dispute_id)
    try:
        client = _stripe()
        fields = _stripe_fields(dispute, packet, client)
        digest = hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:32]
        client.update_evidence(dispute_id=dispute.provider_id, evidence=fields, submit=False,
                               idempotency_key=f"dispute-{dispute.pk}-stage-{digest}")
    except ProviderError as error:
        with transaction.atomic():
            locked = Dispute.objects.select_for_update().get(pk=dispute_id)
            locked.submission_error = error.message[:500]
            locked.save(update_fields=["submission_error", "updated_at"])
            _record(locked, "response.stage_failed", f"staging at Stripe failed ({_actor(user)}): {error.message}")
        raise SubmissionFailed(error.message, transient=isinstance(error, TransientProviderError)) from error
    with transaction.atomic():
        locked = Dispute.objects.select_for_update().get(pk=dispute_id)
        if locked.submission_state not in FINAL | {SubmissionState.SUBMITTING}:
            locked.submission_state = SubmissionState.STAGED
        locked.submission_error = ""
        locked.save(update_fields=["submission_state", "submission_error", "updated_at"])
        _record(locked, "response.staged",
                f"evidence staged at Stripe by {_actor(user)} ({len(fields)} fields, packet {packet.score}/100)")


def dispute_submit(*, dispute_id: int, user) -> None:
    """Submit the dispute's evidence packet to its provider, once (see the module docstring)."""
    _submit(dispute_id=dispute_id, user=user, require_complete=False)


def dispute_auto_submit(*, dispute_id: int) -> None:
    """The T-12 h auto-submission: like ``dispute_submit``, by no one, and only a complete packet."""
    _submit(dispute_id=dispute_id, user=None, require_complete=True)


def dispute_accept(*, dispute_id: int, user) -> None:
    """Accept the dispute (Stripe: close; PayPal: accept-claim), once."""
    dispute, previous = _claim(dispute_id=dispute_id, action="accept")
    key = f"dispute-{dispute.pk}-accept-{dispute.submission_key}"
    try:
        if dispute.provider == DisputeProvider.STRIPE:
            _stripe().close(dispute_id=dispute.provider_id, idempotency_key=key)
        else:
            with translation.override(settings.LANGUAGE_CODE):
                note = _("The merchant accepts the claim.")
            _paypal().accept_claim(href=_paypal_link(dispute, "accept_claim"), note=note, request_id=key)
    except ProviderError as error:
        _fail(dispute_id, error, user=user, what="accepting")
    except BaseException:
        _restore(dispute_id, previous)
        raise
    with transaction.atomic():
        locked = Dispute.objects.select_for_update().get(pk=dispute_id)
        locked.submission_state, locked.submission_error = SubmissionState.ACCEPTED, ""
        locked.save(update_fields=["submission_state", "submission_error", "updated_at"])
        _record(locked, "response.accepted", f"dispute accepted at {locked.get_provider_display()} by {_actor(user)}")


def dispute_offer(*, dispute_id: int, user, offer_type: str, amount_minor: int, note: str) -> None:
    """PayPal make-offer: ``REFUND`` / ``REFUND_WITH_RETURN`` / ``REFUND_WITH_REPLACEMENT`` of ``amount_minor``."""
    from aftersales.integrations.paypal.disputes import OFFER_TYPES

    dispute = Dispute.objects.get(pk=dispute_id)
    _refuse_unless_allowed(dispute, "offer")
    if offer_type not in OFFER_TYPES:
        raise SubmissionRefused(_("Choose a refund, a refund with return, or a refund with a replacement."))
    if not isinstance(amount_minor, int) or isinstance(amount_minor, bool) or not 0 < amount_minor <= \
            dispute.amount_minor:
        raise SubmissionRefused(_("An offer must be more than nothing and at most the disputed amount."))
    note = _text(note, _("Write a note to the buyer about the offer."))
    try:
        _paypal().make_offer(href=_paypal_link(dispute, "make_offer"), offer_type=offer_type,
                             amount_minor=amount_minor, currency=dispute.currency, note=note,
                             request_id=f"dispute-{dispute.pk}-offer-{uuid.uuid4().hex}")
    except ProviderError as error:
        raise SubmissionFailed(error.message, transient=isinstance(error, TransientProviderError)) from error
    with transaction.atomic():
        locked = Dispute.objects.select_for_update().get(pk=dispute_id)
        if locked.submission_state not in FINAL | {SubmissionState.SUBMITTING}:
            locked.submission_state = SubmissionState.OFFERED
            locked.save(update_fields=["submission_state", "updated_at"])
        _record(locked, "response.offer_made",
                f"offer {offer_type} of {amount_minor} {locked.currency} (minor units) made by {_actor(user)}",
                raw={"offer_type": offer_type, "amount_minor": amount_minor, "note": note})


def dispute_message(*, dispute_id: int, user, text: str) -> None:
    """PayPal send-message: a message to the buyer on the dispute."""
    dispute = Dispute.objects.get(pk=dispute_id)
    _refuse_unless_allowed(dispute, "message")
    text = _text(text, _("Write the message to send."))
    try:
        _paypal().send_message(href=_paypal_link(dispute, "send_message"), message=text,
                               request_id=f"dispute-{dispute.pk}-message-{uuid.uuid4().hex}")
    except ProviderError as error:
        raise SubmissionFailed(error.message, transient=isinstance(error, TransientProviderError)) from error
    with transaction.atomic():
        _record(Dispute.objects.select_for_update().get(pk=dispute_id), "response.message_sent",
                f"message sent to the buyer by {_actor(user)}", raw={"message": text})


# -- submission, once ----------------------------------------------------------------------------------------------

def _submit(*, dispute_id: int, user, require_complete: bool) -> None:
    dispute, previous = _claim(dispute_id=dispute_id, action="submit")
    key = dispute.submission_key
    try:
        packet = _packet(dispute_id)
        if require_complete and not packet.complete:
            raise SubmissionRefused(_("The auto-submission waits for a complete packet."))
        if not packet.text and not packet.documents:
            raise SubmissionRefused(_("The packet is empty: add evidence before submitting."))
        if dispute.provider == DisputeProvider.STRIPE:
            client = _stripe()
            fields = _stripe_fields(dispute, packet, client)
            client.update_evidence(dispute_id=dispute.provider_id, evidence=fields, submit=True,
                                   idempotency_key=f"dispute-{dispute.pk}-submit-{key}")
        else:
            _paypal_provide_evidence(dispute, packet, key)
    except ProviderError as error:
        _fail(dispute_id, error, user=user, what="submitting")
    except BaseException:  # refused before reaching the provider, or our own fault: back to where it was
        _restore(dispute_id, previous)
        raise
    with transaction.atomic():
        locked = Dispute.objects.select_for_update().get(pk=dispute_id)
        locked.submission_state, locked.submission_error = SubmissionState.SUBMITTED, ""
        locked.submitted_at, locked.completeness = timezone.now(), packet.score
        locked.save(update_fields=["submission_state", "submission_error", "submitted_at", "completeness",
                                   "updated_at"])
        _record(locked, "response.submitted",
                f"evidence submitted to {locked.get_provider_display()} by {_actor(user)} "
                f"(packet {packet.score}/100, {len(packet.documents)} documents)",
                raw={"submission_key": key, "score": packet.score})


def _claim(*, dispute_id: int, action: str) -> tuple[Dispute, tuple]:
    """Lock the row, refuse what is not allowed (submitted, accepted, in flight, …), mark it submitting, commit."""
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update().get(pk=dispute_id)
        _refuse_unless_allowed(dispute, action)
        previous = (dispute.submission_state, dispute.submission_key, dispute.submission_started_at,
                    dispute.submission_error)
        dispute.submission_state = SubmissionState.SUBMITTING
        dispute.submission_key = dispute.submission_key or uuid.uuid4().hex  # a retry reuses the key
        dispute.submission_started_at = timezone.now()
        dispute.save(update_fields=["submission_state", "submission_key", "submission_started_at", "updated_at"])
    return dispute, previous


def _refuse_unless_allowed(dispute: Dispute, action: str) -> None:
    reason = _refusal(dispute, action)
    if reason is not None:
        raise SubmissionRefused(reason)


def _fail(dispute_id: int, error: ProviderError, *, user, what: str):
    """Record a provider failure (state ``failed``, the message kept) and raise it for the agent."""
    transient = isinstance(error, TransientProviderError)
    with transaction.atomic():
        locked = Dispute.objects.select_for_update().get(pk=dispute_id)
        locked.submission_state = SubmissionState.FAILED
        locked.submission_error = error.message[:500]
        if not transient:
            locked.submission_key = ""  # refused for good, nothing happened: the next attempt is a new request
        locked.save(update_fields=["submission_state", "submission_error", "submission_key", "updated_at"])
        _record(locked, "response.failed",
                f"{what} at {locked.get_provider_display()} failed ({_actor(user)}): {error.message}",
                raw={"transient": transient})
    raise SubmissionFailed(error.message, transient=transient) from error


def _restore(dispute_id: int, previous: tuple) -> None:
    with transaction.atomic():
        locked = Dispute.objects.select_for_update().get(pk=dispute_id)
        (locked.submission_state, locked.submission_key, locked.submission_started_at,
         locked.submission_error) = previous
        locked.save(update_fields=["submission_state", "submission_key", "submission_started_at",
                                   "submission_error", "updated_at"])


# -- the provider payloads -------------------------------------------------------------------------------------------

def _packet(dispute_id: int):
    from .evidence import packet_build  # read at each call (the packet module is the evidence app's)

    return packet_build(dispute_id=dispute_id)


def _stripe_fields(dispute: Dispute, packet, client) -> dict[str, str]:
    """The packet's text fields plus one uploaded file id per file field (each document uploaded once)."""
    fields = {name: value for name, value in packet.text.items() if value}
    for document in packet.documents:
        if document.kind not in STRIPE_FILE_FIELDS or document.kind in fields:
            raise SubmissionRefused(_("Stripe takes one file per evidence field: “%(kind)s” cannot be sent as it "
                                      "is.") % {"kind": document.get_kind_display()})
        fields[document.kind] = document.provider_file_id or _stripe_upload(client, document)
    return fields


def _stripe_upload(client, document: DisputeDocument) -> str:
    file_id = client.upload_file(filename=_file_name(document), content=_content(document),
                                 content_type=document.content_type,
                                 idempotency_key=f"dispute-document-{document.pk}-{document.sha256[:32]}")
    DisputeDocument.objects.filter(pk=document.pk).update(provider_file_id=file_id)
    document.provider_file_id = file_id
    return file_id


def _paypal_provide_evidence(dispute: Dispute, packet, key: str) -> None:
    from aftersales.integrations.paypal.disputes import EvidenceFile, evidence_input

    files = [EvidenceFile(name=_file_name(document), content_type=document.content_type,
                          content=_content(document)) for document in packet.documents]
    evidences = evidence_input(text=dict(packet.text), file_names=[item.name for item in files],
                               refund_ids=selectors.dispute_provider_refund_ids(dispute=dispute))
    _paypal().provide_evidence(href=_paypal_link(dispute, "provide_evidence"), evidences=evidences, files=files,
                               request_id=f"dispute-{dispute.pk}-submit-{key}")


def _file_name(document: DisputeDocument) -> str:
    extension = mimetypes.guess_extension(document.content_type) or ""
    return f"{document.kind}-{document.pk}{extension}"


def _content(document: DisputeDocument) -> bytes:
    with default_storage.open(document.storage_name, "rb") as handle:
        return handle.read()


# -- small parts ------------------------------------------------------------------------------------------------------

def _text(value, empty_message) -> str:
    value = (value or "").strip()
    if not value:
        raise SubmissionRefused(empty_message)
    if len(value) > MESSAGE_MAX:
        raise SubmissionRefused(_("Keep it under %(max)s characters (PayPal's limit).") % {"max": MESSAGE_MAX})
    return value


def _actor(user) -> str:
    return user.get_username() if user is not None else AUTO_ACTOR


def _record(dispute: Dispute, type_: str, note: str, *, raw: dict | None = None) -> None:
    """A timeline row: who (in the note), when, what; the status is the dispute's, unchanged."""
    DisputeEvent.objects.create(dispute=dispute, type=type_, occurred_at=timezone.now(), from_status=dispute.status,
                                to_status=dispute.status, applied=True, note=note[:500], raw=raw or {})
