"""relata export: CSV/XLSX, formula neutralisation, and export → import changes nothing."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import execute_from_command_line
from django.utils import timezone, translation
from openpyxl import load_workbook

from relata.contacts.models import ContactMoment
from relata.customers.models import Consent, Customer
from relata.sales.models import Order
from relata.sales.services import LineInput, order_create
from tests.factories import ContactMomentFactory, CustomerFactory
from tests.imports.conftest import Run, run_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(shop: dict[str, object]) -> None:
    k1 = shop["k1"]
    assert isinstance(k1, Customer)
    k1.first_name = "=HYPERLINK(\"http://evil\")"
    k1.phone = "+31 6 12345678"
    k1.notes = "@SUM(1)"
    k1.acquisition_cost = Decimal("1234.50")
    k1.save()
    Consent.objects.create(customer=k1, channel="email", purpose="newsletter", granted=True)
    product = shop["coffee"]
    order_create(customer=k1, lines=[LineInput(product=product, quantity=Decimal("2.5"))],  # type: ignore[arg-type]
                 order_number="O1", notes="-ok")
    ContactMomentFactory(customer=k1, occurred_at=timezone.now(), subject="=cmd|' /C calc'!A0")
    ContactMomentFactory(customer=shop["k2"], external_id="EXT-1",
                         occurred_at=timezone.make_aware(datetime(2024, 5, 1, 10, 0)))


@pytest.mark.usefixtures("data")
def test_csv_export_neutralises_formulas(tmp_path: Path) -> None:
    # given / when
    path = tmp_path / "klanten.csv"
    result = run_command("export", "customers", str(path), "--delimiter", ";", "--language", "nl")
    # then
    assert result.ok
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
    assert rows[0][:3] == ["Klantnummer", "Soort", "Voornaam"]
    jan = next(r for r in rows if r[0] == "K001")
    assert jan[2] == "'=HYPERLINK(\"http://evil\")"
    assert "'+31 6 12345678" in jan
    assert "'@SUM(1)" in jan
    assert "1234,50" in jan
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), cell


@pytest.mark.usefixtures("data")
def test_xlsx_export_neutralises_formulas(tmp_path: Path) -> None:
    path = tmp_path / "contacts.xlsx"
    assert run_command("export", "contacts", str(path)).ok
    sheet = load_workbook(path, read_only=True).worksheets[0]
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "'=cmd|' /C calc'!A0" in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)


@pytest.mark.usefixtures("data")
@pytest.mark.parametrize("kind", ["customers", "orders", "contacts"])
@pytest.mark.parametrize(("name", "options"), [("x.csv", []), ("x.csv", ["--delimiter", ";"]),
                                               ("x.xlsx", []), ("x.csv", ["--language", "nl"])])
def test_export_then_import_changes_nothing(
    kind: str, name: str, options: list[str], tmp_path: Path, run_import: Callable[..., Run]
) -> None:
    # given an export
    path = tmp_path / name
    assert run_command("export", kind, str(path), *options).ok
    before = _snapshot()
    # when it is imported back
    result = run_import(kind, path)
    # then
    assert result.ok, result.err
    assert "created: 0, updated: 0" in result.out
    assert _snapshot() == before


def _snapshot() -> tuple[object, ...]:
    return (
        list(Customer.objects.order_by("id").values()),
        list(Consent.objects.order_by("id").values()),
        list(Order.objects.order_by("id").values()),
        list(ContactMoment.objects.order_by("id").values()),
    )


def test_xlsx_import_round_trip_of_new_data(
    tmp_path: Path, run_import: Callable[..., Run], db: None
) -> None:
    # given customers exported to XLSX from one database
    CustomerFactory(customer_number="X1", birth_date="1970-05-06", household_size=3)
    path = tmp_path / "c.xlsx"
    assert run_command("export", "customers", str(path)).ok
    Customer.objects.all().delete()
    # when the workbook is imported into an empty database
    result = run_import("customers", path)
    # then
    assert result.ok, result.err
    restored = Customer.objects.get(customer_number="X1")
    assert str(restored.birth_date) == "1970-05-06"
    assert restored.household_size == 3


@pytest.mark.parametrize(
    ("command", "english", "dutch"),
    [
        ("import", "Import customers, orders or contact moments", "Klanten, orders of contact"),
        ("export", "Export customers, orders or contact moments", "Klanten, orders of contact"),
    ],
)
def test_command_help_is_printed_in_the_active_language(
    capsys: pytest.CaptureFixture[str], command: str, english: str, dutch: str
) -> None:
    for language, expected in (("en", english), ("nl", dutch)):
        # when
        with translation.override(language), pytest.raises(SystemExit) as exit_info:
            execute_from_command_line(["relata", command, "--help"])
        # then
        assert exit_info.value.code == 0
        assert expected in " ".join(capsys.readouterr().out.split())
