"""``manage.py seed_tickets``: a demo queue — conversations from demo customers on every channel and language,
some waiting, some breaching, some answered — plus the support team's calendar, SLA policies and agent profiles,
and the demo store's year of closed conversations behind the audit's ticket metrics (``tickets.demo``).

Idempotent: run again, it adds nothing. Messages go through the same intake as real ones (``_inbound``), then
their times are moved back so that the queue shows a believable spread of reply-by times.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from aftersales.models import CustomerIdentity, Order
from tickets.demo import MARK as DEMO_HISTORY
from tickets.demo import demo_history_seed
from tickets.desk_services import sla_refresh
from tickets.models import AgentProfile, BusinessCalendar, Message, SlaPolicy, Ticket
from tickets.selectors import first_response_minutes
from tickets.services import Inbound, _inbound, message_send, ticket_transition

TEXTS = {
    "en": ["Hi, where is my order {number}? Tracking has not moved for a week.",
           "My order {number} arrived damaged, the box was crushed. What can I do?",
           "I returned order {number} two weeks ago. When do I get my refund?"],
    "es": ["Hola, ¿dónde está mi pedido {number}? El seguimiento no se mueve.",
           "Mi pedido {number} llegó roto. ¿Qué hago?",
           "Quiero devolver la talla M del pedido {number}, me queda pequeña."],
    "de": ["Hallo, meine Bestellung {number} ist noch nicht angekommen. Wo ist sie?",
           "Die Lampe aus Bestellung {number} funktioniert nicht. Bitte um Hilfe.",
           "Wann bekomme ich die Erstattung für Bestellung {number}?"],
    "fr": ["Bonjour, ma commande {number} est marquée livrée mais je ne l'ai pas reçue.",
           "L'article de la commande {number} ne correspond pas à la description.",
           "Comment retourner un article de la commande {number} ?"],
    "zh-hans": ["你好，我的订单 {number} 一直没有物流更新，请问到哪里了？",
                "订单 {number} 收到的商品有破损，怎么处理？",
                "我想退货，订单 {number}，请问怎么操作？"],
}
CHANNELS = {"email": "email", "whatsapp": "whatsapp", "messenger": "messenger"}


class Command(BaseCommand):
    help = "Create the demo support team and a queue of conversations (idempotent)."

    def handle(self, *args, **options):
        calendar, _ = BusinessCalendar.objects.get_or_create(name="Support team", defaults={
            "time_zone": settings.STORE_TIME_ZONE,
            "hours": {**{str(day): [["09:00", "18:00"]] for day in range(5)}, "5": [["10:00", "14:00"]]}})
        SlaPolicy.objects.get_or_create(name="Default", defaults={"calendar": calendar})
        SlaPolicy.objects.get_or_create(name="Urgent", defaults={"priority": "urgent", "calendar": calendar,
                                                                 "first_response_minutes": 60,
                                                                 "next_response_minutes": 120})
        for user in get_user_model().objects.filter(username__in=["agent", "manager"]):
            AgentProfile.objects.get_or_create(user=user, defaults={
                "languages": ["en", "zh-hans", "es", "de", "fr"], "capacity": 40})
        history = demo_history_seed()
        if history is not None:
            self.stdout.write(f"demo support history: {history.tickets} closed conversations, "
                              f"{history.complaints} complaints ({history.repeats} repeated), "
                              f"{history.surveys} satisfaction answers")
        if Message.objects.filter(external_id__startswith="demo-").exclude(
                external_id__startswith=DEMO_HISTORY).exists():
            self.stdout.write("demo tickets: already there")
            return
        made = self._conversations()
        self.stdout.write(f"demo tickets: {made} conversations on every channel")

    def _conversations(self) -> int:
        now = timezone.now()
        made = 0
        agent = get_user_model().objects.filter(username="agent").first()
        rotation = ["email", "whatsapp", "messenger", "whatsapp", "email"]
        plan = [(language, n, rotation[n]) for language in TEXTS for n in range(5)]
        used = set()
        for language, n, channel in plan:
            speaks = "en" if language == "zh-hans" else language  # Chinese speakers in English-speaking markets
            identity = (CustomerIdentity.objects.filter(kind=channel, customer__language=speaks,
                                                        customer__orders__isnull=False)
                        .exclude(customer_id__in=used).select_related("customer").order_by("pk").first())
            if identity is None:
                continue
            used.add(identity.customer_id)
            order = Order.objects.filter(customer=identity.customer).order_by("-placed_at").first()
            text = TEXTS[language][n % 3].format(number=order.number)
            with transaction.atomic():
                message = _inbound(Inbound(
                    channel=CHANNELS[channel], identity_kind=channel, contact=identity.value,
                    external_id=f"demo-{channel}-{identity.pk}", text=text,
                    subject=text.split("?")[0][:60] if channel == "email" else "",
                    portal_language=language, sender_name=identity.customer.name))
                if message is None:
                    continue
                ticket = message.ticket
                when = now - timedelta(minutes=20 + 37 * made)  # from a few minutes to a day or so ago
                Message.objects.filter(pk=message.pk).update(created_at=when)
                Ticket.objects.filter(pk=ticket.pk).update(
                    created_at=when, first_inbound_at=when, awaiting_reply_since=when, last_inbound_at=when,
                    last_message_at=when, tags=["demo"], complaint_category="damaged" if n % 3 == 1 else "")
                ticket.refresh_from_db()
                sla_refresh(ticket)
                if agent is not None and made % 4 == 3:  # some already answered and solved
                    reply = message_send(ticket=ticket, body="Thank you, we have sent you the tracking link.",
                                         author=agent, client_key="demo")
                    _answered(ticket, reply, min(now, when + timedelta(minutes=12 + 7 * (made % 5))))
                    ticket.refresh_from_db()
                    ticket_transition(ticket=ticket, to_status="solved", actor=agent)
            made += 1
        return made


def _answered(ticket: Ticket, reply: Message, at) -> None:
    """Date the demo's answer when an agent would have written it (minutes after the customer), not when the seed
    ran: otherwise a ticket that came in at dawn counts as answered hours late in this month's first response."""
    Message.objects.filter(pk=reply.pk).update(created_at=at)
    ticket.refresh_from_db()
    ticket.first_response_at = at
    ticket.first_response_minutes = first_response_minutes(ticket)
    ticket.save(update_fields=["first_response_at", "first_response_minutes"])
