"""Managers approve refunds above the agents' limit and edit the phrase rules, macros, SLA policies and
business calendars; agents read macros."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

AGENT = ["view_macro"]
MANAGER = ["approve_refund", "view_refundapproval",
           "view_phraserule", "add_phraserule", "change_phraserule", "delete_phraserule",
           "view_macro", "add_macro", "change_macro", "delete_macro",
           "view_slapolicy", "add_slapolicy", "change_slapolicy",
           "view_businesscalendar", "add_businesscalendar", "change_businesscalendar",
           "view_holiday", "add_holiday", "change_holiday", "delete_holiday"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("tickets")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codenames in (("Support agent", AGENT), ("Support manager", MANAGER)):
        group, _created = Group.objects.get_or_create(name=group_name)  # absent after a test database flush
        group.permissions.add(*Permission.objects.filter(content_type__app_label="tickets", codename__in=codenames))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=["Support agent", "Support manager"]):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="tickets"))


class Migration(migrations.Migration):
    dependencies = [("tickets", "0004_default_macros"), ("aftersales", "0003_manager_schedule_permissions")]

    operations = [migrations.RunPython(grant, revoke)]
