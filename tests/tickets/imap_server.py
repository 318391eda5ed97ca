"""A small in-process IMAP4rev1 server for the poller's tests (Debian's dovecot would need a system user and a
root-owned configuration; this speaks the same protocol over a real socket to the real ``imaplib`` client).

It implements what a UID-based poller uses: CAPABILITY, LOGIN, SELECT / EXAMINE (with UIDVALIDITY), UID SEARCH,
UID FETCH with ``BODY.PEEK[]`` literals, NOOP and LOGOUT — including the classic trap of ``UID n:*``, which a
real server answers with the highest UID even when it is below ``n`` (RFC 3501, section 6.4.8).
"""

from __future__ import annotations

import re
import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class Folder:
    uidvalidity: int = 1
    messages: dict[int, bytes] = field(default_factory=dict)
    next_uid: int = 1

    def add(self, raw: bytes) -> int:
        uid = self.next_uid
        self.messages[uid] = raw
        self.next_uid += 1
        return uid

    def renumber(self, uidvalidity: int) -> None:
        """What a server does after a rebuild: new UIDVALIDITY, UIDs from 1 again."""
        old = [self.messages[uid] for uid in sorted(self.messages)]
        self.uidvalidity, self.messages, self.next_uid = uidvalidity, {}, 1
        for raw in old:
            self.add(raw)


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def send(self, line: str | bytes):
        self.wfile.write((line.encode() if isinstance(line, str) else line) + b"\r\n")

    def handle(self):
        self.send("* OK [CAPABILITY IMAP4rev1] test IMAP server ready")
        folder = None
        while True:
            line = self.rfile.readline()
            if not line:
                return
            tag, _, rest = line.decode("utf-8", "replace").rstrip("\r\n").partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            self.server.commands.append(f"{command} {args}".strip())
            if command == "CAPABILITY":
                self.send("* CAPABILITY IMAP4rev1")
                self.send(f"{tag} OK CAPABILITY completed")
            elif command == "LOGIN":
                user, password = (part.strip('"') for part in args.split(" ", 1))
                if (user, password) == self.server.credentials:
                    self.send(f"{tag} OK LOGIN completed")
                else:
                    self.send(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials")
            elif command in ("SELECT", "EXAMINE"):
                folder = self.server.folders.get(args.strip('"'))
                if folder is None:
                    self.send(f"{tag} NO Mailbox does not exist")
                    continue
                self.send(f"* {len(folder.messages)} EXISTS")
                self.send(f"* OK [UIDVALIDITY {folder.uidvalidity}] UIDs valid")
                self.send(f"* OK [UIDNEXT {folder.next_uid}] Predicted next UID")
                mode = "READ-ONLY" if command == "EXAMINE" else "READ-WRITE"
                self.send(f"{tag} OK [{mode}] {command} completed")
            elif command == "UID" and folder is not None:
                self._uid(tag, args, folder)
            elif command == "NOOP":
                self.send(f"{tag} OK NOOP completed")
            elif command == "LOGOUT":
                self.send("* BYE logging out")
                self.send(f"{tag} OK LOGOUT completed")
                return
            else:
                self.send(f"{tag} BAD unknown command")

    def _uid(self, tag, args, folder):
        sub, _, rest = args.partition(" ")
        uids = sorted(folder.messages)
        if sub.upper() == "SEARCH":
            match = re.search(r"UID (\d+):\*", rest, re.I)
            start = int(match.group(1)) if match else 1
            found = [uid for uid in uids if uid >= start] or uids[-1:]  # "n:*" always names the highest UID
            self.send("* SEARCH " + " ".join(str(uid) for uid in found))
            self.send(f"{tag} OK SEARCH completed")
        elif sub.upper() == "FETCH":
            wanted, _, _items = rest.partition(" ")
            for uid in (int(part) for part in wanted.split(",")):
                if uid not in folder.messages:
                    continue
                raw = folder.messages[uid]
                sequence = uids.index(uid) + 1
                self.wfile.write(f"* {sequence} FETCH (UID {uid} BODY[] {{{len(raw)}}}\r\n".encode() + raw + b")\r\n")
            self.send(f"{tag} OK FETCH completed")
        else:
            self.send(f"{tag} BAD unknown UID command")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, credentials):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.credentials = credentials
        self.folders = {"INBOX": Folder(uidvalidity=3857529045)}
        self.commands: list[str] = []


class ImapServer:
    """``with ImapServer("user", "pw") as server: server.port, server.inbox.add(raw)``."""

    def __init__(self, user: str, password: str):
        self._server = _Server((user, password))
        self.port = self._server.server_address[1]
        self.inbox = self._server.folders["INBOX"]
        self.commands = self._server.commands

    def __enter__(self):
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
