"""Who may open which page of the shell, and what the navigation shows each role."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/desk/", "/dashboard/"])
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_agent_opens_the_desk_but_not_the_dashboard(client, agent_user):
    client.force_login(agent_user)
    desk = client.get("/desk/")
    assert desk.status_code == 200
    assert b'data-testid="nav-desk"' in desk.content
    assert b'data-testid="nav-dashboard"' not in desk.content
    assert client.get("/dashboard/").status_code == 403


@pytest.mark.parametrize(("url", "active"), [("/desk/", None), ("/desk/tickets/", "nav-tickets"),
                                             ("/desk/returns/", "nav-returns"), ("/desk/disputes/", "nav-disputes"),
                                             ("/desk/policies/", "nav-policies")])
def test_every_part_of_the_desk_is_one_click_from_any_other(client, agent_user, url, active):
    import re

    client.force_login(agent_user)
    html = client.get(url).content.decode()
    desk_nav = html[html.index('data-testid="desk-nav"'):html.index("</ul>", html.index('data-testid="desk-nav"'))]
    shown = re.findall(r'<a class="nav-link text-nowrap( active)?" href="([^"]+)" data-testid="(nav-[a-z]+)"',
                       desk_nav)
    assert [(href, testid) for _, href, testid in shown] == [
        ("/desk/tickets/", "nav-tickets"), ("/desk/returns/", "nav-returns"), ("/desk/disputes/", "nav-disputes"),
        ("/desk/policies/", "nav-policies")]
    assert [testid for is_active, _, testid in shown if is_active] == ([active] if active else [])
    assert 'class="nav-link text-nowrap active" href="/desk/" data-testid="nav-desk"' in html  # the bar marks it


def test_the_desk_s_parts_are_not_shown_off_the_desk(client, manager_user):
    client.force_login(manager_user)
    assert 'data-testid="desk-nav"' not in client.get("/dashboard/").content.decode()


def test_manager_opens_both(client, manager_user):
    client.force_login(manager_user)
    dashboard = client.get("/dashboard/")
    assert dashboard.status_code == 200
    assert b'data-testid="nav-dashboard"' in dashboard.content
    assert b'data-testid="nav-desk"' in dashboard.content
    assert client.get("/desk/").status_code == 200


def test_a_user_without_a_role_gets_403(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody", password="x"))
    assert client.get("/desk/").status_code == 403
    assert client.get("/dashboard/").status_code == 403


@pytest.mark.parametrize(("fixture", "target"), [("agent_user", "/desk/"), ("manager_user", "/desk/")])
def test_home_sends_staff_to_their_work(client, request, fixture, target):
    client.force_login(request.getfixturevalue(fixture))
    assert client.get("/")["Location"] == target


def test_home_sends_customers_to_the_portal_in_their_language(client):
    response = client.get("/", headers={"accept-language": "de-DE,de;q=0.9"})
    assert response["Location"] == "/de/portal/"


def test_login_and_logout(client, agent_user):
    response = client.post(reverse("login"), {"username": "agent", "password": "pw-agent"})
    assert response.status_code == 302
    assert client.get("/desk/").status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert client.get("/desk/").status_code == 302


def test_wrong_password_shows_the_error_in_the_users_language(client, agent_user):
    response = client.post(reverse("login"), {"username": "agent", "password": "nope"},
                           headers={"accept-language": "fr"})
    assert response.status_code == 200
    assert "Nom d’utilisateur ou mot de passe incorrect" in response.content.decode()


@pytest.mark.parametrize(("language", "heading"), [
    ("en", "How can we help?"), ("es", "¿En qué podemos ayudarte?"), ("de", "Wie können wir helfen?"),
    ("fr", "Comment pouvons-nous vous aider ?"), ("zh-hans", "有什么可以帮您？"),
])
def test_portal_speaks_the_language_of_its_url(client, language, heading):
    response = client.get(f"/{language}/portal/")
    assert response.status_code == 200
    html = response.content.decode()
    assert heading in html
    assert f'<html lang="{language}">' in html
    assert 'data-testid="nav-desk"' not in html


def test_language_switcher_moves_the_portal_to_the_chosen_language(client):
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/en/portal/"})
    assert response.status_code == 302
    assert response["Location"] == "/es/portal/"
    assert response.cookies["django_language"].value == "es"


def test_staff_pages_follow_the_chosen_language(client, agent_user):
    client.force_login(agent_user)
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/desk/"})
    assert "工作台" in client.get("/desk/").content.decode()


def test_static_assets_are_self_hosted(client, agent_user):
    client.force_login(agent_user)
    html = client.get("/desk/").content.decode()
    for asset in ["vendor/bootstrap-5.3.9/bootstrap.min.css", "vendor/htmx-2.0.11/htmx.min.js",
                  "vendor/bootstrap-5.3.9/bootstrap.bundle.min.js"]:
        assert f'/static/{asset}"' in html
    assert "https://" not in html
    assert "//cdn" not in html
