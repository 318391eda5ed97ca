"""Free-text refund reasons stay a bounded breakdown (issue 9: "memory stays flat as the data grows").

A refund's reason is its return case's code, else the text an agent or the store typed: with free text there can be
one reason per refund. The refunds statement keeps the leading ``REASON_GROUPS`` reasons by amount and by orders and
folds the rest into one row, "All other reasons", so the rows that reach Python do not grow with the refunds, and
the rows still add up to the whole.

Data (May 2026, Shanghai, USD, one 100.00 sale per refunded order), with ``REASON_GROUPS`` = 2:

=========  ======  ======  ==========================================
reason     amount  orders  kept?
=========  ======  ======  ==========================================
R1          50.00       1  largest amount (and first of the 1-order ties)
R2          40.00       1  second amount
R3           3.00       1  folded
R4           2.00       1  folded
R5           3.00       3  most orders (three refunds of 1.00)
=========  ======  ======  ==========================================
"""

from datetime import date
from decimal import Decimal

import pytest

from aftersales.audit import metrics
from aftersales.audit.metrics import OTHER_REASONS, breakdown, explanations, leading, month_bounds
from aftersales.audit.metrics.definitions import Filters

from .audit_support import refund, sale, utc

pytestmark = pytest.mark.django_db

MAY = month_bounds(date(2026, 5, 1), "Asia/Shanghai")


@pytest.fixture(autouse=True)
def store(settings, monkeypatch):
    settings.STORE_TIME_ZONE = "Asia/Shanghai"
    settings.STORE_BASE_CURRENCY = "USD"
    monkeypatch.setattr("aftersales.audit.metrics.groups.REASON_GROUPS", 2)


@pytest.fixture
def reasons():
    for reason, amounts in (("R1", [5000]), ("R2", [4000]), ("R3", [300]), ("R4", [200]), ("R5", [100] * 3)):
        for amount in amounts:
            paid = sale(captured_at=utc(2026, 5, 3), amount=10000)
            refund(paid, amount=amount, at=utc(2026, 5, 10), reason=reason)


def rows(key):
    return [(row["code"], row["label"], row["numerator"])
            for row in breakdown(key=key, dimension="reason", start=MAY[0], end=MAY[1])]


def test_the_leading_reasons_are_kept_and_the_rest_is_one_row(reasons):
    assert rows("refund_rate_amount") == [("R1", "R1", 5000), ("R2", "R2", 4000),
                                          (OTHER_REASONS, "All other reasons", 500), ("R5", "R5", 300)]
    assert rows("refund_rate_count") == [("R5", "R5", 3), (OTHER_REASONS, "All other reasons", 2),
                                         ("R1", "R1", 1), ("R2", "R2", 1)]
    whole = metrics.period_metrics(start=MAY[0], end=MAY[1])
    assert sum(numerator for _c, _l, numerator in rows("refund_rate_amount")) == whole["refund_rate_amount"].numerator
    assert sum(numerator for _c, _l, numerator in rows("refund_rate_count")) == whole["refund_rate_count"].numerator


def test_what_leaves_the_database_does_not_grow_with_the_reasons(reasons):
    from aftersales.audit.metrics.groups import _sides

    assert set(_sides("refunds", start=MAY[0], end=MAY[1], filters=Filters())["reason"]) == {
        "R1", "R2", "R5", OTHER_REASONS}
    for n in range(20):  # twenty more reasons, each a single small refund: still four groups
        refund(sale(captured_at=utc(2026, 5, 4), amount=10000), amount=10 + n, at=utc(2026, 5, 11),
               reason=f"typed reason {n}")
    assert len(_sides("refunds", start=MAY[0], end=MAY[1], filters=Filters())["reason"]) == 4


def test_all_other_reasons_explains_nothing_and_links_nowhere(reasons, admin_client):
    count_rows = breakdown(key="refund_rate_count", dimension="reason", start=MAY[0], end=MAY[1])
    assert count_rows[1]["code"] == OTHER_REASONS
    assert leading([count_rows[1], count_rows[2]])["code"] == "R1"
    assert all("All other reasons" not in sentence for sentences in explanations(start=MAY[0], end=MAY[1]).values()
               for sentence in sentences)
    from aftersales.audit import pages

    shown = pages.breakdown_display(metrics.metric("refund_rate_amount"), "reason",
                                    breakdown(key="refund_rate_amount", dimension="reason", start=MAY[0],
                                              end=MAY[1]), date(2026, 5, 1), Filters(), "en")
    other = next(row for row in shown if row["label"] == "All other reasons")
    assert (other["code"], other["url"], other["share"]) == ("", "", Decimal("5.10"))  # 500 of 9,800
