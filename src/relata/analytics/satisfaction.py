"""Satisfaction figures: NPS with its uncertainty, CSAT, and whether touchpoints are under
control (DOMAIN.md §7, §17).

Everything works on *counts per answer value*, so a database can aggregate a million answers
with GROUP BY and hand over a few hundred numbers: NPS counts have 11 columns (answers 0–10),
CSAT counts 5 (answers 1–5); a row is a period, a touchpoint or any other group.

**NPS** = 100 · (p_pro − p_det), promoters answer 9–10, detractors 0–6. The answers of one
period are a multinomial sample, so with Var(p̂_i) = p_i(1 − p_i)/n and
Cov(p̂_pro, p̂_det) = −p_pro·p_det/n

    Var(p̂_pro − p̂_det) = (p_pro + p_det − (p_pro − p_det)²) / n

(the Wald variance of a net score; Rocks, "Interval estimation for the 'Net Promoter Score'",
The American Statistician 70(4), 2016, arXiv:1601.07235). The interval is NPS ± z·100·√Var,
clipped to [−100, 100]; it collapses to a point when every answer falls in one group, the
known weakness of Wald intervals at the edges. Two periods are independent samples, so a
change is tested with z = ΔNPS / √(Var₁ + Var₂), two-sided.

**CSAT**: the mean answer with a Student-t interval, and the share *satisfied* (4–5, the "CSAT
score" as usually reported) with a Wilson score interval (Wilson, JASA 22, 1927), and the
share *dissatisfied* (1–2).

**Control** (Shewhart p-chart for a varying sample size; Montgomery, Introduction to
Statistical Quality Control, ch. 7): per group, the share of dissatisfied answers per period.
The centre line p̄ is the pooled share over the baseline periods (those before the latest,
at most ``baseline_periods``), and each period gets limits from its own number of answers,
p̄ ± 3·√(p̄(1 − p̄)/n). As with trial limits, baseline periods outside their own limits are
left out once and p̄ is computed again, so one bad month does not widen the norm. The latest
period is *out of control* above the upper limit, *improved* below the lower one (possible
only when the lower limit is above 0), and *too few* when it or the baseline holds too few
answers for the normal approximation to mean much.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

from relata.analytics._checks import (
    FloatArray,
    IntArray,
    check_fraction,
    check_positive,
    int_array,
)

__all__ = [
    "CONTROL_STATUSES",
    "CSAT_VALUES",
    "IMPROVED",
    "IN_CONTROL",
    "NPS_VALUES",
    "OUT_OF_CONTROL",
    "TOO_FEW",
    "ControlChart",
    "CsatFigures",
    "CsatSeries",
    "NpsChange",
    "NpsFigures",
    "NpsSeries",
    "answer_counts",
    "csat_series",
    "csat_summary",
    "nps_change",
    "nps_series",
    "nps_summary",
    "p_chart",
]

NPS_VALUES = 11  # answers 0..10
CSAT_VALUES = 5  # answers 1..5
PROMOTER_FROM = 9
DETRACTOR_UP_TO = 6
SATISFIED_FROM = 4
DISSATISFIED_UP_TO = 2

IN_CONTROL = "in_control"
OUT_OF_CONTROL = "out_of_control"
IMPROVED = "improved"
TOO_FEW = "too_few"
CONTROL_STATUSES = (IN_CONTROL, OUT_OF_CONTROL, IMPROVED, TOO_FEW)

# Defaults of the control check (see docs/decisions/0910-satisfaction-control.md).
BASELINE_PERIODS = 12
MIN_ANSWERS = 20
MIN_BASELINE_ANSWERS = 50
SIGMAS = 3.0


def _z(confidence: float) -> float:
    check_fraction("confidence", confidence)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    return float(stats.norm.ppf(0.5 + confidence / 2))


def _count_matrix(name: str, counts: npt.ArrayLike, width: int) -> IntArray:
    """``counts`` as a (groups × width) matrix of non-negative whole numbers; one row of
    ``width`` counts is read as a single group."""
    try:
        raw = np.asarray(counts)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: cannot be read as an array ({exc})") from exc
    if raw.ndim == 1:
        raw = raw.reshape(1, -1)
    if raw.ndim != 2 or raw.shape[1] != width:
        raise ValueError(
            f"{name}: expected {width} counts per row (one per answer value), got shape {raw.shape}"
        )
    flat = int_array(name, raw.reshape(-1), nonnegative=True)
    return flat.reshape(raw.shape)


def _divide(numerator: FloatArray, denominator: IntArray | FloatArray) -> FloatArray:
    """Element-wise quotient, NaN where the denominator is 0."""
    out = np.full(np.shape(numerator), np.nan)
    np.divide(numerator, denominator, out=out, where=np.asarray(denominator) > 0)
    return out


def answer_counts(answers: npt.ArrayLike, *, low: int, high: int) -> IntArray:
    """How often each whole answer ``low..high`` occurs (raw answers to counts); a value
    outside the scale is refused with its position."""
    values = int_array("answers", answers)
    bad = (values < low) | (values > high)
    if bad.any():
        at = int(np.flatnonzero(bad)[0])
        raise ValueError(f"answers: {int(values[at])} at position {at} lies outside {low}–{high}")
    return np.bincount(values - low, minlength=high - low + 1).astype(np.int64)


# --- NPS -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NpsFigures:
    """The NPS of one group of answers. Shares are fractions; ``nps``, ``se``, ``low`` and
    ``high`` are points on the −100..100 scale (NaN without answers)."""

    answers: int
    promoters: int
    passives: int
    detractors: int
    promoter_share: float
    passive_share: float
    detractor_share: float
    nps: float
    se: float
    low: float
    high: float


@dataclass(frozen=True)
class NpsSeries:
    """The NPS per row (period or group) of a count matrix; arrays of one value per row."""

    counts: IntArray  # rows × 11
    answers: IntArray
    promoters: IntArray
    passives: IntArray
    detractors: IntArray
    promoter_share: FloatArray
    passive_share: FloatArray
    detractor_share: FloatArray
    nps: FloatArray
    se: FloatArray
    low: FloatArray
    high: FloatArray
    confidence: float

    def __len__(self) -> int:
        return int(self.answers.size)

    def at(self, row: int) -> NpsFigures:
        return NpsFigures(
            answers=int(self.answers[row]),
            promoters=int(self.promoters[row]),
            passives=int(self.passives[row]),
            detractors=int(self.detractors[row]),
            promoter_share=float(self.promoter_share[row]),
            passive_share=float(self.passive_share[row]),
            detractor_share=float(self.detractor_share[row]),
            nps=float(self.nps[row]),
            se=float(self.se[row]),
            low=float(self.low[row]),
            high=float(self.high[row]),
        )

    def total(self) -> NpsFigures:
        """The NPS of all rows together (answers pooled, not an average of the rows)."""
        return nps_series(self.counts.sum(axis=0), confidence=self.confidence).at(0)


def nps_series(counts: npt.ArrayLike, *, confidence: float = 0.95) -> NpsSeries:
    """NPS, its standard error and a Wald interval per row of ``counts`` (rows × 11, the
    number of answers 0, 1, …, 10); rows without answers get NaN."""
    matrix = _count_matrix("counts", counts, NPS_VALUES)
    z = _z(confidence)
    answers = matrix.sum(axis=1)
    promoters = matrix[:, PROMOTER_FROM:].sum(axis=1)
    detractors = matrix[:, : DETRACTOR_UP_TO + 1].sum(axis=1)
    passives = answers - promoters - detractors
    p_pro = _divide(promoters.astype(np.float64), answers)
    p_det = _divide(detractors.astype(np.float64), answers)
    net = p_pro - p_det
    variance = _divide(np.maximum(p_pro + p_det - net**2, 0.0), answers)
    se = 100 * np.sqrt(variance)
    nps = 100 * net
    return NpsSeries(
        counts=matrix,
        answers=answers,
        promoters=promoters,
        passives=passives,
        detractors=detractors,
        promoter_share=p_pro,
        passive_share=_divide(passives.astype(np.float64), answers),
        detractor_share=p_det,
        nps=nps,
        se=se,
        low=np.maximum(nps - z * se, -100.0),
        high=np.minimum(nps + z * se, 100.0),
        confidence=confidence,
    )


def nps_summary(answers: npt.ArrayLike, *, confidence: float = 0.95) -> NpsFigures:
    """The NPS of raw answers 0–10."""
    counts = answer_counts(answers, low=0, high=10)
    return nps_series(counts, confidence=confidence).at(0)


@dataclass(frozen=True)
class NpsChange:
    """The change of NPS from ``before`` to ``after`` (points) with a two-sided z-test of
    "no change"; ``p_value`` is NaN when either period has no answers or both have no
    spread (every answer in one group)."""

    before: NpsFigures
    after: NpsFigures
    difference: float
    se: float
    z: float
    p_value: float
    low: float
    high: float
    alpha: float

    @property
    def testable(self) -> bool:
        return bool(np.isfinite(self.p_value))

    @property
    def significant(self) -> bool:
        return self.testable and self.p_value < self.alpha


def nps_change(
    before: npt.ArrayLike, after: npt.ArrayLike, *, confidence: float = 0.95
) -> NpsChange:
    """Test the NPS change between two periods, each given as 11 counts (answers 0–10)."""
    both = nps_series(
        np.vstack(
            [
                _count_matrix("before", before, NPS_VALUES),
                _count_matrix("after", after, NPS_VALUES),
            ]
        ),
        confidence=confidence,
    )
    if len(both) != 2:
        raise ValueError("before and after must each be one row of 11 counts")
    first, second = both.at(0), both.at(1)
    difference = second.nps - first.nps
    se = float(np.sqrt(first.se**2 + second.se**2))
    if np.isfinite(se) and se > 0:
        z = difference / se
        p_value = float(2 * stats.norm.sf(abs(z)))
        half = _z(confidence) * se
        low, high = difference - half, difference + half
    else:
        z = p_value = low = high = float("nan")
    return NpsChange(
        before=first,
        after=second,
        difference=difference,
        se=se,
        z=z,
        p_value=p_value,
        low=low,
        high=high,
        alpha=1 - confidence,
    )


# --- CSAT ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CsatFigures:
    """CSAT of one group: mean answer (1–5) with its interval, and shares as fractions."""

    answers: int
    mean: float
    sd: float
    mean_low: float
    mean_high: float
    satisfied: int
    dissatisfied: int
    satisfied_share: float
    satisfied_low: float
    satisfied_high: float
    dissatisfied_share: float


@dataclass(frozen=True)
class CsatSeries:
    """CSAT per row of a count matrix (rows × 5, answers 1–5); NaN where a row has no
    answers (the mean's interval also needs two answers)."""

    counts: IntArray
    answers: IntArray
    mean: FloatArray
    sd: FloatArray
    mean_low: FloatArray
    mean_high: FloatArray
    satisfied: IntArray
    dissatisfied: IntArray
    satisfied_share: FloatArray
    satisfied_low: FloatArray
    satisfied_high: FloatArray
    dissatisfied_share: FloatArray
    confidence: float

    def __len__(self) -> int:
        return int(self.answers.size)

    def at(self, row: int) -> CsatFigures:
        return CsatFigures(
            answers=int(self.answers[row]),
            mean=float(self.mean[row]),
            sd=float(self.sd[row]),
            mean_low=float(self.mean_low[row]),
            mean_high=float(self.mean_high[row]),
            satisfied=int(self.satisfied[row]),
            dissatisfied=int(self.dissatisfied[row]),
            satisfied_share=float(self.satisfied_share[row]),
            satisfied_low=float(self.satisfied_low[row]),
            satisfied_high=float(self.satisfied_high[row]),
            dissatisfied_share=float(self.dissatisfied_share[row]),
        )

    def total(self) -> CsatFigures:
        return csat_series(self.counts.sum(axis=0), confidence=self.confidence).at(0)


def _wilson(successes: IntArray, trials: IntArray, z: float) -> tuple[FloatArray, FloatArray]:
    """The Wilson score interval of a share; NaN without trials."""
    n = np.maximum(trials, 1).astype(np.float64)
    p = successes / n
    scale = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / scale
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / scale
    empty = trials == 0
    low = np.where(empty, np.nan, np.maximum(centre - half, 0.0))
    high = np.where(empty, np.nan, np.minimum(centre + half, 1.0))
    return low, high


def csat_series(counts: npt.ArrayLike, *, confidence: float = 0.95) -> CsatSeries:
    """CSAT per row of ``counts`` (rows × 5: the number of answers 1, 2, …, 5)."""
    matrix = _count_matrix("counts", counts, CSAT_VALUES)
    z = _z(confidence)
    values = np.arange(1, CSAT_VALUES + 1, dtype=np.float64)
    answers = matrix.sum(axis=1)
    mean = _divide(matrix @ values, answers)
    squares = (matrix * (values[None, :] - np.nan_to_num(mean)[:, None]) ** 2).sum(axis=1)
    sd = np.sqrt(_divide(squares, answers - 1))
    t = np.full(answers.size, np.nan)
    enough = answers >= 2
    t[enough] = stats.t.ppf(0.5 + confidence / 2, answers[enough] - 1)
    half = t * _divide(sd, np.sqrt(answers.astype(np.float64)))
    satisfied = matrix[:, SATISFIED_FROM - 1 :].sum(axis=1)
    dissatisfied = matrix[:, :DISSATISFIED_UP_TO].sum(axis=1)
    satisfied_low, satisfied_high = _wilson(satisfied, answers, z)
    return CsatSeries(
        counts=matrix,
        answers=answers,
        mean=mean,
        sd=sd,
        mean_low=np.maximum(mean - half, 1.0),
        mean_high=np.minimum(mean + half, 5.0),
        satisfied=satisfied,
        dissatisfied=dissatisfied,
        satisfied_share=_divide(satisfied.astype(np.float64), answers),
        satisfied_low=satisfied_low,
        satisfied_high=satisfied_high,
        dissatisfied_share=_divide(dissatisfied.astype(np.float64), answers),
        confidence=confidence,
    )


def csat_summary(answers: npt.ArrayLike, *, confidence: float = 0.95) -> CsatFigures:
    """CSAT of raw answers 1–5."""
    counts = answer_counts(answers, low=1, high=5)
    return csat_series(counts, confidence=confidence).at(0)


# --- control -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ControlChart:
    """A p-chart per group (rows) over periods (columns); the last period is judged.

    ``share`` is NaN where a period has no answers, ``centre`` NaN where the baseline has
    none; ``in_baseline`` marks the periods the centre line was computed from (after the
    revision), ``signal`` the periods outside their limits (+1 above, −1 below, 0 inside)."""

    answers: IntArray  # groups × periods
    events: IntArray  # groups × periods (dissatisfied answers)
    share: FloatArray  # groups × periods
    centre: FloatArray  # groups
    upper: FloatArray  # groups × periods
    lower: FloatArray  # groups × periods
    in_baseline: npt.NDArray[np.bool_]  # groups × periods
    signal: npt.NDArray[np.int8]  # groups × periods
    baseline_answers: IntArray  # groups
    status: tuple[str, ...]  # one of CONTROL_STATUSES per group
    min_answers: int
    min_baseline_answers: int

    def __len__(self) -> int:
        return len(self.status)


def _limits(centre: FloatArray, answers: IntArray, sigmas: float) -> tuple[FloatArray, FloatArray]:
    spread = np.sqrt(centre * (1 - centre))[:, None]
    sigma = _divide(np.broadcast_to(spread, answers.shape).copy(), np.sqrt(answers))
    upper = np.minimum(centre[:, None] + sigmas * sigma, 1.0)
    lower = np.maximum(centre[:, None] - sigmas * sigma, 0.0)
    return upper, lower


def _signals(share: FloatArray, upper: FloatArray, lower: FloatArray) -> npt.NDArray[np.int8]:
    known = np.isfinite(share) & np.isfinite(upper)
    above = known & (share > upper)
    below = known & (share < lower)
    return above.astype(np.int8) - below.astype(np.int8)


def p_chart(
    events: npt.ArrayLike,
    answers: npt.ArrayLike,
    *,
    baseline_periods: int = BASELINE_PERIODS,
    min_answers: int = MIN_ANSWERS,
    min_baseline_answers: int = MIN_BASELINE_ANSWERS,
    sigmas: float = SIGMAS,
    revise: bool = True,
) -> ControlChart:
    """Judge the latest period of each group against a p-chart (see the module).

    ``events`` and ``answers``: groups × periods counts (a one-dimensional pair is one
    group), oldest period first, the judged period last; ``events`` (here: dissatisfied
    answers) never exceed ``answers``. The baseline is the up to ``baseline_periods``
    periods before the last. ``min_answers``: fewest answers in the latest period,
    ``min_baseline_answers``: in the baseline (after the revision), for a verdict.
    """
    event_matrix = np.atleast_2d(np.asarray(events))
    answer_matrix = np.atleast_2d(np.asarray(answers))
    if event_matrix.ndim != 2 or event_matrix.shape != answer_matrix.shape:
        raise ValueError(
            f"events and answers must have the same groups × periods shape, got "
            f"{event_matrix.shape} and {answer_matrix.shape}"
        )
    shape = event_matrix.shape
    d = int_array("events", event_matrix.reshape(-1), nonnegative=True).reshape(shape)
    n = int_array("answers", answer_matrix.reshape(-1), nonnegative=True).reshape(shape)
    over = d > n
    if over.any():
        group, period = (int(i[0]) for i in np.nonzero(over))
        raise ValueError(
            f"events: {int(d[group, period])} events out of {int(n[group, period])} answers "
            f"in group {group}, period {period}"
        )
    if shape[1] == 0:
        raise ValueError("answers: at least one period is needed")
    if baseline_periods < 1:
        raise ValueError(f"baseline_periods must be at least 1, got {baseline_periods!r}")
    if min_answers < 1 or min_baseline_answers < 1:
        raise ValueError("min_answers and min_baseline_answers must be at least 1")
    check_positive("sigmas", sigmas)

    periods = shape[1]
    share = _divide(d.astype(np.float64), n)
    window = np.zeros(shape, dtype=np.bool_)
    window[:, max(periods - 1 - baseline_periods, 0) : periods - 1] = True
    in_baseline = window & (n > 0)

    def pooled(mask: npt.NDArray[np.bool_]) -> tuple[FloatArray, IntArray]:
        total = np.where(mask, n, 0).sum(axis=1)
        return _divide(np.where(mask, d, 0).sum(axis=1).astype(np.float64), total), total

    centre, baseline_n = pooled(in_baseline)
    if revise:
        upper, lower = _limits(centre, n, sigmas)
        outside = in_baseline & (_signals(share, upper, lower) != 0)
        if outside.any():
            in_baseline = in_baseline & ~outside
            centre, baseline_n = pooled(in_baseline)
    upper, lower = _limits(centre, n, sigmas)
    signal = _signals(share, upper, lower)

    latest_n = n[:, -1]
    enough = (latest_n >= min_answers) & (baseline_n >= min_baseline_answers)
    latest = signal[:, -1]
    status = tuple(
        TOO_FEW if not ok else OUT_OF_CONTROL if flag > 0 else IMPROVED if flag < 0 else IN_CONTROL
        for ok, flag in zip(enough.tolist(), latest.tolist(), strict=True)
    )
    return ControlChart(
        answers=n,
        events=d,
        share=share,
        centre=centre,
        upper=upper,
        lower=lower,
        in_baseline=in_baseline,
        signal=signal,
        baseline_answers=baseline_n,
        status=status,
        min_answers=min_answers,
        min_baseline_answers=min_baseline_answers,
    )
