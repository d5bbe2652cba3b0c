"""Current and potential customer value, share of wallet, and the value-grid decision.

DOMAIN.md §6. All values here are *annual* amounts in the same unit (revenue or margin).

- **Current value** (huidige klantwaarde): what the customer is worth per year if behaviour
  stays as it is: ``frequency × spend`` (purchases per year × average spend per purchase), or
  a ``current`` array the caller passes in (e.g. expected annual value from BG/NBD and
  Gamma-Gamma).
- **Potential value** (potentiële klantwaarde): what the customer would be worth if behaviour
  developed well. Where the customer's category spend (wallet) is known:
  ``max(own, wallet_target × category_spend)``. Elsewhere: frequency and spend each raised to
  the ``percentile`` (default 75th) of the customer's segment,
  ``max(f, P75 f) × max(s, P75 s)``; the percentiles are taken over the segment's buyers
  (frequency > 0). With a ``current`` array, potential = current + that annual gap.
- **Share of wallet** (klantaandeel): own annual spend ÷ declared category spend, clipped to
  0–1; unknown (NaN, zero or negative declared spend) → ``known`` is false and share is 0.
- **Grid decision**: *serve differently* when profit is negative now and at potential;
  otherwise *develop* when potential ≥ ``develop_ratio`` × current (and above current);
  otherwise *retain*.
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
    float_array,
    group_quantile,
    int_array,
    same_length,
)

__all__ = [
    "GRID_LABELS",
    "METHOD_LABELS",
    "RATIO_CAP",
    "GridDecision",
    "PotentialMethod",
    "PotentialResult",
    "PotentialSettings",
    "ShareOfWallet",
    "growth_ratio",
    "potential_compute",
    "profit_at_potential",
    "share_of_wallet",
    "value_grid",
]


class GridDecision(IntEnum):
    RETAIN = 1
    DEVELOP = 2
    SERVE_DIFFERENTLY = 3


GRID_LABELS: dict[GridDecision, str] = {
    GridDecision.RETAIN: "Retain",
    GridDecision.DEVELOP: "Develop",
    GridDecision.SERVE_DIFFERENTLY: "Serve differently",
}


class PotentialMethod(IntEnum):
    SEGMENT_PERCENTILE = 1
    WALLET_TARGET = 2


METHOD_LABELS: dict[PotentialMethod, str] = {
    PotentialMethod.SEGMENT_PERCENTILE: "Frequency and spend at the segment's percentile",
    PotentialMethod.WALLET_TARGET: "Share of wallet raised to its target",
}


@dataclass(frozen=True)
class PotentialSettings:
    percentile: float = 0.75  # frequency and spend raised to this segment percentile
    wallet_target: float = 0.50  # target share of wallet where the wallet is known
    develop_ratio: float = 1.5  # "potential well above current": potential ≥ 1.5 × current

    def __post_init__(self) -> None:
        check_fraction("percentile", self.percentile)
        check_fraction("wallet_target", self.wallet_target)
        check_positive("develop_ratio", self.develop_ratio)
        if self.develop_ratio < 1:
            raise ValueError(f"develop_ratio must be at least 1, got {self.develop_ratio!r}")


@dataclass(frozen=True)
class ShareOfWallet:
    share: FloatArray  # 0–1; 0 where unknown
    known: BoolArray


@dataclass(frozen=True)
class PotentialResult:
    current: FloatArray
    potential: FloatArray  # ≥ current
    gap: FloatArray  # potential − current, ≥ 0
    growth_ratio: FloatArray  # potential ÷ current where current > 0, else 0
    ratio_known: BoolArray  # current > 0
    method: CodeArray  # ``PotentialMethod`` per customer
    share_of_wallet: ShareOfWallet
    segment_frequency: FloatArray  # per segment code: the percentile of frequency
    segment_spend: FloatArray  # per segment code: the percentile of spend


def share_of_wallet(own_spend: npt.ArrayLike, category_spend: npt.ArrayLike) -> ShareOfWallet:
    """Own spend ÷ category spend; NaN, zero or negative category spend means unknown."""
    own = float_array("own_spend", own_spend, nonnegative=True)
    try:
        raw = np.asarray(category_spend, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"category_spend: expected numbers or NaN ({exc})") from exc
    if raw.ndim != 1:
        raise ValueError(f"category_spend: expected a one-dimensional array, got {raw.shape}")
    same_length(own_spend=own, category_spend=raw)
    known = np.isfinite(raw) & (raw > 0)
    share = np.zeros(own.size)
    with np.errstate(over="ignore"):  # a tiny wallet gives +inf, clipped to 1 below
        np.divide(own, raw, out=share, where=known)
    return ShareOfWallet(np.clip(share, 0.0, 1.0), known)


#: Upper bound of ``growth_ratio`` (a near-zero current value would otherwise give infinity).
RATIO_CAP = 1e9


def growth_ratio(current: FloatArray, potential: FloatArray) -> tuple[FloatArray, BoolArray]:
    """potential ÷ current where current > 0 (else 0, capped at ``RATIO_CAP``), and that mask."""
    known = current > 0
    ratio = np.zeros(current.size)
    with np.errstate(over="ignore"):
        np.divide(potential, current, out=ratio, where=known)
    return np.minimum(ratio, RATIO_CAP), known


def potential_compute(
    frequency: npt.ArrayLike,
    spend: npt.ArrayLike,
    segment: npt.ArrayLike,
    *,
    category_spend: npt.ArrayLike | None = None,
    current: npt.ArrayLike | None = None,
    settings: PotentialSettings | None = None,
) -> PotentialResult:
    """Current and potential annual value per customer.

    ``frequency``: purchases per year (≥ 0). ``spend``: average spend per purchase (≥ 0; use
    0 for customers without purchases). ``segment``: segment code per customer (ints ≥ 0,
    e.g. a sector or persona id). ``category_spend``: declared annual category spend, NaN where
    unknown. ``current``: annual current value to use instead of ``frequency × spend``.
    """
    settings = settings or PotentialSettings()
    freq = float_array("frequency", frequency, nonnegative=True)
    avg_spend = float_array("spend", spend, nonnegative=True)
    groups: IntArray = int_array("segment", segment, nonnegative=True)
    same_length(frequency=freq, spend=avg_spend, segment=groups)
    n = freq.size
    own_annual = freq * avg_spend

    n_groups = int(groups.max()) + 1 if n else 0
    buyers = freq > 0
    seg_freq, _ = group_quantile(freq[buyers], groups[buyers], n_groups, settings.percentile)
    seg_spend, _ = group_quantile(avg_spend[buyers], groups[buyers], n_groups, settings.percentile)
    potential_annual = np.maximum(freq, seg_freq[groups]) * np.maximum(avg_spend, seg_spend[groups])
    method = np.full(n, PotentialMethod.SEGMENT_PERCENTILE, dtype=np.int8)

    if category_spend is None:
        wallet = ShareOfWallet(np.zeros(n), np.zeros(n, dtype=np.bool_))
    else:
        wallet = share_of_wallet(own_annual, category_spend)
        declared = np.where(wallet.known, np.asarray(category_spend, dtype=np.float64), 0.0)
        potential_annual = np.where(
            wallet.known,
            np.maximum(own_annual, settings.wallet_target * declared),
            potential_annual,
        )
        method[wallet.known] = PotentialMethod.WALLET_TARGET

    gap = np.maximum(potential_annual - own_annual, 0.0)
    if current is None:
        current_value = own_annual
    else:
        current_value = float_array("current", current)
        same_length(frequency=freq, current=current_value)
    potential_value = current_value + gap
    ratio, ratio_known = growth_ratio(current_value, potential_value)
    return PotentialResult(
        current=current_value,
        potential=potential_value,
        gap=gap,
        growth_ratio=ratio,
        ratio_known=ratio_known,
        method=method,
        share_of_wallet=wallet,
        segment_frequency=seg_freq,
        segment_spend=seg_spend,
    )


def profit_at_potential(
    profit_now: npt.ArrayLike,
    current: npt.ArrayLike,
    potential: npt.ArrayLike,
    margin_rate: npt.ArrayLike,
) -> FloatArray:
    """Profit if the customer reached potential: ``profit_now + (potential − current) × rate``.

    ``margin_rate``: the share of extra revenue kept as margin (0–1), one number or one per
    customer (e.g. the customer's own margin ÷ revenue). Pass 1 when values are margins.
    """
    profit = float_array("profit_now", profit_now)
    now = float_array("current", current)
    later = float_array("potential", potential)
    same_length(profit_now=profit, current=now, potential=later)
    rate_input = np.asarray(margin_rate, dtype=np.float64)
    if rate_input.ndim == 0:
        rate = float_array(
            "margin_rate", np.full(profit.size, float(rate_input)), unit_interval=True
        )
    else:
        rate = float_array("margin_rate", rate_input, unit_interval=True)
        same_length(profit_now=profit, margin_rate=rate)
    return profit + (later - now) * rate


def value_grid(
    current: npt.ArrayLike,
    potential: npt.ArrayLike,
    profit_now: npt.ArrayLike,
    profit_later: npt.ArrayLike,
    *,
    settings: PotentialSettings | None = None,
) -> CodeArray:
    """``GridDecision`` per customer: serve differently, develop or retain (in that order)."""
    settings = settings or PotentialSettings()
    now = float_array("current", current)
    later = float_array("potential", potential)
    profit = float_array("profit_now", profit_now)
    profit_future = float_array("profit_later", profit_later)
    same_length(current=now, potential=later, profit_now=profit, profit_later=profit_future)
    serve_differently = (profit < 0) & (profit_future < 0)
    develop = (later > now) & (later >= settings.develop_ratio * np.maximum(now, 0.0))
    return np.select(
        [serve_differently, develop],
        [GridDecision.SERVE_DIFFERENTLY, GridDecision.DEVELOP],
        default=GridDecision.RETAIN,
    ).astype(np.int8)
