from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from relata.analytics.frames import (
    FrameError,
    RfmSummary,
    Transactions,
    sort_int_keys,
    summarise,
    time_unit_days,
)


def _transactions(rows: list[tuple[int, str, float]]) -> Transactions:
    customer = np.array([r[0] for r in rows], dtype=np.int64)
    dates = np.array([r[1] for r in rows], dtype="datetime64[D]")
    amount = np.array([r[2] for r in rows], dtype=np.float64)
    return Transactions(customer=customer, t=dates, amount=amount)


def test_summary_follows_the_literature_conventions() -> None:
    # given: customer 0 buys twice on day one (merged), then on day 8 and day 15;
    #        customer 1 buys once
    tx = _transactions(
        [
            (0, "2024-01-15", 30.0),
            (0, "2024-01-01", 10.0),
            (1, "2024-01-10", 99.0),
            (0, "2024-01-01", 5.0),
            (0, "2024-01-08", 20.0),
        ]
    )

    # when
    summary = summarise(tx, calibration_end=np.datetime64("2024-01-31"))

    # then: x counts repeat *days*, t_x and T run from the first purchase, monetary is the
    #       mean of the repeat transactions only
    np.testing.assert_array_equal(summary.customer_ids, [0, 1])
    np.testing.assert_array_equal(summary.x, [2, 0])
    np.testing.assert_array_equal(summary.t_x, [14, 0])
    np.testing.assert_array_equal(summary.T, [30, 21])
    np.testing.assert_allclose(summary.monetary, [25.0, 0.0])
    assert summary.excluded_after_end == 0


def test_transactions_after_the_calibration_end_are_excluded_and_counted() -> None:
    # given: customer 7's second purchase and customer 8's only purchase come after the end
    tx = _transactions([(7, "2024-01-01", 10.0), (7, "2024-03-01", 10.0), (8, "2024-02-15", 10.0)])

    # when
    summary = summarise(tx, calibration_end=np.datetime64("2024-01-31"))

    # then
    assert summary.excluded_after_end == 2
    np.testing.assert_array_equal(summary.customer_ids, [7])
    np.testing.assert_array_equal(summary.x, [0])
    np.testing.assert_array_equal(summary.T, [30])


def test_calibration_end_is_inclusive_and_defaults_to_the_last_day() -> None:
    # given
    tx = _transactions([(1, "2024-01-01", 10.0), (1, "2024-01-29", 12.0)])

    # when
    default_end = summarise(tx)
    explicit_end = summarise(tx, calibration_end=np.datetime64("2024-01-29"))

    # then
    for summary in (default_end, explicit_end):
        np.testing.assert_array_equal(summary.x, [1])
        np.testing.assert_array_equal(summary.T, [28])
        assert summary.excluded_after_end == 0


def test_time_units_scale_t_x_and_t() -> None:
    # given
    tx = _transactions([(1, "2024-01-01", 10.0), (1, "2024-01-15", 12.0)])
    end = np.datetime64("2024-01-29")

    # when
    weeks = summarise(tx, calibration_end=end, time_unit="week")
    months = summarise(tx, calibration_end=end, time_unit="month")

    # then
    np.testing.assert_allclose(weeks.t_x, [2.0])
    np.testing.assert_allclose(weeks.T, [4.0])
    np.testing.assert_allclose(months.T, [28 / (365.25 / 12)])
    assert time_unit_days("month") == pytest.approx(30.4375)


def test_float_times_are_days_and_labels_become_customer_ids() -> None:
    # given: times in (fractional) days since some origin, codes 0 and 1 labelled
    tx = Transactions(
        customer=np.array([1, 0, 1], dtype=np.int64),
        t=np.array([3.2, 0.5, 3.9]),
        amount=np.array([4.0, 2.0, 6.0]),
        labels=np.array(["anna", "bert"], dtype=object),
    )

    # when
    summary = summarise(tx, calibration_end=10.0)

    # then: 3.2 and 3.9 fall on the same day and merge
    np.testing.assert_array_equal(summary.customer_ids, ["anna", "bert"])
    np.testing.assert_array_equal(summary.x, [0, 0])
    np.testing.assert_array_equal(summary.T, [10, 7])


def test_empty_transactions_give_an_empty_summary() -> None:
    # given
    tx = _transactions([])

    # when
    summary = summarise(tx)

    # then
    assert len(summary) == 0


def test_unknown_time_unit_and_bad_arrays_are_refused() -> None:
    # given
    tx = _transactions([(1, "2024-01-01", 10.0)])

    # when / then
    with pytest.raises(FrameError, match="unknown time unit 'year'"):
        summarise(tx, time_unit="year")
    with pytest.raises(FrameError, match="equally long"):
        Transactions(np.zeros(2, np.int64), np.zeros(3), np.zeros(2))
    with pytest.raises(FrameError, match="NaN"):
        Transactions(np.zeros(1, np.int64), np.zeros(1), np.array([np.nan]))
    with pytest.raises(FrameError, match="same length"):
        RfmSummary(np.zeros(2), np.zeros(2), np.zeros(1), np.zeros(2), np.zeros(2))


def test_cdnow_sample_reproduces_the_published_calibration_summary(cdnow_weeks: RfmSummary) -> None:
    # given: the CDNOW sample summarised over the 39-week calibration period (fixture)
    summary = cdnow_weeks

    # then: the totals FHL (2005) report, and rows of the published summary file
    assert len(summary) == 2357
    assert int(summary.x.sum()) == 2457
    assert int((summary.x > 0).sum()) == 946
    published = {  # sample id: (x, t_x, T, mean repeat spend)
        1: (2, 30.43, 38.86, 22.35),
        2: (1, 1.71, 38.86, 11.77),
        3: (0, 0.00, 38.86, 0.00),
        999: (1, 1.71, 33.57, 10.78),
        1000: (4, 24.43, 33.57, 16.26),
        2357: (0, 0.00, 27.00, 0.00),
    }
    for customer, (x, t_x, big_t, spend) in published.items():
        i = int(np.flatnonzero(summary.customer_ids == customer)[0])
        assert summary.x[i] == x
        assert summary.t_x[i] == pytest.approx(t_x, abs=0.005)
        assert summary.T[i] == pytest.approx(big_t, abs=0.005)
        assert summary.monetary[i] == pytest.approx(spend, abs=0.0051)  # published rounded


@settings(max_examples=50, deadline=None)
@given(arrays(np.int64, st.integers(0, 300), elements=st.integers(0, 10**6)))
def test_sort_int_keys_sorts_and_returns_a_permutation(keys: np.ndarray) -> None:
    # when
    sorted_keys, order = sort_int_keys(keys)

    # then
    np.testing.assert_array_equal(sorted_keys, np.sort(keys))
    np.testing.assert_array_equal(keys[order], sorted_keys)
    np.testing.assert_array_equal(np.sort(order), np.arange(keys.size))


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 40), st.floats(0.01, 1000)),
        min_size=1,
        max_size=60,
    )
)
def test_summarise_matches_a_plain_python_reference(rows: list[tuple[int, int, float]]) -> None:
    # given: random transactions (customer, day, amount)
    tx = Transactions(
        customer=np.array([r[0] for r in rows], dtype=np.int64),
        t=np.array([r[1] for r in rows], dtype=np.float64),
        amount=np.array([r[2] for r in rows]),
    )

    # when
    summary = summarise(tx, calibration_end=40.0)

    # then: the same numbers as a straightforward per-customer computation
    for i, customer in enumerate(summary.customer_ids):
        by_day: dict[int, float] = {}
        for c, day, amount in rows:
            if c == customer:
                by_day[day] = by_day.get(day, 0.0) + amount
        days = sorted(by_day)
        assert summary.x[i] == len(days) - 1
        assert summary.t_x[i] == days[-1] - days[0]
        assert summary.T[i] == 40 - days[0]
        repeats = [by_day[d] for d in days[1:]]
        expected = sum(repeats) / len(repeats) if repeats else 0.0
        assert summary.monetary[i] == pytest.approx(expected)
