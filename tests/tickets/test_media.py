"""Media a customer sends on WhatsApp (a media id) or Messenger (a URL) is fetched by a task, checked from its
content, re-encoded when it is a photo, and kept; a fake image or a provider refusal is shown, never stored."""

import io

import pytest
import requests
import responses
from PIL import Image

from aftersales.integrations.base import TransientProviderError
from tests import factories
from tickets.models import Attachment, Message, Ticket
from tickets.services import attachment_fetch

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def setup(settings, tmp_path):
    settings.WHATSAPP_ACCESS_TOKEN, settings.WHATSAPP_PHONE_NUMBER_ID = "wa-token", "PNID"
    settings.MESSENGER_PAGE_ACCESS_TOKEN = "fb-token"
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}


def pending(channel, media_id, content_type="image/jpeg"):
    ticket = Ticket.objects.create(customer=factories.customer(), channel=channel, contact="x")
    message = Message.objects.create(ticket=ticket, direction="inbound", channel=channel, external_id=media_id)
    return Attachment.objects.create(message=message, media_id=media_id, content_type=content_type,
                                     state="pending")


def jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 120, 60)).save(buffer, "JPEG")
    return buffer.getvalue()


@responses.activate
def test_whatsapp_media_is_fetched_by_id_and_re_encoded():
    responses.get("https://graph.facebook.com/v21.0/MEDIA1", json={
        "url": "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=MEDIA1", "mime_type": "image/jpeg"})
    responses.get("https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=MEDIA1", body=jpeg(),
                  content_type="image/jpeg")
    attachment = attachment_fetch(attachment_pk=pending("whatsapp", "MEDIA1").pk)
    assert attachment.state == "stored"
    assert attachment.file.read()[:3] in (b"\xff\xd8\xff", b"RIF", b"\x89PN")
    assert all(call.request.headers["Authorization"] == "Bearer wa-token" for call in responses.calls)
    assert attachment_fetch(attachment_pk=attachment.pk).state == "stored"
    assert len(responses.calls) == 2  # fetched once


@responses.activate
def test_a_fake_photo_is_refused_with_the_reason():
    responses.get("https://cdn.fbsbx.com/v/photo.jpg", body=b"<?php echo 'not a photo';", content_type="image/jpeg")
    attachment = attachment_fetch(attachment_pk=pending("messenger", "https://cdn.fbsbx.com/v/photo.jpg").pk)
    assert attachment.state == "refused"
    assert "not a photo" in attachment.error
    assert not attachment.file


@responses.activate
def test_a_provider_timeout_is_retried_and_a_refusal_recorded():
    responses.get("https://graph.facebook.com/v21.0/MEDIA2", body=requests.ConnectionError("reset"))
    with pytest.raises(TransientProviderError):
        attachment_fetch(attachment_pk=(first := pending("whatsapp", "MEDIA2")).pk)
    first.refresh_from_db()
    assert first.state == "pending"
    responses.get("https://graph.facebook.com/v21.0/MEDIA3", status=404,
                  json={"error": {"message": "Media not found", "code": 100}})
    gone = attachment_fetch(attachment_pk=pending("whatsapp", "MEDIA3").pk)
    assert gone.state == "failed"
    assert "Media not found" in gone.error
