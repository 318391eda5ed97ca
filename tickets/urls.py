"""Customer pages of ``tickets``, included under ``i18n_patterns`` (``/<lang>/portal/…``)."""

from django.urls import path

from .views import portal

app_name = "tickets"

urlpatterns = [
    path("portal/orders/<str:token>/messages/", portal.chat, name="portal-chat"),
    path("portal/orders/<str:token>/messages/thread/", portal.chat_messages, name="portal-chat-thread"),
    path("survey/<str:token>/", portal.survey, name="survey"),
]
