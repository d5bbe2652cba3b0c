"""The shared validation machinery: row errors, column access and cached column parsing.

Validation is column by column (each distinct cell text parsed once) and collects every
problem as a :class:`RowError`; the kind-specific planners in ``relata.imports.kinds`` build
on this.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from relata.imports.headers import FIELDS, HeaderMapping
from relata.imports.parsing import COMMA, Parsed, clip, parse_scaled, unquote_formula
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
        self.bad: set[int] = set()
        for index, reason in table.ragged:
            self.row_error(index, reason)

    @property
    def settings(self) -> FileSettings:
        return self.table.settings

    @property
    def size(self) -> int:
        return self.table.size

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
        values = list(self.table.columns[self.mapping.columns[field_name]])
        if values and max(map(len, values)) > MAX_CELL_CHARS:
            for i, value in enumerate(values):
                if len(value) > MAX_CELL_CHARS:
                    self.error(
                        i,
                        field_name,
                        ngettext("the value is %(length)s characters long; at most "
                                 "%(limit)s is allowed",
                                 "the value is %(length)s characters long; at most "
                                 "%(limit)s are allowed", MAX_CELL_CHARS)
                        % {"length": number_format(len(value), force_grouping=True),
                           "limit": number_format(MAX_CELL_CHARS, force_grouping=True)},
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
        # Whole-column checks on one joined string; per-cell work only where needed.
        joined = "\n".join(values)
        unstripped = any(space in joined for space in _EDGE_SPACES) or (
            joined[:1].isspace() or joined[-1:].isspace()
        )
        cleaned = list(map(str.strip, values)) if unstripped else values
        if joined.lstrip().startswith("'") or "\n'" in joined or "\n '" in joined:
            cleaned = list(map(unquote_formula, cleaned))
        if max_length is not None and cleaned and max(map(len, cleaned)) > max_length:
            for i, value in enumerate(cleaned):
                if len(value) > max_length:
                    self.error(
                        i,
                        field_name,
                        ngettext("“%(value)s” is %(length)d characters long; at most "
                                 "%(limit)d is allowed",
                                 "“%(value)s” is %(length)d characters long; at most "
                                 "%(limit)d are allowed", max_length)
                        % {"value": clip(value), "length": len(value), "limit": max_length},
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
        column = getattr(parser, "column", None)
        if column is not None and len(set(values[:10_000])) > 1000:
            fast: list[Any] | None = column(values)  # many distinct numbers: all at once
            if fast is not None:
                return fast
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


# A cell starts or ends with white space where one of these occurs in the joined column.
_EDGE_SPACES = tuple(f"{a}{b}" for space in " \t\xa0" for a, b in (("\n", space), (space, "\n")))
_DIGITS = b"0123456789"


def _plain_column(style: str, digits: int, exclusive: bool) -> Callable[[list[str]], Any]:
    """Parse a whole column of plain numbers ('12', '12,5') with NumPy; None when any cell
    is not plain (blank, signed, thousands separators, too long), so the caller falls back
    to cell-by-cell parsing, which also explains errors."""
    separator = b"," if style == COMMA else b"."
    limit = 10 ** (digits - 2)

    def parse_column(values: list[str]) -> list[int] | None:
        joined = "\n".join(values)
        # Only digits, the decimal separator and line breaks; no empty cell.
        others = joined.encode().translate(None, _DIGITS)
        if (
            others.count(separator) + others.count(b"\n") != len(others)
            or "\n\n" in joined
            or not joined[:1].isdigit()
            or not joined[-1:].isdigit()
        ):
            return None
        if style == COMMA:
            joined = joined.replace(",", ".")
        numbers = np.fromstring(joined, sep="\n")
        if len(numbers) != len(values):
            return None  # for example '1.2.3'
        scaled = np.rint(numbers * 100)
        if (
            np.abs(numbers * 100 - scaled).max() > 1e-6  # more than 2 decimals
            or numbers.max() >= limit
            or (exclusive and not numbers.all())
        ):
            return None
        result: list[int] = scaled.astype(np.int64).tolist()
        return result

    return parse_column


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

    if minimum == 0:
        parse.column = _plain_column(style, digits, exclusive)  # type: ignore[attr-defined]
    return parse


def field_names(kind: str) -> list[str]:
    return [spec.name for spec in FIELDS[kind]]
