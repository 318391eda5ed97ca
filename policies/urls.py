"""Public policy pages, included under ``i18n_patterns`` (``/<lang>/policies/…``)."""

from django.urls import path

from .views import portal

app_name = "policies"

urlpatterns = [
    path("policies/<slug:market_code>/returns/", portal.returns_page, name="returns"),
]
