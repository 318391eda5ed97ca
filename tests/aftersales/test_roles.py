"""The role groups exist after migrating, with exactly the permissions each role needs."""

import pytest
from django.contrib.auth.models import Group

pytestmark = pytest.mark.django_db


def codenames(group_name):
    return sorted(Group.objects.get(name=group_name).permissions.values_list(
        "content_type__app_label", "codename"))


def test_agent_group_can_use_the_desk_and_read_policies():
    assert codenames("Support agent") == [("aftersales", "access_desk"), ("policies", "view_faqentry"),
                                          ("policies", "view_policyversion"), ("tickets", "view_macro")]


def test_manager_group_reads_the_dashboard_and_edits_the_beat_schedule():
    perms = codenames("Support manager")
    assert ("aftersales", "access_dashboard") in perms
    assert ("aftersales", "access_desk") in perms
    assert ("django_celery_beat", "change_periodictask") in perms
    assert ("policies", "change_policyversion") in perms
    assert ("tickets", "approve_refund") in perms
    assert ("tickets", "change_phraserule") in perms
    assert {label for label, _ in perms} == {"aftersales", "django_celery_beat", "policies", "tickets"}


def test_manager_can_edit_the_schedule_in_the_admin(client, manager_user):
    client.force_login(manager_user)
    assert client.get("/admin/django_celery_beat/periodictask/").status_code == 200


def test_agent_cannot_open_the_admin(client, agent_user):
    client.force_login(agent_user)
    assert client.get("/admin/").status_code == 302


def test_migrations_create_exactly_what_roles_declares():
    from aftersales.roles import ROLE_PERMISSIONS

    for group_name, perms in ROLE_PERMISSIONS.items():
        assert sorted(f"{label}.{codename}" for label, codename in codenames(group_name)) == sorted(perms)
