"""NPS with its interval, CSAT, the NPS change test and the p-chart control check (pure)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from relata.analytics.satisfaction import (
    IMPROVED,
    IN_CONTROL,
    OUT_OF_CONTROL,
    TOO_FEW,
    answer_counts,
    csat_series,
    csat_summary,
    nps_change,
    nps_series,
    nps_summary,
    p_chart,
)


def _nps_counts(promoters: int, passives: int, detractors: int) -> list[int]:
    counts = [0] * 11
    counts[10], counts[8], counts[3] = promoters, passives, detractors
    return counts


def test_nps_of_ten_answers_by_hand() -> None:
    # given 3 detractors (0, 5, 6), 3 passives (7, 7, 8) and 4 promoters (9, 9, 10, 10)
    answers = [0, 5, 6, 7, 7, 8, 9, 9, 10, 10]
    # when summarised
    figures = nps_summary(answers)
    # then NPS = 40% − 30% = 10, Var = (0.4 + 0.3 − 0.1²) / 10 = 0.069
    assert (figures.answers, figures.promoters, figures.passives, figures.detractors) == (
        10,
        4,
        3,
        3,
    )
    assert figures.promoter_share == pytest.approx(0.4)
    assert figures.passive_share == pytest.approx(0.3)
    assert figures.detractor_share == pytest.approx(0.3)
    assert figures.nps == pytest.approx(10.0)
    assert figures.se == pytest.approx(100 * math.sqrt(0.069))  # 26.268
    assert figures.low == pytest.approx(10 - 1.959964 * 26.267851, abs=1e-4)  # −41.484
    assert figures.high == pytest.approx(10 + 1.959964 * 26.267851, abs=1e-4)  # 61.484


def test_nps_interval_is_clipped_and_collapses_when_everyone_agrees() -> None:
    # given one period of only promoters and one of 1 promoter and 1 detractor
    series = nps_series([_nps_counts(5, 0, 0), _nps_counts(1, 0, 1)])
    # then the first has NPS 100 with no spread; the second's interval is clipped to ±100
    assert series.nps[0] == 100 and series.se[0] == 0
    assert (series.low[0], series.high[0]) == (100, 100)
    # Var = (0.5 + 0.5 − 0) / 2 = 0.5: se = 70.7, ± 138.6 → clipped
    assert series.se[1] == pytest.approx(100 * math.sqrt(0.5))
    assert (series.low[1], series.high[1]) == (-100, 100)


def test_nps_series_per_period_and_pooled_total() -> None:
    # given two periods and one without answers
    series = nps_series([_nps_counts(6, 2, 2), [0] * 11, _nps_counts(1, 1, 2)])
    # then each period has its own NPS, the empty one NaN, and the total pools the answers
    assert series.nps[0] == pytest.approx(40.0)
    assert math.isnan(series.nps[1]) and math.isnan(series.low[1])
    assert series.nps[2] == pytest.approx(-25.0)
    assert series.answers.tolist() == [10, 0, 4]
    total = series.total()
    assert total.answers == 14
    assert total.nps == pytest.approx(100 * (7 - 4) / 14)


def test_nps_change_between_two_periods_by_hand() -> None:
    # given 50/30/20 promoters/passives/detractors of 100, then 30/30/40 of 100
    before = _nps_counts(50, 30, 20)  # NPS 30, Var 0.0061
    after = _nps_counts(30, 30, 40)  # NPS −10, Var 0.0069
    # when tested
    change = nps_change(before, after)
    # then ΔNPS = −40 with se = 100·√0.013 = 11.40, z = −3.508, p = 0.00045
    assert change.difference == pytest.approx(-40.0)
    assert change.se == pytest.approx(11.401754, abs=1e-5)
    assert change.z == pytest.approx(-3.508232, abs=1e-5)
    assert change.p_value == pytest.approx(0.000451, abs=1e-6)
    assert change.low == pytest.approx(-40 - 1.959964 * 11.401754, abs=1e-4)
    assert change.significant


def test_small_nps_change_is_not_significant_and_empty_periods_are_not_testable() -> None:
    # given 10 answers each, NPS 10 and 20
    change = nps_change(_nps_counts(4, 3, 3), _nps_counts(4, 4, 2))
    assert change.difference == pytest.approx(10.0)
    assert change.testable and not change.significant
    # an empty period cannot be tested
    empty = nps_change([0] * 11, _nps_counts(4, 4, 2))
    assert not empty.testable and not empty.significant and math.isnan(empty.p_value)


def test_csat_of_eight_answers_by_hand() -> None:
    # given answers 1, 2, 3, 4, 4, 4, 5, 5
    figures = csat_summary([1, 2, 3, 4, 5, 5, 4, 4])
    # then mean 28/8 = 3.5, s² = 14/7 = 2, t(0.975, 7) = 2.3646: 3.5 ± 2.3646·√2/√8
    assert figures.answers == 8
    assert figures.mean == pytest.approx(3.5)
    assert figures.sd == pytest.approx(math.sqrt(2))
    assert figures.mean_low == pytest.approx(3.5 - 1.182312, abs=1e-5)
    assert figures.mean_high == pytest.approx(3.5 + 1.182312, abs=1e-5)
    # 5 of 8 satisfied (4–5), Wilson 95% interval 0.306–0.863; 2 of 8 dissatisfied (1–2)
    assert (figures.satisfied, figures.dissatisfied) == (5, 2)
    assert figures.satisfied_share == pytest.approx(0.625)
    assert figures.satisfied_low == pytest.approx(0.3057, abs=1e-4)
    assert figures.satisfied_high == pytest.approx(0.8632, abs=1e-4)
    assert figures.dissatisfied_share == pytest.approx(0.25)


def test_csat_rows_without_answers_or_with_one_answer() -> None:
    series = csat_series([[0, 0, 0, 0, 0], [0, 0, 0, 1, 0]])
    assert math.isnan(series.mean[0]) and math.isnan(series.satisfied_share[0])
    assert math.isnan(series.satisfied_low[0])
    # one answer has a mean and shares but no interval for the mean
    assert series.mean[1] == 4 and series.satisfied_share[1] == 1
    assert math.isnan(series.mean_low[1])
    assert series.total().answers == 1


def test_p_chart_judges_the_latest_period_of_each_group() -> None:
    # given four baseline months of 100 answers with 10 dissatisfied each (p̄ = 0.10,
    # σ = √(0.1·0.9/100) = 0.03, limits 0.01–0.19 at n = 100), and a latest month of
    answers = [[100] * 5, [100] * 5, [100] * 5, [100, 100, 100, 100, 10], [100] * 4 + [400]]
    events = [
        [10, 10, 10, 10, 25],  # 25%: above the upper limit
        [10, 10, 10, 10, 0],  # 0%: below the lower limit
        [10, 10, 10, 10, 15],  # 15%: within
        [10, 10, 10, 10, 5],  # only 10 answers
        [10, 10, 10, 10, 60],  # 15% of 400: limits 0.055–0.145 → above
    ]
    # when judged
    chart = p_chart(events, answers)
    # then
    assert chart.status == (OUT_OF_CONTROL, IMPROVED, IN_CONTROL, TOO_FEW, OUT_OF_CONTROL)
    np.testing.assert_allclose(chart.centre, [0.1] * 5)
    assert chart.upper[0, -1] == pytest.approx(0.19)
    assert chart.lower[0, -1] == pytest.approx(0.01)
    assert chart.upper[4, -1] == pytest.approx(0.145)
    assert chart.lower[4, -1] == pytest.approx(0.055)
    assert chart.baseline_answers.tolist() == [400] * 5
    # the small month is outside its (wide) limits too, but 10 answers give no verdict
    assert chart.signal[:, -1].tolist() == [1, -1, 0, 1, 1]
    assert chart.share[0, -1] == pytest.approx(0.25)


def test_p_chart_revises_the_baseline_once_without_its_outliers() -> None:
    # given a baseline month with 40% dissatisfied among three with 10%
    events, answers = [10, 10, 10, 40, 25], [100] * 5
    # when judged with and without revision
    revised = p_chart(events, answers)
    trial = p_chart(events, answers, revise=False)
    # then the trial centre 0.175 (upper limit 0.289) hides the latest 25%; the revised
    # centre 0.10 drops the bad month and flags it
    assert trial.centre[0] == pytest.approx(0.175)
    assert trial.status == (IN_CONTROL,)
    assert revised.centre[0] == pytest.approx(0.1)
    assert revised.in_baseline[0].tolist() == [True, True, True, False, False]
    assert revised.signal[0, 3] == 1
    assert revised.status == (OUT_OF_CONTROL,)
    assert revised.baseline_answers[0] == 300


def test_p_chart_uses_only_the_latest_baseline_periods_and_needs_enough_answers() -> None:
    # given an old 50% month outside a baseline of two periods
    events, answers = [50, 10, 10, 10], [100] * 4
    chart = p_chart(events, answers, baseline_periods=2)
    assert chart.in_baseline[0].tolist() == [False, True, True, False]
    assert chart.centre[0] == pytest.approx(0.1)
    # too few baseline answers: no verdict, however bad the latest period
    few = p_chart([1, 30], [10, 40], min_baseline_answers=50)
    assert few.status == (TOO_FEW,)
    # no baseline at all (a single period)
    single = p_chart([5], [50])
    assert single.status == (TOO_FEW,) and math.isnan(single.centre[0])


def test_p_chart_with_a_spotless_baseline_flags_any_dissatisfied_answer() -> None:
    # given 200 baseline answers without a dissatisfied one (p̄ = 0: limits 0–0)
    chart = p_chart([0, 0, 2], [100, 100, 30])
    assert chart.upper[0, -1] == 0
    assert chart.status == (OUT_OF_CONTROL,)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: nps_series([[1, 2, 3]]), "expected 11 counts per row"),
        (lambda: nps_series([[-1] + [0] * 10]), "negative value -1 at position 0"),
        (lambda: csat_series([[0.5, 0, 0, 0, 0]]), "whole numbers"),
        (lambda: nps_summary([3, 11]), "11 at position 1 lies outside 0–10"),
        (lambda: csat_summary([0]), "0 at position 0 lies outside 1–5"),
        (lambda: p_chart([5, 20], [10, 10]), "20 events out of 10 answers in group 0, period 1"),
        (lambda: p_chart([[1, 2]], [[1, 2, 3]]), "same groups × periods shape"),
        (lambda: p_chart([1], [2], baseline_periods=0), "baseline_periods must be at least 1"),
        (lambda: nps_series([0] * 11, confidence=1.0), "strictly between 0 and 1"),
    ],
)
def test_bad_input_is_refused_with_a_reason(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        call()


def test_answer_counts_tally_each_value() -> None:
    assert answer_counts([1, 1, 5], low=1, high=5).tolist() == [2, 0, 0, 0, 1]
    assert answer_counts([], low=0, high=10).tolist() == [0] * 11
