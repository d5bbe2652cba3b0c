"""Lifecycle stage per customer: the eight V's of the CRM funnel as a customer journey.

DOMAIN.md §9. Every customer gets exactly one stage. The first rule that holds wins, in this
precedence order (an urgent signal beats a happy one; the journey step is the fallback):

1. **Lost** — bought before, inactive past the window.
2. **At risk** — bought, and P(alive) < ``p_alive_at_risk`` or migrated down.
3. **Ambassador** — bought, and promoter (NPS 9–10), referrer or reviewer.
4. **New customer** — first purchase within ``new_days`` (90): the welcome programme comes
   first, because the drop-off risk is highest now, even after a quick second purchase.
5. **Growing** — bought, and potential ÷ current ≥ ``growing_ratio`` (1.5).
6. **Repeat customer** — two or more purchase days.
7. **New customer** (fallback) — one purchase, longer ago: the customer has not yet reached
   the Verbinden step, so the New playbook still applies.
8. **Prospect** — never bought, in contact (lead, deal or contact moment).
9. **Suspect** — never bought, no contact.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from relata.analytics._checks import (
    CodeArray,
    bool_array,
    check_fraction,
    check_positive,
    float_array,
    int_array,
    same_length,
)

__all__ = [
    "PLAYBOOKS",
    "PRECEDENCE",
    "STAGE_LABELS",
    "V_STEPS",
    "LifecycleSettings",
    "Stage",
    "lifecycle_stages",
]


class Stage(IntEnum):
    """Stage codes in journey order."""

    SUSPECT = 1
    PROSPECT = 2
    NEW = 3
    REPEAT = 4
    AMBASSADOR = 5
    GROWING = 6
    AT_RISK = 7
    LOST = 8


STAGE_LABELS: dict[Stage, str] = {
    Stage.SUSPECT: "Suspect",
    Stage.PROSPECT: "Prospect",
    Stage.NEW: "New customer",
    Stage.REPEAT: "Repeat customer",
    Stage.AMBASSADOR: "Ambassador",
    Stage.GROWING: "Growing",
    Stage.AT_RISK: "At risk",
    Stage.LOST: "Lost",
}

#: The V step(s) of the CRM funnel (seed 000) each stage stands for; Dutch terms by design.
V_STEPS: dict[Stage, str] = {
    Stage.SUSPECT: "Verkennen / Verfijnen",
    Stage.PROSPECT: "Verleiden",
    Stage.NEW: "Veroveren → Verwennen",
    Stage.REPEAT: "Verbinden",
    Stage.AMBASSADOR: "Verrassen",
    Stage.GROWING: "Verhogen",
    Stage.AT_RISK: "",
    Stage.LOST: "",
}

PLAYBOOKS: dict[Stage, str] = {
    Stage.SUSPECT: "Select and profile: check the customer fits a target segment and complete "
    "the profile data.",
    Stage.PROSPECT: "Approach by persona: a personal offer that fits the profile and the "
    "contact so far.",
    Stage.NEW: "Welcome programme and an extra service call: the drop-off risk is highest now.",
    Stage.REPEAT: "Loyalty programme and personalised offers.",
    Stage.AMBASSADOR: "Referral programme and a surprise.",
    Stage.GROWING: "Cross-sell, up-sell and deep-sell towards the potential value.",
    Stage.AT_RISK: "Retention call and a win-back offer.",
    Stage.LOST: "Win-back campaign (terugwinnen).",
}

#: The order in which the rules are tried (documentation; the code below follows it).
PRECEDENCE: tuple[Stage, ...] = (
    Stage.LOST,
    Stage.AT_RISK,
    Stage.AMBASSADOR,
    Stage.NEW,
    Stage.GROWING,
    Stage.REPEAT,
    Stage.NEW,
    Stage.PROSPECT,
    Stage.SUSPECT,
)


@dataclass(frozen=True)
class LifecycleSettings:
    new_days: float = 90.0  # "first purchase within 90 days"
    repeat_purchases: int = 2  # "≥ 2 purchases"
    growing_ratio: float = 1.5  # "potential value well above current"
    p_alive_at_risk: float = 0.5  # "P(alive) low": below this

    def __post_init__(self) -> None:
        check_positive("new_days", self.new_days)
        if self.repeat_purchases < 2:
            raise ValueError(f"repeat_purchases must be at least 2, got {self.repeat_purchases}")
        check_positive("growing_ratio", self.growing_ratio)
        check_fraction("p_alive_at_risk", self.p_alive_at_risk)


def lifecycle_stages(
    days_since_first_purchase: npt.ArrayLike,
    purchase_count: npt.ArrayLike,
    in_contact: npt.ArrayLike,
    *,
    advocate: npt.ArrayLike | None = None,
    growth_ratio: npt.ArrayLike | None = None,
    p_alive: npt.ArrayLike | None = None,
    down_migration: npt.ArrayLike | None = None,
    inactive_past_window: npt.ArrayLike | None = None,
    settings: LifecycleSettings | None = None,
) -> CodeArray:
    """One ``Stage`` code per customer.

    ``days_since_first_purchase``: ``+inf`` for never-buyers. ``purchase_count``: distinct
    purchase days ever. ``in_contact``: lead, deal or contact moment. ``advocate``: promoter,
    referrer or reviewer. ``growth_ratio``: potential ÷ current (0 where unknown).
    ``p_alive``: 0–1. ``down_migration``: dropped a tier or value fell (migration risk).
    ``inactive_past_window``: no purchase within the lost window. Omitted flags count as false
    (``p_alive`` as 1). A customer counts as a buyer when ``purchase_count ≥ 1``.
    """
    settings = settings or LifecycleSettings()
    first_age = float_array(
        "days_since_first_purchase",
        days_since_first_purchase,
        nonnegative=True,
        allow_posinf=True,
    )
    count = int_array("purchase_count", purchase_count, nonnegative=True)
    contact = bool_array("in_contact", in_contact)
    same_length(days_since_first_purchase=first_age, purchase_count=count, in_contact=contact)
    n = count.size

    def flag(name: str, values: npt.ArrayLike | None) -> npt.NDArray[np.bool_]:
        if values is None:
            return np.zeros(n, dtype=np.bool_)
        array = bool_array(name, values)
        same_length(purchase_count=count, **{name: array})
        return array

    bought = count >= 1
    contradiction = bought & ~np.isfinite(first_age)
    if contradiction.any():
        position = int(np.flatnonzero(contradiction)[0])
        raise ValueError(
            f"days_since_first_purchase: customer at position {position} has purchases but "
            "no first purchase (+inf)"
        )

    at_risk = flag("down_migration", down_migration)
    if p_alive is not None:
        alive = float_array("p_alive", p_alive, unit_interval=True)
        same_length(purchase_count=count, p_alive=alive)
        at_risk = at_risk | (alive < settings.p_alive_at_risk)
    growing = np.zeros(n, dtype=np.bool_)
    if growth_ratio is not None:
        ratio = float_array("growth_ratio", growth_ratio, nonnegative=True)
        same_length(purchase_count=count, growth_ratio=ratio)
        growing = ratio >= settings.growing_ratio

    return np.select(
        [
            bought & flag("inactive_past_window", inactive_past_window),
            bought & at_risk,
            bought & flag("advocate", advocate),
            bought & (first_age <= settings.new_days),
            bought & growing,
            count >= settings.repeat_purchases,
            bought,
            contact,
        ],
        [
            Stage.LOST,
            Stage.AT_RISK,
            Stage.AMBASSADOR,
            Stage.NEW,
            Stage.GROWING,
            Stage.REPEAT,
            Stage.NEW,
            Stage.PROSPECT,
        ],
        default=Stage.SUSPECT,
    ).astype(np.int8)
