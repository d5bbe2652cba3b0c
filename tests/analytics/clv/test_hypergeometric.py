"""The stable BG/NBD conditional expectation against mpmath's arbitrary-precision 2F1."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relata.analytics.clv._hypergeometric import expected_purchases_if_alive


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
        (0.5, 10, 5, 50, 365, 500, 300),  # large x: literal 2F1 overflows
        (0.5, 10, 50, 5, 365, 5000, 300),
        (0.3, 1e-3, 20, 0.3, 1e3, 1e4, 1e4),
        (5, 1e3, 0.5, 1e3, 10, 1e5, 1e3),
        (0.8, 0.01, 0.8, 3, 3650, 0, 0),  # z = 0.999997: the scipy fallback
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
