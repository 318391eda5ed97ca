"""The manager dashboard (``/dashboard/…``); every page also answers ``?format=csv`` with its table."""

from django.urls import path

from .views import dashboard

urlpatterns = [
    path("", dashboard.index, name="dashboard"),
    path("metrics/<slug:key>/", dashboard.metric, name="dashboard-metric"),
    path("metrics/<slug:key>/<slug:dimension>/", dashboard.row_find, name="dashboard-row-find"),
    path("metrics/<slug:key>/<slug:dimension>/<str:code>/", dashboard.row, name="dashboard-row"),
    path("metrics/<slug:key>/<slug:dimension>/<str:code>/cases/", dashboard.cases, name="dashboard-cases"),
    path("reports/<str:month>.pdf", dashboard.report_pdf, name="dashboard-report"),
]
