"""The dispute desk (``/desk/disputes/``): open disputes by internal deadline with live countdowns, and the packet
review page of one dispute — completeness and what is missing, a preview of every document, the text evidence,
uploads, the whole packet as one PDF, the related tickets and returns, and the actions the provider allows now.

Thin views (STYLE #3): parse the form, call one service (``disputes.evidence`` or ``disputes.submission``), show its
refusal as it is. Only desk staff (agents, managers, superusers); documents are served only through these views.
The review page builds the packet (``packet_build``) so it always shows what would be sent now: that writes the
generated documents when the records changed, and nothing otherwise (ADR 0007). PDF previews load when opened:
several PDF viewers loading at once in Chromium made it drop the agent's next form submission.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from aftersales.money import CurrencyError, to_minor
from aftersales.uploads import UploadRejected

from .. import evidence, selectors, submission
from ..choices import DisputeStage, DisputeStatus
from ..forms import FIELD_LABELS, DocumentForm, EvidenceForm, MessageForm, OfferForm
from ..models import Dispute

desk_required = permission_required("aftersales.access_desk", raise_exception=True)
ACTIONS = ("submit", "stage", "accept", "offer", "message")


@login_required
@desk_required
@require_GET
def queue(request):
    show = "all" if request.GET.get("show") == "all" else "open"
    now = timezone.now()
    statuses = {value: str(label) for value, label in DisputeStatus.choices}
    stages = {value: str(label) for value, label in DisputeStage.choices}
    rows = []
    for dispute in selectors.dispute_queue(show=show)[:200]:
        deadline = dispute.internal_deadline
        hours = (deadline - now).total_seconds() / 3600 if deadline else None
        rows.append({"dispute": dispute, "status": statuses.get(dispute.status, dispute.status),
                     "stage": stages.get(dispute.stage, dispute.stage), "hours": hours,
                     "clock": "text-danger fw-semibold" if hours is not None and hours < 24 else
                              "text-warning-emphasis" if hours is not None and hours < 72 else ""})
    return render(request, "disputes/desk/queue.html", {"rows": rows, "show": show, "now": now})


def _dispute(pk) -> Dispute:
    try:
        return selectors.dispute_for_desk(pk)
    except Dispute.DoesNotExist:
        raise Http404 from None


def _actions(dispute) -> frozenset[str]:
    try:
        return frozenset(submission.dispute_actions(dispute)) & frozenset(ACTIONS)
    except NotImplementedError:  # the submission module is not there yet: no buttons, never a broken page
        return frozenset()


@login_required
@desk_required
@require_GET
def detail(request, pk):
    dispute = _dispute(pk)
    packet = evidence.packet_build(dispute_id=dispute.pk)
    sent = {document.pk for document in packet.documents}
    documents = [(document, document.pk in sent) for document in selectors.dispute_documents(dispute_id=dispute.pk)]
    related = selectors.dispute_related(dispute=dispute)
    return render(request, "disputes/desk/detail.html", {
        "dispute": dispute, "now": timezone.now(), "packet": packet, "documents": documents,
        "evidence_form": EvidenceForm(text=packet.text), "document_form": DocumentForm(),
        "offer_form": OfferForm(), "message_form": MessageForm(), "actions": _actions(dispute),
        "editable": evidence.is_editable(dispute),
        "sent_text": [(FIELD_LABELS[key], value) for key, value in packet.text.items() if key in FIELD_LABELS],
        **related})


@login_required
@desk_required
@require_POST
def evidence_save(request, pk):
    dispute = _dispute(pk)
    form = EvidenceForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("disputes-desk:detail", pk=dispute.pk)
    try:
        evidence.evidence_update(dispute_id=dispute.pk, fields=form.cleaned_data, user=request.user)
    except UploadRejected as refused:
        messages.error(request, str(refused.message))
    else:
        messages.success(request, _("Text evidence saved."))
    return redirect("disputes-desk:detail", pk=dispute.pk)


@login_required
@desk_required
@require_POST
def document_upload(request, pk):
    dispute = _dispute(pk)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("disputes-desk:detail", pk=dispute.pk)
    try:
        document = evidence.document_add(dispute_id=dispute.pk, kind=form.cleaned_data["kind"],
                                         upload=form.cleaned_data["file"], user=request.user)
    except UploadRejected as refused:
        messages.error(request, str(refused.message))
    else:
        messages.success(request, _("Document attached: %(title)s.") % {"title": document.title})
    return redirect("disputes-desk:detail", pk=dispute.pk)


@login_required
@desk_required
@require_GET
@xframe_options_sameorigin  # previewed in an <iframe> of the review page
def document_file(request, pk, document_pk):
    """A document of the dispute, inline (stored outside the web root, served only to desk staff)."""
    document = get_object_or_404(selectors.dispute_documents(dispute_id=pk, with_packet=True), pk=document_pk)
    response = FileResponse(default_storage.open(document.storage_name, "rb"), content_type=document.content_type)
    response["Content-Disposition"] = f'inline; filename="{document.kind}-{document.pk}.{_extension(document)}"'
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _extension(document) -> str:
    return {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}.get(
        document.content_type, "bin")


@login_required
@desk_required
@require_GET
def packet_download(request, pk):
    """The whole packet as one PDF, for a manual upload at the provider."""
    dispute = _dispute(pk)
    document = evidence.packet_pdf(dispute_id=dispute.pk)
    response = FileResponse(default_storage.open(document.storage_name, "rb"), content_type="application/pdf",
                            as_attachment=True, filename=f"dispute-{dispute.provider_id}-evidence.pdf")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@desk_required
@require_POST
def action(request, pk, name):
    dispute = _dispute(pk)
    if name not in ACTIONS or name not in _actions(dispute):
        messages.error(request, _("This action is not available for this dispute now."))
        return redirect("disputes-desk:detail", pk=dispute.pk)
    try:
        if name == "offer":
            form = OfferForm(request.POST)
            if not form.is_valid():
                raise submission.SubmissionRefused(" ".join(e for errors in form.errors.values() for e in errors))
            amount = form.cleaned_data["amount"]
            try:
                amount_minor = to_minor(amount, dispute.currency) if amount is not None else 0
            except CurrencyError as error:
                raise submission.SubmissionRefused(_("This amount does not fit the currency.")) from error
            submission.dispute_offer(dispute_id=dispute.pk, user=request.user,
                                     offer_type=form.cleaned_data["offer_type"], amount_minor=amount_minor,
                                     note=form.cleaned_data["note"])
        elif name == "message":
            form = MessageForm(request.POST)
            if not form.is_valid():
                raise submission.SubmissionRefused(" ".join(e for errors in form.errors.values() for e in errors))
            submission.dispute_message(dispute_id=dispute.pk, user=request.user, text=form.cleaned_data["text"])
        else:
            getattr(submission, f"dispute_{name}")(dispute_id=dispute.pk, user=request.user)
    except submission.SubmissionRefused as refused:
        messages.error(request, str(refused.message))
    else:
        messages.success(request, {
            "submit": _("Evidence submitted."), "stage": _("Evidence saved at the provider (not submitted yet)."),
            "accept": _("Dispute accepted."), "offer": _("Offer sent."), "message": _("Message sent."),
        }[name])
    return redirect("disputes-desk:detail", pk=dispute.pk)
