"""Exact stratified matching of loyalty members with non-members (pure, no database)."""

from __future__ import annotations

import numpy as np
import pytest

from relata.analytics.loyalty import matched_comparison


def test_strata_are_weighted_by_the_members_they_hold() -> None:
    # given stratum 1 with two members and one non-member, stratum 2 with one member and two
    # non-members, stratum 3 with a member only and stratum 4 with a non-member only
    members = [1, 1, 2, 3]
    member_values = [10.0, 20.0, 30.0, 99.0]
    others = [1, 2, 2, 4]
    other_values = [5.0, 1.0, 3.0, 50.0]
    # when compared
    result = matched_comparison(members, {"v": member_values}, others, {"v": other_values})
    # then the member in stratum 3 is unmatched, and stratum 1's non-member counts twice
    assert (result.members_matched, result.strata_matched, result.strata_unmatched) == (3, 2, 1)
    assert result.members["v"] == pytest.approx(20.0)
    assert result.comparison["v"] == pytest.approx((2 * 5.0 + 1 * 2.0) / 3)
    assert result.difference("v") == pytest.approx(20.0 - 4.0)
    assert result.members_all["v"] == pytest.approx(39.75)
    assert result.others_all["v"] == pytest.approx(14.75)
    assert result.others_matched == 3
    np.testing.assert_allclose(result.other_weights, [2.0, 0.5, 0.5, 0.0])


def test_identical_groups_give_no_difference_whatever_the_strata_sizes() -> None:
    rng = np.random.default_rng(3)
    strata = rng.integers(0, 20, 5_000)
    effect = strata * 10.0  # the outcome depends on the stratum only
    members = rng.random(5_000) < np.where(strata > 10, 0.6, 0.1)  # self-selection by stratum
    result = matched_comparison(
        strata[members], {"v": effect[members]}, strata[~members], {"v": effect[~members]}
    )
    # the unadjusted means differ (members sit in better strata); the matched ones do not
    assert result.members_all["v"] > result.others_all["v"] + 20
    assert result.difference("v") == pytest.approx(0.0, abs=1e-9)


def test_no_match_at_all_gives_nan_means_not_an_error() -> None:
    result = matched_comparison([1], {"v": [1.0]}, [2], {"v": [2.0]})
    assert result.members_matched == 0
    assert np.isnan(result.comparison["v"])
    assert np.isnan(result.members["v"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"member_outcomes": {"v": [1.0, np.nan]}}, "missing"),
        ({"member_outcomes": {"w": [1.0, 2.0]}}, "same outcomes"),
        ({"member_stratum": [1, 2, 3]}, "lengths differ"),
        ({"other_stratum": [1.5]}, "whole numbers"),
    ],
)
def test_bad_input_is_refused_with_a_reason(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {
        "member_stratum": [1, 2],
        "member_outcomes": {"v": [1.0, 2.0]},
        "other_stratum": [1],
        "other_outcomes": {"v": [3.0]},
        **kwargs,
    }
    with pytest.raises(ValueError, match=message):
        matched_comparison(**arguments)  # type: ignore[arg-type]
