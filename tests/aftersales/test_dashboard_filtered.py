"""Several filters at once: no stored audit answers them (a stored audit answers one filter), so their months are
read off the rows. The months shown side by side are computed on the request and kept in the cache; the trend's
older months are computed by a worker (``aftersales.dashboard_filtered_months``), once however often the page is
asked, while the page shows their progress and fills in when they are in. The numbers are those computed on every
request (``DASHBOARD_LIVE_SECONDS=0``, the suite's default). A real worker process does it in
``test_a_real_worker_fills_in_the_trend`` (PostgreSQL and Redis, as in production).

Data: the hand-built store of ``dashboard_support`` and two older months, audited, each with a 100.00 mug order of
which 10.00 and 30.00 were refunded.
"""

import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.audit import drilldown, services
from aftersales.choices import RefundCause
from aftersales.models import MonthlyAudit, Product
from tests.aftersales.dashboard_support import _order, _refund, at, build_store
from tests.processes import celery_worker, project_env

FILTERS = drilldown.m.Filters(market="US", provider="stripe")
URL = "/dashboard/?market=US&provider=stripe"


def _keys(store):
    months = drilldown.trend_months()
    audits = drilldown.newest_audits(months)
    keys = [drilldown.filtered_key(x, FILTERS, audits.get(x), explain=explain) for x in months
            for explain in (False, True)]
    keys += [drilldown.filtered_key(x, FILTERS, None, explain=explain) for x in months for explain in (False, True)]
    keys += [drilldown.filtered_queue_key(pending, FILTERS) for pending in (store.older, store.older[::-1])]
    return [*keys, drilldown.live_snapshot_key(store.live)]  # and the unfiltered month to date the pages shared


def _build():
    built = build_store()
    mug = Product.objects.get(sku="MUG-01")
    built.older = [drilldown.shift_month(built.month, -k) for k in (2, 1)]
    for n, (month, refunded) in enumerate(zip(built.older, (1000, 3000), strict=True)):
        order = _order(f"#O-{n}", month, [(mug, 10000)])
        _refund(order, refunded, at(month, 20), cause=RefundCause.GOODWILL, reason="Late delivery")
    for month in (*built.older, built.month):
        services.audit_month(month, alerts=False)
    cache.delete_many(_keys(built))
    return built


@pytest.fixture(autouse=True)
def queued(request, monkeypatch):
    """What the pages queue, kept here instead of sent to the broker (a message left there would be run by the real
    worker of the integration test, against its data); with ``tasks_inline`` the task runs at once, as queued."""
    from aftersales import tasks

    sent = []
    if "integration" not in request.keywords:
        task = tasks.dashboard_filtered_months_task
        monkeypatch.setattr(task, "delay", lambda *args, **kw: (sent.append((args, kw)),
                                                                 task.app.conf.task_always_eager and task(*args, **kw)))
    return sent


@pytest.fixture
def store(db):
    built = _build()
    yield built
    cache.delete_many(_keys(built))


def trend(overview):
    return {key: series["values"] for key, series in overview.trend.items()}


def test_the_trend_fills_in_from_the_worker_and_then_every_view_reads_the_cache(settings, store, queued):
    expected = drilldown.overview(FILTERS, language="en")  # computed on the request, every month (setting 0)
    assert not expected.pending
    older = trend(expected)["refund_rate_amount"][-4:-2]
    assert older == [10.0, 30.0]  # the two older months under the filters
    settings.DASHBOARD_LIVE_SECONDS = 300
    with CaptureQueriesContext(connection) as cold:
        first = drilldown.overview(FILTERS, language="en")
    assert first.pending == store.older  # the audited older months, left to the worker
    assert queued == [(([f"{x:%Y-%m}" for x in store.older],), {"market": "US", "channel": "", "provider": "stripe"})]
    assert trend(first)["refund_rate_amount"][-4:-2] == [None, None]
    assert first.current.values["refund_rate_amount"].value == expected.current.values["refund_rate_amount"].value
    assert first.closed.values["refund_rate_amount"].value == expected.closed.values["refund_rate_amount"].value
    assert drilldown.filtered_progress(store.older, FILTERS) == {"ready": 0, "total": 2, "queued": True}

    assert drilldown.filtered_months(store.older, FILTERS) == 2  # what the task does
    assert drilldown.filtered_months(store.older, FILTERS) == 0  # kept: nothing computed twice
    assert drilldown.filtered_progress(store.older, FILTERS) == {"ready": 2, "total": 2, "queued": True}
    with CaptureQueriesContext(connection) as warm:
        again = drilldown.overview(FILTERS, language="en")
    assert again.pending == []
    assert trend(again) == trend(expected)
    assert len(warm) < len(cold) // 2  # nothing read off the rows any more


def test_the_page_shows_the_progress_and_queues_the_work_once(client, manager_user, settings, store, queued):
    from aftersales import tasks

    settings.DASHBOARD_LIVE_SECONDS = 300
    client.force_login(manager_user)
    page = client.get(URL)
    assert page.status_code == 200
    content = page.content.decode()
    assert 'data-testid="trend-progress"' in content
    assert "2 months of the trend are being computed" in content
    assert client.get(URL).status_code == 200  # a reload, or another manager: not queued again
    assert queued == [(([f"{x:%Y-%m}" for x in store.older],),
                       {"market": "US", "channel": "", "provider": "stripe"})]
    progress = page.context["page"]["progress_url"]
    assert client.get(progress).json() == {"ready": 0, "total": 2, "queued": True}
    tasks.dashboard_filtered_months_task(*queued[0][0], **queued[0][1])
    assert client.get(progress).json() == {"ready": 2, "total": 2, "queued": True}
    assert len(queued) == 1  # polled twice, queued once
    assert 'data-testid="trend-progress"' not in client.get(URL).content.decode()


def test_a_task_lost_with_its_worker_is_queued_again_by_the_progress_poll(settings, store, queued):
    """The mark that a page's months are queued lasts five minutes; while they are still missing after that, the next
    poll queues them again (the task skips the months that are in). A reload is never needed."""
    settings.DASHBOARD_LIVE_SECONDS = 300
    drilldown.overview(FILTERS, language="en")
    assert len(queued) == 1
    assert drilldown.filtered_progress(store.older, FILTERS)["queued"] is True
    assert len(queued) == 1  # within the five minutes: not sent again
    cache.delete(drilldown.filtered_queue_key(store.older, FILTERS))  # five minutes later, no month in
    assert drilldown.filtered_progress(store.older, FILTERS) == {"ready": 0, "total": 2, "queued": True}
    sent = (([f"{x:%Y-%m}" for x in store.older],), {"market": "US", "channel": "", "provider": "stripe"})
    assert queued == [sent, sent]
    drilldown.filtered_months(store.older, FILTERS)
    cache.delete(drilldown.filtered_queue_key(store.older, FILTERS))
    assert drilldown.filtered_progress(store.older, FILTERS) == {"ready": 2, "total": 2, "queued": True}
    assert len(queued) == 2  # all in: nothing more to queue


def test_with_no_broker_the_page_says_so_and_its_poll_queues_the_months_once_it_is_back(
        client, manager_user, settings, store, queued, monkeypatch):
    from kombu.exceptions import OperationalError

    from aftersales import tasks

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    settings.DASHBOARD_LIVE_SECONDS = 300
    client.force_login(manager_user)
    with monkeypatch.context() as down:
        down.setattr(tasks.dashboard_filtered_months_task, "delay", broker_down)
        page = client.get(URL)
        assert page.status_code == 200
        assert page.context["page"]["queued"] is False
        content = page.content.decode()
        stalled = content[content.index('data-testid="trend-stalled"'):]
        assert stalled[:stalled.index(">")].endswith("data-progress-stalled")  # shown at once, not hidden
        assert "The background worker has not answered" in stalled
        progress = page.context["page"]["progress_url"]
        assert client.get(progress).json() == {"ready": 0, "total": 2, "queued": False}
    assert queued == []
    assert client.get(progress).json() == {"ready": 0, "total": 2, "queued": True}  # the broker is back
    assert queued == [(([f"{x:%Y-%m}" for x in store.older],), {"market": "US", "channel": "", "provider": "stripe"})]


def test_a_queued_page_hides_the_worker_note_until_the_browser_sees_no_progress(client, manager_user, settings,
                                                                                store, queued):
    settings.DASHBOARD_LIVE_SECONDS = 300
    settings.DASHBOARD_PROGRESS_STALL_SECONDS = 7
    client.force_login(manager_user)
    content = client.get(URL).content.decode()
    assert 'data-stall-seconds="7"' in content
    stalled = content[content.index('data-testid="trend-stalled"'):]
    assert stalled[:stalled.index(">")].endswith("hidden")
    assert 'href="/dashboard/?market=US&amp;provider=stripe&amp;whole=1"' in stalled


def test_whole_computes_every_month_on_the_request_and_queues_nothing(client, manager_user, settings, store, queued):
    """What the worker note offers when the worker does not answer: the same page, every month computed now."""
    settings.DASHBOARD_LIVE_SECONDS = 300
    client.force_login(manager_user)
    whole = client.get(URL + "&whole=1")
    assert whole.context["page"]["pending"] == 0
    assert 'data-testid="trend-progress"' not in whole.content.decode()
    assert whole.context["data"].trend["refund_rate_amount"]["values"][-4:-2] == [10.0, 30.0]
    metric = client.get(f"/dashboard/metrics/refund_rate_amount/?market=US&provider=stripe&month={store.month:%Y-%m}"
                        "&whole=1").context["page"]
    assert metric["pending"] == 0
    assert metric["trend"]["data"]["values"][-4:-2] == [10.0, 30.0]
    assert queued == []


def test_with_tasks_inline_the_second_view_is_whole(client, manager_user, settings, store, tasks_inline):
    settings.DASHBOARD_LIVE_SECONDS = 300
    client.force_login(manager_user)
    assert client.get(URL).context["page"]["pending"] == 2
    whole = client.get(URL)
    assert whole.context["page"]["pending"] == 0
    assert whole.context["data"].trend["refund_rate_amount"]["values"][-4:-2] == [10.0, 30.0]


def test_a_metric_page_under_two_filters_leaves_its_older_months_to_the_worker(client, manager_user, settings,
                                                                                store, tasks_inline):
    settings.DASHBOARD_LIVE_SECONDS = 300
    client.force_login(manager_user)
    url = f"/dashboard/metrics/refund_rate_amount/?market=US&provider=stripe&month={store.month:%Y-%m}"
    first = client.get(url).context["page"]
    assert first["pending"] == 2
    assert first["trend"]["data"]["values"][-4:-2] == [None, None]
    assert client.get(url).context["page"]["trend"]["data"]["values"][-4:-2] == [10.0, 30.0]


def test_a_single_filter_and_the_setting_zero_compute_nothing_later(client, manager_user, settings, store):
    client.force_login(manager_user)
    assert client.get(URL).context["page"]["pending"] == 0  # setting 0: everything on the request
    settings.DASHBOARD_LIVE_SECONDS = 300
    assert client.get("/dashboard/?market=US").context["page"]["pending"] == 0  # the stored audits answer it
    assert client.get("/dashboard/?progress=not-a-month").json() == {"ready": 0, "total": 0, "queued": True}


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_fills_in_the_trend(require_postgres, redis_url, client, manager_user, settings):
    store = _build()
    expected = trend(drilldown.overview(FILTERS, language="en"))
    settings.DASHBOARD_LIVE_SECONDS = 300
    database = connection.settings_dict
    env = project_env(DATABASE_URL=f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
                                   f"{database['NAME']}", DASHBOARD_LIVE_SECONDS="300", DEBUG="false")
    client.force_login(manager_user)
    try:
        with celery_worker(env, "celery"):
            page = client.get(URL).context["page"]
            assert page["pending"] == 2
            deadline = time.monotonic() + 60
            while (state := client.get(page["progress_url"]).json())["ready"] < state["total"]:
                assert time.monotonic() < deadline, state
                time.sleep(0.2)
        whole = client.get(URL)
        assert whole.context["page"]["pending"] == 0
        assert trend(whole.context["data"]) == expected
    finally:
        cache.delete_many(_keys(store))


def test_a_month_in_progress_under_two_filters_is_kept_for_the_setting_only(settings, store):
    settings.DASHBOARD_LIVE_SECONDS = 300
    drilldown.overview(FILTERS, language="en")
    key = drilldown.filtered_key(store.live, FILTERS, None, explain=True)
    assert cache.get(key) is not None
    assert ":live:" in key  # under the month, not an audit: it expires with DASHBOARD_LIVE_SECONDS


def test_a_database_built_again_never_reads_the_figures_kept_for_another(store):
    """Ids start over in a database built again (a staging reset, the benchmark) while the cache keeps its keys: the
    key names the audit's revision by its id and the moment it was computed."""
    audit = drilldown.newest_audits([store.month])[store.month]
    again = MonthlyAudit(pk=audit.pk, month=audit.month, computed_at=audit.computed_at + timedelta(days=1))
    assert drilldown.filtered_key(store.month, FILTERS, audit, explain=False) != drilldown.filtered_key(
        store.month, FILTERS, again, explain=False)


def test_the_trend_csv_under_two_filters_has_every_month_now(client, manager_user, settings, store, queued):
    """An export is never left to the worker: a blank there would say "no data" where it only means "not yet"."""
    import csv
    import io

    settings.DASHBOARD_LIVE_SECONDS = 300
    client.force_login(manager_user)
    response = client.get(URL + "&format=csv&table=trend")
    rows = {(row["month"], row["metric"]): row for row in csv.DictReader(io.StringIO(response.content.decode(
        "utf-8-sig")))}
    assert [rows[f"{x:%Y-%m}", "refund_rate_amount"]["value"] for x in store.older] == ["10.00", "30.00"]
    assert queued == []
