"""Managers edit return policies and FAQ; agents read them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

AGENT = ["view_policyversion", "view_faqentry"]
MANAGER = ["view_policyversion", "add_policyversion", "change_policyversion",
           "view_faqentry", "add_faqentry", "change_faqentry", "delete_faqentry"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("policies")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codenames in (("Support agent", AGENT), ("Support manager", MANAGER)):
        group = Group.objects.get(name=group_name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="policies", codename__in=codenames))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=["Support agent", "Support manager"]):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="policies"))


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_initial"), ("aftersales", "0003_manager_schedule_permissions")]

    operations = [migrations.RunPython(grant, revoke)]
