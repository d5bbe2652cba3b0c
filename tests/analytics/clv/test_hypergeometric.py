"""The stable BG/NBD conditional expectation against mpmath's arbitrary-precision 2F1."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relata.analytics.clv._hypergeometric import (
    _euler,
    _quadrature,
    expected_purchases_if_alive,
)


def reference(
    r: float, alpha: float, a: float, b: float, t: float, x: float, big_t: float
) -> float:
    """FHL (2005) eq. 10 without P(alive), literally, at 60 digits (a = 1 as a limit)."""
    with mpmath.workdps(60):
        r_, al, a_, b_, t_, x_, tt = (mpmath.mpf(v) for v in (r, alpha, a, b, t, x, big_t))
        if a_ == 1:
            a_ += mpmath.mpf(10) ** -40
        z = t_ / (al + tt + t_)
        power = ((al + tt) / (al + tt + t_)) ** (r_ + x_)
        series = mpmath.hyp2f1(r_ + x_, b_ + x_, a_ + b_ + x_ - 1, z)
        value = (a_ + b_ + x_ - 1) / (a_ - 1) * (1 - power * series)
        return float(value)


def evaluate(r: float, alpha: float, a: float, b: float, t: float, x: float, big_t: float) -> float:
    t_, x_, big_t_ = np.array([t]), np.array([x]), np.array([big_t])
    return float(expected_purchases_if_alive(r, alpha, a, b, t_, x_, big_t_)[0])


@pytest.mark.parametrize(
    ("r", "alpha", "a", "b", "t", "x", "big_t"),
    [
        (0.243, 4.414, 0.793, 2.426, 39, 2, 38.86),  # the FHL example
        (0.243, 4.414, 0.793, 2.426, 1e-6, 0, 0),  # tiny horizon: no cancellation loss
        (0.243, 4.414, 1.0, 2.426, 50, 3, 10),  # a = 1 exactly: the 0/0 of the formula
        (0.243, 4.414, 1.00001, 2.426, 500, 0, 0.1),  # a next to 1, z close to 1
        (0.5, 0.1, 0.3, 0.4, 365, 0, 0),  # a + b < 1: c = a+b+x−1 negative
        (0.3, 0.5, 0.2, 0.3, 1e4, 0, 0),  # ... and z = 0.99995
        (0.05, 0.05, 0.05, 0.05, 2000, 0, 0),  # a, b far below 1: a wide logit density
        (10, 0.05, 10, 0.05, 2000, 300, 0),
        # horizons of 1,000–10,000 times α+T with a > 1 (SciPy's hyp2f1 gives NaN here)
        (9.346881, 0.99999, 10, 9990, 1061, 3, 0),
        (0.5, 1.0, 500, 1e5, 1e4, 2, 1),
        (0.5, 2.0, 2.0, 1e6, 1e3, 0, 0),
        (0.8, 0.05, 40, 3, 5e3, 0, 0),
        (0.5, 10, 5, 50, 365, 500, 300),  # large x: literal 2F1 overflows
        (0.5, 10, 50, 5, 365, 5000, 300),
        (0.3, 1e-3, 20, 0.3, 1e3, 1e4, 1e4),
        (5, 1e3, 0.5, 1e3, 10, 1e5, 1e3),
        (0.8, 0.01, 0.8, 3, 3650, 0, 0),  # z = 0.999997: the quadrature
        (0.243, 4.414, 0.793, 2.426, 1e5, 0, 0.1),
    ],
)
def test_matches_mpmath_in_hard_corners(
    r: float, alpha: float, a: float, b: float, t: float, x: float, big_t: float
) -> None:
    # when
    value = evaluate(r, alpha, a, b, t, x, big_t)

    # then
    assert value == pytest.approx(reference(r, alpha, a, b, t, x, big_t), rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    st.floats(0.05, 10),
    st.floats(0.05, 100),
    st.floats(0.05, 10).filter(lambda a: abs(a - 1) > 1e-3),
    st.floats(0.05, 20),
    st.floats(0.01, 2000),
    st.integers(0, 300),
    st.floats(0, 500),
)
def test_matches_mpmath_for_random_parameters(
    r: float, alpha: float, a: float, b: float, t: float, x: int, big_t: float
) -> None:
    # when
    value = evaluate(r, alpha, a, b, t, float(x), big_t)

    # then
    assert value == pytest.approx(reference(r, alpha, a, b, t, float(x), big_t), rel=1e-8)


def test_vectorised_call_equals_elementwise_calls() -> None:
    # given
    t = np.array([[1.0, 10.0, 100.0]])
    x = np.array([[0.0], [3.0], [40.0]])
    big_t = np.array([[5.0], [50.0], [80.0]])

    # when
    grid = expected_purchases_if_alive(0.5, 3.0, 0.7, 2.0, t, x, big_t)

    # then
    assert grid.shape == (3, 3)
    for i in range(3):
        for j in range(3):
            assert grid[i, j] == pytest.approx(
                evaluate(0.5, 3.0, 0.7, 2.0, t[0, j], x[i, 0], big_t[i, 0]), rel=1e-13
            )
    assert expected_purchases_if_alive(0.5, 3.0, 0.7, 2.0, np.zeros(1), x[0], big_t[0])[0] == 0


def reference_by_series(
    r: float, alpha: float, a: float, b: float, t: float, x: float, big_t: float
) -> float:
    """FHL (2005) eq. 10 with 2F1(r+x, b+x; a+b+x−1; z) summed term by term at 50 digits.

    mpmath's ``hyp2f1`` switches to transformations near z = 1 that take minutes for
    parameters of 1e5 and more; the defining series converges for every z < 1 and, with
    a/(a+b) bounded away from 0, its terms fall geometrically at rate about (1 − μ)z.
    """
    with mpmath.workdps(50):
        r_, al, a_, b_, t_, x_, tt = (mpmath.mpf(v) for v in (r, alpha, a, b, t, x, big_t))
        z = t_ / (al + tt + t_)
        k, b_post, c = r_ + x_, b_ + x_, a_ + b_ + x_ - 1
        term = total = mpmath.mpf(1)
        tolerance = mpmath.mpf(10) ** -45
        n = 0
        while True:
            term *= (k + n) * (b_post + n) / ((c + n) * (n + 1)) * z
            n += 1
            total += term
            ratio = (k + n) * (b_post + n) / ((c + n) * (n + 1)) * z
            if ratio < 1 and term * ratio / (1 - ratio) < tolerance * total:
                break
        return float(c / (a_ - 1) * (1 - (1 - z) ** k * total))


def limit_of_constant_dropout(
    r: float, alpha: float, mu: float, t: float, x: float, big_t: float
) -> float:
    """a, b → ∞ with a/(a+b) = μ: one drop-out probability μ for everybody, and
    E[Y(t) | alive] = E_λ[(1 − e^(−λμt))/μ] = (1 − (1 + μ t/(α+T))^−(r+x)) / μ."""
    return float(-np.expm1(-(r + x) * np.log1p(mu * t / (alpha + big_t))) / mu)


@pytest.mark.parametrize(
    ("r", "alpha", "a", "b", "t", "x", "big_t"),
    [
        # the scoring run's fit (tests/analytics/clv/data/bgnbd_unbounded_ab.npz), unbounded
        (0.528699, 8.555688, 136177.49, 2027216.2, 156, 3, 20),
        (0.528699, 8.555688, 136177.49, 2027216.2, 13, 0, 0),
        # ... and at the concentration bound a + b = 1e6
        (0.5287, 8.556, 62941.9, 937058.1, 156, 13, 51.3),
        (0.5287, 8.556, 62941.9, 937058.1, 1e-6, 0, 0),  # tiny horizon
        (0.5, 2, 1e5, 1e6, 365, 1e4, 1e3),  # many purchases: (1-z)^(r+x) underflows
        (2.0, 2, 1e5, 1e6, 50, 1e3, 300),
        (0.5, 2, 1e12, 1e13, 365, 10, 10),  # practically the limit
        (0.5, 2, 1e5, 3.0, 365, 4, 10),  # a/(a+b) next to 1: everybody drops out at once
        (0.5, 2, 30, 1e6, 100, 5, 10),  # a/(a+b) small
        (0.5, 1.0, 50, 1e3, 52, 2000, 300),
        (0.5, 1.0, 5e3, 1e4, 1e-5, 0, 0),
        (0.3, 0.5, 40, 400, 1e4, 0, 0),  # z = 0.99995 with large a
        (0.5, 1.0, 0.5, 1e8, 52, 3, 20),  # b → ∞ with a < 1: the Euler series cancels
        (0.5, 1.0, 0.9, 1e6, 52, 0, 0),
    ],
)
def test_matches_the_series_at_50_digits_for_large_a_and_b(
    r: float, alpha: float, a: float, b: float, t: float, x: float, big_t: float
) -> None:
    # when
    value = evaluate(r, alpha, a, b, t, x, big_t)

    # then
    assert value == pytest.approx(reference_by_series(r, alpha, a, b, t, x, big_t), rel=1e-12)


def test_the_series_reference_agrees_with_mpmath_hyp2f1() -> None:
    # given: a case both references can do quickly
    case = (0.7, 3.0, 40.0, 300.0, 20.0, 6.0, 12.0)

    # when / then
    assert reference_by_series(*case) == pytest.approx(reference(*case), rel=1e-14)


@settings(max_examples=30, deadline=None)
@given(
    st.floats(0.05, 10),
    st.floats(0.5, 100),
    st.floats(0.0, 7.0),
    st.floats(-2.0, 7.0),
    st.floats(1e-5, 1.0),
    st.integers(0, 300),
    st.floats(0, 500),
)
def test_matches_the_series_for_random_large_parameters(
    r: float, alpha: float, log_a1: float, log_b: float, share: float, x: int, big_t: float
) -> None:
    # given: a from 1.5 to 1e7, b from 0.01 to 1e7, across both methods and their switch;
    # horizons up to 100 (α+T) and (r+x)·t/(α+T) up to 3,000 (the reference's terms)
    a, b = 1.5 + 10**log_a1, 10**log_b
    t = share * min(100.0, 3000.0 / (r + x)) * (alpha + big_t)

    # when
    value = evaluate(r, alpha, a, b, t, float(x), big_t)

    # then
    expected = reference_by_series(r, alpha, a, b, t, float(x), big_t)
    assert value == pytest.approx(expected, rel=1e-11)


@settings(max_examples=40, deadline=None)
@given(
    st.floats(0.05, 10),
    st.floats(0.5, 100),
    st.floats(0.001, 0.999),
    st.floats(0.01, 1000),
    st.integers(0, 300),
    st.floats(0, 500),
)
def test_large_a_and_b_approach_the_constant_dropout_limit_continuously(
    r: float, alpha: float, mu: float, t: float, x: int, big_t: float
) -> None:
    # given: a/(a+b) = μ fixed while the concentration a + b grows from 1e4 to 1e14
    concentrations = np.array([1e4, 1e5, 1e6, 1e7, 1e8, 1e10, 1e14])
    limit = limit_of_constant_dropout(r, alpha, mu, t, float(x), big_t)

    # when
    values = np.array(
        [evaluate(r, alpha, mu * nu, (1 - mu) * nu, t, float(x), big_t) for nu in concentrations]
    )

    # then: finite, and the distance to the limit shrinks like 1/(a+b) — no jump anywhere
    assert np.all(np.isfinite(values))
    distance = np.abs(values - limit)
    allowed = 2 * concentrations[0] / concentrations * distance[0] + 1e-12 * limit
    assert np.all(distance <= allowed), (values, limit)


def test_the_series_and_the_quadrature_agree_where_both_apply() -> None:
    # given: moderate parameters, 500 counts x and horizons u = t/(α+T)
    rng = np.random.default_rng(4)
    r, a, b = 0.6, 2.5, 7.0
    x = rng.integers(0, 60, 500).astype(np.float64)
    u = rng.uniform(0.001, 8.0, 500)

    # when
    series, error = _euler(r, a, b, x, -np.log1p(u), u / (1 + u))
    quadrature = _quadrature(r + x, u, a, b + x)

    # then
    assert np.all(error < 1e3)
    np.testing.assert_allclose(quadrature, series, rtol=1e-13)
