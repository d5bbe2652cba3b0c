"""Consent schemas: decisions per channel × purpose, the ones in force and their history."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import ConfigDict, Field

from relata.api.schemas.common import AwareDateTime, ObjectId, PageQuery, Text
from relata.customers.models import Consent, ConsentChannel, ConsentPurpose


class ConsentDecisionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    channel: ConsentChannel
    purpose: ConsentPurpose
    granted: bool = Field(description="true: opt-in; false: withdrawn / opt-out.")
    source: Text = Field(
        min_length=1,
        max_length=100,
        description="Where the customer gave the decision, e.g. 'web form', 'phone call'.",
    )


class ConsentDecisionOut(Schema):
    id: int
    customer_id: int
    channel: str
    purpose: str
    granted: bool
    recorded_at: datetime
    source: str
    recorded_by: str | None = Field(description="Username of who recorded it; null: a system.")

    @staticmethod
    def resolve_recorded_by(obj: Consent) -> str | None:
        return obj.recorded_by.get_username() if obj.recorded_by else None


class ConsentChangeOut(ConsentDecisionOut):
    previous_granted: bool | None = Field(
        description="The decision in force before this one for the same channel and purpose; "
        "null when none was recorded."
    )


class CustomerConsentsOut(Schema):
    customer_id: int
    in_force: list[ConsentDecisionOut] = Field(
        description="The latest decision per channel and purpose. A channel × purpose that "
        "is missing has no decision: the customer has not consented."
    )
    history: list[ConsentChangeOut] = Field(description="Every decision, newest first.")


class ConsentFilters(PageQuery):
    channel: ConsentChannel | None = None
    purpose: ConsentPurpose | None = None
    granted: bool | None = Field(
        None, description="true: only opt-ins in force; false: only withdrawals in force."
    )
    customer_id: ObjectId | None = None
    recorded_since: AwareDateTime | None = Field(
        None, description="Only decisions recorded at or after this ISO 8601 date-time."
    )


class ConsentListItemOut(ConsentDecisionOut):
    customer_number: str

    @staticmethod
    def resolve_customer_number(obj: Consent) -> str:
        return obj.customer.customer_number
