from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relata.analytics.influence import (
    COMPONENTS,
    InfluenceSettings,
    NpsGroup,
    holistic_value,
    influence_compute,
    nps_groups,
)

NAN = float("nan")


def _compute(settings: InfluenceSettings | None = None, **arrays: list[float]):  # type: ignore[no-untyped-def]
    n = len(next(iter(arrays.values())))
    inputs: dict[str, list[float]] = {
        "followers": [0.0] * n,
        "referrals": [0.0] * n,
        "referred_clv": [0.0] * n,
        "reviews": [0.0] * n,
        "mean_rating": [NAN] * n,
        "helpful_votes": [0.0] * n,
        "nps_latest": [NAN] * n,
    }
    inputs.update(arrays)
    return influence_compute(**inputs, settings=settings)  # type: ignore[arg-type]


def test_components_by_hand() -> None:
    # given a vlogger, a referrer, a reviewer, a promoter and a passive
    result = _compute(
        followers=[100_000, 999, 0, 9, 10**7],
        referrals=[0, 2, 0, 0, 4],
        reviews=[0, 0, 2, 0, 0],
        helpful_votes=[0, 0, 5, 0, 0],
        nps_latest=[NAN, NAN, NAN, 10, 8],
    )
    # then reach is log10(1 + f) / log10(100 001), capped at 1
    np.testing.assert_allclose(
        result.components["reach"],
        [1.0, 3 / math.log10(100_001), 0.0, 1 / math.log10(100_001), 1.0],
    )
    # and referrals 1 − 2^(−n/2), reviews 1 − 2^(−(2 + 5/5)/3), recommendation by NPS group
    np.testing.assert_allclose(result.components["referrals"], [0, 0.5, 0, 0, 0.75])
    np.testing.assert_allclose(result.components["reviews"], [0, 0, 0.5, 0, 0])
    np.testing.assert_allclose(result.components["recommendation"], [0, 0, 0, 1.0, 0.5])


def test_score_is_the_weighted_sum_normalised_to_100() -> None:
    # given weights that do not sum to 100
    settings = InfluenceSettings(
        weights={"reach": 2.0, "referrals": 1.0, "reviews": 1.0, "recommendation": 0.0}
    )
    # when a customer with full reach and two referrals is scored
    result = _compute(settings, followers=[100_000], referrals=[2], nps_latest=[10])
    # then reach gives 50 points, referrals 25 × 0.5, and NPS nothing (weight 0)
    assert result.points["reach"][0] == pytest.approx(50.0)
    assert result.points["referrals"][0] == pytest.approx(12.5)
    assert result.points["recommendation"][0] == 0.0
    assert result.score[0] == pytest.approx(62.5)
    assert sum(result.points[name][0] for name in COMPONENTS) == pytest.approx(62.5)


def test_default_weights_give_100_at_full_components() -> None:
    result = _compute(
        followers=[10**6], referrals=[1000], reviews=[1000], nps_latest=[9], helpful_votes=[0]
    )
    assert result.score[0] == pytest.approx(100.0, abs=1e-9)


def test_advocacy_by_hand() -> None:
    # given 10 000 followers, 2% reached, 1% of those won, € 300 per customer won
    settings = InfluenceSettings(reach_rate=0.02, reach_conversion=0.01, value_per_customer=300)
    # when a passive with referred customers worth € 1 250 and a detractor are scored
    result = _compute(
        settings,
        followers=[10_000, 10_000, 10_000],
        referred_clv=[1250.0, 0.0, 0.0],
        nps_latest=[7, 3, NAN],
        mean_rating=[NAN, 5.0, 2.0],
        reviews=[0, 1, 3],
    )
    # then reach is 10 000 × 0.02 × 0.01 × 300 = 600 for the passive, nothing for the
    # detractor and for the unasked customer whose reviews are negative
    np.testing.assert_allclose(result.advocacy_reach, [600.0, 0.0, 0.0])
    np.testing.assert_allclose(result.advocacy_referred, [1250.0, 0.0, 0.0])
    np.testing.assert_allclose(result.advocacy, [1850.0, 0.0, 0.0])
    assert result.negative_voice.tolist() == [False, True, True]
    # and influence still counts the detractor's voice
    assert result.components["reach"][1] > 0.7


def test_holistic_value_adds_advocacy_to_clv() -> None:
    np.testing.assert_allclose(holistic_value([100.0, 0.0], [50.0, 20.0]), [150.0, 20.0])


def test_nps_groups() -> None:
    groups = nps_groups([0, 6, 7, 8, 9, 10, NAN])
    assert groups.tolist() == [
        NpsGroup.DETRACTOR,
        NpsGroup.DETRACTOR,
        NpsGroup.PASSIVE,
        NpsGroup.PASSIVE,
        NpsGroup.PROMOTER,
        NpsGroup.PROMOTER,
        NpsGroup.UNKNOWN,
    ]


def test_empty_input_gives_empty_output() -> None:
    result = _compute(followers=[])
    assert result.score.size == result.advocacy.size == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"followers": [-1.0]}, "followers: negative value"),
        ({"nps_latest": [11.0]}, "nps_latest: value 11.0 at position 0"),
        ({"mean_rating": [0.5]}, "mean_rating: value 0.5"),
        ({"referred_clv": [NAN]}, "referred_clv: 1 missing"),
        ({"reviews": [1.0, 2.0]}, "lengths differ"),
    ],
)
def test_bad_input_is_refused_with_the_argument_named(
    changes: dict[str, list[float]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        _compute(**{"followers": [1.0], **changes})


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"reach": 1.0}, "must name exactly"),
        ({"reach": -1.0, "referrals": 1.0, "reviews": 1.0, "recommendation": 1.0}, "0 or more"),
        ({"reach": 0.0, "referrals": 0.0, "reviews": 0.0, "recommendation": 0.0}, "not all be 0"),
    ],
)
def test_bad_weights_are_refused(weights: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        InfluenceSettings(weights=weights)


def test_bad_assumptions_are_refused() -> None:
    with pytest.raises(ValueError, match="reach_rate"):
        InfluenceSettings(reach_rate=1.5)
    with pytest.raises(ValueError, match="value_per_customer"):
        InfluenceSettings(value_per_customer=-1)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 10**8),
            st.integers(0, 50),
            st.integers(0, 200),
            st.integers(0, 10_000),
            st.one_of(st.just(NAN), st.integers(0, 10).map(float)),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_score_stays_within_0_and_100_and_grows_with_each_input(rows) -> None:  # type: ignore[no-untyped-def]
    followers, referrals, reviews, votes, nps = (list(column) for column in zip(*rows, strict=True))
    result = _compute(
        followers=followers,
        referrals=referrals,
        reviews=reviews,
        helpful_votes=votes,
        nps_latest=nps,
    )
    assert ((result.score >= 0) & (result.score <= 100)).all()
    more = _compute(
        followers=[f + 1000 for f in followers],
        referrals=[r + 1 for r in referrals],
        reviews=[r + 1 for r in reviews],
        helpful_votes=votes,
        nps_latest=nps,
    )
    assert (more.score >= result.score - 1e-9).all()
