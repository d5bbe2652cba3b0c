"""Bulk database access for imports: look-ups in chunks, id allocation and fast inserts.

On PostgreSQL rows go in with COPY; elsewhere with one ``executemany`` per batch. Rows are
plain tuples of ``int``, ``str`` (numbers and dates already in ISO notation) or ``None`` —
no model instances on the hot path.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

import numpy as np
from django.db import connection, models
from django.db.models.expressions import RawSQL
from psycopg.copy import QueuedLibpqWriter

from relata.imports.validate import Progress

T = TypeVar("T")
LOOKUP_CHUNK = 2000  # SQLite allows at most 32,766 parameters; 2,000 suits both
INSERT_BATCH = 50_000

Row = tuple[Any, ...]


def chunked(values: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def lookup(
    queryset: models.QuerySet[Any], field_name: str, values: Iterable[Any], *columns: str
) -> list[tuple[Any, ...]]:
    """``queryset.filter(<field>__in=values).values_list(*columns)`` in chunks."""
    unique = set(values)
    unique.discard(None)
    unique.discard("")
    distinct = list(unique)
    found: list[tuple[Any, ...]] = []
    if is_postgres():
        # One array parameter instead of thousands of placeholders.
        array = "bigint[]" if distinct and isinstance(distinct[0], int) else "text[]"
        for chunk in chunked(distinct, 100_000):
            subquery = RawSQL(f"SELECT unnest(%s::{array})", [list(chunk)])  # noqa: S611
            found.extend(
                queryset.filter(**{f"{field_name}__in": subquery}).values_list(*columns)
            )
        return found
    for chunk in chunked(distinct, LOOKUP_CHUNK):
        found.extend(queryset.filter(**{f"{field_name}__in": chunk}).values_list(*columns))
    return found


def db_datetime(value: datetime) -> str:
    """An aware datetime as the database column wants it written."""
    adapted = connection.ops.adapt_datetimefield_value(value)
    return str(adapted)


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """Reserve ``count`` primary keys; call inside the import's transaction."""
    if count == 0:
        return []
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if is_postgres():
            if count < 1000:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [table, pk, count],
                )
                return [row[0] for row in cursor.fetchall()]
            # Reserve a range in one step. The lock keeps other writers (whose inserts take
            # ids from the same sequence) out until the import commits.
            cursor.execute(f'LOCK TABLE "{table}" IN SHARE ROW EXCLUSIVE MODE')
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s))", [table, pk])
            start = cursor.fetchone()[0]
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, %s), %s)", [table, pk, start + count - 1]
            )
            return list(range(start, start + count))
        cursor.execute(f'SELECT COALESCE(MAX("{pk}"), 0) FROM "{table}"')  # noqa: S608
        top = cursor.fetchone()[0]
        if connection.vendor == "sqlite":
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            seq = cursor.fetchone()
            if seq and seq[0] and seq[0] > top:
                top = seq[0]
        return list(range(top + 1, top + 1 + count))


def update_rows(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Row]
) -> None:
    """``UPDATE table SET columns WHERE id = last value`` for each row tuple."""
    if not rows:
        return
    table = model._meta.db_table
    pk = model._meta.pk.column
    assignments = ", ".join(f'"{c}" = %s' for c in columns)
    sql = f'UPDATE "{table}" SET {assignments} WHERE "{pk}" = %s'  # noqa: S608
    with connection.cursor() as cursor:
        for batch in chunked(rows, INSERT_BATCH):
            cursor.executemany(sql, batch)


def delete_where_in(model: type[models.Model], column: str, values: Sequence[int]) -> None:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        for chunk in chunked(values, LOOKUP_CHUNK):
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f'DELETE FROM "{table}" WHERE "{column}" IN ({marks})',  # noqa: S608
                list(chunk),
            )


def insert_columns(
    model: type[models.Model],
    columns: Sequence[str],
    values: Sequence[Sequence[Any]],
    *,
    text_columns: Sequence[int] = (),
    progress: Progress | None = None,
) -> None:
    """Insert column lists (all of one length) into the model's table; COPY on PostgreSQL.

    Only ``text_columns`` may hold text that needs COPY escaping; the other columns hold
    numbers, dates and codes, and are not None."""
    if not values or not values[0]:
        return
    size = len(values[0])
    table = model._meta.db_table
    quoted = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        if is_postgres():
            # CSV format: the csv module quotes what needs it, in C. Empty text stays empty
            # text (FORCE_NOT_NULL); only None becomes NULL.
            options = "FORMAT csv"
            if text_columns:
                names = ", ".join(f'"{columns[i]}"' for i in text_columns)
                options += f", FORCE_NOT_NULL ({names})"
            sql = f'COPY "{table}" ({quoted}) FROM STDIN WITH ({options})'
            raw = cursor.cursor
            # A worker thread sends the data, so formatting the next batch overlaps with
            # sending and with the server's parsing.
            with raw.copy(sql, writer=QueuedLibpqWriter(raw)) as copy:
                for start in range(0, size, INSERT_BATCH):
                    buffer = io.StringIO()
                    rows = zip(*(column[start : start + INSERT_BATCH] for column in values),
                               strict=True)
                    csv.writer(buffer, lineterminator="\n").writerows(rows)
                    copy.write(buffer.getvalue())
                    if progress:
                        progress.advance(min(INSERT_BATCH, size - start))
            return
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f'INSERT INTO "{table}" ({quoted}) VALUES ({placeholders})'  # noqa: S608
        for start in range(0, size, INSERT_BATCH):
            batch = list(zip(*(column[start : start + INSERT_BATCH] for column in values),
                             strict=True))
            cursor.executemany(sql, batch)
            if progress:
                progress.advance(len(batch))


def table_rows_estimate(model: type[models.Model]) -> int:
    """PostgreSQL's estimate of the table's row count (0 on other databases)."""
    if not is_postgres():
        return 0
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        estimate = cursor.fetchone()[0]
        if estimate is None or estimate < 0:  # never analysed: count, up to a limit
            cursor.execute(
                f'SELECT count(*) FROM (SELECT 1 FROM "{table}" LIMIT 10000000) AS t'  # noqa: S608
            )
            estimate = cursor.fetchone()[0]
    return int(estimate)


# Foreign keys, then unique constraints (re-added in this order reversed).
_CONSTRAINTS = (
    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY contype"
)
_SECONDARY_INDEXES = (
    "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
    "JOIN pg_class i ON i.oid = x.indexrelid "
    "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND NOT x.indisunique "
    "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)"
)


@contextmanager
def bulk_load(tables: Sequence[type[models.Model]], *, enabled: bool) -> Iterator[None]:
    """PostgreSQL's advice for populating a database: load the rows without secondary
    indexes, unique constraints and foreign keys, then rebuild the indexes and re-add (and so
    validate, each in one set-based pass) the constraints. Only for rows the import has
    checked itself (unique order numbers, existing customers and products); if a check still
    fails, the transaction rolls everything back, dropped indexes included. Use inside the
    import's transaction before any other write to these tables. Primary keys stay. Takes an
    exclusive lock on the tables until commit."""
    if not enabled or not is_postgres():
        yield
        return
    saved: list[tuple[str, list[tuple[str, str]], list[tuple[str, str]]]] = []
    with connection.cursor() as cursor:
        # Run the deferred foreign-key checks queued so far (for example of products created
        # just before): PostgreSQL refuses ALTER TABLE on a table with pending checks.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for model in tables:
            table = model._meta.db_table
            cursor.execute(_CONSTRAINTS, [table])
            constraints = list(cursor.fetchall())
            cursor.execute(_SECONDARY_INDEXES, [table])
            indexes = list(cursor.fetchall())
            for name, _definition in constraints:
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            saved.append((table, constraints, indexes))
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, constraints, indexes in saved:
            for _name, definition in indexes:
                cursor.execute(definition)
            for name, definition in reversed(constraints):  # unique ones first
                cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')


def copy_scaled(
    model: type[models.Model],
    integers: dict[str, np.ndarray[Any, Any]],
    scaled: dict[str, np.ndarray[Any, Any]],
    *,
    progress: Progress | None = None,
) -> None:
    """PostgreSQL: insert rows given as NumPy int64 columns — ``integers`` (bigint columns)
    and ``scaled`` (numeric columns with 2 decimals, given in hundredths, 0 ≤ value <
    10**14) — with primary keys reserved up front, by one binary COPY whose rows NumPy
    builds: every field has a fixed width, so no Python runs per row.

    A numeric is sent as 4 base-10,000 digits (10**8, 10**4, 1 and 1/10,000, so weight 2 and
    display scale 2); PostgreSQL strips the leading and trailing zero digits itself."""
    size = len(next(iter(integers.values())))
    if size == 0:
        return
    ids = np.asarray(allocate_ids(model, size), dtype=np.int64)
    bigints = {model._meta.pk.column: ids, **integers}
    fields: list[tuple[str, str]] = [("count", ">i2")]
    for name in bigints:
        fields += [(f"{name}_length", ">i4"), (name, ">i8")]
    for name in scaled:
        fields += [(f"{name}_length", ">i4")]
        fields += [(f"{name}_{part}", ">i2") for part in ("n", "weight", "sign", "scale")]
        fields += [(f"{name}_d{digit}", ">i2") for digit in range(4)]
    # The constant parts of every row (field count, lengths, numeric headers) come from a
    # template row copied in one pass; then only the values are filled in.
    template = np.zeros(1, dtype=np.dtype(fields))
    template["count"] = len(bigints) + len(scaled)
    for name in bigints:
        template[f"{name}_length"] = 8
    for name in scaled:
        template[f"{name}_length"] = 16
        template[f"{name}_n"] = 4
        template[f"{name}_weight"] = 2
        template[f"{name}_scale"] = 2
    records = np.empty(size, dtype=template.dtype)
    records[:] = template[0]
    for name, values in bigints.items():
        records[name] = values
    for name, values in scaled.items():
        whole, hundredths = np.divmod(np.asarray(values, dtype=np.int64), 100)
        if whole.max() >= 10**8:
            records[f"{name}_d0"] = whole // 10**8
        records[f"{name}_d1"] = whole // 10**4 % 10**4
        records[f"{name}_d2"] = whole % 10**4
        records[f"{name}_d3"] = hundredths * 100
    table = model._meta.db_table
    quoted = ", ".join(f'"{name}"' for name in [*bigints, *scaled])
    with connection.cursor() as cursor, cursor.cursor.copy(
        f'COPY "{table}" ({quoted}) FROM STDIN (FORMAT binary)'
    ) as copy:
        copy.write(b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8)
        data = memoryview(records.tobytes())
        step = records.dtype.itemsize * INSERT_BATCH
        for start in range(0, len(data), step):
            copy.write(data[start : start + step])
            if progress:
                progress.advance(min(INSERT_BATCH, size - start // records.dtype.itemsize))
        copy.write(b"\xff\xff")
