"""The Celery application: configured from Django settings (``CELERY_*``), tasks found in every app.

The beat schedule is stored in the database (django-celery-beat) and seeded by
``manage.py beat_schedule_sync`` from ``aftersales/schedule.py``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")

app = Celery("aftersales")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
