"""Meta webhooks (``tickets.meta``): the ``X-Hub-Signature-256`` check and the GET handshake, the 24-hour and
7-day windows, the parsers on our own odd inputs, and conformance over every real payload in
``../shared/samples/whatsapp/`` and ``../shared/samples/messenger/`` (read in place, never copied into the
project; those tests skip, saying why, where the folder is absent)."""

import dataclasses
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.samples import SAMPLES as SAMPLES_ROOT
from tickets.meta.parse import (
    ECHO,
    KINDS,
    MESSAGE,
    MESSENGER,
    POSTBACK,
    REACTION,
    STATUS,
    UNSUPPORTED,
    WHATSAPP,
    Location,
    MediaRef,
    MetaEvent,
    human_agent_window_open,
    parse_messenger,
    parse_whatsapp,
    window_open,
)
from tickets.meta.signature import sign_hub, valid_hub_signature, verify_handshake

SAMPLES = SAMPLES_ROOT


def sec(seconds):
    return datetime.fromtimestamp(seconds, tz=UTC)


def ms(milliseconds):
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=milliseconds)


class Matches:
    """Equal to any string that fully matches the pattern (for ids that are hashes)."""

    def __init__(self, pattern):
        self.pattern = pattern

    def __eq__(self, other):
        return isinstance(other, str) and re.fullmatch(self.pattern, other) is not None

    def __repr__(self):
        return f"Matches({self.pattern!r})"


# -- signature -------------------------------------------------------------------------------------

# Known answer from the NOTES file (Elixir whatsapp_sdk docs; re-checked with Python's hmac there).
KNOWN_BODY, KNOWN_SECRET = b"test", "secret"
KNOWN_HEADER = "sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914"


def test_known_answer_vector_signs_and_verifies():
    assert sign_hub(KNOWN_SECRET, KNOWN_BODY) == KNOWN_HEADER
    assert valid_hub_signature(app_secret=KNOWN_SECRET, body=KNOWN_BODY, header=KNOWN_HEADER) is True


def test_hex_case_and_surrounding_spaces_do_not_matter():
    assert valid_hub_signature(app_secret=KNOWN_SECRET, body=KNOWN_BODY, header=f"  {KNOWN_HEADER.upper()} ") is True


@pytest.mark.parametrize("header", [
    KNOWN_HEADER[:-1] + "1",  # one digit off
    "sha256=" + "0" * 64,
    KNOWN_HEADER.removeprefix("sha256="),  # digest without the prefix
    "sha1=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914",
    "sha256=",
    "sha256",
    KNOWN_HEADER[:-2],  # too short
    KNOWN_HEADER + "00",  # too long
    "sha256=" + "g" * 64,  # not hex
    "sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c091é",  # non-ASCII
    f"{KNOWN_HEADER},{KNOWN_HEADER}",  # a proxy doubled the header
    "",
    None,
])
def test_wrong_missing_or_malformed_header_is_refused(header):
    assert valid_hub_signature(app_secret=KNOWN_SECRET, body=KNOWN_BODY, header=header) is False


def test_body_altered_after_signing_is_refused():
    body = b'{"object":"page","entry":[]}'
    header = sign_hub("app-secret", body)
    assert valid_hub_signature(app_secret="app-secret", body=body, header=header) is True
    assert valid_hub_signature(app_secret="app-secret", body=body + b" ", header=header) is False
    assert valid_hub_signature(app_secret="app-secret", body=body.replace(b"page", b"Page"), header=header) is False


def test_other_secret_or_empty_secret_verifies_nothing():
    assert valid_hub_signature(app_secret="other", body=KNOWN_BODY, header=KNOWN_HEADER) is False
    assert valid_hub_signature(app_secret="", body=KNOWN_BODY, header=KNOWN_HEADER) is False
    with pytest.raises(ValueError, match="empty app secret"):
        sign_hub("", KNOWN_BODY)


def test_signature_is_over_the_raw_bytes_not_the_reserialised_json():
    folder = SAMPLES / "whatsapp"
    if not folder.is_dir():
        pytest.skip(f"conformance samples not found: {folder} is absent (see ../shared/samples/README.md)")
    raw = (folder / "pywa_fixture_message_status_sent_delivered_read_played_failed.json").read_bytes()
    header = sign_hub("app-secret", raw)
    assert valid_hub_signature(app_secret="app-secret", body=raw, header=header) is True
    reserialised = json.dumps(json.loads(raw)).encode()
    assert valid_hub_signature(app_secret="app-secret", body=reserialised, header=header) is False


# -- handshake -------------------------------------------------------------------------------------

HANDSHAKE = {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": "meatyhamhock"}


def test_handshake_with_the_right_token_returns_the_challenge():
    assert verify_handshake(HANDSHAKE, "meatyhamhock") == "1158201444"


def test_handshake_reads_a_django_querydict_and_parse_qs_lists():
    from django.http import QueryDict

    query = "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock"
    assert verify_handshake(QueryDict(query), "meatyhamhock") == "1158201444"
    assert verify_handshake({key: [value] for key, value in HANDSHAKE.items()}, "meatyhamhock") == "1158201444"


@pytest.mark.parametrize(("params", "configured"), [
    ({**HANDSHAKE, "hub.verify_token": "wrong"}, "meatyhamhock"),
    ({**HANDSHAKE, "hub.verify_token": "meatyhamhoc"}, "meatyhamhock"),
    ({key: value for key, value in HANDSHAKE.items() if key != "hub.verify_token"}, "meatyhamhock"),
    ({**HANDSHAKE, "hub.mode": "unsubscribe"}, "meatyhamhock"),
    ({key: value for key, value in HANDSHAKE.items() if key != "hub.mode"}, "meatyhamhock"),
    ({key: value for key, value in HANDSHAKE.items() if key != "hub.challenge"}, "meatyhamhock"),
    ({**HANDSHAKE, "hub.verify_token": ""}, ""),  # nothing configured: nothing matches
    ({**HANDSHAKE, "hub.verify_token": []}, "meatyhamhock"),
    ({**HANDSHAKE, "hub.verify_token": 5}, "meatyhamhock"),
    ({}, "meatyhamhock"),
])
def test_handshake_with_a_wrong_or_missing_part_returns_none(params, configured):
    assert verify_handshake(params, configured) is None


# -- windows ---------------------------------------------------------------------------------------

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_customer_service_window_is_open_for_24_hours_after_the_last_inbound_message():
    assert window_open(NOW - timedelta(hours=23, minutes=59), NOW) is True
    assert window_open(NOW - timedelta(hours=24), NOW) is False
    assert window_open(NOW - timedelta(days=3), NOW) is False
    assert window_open(None, NOW) is False
    assert window_open(NOW - timedelta(hours=30), NOW, hours=48) is True


def test_human_agent_window_is_open_for_7_days():
    assert human_agent_window_open(NOW - timedelta(days=6, hours=23), NOW) is True
    assert human_agent_window_open(NOW - timedelta(days=7), NOW) is False
    assert human_agent_window_open(None, NOW) is False


def test_windows_refuse_naive_datetimes():
    with pytest.raises(ValueError, match="aware"):
        window_open(datetime(2026, 3, 1, 11, 0), NOW)  # naive on purpose
    with pytest.raises(ValueError, match="aware"):
        human_agent_window_open(NOW, datetime(2026, 3, 1, 12, 0))


# -- conformance: every real sample ----------------------------------------------------------------

def _defaults():
    values = {}
    for item in dataclasses.fields(MetaEvent):
        if item.name in ("channel", "raw"):
            continue
        if item.default is not dataclasses.MISSING:
            values[item.name] = item.default
        elif item.default_factory is not dataclasses.MISSING:
            values[item.name] = item.default_factory()
    return values


DEFAULTS = _defaults()

INBOUND = "pywa_fixture_inbound_message_types.json"
STATUSES = "pywa_fixture_message_status_sent_delivered_read_played_failed.json"
BUTTONS = "pywa_fixture_button_and_template_quick_reply.json"
CUSTOMER, PHONE_ID, BSUID = "972987654321", "1122334455667", "US.13491208655302741918"
WA_CUSTOMER = {"sender_id": CUSTOMER, "recipient_id": PHONE_ID, "sender_name": "Test Name", "sender_user_id": BSUID}


def _wa_message(wamid, seconds, message_type, **fields):
    return {**WA_CUSTOMER, "kind": MESSAGE, "event_id": wamid, "timestamp": sec(seconds),
            "message_type": message_type, **fields}


def _wa_status(status, seconds, **fields):
    return {**WA_CUSTOMER, "kind": STATUS, "event_id": f"wamid.xyzxyz:{status}", "timestamp": sec(seconds),
            "status": status, "message_ref": "wamid.xyzxyz", **fields}


UNKNOWN_TYPE_ERROR = {"error": "131051 Message type unknown: Message type is currently not supported.",
                      "error_code": 131051}

# (file, key inside the file) -> every field of the one event that payload gives (raw and channel apart).
EXPECTED_WHATSAPP = {
    (INBOUND, "text"): _wa_message("wamid.xyzxyz", 1697043223, "text", text="Body Text"),
    (INBOUND, "image"): _wa_message("wamid.xyzxyz", 1697043379, "image", media=(
        MediaRef(kind="image", media_id="65463453", mime_type="image/jpeg", sha256="4654+8g="),)),
    (INBOUND, "media_with_url"): _wa_message("wamid.xyzxyz", 1697043379, "image", media=(
        MediaRef(kind="image", media_id="65463453", mime_type="image/jpeg", sha256="4654+8g=",
                 url="https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=65463453&source=webhook"
                     "&ext=487r9re&hash=heiwchueowbcew-dnedcw"),)),
    (INBOUND, "video"): _wa_message("wamid.xyzxyz", 1697044362, "video", text="caption", media=(
        MediaRef(kind="video", media_id="765756756", mime_type="video/mp4", caption="caption",
                 sha256="Jh+2ij6PzUv/J2y+grrtegr/ZMzRxkEPwc24Oyib4s03w9Jc="),)),
    (INBOUND, "document"): _wa_message("wamid.xyzxyz", 1697043666, "document", text="caption", media=(
        MediaRef(kind="document", media_id="1234567890987654321", mime_type="application/pdf", filename="filename.pdf",
                 caption="caption", sha256="grwfwe/ZPx0wAbdfbdeFUNItPZ0RylL8gGUvdt3YFqc18SY="),)),
    (INBOUND, "audio"): _wa_message("wamid.xyzxyz", 1697043509, "audio", media=(
        MediaRef(kind="audio", media_id="1234567890987654321", mime_type="audio/ogg; codecs=opus",
                 sha256="E3dxS/PdYZE7ppA3pQ4mpCFaXBJ8pX4SRN/dsfvds/iPGA="),)),
    (INBOUND, "voice"): _wa_message("wamid.xyzxyz", 1697043473, "audio", media=(
        MediaRef(kind="audio", media_id="1234567890987654321", mime_type="audio/ogg; codecs=opus",
                 sha256="m04pFf2ERdaopTyFkGPA0+bX3i+YY2dYgVFwOgDLSDI="),)),
    (INBOUND, "static_sticker"): _wa_message("wamid.xyzxyz", 1697043760, "sticker", media=(
        MediaRef(kind="sticker", media_id="1234567890987654321", mime_type="image/webp",
                 sha256="OmT4nhjUhCMIPNmj7eeOZeCYjTXkLxoOv85OMCFwSuc="),)),
    (INBOUND, "animated_sticker"): _wa_message("wamid.xyzxyz", 1697043785, "sticker", media=(
        MediaRef(kind="sticker", media_id="1234567890987654321", mime_type="image/webp",
                 sha256="HcwyCKrTKXHk0a00ms4HWIA76GY0Du6q4Z/iuwevw="),)),
    (INBOUND, "reaction"): _wa_message("wamid.xyzxyz", 1697044456, "reaction", kind=REACTION, text="\U0001f62e",
                                       context_ref="wamid.yzxyzx="),
    # A removed reaction: emoji "" or no emoji at all; text None says "removed".
    (INBOUND, "unreaction_empty"): _wa_message("wamid.xyzxyz", 1697044456, "reaction", kind=REACTION,
                                               context_ref="wamid.yzxyzx="),
    (INBOUND, "unreaction_no_emoji"): _wa_message("wamid.xyzxyz", 1697044456, "reaction", kind=REACTION,
                                                  context_ref="wamid.yzxyzx="),
    (INBOUND, "current_location"): _wa_message("wamid.xyzxyz", 1697044557, "location",
                                               location=Location(latitude=12.25089, longitude=43.90539)),
    (INBOUND, "chosen_location"): _wa_message("wamid.xyzxyz", 1697044557, "location", location=Location(
        latitude=37.4611978, longitude=-122.2164385, name="Facebook HQ", address="1 Hacker Way, Menlo Park, CA 94025",
        url="https://maps.google.com/?cid=2000000000000000000")),
    (INBOUND, "contacts"): _wa_message("wamid.xyzxyz", 1697044621, "contacts"),  # the cards stay in raw
    (INBOUND, "order"): _wa_message("wamid.xyzxyz", 1697044668, "order"),  # "text": "" -> None; items in raw
    (INBOUND, "unsupported"): _wa_message("wamid.xyzxyz", 1697044706, "unsupported", kind=UNSUPPORTED,
                                          **UNKNOWN_TYPE_ERROR),
    (INBOUND, "unsupported_with_type"): _wa_message("wamid.xyzxyz", 1697044706, "unsupported", kind=UNSUPPORTED,
                                                    **UNKNOWN_TYPE_ERROR),
    (INBOUND, "reply"): _wa_message("wamid.xyzxyz", 1697044746, "text", text="replied text",
                                    context_ref="wamid.xyzxyz=="),
    (INBOUND, "forwarded"): _wa_message("wamid.xyzxyz", 1697044815, "text", text="forwarded text"),
    (INBOUND, "forwarded_many_times"): _wa_message("wamid.xyzxyz", 1697044968, "text",
                                                   text="text forwarded many times"),
    # "interactive" with no interactive object; the error sits on the change's value, not on the message.
    (INBOUND, "interactive_message_with_err"): _wa_message(
        "wamid.wegrchytvwcggt=", 1700505494, "interactive", kind=UNSUPPORTED, context_ref="wamid.gvwegfretge==",
        error="131000 Something went wrong: Unsupported webhook payload", error_code=131000),
    (INBOUND, "referral"): _wa_message("wamid.ID", 1697045000, "text", text="BODY"),  # click-to-WhatsApp ad
    (BUTTONS, "button"): _wa_message("wamid.xyzxyz", 1698266730, "interactive", text="title", payload="callback_data",
                                     context_ref="wamid.xyzxyz"),
    (BUTTONS, "quick_reply"): _wa_message("wamid.xsidjw", 1698269027, "button", text="title", payload="callback_data",
                                          context_ref="wamid.xyzxyz=="),
    (BUTTONS, "quick_reply_without_context"): _wa_message("wamid.xsidjx", 1698269027, "button", text="title",
                                                          payload="callback_data"),
    (STATUSES, "sent"): _wa_status("sent", 1698266945),
    (STATUSES, "delivered"): _wa_status("delivered", 1698266945),
    (STATUSES, "read"): _wa_status("read", 1689380458),
    (STATUSES, "played"): _wa_status("played", 1689380458),
    (STATUSES, "failed"): _wa_status(
        "failed", 1689380458, error_code=130472,
        error="130472 User's number is part of an experiment: "
              "Failed to send message because this user's phone number is part of an experiment"),
    (STATUSES, "with_tracker"): _wa_status("sent", 1698266945, payload="some data"),  # biz_opaque_callback_data
    # Placeholders kept as published; the group's id is the recipient, the contact is a participant: no name.
    (STATUSES, "group"): {"kind": STATUS, "event_id": "<WHATSAPP_MESSAGE_ID>:read", "sender_id": "fowefinoewcnw",
                          "recipient_id": "<BUSINESS_PHONE_NUMBER_ID>", "timestamp": sec(1698266945),
                          "status": "read", "message_ref": "<WHATSAPP_MESSAGE_ID>"},
}

PSID, PAGE_ID = "1134343043305865", "1691462197845448"
EXPECTED_MESSENGER = {
    ("fbmq_text_message.json", ""): {"kind": MESSAGE, "event_id": "mid.1472026867074:cfb5e1d4bde07a2a55",
                                     "sender_id": PSID, "recipient_id": PAGE_ID, "timestamp": ms(1472026867080),
                                     "text": "hello world"},
    ("fbmq_quick_reply.json", ""): {"kind": MESSAGE, "event_id": "mid.1472028637817:ae2763cc036a664b43",
                                    "sender_id": PSID, "recipient_id": PAGE_ID, "timestamp": ms(1472028637825),
                                    "text": "Action", "payload": "PICK_ACTION"},
    # Sent by the page: the customer is the echo's recipient; app_id arrives as a JSON number.
    ("fbmq_message_echo.json", ""): {"kind": ECHO, "event_id": "mid.1472026868734:832ecbdfc1ffc30139",
                                     "sender_id": PSID, "recipient_id": PAGE_ID, "timestamp": ms(1472026868763),
                                     "text": "hello", "app_id": "950864918368986"},
    # "timestamp": 0 in the sample: the entry's time stands in.
    ("fbmq_delivery.json", ""): {"kind": STATUS, "event_id": f"delivery:{PSID}:1472028395190", "sender_id": PSID,
                                 "recipient_id": PAGE_ID, "timestamp": ms(1472028396029), "status": "delivered",
                                 "watermark": ms(1472028395190), "mids": ("mid.1472028395154:917e24ea99bc7d8f11",)},
    ("fbmq_read.json", ""): {"kind": STATUS, "event_id": f"read:{PSID}:1472026868763", "sender_id": PSID,
                             "recipient_id": PAGE_ID, "timestamp": ms(1472026869186), "status": "read",
                             "watermark": ms(1472026868763)},
    # No mid and no title in this (2016) postback: the id is a hash of the messaging item.
    ("fbmq_postback.json", ""): {"kind": POSTBACK, "event_id": Matches("postback:[0-9a-f]{32}"), "sender_id": PSID,
                                 "recipient_id": PAGE_ID, "timestamp": ms(1472028006107),
                                 "payload": "DEVELOPED_DEFINED_PAYLOAD"},
}


def _sample_payloads(channel):
    """(file name, key) -> payload for every JSON file of the channel; a file is one payload (key "") or a
    collection of named payloads."""
    folder = SAMPLES / channel
    if not folder.is_dir():
        pytest.skip(f"conformance samples not found: {folder} is absent (the shared samples folder lives next to "
                    "the project, see ../shared/samples/README.md)")
    payloads = {}
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_bytes())
        if "entry" in data:
            payloads[(path.name, "")] = data
        else:
            payloads.update({(path.name, name): payload for name, payload in data.items()})
    return payloads


def _sub_dicts(payload, channel):
    """The dicts an event's raw may be: each WhatsApp message / status, each Messenger messaging item."""
    if channel == MESSENGER:
        return [item for entry in payload["entry"] for item in entry["messaging"]]
    values = [change["value"] for entry in payload["entry"] for change in entry["changes"]]
    return [item for value in values for item in value.get("messages", []) + value.get("statuses", [])]


def _assert_event(event, expected, channel):
    assert event.channel == channel
    got = {item.name: getattr(event, item.name) for item in dataclasses.fields(MetaEvent)
           if item.name not in ("channel", "raw")}
    assert got == {**DEFAULTS, **expected}


def test_whatsapp_samples_are_all_covered_by_an_expectation():
    assert set(_sample_payloads("whatsapp")) == set(EXPECTED_WHATSAPP)
    assert sum(1 for file, _ in EXPECTED_WHATSAPP if file == INBOUND) == 23


def test_messenger_samples_are_all_covered_by_an_expectation():
    assert set(_sample_payloads("messenger")) == set(EXPECTED_MESSENGER)


@pytest.mark.parametrize("key", list(EXPECTED_WHATSAPP), ids=lambda key: f"{key[0].split('_fixture_')[1]}:{key[1]}")
def test_whatsapp_sample(key):
    payload = _sample_payloads("whatsapp")[key]
    events = parse_whatsapp(payload)
    assert len(events) == 1
    _assert_event(events[0], EXPECTED_WHATSAPP[key], WHATSAPP)
    assert events[0].raw in _sub_dicts(payload, WHATSAPP)
    json.dumps(events[0].raw)


@pytest.mark.parametrize("key", list(EXPECTED_MESSENGER), ids=lambda key: key[0])
def test_messenger_sample(key):
    payload = _sample_payloads("messenger")[key]
    events = parse_messenger(payload)
    assert len(events) == 1
    _assert_event(events[0], EXPECTED_MESSENGER[key], MESSENGER)
    assert events[0].raw in _sub_dicts(payload, MESSENGER)
    json.dumps(events[0].raw)


def test_samples_are_refused_by_the_other_channels_parser():
    for payload in _sample_payloads("whatsapp").values():
        with pytest.raises(ValueError, match="not a Messenger payload"):
            parse_messenger(payload)
    for payload in _sample_payloads("messenger").values():
        with pytest.raises(ValueError, match="not a WhatsApp payload"):
            parse_whatsapp(payload)


def test_parsing_is_repeatable_and_leaves_the_payload_alone():
    for key, payload in _sample_payloads("messenger").items():
        before = json.dumps(payload, sort_keys=True)
        first, second = parse_messenger(payload), parse_messenger(payload)
        assert first == second, key
        assert [event.event_id for event in first] == [event.event_id for event in second]
        first[0].raw["mutated"] = True
        assert json.dumps(payload, sort_keys=True) == before


# -- our own payloads: shapes the samples do not show ----------------------------------------------

def _wa(value, field="messages"):
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "WABA", "changes": [{"field": field, "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "15550001111", "phone_number_id": "PNID"}, **value}}]}]}


def _fb(*items, key="messaging"):
    return {"object": "page", "entry": [{"id": "PAGE", "time": 1700000000500, key: list(items)}]}


def _fb_item(body_key, body, sender="PSID", recipient="PAGE", timestamp=1700000000000):
    return {"sender": {"id": sender}, "recipient": {"id": recipient}, "timestamp": timestamp, body_key: body}


@pytest.mark.parametrize(("payload", "message"), [
    (None, "not a WhatsApp payload"),
    ([], "not a WhatsApp payload"),
    ("{}", "not a WhatsApp payload"),
    ({"object": "whatsapp_business_account"}, "not a WhatsApp payload"),
    ({"object": "whatsapp_business_account", "entry": {}}, "not a WhatsApp payload"),
    ({"object": "page", "entry": []}, "not a WhatsApp payload"),
    ({"entry": []}, "not a WhatsApp payload"),
])
def test_parse_whatsapp_refuses_what_is_not_a_whatsapp_payload(payload, message):
    with pytest.raises(ValueError, match=message):
        parse_whatsapp(payload)


@pytest.mark.parametrize("payload", [
    None, [], {"object": "page"}, {"object": "page", "entry": "x"}, {"object": "instagram", "entry": []},
    {"object": "whatsapp_business_account", "entry": []},
])
def test_parse_messenger_refuses_what_is_not_a_messenger_payload(payload):
    with pytest.raises(ValueError, match="not a Messenger payload"):
        parse_messenger(payload)


def test_empty_entry_lists_give_no_events():
    assert parse_whatsapp({"object": "whatsapp_business_account", "entry": []}) == []
    assert parse_messenger({"object": "page", "entry": []}) == []


def test_odd_whatsapp_shapes_become_unsupported_events_without_raising():
    payload = {"object": "whatsapp_business_account", "entry": [
        1, "x", {"changes": "nope"},
        {"changes": [None, {"field": "messages", "value": {"messages": [
            None,
            {"type": "text"},  # no id, no body
            {"id": "wamid.A", "type": "text", "text": "not a dict"},
            {"id": "wamid.B", "type": "image", "image": {"caption": "no id"}},
            {"id": "wamid.C", "type": "location", "location": {"latitude": "12", "longitude": None}},
            {"id": "wamid.D", "type": "interactive", "interactive": {"type": "carousel"}},
            {"id": "wamid.E", "type": "brand_new_type", "timestamp": "soon"},
        ], "statuses": [{"status": "sent"}, "x"], "contacts": "nope"}}]},
    ]}
    events = parse_whatsapp(payload)
    assert [event.kind for event in events] == [UNSUPPORTED] * 13
    assert [event.event_id for event in events][6:11] == ["wamid.A", "wamid.B", "wamid.C", "wamid.D", "wamid.E"]
    assert all(event.event_id.startswith("unsupported:") for event in events[:6] + events[11:])
    # Ids without a Meta id are content-addressed: the same junk twice ("x", None) is the same event.
    assert len({event.event_id for event in events}) == 11
    assert events[1].event_id == events[12].event_id
    assert events[10].timestamp is None
    assert events[10].raw == {"id": "wamid.E", "type": "brand_new_type", "timestamp": "soon"}
    assert events[0].raw == {"value": 1}


def test_other_whatsapp_fields_and_error_only_values_are_unsupported():
    change_events = parse_whatsapp(_wa({"event": "APPROVED"}, field="message_template_status_update"))
    assert [(event.kind, event.recipient_id) for event in change_events] == [(UNSUPPORTED, "PNID")]
    assert change_events[0].raw["field"] == "message_template_status_update"

    errors = [{"code": 131000, "title": "Something went wrong", "error_data": {"details": "Try later"}},
              {"code": 368, "message": "Temporarily blocked"}]
    [error_event] = parse_whatsapp(_wa({"errors": errors}))
    assert (error_event.kind, error_event.error_code) == (UNSUPPORTED, 131000)
    assert error_event.error == "131000 Something went wrong: Try later; 368 Temporarily blocked"


def test_whatsapp_list_reply_flow_reply_and_system_message():
    messages = [
        {"from": "49151", "id": "wamid.L", "timestamp": "1700000000", "type": "interactive",
         "interactive": {"type": "list_reply", "list_reply": {"id": "ret-2", "title": "Return", "description": "d"}}},
        {"from": "49151", "id": "wamid.F", "timestamp": "1700000001", "type": "interactive",
         "interactive": {"type": "nfm_reply", "nfm_reply": {"name": "flow", "body": "Sent",
                                                            "response_json": '{"order": "1001"}'}}},
        {"from": "49151", "id": "wamid.S", "timestamp": "1700000002", "type": "system",
         "system": {"body": "User A changed from 49151 to 49152", "type": "user_changed_number"}},
    ]
    listed, flow, system = parse_whatsapp(_wa({"messages": messages}))
    assert (listed.kind, listed.text, listed.payload) == (MESSAGE, "Return", "ret-2")
    assert (flow.kind, flow.text, flow.payload) == (MESSAGE, "Sent", '{"order": "1001"}')
    assert (system.kind, system.text, system.message_type) == (UNSUPPORTED, "User A changed from 49151 to 49152",
                                                               "system")


def test_whatsapp_user_with_a_username_is_known_by_the_business_scoped_id():
    value = {"contacts": [{"profile": {"name": "Ana", "username": "@ana"}, "user_id": "BR.1502576394655843"}],
             "messages": [{"from_user_id": "BR.1502576394655843", "id": "wamid.U", "timestamp": "1700000000",
                           "type": "text", "text": {"body": "oi"}}]}
    [event] = parse_whatsapp(_wa(value))
    assert (event.sender_id, event.sender_user_id, event.sender_name) == ("BR.1502576394655843",
                                                                          "BR.1502576394655843", "Ana")


def test_whatsapp_business_app_echo_is_an_echo_to_the_customer():
    value = {"message_echoes": [{"from": "15550001111", "to": "49151", "id": "wamid.ECHO", "timestamp": "1700000000",
                                 "type": "text", "text": {"body": "Sent from the phone"}}]}
    [event] = parse_whatsapp(_wa(value, field="smb_message_echoes"))
    assert event == MetaEvent(channel=WHATSAPP, kind=ECHO, event_id="wamid.ECHO", sender_id="49151",
                              recipient_id="PNID", timestamp=sec(1700000000), message_type="text",
                              text="Sent from the phone")


def test_one_whatsapp_change_may_carry_several_messages_and_statuses_in_order():
    value = {"messages": [{"from": "1", "id": "wamid.1", "timestamp": "1700000000", "type": "text",
                           "text": {"body": "a"}},
                          {"from": "2", "id": "wamid.2", "timestamp": "1700000001", "type": "text",
                           "text": {"body": "b"}}],
             "statuses": [{"id": "wamid.out", "status": "delivered", "timestamp": "1700000002", "recipient_id": "1"}]}
    events = parse_whatsapp(_wa(value))
    assert [(event.kind, event.event_id, event.sender_id) for event in events] == [
        (MESSAGE, "wamid.1", "1"), (MESSAGE, "wamid.2", "2"), (STATUS, "wamid.out:delivered", "1")]


def test_messenger_attachments_reply_and_echo_metadata():
    attachments = [
        {"type": "image", "payload": {"url": "https://cdn.example/p.jpg"}},
        {"type": "file", "payload": {"url": "https://cdn.example/invoice.pdf"}},
        {"type": "image", "payload": {"url": "https://cdn.example/like.png", "sticker_id": 369239263222822}},
        {"type": "template", "payload": {"template_type": "generic"}},
        {"type": "location", "title": "Home", "url": "https://maps.example/x",
         "payload": {"coordinates": {"lat": 48.85, "long": 2.35}}},
    ]
    message = {"mid": "m_1", "attachments": attachments, "reply_to": {"mid": "m_0"}}
    echo = {"mid": "m_2", "is_echo": True, "app_id": 263902037430900, "metadata": "ticket:42", "text": "On its way"}
    received, echoed = parse_messenger(_fb(_fb_item("message", message),
                                           _fb_item("message", echo, sender="PAGE", recipient="PSID")))
    assert received == MetaEvent(
        channel=MESSENGER, kind=MESSAGE, event_id="m_1", sender_id="PSID", recipient_id="PAGE",
        timestamp=ms(1700000000000), context_ref="m_0",
        media=(MediaRef(kind="image", url="https://cdn.example/p.jpg"),
               MediaRef(kind="document", url="https://cdn.example/invoice.pdf"),
               MediaRef(kind="sticker", media_id="369239263222822", url="https://cdn.example/like.png")),
        location=Location(latitude=48.85, longitude=2.35, name="Home", url="https://maps.example/x"))
    assert echoed == MetaEvent(channel=MESSENGER, kind=ECHO, event_id="m_2", sender_id="PSID", recipient_id="PAGE",
                               timestamp=ms(1700000000000), text="On its way", payload="ticket:42",
                               app_id="263902037430900")


def test_messenger_shared_link_is_text():
    message = {"mid": "m_3", "attachments": [{"type": "fallback", "title": "Our shop",
                                              "url": "https://shop.example/item"}]}
    [event] = parse_messenger(_fb(_fb_item("message", message)))
    assert (event.kind, event.text, event.media) == (MESSAGE, "Our shop\nhttps://shop.example/item", ())


def test_messenger_postbacks_reactions_and_receipts_get_stable_distinct_ids():
    items = [
        _fb_item("postback", {"mid": "m_pb", "title": "Track my parcel", "payload": "TRACK"}),
        _fb_item("postback", {"payload": "TRACK"}, timestamp=1700000000001),
        _fb_item("postback", {"payload": "TRACK"}, timestamp=1700000000002),
        _fb_item("reaction", {"mid": "m_1", "action": "react", "emoji": "\u2764", "reaction": "love"}),
        _fb_item("reaction", {"mid": "m_1", "action": "unreact", "reaction": "love"}, timestamp=1700000000009),
        _fb_item("delivery", {"mids": [], "seq": 1}),
    ]
    events = parse_messenger(_fb(*items))
    assert [(event.kind, event.text, event.payload) for event in events] == [
        (POSTBACK, "Track my parcel", "TRACK"), (POSTBACK, None, "TRACK"), (POSTBACK, None, "TRACK"),
        (REACTION, "\u2764", None), (REACTION, None, None), (STATUS, None, None)]
    ids = [event.event_id for event in events]
    assert ids[0] == "m_pb"
    assert ids[3:5] == ["reaction:PSID:m_1:react:1700000000000", "reaction:PSID:m_1:unreact:1700000000009"]
    assert Matches("delivery:[0-9a-f]{32}") == ids[5]
    assert len(set(ids)) == len(ids)
    assert ids == [event.event_id for event in parse_messenger(_fb(*items))]
    assert events[3].context_ref == "m_1"


def test_messenger_standby_unknown_events_and_odd_items_are_unsupported():
    standby = parse_messenger(_fb(_fb_item("message", {"mid": "m_s", "text": "hi"}), key="standby"))
    assert [(event.kind, event.recipient_id) for event in standby] == [(UNSUPPORTED, "PAGE")]
    odd = parse_messenger({"object": "page", "entry": [
        "x", {"id": "PAGE", "changes": [{"field": "feed"}]},
        {"id": "PAGE", "time": 1700000000500, "messaging": [
            None, _fb_item("optin", {"ref": "x"}), _fb_item("message", {"text": "no mid"}),
            _fb_item("message", {"mid": "m_empty"}), {"sender": "PSID", "message": "text"},
        ]}]})
    assert [event.kind for event in odd] == [UNSUPPORTED] * 7
    assert (odd[3].sender_id, odd[3].timestamp) == ("PSID", ms(1700000000000))
    assert odd[2].timestamp == ms(1700000000500)  # item without a timestamp: the entry's time


def test_events_are_hashable_and_compare_without_raw():
    [event] = parse_messenger(_fb(_fb_item("message", {"mid": "m_1", "text": "hi"})))
    twin = dataclasses.replace(event, raw={"other": True})
    assert event == twin
    assert len({event, twin}) == 1
    assert "raw" not in repr(event)


# -- property: nothing inside an entry makes a parser raise ----------------------------------------

KEYS = ["id", "type", "text", "body", "from", "to", "timestamp", "time", "messages", "statuses", "contacts",
        "errors", "code", "status", "context", "image", "interactive", "button_reply", "title", "payload",
        "location", "latitude", "longitude", "mid", "sender", "recipient", "message", "is_echo", "attachments",
        "delivery", "read", "watermark", "mids", "postback", "reaction", "emoji", "action", "url", "coordinates",
        "lat", "long", "wa_id", "profile", "name", "error_data", "details", "field", "value", "changes"]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6) | st.sampled_from(["text", "image", "interactive", "reaction", "button", "location"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(KEYS), children, max_size=6),
    max_leaves=25,
)


def _check_events(events):
    for event in events:
        assert event.kind in KINDS
        assert isinstance(event.event_id, str)
        assert event.event_id
        assert event.timestamp is None or event.timestamp.tzinfo is UTC
        json.dumps(event.raw)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entry=JSON, message=JSON, status=JSON, contacts=JSON, errors=JSON)
def test_whatsapp_parser_never_raises_inside_an_entry(entry, message, status, contacts, errors):
    _check_events(parse_whatsapp({"object": "whatsapp_business_account", "entry": [entry]}))
    value = {"messages": [message], "statuses": [status], "contacts": contacts, "errors": errors}
    _check_events(parse_whatsapp(_wa(value)))
    _check_events(parse_whatsapp(_wa({"message_echoes": [message]}, field="smb_message_echoes")))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entry=JSON, item=JSON)
def test_messenger_parser_never_raises_inside_an_entry(entry, item):
    _check_events(parse_messenger({"object": "page", "entry": [entry]}))
    _check_events(parse_messenger(_fb(item)))
    _check_events(parse_messenger(_fb(item, key="standby")))
