"""Journey analytics on hand-made arrays (pure, no database)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from relata.analytics.journey import (
    CONVERSION_EDGES,
    channel_switching,
    churn_split,
    conversion_time,
    friction_by_node,
    friction_comparison,
    journey_friction,
    journey_moments,
    last_before,
    month_of_day,
    path_flows,
    purchase_summary,
    risk_ratio,
)
from relata.analytics.journey_cohorts import cohort_retention

NAN = float("nan")


def _four_customers():  # type: ignore[no-untyped-def]
    # customer 1 has four moments (the last after the purchase), customer 2 one, customer 3
    # two (never bought), customer 4 none; given in shuffled order
    rows = [
        (3, 31, 2),
        (1, 11, 1),
        (1, 20, 0),
        (2, 5, 1),
        (1, 10, 0),
        (3, 30, 2),
        (1, 12, 2),
    ]
    customer, day, node = (list(column) for column in zip(*rows, strict=True))
    return journey_moments(customer, day, node)


def test_moments_are_sorted_by_customer_then_time() -> None:
    moments = _four_customers()
    assert moments.customer.tolist() == [1, 1, 1, 1, 2, 3, 3]
    assert moments.day.tolist() == [10, 11, 12, 20, 5, 30, 31]
    assert moments.friction.tolist() == [-1] * 7


def test_a_finer_time_orders_moments_of_the_same_day() -> None:
    # given two moments on one day, the later one listed first
    moments = journey_moments([1, 1], [5, 5], [0, 1], order=[900, 100])
    # then the order key puts node 1 (at 100 s) first
    assert moments.node.tolist() == [1, 0]


def test_last_before_keeps_the_last_k_moments_aligned_to_the_outcome() -> None:
    moments = _four_customers()
    # when customer 1's cutoff is day 13 (purchase on day 12, included) and customer 2's day 7
    chosen = last_before(moments, [1, 2], [13, 7], k=2)
    # then customer 1 keeps days 11 and 12 at steps 1 and 2; customer 2 its one at step 2
    assert moments.day[chosen.index].tolist() == [11, 12, 5]
    assert chosen.target.tolist() == [0, 0, 1]
    assert chosen.step.tolist() == [1, 2, 2]


def test_paths_end_in_their_outcome_with_counted_links() -> None:
    moments = _four_customers()
    # given buyers 1, 2 and 4 (outcome 0) and non-buyer 3 (outcome 1), two steps
    flows = path_flows(
        moments, [1, 2, 3, 4], [13, 7, 100, 50], [0, 0, 1, 0], k=2, n_nodes=3, n_outcomes=2
    )
    links = set(
        zip(
            flows.source_step.tolist(),
            flows.source_node.tolist(),
            flows.target_step.tolist(),
            flows.target_node.tolist(),
            flows.count.tolist(),
            strict=True,
        )
    )
    # then each step pair is a link, and the last moment flows into the outcome (−1 − outcome)
    assert links == {
        (1, 1, 2, 2, 1),  # customer 1: node 1 → node 2
        (2, 2, 3, -1, 1),  # customer 1: node 2 → first purchase
        (2, 1, 3, -1, 1),  # customer 2 → first purchase
        (1, 2, 2, 2, 1),  # customer 3: node 2 → node 2
        (2, 2, 3, -2, 1),  # customer 3 → no purchase yet
    }
    assert flows.journeys.tolist() == [2, 1]
    assert flows.without_moments.tolist() == [1, 0]
    # and the top paths are whole journeys, shorter ones padded with −1 at the start
    assert flows.paths.tolist() == [[-1, 1], [1, 2], [2, 2]]
    assert flows.path_outcome.tolist() == [0, 0, 1]
    assert flows.path_count.tolist() == [1, 1, 1]


def test_paths_match_a_plain_loop_on_random_data() -> None:
    rng = np.random.default_rng(7)
    n = 400
    customer = rng.integers(0, 40, n)
    day = rng.integers(0, 100, n)
    node = rng.integers(0, 4, n)
    moments = journey_moments(customer, day, node, order=np.arange(n))
    targets = np.arange(0, 40, 2)
    cutoff = rng.integers(0, 120, targets.size)
    k = 3
    flows = path_flows(
        moments,
        targets,
        cutoff,
        np.zeros(targets.size, int),
        k=k,
        n_nodes=4,
        n_outcomes=1,
        top=1000,
    )
    # given the same journeys built one customer at a time
    expected: dict[tuple[int, ...], int] = {}
    for who, limit in zip(targets.tolist(), cutoff.tolist(), strict=True):
        mine = [
            int(moments.node[i])
            for i in range(n)
            if moments.customer[i] == who and moments.day[i] < limit
        ][-k:]
        if mine:
            key = tuple([-1] * (k - len(mine)) + mine)
            expected[key] = expected.get(key, 0) + 1
    found = {
        tuple(path): count
        for path, count in zip(flows.paths.tolist(), flows.path_count.tolist(), strict=True)
    }
    # then both agree, and everything that enters the outcome is one journey
    assert found == expected
    assert int(flows.count[flows.target_node < 0].sum()) == int(flows.journeys.sum())


def test_no_targets_give_empty_results() -> None:
    moments = _four_customers()
    flows = path_flows(moments, [], [], [], k=3, n_nodes=3, n_outcomes=1)
    assert flows.count.size == 0 and flows.journeys.tolist() == [0]
    assert conversion_time(moments, [], [], n_channels=3).buyers == 0
    assert journey_friction(moments, [], [], k=2, n_causes=2).causes.shape == (0, 2)


def test_purchases_and_churn_points() -> None:
    # given orders in any order
    purchases = purchase_summary([2, 1, 2, 3, 1], [200, 100, 150, 50, 40])
    assert purchases.customer.tolist() == [1, 2, 3]
    assert purchases.first_day.tolist() == [40, 150, 50]
    assert purchases.last_day.tolist() == [100, 200, 50]
    # when lost after 100 days, in the period from day 150 to day 250
    split = churn_split(purchases, lost_after_days=100, start_day=150, end_day=250)
    # then 1 (lost from day 201) and 3 (from day 151) churned in it; 2 (from 301) is active
    assert split.churned.tolist() == [1, 3]
    assert split.churn_day.tolist() == [201, 151]
    # and a churn point on the last day of the period counts, one day later does not
    edge = churn_split(purchases, lost_after_days=100, start_day=0, end_day=200)
    assert edge.churned.tolist() == [3]
    assert split.retained.tolist() == [2]


def test_channel_switching_counts_follow_ups_within_the_window() -> None:
    # given customer 1: phone, e-mail 3 days later, e-mail 27 days later, phone the next day;
    # customer 2: web twice
    moments = journey_moments([1, 1, 1, 1, 2, 2], [0, 3, 30, 31, 0, 1], [0, 1, 1, 0, 2, 2])
    # when follow-ups within 14 days count
    result = channel_switching(moments, n_channels=3, window_days=14, start_day=0, end_day=100)
    # then the 27-day gap starts afresh, and two of the three follow-ups switched channel
    assert result.matrix.tolist() == [[0, 1, 0], [1, 0, 0], [0, 0, 1]]
    assert (result.transitions, result.switches) == (3, 2)
    assert result.switch_share == pytest.approx(2 / 3)
    assert (result.customers, result.switchers) == (2, 1)
    np.testing.assert_allclose(result.switch_share_from, [1.0, 1.0, 0.0])
    # and moments before the period are left out
    later = channel_switching(moments, n_channels=3, window_days=14, start_day=1, end_day=100)
    assert later.matrix.tolist() == [[0, 0, 0], [1, 0, 0], [0, 0, 0]]


def test_no_follow_ups_give_an_empty_matrix_and_no_share() -> None:
    result = channel_switching(
        journey_moments([1], [0], [0]), n_channels=2, window_days=14, start_day=0, end_day=9
    )
    assert result.transitions == 0
    assert math.isnan(result.switch_share)


def test_friction_per_node_in_the_period() -> None:
    moments = journey_moments([1, 1, 2, 2], [1, 2, 3, 50], [0, 1, 1, 1], friction=[0, -1, 1, 1])
    counts = friction_by_node(moments, n_nodes=2, n_causes=2, start_day=0, end_day=10)
    assert counts.moments.tolist() == [1, 2]
    assert counts.by_cause.tolist() == [[1, 0], [0, 1]]


def test_journey_friction_looks_at_the_last_k_moments_only() -> None:
    # given customer 1 with a friction (cause 0) three moments before the cutoff
    moments = journey_moments([1, 1, 1], [1, 2, 3], [0, 0, 0], friction=[0, -1, -1])
    # then a two-step journey is clean and a three-step one is not
    short = journey_friction(moments, [1, 2], [10, 10], k=2, n_causes=2)
    long = journey_friction(moments, [1, 2], [10, 10], k=3, n_causes=2)
    assert short.any.tolist() == [False, False]
    assert long.any.tolist() == [True, False]
    assert long.causes.tolist() == [[True, False], [False, False]]
    # and customer 2, without moments, has no journey
    assert long.has_journey.tolist() == [True, False]


def test_risk_ratio_with_the_log_method_interval() -> None:
    ratio, low, high = risk_ratio(np.array([30]), 100, np.array([10]), 100)
    se = math.sqrt(1 / 30 - 1 / 100 + 1 / 10 - 1 / 100)
    assert ratio[0] == pytest.approx(3.0)
    assert low[0] == pytest.approx(3.0 * math.exp(-1.959964 * se), rel=1e-6)
    assert high[0] == pytest.approx(3.0 * math.exp(1.959964 * se), rel=1e-6)


def test_risk_ratio_with_an_empty_cell_stays_finite() -> None:
    # given no event among the won customers
    ratio, low, high = risk_ratio(np.array([4, 0]), 10, np.array([0, 5]), 10)
    # then the ratio and interval use 0.5 more per cell, and a zero numerator gives 0
    corrected = (4.5 / 11) / (0.5 / 11)
    assert ratio[0] == pytest.approx(corrected)
    assert low[0] < corrected < high[0]
    assert ratio[1] == 0.0
    assert 0 < low[1] < (0.5 / 11) / (5.5 / 11) < high[1]
    # and an empty group gives NaN, not an error
    assert all(math.isnan(v[0]) for v in risk_ratio(np.array([1]), 0, np.array([1]), 5))


def test_friction_comparison_counts_journeys_not_customers() -> None:
    moments = journey_moments([1, 2, 3, 4], [1, 1, 1, 1], [0, 0, 0, 0], friction=[1, -1, 0, -1])
    lost = journey_friction(moments, [1, 2, 9], [5, 5, 5], k=4, n_causes=2)
    won = journey_friction(moments, [3, 4], [5, 5], k=4, n_causes=2)
    result = friction_comparison(lost, won)
    # customer 9 has no journey and is left out
    assert (result.lost_n, result.won_n) == (2, 2)
    # columns: cause 0, cause 1, any
    assert result.lost_with.tolist() == [0, 1, 1]
    assert result.won_with.tolist() == [1, 0, 1]
    np.testing.assert_allclose(result.lost_share, [0.0, 0.5, 0.5])
    assert result.ratio[2] == pytest.approx(1.0)


def test_conversion_time_from_first_contact_to_first_purchase() -> None:
    # given buyer 1 with contacts on days 5 (channel 1) and 8, buying on day 10; buyer 2 with
    # a contact on the day of buying; buyer 3 whose only contact came after; buyer 4 none
    moments = journey_moments([1, 1, 2, 3], [5, 8, 20, 30], [1, 0, 0, 0])
    result = conversion_time(moments, [1, 2, 3, 4], [10, 20, 25, 40], n_channels=3)
    assert (result.buyers, result.without_contact) == (4, 2)
    assert result.days.tolist() == [5, 0]
    assert result.first_channel.tolist() == [1, 0]
    assert result.median == pytest.approx(2.5)
    assert result.histogram.tolist()[:3] == [1, 1, 0]
    assert result.edges.tolist() == list(CONVERSION_EDGES)
    assert result.per_channel_n.tolist() == [1, 1, 0]
    assert result.per_channel_median[:2].tolist() == [0.0, 5.0]
    assert math.isnan(result.per_channel_median[2])


def test_month_of_day() -> None:
    # 2020-01-31 is day 18292, 2020-02-01 day 18293
    assert month_of_day([0, 18292, 18293]).tolist() == [0, 600, 601]


def test_cohort_retention_by_month_since_the_first_purchase() -> None:
    # given cohort Jan 2020 (month 600): customer 1 buys in months 0, 1 and 3 after, customer 2
    # in month 0 only; cohort Feb 2020: customer 3 in months 0 and 1; customer 4's first
    # purchase is before the cohorts shown
    orders = [
        (1, 600),
        (1, 600),
        (1, 601),
        (1, 603),
        (2, 600),
        (3, 601),
        (3, 602),
        (4, 599),
        (4, 600),
    ]
    customer, month = (list(c) for c in zip(*orders, strict=True))
    result = cohort_retention(
        customer,
        month,
        group_customer=[1, 2, 3],
        group_code=[0, 1, 0],
        n_groups=2,
        first_cohort=600,
        last_cohort=601,
        last_observed=602,
        horizon=3,
    )
    assert result.months.tolist() == [600, 601]
    assert result.size.tolist() == [2, 1]
    # then months after March 2020 are not observed
    np.testing.assert_allclose(result.retention, [[1, 0.5, 0, NAN], [1, 1, NAN, NAN]])
    np.testing.assert_allclose(result.still_active, [[1, 0.5, 0.5, NAN], [1, 1, NAN, NAN]])
    np.testing.assert_allclose(result.curve(), [1, 2 / 3, 0, NAN])
    # and per group: group 0 holds customers 1 and 3, group 1 customer 2
    assert result.group_size.tolist() == [[1, 1], [1, 0]]
    np.testing.assert_allclose(result.group_curves(), [[1, 1, 0, NAN], [1, 0, 0, NAN]])
    assert math.isnan(result.group_retention[1, 1, 0])


def test_customers_without_a_group_go_to_the_missing_group() -> None:
    # given customer 2 is not listed among the grouped customers
    result = cohort_retention(
        [1, 2],
        [600, 600],
        group_customer=[1],
        group_code=[0],
        n_groups=2,
        missing_group=1,
        first_cohort=600,
        last_cohort=600,
        last_observed=600,
        horizon=1,
    )
    # then it counts in group 1
    assert result.group_size.tolist() == [[1], [1]]


def test_a_cohort_without_customers_is_a_row_of_zeros() -> None:
    result = cohort_retention(
        [1],
        [600],
        group_customer=[1],
        group_code=[0],
        n_groups=1,
        first_cohort=600,
        last_cohort=602,
        last_observed=602,
        horizon=2,
    )
    assert result.size.tolist() == [1, 0, 0]
    assert math.isnan(result.retention[1, 0])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda m: last_before(m, [2, 1], [5, 5], k=2), "unique and ascending"),
        (lambda m: last_before(m, [1], [5], k=0), "k must be between"),
        (lambda m: last_before(m, [1], [5, 6], k=2), "lengths differ"),
        (lambda m: path_flows(m, [1], [50], [3], k=2, n_nodes=3, n_outcomes=2), "n_outcomes"),
        (lambda m: path_flows(m, [1], [50], [0], k=2, n_nodes=1, n_outcomes=1), "n_nodes"),
        (lambda m: journey_moments([1], [1.5], [0]), "whole numbers"),
        (lambda m: journey_moments([1], [1], [0], friction=[-3]), "friction"),
    ],
)
def test_bad_input_is_refused_with_a_reason(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        call(_four_customers())
