"""App configuration of the shared core."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftersalesConfig(AppConfig):
    name = "aftersales"
    verbose_name = _("After-sales core")

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
        from .integrations.shopify import handlers as _shopify  # noqa: F401  (registers webhook handlers)
        from .integrations.tracking import handlers as _tracking  # noqa: F401  (registers webhook handlers)
