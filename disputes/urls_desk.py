"""Agent pages of ``disputes`` under ``/desk/disputes/``."""

from django.urls import path

from .views import desk

app_name = "disputes-desk"

urlpatterns = [
    path("", desk.queue, name="queue"),
    path("<int:pk>/", desk.detail, name="detail"),
]
