"""The auto-responder: one short acknowledgement on a new conversation, in the customer's language.

It says the message arrived and when a person will answer, links the order lookup in the portal and the three
FAQ entries of the customer's market that look most related to what they wrote. It goes out through the outbox
like any reply (``message_send(automatic=True)``), so the ticket stays "new" for the agents.

It stays silent when answering could do harm or is pointless: a first message that is itself an auto-reply,
bounce or read receipt; a sender writing in a storm (``auto_answer_allowed``); web chat (the portal shows its
own confirmation); a WhatsApp or Messenger conversation where free text is not allowed now; a conversation an
agent already answered. At most once per conversation: the ticket row is locked and ``auto_replied_at`` is set
in the same transaction as the message is queued.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from policies.api import faq_for

from .choices import Channel, Direction, TicketStatus
from .macros import policy_link, portal_link, ticket_order
from .models import Message, Ticket
from .services import NOT_A_CONVERSATION, auto_answer_allowed, message_send, reply_rule

FAQ_LINKS = 3
CLIENT_KEY = "autorespond"
_WORD = re.compile(r"\w+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Words too common to say anything about the topic (questions start with them in every language).
_STOP = frozenset((
    "the", "and", "you", "your", "for", "with", "have", "has", "had", "was", "were", "are", "this", "that",
    "what", "when", "where", "which", "how", "who", "why", "can", "could", "would", "will", "not", "but",
    "from", "about", "into", "our", "out", "there", "here", "please", "thanks", "thank", "hello", "dear", "que",
    "qué", "los", "las", "una", "por", "con", "para", "del", "como", "cómo", "dónde", "cuando", "cuándo", "mis",
    "tus", "sus", "hola", "gracias", "der", "die", "das", "und", "ist", "ich", "sie", "mit", "ein", "eine",
    "einen", "wie", "wann", "warum", "mein", "meine", "nicht", "für", "auf", "hallo", "danke", "bitte", "les",
    "des", "une", "est", "pour", "avec", "dans", "mon", "mes", "vous", "nous", "comment", "quand", "pourquoi",
    "bonjour", "merci",
))


def _stems(text: str) -> set[str]:
    """Comparable word stems: words of 3+ letters cut to 5 (return / returned / returns), CJK as bigrams."""
    text = (text or "").casefold()
    stems = {word[:5] for word in _WORD.findall(_CJK.sub(" ", text).replace("_", " ").replace("-", " "))
             if len(word) >= 3 and word not in _STOP and not word.isdigit()}
    for run in _CJK.findall(text):
        stems.update(run[i:i + 2] for i in range(len(run) - 1))
    return stems


def relevant_faq(entries, text: str, *, limit: int = FAQ_LINKS) -> list:
    """The entries whose topic or question shares the most words with ``text``; then the first entries."""
    words = _stems(text)
    scored = [(len(words & _stems(f"{entry.topic} {entry.question}")), index, entry)
              for index, entry in enumerate(entries)]
    matching = [entry for score, _index, entry in sorted(scored, key=lambda s: (-s[0], s[1])) if score]
    rest = [entry for entry in entries if entry not in matching]
    return (matching + rest)[:limit]


def acknowledgement(ticket: Ticket, first: Message, *, base_url: str) -> str:
    """The text of the acknowledgement in the ticket's language (call under ``translation.override``)."""
    order = ticket_order(ticket)
    language = ticket.language or "en"
    lines = [
        _("Thank you for your message: we have received it."),
        _("A member of our team will answer within 2 hours (during business hours)."),
        "",
        _("You can look up your order, follow its delivery or start a return here: %(link)s")
        % {"link": portal_link(language=language, base_url=base_url)},
    ]
    if order is not None:
        entries = relevant_faq(faq_for(order.market), f"{ticket.subject}\n{first.subject}\n{first.body}")
        if entries:
            link = policy_link(order, language=language, base_url=base_url)
            lines += ["", _("These answers may already help:")]
            lines += ["- " + _("%(question)s — %(link)s") % {"question": entry.question, "link": link}
                      for entry in entries]
    return "\n".join(lines)


def _should_answer(ticket: Ticket, first: Message | None) -> bool:
    if ticket.auto_replied_at is not None or ticket.status != TicketStatus.NEW or ticket.merged_into_id:
        return False
    if ticket.channel == Channel.WEBCHAT or not ticket.contact:
        return False
    if first is None or first.kind in NOT_A_CONVERSATION:
        return False
    if ticket.messages.filter(direction=Direction.OUTBOUND).exists():
        return False  # someone already answered
    if not auto_answer_allowed(address=ticket.contact):
        return False
    rule = reply_rule(ticket)
    return rule.allowed and not rule.needs_template


def ticket_auto_respond(*, ticket_pk: int, base_url: str) -> Message | None:
    """Acknowledge a new conversation once; returns the queued message, or None when nothing is sent."""
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(no_key=True).filter(pk=ticket_pk).first()
        if ticket is None:
            return None
        first = ticket.messages.filter(direction=Direction.INBOUND).order_by("created_at", "id").first()
        if not _should_answer(ticket, first):
            return None
        with translation.override(ticket.language or "en"):
            body = acknowledgement(ticket, first, base_url=base_url)
        message = message_send(ticket=ticket, body=body, client_key=CLIENT_KEY, automatic=True)
        ticket.auto_replied_at = timezone.now()
        ticket.save(update_fields=["auto_replied_at", "updated_at"])
        return message
