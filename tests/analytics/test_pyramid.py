from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from relata.analytics.pyramid import (
    PYRAMID_TIERS,
    PyramidSettings,
    Tier,
    pareto_curve,
    pyramid_compute,
    pyramid_thresholds,
    pyramid_tiers,
    tier_summary,
    top_share,
)


def _bought(n: int) -> np.ndarray:
    return np.ones(n, dtype=bool)


def _counts(tier: np.ndarray) -> dict[Tier, int]:
    return {t: int((tier == t).sum()) for t in PYRAMID_TIERS}


def test_hundred_customers_valued_one_to_hundred():
    # given 100 active customers with values 1..100 (total 5050)
    value = np.arange(1, 101, dtype=float)

    # when
    result = pyramid_compute(value, _bought(100), np.zeros(100, dtype=bool))

    # then the tiers hold 1 / 4 / 15 / 80 customers with exact value shares
    counts = _counts(result.tier)
    assert (counts[Tier.TOP], counts[Tier.BIG], counts[Tier.MEDIUM], counts[Tier.SMALL]) == (
        1,
        4,
        15,
        80,
    )
    assert result.tier[99] == Tier.TOP
    assert set(result.tier[95:99]) == {Tier.BIG}
    summary = result.summary
    np.testing.assert_allclose(summary.value[:4], [100, 390, 1320, 3240])
    np.testing.assert_allclose(summary.pct_value[:4], np.array([100, 390, 1320, 3240]) * 100 / 5050)
    np.testing.assert_allclose(summary.average_value[:4], [100, 97.5, 88, 40.5])
    np.testing.assert_allclose(summary.pct_customers[:4], [1, 4, 15, 80])
    assert result.top_share == pytest.approx(1810 / 5050)
    assert result.thresholds.top_min_value == 100
    assert result.thresholds.big_min_value == 96
    assert result.thresholds.medium_min_value == 81


def test_ties_at_a_boundary_go_to_the_higher_tier():
    # given 100 customers where the 2nd best equals the best, and ranks 5–7 share a value
    value = np.arange(1, 101, dtype=float)
    value[98] = 100.0
    value[93:96] = 96.0  # ranks 5, 6 and 7 (the 5th is the last Big)

    # when
    tier = pyramid_tiers(value, _bought(100), np.zeros(100, dtype=bool))

    # then both 100s are Top and all three 96s are Big
    assert _counts(tier)[Tier.TOP] == 2
    assert set(tier[93:96]) == {Tier.BIG}
    assert _counts(tier)[Tier.BIG] == 5  # ranks 2–7 minus the second Top
    # and equal values always share a tier
    assert len(set(tier[value == 96.0])) == 1


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, (1, 0, 0, 0)),
        (3, (1, 0, 0, 2)),
        (10, (1, 0, 1, 8)),
        (20, (1, 0, 3, 16)),
        (50, (1, 2, 7, 40)),
        (101, (2, 4, 15, 80)),
    ],
)
def test_fewer_than_a_hundred_customers_still_get_a_top(n, expected):
    # given n active customers with distinct values
    value = np.arange(1, n + 1, dtype=float)

    # when
    tier = pyramid_tiers(value, _bought(n), np.zeros(n, dtype=bool))

    # then the cumulative cuts are ceil(1%), ceil(5%), ceil(20%) of n, at least one Top
    counts = _counts(tier)
    assert (counts[Tier.TOP], counts[Tier.BIG], counts[Tier.MEDIUM], counts[Tier.SMALL]) == (
        expected
    )


def test_non_active_customers_are_inactive_prospect_or_suspect():
    # given a buyer in the period, a past buyer, a contact and an unknown
    value = np.array([50.0, 0.0, 0.0, 0.0])
    ever_bought = np.array([True, True, False, False])
    in_contact = np.array([False, True, True, False])

    # when
    tier = pyramid_tiers(value, ever_bought, in_contact)

    # then
    assert tier.tolist() == [Tier.TOP, Tier.INACTIVE, Tier.PROSPECT, Tier.SUSPECT]


def test_margin_ranking_with_an_explicit_active_mask():
    # given margins where one customer bought in the period at a loss
    margin = np.array([30.0, 10.0, -5.0, 0.0])
    active = np.array([True, True, True, False])

    # when
    tier = pyramid_tiers(margin, _bought(4), np.zeros(4, dtype=bool), active=active)
    curve = pareto_curve(margin, active=active)

    # then the loss-maker is ranked (Small), not called Inactive
    assert tier.tolist() == [Tier.TOP, Tier.SMALL, Tier.SMALL, Tier.INACTIVE]
    # and the Pareto curve counts the loss as zero
    assert curve.value_share[-1] == 1.0
    assert curve.customer_share[-1] == 1.0


def test_empty_input_gives_empty_output():
    # given no customers
    empty = np.zeros(0)

    # when
    result = pyramid_compute(empty, empty.astype(bool), empty.astype(bool))

    # then
    assert result.tier.size == 0
    assert result.summary.customers.sum() == 0
    assert not np.isnan(result.summary.pct_value).any()
    assert result.pareto.customer_share.tolist() == [0.0]
    assert result.top_share == 0.0
    assert result.thresholds.active_customers == 0


def test_all_zero_values_give_no_active_customers():
    # given customers who all bought before but nothing in the period
    value = np.zeros(5)

    # when
    result = pyramid_compute(value, _bought(5), np.zeros(5, dtype=bool))

    # then they are all Inactive, with no NaN anywhere
    assert (result.tier == Tier.INACTIVE).all()
    assert result.summary.pct_customers[PYRAMID_TIERS.index(Tier.INACTIVE)] == 100.0
    assert (result.summary.pct_value == 0).all()
    assert result.top_share == 0.0


def test_nan_value_is_refused_with_position():
    # given a missing value at position 2
    value = np.array([1.0, 2.0, np.nan])

    # when / then
    with pytest.raises(
        ValueError, match=r"value: 1 missing \(NaN\) value\(s\), first at position 2"
    ):
        pyramid_tiers(value, _bought(3), np.zeros(3, dtype=bool))


def test_length_mismatch_is_refused():
    # given arrays of different lengths
    # when / then
    with pytest.raises(ValueError, match="lengths differ: value=3, ever_bought=2"):
        pyramid_tiers(np.ones(3), _bought(2), np.zeros(3, dtype=bool))


def test_settings_are_validated():
    # given / when / then
    with pytest.raises(ValueError, match="top must be above 0"):
        PyramidSettings(top=0.0)
    with pytest.raises(ValueError, match="top \\+ big \\+ medium"):
        PyramidSettings(top=0.5, big=0.4, medium=0.2)


def test_custom_settings_change_the_cuts():
    # given a 10 / 20 / 30 pyramid
    value = np.arange(1, 101, dtype=float)

    # when
    cuts = pyramid_thresholds(value, settings=PyramidSettings(top=0.1, big=0.2, medium=0.3))

    # then
    assert (cuts.top_count, cuts.big_count, cuts.medium_count) == (10, 30, 60)


def test_pareto_curve_is_downsampled_and_runs_from_origin_to_one():
    # given 10,000 customers with skewed values
    rng = np.random.default_rng(1)
    value = rng.lognormal(3, 1.5, size=10_000)

    # when
    curve = pareto_curve(value, max_points=200)

    # then
    assert len(curve.customer_share) <= 200
    assert (curve.customer_share[0], curve.value_share[0]) == (0.0, 0.0)
    assert (curve.customer_share[-1], curve.value_share[-1]) == (1.0, 1.0)
    assert (np.diff(curve.customer_share) > 0).all()
    assert (np.diff(curve.value_share) >= 0).all()
    assert (curve.value_share >= curve.customer_share - 1e-12).all()  # best customers first


def test_top_share_of_equal_customers_is_the_fraction():
    # given 10 equal customers
    # when
    share = top_share(np.full(10, 7.0), fraction=0.2)

    # then
    assert share == pytest.approx(0.2)


values_strategy = hnp.arrays(
    np.float64,
    st.integers(0, 150),
    elements=st.sampled_from([0.0, 1.0, 2.0, 5.0, 0.5, 1234.5, 1e6]) | st.floats(0.01, 1e6),
)


@settings(max_examples=100, deadline=None)
@given(value=values_strategy, data=st.data())
def test_property_tiers_partition_and_percentages_sum(value, data):
    # given random values, purchase and contact flags
    n = value.size
    bought = data.draw(hnp.arrays(np.bool_, n)) | (value > 0)
    contact = data.draw(hnp.arrays(np.bool_, n))

    # when
    result = pyramid_compute(value, bought, contact)

    # then every active customer is in exactly one active tier, and no one else is
    active = value > 0
    in_active_tier = np.isin(result.tier, [Tier.TOP, Tier.BIG, Tier.MEDIUM, Tier.SMALL])
    assert (in_active_tier == active).all()
    assert result.summary.customers.sum() == n
    if active.any():
        assert (result.tier == Tier.TOP).any()
        assert result.summary.pct_value.sum() == pytest.approx(100.0)
        assert result.summary.pct_active_customers.sum() == pytest.approx(100.0)
        # a higher value never gets a worse tier
        order = np.argsort(value[active], kind="stable")
        assert (np.diff(result.tier[active][order].astype(int)) <= 0).all()
    if n:
        assert result.summary.pct_customers.sum() == pytest.approx(100.0)
    for array in (result.summary.pct_value, result.pareto.value_share):
        assert not np.isnan(array).any()
    assert 0.0 <= result.top_share <= 1.0


def test_performance_one_million_customers():
    # given a million customers
    rng = np.random.default_rng(0)
    value = np.where(rng.random(1_000_000) < 0.7, rng.lognormal(4, 1.2, 1_000_000), 0.0)
    bought = value > 0
    contact = rng.random(1_000_000) < 0.5

    # when
    start = time.perf_counter()
    result = pyramid_compute(value, bought, contact)
    elapsed = time.perf_counter() - start

    # then
    print(f"\npyramid_compute, 1,000,000 customers: {elapsed:.3f} s")
    assert result.tier.size == 1_000_000
    assert tier_summary(result.tier, value).customers.sum() == 1_000_000
