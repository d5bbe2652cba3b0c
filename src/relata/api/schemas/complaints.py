"""Complaint schemas. Date-times are ISO 8601; without an offset they are read in the
installation's time zone."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, model_validator

from relata.api.schemas.common import (
    AwareDateTime,
    NoNul,
    ObjectId,
    PageQuery,
    Text,
    max_length,
)
from relata.contacts.models import Channel, Complaint, ComplaintCause, ComplaintStatus, Touchpoint
from relata.customers.models import Customer

SUBJECT_LENGTH = max_length(Complaint, "subject")
NUMBER_LENGTH = max_length(Customer, "customer_number")
Subject = Annotated[str, Field(min_length=1, max_length=SUBJECT_LENGTH), NoNul]
OpenStatus = Literal["open", "in_progress"]
ClosedStatus = Literal["resolved", "rejected"]


class ComplaintFilters(PageQuery):
    customer_id: ObjectId | None = None
    customer_number: Text = Field("", max_length=NUMBER_LENGTH)
    status: ComplaintStatus | Literal["unresolved"] | None = Field(
        None, description='One status, or "unresolved" for open and in progress.'
    )
    cause: ComplaintCause | None = None
    touchpoint: Touchpoint | None = None
    channel: Channel | None = None
    owner_id: ObjectId | None = Field(None, description="Complaints handled by this user.")
    date_from: date | None = Field(None, description="Received on or after this (local) date.")
    date_to: date | None = Field(None, description="Received on or before this (local) date.")


class ComplaintCreate(Schema):
    """A new complaint of one customer (by id or by customer number). The contact moment it
    came in through is recorded with it (outcome "complaint")."""

    model_config = ConfigDict(extra="forbid")

    customer_id: ObjectId | None = None
    customer_number: Annotated[str, Field(max_length=NUMBER_LENGTH), NoNul] | None = None
    received_at: AwareDateTime | None = Field(None, description="Defaults to now.")
    channel: Channel
    touchpoint: Touchpoint
    cause: ComplaintCause
    subject: Subject
    description: Text = ""
    owner_id: ObjectId | None = Field(None, description="Who handles it; defaults to nobody.")
    order_id: ObjectId | None = Field(None, description="An order of the same customer.")

    @model_validator(mode="after")
    def one_customer_reference(self) -> ComplaintCreate:
        if (self.customer_id is None) == (self.customer_number is None):
            raise ValueError("give exactly one of customer_id and customer_number")
        return self


class ComplaintPatch(Schema):
    """Fields to change, with the ``version`` you read (a stale version is refused with
    409). The status moves between open and in progress here; closing and reopening go
    through ``/resolve`` and ``/reopen``."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, description="The version of the complaint you read.")
    received_at: AwareDateTime | None = None
    channel: Channel | None = None
    touchpoint: Touchpoint | None = None
    cause: ComplaintCause | None = None
    subject: Subject | None = None
    description: Text | None = None
    status: OpenStatus | None = None
    owner_id: ObjectId | None = None
    order_id: ObjectId | None = Field(None, description="An order of the same customer.")
    resolution: Text | None = Field(None, description="Only of a closed complaint.")


class ComplaintResolve(Schema):
    model_config = ConfigDict(extra="forbid")

    resolution: Annotated[str, Field(min_length=1), NoNul] = Field(
        description="What was done, or why the complaint was not upheld."
    )
    status: ClosedStatus = "resolved"
    resolved_at: AwareDateTime | None = Field(None, description="Defaults to now.")
    version: int | None = Field(
        None, ge=1, description="The version you read; when given, a stale one gives 409."
    )


class ComplaintVersion(Schema):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(None, ge=1)


class ComplaintOut(Schema):
    id: int
    customer_id: int
    customer_number: str
    received_at: datetime
    channel: str
    touchpoint: str
    cause: str
    subject: str
    description: str
    status: str
    owner_id: int | None
    order_id: int | None
    resolution: str
    resolved_at: datetime | None
    resolution_hours: float | None = Field(description="From receipt to closing, if closed.")
    contact_moment_ids: list[int]
    created_by_id: int | None
    created_at: datetime
    updated_at: datetime
    version: int

    @staticmethod
    def resolve_customer_number(obj: Complaint) -> str:
        return obj.customer.customer_number

    @staticmethod
    def resolve_resolution_hours(obj: Complaint) -> float | None:
        if obj.resolved_at is None:
            return None
        return round((obj.resolved_at - obj.received_at).total_seconds() / 3600, 2)

    @staticmethod
    def resolve_contact_moment_ids(obj: Complaint) -> list[int]:
        return [moment.pk for moment in obj.contact_moments.all()]
