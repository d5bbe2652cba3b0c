"""The BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005, "Counting your customers
the easy way", Marketing Science 24(2); and the note "Implementing the BG/NBD model for
customer base analysis in Excel").

Model: while alive, a customer buys as a Poisson process with rate λ ~ Gamma(r, α) (shape r,
rate α); after every purchase the customer drops out with probability p ~ Beta(a, b).
Sufficient statistics per customer: ``x`` repeat transactions, ``t_x`` the time of the last
one and ``T`` the length of observation since the first purchase (see ``frames.py``).

Log-likelihood of one customer (FHL 2005, eq. 6):

    LL = lnΓ(r+x) − lnΓ(r) + r ln α + ln B(a, b+x) − ln B(a, b)
         + ln[(α+T)^−(r+x) + δ_{x>0} · a/(b+x−1) · (α+t_x)^−(r+x)]

The bracket is evaluated as a ``logaddexp`` of the two logs, so nothing overflows for large
x or T. The fit maximises Σ w_i LL_i with L-BFGS-B and the analytic gradient over
(ln r, ln α, logit μ, ln ν), μ = a/(a+b) the mean drop-out probability and ν = a+b the
concentration of its Beta distribution, bounded by :data:`MAX_CONCENTRATION`: data without
spread in drop-out probabilities push ν to infinity (Beta(a, b) → a point mass at μ, the
"constant drop-out" limit of the model), and the fit stops there with a note instead of
running a and b off together. Identical (x, t_x, T) rows are compressed first into one row
with a weight, which also lets fits of partitions be combined (concatenate compressed rows,
compress again).

Parameters are in the time unit of ``t_x`` and ``T``: r, a and b do not depend on it, α
scales with it (α in weeks = α in days / 7).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit

from relata.analytics.clv._common import (
    LOG_BOUND,
    RUN_OFF,
    FitError,
    check_rfm,
    check_weights,
    compress_rows,
    digamma_difference,
    log_rising,
    maximise_over_box,
    unique_rows,
)
from relata.analytics.clv._common import (
    weighted_sum as _wsum,
)
from relata.analytics.clv._hypergeometric import expected_purchases_if_alive

FloatArray = NDArray[np.float64]

PARAMETER_NAMES = ("r", "alpha", "a", "b")
#: Names of the fit's coordinates (ln r, ln α, logit a/(a+b), ln(a+b)) in messages.
FIT_COORDINATE_NAMES = ("r", "alpha", "a/(a+b)", "a+b")
#: Upper bound of the concentration a + b of the Beta drop-out distribution. Beyond it the
#: Beta(a, b) is within ~1e-6 of a point mass at p = a/(a+b): when the likelihood keeps
#: rising towards that limit the fit stops here and says so (see :class:`BgNbdFit`).
MAX_CONCENTRATION = 1e6


@dataclass(frozen=True)
class BgNbdParams:
    """BG/NBD parameters: λ ~ Gamma(r, α), p ~ Beta(a, b), α in the data's time unit."""

    r: float
    alpha: float
    a: float
    b: float

    def __post_init__(self) -> None:
        values = (self.r, self.alpha, self.a, self.b)
        if not all(np.isfinite(v) and v > 0 for v in values):
            raise ValueError(f"BG/NBD parameters must be finite and > 0, got {values}")

    def as_array(self) -> FloatArray:
        return np.array([self.r, self.alpha, self.a, self.b], dtype=np.float64)

    def in_time_unit(self, factor: float) -> BgNbdParams:
        """The same model with time measured in units ``factor`` times as long."""
        return BgNbdParams(self.r, self.alpha / factor, self.a, self.b)


@dataclass(frozen=True)
class BgNbdFit:
    """A fitted BG/NBD model: parameters, total log-likelihood and fit diagnostics."""

    params: BgNbdParams
    log_likelihood: float
    customers: float
    repeat_customers: float
    distinct_rows: int
    iterations: int
    converged: bool
    #: Remarks on the fit, e.g. that a + b stopped at :data:`MAX_CONCENTRATION`.
    notes: tuple[str, ...] = ()

    @property
    def concentration_at_bound(self) -> bool:
        """True when a + b stopped at :data:`MAX_CONCENTRATION`: the data show no spread in
        the drop-out probability, and the model is (within ~1e-6) BG/NBD's limit with one
        drop-out probability a/(a+b) for every customer."""
        return self.params.a + self.params.b >= MAX_CONCENTRATION * (1 - 1e-9)


@dataclass(frozen=True)
class _Data:
    """Compressed rows split into one-off buyers (x = 0) and repeat buyers (x > 0).

    T and t_x take few distinct values (whole days), so their logarithms are computed once per
    distinct value and gathered through the ``*_index`` arrays.
    """

    big_t0: FloatArray  # T of customers without repeat purchases
    w0: FloatArray
    x: FloatArray  # repeat buyers from here on
    w: FloatArray
    x_values: FloatArray  # distinct x of the repeat buyers
    x_index: NDArray[np.intp]
    x_weight: FloatArray  # total weight per distinct x
    t_values: FloatArray  # distinct T of the repeat buyers
    t_index: NDArray[np.intp]
    tx_values: FloatArray  # distinct t_x of the repeat buyers
    tx_index: NDArray[np.intp]
    total_weight: float


def _prepare(x: FloatArray, t_x: FloatArray, big_t: FloatArray, w: FloatArray) -> _Data:
    rep = x > 0
    x_values, x_index = np.unique(x[rep], return_inverse=True)
    t_values, t_index = np.unique(big_t[rep], return_inverse=True)
    tx_values, tx_index = np.unique(t_x[rep], return_inverse=True)
    x_index = x_index.reshape(-1)
    return _Data(
        big_t0=big_t[~rep],
        w0=w[~rep],
        x=x[rep],
        w=w[rep],
        x_values=x_values,
        x_index=x_index,
        x_weight=np.bincount(x_index, weights=w[rep], minlength=x_values.size).astype(np.float64),
        t_values=t_values,
        t_index=t_index.reshape(-1),
        tx_values=tx_values,
        tx_index=tx_index.reshape(-1),
        total_weight=float(w.sum()),
    )


def _ll_and_grad(
    params: FloatArray, data: _Data, *, gradient: bool
) -> tuple[float, FloatArray, FloatArray]:
    """Σ w_i LL_i and its gradient, in (r, α, a, b) and in the fit's coordinates
    (ln r, ln α, logit μ, ln ν) with μ = a/(a+b), ν = a+b.

    For a one-off buyer LL = r ln α − r ln(α+T). For a repeat buyer the bracket is written
    (α+T)^−(r+x) · (1 + e^δ) with δ = ln a − ln(b+x−1) − (r+x)(ln(α+t_x) − ln(α+T)), so
    ln bracket = −(r+x) ln(α+T) + softplus(δ), and the share of the "dropped out" term in the
    bracket is s = expit(δ). Terms that depend on x only are summed per distinct x; the
    lnΓ and ψ differences there (ln B(a, b+x) − ln B(a, b) = ln (b)_x − ln (a+b)_x) are
    taken by :func:`log_rising` / :func:`digamma_difference`, which stay accurate for a, b
    of 1e6 and beyond, where ``gammaln(b+x) - gammaln(b)`` would lose ten digits.
    """
    r, alpha, a, b = (float(v) for v in params)
    nu = a + b
    log_alpha = np.log(alpha)
    # One-off buyers.
    log_at0 = np.log(alpha + data.big_t0)
    value = _wsum(data.w0, r * (log_alpha - log_at0))
    # Repeat buyers: per distinct x, then per row.
    xv, idx, wx, w = data.x_values, data.x_index, data.x_weight, data.w
    part_x = log_rising(r, xv) + log_rising(b, xv) - log_rising(nu, xv)
    value += _wsum(wx, part_x) + r * log_alpha * float(wx.sum())
    log_at = np.log(alpha + data.t_values)[data.t_index]
    log_gap = np.log(alpha + data.tx_values)[data.tx_index] - log_at
    rx = data.x + r
    delta = (np.log(a) - np.log(b + xv - 1))[idx] - rx * log_gap
    # softplus(δ) = max(δ, 0) + log1p(e^−|δ|) and expit(δ) share one exponential.
    e = np.exp(-np.abs(delta))
    positive = delta > 0
    value += _wsum(w, np.maximum(delta, 0.0) + np.log1p(e) - rx * log_at)
    if not gradient:
        return value, np.zeros(4), np.zeros(4)

    share = np.where(positive, 1.0, e) / (1.0 + e)
    ws = w * share
    ws_by_x = np.bincount(idx, weights=ws, minlength=xv.size).astype(np.float64)
    w_all = data.total_weight
    inv_at = (1.0 / (alpha + data.t_values))[data.t_index]
    inv_atx = (1.0 / (alpha + data.tx_values))[data.tx_index]
    d_r = (
        _wsum(data.w0, log_alpha - log_at0)
        + _wsum(wx, digamma_difference(r, xv) + log_alpha)
        - _wsum(w, log_at)
        - _wsum(ws, log_gap)
    )
    d_alpha = (
        r / alpha * w_all
        - _wsum(data.w0, r / (alpha + data.big_t0))
        - _wsum(w * rx, inv_at + share * (inv_atx - inv_at))
    )
    psi_b = digamma_difference(b, xv)  # ψ(b+x) − ψ(b)
    psi_nu = digamma_difference(nu, xv)  # ψ(a+b+x) − ψ(a+b)
    share_total = float(ws.sum())
    share_over_b = _wsum(ws_by_x, 1.0 / (b + xv - 1))
    d_a = share_total / a - _wsum(wx, psi_nu)
    d_b = _wsum(wx, psi_b - psi_nu) - share_over_b
    natural = np.array([d_r, d_alpha, d_a, d_b])
    # ∂a/∂logit μ = ab/ν = −∂b/∂logit μ; ∂a/∂ln ν = a, ∂b/∂ln ν = b. The ln ν derivative
    # a·d_a + b·d_b is summed in a form without the cancellation of its two O(x) halves:
    # Σ w (b ψ_b − ν ψ_ν) + Σ w s (x−1)/(b+x−1).
    d_logit = (b / nu) * share_total + (a * b / nu) * (share_over_b - _wsum(wx, psi_b))
    d_log_nu = _wsum(wx, b * psi_b - nu * psi_nu) + _wsum(ws_by_x, (xv - 1) / (b + xv - 1))
    fit_coordinates = np.array([r * d_r, alpha * d_alpha, d_logit, d_log_nu])
    return value, natural, fit_coordinates


def _from_fit_coordinates(theta: FloatArray) -> FloatArray:
    """(ln r, ln α, logit μ, ln ν) → (r, α, a, b) with a = μν, b = (1−μ)ν."""
    log_r, log_alpha, logit_mu, log_nu = (float(v) for v in theta)
    nu = np.exp(log_nu)
    return np.array([np.exp(log_r), np.exp(log_alpha), expit(logit_mu) * nu, expit(-logit_mu) * nu])


def _to_fit_coordinates(params: FloatArray) -> FloatArray:
    r, alpha, a, b = (float(v) for v in params)
    return np.array([np.log(r), np.log(alpha), np.log(a) - np.log(b), np.log(a + b)])


def _neg_mean_ll_and_grad(theta: FloatArray, data: _Data) -> tuple[float, FloatArray]:
    value, _, grad = _ll_and_grad(_from_fit_coordinates(theta), data, gradient=True)
    total = data.total_weight
    return -value / total, -grad / total


def log_likelihood(
    params: BgNbdParams,
    x: ArrayLike,
    t_x: ArrayLike,
    big_t: ArrayLike,
    weights: ArrayLike | None = None,
) -> float:
    """Σ w_i LL_i for the given parameters (FHL 2005, eq. 6)."""
    xa, ta, ba = check_rfm(x, t_x, big_t)
    w = check_weights(weights, xa.size)
    return _ll_and_grad(params.as_array(), _prepare(xa, ta, ba, w), gradient=False)[0]


def log_likelihood_gradient(
    params: BgNbdParams,
    x: ArrayLike,
    t_x: ArrayLike,
    big_t: ArrayLike,
    weights: ArrayLike | None = None,
) -> FloatArray:
    """∂(Σ w_i LL_i)/∂(r, α, a, b): the analytic gradient (the fit uses the same terms in
    its coordinates ln r, ln α, logit a/(a+b), ln(a+b))."""
    xa, ta, ba = check_rfm(x, t_x, big_t)
    w = check_weights(weights, xa.size)
    return _ll_and_grad(params.as_array(), _prepare(xa, ta, ba, w), gradient=True)[1]


def compress(
    x: ArrayLike, t_x: ArrayLike, big_t: ArrayLike, weights: ArrayLike | None = None
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Distinct ``(x, t_x, T)`` rows with their summed weights (the fit's sufficient data)."""
    xa, ta, ba = check_rfm(x, t_x, big_t)
    w = check_weights(weights, xa.size)
    (xc, tc, bc), wc = compress_rows((xa, ta, ba), w)
    return xc, tc, bc, wc


def _start(data: _Data) -> FloatArray:
    """A starting point from moments: r = 1, α = 1 / repeat rate, a = 1, b = 1."""
    exposure = _wsum(data.w, data.t_values[data.t_index]) + _wsum(data.w0, data.big_t0)
    rate = _wsum(data.w, data.x) / max(exposure, 1e-12)
    alpha = 1.0 / max(rate, 1e-6)
    return np.array([1.0, alpha, 1.0, 1.0])


def fit(
    x: ArrayLike,
    t_x: ArrayLike,
    big_t: ArrayLike,
    weights: ArrayLike | None = None,
) -> BgNbdFit:
    """Maximum-likelihood BG/NBD fit.

    The optimiser works in (ln r, ln α, logit μ, ln ν) with μ = a/(a+b) the mean drop-out
    probability and ν = a+b the concentration of its Beta distribution, ν ≤
    :data:`MAX_CONCENTRATION`. When the data show no spread in drop-out probabilities the
    likelihood keeps rising as ν → ∞ (Beta(a, b) narrowing to a point mass at μ); the fit
    then stops at the bound, is reported as converged, and says so in ``notes``.

    Raises :class:`FitError` when the data cannot identify the model: no customers, no
    customer with a repeat purchase (then the likelihood only depends on r/α and keeps rising
    as r → 0), all customers observed for zero time, or r, α (time measured in mean T) or
    the odds a/b running off beyond e^±15, or a + b below e^−15, as with a single customer.
    """
    xa, ta, ba = check_rfm(x, t_x, big_t)
    w = check_weights(weights, xa.size)
    (xc, tc, bc), wc = compress_rows((xa, ta, ba), w)
    if wc.size == 0:
        raise FitError("BG/NBD needs at least one customer; the data hold none")
    repeat = float(wc[xc > 0].sum())
    if repeat == 0:
        raise FitError(
            "BG/NBD needs customers with repeat purchases; every customer bought only once, "
            "so purchase rate and drop-out cannot be told apart"
        )
    if not (bc > 0).any():
        raise FitError("BG/NBD needs customers observed for some time (all T are 0)")
    # Measure time in units of the mean T while fitting: α is then of order 1, whatever the
    # time unit, and only α (and the log-likelihood, by Σ w x ln scale) depend on the unit.
    scale = _wsum(wc, bc) / float(wc.sum())
    data = _prepare(xc, tc / scale, bc / scale, wc)
    log_max_concentration = float(np.log(MAX_CONCENTRATION))
    bounds = [(-LOG_BOUND, LOG_BOUND)] * 3 + [(-LOG_BOUND, log_max_concentration)]
    optimum = maximise_over_box(
        lambda theta: _neg_mean_ll_and_grad(theta, data),
        _to_fit_coordinates(_start(data)),
        bounds,
    )
    theta = optimum.theta
    # A coordinate beyond ±15 means the likelihood kept rising towards a degenerate limit
    # rather than peaking; only ν → ∞ (no spread in drop-out) is a limit the model has.
    run_off = [i for i in range(3) if abs(theta[i]) >= RUN_OFF]
    if theta[3] <= -RUN_OFF:
        run_off.append(3)
    if run_off:
        names = ", ".join(FIT_COORDINATE_NAMES[i] for i in run_off)
        raise FitError(
            f"the data do not identify the BG/NBD parameters ({names} ran off towards 0 or "
            f"infinity) — {data.total_weight:g} customers, {repeat:g} with repeat purchases; "
            "more customers or a longer calibration period are needed"
        )
    r, alpha_scaled, a, b = (float(v) for v in _from_fit_coordinates(theta))
    alpha = alpha_scaled * scale
    log_likelihood = optimum.mean_log_likelihood * data.total_weight - _wsum(wc, xc) * float(
        np.log(scale)
    )
    notes: tuple[str, ...] = ()
    if theta[3] >= log_max_concentration - 1e-9:
        notes = (
            f"a + b stopped at its bound {MAX_CONCENTRATION:g}: the likelihood keeps rising "
            "as the Beta drop-out distribution narrows, i.e. the data show no spread in "
            f"drop-out probabilities. The fit is the limit with one drop-out probability "
            f"p = a/(a+b) = {a / (a + b):.4g} for every customer (within about 1e-6).",
        )
    return BgNbdFit(
        params=BgNbdParams(r, alpha, a, b),
        log_likelihood=log_likelihood,
        customers=data.total_weight,
        repeat_customers=repeat,
        distinct_rows=int(wc.size),
        iterations=optimum.iterations,
        converged=optimum.converged,
        notes=notes,
    )


def probability_alive(
    params: BgNbdParams, x: ArrayLike, t_x: ArrayLike, big_t: ArrayLike
) -> FloatArray:
    """P(alive at T | x, t_x, T) = 1 / (1 + δ_{x>0} · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)).

    Computed as expit(−log of the odds term), so it stays within [0, 1] for any x and T.
    Customers without a repeat purchase are alive with probability 1 under BG/NBD.
    """
    xa, ta, ba = check_rfm(x, t_x, big_t)
    return _probability_alive(params, xa, ta, ba)


def _probability_alive(
    params: BgNbdParams, xa: FloatArray, ta: FloatArray, ba: FloatArray
) -> FloatArray:
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    result = np.ones_like(xa)
    rep = xa > 0
    log_odds = (
        np.log(a)
        - np.log(b + xa[rep] - 1)
        + (r + xa[rep]) * np.log1p((ba[rep] - ta[rep]) / (alpha + ta[rep]))
    )
    result[rep] = expit(-log_odds)
    return result


def expected_purchases(
    params: BgNbdParams, t: ArrayLike, x: ArrayLike, t_x: ArrayLike, big_t: ArrayLike
) -> FloatArray:
    """E[Y(t) | x, t_x, T]: expected transactions in (T, T + t] (FHL 2005, eq. 10).

    ``t`` broadcasts against the customers (pass ``t[:, None]`` for a grid of horizons).
    The hypergeometric term is evaluated stably (see ``_hypergeometric.py``).
    """
    xa, ta, ba = check_rfm(x, t_x, big_t)
    tt = np.asarray(t, dtype=np.float64)
    if not np.isfinite(tt).all() or (tt < 0).any():
        raise ValueError("the horizon t must be finite and >= 0")
    alive = _probability_alive(params, xa, ta, ba)
    if tt.ndim == 0:
        # E[Y(t) | alive] depends on x and T only: evaluate it once per distinct pair.
        (ux, ub), inverse = unique_rows((xa, ba))
        conditional = expected_purchases_if_alive(
            params.r, params.alpha, params.a, params.b, tt, ux, ub
        )[inverse]
    else:
        conditional = expected_purchases_if_alive(
            params.r, params.alpha, params.a, params.b, tt, xa, ba
        )
    return np.asarray(conditional * alive, dtype=np.float64)


def expected_purchases_new_customer(params: BgNbdParams, t: ArrayLike) -> FloatArray:
    """E[X(t)]: expected repeat transactions of a new customer in (0, t] (FHL 2005, eq. 9)."""
    tt = np.atleast_1d(np.asarray(t, dtype=np.float64))
    zeros = np.zeros_like(tt)
    return expected_purchases_if_alive(params.r, params.alpha, params.a, params.b, tt, zeros, zeros)
