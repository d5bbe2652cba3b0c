from __future__ import annotations

import itertools
import warnings
from pathlib import Path

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import check_grad

from relata.analytics.clv import bgnbd
from relata.analytics.clv._common import ClvInputError, FitError
from relata.analytics.clv.bgnbd import (
    MAX_CONCENTRATION,
    BgNbdParams,
    _neg_mean_ll_and_grad,
    _prepare,
    _to_fit_coordinates,
)
from relata.analytics.clv.simulate import simulate_bgnbd
from relata.analytics.frames import RfmSummary

from .helpers import standard_errors

CDNOW = BgNbdParams(r=0.243, alpha=4.414, a=0.793, b=2.426)
#: An early period of a real customer base (711 customers, 318 repeat buyers, weeks) whose
#: likelihood keeps rising as a, b → ∞ with a/(a+b) ≈ 0.063: no spread in drop-out.
UNBOUNDED_AB = Path(__file__).parent / "data" / "bgnbd_unbounded_ab.npz"


def load_unbounded_ab() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    data = np.load(UNBOUNDED_AB)
    return data["x"], data["t_x"], data["T"]


positive = st.floats(0.05, 20.0)
params_strategy = st.builds(BgNbdParams, positive, positive, positive, positive)


@st.composite
def customers(draw: st.DrawFn) -> tuple[float, float, float]:
    big_t = draw(st.floats(0.0, 1e4))
    x = float(draw(st.integers(0, 500)))
    t_x = draw(st.floats(0.0, 1.0)) * big_t if x > 0 else 0.0
    return x, t_x, big_t


def test_fit_reproduces_the_published_cdnow_estimates(cdnow_weeks: RfmSummary) -> None:
    # given: the CDNOW sample, 39-week calibration, in weeks (fixture)

    # when
    fit = bgnbd.fit(cdnow_weeks.x, cdnow_weeks.t_x, cdnow_weeks.T)

    # then: FHL (2005) report r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = −9582.4
    assert fit.params.r == pytest.approx(0.243, abs=5e-4)
    assert fit.params.alpha == pytest.approx(4.414, abs=5e-4)
    assert fit.params.a == pytest.approx(0.793, abs=5e-4)
    assert fit.params.b == pytest.approx(2.426, abs=5e-4)
    assert fit.log_likelihood == pytest.approx(-9582.4, abs=0.05)
    assert fit.converged
    assert fit.customers == 2357


def test_conditional_expectation_matches_the_published_example() -> None:
    # given: FHL (2005) customer with x = 2, t_x = 30.43, T = 38.86 weeks

    # when
    expected = bgnbd.expected_purchases(CDNOW, 39, 2, 30.43, 38.86)

    # then: the paper reports 1.226 purchases in the next 39 weeks
    assert expected[0] == pytest.approx(1.226, abs=5e-4)


def test_analytic_gradient_matches_finite_differences(cdnow_weeks: RfmSummary) -> None:
    # given
    s = cdnow_weeks
    rng = np.random.default_rng(3)

    for _ in range(5):
        point = np.exp(rng.uniform(-1.5, 1.5, 4))

        # when
        error = check_grad(
            lambda p: bgnbd.log_likelihood(BgNbdParams(*p), s.x, s.t_x, s.T),
            lambda p: bgnbd.log_likelihood_gradient(BgNbdParams(*p), s.x, s.t_x, s.T),
            point,
            epsilon=1e-7,
        )
        gradient = bgnbd.log_likelihood_gradient(BgNbdParams(*point), s.x, s.t_x, s.T)

        # then
        assert error <= 1e-5 * max(1.0, float(np.linalg.norm(gradient)))


@pytest.mark.parametrize(
    "truth",
    [
        BgNbdParams(0.243, 4.414, 0.793, 2.426),  # CDNOW-like, weeks
        BgNbdParams(1.5, 40.0, 2.0, 6.0),  # frequent buyers, days
    ],
)
def test_fit_recovers_the_parameters_of_simulated_data(truth: BgNbdParams) -> None:
    # given: 20,000 customers simulated from the model with known parameters
    rng = np.random.default_rng(20240601)
    big_t = rng.uniform(10, 80, 20_000)
    sim = simulate_bgnbd(truth, big_t, rng)

    # when
    fit = bgnbd.fit(sim.x, sim.t_x, sim.T)

    # then: every estimate within four asymptotic standard errors of the truth
    estimate = fit.params.as_array()
    errors = standard_errors(
        lambda p: bgnbd.log_likelihood_gradient(BgNbdParams(*p), sim.x, sim.t_x, sim.T),
        estimate,
    )
    assert np.all(np.abs(estimate - truth.as_array()) <= 4 * errors), (estimate, errors)
    assert np.all(errors / estimate < 0.2)


def test_holdout_predictions_match_simulated_purchases() -> None:
    # given: calibration of 20–60 weeks, then a 39-week holdout, all simulated
    rng = np.random.default_rng(7)
    sim = simulate_bgnbd(CDNOW, rng.uniform(20, 60, 30_000), rng, holdout=39.0)
    fit = bgnbd.fit(sim.x, sim.t_x, sim.T)

    # when
    predicted = bgnbd.expected_purchases(fit.params, 39.0, sim.x, sim.t_x, sim.T)

    # then: in aggregate and per calibration frequency, as in FHL (2005, figure 4)
    assert predicted.sum() == pytest.approx(sim.holdout.sum(), rel=0.03)
    for x in range(4):
        group = sim.x == x
        assert predicted[group].mean() == pytest.approx(sim.holdout[group].mean(), rel=0.1)
    # and P(alive) tracks who is really alive
    alive = bgnbd.probability_alive(fit.params, sim.x, sim.t_x, sim.T)
    repeaters = sim.x > 0
    assert alive[repeaters].mean() == pytest.approx(sim.alive[repeaters].mean(), abs=0.02)


def test_parameters_follow_the_time_unit(cdnow_weeks: RfmSummary) -> None:
    # given: the same data in weeks and in days
    s = cdnow_weeks

    # when
    weeks = bgnbd.fit(s.x, s.t_x, s.T)
    days = bgnbd.fit(s.x, s.t_x * 7, s.T * 7)

    # then: only α scales; the likelihood shifts by Σ x ln 7
    assert days.params.alpha == pytest.approx(weeks.params.alpha * 7, rel=1e-5)
    for name in ("r", "a", "b"):
        assert getattr(days.params, name) == pytest.approx(getattr(weeks.params, name), rel=1e-5)
    assert weeks.log_likelihood - days.log_likelihood == pytest.approx(
        s.x.sum() * np.log(7), rel=1e-7
    )
    assert weeks.params.in_time_unit(1 / 7).alpha == pytest.approx(days.params.alpha, rel=1e-5)


def test_weights_are_equivalent_to_duplicated_rows() -> None:
    # given: 3,000 simulated customers, each row repeated 1–4 times
    rng = np.random.default_rng(11)
    sim = simulate_bgnbd(CDNOW, rng.uniform(5, 50, 3_000), rng)
    copies = rng.integers(1, 5, sim.x.size)

    # when
    duplicated = bgnbd.fit(
        np.repeat(sim.x, copies), np.repeat(sim.t_x, copies), np.repeat(sim.T, copies)
    )
    weighted = bgnbd.fit(sim.x, sim.t_x, sim.T, weights=copies)

    # then
    np.testing.assert_allclose(weighted.params.as_array(), duplicated.params.as_array(), rtol=1e-7)
    assert weighted.log_likelihood == pytest.approx(duplicated.log_likelihood, rel=1e-10)
    assert weighted.customers == duplicated.customers == copies.sum()


def test_compressed_partitions_combine_into_the_full_fit() -> None:
    # given: the customers split into three partitions, each compressed on its own
    rng = np.random.default_rng(5)
    sim = simulate_bgnbd(CDNOW, np.round(rng.uniform(5, 50, 6_000)), rng)
    sim_x, sim_tx = sim.x, np.round(sim.t_x)
    parts = np.array_split(np.arange(sim.x.size), 3)
    compressed = [bgnbd.compress(sim_x[p], sim_tx[p], sim.T[p]) for p in parts]

    # when: the partitions' sufficient statistics are concatenated and fitted
    combined = bgnbd.fit(
        *(np.concatenate([c[i] for c in compressed]) for i in range(3)),
        weights=np.concatenate([c[3] for c in compressed]),
    )
    full = bgnbd.fit(sim_x, sim_tx, sim.T)

    # then
    np.testing.assert_allclose(combined.params.as_array(), full.params.as_array(), rtol=1e-7)
    assert full.distinct_rows < sim.x.size


@settings(max_examples=200, deadline=None)
@given(params_strategy, customers())
def test_probability_alive_is_a_probability(
    params: BgNbdParams, customer: tuple[float, float, float]
) -> None:
    # given
    x, t_x, big_t = customer

    # when
    p = bgnbd.probability_alive(params, x, t_x, big_t)[0]

    # then
    assert 0.0 <= p <= 1.0
    if x == 0:
        assert p == 1.0


@settings(max_examples=100, deadline=None)
@given(params_strategy, st.integers(1, 200), st.floats(0.1, 100), st.floats(0.01, 0.99))
def test_probability_alive_falls_with_silence_and_rises_with_a_recent_purchase(
    params: BgNbdParams, x: int, big_t: float, share: float
) -> None:
    # given: a customer whose last purchase was at share × T
    t_x = share * big_t

    # when
    base = bgnbd.probability_alive(params, x, t_x, big_t)[0]
    longer_silence = bgnbd.probability_alive(params, x, t_x, big_t * 1.5)[0]
    more_recent = bgnbd.probability_alive(params, x, (t_x + big_t) / 2, big_t)[0]

    # then
    assert longer_silence <= base + 1e-12
    assert more_recent >= base - 1e-12


@settings(max_examples=60, deadline=None)
@given(params_strategy, customers(), st.floats(0.01, 500))
def test_expected_purchases_are_finite_and_grow_with_the_horizon(
    params: BgNbdParams, customer: tuple[float, float, float], horizon: float
) -> None:
    # given
    x, t_x, big_t = customer

    # when
    values = bgnbd.expected_purchases(params, np.array([horizon / 2, horizon]), x, t_x, big_t)

    # then
    assert np.all(np.isfinite(values))
    assert values[0] >= -1e-9
    assert values[1] >= values[0] - 1e-9 * max(1.0, abs(values[0]))


def test_extreme_counts_and_durations_stay_finite() -> None:
    # given: a customer with 100,000 repeat purchases over a very long period
    params = BgNbdParams(0.5, 2.0, 0.8, 3.0)
    x, t_x, big_t = np.array([1e5, 1e5, 0.0]), np.array([9e6, 1e7, 0.0]), np.array([1e7] * 3)

    # when
    ll = bgnbd.log_likelihood(params, x, t_x, big_t)
    alive = bgnbd.probability_alive(params, x, t_x, big_t)
    expected = bgnbd.expected_purchases(params, 365.0, x, t_x, big_t)
    grad = bgnbd.log_likelihood_gradient(params, x, t_x, big_t)

    # then
    assert np.isfinite(ll)
    assert np.all(np.isfinite(grad))
    assert 0 <= alive[0] < 1e-100 or alive[0] == 0.0
    assert alive[1] == pytest.approx(1 / (1 + 0.8 / (3 + 1e5 - 1)))
    assert np.all(np.isfinite(expected))
    # an almost surely dead customer is expected to buy (almost) nothing
    assert expected[0] < 1e-6


def test_expected_purchases_of_a_new_customer_equal_the_unconditional_formula() -> None:
    # given: FHL (2005, eq. 9) evaluated with mpmath
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    r, alpha, a, b = (mpmath.mpf(v) for v in (0.243, 4.414, 0.793, 2.426))
    t = mpmath.mpf(52)
    reference = (
        (a + b - 1)
        / (a - 1)
        * (1 - (alpha / (alpha + t)) ** r * mpmath.hyp2f1(r, b, a + b - 1, t / (alpha + t)))
    )

    # when
    value = bgnbd.expected_purchases_new_customer(CDNOW, 52.0)[0]

    # then
    assert value == pytest.approx(float(reference), rel=1e-12)


def test_data_without_repeat_purchases_is_refused_with_an_explanation() -> None:
    # given: only one-off buyers
    x = np.zeros(50)

    # when / then
    with pytest.raises(FitError, match="every customer bought only once"):
        bgnbd.fit(x, x, np.linspace(1, 30, 50))


def test_a_single_customer_does_not_identify_the_model() -> None:
    # when / then
    with pytest.raises(FitError, match="do not identify"):
        bgnbd.fit([3.0], [20.0], [30.0])


def test_empty_and_zero_length_data_are_refused() -> None:
    # when / then
    with pytest.raises(FitError, match="at least one customer"):
        bgnbd.fit([], [], [])
    with pytest.raises(FitError, match="at least one customer"):
        bgnbd.fit([1.0, 2.0], [1.0, 2.0], [3.0, 3.0], weights=[0.0, 0.0])


@pytest.mark.parametrize(
    ("x", "t_x", "big_t", "message"),
    [
        ([1.0], [5.0], [4.0], "t_x must not exceed T"),
        ([-1.0], [0.0], [4.0], "whole number"),
        ([1.5], [1.0], [4.0], "whole number"),
        ([0.0], [1.0], [4.0], "t_x must be 0"),
        ([1.0], [np.nan], [4.0], "NaN"),
    ],
)
def test_invalid_summaries_are_refused(
    x: list[float], t_x: list[float], big_t: list[float], message: str
) -> None:
    # when / then
    with pytest.raises(ClvInputError, match=message):
        bgnbd.fit(x, t_x, big_t)


def test_invalid_weights_and_parameters_are_refused() -> None:
    # when / then
    with pytest.raises(ClvInputError, match="weights must be >= 0"):
        bgnbd.fit([1.0], [1.0], [2.0], weights=[-1.0])
    with pytest.raises(ClvInputError, match="one value per row"):
        bgnbd.fit([1.0], [1.0], [2.0], weights=[1.0, 2.0])
    with pytest.raises(ValueError, match="finite and > 0"):
        BgNbdParams(0.0, 1.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="horizon"):
        bgnbd.expected_purchases(CDNOW, -1.0, 1, 1, 2)


def test_data_without_dropout_spread_converge_at_the_concentration_bound() -> None:
    # given
    x, t_x, big_t = load_unbounded_ab()

    # when: numpy warnings are errors, so none may be raised on the way
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = bgnbd.fit(x, t_x, big_t)

    # then: a converged fit at a + b = 1e6 that says so, with the mean drop-out the data show
    p = fit.params
    assert fit.converged
    assert fit.concentration_at_bound
    assert p.a + p.b == pytest.approx(MAX_CONCENTRATION, rel=1e-9)
    assert p.a / (p.a + p.b) == pytest.approx(0.0629, abs=5e-4)
    assert len(fit.notes) == 1 and "no spread in drop-out" in fit.notes[0]
    assert np.isfinite(fit.log_likelihood)
    # the likelihood indeed rises towards the bound along a/(a+b) = const
    mu = p.a / (p.a + p.b)
    lower = [
        bgnbd.log_likelihood(BgNbdParams(p.r, p.alpha, mu * nu, (1 - mu) * nu), x, t_x, big_t)
        for nu in (1e2, 1e4)
    ]
    assert lower[0] < lower[1] < fit.log_likelihood
    # and the fitted model reproduces the calibration purchases (FHL 2005, eq. 9)
    in_sample = bgnbd.expected_purchases_new_customer(p, big_t).sum()
    assert in_sample == pytest.approx(x.sum(), rel=0.05)


def test_a_fit_inside_the_bounds_has_no_notes(cdnow_weeks: RfmSummary) -> None:
    # when
    fit = bgnbd.fit(cdnow_weeks.x, cdnow_weeks.t_x, cdnow_weeks.T)

    # then
    assert fit.notes == ()
    assert not fit.concentration_at_bound


def test_constant_dropout_data_are_fitted_and_predict_the_holdout() -> None:
    # given: 20,000 customers who all drop out with p = 0.1 after each purchase (a + b = 1e9)
    rng = np.random.default_rng(12)
    truth = BgNbdParams(0.6, 6.0, 0.1 * 1e9, 0.9 * 1e9)
    sim = simulate_bgnbd(truth, rng.uniform(10, 60, 20_000), rng, holdout=52.0)

    # when
    fit = bgnbd.fit(sim.x, sim.t_x, sim.T)
    predicted = bgnbd.expected_purchases(fit.params, 52.0, sim.x, sim.t_x, sim.T)

    # then
    p = fit.params
    assert fit.converged
    assert p.a / (p.a + p.b) == pytest.approx(0.1, rel=0.1)
    assert p.a + p.b > 100  # no spread worth the name, whether or not at the bound
    assert np.all(np.isfinite(predicted))
    assert predicted.sum() == pytest.approx(sim.holdout.sum(), rel=0.03)


@pytest.mark.parametrize(
    "params",
    [
        BgNbdParams(0.53, 8.56, 6.3e4, 9.4e5),  # at the concentration bound
        BgNbdParams(0.53, 8.56, 1e8, 1e9),
        BgNbdParams(0.53, 8.56, 0.5, 1e6),  # b large, a small
        BgNbdParams(0.53, 8.56, 1.0, 3.0),
    ],
)
def test_fit_coordinate_gradient_matches_finite_differences(params: BgNbdParams) -> None:
    # given: the optimiser's objective in (ln r, ln α, logit a/(a+b), ln(a+b))
    x, t_x, big_t = load_unbounded_ab()
    data = _prepare(x, t_x, big_t, np.ones(x.size))
    theta = _to_fit_coordinates(params.as_array())

    # when
    error = check_grad(
        lambda th: _neg_mean_ll_and_grad(th, data)[0],
        lambda th: _neg_mean_ll_and_grad(th, data)[1],
        theta,
        epsilon=1e-6,
    )
    gradient = _neg_mean_ll_and_grad(theta, data)[1]

    # then
    assert error <= 1e-6 * max(1.0, float(np.linalg.norm(gradient)))


def test_natural_gradient_for_large_a_and_b_matches_relative_differences() -> None:
    # given
    x, t_x, big_t = load_unbounded_ab()
    point = np.array([0.53, 8.56, 6.3e4, 9.4e5])

    # when: central differences with a relative step (a, b are 1e5 and 1e6)
    analytic = bgnbd.log_likelihood_gradient(BgNbdParams(*point), x, t_x, big_t)
    numeric = np.zeros(4)
    for i in range(4):
        step = np.zeros(4)
        step[i] = point[i] * 1e-6
        up = bgnbd.log_likelihood(BgNbdParams(*(point + step)), x, t_x, big_t)
        down = bgnbd.log_likelihood(BgNbdParams(*(point - step)), x, t_x, big_t)
        numeric[i] = (up - down) / (2 * step[i])

    # then: compared on the scale of each parameter's effect, ∂LL/∂ln θ
    np.testing.assert_allclose(analytic * point, numeric * point, rtol=1e-6, atol=1e-6)


def test_log_likelihood_is_accurate_for_large_a_and_b() -> None:
    # given: three customers and a, b where lnΓ differences lose ten digits
    r, alpha, a, b = 0.53, 8.56, 6.3e4, 9.4e5
    x, t_x, big_t = [0.0, 2.0, 13.0], [0.0, 10.5, 40.0], [30.0, 20.0, 51.3]

    # when
    value = bgnbd.log_likelihood(BgNbdParams(r, alpha, a, b), x, t_x, big_t)

    # then: FHL (2005, eq. 6) at 50 digits
    with mpmath.workdps(50):
        r_, al, a_, b_ = (mpmath.mpf(v) for v in (r, alpha, a, b))
        total = mpmath.mpf(0)
        for xi, ti, bi in zip(x, t_x, big_t, strict=True):
            x_, t_, T_ = mpmath.mpf(xi), mpmath.mpf(ti), mpmath.mpf(bi)
            beta_ratio = mpmath.beta(a_, b_ + x_) / mpmath.beta(a_, b_)
            bracket = (al + T_) ** -(r_ + x_)
            if xi > 0:
                bracket += a_ / (b_ + x_ - 1) * (al + t_) ** -(r_ + x_)
            total += mpmath.log(
                mpmath.gamma(r_ + x_) * al**r_ / mpmath.gamma(r_) * beta_ratio * bracket
            )
    assert value == pytest.approx(float(total), rel=1e-13)


def test_expected_purchases_are_continuous_as_a_and_b_grow(cdnow_weeks: RfmSummary) -> None:
    # given: the CDNOW customers and a/(a+b) = 0.25 with a growing concentration a + b
    s = cdnow_weeks
    concentrations = [1e3, 1e4, 1e5, 1e6, 1e8, 1e12]

    # when
    values = [
        bgnbd.expected_purchases(
            BgNbdParams(0.243, 4.414, 0.25 * nu, 0.75 * nu), 52.0, s.x, s.t_x, s.T
        )
        for nu in concentrations
    ]

    # then: every step changes the predictions by about 1/(a+b), never by a jump
    assert all(np.all(np.isfinite(v)) for v in values)
    steps = [float(np.max(np.abs(u - v))) for u, v in itertools.pairwise(values)]
    assert steps[0] < 0.2
    for before, after in itertools.pairwise(steps[:3]):
        assert after == pytest.approx(0.1 * before, rel=0.1)  # one decade, a tenth
    assert steps[3] < 0.12 * steps[2]  # 1e6 → 1e8: (1e-6 − 1e-8) / (1e-5 − 1e-6) = 0.11
    assert steps[4] < 0.02 * steps[3]  # 1e8 → 1e12: 1e-8 / 0.99e-6 = 0.0101
