"""The return desk (``/desk/returns/…``)."""

from django.urls import path

from .views import desk

app_name = "returns-desk"

urlpatterns = [
    path("", desk.queue, name="queue"),
    path("dispositions.csv", desk.disposition_csv, name="dispositions"),
    path("<int:pk>/", desk.detail, name="detail"),
    path("<int:pk>/approve/", desk.approve, name="approve"),
    path("<int:pk>/reject/", desk.reject, name="reject"),
    path("<int:pk>/receive/", desk.receive, name="receive"),
    path("<int:pk>/lines/<int:line_pk>/inspect/", desk.inspect, name="inspect"),
    path("<int:pk>/refund/", desk.refund, name="refund"),
    path("<int:pk>/redeliver/", desk.redeliver, name="redeliver"),
    path("<int:pk>/photos/<int:photo_pk>/", desk.photo, name="photo"),
]
