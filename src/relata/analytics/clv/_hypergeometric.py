"""Stable evaluation of the BG/NBD conditional expectation (the hypergeometric term).

Fader, Hardie & Lee (2005, eq. 10) give, for a customer who is still alive,

    E_alive(t) = (a+b+x-1)/(a-1) · [1 - ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x-1; z)]

with z = t / (α+T+t) and u = t / (α+T) (so z = u / (1+u)). Evaluated literally this
overflows (2F1 grows like (1-z)^-(r+x+1-a) for large x), divides by zero at a = 1, loses
every digit when the bracket is close to zero and — for the large a and b of a customer base
without spread in drop-out — overflows in 2F1's parameters too. Two exact rewritings are
used; both are compared with mpmath in the tests.

**Euler series** (the fast path). Euler's transformation 2F1(A', B'; C; z) =
(1-z)^(C-A'-B') · 2F1(C-A', C-B'; C; z) turns (1-z)^(r+x) · 2F1(r+x, b+x; C; z) into
(1-z)^(a-1) · 2F1(A, B; C; z) with A = a+b-1-r, B = a-1, C = a+b+x-1: parameters that no
longer grow with x. Writing 2F1(A, B; C; z) = 1 + B·S(z) and L = ln(1-z) = -log1p(u),

    E_alive = -C·L·exprel(B·L) - e^(B·L) · C·S(z),

where exprel(y) = (e^y - 1)/y removes the 0/0 at a = 1, and
C·S(z) = Σ_{n≥1} (A)_n (B+1)_{n-1} / ((C+1)_{n-1} n!) · z^n never divides by C. Terms follow
u_1 = A·z, u_{n+1} = u_n · (A+n)(B+n) / ((C+n)(n+1)) · z. The series converges for every
z < 1, fast unless z is close to 1 with small x; but its terms first grow to about
(1+u)^(a-1) — it overflows for large a, and costs about (a-1)·u terms — and the two parts of
the result cancel when a + b is large. So it is used only where it is cheap, and each result
carries an estimate of its rounding error (cancellation factor × the error of the second
part, ~|B·L| + √terms ulp); above 1e-13 the row is recomputed by the quadrature.

**Quadrature over the drop-out probability** (everything else: large a or b, z close to 1,
rows the series did not finish). Given the posteriors λ ~ Gamma(r+x, α+T) and
p ~ Beta(a, b+x) of an alive customer, who buys at rate λ until dropping out with
probability p after each purchase, E[Y(t) | λ, p] = (1 - e^(-λpt))/p, and integrating λ out,

    E_alive = E_{p ~ Beta(a, b+x)} [ h(p) ],   h(p) = (1 - (1 + p·u)^-(r+x)) / p,

with h evaluated as -expm1(-(r+x)·log1p(p·u))/p: positive, no cancellation, no division by
a − 1, no overflow for any x. (As a, b → ∞ with a/(a+b) → μ, Beta(a, b+x) narrows to a point
at μ and E_alive tends continuously to the constant-drop-out limit (1 - (1+μu)^-(r+x))/μ.)
The expectation is taken with the trapezoidal rule in y = logit p, where the Beta density
e^(a·y − (a+b+x)·softplus(y)) is log-concave and the integrand is analytic in the strip
|Im y| < π (singularities of expit and of (1 + u·expit(y))^-k lie on Im y = ±π): the rule
then converges exponentially in 1/step (Trefethen & Weideman 2014, "The exponentially
convergent trapezoidal rule", SIAM Review 56(3)). Step = min(1, w)/4 with
w = √(1/a + 1/(b+x)) the density's width at its mode, cut where the density has fallen by
e^-50: 100–400 nodes for usual parameters (more when a or b+x is far below 1), error
~1e-15 relative in the tests.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit, exprel

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: Terms of the Euler series before a row is handed to the quadrature.
MAX_TERMS: Final = 3_000
_EPS: Final = 1e-16
#: The Euler series' terms grow to about (1+u)^(a-1): beyond e^600 it is not tried.
_EULER_MAX_LOG_GROWTH: Final = 600.0
#: An Euler result whose rounding error may exceed this many units of 1e-16 is recomputed.
_EULER_MAX_ERROR: Final = 1e3
#: One quadrature node costs about as much as this many series terms.
_NODE_COST: Final = 4.0
#: The Beta density is cut where it has fallen by e^-50 below its mode.
_TRUNCATION: Final = 50.0
#: Rows × nodes evaluated at once by the quadrature.
_BLOCK_CELLS: Final = 1 << 20


def _series(
    a_: FloatArray, b_: FloatArray, c_: FloatArray, z: FloatArray, scale: FloatArray
) -> tuple[FloatArray, BoolArray]:
    """Σ_{n≥1} (A)_n (B+1)_{n-1} / ((C+1)_{n-1} n!) z^n and a converged flag per element."""
    total = a_ * z
    converged = np.zeros(z.shape, dtype=bool)
    active = np.flatnonzero(z > 0)
    converged[z <= 0] = True
    term = total[active].copy()
    aa, bb, cc, zz, sc = a_[active], b_[active], c_[active], z[active], scale[active]
    acc = total[active].copy()
    for n in range(1, MAX_TERMS):
        ratio = (aa + n) * (bb + n) / ((cc + n) * (n + 1)) * zz
        term = term * ratio
        acc += term
        rho = np.maximum(np.abs(ratio), zz)
        done = (term == 0) | (
            (rho < 1) & (np.abs(term) * rho <= _EPS * (1 - rho) * (np.abs(acc) + sc))
        )
        if done.any():
            finished = active[done]
            total[finished] = acc[done]
            converged[finished] = True
            keep = ~done
            active = active[keep]
            if active.size == 0:
                break
            term, acc = term[keep], acc[keep]
            aa, bb, cc, zz, sc = aa[keep], bb[keep], cc[keep], zz[keep], sc[keep]
    return total, converged


def _euler(
    r: float, a: float, b: float, xv: FloatArray, log_w: FloatArray, z: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """E_alive by the Euler-transformed series (module docstring) and, per element, a bound
    on its relative rounding error in units of 1e-16 (inf where the series did not finish):
    the cancellation factor (|leading| + |correction|) / |result| times the error of the
    correction, which carries e^(B·L) (|B·L| ulp) and the series (about √terms ulp)."""
    big_a = np.full_like(z, a + b - 1 - r)
    big_b = np.full_like(z, a - 1)
    big_c = a + b + xv - 1
    leading = -big_c * log_w * exprel(big_b * log_w)
    series, converged = _series(big_a, big_b, big_c, z, np.abs(leading))
    correction = np.exp(big_b * log_w) * series
    result = leading - correction
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        error = (np.abs(leading) + np.abs(correction)) / np.abs(result)
        error *= 1 + np.abs(big_b * log_w) + np.sqrt(np.abs(big_b) * z / (1 - z) + 1 / (1 - z))
    error[~converged | ~np.isfinite(result)] = np.inf
    return result, error


def _log_beta_density(d: FloatArray, a: float, b_post: float) -> FloatArray:
    """ln of the Beta(a, b_post) density of y = logit p at y* + d, relative to the mode y*.

    ln density = a·y − (a+b_post)·softplus(y) + const; the softplus difference is taken as
    log1p(p*·expm1(d)) (p* = a/(a+b_post)) so that it keeps its digits next to the mode.
    """
    p_mode = a / (a + b_post)
    near = d < 30
    change = np.empty_like(d)
    change[near] = np.log1p(p_mode * np.expm1(d[near]))
    y_mode = math.log(a) - math.log(b_post)
    change[~near] = np.logaddexp(0.0, y_mode + d[~near]) - np.logaddexp(0.0, y_mode)
    return np.asarray(a * d - (a + b_post) * change, dtype=np.float64)


def _beta_nodes(a: float, b_post: float) -> tuple[FloatArray, FloatArray]:
    """Nodes p_j and weights (summing to 1) of the trapezoidal rule for E over Beta(a, b_post)
    in y = logit p (module docstring)."""
    width = math.sqrt(1 / a + 1 / b_post)
    low = -(6 * width + _TRUNCATION / a)
    high = 6 * width + _TRUNCATION / b_post
    while _log_beta_density(np.array([low]), a, b_post)[0] > -_TRUNCATION:
        low *= 2
    while _log_beta_density(np.array([high]), a, b_post)[0] > -_TRUNCATION:
        high *= 2
    step = min(width, 1.0) / 4
    d = step * np.arange(math.floor(low / step), math.ceil(high / step) + 1, dtype=np.float64)
    weights = np.exp(_log_beta_density(d, a, b_post))
    p = expit(math.log(a) - math.log(b_post) + d)
    return np.asarray(p, dtype=np.float64), weights / weights.sum()


def _node_count(a: float, b_post: FloatArray) -> FloatArray:
    """About how many nodes :func:`_beta_nodes` uses (for choosing the method per row)."""
    width = np.sqrt(1 / a + 1 / b_post)
    span = 12 * width + _TRUNCATION / a + _TRUNCATION / b_post
    return np.asarray(span / (np.minimum(width, 1.0) / 4), dtype=np.float64)


def _quadrature(k: FloatArray, u: FloatArray, a: float, b_post: FloatArray) -> FloatArray:
    """E_{p ~ Beta(a, b_post)}[(1 - (1 + p·u)^-k) / p] element-wise (``u`` > 0)."""
    result = np.empty(k.size)
    values, inverse = np.unique(b_post, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(values.size + 1))
    for j, b_j in enumerate(values):
        rows = order[bounds[j] : bounds[j + 1]]
        p, weights = _beta_nodes(a, float(b_j))
        # expit underflows to 0 far in the left tail, where h(p) → k·u.
        tiny = p == 0
        safe_p = np.where(tiny, 1.0, p)
        block = max(1, _BLOCK_CELLS // p.size)
        for start in range(0, rows.size, block):
            part = rows[start : start + block]
            kk, uu = k[part, None], u[part, None]
            h = -np.expm1(-kk * np.log1p(safe_p * uu)) / safe_p
            h = np.where(tiny, kk * uu, h)
            result[part] = (h * weights).sum(axis=1)
    return result


def expected_purchases_if_alive(
    r: float, alpha: float, a: float, b: float, t: FloatArray, x: FloatArray, big_t: FloatArray
) -> FloatArray:
    """E[Y(t) | alive at T, x] for the BG/NBD model, element-wise over broadcast arrays.

    Equals (a+b+x-1)/(a-1) · [1 - ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x-1; t/(α+T+t))]
    (Fader, Hardie & Lee 2005, eq. 10 without the P(alive) factor), finite and accurate for
    any a, b > 0, including a, b of 1e6 and beyond (see the module docstring).
    """
    t_b, x_b, tt_b = np.broadcast_arrays(
        np.asarray(t, dtype=np.float64),
        np.asarray(x, dtype=np.float64),
        np.asarray(big_t, dtype=np.float64),
    )
    shape = t_b.shape
    tv, xv, tt = (np.ascontiguousarray(v).reshape(-1) for v in (t_b, x_b, tt_b))
    result = np.zeros(tv.size)
    rows = np.flatnonzero(tv > 0)
    if rows.size == 0:
        return result.reshape(shape)
    xv = xv[rows]
    ratio = tv[rows] / (alpha + tt[rows])
    log_w = -np.log1p(ratio)  # L = ln(1 - z)
    z = ratio / (1.0 + ratio)
    # The Euler series where it is cheap: about (a-1)·u terms (where its terms peak) plus its
    # tail, against the quadrature's nodes; never where (1+u)^(a-1) would overflow.
    growth = max(a - 1, 0.0)
    euler_cost = growth * ratio + 40 * (1 + ratio)
    use_euler = (growth * -log_w <= _EULER_MAX_LOG_GROWTH) & (
        euler_cost <= np.minimum(MAX_TERMS, _NODE_COST * _node_count(a, b + xv))
    )
    values = np.empty(rows.size)
    euler_rows = np.flatnonzero(use_euler)
    if euler_rows.size:
        values[euler_rows], error = _euler(
            r, a, b, xv[euler_rows], log_w[euler_rows], z[euler_rows]
        )
        use_euler[euler_rows[error > _EULER_MAX_ERROR]] = False
    rest = np.flatnonzero(~use_euler)
    if rest.size:
        values[rest] = _quadrature(r + xv[rest], ratio[rest], a, b + xv[rest])
    result[rows] = values
    return result.reshape(shape)
