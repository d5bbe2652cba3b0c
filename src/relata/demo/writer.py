"""Write generated tables into the database: COPY on PostgreSQL, executemany elsewhere.

The tables carry explicit ids, so on PostgreSQL the id sequences are moved past them
afterwards. Everything happens in one transaction: a failed load leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Model

from relata.demo.tables import Column, DemoData, S, Table
from relata.demo.text import money_text

# Tables at least this long load without their secondary indexes (PostgreSQL).
BULK_ROWS = 20_000
_COPY_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))


def _copy_text(column: Column) -> np.ndarray:
    """Values in PostgreSQL's COPY text format (NULL as \\N)."""
    values = column.values
    if column.kind == "str":
        text = values.astype(S)
        for raw, escaped in _COPY_ESCAPES:
            if np.any(np.strings.find(text, raw) >= 0):
                text = np.strings.replace(text, raw, escaped)
    elif column.kind == "int":
        text = values.astype(S)
    elif column.kind == "bool":
        text = np.where(values, "t", "f").astype(S)
    elif column.kind == "date":
        text = np.datetime_as_string(values.astype("datetime64[D]")).astype(S)
    elif column.kind == "datetime":
        stamp = np.datetime_as_string(values.astype("datetime64[s]")).astype(S)
        text = np.strings.add(stamp, "+00")
    elif column.kind == "money":
        text = money_text(values)
    else:  # pragma: no cover - the Column type admits no other kind
        raise ValueError(column.kind)
    if column.null is not None:
        text = np.where(column.null, "\\N", text).astype(S)
    return text


def _sqlite_values(column: Column) -> list[Any]:
    """Values as Django stores them on SQLite (dates and datetimes as ISO text in UTC)."""
    values = column.values
    out: list[Any]
    if column.kind in ("str", "int"):
        out = values.tolist()
    elif column.kind == "bool":
        out = values.astype(np.int64).tolist()
    elif column.kind == "date":
        out = np.datetime_as_string(values.astype("datetime64[D]")).tolist()
    elif column.kind == "datetime":
        out = np.strings.replace(
            np.datetime_as_string(values.astype("datetime64[s]")).astype(S), "T", " "
        ).tolist()
    elif column.kind == "money":
        out = money_text(values).tolist()
    else:  # pragma: no cover
        raise ValueError(column.kind)
    if column.null is not None:
        for i in np.flatnonzero(column.null).tolist():
            out[i] = None
    return out


def _db_columns(model: type[Model], table: Table) -> list[str]:
    by_attname = {f.attname: f.column for f in model._meta.concrete_fields}
    missing = set(by_attname) - set(table.columns)
    unknown = set(table.columns) - set(by_attname)
    if missing or unknown:
        raise ValueError(
            f"{table.model}: columns do not match the model "
            f"(missing {sorted(missing)}, unknown {sorted(unknown)})"
        )
    return [by_attname[name] for name in table.columns]


def _chunks(table: Table, chunk_rows: int) -> Iterator[Table]:
    for start in range(0, table.rows, chunk_rows):
        yield table.take(slice(start, start + chunk_rows))


def demo_write(
    data: DemoData,
    *,
    chunk_rows: int = 200_000,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> None:
    """Insert every table of `data` in one transaction. `on_progress(model, rows, total)` is
    called after each chunk with the rows just written and the total to write."""
    models = [apps.get_model(table.model) for table in data.tables]
    postgres = connection.vendor == "postgresql"
    with transaction.atomic():
        deferred: list[str] = []
        if postgres:
            with connection.cursor() as cursor:
                # Check foreign keys per statement: no queue of trigger events to hold up
                # the schema changes below. Index builds run faster with more memory.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for model, table in zip(models, data.tables, strict=True):
                if table.rows >= BULK_ROWS:
                    deferred += _drop_secondary_indexes(model._meta.db_table)
        for model, table in zip(models, data.tables, strict=True):
            columns = _db_columns(model, table)
            for chunk in _chunks(table, chunk_rows):
                if connection.vendor == "postgresql":
                    _copy_chunk(model._meta.db_table, columns, chunk)
                else:
                    _insert_chunk(model._meta.db_table, columns, chunk)
                if on_progress is not None:
                    on_progress(table.model, chunk.rows, data.total_rows)
        if postgres:
            with connection.cursor() as cursor:
                for sql in deferred:
                    if on_progress is not None:
                        on_progress(_index_label(sql), 0, data.total_rows)
                    cursor.execute(sql)
                for sql in connection.ops.sequence_reset_sql(no_style(), models):
                    cursor.execute(sql)
    if postgres:
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _drop_secondary_indexes(db_table: str) -> list[str]:
    """Drop the foreign keys and the indexes that back no constraint, and return the SQL
    that recreates them. Building an index once after COPY is much faster than keeping it up
    to date row by row (the trigram index on customers most of all), and adding a foreign key
    checks all rows in one join instead of one trigger call per row. Primary keys, unique
    constraints and partial indexes stay (a partial index holds few rows, and PostgreSQL
    does not give its condition back in the text it was created with). Runs inside the
    load's transaction, so a failure restores everything."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
            [db_table],
        )
        foreign_keys = cursor.fetchall()
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND x.indpred IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
            "ORDER BY i.relname",
            [db_table],
        )
        indexes = cursor.fetchall()
        recreate: list[str] = []
        for name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {quote(db_table)} DROP CONSTRAINT {quote(name)}")
            recreate.append(
                f"ALTER TABLE {quote(db_table)} ADD CONSTRAINT {quote(name)} {definition}"
            )
        for name, definition in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
            recreate.insert(0, definition)
    return recreate


def _index_label(sql: str) -> str:
    words = sql.split()
    if words[:2] == ["ALTER", "TABLE"]:
        return f"foreign key {words[5]}"
    return f"index {words[2] if words[1] == 'INDEX' else words[3]}"


def _copy_chunk(db_table: str, columns: list[str], chunk: Table) -> None:
    quote = connection.ops.quote_name
    texts = [_copy_text(column) for column in chunk.columns.values()]
    rows = texts[0]
    for text in texts[1:]:
        rows = np.strings.add(np.strings.add(rows, "\t"), text)
    payload = ("\n".join(rows.tolist()) + "\n").encode()
    sql = f"COPY {quote(db_table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    connection.ensure_connection()
    pg = connection.connection
    assert pg is not None
    with pg.cursor() as cursor, cursor.copy(sql) as copy:
        copy.write(payload)


def _insert_chunk(db_table: str, columns: list[str], chunk: Table) -> None:
    quote = connection.ops.quote_name
    values = [_sqlite_values(column) for column in chunk.columns.values()]
    placeholders = ", ".join(["%s"] * len(columns))
    # Table and column names come from model metadata, values go in as parameters.
    names = ", ".join(quote(c) for c in columns)
    sql = f"INSERT INTO {quote(db_table)} ({names}) VALUES ({placeholders})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, list(zip(*values, strict=True)))
