"""Public policy pages under ``/<lang>/policies/<market>/returns/`` and the read-only JSON of a policy."""

import json

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from policies import selectors


def _market_or_404(code):
    market = selectors.public_market(code)
    if market is None:
        raise Http404
    return market


@require_GET
def returns_page(request, market_code):
    market = _market_or_404(market_code)
    versions = selectors.versions_for_page(market)
    current = versions["current"]
    if current is None:
        raise Http404
    language = get_language()
    faq = selectors.faq_for(market)
    alternates = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            path = reverse("policies:returns", args=[market.code.lower()])
        alternates.append((code, request.build_absolute_uri(path)))
    upcoming = versions["upcoming"]
    context = {
        "market": market, "version": current, "clauses": selectors.clauses(current, language),
        "upcoming": upcoming, "changes": selectors.diff(current, upcoming, language) if upcoming else [],
        "history": versions["history"], "faq": faq, "alternates": alternates,
        "canonical": request.build_absolute_uri(request.path),
        "statutory_withdrawal": selectors.has_statutory_withdrawal(market),
        "faq_jsonld": json.dumps({
            "@context": "https://schema.org", "@type": "FAQPage",
            "mainEntity": [{"@type": "Question", "name": entry.question,
                            "acceptedAnswer": {"@type": "Answer", "text": entry.answer}} for entry in faq],
        }, ensure_ascii=False),
    }
    return render(request, "policies/portal/returns.html", context)


@require_GET
def policy_json(request, market_code):
    """The policy in force for a market, in ``?lang=`` (default: English), as JSON for the store's site."""
    market = _market_or_404(market_code)
    language = request.GET.get("lang", settings.LANGUAGE_CODE)
    if language not in dict(settings.LANGUAGES):
        return JsonResponse({"error": f"unknown language {language!r}",
                             "languages": [code for code, _name in settings.LANGUAGES]}, status=400)
    version = selectors.versions_for_page(market)["current"]
    if version is None:
        raise Http404
    with translation.override(language):
        body = {
            "market": market.code, "language": language, "version": version.number,
            "effective_at": version.effective_at.isoformat() if version.effective_at else None,
            "title": version.title, "summary": version.summary,
            "clauses": [{"key": c.key, "label": str(c.label), "text": str(c.text)}
                        for c in selectors.clauses(version, language)],
            "window_days": version.window_days, "refund_days": version.refund_days,
            "refund_day_kind": version.refund_day_kind, "return_shipping_payer": version.return_shipping_payer,
            "currency": market.currency, "returnless_threshold_minor": version.returnless_threshold_minor,
            "faq": [{"question": e.question, "answer": e.answer} for e in selectors.faq_for(market)],
            "url": request.build_absolute_uri(f"/{language}/policies/{market.code.lower()}/returns/"),
        }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=300"
    return response
