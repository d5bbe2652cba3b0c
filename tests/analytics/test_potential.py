from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relata.analytics.potential import (
    GridDecision,
    PotentialMethod,
    PotentialSettings,
    potential_compute,
    profit_at_potential,
    share_of_wallet,
    value_grid,
)


def test_segment_percentile_potential_by_hand():
    # given segment 0 with five buyers (P75: frequency 4, spend 45) and a non-buyer,
    # and segment 1 with a single buyer
    frequency = np.array([1, 2, 3, 4, 5, 0, 2], dtype=float)
    spend = np.array([10, 45, 30, 40, 50, 0, 100], dtype=float)
    segment = np.array([0, 0, 0, 0, 0, 0, 1])

    # when
    result = potential_compute(frequency, spend, segment)

    # then frequency and spend are raised to the segment's 75th percentile, never lowered
    np.testing.assert_allclose(result.segment_frequency, [4.0, 2.0])
    np.testing.assert_allclose(result.segment_spend, [45.0, 100.0])
    np.testing.assert_allclose(result.current, [10, 90, 90, 160, 250, 0, 200])
    np.testing.assert_allclose(result.potential, [180, 180, 180, 180, 250, 180, 200])
    np.testing.assert_allclose(result.gap, result.potential - result.current)
    np.testing.assert_allclose(result.growth_ratio[:2], [18.0, 2.0])
    assert result.ratio_known.tolist() == [True] * 5 + [False, True]
    assert result.growth_ratio[5] == 0.0
    assert (result.method == PotentialMethod.SEGMENT_PERCENTILE).all()


def test_segment_percentile_quoted_at_five_buyers():
    # given P75 over 1..5 with linear interpolation: position 3 → exactly the 4th value
    # (checked above); a different percentile interpolates
    result = potential_compute(
        [1.0, 2.0, 3.0, 4.0, 5.0],
        [1.0] * 5,
        [0] * 5,
        settings=PotentialSettings(percentile=0.9),
    )

    # then
    assert result.segment_frequency[0] == pytest.approx(4.6)


def test_known_wallet_raises_share_to_target_and_unknown_is_masked():
    # given one customer with a declared wallet of 1000 and one unknown (NaN)
    frequency = np.array([2.0, 2.0])
    spend = np.array([50.0, 50.0])
    declared = np.array([1000.0, np.nan])

    # when
    result = potential_compute(frequency, spend, [0, 0], category_spend=declared)

    # then
    assert result.share_of_wallet.known.tolist() == [True, False]
    np.testing.assert_allclose(result.share_of_wallet.share, [0.1, 0.0])
    assert result.potential[0] == pytest.approx(500.0)  # 50% of 1000
    assert result.method.tolist() == [
        PotentialMethod.WALLET_TARGET,
        PotentialMethod.SEGMENT_PERCENTILE,
    ]
    assert not np.isnan(result.potential).any()


def test_share_of_wallet_is_clipped_and_nan_safe():
    # given own spend above the declared wallet, a zero wallet and a NaN wallet
    # when
    wallet = share_of_wallet([300.0, 10.0, 10.0], [200.0, 0.0, np.nan])

    # then
    assert wallet.share.tolist() == [1.0, 0.0, 0.0]
    assert wallet.known.tolist() == [True, False, False]


def test_current_value_array_is_used_with_the_annual_gap():
    # given a CLV-based current value
    # when
    result = potential_compute([1.0, 4.0], [10.0, 40.0], [0, 0], current=[25.0, 170.0])

    # then potential = current + (P75-based potential − own annual value)
    np.testing.assert_allclose(result.current, [25.0, 170.0])
    p75_f, p75_s = 1 + 0.75 * 3, 10 + 0.75 * 30
    np.testing.assert_allclose(result.potential, [25 + p75_f * p75_s - 10, 170.0])


def test_grid_decisions():
    # given: a loss-maker now and later; one with big potential; a steady one;
    # a loss-maker who becomes profitable at potential; a prospect with potential
    current = [100.0, 100.0, 100.0, 100.0, 0.0]
    potential = [110.0, 300.0, 120.0, 400.0, 50.0]
    profit_now = [-20.0, 10.0, 15.0, -5.0, 0.0]

    # when
    later = profit_at_potential(profit_now, current, potential, 0.1)
    grid = value_grid(current, potential, profit_now, later)

    # then
    np.testing.assert_allclose(later, [-19.0, 30.0, 17.0, 25.0, 5.0])
    assert grid.tolist() == [
        GridDecision.SERVE_DIFFERENTLY,
        GridDecision.DEVELOP,
        GridDecision.RETAIN,
        GridDecision.DEVELOP,
        GridDecision.DEVELOP,
    ]


def test_bad_input_is_refused():
    # given / when / then
    with pytest.raises(ValueError, match="segment: negative value -1"):
        potential_compute([1.0], [1.0], [-1])
    with pytest.raises(ValueError, match="spend: 1 missing"):
        potential_compute([1.0], [np.nan], [0])
    with pytest.raises(ValueError, match=r"margin_rate: value 2\.0 above 1"):
        profit_at_potential([1.0], [1.0], [2.0], 2.0)
    with pytest.raises(ValueError, match="develop_ratio must be at least 1"):
        PotentialSettings(develop_ratio=0.5)


def test_empty_input():
    # given / when
    result = potential_compute([], [], [], category_spend=[])

    # then
    assert result.potential.size == 0
    assert result.segment_frequency.size == 0


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.floats(0, 50),
            st.floats(0, 1e4),
            st.integers(0, 4),
            st.one_of(st.just(float("nan")), st.floats(0, 1e6)),
        ),
        max_size=100,
    )
)
def test_property_potential_is_at_least_current_and_never_nan(rows):
    # given random customers
    frequency = np.array([r[0] for r in rows], dtype=float)
    spend = np.array([r[1] for r in rows], dtype=float)
    segment = np.array([r[2] for r in rows], dtype=np.int64)
    declared = np.array([r[3] for r in rows], dtype=float)

    # when
    result = potential_compute(frequency, spend, segment, category_spend=declared)

    # then
    assert (result.potential >= result.current - 1e-9 * np.abs(result.current)).all()
    for array in (result.potential, result.growth_ratio, result.share_of_wallet.share):
        assert not np.isnan(array).any()
    assert ((result.share_of_wallet.share >= 0) & (result.share_of_wallet.share <= 1)).all()


def test_performance_one_million_customers():
    # given a million customers in 50 segments, a third with a declared wallet
    rng = np.random.default_rng(0)
    n = 1_000_000
    frequency = rng.poisson(3, n).astype(float)
    spend = np.where(frequency > 0, rng.lognormal(4, 1, n), 0.0)
    segment = rng.integers(0, 50, n)
    declared = np.where(rng.random(n) < 0.33, rng.lognormal(7, 1, n), np.nan)

    # when
    start = time.perf_counter()
    result = potential_compute(frequency, spend, segment, category_spend=declared)
    grid = value_grid(
        result.current, result.potential, result.current * 0.1, result.potential * 0.1
    )
    elapsed = time.perf_counter() - start

    # then
    print(f"\npotential_compute + value_grid, 1,000,000 customers: {elapsed:.3f} s")
    assert grid.size == n
