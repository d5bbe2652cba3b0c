"""Influence score, advocacy value and holistic value per customer (DOMAIN.md §8, seed 004).

A customer's value also lies in what they make others do: reviews, referrals and reach.
Purchase-only scoring misses "the vlogger who buys little"; these three numbers surface them.

**Inputs** (one element per customer): followers summed over platforms; successful
referrals (not rejected, the referred customer bought); the summed CLV of the customers
they referred; reviews and comments written; their mean rating (NaN when none is rated);
the helpful votes they received; the latest NPS answer 0–10 (NaN when never answered).

**Influence score** (0–100) = ``100 · Σ_k w_k·c_k / Σ_k w_k`` over four components, each
bounded to [0, 1] and saturating, so no single number runs away with the score:

- *reach*: ``c = min(1, log10(1 + followers) / log10(1 + reach_full))`` — logarithmic, as
  followers span six orders of magnitude; full at ``reach_full`` = 100 000 followers
  (1 000 → 0.60, 10 000 → 0.80);
- *referrals*: ``c = 1 − 2^(−n / referrals_half)`` for ``n`` successful referrals; half the
  maximum at ``referrals_half`` = 2 (1 → 0.29, 4 → 0.75);
- *reviews*: ``e = reviews + helpful_votes / votes_per_review`` (by default five helpful
  votes weigh as much as one more review), ``c = 1 − 2^(−e / reviews_half)``, half at 3;
- *recommendation*: latest NPS 9–10 (promoter) 1, 7–8 (passive) 0.5, 0–6 (detractor) 0,
  never answered 0.

The weights ``w`` are settings (default reach 35, referrals 30, reviews 20,
recommendation 15), normalised so that they sum to 100 points; ``points`` gives each
component's share of the score (they add up to it), the "why" behind a number.

Influence measures how far a customer's voice carries, not whether it is favourable: a
detractor with a large audience scores on reach and reviews and 0 on recommendation — the
customer to call first. The money below, however, counts only favourable voices.

**Advocacy value** (money) = *referred* + *reach*:

- referred = Σ CLV of the customers the customer referred (what they actually brought);
- reach = ``followers × reach_rate × reach_conversion × value_per_customer``: the followers
  who see what the customer says about the business in a year, the share of those who
  become customers, and what such a customer is worth — all assumptions, set and shown by
  the user (decision 0930). It is 0 for a *negative voice*: a detractor (latest NPS 0–6),
  or, never having answered, a reviewer whose mean rating is below ``negative_rating`` (3).

**Holistic value** = CLV + advocacy value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from relata.analytics._checks import (
    BoolArray,
    CodeArray,
    FloatArray,
    check_fraction,
    check_positive,
    float_array,
    same_length,
)

__all__ = [
    "COMPONENTS",
    "COMPONENT_LABELS",
    "DEFAULT_WEIGHTS",
    "NPS_GROUP_LABELS",
    "InfluenceResult",
    "InfluenceSettings",
    "NpsGroup",
    "holistic_value",
    "influence_compute",
    "nps_groups",
    "optional_float_array",
]

#: The four components, in the order pages and the API list them.
COMPONENTS: tuple[str, ...] = ("reach", "referrals", "reviews", "recommendation")

COMPONENT_LABELS: dict[str, str] = {
    "reach": "Reach (followers)",
    "referrals": "Referrals",
    "reviews": "Reviews",
    "recommendation": "Recommendation (NPS)",
}

DEFAULT_WEIGHTS: dict[str, float] = {
    "reach": 35.0,
    "referrals": 30.0,
    "reviews": 20.0,
    "recommendation": 15.0,
}

# Recommendation component per NPS group.
_RECOMMENDATION = {"promoter": 1.0, "passive": 0.5, "detractor": 0.0, "unknown": 0.0}


class NpsGroup(IntEnum):
    UNKNOWN = 0  # never answered
    DETRACTOR = 1  # 0–6
    PASSIVE = 2  # 7–8
    PROMOTER = 3  # 9–10


NPS_GROUP_LABELS: dict[NpsGroup, str] = {
    NpsGroup.UNKNOWN: "Never answered",
    NpsGroup.DETRACTOR: "Detractor",
    NpsGroup.PASSIVE: "Passive",
    NpsGroup.PROMOTER: "Promoter",
}


def _default_weights() -> dict[str, float]:
    return dict(DEFAULT_WEIGHTS)


@dataclass(frozen=True)
class InfluenceSettings:
    weights: Mapping[str, float] = field(default_factory=_default_weights)
    reach_full: float = 100_000.0  # followers at which reach is full
    referrals_half: float = 2.0  # successful referrals for half the referral component
    reviews_half: float = 3.0  # effective reviews for half the review component
    votes_per_review: float = 5.0  # helpful votes that weigh as much as one review
    reach_rate: float = 0.02  # share of followers reached per year
    reach_conversion: float = 0.01  # share of those reached who become customers
    value_per_customer: float = 0.0  # value of a customer won through reach
    negative_rating: float = 3.0  # mean rating below this: a negative voice (without NPS)

    def __post_init__(self) -> None:
        if set(self.weights) != set(COMPONENTS):
            raise ValueError(
                f"weights must name exactly {', '.join(COMPONENTS)}; got "
                f"{', '.join(sorted(self.weights)) or 'none'}"
            )
        for name in COMPONENTS:
            weight = float(self.weights[name])
            if not (math.isfinite(weight) and weight >= 0):
                raise ValueError(f"weights[{name!r}] must be 0 or more, got {weight!r}")
        if sum(float(w) for w in self.weights.values()) <= 0:
            raise ValueError("weights must not all be 0")
        for name in ("reach_full", "referrals_half", "reviews_half", "votes_per_review"):
            check_positive(name, getattr(self, name))
        if self.reach_full <= 1:
            raise ValueError(f"reach_full must be above 1, got {self.reach_full!r}")
        check_fraction("reach_rate", self.reach_rate)
        check_fraction("reach_conversion", self.reach_conversion)
        if not (math.isfinite(self.value_per_customer) and self.value_per_customer >= 0):
            raise ValueError(
                f"value_per_customer must be 0 or more, got {self.value_per_customer!r}"
            )
        check_fraction("negative_rating", self.negative_rating, low=1.0, high=5.0)

    def shares(self) -> dict[str, float]:
        """Each component's weight as a share of the total (they sum to 1)."""
        total = sum(float(self.weights[name]) for name in COMPONENTS)
        return {name: float(self.weights[name]) / total for name in COMPONENTS}


@dataclass(frozen=True)
class InfluenceResult:
    score: FloatArray  # 0–100 (not rounded)
    components: dict[str, FloatArray]  # per component, 0–1
    points: dict[str, FloatArray]  # per component, its points of the score (sum = score)
    advocacy_referred: FloatArray  # Σ CLV of the referred customers
    advocacy_reach: FloatArray  # the reach estimate (0 for a negative voice)
    advocacy: FloatArray  # referred + reach
    negative_voice: BoolArray
    nps_group: CodeArray  # ``NpsGroup``


def optional_float_array(
    name: str, values: npt.ArrayLike, *, low: float, high: float
) -> FloatArray:
    """A float vector in ``[low, high]`` where NaN means "unknown" (and is kept)."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: expected numbers ({exc})") from exc
    if array.ndim != 1:
        raise ValueError(f"{name}: expected a one-dimensional array, got shape {array.shape}")
    known = ~np.isnan(array)
    bad = known & ~((array >= low) & (array <= high))
    if bad.any():
        at = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{name}: value {float(array[at])!r} at position {at} is not between {low} and "
            f"{high} (NaN means unknown)"
        )
    return array


def nps_groups(nps_latest: npt.ArrayLike) -> CodeArray:
    """``NpsGroup`` per customer from the latest NPS answer (NaN: never answered)."""
    nps = optional_float_array("nps_latest", nps_latest, low=0.0, high=10.0)
    return np.select(
        [nps >= 9, nps >= 7, nps >= 0],
        [NpsGroup.PROMOTER, NpsGroup.PASSIVE, NpsGroup.DETRACTOR],
        default=NpsGroup.UNKNOWN,
    ).astype(np.int8)


def _saturating(amount: FloatArray, half: float) -> FloatArray:
    """``1 − 2^(−amount / half)``: 0 at 0, ½ at ``half``, towards 1."""
    result: FloatArray = 1.0 - np.exp2(-amount / half)
    return result


def influence_compute(
    *,
    followers: npt.ArrayLike,
    referrals: npt.ArrayLike,
    referred_clv: npt.ArrayLike,
    reviews: npt.ArrayLike,
    mean_rating: npt.ArrayLike,
    helpful_votes: npt.ArrayLike,
    nps_latest: npt.ArrayLike,
    settings: InfluenceSettings | None = None,
) -> InfluenceResult:
    """Influence score, its components and the advocacy value per customer (see the module).

    ``followers``, ``referrals``, ``reviews``, ``helpful_votes``: counts (≥ 0);
    ``referred_clv``: Σ CLV of the referred customers (any finite amount); ``mean_rating``:
    1–5 or NaN (no rated review); ``nps_latest``: 0–10 or NaN (never answered).
    """
    settings = settings or InfluenceSettings()
    reach_count = float_array("followers", followers, nonnegative=True)
    referral_count = float_array("referrals", referrals, nonnegative=True)
    referred = float_array("referred_clv", referred_clv)
    review_count = float_array("reviews", reviews, nonnegative=True)
    rating = optional_float_array("mean_rating", mean_rating, low=1.0, high=5.0)
    votes = float_array("helpful_votes", helpful_votes, nonnegative=True)
    group = nps_groups(nps_latest)
    same_length(
        followers=reach_count,
        referrals=referral_count,
        referred_clv=referred,
        reviews=review_count,
        mean_rating=rating,
        helpful_votes=votes,
        nps_latest=group,
    )

    recommendation = np.select(
        [group == NpsGroup.PROMOTER, group == NpsGroup.PASSIVE, group == NpsGroup.DETRACTOR],
        [_RECOMMENDATION["promoter"], _RECOMMENDATION["passive"], _RECOMMENDATION["detractor"]],
        default=_RECOMMENDATION["unknown"],
    ).astype(np.float64)
    components: dict[str, FloatArray] = {
        "reach": np.minimum(
            np.log10(1.0 + reach_count) / math.log10(1.0 + settings.reach_full), 1.0
        ),
        "referrals": _saturating(referral_count, settings.referrals_half),
        "reviews": _saturating(
            review_count + votes / settings.votes_per_review, settings.reviews_half
        ),
        "recommendation": recommendation,
    }
    shares = settings.shares()
    points = {name: 100.0 * shares[name] * components[name] for name in COMPONENTS}
    score = np.clip(np.stack([points[name] for name in COMPONENTS]).sum(axis=0), 0.0, 100.0)

    with np.errstate(invalid="ignore"):  # NaN ratings compare as False: no rating, no signal
        negative = (group == NpsGroup.DETRACTOR) | (
            (group == NpsGroup.UNKNOWN) & (rating < settings.negative_rating)
        )
    reach_value = np.where(
        negative,
        0.0,
        reach_count * settings.reach_rate * settings.reach_conversion * settings.value_per_customer,
    )
    return InfluenceResult(
        score=score,
        components=components,
        points=points,
        advocacy_referred=referred,
        advocacy_reach=reach_value,
        advocacy=referred + reach_value,
        negative_voice=negative,
        nps_group=group,
    )


def holistic_value(clv: npt.ArrayLike, advocacy: npt.ArrayLike) -> FloatArray:
    """Financial CLV plus advocacy value, per customer."""
    value = float_array("clv", clv)
    advocacy_value = float_array("advocacy", advocacy)
    same_length(clv=value, advocacy=advocacy_value)
    result: FloatArray = value + advocacy_value
    return result
