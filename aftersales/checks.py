"""System checks for provider configuration: a provider is either fully configured or not at all."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

STRIPE_KEY_PREFIXES = ("sk_", "rk_")


@register(Tags.compatibility, deploy=False)
def check_provider_settings(app_configs=None, **kwargs):
    messages = []
    for provider, names in settings.PROVIDER_REQUIRED_SETTINGS.items():
        present = [name for name in names if getattr(settings, name, "")]
        if present and len(present) < len(names):
            missing = [name for name in names if name not in present]
            messages.append(Error(
                f"{provider} is partly configured: {', '.join(missing)} missing",
                hint=f"Set {', '.join(missing)} as well, or unset {', '.join(present)} "
                     f"to run without {provider}.",
                id="aftersales.E001",
            ))
    if settings.STRIPE_SECRET_KEY and not settings.STRIPE_SECRET_KEY.startswith(STRIPE_KEY_PREFIXES):
        messages.append(Error("STRIPE_SECRET_KEY is not a Stripe secret key (sk_… or rk_…)",
                              hint="A publishable key (pk_…) cannot refund or answer disputes.",
                              id="aftersales.E002"))
    if settings.STRIPE_WEBHOOK_SECRET and not settings.STRIPE_WEBHOOK_SECRET.startswith("whsec_"):
        messages.append(Error("STRIPE_WEBHOOK_SECRET is not a webhook signing secret (whsec_…)",
                              id="aftersales.E003"))
    if settings.STRIPE_SECRET_KEY.startswith(("sk_live_", "rk_live_")) and settings.DEBUG:
        messages.append(Warning("A live Stripe key is used with DEBUG on", id="aftersales.W001"))
    if settings.PAYPAL_CLIENT_ID and settings.PAYPAL_MODE == "live" and settings.DEBUG:
        messages.append(Warning("PayPal live mode is used with DEBUG on", id="aftersales.W002"))
    return messages
