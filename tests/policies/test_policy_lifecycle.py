"""Publishing, scheduling, superseding, and telling customers once each before a change applies."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from policies.choices import PolicyStatus
from policies.models import PolicyNotice, PolicyVersion
from policies.services import (
    policy_notices_prepare,
    policy_notices_send_batch,
    policy_version_create_draft,
    policy_version_publish,
    policy_version_schedule,
    policy_version_update_draft,
    policy_versions_activate_due,
    version_at,
)
from policies.tasks import policy_notices_send_task
from tests import factories

pytestmark = pytest.mark.django_db

CLAUSES = {"title": "Returns", "title_es": "Devoluciones", "window_days": 30, "refund_days": 14, "notice_days": 30,
           "returnless_threshold_minor": 2000}


@pytest.fixture
def live_version():
    draft = policy_version_create_draft(market=factories.market("DE"), **CLAUSES)
    return policy_version_publish(version=draft)


def test_first_version_is_published_at_once_with_a_timeline(live_version):
    assert live_version.status == PolicyStatus.IN_FORCE
    assert live_version.number == 1
    assert list(live_version.events.values_list("from_status", "to_status")) == [("", "draft"), ("draft", "in_force")]


def test_a_version_below_the_floor_cannot_be_published_and_the_error_names_the_clause():
    draft = policy_version_create_draft(market=factories.market("DE"), **(CLAUSES | {"window_days": 10}))
    with pytest.raises(ValidationError) as raised:
        policy_version_publish(version=draft)
    assert raised.value.messages == ["window_days · DE: Change-of-mind returns must be accepted for at least 14 days "
                                     "from delivery (EU right of withdrawal)."]
    assert PolicyVersion.objects.get(pk=draft.pk).status == PolicyStatus.DRAFT


def test_published_versions_are_never_edited(live_version):
    with pytest.raises(ValidationError, match="cannot be edited"):
        policy_version_update_draft(version=live_version, window_days=60)


def test_new_draft_copies_clauses_and_translations(live_version):
    draft = policy_version_create_draft(market=live_version.market, based_on=live_version, window_days=45)
    assert (draft.number, draft.window_days, draft.title_es, draft.status) == (2, 45, "Devoluciones", "draft")


def test_scheduling_needs_the_notice_period(live_version):
    draft = policy_version_create_draft(market=live_version.market, based_on=live_version)
    now = timezone.now()
    with pytest.raises(ValidationError, match="customers must be told 30 days before a change"):
        policy_version_schedule(version=draft, effective_at=now + timedelta(days=29), now=now)
    with pytest.raises(ValidationError, match="schedule the new version"):
        policy_version_publish(version=draft)
    scheduled = policy_version_schedule(version=draft, effective_at=now + timedelta(days=30), now=now)
    assert scheduled.status == PolicyStatus.SCHEDULED


def test_the_scan_puts_a_due_version_in_force_and_supersedes_the_old_one_even_late(live_version):
    draft = policy_version_create_draft(market=live_version.market, based_on=live_version, window_days=60)
    now = timezone.now()
    policy_version_schedule(version=draft, effective_at=now + timedelta(days=30), now=now)
    assert policy_versions_activate_due(now=now + timedelta(days=29)) == []
    activated = policy_versions_activate_due(now=now + timedelta(days=33))  # beat was down for three days
    assert [v.pk for v in activated] == [draft.pk]
    live_version.refresh_from_db()
    assert (live_version.status, PolicyVersion.objects.get(pk=draft.pk).status) == ("superseded", "in_force")
    assert policy_versions_activate_due(now=now + timedelta(days=34)) == []
    assert version_at(live_version.market, now).pk == live_version.pk


def test_customers_with_open_orders_are_told_once_each_in_their_language(
        live_version, django_capture_on_commit_callbacks):
    mkt = live_version.market
    spanish = factories.customer(language="es", email="ana@example.com")
    german = factories.customer(language="de", email="jonas@example.com")
    old_buyer = factories.customer(language="de", email="old@example.com")
    for buyer in (spanish, german):
        factories.order(market_code="DE", customer_obj=buyer, placed_at=timezone.now() - timedelta(days=5))
    long_ago = factories.order(market_code="DE", customer_obj=old_buyer, placed_at=timezone.now() - timedelta(days=90))
    factories.shipment(long_ago, delivered_at=timezone.now() - timedelta(days=80))
    draft = policy_version_create_draft(market=mkt, based_on=live_version, change_note="Longer window",
                                        change_note_es="Plazo más largo")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        policy_version_schedule(version=draft, effective_at=timezone.now() + timedelta(days=31))
    assert len(callbacks) == 1  # the notice task is queued after commit

    assert policy_notices_send_task.apply(args=[draft.pk]).get() == 2
    assert policy_notices_send_task.apply(args=[draft.pk]).get() == 0  # run twice: nobody gets it twice
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.com", "jonas@example.com"]
    spanish_mail = next(m for m in mail.outbox if m.to == ["ana@example.com"])
    assert spanish_mail.subject.startswith("Nuestra política de devoluciones cambia el ")
    assert "Plazo más largo" in spanish_mail.body
    assert "/es/policies/de/returns/" in spanish_mail.body
    assert PolicyNotice.objects.filter(version=draft, sent_at__isnull=False).count() == 2


def test_prepare_is_idempotent(live_version):
    factories.order(market_code="DE", placed_at=timezone.now() - timedelta(days=3))
    draft = policy_version_create_draft(market=live_version.market, based_on=live_version)
    assert policy_notices_prepare(version=draft) == 1
    assert policy_notices_prepare(version=draft) == 0
    assert policy_notices_send_batch(version=draft) == 1
    assert policy_notices_send_batch(version=draft) == 0
