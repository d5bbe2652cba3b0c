from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relata.analytics.churn import (
    ChurnDriver,
    ChurnLevel,
    ChurnSettings,
    churn_compute,
    churn_priority,
    interpurchase_gaps,
)
from relata.analytics.pyramid import Tier


def test_interpurchase_gaps_by_hand():
    # given purchases (same-day ones merge) for four customers, two of them with < 2 days
    customer = [0, 0, 0, 0, 1, 2, 2, 2, 2]
    day = [0, 10, 10.5, 30, 5, 100, 40, 70, 160]

    # when
    gaps = interpurchase_gaps(customer, day, 4)

    # then customer 0: days 0, 10, 30 → gaps 10, 20 → median 15; customer 2: 30, 30, 60 → 30
    np.testing.assert_allclose(gaps.median_days, [15.0, 0.0, 30.0, 0.0])
    assert gaps.known.tolist() == [True, False, True, False]
    assert gaps.purchase_days.tolist() == [3, 1, 4, 0]


def test_churn_by_hand():
    # given five customers: healthy, long overdue, somewhat overdue with lower P(alive),
    # one with a contract ending soon (gap unknown), and a never-buyer
    recency = [10, 90, 60, 20, np.inf]
    usual_gap = [30, 30, 30, np.inf, 30]
    p_alive = [0.9, 0.8, 0.7, 1.0, 1.0]
    contract_days_left = [np.inf, np.inf, np.inf, 30, np.inf]
    tier = [Tier.TOP, Tier.TOP, Tier.BIG, Tier.SMALL, Tier.SUSPECT]

    # when
    result = churn_compute(
        recency,
        usual_gap_days=usual_gap,
        p_alive=p_alive,
        contract_days_left=contract_days_left,
        tier=tier,
    )

    # then (noisy-OR of 1 − P(alive), overdue ratio from 1× to 3× and contract × 0.5)
    np.testing.assert_allclose(result.overdue_ratio, [1 / 3, 3.0, 2.0, 20 / 30, 0.0])
    np.testing.assert_allclose(result.recency_signal, [0.0, 1.0, 0.5, 0.0, 0.0])
    np.testing.assert_allclose(result.score, [0.1, 1.0, 1 - 0.7 * 0.5, 0.5, 0.0])
    assert result.level.tolist() == [
        ChurnLevel.LOW,
        ChurnLevel.HIGH,
        ChurnLevel.HIGH,
        ChurnLevel.MEDIUM,
        ChurnLevel.NOT_APPLICABLE,
    ]
    assert result.driver.tolist() == [
        ChurnDriver.ALIVE,
        ChurnDriver.RECENCY,
        ChurnDriver.RECENCY,
        ChurnDriver.CONTRACT,
        ChurnDriver.NONE,
    ]
    assert result.cant_lose.tolist() == [False, True, True, False, False]

    # and the list puts the can't-lose customers first, then by score
    order = churn_priority(result, [1000.0, 500.0, 800.0, 50.0, 0.0])
    assert order.tolist() == [1, 2, 3, 0, 4]


def test_without_any_known_gap_the_fallback_is_used():
    # given no usual gaps at all and a customer 730 days since the last purchase
    # when
    result = churn_compute([730.0, 100.0], settings=ChurnSettings(fallback_gap_days=365.0))

    # then 730/365 = 2× overdue → half the recency signal; 100 days → within the rhythm
    np.testing.assert_allclose(result.recency_signal, [0.5, 0.0])


def test_ended_contract_counts_as_risk():
    # given a contract that ended 10 days ago and one ending in a year
    # when
    result = churn_compute([5.0, 5.0], usual_gap_days=[30, 30], contract_days_left=[-10, 365])

    # then
    assert result.contract_signal.tolist() == [1.0, 0.0]


def test_bad_input_is_refused():
    # given / when / then
    with pytest.raises(ValueError, match=r"p_alive: value 1\.5 above 1 at position 0"):
        churn_compute([1.0], p_alive=[1.5])
    with pytest.raises(ValueError, match="recency_days: negative value"):
        churn_compute([-1.0])
    with pytest.raises(ValueError, match="usual_gap_days: 1 missing"):
        churn_compute([1.0], usual_gap_days=[np.nan])
    with pytest.raises(ValueError, match="customer: index 5 at position 0 is not below"):
        interpurchase_gaps([5], [1.0], 3)
    with pytest.raises(ValueError, match="overdue_full"):
        ChurnSettings(overdue_start=2.0, overdue_full=1.5)


def test_empty_and_single_customer():
    # given / when
    empty = churn_compute([], usual_gap_days=[], p_alive=[], tier=[])
    single = churn_compute([3.0])

    # then
    assert empty.score.size == 0
    assert interpurchase_gaps([], [], 0).median_days.size == 0
    assert single.level.tolist() == [ChurnLevel.LOW]


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.floats(0, 5000) | st.just(float("inf")),
            st.floats(0, 400) | st.just(float("inf")),
            st.floats(0, 1),
        ),
        max_size=100,
    )
)
def test_property_score_in_unit_interval_and_monotone_in_recency(rows):
    # given random customers
    recency = np.array([r[0] for r in rows], dtype=float)
    gap = np.array([r[1] for r in rows], dtype=float)
    alive = np.array([r[2] for r in rows], dtype=float)

    # when recency grows by 50 days for everyone who bought
    base = churn_compute(recency, usual_gap_days=gap, p_alive=alive)
    later = churn_compute(recency + 50, usual_gap_days=gap, p_alive=alive)

    # then scores stay in 0–1, never NaN, and never fall
    for result in (base, later):
        assert not np.isnan(result.score).any()
        assert ((result.score >= 0) & (result.score <= 1)).all()
    assert (later.score >= base.score - 1e-12).all()


def test_performance_one_million_customers():
    # given a million customers and five million purchases
    rng = np.random.default_rng(0)
    n = 1_000_000
    customer = rng.integers(0, n, 5 * n)
    day = rng.integers(0, 3 * 365, 5 * n).astype(float)

    # when
    start = time.perf_counter()
    gaps = interpurchase_gaps(customer, day, n)
    middle = time.perf_counter()
    result = churn_compute(
        rng.integers(0, 700, n).astype(float),
        usual_gap_days=np.where(gaps.known, gaps.median_days, np.inf),
        p_alive=rng.random(n),
        contract_days_left=np.where(rng.random(n) < 0.1, rng.integers(-30, 400, n), np.inf),
        tier=rng.integers(1, 8, n),
    )
    end = time.perf_counter()

    # then
    print(f"\ninterpurchase_gaps, 5,000,000 purchases: {middle - start:.3f} s")
    print(f"churn_compute, 1,000,000 customers: {end - middle:.3f} s")
    assert result.score.size == n
