"""Policies in the desk: managers draft, preview, check and schedule; agents read."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.models import Market
from policies import legal, selectors
from policies.choices import PolicyStatus
from policies.forms import PolicyDraftForm, ScheduleForm, language_suffixes
from policies.models import PolicyVersion
from policies.services import (
    in_force,
    policy_version_create_draft,
    policy_version_publish,
    policy_version_schedule,
    policy_version_update_draft,
)

can_read = permission_required("policies.view_policyversion", raise_exception=True)
can_edit = permission_required("policies.change_policyversion", raise_exception=True)


@login_required
@can_read
def index(request):
    versions = PolicyVersion.objects.select_related("market").order_by("market__code", "-number")
    by_market = {}
    for version in versions:
        by_market.setdefault(version.market, []).append(version)
    markets = [(market, by_market.get(market, [])) for market in Market.objects.all()]
    return render(request, "policies/desk/index.html", {"markets": markets})


@login_required
@can_read
def detail(request, pk):
    version = get_object_or_404(PolicyVersion.objects.select_related("market"), pk=pk)
    can_change = request.user.has_perm("policies.change_policyversion")
    form = PolicyDraftForm(instance=version) if version.is_editable and can_change else None
    return _render_detail(request, version, form)


def _render_detail(request, version, form, schedule_form=None, status=200):
    current = in_force(version.market)
    context = {
        "version": version, "form": form, "findings": legal.check(version),
        "languages": language_suffixes(), "current": current,
        "schedule_form": schedule_form or ScheduleForm(initial={"effective_at": _earliest(version, current)}),
        "earliest": _earliest(version, current),
        "can_change": request.user.has_perm("policies.change_policyversion"),
        "clauses": selectors.clauses(version, translation.get_language()),
    }
    return render(request, "policies/desk/detail.html", context, status=status)


def _earliest(version, current):
    days = current.notice_days if current else 0
    return (timezone.localtime() + timezone.timedelta(days=days, hours=1)).replace(second=0, microsecond=0)


@login_required
@can_edit
@require_POST
def create_draft(request, market_code):
    market = get_object_or_404(Market, code=market_code)
    draft = PolicyVersion.objects.filter(market=market, status=PolicyStatus.DRAFT).first()
    if draft is None:
        draft = policy_version_create_draft(market=market, created_by=request.user, based_on=in_force(market),
                                            **({} if in_force(market) else {"title": _("Returns and refunds")}))
    return redirect("policies-desk:detail", pk=draft.pk)


@login_required
@can_edit
@require_POST
def save(request, pk):
    version = get_object_or_404(PolicyVersion, pk=pk)
    form = PolicyDraftForm(request.POST, instance=version)
    if not form.is_valid():
        return _render_detail(request, version, form, status=400)
    try:
        version = policy_version_update_draft(version=version, **form.clause_cleaned(), **form.text_cleaned())
    except ValidationError as error:
        form.add_error(None, error)
        return _render_detail(request, version, form, status=400)
    problems = legal.errors(version)
    if problems:
        messages.warning(request, _("Draft saved, but it cannot be published until the legal errors are fixed."))
    else:
        messages.success(request, _("Draft saved."))
    return redirect("policies-desk:detail", pk=version.pk)


@login_required
@can_edit
@require_POST
def schedule(request, pk):
    version = get_object_or_404(PolicyVersion.objects.select_related("market"), pk=pk)
    form = ScheduleForm(request.POST)
    try:
        if in_force(version.market) is None:
            policy_version_publish(version=version, actor=request.user)
            messages.success(request, _("Published: this version is now in force."))
        elif form.is_valid():
            policy_version_schedule(version=version, effective_at=form.cleaned_data["effective_at"],
                                    actor=request.user)
            messages.success(request, _("Scheduled. Customers with open orders are being told about the change."))
        else:
            return _render_detail(request, version, PolicyDraftForm(instance=version), form, status=400)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return _render_detail(request, version, PolicyDraftForm(instance=version), form, status=400)
    return redirect("policies-desk:detail", pk=version.pk)


@login_required
@can_read
def preview(request, pk, language):
    """The public page as it will look, for any version (drafts included), in one language."""
    version = get_object_or_404(PolicyVersion.objects.select_related("market"), pk=pk)
    if language not in dict(settings.LANGUAGES):
        raise Http404
    with translation.override(language):
        context = {
            "market": version.market, "version": version, "preview": True,
            "clauses": selectors.clauses(version, language), "faq": selectors.faq_for(version.market),
            "history": [], "alternates": [], "canonical": "",
            "statutory_withdrawal": selectors.has_statutory_withdrawal(version.market), "faq_jsonld": "{}",
            "LANGUAGE_CODE": language,
        }
        response = render(request, "policies/portal/returns.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response
