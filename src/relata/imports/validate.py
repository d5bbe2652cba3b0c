"""The shared validation machinery: row errors, column access and cached column parsing.

Validation is column by column (each distinct cell text parsed once) and collects every
problem as a :class:`RowError`; the kind-specific planners in ``relata.imports.kinds`` build
on this.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from relata.imports.headers import FIELDS, HeaderMapping
from relata.imports.parsing import Parsed, clip, parse_scaled, unquote_formula
from relata.imports.sniff import MAX_CELL_CHARS, FileSettings, Table


@dataclass(frozen=True, order=True)
class RowError:
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        if self.column:
            return _("row %(row)d, column “%(column)s”: %(reason)s") % {
                "row": self.row,
                "column": self.column,
                "reason": self.reason,
            }
        return _("row %(row)d: %(reason)s") % {"row": self.row, "reason": self.reason}


class Progress:
    """Progress reporting for long imports; the command line shows a bar, the UI nothing."""

    def stage(self, label: str, total: int | None) -> None:
        """Start a new stage of ``total`` units."""

    def advance(self, amount: int) -> None:
        """``amount`` more units of the current stage are done."""

    def close(self) -> None:
        """All stages are done."""


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    extra: dict[str, int] = field(default_factory=dict)


class Context:
    """One file on its way in: the table, the header mapping, the settings, the errors."""

    def __init__(
        self,
        *,
        kind: str,
        table: Table,
        mapping: HeaderMapping,
        filename: str,
        progress: Progress | None = None,
        user: Any = None,
    ) -> None:
        self.kind = kind
        self.table = table
        self.mapping = mapping
        self.filename = filename
        self.progress = progress or Progress()
        self.user = user
        self.errors: list[RowError] = []
        self._columns: list[tuple[str, ...]] | None = None
        self.bad: set[int] = set()
        for index, reason in table.ragged:
            self.row_error(index, reason)

    @property
    def settings(self) -> FileSettings:
        return self.table.settings

    @property
    def size(self) -> int:
        return len(self.table.rows)

    def error(self, index: int, field_name: str, reason: str) -> None:
        column = self.mapping.header_of(field_name) if field_name in self.mapping.columns else ""
        self.errors.append(RowError(self.table.row_numbers[index], column, reason))
        self.bad.add(index)

    def row_error(self, index: int, reason: str) -> None:
        self.errors.append(RowError(self.table.row_numbers[index], "", reason))
        self.bad.add(index)

    def has(self, field_name: str) -> bool:
        return field_name in self.mapping.columns

    def raw(self, field_name: str) -> list[str] | None:
        """The column's cells as read, with cells over MAX_CELL_CHARS reported and emptied."""
        if field_name not in self.mapping.columns:
            return None
        if self._columns is None:
            # Transpose once: one pass over the rows for all columns.
            self._columns = list(zip(*self.table.rows, strict=True))
        values = list(self._columns[self.mapping.columns[field_name]])
        if values and max(map(len, values)) > MAX_CELL_CHARS:
            for i, value in enumerate(values):
                if len(value) > MAX_CELL_CHARS:
                    self.error(
                        i,
                        field_name,
                        _("the value is %(length)s characters long; at most %(limit)s are "
                          "allowed")
                        % {"length": f"{len(value):,}", "limit": f"{MAX_CELL_CHARS:,}"},
                    )
                    values[i] = ""
        return values

    def text(
        self, field_name: str, max_length: int | None = None, *, required: bool = False
    ) -> list[str] | None:
        """A text column: stripped, export quoting undone, length and presence checked."""
        values = self.raw(field_name)
        if values is None:
            return None
        cleaned = list(map(str.strip, values))
        joined = "\n".join(cleaned)
        if joined.startswith("'") or "\n'" in joined:
            cleaned = list(map(unquote_formula, cleaned))
        if max_length is not None and cleaned and max(map(len, cleaned)) > max_length:
            for i, value in enumerate(cleaned):
                if len(value) > max_length:
                    self.error(
                        i,
                        field_name,
                        _("“%(value)s” is %(length)d characters long; at most %(limit)d are "
                          "allowed") % {"value": clip(value), "length": len(value),
                                        "limit": max_length},
                    )
                    cleaned[i] = ""
        if required:
            self.require(field_name, cleaned)
        return cleaned

    def require(self, field_name: str, values: Iterable[object]) -> None:
        for i, value in enumerate(values):
            if value is None or value == "":
                self.error(i, field_name, _("a value is required"))

    def parsed(
        self, field_name: str, parser: Callable[[str], Parsed], *, required: bool = False
    ) -> list[Any] | None:
        """Parse every cell of a column, each distinct text once."""
        values = self.raw(field_name)
        if values is None:
            return None
        results = {value: parser(value) for value in set(values)}
        parsed = {value: result[0] for value, result in results.items()}
        out: list[Any] = list(map(parsed.__getitem__, values))
        reasons = {value: result[1] for value, result in results.items() if result[1]}
        if reasons:
            for i, value in enumerate(values):
                if value in reasons:
                    self.error(i, field_name, reasons[value])
        if required and None in parsed.values():
            for i, value in enumerate(out):
                if value is None and i not in self.bad:
                    self.error(i, field_name, _("a value is required"))
        return out

    def sorted_errors(self) -> list[RowError]:
        columns = {header: i for i, header in enumerate(self.table.headers)}
        return sorted(self.errors, key=lambda e: (e.row, columns.get(e.column, -1), e.reason))


def money_parser(
    style: str, *, minimum: int | None = 0, exclusive: bool = False, digits: int = 12
) -> Callable[[str], Parsed]:
    """A parser for a DecimalField with 2 decimals: range and max_digits checked."""
    limit = 10**digits

    def parse(text: str) -> Parsed:
        value, error = parse_scaled(text, style)
        if error is not None or value is None:
            return value, error
        if minimum is not None:
            if exclusive and value <= minimum:
                return None, _("must be more than %(minimum)s, not %(value)s") % {
                    "minimum": minimum // 100,
                    "value": text.strip(),
                }
            if value < minimum:
                return None, _("must not be negative, not %(value)s") % {"value": text.strip()}
        if abs(value) >= limit:
            return None, _("%(value)s is too large") % {"value": text.strip()}
        return value, None

    return parse


def field_names(kind: str) -> list[str]:
    return [spec.name for spec in FIELDS[kind]]
