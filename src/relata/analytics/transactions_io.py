"""Read a transactions file (CSV or Parquet) into :class:`~relata.analytics.frames.Transactions`.

Columnar all the way: PyArrow reads and converts whole columns; Python never loops over rows.

CSV: UTF-8 (a byte-order mark is fine), optionally gzip-compressed (``.gz``); the delimiter
(``,`` ``;`` tab or ``|``) is detected from the header line. Every cell is read as text and
converted here, so bad cells can be reported with their row numbers:

* dates: ISO ``yyyy-mm-dd`` (a time after it, ``2024-03-01 10:15`` or ``2024-03-01T10:15``,
  is ignored), ``dd-mm-yyyy``, ``dd/mm/yyyy``, ``dd.mm.yyyy`` and ``yyyy/mm/dd``. Day-first:
  ``03-04-2024`` is 3 April (the European convention; American month-first dates are not
  accepted);
* amounts: ``1234.56``, ``1234,56`` and ``1.234,56`` (decimal comma, as Dutch Excel writes
  them), ``1,234.56`` (English thousands separators); a currency sign (€ $ £) and spaces are
  ignored. A lone comma is a decimal comma: ``1,234`` is 1.234.

Parquet: typed columns are used as they are (date, timestamp, numeric, decimal); text
columns go through the same conversions as CSV.

Row numbers in messages count data rows from 1; for CSV the line in the file (the header is
line 1) is given as well — exact unless quoted cells span several lines.
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from numpy.typing import NDArray

from relata.analytics.frames import Transactions, sort_int_keys

#: How many offending rows a message lists.
SHOWN_ROWS: Final = 5

_DATE_FORMATS: Final = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d")
_DUTCH_NUMBER: Final = r"^[-+]?(\d{1,3}(\.\d{3})+|\d*),\d*$"
_ENGLISH_THOUSANDS: Final = r"^[-+]?\d{1,3}(,\d{3})+(\.\d*)?$"
_PLAIN_NUMBER: Final = r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$"


class TransactionsFileError(ValueError):
    """A transactions file that cannot be read; the message names the column and rows."""


@dataclass(frozen=True)
class TransactionsFile:
    """What was read: the transactions, how many data rows the file held, and the customer
    ids as an Arrow array (``customer_ids[code]``) — kept in Arrow rather than as a NumPy
    object array, which would cost ~60 bytes per customer; see :meth:`labels_for`."""

    transactions: Transactions
    rows: int
    path: Path
    customer_ids: pa.Array

    def labels_for(self, codes: NDArray[np.int64]) -> pa.Array:
        """The customer ids of the given codes (for output files)."""
        return self.customer_ids.take(pa.array(codes))


def read_transactions(
    path: str | Path,
    *,
    customer_col: str,
    date_col: str,
    amount_col: str,
    delimiter: str | None = None,
) -> TransactionsFile:
    """Read the three columns of a transactions CSV/Parquet file and convert them.

    Raises :class:`TransactionsFileError` for a missing file or column, an empty file, and
    cells that are empty or cannot be read as a date or an amount (with their row numbers).
    """
    file = Path(path)
    if not file.is_file():
        raise TransactionsFileError(f"{file}: no such file")
    columns = [customer_col, date_col, amount_col]
    if len(set(columns)) != len(columns):
        raise TransactionsFileError("the customer, date and amount columns must be different")
    is_parquet = file.suffix.lower() in {".parquet", ".parq", ".pq"}
    table = _read_parquet(file, columns) if is_parquet else _read_csv(file, columns, delimiter)
    if table.num_rows == 0:
        raise TransactionsFileError(f"{file}: the file holds no transactions (only a header)")
    line_offset = None if is_parquet else 1

    rows = table.num_rows
    problems: list[str] = []
    customer = labels = days = amount = None
    # Convert one column at a time and drop it from the table, so its text is freed early.
    try:
        customer, labels = _customer_codes(table.column(customer_col), customer_col, line_offset)
    except TransactionsFileError as exc:
        problems.append(str(exc))
    table = table.drop_columns([customer_col])
    _release_memory()
    try:
        days = _day_numbers(table.column(date_col), date_col, line_offset)
    except TransactionsFileError as exc:
        problems.append(str(exc))
    table = table.drop_columns([date_col])
    _release_memory()
    try:
        amount = _amounts(table.column(amount_col), amount_col, line_offset)
    except TransactionsFileError as exc:
        problems.append(str(exc))
    del table
    _release_memory()
    if problems or customer is None or labels is None or days is None or amount is None:
        raise TransactionsFileError(f"{file}: " + "\n".join(problems))
    transactions = Transactions(
        customer=customer,
        t=days.view("datetime64[D]"),
        amount=amount,
    )
    return TransactionsFile(transactions=transactions, rows=rows, path=file, customer_ids=labels)


def _release_memory() -> None:
    """Hand memory Arrow has freed back to the operating system.

    Arrow's allocator keeps freed blocks for reuse, but the NumPy arrays built next come from
    the C allocator and cannot reuse them: without this the peak memory of a run would carry
    the whole CSV parse.
    """
    pa.default_memory_pool().release_unused()


def _header_line(file: Path) -> str:
    opener: Any = gzip.open if file.suffix.lower() == ".gz" else open
    try:
        with opener(file, "rb") as handle:
            raw: bytes = handle.readline(1 << 20)
    except (OSError, EOFError) as exc:
        raise TransactionsFileError(f"{file}: cannot be read ({exc})") from exc
    try:
        return raw.decode("utf-8-sig").strip("\r\n")
    except UnicodeDecodeError as exc:
        raise TransactionsFileError(f"{file}: not UTF-8 text (save the CSV as UTF-8)") from exc


def _detect_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _missing_columns(wanted: Sequence[str], present: Sequence[str], file: Path) -> None:
    missing = [c for c in wanted if c not in present]
    if missing:
        names = ", ".join(repr(c) for c in missing)
        available = ", ".join(repr(c) for c in present) or "none"
        raise TransactionsFileError(
            f"{file}: column {names} not found; the file has the columns {available}"
        )


def _read_csv(file: Path, columns: list[str], delimiter: str | None) -> pa.Table:
    header = _header_line(file)
    if not header.strip():
        raise TransactionsFileError(f"{file}: the file is empty")
    delim = delimiter or _detect_delimiter(header)
    header_names = next(csv.reader([header], delimiter=delim), [])
    _missing_columns(columns, header_names, file)
    try:
        return pa_csv.read_csv(
            file,
            parse_options=pa_csv.ParseOptions(delimiter=delim),
            convert_options=pa_csv.ConvertOptions(
                include_columns=columns,
                column_types=dict.fromkeys(columns, pa.string()),
            ),
        )
    except pa.ArrowInvalid as exc:
        raise TransactionsFileError(f"{file}: not a valid CSV file ({exc})") from exc


def _read_parquet(file: Path, columns: list[str]) -> pa.Table:
    try:
        schema = pq.read_schema(file)
    except (pa.ArrowInvalid, OSError) as exc:
        raise TransactionsFileError(f"{file}: not a valid Parquet file ({exc})") from exc
    _missing_columns(columns, schema.names, file)
    return pq.read_table(file, columns=columns)


def _rows_message(bad: NDArray[np.bool_], values: pa.ChunkedArray, line_offset: int | None) -> str:
    rows = np.flatnonzero(bad)
    shown = []
    for row in rows[:SHOWN_ROWS]:
        value = values[int(row)].as_py()
        where = f"row {row + 1}"
        if line_offset is not None:
            where += f" (line {row + 1 + line_offset})"
        shown.append(f"{where}: {value!r}" if value not in (None, "") else f"{where}: empty")
    more = f" and {rows.size - SHOWN_ROWS} more" if rows.size > SHOWN_ROWS else ""
    return "; ".join(shown) + more


def _blank(values: pa.ChunkedArray) -> NDArray[np.bool_]:
    """True where a cell is null or only whitespace."""
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        empty = pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(values)), 0)
        return np.asarray(pc.fill_null(pc.or_(empty, pc.is_null(values)), True), dtype=bool)
    return np.asarray(pc.is_null(values), dtype=bool)


def _customer_codes(
    values: pa.ChunkedArray, name: str, line_offset: int | None
) -> tuple[NDArray[np.int64], pa.Array]:
    combined = values.combine_chunks()
    # Fast path: integer ids need neither trimming nor hashing, only one sort.
    numbers = _canonical_integers(combined)
    if numbers is not None:
        return _factorise_integers(numbers)
    if _is_text(combined.type):
        combined = pc.utf8_trim_whitespace(combined)
    blank = _blank(pa.chunked_array([combined]))
    if blank.any():
        raise TransactionsFileError(
            f"column {name!r}: {int(blank.sum())} row(s) without a customer — "
            + _rows_message(blank, pa.chunked_array([combined]), line_offset)
        )
    encoded = pc.dictionary_encode(combined)
    codes = np.asarray(encoded.indices, dtype=np.int64)
    return codes, encoded.dictionary


def _is_text(kind: pa.DataType) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _canonical_integers(values: pa.Array) -> NDArray[np.int64] | None:
    """The ids as int64 when every one is an integer written canonically, else None.

    Canonical means no sign, spaces or leading zeros: "007" and "7" are different customers,
    so ids like that stay text.
    """
    if values.null_count:
        return None
    if pa.types.is_integer(values.type):
        return np.asarray(values.to_numpy(zero_copy_only=False), dtype=np.int64)
    if not _is_text(values.type):
        return None
    try:
        # Fails at the first non-integer (text, blank, spaces), so text ids cost little here.
        numbers = np.asarray(pc.cast(values, pa.int64()).to_numpy(), dtype=np.int64)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    for prefix in ("+", "-"):
        if pc.any(pc.starts_with(values, prefix)).as_py():
            return None
    zero = pc.starts_with(values, "0")
    if pc.any(zero).as_py() and not pc.all(pc.equal(pc.filter(values, zero), "0")).as_py():
        return None
    return numbers


def _factorise_integers(numbers: NDArray[np.int64]) -> tuple[NDArray[np.int64], pa.Array]:
    """Dense codes 0..n-1 (in id order) for integer ids, by one sort instead of hashing."""
    low = int(numbers.min())
    span = int(numbers.max()) - low + 1
    if span <= max(4 * numbers.size, 1 << 16):
        # Dense ids (customer numbers): a presence table and its running count, no sort.
        present = np.zeros(span, dtype=bool)
        offsets = numbers - low
        present[offsets] = True
        dense = np.cumsum(present, dtype=np.int64) - 1
        return dense[offsets], pa.array(np.flatnonzero(present) + low)
    if span >= 1 << 40:
        encoded = pc.dictionary_encode(pa.array(numbers))
        return np.asarray(encoded.indices, dtype=np.int64), encoded.dictionary
    sorted_ids, order = sort_int_keys(numbers - low)
    change = np.empty(sorted_ids.size, dtype=bool)
    change[0] = True
    np.not_equal(sorted_ids[1:], sorted_ids[:-1], out=change[1:])
    codes = np.empty(numbers.size, dtype=np.int64)
    codes[order] = np.cumsum(change) - 1
    return codes, pa.array(sorted_ids[change] + low)


def _day_numbers(values: pa.ChunkedArray, name: str, line_offset: int | None) -> NDArray[np.int64]:
    kind = values.type
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        blank = _blank(values)
        if blank.any():
            raise TransactionsFileError(
                f"column {name!r}: {int(blank.sum())} row(s) without a date — "
                + _rows_message(blank, values, line_offset)
            )
        if pa.types.is_timestamp(kind) and kind.tz is not None:
            values = pc.local_timestamp(values)
        days = pc.cast(values, pa.date32()).combine_chunks()
        return np.asarray(days.to_numpy(zero_copy_only=False), dtype="datetime64[D]").astype(
            np.int64
        )
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        raise TransactionsFileError(
            f"column {name!r} holds {kind} values, not dates (expected a date or text column)"
        )
    try:  # Fast path: every cell an ISO date.
        days = pc.cast(values, pa.date32()).combine_chunks()
        if not days.null_count:
            return np.asarray(days.to_numpy(zero_copy_only=False), dtype="datetime64[D]").view(
                np.int64
            )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    text = pc.utf8_trim_whitespace(values).combine_chunks()
    # Drop a time of day after the date, then try each accepted format on what is left.
    date_part = pc.replace_substring_regex(text, pattern=r"[ T].*$", replacement="")
    result = np.zeros(len(text), dtype=np.int64)
    todo = np.ones(len(text), dtype=bool)
    for fmt in _DATE_FORMATS:
        index = np.flatnonzero(todo)
        if index.size == 0:
            break
        subset = pc.take(date_part, pa.array(index))
        parsed = pc.strptime(subset, format=fmt, unit="s", error_is_null=True)
        ok = np.asarray(pc.is_valid(parsed), dtype=bool)
        if ok.any():
            good = pc.cast(pc.filter(parsed, pa.array(ok)), pa.date32())
            result[index[ok]] = np.asarray(
                good.to_numpy(zero_copy_only=False), dtype="datetime64[D]"
            ).astype(np.int64)
            todo[index[ok]] = False
    if todo.any():
        what = "without a date or with a date that cannot be read"
        raise TransactionsFileError(
            f"column {name!r}: {int(todo.sum())} row(s) {what} (use yyyy-mm-dd or "
            f"dd-mm-yyyy) — " + _rows_message(todo, pa.chunked_array([text]), line_offset)
        )
    return result


def _amounts(values: pa.ChunkedArray, name: str, line_offset: int | None) -> NDArray[np.float64]:
    kind = values.type
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        blank = _blank(values)
        amount = np.asarray(
            pc.cast(pc.fill_null(values, 0), pa.float64()).to_numpy(), dtype=np.float64
        )
        bad = blank | ~np.isfinite(amount)
        if bad.any():
            raise TransactionsFileError(
                f"column {name!r}: {int(bad.sum())} row(s) without a valid amount — "
                + _rows_message(bad, values, line_offset)
            )
        return amount
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        raise TransactionsFileError(f"column {name!r} holds {kind} values, not amounts")
    try:  # Fast path: plain decimal numbers with a decimal point.
        cast = pc.cast(values, pa.float64()).combine_chunks()
        if not cast.null_count:
            amount = np.asarray(cast.to_numpy(zero_copy_only=False), dtype=np.float64)
            if np.isfinite(amount).all():
                return amount
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    text = pc.utf8_trim_whitespace(values).combine_chunks()
    cleaned = pc.replace_substring_regex(text, pattern=r"[\s€$£\x{00A0}]", replacement="")
    dutch = pc.match_substring_regex(cleaned, _DUTCH_NUMBER)
    as_dutch = pc.replace_substring(
        pc.replace_substring(cleaned, pattern=".", replacement=""), pattern=",", replacement="."
    )
    english = pc.match_substring_regex(cleaned, _ENGLISH_THOUSANDS)
    as_english = pc.replace_substring(cleaned, pattern=",", replacement="")
    normalised = pc.if_else(dutch, as_dutch, pc.if_else(english, as_english, cleaned))
    valid = np.asarray(
        pc.fill_null(pc.match_substring_regex(normalised, _PLAIN_NUMBER), False), dtype=bool
    )
    if not valid.all():
        raise TransactionsFileError(
            f"column {name!r}: {int((~valid).sum())} row(s) without an amount or with an "
            "amount that cannot be read as a number — "
            + _rows_message(~valid, pa.chunked_array([text]), line_offset)
        )
    amount = np.asarray(pc.cast(normalised, pa.float64()).to_numpy(zero_copy_only=False))
    return amount.astype(np.float64)


def write_csv(path: str | Path, columns: dict[str, pa.Array | NDArray[Any]]) -> None:
    """Write equally long columns to a UTF-8 CSV file with a header (PyArrow's writer)."""
    table = pa.table(
        {
            name: values if isinstance(values, pa.Array) else pa.array(values)
            for name, values in columns.items()
        }
    )
    try:
        pa_csv.write_csv(table, str(path))
    except OSError as exc:
        raise TransactionsFileError(f"{path}: cannot be written ({exc})") from exc
