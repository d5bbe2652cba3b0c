"""The design matrix of a response model: named numeric and one-hot categorical columns.

* Numeric columns (true/false counts as 0/1) enter as given, or — with
  ``standardise=True`` — as ``(x − mean) / sd`` (population sd, ddof = 0). A standardised
  coefficient is then the change in log-odds for one standard deviation more of the
  variable, which makes variables in different units comparable in one table and makes a
  ridge penalty treat them alike; ``centre`` and ``scale`` keep mean and sd so the web layer
  can say what one sd is ("per 12.3 days").
* A categorical column with levels L₁…L_k becomes k − 1 indicator columns named
  ``"column=level"``; the reference level gets none, so each indicator's coefficient is the
  log odds ratio of that level against the reference. The reference is the given one, or
  else the most frequent level (ties: the first in sorted order), which gives the smallest
  standard errors. Values are compared as strings; give missing values an explicit level
  (e.g. ``"unknown"``) before building.
* Constant columns (a numeric column with one value, a categorical column with one level)
  carry no information and would make the model unidentifiable next to the intercept: they
  are dropped, with a :class:`DesignNote` saying so.

The intercept is not part of the design; ``logistic_fit`` adds it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from relata.analytics._checks import FloatArray, float_array

__all__ = ["Design", "DesignNote", "NoteCode", "design_build"]


class NoteCode(StrEnum):
    CONSTANT_DROPPED = "constant_dropped"


@dataclass(frozen=True)
class DesignNote:
    column: str
    code: NoteCode


@dataclass(frozen=True)
class Design:
    """``matrix`` (rows × columns, float64) with one name per column."""

    matrix: FloatArray
    names: tuple[str, ...]
    centre: FloatArray  # subtracted per column (0 unless standardised)
    scale: FloatArray  # divided per column (1 unless standardised)
    reference: Mapping[str, str]  # reference level per categorical column
    notes: tuple[DesignNote, ...] = ()

    def __post_init__(self) -> None:
        if self.matrix.ndim != 2 or self.matrix.shape[1] != len(self.names):
            raise ValueError(
                f"design: matrix of shape {self.matrix.shape} does not match "
                f"{len(self.names)} column name(s)"
            )
        if len(set(self.names)) != len(self.names):
            raise ValueError(f"design: column names must be unique, got {list(self.names)}")

    @property
    def rows(self) -> int:
        return int(self.matrix.shape[0])


def _levels(name: str, values: npt.ArrayLike) -> npt.NDArray[np.str_]:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name}: expected a one-dimensional array, got shape {array.shape}")
    return array.astype(np.str_)


def design_build(
    *,
    numeric: Mapping[str, npt.ArrayLike] | None = None,
    categorical: Mapping[str, npt.ArrayLike] | None = None,
    standardise: bool = False,
    reference: Mapping[str, str] | None = None,
) -> Design:
    """A :class:`Design` from named columns (numeric first, then categorical, in the given
    order; indicator columns in sorted level order). All columns need the same length."""
    numeric = dict(numeric or {})
    categorical = dict(categorical or {})
    reference = dict(reference or {})
    if not numeric and not categorical:
        raise ValueError("design: give at least one numeric or categorical column")
    overlap = set(numeric) & set(categorical)
    if overlap:
        raise ValueError(f"design: column(s) {sorted(overlap)} given as numeric and categorical")
    unknown = set(reference) - set(categorical)
    if unknown:
        raise ValueError(f"reference: {sorted(unknown)} are not categorical columns")

    columns: list[FloatArray] = []
    names: list[str] = []
    centres: list[float] = []
    scales: list[float] = []
    notes: list[DesignNote] = []
    lengths: dict[str, int] = {}
    chosen: dict[str, str] = {}

    for name, values in numeric.items():
        raw = np.asarray(values)
        column = float_array(name, raw.astype(np.float64) if raw.dtype == np.bool_ else raw)
        lengths[name] = column.size
        if column.size == 0 or np.all(column == column[0]):
            notes.append(DesignNote(name, NoteCode.CONSTANT_DROPPED))
            continue
        centre, scale = 0.0, 1.0
        if standardise:
            centre, scale = float(column.mean()), float(column.std())
            column = (column - centre) / scale
        columns.append(column)
        names.append(name)
        centres.append(centre)
        scales.append(scale)

    for name, values in categorical.items():
        labels = _levels(name, values)
        lengths[name] = labels.size
        levels, codes, counts = np.unique(labels, return_inverse=True, return_counts=True)
        if levels.size <= 1:
            notes.append(DesignNote(name, NoteCode.CONSTANT_DROPPED))
            continue
        if name in reference:
            wanted = str(reference[name])
            matches = np.flatnonzero(levels == wanted)
            if matches.size == 0:
                raise ValueError(
                    f"reference: level {wanted!r} does not occur in column {name!r}; "
                    f"levels: {levels.tolist()}"
                )
            base = int(matches[0])
        else:
            base = int(np.argmax(counts))  # first maximum = first in sorted order
        chosen[name] = str(levels[base])
        for index, level in enumerate(levels.tolist()):
            if index == base:
                continue
            columns.append((codes == index).astype(np.float64))
            names.append(f"{name}={level}")
            centres.append(0.0)
            scales.append(1.0)

    if len(set(lengths.values())) > 1:
        listed = ", ".join(f"{name}={length}" for name, length in lengths.items())
        raise ValueError(
            f"design: columns must have one value per contact; lengths differ: {listed}"
        )
    rows = next(iter(lengths.values()))
    matrix = np.column_stack(columns) if columns else np.zeros((rows, 0))
    return Design(
        matrix=np.ascontiguousarray(matrix, dtype=np.float64),
        names=tuple(names),
        centre=np.asarray(centres, dtype=np.float64),
        scale=np.asarray(scales, dtype=np.float64),
        reference=chosen,
        notes=tuple(notes),
    )
