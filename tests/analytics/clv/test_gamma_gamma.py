from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import check_grad

from relata.analytics.clv import gamma_gamma
from relata.analytics.clv._common import ClvInputError, FitError
from relata.analytics.clv.gamma_gamma import GammaGammaParams
from relata.analytics.clv.simulate import simulate_mean_spend
from relata.analytics.frames import RfmSummary

from .helpers import standard_errors

CDNOW = GammaGammaParams(p=6.25, q=3.74, v=15.44)


def test_fit_reproduces_the_published_cdnow_estimates(cdnow_weeks: RfmSummary) -> None:
    # given: the 946 CDNOW repeat buyers and their mean repeat-transaction value (fixture)

    # when
    fit = gamma_gamma.fit(cdnow_weeks.x, cdnow_weeks.monetary)

    # then: Fader & Hardie (2013) report p = 6.25, q = 3.74, v = 15.44
    assert fit.params.p == pytest.approx(6.25, abs=0.005)
    assert fit.params.q == pytest.approx(3.74, abs=0.005)
    assert fit.params.v == pytest.approx(15.44, abs=0.01)
    assert fit.customers == 946
    assert fit.excluded_no_repeat == 2357 - 946
    assert fit.excluded_non_positive == 0
    assert fit.converged


def test_expected_spend_shrinks_the_observed_mean_towards_the_population_mean(
    cdnow_weeks: RfmSummary,
) -> None:
    # given: CDNOW customer 1 (x = 2, m̄ = 22.345) and a one-off buyer
    fit = gamma_gamma.fit(cdnow_weeks.x, cdnow_weeks.monetary)
    p, q, v = fit.params.p, fit.params.q, fit.params.v

    # when
    spend = gamma_gamma.expected_spend(fit.params, [2.0, 0.0], [22.345, 0.0])

    # then: E[M | x, m̄] = p (v + x m̄) / (p x + q − 1); the population mean v p / (q − 1)
    assert spend[0] == pytest.approx(p * (v + 2 * 22.345) / (p * 2 + q - 1), rel=1e-12)
    assert spend[1] == pytest.approx(v * p / (q - 1), rel=1e-12)
    assert 22.345 < spend[0] < spend[1]


def test_analytic_gradient_matches_finite_differences(cdnow_weeks: RfmSummary) -> None:
    # given
    x, m = cdnow_weeks.x, cdnow_weeks.monetary
    rng = np.random.default_rng(2)

    for _ in range(5):
        point = np.exp(rng.uniform(-1.0, 2.5, 3))

        # when
        error = check_grad(
            lambda p: gamma_gamma.log_likelihood(GammaGammaParams(*p), x, m),
            lambda p: gamma_gamma.log_likelihood_gradient(GammaGammaParams(*p), x, m),
            point,
            epsilon=1e-7,
        )
        gradient = gamma_gamma.log_likelihood_gradient(GammaGammaParams(*point), x, m)

        # then
        assert error <= 1e-5 * max(1.0, float(np.linalg.norm(gradient)))


@pytest.mark.parametrize(
    "truth",
    [GammaGammaParams(6.25, 3.74, 15.44), GammaGammaParams(2.0, 8.0, 300.0)],
)
def test_fit_recovers_the_parameters_of_simulated_data(truth: GammaGammaParams) -> None:
    # given: 20,000 repeat buyers with 1–20 repeat transactions each
    rng = np.random.default_rng(99)
    x = rng.integers(1, 21, 20_000).astype(np.float64)
    m = simulate_mean_spend(truth, x, rng)

    # when
    fit = gamma_gamma.fit(x, m)

    # then: within four asymptotic standard errors
    estimate = fit.params.as_array()
    errors = standard_errors(
        lambda p: gamma_gamma.log_likelihood_gradient(GammaGammaParams(*p), x, m), estimate
    )
    assert np.all(np.abs(estimate - truth.as_array()) <= 4 * errors), (estimate, errors)


def test_holdout_spend_is_predicted_by_the_conditional_expectation() -> None:
    # given: customers' spend in a calibration period and, independently, in a holdout
    rng = np.random.default_rng(4)
    n = 30_000
    nu = rng.gamma(CDNOW.q, 1 / CDNOW.v, n)
    x = rng.integers(1, 8, n).astype(np.float64)
    calibration = rng.gamma(CDNOW.p * x, 1 / (x * nu))
    holdout = rng.gamma(CDNOW.p * 5, 1 / (5 * nu))  # mean of 5 later transactions
    fit = gamma_gamma.fit(x, calibration)

    # when
    predicted = gamma_gamma.expected_spend(fit.params, x, calibration)

    # then: unbiased in aggregate and within each frequency
    assert predicted.mean() == pytest.approx(holdout.mean(), rel=0.02)
    for k in (1, 4, 7):
        group = x == k
        assert predicted[group].mean() == pytest.approx(holdout[group].mean(), rel=0.05)


def test_weights_are_equivalent_to_duplicated_rows() -> None:
    # given
    rng = np.random.default_rng(8)
    x = rng.integers(1, 6, 2_000).astype(np.float64)
    m = np.round(simulate_mean_spend(CDNOW, x, rng), 2)
    copies = rng.integers(1, 4, x.size)

    # when
    duplicated = gamma_gamma.fit(np.repeat(x, copies), np.repeat(m, copies))
    weighted = gamma_gamma.fit(x, m, weights=copies)

    # then
    np.testing.assert_allclose(weighted.params.as_array(), duplicated.params.as_array(), rtol=1e-7)
    assert weighted.log_likelihood == pytest.approx(duplicated.log_likelihood, rel=1e-10)


def test_non_positive_spend_is_excluded_and_counted() -> None:
    # given: 500 ordinary repeat buyers plus refund-only and free-order customers
    rng = np.random.default_rng(1)
    x = rng.integers(1, 6, 500).astype(np.float64)
    m = simulate_mean_spend(CDNOW, x, rng)
    x_all = np.concatenate([x, [2.0, 3.0, 1.0]])
    m_all = np.concatenate([m, [-15.0, 0.0, -1.0]])

    # when
    with_bad = gamma_gamma.fit(x_all, m_all)
    without = gamma_gamma.fit(x, m)

    # then
    assert with_bad.excluded_non_positive == 3
    np.testing.assert_allclose(with_bad.params.as_array(), without.params.as_array())
    # and such customers get the population mean as their expected spend
    spend = gamma_gamma.expected_spend(with_bad.params, [2.0], [-15.0])
    assert spend[0] == pytest.approx(with_bad.params.population_mean())


def test_too_few_usable_customers_are_refused_with_an_explanation() -> None:
    # when / then
    with pytest.raises(FitError, match="at least two customers"):
        gamma_gamma.fit([0.0, 0.0, 3.0], [0.0, 0.0, 12.5])
    with pytest.raises(FitError, match="with a mean spend <= 0"):
        gamma_gamma.fit([2.0, 3.0], [-1.0, 0.0])


def test_identical_spend_does_not_identify_the_model() -> None:
    # given: every customer's mean spend is exactly 10 (no variation to learn from)
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0] * 20)

    # when / then
    with pytest.raises(FitError, match="do not identify"):
        gamma_gamma.fit(x, np.full(x.size, 10.0))


def test_q_at_most_one_falls_back_to_the_observed_mean_for_one_off_buyers() -> None:
    # given: a heavy-tailed spend model where E[M] = v p / (q − 1) does not exist
    params = GammaGammaParams(2.0, 0.8, 10.0)

    # when
    spend = gamma_gamma.expected_spend(params, [0.0, 3.0], [0.0, 20.0], fallback_mean=42.0)

    # then
    assert params.population_mean() is None
    assert spend[0] == 42.0
    assert spend[1] == pytest.approx(2.0 * (10 + 60) / (6 + 0.8 - 1))
    with pytest.raises(ValueError, match="fallback_mean"):
        gamma_gamma.expected_spend(params, [0.0], [0.0])


def test_invalid_inputs_are_refused() -> None:
    # when / then
    with pytest.raises(ClvInputError, match="whole number"):
        gamma_gamma.fit([1.5, 2.0], [10.0, 12.0])
    with pytest.raises(ClvInputError, match="NaN"):
        gamma_gamma.fit([1.0, 2.0], [np.nan, 12.0])
    with pytest.raises(ClvInputError, match="same length"):
        gamma_gamma.fit([1.0, 2.0, 3.0], [10.0, 12.0])


@settings(max_examples=100, deadline=None)
@given(
    st.floats(0.1, 50),
    st.floats(1.05, 50),
    st.floats(0.1, 1e4),
    st.integers(1, 1000),
    st.floats(0.01, 1e5),
)
def test_expected_spend_lies_between_the_observed_and_the_population_mean(
    p: float, q: float, v: float, x: int, mean: float
) -> None:
    # given
    params = GammaGammaParams(p, q, v)
    population = params.population_mean()
    assert population is not None

    # when
    spend = gamma_gamma.expected_spend(params, [float(x)], [mean])[0]

    # then: a credibility-weighted average of the two
    low, high = min(mean, population), max(mean, population)
    assert low * (1 - 1e-9) <= spend <= high * (1 + 1e-9)
