"""A manager drafts a new policy version in English and Spanish, meets a legal error, fixes it and schedules
it; a customer then reads the Spanish page with the change banner. Screenshots in the test's output folder."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from policies.services import policy_version_create_draft, policy_version_publish
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_schedules_a_lawful_change_and_the_customer_sees_it(live_server, page, manager_user, output_path):
    market = factories.market("ES")
    policy_version_publish(version=policy_version_create_draft(
        market=market, title="Returns", title_es="Devoluciones", window_days=30, notice_days=14,
        returnless_threshold_minor=2000))
    base = live_server.url

    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill("pw-manager")
    page.get_by_test_id("login-submit").click()
    page.goto(f"{base}/desk/policies/")
    page.get_by_test_id("new-draft-ES").click()
    expect(page.get_by_test_id("version-status")).to_have_text("Draft")

    page.locator("#id_window_days").fill("10")
    page.locator("#id_title_en").fill("Returns and refunds")
    page.locator("#id_change_note_en").fill("A shorter window")
    page.get_by_test_id("tab-es").click()
    page.locator("#id_title_es").fill("Devoluciones y reembolsos")
    page.locator("#id_change_note_es").fill("Ampliamos el plazo de devolución a 45 días")
    page.get_by_test_id("save-draft").click()
    error = page.locator('[data-level="error"][data-clause="window_days"]')
    expect(error).to_contain_text("at least 14 days from delivery")
    page.screenshot(path=f"{output_path}/1-legal-error.png", full_page=True)

    page.locator("#id_window_days").fill("45")
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("no-findings")).to_be_visible()
    effective = (timezone.localtime() + timedelta(days=15)).strftime("%Y-%m-%dT%H:%M")
    page.locator("#id_effective_at").fill(effective)
    page.screenshot(path=f"{output_path}/2-fixed.png", full_page=True)
    page.get_by_test_id("schedule").click()
    expect(page.get_by_test_id("version-status")).to_have_text("Scheduled")
    page.screenshot(path=f"{output_path}/3-scheduled.png", full_page=True)

    customer = page.context.browser.new_context(viewport={"width": 390, "height": 844}, locale="es-ES")
    phone = customer.new_page()
    phone.goto(f"{base}/es/policies/es/returns/")
    banner = phone.get_by_test_id("change-banner")
    expect(banner).to_contain_text("Ampliamos el plazo de devolución a 45 días")
    expect(banner.locator("ins").first).to_contain_text("45")
    expect(phone.get_by_test_id("page-title")).to_have_text("Devoluciones")
    phone.screenshot(path=f"{output_path}/4-customer-es.png", full_page=True)
    customer.close()
