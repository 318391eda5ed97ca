"""Which gateway serves a payment provider, given what is configured."""

from django.conf import settings

from .base import PaymentGateway
from .manual import ManualGateway


def gateway_for(provider: str) -> PaymentGateway:
    if provider == "stripe" and settings.STRIPE_SECRET_KEY:
        from .stripe.gateway import StripeGateway

        return StripeGateway(api_key=settings.STRIPE_SECRET_KEY)
    if provider == "paypal" and settings.PAYPAL_CLIENT_ID and settings.PAYPAL_CLIENT_SECRET:
        from .paypal.gateway import PayPalGateway

        return PayPalGateway(mode=settings.PAYPAL_MODE, client_id=settings.PAYPAL_CLIENT_ID,
                             client_secret=settings.PAYPAL_CLIENT_SECRET)
    return ManualGateway()
