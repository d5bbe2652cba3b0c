"""Score schemas: score runs, a customer's snapshots, and a run's period summaries.

Every code comes with its translated label (``"tier": 1, "tier_label": "Top"``); money is a
decimal string (``"1250.00"``); probabilities and shares are floats between 0 and 1;
percentages are floats between 0 and 100.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.db import models
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise
from ninja import Schema
from pydantic import Field

from relata.analytics.migration import MigrationState
from relata.api.schemas.common import ObjectId, PageQuery
from relata.scoring.choices import (
    ChurnLevelChoice,
    GridChoice,
    MovementChoice,
    QuadrantChoice,
    RfmSegmentChoice,
    StageChoice,
    TierChoice,
)
from relata.scoring.models import CustomerSnapshot, ScoreRun

# Rows and columns of the migration matrix, in ``MigrationState`` order. The analytics core
# keeps its own English labels (it may not import Django); these are the translated ones.
MIGRATION_STATE_LABELS: dict[MigrationState, StrOrPromise] = {
    MigrationState.TOP: gettext_lazy("Top"),
    MigrationState.BIG: gettext_lazy("Big"),
    MigrationState.MEDIUM: gettext_lazy("Medium"),
    MigrationState.SMALL: gettext_lazy("Small"),
    MigrationState.INACTIVE: gettext_lazy("Inactive"),
    MigrationState.NOT_A_CUSTOMER: gettext_lazy("Not a customer"),
}

ScoreOrdering = Literal[
    "revenue", "-revenue", "clv", "-clv", "profit", "-profit", "churn_risk", "-churn_risk",
    "number", "-number",
]  # fmt: skip


def code_label(choices: type[models.IntegerChoices], code: int | None) -> str | None:
    """The translated label of a code; the code itself if a newer engine wrote an unknown one."""
    if code is None:
        return None
    try:
        return str(choices(code).label)
    except ValueError:
        return str(code)


def finite_json(value: Any) -> Any:
    """JSON-ready copy with NaN and infinities as null (JSON has no such numbers)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(key): finite_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite_json(item) for item in value]
    return value


def _choices_help(choices: type[models.IntegerChoices]) -> str:
    return "; ".join(f"{value} = {label}" for value, label in choices.choices)


# --- query parameters ------------------------------------------------------------------------


class RunQuery(Schema):
    run: ObjectId | None = Field(
        None, description="Id of a complete score run; defaults to the latest complete run."
    )


class ScoredCustomerFilters(PageQuery):
    run: ObjectId | None = Field(
        None, description="Id of a complete score run; defaults to the latest complete run."
    )
    tier: TierChoice | None = Field(None, description=_choices_help(TierChoice))
    rfm_segment: RfmSegmentChoice | None = Field(None, description=_choices_help(RfmSegmentChoice))
    stage: StageChoice | None = Field(
        None, description="Lifecycle stage: " + _choices_help(StageChoice)
    )
    churn_level: ChurnLevelChoice | None = Field(None, description=_choices_help(ChurnLevelChoice))
    cant_lose: bool | None = Field(None, description="Valuable customers at high churn risk.")
    loss_making: bool | None = Field(None, description="Customers whose profit is below zero.")
    ordering: ScoreOrdering = Field(
        "-revenue",
        description="revenue, clv (probabilistic CLV), profit, churn_risk or number "
        "(customer number); a leading - sorts descending.",
    )


# --- runs ------------------------------------------------------------------------------------


class RunOut(Schema):
    id: int
    period_end: date = Field(description="Last day (inclusive) of the analysis period.")
    started_at: datetime
    finished_at: datetime | None
    customers: int = Field(description="Customers scored (one snapshot each).")
    settings_used: dict[str, Any] = Field(description="The value-engine settings of the run.")
    model_fit: dict[str, Any] = Field(
        description="Fitted model parameters (BG/NBD, Gamma-Gamma, retention per tier), or "
        "`fallback` with the reason the models could not be fitted."
    )

    @staticmethod
    def resolve_settings_used(obj: ScoreRun) -> Any:
        return finite_json(obj.settings_used or {})

    @staticmethod
    def resolve_model_fit(obj: ScoreRun) -> Any:
        return finite_json(obj.model_fit or {})


class RunRefOut(Schema):
    id: int
    period_end: date
    finished_at: datetime | None
    customers: int


# --- snapshots -------------------------------------------------------------------------------


class SnapshotOut(Schema):
    """What one score run derived for one customer."""

    run_id: int
    period_end: date
    tier: int
    tier_label: str
    previous_tier: int | None = Field(description="Tier in the period before, if known.")
    previous_tier_label: str | None
    movement: int
    movement_label: str
    risk: bool = Field(description="Moved down a tier, lapsed, or value fell sharply.")
    revenue: Decimal
    margin: Decimal
    previous_revenue: Decimal
    orders: int
    recency_days: int | None = Field(description="Days since the last purchase; null if never.")
    frequency: int = Field(description="Purchase days in the period.")
    r_score: int = Field(description="1–5; 0 when not scored.")
    f_score: int
    m_score: int
    rfm_segment: int
    rfm_segment_label: str
    clv_formula: Decimal
    clv_discounted: Decimal
    clv_probabilistic: Decimal
    p_alive: float = Field(description="Probability (0–1) that the customer is still active.")
    expected_purchases: float
    current_value: Decimal = Field(description="Value per year now.")
    potential_value: Decimal = Field(description="Value per year if fully developed.")
    value_grid: int
    value_grid_label: str
    cost_to_serve: Decimal
    profit: Decimal
    loss_making: bool
    churn_risk: float = Field(description="Churn risk score (0–1).")
    churn_level: int
    churn_level_label: str
    cant_lose: bool
    lifecycle_stage: int
    lifecycle_stage_label: str
    nps_latest: int | None = Field(
        description="Latest NPS answer (0–10) by the period end; null: never answered."
    )
    influence_score: int = Field(
        description="0–100, from reach, referrals, reviews and recommendation (the why: "
        "/api/customers/{id}/influence)."
    )
    advocacy_value: Decimal = Field(
        description="CLV of the customers referred + the estimate from reach (0 for a "
        "negative voice)."
    )
    holistic_value: Decimal = Field(description="clv_probabilistic + advocacy value.")
    attitudinal_loyalty: float | None = Field(
        description="0–1; null when unknown (no NPS answer and no recommendation)."
    )
    behavioural_loyalty: float = Field(description="0–1.")
    loyalty_quadrant: int = Field(description=_choices_help(QuadrantChoice))
    loyalty_quadrant_label: str

    @staticmethod
    def resolve_tier_label(obj: CustomerSnapshot) -> str | None:
        return code_label(TierChoice, obj.tier)

    @staticmethod
    def resolve_previous_tier_label(obj: CustomerSnapshot) -> str | None:
        return code_label(TierChoice, obj.previous_tier)

    @staticmethod
    def resolve_movement_label(obj: CustomerSnapshot) -> str | None:
        return code_label(MovementChoice, obj.movement)

    @staticmethod
    def resolve_rfm_segment_label(obj: CustomerSnapshot) -> str | None:
        return code_label(RfmSegmentChoice, obj.rfm_segment)

    @staticmethod
    def resolve_value_grid_label(obj: CustomerSnapshot) -> str | None:
        return code_label(GridChoice, obj.value_grid)

    @staticmethod
    def resolve_churn_level_label(obj: CustomerSnapshot) -> str | None:
        return code_label(ChurnLevelChoice, obj.churn_level)

    @staticmethod
    def resolve_lifecycle_stage_label(obj: CustomerSnapshot) -> str | None:
        return code_label(StageChoice, obj.lifecycle_stage)

    @staticmethod
    def resolve_loyalty_quadrant_label(obj: CustomerSnapshot) -> str | None:
        return code_label(QuadrantChoice, obj.loyalty_quadrant)


class CustomerScoresOut(Schema):
    customer_id: int
    customer_number: str
    display_name: str
    latest: SnapshotOut | None = Field(
        description="The newest snapshot, or null when the customer has not been scored yet."
    )
    history: list[SnapshotOut] = Field(description="All snapshots, newest period first.")


class ScoredCustomerOut(SnapshotOut):
    """A snapshot in the list of one run, with the customer it belongs to."""

    customer_id: int
    customer_number: str
    display_name: str

    @staticmethod
    def resolve_customer_number(obj: CustomerSnapshot) -> str:
        return obj.customer.customer_number

    @staticmethod
    def resolve_display_name(obj: CustomerSnapshot) -> str:
        return obj.customer.display_name


# --- period summaries ------------------------------------------------------------------------


class TierRowOut(Schema):
    tier: int
    tier_label: str
    customers: int
    pct_customers: float = Field(description="Share of all customers, in percent.")
    revenue: Decimal = Field(description="Revenue of the tier in the period.")
    pct_revenue: float = Field(description="Share of the period's revenue, in percent.")
    average_revenue: Decimal = Field(description="Revenue per customer of the tier.")


class ParetoOut(Schema):
    top20_share: float = Field(
        description="Share (0–1) of revenue earned by the best 20% of active customers."
    )
    customer_share: list[float] = Field(description="Pareto curve: x, share of customers.")
    value_share: list[float] = Field(description="Pareto curve: y, share of revenue.")


class TiersOut(Schema):
    run: RunRefOut
    customers: int
    active_customers: int = Field(description="Customers who bought in the period.")
    revenue: Decimal
    pyramid: list[TierRowOut] = Field(description="One row per tier, Top first.")
    pareto: ParetoOut


class MigrationStateOut(Schema):
    state: int = Field(description="Row and column index in the matrices.")
    label: str


class MigrationOut(Schema):
    run: RunRefOut
    period_months: int | None = Field(description="Length of each of the two periods compared.")
    previous_period_end: date | None = Field(
        description="End of the earlier period (the rows); the run's period_end is the columns."
    )
    states: list[MigrationStateOut]
    counts: list[list[int]] = Field(
        description="Customers per [from state][to state] (rows: earlier period)."
    )
    value_change: list[list[Decimal]] = Field(
        description="Revenue now minus revenue before, summed over each cell's customers."
    )
    risk_customers: int = Field(
        description="Customers who moved down, lapsed, or whose value fell sharply."
    )


class RfmSegmentOut(Schema):
    segment: int
    label: str
    customers: int


class RfmOut(Schema):
    run: RunRefOut
    grid: list[list[int]] = Field(
        description="Customers per [R score − 1][F score − 1]; both scores 1–5, 5 best."
    )
    scored_customers: int = Field(description="Customers in the grid (R and F scored).")
    segments: list[RfmSegmentOut] = Field(description="Every segment, in code order.")
