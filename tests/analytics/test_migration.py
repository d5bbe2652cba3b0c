from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relata.analytics.migration import (
    MigrationSettings,
    MigrationState,
    Movement,
    migration_compute,
    migration_states,
)
from relata.analytics.pyramid import Tier

S = MigrationState


def test_hand_worked_example():
    # given ten customers with known moves between two periods
    previous = [
        Tier.TOP,
        Tier.SMALL,
        Tier.MEDIUM,
        Tier.MEDIUM,
        Tier.PROSPECT,
        Tier.NONE,
        Tier.INACTIVE,
        Tier.SMALL,
        Tier.SUSPECT,
        Tier.INACTIVE,
    ]
    current = [
        Tier.BIG,
        Tier.MEDIUM,
        Tier.MEDIUM,
        Tier.MEDIUM,
        Tier.SMALL,
        Tier.TOP,
        Tier.SMALL,
        Tier.INACTIVE,
        Tier.PROSPECT,
        Tier.INACTIVE,
    ]
    before = [500, 20, 100, 100, 0, 0, 0, 30, 0, 0]
    after = [300, 60, 70, 71, 10, 900, 15, 0, 0, 0]

    # when
    result = migration_compute(previous, current, before, after)

    # then each customer's movement is classified
    assert result.movement.tolist() == [
        Movement.DOWN,
        Movement.UP,
        Movement.STABLE,
        Movement.STABLE,
        Movement.NEW,
        Movement.NEW,
        Movement.REACTIVATED,
        Movement.LOST,
        Movement.OUT,
        Movement.OUT,
    ]
    # and risk = dropped a tier (0, 7) or value fell by ≥ 30% (2: 100 → 70, exactly 30%)
    assert np.flatnonzero(result.risk).tolist() == [0, 2, 7]
    assert np.flatnonzero(result.value_dropped).tolist() == [0, 2, 7]
    # and the matrix holds the counts and value changes per cell
    counts = result.matrix.counts
    assert counts.sum() == 10
    assert counts[S.TOP, S.BIG] == 1
    assert counts[S.MEDIUM, S.MEDIUM] == 2
    assert counts[S.NOT_A_CUSTOMER, S.TOP] == 1
    assert counts[S.NOT_A_CUSTOMER, S.SMALL] == 1
    assert counts[S.SMALL, S.INACTIVE] == 1
    assert counts[S.NOT_A_CUSTOMER, S.NOT_A_CUSTOMER] == 1
    assert result.matrix.value_change[S.MEDIUM, S.MEDIUM] == pytest.approx(-59.0)
    assert result.matrix.value_change[S.TOP, S.BIG] == pytest.approx(-200.0)
    assert result.matrix.current_value[S.NOT_A_CUSTOMER, S.TOP] == pytest.approx(900.0)


def test_value_drop_threshold_is_a_setting():
    # given a customer whose value fell by 20% in the same tier
    # when the threshold is the default 30% or a stricter 20%
    default = migration_compute([Tier.SMALL], [Tier.SMALL], [100.0], [80.0])
    strict = migration_compute(
        [Tier.SMALL], [Tier.SMALL], [100.0], [80.0], settings=MigrationSettings(value_drop=0.2)
    )

    # then only the stricter setting flags the customer
    assert not default.risk[0]
    assert strict.risk[0]


def test_value_rise_and_new_customers_are_not_risk():
    # given a new customer and a grower
    result = migration_compute([Tier.NONE, Tier.SMALL], [Tier.SMALL, Tier.SMALL], [0, 10], [5, 50])

    # then
    assert not result.risk.any()


def test_unknown_tier_code_is_refused():
    # given / when / then
    with pytest.raises(ValueError, match="current_tier: unknown code 9 at position 1"):
        migration_compute([1, 1], [1, 9], [1.0, 1.0], [1.0, 1.0])


def test_empty_input():
    # given no customers
    # when
    result = migration_compute([], [], [], [])

    # then
    assert result.movement.size == 0
    assert result.matrix.counts.shape == (6, 6)
    assert result.matrix.counts.sum() == 0


def test_states_map_prospects_and_suspects_to_not_a_customer():
    # given / when
    states = migration_states([Tier.NONE, Tier.PROSPECT, Tier.SUSPECT, Tier.INACTIVE, Tier.TOP])

    # then
    assert states.tolist() == [S.NOT_A_CUSTOMER] * 3 + [S.INACTIVE, S.TOP]


tier_codes = st.lists(st.sampled_from([int(t) for t in Tier]), min_size=0, max_size=200)


@settings(max_examples=100, deadline=None)
@given(data=st.data(), previous=tier_codes)
def test_property_matrix_totals_match_customers(data, previous):
    # given random tiers and values for the same customers
    n = len(previous)
    current = data.draw(st.lists(st.sampled_from([int(t) for t in Tier]), min_size=n, max_size=n))
    rng = np.random.default_rng(n)
    before, after = rng.random(n) * 100, rng.random(n) * 100

    # when
    result = migration_compute(previous, current, before, after)

    # then every customer sits in exactly one cell and the value changes add up
    assert result.matrix.counts.sum() == n
    np.testing.assert_array_equal(
        result.matrix.counts.sum(axis=1), np.bincount(result.from_state, minlength=6)
    )
    np.testing.assert_array_equal(
        result.matrix.counts.sum(axis=0), np.bincount(result.to_state, minlength=6)
    )
    assert result.matrix.value_change.sum() == pytest.approx(after.sum() - before.sum())
    down = (result.movement == Movement.DOWN) | (result.movement == Movement.LOST)
    assert (result.risk[down]).all()


def test_performance_one_million_customers():
    # given a million customers
    rng = np.random.default_rng(0)
    previous = rng.integers(0, 8, 1_000_000)
    current = rng.integers(0, 8, 1_000_000)
    before, after = rng.random(1_000_000), rng.random(1_000_000)

    # when
    start = time.perf_counter()
    result = migration_compute(previous, current, before, after)
    elapsed = time.perf_counter() - start

    # then
    print(f"\nmigration_compute, 1,000,000 customers: {elapsed:.3f} s")
    assert result.matrix.counts.sum() == 1_000_000
