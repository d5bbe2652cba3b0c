"""Simulate customers from the BG/NBD and Gamma-Gamma models (tests, benchmarks, demos).

Exact and vectorised — no loop over customers:

* λ ~ Gamma(r, rate α) and p ~ Beta(a, b) per customer; the first purchase is at time 0;
* while alive, purchases form a Poisson process with rate λ; after each *repeat* purchase the
  customer drops out with probability p, so the number of repeat purchases a customer would
  ever make is J ~ Geometric(p) on {1, 2, ...};
* over (0, T] the Poisson process has N ~ Poisson(λT) points; x = min(N, J) are made, and the
  last one, t_x, is the x-th order statistic of N uniform points: T · Beta(x, N − x + 1);
* in a holdout (T, T + t] a customer still alive (J > N) makes min(Poisson(λt), J − N) more;
* Gamma-Gamma: ν ~ Gamma(q, rate v); the mean of x transaction values Gamma(p, rate ν) is
  m̄ ~ Gamma(p·x, rate x·ν).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from relata.analytics.clv.bgnbd import BgNbdParams
from relata.analytics.clv.gamma_gamma import GammaGammaParams

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class SimulatedCustomers:
    """Calibration summaries, holdout counts and the latent per-customer values."""

    x: FloatArray
    t_x: FloatArray
    T: FloatArray
    holdout: FloatArray
    rate: FloatArray
    dropout: FloatArray
    alive: NDArray[np.bool_]


def simulate_bgnbd(
    params: BgNbdParams,
    big_t: FloatArray,
    rng: np.random.Generator,
    *,
    holdout: float = 0.0,
) -> SimulatedCustomers:
    """One simulated customer per element of ``big_t`` (observation length since birth)."""
    n = big_t.size
    rate = rng.gamma(params.r, 1.0 / params.alpha, size=n)
    dropout = rng.beta(params.a, params.b, size=n)
    # Guard p = 0 from the Beta draw underflowing: such a customer never drops out.
    lifetime_purchases = rng.geometric(np.maximum(dropout, 1e-300)).astype(np.float64)
    points = rng.poisson(rate * big_t).astype(np.float64)
    x = np.minimum(points, lifetime_purchases)
    t_x = np.zeros(n)
    repeat = x > 0
    t_x[repeat] = big_t[repeat] * rng.beta(x[repeat], points[repeat] - x[repeat] + 1)
    alive = lifetime_purchases > points
    later = np.zeros(n)
    if holdout > 0:
        more = rng.poisson(rate * holdout).astype(np.float64)
        later = np.where(alive, np.minimum(more, lifetime_purchases - points), 0.0)
    return SimulatedCustomers(
        x=x,
        t_x=t_x,
        T=big_t.astype(np.float64),
        holdout=later,
        rate=rate,
        dropout=dropout,
        alive=alive,
    )


def simulate_mean_spend(
    params: GammaGammaParams, x: FloatArray, rng: np.random.Generator
) -> FloatArray:
    """Mean transaction value m̄ for customers with ``x`` transactions (0 where x = 0)."""
    nu = rng.gamma(params.q, 1.0 / params.v, size=x.size)
    mean = np.zeros(x.size)
    some = x > 0
    mean[some] = rng.gamma(params.p * x[some], 1.0 / (x[some] * nu[some]))
    return mean


def simulate_transactions(
    params: BgNbdParams,
    spend: GammaGammaParams,
    customers: int,
    *,
    days: int,
    rng: np.random.Generator,
) -> tuple[NDArray[np.int64], NDArray[np.int64], FloatArray]:
    """Transaction rows (customer, day number, amount) over ``days`` days, for benchmarks.

    Customers are born uniformly over the period (first purchase on their birth day); ``params``
    are in days. Repeat purchase times are spread uniformly before the last one, as the
    Poisson process implies; each transaction's value is Gamma(p, ν) for the customer's ν.
    """
    birth = rng.integers(0, days, size=customers)
    big_t = (days - 1 - birth).astype(np.float64)
    sim = simulate_bgnbd(params, big_t, rng)
    x = sim.x.astype(np.int64)
    repeat_owner = np.repeat(np.arange(customers), x)
    # Per repeat purchase: the last one at t_x, the others uniform on (0, t_x).
    position = np.arange(repeat_owner.size) - np.repeat(np.cumsum(x) - x, x)
    is_last = position == np.repeat(x - 1, x)
    t_owner = sim.t_x[repeat_owner]
    offset = np.where(is_last, t_owner, rng.uniform(0, 1, repeat_owner.size) * t_owner)
    customer = np.concatenate([np.arange(customers), repeat_owner])
    day = np.concatenate([birth, birth[repeat_owner] + np.floor(offset).astype(np.int64)])
    nu = rng.gamma(spend.q, 1.0 / spend.v, size=customers)
    amount = rng.gamma(spend.p, 1.0 / nu[customer])
    order = rng.permutation(customer.size)
    return customer[order], day[order], np.round(amount[order], 2)
