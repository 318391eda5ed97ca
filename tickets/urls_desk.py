"""Agent pages of ``tickets`` under ``/desk/tickets/``."""

from django.urls import path

from .views import desk

app_name = "tickets-desk"

urlpatterns = [
    path("", desk.queue, name="queue"),
    path("<str:number>/", desk.detail, name="detail"),
    path("<str:number>/reply/", desk.reply, name="reply"),
    path("<str:number>/note/", desk.note, name="note"),
    path("<str:number>/status/", desk.status, name="status"),
    path("<str:number>/merge-customer/", desk.merge_customer, name="merge-customer"),
]
