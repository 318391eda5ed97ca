"""Policies in the desk (``/desk/policies/…``)."""

from django.urls import path

from .views import desk

app_name = "policies-desk"

urlpatterns = [
    path("", desk.index, name="index"),
    path("markets/<str:market_code>/draft/", desk.create_draft, name="create-draft"),
    path("<int:pk>/", desk.detail, name="detail"),
    path("<int:pk>/save/", desk.save, name="save"),
    path("<int:pk>/schedule/", desk.schedule, name="schedule"),
    path("<int:pk>/preview/<str:language>/", desk.preview, name="preview"),
]
