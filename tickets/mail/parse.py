"""Raw inbound email in, a plain frozen ``ParsedEmail`` out: no database and no Django (the services decide what
to store). Also the ticket token helpers for subjects (``ticket_token_in``, ``subject_with_token``).

Decisions that shape the code:

* The MIME tree is read by the stdlib parser under ``compat32``, not ``policy.default``: real mail carries raw
  8-bit header bytes, charsets Python does not know and broken encoded words, on which ``policy.default``
  either raises or decodes with the label as given. ``compat32`` never raises and keeps the exact bytes
  (``raw_items`` with surrogate escapes), so every header, parameter and body here goes through one charset
  strategy, ``decode_bytes``: the declared label mapped to its superset (GB2312/GBK -> GB18030, Big5 ->
  Big5-HKSCS, Shift_JIS -> CP932, ISO-2022-JP -> ISO-2022-JP-2 and, for the NEC symbols no Python codec knows,
  JIS converted to CP932); UTF-8 first where a label is known to lie (ASCII, Latin-1, legacy CJK); Big5/GBK
  text that an old gateway turned into Latin-1 and re-encoded as UTF-8 is repaired; ``errors="replace"`` only
  last.
* ``parse_email`` never raises: each field falls back on its own, and bytes that cannot be read as a message at
  all become a ``message`` whose text is those bytes decoded.
* Kind, in this order: bounce, read receipt, auto-reply, message (bounces and receipts often say
  ``Auto-Submitted`` too). ``Precedence: bulk``/``junk`` counts as an auto-reply only without mailing-list
  markers: a person's reply through a list carries it as well. Subject heuristics are anchored phrases
  mailers use ("Undeliverable:", "Automatic reply:"), never words a customer writes ("Undelivered parcel").
* ``bounce_recipients`` holds the addresses that failed for good (``Action: failed``), the address we sent to
  (``Original-Recipient``) before the one it expanded to; a delay warning lists none.
* ``visible_text`` drops quoted history and signatures but never forwarded content (a "Fwd:" subject or a
  "Forwarded message" line protects what follows), and is never empty when ``text`` is not.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import contextlib
import logging
import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime
from html import unescape
from typing import TypeVar

import nh3

logger = logging.getLogger(__name__)

KIND_MESSAGE = "message"
KIND_AUTO_REPLY = "auto_reply"
KIND_BOUNCE = "bounce"
KIND_READ_RECEIPT = "read_receipt"
KINDS = (KIND_MESSAGE, KIND_AUTO_REPLY, KIND_BOUNCE, KIND_READ_RECEIPT)


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str
    content_type: str
    content: bytes = field(repr=False)
    size: int
    content_id: str = ""
    inline: bool = False


@dataclass(frozen=True)
class ParsedEmail:
    kind: str = KIND_MESSAGE
    message_id: str = ""
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    subject: str = ""
    from_address: str = ""
    from_name: str = ""
    to_addresses: tuple[str, ...] = ()
    cc_addresses: tuple[str, ...] = ()
    reply_to: str = ""
    date: datetime | None = None
    text: str = ""
    visible_text: str = ""
    html: str = ""
    attachments: tuple[ParsedAttachment, ...] = ()
    auto_submitted: str = ""
    headers_of_interest: dict[str, str] = field(default_factory=dict, hash=False)
    bounce_recipients: tuple[str, ...] = ()
    original_message_id: str = ""


# -- ticket token --------------------------------------------------------------------------------------------

TICKET_TOKEN = re.compile(r"\[#(T-[A-Z0-9]{6,10})\]")
_BARE_TOKEN = re.compile(r"^\[?#?(T-[A-Z0-9]{6,10})\]?$")


def ticket_token_in(subject: str | None) -> str | None:
    """The ticket number (``T-…``) carried in a subject as ``[#T-…]``, or None."""
    match = TICKET_TOKEN.search(subject or "")
    return match.group(1) if match else None


def subject_with_token(subject: str | None, token: str) -> str:
    """``subject`` carrying ``[#<token>]`` exactly once (another ticket's token is replaced). ``token`` is the
    ticket number (``T-ABC1234``; ``[#T-ABC1234]`` is accepted too)."""
    match = _BARE_TOKEN.match((token or "").strip())
    if not match:
        raise ValueError(f"not a ticket token: {token!r}")
    tag = f"[#{match.group(1)}]"
    subject = subject or ""
    if TICKET_TOKEN.findall(subject) == [match.group(1)]:
        return subject
    bare = " ".join(TICKET_TOKEN.sub(" ", subject).split())
    return f"{bare} {tag}" if bare else tag


# -- charsets ------------------------------------------------------------------------------------------------

_ALIASES = {
    **dict.fromkeys(("gb2312", "gbk", "gb18030", "euc-cn", "x-euc-cn", "x-gbk", "cp936", "ms936", "csgb2312",
                     "gb-2312", "gb-2312-80", "chinese", "csgb231280", "windows-936"), "gb18030"),
    **dict.fromkeys(("big5", "big-5", "big5-hkscs", "big5hkscs", "x-big5", "cn-big5", "csbig5", "x-x-big5"),
                    "big5hkscs"),
    **dict.fromkeys(("cp950", "ms950", "windows-950"), "cp950"),
    **dict.fromkeys(("shift-jis", "shiftjis", "sjis", "x-sjis", "s-jis", "ms-kanji", "csshiftjis", "windows-31j",
                     "cp932", "ms932", "x-ms-cp932", "shift-jisx0213", "shift-jis-2004"), "cp932"),
    **dict.fromkeys(("euc-jp", "x-euc-jp", "eucjp", "cseucpkdfmtjapanese", "ujis"), "euc_jp"),
    **dict.fromkeys(("iso-2022-jp", "csiso2022jp", "iso-2022-jp-1", "iso-2022-jp-2", "iso-2022-jp-3",
                     "iso-2022-jp-ext", "iso2022-jp", "jis", "iso-2022-jp-2004"), "iso2022_jp_2"),
    **dict.fromkeys(("ks-c-5601-1987", "ks-c-5601", "ksc5601", "euc-kr", "x-euc-kr", "cp949", "korean",
                     "csksc56011987", "windows-949", "uhc"), "cp949"),
    "iso-2022-kr": "iso2022_kr",
    **dict.fromkeys(("us-ascii", "ascii", "ansi-x3.4-1968", "iso-8859-1", "iso8859-1", "latin1", "latin-1",
                     "l1", "cp819", "windows-1252", "cp1252", "x-cp1252"), "cp1252"),
    **dict.fromkeys(("utf8", "utf-8", "unicode-1-1-utf-8", "x-unicode20utf8"), "utf-8"),
    **dict.fromkeys(("tis-620", "iso-8859-11", "windows-874"), "cp874"),
    **dict.fromkeys(("iso-8859-9", "latin5", "windows-1254"), "cp1254"),
    **dict.fromkeys(("unknown-8bit", "x-unknown", "unknown", "default", "8bit", "x-user-defined", "none"), ""),
}
_CJK = {"gb18030", "big5hkscs", "cp950", "cp932", "euc_jp", "iso2022_jp_2", "cp949", "iso2022_kr"}
_UTF8_FIRST = _CJK | {"cp1252"}  # labels that are often wrong about 8-bit text
_FAMILY = {
    "gb18030": ("gb18030", "big5hkscs", "cp950"),
    "big5hkscs": ("big5hkscs", "cp950", "gb18030"),
    "cp950": ("cp950", "big5hkscs", "gb18030"),
    "cp932": ("cp932", "euc_jis_2004", "euc_jp", "iso2022_jp_2"),
    "euc_jp": ("euc_jp", "euc_jis_2004", "cp932"),
    "iso2022_jp_2": ("iso2022_jp_2", "iso2022_jp_ext", "iso2022_jp_3", "cp932", "euc_jis_2004"),
    "cp949": ("cp949", "iso2022_kr"),
    "iso2022_kr": ("iso2022_kr", "cp949"),
}
_SEVEN_BIT = ("iso2022_jp_2", "iso2022_jp_ext", "iso2022_jp_3", "iso2022_kr")
_VALID_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_MOJIBAKE_MARKS = set(bytes(range(0x80, 0xC0)).decode("latin-1")) | set(
    bytes(range(0x80, 0xA0)).decode("cp1252", "ignore"))
_CJK_CHAR = re.compile(r"[\u3000-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


def _codec(label: str | None) -> str | None:
    """The Python codec to read ``label`` with (a superset where one exists); None when unknown or absent."""
    name = (label or "").strip().strip("\"'").split("*", 1)[0].strip().lower().replace("_", "-")
    if name in _ALIASES:
        return _ALIASES[name] or None
    try:
        return codecs.lookup(name).name if name else None
    except LookupError:
        return None


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Text of ``data`` labelled ``charset``, however wrong the label: never raises."""
    if not data:
        return ""
    codec = _codec(charset)
    if codec and codec.startswith(("utf-16", "utf-32", "utf-7", "hz")):  # not ASCII-compatible: no shortcut
        with contextlib.suppress(UnicodeDecodeError):
            return data.decode(codec)
    if data.isascii():
        if b"\x1b" in data:
            text = _decode_seven_bit(data, codec)
            if text is not None:
                return text
        return data.decode("ascii")
    tries: list[str] = []
    if codec is None or codec in _UTF8_FIRST:
        tries.append("utf-8")
    if codec:
        tries.append(codec)
    tries.extend(_FAMILY.get(codec or "", ()))
    if codec in (None, "utf-8") and not _VALID_UTF8_SEQUENCE.search(data):
        tries.append("cp1252")
    if codec == "cp1252":
        tries.append("latin-1")
    for name in dict.fromkeys(tries):
        try:
            text = data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
        if name == "utf-8" and codec in _CJK:
            text = _repair_mojibake(text, codec)
        return text
    if codec in _CJK:
        return data.decode(codec, "replace")
    if _VALID_UTF8_SEQUENCE.search(data):
        return data.decode("utf-8", "replace")
    try:
        return data.decode(codec or "cp1252", "replace")
    except LookupError:
        return data.decode("cp1252", "replace")


def _decode_seven_bit(data: bytes, codec: str | None) -> str | None:
    """7-bit text with escape sequences: ISO-2022, declared or not (old Japanese mailers often left it out)."""
    for name in dict.fromkeys((*((codec,) if codec in _SEVEN_BIT else ()), *_SEVEN_BIT)):
        try:
            return data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    return _jis_via_cp932(data)


def _jis_via_cp932(data: bytes) -> str | None:
    """ISO-2022-JP as Microsoft writes it (CP50220: NEC row 13 symbols such as ① and ㈱, which no Python
    ISO-2022 codec knows): each JIS X 0208 pair converted to Shift_JIS and read as CP932."""
    out = bytearray()
    mode = "ascii"
    i = 0
    while i < len(data):
        if data[i] == 0x1B:
            if data[i:i + 3] in (b"\x1b$B", b"\x1b$@"):
                mode, i = "jis", i + 3
            elif data[i:i + 4] == b"\x1b$(B":
                mode, i = "jis", i + 4
            elif data[i:i + 3] in (b"\x1b(B", b"\x1b(J"):
                mode, i = "ascii", i + 3
            elif data[i:i + 3] == b"\x1b(I":
                mode, i = "kana", i + 3
            else:
                return None
            continue
        byte = data[i]
        if mode == "jis" and byte not in (0x0A, 0x0D):
            if i + 1 >= len(data):
                return None
            j1, j2 = byte, data[i + 1]
            if not (0x21 <= j1 <= 0x7E and 0x21 <= j2 <= 0x7E):
                return None
            s1 = ((j1 - 0x21) >> 1) + 0x81
            s1 += 0x40 if s1 > 0x9F else 0
            if j1 & 1:
                s2 = j2 + 0x1F
                s2 += 1 if s2 >= 0x7F else 0
            else:
                s2 = j2 + 0x7E
            out += bytes((s1, s2))
            i += 2
            continue
        out.append(byte + 0x80 if mode == "kana" and 0x21 <= byte <= 0x5F else byte)
        i += 1
    try:
        return bytes(out).decode("cp932")
    except UnicodeDecodeError:
        return None


def _repair_mojibake(text: str, codec: str) -> str:
    """Big5/GBK/Shift_JIS bytes once read as Latin-1 (or CP1252) and re-encoded as UTF-8 (the Big5 sample):
    undone only when every step is exact and what comes out is CJK text."""
    if not any(ch in _MOJIBAKE_MARKS for ch in text):
        return text
    for via in ("latin-1", "cp1252"):
        try:
            repaired = text.encode(via).decode(codec)
        except UnicodeError:
            continue
        wide = [ch for ch in repaired if ord(ch) > 0x7F]
        if wide and sum(1 for ch in wide if _CJK_CHAR.match(ch)) >= 0.9 * len(wide):
            return repaired
    return text


# -- headers -------------------------------------------------------------------------------------------------

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([BbQq])\?([^?]*)\?=")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\r\n]+")
_MSGID = re.compile(r"<\s*([^<>\s]+)\s*>")
_ADDRESS = re.compile(r"[A-Za-z0-9._%+=\-'!#$&*/?^`{|}~]+@[A-Za-z0-9.\-\[\]:]+")


def _word_bytes(encoding: str, payload: str) -> bytes:
    if encoding in "Bb":
        cleaned = re.sub(r"[^A-Za-z0-9+/]", "", payload)
        if len(cleaned) % 4 == 1:
            cleaned = cleaned[:-1]
        try:
            return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4))
        except (binascii.Error, ValueError):
            return payload.encode("utf-8", "surrogateescape")
    raw = payload.replace("_", " ").encode("utf-8", "surrogateescape")
    return re.sub(rb"=([0-9A-Fa-f]{2})", lambda m: bytes((int(m.group(1), 16),)), raw)


def decode_encoded_words(value: str) -> str:
    """RFC 2047 words decoded leniently: adjacent words of one charset joined before decoding (a character
    split across two words survives), unknown or lying charsets read by ``decode_bytes``."""
    if "=?" not in value:
        return value
    chunks: list[list] = []  # [is_word, charset, bytes-or-text]
    pos = 0
    for match in _ENCODED_WORD.finditer(value):
        gap = value[pos:match.start()]
        if gap and not (chunks and chunks[-1][0] and not gap.strip()):
            chunks.append([False, "", gap])
        charset = match.group(1).split("*", 1)[0]
        data = _word_bytes(match.group(2), match.group(3))
        if chunks and chunks[-1][0] and chunks[-1][1].lower() == charset.lower() and not gap.strip():
            chunks[-1][2] += data
        else:
            chunks.append([True, charset, data])
        pos = match.end()
    if pos < len(value):
        chunks.append([False, "", value[pos:]])
    return "".join(decode_bytes(chunk[2], chunk[1]) if chunk[0] else chunk[2] for chunk in chunks)


def _header_str(value: object, hint: str | None) -> str:
    """A raw header value as text: raw 8-bit bytes decoded, lines unfolded; encoded words left as they are."""
    raw = str(value).encode("utf-8", "surrogateescape")
    text = decode_bytes(raw, hint)
    return re.sub(r"\r?\n|\r", "", re.sub(r"\r?\n([ \t])", r"\1", text))


def _one_line(text: str) -> str:
    return _SPACES.sub(" ", _CONTROL.sub("", text)).strip()


class _Headers:
    def __init__(self, msg: Message, hint: str | None):
        self.hint = hint
        self.items = [(str(name).strip().lower(), value) for name, value in msg.raw_items()]

    def raw(self, name: str) -> list:
        return [value for key, value in self.items if key == name]

    def has(self, name: str) -> bool:
        return any(key == name for key, _value in self.items)

    def text(self, name: str) -> str:
        values = self.raw(name)
        return _one_line(decode_encoded_words(_header_str(values[0], self.hint))) if values else ""

    def addresses(self, name: str) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        for value in self.raw(name):
            found.extend(_addresses(_header_str(value, self.hint)))
        return found


def _addresses(text: str) -> list[tuple[str, str]]:
    """(display name, lowercased addr-spec) pairs; names decoded after parsing so a decoded comma or quote
    cannot split an address."""
    pairs = [(name, addr) for name, addr in getaddresses([text]) if addr]
    if not any("@" in addr for _name, addr in pairs):
        decoded = decode_encoded_words(text)
        reparsed = [(name, addr) for name, addr in getaddresses([decoded]) if "@" in addr]
        if reparsed:
            pairs = reparsed
        elif not pairs:
            pairs = [("", addr) for addr in _ADDRESS.findall(decoded)]
    return [(_one_line(decode_encoded_words(name)).strip("\"' "), _one_line(addr).strip("<>").lower())
            for name, addr in pairs]


def _message_ids(value: str) -> list[str]:
    ids = _MSGID.findall(value)
    if not ids:
        ids = [part.strip("<>") for part in re.split(r"[\s,]+", value) if part.strip("<>")]
    return list(dict.fromkeys(ids))


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(re.sub(r"\([^)]*\)", " ", value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# -- MIME structure ------------------------------------------------------------------------------------------

_MAX_DEPTH = 24
_SIGNATURE_TYPES = {"application/pgp-signature", "application/pkcs7-signature", "application/x-pkcs7-signature"}
_DSN_TYPES = {"message/delivery-status", "message/global-delivery-status"}
_MDN_TYPES = {"message/disposition-notification", "message/global-disposition-notification"}
_HEADER_TYPES = {"text/rfc822-headers", "message/rfc822-headers", "message/global-headers"}
_MESSAGE_TYPES = {"message/rfc822", "message/global"}
_LOOKS_HTML = re.compile(r"^\s*(?:<!doctype html|<html|<head|<body|<div|<p[\s>]|<table|<span|<br|<meta)", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([A-Za-z0-9_\-:.]+)", re.I)


def _params(part: Message, header: str, hint: str | None) -> tuple[str, Message]:
    """The main value of a structured header (lowercased) and a holder to read its parameters from."""
    values = [value for name, value in part.raw_items() if str(name).strip().lower() == header]
    text = _header_str(values[0], hint) if values else ""
    holder = Message()
    holder["Content-Type"] = text
    return text.split(";", 1)[0].strip().strip("\"'").lower(), holder


def _param(holder: Message, name: str, hint: str | None) -> str:
    try:
        value = holder.get_param(name)
    except Exception:  # a parameter list too broken to read is no parameter
        return ""
    if value is None:
        return ""
    if isinstance(value, tuple):  # RFC 2231: (charset, language, text as Latin-1 of the bytes)
        charset, _language, text = value
        try:
            data = str(text).encode("latin-1", "surrogateescape")
        except UnicodeEncodeError:
            return _one_line(str(text))
        return _one_line(decode_bytes(data, charset or hint))
    return _one_line(decode_encoded_words(str(value)))


def _content_type(part: Message, hint: str | None) -> tuple[str, Message]:
    ctype, holder = _params(part, "content-type", hint)
    if ctype.count("/") != 1:
        ctype = "text/plain"
    return ctype, holder


def _payload_bytes(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # a transfer encoding too broken to undo: keep what is there
        data = None
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    return payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""


def _message_bytes(inner: Message) -> bytes:
    try:
        return inner.as_bytes(policy=compat32)
    except Exception:  # an inner message that cannot be written back: its text then
        try:
            return inner.as_string(policy=compat32).encode("utf-8", "surrogateescape")
        except Exception:
            return b""


def _hint_charset(msg: Message) -> str | None:
    """The first specific charset the message declares anywhere: the best guess for raw 8-bit headers."""
    stack, seen = [msg], 0
    while stack and seen < 200:
        part = stack.pop(0)
        seen += 1
        _ctype, holder = _params(part, "content-type", "latin-1")
        charset = _param(holder, "charset", None)
        if _codec(charset) not in (None, "cp1252", "utf-8"):
            return charset
        payload = part.get_payload()
        if isinstance(payload, list):
            stack.extend(p for p in payload if isinstance(p, Message))
    return None


@dataclass
class _Walk:
    hint: str | None
    texts: list[str] = field(default_factory=list)
    htmls: list[str] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    content_types: set[str] = field(default_factory=set)
    report_types: set[str] = field(default_factory=set)
    dsn_blocks: list[dict[str, str]] = field(default_factory=list)
    mdn_fields: dict[str, str] = field(default_factory=dict)
    enclosed: list[Message] = field(default_factory=list)

    def take_all_but_body(self, other: _Walk) -> None:
        self.attachments.extend(other.attachments)
        self.content_types |= other.content_types
        self.report_types |= other.report_types
        self.dsn_blocks.extend(other.dsn_blocks)
        self.mdn_fields.update(other.mdn_fields)
        self.enclosed.extend(other.enclosed)


def _walk(part: Message, walk: _Walk, depth: int = 0, *, in_report: bool = False,
          in_alternative: bool = False) -> None:
    if depth > _MAX_DEPTH:
        return
    try:
        _walk_part(part, walk, depth, in_report=in_report, in_alternative=in_alternative)
    except Exception:  # one unreadable part must not cost the rest of the message
        logger.warning("skipped an unreadable MIME part", exc_info=True)


def _walk_part(part: Message, walk: _Walk, depth: int, *, in_report: bool, in_alternative: bool) -> None:
    ctype, holder = _content_type(part, walk.hint)
    walk.content_types.add(ctype)
    payload = part.get_payload()
    if ctype in _MESSAGE_TYPES:
        inner = payload[0] if isinstance(payload, list) and payload and isinstance(payload[0], Message) else None
        if inner is None and isinstance(payload, str) and payload.strip():
            inner = BytesParser(policy=compat32).parsebytes(_payload_bytes(part))
        if inner is not None:
            walk.enclosed.append(inner)
            if not in_report:
                _attach(part, walk, ctype, holder, content=_message_bytes(inner))
        return
    if ctype in _DSN_TYPES:
        walk.dsn_blocks.extend(_field_blocks(part))
        return
    if ctype in _MDN_TYPES:
        for block in _field_blocks(part):
            walk.mdn_fields.update(block)
        return
    if ctype in _HEADER_TYPES:
        walk.enclosed.append(BytesParser(policy=compat32).parsebytes(_payload_bytes(part), headersonly=True))
        return
    if isinstance(payload, list):
        if ctype == "multipart/report":
            walk.report_types.add(_param(holder, "report-type", None).lower())
        children = [child for child in payload if isinstance(child, Message)]
        if ctype == "multipart/alternative":
            _walk_alternative(children, walk, depth)
            return
        for child in children:
            _walk(child, walk, depth + 1, in_report=ctype == "multipart/report")
        return
    if ctype in _SIGNATURE_TYPES:
        return
    disposition, disposition_holder = _params(part, "content-disposition", walk.hint)
    has_name = bool(_param(disposition_holder, "filename", walk.hint) or _param(holder, "name", walk.hint))
    if (ctype in ("text/plain", "text/html") or ctype.startswith("multipart/")) and not has_name and \
            disposition != "attachment":
        data = _payload_bytes(part)
        charset = _param(holder, "charset", None)
        if not charset and ctype == "text/html":
            meta = _META_CHARSET.search(data[:4096])
            charset = meta.group(1).decode("ascii") if meta else ""
        text = decode_bytes(data, charset or walk.hint).replace("\r\n", "\n").replace("\r", "\n")
        text = text.lstrip("\ufeff").replace("\x00", "")
        if ctype == "text/html" or (in_alternative and _LOOKS_HTML.match(text)):
            walk.htmls.append(text)
        else:
            walk.texts.append(text)
        return
    _attach(part, walk, ctype, holder, content=_payload_bytes(part))


def _walk_alternative(children: list[Message], walk: _Walk, depth: int) -> None:
    """One body out of the alternatives: the last that has plain text, the last that has HTML."""
    texts: list[str] = []
    htmls: list[str] = []
    for child in children:
        sub = _Walk(hint=walk.hint)
        _walk(child, sub, depth + 1, in_alternative=True)
        walk.take_all_but_body(sub)
        if any(text.strip() for text in sub.texts):
            texts = sub.texts
        if any(html.strip() for html in sub.htmls):
            htmls = sub.htmls
    walk.texts.extend(texts)
    walk.htmls.extend(htmls)


def _attach(part: Message, walk: _Walk, ctype: str, holder: Message, *, content: bytes) -> None:
    disposition, disposition_holder = _params(part, "content-disposition", walk.hint)
    name = _param(disposition_holder, "filename", walk.hint) or _param(holder, "name", walk.hint)
    filename = _safe_filename(name)
    if not filename:
        extension = ".eml" if ctype in _MESSAGE_TYPES else mimetypes.guess_extension(ctype, strict=False)
        filename = f"attachment-{len(walk.attachments) + 1}{extension or '.bin'}"
    content_ids = [value for key, value in part.raw_items() if str(key).strip().lower() == "content-id"]
    content_id = _one_line(_header_str(content_ids[0], None)).strip("<> ") if content_ids else ""
    walk.attachments.append(ParsedAttachment(
        filename=filename, content_type=ctype, content=content, size=len(content), content_id=content_id,
        inline=disposition == "inline" or (not disposition and bool(content_id))))


def _safe_filename(name: str) -> str:
    name = _one_line(name.replace("\x00", "")).replace("/", "_").replace("\\", "_").lstrip(". ")
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        name = f"{stem[:190]}.{extension[:9]}" if dot and len(extension) <= 9 else name[:200]
    return name


def _field_blocks(part: Message) -> list[dict[str, str]]:
    """The field groups of a delivery-status or disposition-notification part, names lowercased."""
    payload = part.get_payload()
    blocks: list[dict[str, str]] = []
    if isinstance(payload, list):
        for block in payload:
            if isinstance(block, Message):
                fields = {str(k).strip().lower(): _one_line(_header_str(v, "utf-8")) for k, v in block.raw_items()}
                blocks.append(fields)
        return blocks
    text = decode_bytes(_payload_bytes(part), "utf-8").replace("\r\n", "\n")
    for chunk in re.split(r"\n[ \t]*\n", text):
        fields: dict[str, str] = {}
        last = ""
        for line in chunk.split("\n"):
            if line[:1] in (" ", "\t") and last:
                fields[last] = f"{fields[last]} {line.strip()}"
            elif ":" in line:
                key, _colon, value = line.partition(":")
                last = key.strip().lower()
                fields[last] = value.strip()
        if fields:
            blocks.append(fields)
    return blocks


# -- HTML ----------------------------------------------------------------------------------------------------

_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt", "em", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "ins", "li", "ol", "p", "pre", "q", "s", "small", "span", "strike",
    "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
_ALLOWED_ATTRIBUTES = {
    "*": {"dir", "lang", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align", "valign"},
    "th": {"colspan", "rowspan", "align", "valign"},
    "ol": {"start"},
}
_DROPPED_WITH_CONTENT = {"script", "style", "head", "title", "template", "iframe", "object", "embed", "svg", "math",
                         "noscript", "textarea", "select"}
_TAG = re.compile(r"<(/?)([A-Za-z][\w:-]*)[^<>]*?(/?)>")
_VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
              "wbr"}
_MAX_HTML_DEPTH = 1000  # html5ever takes time quadratic in the depth of open blocks: 100k nested <div> is a minute
_INLINE_IMAGE = re.compile(r"^(?:cid:|data:image/(?:png|gif|jpeg|jpg|webp);)", re.I)
_LINK = re.compile(r"^(?:https?:|mailto:)", re.I)


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        return value if _INLINE_IMAGE.match(value.strip()) else None  # no remote images: they track the reader
    if tag == "a" and attribute == "href":
        return value if _LINK.match(value.strip()) else None
    return value


def _too_deep(html: str) -> bool:
    depth = 0
    for match in _TAG.finditer(html):
        closing, name, self_closing = match.groups()
        if self_closing or name.lower() in _VOID_TAGS:
            continue
        depth = max(0, depth - 1) if closing else depth + 1
        if depth > _MAX_HTML_DEPTH:
            return True
    return False


def sanitize_html(html: str) -> str:
    """HTML safe to show an agent: basic formatting, links with ``rel="noopener noreferrer"``, images only
    from the message itself (``cid:``) or inline data; no scripts, styles, event handlers or remote loads.
    HTML nested deeper than any real mail (a parser bomb) gives "": the text part still tells the agent."""
    if not html or not html.strip() or _too_deep(html):
        return ""
    try:
        return nh3.clean(
            html, tags=_ALLOWED_TAGS, clean_content_tags=_DROPPED_WITH_CONTENT, attributes=_ALLOWED_ATTRIBUTES,
            attribute_filter=_keep_attribute, url_schemes={"http", "https", "mailto", "cid", "data"},
            link_rel="noopener noreferrer", strip_comments=True,
        ).strip()
    except Exception:  # the sanitiser refusing the input: show nothing rather than something unsafe
        logger.warning("HTML part could not be sanitised", exc_info=True)
        return ""


_TEXT_BLOCKS = {"p", "div", "br", "li", "tr", "td", "th", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
                "pre", "hr", "blockquote", "dt", "dd", "dl", "section", "article", "header", "footer", "center",
                "address"}


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML body (for mail that has no text part); quoted blocks get "> ". The HTML
    is first reduced by nh3 to bare block tags, so what is read here is always well formed (the stdlib
    ``HTMLParser`` takes quadratic time on some broken markup)."""
    if not html or not html.strip():
        return ""
    if _too_deep(html):
        return _SPACES.sub(" ", unescape(_TAG.sub(" ", html))).strip()
    try:
        reduced = nh3.clean(html, tags=_TEXT_BLOCKS, attributes={}, clean_content_tags=_DROPPED_WITH_CONTENT,
                            strip_comments=True, link_rel=None)
    except Exception:  # the sanitiser refusing the input: no text from it
        logger.warning("HTML part could not be read as text", exc_info=True)
        return ""
    lines: list[tuple[int, str]] = []
    line: list[str] = []
    depth = 0

    def end_line(*, blank: bool = False) -> None:
        text = "".join(line).strip()
        if text or blank:
            lines.append((depth, text))
        line.clear()

    for token in re.split(r"(<[^<>]*>)", reduced):
        if not token.startswith("<"):
            line.append(_SPACES.sub(" ", unescape(token).replace("\u00a0", " ")))
            continue
        closing = token.startswith("</")
        name = token.strip("</> ").split(" ", 1)[0].lower()
        if name in ("td", "th"):
            line.append(" " if closing else "")
        elif name == "br":
            end_line(blank=True)
        else:
            end_line()
            if name == "p" and closing:
                lines.append((depth, ""))
            if name == "blockquote":
                depth = max(0, depth - 1) if closing else depth + 1
    end_line()
    text = "\n".join(("> " * quote + text) if text else "" for quote, text in lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# -- visible text --------------------------------------------------------------------------------------------

_QUOTE_HEADERS = (
    re.compile(r"^\s*On\s.{1,300}\s(?:wrote|writes)\s*:\s*$", re.I | re.S),
    re.compile(r"^\s*El\s.{1,300}\sescribió\s*:\s*$", re.I | re.S),
    re.compile(r"^\s*Am\s.{1,300}\sschrieb\b.{0,300}:\s*$", re.I | re.S),
    re.compile(r"^\s*Le\s.{1,300}\sa\s+écrit\s*:\s*$", re.I | re.S),
    re.compile(r"^.{0,300}(?:写道|寫道)\s*[:：]\s*$", re.S),
    re.compile(r"^\s*Em\s.{1,300}\sescreveu\s*:\s*$", re.I | re.S),
    re.compile(r"^\s*Il\s.{1,300}\sha\s+scritto\s*:\s*$", re.I | re.S),
    re.compile(r"^\s*Op\s.{1,300}\sschreef\b.{0,300}:\s*$", re.I | re.S),
)
_LOOSE_QUOTE_HEADER = re.compile(
    r"^.{1,200}\b(?:wrote|writes|escribió|schrieb|a\s+écrit|escreveu|ha\s+scritto|schreef|写道|寫道)\s*[:：]\s*$",
    re.I)
_ORIGINAL_MESSAGE = re.compile(
    r"^\s*[-_=*]{2,}\s*(?:original message|原始邮件|原始郵件|mensaje original|ursprüngliche nachricht|"
    r"originalnachricht|message d['’]origine|message original|messaggio originale|mensagem original|"
    r"oorspronkelijk bericht|元のメッセージ)\s*[-_=*]{2,}\s*$", re.I)
_FORWARD_MARKER = re.compile(
    r"^\s*(?:[-_=*]{2,}\s*(?:forwarded message|weitergeleitete nachricht|mensaje reenviado|message transféré|"
    r"messaggio inoltrato|mensagem encaminhada|转发邮件|轉寄郵件|転送されたメッセージ)\s*[-_=*]{2,}|"
    r"begin forwarded message\s*:|début du message réexpédié\s*:|anfang der weitergeleiteten nachricht\s*:|"
    r"inicio del mensaje reenviado\s*:)\s*$", re.I)
_FORWARD_SUBJECT = re.compile(r"^\s*(?:fwd?|wg|tr|rv|enc|vs|doorst|i|转发|轉寄|転送)\s*[:：]", re.I)
_FROM_LINE = re.compile(
    r"^\s*\*?\s*(?:from|de|von|van|da|från|fra|od|发件人|發件人|寄件者|差出人|送信者)\s*\*?\s*[:：]", re.I)
_SENT_LINE = re.compile(
    r"^\s*\*?\s*(?:sent|date|envoyé|gesendet|datum|enviado|fecha|data|inviato|verzonden|skickat|发送时间|發送時間|"
    r"日期|时间|寄件日期|送信日時|日時)\s*\*?\s*[:：]", re.I)
_TO_LINE = re.compile(
    r"^\s*\*?\s*(?:to|subject|cc|à|a|an|para|objet|betreff|asunto|oggetto|aan|onderwerp|till|ämne|收件人|主题|"
    r"主題|收件者|主旨|宛先|件名)\s*\*?\s*[:：]", re.I)
_SEPARATOR = re.compile(r"^\s*(?:_{10,}|-{10,})\s*$")
_SIGNATURE = re.compile(r"^--[ \t]?$")
_MOBILE_SIGNATURE = re.compile(
    r"^\s*(?:sent from my .{1,40}|sent from (?:outlook|mail|yahoo mail|samsung|gmail|my phone)\b.{0,40}|"
    r"get outlook for (?:ios|android)|von meinem .{1,40} gesendet|gesendet von meinem .{1,40}|"
    r"envoyé de mon .{1,40}|envoyé depuis mon .{1,40}|enviado desde mi .{1,40}|enviado do meu .{1,40}|"
    r"inviato da(?:l mio)? .{1,40}|发自我的.{1,30}|从我的.{1,30}发送|來自我的.{1,30}|寄自我的.{1,30}|"
    r".{1,30}から送信)\s*(?:<[^>\s]*>)?\s*$", re.I)


def _quote_header_at(lines: list[str], i: int) -> int:
    """How many lines the "On … wrote:" header starting at line ``i`` spans (mail clients wrap it), or 0."""
    if not lines[i].strip():
        return 0
    joined = lines[i]
    for span in range(1, 4):
        if span > 1:
            if i + span - 1 >= len(lines) or not lines[i + span - 1].strip():
                return 0
            joined = f"{joined} {lines[i + span - 1].strip()}"
        if len(joined) > 400:
            return 0
        if any(pattern.match(joined) for pattern in _QUOTE_HEADERS):
            return span
    return 0


def _next_text_line(lines: list[str], i: int) -> str:
    for line in lines[i:]:
        if line.strip():
            return line
    return ""


def _outlook_block_at(lines: list[str], i: int) -> bool:
    if not _FROM_LINE.match(lines[i]):
        return False
    following = lines[i + 1:i + 7]
    return any(_SENT_LINE.match(line) for line in following) and any(_TO_LINE.match(line) for line in following)


def visible_text_of(text: str, *, subject: str = "") -> str:
    """What an agent should read: the new text without quoted history, "-----Original Message-----" or Outlook
    "From:/Sent:" blocks, signatures after "-- " or "Sent from my iPhone". Forwarded content is kept."""
    if not text or not text.strip():
        return ""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    forwarded = bool(_FORWARD_SUBJECT.match(subject or ""))
    protect_from = next((i for i, line in enumerate(lines) if _FORWARD_MARKER.match(line)), len(lines))
    cut = protect_from
    dropped: set[int] = set()
    seen_text = False  # a line of new text above this one
    for i in range(protect_from):
        line = lines[i]
        if i > 0 and i - 1 not in dropped and lines[i - 1].strip() and not lines[i - 1].lstrip().startswith(">"):
            seen_text = True
        span = _quote_header_at(lines, i)
        if not span and _LOOSE_QUOTE_HEADER.match(line) and _next_text_line(lines, i + 1).lstrip().startswith(">"):
            span = 1
        history = False
        if span:
            if _next_text_line(lines, i + span).lstrip().startswith(">"):
                dropped.update(range(i, i + span))  # its quoted lines go below; text after them is kept
                continue
            history = True
        elif _ORIGINAL_MESSAGE.match(line) or _outlook_block_at(lines, i):
            history = True
        if history and forwarded:
            protect_from = cut = i
            break
        if history:
            cut = i
            j = i - 1
            while j >= 0 and not lines[j].strip():
                j -= 1
            if j >= 0 and _SEPARATOR.match(lines[j]):
                cut = j
            break
        if (_SIGNATURE.match(line) or _MOBILE_SIGNATURE.match(line)) and seen_text:
            cut = i
            break
    kept = [
        line for i, line in enumerate(lines)
        if not (cut <= i < protect_from) and not (i < protect_from and (i in dropped or line.lstrip().startswith(">")))
    ]
    visible = re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in kept)).strip()
    return visible or text.strip()


# -- kind ----------------------------------------------------------------------------------------------------

_DAEMONS = {"mailer-daemon", "mailerdaemon", "mail-daemon", "postmaster"}
_BOUNCE_SUBJECT = re.compile(
    r"^\s*(?:undelivered mail returned to sender|undeliverable\s*:|undeliverable mail\b|"
    r"delivery status notification\b|mail delivery failed\b|delivery notification: delivery has failed|"
    r"failure notice\s*$|returned mail\s*:|mail system error\b|non[- ]?delivery report\b|"
    r"warning: could not send message\b|message not delivered\s*:|"
    r"(?:unzustellbar|nicht zustellbar|non remis|non distribuable|no se puede entregar|no entregado|"
    r"não é possível entregar|impossibile recapitare|无法投递|无法传递|无法送达|未送达|配信不能)\s*[:：])", re.I)
_READ_SUBJECT = re.compile(r"^\s*(?:read|gelesen|lu|leído|lido|letto|gelezen|läst|已读|已讀|開封済み)\s*[:：]", re.I)
_AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(?:automatic reply|auto(?:matic)?[- ]?reply|autoreply|auto[- ]?respon|out of (?:the )?office|"
    r"abwesenheitsnotiz|automatische antwort|réponse automatique|respuesta automática|resposta automática|"
    r"risposta automatica|automatisch antwoord|自动回复|自動回覆|自動回复|自动答复|自動応答)", re.I)
_LIST_SENDER = re.compile(r"^(?:owner-.+|.+-owner|.+-request|.+-bounces?(?:\+.*)?)@", re.I)
_LIST_HEADERS = ("list-id", "list-unsubscribe", "list-post", "list-help", "mailing-list", "x-mailing-list")


def _kind(headers: _Headers, walk: _Walk, subject: str, from_address: str) -> str:
    local = from_address.split("@", 1)[0]
    if ("delivery-status" in walk.report_types or walk.content_types & _DSN_TYPES
            or headers.has("x-failed-recipients") or headers.has("x-ms-exchange-message-is-ndr")
            or local in _DAEMONS or _BOUNCE_SUBJECT.match(subject)):
        return KIND_BOUNCE
    if "disposition-notification" in walk.report_types or walk.content_types & _MDN_TYPES:
        return KIND_READ_RECEIPT
    if _READ_SUBJECT.match(subject) and (
            any(headers.has(name) for name in ("disposition", "original-message-id", "original-recipient",
                                               "final-recipient"))
            or "mdn" in headers.text("content-class").lower()):
        return KIND_READ_RECEIPT
    auto_submitted = headers.text("auto-submitted").lower()
    if auto_submitted and re.split(r"[\s;(]", auto_submitted, maxsplit=1)[0] != "no":
        return KIND_AUTO_REPLY
    for name in ("x-autoreply", "x-autorespond", "x-autoreply-from", "x-mail-autoreply", "x-autogenerated"):
        if headers.has(name) and headers.text(name).lower() not in ("no", "false", "0"):
            return KIND_AUTO_REPLY
    precedence = headers.text("precedence").lower()
    if precedence in ("auto_reply", "auto-reply"):
        return KIND_AUTO_REPLY
    if precedence in ("bulk", "junk") and not (any(headers.has(name) for name in _LIST_HEADERS)
                                               or any(_LIST_SENDER.match(a) for _n, a in headers.addresses("sender"))):
        return KIND_AUTO_REPLY
    if _AUTO_REPLY_SUBJECT.match(subject):
        return KIND_AUTO_REPLY
    return KIND_MESSAGE


# -- bounces and receipts ------------------------------------------------------------------------------------

_ORIGINAL_PART = re.compile(
    r"^[ \t]*(?:-{2,}.*\b(?:original|copy|returned|undelivered|headers|below|rfc ?822)\b.*|[-_=]{10,}|"
    r"original message headers\s*:.*|(?:received|return-path|dkim-signature)\s*:.*)$", re.I | re.M)
_STANDALONE_ADDRESS = re.compile(r"^[ \t]*<?([^\s<>@\"]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,})>?\s*(?:[:(,].*)?$", re.M)


def _dsn_address(value: str) -> str:
    address = value.split(";", 1)[-1].strip().strip("<>").strip()
    return address.lower() if "@" in address else ""


def _bounce_recipients(headers: _Headers, walk: _Walk, text: str, exclude: set[str]) -> tuple[str, ...]:
    recipient_blocks = [b for b in walk.dsn_blocks if "final-recipient" in b or "original-recipient" in b]
    if recipient_blocks:
        found = []
        for block in recipient_blocks:
            action = block.get("action", "").lower()
            if action == "failed" or (not action and block.get("status", "").startswith("5")):
                address = _dsn_address(block.get("original-recipient", "")) or _dsn_address(
                    block.get("final-recipient", ""))
                if address:
                    found.append(address)
        return tuple(dict.fromkeys(found))
    failed = headers.text("x-failed-recipients")
    if failed:
        return tuple(dict.fromkeys(a.lower() for a in _ADDRESS.findall(failed)))
    marker = _ORIGINAL_PART.search(text)
    notice = text[:marker.start()] if marker else text
    found = [a.lower() for a in _STANDALONE_ADDRESS.findall(notice)]
    return tuple(dict.fromkeys(a for a in found if a not in exclude and a.split("@", 1)[0] not in _DAEMONS))


def _original_message_id(headers: _Headers, walk: _Walk, text: str, own_id: str, in_reply_to: str) -> str:
    for value in (walk.mdn_fields.get("original-message-id", ""), headers.text("original-message-id")):
        ids = _message_ids(value)
        if ids:
            return ids[0]
    for inner in walk.enclosed:
        values = [v for k, v in inner.raw_items() if str(k).strip().lower() == "message-id"]
        ids = _message_ids(_header_str(values[0], None)) if values else []
        if ids:
            return ids[0]
    for match in re.finditer(r"^[ \t]*message-id[ \t]*:[ \t]*<\s*([^<>\s]+)\s*>", text, re.I | re.M):
        if match.group(1) != own_id:
            return match.group(1)
    return in_reply_to


# -- parse_email ---------------------------------------------------------------------------------------------

_INTERESTING = (
    "reply-to", "cc", "sender", "return-path", "delivered-to", "x-original-to", "auto-submitted", "precedence",
    "x-autoreply", "x-autorespond", "x-auto-response-suppress", "list-id", "list-unsubscribe", "x-failed-recipients",
    "disposition-notification-to", "return-receipt-to", "x-mailer", "user-agent", "content-language",
    "thread-topic", "x-ms-exchange-message-is-ndr", "x-spam-flag", "x-spam-status", "importance", "x-priority",
)

T = TypeVar("T")


def _safe(compute: Callable[[], T], default: T) -> T:
    try:
        return compute()
    except Exception:  # one field that cannot be read must not cost the others
        logger.warning("email field could not be read", exc_info=True)
        return default


def _as_bytes(raw: object) -> bytes:
    if isinstance(raw, bytes):
        return raw
    if isinstance(raw, bytearray | memoryview):
        return bytes(raw)
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    return b""


def parse_email(raw: bytes) -> ParsedEmail:
    """Everything the desk needs from one raw email. Never raises: what cannot be read is left empty."""
    data = _as_bytes(raw)
    try:
        return _parse(data)
    except Exception:
        logger.warning("email could not be parsed; keeping its raw text", exc_info=True)
        text = _safe(lambda: decode_bytes(data).replace("\r\n", "\n").strip(), "")
        return ParsedEmail(text=text, visible_text=text)


def _parse(data: bytes) -> ParsedEmail:
    data = data.removeprefix(codecs.BOM_UTF8).lstrip(b" \t\r\n")
    msg = BytesParser(policy=compat32).parsebytes(data)
    hint = _safe(lambda: _hint_charset(msg), None)
    headers = _Headers(msg, hint)
    walk = _Walk(hint=hint)
    _walk(msg, walk)

    subject = _safe(lambda: headers.text("subject"), "")
    senders = _safe(lambda: headers.addresses("from") or headers.addresses("sender"), [])
    from_name, from_address = senders[0] if senders else ("", "")
    to_addresses = _safe(lambda: tuple(dict.fromkeys(a for _n, a in headers.addresses("to") if a)), ())
    cc_addresses = _safe(lambda: tuple(dict.fromkeys(a for _n, a in headers.addresses("cc") if a)), ())
    reply_to = _safe(lambda: next((a for _n, a in headers.addresses("reply-to") if "@" in a), ""), "")
    message_id = _safe(lambda: next(iter(_message_ids(headers.text("message-id"))), ""), "")
    in_reply_to = _safe(lambda: next(iter(_message_ids(headers.text("in-reply-to"))), ""), "")
    references = _safe(lambda: tuple(_message_ids(" ".join(
        _header_str(v, hint) for v in headers.raw("references")))), ())

    text = "\n\n".join(t.strip("\n") for t in walk.texts if t.strip()).strip()
    raw_html = "\n".join(walk.htmls)
    if not text and raw_html.strip():
        text = _safe(lambda: html_to_text(raw_html), "")
    kind = _safe(lambda: _kind(headers, walk, subject, from_address), KIND_MESSAGE)
    bounce_recipients: tuple[str, ...] = ()
    original_message_id = ""
    if kind == KIND_BOUNCE:
        exclude = {from_address, *to_addresses}
        bounce_recipients = _safe(lambda: _bounce_recipients(headers, walk, text, exclude), ())
    if kind in (KIND_BOUNCE, KIND_READ_RECEIPT):
        original_message_id = _safe(lambda: _original_message_id(headers, walk, text, message_id, in_reply_to), "")

    interesting = {}
    for name in _INTERESTING:
        if headers.has(name):
            interesting[name] = _safe(lambda name=name: ", ".join(
                _one_line(decode_encoded_words(_header_str(v, hint))) for v in headers.raw(name)), "")
    for name, value in headers.items:
        if name.startswith("x-aftersales-"):
            interesting[name] = _safe(lambda value=value: _one_line(_header_str(value, hint)), "")

    return ParsedEmail(
        kind=kind, message_id=message_id, in_reply_to=in_reply_to, references=references, subject=subject,
        from_address=from_address, from_name=from_name, to_addresses=to_addresses, cc_addresses=cc_addresses,
        reply_to=reply_to, date=_safe(lambda: _date(headers.text("date")), None), text=text,
        visible_text=_safe(lambda: visible_text_of(text, subject=subject), text),
        html=sanitize_html(raw_html), attachments=tuple(walk.attachments),
        auto_submitted=_safe(lambda: headers.text("auto-submitted"), ""), headers_of_interest=interesting,
        bounce_recipients=bounce_recipients, original_message_id=original_message_id,
    )
