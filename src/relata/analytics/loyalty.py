"""Loyalty-programme members against comparable non-members (DOMAIN.md §7, §18).

Exact stratified matching (coarsened exact matching, Iacus, King & Porro 2012): every
customer is put in a *stratum* — in Relata the snapshot period before joining, the pyramid
tier and the RFM segment then — and each member is compared with the non-members of the same
stratum. Non-members are weighted so that the strata count as often as among the members:
a non-member in stratum *s* weighs ``members(s) / non-members(s)``, so the comparison mean
of an outcome is

    Σ_s members(s) · mean_nonmembers(s) / Σ_s members(s)

over the strata that hold both. Members in a stratum without non-members cannot be matched
and are left out of both means (and counted).

This balances what the strata hold, nothing else. Customers choose to join, and those who
join are keener to begin with (self-selection), so a difference in outcomes is an upper
bound on what the programme did, not its effect.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from relata.analytics._checks import FloatArray, IntArray, float_array, int_array, same_length


@dataclass(frozen=True)
class MatchedComparison:
    """Means per outcome: the matched members, their weighted comparison group, and the
    unadjusted means of all members and all non-members for contrast."""

    members: dict[str, float]
    comparison: dict[str, float]
    members_all: dict[str, float]
    others_all: dict[str, float]
    members_total: int
    members_matched: int
    others_total: int
    others_matched: int
    strata_matched: int
    strata_unmatched: int
    other_weights: FloatArray  # per non-member: members(s) / non-members(s), 0 if unmatched

    def difference(self, name: str) -> float:
        return self.members[name] - self.comparison[name]


def _outcomes(
    name: str, stratum: IntArray, outcomes: Mapping[str, npt.ArrayLike]
) -> dict[str, FloatArray]:
    arrays = {key: float_array(f"{name}.{key}", values) for key, values in outcomes.items()}
    same_length(**{f"{name}_stratum": stratum}, **arrays)
    return arrays


def _mean(values: FloatArray) -> float:
    return float(values.mean()) if values.size else float("nan")


def matched_comparison(
    member_stratum: npt.ArrayLike,
    member_outcomes: Mapping[str, npt.ArrayLike],
    other_stratum: npt.ArrayLike,
    other_outcomes: Mapping[str, npt.ArrayLike],
) -> MatchedComparison:
    """Compare members with non-members of the same strata (see the module).

    ``*_stratum``: one integer key per customer (or per customer and baseline period);
    ``*_outcomes``: the same outcome names for both groups, one finite value per customer.
    Means of an empty group are NaN; nothing else is.
    """
    members = int_array("member_stratum", member_stratum)
    others = int_array("other_stratum", other_stratum)
    if set(member_outcomes) != set(other_outcomes):
        raise ValueError("member_outcomes and other_outcomes must name the same outcomes")
    mine = _outcomes("member_outcomes", members, member_outcomes)
    theirs = _outcomes("other_outcomes", others, other_outcomes)

    member_keys, member_counts = np.unique(members, return_counts=True)
    other_keys, other_index = np.unique(others, return_inverse=True)
    other_counts = np.bincount(other_index, minlength=other_keys.size)
    shared = np.isin(member_keys, other_keys, assume_unique=True)
    matched_keys = member_keys[shared]
    weights_per_key = member_counts[shared].astype(np.float64)
    # Position of each matched stratum among the non-members' strata.
    position = np.searchsorted(other_keys, matched_keys)
    member_matched = np.isin(members, matched_keys)
    other_matched = np.isin(others, matched_keys)

    per_key = np.zeros(other_keys.size)
    per_key[position] = weights_per_key / other_counts[position]
    weights = per_key[other_index]

    comparison: dict[str, float] = {}
    for key, values in theirs.items():
        sums = np.bincount(other_index, weights=values, minlength=other_keys.size)
        stratum_means = sums[position] / other_counts[position]
        total_weight = float(weights_per_key.sum())
        comparison[key] = (
            float((weights_per_key * stratum_means).sum() / total_weight)
            if total_weight
            else float("nan")
        )
    return MatchedComparison(
        members={key: _mean(values[member_matched]) for key, values in mine.items()},
        comparison=comparison,
        members_all={key: _mean(values) for key, values in mine.items()},
        others_all={key: _mean(values) for key, values in theirs.items()},
        members_total=int(members.size),
        members_matched=int(member_matched.sum()),
        others_total=int(others.size),
        others_matched=int(other_matched.sum()),
        strata_matched=int(shared.sum()),
        strata_unmatched=int((~shared).sum()),
        other_weights=weights,
    )
