"""Export customers, orders and contact moments as CSV or XLSX, in the layout the import reads
back unchanged (export → import changes nothing).

Text cells that a spreadsheet would run as a formula (starting with = + - @, tab or carriage
return) are prefixed with an apostrophe (CSV injection); the import removes it again.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from django.db.models import Exists, OuterRef
from django.utils import timezone

from relata.accounts.visibility import visible_by_customer, visible_customers
from relata.contacts.models import ContactMoment
from relata.customers.models import Consent, Customer
from relata.imports.headers import CONTACTS, CUSTOMERS, ORDERS, field_spec
from relata.imports.kinds.customers import CONSENT_FIELDS
from relata.imports.parsing import COMMA, POINT, neutralise_formula
from relata.sales.models import Order, OrderLine

CUSTOMER_COLUMNS = (
    "customer_number", "kind", "first_name", "name_prefix", "last_name", "organisation_name",
    "email", "phone", "street", "house_number", "postcode", "city", "country", "birth_date",
    "gender", "occupation", "education", "household_size", "children", "income_band",
    "interests", "sector", "company_size", "acquisition_source", "acquisition_cost", "notes",
)
ORDER_COLUMNS = (
    "order_number", "customer_number", "order_date", "channel", "status", "sku", "product_name",
    "quantity", "unit_price", "unit_cost", "amount", "notes",
)
CONTACT_COLUMNS = (
    "external_id", "customer_number", "occurred_at", "channel", "direction", "touchpoint",
    "office", "subject", "outcome", "notes", "order_number", "staff", "friction",
)
CHUNK = 5000


def export_headers(kind: str, language: str = "en") -> list[str]:
    columns: Sequence[str] = {
        CUSTOMERS: (*CUSTOMER_COLUMNS, *CONSENT_FIELDS),
        ORDERS: ORDER_COLUMNS,
        CONTACTS: CONTACT_COLUMNS,
    }[kind]
    return [field_spec(kind, name).header(language) for name in columns]


def export_rows(kind: str, *, viewer: Any = None) -> Iterator[list[Any]]:
    """Rows of Python values (str, int, Decimal, date, datetime or None): of every customer,
    or only of the customers ``viewer`` may see (own accounts only)."""
    if kind == CUSTOMERS:
        return _customer_rows(viewer)
    if kind == ORDERS:
        return _order_rows(viewer)
    return _contact_rows(viewer)


def _customer_rows(viewer: Any) -> Iterator[list[Any]]:
    consents: dict[int, dict[tuple[str, str], bool]] = {}
    for customer_id, channel, purpose, granted in (
        visible_by_customer(viewer, Consent.objects.all())
        .order_by("customer_id", "recorded_at", "id")
        .values_list("customer_id", "channel", "purpose", "granted")
        .iterator(chunk_size=CHUNK)
    ):
        consents.setdefault(customer_id, {})[(channel, purpose)] = granted
    for row in (
        visible_customers(viewer, Customer.objects.all())
        .order_by("id")
        .values_list("id", *CUSTOMER_COLUMNS)
        .iterator(chunk_size=CHUNK)
    ):
        state = consents.get(row[0], {})
        flags = []
        for channel_purpose in CONSENT_FIELDS.values():
            in_force = state.get(channel_purpose)
            flags.append("" if in_force is None else ("yes" if in_force else "no"))
        yield [*row[1:], *flags]


def _order_rows(viewer: Any) -> Iterator[list[Any]]:
    lines = (
        visible_by_customer(viewer, OrderLine.objects.all(), "order__customer")
        .order_by("order_id", "id")
        .values_list(
            "order__order_number", "order__customer__customer_number", "order__order_date",
            "order__channel", "order__status", "product__sku", "product__name", "quantity",
            "unit_price", "unit_cost", "order__notes",
        )
        .iterator(chunk_size=CHUNK)
    )
    for number, customer, day, channel, status, sku, name, q, p, c, notes in lines:
        yield [number, customer, day, channel, status, sku, name, q, p, c, None, notes]
    without_lines = (
        visible_by_customer(viewer, Order.objects.all())
        .filter(~Exists(OrderLine.objects.filter(order_id=OuterRef("pk"))))
        .order_by("id")
        .values_list(
            "order_number", "customer__customer_number", "order_date", "channel", "status",
            "total_amount", "notes",
        )
        .iterator(chunk_size=CHUNK)
    )
    for number, customer, day, channel, status, total, notes in without_lines:
        yield [number, customer, day, channel, status, None, None, None, None, None, total, notes]


def _contact_rows(viewer: Any) -> Iterator[list[Any]]:
    moments = (
        visible_by_customer(viewer, ContactMoment.objects.all())
        .order_by("occurred_at", "id")
        .values_list(
            "external_id", "customer__customer_number", "occurred_at", "channel", "direction",
            "touchpoint", "office", "subject", "outcome", "notes", "order__order_number",
            "staff__username", "friction",
        )
        .iterator(chunk_size=CHUNK)
    )
    for row in moments:
        values: list[Any] = list(row)
        values[2] = timezone.localtime(values[2]).replace(tzinfo=None)
        yield values


def _text(value: Any, decimal: str) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = f"{value:f}"
        return text.replace(".", ",") if decimal == COMMA else text
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="microseconds" if value.microsecond else "seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return neutralise_formula(value)
    return str(value)


def export_csv(
    stream: IO[str],
    kind: str,
    *,
    delimiter: str = ",",
    decimal: str | None = None,
    language: str = "en",
    rows: Iterator[list[Any]] | None = None,
    header: bool = True,
) -> int:
    """Write CSV text (the caller encodes it; Excel wants UTF-8 with a BOM). With ';' as
    delimiter numbers get a decimal comma, as Dutch Excel expects, unless ``decimal`` says
    otherwise. Returns the number of data rows."""
    style = decimal or (COMMA if delimiter == ";" else POINT)
    writer = csv.writer(stream, delimiter=delimiter, lineterminator="\r\n")
    if header:
        writer.writerow(export_headers(kind, language))
    count = 0
    for row in rows if rows is not None else export_rows(kind):
        writer.writerow([_text(value, style) for value in row])
        count += 1
    return count


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, str):
        return neutralise_formula(value)
    if isinstance(value, datetime) and value.microsecond:
        # Excel keeps times to the millisecond; text keeps the exact moment for re-import.
        return value.isoformat(sep=" ")
    return value


def export_xlsx(stream: IO[bytes], kind: str, *, language: str = "en", viewer: Any = None) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=kind.capitalize())
    bold = Font(bold=True)
    header = []
    for title in export_headers(kind, language):
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in export_rows(kind, viewer=viewer):
        sheet.append([_xlsx_value(value) for value in row])
        count += 1
    workbook.save(stream)
    return count


def export_filename(kind: str, file_format: str) -> str:
    return f"relata-{kind}-{timezone.localdate().isoformat()}.{file_format}"
