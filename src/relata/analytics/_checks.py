"""Input checks and small vectorised helpers shared by the value-analytics modules.

Every public function in ``relata.analytics`` validates its arrays through these helpers, so
bad input fails early with a ``ValueError`` that names the argument, the first bad position
and the reason — never with a NumPy traceback deep inside a computation, and never by
silently producing NaN.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
CodeArray = npt.NDArray[np.int8]


def _one_dimensional(name: str, values: npt.ArrayLike) -> npt.NDArray[np.generic]:
    try:
        array = np.asarray(values)
    except (TypeError, ValueError) as exc:  # ragged or otherwise unconvertible input
        raise ValueError(f"{name}: cannot be read as an array ({exc})") from exc
    if array.ndim != 1:
        raise ValueError(f"{name}: expected a one-dimensional array, got shape {array.shape}")
    return array


def _first(mask: BoolArray) -> int:
    return int(np.flatnonzero(mask)[0])


def float_array(
    name: str,
    values: npt.ArrayLike,
    *,
    nonnegative: bool = False,
    allow_posinf: bool = False,
    unit_interval: bool = False,
) -> FloatArray:
    """``values`` as a float64 vector; NaN (and, unless allowed, infinity) is refused."""
    raw = _one_dimensional(name, values)
    if raw.dtype == np.bool_ or raw.dtype.kind not in "biuf":
        raise ValueError(f"{name}: expected numbers, got dtype {raw.dtype}")
    array = raw.astype(np.float64, copy=False)
    nan = np.isnan(array)
    if nan.any():
        raise ValueError(
            f"{name}: {int(nan.sum())} missing (NaN) value(s), first at position {_first(nan)}"
        )
    bad_inf = np.isneginf(array) | (np.isposinf(array) & (not allow_posinf))
    if bad_inf.any():
        raise ValueError(
            f"{name}: infinite value at position {_first(bad_inf)}"
            + (" (only +inf, meaning 'never', is allowed)" if allow_posinf else "")
        )
    if nonnegative or unit_interval:
        negative = array < 0
        if negative.any():
            at = _first(negative)
            raise ValueError(f"{name}: negative value {float(array[at])!r} at position {at}")
    if unit_interval:
        above = array > 1
        if above.any():
            raise ValueError(
                f"{name}: value {float(array[_first(above)])!r} above 1 at position {_first(above)}"
            )
    return array


def int_array(name: str, values: npt.ArrayLike, *, nonnegative: bool = False) -> IntArray:
    """``values`` as an int64 vector; floats are accepted only when they are whole numbers."""
    raw = _one_dimensional(name, values)
    if raw.dtype.kind == "f":
        finite = np.isfinite(raw)
        if not finite.all():
            raise ValueError(f"{name}: missing or infinite value at position {_first(~finite)}")
        fractional = raw != np.floor(raw)
        if fractional.any():
            at = _first(fractional)
            raise ValueError(
                f"{name}: expected whole numbers, got {float(raw[at])!r} at position {at}"
            )
    elif raw.dtype.kind not in "biu":
        raise ValueError(f"{name}: expected whole numbers, got dtype {raw.dtype}")
    array = raw.astype(np.int64, copy=False)
    if nonnegative:
        negative = array < 0
        if negative.any():
            raise ValueError(
                f"{name}: negative value {int(array[_first(negative)])} at position "
                f"{_first(negative)}"
            )
    return array


def bool_array(name: str, values: npt.ArrayLike) -> BoolArray:
    """``values`` as a bool vector; integers must be 0 or 1."""
    raw = _one_dimensional(name, values)
    if raw.dtype == np.bool_:
        return raw.astype(np.bool_, copy=False)
    if raw.dtype.kind in "iu" or (raw.dtype.kind == "f" and raw.size == 0):
        bad = (raw != 0) & (raw != 1)
        if bad.any():
            at = _first(bad)
            raise ValueError(
                f"{name}: expected true/false (0 or 1), got {raw[at].item()!r} at position {at}"
            )
        return raw.astype(np.bool_)
    raise ValueError(f"{name}: expected true/false values, got dtype {raw.dtype}")


def code_array(name: str, values: npt.ArrayLike, allowed: tuple[int, ...]) -> CodeArray:
    """``values`` as an int8 vector of codes, each one of ``allowed``."""
    array = int_array(name, values)
    bad = ~np.isin(array, np.asarray(allowed, dtype=np.int64))
    if bad.any():
        raise ValueError(
            f"{name}: unknown code {int(array[_first(bad)])} at position {_first(bad)}; "
            f"allowed: {sorted(allowed)}"
        )
    return array.astype(np.int8)


def same_length(**arrays: npt.NDArray[np.generic]) -> int:
    """The common length of ``arrays``; a ``ValueError`` naming them when they differ."""
    lengths = {name: int(array.shape[0]) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        listed = ", ".join(f"{name}={length}" for name, length in lengths.items())
        raise ValueError(f"arrays must have one element per customer; lengths differ: {listed}")
    return next(iter(lengths.values()), 0)


def check_fraction(name: str, value: float, *, low: float = 0.0, high: float = 1.0) -> None:
    """A setting that must lie in ``[low, high]``."""
    if not (np.isfinite(value) and low <= value <= high):
        raise ValueError(f"{name} must be between {low} and {high}, got {value!r}")


def check_positive(name: str, value: float) -> None:
    """A setting that must be a finite number above zero."""
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a number above 0, got {value!r}")


def group_quantile(
    values: FloatArray, groups: IntArray, n_groups: int, q: float
) -> tuple[FloatArray, IntArray]:
    """The ``q`` quantile of ``values`` within each group ``0..n_groups-1``, and group sizes.

    Linear interpolation between order statistics (NumPy's default ``"linear"`` method), in
    one sort for all groups. Groups without members get quantile 0 and size 0.
    """
    counts = np.bincount(groups, minlength=n_groups).astype(np.int64)
    if values.size == 0:
        return np.zeros(n_groups, dtype=np.float64), counts
    # Sorting complex numbers orders by real part, then imaginary part: one plain sort puts
    # the values in order within their groups, faster than an (arg)lexsort.
    sorted_values = np.sort(groups.astype(np.float64) + 1j * values).imag
    return quantile_of_grouped(sorted_values, counts, q), counts


def quantile_of_grouped(sorted_values: FloatArray, counts: IntArray, q: float) -> FloatArray:
    """The ``q`` quantile per group of values sorted by group, then by value within a group."""
    result = np.zeros(counts.size, dtype=np.float64)
    if sorted_values.size == 0:
        return result
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    present = counts > 0
    position = q * (counts[present] - 1).astype(np.float64)
    lower = np.floor(position).astype(np.int64)
    upper = np.minimum(lower + 1, counts[present] - 1)
    weight = position - lower
    base = starts[present]
    low_value = sorted_values[base + lower]
    high_value = sorted_values[base + upper]
    result[present] = low_value + weight * (high_value - low_value)
    return result
