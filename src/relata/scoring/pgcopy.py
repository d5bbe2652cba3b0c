"""PostgreSQL binary COPY of NumPy columns: the rows are built by NumPy, no Python per row.

In PostgreSQL's binary COPY format every row is a field count followed, per field, by the
length of its value and the value in network byte order; a NULL is the length -1 and no
value. Without NULLs every field of a fixed-size type has the same width in every row, so
a block of rows is one NumPy structured array. Rows with a NULL (or a NaN numeric, which is
shorter) in the same fields form a block of their own; the order of rows does not matter
to a table.

A ``numeric`` with 2 decimals is sent as four base-10,000 digits (10**8, 10**4, 1 and
1/10,000: weight 2, display scale 2); PostgreSQL strips leading and trailing zero digits
itself. (The import writes order lines the same way, see decision 0101.)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection
from numpy.typing import NDArray
from psycopg.copy import QueuedLibpqWriter

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8  # signature, flags, no header extension
TRAILER = b"\xff\xff"
POSTGRES_EPOCH_DAYS = 10_957  # 2000-01-01 in days since 1970-01-01
NUMERIC_NEGATIVE = 0x4000
NUMERIC_NAN = 0xC000
MAX_WHOLE = 10**12  # numeric(14, 2)
MONEY_TYPE = re.compile(r"numeric\(\s*14\s*,\s*2\s*\)")

# Fixed-size types: NumPy type of the value in network byte order.
_FIXED = {
    "bigint": ">i8",
    "integer": ">i4",
    "smallint": ">i2",
    "boolean": "u1",
    "double precision": ">f8",
    "date": ">i4",  # days since 2000-01-01
}
# Kinds of value per row and field.
VALUE, NULL, NAN = 0, 1, 2


@dataclass(frozen=True)
class Column:
    """One column to copy: its database type (as Django's ``db_type`` gives it, e.g.
    "smallint", "numeric(14, 2)", "date" as days since 1970-01-01), the values and where
    they are NULL."""

    name: str
    db_type: str
    values: NDArray[Any]
    null: NDArray[np.bool_] | None = None

    @property
    def is_money(self) -> bool:
        return MONEY_TYPE.fullmatch(self.db_type) is not None

    def kinds(self) -> NDArray[np.int8]:
        kinds = np.zeros(self.values.size, np.int8)
        if self.is_money:
            finite = np.isfinite(self.values)
            if np.isinf(self.values).any():
                raise ValueError(f"{self.name}: an infinite amount cannot be stored")
            kinds[~finite] = NAN
        if self.null is not None:
            kinds[self.null] = NULL
        return kinds


def copy_binary(
    table: str,
    columns: list[Column],
    *,
    batch: int = 100_000,
    progress: Callable[[int], object] | None = None,
) -> None:
    """Insert the columns' rows into ``table`` with one binary COPY, ``batch`` rows per
    block; a worker thread sends each block while NumPy builds the next."""
    for column in columns:
        if not column.is_money and column.db_type not in _FIXED:
            raise ValueError(f"{column.name}: no binary COPY for type {column.db_type}")
    size = columns[0].values.size if columns else 0
    names = ", ".join(f'"{column.name}"' for column in columns)
    with connection.cursor() as cursor:
        writer = QueuedLibpqWriter(cursor.cursor)
        with cursor.cursor.copy(
            f'COPY "{table}" ({names}) FROM STDIN (FORMAT binary)', writer=writer
        ) as copy:
            copy.write(SIGNATURE)
            for start in range(0, size, batch):
                stop = min(start + batch, size)
                block = [
                    Column(
                        c.name,
                        c.db_type,
                        c.values[start:stop],
                        None if c.null is None else c.null[start:stop],
                    )
                    for c in columns
                ]
                copy.write(_rows(block))
                if progress:
                    progress(stop - start)
            copy.write(TRAILER)


def _rows(columns: list[Column]) -> bytes:
    """The binary COPY rows of equally long columns, grouped by where NULLs and NaNs are."""
    kinds = [column.kinds() for column in columns]
    varying = [i for i, k in enumerate(kinds) if k.any()]
    if varying:
        combos, group = np.unique(
            np.stack([kinds[i] for i in varying], axis=1), axis=0, return_inverse=True
        )
        group = group.reshape(-1)
    else:
        combos, group = np.zeros((1, 0), np.int8), np.zeros(columns[0].values.size, np.intp)
    parts = []
    for number, combo in enumerate(combos):
        rows = np.flatnonzero(group == number)
        kind_of = dict.fromkeys(range(len(columns)), VALUE)
        kind_of.update({i: int(k) for i, k in zip(varying, combo, strict=True)})
        parts.append(_block(columns, rows, kind_of))
    return b"".join(parts)


def _block(columns: list[Column], rows: NDArray[np.intp], kind_of: dict[int, int]) -> bytes:
    """Rows that have the same kind of value (value, NULL, NaN) in every field."""
    fields: list[tuple[str, str]] = [("count", ">i2")]
    for i, column in enumerate(columns):
        fields.append((f"{i}_length", ">i4"))
        if kind_of[i] == NULL:
            continue
        if column.is_money:
            fields += [(f"{i}_{part}", ">i2") for part in ("n", "weight", "sign", "scale")]
            if kind_of[i] == VALUE:
                fields += [(f"{i}_d{digit}", ">i2") for digit in range(4)]
        else:
            fields.append((f"{i}", _FIXED[column.db_type]))
    records = np.zeros(rows.size, dtype=np.dtype(fields))
    records["count"] = len(columns)
    for i, column in enumerate(columns):
        kind = kind_of[i]
        if kind == NULL:
            records[f"{i}_length"] = -1
        elif column.is_money and kind == NAN:
            records[f"{i}_length"] = 8
            records[f"{i}_sign"] = NUMERIC_NAN - 0x10000  # as a signed 16-bit value
        elif column.is_money:
            _money(records, i, column, rows)
        else:
            values = column.values[rows]
            if column.db_type == "date":
                values = values - POSTGRES_EPOCH_DAYS
            target = np.dtype(_FIXED[column.db_type])
            if target.kind == "i" and values.size:
                limits = np.iinfo(target)
                if values.min() < limits.min or values.max() > limits.max:
                    raise ValueError(f"{column.name}: a value out of range for {column.db_type}")
            records[f"{i}_length"] = target.itemsize
            records[f"{i}"] = values
    return records.tobytes()


def _money(records: NDArray[Any], i: int, column: Column, rows: NDArray[np.intp]) -> None:
    cents = np.rint(column.values[rows].astype(np.float64) * 100).astype(np.int64)
    whole, hundredths = np.divmod(np.abs(cents), 100)
    if (whole >= MAX_WHOLE).any():
        raise ValueError(f"{column.name}: an amount of 10**12 or more cannot be stored")
    records[f"{i}_length"] = 16
    records[f"{i}_n"] = 4
    records[f"{i}_weight"] = 2
    records[f"{i}_scale"] = 2
    records[f"{i}_sign"] = np.where(cents < 0, NUMERIC_NEGATIVE, 0)
    records[f"{i}_d0"] = whole // 10**8
    records[f"{i}_d1"] = whole // 10**4 % 10**4
    records[f"{i}_d2"] = whole % 10**4
    records[f"{i}_d3"] = hundredths * 100
