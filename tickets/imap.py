"""The support mailbox, polled over IMAP by a beat task.

UID-based and state-based: the folder's UIDVALIDITY and the last UID taken in are stored (``Mailbox``); each
new message is put in the webhook inbox under ``imap:<mailbox>:<uidvalidity>:<uid>`` and the last UID moved in
the same transaction, so a restart between two messages neither skips nor repeats one. When the server
renumbers the folder (a new UIDVALIDITY) the poller starts over; the Message-ID keeps the re-read mail from
becoming a second message. Messages are read with ``BODY.PEEK[]``: the poller never marks mail as seen.
"""

from __future__ import annotations

import base64
import imaplib
import logging
import re

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import Mailbox

logger = logging.getLogger(__name__)
BATCH = 50
UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")


def _connect() -> imaplib.IMAP4:
    if settings.IMAP_PORT == 993:
        return imaplib.IMAP4_SSL(settings.IMAP_HOST, settings.IMAP_PORT, timeout=30)
    connection = imaplib.IMAP4(settings.IMAP_HOST, settings.IMAP_PORT, timeout=30)
    if "STARTTLS" in connection.capabilities:
        connection.starttls()
    return connection


def imap_poll(*, limit: int = 500) -> int:
    """Take in up to ``limit`` new messages; returns how many were stored."""
    if not settings.IMAP_HOST:
        return 0
    from aftersales.services.webhooks import webhook_receive

    key = f"{settings.IMAP_USER}@{settings.IMAP_HOST}/{settings.IMAP_FOLDER}"
    connection = _connect()
    taken = 0
    try:
        connection.login(settings.IMAP_USER, settings.IMAP_PASSWORD)
        status, _data = connection.select(settings.IMAP_FOLDER, readonly=True)
        if status != "OK":
            raise imaplib.IMAP4.error(f"cannot select {settings.IMAP_FOLDER}")
        validity = int(connection.response("UIDVALIDITY")[1][0] or 0)
        mailbox, _created = Mailbox.objects.get_or_create(key=key)
        if mailbox.uidvalidity != validity:
            mailbox.uidvalidity, mailbox.last_uid = validity, 0
            mailbox.save(update_fields=["uidvalidity", "last_uid"])
        status, data = connection.uid("SEARCH", None, f"UID {mailbox.last_uid + 1}:*")
        uids = sorted(int(uid) for uid in (data[0] or b"").split() if int(uid) > mailbox.last_uid)[:limit]
        for uid in uids:
            status, parts = connection.uid("FETCH", str(uid), "(BODY.PEEK[])")
            raw = next((part[1] for part in parts if isinstance(part, tuple)), None)
            with transaction.atomic():
                locked = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
                if locked.uidvalidity != validity or locked.last_uid >= uid:
                    continue  # another poller took it
                if raw is not None:
                    webhook_receive(provider="email", event_id=f"imap:{key}:{validity}:{uid}",
                                    event_type="inbound", headers={"source": "imap", "uid": uid},
                                    body=base64.b64encode(raw).decode("ascii"))
                    taken += 1
                locked.last_uid, locked.polled_at = uid, timezone.now()
                locked.save(update_fields=["last_uid", "polled_at"])
        Mailbox.objects.filter(pk=mailbox.pk).update(polled_at=timezone.now())
    finally:
        try:
            connection.logout()
        except (imaplib.IMAP4.error, OSError):
            logger.info("IMAP logout failed")
    return taken
