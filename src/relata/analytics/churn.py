"""Churn risk per customer, and the "can't lose them" list.

DOMAIN.md §7. Three signals, each scaled to 0–1:

- **alive**: ``1 − P(alive)`` (P(alive) from BG/NBD; left out when not given);
- **recency**: how overdue the customer is against their usual inter-purchase time,
  ``ratio = recency ÷ usual gap`` and
  ``clip((ratio − overdue_start) / (overdue_full − overdue_start), 0, 1)`` — 0 while the customer
  is within their usual rhythm, 1 at three times it (defaults). The usual gap is the median
  of the customer's own gaps between distinct purchase days; customers with fewer than two
  purchase days get the median of all known gaps (``fallback_gap_days`` when nobody has one);
  a usual gap below one day counts as one day;
- **contract**: 1 when a contract ends within ``contract_window_days`` (or has ended and was
  not renewed), else 0.

They are combined as a weighted noisy-OR, ``score = 1 − Π (1 − weight·signal)``, so one strong
signal is enough and several weak ones add up. Level: high from 0.6, medium from 0.3.
Customers who never bought have no churn risk (score 0, level ``NOT_APPLICABLE``).
"Can't lose them" = a high-value tier (Top, Big) with a high level; list them first
(``churn_priority``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from relata.analytics._checks import (
    BoolArray,
    CodeArray,
    FloatArray,
    IntArray,
    check_fraction,
    check_positive,
    code_array,
    float_array,
    int_array,
    quantile_of_grouped,
    same_length,
)
from relata.analytics.pyramid import Tier

__all__ = [
    "DRIVER_LABELS",
    "LEVEL_LABELS",
    "ChurnDriver",
    "ChurnLevel",
    "ChurnResult",
    "ChurnSettings",
    "InterpurchaseGaps",
    "churn_compute",
    "churn_priority",
    "interpurchase_gaps",
]


class ChurnLevel(IntEnum):
    NOT_APPLICABLE = 0  # never bought
    LOW = 1
    MEDIUM = 2
    HIGH = 3


LEVEL_LABELS: dict[ChurnLevel, str] = {
    ChurnLevel.NOT_APPLICABLE: "Not applicable",
    ChurnLevel.LOW: "Low",
    ChurnLevel.MEDIUM: "Medium",
    ChurnLevel.HIGH: "High",
}


class ChurnDriver(IntEnum):
    """The signal that contributes most to a customer's score."""

    NONE = 0
    ALIVE = 1
    RECENCY = 2
    CONTRACT = 3


DRIVER_LABELS: dict[ChurnDriver, str] = {
    ChurnDriver.NONE: "No risk signal",
    ChurnDriver.ALIVE: "Low probability of being alive",
    ChurnDriver.RECENCY: "Overdue against usual purchase rhythm",
    ChurnDriver.CONTRACT: "Contract ends soon",
}


@dataclass(frozen=True)
class ChurnSettings:
    overdue_start: float = 1.0  # recency ÷ usual gap where the recency signal starts
    overdue_full: float = 3.0  # ... and where it reaches 1
    fallback_gap_days: float = 365.0  # usual gap when no customer has two purchase days
    contract_window_days: float = 90.0
    weight_alive: float = 1.0
    weight_recency: float = 1.0
    weight_contract: float = 0.5
    medium_from: float = 0.3
    high_from: float = 0.6
    high_value_tiers: tuple[int, ...] = (Tier.TOP, Tier.BIG)

    def __post_init__(self) -> None:
        check_positive("overdue_start", self.overdue_start)
        if not self.overdue_full > self.overdue_start:
            raise ValueError(
                f"overdue_full ({self.overdue_full}) must be above overdue_start "
                f"({self.overdue_start})"
            )
        check_positive("overdue_full", self.overdue_full)
        check_positive("fallback_gap_days", self.fallback_gap_days)
        if not (np.isfinite(self.contract_window_days) and self.contract_window_days >= 0):
            raise ValueError(
                f"contract_window_days must be 0 or more, got {self.contract_window_days!r}"
            )
        for name in ("weight_alive", "weight_recency", "weight_contract"):
            check_fraction(name, getattr(self, name))
        check_fraction("medium_from", self.medium_from)
        check_fraction("high_from", self.high_from)
        if self.medium_from > self.high_from:
            raise ValueError("medium_from must not be above high_from")


@dataclass(frozen=True)
class InterpurchaseGaps:
    median_days: FloatArray  # median gap between distinct purchase days; 0 where unknown
    known: BoolArray  # at least two distinct purchase days
    purchase_days: IntArray  # distinct purchase days per customer


@dataclass(frozen=True)
class ChurnResult:
    score: FloatArray  # 0–1
    level: CodeArray  # ``ChurnLevel``
    driver: CodeArray  # ``ChurnDriver``
    alive_signal: FloatArray
    recency_signal: FloatArray
    contract_signal: FloatArray
    overdue_ratio: FloatArray  # recency ÷ usual gap (0 for never-buyers)
    cant_lose: BoolArray  # high-value tier and high risk


def interpurchase_gaps(
    customer: npt.ArrayLike, day: npt.ArrayLike, n_customers: int
) -> InterpurchaseGaps:
    """Median gap between distinct purchase days per customer, from purchase events.

    ``customer``: customer index 0..n_customers−1 per purchase; ``day``: its day number (any
    origin, e.g. days since 1970). Same-day purchases merge into one.
    """
    if n_customers < 0:
        raise ValueError(f"n_customers must be 0 or more, got {n_customers}")
    who = int_array("customer", customer, nonnegative=True)
    when = float_array("day", day)
    same_length(customer=who, day=when)
    if who.size and int(who.max()) >= n_customers:
        position = int(np.argmax(who >= n_customers))
        raise ValueError(
            f"customer: index {int(who[position])} at position {position} is not below "
            f"n_customers={n_customers}"
        )
    if who.size == 0:
        zeros = np.zeros(n_customers)
        return InterpurchaseGaps(zeros, zeros > 0, np.zeros(n_customers, dtype=np.int64))
    # One int64 key per (customer, day): one sort, then drop repeats (same-day purchases).
    # (np.unique is avoided: NumPy 2.4 hashes, which is many times slower here.)
    days = np.floor(when).astype(np.int64)
    first_day = int(days.min())
    span = int(days.max()) - first_day + 1
    if n_customers * (span + 1) >= 2**62:
        raise ValueError(f"day: range of {span} days is too wide for {n_customers} customers")
    key = np.sort(who * span + (days - first_day))
    key = key[np.concatenate(([True], key[1:] != key[:-1]))]
    who, days = key // span, key % span
    purchase_days = np.bincount(who, minlength=n_customers).astype(np.int64)
    same_customer = who[1:] == who[:-1]
    gap_owner = who[1:][same_customer]
    gaps = (days[1:] - days[:-1])[same_customer]
    # Gaps are whole days in 1..span: again one int64 key orders them within each customer.
    sorted_gaps = (np.sort(gap_owner * (span + 1) + gaps) % (span + 1)).astype(np.float64)
    count = np.bincount(gap_owner, minlength=n_customers).astype(np.int64)
    median = quantile_of_grouped(sorted_gaps, count, 0.5)
    return InterpurchaseGaps(median, count > 0, purchase_days)


def churn_compute(
    recency_days: npt.ArrayLike,
    *,
    usual_gap_days: npt.ArrayLike | None = None,
    p_alive: npt.ArrayLike | None = None,
    contract_days_left: npt.ArrayLike | None = None,
    tier: npt.ArrayLike | None = None,
    settings: ChurnSettings | None = None,
) -> ChurnResult:
    """Churn score, level and driver per customer.

    ``recency_days``: days since the last purchase (``+inf`` = never bought).
    ``usual_gap_days``: median inter-purchase days (``+inf`` or 0 = unknown; see
    ``interpurchase_gaps``); without it every customer uses the fallback gap.
    ``p_alive``: P(alive) in 0–1. ``contract_days_left``: days until the contract ends
    (negative = ended, ``+inf`` = no contract). ``tier``: pyramid ``Tier`` codes, for
    ``cant_lose``.
    """
    settings = settings or ChurnSettings()
    recency = float_array("recency_days", recency_days, nonnegative=True, allow_posinf=True)
    n = recency.size
    bought = np.isfinite(recency)

    if usual_gap_days is None:
        gap = np.zeros(n)
    else:
        gap = float_array("usual_gap_days", usual_gap_days, nonnegative=True, allow_posinf=True)
        same_length(recency_days=recency, usual_gap_days=gap)
    gap_known = np.isfinite(gap) & (gap > 0)
    fallback = float(np.median(gap[gap_known])) if gap_known.any() else settings.fallback_gap_days
    # Same-day purchases merge, so a real gap is at least one day.
    usual = np.maximum(np.where(gap_known, gap, fallback), 1.0)
    overdue = np.zeros(n)
    np.divide(recency, usual, out=overdue, where=bought)
    span = settings.overdue_full - settings.overdue_start
    recency_signal = np.clip((overdue - settings.overdue_start) / span, 0.0, 1.0)

    if p_alive is None:
        alive_signal = np.zeros(n)
    else:
        alive = float_array("p_alive", p_alive, unit_interval=True)
        same_length(recency_days=recency, p_alive=alive)
        alive_signal = 1.0 - alive

    if contract_days_left is None:
        contract_signal = np.zeros(n)
    else:
        left = float_array("contract_days_left", contract_days_left, allow_posinf=True)
        same_length(recency_days=recency, contract_days_left=left)
        contract_signal = (left <= settings.contract_window_days).astype(np.float64)

    for signal in (alive_signal, recency_signal, contract_signal):
        signal[~bought] = 0.0
    weighted = np.stack(
        [
            settings.weight_alive * alive_signal,
            settings.weight_recency * recency_signal,
            settings.weight_contract * contract_signal,
        ]
    )
    score = np.clip(1.0 - np.prod(1.0 - weighted, axis=0), 0.0, 1.0)
    driver = np.where(weighted.max(axis=0) > 0, weighted.argmax(axis=0) + 1, ChurnDriver.NONE)
    level = np.select(
        [~bought, score >= settings.high_from, score >= settings.medium_from],
        [ChurnLevel.NOT_APPLICABLE, ChurnLevel.HIGH, ChurnLevel.MEDIUM],
        default=ChurnLevel.LOW,
    ).astype(np.int8)

    if tier is None:
        cant_lose = np.zeros(n, dtype=np.bool_)
    else:
        codes = code_array("tier", tier, tuple(int(t) for t in Tier))
        same_length(recency_days=recency, tier=codes)
        high_value = np.isin(codes, np.asarray(settings.high_value_tiers, dtype=np.int8))
        cant_lose = high_value & (level == ChurnLevel.HIGH)
    return ChurnResult(
        score=score,
        level=level,
        driver=driver.astype(np.int8),
        alive_signal=alive_signal,
        recency_signal=recency_signal,
        contract_signal=contract_signal,
        overdue_ratio=overdue,
        cant_lose=cant_lose,
    )


def churn_priority(result: ChurnResult, value: npt.ArrayLike) -> IntArray:
    """Customer positions in list order: can't-lose first, then by score, then by value."""
    values = float_array("value", value)
    same_length(score=result.score, value=values)
    return np.lexsort((-values, -result.score, ~result.cant_lose)).astype(np.int64)
