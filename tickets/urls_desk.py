"""Agent pages of ``tickets`` under ``/desk/tickets/``."""

from django.urls import path

from .views import desk

app_name = "tickets-desk"

urlpatterns = [
    path("", desk.queue, name="queue"),
    path("bulk/", desk.bulk, name="bulk"),
    path("<str:number>/", desk.detail, name="detail"),
    path("<str:number>/reply/", desk.reply, name="reply"),
    path("<str:number>/phrases/", desk.phrase_check, name="phrases"),
    path("<str:number>/presence/", desk.presence_fragment, name="presence"),
    path("<str:number>/note/", desk.note, name="note"),
    path("<str:number>/messages/<int:pk>/send-again/", desk.send_again, name="send-again"),
    path("<str:number>/messages/<int:pk>/mark-sent/", desk.mark_sent, name="mark-sent"),
    path("<str:number>/status/", desk.status, name="status"),
    path("<str:number>/update/", desk.update, name="update"),
    path("<str:number>/snooze/", desk.snooze, name="snooze"),
    path("<str:number>/merge/", desk.merge_ticket, name="merge"),
    path("<str:number>/merge-customer/", desk.merge_customer, name="merge-customer"),
    path("<str:number>/refund/", desk.refund, name="refund"),
    path("<str:number>/approvals/<int:pk>/", desk.approval, name="approval"),
    path("<str:number>/coupon/", desk.coupon, name="coupon"),
    path("<str:number>/return/", desk.start_return, name="start-return"),
    path("<str:number>/not-received/", desk.not_received, name="not-received"),
]
