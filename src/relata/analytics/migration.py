"""The customer migration matrix (klantmigratiematrix) and risk customers (risicoklanten).

DOMAIN.md §4. Input: the pyramid tier of the same customers in a previous and a current
period (``Tier`` codes; ``Tier.NONE`` for "no snapshot then") and their period values.

Matrix states (rows = previous period, columns = current period), in this order:
Top, Big, Medium, Small, Inactive, Not a customer (``NONE``, ``PROSPECT`` or ``SUSPECT``).
The row "Not a customer" into an active column is **New**; an active row into the column
Inactive (or Not a customer) is **Lost**; Inactive into an active column is **Reactivated**.

Risk customer: moved down a tier (including Lost), or period value fell by at least
``value_drop`` (default 30%) of a positive previous value.
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
    code_array,
    float_array,
    same_length,
)
from relata.analytics.pyramid import Tier

__all__ = [
    "MOVEMENT_LABELS",
    "STATE_LABELS",
    "MigrationMatrix",
    "MigrationResult",
    "MigrationSettings",
    "MigrationState",
    "Movement",
    "migration_compute",
    "migration_states",
]


class MigrationState(IntEnum):
    """Row/column index of the migration matrix."""

    TOP = 0
    BIG = 1
    MEDIUM = 2
    SMALL = 3
    INACTIVE = 4
    NOT_A_CUSTOMER = 5


STATE_LABELS: dict[MigrationState, str] = {
    MigrationState.TOP: "Top",
    MigrationState.BIG: "Big",
    MigrationState.MEDIUM: "Medium",
    MigrationState.SMALL: "Small",
    MigrationState.INACTIVE: "Inactive",
    MigrationState.NOT_A_CUSTOMER: "Not a customer",
}


class Movement(IntEnum):
    """What happened to one customer between the two periods."""

    NEW = 1  # not a customer before, active now
    REACTIVATED = 2  # inactive before, active now (won back)
    UP = 3  # active in both, higher tier now
    STABLE = 4  # active in both, same tier
    DOWN = 5  # active in both, lower tier now
    LOST = 6  # active before, not now (became Inactive)
    OUT = 7  # active in neither period


MOVEMENT_LABELS: dict[Movement, str] = {
    Movement.NEW: "New",
    Movement.REACTIVATED: "Reactivated",
    Movement.UP: "Up",
    Movement.STABLE: "Stable",
    Movement.DOWN: "Down",
    Movement.LOST: "Lost",
    Movement.OUT: "Not active",
}

# Tier code → matrix state (index = Tier value).
_STATE_OF_TIER = np.array(
    [
        MigrationState.NOT_A_CUSTOMER,  # NONE
        MigrationState.TOP,
        MigrationState.BIG,
        MigrationState.MEDIUM,
        MigrationState.SMALL,
        MigrationState.INACTIVE,
        MigrationState.NOT_A_CUSTOMER,  # PROSPECT
        MigrationState.NOT_A_CUSTOMER,  # SUSPECT
    ],
    dtype=np.int8,
)
_N_STATES = len(MigrationState)
_ALL_TIERS = tuple(int(t) for t in Tier)


@dataclass(frozen=True)
class MigrationSettings:
    value_drop: float = 0.30  # risk when period value fell by at least this share

    def __post_init__(self) -> None:
        check_fraction("value_drop", self.value_drop)


@dataclass(frozen=True)
class MigrationMatrix:
    """6 × 6 matrices indexed ``[from_state, to_state]`` (``MigrationState`` order)."""

    counts: IntArray
    previous_value: FloatArray
    current_value: FloatArray
    value_change: FloatArray  # current − previous, summed over the cell's customers


@dataclass(frozen=True)
class MigrationResult:
    from_state: CodeArray  # per customer, for the cell's customer list
    to_state: CodeArray
    movement: CodeArray  # ``Movement`` codes
    risk: BoolArray  # dropped a tier or value fell by ≥ value_drop
    value_dropped: BoolArray  # the value-drop part of ``risk`` on its own
    matrix: MigrationMatrix


def migration_states(tier: npt.ArrayLike, *, name: str = "tier") -> CodeArray:
    """Map ``Tier`` codes to ``MigrationState`` codes."""
    codes = code_array(name, tier, _ALL_TIERS)
    return _STATE_OF_TIER[codes]


def migration_compute(
    previous_tier: npt.ArrayLike,
    current_tier: npt.ArrayLike,
    previous_value: npt.ArrayLike,
    current_value: npt.ArrayLike,
    *,
    settings: MigrationSettings | None = None,
) -> MigrationResult:
    """Per-customer movement and risk flag, and the count and value matrices.

    All four arrays hold the same customers in the same order. Empty input gives empty
    per-customer arrays and all-zero matrices.
    """
    settings = settings or MigrationSettings()
    source = migration_states(previous_tier, name="previous_tier")
    target = migration_states(current_tier, name="current_tier")
    before = float_array("previous_value", previous_value)
    after = float_array("current_value", current_value)
    same_length(
        previous_tier=source, current_tier=target, previous_value=before, current_value=after
    )

    was_active = source <= MigrationState.SMALL
    is_active = target <= MigrationState.SMALL
    movement = np.select(
        [
            was_active & is_active & (target < source),
            was_active & is_active & (target == source),
            was_active & is_active,
            was_active,
            is_active & (source == MigrationState.INACTIVE),
            is_active,
        ],
        [
            Movement.UP,
            Movement.STABLE,
            Movement.DOWN,
            Movement.LOST,
            Movement.REACTIVATED,
            Movement.NEW,
        ],
        default=Movement.OUT,
    ).astype(np.int8)

    # A relative tolerance keeps an exact 30% fall (100 → 70) on the risk side of the line.
    limit = before * (1.0 - settings.value_drop)
    value_dropped = (before > 0) & (after <= limit + 1e-9 * np.abs(before))
    risk = value_dropped | (movement == Movement.DOWN) | (movement == Movement.LOST)

    cell = source.astype(np.int64) * _N_STATES + target
    size = _N_STATES * _N_STATES
    shape = (_N_STATES, _N_STATES)
    counts = np.bincount(cell, minlength=size).reshape(shape).astype(np.int64)
    previous_sum: FloatArray = (
        np.bincount(cell, weights=before, minlength=size).reshape(shape).astype(np.float64)
    )
    current_sum: FloatArray = (
        np.bincount(cell, weights=after, minlength=size).reshape(shape).astype(np.float64)
    )
    matrix = MigrationMatrix(
        counts=counts,
        previous_value=previous_sum,
        current_value=current_sum,
        value_change=current_sum - previous_sum,
    )
    return MigrationResult(
        from_state=source,
        to_state=target,
        movement=movement,
        risk=risk,
        value_dropped=value_dropped,
        matrix=matrix,
    )
