"""A year of support history for the demo store: closed conversations behind every ticket metric of the audit.

``seed_tickets`` calls ``demo_history_seed`` after the demo store is built, so that the manager dashboard's
twelve months show first response, answered within 2 h, repeat complaints and CSAT (DESIGN section 7) next to
the refund rates, instead of "no data".

Deterministic: one ``random.Random(seed)`` walks the demo orders in time order, so two builds of the same store
give the same tickets and the same numbers; the time is the demo store's (before the end of the day of its last
order, and before now: its whole months and the month in progress). What it makes, and why it reads like a store's
year:

* about one order in ten has a conversation, and most refunded ones do: a refund's cause gives the complaint
  ("Damaged or defective" for the lamp and damaged returns, "Order not received" for lost parcels, none for a
  change of mind); other orders ask where their parcel is, some as a late-delivery complaint;
* the customer writes on a channel they have (email, WhatsApp, Messenger) or in the portal's web chat, in their
  own language, at any hour; an agent (or the manager) answers after a number of business minutes of the support
  calendar (the "Default" SLA policy), slower on Messenger and in the busy last closed month;
* some complaints come back within days about the same order on another channel: repeat complaints, more of
  them for the lamp and in the last closed month;
* solved tickets are closed four days later; about a third of them get a CSAT answer, better after a fast reply.

Rows are written with ``bulk_create`` and their own timestamps, marked with the tag ``demo`` and message external
ids ``demo-history-…``; nothing goes through the outbox (no message is sent anywhere).
"""

from __future__ import annotations

import math
import random
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from aftersales.choices import OrderSource, RefundCause
from aftersales.demo_data.common import historic_timestamps
from aftersales.models import CustomerIdentity, Order, Refund

from .choices import Channel, ComplaintCategory, Delivery, Direction, TicketStatus
from .models import NUMBER_ALPHABET, CsatSurvey, Message, SlaPolicy, Ticket, TicketEvent
from .sla import add_business_minutes, business_minutes_between

SEED = 20260101
MARK = "demo-history-"
CHANNEL_WEIGHTS = {Channel.EMAIL: 55, Channel.WHATSAPP: 30, Channel.MESSENGER: 15}
WEBCHAT_SHARE = 0.08
TICKET_SHARE = 0.16          # orders without a refund that write to support
REFUNDED_TICKET_SHARE = 0.7  # refunded orders that do
LATE_SHARE = 0.45            # "where is my order" written as a late-delivery complaint
REPEAT_SHARE = 0.03          # complaints that come back within days about the same order
REPEAT_SHARE_LAMP = 0.12
REPEAT_SHARE_LAST_MONTH = 0.08
MEDIAN_MINUTES = 32          # business minutes to the first reply (log-normal)
MEDIAN_MINUTES_LAST_MONTH = 48
SPREAD = 0.75
CSAT_SHARE = 0.5

LAMP_SKU = "LAMP-01"
INBOUND = {
    "en": {"where": "Hi, where is my order {number}? Tracking has not moved for a week.",
           "late": "Order {number} is two weeks late. This is not acceptable.",
           "damaged": "The item from order {number} arrived broken / does not work. What can you do?",
           "not_received": "Tracking says order {number} was delivered but I never got it.",
           "not_as_described": "What I got in order {number} is not what the page showed.",
           "again": "I am writing again about order {number}: nobody has solved this yet."},
    "es": {"where": "Hola, ¿dónde está mi pedido {number}? El seguimiento no se mueve.",
           "late": "Mi pedido {number} lleva dos semanas de retraso.",
           "damaged": "El artículo del pedido {number} llegó roto o no funciona. ¿Qué podéis hacer?",
           "not_received": "El seguimiento dice que el pedido {number} se entregó, pero no lo he recibido.",
           "not_as_described": "Lo que recibí en el pedido {number} no es lo que mostraba la web.",
           "again": "Escribo otra vez por el pedido {number}: todavía no está resuelto."},
    "de": {"where": "Hallo, wo ist meine Bestellung {number}? Die Sendungsverfolgung steht seit einer Woche.",
           "late": "Bestellung {number} ist zwei Wochen zu spät.",
           "damaged": "Der Artikel aus Bestellung {number} kam kaputt an oder funktioniert nicht.",
           "not_received": "Bestellung {number} ist als zugestellt markiert, aber ich habe nichts erhalten.",
           "not_as_described": "Was in Bestellung {number} kam, entspricht nicht der Beschreibung.",
           "again": "Ich schreibe noch einmal wegen Bestellung {number}: Es ist immer noch nicht gelöst."},
    "fr": {"where": "Bonjour, où en est ma commande {number} ? Le suivi ne bouge plus depuis une semaine.",
           "late": "Ma commande {number} a deux semaines de retard.",
           "damaged": "L'article de la commande {number} est arrivé cassé ou ne fonctionne pas.",
           "not_received": "La commande {number} est marquée livrée mais je ne l'ai jamais reçue.",
           "not_as_described": "Ce que j'ai reçu dans la commande {number} ne correspond pas à la description.",
           "again": "Je vous écris de nouveau pour la commande {number} : ce n'est toujours pas réglé."},
}
REPLY = {
    "en": "Thank you for writing, and sorry for the trouble. We have looked at order {number} and sorted it out.",
    "es": "Gracias por escribirnos y perdona las molestias. Hemos revisado el pedido {number} y lo hemos resuelto.",
    "de": "Danke für Ihre Nachricht, und entschuldigen Sie die Umstände. Bestellung {number} ist geklärt.",
    "fr": "Merci de votre message et désolés pour ce souci. Nous avons vérifié la commande {number} et c'est réglé.",
}
# What a refund's reason says about the complaint before it (the demo's reasons: ``aftersales.demo_data.catalogue``).
REASON_CATEGORY = [
    (ComplaintCategory.DAMAGED, ("damaged", "defect", "cracked", "flicker", "stopped working", "does not respond",
                                 "missing")),
    (ComplaintCategory.NOT_AS_DESCRIBED, ("not as described", "differs", "quality", "does not fit")),
    (ComplaintCategory.LATE, ("late delivery",)),
    (ComplaintCategory.SERVICE, ("slow reply",)),
]
FIRST_TEXT = {"": "where", ComplaintCategory.LATE: "late", ComplaintCategory.NOT_RECEIVED: "not_received",
              ComplaintCategory.DAMAGED: "damaged", ComplaintCategory.SERVICE: "late",
              ComplaintCategory.NOT_AS_DESCRIBED: "not_as_described"}


@dataclass(frozen=True)
class History:
    tickets: int
    complaints: int
    repeats: int
    surveys: int


def demo_history_exists() -> bool:
    return Message.objects.filter(external_id__startswith=MARK).exists()


def demo_history_seed(*, seed: int = SEED, now: datetime | None = None) -> History | None:
    """Write the demo store's year of support history once; ``None`` when it is there already or there is no demo
    store (or no support team: the ``agent`` and ``manager`` users and the "Default" SLA policy)."""
    users = {user.username: user for user in get_user_model().objects.filter(username__in=["agent", "manager"])}
    policy = SlaPolicy.objects.filter(name="Default", calendar__isnull=False).select_related("calendar").first()
    orders = (Order.objects.filter(source=OrderSource.DEMO).select_related("customer", "market")
              .prefetch_related("lines").order_by("placed_at", "pk"))
    if demo_history_exists() or not users or policy is None or not orders.exists():
        return None
    from .desk_services import _calendar

    rng = random.Random(seed)  # noqa: S311 - demo data, repeatable on purpose
    builder = _Builder(rng, now or timezone.now(), policy, _calendar(policy),
                       [users[name] for name in ("agent", "manager") if name in users])
    builder.build(orders)
    with transaction.atomic(), historic_timestamps(Ticket, Message, TicketEvent):
        builder.write()
    return History(tickets=len(builder.tickets), complaints=builder.complaints, repeats=builder.repeats,
                   surveys=len(builder.surveys))


class _Builder:
    def __init__(self, rng: random.Random, now: datetime, policy: SlaPolicy, calendar, agents: list):
        self.rng, self.now, self.policy, self.calendar, self.agents = rng, now, policy, calendar, agents
        self.tickets: list[Ticket] = []
        self.messages: list[list[Message]] = []
        self.events: list[list[TicketEvent]] = []
        self.surveys: list[tuple[int, CsatSurvey]] = []
        self.complaints = self.repeats = 0
        self.numbers: set[str] = set()

    def build(self, orders) -> None:
        tz = zoneinfo.ZoneInfo(settings.STORE_TIME_ZONE)
        last = orders.last().placed_at.astimezone(tz)
        following = datetime(last.year, last.month, last.day, tzinfo=tz) + timedelta(days=1)
        self.end = min(following, self.now)  # the end of the demo store's data: the day after its last order
        end = self.end.astimezone(tz)
        self.month_start = datetime(end.year, end.month, 1, tzinfo=tz)  # the month in progress
        self.last_month = (self.month_start - timedelta(days=1)).replace(day=1)  # the last closed one: the busy one
        refunds = {}
        for refund in Refund.objects.filter(order__source=OrderSource.DEMO).order_by("created_at", "pk"):
            refunds.setdefault(refund.order_id, refund)
        identities = {}  # {customer id: {kind: value}}
        for customer_id, kind, value in (CustomerIdentity.objects.filter(customer__orders__source=OrderSource.DEMO)
                                         .values_list("customer_id", "kind", "value").distinct()
                                         .order_by("customer_id", "kind", "value")):
            identities.setdefault(customer_id, {}).setdefault(kind, value)
        for order in orders.iterator(chunk_size=1000):
            refund = refunds.get(order.pk)
            if self.rng.random() < (REFUNDED_TICKET_SHARE if refund else TICKET_SHARE):
                self._conversation(order, refund, identities.get(order.customer_id, {}))

    def _conversation(self, order: Order, refund: Refund | None, kinds: dict[str, str]) -> None:
        rng = self.rng
        if refund is not None:
            written = refund.created_at - timedelta(hours=rng.uniform(6, 96))
            category = self._category(refund)
        else:
            written = order.placed_at + timedelta(days=rng.uniform(4, 20))
            category = ComplaintCategory.LATE if rng.random() < LATE_SHARE else ""
        written = max(written, order.placed_at + timedelta(hours=2))
        if written >= self.end:
            return
        lamp = any(line.sku == LAMP_SKU for line in order.lines.all())
        first = self._ticket(order, written, category, self._channel(kinds), kinds, key=FIRST_TEXT[category])
        if not category or first is None:
            return
        self.complaints += 1
        share = (REPEAT_SHARE_LAMP if lamp else REPEAT_SHARE_LAST_MONTH if self._busy(written)
                 else REPEAT_SHARE)
        if rng.random() < share:
            again = written + timedelta(days=rng.uniform(2, 12))
            other = [c for c in self._channels(kinds) if c != first.channel] or [first.channel]
            if again < self.end and self._ticket(order, again, category, rng.choice(other), kinds, key="again"):
                self.complaints += 1
                self.repeats += 1

    def _busy(self, written: datetime) -> bool:
        """In the last closed month: slower answers and more repeat complaints, the month the dashboard opens on."""
        return self.last_month <= written < self.month_start

    @staticmethod
    def _category(refund: Refund) -> str:
        if refund.cause == RefundCause.NOT_RECEIVED:
            return ComplaintCategory.NOT_RECEIVED
        if refund.cause == RefundCause.CANCELLATION:
            return ""
        reason = refund.reason.lower()
        for category, words in REASON_CATEGORY:
            if any(word in reason for word in words):
                return category
        return ""  # a change of mind, a wrong size: a question, not a complaint

    def _channels(self, kinds: dict[str, str]) -> list[str]:
        return [channel for channel in CHANNEL_WEIGHTS if channel == Channel.EMAIL or channel in kinds]

    def _channel(self, kinds: dict[str, str]) -> str:
        if self.rng.random() < WEBCHAT_SHARE:
            return Channel.WEBCHAT
        channels = self._channels(kinds)
        return self.rng.choices(channels, weights=[CHANNEL_WEIGHTS[c] for c in channels])[0]

    def _ticket(self, order: Order, written: datetime, category: str, channel: str, kinds: dict[str, str], *,
                key: str) -> Ticket | None:
        rng, customer = self.rng, order.customer
        language = customer.language if customer.language in INBOUND else "en"
        median = MEDIAN_MINUTES_LAST_MONTH if self._busy(written) else MEDIAN_MINUTES
        minutes = round(math.exp(rng.gauss(math.log(median), SPREAD)) * (1.4 if channel == Channel.MESSENGER else 1))
        answered = add_business_minutes(self.calendar, written, minutes)
        if answered >= self.now:
            return None  # an answer the store has not sent yet: left out rather than left open
        minutes = business_minutes_between(self.calendar, written, answered)
        solved = answered + timedelta(hours=rng.uniform(0.5, 30))
        closed = solved + timedelta(days=4)
        status = (TicketStatus.CLOSED if closed < self.now else
                  TicketStatus.SOLVED if solved < self.now else TicketStatus.OPEN)
        agent = self.agents[0] if len(self.agents) == 1 or rng.random() < 0.8 else self.agents[1]
        contact = kinds.get(channel, "") if channel in kinds else order.email or customer.email
        text = INBOUND[language][key].format(number=order.number)
        due = add_business_minutes(self.calendar, written, self.policy.first_response_minutes)
        ticket = Ticket(
            number=self._number(), customer=customer, order=order, channel=channel, language=language,
            subject=text.split("?")[0].split(".")[0][:60] if channel == Channel.EMAIL else "", status=status,
            assignee=agent, tags=["demo"], complaint_category=category, contact=contact, sla_policy=self.policy,
            first_inbound_at=written, first_response_at=answered, first_response_minutes=minutes,
            breached_at=due if answered > due else None, last_inbound_at=written, last_message_at=answered,
            solved_at=solved if status != TicketStatus.OPEN else None,
            closed_at=closed if status == TicketStatus.CLOSED else None, version=2, created_at=written,
            updated_at=min(closed, self.now))
        n = len(self.tickets)
        self.tickets.append(ticket)
        self.messages.append([
            Message(direction=Direction.INBOUND, channel=channel, external_id=f"{MARK}{n}-in", sender=contact,
                    subject=ticket.subject, body=text, full_text=text, language=language, created_at=written),
            Message(direction=Direction.OUTBOUND, channel=channel, external_id=f"{MARK}{n}-out", author=agent,
                    body=REPLY[language].format(number=order.number), language=language,
                    delivery=Delivery.DELIVERED, sent_at=answered, delivered_at=answered, created_at=answered)])
        self.events.append([
            TicketEvent(from_status=TicketStatus.NEW, to_status=TicketStatus.OPEN, actor=agent, at=answered),
            *([TicketEvent(from_status=TicketStatus.OPEN, to_status=TicketStatus.SOLVED, actor=agent, at=solved)]
              if ticket.solved_at else []),
            *([TicketEvent(from_status=TicketStatus.SOLVED, to_status=TicketStatus.CLOSED, at=closed)]
              if ticket.closed_at else [])])
        if ticket.solved_at and rng.random() < CSAT_SHARE:
            self._survey(n, ticket, minutes)
        return ticket

    def _survey(self, n: int, ticket: Ticket, minutes: int) -> None:
        rng = self.rng
        answered = ticket.solved_at + timedelta(hours=rng.uniform(1, 48))
        if answered >= self.now:
            return
        weights = [1, 2, 5, 25, 67] if minutes <= 60 else [5, 5, 10, 30, 50]  # scores 1..5
        score = rng.choices(range(1, 6), weights=weights)[0]
        token = "".join(rng.choice("0123456789abcdef") for _ in range(40))
        self.surveys.append((n, CsatSurvey(token=f"demo{token}", language=ticket.language, sent_at=ticket.solved_at,
                                           score=score, answered_at=answered)))

    def _number(self) -> str:
        while True:
            number = "T-" + "".join(self.rng.choice(NUMBER_ALPHABET) for _ in range(7))
            if number not in self.numbers:
                self.numbers.add(number)
                return number

    def write(self) -> None:
        taken = set(Ticket.objects.filter(number__in=self.numbers).values_list("number", flat=True))
        for ticket in self.tickets:
            if ticket.number in taken:  # a live ticket drew the same number: give this one another
                ticket.number = self._number()
        Ticket.objects.bulk_create(self.tickets, batch_size=1000)
        for ticket, messages, events in zip(self.tickets, self.messages, self.events, strict=True):
            for row in (*messages, *events):
                row.ticket = ticket
        Message.objects.bulk_create([m for messages in self.messages for m in messages], batch_size=1000)
        TicketEvent.objects.bulk_create([e for events in self.events for e in events], batch_size=1000)
        for n, survey in self.surveys:
            survey.ticket = self.tickets[n]
        CsatSurvey.objects.bulk_create([survey for _n, survey in self.surveys], batch_size=1000)
