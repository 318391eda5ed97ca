"""``manage.py seed_tickets``: the demo queue spans every channel and language, links each conversation to the
customer's own order, has reply-by times and some answered tickets, and is made once."""

import io
from collections import Counter

import pytest
from django.core.management import call_command

from tickets.models import AgentProfile, SlaPolicy, Ticket

pytestmark = pytest.mark.django_db


def test_the_demo_queue(agent_user):
    call_command("seed_demo", "--orders", "1500", stdout=io.StringIO())
    agent_user.username = "agent"
    agent_user.save()
    out = io.StringIO()
    call_command("seed_tickets", stdout=out)
    assert "conversations on every channel" in out.getvalue()
    tickets = list(Ticket.objects.select_related("order", "customer"))
    assert set(Counter(t.channel for t in tickets)) == {"email", "whatsapp", "messenger"}
    assert set(Counter(t.language for t in tickets)) == {"en", "zh-hans", "es", "de", "fr"}
    assert all(t.order is not None and t.order.customer_id == t.customer_id for t in tickets)
    assert sum(1 for t in tickets if t.reply_by) >= len(tickets) // 2
    assert any(t.status == "solved" and t.first_response_at for t in tickets)
    assert SlaPolicy.objects.filter(calendar__isnull=False).count() == 2
    assert AgentProfile.objects.get(user=agent_user).languages == ["en", "zh-hans", "es", "de", "fr"]
    again = io.StringIO()
    call_command("seed_tickets", stdout=again)
    assert "already there" in again.getvalue()
    assert Ticket.objects.count() == len(tickets)
