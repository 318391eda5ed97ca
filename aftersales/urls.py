"""URL configuration: staff and machine endpoints unprefixed, customer pages under ``/<lang>/``."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from aftersales import api_views
from aftersales.views import shell, webhooks
from policies.views import portal as policy_views
from returns.views import portal as returns_portal
from tickets.views import webhooks as ticket_webhooks

urlpatterns = [
    path("", shell.home, name="home"),
    path("healthz", shell.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("desk/", shell.desk, name="desk"),
    path("desk/policies/", include("policies.urls_desk")),
    path("desk/returns/", include("returns.urls_desk")),
    path("desk/tickets/", include("tickets.urls_desk")),
    path("desk/disputes/", include("disputes.urls_desk")),
    path("dashboard/", include("aftersales.urls_dashboard")),
    path("admin/", admin.site.urls),
]

urlpatterns += [
    path("api/v1/policies/<slug:market_code>/", policy_views.policy_json, name="policy-json"),
]

# The store side: REST API (token auth, schema and self-hosted docs) and the store's webhooks.
urlpatterns += [
    path("api/v1/orders/", api_views.OrderUpsertApi.as_view(), name="api-order-upsert"),
    path("api/v1/orders/bulk/", api_views.OrderBulkUpsertApi.as_view(), name="api-order-bulk-upsert"),
    path("api/v1/shipments/", api_views.ShipmentUpsertApi.as_view(), name="api-shipment-upsert"),
    path("api/v1/tracking-events/", api_views.TrackingEventRecordApi.as_view(), name="api-tracking-event-record"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("webhooks/shopify/", webhooks.shopify, name="webhook-shopify"),
    path("webhooks/tracking/", webhooks.tracking, name="webhook-tracking"),
    path("webhooks/whatsapp/", ticket_webhooks.whatsapp, name="webhook-whatsapp"),
    path("webhooks/messenger/", ticket_webhooks.messenger, name="webhook-messenger"),
    path("webhooks/email/", include("anymail.urls")),  # e.g. /webhooks/email/mailgun/inbound/
    path("webhooks/", include("disputes.urls_webhooks")),  # /webhooks/stripe/, /webhooks/paypal/
]

urlpatterns += i18n_patterns(
    path("portal/", returns_portal.lookup, name="portal"),
    path("", include("returns.urls")),
    path("", include("tickets.urls")),
    path("", include("policies.urls")),
    prefix_default_language=True,
)

admin.site.site_header = admin.site.site_title = "After-sales desk"
