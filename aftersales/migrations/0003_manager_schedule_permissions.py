"""Managers may edit the beat schedule in the admin (DESIGN section 3: "schedule editable in admin")."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ["periodictask", "intervalschedule", "crontabschedule", "solarschedule", "clockedschedule"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("django_celery_beat")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    manager = Group.objects.get(name="Support manager")
    manager.permissions.add(*Permission.objects.filter(
        content_type__app_label="django_celery_beat", content_type__model__in=MODELS))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    manager = Group.objects.filter(name="Support manager").first()
    if manager:
        manager.permissions.remove(*Permission.objects.filter(content_type__app_label="django_celery_beat"))


class Migration(migrations.Migration):
    dependencies = [
        ("aftersales", "0002_roles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
