"""``manage.py import_orders``: the documented layout, progress, every rejected row reported with its reason,
and re-importing the same file changing nothing."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from aftersales.models import Customer, Order, Payment
from tests import factories

from .ingestion_support import counts, nothing

HEADER = ["order_id", "order_number", "market", "currency", "placed_at", "email", "customer_name", "total",
          "shipping", "line_id", "sku", "title", "quantity", "unit_price", "payment_provider", "payment_id",
          "payment_amount"]
GOOD = [
    ["A-1", "#C1", "US", "USD", "2026-04-01T09:00:00Z", "ann@example.com", "Ann", "35.00", "5.00", "1", "MUG",
     "Mug", "1", "10.00", "paypal", "CAP-1", "35.00"],
    ["A-1", "#C1", "US", "USD", "2026-04-01T09:00:00Z", "ann@example.com", "Ann", "35.00", "5.00", "2", "TEE",
     "T-shirt", "1", "20.00", "paypal", "CAP-1", "35.00"],
    ["A-2", "#C2", "DE", "EUR", "2026-04-02T09:00:00+02:00", "bo@example.com", "Bo", "12.50", "", "1", "CAP", "Cap",
     "1", "12.50", "", "", ""],
]


@pytest.fixture
def markets(db):
    factories.market("US")
    factories.market("DE")


def write(path, rows, header=HEADER):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_orders", *[str(arg) for arg in args], stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), str(error)
    return out.getvalue(), err.getvalue(), None


def report_rows(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return [(row["row"], row["order_id"], row["reason"]) for row in csv.DictReader(handle)]


def test_a_good_file_imports_every_order_and_shows_progress(tmp_path, markets):
    out, err, failure = run(write(tmp_path / "orders.csv", GOOD), "--progress-every", "1")
    assert failure is None
    assert err == ""
    assert out.splitlines() == [
        f"2 orders in {tmp_path / 'orders.csv'}.", "1/2 orders", "2/2 orders",
        "Created 2, updated 0, rejected 0 rows."]
    first = Order.objects.get(external_id="A-1")
    assert (first.source, first.number, first.total_minor, first.shipping_minor, first.customer.email) == (
        "csv", "#C1", 3500, 500, "ann@example.com")
    assert list(first.lines.values_list("external_id", "sku", "unit_price_minor")) == [("1", "MUG", 1000),
                                                                                      ("2", "TEE", 2000)]
    assert list(Payment.objects.values_list("provider", "provider_payment_id", "captured_minor")) == [
        ("paypal", "CAP-1", 3500)]
    assert counts() == nothing(Order=2, OrderLine=3, Payment=1, Customer=2, CustomerIdentity=2)


def test_importing_the_same_file_again_changes_nothing(tmp_path, markets):
    path = write(tmp_path / "orders.csv", GOOD)
    run(path)
    first = counts()
    out, _err, failure = run(path)
    assert failure is None
    assert out.splitlines()[-1] == "Created 0, updated 2, rejected 0 rows."
    assert counts() == first


def test_every_rejected_row_is_reported_with_its_reason_and_good_orders_still_import(tmp_path, markets):
    rows = [
        *GOOD,
        ["B-1", "#D1", "US", "XYZ", "2026-04-01T09:00:00Z", "c@example.com", "", "10.00", "", "1", "X", "X", "1",
         "10.00", "", "", ""],
        ["B-2", "#D2", "US", "USD", "2026-04-01T09:00:00Z", "d@example.com", "", "-10.00", "", "1", "X", "X", "1",
         "10.00", "", "", ""],
        ["B-3", "#D3", "US", "USD", "2026-04-01T09:00:00Z", "e@example.com", "", "10.00", "", "1", "X", "X", "1",
         "10.001", "", "", ""],
        ["B-3", "#D3", "US", "USD", "2026-04-01T09:00:00Z", "e@example.com", "", "10.00", "", "2", "Y", "Y", "1",
         "1.00", "", "", ""],
        ["B-4", "#D4", "US", "USD", "2026-04-01T09:00:00Z", "f@example.com", "", "10.00", "", "1", "X", "X", "1",
         "10.00", "", "", ""],
        ["B-4", "#D4", "US", "USD", "2026-04-01T09:00:00Z", "f@example.com", "", "11.00", "", "2", "Y", "Y", "1",
         "1.00", "", "", ""],
        ["B-5", "#D5", "FR", "EUR", "2026-04-01T09:00:00Z", "g@example.com", "", "10.00", "", "1", "X", "X", "1",
         "10.00", "", "", ""],
        ["", "#D6", "US", "USD", "2026-04-01T09:00:00Z", "h@example.com", "", "10.00", "", "1", "X", "X", "1",
         "10.00", "", "", ""],
        ["B-7", "#D7", "US", "USD", "2026-04-01T09:00:00Z", "not-an-email", "", "10.00", "", "1", "X", "X", "",
         "10.00", "", "", ""],
    ]
    report = tmp_path / "rejected.csv"
    out, _err, failure = run(write(tmp_path / "orders.csv", rows), "--report", report)

    assert failure == f"9 rows were rejected: see {report}."
    assert out.splitlines()[-2:] == ["Created 2, updated 0, rejected 9 rows.", f"Rejected rows written to {report}."]
    assert report_rows(report) == [
        ("5", "B-1", "currency: Unknown currency “XYZ”: use an ISO 4217 code such as USD or EUR."),
        ("6", "B-2", "total: Amounts cannot be negative."),
        ("7", "B-3", "unit_price: 10.001 has more decimals than USD allows (2)."),
        ("8", "B-3", "another row of this order was rejected (row 7)"),
        ("9", "B-4", "the order columns differ from row 9: total"),
        ("10", "B-4", "the order columns differ from row 9: total"),
        ("11", "B-5", "market: There is no market with the code “FR”."),
        ("12", "", "order_id: this field is required."),
        ("13", "B-7", "email: Enter a valid email address.; quantity: This field is required."),
    ]
    assert sorted(Order.objects.values_list("external_id", flat=True)) == ["A-1", "A-2"]
    assert Customer.objects.count() == 2  # nothing of a rejected order was written


def test_without_a_report_the_rejected_rows_are_listed_on_stderr(tmp_path, markets):
    rows = [["B-2", "#D2", "US", "USD", "2026-04-01T09:00:00Z", "d@example.com", "", "-10.00", "", "1", "X", "X",
             "1", "10.00", "", "", ""]]
    _out, err, failure = run(write(tmp_path / "orders.csv", rows))
    assert err.splitlines() == ["row 2: total: Amounts cannot be negative."]
    assert failure == "1 row was rejected: see the list above."
    assert counts() == nothing()


def test_a_file_missing_required_columns_imports_nothing(tmp_path, markets):
    path = write(tmp_path / "orders.csv", [row[:5] for row in GOOD], header=HEADER[:5])
    _out, _err, failure = run(path)
    assert failure == (f"{path} lacks the columns: email, total, sku, title, quantity, unit_price. "
                       "Nothing was imported.")
    assert counts() == nothing()


def test_a_file_that_is_not_utf8_imports_nothing(tmp_path, markets):
    path = tmp_path / "orders.csv"
    path.write_bytes(",".join(HEADER).encode() + b"\nA-1,#C1,US,USD,2026-04-01T09:00:00Z,\xe9@example.com\n")
    _out, _err, failure = run(path)
    assert failure == f"{path} is not UTF-8 text. Nothing was imported."
    assert counts() == nothing()


def test_a_missing_file_is_a_clear_error(tmp_path, db):
    assert run(tmp_path / "nope.csv")[2] == f"There is no file {tmp_path / 'nope.csv'}."


def test_a_spreadsheet_byte_order_mark_is_fine(tmp_path, markets):
    path = tmp_path / "orders.csv"
    path.write_bytes(b"\xef\xbb\xbf" + write(tmp_path / "plain.csv", GOOD).read_bytes())
    assert run(path)[2] is None
    assert Order.objects.count() == 2
