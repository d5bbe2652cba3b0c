"""relata import orders: per line and per order, idempotency, skip-invalid, dry run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from relata.sales.models import Order, OrderLine, Product
from tests.imports.conftest import Run

pytestmark = pytest.mark.usefixtures("shop")

LINES = (
    "Ordernummer;Klantnummer;Orderdatum;Artikelnummer;Aantal;Stukprijs;Kanaal;Status\n"
    "A1;K001;05-03-2024;COF;2;12,50;Webshop;Geleverd\n"
    "A1;K001;05-03-2024;TEA;1,5;;Webshop;Geleverd\n"
    "A2;K002;06-03-2024;COF;1;11,00;Winkel;Open\n"
)


def test_order_lines_are_grouped_into_orders_with_totals(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    # given
    path = write_file("orders.csv", LINES)
    # when
    result = run_import("orders", path)
    # then
    assert result.ok, result.err
    assert "created: 2" in result.out
    a1 = Order.objects.get(order_number="A1")
    assert a1.customer.customer_number == "K001"
    assert a1.order_date == date(2024, 3, 5)
    assert (a1.channel, a1.status) == ("web", "delivered")
    # 2 × 12.50 + 1.5 × 3.95 (the product's price) = 30.925 → 30.92 (half even)
    assert a1.total_amount == Decimal("30.92")
    assert a1.total_cost == Decimal("15.50")
    assert set(a1.lines.values_list("customer_id", flat=True)) == {a1.customer_id}
    a2 = Order.objects.get(order_number="A2")
    assert (a2.channel, a2.status, a2.total_amount) == ("store", "open", Decimal("11.00"))


def test_reimport_is_idempotent_and_changed_orders_are_updated(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    # given an imported file
    assert run_import("orders", write_file("o.csv", LINES)).ok
    line_ids = set(OrderLine.objects.values_list("id", flat=True))
    # when the same file comes again
    again = run_import("orders", write_file("o.csv", LINES))
    # then nothing changes
    assert again.ok
    assert "created: 0, updated: 0, unchanged: 2" in again.out
    assert set(OrderLine.objects.values_list("id", flat=True)) == line_ids
    # when one quantity changed
    changed = run_import("orders", write_file("o2.csv", LINES.replace("A2;K002;06-03-2024;COF;1;",
                                                                      "A2;K002;06-03-2024;COF;3;")))
    # then only that order is updated
    assert "created: 0, updated: 1, unchanged: 1" in changed.out
    assert Order.objects.get(order_number="A2").total_amount == Decimal("33.00")
    assert OrderLine.objects.count() == 3


def test_one_row_per_order_with_an_amount(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    # given an English file with one row per order
    text = "Order No,Customer Email,Date,Amount\nB1,jan@example.nl,3/15/2024,\"1,234.50\"\n"
    # when
    result = run_import("orders", write_file("b.csv", text))
    # then
    assert result.ok, result.err
    order = Order.objects.get(order_number="B1")
    assert order.total_amount == Decimal("1234.50")
    assert order.order_date == date(2024, 3, 15)
    line = order.lines.get()
    assert line.product.sku == "IMPORTED-AMOUNT"
    assert line.product.active is False


def test_unknown_product_is_created_only_with_name_and_price(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    # given one new product with name and price, and one without
    text = ("Order;Klantnummer;Datum;SKU;Product;Categorie;Aantal;Prijs\n"
            "C1;K001;2024-01-02;NEW;Nieuwe mok;Servies;1;9,95\n"
            "C2;K001;2024-01-02;GHOST;;;1;\n")
    # when
    result = run_import("orders", write_file("c.csv", text))
    # then
    assert not result.ok
    assert "row 3, column “SKU”: unknown product “GHOST”" in result.err
    assert not Product.objects.filter(sku="NEW").exists()
    # when the bad row is skipped
    skipped = run_import("orders", write_file("c.csv", text), "--skip-invalid")
    # then the product exists with its category
    assert skipped.ok
    assert Product.objects.get(sku="NEW").category.name == "Servies"


def test_rows_of_one_order_must_agree(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    text = ("Ordernummer;Klantnummer;Datum;SKU;Aantal\nD1;K001;2024-01-02;COF;1\n"
            "D1;K002;2024-01-02;TEA;1\n")
    result = run_import("orders", write_file("d.csv", text))
    assert not result.ok
    assert "row 3, column “Klantnummer”: differs from row 2 of the same order" in result.err


def test_duplicate_lines_and_orders_are_reported(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    text = ("Ordernummer;Klantnummer;Datum;SKU;Aantal;Bedrag\n"
            "E1;K001;2024-01-02;COF;1;\nE1;K001;2024-01-02;COF;1;\n"
            "E2;K001;2024-01-02;;;10\nE2;K001;2024-01-02;;;10\n")
    result = run_import("orders", write_file("e.csv", text))
    assert not result.ok
    assert "row 3: duplicate of row 2" in result.err
    assert "row 5: duplicate: order E2 is already given in row 4" in result.err
    assert Order.objects.count() == 0


def test_skip_invalid_writes_good_orders_and_a_rejects_file(
    write_file: Callable[..., Path], run_import: Callable[..., Run], tmp_path: Path
) -> None:
    # given one bad line in order F1 and a good order F2
    text = ("Ordernummer;Klantnummer;Datum;SKU;Aantal\n"
            "F1;K001;2024-01-02;COF;1\nF1;K001;2024-01-02;TEA;-1\nF2;K002;2024-01-03;TEA;2\n")
    path = write_file("f.csv", text)
    # when
    result = run_import("orders", path, "--skip-invalid")
    # then the whole of F1 is rejected, F2 is imported
    assert result.ok
    assert list(Order.objects.values_list("order_number", flat=True)) == ["F2"]
    rejects = (tmp_path / "f.rejects.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rejects[0] == "Ordernummer;Klantnummer;Datum;SKU;Aantal;Errors"
    assert rejects[1].startswith("F1;K001;2024-01-02;COF;1;")
    assert "row 3 of the same order is invalid" in rejects[1]
    assert rejects[2].startswith("F1;K001;2024-01-02;TEA;'-1;")
    assert "must be more than 0" in rejects[2]


def test_dry_run_writes_nothing(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    result = run_import("orders", write_file("o.csv", LINES), "--dry-run")
    assert result.ok
    assert "created: 2" in result.out
    assert "Dry run" in result.out
    assert Order.objects.count() == 0


def test_unknown_customer_is_a_row_error(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    text = "Ordernummer;Klantnummer;Datum;SKU\nG1;K999;2024-01-02;COF\n"
    result = run_import("orders", write_file("g.csv", text))
    assert not result.ok
    assert "row 2, column “Klantnummer”: no customer has the number “K999”" in result.err


def test_large_import_uses_bulk_load_and_keeps_the_schema(
    write_file: Callable[..., Path], run_import: Callable[..., Run],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given more orders than the id range threshold, and bulk loading switched on
    from django.db import connection

    from relata.imports.kinds import orders

    monkeypatch.setattr(orders, "BULK_LOAD_FROM", 1)
    schema = _schema(connection)
    lines = "".join(f"H{n};K001;2024-01-02;COF;{n % 5 + 1}\n" for n in range(1200))
    path = write_file("h.csv", "Ordernummer;Klantnummer;Datum;SKU;Aantal\n" + lines)
    # when
    result = run_import("orders", path)
    # then all is written, the ids are consecutive, and indexes and foreign keys are back
    assert result.ok, result.err
    assert Order.objects.count() == 1200
    ids = sorted(Order.objects.values_list("id", flat=True))
    assert ids == list(range(ids[0], ids[0] + 1200))
    assert OrderLine.objects.filter(order__order_number="H7").get().quantity == 3
    assert _schema(connection) == schema
    # and a normal insert afterwards gets a fresh id from the sequence
    from relata.sales.services import order_create

    product = Product.objects.get(sku="COF")
    extra = order_create(customer=Order.objects.first().customer, lines=[],  # type: ignore[union-attr]
                         order_number="AFTER")
    assert extra.pk > ids[-1]
    assert product.pk


def _schema(connection: object) -> object:
    if connection.vendor != "postgresql":  # type: ignore[attr-defined]
        return None
    with connection.cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid IN ('sales_order'::regclass, 'sales_orderline'::regclass)"
            " UNION ALL SELECT tablename, indexname, indexdef FROM pg_indexes"
            " WHERE tablename IN ('sales_order', 'sales_orderline') ORDER BY 1, 2, 3"
        )
        return cursor.fetchall()


def test_large_and_small_amounts_are_stored_exactly(
    write_file: Callable[..., Path], run_import: Callable[..., Run],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given extreme but valid numbers, written through the bulk path
    from relata.imports.kinds import orders

    monkeypatch.setattr(orders, "BULK_LOAD_FROM", 1)
    text = ("Ordernummer;Klantnummer;Datum;SKU;Aantal;Stukprijs\n"
            "X1;K001;2024-01-02;COF;99.999,99;0,01\n"
            "X2;K001;2024-01-02;COF;0,01;98.765.432,10\n"
            "X3;K001;2024-01-02;COF;1;0\n"
            "X4;K001;2024-01-02;COF;0,01;1.234.567.890,12\n")
    # when
    result = run_import("orders", write_file("x.csv", text))
    # then
    assert result.ok, result.err
    lines = {line.order.order_number: line for line in OrderLine.objects.select_related("order")}
    assert (lines["X1"].quantity, lines["X1"].unit_price) == (Decimal("99999.99"),
                                                              Decimal("0.01"))
    assert (lines["X2"].quantity, lines["X2"].unit_price) == (Decimal("0.01"),
                                                              Decimal("98765432.10"))
    assert lines["X3"].unit_price == Decimal("0.00")
    assert lines["X4"].unit_price == Decimal("1234567890.12")
    assert lines["X1"].order.total_amount == Decimal("1000.00")  # 999.9999 → 1000.00
    assert lines["X2"].order.total_amount == Decimal("987654.32")
    assert lines["X2"].unit_cost == Decimal("7.00")


def test_order_total_too_large_is_reported(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    text = ("Ordernummer;Klantnummer;Datum;SKU;Aantal;Stukprijs\n"
            "Y1;K001;2024-01-02;COF;99.999.999,99;9.999.999.999,99\n")
    result = run_import("orders", write_file("y.csv", text))
    assert not result.ok
    assert "The total of order Y1" in result.err
    assert Order.objects.count() == 0


def test_rows_of_one_order_must_agree_when_not_adjacent(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    text = ("Ordernummer;Klantnummer;Datum;SKU;Aantal\nD1;K001;2024-01-02;COF;1\n"
            "D2;K002;2024-01-02;COF;1\nD1;K001;2024-01-03;TEA;1\n")
    result = run_import("orders", write_file("d.csv", text))
    assert not result.ok
    assert "row 4, column “Datum”: differs from row 2 of the same order" in result.err
