"""Campaign schemas. Money is a decimal string in responses ("12.50"); rates are fractions
(0.125 = 12.5%)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import ConfigDict, Field

from relata.api.schemas.common import AwareDateTime, NoNul, ObjectId, PageQuery, Text, max_length
from relata.customers.models import ConsentChannel, ConsentPurpose
from relata.engagement.models import (
    Campaign,
    CampaignContact,
    CampaignStatus,
    ContactGroup,
    OfferKind,
)

NAME_LENGTH = max_length(Campaign, "name")
OFFER_TEXT_LENGTH = max_length(Campaign, "offer_text")
Money = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
ContactState = Literal[
    "sent", "refused", "opened", "clicked", "responded", "converted", "not_converted"
]


class CampaignFilters(PageQuery):
    status: CampaignStatus | None = None
    q: Text = Field("", max_length=200, description="Words in the name.")


class CampaignFields(Schema):
    description: Text | None = None
    segment_id: ObjectId | None = None
    channel: ConsentChannel | None = None
    purpose: ConsentPurpose | None = None
    template_id: ObjectId | None = None
    offer_kind: OfferKind | None = None
    offer_product_id: ObjectId | None = None
    offer_text: Annotated[str, Field(max_length=OFFER_TEXT_LENGTH), NoNul] | None = None
    discount_percent: Annotated[Decimal, Field(ge=0, le=100, decimal_places=2)] | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    attribution_days: Annotated[int, Field(ge=1, le=365)] | None = None
    control_percent: Annotated[int, Field(ge=0, le=50)] | None = None
    fixed_cost: Money | None = None
    cost_per_contact: Money | None = None
    random_seed: Annotated[int, Field(ge=0, le=2**31 - 1)] | None = Field(
        None, description="Fix the control group's random draw (reproducible); drawn if empty."
    )


class CampaignCreate(CampaignFields):
    """A new draft campaign. ``segment_id`` and ``template_id`` are needed before launch."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=NAME_LENGTH), NoNul]
    channel: ConsentChannel = ConsentChannel.EMAIL


class CampaignPatch(CampaignFields):
    """Fields to change, with the ``version`` you read (a stale one is refused with 409).
    After launch, who is approached with what can no longer change (422)."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, description="The version of the campaign you read.")
    name: Annotated[str, Field(min_length=1, max_length=NAME_LENGTH), NoNul] | None = None


class CampaignLaunch(Schema):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(None, ge=1, description="The version you read (recommended).")


class CampaignOut(Schema):
    id: int
    version: int
    name: str
    description: str
    status: str
    segment_id: int | None
    channel: str
    purpose: str
    template_id: int | None
    offer_kind: str
    offer_product_id: int | None
    offer_text: str
    discount_percent: Decimal | None
    starts_on: date
    ends_on: date | None
    attribution_days: int
    control_percent: int
    fixed_cost: Decimal
    cost_per_contact: Decimal
    random_seed: int | None
    playbook: str
    launched_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ContactFilters(PageQuery):
    group: ContactGroup | None = None
    state: ContactState | None = None


class ContactOut(Schema):
    id: int
    customer_id: int
    customer_number: str
    group: str
    enrolled_at: datetime
    trigger_firing_id: int | None
    offered_product_id: int | None
    sent_at: datetime | None
    refused_reason: str
    opened_at: datetime | None
    clicked_at: datetime | None
    responded_at: datetime | None
    converted_at: datetime | None
    conversion_order_id: int | None
    revenue: Decimal

    @staticmethod
    def resolve_customer_number(obj: CampaignContact) -> str:
        return obj.customer.customer_number


class ContactResponseIn(Schema):
    """Record by hand that an approached contact responded (logged as a contact moment)."""

    # Not "ResponseIn": OpenAPI components are named by class, and surveys has a ResponseIn.

    model_config = ConfigDict(extra="forbid")

    note: Annotated[str, Field(max_length=2000), NoNul] = ""
    responded_at: AwareDateTime | None = Field(None, description="Default: now.")


class UpliftOut(Schema):
    available: bool
    reason: str | None = Field(description="Why it is missing: a code, e.g. no_control.")
    reason_text: str
    confidence: float
    treatment_rate: float | None
    control_rate: float | None
    difference: float | None = Field(description="Treatment − control conversion rate.")
    low: float | None = Field(description="Newcombe interval, lower end.")
    high: float | None
    p_value: float | None
    relative: float | None
    incremental_conversions: float | None
    incremental_revenue: float | None
    verdict: str = Field(description="higher, lower, no_difference or unknown.")
    verdict_text: str


class ResultsOut(Schema):
    campaign_id: int
    status: str
    contacts: int
    treatment: int
    control: int
    refused: int = Field(description="Approached group, not sent (no consent or address).")
    sent: int
    opened: int | None = Field(description="null where the channel cannot track opens.")
    clicked: int | None
    responded: int
    converted: int = Field(description="Sent contacts who bought in their window.")
    open_rate: float | None
    click_rate: float | None
    response_rate: float | None
    conversion_ratio: float | None
    responder_conversion: float | None
    revenue: float
    control_revenue: float
    cost: float
    fixed_cost: float
    contact_cost: float
    roi: float | None
    roi_reason: str | None
    incremental_roi: float | None
    uplift: UpliftOut


class TemplateOut(Schema):
    id: int
    name: str
    channel: str
    subject: str
    body: str
    created_at: datetime
    updated_at: datetime
