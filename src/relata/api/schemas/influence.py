"""Influence schemas: a customer's influence score with its components, the advocacy value
split into what referred customers are worth and the estimate from reach (with the
assumptions used), holistic value and the loyalty quadrant; and the list of customers by
influence or holistic value.

Money is a decimal string; shares and loyalty are floats between 0 and 1; the influence
score and points are 0–100.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import Field

from relata.api.schemas.common import ObjectId, PageQuery
from relata.api.schemas.scores import _choices_help, code_label
from relata.scoring.choices import QuadrantChoice, TierChoice
from relata.scoring.models import CustomerSnapshot

InfluenceOrdering = Literal[
    "influence", "-influence", "holistic", "-holistic", "advocacy", "-advocacy", "clv", "-clv",
    "number", "-number",
]  # fmt: skip


class InfluenceFilters(PageQuery):
    run: ObjectId | None = Field(
        None, description="Id of a complete score run; defaults to the latest complete run."
    )
    min_influence: int | None = Field(
        None, ge=0, le=100, description="Only customers with at least this influence score."
    )
    max_tier: TierChoice | None = Field(
        None,
        description="The best tier to include: this tier and every lower one (higher code). "
        "3 (Medium) lists the low spenders, everyone but Top and Big. " + _choices_help(TierChoice),
    )
    max_revenue: Decimal | None = Field(
        None, ge=0, description="Only customers whose revenue in the period is at most this."
    )
    quadrant: QuadrantChoice | None = Field(
        None, description="Loyalty quadrant: " + _choices_help(QuadrantChoice)
    )
    ordering: InfluenceOrdering = Field(
        "-influence",
        description="influence, holistic (holistic value), advocacy (advocacy value), clv or "
        "number (customer number); a leading - sorts descending.",
    )


class RunBriefOut(Schema):
    id: int
    period_end: date
    finished_at: datetime | None


class InfluenceRowOut(Schema):
    """One customer of the run, with the scored influence and value."""

    customer_id: int
    customer_number: str
    display_name: str
    tier: int
    tier_label: str
    revenue: Decimal = Field(description="Revenue in the analysis period.")
    clv: Decimal = Field(description="CLV (BG/NBD + Gamma-Gamma), the product's headline CLV.")
    influence_score: int = Field(description="0–100.")
    advocacy_value: Decimal
    holistic_value: Decimal = Field(description="CLV + advocacy value.")
    nps_latest: int | None = Field(description="Latest NPS answer (0–10); null: never answered.")
    attitudinal_loyalty: float | None = Field(description="0–1; null when unknown.")
    behavioural_loyalty: float = Field(description="0–1.")
    loyalty_quadrant: int
    loyalty_quadrant_label: str

    @staticmethod
    def resolve_customer_number(obj: CustomerSnapshot) -> str:
        return obj.customer.customer_number

    @staticmethod
    def resolve_display_name(obj: CustomerSnapshot) -> str:
        return obj.customer.display_name

    @staticmethod
    def resolve_tier_label(obj: CustomerSnapshot) -> str | None:
        return code_label(TierChoice, obj.tier)

    @staticmethod
    def resolve_clv(obj: CustomerSnapshot) -> Decimal:
        return Decimal(obj.clv_probabilistic)

    @staticmethod
    def resolve_loyalty_quadrant_label(obj: CustomerSnapshot) -> str | None:
        return code_label(QuadrantChoice, obj.loyalty_quadrant)


class ComponentOut(Schema):
    key: str = Field(description="reach, referrals, reviews or recommendation.")
    label: str
    value: float = Field(description="The component, 0–1.")
    weight: float = Field(description="Its weight: the points it gives at 1 (weights sum to 100).")
    points: float = Field(description="What it gives this customer; the points sum to the score.")


class ProfileOut(Schema):
    platform: str
    followers: int


class InfluenceInputsOut(Schema):
    """The inputs as of the run's period end."""

    followers: int = Field(description="Over the social profiles known by the period end.")
    profiles: list[ProfileOut]
    reviews: int = Field(description="Reviews and comments written by the period end.")
    mean_rating: float | None = Field(description="Mean rating (1–5) of the rated ones.")
    helpful_votes: int
    positive_reviews: int = Field(description="Reviews rated 4 or 5.")
    nps_latest: int | None
    nps_group: str = Field(description="promoter, passive, detractor or unknown.")
    referrals: int = Field(description="Referrals not rejected, made by the period end.")
    successful_referrals: int = Field(description="Of those, referred customers who bought.")


class AssumptionsOut(Schema):
    reach_rate: float = Field(description="Share of followers reached per year.")
    reach_conversion: float = Field(description="Share of those reached who become customers.")
    value_per_customer: Decimal = Field(description="Value of a customer won through reach.")
    value_per_customer_source: str | None = Field(
        description="setting, or average_clv: the average CLV of the period's buyers."
    )
    clv_basis: str = Field(description="The CLV column advocacy and holistic value rest on.")
    weights: dict[str, float] = Field(description="Influence weights as set (any scale).")


class AdvocacyOut(Schema):
    value: Decimal = Field(description="As stored by the run: referred_clv + reach.")
    referred_clv: Decimal = Field(description="CLV of the customers the customer referred.")
    reach: Decimal = Field(
        description="followers × reach_rate × reach_conversion × value_per_customer; 0 for "
        "a negative voice."
    )
    negative_voice: bool = Field(
        description="A detractor (latest NPS 0–6), or never asked and rating reviews below 3."
    )
    assumptions: AssumptionsOut


class LoyaltyOut(Schema):
    quadrant: int = Field(description=_choices_help(QuadrantChoice))
    quadrant_label: str
    attitudinal: float | None = Field(description="0–1; null when unknown.")
    behavioural: float = Field(description="0–1.")
    attitude_high: float = Field(description="Attitude counts as high from this value.")
    behaviour_high: float = Field(description="Behaviour counts as high from this value.")


class CustomerInfluenceOut(Schema):
    customer_id: int
    customer_number: str
    display_name: str
    run: RunBriefOut = Field(description="The latest complete run that scored the customer.")
    influence_score: int = Field(description="0–100, as stored by the run.")
    components: list[ComponentOut]
    recomputed_score: float = Field(
        description="The components' sum from the inputs below, with the run's weights."
    )
    matches_snapshot: bool = Field(
        description="False when the inputs changed since the run (e.g. followers recounted): "
        "the components explain today's inputs, the next run stores them."
    )
    inputs: InfluenceInputsOut
    advocacy: AdvocacyOut
    clv: Decimal = Field(description="CLV (BG/NBD + Gamma-Gamma).")
    holistic_value: Decimal = Field(description="CLV + advocacy value.")
    loyalty: LoyaltyOut
