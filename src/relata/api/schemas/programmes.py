"""Schemas of the loyalty and referral programmes. Points are whole numbers; euros are decimal
strings, like all money in this API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, model_validator

from relata.api.schemas.common import NoNul, ObjectId, PageQuery, Text, max_length
from relata.customers.models import Customer
from relata.engagement.loyalty_forms import MAX_POINTS
from relata.engagement.models import (
    LoyaltyMember,
    PointsEntry,
    Referral,
    ReferralCode,
    ReferralStatus,
)
from relata.engagement.referral_services import referral_code_format

NUMBER_LENGTH = max_length(Customer, "customer_number")
NOTE_LENGTH = max_length(PointsEntry, "note")
CustomerNumber = Annotated[str, Field(max_length=NUMBER_LENGTH), NoNul]


class ProgrammeOut(Schema):
    name: str
    active: bool = Field(description="An inactive programme books no points.")
    points_per_euro: Decimal
    reward_mode: str = Field(description='"direct" (worth money at the next purchase) or "saving".')
    point_value: Decimal = Field(description="What one point is worth, in euros.")
    minimum_redemption: int = Field(
        description="Fewest points redeemed at once; in saving mode also the reward levels "
        "(multiples of it)."
    )
    expiry_months: int | None = Field(description="Points expire this long after booking.")
    referral_reward_points: int
    referred_welcome_points: int
    updated_at: datetime


class MemberFilters(PageQuery):
    status: Literal["active", "left", "all"] = "active"
    customer_id: ObjectId | None = None
    q: Annotated[str, Field(max_length=100), NoNul] = Field(
        "", description="Member number, customer number or name."
    )


class MemberOut(Schema):
    id: int
    customer_id: int
    customer_number: str
    member_number: str
    joined_on: date
    left_on: date | None
    balance: int = Field(description="Points now.")

    @staticmethod
    def resolve_customer_number(obj: LoyaltyMember) -> str:
        return obj.customer.customer_number


class MemberEnrol(Schema):
    """Enrol a customer (by id or number). A joining date in the past earns points for the
    orders since then."""

    model_config = ConfigDict(extra="forbid")

    customer_id: ObjectId | None = None
    customer_number: CustomerNumber | None = None
    joined_on: date | None = Field(None, description="Default: today.")

    @model_validator(mode="after")
    def one_customer_reference(self) -> MemberEnrol:
        if (self.customer_id is None) == (self.customer_number is None):
            raise ValueError("give exactly one of customer_id and customer_number")
        return self


class PointsEntryOut(Schema):
    id: int
    kind: str = Field(description="earned, redeemed, expired, referral or adjusted.")
    points: int = Field(description="Positive when booked in, negative when taken off.")
    order_id: int | None
    booked_on: date
    expires_on: date | None
    note: str
    created_by_id: int | None
    created_at: datetime


class RewardOut(Schema):
    mode: str
    worth: Decimal = Field(description="The balance in euros.")
    minimum: int
    redeemable: bool = Field(description="Whether the balance reaches the minimum.")
    levels_reached: int = Field(description="Saving mode: reward levels reached.")
    next_level: int | None = Field(description="Saving mode: points of the next reward level.")
    to_next: int
    progress_percent: int


class ExpiringOut(Schema):
    expires_on: date
    points: int


class LoyaltyMembershipOut(Schema):
    member_number: str
    joined_on: date
    left_on: date | None


class CustomerLoyaltyOut(Schema):
    customer_id: int
    is_member: bool
    membership: LoyaltyMembershipOut | None
    balance: int
    worth: Decimal
    reward: RewardOut
    expiring: list[ExpiringOut] = Field(
        description="The next expiry dates and the points that expire then unless used."
    )
    ledger_count: int
    ledger: list[PointsEntryOut] = Field(description="Newest first; see ledger_limit/offset.")


class LedgerQuery(Schema):
    ledger_limit: int = Field(50, ge=1, le=200)
    ledger_offset: int = Field(0, ge=0, le=2**31)


class RedeemIn(Schema):
    model_config = ConfigDict(extra="forbid")

    points: int = Field(ge=1, le=MAX_POINTS)
    note: Annotated[str, Field(max_length=NOTE_LENGTH), NoNul] = ""


class RedeemOut(Schema):
    entry: PointsEntryOut
    balance: int
    worth: Decimal


class ReferralFilters(PageQuery):
    status: ReferralStatus | None = None
    referrer_id: ObjectId | None = None
    referred_id: ObjectId | None = None


class ReferralOut(Schema):
    id: int
    referrer_id: int
    referrer_number: str
    referred_id: int
    referred_number: str
    code: str | None = Field(description="The code used, as shown (ABCD-2345).")
    referred_on: date
    status: str = Field(description="pending (no purchase yet), rewarded or rejected.")
    rewarded_on: date | None
    reward_points: int = Field(description="Points booked for the referrer (0 for a non-member).")
    note: str

    @staticmethod
    def resolve_referrer_number(obj: Referral) -> str:
        return obj.referrer.customer_number

    @staticmethod
    def resolve_referred_number(obj: Referral) -> str:
        return obj.referred.customer_number

    @staticmethod
    def resolve_code(obj: Referral) -> str | None:
        return referral_code_format(obj.code.code) if obj.code else None


class ReferralIn(Schema):
    """Record that a customer (by id or number) was referred by the owner of ``code``."""

    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, Field(min_length=1, max_length=20), NoNul]
    referred_id: ObjectId | None = None
    referred_number: CustomerNumber | None = None
    referred_on: date | None = Field(None, description="Default: today.")
    note: Annotated[str, Field(max_length=200), NoNul] = ""

    @model_validator(mode="after")
    def one_customer_reference(self) -> ReferralIn:
        if (self.referred_id is None) == (self.referred_number is None):
            raise ValueError("give exactly one of referred_id and referred_number")
        return self


class ReferralRejectIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[Text, Field(min_length=1, max_length=200)]


class ReferralCodeOut(Schema):
    customer_id: int
    code: str = Field(description="As stored: 8 characters without the hyphen.")
    display: str = Field(description="As shown to customers: ABCD-2345.")
    created_at: datetime

    @staticmethod
    def resolve_display(obj: ReferralCode) -> str:
        return referral_code_format(obj.code)
