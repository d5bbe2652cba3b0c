"""Probabilistic customer lifetime value: discounted expected residual margin over a horizon
(DOMAIN.md §6 method 3).

    CLV_i = margin × E[M_i | x, m̄] × DERT_i(H)

* E[M | x, m̄] — expected spend per transaction from Gamma-Gamma (``gamma_gamma.py``);
* DERT(H) — discounted expected residual transactions over the horizon H from BG/NBD.

DERT is discretised (documented choice): the horizon is split into K equal periods of length
Δ = H/K; the expected purchases falling in period j, E[Y(jΔ)] − E[Y((j−1)Δ)] (FHL 2005,
eq. 10), are discounted as if made at the period's end:

    DERT = Σ_{j=1..K} (E[Y(jΔ) | x, t_x, T] − E[Y((j−1)Δ) | x, t_x, T]) / (1+d)^j

with d the discount rate per period. K = 12 monthly periods per year is fine-grained enough:
moving every purchase to its period's end understates a continuous discount by less than
half a period's interest. With d = 0 DERT equals the undiscounted E[Y(H)].

Assumptions (state them with the number): purchase counts and spend are independent
(Gamma-Gamma's premise); the BG/NBD process continues unchanged over the horizon; margin is a
constant share of spend; acquisition cost is sunk (residual value of existing customers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from relata.analytics.clv._common import ClvInputError, as_float_array, check_rfm, unique_rows
from relata.analytics.clv._hypergeometric import expected_purchases_if_alive
from relata.analytics.clv.bgnbd import BgNbdParams, _probability_alive
from relata.analytics.clv.gamma_gamma import GammaGammaParams, expected_spend

FloatArray = NDArray[np.float64]

#: Cells (distinct customers × periods) evaluated at once.
_BLOCK_CELLS = 1 << 20

ASSUMPTIONS = (
    "BG/NBD purchase process and Gamma-Gamma spend, independent of each other and unchanged "
    "over the horizon; margin a constant share of spend; purchases discounted at the end of "
    "each period; acquisition cost not subtracted (residual value)."
)


@dataclass(frozen=True)
class ResidualPurchases:
    """Per customer: P(alive), E[Y(H)] and the discounted expected residual transactions."""

    p_alive: FloatArray
    expected_purchases: FloatArray
    discounted_purchases: FloatArray


@dataclass(frozen=True)
class ClvScores:
    """Per-customer probabilistic CLV and its components (arrays aligned with the input)."""

    p_alive: FloatArray
    expected_purchases: FloatArray
    discounted_purchases: FloatArray
    expected_spend: FloatArray
    clv: FloatArray


def per_period_rate(annual_rate: float, period_years: float) -> float:
    """The discount rate per period equivalent to ``annual_rate`` (compounded): (1+d)^τ − 1."""
    if not np.isfinite(annual_rate) or annual_rate <= -1:
        raise ClvInputError("the discount rate must be a number greater than -1")
    return float(np.expm1(period_years * np.log1p(annual_rate)))


def residual_purchases(
    params: BgNbdParams,
    x: ArrayLike,
    t_x: ArrayLike,
    big_t: ArrayLike,
    *,
    horizon: float,
    periods: int,
    discount_rate: float,
) -> ResidualPurchases:
    """P(alive), E[Y(H)] and DERT over ``horizon`` (time unit of T) in ``periods`` steps.

    ``discount_rate`` is per period of length ``horizon / periods``. Identical (x, t_x, T)
    rows are evaluated once.
    """
    if not np.isfinite(horizon) or horizon < 0:
        raise ClvInputError("the horizon must be a number >= 0")
    if periods < 1:
        raise ClvInputError("the horizon needs at least one period")
    if not np.isfinite(discount_rate) or discount_rate <= -1:
        raise ClvInputError("the discount rate must be a number greater than -1")
    xa, ta, ba = check_rfm(x, t_x, big_t)
    alive = _probability_alive(params, xa, ta, ba)
    # E[Y(t) | alive] depends on x and T only (not t_x): evaluate it once per distinct pair
    # and in blocks of rows, so memory stays bounded for millions of customers.
    (ux, ub), inverse = unique_rows((xa, ba))
    grid = horizon * np.arange(1, periods + 1, dtype=np.float64) / periods
    discount = (1.0 + discount_rate) ** -np.arange(1, periods + 1, dtype=np.float64)
    total = np.empty(ux.size)
    discounted = np.empty(ux.size)
    block = max(1, _BLOCK_CELLS // periods)
    for start in range(0, ux.size, block):
        rows = slice(start, start + block)
        # Shape (rows, periods): expected purchases up to the end of every period.
        cumulative = expected_purchases_if_alive(
            params.r,
            params.alpha,
            params.a,
            params.b,
            grid[None, :],
            ux[rows, None],
            ub[rows, None],
        )
        # Rounding can make a tiny increment negative; the cumulative count never decreases.
        cumulative = np.maximum.accumulate(np.maximum(cumulative, 0.0), axis=1)
        increments = np.diff(cumulative, axis=1, prepend=0.0)
        total[rows] = cumulative[:, -1]
        discounted[rows] = (increments * discount).sum(axis=1)
    return ResidualPurchases(
        p_alive=alive,
        expected_purchases=total[inverse] * alive,
        discounted_purchases=discounted[inverse] * alive,
    )


def customer_lifetime_value(
    bgnbd: BgNbdParams,
    gamma_gamma: GammaGammaParams,
    x: ArrayLike,
    t_x: ArrayLike,
    big_t: ArrayLike,
    monetary: ArrayLike,
    *,
    horizon: float,
    periods: int,
    discount_rate: float,
    margin: float = 1.0,
    fallback_mean_spend: float | None = None,
) -> ClvScores:
    """CLV = margin × E[M | x, m̄] × DERT(H) per customer (see the module docstring).

    ``margin`` is the share of spend that is margin (1.0 when unknown: CLV is then residual
    revenue). ``fallback_mean_spend`` is used for customers without repeat purchases when the
    Gamma-Gamma population mean does not exist (q ≤ 1).
    """
    if not np.isfinite(margin):
        raise ClvInputError("the margin must be a finite number")
    purchases = residual_purchases(
        bgnbd, x, t_x, big_t, horizon=horizon, periods=periods, discount_rate=discount_rate
    )
    spend = expected_spend(
        gamma_gamma,
        as_float_array(x, "x"),
        as_float_array(monetary, "monetary"),
        fallback_mean=fallback_mean_spend,
    )
    return ClvScores(
        p_alive=purchases.p_alive,
        expected_purchases=purchases.expected_purchases,
        discounted_purchases=purchases.discounted_purchases,
        expected_spend=spend,
        clv=margin * spend * purchases.discounted_purchases,
    )
