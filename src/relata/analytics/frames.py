"""Columnar inputs of the analytics core: transactions and per-customer summaries.

Everything here is a frozen dataclass of NumPy arrays, so the core never sees an ORM object,
a DataFrame or a Python loop over customers. Adapters (the ORM in ``relata.scoring``, a CSV or
Parquet file in ``relata.analytics.transactions_io``) build these frames; the models in
``relata.analytics.clv`` consume them.

Conventions of the buy-till-you-die literature (Fader, Hardie & Lee 2005; DOMAIN.md §6):

* transactions of one customer on the same day merge into one (their amounts add up);
* ``x`` = number of *repeat* transactions (transaction days after the first);
* ``t_x`` = time of the last transaction, measured from the first;
* ``T`` = time from the first transaction to the end of the calibration period;
* ``monetary`` = mean value of the repeat transactions (the first one is excluded), 0 when
  ``x == 0``.

Times are measured in a *time unit*: ``day``, ``week`` (7 days) or ``month`` (365.25 / 12 =
30.4375 days). Day boundaries are what "same day" means, so a transaction time given as a
float is a number of days since any fixed origin; a ``datetime64`` is truncated to its day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Length of each supported time unit, in days.
TIME_UNIT_DAYS: Final[dict[str, float]] = {"day": 1.0, "week": 7.0, "month": 365.25 / 12.0}


class FrameError(ValueError):
    """Input arrays that cannot form a frame (wrong shapes, NaN, unknown time unit...)."""


def time_unit_days(time_unit: str) -> float:
    """Length of ``time_unit`` in days; raises :class:`FrameError` for an unknown unit."""
    try:
        return TIME_UNIT_DAYS[time_unit]
    except KeyError:
        units = ", ".join(TIME_UNIT_DAYS)
        raise FrameError(f"unknown time unit {time_unit!r}; use one of: {units}") from None


def to_day_numbers(values: NDArray[Any]) -> IntArray:
    """Whole day numbers (days since 1970-01-01 for dates) of datetime64 or numeric times.

    Numeric values are taken as days since an arbitrary origin and floored to whole days.
    """
    if np.issubdtype(values.dtype, np.datetime64):
        days = values.astype("datetime64[D]", copy=False)
        if np.isnat(days).any():
            raise FrameError("transaction dates contain missing values (NaT)")
        return days.view(np.int64)
    numeric = np.asarray(values, dtype=np.float64)
    if not np.isfinite(numeric).all():
        raise FrameError("transaction times contain NaN or infinite values")
    return np.floor(numeric).astype(np.int64)


def sort_int_keys(key: IntArray) -> tuple[IntArray, IntArray]:
    """``(np.sort(key), order)`` for non-negative int64 keys, where ``key[order]`` is sorted.

    When the key and the row index fit together in 63 bits, the index is packed into the low
    bits and a plain ``np.sort`` is used: it is SIMD-accelerated and about ten times faster
    than ``np.argsort``, which matters on millions of transactions.
    """
    n = key.size
    if n == 0:
        return key, np.zeros(0, dtype=np.int64)
    index_bits = max(1, int(n - 1).bit_length())
    if int(key.min()) >= 0 and int(key.max()) < (1 << (62 - index_bits)):
        packed = key << index_bits
        packed |= np.arange(n, dtype=np.int64)
        packed.sort()
        sorted_key = packed >> index_bits
        packed &= (1 << index_bits) - 1  # the packed array becomes the order, in place
        return sorted_key, packed
    order = np.argsort(key).astype(np.int64)
    return key[order], order


@dataclass(frozen=True)
class Transactions:
    """One row per transaction (an order, a receipt).

    ``customer`` holds integer customer codes; ``labels[code]`` (optional) is the external
    customer id. ``t`` is a ``datetime64`` array or a float array of days since any origin.
    """

    customer: IntArray
    t: NDArray[Any]
    amount: FloatArray
    labels: NDArray[Any] | None = None

    def __post_init__(self) -> None:
        n = self.customer.shape[0]
        if self.customer.ndim != 1 or self.t.shape != (n,) or self.amount.shape != (n,):
            raise FrameError("customer, t and amount must be one-dimensional and equally long")
        if not np.issubdtype(self.customer.dtype, np.integer):
            raise FrameError("customer must hold integer codes")
        if n and not np.isfinite(self.amount).all():
            raise FrameError("amounts contain NaN or infinite values")

    def __len__(self) -> int:
        return int(self.customer.shape[0])


@dataclass(frozen=True)
class RfmSummary:
    """Per-customer sufficient statistics for BG/NBD and Gamma-Gamma (one row per customer).

    ``customer_ids`` are the external ids (the ``labels`` of the transactions, or their codes).
    ``first_day`` is the day number of each customer's first transaction.
    ``excluded_after_end`` counts transactions dated after the calibration end, which were left
    out; ``calibration_end_day`` is that end as a day number (inclusive).
    """

    x: FloatArray
    t_x: FloatArray
    T: FloatArray
    monetary: FloatArray
    customer_ids: NDArray[Any]
    time_unit: str = "day"
    first_day: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    calibration_end_day: int = 0
    excluded_after_end: int = 0

    def __post_init__(self) -> None:
        n = self.x.shape[0]
        for name in ("t_x", "T", "monetary", "customer_ids"):
            if getattr(self, name).shape != (n,):
                raise FrameError(f"{name} must have the same length as x ({n})")
        time_unit_days(self.time_unit)

    def __len__(self) -> int:
        return int(self.x.shape[0])


def summarise(
    transactions: Transactions,
    *,
    calibration_end: np.datetime64 | float | None = None,
    time_unit: str = "day",
) -> RfmSummary:
    """Summarise transactions into ``(x, t_x, T, monetary)`` per customer, fully vectorised.

    ``calibration_end`` (inclusive, same kind as ``transactions.t``) defaults to the last
    transaction day. Transactions after it are excluded and counted in
    ``RfmSummary.excluded_after_end``; customers whose first purchase lies after it do not
    appear. Same-day transactions of a customer merge into one with the summed amount.
    Customers are returned in ascending code order.
    """
    unit = time_unit_days(time_unit)
    days = to_day_numbers(transactions.t)
    customer = transactions.customer.astype(np.int64, copy=False)
    amount = transactions.amount.astype(np.float64, copy=False)

    if calibration_end is None:
        end_day = 0 if days.size == 0 else int(days.max())
    else:
        end_day = int(to_day_numbers(np.asarray([calibration_end]))[0])
    keep = days <= end_day
    excluded = int(days.size - np.count_nonzero(keep))
    if excluded:
        days, customer, amount = days[keep], customer[keep], amount[keep]

    empty = np.zeros(0, dtype=np.float64)
    if days.size == 0:
        ids: NDArray[Any] = (
            transactions.labels[:0] if transactions.labels is not None else np.zeros(0, np.int64)
        )
        return RfmSummary(
            empty, empty, empty, empty, ids, time_unit, np.zeros(0, np.int64), end_day, excluded
        )

    # One int64 sort key: customer-major, day-minor. Shifting by the minima keeps it small.
    day0 = int(days.min())
    span = int(days.max()) - day0 + 1
    cmin = int(customer.min())
    if (int(customer.max()) - cmin + 1) * span < np.iinfo(np.int64).max // 2:
        key = customer - cmin
        key *= span
        key += days
        key -= day0
        key, order = sort_int_keys(key)
        # Merge same-day transactions: a new (customer, day) starts where the key changes.
        change = np.empty(key.size, dtype=bool)
        change[0] = True
        np.not_equal(key[1:], key[:-1], out=change[1:])
        starts = np.flatnonzero(change)
        del change
        day_key = key[starts]
        del key
        day_customer = day_key // span + cmin
        day_day = day_key % span + day0
        del day_key
    else:  # pragma: no cover - only for astronomically sparse codes
        order = np.lexsort((days, customer))
        c_sorted, d_sorted = customer[order], days[order]
        change = (c_sorted[1:] != c_sorted[:-1]) | (d_sorted[1:] != d_sorted[:-1])
        starts = np.flatnonzero(np.concatenate(([True], change)))
        day_customer, day_day = c_sorted[starts], d_sorted[starts]
    day_amount = np.add.reduceat(amount[order], starts)
    del order, starts

    # Per customer: the first row of each run of equal customer codes.
    first = np.flatnonzero(np.concatenate(([True], day_customer[1:] != day_customer[:-1])))
    n_days = np.diff(np.append(first, day_customer.size))
    last = first + n_days - 1
    first_day = day_day[first]
    x = (n_days - 1).astype(np.float64)
    t_x = (day_day[last] - first_day).astype(np.float64) / unit
    big_t = (end_day - first_day).astype(np.float64) / unit
    total = np.add.reduceat(day_amount, first)
    repeat_total = total - day_amount[first]
    monetary = np.divide(repeat_total, x, out=np.zeros_like(repeat_total), where=x > 0)

    codes = day_customer[first]
    ids_out: NDArray[Any] = transactions.labels[codes] if transactions.labels is not None else codes
    return RfmSummary(
        x=x,
        t_x=t_x,
        T=big_t,
        monetary=monetary,
        customer_ids=ids_out,
        time_unit=time_unit,
        first_day=first_day,
        calibration_end_day=end_day,
        excluded_after_end=excluded,
    )
