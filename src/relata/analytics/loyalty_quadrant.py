"""Behavioural and attitudinal loyalty, and the loyalty quadrant (DOMAIN.md §7).

Dick & Basu (1994, "Customer loyalty: toward an integrated conceptual framework", JAMS 22)
cross what a customer *does* (repeat patronage) with what they *think* (relative attitude):
high and high is true loyalty; buying without the attitude is spurious loyalty — here
"captive", the customer stays for convenience, price or lack of choice and leaves when a
rival makes it easy; the attitude without the buying is latent loyalty — something (price,
range, channel) stands in the way; neither is no loyalty.

**Behavioural loyalty** B ∈ [0, 1] is the weighted mean (``behaviour_weights``, default
0.3, 0.3, 0.2, 0.2) of four signals, each in [0, 1]:

- *repeat*: the customer's repeat-purchase rate, ``1 − 1 / purchase_days`` (purchase days
  ever; one purchase → 0, two → 0.5, five → 0.8);
- *recency*: ``1 − clip((recency / usual_gap − 1) / (overdue_full − 1), 0, 1)``: 1 while the
  customer buys within their usual interval, 0 at ``overdue_full`` (3) times it — the
  complement of the churn module's recency signal. An unknown usual gap (fewer than two
  purchase days) takes the median of the known gaps (``fallback_gap_days`` when nobody has
  one);
- *share of wallet*: ``current_value / potential_value`` (annual, as scoring computes them),
  clipped to [0, 1]; 0 when the potential is 0;
- *duration*: ``min(1, days since the first purchase / (duration_full_years · 365.25))``,
  full at 3 years.

A customer who never bought has B = 0.

**Attitudinal loyalty** A ∈ [0, 1], NaN when nothing is known about the attitude:

- the latest NPS answer n (0–10): ``A = n / 10``;
- *recommendation evidence* — a referral (not rejected) or a review rated 4–5 — is what a
  promoter does unasked; it counts as a second answer of ``evidence_answer`` (9): with an
  NPS answer ``A = (n + 9) / 20``, without one ``A = 0.9``;
- neither: A is NaN (and ``attitude_known`` false) — by design, like declared category
  spend, because "unknown" must not read as "low".

**Quadrant**: attitude high when A ≥ ``attitude_high`` (0.85: a promoter's answer, or a
passive 8 who also recommended us), behaviour high when B ≥ ``behaviour_high`` (0.5).
Codes: 0 unknown attitude, 1 true loyal (high, high), 2 captive (low attitude, high
behaviour), 3 latent (high attitude, low behaviour), 4 none.
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
    bool_array,
    check_fraction,
    check_positive,
    float_array,
    same_length,
)
from relata.analytics.influence import optional_float_array

__all__ = [
    "QUADRANT_LABELS",
    "SIGNALS",
    "LoyaltyResult",
    "LoyaltySettings",
    "Quadrant",
    "loyalty_compute",
]

#: Behavioural signals, in the order of ``LoyaltySettings.behaviour_weights``.
SIGNALS: tuple[str, ...] = ("repeat", "recency", "share_of_wallet", "duration")


class Quadrant(IntEnum):
    UNKNOWN = 0  # attitude unknown
    TRUE_LOYAL = 1
    CAPTIVE = 2  # spurious loyalty
    LATENT = 3
    NONE = 4


QUADRANT_LABELS: dict[Quadrant, str] = {
    Quadrant.UNKNOWN: "Attitude unknown",
    Quadrant.TRUE_LOYAL: "True loyal",
    Quadrant.CAPTIVE: "Captive",
    Quadrant.LATENT: "Latent",
    Quadrant.NONE: "No loyalty",
}


@dataclass(frozen=True)
class LoyaltySettings:
    behaviour_weights: tuple[float, float, float, float] = (0.3, 0.3, 0.2, 0.2)
    overdue_full: float = 3.0  # recency ÷ usual gap at which the recency signal reaches 0
    fallback_gap_days: float = 365.0  # usual gap when no customer has two purchase days
    duration_full_years: float = 3.0
    evidence_answer: float = 9.0  # the NPS answer recommendation evidence counts as
    attitude_high: float = 0.85
    behaviour_high: float = 0.5

    def __post_init__(self) -> None:
        if len(self.behaviour_weights) != len(SIGNALS):
            raise ValueError(f"behaviour_weights needs {len(SIGNALS)} weights ({SIGNALS})")
        if any(not (math.isfinite(w) and w >= 0) for w in self.behaviour_weights):
            raise ValueError(f"behaviour_weights must be 0 or more, got {self.behaviour_weights}")
        if sum(self.behaviour_weights) <= 0:
            raise ValueError("behaviour_weights must not all be 0")
        if not (math.isfinite(self.overdue_full) and self.overdue_full > 1):
            raise ValueError(f"overdue_full must be above 1, got {self.overdue_full!r}")
        check_positive("fallback_gap_days", self.fallback_gap_days)
        check_positive("duration_full_years", self.duration_full_years)
        check_fraction("evidence_answer", self.evidence_answer, high=10.0)
        check_fraction("attitude_high", self.attitude_high)
        check_fraction("behaviour_high", self.behaviour_high)


@dataclass(frozen=True)
class LoyaltyResult:
    behavioural: FloatArray  # 0–1
    attitudinal: FloatArray  # 0–1, NaN where unknown
    attitude_known: BoolArray
    quadrant: CodeArray  # ``Quadrant``
    signals: dict[str, FloatArray]  # the behavioural signals, each 0–1


def loyalty_compute(
    *,
    purchase_days: npt.ArrayLike,
    recency_days: npt.ArrayLike,
    usual_gap_days: npt.ArrayLike,
    current_value: npt.ArrayLike,
    potential_value: npt.ArrayLike,
    days_since_first_purchase: npt.ArrayLike,
    nps_latest: npt.ArrayLike,
    recommended: npt.ArrayLike,
    settings: LoyaltySettings | None = None,
) -> LoyaltyResult:
    """Behavioural and attitudinal loyalty and the quadrant per customer (see the module).

    ``purchase_days``: distinct purchase days ever; ``recency_days`` and
    ``days_since_first_purchase``: ``+inf`` for never-buyers; ``usual_gap_days``: the usual
    interval between purchases (``+inf`` or 0 = unknown); ``current_value`` and
    ``potential_value``: annual values (potential ≥ current); ``nps_latest``: 0–10 or NaN;
    ``recommended``: referred someone or wrote a review rated 4–5.
    """
    settings = settings or LoyaltySettings()
    count = float_array("purchase_days", purchase_days, nonnegative=True)
    recency = float_array("recency_days", recency_days, nonnegative=True, allow_posinf=True)
    gap = float_array("usual_gap_days", usual_gap_days, nonnegative=True, allow_posinf=True)
    current = float_array("current_value", current_value)
    potential = float_array("potential_value", potential_value)
    age = float_array(
        "days_since_first_purchase", days_since_first_purchase, nonnegative=True, allow_posinf=True
    )
    nps = optional_float_array("nps_latest", nps_latest, low=0.0, high=10.0)
    evidence = bool_array("recommended", recommended)
    same_length(
        purchase_days=count,
        recency_days=recency,
        usual_gap_days=gap,
        current_value=current,
        potential_value=potential,
        days_since_first_purchase=age,
        nps_latest=nps,
        recommended=evidence,
    )
    bought = (count >= 1) & np.isfinite(recency) & np.isfinite(age)

    repeat = np.divide(count - 1.0, count, out=np.zeros(count.size), where=count >= 1)
    gap_known = np.isfinite(gap) & (gap > 0)
    fallback = float(np.median(gap[gap_known])) if gap_known.any() else settings.fallback_gap_days
    usual = np.maximum(np.where(gap_known, gap, fallback), 1.0)
    overdue = np.divide(recency, usual, out=np.zeros(count.size), where=bought)
    recent = 1.0 - np.clip((overdue - 1.0) / (settings.overdue_full - 1.0), 0.0, 1.0)
    share = np.clip(
        np.divide(current, potential, out=np.zeros(count.size), where=potential > 0), 0.0, 1.0
    )
    duration = np.minimum(
        np.divide(age, settings.duration_full_years * 365.25, where=bought, out=np.zeros(age.size)),
        1.0,
    )
    signals = {"repeat": repeat, "recency": recent, "share_of_wallet": share, "duration": duration}
    for signal in signals.values():
        signal[~bought] = 0.0
    weights = np.asarray(settings.behaviour_weights, dtype=np.float64)
    stacked = np.stack([signals[name] for name in SIGNALS])
    behavioural = np.clip((weights[:, None] * stacked).sum(axis=0) / weights.sum(), 0.0, 1.0)

    answered = ~np.isnan(nps)
    answer = np.where(answered, nps, 0.0)
    attitudinal = np.select(
        [answered & evidence, answered, evidence],
        [(answer + settings.evidence_answer) / 20.0, answer / 10.0, settings.evidence_answer / 10],
        default=np.nan,
    )
    known = answered | evidence
    high_attitude = known & (np.where(known, attitudinal, 0.0) >= settings.attitude_high)
    high_behaviour = behavioural >= settings.behaviour_high
    quadrant = np.select(
        [~known, high_attitude & high_behaviour, high_behaviour, high_attitude],
        [Quadrant.UNKNOWN, Quadrant.TRUE_LOYAL, Quadrant.CAPTIVE, Quadrant.LATENT],
        default=Quadrant.NONE,
    ).astype(np.int8)
    return LoyaltyResult(
        behavioural=behavioural,
        attitudinal=attitudinal,
        attitude_known=known,
        quadrant=quadrant,
        signals=signals,
    )
