"""Every demo market gets a published policy in five languages that passes its legal checks."""

import pytest
from django.core.management import call_command

from policies import legal
from policies.models import FaqEntry, PolicyVersion
from tests import factories

pytestmark = pytest.mark.django_db

MARKETS = ["US", "DE", "FR", "ES", "UK", "AU"]


def test_seed_publishes_a_lawful_policy_per_market_once(client):
    for code in MARKETS:
        factories.market(code)
    call_command("seed_policies")
    call_command("seed_policies")  # again: nothing more
    versions = PolicyVersion.objects.filter(status="in_force").select_related("market")
    assert sorted(v.market.code for v in versions) == sorted(MARKETS)
    assert PolicyVersion.objects.count() == len(MARKETS)
    for version in versions:
        assert legal.errors(version) == [], version
        for field in ("title", "summary", "conditions"):
            for lang in ("en", "zh_hans", "es", "de", "fr"):
                assert getattr(version, f"{field}_{lang}"), (version, field, lang)
    assert FaqEntry.objects.count() == 4 * len(MARKETS)
    for lang, title in [("en", "Returns and refunds"), ("zh-hans", "退货与退款"), ("es", "Devoluciones y reembolsos"),
                        ("de", "Rückgabe und Erstattung"), ("fr", "Retours et remboursements")]:
        for code in MARKETS:
            response = client.get(f"/{lang}/policies/{code.lower()}/returns/")
            assert response.status_code == 200
            assert title in response.content.decode()


def test_seeded_policy_was_in_force_before_the_demo_history():
    from datetime import timedelta

    from django.utils import timezone

    from policies.services import orders_stamp_policy_version

    order = factories.order(market_code="US", placed_at=timezone.now() - timedelta(days=300))
    call_command("seed_policies")
    assert orders_stamp_policy_version() == 1
    order.refresh_from_db()
    assert order.policy_version_id == PolicyVersion.objects.get(market__code="US").pk
