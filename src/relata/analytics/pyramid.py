"""The customer pyramid (klantenpiramide): value tiers, per-tier summary and the Pareto curve.

DOMAIN.md §3. Over an analysis period, *active* customers (value above zero in the period,
unless an explicit ``active`` mask is given) are ranked by value and cut into Top (best 1%),
Big (next 4%), Medium (next 15%) and Small (the rest). Customers who bought before but not in
the period are Inactive; never-buyers in contact are Prospects; the rest are Suspects.

Cut rule: with ``n`` active customers, the cumulative cut counts are
``ceil(top·n)``, ``ceil((top+big)·n)``, ``ceil((top+big+medium)·n)`` (at least one Top when
``n ≥ 1``). The value of the last customer inside a cut is that tier's threshold, and every
customer with a value at or above a threshold gets that tier — so ties at a boundary go to the
higher tier, and equal values always share a tier.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from relata.analytics._checks import (
    BoolArray,
    CodeArray,
    FloatArray,
    IntArray,
    bool_array,
    check_fraction,
    code_array,
    float_array,
    same_length,
)

__all__ = [
    "ACTIVE_TIERS",
    "PYRAMID_TIERS",
    "TIER_LABELS",
    "ParetoCurve",
    "PyramidResult",
    "PyramidSettings",
    "PyramidThresholds",
    "Tier",
    "TierSummary",
    "pareto_curve",
    "pyramid_compute",
    "pyramid_thresholds",
    "pyramid_tiers",
    "tier_summary",
    "top_share",
]


class Tier(IntEnum):
    """Pyramid tier codes as stored in snapshots (small ints; lower active code = better)."""

    NONE = 0  # no record for the period (only used as input to migration)
    TOP = 1
    BIG = 2
    MEDIUM = 3
    SMALL = 4
    INACTIVE = 5
    PROSPECT = 6
    SUSPECT = 7


TIER_LABELS: dict[Tier, str] = {
    Tier.NONE: "None",
    Tier.TOP: "Top",
    Tier.BIG: "Big",
    Tier.MEDIUM: "Medium",
    Tier.SMALL: "Small",
    Tier.INACTIVE: "Inactive",
    Tier.PROSPECT: "Prospect",
    Tier.SUSPECT: "Suspect",
}

ACTIVE_TIERS: tuple[Tier, ...] = (Tier.TOP, Tier.BIG, Tier.MEDIUM, Tier.SMALL)
#: The tiers a pyramid assigns (every customer gets one of these), in display order.
PYRAMID_TIERS: tuple[Tier, ...] = (*ACTIVE_TIERS, Tier.INACTIVE, Tier.PROSPECT, Tier.SUSPECT)


@dataclass(frozen=True)
class PyramidSettings:
    """Tier shares of the active customers (DOMAIN §3 defaults: 1% / 4% / 15% / rest)."""

    top: float = 0.01
    big: float = 0.04
    medium: float = 0.15
    pareto_share: float = 0.20  # "share of revenue of the top 20%"
    pareto_points: int = 200  # at most this many points on the charted Pareto curve

    def __post_init__(self) -> None:
        check_fraction("top", self.top)
        if self.top <= 0:
            raise ValueError("top must be above 0: the pyramid always has a Top tier")
        check_fraction("big", self.big)
        check_fraction("medium", self.medium)
        check_fraction("top + big + medium", self.top + self.big + self.medium)
        check_fraction("pareto_share", self.pareto_share)
        if self.pareto_points < 2:
            raise ValueError(f"pareto_points must be at least 2, got {self.pareto_points}")


@dataclass(frozen=True)
class PyramidThresholds:
    """Cut counts and the minimum value of each active tier (0 values when no one is active)."""

    active_customers: int
    top_count: int  # cumulative cut counts before tie extension
    big_count: int
    medium_count: int
    top_min_value: float
    big_min_value: float
    medium_min_value: float


@dataclass(frozen=True)
class TierSummary:
    """One row per tier in ``PYRAMID_TIERS`` order. Percentages are 0–100."""

    tier: CodeArray
    customers: IntArray
    pct_customers: FloatArray  # of all customers given
    pct_active_customers: FloatArray  # of active customers; 0 for non-active tiers
    value: FloatArray  # total period value of the tier
    pct_value: FloatArray  # of the total period value (0 everywhere when that total ≤ 0)
    average_value: FloatArray  # value ÷ customers; 0 for empty tiers


@dataclass(frozen=True)
class ParetoCurve:
    """Cumulative share of active customers (x, best first) against share of value (y), 0–1."""

    customer_share: FloatArray
    value_share: FloatArray


@dataclass(frozen=True)
class PyramidResult:
    tier: CodeArray
    thresholds: PyramidThresholds
    summary: TierSummary
    pareto: ParetoCurve
    top_share: float  # share (0–1) of value earned by the best ``pareto_share`` of customers


def _cut(fraction: float, n: int) -> int:
    # round() first so that e.g. (0.01 + 0.04) · 100 = 5.000000000000001 cuts at 5, not 6.
    return min(n, math.ceil(round(fraction * n, 9)))


def _active_mask(value: FloatArray, active: npt.ArrayLike | None) -> BoolArray:
    if active is None:
        return value > 0
    mask = bool_array("active", active)
    same_length(value=value, active=mask)
    return mask


def pyramid_thresholds(
    value: npt.ArrayLike,
    *,
    settings: PyramidSettings | None = None,
    active: npt.ArrayLike | None = None,
) -> PyramidThresholds:
    """The cut counts and tier threshold values for the active customers in ``value``."""
    settings = settings or PyramidSettings()
    values = float_array("value", value)
    mask = _active_mask(values, active)
    ranked = np.sort(values[mask])[::-1]
    n = int(ranked.size)
    if n == 0:
        return PyramidThresholds(0, 0, 0, 0, 0.0, 0.0, 0.0)
    top_count = max(1, _cut(settings.top, n))
    big_count = max(top_count, _cut(settings.top + settings.big, n))
    medium_count = max(big_count, _cut(settings.top + settings.big + settings.medium, n))

    def threshold(count: int) -> float:
        # A zero-width tier gets a threshold above every value, so nobody falls in it.
        return float(ranked[count - 1]) if count > 0 else math.inf

    top_min = threshold(top_count)
    big_min = threshold(big_count) if big_count > top_count else top_min
    medium_min = threshold(medium_count) if medium_count > big_count else big_min
    return PyramidThresholds(n, top_count, big_count, medium_count, top_min, big_min, medium_min)


def pyramid_tiers(
    value: npt.ArrayLike,
    ever_bought: npt.ArrayLike,
    in_contact: npt.ArrayLike,
    *,
    settings: PyramidSettings | None = None,
    active: npt.ArrayLike | None = None,
) -> CodeArray:
    """One ``Tier`` code per customer.

    ``value``: period value (revenue or margin), no NaN. ``ever_bought``: bought at any time up
    to the end of the period. ``in_contact``: lead, deal or contact moment. ``active``: who
    counts as active (default ``value > 0``); pass it when ranking by margin, so that a
    customer who bought at a loss is ranked (at the bottom) instead of called Inactive.
    An active customer is a buyer even if ``ever_bought`` says otherwise.
    Empty input gives an empty result.
    """
    values = float_array("value", value)
    bought = bool_array("ever_bought", ever_bought)
    contact = bool_array("in_contact", in_contact)
    same_length(value=values, ever_bought=bought, in_contact=contact)
    mask = _active_mask(values, active)
    cuts = pyramid_thresholds(values, settings=settings, active=mask)

    tier = np.full(values.size, Tier.SUSPECT, dtype=np.int8)
    tier[contact] = Tier.PROSPECT
    tier[bought] = Tier.INACTIVE
    if cuts.active_customers:
        ranked = np.select(
            [
                values >= cuts.top_min_value,
                values >= cuts.big_min_value,
                values >= cuts.medium_min_value,
            ],
            [Tier.TOP, Tier.BIG, Tier.MEDIUM],
            default=Tier.SMALL,
        ).astype(np.int8)
        tier[mask] = ranked[mask]
    return tier


def tier_summary(tier: npt.ArrayLike, value: npt.ArrayLike) -> TierSummary:
    """Per-tier counts, value totals, shares and averages (rows in ``PYRAMID_TIERS`` order)."""
    codes = code_array("tier", tier, tuple(int(t) for t in PYRAMID_TIERS))
    values = float_array("value", value)
    same_length(tier=codes, value=values)
    size = len(Tier)
    counts = np.bincount(codes, minlength=size).astype(np.int64)
    totals = np.bincount(codes, weights=values, minlength=size)
    rows = np.asarray([int(t) for t in PYRAMID_TIERS], dtype=np.int64)
    counts, totals = counts[rows], totals[rows]

    n_all = int(codes.size)
    n_active = int(counts[: len(ACTIVE_TIERS)].sum())
    grand_total = float(totals.sum())
    pct_customers = counts * (100.0 / n_all) if n_all else np.zeros(rows.size)
    pct_active = np.zeros(rows.size)
    if n_active:
        pct_active[: len(ACTIVE_TIERS)] = counts[: len(ACTIVE_TIERS)] * (100.0 / n_active)
    pct_value = totals * (100.0 / grand_total) if grand_total > 0 else np.zeros(rows.size)
    average = np.divide(totals, counts, out=np.zeros(rows.size), where=counts > 0)
    return TierSummary(
        tier=rows.astype(np.int8),
        customers=counts,
        pct_customers=pct_customers.astype(np.float64),
        pct_active_customers=pct_active,
        value=totals.astype(np.float64),
        pct_value=pct_value.astype(np.float64),
        average_value=average,
    )


def _ranked_positive(value: npt.ArrayLike, active: npt.ArrayLike | None) -> FloatArray:
    values = float_array("value", value)
    mask = _active_mask(values, active)
    # Losses (negative margin) cannot own a share of the total; they count as zero here.
    return np.sort(np.maximum(values[mask], 0.0))[::-1]


def pareto_curve(
    value: npt.ArrayLike,
    *,
    active: npt.ArrayLike | None = None,
    max_points: int = 200,
) -> ParetoCurve:
    """The 80/20 curve of the active customers, downsampled to at most ``max_points`` points.

    Starts at (0, 0) and ends at (1, 1). No active customers or no positive value: the curve
    is the single point (0, 0).
    """
    if max_points < 2:
        raise ValueError(f"max_points must be at least 2, got {max_points}")
    ranked = _ranked_positive(value, active)
    n = int(ranked.size)
    total = float(ranked.sum())
    if n == 0 or total <= 0:
        return ParetoCurve(np.zeros(1), np.zeros(1))
    cumulative = np.concatenate(([0.0], np.cumsum(ranked)))
    index = np.unique(np.linspace(0, n, num=min(n + 1, max_points)).round().astype(np.int64))
    value_share = np.minimum(cumulative[index] / total, 1.0)
    value_share[-1] = 1.0
    return ParetoCurve(index / n, value_share)


def top_share(
    value: npt.ArrayLike, *, fraction: float = 0.20, active: npt.ArrayLike | None = None
) -> float:
    """Share (0–1) of total value earned by the best ``ceil(fraction · n)`` active customers.

    0.0 when there are no active customers or no positive value.
    """
    check_fraction("fraction", fraction)
    ranked = _ranked_positive(value, active)
    total = float(ranked.sum())
    if ranked.size == 0 or total <= 0:
        return 0.0
    count = _cut(fraction, int(ranked.size))
    return min(1.0, float(ranked[:count].sum()) / total)


def pyramid_compute(
    value: npt.ArrayLike,
    ever_bought: npt.ArrayLike,
    in_contact: npt.ArrayLike,
    *,
    settings: PyramidSettings | None = None,
    active: npt.ArrayLike | None = None,
) -> PyramidResult:
    """Tiers, thresholds, per-tier summary, Pareto curve and top share in one call."""
    settings = settings or PyramidSettings()
    values = float_array("value", value)
    mask = _active_mask(values, active)
    tier = pyramid_tiers(values, ever_bought, in_contact, settings=settings, active=mask)
    return PyramidResult(
        tier=tier,
        thresholds=pyramid_thresholds(values, settings=settings, active=mask),
        summary=tier_summary(tier, values),
        pareto=pareto_curve(values, active=mask, max_points=settings.pareto_points),
        top_share=top_share(values, fraction=settings.pareto_share, active=mask),
    )
