"""Managers draft, check, preview and schedule policies in the desk; agents only read."""

from datetime import timedelta

import pytest
from django.utils import timezone

from policies.choices import PolicyStatus
from policies.models import PolicyVersion
from policies.services import policy_version_create_draft, policy_version_publish
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def live():
    return policy_version_publish(version=policy_version_create_draft(
        market=factories.market("DE"), title="Returns", window_days=30, notice_days=14,
        returnless_threshold_minor=2000))


def form_data(version, **overrides):
    from policies.forms import CLAUSES, text_fields

    data = {}
    for name in CLAUSES + text_fields():
        value = getattr(version, name)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = "" if value is None else value
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not False}


def test_agent_reads_but_cannot_edit(client, agent_user, live):
    client.force_login(agent_user)
    assert client.get("/desk/policies/").status_code == 200
    page = client.get(f"/desk/policies/{live.pk}/")
    assert page.status_code == 200
    assert b'data-testid="draft-form"' not in page.content
    assert client.post("/desk/policies/markets/DE/draft/").status_code == 403
    assert client.post(f"/desk/policies/{live.pk}/save/", form_data(live)).status_code == 403
    assert client.post(f"/desk/policies/{live.pk}/schedule/").status_code == 403
    assert PolicyVersion.objects.count() == 1


def test_anonymous_goes_to_login(client, live):
    assert client.get("/desk/policies/").status_code == 302


def test_manager_drafts_sees_the_legal_error_inline_fixes_it_and_schedules(client, manager_user, live):
    client.force_login(manager_user)
    response = client.post("/desk/policies/markets/DE/draft/")
    draft = PolicyVersion.objects.get(status=PolicyStatus.DRAFT)
    assert response["Location"] == f"/desk/policies/{draft.pk}/"

    client.post(f"/desk/policies/{draft.pk}/save/", form_data(draft, window_days=10, title_es="Devoluciones"))
    page = client.get(f"/desk/policies/{draft.pk}/").content.decode()
    assert 'data-level="error" data-clause="window_days"' in page
    refused = client.post(f"/desk/policies/{draft.pk}/schedule/",
                          {"effective_at": (timezone.now() + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M")})
    assert refused.status_code == 400
    assert "window_days · DE: Change-of-mind returns must be accepted for at least 14 days" in refused.content.decode()

    client.post(f"/desk/policies/{draft.pk}/save/", form_data(draft, window_days=45, title_es="Devoluciones"))
    too_soon = client.post(f"/desk/policies/{draft.pk}/schedule/",
                           {"effective_at": (timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")})
    assert too_soon.status_code == 400
    ok = client.post(f"/desk/policies/{draft.pk}/schedule/",
                     {"effective_at": (timezone.now() + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M")})
    assert ok.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.window_days, draft.title_es) == ("scheduled", 45, "Devoluciones")


def test_preview_renders_a_draft_in_each_language(client, manager_user, live):
    client.force_login(manager_user)
    draft = policy_version_create_draft(market=live.market, based_on=live, title_es="Devoluciones")
    response = client.get(f"/desk/policies/{draft.pk}/preview/es/")
    assert response.status_code == 200
    assert "Devoluciones" in response.content.decode()
    assert 'data-testid="preview-badge"' in response.content.decode()
    assert client.get(f"/desk/policies/{draft.pk}/preview/xx/").status_code == 404
    assert client.get("/en/policies/de/returns/").content.decode().count("Devoluciones") == 0  # drafts stay private


def test_scheduled_versions_are_not_editable(client, manager_user, live):
    client.force_login(manager_user)
    response = client.post(f"/desk/policies/{live.pk}/save/", form_data(live, window_days=60))
    assert response.status_code == 400
    live.refresh_from_db()
    assert live.window_days == 30


def test_admin_lists_policies_and_edits_faq(admin_client, live):
    from policies.models import FaqEntry

    FaqEntry.objects.create(market=live.market, topic="returns", question="Q?", answer="A.")
    assert admin_client.get("/admin/policies/policyversion/").status_code == 200
    assert admin_client.get(f"/admin/policies/policyversion/{live.pk}/change/").status_code == 200  # read-only view
    assert admin_client.get("/admin/policies/faqentry/").status_code == 200
    assert admin_client.get("/admin/policies/policynotice/").status_code == 200
