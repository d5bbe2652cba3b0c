from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relata.analytics.clv import discounted_customer_value, simple_customer_value


def test_simple_formula_is_t_times_a_times_p_minus_k() -> None:
    # given: 10 transactions of 2 items at €25, acquired for €100; and a batch of customers
    transactions = np.array([10.0, 4.0, 0.0])

    # when
    single = simple_customer_value(10, 2, 25.0, 100.0)
    batch = simple_customer_value(transactions, 2, np.array([25.0, 10.0, 99.0]), 100.0)

    # then
    assert float(single) == 400.0
    np.testing.assert_allclose(batch, [400.0, -20.0, -100.0])


@pytest.mark.parametrize(
    ("args", "message"),
    [((-1, 2, 25.0, 0.0), "transactions"), ((1, 2, np.nan, 0.0), "price_per_item")],
)
def test_simple_formula_refuses_impossible_inputs(
    args: tuple[float, float, float, float], message: str
) -> None:
    # when / then
    with pytest.raises(ValueError, match=message):
        simple_customer_value(*args)


def test_discounted_value_of_a_worked_example() -> None:
    # given: €100 margin a year, 80 % retention, 10 % discount rate, 3 years, €50 acquisition

    # when
    value = discounted_customer_value(100.0, 0.8, 0.1, 3, 50.0)

    # then: 100/1.1 + 80/1.21 + 64/1.331 − 50
    assert float(value) == pytest.approx(100 / 1.1 + 80 / 1.21 + 64 / 1.331 - 50)


@settings(max_examples=200, deadline=None)
@given(
    st.floats(-1e4, 1e4),
    st.floats(0.0, 1.0),
    st.floats(-0.5, 2.0),
    st.integers(0, 60),
    st.floats(0, 1e4),
)
def test_discounted_value_equals_the_explicit_sum(
    margin: float, retention: float, rate: float, horizon: int, cost: float
) -> None:
    # given: the definition, term by term
    expected = (
        sum(margin * retention ** (t - 1) / (1 + rate) ** t for t in range(1, horizon + 1)) - cost
    )

    # when
    value = float(discounted_customer_value(margin, retention, rate, horizon, cost))

    # then
    assert value == pytest.approx(expected, rel=1e-9, abs=1e-6)


def test_discounted_value_limits() -> None:
    # when / then: full retention without discounting is m·H; no retention leaves period 1
    assert float(discounted_customer_value(10.0, 1.0, 0.0, 12)) == pytest.approx(120.0)
    assert float(discounted_customer_value(10.0, 0.0, 0.25, 12)) == pytest.approx(8.0)
    assert float(discounted_customer_value(10.0, 0.9, 0.1, 0, 5.0)) == -5.0
    # and a very long horizon converges to the perpetuity m / (1 + d − r)
    assert float(discounted_customer_value(10.0, 0.9, 0.1, 10_000)) == pytest.approx(50.0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((10.0, 1.2, 0.1, 3), "retention"),
        ((10.0, 0.8, -1.0, 3), "discount_rate"),
        ((10.0, 0.8, 0.1, 2.5), "horizon"),
        ((np.inf, 0.8, 0.1, 3), "margin"),
    ],
)
def test_discounted_value_refuses_impossible_inputs(
    args: tuple[float, float, float, float], message: str
) -> None:
    # when / then
    with pytest.raises(ValueError, match=message):
        discounted_customer_value(*args)
