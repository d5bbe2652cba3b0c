"""Deal schemas. Money and quantities are decimal strings in responses ("12.50")."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, model_validator

from relata.api.schemas.common import NoNul, ObjectId, PageQuery, Text, max_length
from relata.api.schemas.orders import CENT, NUMBER_LENGTH, LineIn
from relata.sales.models import Deal, DealLine, DealSource, DealStage, DealStageChange, LostReason

TITLE_LENGTH = max_length(Deal, "title")
NOTE_LENGTH = max_length(Deal, "lost_note")

DealOrdering = Literal["created", "-created", "value", "-value", "close", "-close"]
OpenStage = Literal["lead", "qualified", "quote"]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
Percent = Annotated[int, Field(ge=0, le=100)]


class DealFilters(PageQuery):
    stage: DealStage | None = None
    open: bool | None = Field(None, description="true: only lead, qualified and quote.")
    owner_id: ObjectId | None = None
    source: DealSource | None = None
    customer_id: ObjectId | None = None
    q: Text = Field("", max_length=200, description="Words in the title or customer.")
    ordering: DealOrdering = "-created"


class DealCreate(Schema):
    """A new open deal for one customer (by id or by customer number). With ``lines``, the
    value is their total."""

    model_config = ConfigDict(extra="forbid")

    customer_id: ObjectId | None = None
    customer_number: Annotated[str, Field(max_length=NUMBER_LENGTH), NoNul] | None = None
    title: Annotated[str, Field(min_length=1, max_length=TITLE_LENGTH), NoNul]
    stage: OpenStage = "lead"
    value: Money = Decimal(0)
    probability: Percent | None = Field(None, description="Defaults to the stage's usual chance.")
    owner_id: ObjectId | None = Field(None, description="Defaults to the token's user.")
    source: DealSource = DealSource.OTHER
    expected_close_date: date | None = None
    notes: Text = ""
    lines: list[LineIn] = Field(default_factory=list)

    @model_validator(mode="after")
    def one_customer_reference(self) -> DealCreate:
        if (self.customer_id is None) == (self.customer_number is None):
            raise ValueError("give exactly one of customer_id and customer_number")
        return self


class DealPatch(Schema):
    """Fields to change, with the ``version`` you read (optimistic locking: a stale version
    is refused with 409). ``lines``, when given, replace all product lines. The stage
    changes through ``POST /deals/{id}/move``."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, description="The version of the deal you read.")
    title: Annotated[str, Field(min_length=1, max_length=TITLE_LENGTH), NoNul] | None = None
    value: Money | None = None
    probability: Percent | None = None
    owner_id: ObjectId | None = None
    source: DealSource | None = None
    expected_close_date: date | None = None
    notes: Text | None = None
    lost_reason: LostReason | None = None
    lost_note: Annotated[str, Field(max_length=NOTE_LENGTH), NoNul] | None = None
    lines: list[LineIn] | None = None


class DealMove(Schema):
    """Move the deal to ``stage``. Won creates the order from the deal's products; lost
    needs a ``lost_reason``."""

    model_config = ConfigDict(extra="forbid")

    stage: DealStage
    version: int = Field(ge=1, description="The version of the deal you read.")
    lost_reason: LostReason | None = None
    lost_note: Annotated[str, Field(max_length=NOTE_LENGTH), NoNul] = ""
    probability: Percent | None = Field(None, description="For open stages; default per stage.")


class DealLineOut(Schema):
    id: int
    product_id: int
    product_sku: str
    product_name: str
    quantity: Decimal
    unit_price: Decimal
    line_total: Decimal

    @staticmethod
    def resolve_line_total(obj: DealLine) -> Decimal:
        return obj.line_total.quantize(CENT)

    @staticmethod
    def resolve_product_sku(obj: DealLine) -> str:
        return obj.product.sku

    @staticmethod
    def resolve_product_name(obj: DealLine) -> str:
        return obj.product.name


class StageChangeOut(Schema):
    from_stage: str
    to_stage: str
    changed_at: datetime
    changed_by_id: int | None


class DealOut(Schema):
    id: int
    version: int
    title: str
    customer_id: int
    customer_number: str
    stage: str
    value: Decimal
    probability: int
    owner_id: int | None
    source: str
    expected_close_date: date | None
    lost_reason: str
    lost_note: str
    notes: str
    order_id: int | None
    stage_changed_at: datetime
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_customer_number(obj: Deal) -> str:
        return obj.customer.customer_number


class DealDetailOut(DealOut):
    order_number: str | None
    lines: list[DealLineOut]
    stage_history: list[StageChangeOut]

    @staticmethod
    def resolve_order_number(obj: Deal) -> str | None:
        return obj.order.order_number if obj.order else None

    @staticmethod
    def resolve_lines(obj: Deal) -> list[DealLine]:
        return list(obj.lines.all())

    @staticmethod
    def resolve_stage_history(obj: Deal) -> list[DealStageChange]:
        return list(obj.stage_changes.all())
