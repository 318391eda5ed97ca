"""Webhook-inbox handlers of ``tickets``: stored deliveries become messages (STYLE #7).

The WhatsApp and Messenger views store each event of a delivery under its own id with the whole payload as
body; the handler parses the payload again and takes the event with that id. Email (anymail inbound or the IMAP
poller) is stored base64-encoded, exactly as received.
"""

import base64
import json

from aftersales.services.webhooks import webhook_handler

from .choices import Channel


@webhook_handler("email", "inbound")
def email_inbound(event) -> None:
    from .services import email_receive

    email_receive(raw=base64.b64decode(event.body))


@webhook_handler(Channel.WHATSAPP, "*")
@webhook_handler(Channel.MESSENGER, "*")
def meta_event(event) -> None:
    from .meta.parse import parse_messenger, parse_whatsapp
    from .services import meta_event_receive

    parse = parse_whatsapp if event.provider == Channel.WHATSAPP else parse_messenger
    for parsed in parse(json.loads(event.body)):
        if parsed.event_id == event.event_id:
            meta_event_receive(event=parsed)
            return
    raise LookupError(f"event {event.event_id} is not in its stored payload")


def _anymail_inbound(sender, event, esp_name, **kwargs) -> None:
    """Anymail announces inbound mail with a Django signal (its documented interface): store the raw message in
    the webhook inbox and return, so that the ESP gets its 200 at once and the work is done by a task."""
    import hashlib

    from aftersales.services.webhooks import webhook_receive

    raw = event.message.as_bytes()
    message_id = (event.message.get("Message-ID") or "").strip().strip("<>")
    webhook_receive(provider="email", event_id=f"{esp_name}:{message_id or hashlib.sha256(raw).hexdigest()}",
                    event_type="inbound", headers={"source": esp_name},
                    body=base64.b64encode(raw).decode("ascii"))


def connect_anymail() -> None:
    from anymail.signals import inbound

    inbound.connect(_anymail_inbound, dispatch_uid="tickets-anymail-inbound")
