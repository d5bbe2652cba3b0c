"""Contact moment schemas. Date-times are ISO 8601; without an offset they are read in the
installation's time zone."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, model_validator

from relata.api.schemas.common import (
    AwareDateTime,
    BlankOr,
    NoNul,
    ObjectId,
    PageQuery,
    Text,
    max_length,
)
from relata.contacts.models import (
    Channel,
    ContactMoment,
    Direction,
    Friction,
    Office,
    Outcome,
    Touchpoint,
)
from relata.customers.models import Customer

ContactOrdering = Literal["occurred", "-occurred"]

SUBJECT_LENGTH = max_length(ContactMoment, "subject")
EXTERNAL_ID_LENGTH = max_length(ContactMoment, "external_id")
NUMBER_LENGTH = max_length(Customer, "customer_number")


class ContactMomentFilters(PageQuery):
    customer_id: ObjectId | None = None
    customer_number: Text = Field("", max_length=NUMBER_LENGTH)
    channel: Channel | None = None
    touchpoint: Touchpoint | None = None
    direction: Direction | None = None
    office: Office | None = None
    outcome: Outcome | None = None
    friction: Friction | None = Field(None, description="Only moments where this went wrong.")
    date_from: date | None = Field(None, description="Moments on or after this (local) date.")
    date_to: date | None = Field(None, description="Moments on or before this (local) date.")
    ordering: ContactOrdering = "-occurred"


class ContactMomentPatch(Schema):
    """Fields to change; omitted fields stay as they are. The customer cannot change."""

    model_config = ConfigDict(extra="forbid")

    occurred_at: AwareDateTime | None = None
    channel: Channel | None = None
    direction: Direction | None = None
    touchpoint: Touchpoint | None = None
    office: Office | None = None
    staff_id: ObjectId | None = None
    subject: Annotated[str, Field(min_length=1, max_length=SUBJECT_LENGTH), NoNul] | None = None
    outcome: Annotated[str, BlankOr(Outcome)] | None = None
    friction: Annotated[str, BlankOr(Friction)] | None = Field(
        None, description='What went wrong for the customer; "" when nothing did.'
    )
    notes: Text | None = None
    order_id: ObjectId | None = Field(None, description="An order of the same customer.")
    external_id: Annotated[str, Field(max_length=EXTERNAL_ID_LENGTH), NoNul] | None = None


class ContactMomentCreate(Schema):
    """A new contact moment for one customer (by id or by customer number)."""

    model_config = ConfigDict(extra="forbid")

    customer_id: ObjectId | None = None
    customer_number: Annotated[str, Field(max_length=NUMBER_LENGTH), NoNul] | None = None
    occurred_at: AwareDateTime | None = Field(None, description="Defaults to now.")
    channel: Channel
    direction: Direction = Direction.INBOUND
    touchpoint: Touchpoint
    office: Office = Office.FRONT
    staff_id: ObjectId | None = Field(None, description="Defaults to the token's user.")
    subject: Text = Field(min_length=1, max_length=SUBJECT_LENGTH)
    outcome: Annotated[str, BlankOr(Outcome)] = ""
    friction: Annotated[str, BlankOr(Friction)] = Field(
        "",
        description="What went wrong for the customer (unclear, not_reachable, no_answer, "
        'repeat_story, waited); "" when nothing did.',
    )
    notes: Text = ""
    order_id: ObjectId | None = Field(None, description="An order of the same customer.")
    external_id: Text = Field(
        "",
        max_length=EXTERNAL_ID_LENGTH,
        description="Identifier in the source system; must be unique when given.",
    )

    @model_validator(mode="after")
    def one_customer_reference(self) -> ContactMomentCreate:
        if (self.customer_id is None) == (self.customer_number is None):
            raise ValueError("give exactly one of customer_id and customer_number")
        return self


class ContactMomentOut(Schema):
    id: int
    customer_id: int
    customer_number: str
    occurred_at: datetime
    channel: str
    direction: str
    touchpoint: str
    office: str
    staff_id: int | None
    subject: str
    outcome: str
    friction: str
    notes: str
    order_id: int | None
    external_id: str
    created_at: datetime

    @staticmethod
    def resolve_customer_number(obj: ContactMoment) -> str:
        return obj.customer.customer_number
