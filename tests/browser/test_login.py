"""Both roles log in through a real browser (Debian's Chromium); an agent is refused the dashboard."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw-" + username)
    page.get_by_test_id("login-submit").click()


def test_agent_logs_in_to_the_desk_and_cannot_open_the_dashboard(live_server, page, agent_user, output_path):
    log_in(page, live_server.url, "agent")
    expect(page).to_have_url(f"{live_server.url}/desk/")
    expect(page.get_by_test_id("page-title")).to_have_text("Desk")
    expect(page.get_by_test_id("nav-desk")).to_be_visible()
    expect(page.get_by_test_id("nav-dashboard")).to_have_count(0)
    page.screenshot(path=f"{output_path}/agent-desk.png", full_page=True)

    response = page.goto(f"{live_server.url}/dashboard/")
    assert response.status == 403
    expect(page.get_by_role("heading")).to_have_text("You do not have access to this page")
    page.screenshot(path=f"{output_path}/agent-dashboard-403.png", full_page=True)


def test_manager_logs_in_and_reaches_the_dashboard(live_server, page, manager_user, output_path):
    log_in(page, live_server.url, "manager")
    expect(page).to_have_url(f"{live_server.url}/desk/")
    page.get_by_test_id("nav-dashboard").click()
    expect(page).to_have_url(f"{live_server.url}/dashboard/")
    expect(page.get_by_test_id("page-title")).to_have_text("Dashboard")
    page.screenshot(path=f"{output_path}/manager-dashboard.png", full_page=True)

    page.get_by_test_id("logout").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")


def test_wrong_password_is_refused(live_server, page, agent_user, output_path):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("agent")
    page.get_by_label("Password").fill("wrong")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-error")).to_be_visible()
    page.screenshot(path=f"{output_path}/login-refused.png", full_page=True)


def test_language_switcher_on_a_phone(live_server, browser, output_path):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page = context.new_page()
    page.goto(f"{live_server.url}/en/portal/")
    page.get_by_test_id("language-select").select_option("es")
    expect(page).to_have_url(f"{live_server.url}/es/portal/")
    expect(page.get_by_test_id("page-title")).to_have_text("¿En qué podemos ayudarte?")
    page.screenshot(path=f"{output_path}/portal-es-phone.png", full_page=True)
    context.close()
