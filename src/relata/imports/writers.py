"""Bulk database access for imports: look-ups in chunks, id allocation and fast inserts.

On PostgreSQL rows go in with COPY; elsewhere with one ``executemany`` per batch. Rows are
plain tuples of ``int``, ``str`` (numbers and dates already in ISO notation) or ``None`` —
no model instances on the hot path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

from django.db import connection, models

from relata.imports.validate import Progress

T = TypeVar("T")
LOOKUP_CHUNK = 2000
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
    distinct = sorted({v for v in values if v not in (None, "")})
    found: list[tuple[Any, ...]] = []
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
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f'SELECT COALESCE(MAX("{pk}"), 0) FROM "{table}"')  # noqa: S608
        top = cursor.fetchone()[0]
        if connection.vendor == "sqlite":
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            seq = cursor.fetchone()
            if seq and seq[0] and seq[0] > top:
                top = seq[0]
        return list(range(top + 1, top + 1 + count))


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    return str(value)


def copy_line_formatter(text_columns: Sequence[int], width: int) -> Callable[[Row], str]:
    """A fast row → COPY text line function; only ``text_columns`` may need escaping."""
    escaped = set(text_columns)

    def fmt(row: Row) -> str:
        return "\t".join(
            _copy_text(v) if i in escaped or v is None else str(v) for i, v in enumerate(row)
        ) + "\n"

    if not escaped:

        def fmt_plain(row: Row) -> str:
            return "\t".join(["\\N" if v is None else str(v) for v in row]) + "\n"

        return fmt_plain
    return fmt


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Row],
    *,
    text_columns: Sequence[int] = (),
    progress: Progress | None = None,
) -> None:
    """Insert plain tuples into the model's table (COPY on PostgreSQL)."""
    if not rows:
        return
    table = model._meta.db_table
    quoted = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        if is_postgres():
            fmt = copy_line_formatter(text_columns, len(columns))
            raw = cursor.cursor  # the psycopg cursor underneath Django's wrapper
            with raw.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                for batch in chunked(rows, INSERT_BATCH):
                    copy.write("".join(map(fmt, batch)))
                    if progress:
                        progress.advance(len(batch))
            return
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f'INSERT INTO "{table}" ({quoted}) VALUES ({placeholders})'  # noqa: S608
        for batch in chunked(rows, INSERT_BATCH):
            cursor.executemany(sql, batch)
            if progress:
                progress.advance(len(batch))


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
