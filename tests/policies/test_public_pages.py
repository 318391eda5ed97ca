"""Public policy pages: readable in every language, with meta, hreflang, FAQ data, history and the change banner."""

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from policies.models import FaqEntry
from policies.services import (
    policy_version_create_draft,
    policy_version_publish,
    policy_version_schedule,
)
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def german_policy():
    market = factories.market("DE")
    version = policy_version_publish(version=policy_version_create_draft(
        market=market, title="Returns", title_de="Rückgabe", summary="Return within 30 days.",
        summary_de="Rückgabe innerhalb von 30 Tagen.", window_days=30, notice_days=14,
        return_address="Lager Leipzig, 04109 Leipzig", returnless_threshold_minor=2000))
    FaqEntry.objects.create(market=market, topic="returns", question="How do I return?",
                            question_de="Wie sende ich zurück?", answer="Use the portal.",
                            answer_de="Über das Portal.")
    return version


def test_page_in_german_with_meta_canonical_and_alternates(client, german_policy):
    response = client.get("/de/policies/de/returns/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Rückgabe · Deutschland · Demo Store</title>" in html  # the market "Germany", in German
    assert '<meta name="description" content="Rückgabe innerhalb von 30 Tagen.">' in html
    assert '<link rel="canonical" href="http://testserver/de/policies/de/returns/">' in html
    hreflangs = re.findall(r'hreflang="([^"]+)" href="([^"]+)"', html)
    assert hreflangs == [(code, f"http://testserver/{code}/policies/de/returns/")
                         for code in ["en", "zh-hans", "es", "de", "fr"]] + [
        ("x-default", "http://testserver/en/policies/de/returns/")]
    assert 'data-clause="window_days"' in html


def test_faq_structured_data(client, german_policy):
    html = client.get("/de/policies/de/returns/").content.decode()
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data == {"@context": "https://schema.org", "@type": "FAQPage", "mainEntity": [
        {"@type": "Question", "name": "Wie sende ich zurück?",
         "acceptedAnswer": {"@type": "Answer", "text": "Über das Portal."}}]}


def test_eu_page_has_the_withdrawal_form_and_online_withdrawal(client, german_policy):
    html = client.get("/en/policies/de/returns/").content.decode()
    assert 'data-testid="withdrawal"' in html
    assert "Model withdrawal form" in html
    assert 'data-testid="withdraw-online"' in html


def test_us_page_has_no_withdrawal_form(client):
    policy_version_publish(version=policy_version_create_draft(market=factories.market("US"), title="Returns"))
    html = client.get("/en/policies/us/returns/").content.decode()
    assert 'data-testid="withdrawal"' not in html


def test_untranslated_text_falls_back_to_english(client, german_policy):
    html = client.get("/fr/policies/de/returns/").content.decode()
    assert "<title>Returns · Allemagne · Demo Store</title>" in html  # the page's own words are French


def test_scheduled_change_shows_a_banner_with_a_readable_diff(client, german_policy):
    draft = policy_version_create_draft(market=german_policy.market, based_on=german_policy, window_days=60,
                                        change_note="Longer window")
    policy_version_schedule(version=draft, effective_at=timezone.now() + timedelta(days=20))
    html = client.get("/en/policies/de/returns/").content.decode()
    banner = html[html.index('data-testid="change-banner"'):html.index("</table>")]
    assert "Longer window" in banner
    assert "<del>30 days from delivery.</del>" in banner
    assert "<ins>60 days from delivery.</ins>" in banner
    assert "Version 1" in html  # the version in force is still shown


def test_unknown_market_and_drafts_are_not_public(client):
    assert client.get("/en/policies/zz/returns/").status_code == 404
    policy_version_create_draft(market=factories.market("FR"), title="Draft only")
    assert client.get("/en/policies/fr/returns/").status_code == 404


def test_json_endpoint_serves_the_policy_in_force_in_a_language(client, german_policy):
    response = client.get("/api/v1/policies/de/?lang=de")
    assert response.status_code == 200
    body = response.json()
    assert (body["market"], body["language"], body["version"], body["title"]) == ("DE", "de", 1, "Rückgabe")
    assert body["faq"] == [{"question": "Wie sende ich zurück?", "answer": "Über das Portal."}]
    assert response["Access-Control-Allow-Origin"] == "*"
    assert client.get("/api/v1/policies/de/?lang=xx").status_code == 400
    assert client.get("/api/v1/policies/zz/").status_code == 404
