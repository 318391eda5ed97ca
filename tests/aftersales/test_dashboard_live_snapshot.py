"""The dashboard's month to date as a shared snapshot (``DASHBOARD_LIVE_SECONDS``): computed once as an audit is, then
read by every manager, language and single filter as a stored month is, until it is older than the setting; the
page says when it was computed. Its numbers are those of the live computation (setting 0, the test suite's default).

Data: the hand-built store of ``dashboard_support`` (its closed month audited) and, in the month in progress, one
100.00 mug order refunded 10.00 ("Late delivery"): a 10 % refund rate, red, led by MUG-01.
"""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from aftersales.audit import drilldown, services
from aftersales.choices import RefundCause
from aftersales.models import Order, Payment, Product
from tests.aftersales.dashboard_support import _order, _refund, build_store

pytestmark = pytest.mark.django_db


def live_key(store):
    return drilldown.live_snapshot_key(store.live)


@pytest.fixture
def store(settings):
    built = build_store()
    services.audit_month(built.month, alerts=False)
    start = drilldown.m.month_bounds(built.live)[0]
    order = _order("#L-1", built.live, [(Product.objects.get(sku="MUG-01"), 10000)])
    Order.objects.filter(pk=order.pk).update(placed_at=start + timedelta(seconds=1))
    Payment.objects.filter(order=order).update(captured_at=start + timedelta(seconds=1))
    _refund(order, 1000, start + timedelta(seconds=2), cause=RefundCause.GOODWILL, reason="Late delivery")
    cache.delete(live_key(built))
    yield built
    cache.delete(live_key(built))


def figures(filters=None, language="en"):
    filters = filters or drilldown.m.Filters()
    with translation.override(language):  # as in a request of a manager reading that language
        overview = drilldown.overview(filters, language=language)
    return {key: (value.value, value.status) for key, value in overview.current.values.items()}, overview


def test_the_snapshot_gives_the_live_numbers_and_explanations_in_each_language_and_single_filter(settings, store):
    expected = {}
    for filters in (drilldown.m.Filters(), drilldown.m.Filters(market="US"), drilldown.m.Filters(provider="stripe")):
        for language in ("en", "de"):
            expected[filters, language] = figures(filters, language)
    settings.DASHBOARD_LIVE_SECONDS = 300
    for (filters, language), (values, live) in expected.items():
        shared, overview = figures(filters, language)
        assert overview.current.snapshot is not None
        assert shared == values, (filters, language)
        assert overview.current.explanations == live.current.explanations, (filters, language)
    assert expected[drilldown.m.Filters(), "de"][1].current.explanations["refund_rate_amount"][0].startswith(
        "SKU MUG-01 verursachte 100 %")


def test_later_requests_read_the_snapshot_not_the_month(settings, store, client, manager_user):
    settings.DASHBOARD_LIVE_SECONDS = 300
    client.force_login(manager_user)
    with CaptureQueriesContext(connection) as first:
        page = client.get("/dashboard/").context["page"]
    with CaptureQueriesContext(connection) as second:
        again = client.get("/dashboard/").context["page"]
    refund = next(row for row in again["rows"] if row["key"] == "refund_rate_amount")
    assert (refund["current"]["text"], refund["current"]["status"]) == ("10.00%", "red")
    assert again["rows"] == page["rows"]

    def reads_refunds(queries):
        return sum('"aftersales_refund"' in query["sql"] for query in queries)

    assert reads_refunds(first.captured_queries) > 0
    assert reads_refunds(second.captured_queries) == 0  # nothing of the month is read again
    assert len(second.captured_queries) < len(first.captured_queries)


def test_the_page_says_when_the_month_to_date_was_computed_and_new_data_shows_once_it_is_renewed(
        settings, store, client, manager_user):
    settings.DASHBOARD_LIVE_SECONDS = 300
    client.force_login(manager_user)
    response = client.get("/dashboard/")
    computed = response.context["page"]["current_as_of"]
    local = computed.astimezone(drilldown.timezone.get_current_timezone())
    assert f"as of {local:%H:%M}" in response.content.decode()
    mug = Order.objects.get(number="#L-1")
    _refund(mug, 1000, drilldown.timezone.now(), cause=RefundCause.GOODWILL, reason="Late delivery")

    def current_text():
        page = client.get("/dashboard/").context["page"]
        return next(row for row in page["rows"] if row["key"] == "refund_rate_amount")["current"]["text"]

    assert current_text() == "10.00%"  # within DASHBOARD_LIVE_SECONDS: the snapshot, as the page says
    cache.delete(live_key(store))  # the entry expires after DASHBOARD_LIVE_SECONDS
    assert current_text() == "20.00%"


def test_off_by_default_in_tests_and_never_for_a_closed_month(settings, store):
    assert settings.DASHBOARD_LIVE_SECONDS == 0  # tests/settings.py: the suite writes data between requests
    _values, overview = figures()
    assert overview.current.snapshot is None
    settings.DASHBOARD_LIVE_SECONDS = 300
    _values, overview = figures()
    assert overview.closed.snapshot is None
    assert overview.closed.audit is not None


def test_the_metric_page_of_the_month_in_progress_reads_the_snapshot_too(settings, store, client, manager_user):
    url = f"/dashboard/metrics/refund_rate_amount/?month={store.live:%Y-%m}&dimension=sku"
    client.force_login(manager_user)
    live = client.get(url, HTTP_ACCEPT_LANGUAGE="de").context["page"]
    settings.DASHBOARD_LIVE_SECONDS = 300
    client.get("/dashboard/")  # computes the snapshot
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="de")
    page = response.context["page"]
    assert not any('"aftersales_refund"' in query["sql"] for query in queries.captured_queries)
    assert live["as_of"] is None
    local = page["as_of"].astimezone(drilldown.timezone.get_current_timezone())
    assert f"Stand {local:%H:%M}" in response.content.decode()  # "as of", in German
    assert [(row["code"], row["text"]) for row in page["rows"]] == [(row["code"], row["text"]) for row in live["rows"]]
    assert page["rows"][0]["code"] == "MUG-01"
    assert page["sentences"] == live["sentences"]
    assert page["sentences"][0].startswith("SKU MUG-01 verursachte 100 %")  # in the reader's language


def test_beat_renews_the_snapshot_before_a_manager_asks(settings, store, client, manager_user):
    from aftersales import schedule
    from aftersales.tasks import dashboard_live_refresh_task

    entry = next(e for e in schedule.ENTRIES if e.task == "aftersales.dashboard_live_refresh")
    assert entry.every_seconds < 300  # renewed before the default DASHBOARD_LIVE_SECONDS runs out
    assert dashboard_live_refresh_task() is False  # turned off (0): nothing computed
    assert cache.get(live_key(store)) is None
    settings.DASHBOARD_LIVE_SECONDS = 300
    assert dashboard_live_refresh_task() is True
    client.force_login(manager_user)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/dashboard/").context["page"]
    assert not any('"aftersales_refund"' in query["sql"] for query in queries.captured_queries)
    assert next(row for row in page["rows"] if row["key"] == "refund_rate_amount")["current"]["text"] == "10.00%"
    mug = Order.objects.get(number="#L-1")
    _refund(mug, 1000, drilldown.timezone.now(), cause=RefundCause.GOODWILL, reason="Late delivery")
    dashboard_live_refresh_task()  # renewed even though the entry has not expired
    page = client.get("/dashboard/").context["page"]
    assert next(row for row in page["rows"] if row["key"] == "refund_rate_amount")["current"]["text"] == "20.00%"


def test_a_month_in_progress_without_data_shows_no_data_not_zero(settings, client, manager_user):
    built = build_store()  # the closed month only: nothing yet in the month in progress
    services.audit_month(built.month, alerts=False)
    settings.DASHBOARD_LIVE_SECONDS = 300
    cache.delete(live_key(built))
    client.force_login(manager_user)
    page = client.get("/dashboard/").context["page"]
    cache.delete(live_key(built))
    assert page["current_as_of"] is not None
    refund = next(row for row in page["rows"] if row["key"] == "refund_rate_amount")
    assert (refund["current"]["status"], refund["closed"]["status"]) == ("no_data", "red")


def test_with_the_cache_down_the_month_is_computed_on_the_request(settings, store, client, manager_user, monkeypatch,
                                                                   caplog):
    from redis.exceptions import ConnectionError as RedisDown

    def down(*args, **kwargs):
        raise RedisDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    settings.DASHBOARD_LIVE_SECONDS = 300
    monkeypatch.setattr(cache, "get", down)
    client.force_login(manager_user)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    page = response.context["page"]
    assert page["current_as_of"] is None  # computed now, so no "as of"
    assert next(row for row in page["rows"] if row["key"] == "refund_rate_amount")["current"]["text"] == "10.00%"
    assert "dashboard snapshot not read (ConnectionError)" in caplog.text
    monkeypatch.undo()
    monkeypatch.setattr(cache, "set", down)  # read works, keeping fails: shown all the same
    page = client.get("/dashboard/").context["page"]
    assert page["current_as_of"] is not None
    assert next(row for row in page["rows"] if row["key"] == "refund_rate_amount")["current"]["text"] == "10.00%"
    assert "dashboard snapshot not kept (ConnectionError)" in caplog.text
