"""Pure tests of encoding/delimiter/number/date detection and the cell parsers."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from relata.imports.headers import ImportFileError, map_headers, parse_map_options
from relata.imports.parsing import (
    COMMA,
    POINT,
    neutralise_formula,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_email,
    parse_integer,
    parse_scaled,
    unquote_formula,
)
from relata.imports.sniff import (
    ReadOptions,
    decode,
    detect_dayfirst,
    detect_decimal,
    detect_delimiter,
    read_table,
)


@pytest.mark.parametrize(
    ("text", "style", "expected"),
    [
        ("1.234,56", COMMA, 123456),
        ("12,5", COMMA, 1250),
        ("€ 1 234,00", COMMA, 123400),
        ("1,234.56", POINT, 123456),
        ("12.5", POINT, 1250),
        ("-3", POINT, -300),
        ("1.234", COMMA, 123400),
        ("0.10000", POINT, 10),
    ],
)
def test_parse_scaled_reads_both_decimal_styles(text: str, style: str, expected: int) -> None:
    # given / when
    value, error = parse_scaled(text, style)
    # then
    assert error is None
    assert value == expected


def test_parse_scaled_explains_the_wrong_decimal_style() -> None:
    # given a decimal point in a decimal-comma file
    # when
    value, error = parse_scaled("12.50", COMMA)
    # then
    assert value is None
    assert error is not None and "decimal point" in error


def test_parse_scaled_rejects_text_and_extra_decimals() -> None:
    assert parse_scaled("abc", POINT)[1] is not None
    assert parse_scaled("1.005", POINT)[1] is not None
    assert parse_scaled("", POINT) == (None, None)


@pytest.mark.parametrize(
    ("text", "dayfirst", "expected"),
    [
        ("2024-03-05", True, date(2024, 3, 5)),
        ("05-03-2024", True, date(2024, 3, 5)),
        ("5/3/2024", True, date(2024, 3, 5)),
        ("3/5/2024", False, date(2024, 3, 5)),
        ("31.12.2023", True, date(2023, 12, 31)),
        ("2024-03-05 00:00:00", True, date(2024, 3, 5)),
    ],
)
def test_parse_date_formats(text: str, dayfirst: bool, expected: date) -> None:
    assert parse_date(text, dayfirst) == (expected, None)


@pytest.mark.parametrize(
    "text", ["31-02-2024", "13/13/2024", "5-3-24", "morgen", "2024-03-05 14:00"]
)
def test_parse_date_errors_have_a_reason(text: str) -> None:
    value, error = parse_date(text, True)
    assert value is None
    assert error


def test_parse_datetime_keeps_time_fraction_and_offset() -> None:
    # given / when
    value, error = parse_datetime("05-03-2024 14:30:15.250", True)
    with_offset, _ = parse_datetime("2024-03-05T14:30:00+01:00", True)
    # then
    assert error is None
    assert value == datetime(2024, 3, 5, 14, 30, 15, 250000)
    assert with_offset is not None and with_offset.utcoffset().total_seconds() == 3600


def test_small_parsers() -> None:
    assert parse_email("jan@example.nl") == ("jan@example.nl", None)
    assert parse_email("jan@")[1]
    assert parse_bool("Ja") == (True, None)
    assert parse_bool("nee") == (False, None)
    assert parse_bool("misschien")[1]
    assert parse_integer("3,0") == (3, None)
    assert parse_integer("3,5")[1]


def test_formula_cells_are_neutralised_and_restored() -> None:
    for text in ("=1+1", "+31 6 1234", "-5", "@SUM(A1)"):
        assert neutralise_formula(text) == "'" + text
        assert unquote_formula(neutralise_formula(text)) == text
    assert neutralise_formula("Jansen") == "Jansen"


def test_decode_detects_bom_utf8_and_windows_1252() -> None:
    assert decode("é;x".encode("utf-8-sig"), None)[1:3] == ("UTF-8", True)
    assert decode("é;x".encode(), None)[1:3] == ("UTF-8", False)
    assert decode("é;x".encode("cp1252"), None)[1] == "Windows-1252"
    assert decode("é;x".encode("utf-16"), None)[0] == "é;x"


def test_decode_with_a_wrong_given_encoding_names_the_line() -> None:
    with pytest.raises(ImportFileError, match="line 2"):
        decode("a;b\né;x\n".encode("cp1252"), "utf-8")


def test_detect_delimiter_prefers_consistent_splits() -> None:
    assert detect_delimiter("Naam;Plaats\nJansen, Piet;Utrecht\n") == ";"
    assert detect_delimiter("Name,City\nSmith,London\n") == ","
    assert detect_delimiter("Name\tCity\nSmith\tLondon\n") == "\t"


def test_detect_decimal_and_dayfirst_by_majority() -> None:
    assert detect_decimal(["12,50", "1.234,00", "3"]) == COMMA
    assert detect_decimal(["12.50", "1,234.00"]) == POINT
    assert detect_decimal(["1,234", "7"]) is None
    assert detect_dayfirst(["13-01-2024", "01-02-2024"]) is True
    assert detect_dayfirst(["01/13/2024"]) is False
    assert detect_dayfirst(["01/02/2024"]) is None


def test_read_table_handles_sep_line_and_blank_rows() -> None:
    # given an Excel 'sep=' hint and a blank line
    data = b"sep=;\r\nA;B\r\n1;2\r\n;\r\n3;4\r\n"
    # when
    table = read_table(data, "x.csv", ReadOptions())
    # then
    assert table.settings.delimiter == ";"
    assert table.headers == ["A", "B"]
    assert table.rows == [["1", "2"], ["3", "4"]]
    assert table.row_numbers == [2, 4]


def test_headers_are_recognised_in_dutch_and_english_and_by_map() -> None:
    # given
    headers = ["Klantnummer", "E-mail address", "Woonplaats", "Lievelingskleur", "Klant sinds"]
    # when
    mapping = map_headers("customers", headers, parse_map_options(["Klant sinds=notes"]))
    # then
    assert mapping.columns == {"customer_number": 0, "email": 1, "city": 2, "notes": 4}
    assert mapping.unknown == ["Lievelingskleur"]


def test_map_to_an_unknown_field_is_a_clear_error() -> None:
    with pytest.raises(ImportFileError, match="not a field"):
        map_headers("customers", ["Kleur"], {"Kleur": "colour"})
    with pytest.raises(ImportFileError, match="no such column"):
        map_headers("customers", ["Kleur"], {"Color": "notes"})


def test_missing_required_column_names_it() -> None:
    with pytest.raises(ImportFileError, match="Order number"):
        map_headers("orders", ["Klantnummer", "Datum", "Bedrag"], {})


def test_fast_split_matches_the_csv_module_and_catches_balanced_ragged_rows() -> None:
    # given a regular file, and one where a short and a long line balance each other
    regular = "A;B;C\n1;2;3\n4;;6\n;8;9\n"
    balanced = "A;B;C\n1;2\n4;5;6;7\n"
    # when
    table = read_table(regular.encode(), "r.csv", ReadOptions())
    ragged = read_table(balanced.encode(), "b.csv", ReadOptions())
    # then
    assert table.rows == [["1", "2", "3"], ["4", "", "6"], ["", "8", "9"]]
    assert table.columns[1] == ["2", "", "8"]
    assert [reason for _i, reason in ragged.ragged] == [
        "the row has 2 cells, the header has 3",
        "the row has 4 cells, the header has 3",
    ]


def test_numeric_column_fast_path_equals_cell_parsing() -> None:
    # given many distinct plain numbers
    from relata.imports.validate import money_parser

    values = [f"{n},{n % 100:02d}" for n in range(5000)]
    parser = money_parser(COMMA, digits=12)
    # when
    fast = parser.column(values)  # type: ignore[attr-defined]
    # then
    assert fast == [parser(v)[0] for v in values]
    assert parser.column([*values, "-1"]) is None  # type: ignore[attr-defined]
