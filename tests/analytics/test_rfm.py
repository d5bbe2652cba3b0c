from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from relata.analytics.rfm import (
    DEFAULT_SEGMENT_TABLE,
    SEGMENT_LABELS,
    RfmSegment,
    RfmSettings,
    quintile_scores,
    rfm_compute,
    rfm_segments,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "analytics.md"


def test_ten_distinct_values_give_two_customers_per_score():
    # given / when
    scores = quintile_scores(np.arange(10.0))

    # then
    assert scores.tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_a_hundred_distinct_values_give_exact_quintiles():
    # given / when
    scores = quintile_scores(np.arange(100.0))

    # then
    assert np.bincount(scores).tolist() == [0, 20, 20, 20, 20, 20]
    assert scores[19] == 1 and scores[20] == 2


def test_equal_values_get_equal_scores():
    # given many ties (typical frequencies)
    values = np.array([1, 1, 1, 1, 1, 1, 2, 2, 3, 9], dtype=float)

    # when
    scores = quintile_scores(values)

    # then: 1s have mid-rank 0.3 → score 2; 2s 0.7 → 4; 3 → 0.85 → 5; 9 → 0.95 → 5
    assert scores.tolist() == [2] * 6 + [4, 4, 5, 5]
    assert quintile_scores(np.full(7, 4.0)).tolist() == [3] * 7


def test_recency_fewer_days_is_better():
    # given / when
    scores = quintile_scores(np.array([1.0, 400.0, 30.0, 90.0, 200.0]), higher_is_better=False)

    # then
    assert scores.tolist() == [5, 1, 4, 3, 2]


def test_rfm_compute_scores_buyers_and_marks_never_buyers():
    # given five period buyers, a past buyer and a never-buyer
    recency = np.array([2, 10, 30, 60, 90, 500, np.inf])
    frequency = np.array([8, 4, 2, 1, 1, 0, 0])
    monetary = np.array([900, 400, 150, 40, 20, 0, 0], dtype=float)

    # when
    result = rfm_compute(recency, frequency, monetary)

    # then R ranks the six customers who ever bought (mid-ranks over six: 5, 4, 3, 3, 2, 1)
    assert result.recency_score.tolist() == [5, 4, 3, 3, 2, 1, 0]
    # F among the five period buyers: 8 → 5, 4 → 4, 2 → 3, the two 1s share mid-rank → 2
    assert result.frequency_score.tolist() == [5, 4, 3, 2, 2, 1, 0]
    assert result.monetary_score.tolist() == [5, 4, 3, 2, 1, 1, 0]
    assert result.segment.tolist() == [
        RfmSegment.CHAMPIONS,  # R5, FM band 5
        RfmSegment.LOYAL,  # R4, FM band 4
        RfmSegment.NEED_ATTENTION,  # R3, FM band 3
        RfmSegment.NEED_ATTENTION,  # R3, FM band 2
        RfmSegment.ABOUT_TO_SLEEP,  # R2, FM mean 1.5 → band 2
        RfmSegment.LOST,  # R1, F = M = 1 (no purchase in the period)
        RfmSegment.NOT_A_CUSTOMER,
    ]
    assert result.scored.tolist() == [True] * 6 + [False]


def test_segment_lookup_uses_the_ceiling_of_the_fm_mean():
    # given R = 2 with F + M = 3 (mean 1.5 → band 2) and F + M = 7 (mean 3.5 → band 4)
    # when
    segments = rfm_segments([2, 2, 1], [1, 3, 5], [2, 4, 5])

    # then
    assert segments.tolist() == [
        RfmSegment.ABOUT_TO_SLEEP,
        RfmSegment.AT_RISK,
        RfmSegment.CANT_LOSE_THEM,
    ]


def test_every_named_segment_is_reachable():
    # given / when
    used = {segment for row in DEFAULT_SEGMENT_TABLE for segment in row}

    # then all eleven named segments appear in the table
    assert used == set(RfmSegment) - {RfmSegment.NOT_A_CUSTOMER}


def test_docs_table_matches_the_code():
    # given the R × FM-band table in docs/analytics.md
    text = DOCS.read_text(encoding="utf-8")
    rows = re.findall(r"^\| R = (\d) \|(.+)\|\s*$", text, flags=re.MULTILINE)
    label_to_segment = {label: segment for segment, label in SEGMENT_LABELS.items()}

    # when parsed
    table = {
        int(r): [label_to_segment[cell.strip()] for cell in cells.split("|")] for r, cells in rows
    }

    # then it equals the code's table
    assert sorted(table) == [1, 2, 3, 4, 5]
    for r in range(1, 6):
        assert table[r] == list(DEFAULT_SEGMENT_TABLE[r - 1])


def test_custom_segment_table_is_used():
    # given a table that calls everyone Loyal
    table = tuple(tuple([RfmSegment.LOYAL] * 5) for _ in range(5))

    # when
    segments = rfm_segments([1, 5], [1, 5], [1, 5], settings=RfmSettings(segment_table=table))

    # then
    assert segments.tolist() == [RfmSegment.LOYAL, RfmSegment.LOYAL]


def test_bad_input_is_refused():
    # given / when / then
    with pytest.raises(ValueError, match="recency_days: 1 missing"):
        rfm_compute([1.0, np.nan], [1, 1], [1.0, 1.0])
    with pytest.raises(ValueError, match="position 1 bought in the period but has no"):
        rfm_compute([1.0, np.inf], [1, 1], [1.0, 1.0])
    with pytest.raises(ValueError, match="frequency: negative value -1 at position 0"):
        rfm_compute([1.0], [-1], [1.0])
    with pytest.raises(ValueError, match="frequency_score: score 6"):
        rfm_segments([1], [6], [1])
    with pytest.raises(ValueError, match="5 rows"):
        RfmSettings(segment_table=((RfmSegment.LOST,),))


def test_empty_and_single_customer():
    # given / when
    empty = rfm_compute([], [], [])
    single = rfm_compute([3.0], [2], [50.0])

    # then a single buyer sits in the middle of every ranking
    assert empty.segment.size == 0
    assert (single.recency_score[0], single.frequency_score[0], single.monetary_score[0]) == (
        3,
        3,
        3,
    )
    assert single.segment[0] == RfmSegment.NEED_ATTENTION


@settings(max_examples=100, deadline=None)
@given(
    values=hnp.arrays(
        np.float64, st.integers(1, 300), elements=st.integers(0, 20).map(float) | st.floats(0, 1e4)
    )
)
def test_property_scores_in_range_and_monotone(values):
    # given any values
    # when
    scores = quintile_scores(values)
    reverse = quintile_scores(values, higher_is_better=False)

    # then scores are 1..5, never decrease with the value, and ties share a score
    assert scores.min() >= 1 and scores.max() <= 5
    order = np.argsort(values, kind="stable")
    assert (np.diff(scores[order].astype(int)) >= 0).all()
    assert (np.diff(reverse[order].astype(int)) <= 0).all()
    for value in np.unique(values)[:5]:
        assert len(set(scores[values == value].tolist())) == 1


def test_performance_one_million_customers():
    # given a million customers
    rng = np.random.default_rng(0)
    recency = np.where(rng.random(1_000_000) < 0.9, rng.integers(0, 1000, 1_000_000), np.inf)
    frequency = np.where((recency < 365), rng.poisson(2, 1_000_000) + 1, 0)
    monetary = frequency * rng.lognormal(3, 1, 1_000_000)

    # when
    start = time.perf_counter()
    result = rfm_compute(recency, frequency, monetary)
    elapsed = time.perf_counter() - start

    # then
    print(f"\nrfm_compute, 1,000,000 customers: {elapsed:.3f} s")
    assert result.segment.size == 1_000_000
