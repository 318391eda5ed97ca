"""WSGI entry point for gunicorn: ``gunicorn aftersales.wsgi``."""

import os

from aftersales.bootstrap import exit_on_config_error

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")

with exit_on_config_error():
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
