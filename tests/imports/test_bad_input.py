"""Bad input gives a clear message, never a traceback, and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from relata.customers.models import Customer
from relata.sales.models import Order
from tests.imports.conftest import Run

pytestmark = pytest.mark.usefixtures("shop")


def _nothing_written() -> bool:
    return Customer.objects.count() == 2 and Order.objects.count() == 0


def test_wrong_encoding_given_names_the_line(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    # given a Windows-1252 file read as UTF-8
    path = write_file("k.csv", "Klantnummer;Woonplaats\nK9;Café\n", encoding="cp1252")
    # when
    result = run_import("customers", path, "--encoding", "utf-8")
    # then
    assert not result.ok
    assert "not valid utf-8" in result.err.lower()
    assert "line 2" in result.err
    assert _nothing_written()


def test_unreadable_bytes_are_reported(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    path = write_file("k.csv", b"Klantnummer\x00\x81\x8d\x90\x00\xff\xfe\x00\x00\x81" * 50)
    result = run_import("customers", path)
    assert not result.ok
    assert "Traceback" not in result.err
    assert "Nothing was imported" in result.err
    assert _nothing_written()


def test_ragged_rows_are_row_errors(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    text = "Klantnummer;Voornaam;Woonplaats\nK10;Ann;Ede\nK11;Bob\nK12;Cas;Epe;extra\n"
    result = run_import("customers", write_file("r.csv", text))
    assert not result.ok
    assert "row 3: the row has 2 cells, the header has 3" in result.err
    assert "row 4: the row has 4 cells, the header has 3" in result.err
    assert _nothing_written()


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\r\n\r\n", b";;;\r\n"])
def test_empty_file(
    content: bytes, write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    result = run_import("customers", write_file("empty.csv", content))
    assert not result.ok
    assert "is empty" in result.err
    assert _nothing_written()


def test_header_without_rows(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    result = run_import("customers", write_file("h.csv", "Klantnummer;Naam\n"))
    assert not result.ok
    assert "no data rows" in result.err


def test_xlsx_that_is_really_a_pdf(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    path = write_file("klanten.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    result = run_import("customers", path)
    assert not result.ok
    assert "is a PDF document" in result.err
    assert _nothing_written()


def test_xlsx_that_is_text_or_a_broken_zip(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    text = run_import("customers", write_file("a.xlsx", "Klantnummer\nK1\n"))
    broken = run_import("customers", write_file("b.xlsx", b"PK\x03\x04garbage" * 10))
    assert "is not one" in text.err
    assert "not a readable Excel workbook" in broken.err
    assert _nothing_written()


def test_a_ten_megabyte_cell(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    huge = "x" * (10 * 1024 * 1024)
    path = write_file("big.csv", f"Klantnummer;Voornaam\nK20;{huge}\nK21;Ann\n")
    result = run_import("customers", path)
    assert not result.ok
    assert "row 2, column “Voornaam”: the value is 10,485,760 characters long" in result.err
    assert len(result.err) < 5000
    assert _nothing_written()


def test_an_unclosed_quote_is_reported_not_crashed(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    path = write_file("q.csv", 'Klantnummer;Voornaam\nK30;"Ann\nK31;Bob\n')
    result = run_import("customers", path)
    assert not result.ok
    assert "row starting on line 2 is never closed" in result.err
    assert _nothing_written()


def test_negative_quantity(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    text = "Ordernummer;Klantnummer;Datum;SKU;Aantal\nN1;K001;2024-01-02;COF;-3\n"
    result = run_import("orders", write_file("n.csv", text))
    assert not result.ok
    assert "row 2, column “Aantal”: must be more than 0, not -3" in result.err
    assert _nothing_written()


def test_missing_file_and_bad_map_are_clear(
    tmp_path: Path, write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    missing = run_import("customers", tmp_path / "nope.csv")
    bad_map = run_import("customers", write_file("m.csv", "A;B\n1;2\n"), "--map", "A")
    assert "There is no file" in missing.err
    assert "Column=field" in bad_map.err
