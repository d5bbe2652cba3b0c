"""Journey analytics schemas: the filters every endpoint takes and the sections it returns.
Shares are fractions (0.25 = 25%); null where there is nothing to divide by, or a month
not yet observed."""

from __future__ import annotations

from datetime import date
from typing import Literal

from ninja import Schema
from pydantic import Field

from relata.feedback.journey_forms import MAX_STEPS, MAX_WINDOW_DAYS


class JourneyQuery(Schema):
    date_from: date | None = Field(
        None, description="First day of the period (default: 24 calendar months before the end)."
    )
    date_to: date | None = Field(
        None, description="Last day of the period, not after today (default: today)."
    )
    node: Literal["touchpoint", "channel"] = Field(
        "touchpoint", description="What a path step shows."
    )
    steps: int = Field(4, ge=1, le=MAX_STEPS, description="Contact moments per journey (K).")
    grouping: Literal["source", "first_channel"] = Field(
        "source",
        description="Cohort groups: the customer's acquisition source or the channel of the "
        "first contact moment.",
    )
    window_days: int = Field(
        14, ge=1, le=MAX_WINDOW_DAYS, description="Days within which a next moment is a switch."
    )


class PathsQuery(JourneyQuery):
    kind: Literal["first_purchase", "churn"] = Field(
        "first_purchase", description="Paths before a first purchase, or before churn."
    )


class MetaOut(Schema):
    date_from: date
    date_to: date
    node: str
    steps: int
    grouping: str
    window_days: int
    lost_after_days: int = Field(
        description="Days without purchase after which a customer is lost."
    )
    customers_total: int
    customers_analysed: int
    sampled: bool = Field(description="Whether a fixed sample of the customers was analysed.")
    sample_percent: float
    computed_at: str


class OutcomeOut(Schema):
    key: str
    label: str
    customers: int
    journeys: int = Field(description="Customers with at least one contact moment before.")
    without_moments: int


class NodeOut(Schema):
    name: str
    depth: int = Field(description="Column in the diagram: step − 1; outcomes last.")
    key: str
    outcome: bool


class LinkOut(Schema):
    source: str
    target: str
    value: int


class PathOut(Schema):
    steps: list[str] = Field(description="Touchpoint or channel codes, oldest first.")
    labels: list[str]
    outcome: str
    outcome_label: str
    customers: int
    share: float | None = Field(description="Share of the outcome's journeys.")


class PathsOut(Schema):
    meta: MetaOut
    kind: str
    node: str
    steps: int
    outcomes: list[OutcomeOut]
    nodes: list[NodeOut]
    links: list[LinkOut]
    top_paths: list[PathOut]


class KeyLabel(Schema):
    key: str
    label: str


class SwitchRowOut(Schema):
    key: str
    label: str
    follow_ups: int
    switch_share: float | None
    top_next: str


class SwitchingOut(Schema):
    meta: MetaOut
    window_days: int
    channels: list[KeyLabel]
    matrix: list[list[int]] = Field(description="Rows: channel; columns: the next channel.")
    transitions: int
    switches: int
    switch_share: float | None
    customers: int
    switchers: int
    rows: list[SwitchRowOut]


class FrictionNodeOut(Schema):
    key: str
    label: str
    moments: int
    with_friction: int
    share: float | None
    causes: list[int] = Field(description="Moments per cause, in the order of ``causes``.")


class FrictionRowOut(Schema):
    key: str = Field(description="A friction cause, or any.")
    label: str
    lost_with: int
    lost_share: float | None
    won_with: int
    won_share: float | None
    ratio: float | None = Field(description="lost_share / won_share.")
    low: float | None = Field(description="95% interval of the ratio (log method).")
    high: float | None
    signal: str = Field(description="over: interval above 1; under: below 1; else empty.")


class FrictionComparisonOut(Schema):
    key: Literal["conversion", "churn"]
    lost_label: str
    won_label: str
    lost_n: int
    won_n: int
    rows: list[FrictionRowOut]


class DropOffOut(Schema):
    meta: MetaOut
    node: str
    causes: list[KeyLabel]
    by_node: list[FrictionNodeOut]
    comparisons: list[FrictionComparisonOut]


class BinOut(Schema):
    label: str
    low: int
    high: int | None
    customers: int


class ChannelTimeOut(Schema):
    key: str
    label: str
    customers: int
    median: float | None
    q1: float | None
    q3: float | None


class ConversionTimeOut(Schema):
    meta: MetaOut
    buyers: int = Field(description="First purchases in the period.")
    with_contact: int
    without_contact: int
    median: float | None
    q1: float | None
    q3: float | None
    mean: float | None
    histogram: list[BinOut]
    per_channel: list[ChannelTimeOut]


class CohortRowOut(Schema):
    month: str = Field(description="Month of the first purchase, YYYY-MM.")
    label: str
    customers: int
    retention: list[float | None] = Field(description="Per month since the first purchase.")
    active: list[float | None] = Field(description="Bought in that month or later.")


class GroupCohortOut(Schema):
    month: str
    customers: int
    retention: list[float | None]


class CohortGroupOut(Schema):
    key: str
    label: str
    customers: int
    curve: list[float | None]
    active: list[float | None]
    rows: list[GroupCohortOut]


class CohortsOut(Schema):
    meta: MetaOut
    grouping: str
    horizon: int
    months_since: list[int]
    customers: int
    rows: list[CohortRowOut]
    curve: list[float | None]
    active: list[float | None]
    groups: list[CohortGroupOut]
