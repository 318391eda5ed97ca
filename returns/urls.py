"""Customer pages of returns, included under ``i18n_patterns`` (``/<lang>/portal/…``).

The lookup page itself keeps the project-wide name ``portal`` (``aftersales/urls.py``), which every
portal template links to.
"""

from django.urls import path

from .views import portal

app_name = "returns"

urlpatterns = [
    path("portal/orders/<str:token>/", portal.order_detail, name="portal-order"),
    path("portal/orders/<str:token>/return/", portal.return_start, name="portal-return-start"),
    path("portal/orders/<str:token>/return/confirm/", portal.return_confirm, name="portal-return-confirm"),
    path("portal/orders/<str:token>/cancel/", portal.order_cancel, name="portal-order-cancel"),
    path("portal/orders/<str:token>/not-received/", portal.not_received, name="portal-not-received"),
    path("portal/orders/<str:token>/returns/<str:rma>/", portal.return_detail, name="portal-return"),
    path("portal/orders/<str:token>/returns/<str:rma>/slip.pdf", portal.return_slip, name="portal-return-slip"),
]
