"""Celery tasks of ``tickets``: thin, taking ids, idempotent (DESIGN section 5)."""

from celery import shared_task

from aftersales.integrations.base import TransientProviderError


@shared_task(name="tickets.message_deliver", bind=True, acks_late=True, max_retries=8)
def message_deliver_task(self, message_pk: int) -> str:
    """Send one outbox message; transient provider errors retry with backoff, the message stays queued."""
    from .services import message_deliver

    try:
        return message_deliver(message_pk=message_pk).delivery
    except TransientProviderError as error:
        if self.request.retries >= self.max_retries:
            from .services import message_give_up

            return message_give_up(message_pk=message_pk, reason=str(error)).delivery
        raise self.retry(exc=error, countdown=min(900, 10 * 2 ** self.request.retries)) from error


@shared_task(name="tickets.attachment_fetch", bind=True, acks_late=True, max_retries=5)
def attachment_fetch_task(self, attachment_pk: int) -> str:
    """Fetch a WhatsApp / Messenger media file by its id or URL, check it and store it."""
    from .services import attachment_fetch

    try:
        return attachment_fetch(attachment_pk=attachment_pk).state
    except TransientProviderError as error:
        raise self.retry(exc=error, countdown=min(900, 30 * 2 ** self.request.retries)) from error


@shared_task(name="tickets.outbox_release", ignore_result=True)
def outbox_release_task() -> int:
    """State-based scan: queue again what is held or was left queued (a lost task, a channel set up since)."""
    from .services import messages_held_release

    return messages_held_release()


@shared_task(name="tickets.imap_poll", ignore_result=True)
def imap_poll_task() -> int:
    """Take in new mail of the support mailbox, if one is configured (UID-based: never skips, never twice)."""
    from .imap import imap_poll

    return imap_poll()


@shared_task(name="tickets.ticket_route", ignore_result=True, acks_late=True)
def ticket_route_task(ticket_pk: int) -> None:
    """A new ticket: give it to an agent (round robin) and acknowledge it (the auto-responder), each once."""
    from django.conf import settings

    from .desk_services import ticket_assign_round_robin
    from .models import Ticket

    ticket = Ticket.objects.filter(pk=ticket_pk).first()
    if ticket is None:
        return
    ticket_assign_round_robin(ticket=ticket)
    from .autorespond import ticket_auto_respond

    ticket_auto_respond(ticket_pk=ticket_pk, base_url=settings.PUBLIC_BASE_URL)


@shared_task(name="tickets.sla_escalate", ignore_result=True)
def sla_escalate_task() -> int:
    """State-based scan: tickets past their reply-by time are escalated once."""
    from .desk_services import sla_escalate

    return sla_escalate()


@shared_task(name="tickets.csat_send_due", ignore_result=True)
def csat_send_due_task() -> int:
    """State-based scan: satisfaction surveys a day after solving, once per ticket."""
    from .desk_services import csat_send_due

    return csat_send_due()
