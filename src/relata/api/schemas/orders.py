"""Order schemas. Money and quantities are decimal strings in responses ("12.50")."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, model_validator

from relata.api.schemas.common import NoNul, ObjectId, PageQuery, Text, max_length
from relata.customers.models import Customer
from relata.sales.models import Order, OrderLine, OrderStatus, Product, SalesChannel

CENT = Decimal("0.01")
NUMBER_LENGTH = max_length(Customer, "customer_number")
SKU_LENGTH = max_length(Product, "sku")

OrderOrdering = Literal["date", "-date", "number", "-number", "total", "-total"]



class OrderFilters(PageQuery):
    customer_id: ObjectId | None = None
    customer_number: Text = Field("", max_length=NUMBER_LENGTH)
    status: OrderStatus | None = None
    channel: SalesChannel | None = None
    date_from: date | None = Field(None, description="Orders on or after this date.")
    date_to: date | None = Field(None, description="Orders on or before this date.")
    ordering: OrderOrdering = "-date"


class LineIn(Schema):
    """One order line: the product by SKU or by id; the unit price defaults to the
    product's current price."""

    model_config = ConfigDict(extra="forbid")

    product_sku: Annotated[str, Field(max_length=SKU_LENGTH), NoNul] | None = None
    product_id: ObjectId | None = None
    quantity: Decimal = Field(gt=0, max_digits=10, decimal_places=2)
    unit_price: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)

    @model_validator(mode="after")
    def one_product_reference(self) -> LineIn:
        if (self.product_sku is None) == (self.product_id is None):
            raise ValueError("give exactly one of product_sku and product_id")
        return self


class OrderPatch(Schema):
    """Fields to change; ``lines``, when given, replace all lines of the order."""

    model_config = ConfigDict(extra="forbid")

    order_date: date | None = None
    channel: SalesChannel | None = None
    status: OrderStatus | None = None
    notes: Text | None = None
    lines: list[LineIn] | None = Field(None, min_length=1)


class OrderCreate(Schema):
    """A new order for one customer (by id or by customer number) with at least one line."""

    model_config = ConfigDict(extra="forbid")

    customer_id: ObjectId | None = None
    customer_number: Annotated[str, Field(max_length=NUMBER_LENGTH), NoNul] | None = None
    order_number: Text = Field(
        "", max_length=max_length(Order, "order_number"), description="Omit for the next number."
    )
    order_date: date | None = Field(None, description="Defaults to today.")
    channel: SalesChannel = SalesChannel.WEB
    status: OrderStatus = OrderStatus.DELIVERED
    notes: Text = ""
    lines: list[LineIn] = Field(min_length=1)

    @model_validator(mode="after")
    def one_customer_reference(self) -> OrderCreate:
        if (self.customer_id is None) == (self.customer_number is None):
            raise ValueError("give exactly one of customer_id and customer_number")
        return self


class OrderLineOut(Schema):
    id: int
    product_id: int
    product_sku: str
    product_name: str
    quantity: Decimal
    unit_price: Decimal
    unit_cost: Decimal
    line_total: Decimal

    @staticmethod
    def resolve_line_total(obj: OrderLine) -> Decimal:
        return obj.line_total.quantize(CENT)

    @staticmethod
    def resolve_product_sku(obj: OrderLine) -> str:
        return obj.product.sku

    @staticmethod
    def resolve_product_name(obj: OrderLine) -> str:
        return obj.product.name


class OrderOut(Schema):
    id: int
    order_number: str
    customer_id: int
    customer_number: str
    order_date: date
    channel: str
    status: str
    total_amount: Decimal
    total_cost: Decimal
    notes: str
    created_at: datetime

    @staticmethod
    def resolve_customer_number(obj: Order) -> str:
        return obj.customer.customer_number


class OrderDetailOut(OrderOut):
    lines: list[OrderLineOut]

    @staticmethod
    def resolve_lines(obj: Order) -> list[OrderLine]:
        return list(obj.lines.all())
