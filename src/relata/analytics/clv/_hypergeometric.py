"""Stable evaluation of the BG/NBD conditional expectation (the hypergeometric term).

Fader, Hardie & Lee (2005, eq. 10) give, for a customer who is still alive,

    E_alive(t) = (a+b+x-1)/(a-1) · [1 - ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x-1; z)]

with z = t / (α+T+t) and u = t / (α+T) (so z = u / (1+u)). Evaluated literally this
overflows (2F1 grows like (1-z)^-(r+x+1-a) for large x), divides by zero at a = 1 and loses
every digit when the bracket is close to zero. Two exact rewritings are used, each where it
is cheap; both are compared with mpmath in the tests.

**Mixture sum** (used where it converges fast; exact for every a, b > 0). Given the
posteriors λ ~ Gamma(r+x, α+T) and p ~ Beta(a, b+x) of an alive customer, the would-be
purchases in (T, T+t] are N ~ NBD: P(N = n) = π_n = (k)_n/n! · (1-z)^k z^n with k = r+x, and
the customer makes Y = min(N, D) of them, D ~ Geometric(p) counting the purchase after
which they drop out. Hence

    E_alive = Σ_{n≥1} π_n S_n,   S_n = E[min(n, D)] = Σ_{j=1..n} s_j,
    s_j = P(D ≥ j) = E[(1-p)^(j-1)] = (b+x)_{j-1} / (a+b+x)_{j-1}.

Every term is positive — no cancellation, no overflow, no division by a − 1 — and large a, b
cost nothing: as a, b → ∞ with a/(a+b) → μ, s_j → (1-μ)^(j-1) and E_alive tends to the
constant-drop-out limit (1 - (1+μu)^-k)/μ continuously. π_n is run as a scaled recurrence
(rescaled by 2^-900 when large) and normalised by Σ π_n, so (1-z)^k never has to be formed
where it would underflow. The sum stops when the NBD tail is negligible (bounded by a
geometric series past the mode) or — for a > 1, where S_∞ = E[1/p] = (a+b+x-1)/(a-1) is
finite — when S_n has reached S_∞ to 1e-17: the rest is S_∞ · P(N > n), with P(N > n) the
regularised incomplete beta I_z(n+1, k).

**Euler series** (used where the mixture sum would need many terms: z close to 1 with many
purchases k, and a not large). Euler's transformation 2F1(A', B'; C; z) =
(1-z)^(C-A'-B') · 2F1(C-A', C-B'; C; z) turns (1-z)^(r+x) · 2F1(r+x, b+x; C; z) into
(1-z)^(a-1) · 2F1(A, B; C; z) with A = a+b-1-r, B = a-1, C = a+b+x-1: parameters that no
longer grow with x. Writing 2F1(A, B; C; z) = 1 + B·S(z) and L = ln(1-z) = -log1p(u),

    E_alive = -C·L·exprel(B·L) - e^(B·L) · C·S(z),

where exprel(y) = (e^y - 1)/y removes the 0/0 at a = 1, and
C·S(z) = Σ_{n≥1} (A)_n (B+1)_{n-1} / ((C+1)_{n-1} n!) · z^n never divides by C. Terms follow
u_1 = A·z, u_{n+1} = u_n · (A+n)(B+n) / ((C+n)(n+1)) · z. Its terms grow like (1+u)^B before
they fall, so it is not used for large a (it would overflow, and cancel, there); for b ≫ 1
and a ≤ 1 it cancels to about 1e-16·(a+b) relative, which the mixture sum avoids where it is
affordable. Rows still unconverged after ``MAX_TERMS`` terms fall back to
``scipy.special.hyp2f1`` on the transformed (bounded) parameters, where the bracket is far
from zero; within 1e-3 of a = 1 that fallback interpolates a cubic through a − 1 = ±1e-3,
±2e-3.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
from numpy.typing import NDArray
from scipy.special import betainc, exprel, hyp2f1

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

MAX_TERMS: Final = 3_000
#: Terms of the mixture sum before a row falls back to the Euler series / SciPy.
MIXTURE_MAX_TERMS: Final = 200_000
_EPS: Final = 1e-16
_MIXTURE_EPS: Final = 1e-17
_NEAR_ONE: Final = 1e-3
#: The Euler series' terms grow to about (1+u)^(a-1): beyond e^600 it is not used.
_EULER_MAX_LOG_GROWTH: Final = 600.0
#: An Euler result whose rounding error may exceed this many units of 1e-16 is recomputed by
#: the mixture sum when that needs at most _MIXTURE_AFFORDABLE terms.
_CANCELLATION_LIMIT: Final = 1e3
_MIXTURE_AFFORDABLE: Final = 1e5
#: The scaled NBD probabilities are multiplied by 2^-600 when they pass 2^600; the stopping
#: rules are checked every ``_CHECK_EVERY`` terms (a few terms too many cost nothing).
_RESCALE_EXPONENT: Final = 600
_RESCALE_AT: Final = 2.0**_RESCALE_EXPONENT
_CHECK_EVERY: Final = 4


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


def _via_scipy(a_: FloatArray, b_: FloatArray, c_: FloatArray, log_w: FloatArray) -> FloatArray:
    """C/B · (1 - (1-z)^B · 2F1(A, B; C; z)) with scipy's hyp2f1 (used near z = 1 only)."""
    z = -np.expm1(log_w)
    f = hyp2f1(a_, b_, c_, z)
    return np.asarray(c_ / b_ * (1.0 - np.exp(b_ * log_w) * f), dtype=np.float64)


def _euler(
    r: float, a: float, b: float, xv: FloatArray, log_w: FloatArray, z: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """E_alive by the Euler-transformed series (module docstring), and per element a bound
    on its relative rounding error in units of 1e-16 (inf where the SciPy fallback was used):
    the cancellation factor (|leading| + |correction|) / |result| times the error of the
    correction, which carries e^(B·L) (error |B·L| ulp) and the series (about √n ulp)."""
    big_a = np.full_like(z, a + b - 1 - r)
    big_b = np.full_like(z, a - 1)
    big_c = a + b + xv - 1
    leading = -big_c * log_w * exprel(big_b * log_w)
    series, converged = _series(big_a, big_b, big_c, z, np.abs(leading))
    correction = np.exp(big_b * log_w) * series
    result = leading - correction
    with np.errstate(divide="ignore", invalid="ignore"):
        cancellation = (np.abs(leading) + np.abs(correction)) / np.abs(result)
    cancellation *= 1 + np.abs(big_b * log_w) + np.sqrt(np.abs(big_b * z / (1 - z)) + 1 / (1 - z))
    if not converged.all():
        idx = np.flatnonzero(~converged)
        cancellation[idx] = np.inf
        if abs(a - 1) > _NEAR_ONE:
            result[idx] = _via_scipy(big_a[idx], big_b[idx], big_c[idx], log_w[idx])
        else:
            # Next to a = 1 the closed form divides by a − 1: interpolate the (smooth in a)
            # function through a − 1 = ±h, ±2h with a cubic (error O(h^4)).
            nodes = np.array([-2.0, -1.0, 1.0, 2.0]) * _NEAR_ONE
            target = a - 1
            values = np.zeros(idx.size)
            for j, node in enumerate(nodes):
                others = np.delete(nodes, j)
                weight = float(np.prod((target - others) / (node - others)))
                a_s = node + 1
                values += weight * _via_scipy(
                    np.full(idx.size, a_s + b - 1 - r),
                    np.full(idx.size, node),
                    a_s + b + xv[idx] - 1,
                    log_w[idx],
                )
            result[idx] = values
    return result, cancellation


def _mixture(
    k: FloatArray, u: FloatArray, z: FloatArray, a: float, b_post: FloatArray
) -> tuple[FloatArray, BoolArray]:
    """E_alive = Σ_{n≥1} π_n S_n (module docstring) and a converged flag per element.

    ``k`` = r + x, ``u`` = t/(α+T) > 0, ``z`` = u/(1+u), ``b_post`` = b + x.
    """
    rows = k.size
    c = a + b_post - 1  # a + b + x - 1
    saturates = a > 1
    s_inf = c / (a - 1) if saturates else np.full(rows, np.inf)
    result = np.zeros(rows)
    converged = np.zeros(rows, dtype=bool)
    saturated_at = np.zeros(rows)  # n at which S_n reached S_∞ (0: NBD tail summed)
    log_scale = np.zeros(rows)  # π_n = τ_n · e^(log_scale) · (1-z)^k

    active = np.arange(rows)
    kk, zz, bb, cc, si = k, z, b_post, c, s_inf
    tau = np.ones(rows)  # scaled π_n, τ_0 = 1
    norm = np.ones(rows)  # Σ τ_n from n = 0
    acc = np.zeros(rows)  # Σ τ_n S_n
    s_sum = np.zeros(rows)  # S_n
    s_next = np.ones(rows)  # s_{n+1}
    rho = np.ones(rows)  # (b+x)_n / (a+b+x-1)_n: S_∞ − S_n = S_∞ ρ_n
    ls = np.zeros(rows)
    for n in range(1, MIXTURE_MAX_TERMS):
        tau *= (kk + (n - 1)) * (1.0 / n) * zz
        s_sum += s_next
        s_next *= (bb + (n - 1)) / (cc + n)
        acc += tau * s_sum
        norm += tau
        if saturates:
            rho *= (bb + (n - 1)) / (cc + (n - 1))
        if tau.max() > _RESCALE_AT:
            big = tau > _RESCALE_AT
            for v in (tau, acc, norm):
                v[big] = np.ldexp(v[big], -_RESCALE_EXPONENT)
            ls[big] += _RESCALE_EXPONENT * math.log(2.0)
        if n % _CHECK_EVERY:
            continue
        # NBD tail: π_m ≤ π_n q^(m-n) with q = max((k+n) z/(n+1), z) past the mode, and
        # S_m ≤ S_n + (m-n) s_{n+1}; so Σ_{m>n} π_m S_m ≤ π_n (S_n q/(1-q) + s q/(1-q)²).
        q = np.maximum((kk + n) * zz / (n + 1), zz)
        past_mode = q < 1
        gap = np.where(past_mode, 1 - q, 1.0)
        tail = tau * q / gap
        done_nbd = past_mode & (
            (tail * (s_sum + s_next / gap) <= _MIXTURE_EPS * acc) & (tail <= _MIXTURE_EPS * norm)
        )
        if saturates:
            done_sat = si * rho <= _MIXTURE_EPS * s_sum
            done = done_nbd | done_sat
        else:
            done = done_nbd
        if not done.any():
            continue
        finished = active[done]
        nbd = done_nbd[done]
        result[finished[nbd]] = acc[done][nbd] / norm[done][nbd]
        # Saturated: Σ_{m≤n} π_m S_m (still scaled) + S_∞ P(N > n), completed below.
        sat_rows = finished[~nbd]
        result[sat_rows] = acc[done][~nbd]
        log_scale[sat_rows] = ls[done][~nbd]
        saturated_at[sat_rows] = n
        converged[finished] = True
        keep = ~done
        active = active[keep]
        if active.size == 0:
            break
        kk, zz, bb, cc, si = kk[keep], zz[keep], bb[keep], cc[keep], si[keep]
        tau, norm, acc, s_sum, s_next, rho, ls = (
            v[keep] for v in (tau, norm, acc, s_sum, s_next, rho, ls)
        )
    sat = np.flatnonzero(saturated_at > 0)
    if sat.size:
        # Σ_{m≤n} π_m S_m in absolute terms: the scaled sum × e^(log_scale) × (1-z)^k.
        log_head = log_scale[sat] - k[sat] * np.log1p(u[sat])
        positive = result[sat] > 0
        head = np.zeros(sat.size)
        head[positive] = np.exp(log_head[positive] + np.log(result[sat][positive]))
        rest = betainc(saturated_at[sat] + 1, k[sat], z[sat])
        result[sat] = head + s_inf[sat] * rest
    return result, converged


def _mixture_cost(k: FloatArray, u: FloatArray, a: float, c: FloatArray) -> FloatArray:
    """Rough number of terms the mixture sum needs (for choosing between the two methods)."""
    mean = k * u
    nbd = mean + 12 * np.sqrt(mean * (1 + u)) + 40 * (1 + u)
    if a <= 1:
        return np.asarray(nbd, dtype=np.float64)
    # S_∞ − S_n ≈ S_∞ (C/(C+n))^(a-1) must fall below 1e-17 · S_n.
    growth = np.log(c / ((a - 1) * _MIXTURE_EPS)) / (a - 1)
    saturation = c * np.expm1(np.minimum(growth, 50.0))
    return np.asarray(np.minimum(nbd, saturation), dtype=np.float64)


def expected_purchases_if_alive(
    r: float, alpha: float, a: float, b: float, t: FloatArray, x: FloatArray, big_t: FloatArray
) -> FloatArray:
    """E[Y(t) | alive at T, x] for the BG/NBD model, element-wise over broadcast arrays.

    Equals (a+b+x-1)/(a-1) · [1 - ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x-1; t/(α+T+t))]
    (Fader, Hardie & Lee 2005, eq. 10 without the P(alive) factor), finite and accurate for
    any a, b > 0 including very large ones (see the module docstring).
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
    k = r + xv
    # Choose per row by cost: the Euler series needs about (a-1)·u terms (where its terms
    # peak) plus its tail, and overflows when (1+u)^(a-1) does; the mixture sum needs the
    # shorter of the NBD range and the number of terms for S_n to saturate.
    growth = max(a - 1, 0.0)
    euler_cost = np.where(
        growth * -log_w > _EULER_MAX_LOG_GROWTH, np.inf, growth * ratio + 40 * (1 + ratio)
    )
    mixture_cost = _mixture_cost(k, ratio, a, a + b + xv - 1)
    use_mixture = mixture_cost < euler_cost
    values = np.empty(rows.size)
    euler_rows = np.flatnonzero(~use_mixture)
    if euler_rows.size:
        values[euler_rows], cancellation = _euler(
            r, a, b, xv[euler_rows], log_w[euler_rows], z[euler_rows]
        )
        # Where the Euler series cancelled (b ≫ 1 with a ≤ 1, or a bracket next to zero) or
        # needed SciPy, the mixture sum redoes the row if it is affordable: it cannot cancel.
        # A row SciPy could not evaluate is redone whatever it costs.
        redo = (
            (cancellation > _CANCELLATION_LIMIT) & (mixture_cost[euler_rows] <= _MIXTURE_AFFORDABLE)
        ) | ~np.isfinite(values[euler_rows])
        use_mixture[euler_rows[redo]] = True
    mixture_rows = np.flatnonzero(use_mixture)
    if mixture_rows.size:
        m = mixture_rows
        mixed, converged = _mixture(k[m], ratio[m], z[m], a, b + xv[m])
        values[m[converged]] = mixed[converged]
        if not converged.all():
            # Beyond MIXTURE_MAX_TERMS (horizons of ~1e4 times α+T and more): Euler / SciPy.
            late = m[~converged]
            values[late] = _euler(r, a, b, xv[late], log_w[late], z[late])[0]
    result[rows] = values
    return result.reshape(shape)
