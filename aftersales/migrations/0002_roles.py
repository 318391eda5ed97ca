"""Create the groups *Support agent* and *Support manager* with their permissions.

Later migrations of other apps add their own permissions to these groups.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Support agent": ["access_desk"],
    "Support manager": ["access_desk", "access_dashboard"],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); create ours now.
    app_config = apps.get_app_config("aftersales")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="aftersales", codename__in=codenames)
        )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("aftersales", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
