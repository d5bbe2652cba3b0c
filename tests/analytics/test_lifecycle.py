from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relata.analytics.lifecycle import (
    PLAYBOOKS,
    STAGE_LABELS,
    LifecycleSettings,
    Stage,
    lifecycle_stages,
)

INF = np.inf


def test_one_customer_per_stage():
    # given nine customers, each meeting one rule
    days_since_first = [INF, INF, 30, 400, 400, 400, 400, 400, 400]
    purchase_count = [0, 0, 1, 1, 3, 3, 3, 3, 3]
    in_contact = [False, True, True, True, True, True, True, True, True]
    advocate = [False, False, False, False, False, True, False, False, False]
    growth = [0, 0, 0, 0, 0, 0, 2.0, 0, 0]
    p_alive = [1, 1, 1, 1, 1, 1, 1, 0.2, 1]
    inactive = [False] * 8 + [True]

    # when
    stages = lifecycle_stages(
        days_since_first,
        purchase_count,
        in_contact,
        advocate=advocate,
        growth_ratio=growth,
        p_alive=p_alive,
        inactive_past_window=inactive,
    )

    # then
    assert stages.tolist() == [
        Stage.SUSPECT,
        Stage.PROSPECT,
        Stage.NEW,  # first purchase 30 days ago
        Stage.NEW,  # one purchase, longer ago: not yet a repeat customer
        Stage.REPEAT,
        Stage.AMBASSADOR,
        Stage.GROWING,
        Stage.AT_RISK,
        Stage.LOST,
    ]


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (
            {"inactive_past_window": [True], "down_migration": [True], "advocate": [True]},
            Stage.LOST,
        ),
        ({"down_migration": [True], "advocate": [True]}, Stage.AT_RISK),
        ({"p_alive": [0.1], "advocate": [True]}, Stage.AT_RISK),
        ({"advocate": [True], "growth_ratio": [5.0]}, Stage.AMBASSADOR),
        ({"growth_ratio": [5.0]}, Stage.GROWING),
        ({"growth_ratio": [1.49]}, Stage.REPEAT),
    ],
)
def test_precedence_for_a_repeat_customer(flags, expected):
    # given a repeat customer (4 purchases, first a year ago) with several flags at once
    # when
    stages = lifecycle_stages([365.0], [4], [True], **flags)

    # then the first rule in the precedence order wins
    assert stages.tolist() == [expected]


def test_new_customer_beats_growing_and_repeat_within_the_window():
    # given a customer with two purchases in the first 20 days and high potential
    # when
    stages = lifecycle_stages([20.0], [2], [True], growth_ratio=[3.0])

    # then the welcome programme comes first
    assert stages.tolist() == [Stage.NEW]


def test_never_buyers_are_never_customers_stages():
    # given a never-buyer with every flag set
    # when
    stages = lifecycle_stages(
        [INF],
        [0],
        [True],
        advocate=[True],
        growth_ratio=[9.0],
        p_alive=[0.0],
        down_migration=[True],
        inactive_past_window=[True],
    )

    # then
    assert stages.tolist() == [Stage.PROSPECT]


def test_settings_change_the_windows():
    # given a customer whose first purchase was 100 days ago
    # when the new-customer window is 120 days
    stages = lifecycle_stages([100.0], [2], [True], settings=LifecycleSettings(new_days=120))

    # then
    assert stages.tolist() == [Stage.NEW]


def test_every_stage_has_a_label_and_a_playbook():
    # given / when / then
    assert set(STAGE_LABELS) == set(Stage) == set(PLAYBOOKS)
    assert all(PLAYBOOKS[stage] for stage in Stage)


def test_bad_input_is_refused():
    # given / when / then
    with pytest.raises(ValueError, match="position 0 has purchases but no first purchase"):
        lifecycle_stages([INF], [1], [False])
    with pytest.raises(ValueError, match="in_contact: expected true/false \\(0 or 1\\), got 2"):
        lifecycle_stages([1.0], [1], [2])
    with pytest.raises(ValueError, match="lengths differ"):
        lifecycle_stages([1.0], [1], [True], advocate=[True, False])
    with pytest.raises(ValueError, match="p_alive: 1 missing"):
        lifecycle_stages([1.0], [1], [True], p_alive=[np.nan])


def test_empty_input():
    # given / when / then
    assert lifecycle_stages([], [], []).size == 0


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(0, 10),
            st.floats(0, 2000),
            st.booleans(),
            st.booleans(),
            st.floats(0, 10),
            st.floats(0, 1),
            st.booleans(),
            st.booleans(),
        ),
        max_size=100,
    )
)
def test_property_every_customer_gets_one_consistent_stage(rows):
    # given random customers
    count = np.array([r[0] for r in rows], dtype=np.int64)
    first = np.where(count > 0, np.array([r[1] for r in rows], dtype=float), INF)
    columns = list(zip(*rows, strict=True)) if rows else [[]] * 8

    # when
    stages = lifecycle_stages(
        first,
        count,
        np.array(columns[2], dtype=bool),
        advocate=np.array(columns[3], dtype=bool),
        growth_ratio=np.array(columns[4], dtype=float),
        p_alive=np.array(columns[5], dtype=float),
        down_migration=np.array(columns[6], dtype=bool),
        inactive_past_window=np.array(columns[7], dtype=bool),
    )

    # then buyers and never-buyers get their own kinds of stage
    assert stages.size == count.size
    never = np.isin(stages, [Stage.SUSPECT, Stage.PROSPECT])
    assert (never == (count == 0)).all()


def test_performance_one_million_customers():
    # given a million customers
    rng = np.random.default_rng(0)
    n = 1_000_000
    count = rng.poisson(1.5, n)
    first = np.where(count > 0, rng.integers(0, 1500, n), INF)

    # when
    start = time.perf_counter()
    stages = lifecycle_stages(
        first,
        count,
        rng.random(n) < 0.5,
        advocate=rng.random(n) < 0.05,
        growth_ratio=rng.random(n) * 3,
        p_alive=rng.random(n),
        down_migration=rng.random(n) < 0.1,
        inactive_past_window=rng.random(n) < 0.2,
    )
    elapsed = time.perf_counter() - start

    # then
    print(f"\nlifecycle_stages, 1,000,000 customers: {elapsed:.3f} s")
    assert stages.size == n
