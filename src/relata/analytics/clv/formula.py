"""Customer value by the simple formula (klantwaarde, DOMAIN.md §6 method 1):

    KW = (T × A × P) − K

T expected transactions over the whole relationship, A items per transaction, P average price
(or margin) per item, K acquisition cost.

Assumptions, to be shown wherever the number is: the relationship's length and intensity are
known and constant (T is an input, not an estimate); money later is worth as much as money
now (no discounting); retention and service costs are ignored unless folded into P or K.
Use it for a quick order of magnitude, not for decisions between customers of different ages.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

ASSUMPTIONS = (
    "Expected transactions over the relationship are given, not estimated; "
    "no time value of money; retention and service costs are ignored."
)


def simple_customer_value(
    transactions: ArrayLike,
    items_per_transaction: ArrayLike,
    price_per_item: ArrayLike,
    acquisition_cost: ArrayLike = 0.0,
) -> FloatArray:
    """KW = T × A × P − K, element-wise with NumPy broadcasting.

    Raises ``ValueError`` for NaN/infinite inputs or negative T, A or P (a negative price
    belongs in K or in a separate cost model, not here).
    """
    arrays = [
        np.asarray(v, dtype=np.float64)
        for v in (transactions, items_per_transaction, price_per_item, acquisition_cost)
    ]
    names = ("transactions", "items_per_transaction", "price_per_item", "acquisition_cost")
    for name, array in zip(names, arrays, strict=True):
        if not np.isfinite(array).all():
            raise ValueError(f"{name} must be finite")
    for name, array in zip(names[:3], arrays[:3], strict=True):
        if (array < 0).any():
            raise ValueError(f"{name} must be >= 0")
    t, a, p, k = arrays
    return np.asarray(t * a * p - k, dtype=np.float64)
