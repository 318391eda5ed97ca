"""Agent pages of ``disputes`` under ``/desk/disputes/``."""

from django.urls import path

from .views import desk
from .views import risk as risk_views

app_name = "disputes-desk"

urlpatterns = [
    path("", desk.queue, name="queue"),
    path("<int:pk>/", desk.detail, name="detail"),
    path("<int:pk>/evidence/", desk.evidence_save, name="evidence"),
    path("<int:pk>/documents/", desk.document_upload, name="upload"),
    path("<int:pk>/documents/<int:document_pk>/", desk.document_file, name="document"),
    path("<int:pk>/packet.pdf", desk.packet_download, name="packet"),
    path("<int:pk>/actions/<slug:name>/", desk.action, name="action"),
    path("risk/", risk_views.page, name="risk"),
]
