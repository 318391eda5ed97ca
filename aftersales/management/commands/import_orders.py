"""``manage.py import_orders FILE.csv [--report rejected.csv]``: import orders from a CSV file.

Layout: UTF-8 (a spreadsheet's byte-order mark is fine), comma-separated, a header row, **one row per order
line**; the order's columns are repeated on each of its rows and must agree. Amounts are decimal strings
in major units of the order's currency (``12.34``); times are ISO 8601 (``2026-05-01T10:30:00+02:00``, UTC
without an offset).

==================  ========  =============================================================================
column              required  meaning
==================  ========  =============================================================================
order_id            yes       the store's id of the order: importing it again updates the same order
order_number        yes       the number customers see
market              yes       market code (US, DE, …)
currency            yes       ISO 4217 code
placed_at           yes       when the order was placed
email               yes       the customer's email: finds the customer, or creates one
total               yes       order total
sku                 yes       line SKU
title               yes       line title
quantity            yes       line quantity (1 or more)
unit_price          yes       line unit price
customer_name, phone, language, country, status, fulfillment_mode, subtotal, shipping, tax, discount,
ship_name, ship_address, ship_city, ship_postcode, ship_country                        optional, per order
line_id, variant, line_discount, line_total                                             optional, per line
payment_provider, payment_id, payment_amount, payment_captured, payment_status, payment_captured_at
                                                     optional, per order: one payment (provider + id needed)
==================  ========  =============================================================================

Each order goes through the same validation as the REST API (``OrderInputSerializer``) and the same service
(``order_upsert``, source ``csv``), so importing a file twice changes nothing the second time. An order is
imported whole or not at all: when one of its rows is wrong, all its rows are rejected. Nothing is dropped
silently: every rejected row is written to ``--report`` (the original columns plus ``row`` and ``reason``;
``row`` is the line number a spreadsheet shows, the header being 1) or, without it, listed on stderr. The
file is read whole (grouped by ``order_id``, in the order of first appearance); progress is printed every
``--progress-every`` orders. Exit status 1 when any row was rejected.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework import serializers

from aftersales.choices import OrderSource
from aftersales.serializers import OrderInputSerializer
from aftersales.services.ingestion import MissingReference, order_upsert

REQUIRED = ["order_id", "order_number", "market", "currency", "placed_at", "email", "total", "sku", "title",
            "quantity", "unit_price"]
# CSV column → where it goes in the API-shaped order (``None``: the order itself).
ORDER_COLUMNS = {
    "order_id": (None, "external_id"), "order_number": (None, "number"), "market": (None, "market"),
    "currency": (None, "currency"), "placed_at": (None, "placed_at"), "status": (None, "status"),
    "fulfillment_mode": (None, "fulfillment_mode"), "subtotal": (None, "subtotal"), "shipping": (None, "shipping"),
    "tax": (None, "tax"), "discount": (None, "discount"), "total": (None, "total"),
    "email": ("customer", "email"), "customer_name": ("customer", "name"), "phone": ("customer", "phone"),
    "language": ("customer", "language"), "country": ("customer", "country"),
    "ship_name": ("shipping_address", "name"), "ship_address": ("shipping_address", "address"),
    "ship_city": ("shipping_address", "city"), "ship_postcode": ("shipping_address", "postcode"),
    "ship_country": ("shipping_address", "country"),
    "payment_provider": ("payment", "provider"), "payment_id": ("payment", "provider_payment_id"),
    "payment_amount": ("payment", "amount"), "payment_captured": ("payment", "captured"),
    "payment_status": ("payment", "status"), "payment_captured_at": ("payment", "captured_at"),
}
LINE_COLUMNS = {"line_id": "external_id", "sku": "sku", "title": "title", "variant": "variant",
                "quantity": "quantity", "unit_price": "unit_price", "line_discount": "discount",
                "line_total": "total"}
# API error path → CSV column, to say which column of which row is wrong.
_ORDER_FIELD_COLUMNS = {(part, name): column for column, (part, name) in ORDER_COLUMNS.items()}
_LINE_FIELD_COLUMNS = {name: column for column, name in LINE_COLUMNS.items()}


@dataclass
class OrderRows:
    external_id: str
    rows: list[tuple[int, dict]] = field(default_factory=list)  # (row number, CSV row)


class Command(BaseCommand):
    help = "Import orders from a CSV file (one row per order line); rejected rows go to --report with a reason."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The CSV file.")
        parser.add_argument("--report", type=Path, help="Write every rejected row, with its reason, here.")
        parser.add_argument("--progress-every", type=int, default=100, help="Print progress every N orders.")

    def handle(self, *args, file: Path, report: Path | None, progress_every: int, **options):
        header, groups = self.read(file)
        rejected: list[tuple[int, dict, str]] = []
        created = updated = 0
        total = len(groups)
        self.stdout.write(_("%(orders)s orders in %(file)s.") % {"orders": total, "file": file})
        for done, group in enumerate(groups, start=1):
            outcome, problems = self.import_order(group)
            if outcome == "created":
                created += 1
            elif outcome == "updated":
                updated += 1
            rejected += problems
            if done % max(1, progress_every) == 0 or done == total:
                self.stdout.write(_("%(done)s/%(total)s orders") % {"done": done, "total": total})
        rejected.sort(key=lambda item: item[0])
        self.stdout.write(_("Created %(created)s, updated %(updated)s, rejected %(rows)s rows.")
                          % {"created": created, "updated": updated, "rows": len(rejected)})
        if report is not None:
            self.write_report(report, header, rejected)
        elif rejected:
            for number, _row, reason in rejected:
                self.stderr.write(_("row %(row)s: %(reason)s") % {"row": number, "reason": reason})
        if rejected:
            where = str(report) if report is not None else _("the list above")
            raise CommandError(ngettext("%(count)s row was rejected: see %(where)s.",
                                        "%(count)s rows were rejected: see %(where)s.", len(rejected))
                               % {"count": len(rejected), "where": where})

    # -- reading -------------------------------------------------------------------------------------------

    def read(self, file: Path) -> tuple[list[str], list[OrderRows]]:
        try:
            with file.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle)
                header = [name.strip() for name in reader.fieldnames or []]
                reader.fieldnames = header
                missing = [name for name in REQUIRED if name not in header]
                if missing:
                    raise CommandError(_("%(file)s lacks the columns: %(columns)s. Nothing was imported.")
                                       % {"file": file, "columns": ", ".join(missing)})
                groups: dict[str, OrderRows] = {}
                for number, row in enumerate(reader, start=2):
                    row = {name: (value or "").strip() for name, value in row.items() if name is not None}
                    key = row.get("order_id", "")
                    groups.setdefault(key, OrderRows(external_id=key)).rows.append((number, row))
        except FileNotFoundError:
            raise CommandError(_("There is no file %(file)s.") % {"file": file}) from None
        except UnicodeDecodeError:
            raise CommandError(_("%(file)s is not UTF-8 text. Nothing was imported.") % {"file": file}) from None
        except csv.Error as error:
            raise CommandError(_("%(file)s is not a readable CSV file: %(error)s. Nothing was imported.")
                               % {"file": file, "error": error}) from None
        return header, list(groups.values())

    # -- one order -----------------------------------------------------------------------------------------

    def import_order(self, group: OrderRows) -> tuple[str, list[tuple[int, dict, str]]]:
        first_number, first = group.rows[0]
        if not group.external_id:
            return "failed", [(number, row, _("order_id: this field is required.")) for number, row in group.rows]
        differing = sorted({column for _number, row in group.rows[1:] for column in ORDER_COLUMNS
                            if row.get(column, "") != first.get(column, "")})
        if differing:
            reason = (_("the order columns differ from row %(row)s: %(columns)s")
                      % {"row": first_number, "columns": ", ".join(differing)})
            return "failed", [(number, row, reason) for number, row in group.rows]
        serializer = OrderInputSerializer(data=self.as_api_order(group))
        try:
            serializer.is_valid(raise_exception=True)
            _order, created = order_upsert(data=serializer.to_data(source=OrderSource.CSV))
        except serializers.ValidationError as error:
            return "failed", self.reasons(group, error.detail)
        except DjangoValidationError as error:
            return "failed", self.reasons(group, serializers.as_serializer_error(error))
        except MissingReference as missing:
            return "failed", self.reasons(group, {missing.field: [missing.message]})
        return ("created" if created else "updated"), []

    @staticmethod
    def as_api_order(group: OrderRows) -> dict:
        first = group.rows[0][1]
        order: dict = {"customer": {}, "shipping_address": {}, "lines": []}
        payment: dict = {}
        for column, (part, name) in ORDER_COLUMNS.items():
            value = first.get(column, "")
            if not value:
                continue
            target = order if part is None else payment if part == "payment" else order[part]
            target[name] = value
        if not order["shipping_address"]:
            del order["shipping_address"]
        if payment:
            order["payments"] = [payment]
        for _number, row in group.rows:
            order["lines"].append({name: row[column] for column, name in LINE_COLUMNS.items() if row.get(column)})
        return order

    @staticmethod
    def reasons(group: OrderRows, detail) -> list[tuple[int, dict, str]]:
        """Map API errors back to rows and columns; the other rows of the order are rejected with it."""
        per_row: dict[int, list[str]] = {}
        order_level: list[str] = []
        for key, messages in (detail.items() if isinstance(detail, dict) else [("", detail)]):
            items = _by_position(messages)
            if key == "lines" and items:
                for position, line_errors in items.items():
                    for name, line_messages in line_errors.items():
                        column = _LINE_FIELD_COLUMNS.get(name, name)
                        per_row.setdefault(position, []).append(f"{column}: {_flat(line_messages)}")
            elif key in ("customer", "shipping_address") and isinstance(messages, dict):
                for name, nested in messages.items():
                    order_level.append(f"{_ORDER_FIELD_COLUMNS.get((key, name), name)}: {_flat(nested)}")
            elif key == "payments" and items:
                for name, nested in items.get(0, {}).items():
                    order_level.append(f"{_ORDER_FIELD_COLUMNS.get(('payment', name), name)}: {_flat(nested)}")
            else:
                column = _ORDER_FIELD_COLUMNS.get((None, key), key)
                order_level.append(f"{column}: {_flat(messages)}" if column not in ("", "non_field_errors")
                                   else _flat(messages))
        result = []
        for position, (number, row) in enumerate(group.rows):
            own = order_level + per_row.get(position, [])
            if not own:
                own = [_("another row of this order was rejected (row %(rows)s)")
                       % {"rows": ", ".join(str(group.rows[other][0]) for other in sorted(per_row))}]
            result.append((number, row, "; ".join(own)))
        return result

    # -- report --------------------------------------------------------------------------------------------

    def write_report(self, path: Path, header: list[str], rejected: list[tuple[int, dict, str]]) -> None:
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=["row", "reason", *header], extrasaction="ignore")
            writer.writeheader()
            for number, row, reason in rejected:
                writer.writerow({**row, "row": number, "reason": reason})
        self.stdout.write(_("Rejected rows written to %(path)s.") % {"path": path})


def _by_position(messages) -> dict[int, dict]:
    """A list's item errors, by position: DRF keys them by index (``{"1": {…}}``), older versions list them."""
    if isinstance(messages, dict) and messages and all(str(key).isdigit() for key in messages):
        return {int(key): value for key, value in messages.items() if isinstance(value, dict)}
    if isinstance(messages, list) and messages and all(isinstance(value, dict) for value in messages):
        return {position: value for position, value in enumerate(messages) if value}
    return {}


def _flat(messages) -> str:
    if isinstance(messages, dict):
        return "; ".join(f"{name}: {_flat(nested)}" for name, nested in messages.items())
    if isinstance(messages, list):
        return " ".join(_flat(message) for message in messages if message)
    return str(messages)
