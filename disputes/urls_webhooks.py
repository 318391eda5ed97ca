"""Provider webhooks of disputes, included by the project at ``/webhooks/``."""

from django.urls import path

from .views import webhooks

urlpatterns = [
    path("stripe/", webhooks.stripe_webhook, name="webhook-stripe"),
    path("paypal/", webhooks.paypal_webhook, name="webhook-paypal"),
]
