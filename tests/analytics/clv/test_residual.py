from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from relata.analytics.clv import bgnbd, fit_models, score
from relata.analytics.clv._common import ClvInputError
from relata.analytics.clv.bgnbd import BgNbdParams
from relata.analytics.clv.gamma_gamma import GammaGammaParams
from relata.analytics.clv.model import horizon_periods
from relata.analytics.clv.residual import (
    customer_lifetime_value,
    per_period_rate,
    residual_purchases,
)
from relata.analytics.frames import RfmSummary

BG = BgNbdParams(0.243, 4.414, 0.793, 2.426)
GG = GammaGammaParams(6.25, 3.74, 15.44)
X = np.array([0.0, 2.0, 2.0, 7.0, 1.0])
TX = np.array([0.0, 30.43, 5.0, 38.0, 1.71])
T = np.array([38.86, 38.86, 38.86, 38.86, 38.86])
M = np.array([0.0, 22.35, 40.0, 18.0, 11.77])


def test_without_discounting_residual_purchases_are_the_expected_purchases() -> None:
    # when
    result = residual_purchases(BG, X, TX, T, horizon=52.0, periods=12, discount_rate=0.0)

    # then
    np.testing.assert_allclose(
        result.discounted_purchases, bgnbd.expected_purchases(BG, 52.0, X, TX, T), rtol=1e-12
    )
    np.testing.assert_allclose(result.expected_purchases, result.discounted_purchases)
    np.testing.assert_allclose(result.p_alive, bgnbd.probability_alive(BG, X, TX, T))


def test_discounting_lowers_the_value_and_a_finer_grid_changes_it_little() -> None:
    # when
    monthly = residual_purchases(BG, X, TX, T, horizon=52.0, periods=12, discount_rate=0.01)
    steeper = residual_purchases(BG, X, TX, T, horizon=52.0, periods=12, discount_rate=0.05)
    weekly_rate = (1.01**12) ** (1 / 52) - 1
    weekly = residual_purchases(BG, X, TX, T, horizon=52.0, periods=52, discount_rate=weekly_rate)

    # then
    assert np.all(monthly.discounted_purchases < monthly.expected_purchases)
    assert np.all(steeper.discounted_purchases < monthly.discounted_purchases)
    # end-of-period discounting: the finer grid discounts a little less, by under 1 %
    ratio = weekly.discounted_purchases / monthly.discounted_purchases
    assert np.all((ratio > 1.0) & (ratio < 1.01))


def test_clv_is_margin_times_expected_spend_times_discounted_purchases() -> None:
    # when
    scores = customer_lifetime_value(
        BG, GG, X, TX, T, M, horizon=52.0, periods=12, discount_rate=0.008, margin=0.3
    )

    # then
    np.testing.assert_allclose(
        scores.clv, 0.3 * scores.expected_spend * scores.discounted_purchases, rtol=1e-14
    )
    assert scores.expected_spend[0] == pytest.approx(GG.v * GG.p / (GG.q - 1))
    assert np.all(np.isfinite(scores.clv)) and np.all(scores.clv >= 0)


def test_identical_customers_get_identical_scores() -> None:
    # given: the same (x, t_x, T) twice among others
    x, t_x, big_t = np.array([2.0, 1.0, 2.0]), np.array([5.0, 3.0, 5.0]), np.array([9.0] * 3)

    # when
    result = residual_purchases(BG, x, t_x, big_t, horizon=10.0, periods=3, discount_rate=0.0)

    # then
    assert result.discounted_purchases[0] == result.discounted_purchases[2]
    assert result.discounted_purchases[1] != result.discounted_purchases[0]


def test_invalid_horizon_discount_or_margin_are_refused() -> None:
    # when / then
    with pytest.raises(ClvInputError, match="horizon"):
        residual_purchases(BG, X, TX, T, horizon=-1.0, periods=12, discount_rate=0.0)
    with pytest.raises(ClvInputError, match="at least one period"):
        residual_purchases(BG, X, TX, T, horizon=1.0, periods=0, discount_rate=0.0)
    with pytest.raises(ClvInputError, match="discount rate"):
        residual_purchases(BG, X, TX, T, horizon=1.0, periods=1, discount_rate=-1.0)
    with pytest.raises(ClvInputError, match="margin"):
        customer_lifetime_value(
            BG, GG, X, TX, T, M, horizon=1.0, periods=1, discount_rate=0.0, margin=np.nan
        )


def test_periods_are_at_most_a_month_and_rates_compound() -> None:
    # then
    assert horizon_periods(365.25, "day") == 12
    assert horizon_periods(52.0, "week") == 12
    assert horizon_periods(12.0, "month") == 12
    assert horizon_periods(10.0, "day") == 1
    assert per_period_rate(0.1, 1.0) == pytest.approx(0.1)
    assert (1 + per_period_rate(0.1, 1 / 12)) ** 12 == pytest.approx(1.1)


def test_fit_and_score_the_cdnow_customers(cdnow_weeks: RfmSummary) -> None:
    # given
    model = fit_models(cdnow_weeks)

    # when: one year ahead, 10 % a year, 30 % margin
    scores = score(cdnow_weeks, model, horizon=52.0, annual_discount_rate=0.1, margin=0.3)

    # then
    assert scores.clv.shape == (2357,)
    assert np.all(np.isfinite(scores.clv))
    assert np.all((scores.p_alive >= 0) & (scores.p_alive <= 1))
    assert scores.expected_purchases.sum() == pytest.approx(
        bgnbd.expected_purchases(
            model.bgnbd.params, 52.0, cdnow_weeks.x, cdnow_weeks.t_x, cdnow_weeks.T
        ).sum()
    )
    as_json = model.as_dict()
    assert as_json["customers"] == 2357
    assert as_json["bgnbd"]["r"] == pytest.approx(0.243, abs=5e-4)
    assert as_json["gamma_gamma"]["p"] == pytest.approx(6.25, abs=5e-3)


def test_the_unbounded_ab_period_gets_finite_sane_scores() -> None:
    # given: the early period whose BG/NBD likelihood rises towards a, b → ∞ (weeks)
    data = np.load(Path(__file__).parent / "data" / "bgnbd_unbounded_ab.npz")
    summary = RfmSummary(
        x=data["x"],
        t_x=data["t_x"],
        T=data["T"],
        monetary=data["m"],
        customer_ids=np.arange(data["x"].size),
        time_unit="week",
    )

    # when: three years ahead at 10 % a year, numpy warnings raised as errors
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = fit_models(summary)
        scores = score(summary, model, horizon=156.0, annual_discount_rate=0.1)

    # then: the fit says it stopped at the bound, and every customer has a finite score
    assert model.bgnbd.converged
    assert model.as_dict()["bgnbd"]["notes"] == list(model.bgnbd.notes) != []
    for values in (scores.p_alive, scores.expected_purchases, scores.clv):
        assert np.all(np.isfinite(values))
    assert np.all((scores.p_alive >= 0) & (scores.p_alive <= 1))
    assert np.all(scores.expected_purchases >= 0)
    assert np.all(scores.discounted_purchases <= scores.expected_purchases)
    # aggregate purchases: below the observed repeat rate kept up for three years by
    # everybody (drop-out only lowers it) and above a fifth of it
    x, big_t = summary.x, summary.T
    no_dropout = x.sum() / big_t.sum() * 156.0 * x.size
    assert 0.2 * no_dropout < scores.expected_purchases.sum() < no_dropout
    # and in the first calibration-length stretch, about what the calibration period saw
    next_period = bgnbd.expected_purchases(model.bgnbd.params, big_t.mean(), x, summary.t_x, big_t)
    assert 0.5 * x.sum() < next_period.sum() < 1.5 * x.sum()
