"""``manage.py seed_tickets``: the demo queue spans every channel and language, links each conversation to the
customer's own order, has reply-by times and some answered tickets, and is made once; the demo store's year of
closed conversations (``tickets.demo``) gives every ticket metric of the audit a value in every closed month, with
its first-response minutes as the desk counts them, repeat complaints across channels, and the same rows on every
build."""

import io
import statistics
from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command

from aftersales.audit.services import audit_month
from tickets.demo import MARK, demo_history_seed
from tickets.models import AgentProfile, CsatSurvey, Message, SlaPolicy, Ticket, TicketEvent
from tickets.selectors import first_response_minutes

pytestmark = pytest.mark.django_db


def test_the_demo_queue(agent_user):
    call_command("seed_demo", "--orders", "1500", stdout=io.StringIO())
    agent_user.username = "agent"
    agent_user.save()
    out = io.StringIO()
    call_command("seed_tickets", stdout=out)
    assert "conversations on every channel" in out.getvalue()
    tickets = list(Ticket.objects.exclude(messages__external_id__startswith=MARK).select_related("order", "customer"))
    assert set(Counter(t.channel for t in tickets)) == {"email", "whatsapp", "messenger"}
    assert set(Counter(t.language for t in tickets)) == {"en", "zh-hans", "es", "de", "fr"}
    assert all(t.order is not None and t.order.customer_id == t.customer_id for t in tickets)
    assert sum(1 for t in tickets if t.reply_by) >= len(tickets) // 2
    answered = [t for t in tickets if t.status == "solved" and t.first_response_at]
    assert answered
    # answered minutes after the customer wrote, as an agent would, not hours later when the seed ran: the
    # dashboard's first response of the month so far reads these tickets
    assert all(timedelta(minutes=10) <= t.first_response_at - t.first_inbound_at <= timedelta(minutes=45)
               for t in answered), [(t.first_inbound_at, t.first_response_at) for t in answered]
    assert all(t.first_response_minutes == first_response_minutes(t) for t in answered)
    assert all(t.messages.get(direction="outbound").created_at == t.first_response_at for t in answered)
    assert SlaPolicy.objects.filter(calendar__isnull=False).count() == 2
    assert AgentProfile.objects.get(user=agent_user).languages == ["en", "zh-hans", "es", "de", "fr"]
    again = io.StringIO()
    call_command("seed_tickets", stdout=again)
    assert "already there" in again.getvalue()
    assert Ticket.objects.exclude(messages__external_id__startswith=MARK).count() == len(tickets)


TICKET_METRICS = ("repeat_complaint_rate", "first_response_median", "first_response_p90", "first_response_within_2h",
                  "csat")


def _history():
    return (Ticket.objects.filter(messages__external_id__startswith=MARK).distinct()
            .select_related("order", "customer", "sla_policy", "csat").order_by("first_inbound_at", "number"))


def _demo_store(agent_user, manager_user, orders="1500"):
    call_command("seed_demo", "--orders", orders, "--today", "2026-11-15", stdout=io.StringIO())
    agent_user.username = "agent"
    agent_user.save()
    out = io.StringIO()
    call_command("seed_tickets", stdout=out)
    return out.getvalue()


def test_the_demo_year_of_support_history(agent_user, manager_user):
    out = _demo_store(agent_user, manager_user)
    history = list(_history())
    assert f"demo support history: {len(history)} closed conversations" in out
    assert len(history) > 150
    anchor = datetime(2026, 11, 15, tzinfo=ZoneInfo(settings.STORE_TIME_ZONE))  # the demo's "now" (--today)
    months = {t.first_inbound_at.astimezone(anchor.tzinfo).strftime("%Y-%m") for t in history}
    assert len(months) == 13  # twelve whole months and November up to the 15th
    assert max(months) == "2026-11"
    assert max(t.first_inbound_at for t in history) < anchor
    assert all(t.first_inbound_at < t.first_response_at < anchor + timedelta(days=2) for t in history)
    # the busy month is the last closed one (October), not the month in progress: its answers are the slowest
    minutes = {}
    for t in history:
        minutes.setdefault(t.first_inbound_at.astimezone(anchor.tzinfo).strftime("%Y-%m"), []).append(
            t.first_response_minutes)
    medians = {month: statistics.median(values) for month, values in minutes.items()}
    assert max(medians, key=medians.get) == "2026-10", medians
    assert all(t.order.customer_id == t.customer_id and "demo" in t.tags for t in history)
    assert {t.channel for t in history} == {"email", "whatsapp", "messenger", "webchat"}
    assert {t.assignee.username for t in history} == {"agent", "manager"}
    assert {t.status for t in history} == {"closed"}
    # the stored minutes are the desk's own count (business minutes of the support calendar)
    assert all(t.first_response_minutes == first_response_minutes(t) for t in history)
    # each conversation: the customer's message, the agent's answer, the events to closed
    assert Message.objects.filter(ticket__in=history).count() == 2 * len(history)
    assert TicketEvent.objects.filter(ticket__in=history, to_status="closed").count() == len(history)
    # a repeat complaint: the same customer about the same order on another channel within 30 days
    repeats = [(a, b) for a in history for b in history if a.order_id == b.order_id and a.pk != b.pk
               and a.complaint_category and b.complaint_category
               and timedelta(0) < b.created_at - a.created_at < timedelta(days=30)]
    assert any(a.channel != b.channel for a, b in repeats)
    surveys = CsatSurvey.objects.filter(ticket__in=history)
    assert surveys.count() > 50
    assert all(s.answered_at > s.ticket.solved_at for s in surveys)

    # every closed month has a value (not "no data") for every ticket metric of the audit
    for month in sorted(months)[:-1]:
        audit, _created = audit_month(date.fromisoformat(f"{month}-01"), alerts=False)
        for key in TICKET_METRICS:
            assert audit.metrics[key]["value"] is not None, (month, key)
    # and run again it adds nothing
    again = io.StringIO()
    call_command("seed_tickets", stdout=again)
    assert "demo support history" not in again.getvalue()
    assert _history().count() == len(history)


def test_the_demo_history_is_the_same_on_every_build(agent_user, manager_user):
    _demo_store(agent_user, manager_user, orders="600")

    def rows():
        return [(t.number, t.order.number, t.channel, t.complaint_category, t.first_inbound_at,
                 t.first_response_minutes, getattr(getattr(t, "csat", None), "score", None)) for t in _history()]

    first = rows()
    assert first
    Ticket.objects.filter(pk__in=[t.pk for t in _history()]).delete()
    assert demo_history_seed() is not None
    assert rows() == first
    assert demo_history_seed() is None  # once
