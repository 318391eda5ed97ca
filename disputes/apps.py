"""App configuration of ``disputes``."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = _("Disputes")

    def ready(self):
        from . import handlers  # noqa: F401  (registers the Stripe and PayPal webhook handlers)
