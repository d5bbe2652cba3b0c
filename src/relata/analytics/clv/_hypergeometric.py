"""Stable evaluation of the BG/NBD conditional expectation's hypergeometric term.

Fader, Hardie & Lee (2005, eq. 10) give, for a customer who is still alive,

    E_alive(t) = (a+b+x-1)/(a-1) · [1 - ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x-1; z)]

with z = t / (α+T+t). Evaluated literally this overflows (2F1 grows like (1-z)^-(r+x+1-a) for
large x), divides by zero at a = 1 and loses every digit when the bracket is close to zero.
We rewrite it exactly:

1. Euler's transformation 2F1(A', B'; C; z) = (1-z)^(C-A'-B') · 2F1(C-A', C-B'; C; z) turns
   (1-z)^(r+x) · 2F1(r+x, b+x; C; z) into (1-z)^(a-1) · 2F1(A, B; C; z) with
   A = a+b-1-r, B = a-1, C = a+b+x-1: parameters that no longer grow with x.
2. Writing 2F1(A, B; C; z) = 1 + B·S(z) and L = ln(1-z) = -log1p(t/(α+T)),

       E_alive = -C·L·exprel(B·L) - e^(B·L) · C·S(z),

   where exprel(y) = (e^y - 1)/y removes the 0/0 at a = 1, and
   C·S(z) = Σ_{n≥1} (A)_n (B+1)_{n-1} / ((C+1)_{n-1} n!) · z^n never divides by C (which
   may be zero or negative when x = 0 and a+b < 1). Terms follow the recurrence
   u_1 = A·z, u_{n+1} = u_n · (A+n)(B+n) / ((C+n)(n+1)) · z.

The series converges for every z < 1, fast unless z is close to 1 *and* x is small (the
terms then decay like n^(a-2-r-x) z^n). Rows still unconverged after ``MAX_TERMS`` terms
fall back to ``scipy.special.hyp2f1`` on the transformed (bounded) parameters, where the
bracket is far from zero so no cancellation occurs; within 1e-3 of a = 1 (where that closed
form divides by a − 1) the fallback interpolates a cubic through a − 1 = ±1e-3, ±2e-3.
Tests compare both paths with mpmath.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray
from scipy.special import exprel, hyp2f1

FloatArray = NDArray[np.float64]

MAX_TERMS: Final = 3_000
_EPS: Final = 1e-16
_NEAR_ONE: Final = 1e-3


def _series(
    a_: FloatArray, b_: FloatArray, c_: FloatArray, z: FloatArray, scale: FloatArray
) -> tuple[FloatArray, NDArray[np.bool_]]:
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


def expected_purchases_if_alive(
    r: float, alpha: float, a: float, b: float, t: FloatArray, x: FloatArray, big_t: FloatArray
) -> FloatArray:
    """E[Y(t) | alive at T, x] for the BG/NBD model, element-wise over broadcast arrays.

    Equals (a+b+x-1)/(a-1) · [1 - ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x-1; t/(α+T+t))]
    (Fader, Hardie & Lee 2005, eq. 10 without the P(alive) factor).
    """
    t_b, x_b, tt_b = np.broadcast_arrays(
        np.asarray(t, dtype=np.float64),
        np.asarray(x, dtype=np.float64),
        np.asarray(big_t, dtype=np.float64),
    )
    shape = t_b.shape
    tv, xv, tt = (np.ascontiguousarray(v).reshape(-1) for v in (t_b, x_b, tt_b))
    ratio = tv / (alpha + tt)
    log_w = -np.log1p(ratio)  # L = ln(1 - z)
    z = ratio / (1.0 + ratio)
    big_a = np.full_like(z, a + b - 1 - r)
    big_b = np.full_like(z, a - 1)
    big_c = a + b + xv - 1
    leading = -big_c * log_w * exprel(big_b * log_w)
    series, converged = _series(big_a, big_b, big_c, z, np.abs(leading))
    result = leading - np.exp(big_b * log_w) * series
    if not converged.all():
        idx = np.flatnonzero(~converged)
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
    result = np.where(tv <= 0, 0.0, result)
    return result.reshape(shape)
