"""The Gamma-Gamma model of spend per transaction (Fader & Hardie 2013, "The Gamma-Gamma model
of monetary value"; Colombo & Jiang 1999).

Model: a customer's transaction values are Gamma(p, ν) (shape p, rate ν) around their mean
p/ν; across customers ν ~ Gamma(q, v). Only customers with x ≥ 1 repeat transactions enter,
each with the mean m̄ of those repeat transactions (the first purchase is excluded). The
model assumes spend per transaction is independent of the purchase process.

Log-likelihood of one customer (x transactions, mean m̄):

    LL = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln v + (px−1) ln m̄ + px ln x − (px+q) ln(x m̄ + v)

Fitted like BG/NBD: log-parameters, L-BFGS-B, analytic gradient, identical (x, m̄) rows
compressed into weights. Amounts are rescaled by their mean before fitting (v scales with
the currency unit, p and q do not), and the log-likelihood is reported on the original scale.

Conditional expected spend per transaction:

    E[M | x, m̄] = (q−1)/(px+q−1) · v p/(q−1) + px/(px+q−1) · m̄ = p (v + x m̄) / (px + q − 1)

which is finite whenever px+q > 1. For customers without repeat transactions the population
mean v p/(q−1) is used; it exists only for q > 1 — otherwise (a heavy-tailed spend
distribution) the documented fallback is the weighted mean of the fitted customers' m̄.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import digamma, gammaln

from relata.analytics.clv._common import (
    ClvInputError,
    FitError,
    as_float_array,
    check_weights,
    compress_rows,
    maximise_log_likelihood,
)
from relata.analytics.clv._common import (
    weighted_sum as _wsum,
)

FloatArray = NDArray[np.float64]

PARAMETER_NAMES = ("p", "q", "v")


@dataclass(frozen=True)
class GammaGammaParams:
    """Gamma-Gamma parameters: shape p of spend per transaction, ν ~ Gamma(q, v)."""

    p: float
    q: float
    v: float

    def __post_init__(self) -> None:
        values = (self.p, self.q, self.v)
        if not all(np.isfinite(val) and val > 0 for val in values):
            raise ValueError(f"Gamma-Gamma parameters must be finite and > 0, got {values}")

    def as_array(self) -> FloatArray:
        return np.array([self.p, self.q, self.v], dtype=np.float64)

    def population_mean(self) -> float | None:
        """E[M] = v p / (q − 1) for q > 1; ``None`` when it does not exist."""
        return self.v * self.p / (self.q - 1) if self.q > 1 else None


@dataclass(frozen=True)
class GammaGammaFit:
    """A fitted Gamma-Gamma model.

    ``customers`` counts the (weighted) customers used; ``excluded_no_repeat`` those left out
    because x = 0 and ``excluded_non_positive`` those with a mean spend ≤ 0 (refunds, free
    orders), which the model cannot describe. ``mean_spend`` is the weighted mean of m̄ over
    the customers used (the fallback for customers without repeat purchases when q ≤ 1).
    """

    params: GammaGammaParams
    log_likelihood: float
    customers: float
    excluded_no_repeat: float
    excluded_non_positive: float
    mean_spend: float
    distinct_rows: int
    iterations: int
    converged: bool


def _check(
    x: ArrayLike, monetary: ArrayLike, weights: ArrayLike | None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    xa = as_float_array(x, "x")
    ma = as_float_array(monetary, "monetary")
    if xa.shape != ma.shape:
        if xa.size == 1:
            xa = np.full_like(ma, xa[0])
        elif ma.size == 1:
            ma = np.full_like(xa, ma[0])
        else:
            raise ClvInputError("x and monetary must have the same length")
    bad = (xa < 0) | (xa != np.round(xa))
    if bad.any():
        raise ClvInputError(
            f"x must be a whole number >= 0: {int(bad.sum())} row(s), "
            f"first at index {int(np.flatnonzero(bad)[0])}"
        )
    return xa, ma, check_weights(weights, xa.size)


@dataclass(frozen=True)
class _Data:
    """Rows (x ≥ 1, m̄ > 0) with what does not depend on the parameters precomputed."""

    w: FloatArray
    wx: FloatArray  # w · x
    log_xm: FloatArray  # ln(x m̄)
    xm: FloatArray
    x_values: FloatArray
    x_weight: FloatArray  # Σ w per distinct x
    total: float
    sum_w_log_m: float  # Σ w ln m̄
    sum_wx_log_m: float  # Σ w x ln m̄
    sum_wx_log_xm: float  # Σ w x ln(x m̄)
    sum_w_log_xm: float  # Σ w ln(x m̄)


def _prepare(x: FloatArray, m: FloatArray, w: FloatArray) -> _Data:
    x_values, x_index = np.unique(x, return_inverse=True)
    xm = x * m
    log_m = np.log(m)
    log_xm = np.log(xm)
    wx = w * x
    return _Data(
        w=w,
        wx=wx,
        log_xm=log_xm,
        xm=xm,
        x_values=x_values,
        x_weight=np.bincount(x_index.reshape(-1), weights=w, minlength=x_values.size).astype(
            np.float64
        ),
        total=float(w.sum()),
        sum_w_log_m=_wsum(w, log_m),
        sum_wx_log_m=_wsum(wx, log_m),
        sum_wx_log_xm=_wsum(wx, log_xm),
        sum_w_log_xm=_wsum(w, log_xm),
    )


def _ll_and_grad(params: FloatArray, data: _Data, *, gradient: bool) -> tuple[float, FloatArray]:
    """Σ w LL and its gradient in (p, q, v); per-x terms summed per distinct x.

    With ℓ = ln(x m̄ + v) = ln(x m̄) + log1p(v / (x m̄)) per row:
    Σ w LL = Σ_x W_x [lnΓ(px+q) − lnΓ(px) − lnΓ(q) + px ln x] + W q ln v
             + p Σ w x ln m̄ − Σ w ln m̄ − p Σ w x ℓ − q Σ w ℓ.
    """
    p, q, v = (float(val) for val in params)
    xv, wx_by_x = data.x_values, data.x_weight
    px = p * xv
    gap = np.log1p(v / data.xm)  # ℓ − ln(x m̄), one transcendental per row
    sum_wx_l = data.sum_wx_log_xm + _wsum(data.wx, gap)
    sum_w_l = data.sum_w_log_xm + _wsum(data.w, gap)
    value = (
        _wsum(wx_by_x, gammaln(px + q) - gammaln(px) - gammaln(q) + px * np.log(xv))
        + data.total * q * np.log(v)
        + p * data.sum_wx_log_m
        - data.sum_w_log_m
        - p * sum_wx_l
        - q * sum_w_l
    )
    if not gradient:
        return value, np.zeros(3)
    dig_pxq = digamma(px + q)
    inv = 1.0 / (data.xm + v)
    # ∂/∂p: x [ψ(px+q) − ψ(px) + ln m̄ + ln x − ℓ] = x [ψ(px+q) − ψ(px) − log1p(v/(x m̄))]
    d_p = _wsum(wx_by_x * xv, dig_pxq - digamma(px)) - _wsum(data.wx, gap)
    d_q = _wsum(wx_by_x, dig_pxq - digamma(q)) + data.total * np.log(v) - sum_w_l
    d_v = data.total * q / v - p * _wsum(data.wx, inv) - q * _wsum(data.w, inv)
    return value, np.array([d_p, d_q, d_v])


def _neg_mean_ll_and_grad(theta: FloatArray, data: _Data) -> tuple[float, FloatArray]:
    params = np.exp(theta)
    value, grad = _ll_and_grad(params, data, gradient=True)
    return -value / data.total, -(grad * params) / data.total


def _select(
    xa: FloatArray, ma: FloatArray, w: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, float, float]:
    repeat = xa > 0
    positive = ma > 0
    no_repeat = float(w[~repeat].sum())
    non_positive = float(w[repeat & ~positive].sum())
    use = repeat & positive
    return xa[use], ma[use], w[use], no_repeat, non_positive


def log_likelihood(
    params: GammaGammaParams,
    x: ArrayLike,
    monetary: ArrayLike,
    weights: ArrayLike | None = None,
) -> float:
    """Σ w_i LL_i over customers with x ≥ 1 and m̄ > 0 (the others are ignored)."""
    xa, ma, w = _check(x, monetary, weights)
    xs, ms, ws, _no_repeat, _non_positive = _select(xa, ma, w)
    if ws.size == 0:
        return 0.0
    return _ll_and_grad(params.as_array(), _prepare(xs, ms, ws), gradient=False)[0]


def log_likelihood_gradient(
    params: GammaGammaParams,
    x: ArrayLike,
    monetary: ArrayLike,
    weights: ArrayLike | None = None,
) -> FloatArray:
    """∂(Σ w_i LL_i)/∂(p, q, v): the analytic gradient the fit uses."""
    xa, ma, w = _check(x, monetary, weights)
    xs, ms, ws, _no_repeat, _non_positive = _select(xa, ma, w)
    if ws.size == 0:
        return np.zeros(3)
    return _ll_and_grad(params.as_array(), _prepare(xs, ms, ws), gradient=True)[1]


def fit(x: ArrayLike, monetary: ArrayLike, weights: ArrayLike | None = None) -> GammaGammaFit:
    """Maximum-likelihood Gamma-Gamma fit on customers with x ≥ 1 and mean spend m̄ > 0.

    Customers with x = 0 and those with m̄ ≤ 0 are excluded and counted in the result. Raises
    :class:`FitError` when fewer than two distinct (x, m̄) rows remain or when a parameter
    runs off towards 0 or infinity (beyond e^±15 with amounts measured in their mean): spend
    values that do not identify p, q and v, e.g. every customer spending exactly the same.
    """
    xa, ma, w = _check(x, monetary, weights)
    xs, ms, ws, no_repeat, non_positive = _select(xa, ma, w)
    (xc, mc), wc = compress_rows((xs, ms), ws)
    if wc.size < 2:
        raise FitError(
            "Gamma-Gamma needs at least two customers with repeat purchases and a positive "
            f"mean spend; found {wc.size} distinct (excluded: {no_repeat:g} without repeat "
            f"purchases, {non_positive:g} with a mean spend <= 0)"
        )
    total = float(wc.sum())
    scale = _wsum(wc, mc) / total
    data = _prepare(xc, mc / scale, wc)
    start = np.array([1.0, 3.0, 2.0])  # E[M] = v p / (q − 1) = 1 on the rescaled amounts
    optimum = maximise_log_likelihood(lambda theta: _neg_mean_ll_and_grad(theta, data), start)
    if optimum.at_bound:
        names = ", ".join(PARAMETER_NAMES[i] for i in optimum.at_bound)
        raise FitError(
            f"the spend data do not identify the Gamma-Gamma parameters ({names} ran off "
            f"towards 0 or infinity) — {total:g} customers used"
        )
    p, q, v_scaled = (float(val) for val in optimum.params)
    return GammaGammaFit(
        params=GammaGammaParams(p, q, v_scaled * scale),
        log_likelihood=optimum.mean_log_likelihood * total - total * float(np.log(scale)),
        customers=total,
        excluded_no_repeat=no_repeat,
        excluded_non_positive=non_positive,
        mean_spend=scale,
        distinct_rows=int(wc.size),
        iterations=optimum.iterations,
        converged=optimum.converged,
    )


def expected_spend(
    params: GammaGammaParams,
    x: ArrayLike,
    monetary: ArrayLike,
    *,
    fallback_mean: float | None = None,
) -> FloatArray:
    """E[M | x, m̄] per customer: p (v + x m̄) / (px + q − 1) (Fader & Hardie 2013, eq. 5).

    Customers with x = 0 get the population mean v p/(q−1); if q ≤ 1 that mean does not exist
    and ``fallback_mean`` (use ``GammaGammaFit.mean_spend``) is returned instead — a
    :class:`ValueError` is raised if it is missing then. Customers with x ≥ 1 but m̄ ≤ 0 are
    treated like x = 0 (their history says nothing the model can use), and so are rows with
    px + q ≤ 1, where the conditional mean does not exist.
    """
    xa, ma, _w = _check(x, monetary, None)
    p, q, v = params.p, params.q, params.v
    population = params.population_mean()
    if population is None:
        if fallback_mean is None:
            raise ValueError("q <= 1: the population mean spend does not exist; pass fallback_mean")
        population = fallback_mean
    use = (xa > 0) & (ma > 0) & (p * xa + q - 1 > 0)
    result = np.full_like(xa, population)
    denominator = p * xa[use] + q - 1
    result[use] = p * (v + xa[use] * ma[use]) / denominator
    return result
