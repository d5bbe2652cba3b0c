"""Result figures of one campaign from its per-contact outcomes (DOMAIN.md §12).

Groups: the *treatment* group is every contact not in the control group (intention to treat:
a treatment contact whose message bounced still counts there, so the comparison with the
randomised control group stays fair); the control group receives nothing.

Figures of the treatment group (a rate is ``None`` when its denominator is 0):

* response rate = responded ÷ sent; open and click rates = opened (clicked) ÷ sent, only when
  the channel tracks them (``opened``/``clicked`` given);
* conversion ratio = converted ÷ sent (the share of approached customers who bought) and
  converted ÷ responded (how many responders went on to buy); "converted" means an order
  inside the attribution window, among the sent contacts;
* revenue = Σ revenue of the treatment group; ``revenue`` per contact is the order value
  inside the attribution window (0 for contacts who did not convert);
* ROI = (revenue · margin − cost) ÷ cost, where ``margin`` is the gross-margin fraction of
  revenue (1.0 treats all revenue as profit, which overstates the return). ROI compares
  *all* treatment revenue with the cost, including buyers who would have bought anyway;
* uplift = conversion rate of the treatment group − that of the control group, with
  Newcombe's hybrid score interval and the pooled two-proportion test (see ``intervals``);
  relative uplift = uplift ÷ control rate; incremental conversions = uplift · treatment size;
  incremental revenue = (revenue per treatment contact − revenue per control contact) ·
  treatment size; incremental ROI = (incremental revenue · margin − cost) ÷ cost — the
  return the campaign itself caused.

Uplift is left out (``None`` with a reason code) when either group is empty or smaller than
``min_group_size``: Newcombe's interval stays valid in small groups, but a control group of a
handful of contacts tells the user nothing and invites over-reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from relata.analytics._checks import (
    BoolArray,
    FloatArray,
    bool_array,
    float_array,
    same_length,
)
from relata.analytics.response.intervals import (
    newcombe_interval,
    two_proportion_p_value,
    z_for,
)

__all__ = [
    "CampaignContacts",
    "CampaignFigures",
    "MissingReason",
    "Uplift",
    "campaign_contacts",
    "campaign_figures",
]


class MissingReason(StrEnum):
    """Why a figure is ``None`` (codes; the web layer translates them)."""

    NO_CONTROL = "no_control"
    CONTROL_TOO_SMALL = "control_too_small"
    NO_TREATMENT = "no_treatment"
    TREATMENT_TOO_SMALL = "treatment_too_small"
    NO_COST = "no_cost"


@dataclass(frozen=True)
class CampaignContacts:
    """One element per campaign contact; build it with :func:`campaign_contacts`.

    ``opened``/``clicked`` are ``None`` when the channel cannot track them (a letter, a call).
    """

    in_control: BoolArray
    sent: BoolArray
    responded: BoolArray
    converted: BoolArray
    revenue: FloatArray
    opened: BoolArray | None = None
    clicked: BoolArray | None = None

    def __len__(self) -> int:
        return int(self.in_control.shape[0])


def _implies(name: str, flag: BoolArray, needed: BoolArray, needed_name: str) -> None:
    bad = flag & ~needed
    if bad.any():
        at = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name}: true at position {at} for a contact that was not {needed_name}")


def campaign_contacts(
    *,
    in_control: npt.ArrayLike,
    sent: npt.ArrayLike,
    responded: npt.ArrayLike,
    converted: npt.ArrayLike,
    revenue: npt.ArrayLike,
    opened: npt.ArrayLike | None = None,
    clicked: npt.ArrayLike | None = None,
) -> CampaignContacts:
    """Validated per-contact arrays.

    Refused, naming the argument and the first position: arrays of different lengths,
    non-boolean flags, a control contact that was sent something, opened/clicked/responded
    without being sent, a click without an open (when both are tracked), and negative,
    missing or non-zero revenue for a contact that did not convert.
    """
    control = bool_array("in_control", in_control)
    was_sent = bool_array("sent", sent)
    did_respond = bool_array("responded", responded)
    did_convert = bool_array("converted", converted)
    amount = float_array("revenue", revenue, nonnegative=True)
    arrays = {
        "in_control": control,
        "sent": was_sent,
        "responded": did_respond,
        "converted": did_convert,
        "revenue": amount,
    }
    was_opened = None if opened is None else bool_array("opened", opened)
    was_clicked = None if clicked is None else bool_array("clicked", clicked)
    if was_opened is not None:
        arrays["opened"] = was_opened
    if was_clicked is not None:
        arrays["clicked"] = was_clicked
    same_length(**arrays)

    _implies("sent", was_sent, ~control, "in the treatment group (control contacts get nothing)")
    _implies("responded", did_respond, was_sent, "sent anything")
    if was_opened is not None:
        _implies("opened", was_opened, was_sent, "sent anything")
    if was_clicked is not None:
        _implies("clicked", was_clicked, was_sent, "sent anything")
        if was_opened is not None:
            _implies("clicked", was_clicked, was_opened, "opened")
    unconverted_revenue = (amount > 0) & ~did_convert
    if unconverted_revenue.any():
        at = int(np.flatnonzero(unconverted_revenue)[0])
        raise ValueError(
            f"revenue: {float(amount[at])!r} at position {at} for a contact that did not convert"
        )
    return CampaignContacts(
        in_control=control,
        sent=was_sent,
        responded=did_respond,
        converted=did_convert,
        revenue=amount,
        opened=was_opened,
        clicked=was_clicked,
    )


@dataclass(frozen=True)
class Uplift:
    """Conversion uplift of treatment over control; all figures ``None`` with a ``reason``
    when it cannot be given."""

    confidence: float
    reason: MissingReason | None = None
    treatment_rate: float | None = None
    control_rate: float | None = None
    difference: float | None = None  # treatment_rate − control_rate
    low: float | None = None  # Newcombe interval of the difference
    high: float | None = None
    p_value: float | None = None  # two-sided, pooled score test
    relative: float | None = None  # difference ÷ control_rate (None when control_rate is 0)
    incremental_conversions: float | None = None
    incremental_revenue: float | None = None


@dataclass(frozen=True)
class CampaignFigures:
    contacts: int
    treatment: int
    control: int
    sent: int
    opened: int | None  # None: not trackable in this channel
    clicked: int | None
    responded: int
    converted: int  # sent treatment contacts who converted
    treatment_converted: int  # all treatment contacts who converted (uplift numerator)
    control_converted: int
    open_rate: float | None
    click_rate: float | None
    response_rate: float | None
    conversion_ratio: float | None  # converted ÷ sent
    responder_conversion: float | None  # converted responders ÷ responded
    revenue: float  # treatment group
    control_revenue: float
    cost: float
    margin: float
    roi: float | None
    roi_reason: MissingReason | None
    incremental_roi: float | None
    incremental_roi_reason: MissingReason | None
    uplift: Uplift


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator > 0 else None


def _uplift(contacts: CampaignContacts, *, confidence: float, min_group_size: int) -> Uplift:
    control = contacts.in_control
    treatment = ~control
    n_t, n_c = int(treatment.sum()), int(control.sum())
    if n_t == 0:
        return Uplift(confidence, MissingReason.NO_TREATMENT)
    if n_c == 0:
        return Uplift(confidence, MissingReason.NO_CONTROL)
    if n_c < min_group_size:
        return Uplift(confidence, MissingReason.CONTROL_TOO_SMALL)
    if n_t < min_group_size:
        return Uplift(confidence, MissingReason.TREATMENT_TOO_SMALL)
    x_t = int((contacts.converted & treatment).sum())
    x_c = int((contacts.converted & control).sum())
    difference, low, high = newcombe_interval(x_t, n_t, x_c, n_c, confidence)
    control_rate = x_c / n_c
    revenue_t = float(contacts.revenue[treatment].sum())
    revenue_c = float(contacts.revenue[control].sum())
    return Uplift(
        confidence=confidence,
        treatment_rate=x_t / n_t,
        control_rate=control_rate,
        difference=difference,
        low=low,
        high=high,
        p_value=two_proportion_p_value(x_t, n_t, x_c, n_c),
        relative=difference / control_rate if control_rate > 0 else None,
        incremental_conversions=difference * n_t,
        incremental_revenue=(revenue_t / n_t - revenue_c / n_c) * n_t,
    )


def campaign_figures(
    contacts: CampaignContacts,
    *,
    cost: float,
    margin: float = 1.0,
    confidence: float = 0.95,
    min_group_size: int = 30,
) -> CampaignFigures:
    """Counts, rates, revenue, ROI and uplift of one campaign (formulas in the module doc).

    ``cost``: total campaign cost (≥ 0; ROI is ``None`` with ``NO_COST`` when it is 0).
    ``margin``: gross-margin fraction of revenue, 0–1. ``min_group_size``: smallest treatment
    and control group for which an uplift is reported.
    """
    if not (np.isfinite(cost) and cost >= 0):
        raise ValueError(f"cost must be a number of 0 or more, got {cost!r}")
    if not (np.isfinite(margin) and 0.0 <= margin <= 1.0):
        raise ValueError(f"margin must be a fraction between 0 and 1, got {margin!r}")
    z_for(confidence)
    if min_group_size < 1:
        raise ValueError(f"min_group_size must be 1 or more, got {min_group_size}")

    control = contacts.in_control
    treatment = ~control
    sent = contacts.sent
    n_sent = int(sent.sum())
    responded = int(contacts.responded.sum())
    converted = int((contacts.converted & sent).sum())
    opened = None if contacts.opened is None else int(contacts.opened.sum())
    clicked = None if contacts.clicked is None else int(contacts.clicked.sum())
    revenue = float(contacts.revenue[treatment].sum())

    uplift = _uplift(contacts, confidence=confidence, min_group_size=min_group_size)
    if cost > 0:
        roi: float | None = (revenue * margin - cost) / cost
        roi_reason = None
    else:
        roi, roi_reason = None, MissingReason.NO_COST
    incremental_roi: float | None = None
    if uplift.incremental_revenue is None:
        incremental_reason: MissingReason | None = uplift.reason
    elif cost > 0:
        incremental_roi = (uplift.incremental_revenue * margin - cost) / cost
        incremental_reason = None
    else:
        incremental_reason = MissingReason.NO_COST

    return CampaignFigures(
        contacts=len(contacts),
        treatment=int(treatment.sum()),
        control=int(control.sum()),
        sent=n_sent,
        opened=opened,
        clicked=clicked,
        responded=responded,
        converted=converted,
        treatment_converted=int((contacts.converted & treatment).sum()),
        control_converted=int((contacts.converted & control).sum()),
        open_rate=None if opened is None else _rate(opened, n_sent),
        click_rate=None if clicked is None else _rate(clicked, n_sent),
        response_rate=_rate(responded, n_sent),
        conversion_ratio=_rate(converted, n_sent),
        responder_conversion=_rate(int((contacts.converted & contacts.responded).sum()), responded),
        revenue=revenue,
        control_revenue=float(contacts.revenue[control].sum()),
        cost=float(cost),
        margin=float(margin),
        roi=roi,
        roi_reason=roi_reason,
        incremental_roi=incremental_roi,
        incremental_roi_reason=incremental_reason,
        uplift=uplift,
    )
