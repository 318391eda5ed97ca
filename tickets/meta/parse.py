"""Meta webhook bodies (WhatsApp Cloud API, Messenger Platform) turned into plain frozen ``MetaEvent``s.

Pure functions over an already verified and JSON-decoded body (see ``tickets.meta.signature``): no models,
no database, no network. One event per thing Meta reports, each with a stable ``event_id`` the inbox stores
under a unique (channel, event id) key, so a redelivered webhook is recognised as "already have it".

Shape rules:
* ``sender_id`` is always the customer (WhatsApp ``wa_id``, or the business-scoped ``user_id`` when Meta
  withholds the phone number; Messenger PSID) and ``recipient_id`` always us (phone number id / page id),
  whichever way the message went: for echoes and statuses the customer is Meta's "recipient".
* Anything not understood becomes kind ``unsupported`` with ``raw`` kept; odd values inside an entry never
  raise. Only a body that is not a dict of the right ``object`` with an ``entry`` list raises ``ValueError``.
* ``text`` is what a person reads: message body, media caption, button / list / quick-reply title,
  postback title, reaction emoji (None for a removed reaction).
* Messenger entries under ``standby`` (another app controls the thread, handover protocol) are reported as
  ``unsupported``: we do not act on threads we do not own.

Deviation from the brief, on purpose: ``message_ref`` is one id (``str``, the WhatsApp outbound wamid a
status is about) and Messenger delivery receipts list theirs in ``mids`` (a tuple), so each field has one
type. ``raw`` is a deep copy, left out of equality and ``repr``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

WHATSAPP = "whatsapp"
MESSENGER = "messenger"

MESSAGE = "message"
STATUS = "status"
ECHO = "echo"
POSTBACK = "postback"
REACTION = "reaction"
UNSUPPORTED = "unsupported"
KINDS = frozenset({MESSAGE, STATUS, ECHO, POSTBACK, REACTION, UNSUPPORTED})

CUSTOMER_SERVICE_WINDOW_HOURS = 24
HUMAN_AGENT_WINDOW_HOURS = 7 * 24

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_WHATSAPP_MEDIA = frozenset({"image", "video", "audio", "document", "sticker"})
_MESSENGER_MEDIA = {"image": "image", "video": "video", "audio": "audio", "file": "document",
                    "reel": "video", "ig_reel": "video"}


@dataclass(frozen=True, slots=True)
class MediaRef:
    kind: str  # image | video | audio | document | sticker
    media_id: str | None = None  # WhatsApp media id (download through the Graph API); Messenger sticker id
    url: str | None = None  # Messenger CDN url; WhatsApp sometimes adds a short-lived lookaside url
    mime_type: str | None = None
    filename: str | None = None
    caption: str | None = None
    sha256: str | None = None  # WhatsApp's base64 digest of the file, to check the download


@dataclass(frozen=True, slots=True)
class Location:
    latitude: float
    longitude: float
    name: str | None = None
    address: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class MetaEvent:
    channel: str  # WHATSAPP | MESSENGER
    kind: str  # one of KINDS
    event_id: str
    sender_id: str | None = None  # the customer
    recipient_id: str | None = None  # us: WhatsApp phone_number_id / Messenger page id
    timestamp: datetime | None = None  # aware UTC
    sender_name: str | None = None  # WhatsApp contacts[].profile.name
    sender_user_id: str | None = None  # WhatsApp business-scoped user id (BSUID), when given
    message_type: str | None = None  # WhatsApp "type" (text, image, interactive, button, order, …)
    text: str | None = None
    payload: str | None = None  # postback / quick reply / button id; WhatsApp status biz_opaque_callback_data
    media: tuple[MediaRef, ...] = ()
    location: Location | None = None
    status: str | None = None  # sent | delivered | read | played | failed | …
    error: str | None = None  # "130472 Title: details"; several joined with "; "
    error_code: int | None = None  # the first error's code (131047 = outside the 24-hour window)
    watermark: datetime | None = None  # Messenger delivery / read: everything sent before it
    mids: tuple[str, ...] = ()  # Messenger delivery: the mids delivered
    message_ref: str | None = None  # WhatsApp status: the wamid of our outbound message
    context_ref: str | None = None  # the message replied or reacted to
    app_id: str | None = None  # Messenger echo: the app that sent it (ours, or another such as Page Inbox)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


# -- windows ---------------------------------------------------------------------------------------

def window_open(last_inbound_at: datetime | None, now: datetime, hours: int = CUSTOMER_SERVICE_WINDOW_HOURS) -> bool:
    """True while free-form replies are allowed: less than ``hours`` since the customer last wrote."""
    if last_inbound_at is None:
        return False
    if last_inbound_at.utcoffset() is None or now.utcoffset() is None:
        raise ValueError("window_open needs aware datetimes")
    return now - last_inbound_at < timedelta(hours=hours)


def human_agent_window_open(last_inbound_at: datetime | None, now: datetime) -> bool:
    """Messenger ``HUMAN_AGENT`` tag: a person may still answer up to 7 days after the customer wrote."""
    return window_open(last_inbound_at, now, hours=HUMAN_AGENT_WINDOW_HOURS)


# -- WhatsApp --------------------------------------------------------------------------------------

def parse_whatsapp(payload: dict) -> list[MetaEvent]:
    events: list[MetaEvent] = []
    for entry in _entries(payload, "whatsapp_business_account", "not a WhatsApp payload"):
        changes = entry.get("changes") if isinstance(entry, dict) else None
        if not isinstance(changes, list):
            events.append(_unsupported(WHATSAPP, entry))
            continue
        for change in changes:
            events.extend(_wa_change(change))
    return events


def _wa_change(change: Any) -> list[MetaEvent]:
    value = _dict(_dict(change).get("value"))
    field_name = _dict(change).get("field")
    business = _str(_dict(value.get("metadata")).get("phone_number_id"))
    contacts = _list(value.get("contacts"))
    events: list[MetaEvent] = []
    if field_name == "smb_message_echoes":
        events = [_wa_echo(echo, business) for echo in _list(value.get("message_echoes"))]
    elif field_name == "messages":
        value_error = _errors(value.get("errors"))
        events = [_wa_message(message, business, contacts, value_error) for message in _list(value.get("messages"))]
        events += [_wa_status(status, business, contacts) for status in _list(value.get("statuses"))]
        if not events and value_error[0]:
            return [_unsupported(WHATSAPP, change, recipient_id=business, error=value_error)]
    return events or [_unsupported(WHATSAPP, change, recipient_id=business)]


def _wa_message(message: Any, business: str | None, contacts: list, value_error: tuple) -> MetaEvent:
    if not isinstance(message, dict):
        return _unsupported(WHATSAPP, message, recipient_id=business)
    wamid = _str(message.get("id"))
    customer, user_id = _str(message.get("from")), _str(message.get("from_user_id"))
    contact = _contact(contacts, customer, user_id)
    message_type = _str(message.get("type"))
    content = _wa_content(message_type, message)
    error = _errors(message.get("errors"))
    if not error[0]:
        error = value_error
    if wamid is None or content is None:
        content = {"kind": UNSUPPORTED}
    context_ref = _str(_dict(message.get("context")).get("id"))
    return MetaEvent(**{
        "channel": WHATSAPP,
        "event_id": wamid or f"unsupported:{_digest(message)}",
        "sender_id": customer or user_id or _str(contact.get("user_id")),
        "recipient_id": business,
        "timestamp": _from_seconds(message.get("timestamp")),
        "sender_name": _profile_name(contact),
        "sender_user_id": user_id or _str(contact.get("user_id")),
        "message_type": message_type,
        "error": error[0],
        "error_code": error[1],
        "context_ref": context_ref,
        "raw": _raw(message),
        **content,
    })


def _wa_status(status: Any, business: str | None, contacts: list) -> MetaEvent:
    if not isinstance(status, dict):
        return _unsupported(WHATSAPP, status, recipient_id=business)
    wamid, state = _str(status.get("id")), _str(status.get("status"))
    customer, user_id = _str(status.get("recipient_id")), _str(status.get("recipient_user_id"))
    contact = _contact(contacts, customer, user_id)
    error, code = _errors(status.get("errors"))
    if wamid is None or state is None:
        return _unsupported(WHATSAPP, status, recipient_id=business, sender_id=customer or user_id,
                            timestamp=_from_seconds(status.get("timestamp")), error=(error, code))
    return MetaEvent(
        channel=WHATSAPP,
        kind=STATUS,
        event_id=f"{wamid}:{state}",
        sender_id=customer or user_id,
        recipient_id=business,
        timestamp=_from_seconds(status.get("timestamp")),
        sender_name=_profile_name(contact),
        sender_user_id=user_id or _str(contact.get("user_id")),
        payload=_str(status.get("biz_opaque_callback_data")),
        status=state,
        error=error,
        error_code=code,
        message_ref=wamid,
        raw=_raw(status),
    )


def _wa_echo(echo: Any, business: str | None) -> MetaEvent:
    """``smb_message_echoes``: what the business sent from the WhatsApp Business app (coexistence)."""
    if not isinstance(echo, dict):
        return _unsupported(WHATSAPP, echo, recipient_id=business)
    wamid = _str(echo.get("id"))
    message_type = _str(echo.get("type"))
    content = _wa_content(message_type, echo)
    if wamid is None or content is None or content["kind"] == UNSUPPORTED:
        content = {"kind": UNSUPPORTED}
    else:
        content = {**content, "kind": ECHO}
    return MetaEvent(**{
        "channel": WHATSAPP,
        "event_id": wamid or f"unsupported:{_digest(echo)}",
        "sender_id": _str(echo.get("to")),
        "recipient_id": business,
        "timestamp": _from_seconds(echo.get("timestamp")),
        "message_type": message_type,
        "context_ref": _str(_dict(echo.get("context")).get("id")),
        "raw": _raw(echo),
        **content,
    })


def _wa_content(message_type: str | None, message: dict) -> dict[str, Any] | None:
    """The fields a WhatsApp message of this type fills, or None when its shape is not understood."""
    body = _dict(message.get(message_type)) if message_type else {}
    if message_type == "text":
        text = _str(body.get("body"))
        return {"kind": MESSAGE, "text": text} if text else None
    if message_type in _WHATSAPP_MEDIA:
        media_id, url = _str(body.get("id")), _str(body.get("url"))
        if not (media_id or url):
            return None
        caption = _str(body.get("caption"))
        media = MediaRef(kind=message_type, media_id=media_id, url=url, mime_type=_str(body.get("mime_type")),
                         filename=_str(body.get("filename")), caption=caption, sha256=_str(body.get("sha256")))
        return {"kind": MESSAGE, "text": caption, "media": (media,)}
    if message_type == "location":
        latitude, longitude = _number(body.get("latitude")), _number(body.get("longitude"))
        if latitude is None or longitude is None:
            return None
        location = Location(latitude=latitude, longitude=longitude, name=_str(body.get("name")),
                            address=_str(body.get("address")), url=_str(body.get("url")))
        return {"kind": MESSAGE, "location": location}
    if message_type == "contacts":
        return {"kind": MESSAGE} if _list(message.get("contacts")) else None
    if message_type == "order":
        return {"kind": MESSAGE, "text": _str(body.get("text"))} if body else None
    if message_type == "button":
        text, payload = _str(body.get("text")), _str(body.get("payload"))
        return {"kind": MESSAGE, "text": text, "payload": payload} if (text or payload) else None
    if message_type == "interactive":
        return _wa_interactive(body)
    if message_type == "reaction":
        if not body:
            return None
        return {"kind": REACTION, "text": _str(body.get("emoji")), "context_ref": _str(body.get("message_id"))}
    if message_type == "system":
        return {"kind": UNSUPPORTED, "text": _str(body.get("body"))}
    return None


def _wa_interactive(body: dict) -> dict[str, Any] | None:
    reply_type = _str(body.get("type"))
    reply = _dict(body.get(reply_type)) if reply_type else {}
    if reply_type in ("button_reply", "list_reply"):
        title, reply_id = _str(reply.get("title")), _str(reply.get("id"))
        return {"kind": MESSAGE, "text": title, "payload": reply_id} if (title or reply_id) else None
    if reply_type == "nfm_reply":  # a WhatsApp Flow submitted: the answers are JSON in response_json
        response = _str(reply.get("response_json"))
        return {"kind": MESSAGE, "text": _str(reply.get("body")), "payload": response} if response else None
    return None


def _contact(contacts: list, wa_id: str | None, user_id: str | None) -> dict:
    for contact in contacts:
        contact = _dict(contact)
        if (wa_id and _str(contact.get("wa_id")) == wa_id) or (user_id and _str(contact.get("user_id")) == user_id):
            return contact
    return {}


def _profile_name(contact: dict) -> str | None:
    profile = _dict(contact.get("profile"))
    return _str(profile.get("name")) or _str(profile.get("username"))


def _errors(errors: Any) -> tuple[str | None, int | None]:
    texts, first_code = [], None
    for error in _list(errors):
        error = _dict(error)
        code = error.get("code") if _is_int(error.get("code")) else None
        if first_code is None:
            first_code = code
        title = _str(error.get("title")) or _str(error.get("message"))
        details = _str(_dict(error.get("error_data")).get("details"))
        text = " ".join(part for part in (None if code is None else str(code), title) if part)
        if details and details != title:
            text = f"{text}: {details}" if text else details
        if text:
            texts.append(text)
    return ("; ".join(texts) or None), first_code


# -- Messenger -------------------------------------------------------------------------------------

def parse_messenger(payload: dict) -> list[MetaEvent]:
    events: list[MetaEvent] = []
    for entry in _entries(payload, "page", "not a Messenger payload"):
        if not isinstance(entry, dict):
            events.append(_unsupported(MESSENGER, entry))
            continue
        page_id, entry_time = _str(entry.get("id")), _from_millis(entry.get("time"))
        messaging, standby = entry.get("messaging"), entry.get("standby")
        events += [_fb_item(item, page_id, entry_time) for item in _list(messaging)]
        events += [_unsupported(MESSENGER, item, recipient_id=page_id, timestamp=entry_time)
                   for item in _list(standby)]
        if not isinstance(messaging, list) and not isinstance(standby, list):
            events.append(_unsupported(MESSENGER, entry, recipient_id=page_id, timestamp=entry_time))
    return events


def _fb_item(item: Any, page_id: str | None, entry_time: datetime | None) -> MetaEvent:
    if not isinstance(item, dict):
        return _unsupported(MESSENGER, item, recipient_id=page_id, timestamp=entry_time)
    sender, recipient = _str(_dict(item.get("sender")).get("id")), _str(_dict(item.get("recipient")).get("id"))
    # The delivery sample carries "timestamp": 0; the entry's time is then the best we have.
    common = {"channel": MESSENGER, "timestamp": _from_millis(item.get("timestamp")) or entry_time,
              "raw": _raw(item)}

    if isinstance(item.get("message"), dict):
        message = item["message"]
        mid = _str(message.get("mid"))
        content = _fb_content(message)
        if message.get("is_echo") is True:  # sent by the page: the customer is the recipient
            kind, customer, ours = ECHO, recipient, sender or page_id
        else:
            kind, customer, ours = MESSAGE, sender, recipient or page_id
        if mid is None or content is None:
            return _unsupported(MESSENGER, item, sender_id=customer, recipient_id=ours, timestamp=common["timestamp"])
        if kind == ECHO:  # metadata: the string our app attached when it sent the message
            content = {**content, "app_id": _str(message.get("app_id")),
                       "payload": _str(message.get("metadata")) or content["payload"]}
        return MetaEvent(**common, kind=kind, event_id=mid, sender_id=customer, recipient_id=ours, **content)

    ours = recipient or page_id
    for receipt, state in (("delivery", "delivered"), ("read", "read")):
        if isinstance(item.get(receipt), dict):
            body = item[receipt]
            watermark = _str(body.get("watermark"))
            key = f"{sender}:{watermark}" if sender and watermark else _digest(item)
            mids = tuple(mid for mid in (_str(value) for value in _list(body.get("mids"))) if mid)
            return MetaEvent(**common, kind=STATUS, event_id=f"{receipt}:{key}", sender_id=sender, recipient_id=ours,
                             status=state, watermark=_from_millis(body.get("watermark")), mids=mids)

    if isinstance(item.get("postback"), dict):
        postback = item["postback"]
        event_id = _str(postback.get("mid")) or f"postback:{_digest(item)}"
        return MetaEvent(**common, kind=POSTBACK, event_id=event_id, sender_id=sender, recipient_id=ours,
                         text=_str(postback.get("title")), payload=_str(postback.get("payload")))

    if isinstance(item.get("reaction"), dict):
        reaction = item["reaction"]
        mid, action = _str(reaction.get("mid")), _str(reaction.get("action"))
        key = f"{sender}:{mid}:{action}:{_str(item.get('timestamp'))}" if sender and mid else _digest(item)
        emoji = None if action == "unreact" else _str(reaction.get("emoji"))
        return MetaEvent(**common, kind=REACTION, event_id=f"reaction:{key}", sender_id=sender, recipient_id=ours,
                         text=emoji, context_ref=mid)

    return _unsupported(MESSENGER, item, sender_id=sender, recipient_id=ours, timestamp=common["timestamp"])


def _fb_content(message: dict) -> dict[str, Any] | None:
    text = _str(message.get("text"))
    media: list[MediaRef] = []
    location, fallback = None, None
    for attachment in _list(message.get("attachments")):
        attachment = _dict(attachment)
        kind, body = _str(attachment.get("type")), _dict(attachment.get("payload"))
        if kind in _MESSENGER_MEDIA:
            url, sticker = _str(body.get("url")), _str(body.get("sticker_id"))
            if url or sticker:
                media.append(MediaRef(kind="sticker" if sticker else _MESSENGER_MEDIA[kind], media_id=sticker, url=url))
        elif kind == "location":
            coordinates = _dict(body.get("coordinates"))
            latitude, longitude = _number(coordinates.get("lat")), _number(coordinates.get("long"))
            if latitude is not None and longitude is not None:
                location = Location(latitude=latitude, longitude=longitude, name=_str(attachment.get("title")),
                                    url=_str(attachment.get("url")) or _str(body.get("url")))
        elif kind == "fallback":  # a shared link
            fallback = "\n".join(p for p in (_str(attachment.get("title")), _str(attachment.get("url"))
                                             or _str(body.get("url"))) if p) or None
    text = text or fallback
    if not (text or media or location):
        return None
    return {"text": text, "payload": _str(_dict(message.get("quick_reply")).get("payload")), "media": tuple(media),
            "location": location, "context_ref": _str(_dict(message.get("reply_to")).get("mid"))}


# -- shared ----------------------------------------------------------------------------------------

def _entries(payload: Any, expected_object: str, message: str) -> list:
    if not isinstance(payload, dict) or payload.get("object") != expected_object:
        raise ValueError(message)
    entries = payload.get("entry")
    if not isinstance(entries, list):
        raise ValueError(message)
    return entries


def _unsupported(channel: str, raw: Any, *, sender_id: str | None = None, recipient_id: str | None = None,
                 timestamp: datetime | None = None, error: tuple[str | None, int | None] = (None, None)) -> MetaEvent:
    return MetaEvent(channel=channel, kind=UNSUPPORTED, event_id=f"unsupported:{_digest(raw)}", sender_id=sender_id,
                     recipient_id=recipient_id, timestamp=timestamp, error=error[0], error_code=error[1], raw=_raw(raw))


def _raw(value: Any) -> dict[str, Any]:
    return copy.deepcopy(value) if isinstance(value, dict) else {"value": copy.deepcopy(value)}


def _digest(value: Any) -> str:
    try:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=repr)
    except (TypeError, ValueError):  # keys of mixed types cannot be sorted; a cycle cannot be dumped
        text = repr(value)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _str(value: Any) -> str | None:
    """A non-empty string; ids that arrive as JSON numbers (Messenger ``app_id``) become strings."""
    if isinstance(value, str):
        return value or None
    return str(value) if _is_int(value) else None


def _number(value: Any) -> float | None:
    if _is_int(value) or (isinstance(value, float) and math.isfinite(value)):
        return float(value)
    return None


def _from_seconds(value: Any) -> datetime | None:
    return _from_epoch(value, "seconds")


def _from_millis(value: Any) -> datetime | None:
    return _from_epoch(value, "milliseconds")


def _from_epoch(value: Any, unit: str) -> datetime | None:
    """WhatsApp sends seconds as a string, Messenger milliseconds as a number; 0 or junk means unknown."""
    try:
        if isinstance(value, str):
            number = int(value.strip())
        elif _is_int(value):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        else:
            return None
        return _EPOCH + timedelta(**{unit: number}) if number > 0 else None
    except (ValueError, OverflowError):
        return None
