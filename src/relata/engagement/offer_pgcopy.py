"""PostgreSQL binary COPY of rows with fixed-size columns and one ``jsonb`` column.

``relata.scoring.pgcopy`` copies fixed-size columns only. An offer's evidence is a small JSON
object that depends only on how the offer was reached (the rule, the dearer variant, the
repeat rate), so a run has as many distinct evidence values as edges (thousands) while it has
millions of rows. Each row names its value by a code; rows are grouped by the byte length of
their value, and the rows of one group are one NumPy structured array (fixed widths again), so
no Python code runs per row.

In the binary format every field is its length (``>i4``) and its value in network byte order;
a ``jsonb`` value is the version byte 1 and the JSON text in UTF-8.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection
from numpy.typing import NDArray
from psycopg.copy import QueuedLibpqWriter

from relata.scoring.pgcopy import SIGNATURE, TRAILER

# NumPy types (network byte order) of the fixed-size PostgreSQL types used here.
FIXED_TYPES = {
    "bigint": ">i8",
    "integer": ">i4",
    "smallint": ">i2",
    "double precision": ">f8",
}
JSONB_VERSION = 1


@dataclass(frozen=True)
class FixedColumn:
    name: str
    db_type: str  # as Django's ``db_type`` gives it
    values: NDArray[Any]


def copy_with_json(
    table: str,
    columns: list[FixedColumn],
    *,
    json_column: str,
    json_code: NDArray[np.int64],
    json_values: list[bytes],
    batch: int = 100_000,
) -> None:
    """Insert ``len(json_code)`` rows: the fixed columns, and ``json_values[json_code[i]]``
    (JSON text, UTF-8) as the ``jsonb`` column of row ``i``."""
    for column in columns:
        if column.db_type not in FIXED_TYPES:
            raise ValueError(f"{column.name}: no binary COPY for type {column.db_type}")
        target = np.dtype(FIXED_TYPES[column.db_type])
        if target.kind == "i" and column.values.size:
            limits = np.iinfo(target)
            if column.values.min() < limits.min or column.values.max() > limits.max:
                raise ValueError(f"{column.name}: a value out of range for {column.db_type}")
    lengths = np.array([len(value) for value in json_values], dtype=np.int64)
    names = ", ".join(f'"{name}"' for name in [c.name for c in columns] + [json_column])
    with connection.cursor() as cursor:
        writer = QueuedLibpqWriter(cursor.cursor)
        with cursor.cursor.copy(
            f'COPY "{table}" ({names}) FROM STDIN (FORMAT binary)', writer=writer
        ) as copy:
            copy.write(SIGNATURE)
            for start in range(0, json_code.size, batch):
                stop = min(start + batch, json_code.size)
                copy.write(_rows(columns, json_code, json_values, lengths, start, stop))
            copy.write(TRAILER)


def _rows(
    columns: list[FixedColumn],
    json_code: NDArray[np.int64],
    json_values: list[bytes],
    lengths: NDArray[np.int64],
    start: int,
    stop: int,
) -> bytes:
    codes = json_code[start:stop]
    row_length = lengths[codes]
    parts = []
    for length in np.unique(row_length).tolist():
        rows = np.flatnonzero(row_length == length)
        fields: list[tuple[str, str]] = [("count", ">i2")]
        for i, column in enumerate(columns):
            fields += [(f"{i}_length", ">i4"), (f"{i}", FIXED_TYPES[column.db_type])]
        fields += [("json_length", ">i4"), ("json_version", "u1"), ("json", f"S{length}")]
        records = np.zeros(rows.size, dtype=np.dtype(fields))
        records["count"] = len(columns) + 1
        for i, column in enumerate(columns):
            records[f"{i}_length"] = np.dtype(FIXED_TYPES[column.db_type]).itemsize
            records[f"{i}"] = column.values[start:stop][rows]
        # The distinct values of this length, and each row's position among them.
        used = np.unique(codes[rows])
        texts = np.array([json_values[code] for code in used.tolist()], dtype=f"S{length}")
        records["json_length"] = length + 1
        records["json_version"] = JSONB_VERSION
        records["json"] = texts[np.searchsorted(used, codes[rows])]
        parts.append(records.tobytes())
    return b"".join(parts)
