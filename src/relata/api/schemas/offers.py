"""Next-best-offer schemas: a customer's offers (for a web shop's pages and mails) and the
association rules behind the cross-sell offers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import Field

from relata.api.schemas.common import ObjectId, PageQuery, Text

OfferKindName = Literal["cross_sell", "up_sell", "deep_sell"]
RuleOrdering = Literal[
    "-lift", "lift", "-confidence", "confidence", "-support", "support", "-pair_count"
]
MAX_OFFERS = 20


class OffersQuery(Schema):
    limit: int = Field(5, ge=1, le=MAX_OFFERS, description="Offers at most (1 to 20).")


class OffersByNumberQuery(OffersQuery):
    customer_number: Text = Field(description="The customer's number, e.g. C0001234.")


class OfferRunRef(Schema):
    id: int
    finished_at: datetime | None


class OfferOut(Schema):
    rank: int = Field(description="1 = best, among the offers still valid.")
    product_id: int
    sku: str
    name: str
    category: str
    price: Decimal
    kind: OfferKindName
    kind_label: str
    score: float = Field(description="Estimated chance the customer takes the offer.")
    reason: str = Field(description="Why, in the request's language.")
    source_product_id: int | None = Field(description="The product bought that led to it.")
    source_sku: str | None


class CustomerOffersOut(Schema):
    customer_id: int
    customer_number: str
    run: OfferRunRef | None = Field(description="The offer run; null before the first run.")
    items: list[OfferOut]


class RuleProductOut(Schema):
    id: int
    sku: str
    name: str
    category: str
    active: bool


class RuleOut(Schema):
    antecedent: RuleProductOut = Field(description="Bought.")
    consequent: RuleProductOut = Field(description="Also bought.")
    pair_count: int = Field(description="Baskets (orders) holding both.")
    support: float = Field(description="Share of all baskets holding both.")
    confidence: float = Field(description="Share of the antecedent's baskets holding both.")
    lift: float = Field(description="Confidence divided by the consequent's basket share.")


class RuleFilters(PageQuery):
    product: ObjectId | None = Field(None, description="Rules with this product on either side.")
    category: ObjectId | None = Field(
        None, description="Rules with a product of this category on either side."
    )
    across_categories: bool = Field(
        False, description="Only rules into another category (those cross-sell uses)."
    )
    ordering: RuleOrdering = Field("-lift", description="Sort; '-' for highest first.")
