"""Columnar tables: the shape generated demo data takes before it is written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

S = np.dtypes.StringDType()
ColumnKind = Literal["int", "str", "bool", "date", "datetime", "money"]


@dataclass(frozen=True)
class Column:
    """One column of values. `money` holds integer cents, `date` datetime64[D], `datetime`
    datetime64[s] in UTC; `null` marks SQL NULLs (None: no NULLs)."""

    kind: ColumnKind
    values: np.ndarray
    null: np.ndarray | None = None

    def take(self, index: slice | np.ndarray) -> Column:
        null = None if self.null is None else self.null[index]
        return Column(self.kind, self.values[index], null)


@dataclass(frozen=True)
class Table:
    """Rows for one model, as `{field attname: Column}`; `model` is an `app_label.Model`."""

    model: str
    columns: dict[str, Column]

    @property
    def rows(self) -> int:
        first = next(iter(self.columns.values()))
        return len(first.values)

    def take(self, index: slice | np.ndarray) -> Table:
        return Table(self.model, {name: col.take(index) for name, col in self.columns.items()})


@dataclass(frozen=True)
class DemoData:
    """Tables in insertion order (parents before children)."""

    tables: list[Table]

    def table(self, model: str) -> Table:
        for table in self.tables:
            if table.model == model:
                return table
        raise KeyError(model)

    @property
    def total_rows(self) -> int:
        return sum(t.rows for t in self.tables)
