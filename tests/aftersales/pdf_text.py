"""The text a reportlab PDF draws, for assertions: Type 1 strings as written, TrueType subsets decoded through
their ToUnicode maps (there is no PDF reader among the dependencies). Streams may be Flate and ASCII85 encoded."""

import base64
import re
import zlib


def _stream(body: bytes) -> bytes:
    found = re.search(rb"stream\r?\n(.*?)endstream", body, re.S)
    if not found:
        return b""
    data = found.group(1)
    filters = re.search(rb"/Filter \[?([^\]>]*)", body)
    for name in re.findall(rb"/(\w+)", filters.group(1)) if filters else []:
        if name == b"ASCII85Decode":
            data = base64.a85decode(data.strip().removesuffix(b"~>"))
        elif name == b"FlateDecode":
            data = zlib.decompress(data)
    return data


def _literal(raw: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(raw):
        if raw[i] == 0x5C:  # a backslash escape: octal code, or one escaped character
            octal = re.match(rb"[0-7]{1,3}", raw[i + 1:i + 4])
            if octal:
                out.append(int(octal.group(0), 8))
                i += 1 + len(octal.group(0))
                continue
            nxt = raw[i + 1:i + 2]
            out += {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(nxt, nxt)
            i += 2
            continue
        out.append(raw[i])
        i += 1
    return bytes(out)


def pdf_text(data: bytes) -> str:
    """Every string drawn, one per line, in drawing order."""
    objects = {int(m.group(1)): m.group(2) for m in re.finditer(rb"(\d+) 0 obj(.*?)endobj", data, re.S)}
    maps = {}
    for body in objects.values():
        name, to_unicode = re.search(rb"/Name /(\S+)", body), re.search(rb"/ToUnicode (\d+) 0 R", body)
        if name and to_unicode:
            cmap = _stream(objects[int(to_unicode.group(1))])
            maps[name.group(1)] = {
                int(src, 16): bytes.fromhex(dst.decode()).decode("utf-16-be")
                for src, dst in re.findall(rb"<([0-9a-fA-F]{2})> <((?:[0-9a-fA-F]{4})+)>", cmap)}
    lines = []
    for body in objects.values():
        content = _stream(body)
        if b" Tj" not in content:
            continue
        font = None
        for token in re.finditer(rb"/(\S+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj", content, re.S):
            if token.group(1):
                font = token.group(1)
                continue
            raw = _literal(token.group(2))
            table = maps.get(font)
            lines.append("".join(table.get(b, "?") for b in raw) if table else raw.decode("latin-1"))
    return "\n".join(lines)
