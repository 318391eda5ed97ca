"""WhatsApp Cloud API and Messenger webhooks (DESIGN section 8, STYLE #7).

GET answers Meta's verification handshake with ``hub.challenge`` when ``hub.verify_token`` matches. POST checks
``X-Hub-Signature-256`` over the raw body (401 and nothing stored when it is missing or wrong), parses the
payload (400 for a body that is not a payload of that channel), and stores each event in it under its own id
in the webhook inbox — a redelivered event is a duplicate, not a second message — then answers 200 at once;
the messages are made by a task.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from aftersales.services.webhooks import webhook_receive

from ..choices import Channel
from ..meta.parse import parse_messenger, parse_whatsapp
from ..meta.signature import valid_hub_signature, verify_handshake

logger = logging.getLogger(__name__)


def _receive(request: HttpRequest, *, channel: str, app_secret: str, verify_token: str, parse) -> HttpResponse:
    if request.method == "GET":
        challenge = verify_handshake(request.GET, verify_token)
        if challenge is None:
            return HttpResponse(_("The verification token is wrong."), status=403, content_type="text/plain")
        return HttpResponse(challenge, content_type="text/plain")
    signature = request.headers.get("X-Hub-Signature-256")
    if not valid_hub_signature(app_secret=app_secret, body=request.body, header=signature):
        reason = "not configured" if not app_secret else "missing signature" if not signature else "bad signature"
        logger.warning("%s webhook refused: %s (%s bytes)", channel, reason, len(request.body))
        return JsonResponse({"detail": _("The signature is missing or wrong.")}, status=401)
    try:
        text = request.body.decode("utf-8")
        events = parse(json.loads(text))
    except (UnicodeDecodeError, ValueError, TypeError, AttributeError):
        return JsonResponse({"detail": _("The body is not a payload of this channel.")}, status=400)
    stored = duplicates = 0
    headers = {"Content-Type": request.headers.get("Content-Type", "")}
    for event in events:
        _stored, created = webhook_receive(provider=channel, event_id=event.event_id, event_type=event.kind,
                                           headers=headers, body=text)
        stored, duplicates = stored + created, duplicates + (not created)
    return JsonResponse({"status": "stored", "stored": stored, "duplicates": duplicates})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp(request: HttpRequest) -> HttpResponse:
    return _receive(request, channel=Channel.WHATSAPP, app_secret=settings.WHATSAPP_APP_SECRET,
                    verify_token=settings.WHATSAPP_VERIFY_TOKEN, parse=parse_whatsapp)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def messenger(request: HttpRequest) -> HttpResponse:
    return _receive(request, channel=Channel.MESSENGER, app_secret=settings.MESSENGER_APP_SECRET,
                    verify_token=settings.MESSENGER_VERIFY_TOKEN, parse=parse_messenger)
