"""Customer lifetime value by discounting (netto contante waarde, DOMAIN.md §6 method 2):

    CLV = Σ_{t=1..H} m · r^(t−1) / (1+d)^t − K

m margin per period, r retention rate per period (the chance a customer of this period is
still a customer next period), d discount rate per period, H horizon in periods, K
acquisition cost.

Assumptions: margin and retention are constant over the horizon; every period's margin is
earned at the period's end (hence (1+d)^t, not (1+d)^(t−1)); the customer is active in
period 1 for certain; churned customers do not come back.

The sum is a geometric series: with g = r / (1+d),
CLV = m/(1+d) · (1 − g^H)/(1 − g) − K, and m·H/(1+d) when g = 1 (only possible for r = 1 and
d = 0). It is evaluated in that closed form, so H may be large.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

ASSUMPTIONS = (
    "Constant margin and retention rate per period; margin earned at the end of each "
    "period; no customer comes back after churning."
)


def discounted_customer_value(
    margin: ArrayLike,
    retention: ArrayLike,
    discount_rate: ArrayLike,
    horizon: ArrayLike,
    acquisition_cost: ArrayLike = 0.0,
) -> FloatArray:
    """Σ_{t=1..H} m r^(t−1) / (1+d)^t − K, element-wise with NumPy broadcasting.

    ``retention`` must lie in [0, 1], ``discount_rate`` above −1, ``horizon`` a whole number
    of periods ≥ 0; otherwise ``ValueError`` names the argument.
    """
    m, r, d, h, k = (
        np.asarray(v, dtype=np.float64)
        for v in (margin, retention, discount_rate, horizon, acquisition_cost)
    )
    names = ("margin", "retention", "discount_rate", "horizon", "acquisition_cost")
    for name, array in zip(names, (m, r, d, h, k), strict=True):
        if not np.isfinite(array).all():
            raise ValueError(f"{name} must be finite")
    if ((r < 0) | (r > 1)).any():
        raise ValueError("retention must lie between 0 and 1")
    if (d <= -1).any():
        raise ValueError("discount_rate must be greater than -1")
    if ((h < 0) | (h != np.round(h))).any():
        raise ValueError("horizon must be a whole number of periods >= 0")
    g = r / (1 + d)
    one_minus_g = 1 - g
    near_one = np.abs(one_minus_g) < 1e-12
    safe = np.where(near_one, 0.5, one_minus_g)
    # (1 − g^H)/(1 − g); g = 0 (no retention) leaves only the first period.
    with np.errstate(divide="ignore"):
        log_g = np.log(np.where(g > 0, g, 1.0))
    power = np.where(g > 0, np.exp(h * log_g), np.where(h > 0, 0.0, 1.0))
    series = np.where(near_one, h, (1 - power) / safe)
    return np.asarray(m / (1 + d) * series - k, dtype=np.float64)
