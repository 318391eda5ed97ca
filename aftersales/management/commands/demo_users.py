"""Create the demo logins ``agent`` and ``manager`` once, and print them on every run.

Passwords are random, made on the first run and kept in ``VAR_DIR/demo-logins.json`` (never committed),
so running ``make demo`` again prints the same working logins.
"""

import json
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from aftersales.roles import AGENT_GROUP, MANAGER_GROUP

DEMO_USERS = {
    "agent": {"group": AGENT_GROUP, "first_name": "Alex", "last_name": "Agent", "is_staff": False},
    "manager": {"group": MANAGER_GROUP, "first_name": "Morgan", "last_name": "Manager", "is_staff": True},
}


def logins_path():
    return settings.VAR_DIR / "demo-logins.json"


class Command(BaseCommand):
    help = "Create the demo users agent and manager (idempotent) and print their logins."

    @transaction.atomic
    def handle(self, *args, **options):
        path = logins_path()
        passwords = json.loads(path.read_text()) if path.exists() else {}
        User = get_user_model()
        for username, spec in DEMO_USERS.items():
            user = User.objects.filter(username=username).first()
            if user is None or username not in passwords:
                passwords[username] = secrets.token_urlsafe(9)
                user = user or User(username=username)
                user.set_password(passwords[username])
            user.first_name, user.last_name, user.is_staff = spec["first_name"], spec["last_name"], spec["is_staff"]
            user.email = f"{username}@demo.invalid"
            user.save()
            user.groups.set([Group.objects.get(name=spec["group"])])
        path.write_text(json.dumps(passwords, indent=2))
        path.chmod(0o600)
        for username in DEMO_USERS:
            self.stdout.write(f"  {username:<8} password: {passwords[username]}")
