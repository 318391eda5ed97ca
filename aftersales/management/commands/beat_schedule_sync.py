"""Create the periodic tasks every app declares in its ``schedule.py``, leaving admin edits alone."""

import importlib

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask


def declared_entries():
    for app_config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{app_config.name}.schedule")
        except ModuleNotFoundError as error:
            if error.name != f"{app_config.name}.schedule":
                raise
            continue
        yield from getattr(module, "ENTRIES", [])


class Command(BaseCommand):
    help = "Seed the database beat schedule from each app's schedule.py (existing entries are kept)."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true",
                            help="Overwrite existing entries with the declared schedule.")

    @transaction.atomic
    def handle(self, *args, reset=False, **options):
        created = kept = 0
        for entry in declared_entries():
            defaults = {"task": entry.task, "description": entry.description, "enabled": True,
                        "interval": None, "crontab": None}
            if entry.every_seconds:
                defaults["interval"], _ = IntervalSchedule.objects.get_or_create(
                    every=entry.every_seconds, period=IntervalSchedule.SECONDS)
            else:
                minute, hour, day_of_month, month_of_year, day_of_week = entry.crontab.split()
                defaults["crontab"], _ = CrontabSchedule.objects.get_or_create(
                    minute=minute, hour=hour, day_of_month=day_of_month, month_of_year=month_of_year,
                    day_of_week=day_of_week,
                    timezone=settings.STORE_TIME_ZONE if entry.crontab_in_store_time else "UTC")
            if reset:
                _, was_created = PeriodicTask.objects.update_or_create(name=entry.name, defaults=defaults)
            else:
                _, was_created = PeriodicTask.objects.get_or_create(name=entry.name, defaults=defaults)
            created += was_created
            kept += not was_created
        self.stdout.write(f"beat schedule: {created} created, {kept} already present")
