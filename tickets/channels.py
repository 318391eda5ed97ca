"""Channel adapters: send one stored outbound message and return the provider's id for it (STYLE #6).

Errors are sorted for the outbox: ``TransientProviderError`` (timeouts, 429, 5xx) is retried with backoff,
``PermanentProviderError`` (a 4xx the provider explains) is shown on the message with the provider's reason,
``ChannelNotConfigured`` keeps the message held in the outbox until credentials are set.
"""

from __future__ import annotations

from email.utils import make_msgid

import requests
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from aftersales.integrations.base import PermanentProviderError, TransientProviderError

from .choices import Channel, Direction

GRAPH = "https://graph.facebook.com/v21.0"
TIMEOUT = 15


class ChannelNotConfigured(Exception):
    pass


def _post(url: str, *, json: dict, headers: dict | None = None, params: dict | None = None) -> dict:
    try:
        response = requests.post(url, json=json, headers=headers, params=params, timeout=TIMEOUT)
    except (requests.Timeout, requests.ConnectionError) as error:
        raise TransientProviderError(f"{type(error).__name__}: the provider did not answer") from error
    return _answer(response)


def _get(url: str, *, headers: dict | None = None, params: dict | None = None) -> requests.Response:
    try:
        response = requests.get(url, headers=headers, params=params, timeout=TIMEOUT)
    except (requests.Timeout, requests.ConnectionError) as error:
        raise TransientProviderError(f"{type(error).__name__}: the provider did not answer") from error
    if response.status_code >= 400:
        _answer(response)
    return response


def _answer(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientProviderError(f"HTTP {response.status_code}", raw=body if isinstance(body, dict) else None)
    if response.status_code >= 400:
        error = body.get("error", {}) if isinstance(body, dict) else {}
        reason = error.get("error_user_msg") or error.get("message") or f"HTTP {response.status_code}"
        code = error.get("code")
        raise PermanentProviderError(f"{reason} (code {code})" if code else reason, raw=body)
    return body if isinstance(body, dict) else {}


class EmailChannel:
    """Through Django's email backend (SMTP, an anymail provider, or files under var/ without a host)."""

    def check_configured(self):
        return None

    def send(self, message) -> str:
        ticket = message.ticket
        earlier = list(ticket.messages.filter(channel=Channel.EMAIL).exclude(external_id="")
                       .exclude(pk=message.pk).order_by("-created_at").values_list("external_id", "direction")[:20])
        replied_to = next((mid for mid, direction in earlier if direction == Direction.INBOUND), "")
        references = [f"<{mid}>" for mid, _direction in reversed(earlier)]
        message_id = make_msgid(idstring=ticket.number, domain=settings.MESSAGE_ID_DOMAIN)
        headers = {"Message-ID": message_id, "X-Aftersales-Ticket": ticket.number}
        if replied_to:
            headers["In-Reply-To"] = f"<{replied_to}>"
        if references:
            headers["References"] = " ".join(references)
        if message.payload == "automatic":
            headers["Auto-Submitted"] = "auto-replied"  # RFC 3834: other robots do not answer it
        with translation.override(ticket.language or settings.LANGUAGE_CODE):
            html = render_to_string("tickets/email/reply.html", {"message": message, "ticket": ticket})
        mail = EmailMultiAlternatives(subject=message.subject or ticket.subject, body=message.body,
                                      from_email=settings.DEFAULT_FROM_EMAIL, to=[ticket.contact], headers=headers)
        mail.attach_alternative(html, "text/html")
        try:
            mail.send()
        except OSError as error:  # smtplib errors are OSErrors: the server is away or refused for now
            raise TransientProviderError(f"{type(error).__name__}: {error}") from error
        return message_id.strip("<>")


class WhatsAppChannel:
    def check_configured(self):
        if not (settings.WHATSAPP_ACCESS_TOKEN and settings.WHATSAPP_PHONE_NUMBER_ID):
            raise ChannelNotConfigured("WhatsApp is not configured (WHATSAPP_ACCESS_TOKEN, WHATSAPP_PHONE_NUMBER_ID)")

    def _headers(self):
        return {"Authorization": f"Bearer {settings.WHATSAPP_ACCESS_TOKEN}"}

    def send(self, message) -> str:
        to = message.ticket.contact.lstrip("+")
        if message.template:
            body = {"messaging_product": "whatsapp", "to": to, "type": "template",
                    "template": {"name": message.template,
                                 "language": {"code": _template_language(message.ticket.language)}}}
        else:
            body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "text",
                    "text": {"preview_url": False, "body": message.body}}
        answer = _post(f"{GRAPH}/{settings.WHATSAPP_PHONE_NUMBER_ID}/messages", json=body, headers=self._headers())
        try:
            return answer["messages"][0]["id"]
        except (KeyError, IndexError, TypeError) as error:
            raise PermanentProviderError("WhatsApp answered without a message id", raw=answer) from error

    def fetch_media(self, media_id: str) -> tuple[bytes, str]:
        meta = _get(f"{GRAPH}/{media_id}", headers=self._headers()).json()
        response = _get(meta["url"], headers=self._headers())
        return response.content, meta.get("mime_type") or response.headers.get("Content-Type", "")


class MessengerChannel:
    def check_configured(self):
        if not settings.MESSENGER_PAGE_ACCESS_TOKEN:
            raise ChannelNotConfigured("Messenger is not configured (MESSENGER_PAGE_ACCESS_TOKEN)")

    def send(self, message) -> str:
        from .services import reply_rule

        rule = reply_rule(message.ticket, channel=Channel.MESSENGER)
        if not rule.allowed:
            raise PermanentProviderError(str(rule.reason))
        body = {"recipient": {"id": message.ticket.contact}, "message": {"text": message.body}}
        if rule.tag:
            body |= {"messaging_type": "MESSAGE_TAG", "tag": rule.tag}
        else:
            body["messaging_type"] = "RESPONSE"
        answer = _post(f"{GRAPH}/me/messages", json=body,
                       params={"access_token": settings.MESSENGER_PAGE_ACCESS_TOKEN})
        if not answer.get("message_id"):
            raise PermanentProviderError("Messenger answered without a message id", raw=answer)
        return answer["message_id"]

    def fetch_media(self, url: str) -> tuple[bytes, str]:
        response = _get(url)
        return response.content, response.headers.get("Content-Type", "")


class WebchatChannel:
    """The portal shows the thread itself: "sending" is making it visible there."""

    def check_configured(self):
        return None

    def send(self, message) -> str:
        return ""


def _template_language(language: str) -> str:
    return {"zh-hans": "zh_CN", "en": "en_US", "es": "es", "de": "de", "fr": "fr"}.get(language, "en_US")


_ADAPTERS = {Channel.EMAIL: EmailChannel, Channel.WHATSAPP: WhatsAppChannel, Channel.MESSENGER: MessengerChannel,
             Channel.WEBCHAT: WebchatChannel}


def adapter_for(channel: str):
    return _ADAPTERS[Channel(channel)]()
