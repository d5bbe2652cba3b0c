"""Schemas of social profiles: a customer's account on a platform and its followers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, model_validator

from relata.api.schemas.common import NoNul, ObjectId, PageQuery, Text, max_length
from relata.customers.models import Customer
from relata.feedback.models import Platform, SocialProfile
from relata.feedback.social_services import MAX_COUNT

NUMBER_LENGTH = max_length(Customer, "customer_number")
URL_LENGTH = max_length(SocialProfile, "url")

ProfileOrdering = Literal["followers", "-followers", "handle", "-handle", "counted", "-counted"]
Followers = Annotated[int, Field(ge=0, le=MAX_COUNT)]
# Wider than the stored handle: a pasted profile link is turned into the handle.
HandleText = Annotated[
    str,
    Field(
        min_length=1,
        max_length=300,
        description="The handle ('@' optional) or a link to the profile; stored as the handle.",
    ),
    NoNul,
]


class ProfileFilters(PageQuery):
    customer_id: ObjectId | None = None
    customer_number: Text = Field("", max_length=NUMBER_LENGTH)
    platform: Platform | None = None
    min_followers: Followers | None = None
    q: Text = Field("", max_length=100, description="Part of a handle, or a customer.")
    ordering: ProfileOrdering = "-followers"


class SocialProfileOut(Schema):
    id: int
    customer_id: int
    customer_number: str
    platform: str
    handle: str = Field(description="Without '@'.")
    followers: int
    url: str
    counted_on: date = Field(description="The day the followers were counted.")
    created_at: datetime

    @staticmethod
    def resolve_customer_number(obj: SocialProfile) -> str:
        return obj.customer.customer_number


class SocialProfileCreate(Schema):
    """A profile of one customer (by id or by customer number). A handle belongs to one
    customer per platform (422 naming the customer who has it)."""

    model_config = ConfigDict(extra="forbid")

    customer_id: ObjectId | None = None
    customer_number: Annotated[str, Field(max_length=NUMBER_LENGTH), NoNul] | None = None
    platform: Platform
    handle: HandleText
    followers: Followers = 0
    url: Annotated[str, Field(max_length=URL_LENGTH), NoNul] = ""
    counted_on: date | None = Field(None, description="Default: today; not in the future.")

    @model_validator(mode="after")
    def one_customer_reference(self) -> SocialProfileCreate:
        if (self.customer_id is None) == (self.customer_number is None):
            raise ValueError("give exactly one of customer_id and customer_number")
        return self


class SocialProfilePatch(Schema):
    """Fields to change; omitted fields stay. A new follower count without ``counted_on``
    is counted today."""

    model_config = ConfigDict(extra="forbid")

    platform: Platform | None = None
    handle: HandleText | None = None
    followers: Followers | None = None
    url: Annotated[str, Field(max_length=URL_LENGTH), NoNul] | None = None
    counted_on: date | None = None


class CustomerProfilesOut(Schema):
    customer_id: int
    reach: int = Field(description="Followers summed over the profiles.")
    items: list[SocialProfileOut]
