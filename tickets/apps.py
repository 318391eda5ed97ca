"""App configuration of ``tickets``."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Tickets")

    def ready(self):
        from . import handlers, services  # noqa: F401 (webhook handlers and the customer-merge hook register)

        handlers.connect_anymail()
