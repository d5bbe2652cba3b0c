from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import chi2_contingency

from relata.analytics.response import (
    INTERCEPT,
    Direction,
    FitProblem,
    LogisticFitError,
    MissingReason,
    NoteCode,
    campaign_contacts,
    campaign_figures,
    design_build,
    logistic_fit,
    newcombe_interval,
    readable_table,
    two_proportion_p_value,
    wilson_interval,
)

# --- campaign figures -------------------------------------------------------------------------


def _hand_example():
    # ten treatment contacts (one not sent: bounced) and five control contacts
    in_control = [False] * 10 + [True] * 5
    sent = [True] * 9 + [False] + [False] * 5
    opened = [True] * 6 + [False] * 3 + [False] + [False] * 5
    clicked = [True] * 3 + [False] * 6 + [False] + [False] * 5
    responded = [True, True, False, True, False, True, False, False, False, False] + [False] * 5
    converted = [True, True, True, False, False, False, False, False, False, False]
    converted += [True, False, False, False, False]
    revenue = [100.0, 50.0, 150.0] + [0.0] * 7 + [80.0, 0.0, 0.0, 0.0, 0.0]
    return campaign_contacts(
        in_control=in_control,
        sent=sent,
        opened=opened,
        clicked=clicked,
        responded=responded,
        converted=converted,
        revenue=revenue,
    )


def test_campaign_figures_by_hand():
    # given the hand example, a cost of 60 and a 40 % gross margin
    contacts = _hand_example()

    # when
    figures = campaign_figures(contacts, cost=60.0, margin=0.4, min_group_size=5)

    # then the counts and rates over the 9 sent contacts
    assert (figures.contacts, figures.treatment, figures.control) == (15, 10, 5)
    assert (figures.sent, figures.opened, figures.clicked) == (9, 6, 3)
    assert (figures.responded, figures.converted, figures.control_converted) == (4, 3, 1)
    assert figures.open_rate == pytest.approx(6 / 9)
    assert figures.click_rate == pytest.approx(3 / 9)
    assert figures.response_rate == pytest.approx(4 / 9)
    assert figures.conversion_ratio == pytest.approx(3 / 9)
    assert figures.responder_conversion == pytest.approx(2 / 4)  # contacts 0 and 1
    # and revenue and ROI = (300 · 0.4 − 60) / 60
    assert figures.revenue == pytest.approx(300.0)
    assert figures.control_revenue == pytest.approx(80.0)
    assert figures.roi == pytest.approx(1.0)
    assert figures.roi_reason is None
    # and uplift: 3/10 − 1/5 = 0.1; relative 0.5; incremental revenue (30 − 16) · 10 = 140
    uplift = figures.uplift
    assert uplift.reason is None
    assert uplift.difference == pytest.approx(0.1)
    assert uplift.relative == pytest.approx(0.5)
    assert uplift.incremental_conversions == pytest.approx(1.0)
    assert uplift.incremental_revenue == pytest.approx(140.0)
    assert uplift.low is not None and uplift.high is not None
    assert uplift.low < 0.1 < uplift.high
    # and the incremental ROI (140 · 0.4 − 60) / 60 is negative: the campaign did not pay
    assert figures.incremental_roi == pytest.approx(-4 / 60)


def test_uplift_matches_newcombe_and_the_chi_squared_test():
    # given 56 of 70 treatment contacts and 48 of 80 control contacts converted
    in_control = np.repeat([False, True], [70, 80])
    converted = np.concatenate([np.arange(70) < 56, np.arange(80) < 48])
    contacts = campaign_contacts(
        in_control=in_control,
        sent=~in_control,
        responded=converted & ~in_control,
        converted=converted,
        revenue=np.where(converted, 10.0, 0.0),
    )

    # when
    uplift = campaign_figures(contacts, cost=100.0).uplift

    # then Newcombe (1998) Table II, example (a), method 10: 0.2000 (0.0524, 0.3339)
    assert uplift.difference == pytest.approx(0.2)
    assert uplift.low == pytest.approx(0.0524, abs=5e-5)
    assert uplift.high == pytest.approx(0.3339, abs=5e-5)
    # and the p-value is Pearson's chi-squared test without continuity correction
    table = [[56, 14], [48, 32]]
    expected = chi2_contingency(table, correction=False).pvalue
    assert uplift.p_value == pytest.approx(expected, rel=1e-9)
    assert uplift.p_value < 0.05


@pytest.mark.parametrize(
    ("counts", "published"),
    [
        ((56, 70, 48, 80), (0.0524, 0.3339)),
        ((9, 10, 3, 10), (0.1705, 0.8090)),
        ((6, 7, 2, 7), (0.0582, 0.8062)),
        ((5, 56, 0, 29), (-0.0381, 0.1926)),
        ((0, 10, 0, 20), (-0.1611, 0.2775)),
        ((0, 10, 0, 10), (-0.2775, 0.2775)),
        ((10, 10, 0, 20), (0.6791, 1.0000)),
        ((10, 10, 0, 10), (0.6075, 1.0000)),
    ],
)
def test_newcombe_interval_reproduces_table_ii(counts, published):
    # given the eight examples of Newcombe (1998), Stat Med 17:873–890, Table II, method 10
    # when
    difference, low, high = newcombe_interval(*counts)

    # then the published limits to four decimals
    assert difference == pytest.approx(counts[0] / counts[1] - counts[2] / counts[3])
    assert low == pytest.approx(published[0], abs=5e-5)
    assert high == pytest.approx(published[1], abs=5e-5)


def test_wilson_interval_known_values():
    # given / when / then: Wilson (1927) intervals at 95 %
    assert wilson_interval(8, 10) == pytest.approx((0.4902, 0.9433), abs=5e-5)
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=5e-5)


@given(
    st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
)
def test_newcombe_interval_brackets_the_difference(group_a, group_b):
    # given any two groups
    # when
    difference, low, high = newcombe_interval(*group_a, *group_b)

    # then the interval lies in [−1, 1] and contains the observed difference
    assert -1.0 <= low <= difference <= high <= 1.0
    assert 0.0 <= two_proportion_p_value(*group_a, *group_b) <= 1.0


def test_uplift_without_or_with_a_tiny_control_group_gives_a_reason():
    # given a campaign without control group, and the hand example with only 5 controls
    contacts = campaign_contacts(
        in_control=[False] * 40,
        sent=[True] * 40,
        responded=[False] * 40,
        converted=[True] * 4 + [False] * 36,
        revenue=[25.0] * 4 + [0.0] * 36,
    )

    # when
    no_control = campaign_figures(contacts, cost=0.0)
    tiny = campaign_figures(_hand_example(), cost=60.0, margin=0.4)

    # then no uplift, with the reason; ROI without cost is left out too
    assert no_control.uplift.reason is MissingReason.NO_CONTROL
    assert no_control.uplift.difference is None and no_control.uplift.low is None
    assert no_control.roi is None and no_control.roi_reason is MissingReason.NO_COST
    assert no_control.incremental_roi_reason is MissingReason.NO_CONTROL
    assert no_control.conversion_ratio == pytest.approx(0.1)
    assert no_control.opened is None and no_control.open_rate is None  # not trackable
    assert no_control.responder_conversion is None  # nobody responded
    assert tiny.uplift.reason is MissingReason.CONTROL_TOO_SMALL
    assert tiny.roi == pytest.approx(1.0)  # the rest is still there


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sent": [True, True]}, "sent: true at position 1"),
        ({"responded": [False, True]}, "responded: true at position 1"),
        ({"revenue": [0.0, 5.0]}, "revenue: 5.0 at position 1 for a contact that did not"),
        ({"revenue": [-1.0, 0.0]}, "revenue: negative value"),
        ({"converted": [True]}, "lengths differ"),
        ({"clicked": [True, False]}, "clicked: true at position 0"),
    ],
)
def test_campaign_contacts_refuses_inconsistent_input(change, message):
    # given one treatment contact (sent, not opened) and one control contact
    arguments = {
        "in_control": [False, True],
        "sent": [True, False],
        "opened": [False, False],
        "responded": [False, False],
        "converted": [False, False],
        "revenue": [0.0, 0.0],
    }
    arguments.update(change)

    # when / then
    with pytest.raises(ValueError, match=message):
        campaign_contacts(**arguments)


def test_campaign_settings_are_checked():
    # given the hand example / when a negative cost or a margin above 1 / then refused
    with pytest.raises(ValueError, match="cost"):
        campaign_figures(_hand_example(), cost=-1.0)
    with pytest.raises(ValueError, match="margin"):
        campaign_figures(_hand_example(), cost=10.0, margin=1.5)


# --- design -------------------------------------------------------------------------------------


def test_design_one_hot_naming_and_reference_level():
    # given a channel column where email is the most frequent level, and a constant column
    channel = ["sms", "email", "post", "email", "email", "sms"]
    age = [20.0, 30.0, 40.0, 50.0, 60.0, 70.0]

    # when built with the default and with an explicit reference level
    default = design_build(
        numeric={"age": age, "country_code": [31.0] * 6}, categorical={"channel": channel}
    )
    explicit = design_build(categorical={"channel": channel}, reference={"channel": "sms"})

    # then the reference gets no column; the others are named "column=value" in sorted order
    assert default.names == ("age", "channel=post", "channel=sms")
    assert default.reference == {"channel": "email"}
    np.testing.assert_array_equal(default.matrix[:, 1], [0, 0, 1, 0, 0, 0])
    np.testing.assert_array_equal(default.matrix[:, 2], [1, 0, 0, 0, 0, 1])
    assert explicit.names == ("channel=email", "channel=post")
    assert explicit.reference == {"channel": "sms"}
    # and the constant column is dropped with a note
    assert [(n.column, n.code) for n in default.notes] == [
        ("country_code", NoteCode.CONSTANT_DROPPED)
    ]


def test_design_standardises_numeric_columns_and_keeps_the_scale():
    # given amounts in euros
    amount = np.array([10.0, 20.0, 30.0, 40.0])

    # when standardised
    design = design_build(numeric={"amount": amount}, standardise=True)

    # then mean 0, population sd 1, with mean and sd kept for the explanation
    assert design.matrix[:, 0].mean() == pytest.approx(0.0)
    assert design.matrix[:, 0].std() == pytest.approx(1.0)
    assert design.centre.tolist() == [25.0]
    assert design.scale[0] == pytest.approx(np.sqrt(125.0))


def test_design_refuses_unknown_reference_and_unequal_lengths():
    # given / when / then
    with pytest.raises(ValueError, match="level 'fax' does not occur in column 'channel'"):
        design_build(categorical={"channel": ["sms", "email"]}, reference={"channel": "fax"})
    with pytest.raises(ValueError, match="lengths differ"):
        design_build(numeric={"age": [1.0, 2.0]}, categorical={"channel": ["a", "b", "c"]})
    with pytest.raises(ValueError, match="age: 1 missing"):
        design_build(numeric={"age": [1.0, np.nan]})


# --- logistic regression ------------------------------------------------------------------------

TRUE = {INTERCEPT: -1.0, "age": 0.5, "recency": -0.7, "channel=post": 0.6, "channel=sms": -0.4}


def _simulate(rng: np.random.Generator, n: int):
    age = rng.normal(45.0, 12.0, n)
    recency = rng.exponential(100.0, n)
    channel = rng.choice(["email", "sms", "post"], n, p=[0.5, 0.3, 0.2])
    design = design_build(
        numeric={"age": age, "recency": recency}, categorical={"channel": channel}, standardise=True
    )
    beta = np.array([TRUE[name] for name in design.names])
    eta = TRUE[INTERCEPT] + design.matrix @ beta
    responded = rng.random(n) < 1.0 / (1.0 + np.exp(-eta))
    return design, responded


def test_logistic_fit_recovers_known_coefficients():
    # given 20,000 simulated contacts with known coefficients
    design, responded = _simulate(np.random.default_rng(20261126), 20_000)

    # when
    fit = logistic_fit(responded, design)

    # then every estimate is within four standard errors (and 0.15) of the truth
    assert fit.names == (INTERCEPT, "age", "recency", "channel=post", "channel=sms")
    truth = np.array([TRUE[name] for name in fit.names])
    assert np.all(np.abs(fit.coef - truth) < 4.0 * fit.se)
    assert np.all(np.abs(fit.coef - truth) < 0.15)
    # and the whole-model figures are consistent
    assert fit.deviance == pytest.approx(-2.0 * fit.log_likelihood)
    assert fit.lr_statistic == pytest.approx(2.0 * (fit.log_likelihood - fit.null_log_likelihood))
    assert fit.lr_p_value < 1e-10
    assert 0.0 < fit.pseudo_r2 < 1.0
    assert fit.rows == 20_000 and fit.events == responded.sum()


def test_standard_errors_match_the_empirical_spread_and_cover_the_truth():
    # given 200 simulated campaigns of 2,000 contacts each
    rng = np.random.default_rng(7)
    estimates, errors, covered = [], [], []
    for _ in range(200):
        design, responded = _simulate(rng, 2_000)
        # when
        fit = logistic_fit(responded, design)
        truth = np.array([TRUE[name] for name in fit.names])
        estimates.append(fit.coef)
        errors.append(fit.se)
        covered.append(np.abs(fit.coef - truth) <= 1.959964 * fit.se)

    # then the mean standard error is within 15 % of the estimates' spread for each column
    spread = np.std(estimates, axis=0, ddof=1)
    np.testing.assert_allclose(np.mean(errors, axis=0), spread, rtol=0.15)
    # and the 95 % intervals cover the truth about 95 % of the time (binomial ±3.5 sd)
    assert 0.90 <= np.mean(covered) <= 0.99


def test_binary_covariate_matches_the_two_by_two_table_exactly():
    # given a 2×2 table: exposed 30 responders / 70 not, unexposed 20 / 180
    exposed = np.repeat([1.0, 1.0, 0.0, 0.0], [30, 70, 20, 180])
    responded = np.repeat([True, False, True, False], [30, 70, 20, 180])

    # when
    fit = logistic_fit(responded, design_build(numeric={"exposed": exposed}))

    # then the coefficient is the log odds ratio and its se Woolf's √(1/a + 1/b + 1/c + 1/d)
    assert fit.coef[1] == pytest.approx(np.log(30 * 180 / (70 * 20)), rel=1e-9)
    assert fit.se[1] == pytest.approx(np.sqrt(1 / 30 + 1 / 70 + 1 / 20 + 1 / 180), rel=1e-7)
    assert fit.coef[0] == pytest.approx(np.log(20 / 180), rel=1e-9)


def test_frequency_weights_equal_repeated_rows():
    # given the 2×2 table once as 300 rows and once as 4 weighted rows
    exposed = np.repeat([1.0, 1.0, 0.0, 0.0], [30, 70, 20, 180])
    responded = np.repeat([True, False, True, False], [30, 70, 20, 180])

    # when
    full = logistic_fit(responded, design_build(numeric={"exposed": exposed}))
    compressed = logistic_fit(
        [True, False, True, False],
        design_build(numeric={"exposed": [1.0, 1.0, 0.0, 0.0]}),
        weights=[30, 70, 20, 180],
    )

    # then the same estimates and standard errors
    np.testing.assert_allclose(compressed.coef, full.coef, rtol=1e-9)
    np.testing.assert_allclose(compressed.se, full.se, rtol=1e-9)


def test_separation_raises_without_penalty_and_converges_with_it():
    # given a segment in which nobody responded
    rng = np.random.default_rng(3)
    responded = rng.random(5_000) < 0.3
    segment = np.where(responded, "a", rng.choice(["a", "b"], 5_000))
    design = design_build(numeric={"age": rng.normal(size=5_000)}, categorical={"segment": segment})

    # when fitted without a penalty, then the error names the problem and the column
    with pytest.raises(LogisticFitError, match="perfectly predicted by segment=b") as caught:
        logistic_fit(responded, design)
    assert caught.value.problem is FitProblem.SEPARATION
    assert caught.value.columns == ("segment=b",)

    # when fitted with a small ridge penalty, then finite, strongly negative, with a note of
    # the penalty
    fit = logistic_fit(responded, design, ridge=1.0)
    assert np.all(np.isfinite(fit.coef)) and np.all(np.isfinite(fit.se))
    assert fit.coef[fit.names.index("segment=b")] < -4.0
    assert fit.ridge == 1.0


def test_complete_separation_by_a_numeric_column_raises():
    # given responders exactly those with x > 0
    x = np.random.default_rng(5).normal(size=300)

    # when / then
    with pytest.raises(LogisticFitError) as caught:
        logistic_fit(x > 0, design_build(numeric={"x": x}))
    assert caught.value.problem is FitProblem.SEPARATION
    assert caught.value.columns == ("x",)


@pytest.mark.parametrize(
    ("outcome", "weights", "problem"),
    [
        ([False] * 6, None, FitProblem.CONSTANT_OUTCOME),
        ([True] * 6, None, FitProblem.CONSTANT_OUTCOME),
        ([True, False] * 3, [0.0] * 6, FitProblem.EMPTY),
    ],
)
def test_unfittable_outcomes_raise(outcome, weights, problem):
    # given six contacts
    design = design_build(numeric={"age": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})

    # when / then
    with pytest.raises(LogisticFitError) as caught:
        logistic_fit(outcome, design, weights=weights)
    assert caught.value.problem is problem


def test_empty_input_and_collinear_columns_raise():
    # given no contacts at all, and a column that is a multiple of another
    empty = design_build(numeric={"age": np.zeros(0)})
    x = np.random.default_rng(1).normal(size=100)
    collinear = design_build(numeric={"x": x, "x_twice": 2.0 * x + 1.0})
    responded = np.arange(100) % 3 == 0

    # when / then
    with pytest.raises(LogisticFitError) as caught:
        logistic_fit(np.zeros(0, dtype=bool), empty)
    assert caught.value.problem is FitProblem.EMPTY
    with pytest.raises(LogisticFitError, match="x_twice") as caught:
        logistic_fit(responded, collinear)
    assert caught.value.problem is FitProblem.COLLINEAR
    # and a ridge penalty makes the collinear design fittable
    assert np.all(np.isfinite(logistic_fit(responded, collinear, ridge=1.0).coef))


def test_readable_table_orders_by_evidence_and_words_the_direction():
    # given 20,000 simulated contacts plus a noise variable without any effect
    rng = np.random.default_rng(11)
    n = 20_000
    strong = rng.normal(size=n)
    weak = rng.normal(size=n)
    noise = rng.normal(size=n)
    eta = -0.5 + 1.0 * strong - 0.1 * weak
    responded = rng.random(n) < 1.0 / (1.0 + np.exp(-eta))
    design = design_build(numeric={"noise": noise, "weak": weak, "strong": strong})

    # when
    fit = logistic_fit(responded, design)
    rows = readable_table(fit, alpha=0.05)

    # then sorted by |z|, without the intercept, with the direction codes
    assert [row.name for row in rows] == ["strong", "weak", "noise"]
    assert [row.direction for row in rows] == [
        Direction.RAISES,
        Direction.LOWERS,
        Direction.NO_CLEAR_EFFECT,
    ]
    assert [abs(row.z) for row in rows] == sorted((abs(row.z) for row in rows), reverse=True)
    # and each odds ratio is e^coef, its interval excluding 1 exactly when p < alpha
    for row in rows:
        assert row.odds_ratio == pytest.approx(np.exp(row.coef))
        assert row.odds_ratio_low < row.odds_ratio < row.odds_ratio_high
        excludes_one = row.odds_ratio_low > 1.0 or row.odds_ratio_high < 1.0
        assert excludes_one == (row.p_value < 0.05)
    # and the intercept appears on request
    assert INTERCEPT in [row.name for row in readable_table(fit, include_intercept=True)]


def test_intercept_only_model_when_every_column_is_dropped():
    # given a design whose only column is constant, and a true/false column
    design = design_build(numeric={"region": [1.0] * 8})
    flags = design_build(numeric={"has_card": [True, False] * 4})

    # when
    fit = logistic_fit([True, False, False, False] * 2, design)

    # then the intercept is the log odds of the response rate, and the table is empty
    assert fit.names == (INTERCEPT,)
    assert fit.coef[0] == pytest.approx(np.log(1 / 3))
    assert readable_table(fit) == ()
    assert fit.notes[0].code is NoteCode.CONSTANT_DROPPED
    # and true/false columns count as 0/1
    np.testing.assert_array_equal(flags.matrix[:, 0], [1.0, 0.0] * 4)
