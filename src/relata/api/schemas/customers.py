"""Customer schemas: what the API reads and writes about the customer file."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import ConfigDict, Field

from relata.api.schemas.common import (
    AwareDateTime,
    BlankOr,
    Email,
    ObjectId,
    PageQuery,
    Text,
    max_length,
)
from relata.customers.models import (
    CompanySize,
    ConsentChannel,
    ConsentPurpose,
    ContactPerson,
    Customer,
    CustomerKind,
    DmuRole,
    Gender,
    IncomeBand,
)
from relata.customers.selectors import consent_matrix

CustomerOrdering = Literal[
    "name", "-name", "number", "-number", "city", "-city", "created", "-created",
    "updated", "-updated",
]  # fmt: skip


def _w(field: str) -> int:
    return max_length(Customer, field)


class CustomerFilters(PageQuery):
    q: Text = Field(
        "", max_length=200, description="Free text on name, number, e-mail, phone, postcode, city."
    )
    kind: CustomerKind | None = None
    city: Text = Field("", max_length=_w("city"), description="Exact city, case-insensitive.")
    postcode: Text = Field(
        "", max_length=_w("postcode"), description="Postcode prefix; spaces are ignored."
    )
    email: Text = Field("", max_length=_w("email"), description="Exact e-mail, case-insensitive.")
    customer_number: Text = Field("", max_length=_w("customer_number"))
    updated_since: AwareDateTime | None = Field(
        None, description="Only customers changed at or after this ISO 8601 date-time."
    )
    ordering: CustomerOrdering = "name"


class ConsentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    channel: ConsentChannel
    purpose: ConsentPurpose
    granted: bool
    source: Text = Field("api", max_length=100, description="Where the decision was given.")


class CustomerIn(Schema):
    """Every field is optional: on create, omitted fields get their defaults; on PATCH,
    omitted fields are left unchanged. A customer needs a name (last or first name for a
    person, the organisation name for an organisation)."""

    model_config = ConfigDict(extra="forbid")

    customer_number: Text = Field(
        "", max_length=_w("customer_number"), description="Omit to get the next free number."
    )
    kind: CustomerKind = CustomerKind.PERSON
    first_name: Text = Field("", max_length=_w("first_name"))
    name_prefix: Text = Field("", max_length=_w("name_prefix"))
    last_name: Text = Field("", max_length=_w("last_name"))
    organisation_name: Text = Field("", max_length=_w("organisation_name"))
    email: Email = Field("", max_length=_w("email"))
    phone: Text = Field("", max_length=_w("phone"))
    street: Text = Field("", max_length=_w("street"))
    house_number: Text = Field("", max_length=_w("house_number"))
    postcode: Text = Field("", max_length=_w("postcode"))
    city: Text = Field("", max_length=_w("city"))
    country: Text = Field(
        "NL", min_length=2, max_length=2, description="ISO 3166-1 alpha-2 code."
    )
    birth_date: date | None = None
    gender: Annotated[str, BlankOr(Gender)] = ""
    occupation: Text = Field("", max_length=_w("occupation"))
    education: Text = Field("", max_length=_w("education"))
    household_size: int | None = Field(None, ge=0, le=32767)
    children: int | None = Field(None, ge=0, le=32767)
    income_band: Annotated[str, BlankOr(IncomeBand)] = ""
    interests: Text = Field("", max_length=_w("interests"), description="Comma-separated.")
    sector: Text = Field("", max_length=_w("sector"))
    company_size: Annotated[str, BlankOr(CompanySize)] = ""
    account_owner_id: ObjectId | None = Field(None, description="User id of the account owner.")
    acquisition_source: Text = Field("", max_length=_w("acquisition_source"))
    acquisition_cost: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    notes: Text = ""
    consents: list[ConsentIn] = Field(
        default_factory=list,
        description="Consent decisions to record; earlier decisions stay as evidence.",
    )
    version: int | None = Field(
        None,
        ge=1,
        description="PATCH only, optional: the version you read. If the customer changed "
        "since, the update is refused with 409. Ignored on create.",
    )


class CustomerOut(Schema):
    id: int
    customer_number: str
    kind: str
    display_name: str
    first_name: str
    name_prefix: str
    last_name: str
    organisation_name: str
    email: str
    phone: str
    street: str
    house_number: str
    postcode: str
    city: str
    country: str
    birth_date: date | None
    gender: str
    occupation: str
    education: str
    household_size: int | None
    children: int | None
    income_band: str
    interests: str
    sector: str
    company_size: str
    account_owner_id: int | None
    acquisition_source: str
    acquisition_cost: Decimal | None
    notes: str
    profile_updated_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int = Field(description="Moves on with every change; send it back on PATCH.")


class ContactPersonOut(Schema):
    id: int
    first_name: str
    name_prefix: str
    last_name: str
    job_title: str
    dmu_role: DmuRole
    email: str
    phone: str
    is_primary: bool


class ConsentOut(Schema):
    channel: str
    purpose: str
    granted: bool
    recorded_at: datetime
    source: str


class CustomerDetailOut(CustomerOut):
    contact_persons: list[ContactPersonOut]
    consents: list[ConsentOut] = Field(
        description="The decision in force per channel and purpose (the latest one)."
    )

    @staticmethod
    def resolve_contact_persons(obj: Customer) -> list[ContactPerson]:
        return list(obj.contact_persons.all())

    @staticmethod
    def resolve_consents(obj: Customer) -> list[ConsentOut]:
        return [
            ConsentOut(
                channel=state.channel,
                purpose=state.purpose,
                granted=state.consent.granted,
                recorded_at=state.consent.recorded_at,
                source=state.consent.source,
            )
            for row in consent_matrix(customer=obj)
            for state in row.states
            if state.consent is not None
        ]
