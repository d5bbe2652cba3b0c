from __future__ import annotations

import math

import numpy as np
import pytest

from relata.analytics.loyalty_quadrant import (
    QUADRANT_LABELS,
    LoyaltySettings,
    Quadrant,
    loyalty_compute,
)

INF = math.inf
NAN = math.nan
YEAR = 365.25


def _compute(**arrays: list[float]):  # type: ignore[no-untyped-def]
    n = len(next(iter(arrays.values())))
    inputs: dict[str, list[float]] = {
        "purchase_days": [0.0] * n,
        "recency_days": [INF] * n,
        "usual_gap_days": [INF] * n,
        "current_value": [0.0] * n,
        "potential_value": [0.0] * n,
        "days_since_first_purchase": [INF] * n,
        "nps_latest": [NAN] * n,
        "recommended": [False] * n,  # type: ignore[list-item]
    }
    inputs.update(arrays)
    return loyalty_compute(**inputs)  # type: ignore[arg-type]


def test_behavioural_signals_by_hand() -> None:
    # given a steady repeat buyer, a long-overdue one, a one-off buyer and a never-buyer
    result = _compute(
        purchase_days=[5, 2, 1, 0],
        recency_days=[20, 150, 10, INF],
        usual_gap_days=[30, 30, INF, INF],
        current_value=[400, 100, 50, 0],
        potential_value=[500, 400, 200, 0],
        days_since_first_purchase=[3 * YEAR, 0.5 * YEAR, 10, INF],
    )
    s = result.signals
    # then repeat = 1 − 1/days, recency falls from 1× to 3× the usual gap (the one-off buyer
    # takes the median known gap, 30), share = current / potential, duration to 3 years
    np.testing.assert_allclose(s["repeat"], [0.8, 0.5, 0.0, 0.0])
    np.testing.assert_allclose(s["recency"], [1.0, 0.0, 1.0, 0.0])
    np.testing.assert_allclose(s["share_of_wallet"], [0.8, 0.25, 0.25, 0.0])
    np.testing.assert_allclose(s["duration"], [1.0, 0.5 / 3, 10 / (3 * YEAR), 0.0])
    # and B is their 0.3/0.3/0.2/0.2 weighted mean
    expected = [
        0.3 * 0.8 + 0.3 * 1.0 + 0.2 * 0.8 + 0.2 * 1.0,
        0.3 * 0.5 + 0.0 + 0.2 * 0.25 + 0.2 * (0.5 / 3),
        0.0 + 0.3 * 1.0 + 0.2 * 0.25 + 0.2 * 10 / (3 * YEAR),
        0.0,
    ]
    np.testing.assert_allclose(result.behavioural, expected)


def test_attitude_from_nps_and_recommendation_evidence() -> None:
    # given a promoter, a passive who referred someone, a detractor who reviewed well,
    # a silent referrer and a customer we know nothing about
    result = _compute(
        purchase_days=[1, 1, 1, 1, 1],
        recency_days=[1, 1, 1, 1, 1],
        days_since_first_purchase=[1, 1, 1, 1, 1],
        nps_latest=[9, 8, 3, NAN, NAN],
        recommended=[False, True, True, True, False],  # type: ignore[list-item]
    )
    # then NPS / 10, evidence counting as a second answer of 9, NaN when unknown
    np.testing.assert_allclose(result.attitudinal[:4], [0.9, 0.85, 0.6, 0.9])
    assert math.isnan(result.attitudinal[4])
    assert result.attitude_known.tolist() == [True, True, True, True, False]


def test_quadrants_follow_dick_and_basu() -> None:
    # given high/low attitude crossed with high/low behaviour, and an unknown attitude
    strong = {"purchase_days": 10, "recency": 5, "gap": 30, "current": 90, "potential": 100}
    weak = {"purchase_days": 1, "recency": 400, "gap": 30, "current": 0, "potential": 100}
    rows = [(strong, 10), (strong, 2), (weak, 10), (weak, 2), (strong, NAN)]
    result = _compute(
        purchase_days=[r["purchase_days"] for r, _ in rows],
        recency_days=[r["recency"] for r, _ in rows],
        usual_gap_days=[r["gap"] for r, _ in rows],
        current_value=[r["current"] for r, _ in rows],
        potential_value=[r["potential"] for r, _ in rows],
        days_since_first_purchase=[2 * YEAR] * 5,
        nps_latest=[nps for _, nps in rows],
    )
    # then true loyal, captive (spurious), latent, none, unknown
    assert result.quadrant.tolist() == [
        Quadrant.TRUE_LOYAL,
        Quadrant.CAPTIVE,
        Quadrant.LATENT,
        Quadrant.NONE,
        Quadrant.UNKNOWN,
    ]
    assert result.behavioural[0] >= 0.5 > result.behavioural[2]


def test_thresholds_are_settings() -> None:
    # given a passive (0.8) with high behaviour
    arrays = {
        "purchase_days": [10],
        "recency_days": [5],
        "usual_gap_days": [30],
        "current_value": [90],
        "potential_value": [100],
        "days_since_first_purchase": [2 * YEAR],
        "nps_latest": [8],
        "recommended": [False],
    }
    # then captive by default, true loyal when a passive's answer counts as high
    assert _compute(**arrays).quadrant[0] == Quadrant.CAPTIVE  # type: ignore[arg-type]
    lenient = loyalty_compute(**arrays, settings=LoyaltySettings(attitude_high=0.8))  # type: ignore[arg-type]
    assert lenient.quadrant[0] == Quadrant.TRUE_LOYAL


def test_labels_cover_every_quadrant() -> None:
    assert set(QUADRANT_LABELS) == set(Quadrant)


def test_empty_input() -> None:
    result = _compute(purchase_days=[])
    assert result.quadrant.size == result.behavioural.size == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"nps_latest": [12.0]}, "nps_latest"),
        ({"purchase_days": [-1.0]}, "purchase_days: negative"),
        ({"recommended": [2]}, "recommended: expected true/false"),
        ({"current_value": [1.0, 2.0]}, "lengths differ"),
    ],
)
def test_bad_input_names_the_argument(changes: dict[str, list[float]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _compute(**{"purchase_days": [1.0], **changes})


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="behaviour_weights"):
        LoyaltySettings(behaviour_weights=(0, 0, 0, 0))
    with pytest.raises(ValueError, match="overdue_full"):
        LoyaltySettings(overdue_full=1.0)
