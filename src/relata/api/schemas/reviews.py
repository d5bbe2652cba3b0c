"""Schemas of reviews and comments. A review has a rating of 1 to 5 stars; a comment may have
one or none. Dates are ISO 8601 (YYYY-MM-DD)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, model_validator

from relata.api.schemas.common import NoNul, ObjectId, Page, PageQuery, Text, max_length
from relata.customers.models import Customer
from relata.feedback.models import Review, ReviewKind
from relata.feedback.social_services import MAX_COUNT
from relata.sales.models import Product

NUMBER_LENGTH = max_length(Customer, "customer_number")
SKU_LENGTH = max_length(Product, "sku")
TITLE_LENGTH = max_length(Review, "title")
SITE_LENGTH = max_length(Review, "site")
URL_LENGTH = max_length(Review, "url")
EXTERNAL_ID_LENGTH = max_length(Review, "external_id")

ReviewOrdering = Literal["date", "-date", "rating", "-rating", "helpful", "-helpful"]
Rating = Annotated[int, Field(ge=1, le=5)]
Votes = Annotated[int, Field(ge=0, le=MAX_COUNT)]
CustomerNumber = Annotated[str, Field(max_length=NUMBER_LENGTH), NoNul]
Sku = Annotated[str, Field(min_length=1, max_length=SKU_LENGTH), NoNul]


class ReviewFilters(PageQuery):
    customer_id: ObjectId | None = None
    customer_number: Text = Field("", max_length=NUMBER_LENGTH)
    kind: ReviewKind | None = None
    product_id: ObjectId | None = None
    product_sku: Text = Field("", max_length=SKU_LENGTH)
    rating: Rating | None = None
    site: Text = Field("", max_length=SITE_LENGTH, description="Exact, case-insensitive.")
    date_from: date | None = Field(None, description="Written on or after this date.")
    date_to: date | None = Field(None, description="Written on or before this date.")
    q: Text = Field(
        "", max_length=100, description="In the title or text, or a customer's number or name."
    )
    ordering: ReviewOrdering = "-date"


class ReviewOut(Schema):
    id: int
    customer_id: int
    customer_number: str
    kind: str = Field(description="review or comment.")
    rating: int | None = Field(description="1 to 5 stars; null for a comment without one.")
    product_id: int | None
    product_sku: str | None
    title: str
    text: str
    written_on: date
    helpful_votes: int
    unhelpful_votes: int
    site: str = Field(description="Where it was written: web shop, Google, Trustpilot …")
    url: str
    external_id: str
    created_at: datetime

    @staticmethod
    def resolve_customer_number(obj: Review) -> str:
        return obj.customer.customer_number

    @staticmethod
    def resolve_product_sku(obj: Review) -> str | None:
        return obj.product.sku if obj.product else None


class _ReviewFields(Schema):
    model_config = ConfigDict(extra="forbid")

    rating: Rating | None = None
    product_id: ObjectId | None = None
    product_sku: Sku | None = None
    title: Annotated[str, Field(max_length=TITLE_LENGTH), NoNul] = ""
    text: Text = ""
    written_on: date | None = Field(None, description="Default: today; not in the future.")
    helpful_votes: Votes = 0
    unhelpful_votes: Votes = 0
    site: Annotated[str, Field(max_length=SITE_LENGTH), NoNul] = ""
    url: Annotated[str, Field(max_length=URL_LENGTH), NoNul] = ""
    external_id: Annotated[str, Field(max_length=EXTERNAL_ID_LENGTH), NoNul] = Field(
        "", description="Its id at the source; unique when given."
    )

    @model_validator(mode="after")
    def one_product_reference(self) -> _ReviewFields:
        if self.product_id is not None and self.product_sku is not None:
            raise ValueError("give at most one of product_id and product_sku")
        return self


class ReviewCreate(_ReviewFields):
    """A review or comment of one customer (by id or by customer number)."""

    customer_id: ObjectId | None = None
    customer_number: CustomerNumber | None = None
    kind: ReviewKind = ReviewKind.REVIEW

    @model_validator(mode="after")
    def one_customer_reference(self) -> ReviewCreate:
        if (self.customer_id is None) == (self.customer_number is None):
            raise ValueError("give exactly one of customer_id and customer_number")
        return self


class ReviewPatch(Schema):
    """Fields to change; omitted fields stay as they are. The customer cannot change;
    ``rating``, ``product_id`` and ``product_sku`` may be null (none)."""

    model_config = ConfigDict(extra="forbid")

    kind: ReviewKind | None = None
    rating: Rating | None = None
    product_id: ObjectId | None = None
    product_sku: Sku | None = None
    title: Annotated[str, Field(max_length=TITLE_LENGTH), NoNul] | None = None
    text: Text | None = None
    written_on: date | None = None
    helpful_votes: Votes | None = None
    unhelpful_votes: Votes | None = None
    site: Annotated[str, Field(max_length=SITE_LENGTH), NoNul] | None = None
    url: Annotated[str, Field(max_length=URL_LENGTH), NoNul] | None = None
    external_id: Annotated[str, Field(max_length=EXTERNAL_ID_LENGTH), NoNul] | None = None


class CustomerReviewsOut(Page[ReviewOut]):
    """A customer's reviews (newest first, paginated) with the figures of all of them."""

    customer_id: int
    reviews: int = Field(description="Reviews (with a rating) written.")
    comments: int
    average_rating: float | None = Field(description="Over everything with a rating.")
    helpful_votes: int
    unhelpful_votes: int
