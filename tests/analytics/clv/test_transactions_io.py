from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from relata.analytics.transactions_io import (
    TransactionsFileError,
    read_transactions,
    write_csv,
)

COLUMNS = {"customer_col": "klant", "date_col": "datum", "amount_col": "bedrag"}


def _read(path: Path) -> tuple[list[str], list[str], list[float]]:
    result = read_transactions(path, **COLUMNS)
    tx = result.transactions
    ids = [str(v) for v in result.labels_for(tx.customer).to_pylist()]
    dates = [str(d) for d in tx.t]
    return ids, dates, tx.amount.tolist()


def test_reads_a_plain_comma_separated_file(tmp_path: Path) -> None:
    # given
    path = tmp_path / "orders.csv"
    path.write_text("klant,datum,bedrag,extra\nA1,2024-03-01,12.50,x\nB2,2024-03-02,7,y\n")

    # when
    ids, dates, amounts = _read(path)

    # then
    assert ids == ["A1", "B2"]
    assert dates == ["2024-03-01", "2024-03-02"]
    assert amounts == [12.5, 7.0]


def test_reads_dutch_excel_csv_with_decimal_commas_and_day_first_dates(tmp_path: Path) -> None:
    # given: semicolons, a byte-order mark, decimal commas, dd-mm-yyyy, times and spaces
    path = tmp_path / "bestellingen.csv"
    path.write_bytes(
        "\ufeffklant;datum;bedrag\n"
        "jan ; 03-04-2024;1.234,56\n"
        "piet;2024-04-05 10:15:00;€ 12,5\n"
        "jan;05/04/2024;-3,00\n"
        "kees;06.04.2024;1,234.50\n".encode()
    )

    # when
    ids, dates, amounts = _read(path)

    # then
    assert ids == ["jan", "piet", "jan", "kees"]
    assert dates == ["2024-04-03", "2024-04-05", "2024-04-05", "2024-04-06"]
    assert amounts == [1234.56, 12.5, -3.0, 1234.5]


def test_integer_ids_are_kept_but_leading_zeros_stay_text(tmp_path: Path) -> None:
    # given
    numeric = tmp_path / "numeric.csv"
    numeric.write_text("klant,datum,bedrag\n42,2024-01-01,1\n7,2024-01-02,2\n42,2024-01-03,3\n")
    zeros = tmp_path / "zeros.csv"
    zeros.write_text("klant,datum,bedrag\n007,2024-01-01,1\n7,2024-01-02,2\n")
    signed = tmp_path / "signed.csv"
    signed.write_text("klant,datum,bedrag\n+7,2024-01-01,1\n 7,2024-01-02,2\n0,2024-01-02,2\n")

    # when
    numeric_file = read_transactions(numeric, **COLUMNS)
    zeros_ids, _dates, _amounts = _read(zeros)
    signed_ids, _dates, _amounts = _read(signed)

    # then
    codes = numeric_file.transactions.customer
    assert codes[0] == codes[2] != codes[1]
    assert numeric_file.labels_for(codes).to_pylist() == [42, 7, 42]
    assert zeros_ids == ["007", "7"]
    assert signed_ids == ["+7", "7", "0"]


def test_reads_gzip_compressed_csv(tmp_path: Path) -> None:
    # given
    path = tmp_path / "orders.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("klant\tdatum\tbedrag\nA\t2024-01-01\t5\n")

    # when
    ids, dates, amounts = _read(path)

    # then
    assert (ids, dates, amounts) == (["A"], ["2024-01-01"], [5.0])


def test_reads_typed_and_text_parquet_files(tmp_path: Path) -> None:
    # given: one file with date and timestamp types, one with text columns
    typed = tmp_path / "typed.parquet"
    pq.write_table(
        pa.table(
            {
                "klant": pa.array([10, 11], pa.int64()),
                "datum": pa.array(
                    np.array(["2024-02-01T23:59", "2024-02-03T00:00"], dtype="datetime64[s]")
                ),
                "bedrag": pa.array([1.5, 2.25]),
            }
        ),
        typed,
    )
    text = tmp_path / "text.parquet"
    pq.write_table(pa.table({"klant": ["a"], "datum": ["01-02-2024"], "bedrag": ["3,5"]}), text)

    # when
    typed_result = _read(typed)
    text_result = _read(text)

    # then
    assert typed_result == (["10", "11"], ["2024-02-01", "2024-02-03"], [1.5, 2.25])
    assert text_result == (["a"], ["2024-02-01"], [3.5])


def test_unreadable_cells_are_reported_with_row_and_line_numbers(tmp_path: Path) -> None:
    # given: a bad date on data row 2 and bad amounts on rows 3 and 4
    path = tmp_path / "orders.csv"
    path.write_text(
        "klant,datum,bedrag\na,2024-01-01,1\nb,31-31-2024,2\nc,2024-01-03,twelve\nd,2024-01-04,\n"
    )

    # when
    with pytest.raises(TransactionsFileError) as caught:
        read_transactions(path, **COLUMNS)

    # then: both columns are reported, each with its rows
    message = str(caught.value)
    assert "column 'datum': 1 row(s)" in message
    assert "row 2 (line 3): '31-31-2024'" in message
    assert "column 'bedrag': 2 row(s)" in message
    assert "row 3 (line 4): 'twelve'" in message
    assert "row 4 (line 5): empty" in message


def test_missing_customer_ids_are_reported(tmp_path: Path) -> None:
    # given
    path = tmp_path / "orders.csv"
    path.write_text("klant,datum,bedrag\na,2024-01-01,1\n  ,2024-01-02,1\n")

    # when / then
    with pytest.raises(TransactionsFileError, match=r"without a customer — row 2 \(line 3\)"):
        read_transactions(path, **COLUMNS)


def test_many_bad_rows_are_summarised(tmp_path: Path) -> None:
    # given: 12 bad amounts
    path = tmp_path / "orders.csv"
    path.write_text("klant,datum,bedrag\n" + "a,2024-01-01,?\n" * 12)

    # when / then
    with pytest.raises(TransactionsFileError, match=r"12 row.*and 7 more"):
        read_transactions(path, **COLUMNS)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty"),
        ("klant,datum,bedrag\n", "only a header"),
        ("klant,datum,prijs\na,2024-01-01,1\n", "column 'bedrag' not found; the file has"),
    ],
)
def test_empty_files_and_missing_columns_are_refused(
    tmp_path: Path, content: str, message: str
) -> None:
    # given
    path = tmp_path / "orders.csv"
    path.write_text(content)

    # when / then
    with pytest.raises(TransactionsFileError, match=message):
        read_transactions(path, **COLUMNS)


def test_missing_file_and_parquet_column_are_refused(tmp_path: Path) -> None:
    # given
    path = tmp_path / "orders.parquet"
    pq.write_table(pa.table({"klant": [1], "datum": ["2024-01-01"]}), path)

    # when / then
    with pytest.raises(TransactionsFileError, match="no such file"):
        read_transactions(tmp_path / "missing.csv", **COLUMNS)
    with pytest.raises(TransactionsFileError, match="column 'bedrag' not found"):
        read_transactions(path, **COLUMNS)
    with pytest.raises(TransactionsFileError, match="must be different"):
        read_transactions(path, customer_col="klant", date_col="klant", amount_col="datum")


def test_write_csv_round_trips(tmp_path: Path) -> None:
    # given
    path = tmp_path / "scores.csv"

    # when
    write_csv(path, {"customer_id": pa.array(["a", "b"]), "clv": np.array([1.5, 2.0])})

    # then
    assert path.read_text().splitlines() == ['"customer_id","clv"', '"a",1.5', '"b",2']
