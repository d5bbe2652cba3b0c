"""Errors, input checks and the optimiser shared by the probabilistic CLV models."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import digamma, gammaln

from relata.analytics.frames import IntArray, sort_int_keys

FloatArray = NDArray[np.float64]

#: Search box for every log-parameter: parameters live in [e^-20, e^20].
LOG_BOUND = 20.0
#: Data are rescaled so that sensible parameters are of order 1; an optimum with a parameter
#: beyond e^±15 (3.3e6 or 3e-7) is a likelihood running off to a degenerate limit.
RUN_OFF = 15.0


class ClvInputError(ValueError):
    """Inputs that no CLV model can use (NaN, negative counts, t_x > T, ...)."""


class FitError(ValueError):
    """The data cannot identify the model's parameters (explained in the message)."""


def as_float_array(values: ArrayLike, name: str) -> FloatArray:
    """A one-dimensional float64 array of finite values, or :class:`ClvInputError`."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim != 1:
        raise ClvInputError(f"{name} must be one-dimensional")
    bad = ~np.isfinite(array)
    if bad.any():
        raise ClvInputError(
            f"{name} holds {int(bad.sum())} NaN or infinite value(s), first at index "
            f"{int(np.flatnonzero(bad)[0])}"
        )
    return array


def check_rfm(
    x: ArrayLike, t_x: ArrayLike, big_t: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Validate ``(x, t_x, T)`` triples: x a whole number >= 0, 0 <= t_x <= T, t_x = 0 if x = 0.

    Arrays are broadcast against each other. Violations raise :class:`ClvInputError` naming the
    count and the first offending index.
    """
    xa, ta, ba = np.broadcast_arrays(
        np.asarray(x, dtype=np.float64),
        np.asarray(t_x, dtype=np.float64),
        np.asarray(big_t, dtype=np.float64),
    )
    xa, ta, ba = (np.ascontiguousarray(a).reshape(-1) for a in (xa, ta, ba))
    for name, array in (("x", xa), ("t_x", ta), ("T", ba)):
        as_float_array(array, name)
    checks = (
        ((xa < 0) | (xa != np.round(xa)), "x must be a whole number of repeat transactions >= 0"),
        (ta < 0, "t_x must be >= 0"),
        (ta > ba * (1 + 1e-12) + 1e-12, "t_x must not exceed T"),
        ((xa == 0) & (ta != 0), "t_x must be 0 for a customer without repeat transactions"),
    )
    for bad, message in checks:
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise ClvInputError(f"{message}: {int(bad.sum())} row(s), first at index {first}")
    return xa, np.minimum(ta, ba), ba


def weighted_sum(weights: FloatArray, values: FloatArray) -> float:
    """Σ w_i v_i without BLAS: ``w @ v`` goes through multi-threaded OpenBLAS, which is orders
    of magnitude slower for these short vectors on a busy machine."""
    return float(np.sum(weights * values))


def check_weights(weights: ArrayLike | None, n: int) -> FloatArray:
    """Non-negative finite weights of length ``n`` (ones when ``None``)."""
    if weights is None:
        return np.ones(n, dtype=np.float64)
    w = as_float_array(weights, "weights")
    if w.shape != (n,):
        raise ClvInputError(f"weights must have one value per row ({n}), got {w.shape[0]}")
    if (w < 0).any():
        raise ClvInputError("weights must be >= 0")
    return w


@dataclass(frozen=True)
class BoxOptimum:
    """Result of :func:`maximise_over_box`: the maximiser in the optimiser's coordinates."""

    theta: FloatArray
    mean_log_likelihood: float
    iterations: int
    converged: bool
    message: str


def maximise_over_box(
    neg_mean_ll_and_grad: Callable[[FloatArray], tuple[float, FloatArray]],
    theta0: FloatArray,
    bounds: Sequence[tuple[float, float]],
) -> BoxOptimum:
    """Maximise a mean log-likelihood over a box with L-BFGS-B and analytic gradients.

    ``neg_mean_ll_and_grad`` returns the negative mean log-likelihood and its gradient in the
    coordinates ``theta``. Converged means L-BFGS-B reported success, or that the projected
    gradient — components pushing against an active bound removed — is below 1e-6 (a line
    search that stalls at rounding noise next to a stationary point has converged; so has
    one that stops on a bound the likelihood keeps rising towards).
    """
    # Imported here: scipy.optimize takes ~1 s to import (it loads most of SciPy), which only
    # fitting should pay for, and which `relata clv` overlaps with reading the file.
    from scipy.optimize import minimize

    lower = np.array([lo for lo, _ in bounds], dtype=np.float64)
    upper = np.array([hi for _, hi in bounds], dtype=np.float64)
    start = np.clip(np.asarray(theta0, dtype=np.float64), lower + 1e-3, upper - 1e-3)
    result = minimize(
        neg_mean_ll_and_grad,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=list(zip(lower, upper, strict=True)),
        options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-10, "maxcor": 20},
    )
    theta = np.asarray(result.x, dtype=np.float64)
    value = float(result.fun)
    if not np.isfinite(value) or not np.isfinite(theta).all():
        raise FitError("the optimiser left the region where the likelihood is finite")
    gradient = np.asarray(result.jac, dtype=np.float64)
    projected = theta - np.clip(theta - gradient, lower, upper)
    return BoxOptimum(
        theta=theta,
        mean_log_likelihood=-value,
        iterations=int(result.nit),
        converged=bool(result.success) or float(np.max(np.abs(projected))) < 1e-6,
        message=str(result.message),
    )


@dataclass(frozen=True)
class Optimum:
    """Result of :func:`maximise_log_likelihood` (parameters on their natural scale)."""

    params: FloatArray
    mean_log_likelihood: float
    iterations: int
    converged: bool
    message: str
    at_bound: tuple[int, ...]


def maximise_log_likelihood(
    neg_mean_ll_and_grad: Callable[[FloatArray], tuple[float, FloatArray]],
    start: FloatArray,
) -> Optimum:
    """Maximise a mean log-likelihood over log-parameters with L-BFGS-B and analytic gradients.

    ``neg_mean_ll_and_grad`` takes log-parameters and returns the negative mean log-likelihood
    and its gradient with respect to the log-parameters.
    """
    log_start = np.clip(np.log(start), -LOG_BOUND + 1, LOG_BOUND - 1)
    optimum = maximise_over_box(
        neg_mean_ll_and_grad, log_start, [(-LOG_BOUND, LOG_BOUND)] * log_start.size
    )
    theta = optimum.theta
    # A (rescaled) parameter beyond e^±15 means the likelihood kept rising towards a
    # degenerate limit (no heterogeneity, or no variation at all) rather than peaking.
    at_bound = tuple(int(i) for i in np.flatnonzero(np.abs(theta) >= RUN_OFF))
    return Optimum(
        params=np.exp(theta),
        mean_log_likelihood=optimum.mean_log_likelihood,
        iterations=optimum.iterations,
        converged=optimum.converged,
        message=optimum.message,
        at_bound=at_bound,
    )


# Stirling series: ln Γ(w) = (w − ½) ln w − w + ½ ln 2π + Σ_k B_2k / (2k(2k−1) w^(2k−1)) and
# ψ(w) = ln w − 1/(2w) − Σ_k B_2k / (2k w^(2k)). For w ≥ 20 five terms leave < 1e-17.
_STIRLING_FROM = 20.0
_LGAMMA_TAIL = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188)
_DIGAMMA_TAIL = (-1 / 12, 1 / 120, -1 / 252, 1 / 240, -1 / 132)


def log_rising(z: FloatArray | float, n: FloatArray) -> FloatArray:
    """ln Γ(z+n) − ln Γ(z) = ln of the rising factorial (z)_n, accurate for any z > 0.

    ``gammaln(z+n) - gammaln(z)`` loses about log10(z ln z) digits when z is large (both
    terms are about z ln z); for z ≥ 20 the difference is taken inside the Stirling series,
    (z − ½) log1p(n/z) + n (ln(z+n) − 1) + Σ c_k ((z+n)^(1−2k) − z^(1−2k)).
    """
    zz, nn = np.broadcast_arrays(np.asarray(z, dtype=np.float64), np.asarray(n, dtype=np.float64))
    out = np.empty(zz.shape)
    big = zz >= _STIRLING_FROM
    small = ~big
    out[small] = gammaln(zz[small] + nn[small]) - gammaln(zz[small])
    zb, nb = zz[big], nn[big]
    wb = zb + nb
    value = (zb - 0.5) * np.log1p(nb / zb) + nb * (np.log(wb) - 1.0)
    for power, coefficient in enumerate(_LGAMMA_TAIL):
        exponent = -(2 * power + 1)
        value += coefficient * (wb**exponent - zb**exponent)
    out[big] = value
    return out


def digamma_difference(z: FloatArray | float, n: FloatArray) -> FloatArray:
    """ψ(z+n) − ψ(z) = Σ_{i<n} 1/(z+i), accurate for any z > 0 (cf. :func:`log_rising`)."""
    zz, nn = np.broadcast_arrays(np.asarray(z, dtype=np.float64), np.asarray(n, dtype=np.float64))
    out = np.empty(zz.shape)
    big = zz >= _STIRLING_FROM
    small = ~big
    out[small] = digamma(zz[small] + nn[small]) - digamma(zz[small])
    zb, nb = zz[big], nn[big]
    wb = zb + nb
    value = np.log1p(nb / zb) + nb / (2 * zb * wb)
    for power, coefficient in enumerate(_DIGAMMA_TAIL):
        exponent = -2 * (power + 1)
        value += coefficient * (wb**exponent - zb**exponent)
    out[big] = value
    return out


def _row_keys(columns: tuple[FloatArray, ...]) -> tuple[IntArray, list[FloatArray]] | None:
    """One int64 key per row from the ranks of each column's values (None if it overflows)."""
    values = [np.unique(c) for c in columns]
    key = np.zeros(columns[0].size, dtype=np.int64)
    capacity = 1
    for column, distinct in zip(columns, values, strict=True):
        capacity *= distinct.size
        if capacity >= 1 << 62:
            return None
        key = key * distinct.size + np.searchsorted(distinct, column).astype(np.int64)
    return key, values


def _decode(key: IntArray, values: list[FloatArray]) -> tuple[FloatArray, ...]:
    out: list[FloatArray] = []
    for distinct in reversed(values):
        out.append(distinct[key % distinct.size])
        key = key // distinct.size
    return tuple(reversed(out))


def compress_rows(
    columns: tuple[FloatArray, ...], weights: FloatArray
) -> tuple[tuple[FloatArray, ...], FloatArray]:
    """Collapse identical rows of ``columns`` into one row carrying the summed weight.

    Rows with zero weight are dropped. Concatenating compressed partitions and compressing
    again gives the same result as compressing everything at once (weights add up).
    """
    keep = weights > 0
    if not keep.all():
        columns = tuple(c[keep] for c in columns)
        weights = weights[keep]
    if weights.size == 0:
        return columns, weights
    distinct, inverse = unique_rows(columns)
    summed = np.bincount(inverse, weights=weights, minlength=distinct[0].size)
    return distinct, summed.astype(np.float64)


def unique_rows(
    columns: tuple[FloatArray, ...],
) -> tuple[tuple[FloatArray, ...], NDArray[np.intp]]:
    """Distinct rows of ``columns`` (in sorted order) and, per input row, its distinct row."""
    n = columns[0].size
    if n == 0:
        return columns, np.zeros(0, dtype=np.intp)
    encoded = _row_keys(columns)
    if encoded is not None:
        key, values = encoded
        sorted_key, order = sort_int_keys(key)
        change = np.empty(n, dtype=bool)
        change[0] = True
        np.not_equal(sorted_key[1:], sorted_key[:-1], out=change[1:])
        inverse = np.empty(n, dtype=np.intp)
        inverse[order] = np.cumsum(change) - 1
        return _decode(sorted_key[change], values), inverse
    order = np.lexsort(columns[::-1])
    sorted_columns = tuple(c[order] for c in columns)
    change = np.zeros(n, dtype=bool)
    change[0] = True
    for c in sorted_columns:
        change[1:] |= c[1:] != c[:-1]
    inverse = np.empty(n, dtype=np.intp)
    inverse[order] = np.cumsum(change) - 1
    return tuple(c[change] for c in sorted_columns), inverse
