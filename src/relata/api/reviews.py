"""/api/reviews and /api/customers/{id}/reviews: reviews and comments customers wrote (list,
read, enter, update, delete), and a customer's reviews with their figures."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from relata.api.errors import BODY, field_error, invalid
from relata.api.lookups import customer_from_body
from relata.api.pagination import paginate
from relata.api.permissions import require_perms, visible_customer_rows, visible_rows
from relata.api.responses import ITEM_ERRORS, READ_ERRORS, WRITE_ERRORS
from relata.api.schemas.common import Page, PageQuery
from relata.api.schemas.reviews import (
    CustomerReviewsOut,
    ReviewCreate,
    ReviewFilters,
    ReviewOut,
    ReviewPatch,
)
from relata.customers.models import Customer
from relata.feedback.models import Review
from relata.feedback.review_selectors import customer_reviews, review_list
from relata.feedback.review_services import review_create, review_delete, review_update
from relata.sales.models import Product

router = Router(tags=["Reviews"])
customer_router = Router(tags=["Reviews"])

# Fields a PATCH may not set to null.
NOT_NULL = (
    "kind",
    "title",
    "text",
    "written_on",
    "helpful_votes",
    "unhelpful_votes",
    "site",
    "url",
    "external_id",
)


def _review(request: HttpRequest, review_id: int) -> Review:
    """The review, if the user may see its customer (else 404 as for an unknown one)."""
    reviews = visible_rows(request, Review.objects.select_related("customer", "product"))
    review = reviews.filter(pk=review_id).first()
    if review is None:
        raise Http404(_("No review with id %(id)s.") % {"id": review_id})
    return review


def _customer(request: HttpRequest, customer_id: int) -> Customer:
    customer = visible_customer_rows(request, Customer.objects.filter(pk=customer_id)).first()
    if customer is None:
        raise Http404(_("No customer with id %(id)s.") % {"id": customer_id})
    return customer


def _product_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """``product_id``/``product_sku`` in a body → ``product`` (None to clear), or a 422
    naming the field."""
    if fields.get("product_id") is not None and fields.get("product_sku") is not None:
        raise invalid([field_error(list(BODY), _("Give product_id or product_sku, not both."))])
    product_id = fields.pop("product_id", None)
    sku = fields.pop("product_sku", None)
    if product_id is not None:
        product = Product.objects.filter(pk=product_id).first()
        if product is None:
            raise invalid(
                [
                    field_error(
                        [*BODY, "product_id"],
                        _("No product with id %(id)s.") % {"id": product_id},
                        "not_found",
                    )
                ]
            )
        fields["product"] = product
    elif sku is not None:
        product = Product.objects.filter(sku__iexact=sku.strip()).first()
        if product is None:
            raise invalid(
                [
                    field_error(
                        [*BODY, "product_sku"],
                        _("No product with SKU %(sku)s.") % {"sku": sku},
                        "not_found",
                    )
                ]
            )
        fields["product"] = product
    return fields


@router.get("/", response={200: Page[ReviewOut], **READ_ERRORS}, summary="List reviews")
def list_reviews(request: HttpRequest, filters: Query[ReviewFilters]) -> dict[str, Any]:
    """Reviews and comments, newest first by default, paginated; all filters combine."""
    require_perms(request, "feedback.view_review")
    reviews = review_list(
        kind=filters.kind or "",
        product=filters.product_sku,
        rating=filters.rating,
        site=filters.site,
        date_from=filters.date_from,
        date_to=filters.date_to,
        query=filters.q,
        customer_id=filters.customer_id,
        sort=filters.ordering,
    )
    if filters.customer_number:
        reviews = reviews.filter(customer__customer_number=filters.customer_number.strip())
    if filters.product_id is not None:
        reviews = reviews.filter(product_id=filters.product_id)
    return paginate(request, visible_rows(request, reviews), filters)


@router.get("/{review_id}", response={200: ReviewOut, **ITEM_ERRORS}, summary="Get a review")
def get_review(request: HttpRequest, review_id: int) -> Review:
    require_perms(request, "feedback.view_review")
    return _review(request, review_id)


@router.post("/", response={201: ReviewOut, **WRITE_ERRORS}, summary="Enter a review")
def create_review(request: HttpRequest, payload: ReviewCreate) -> Status[Review]:
    """A review needs a ``rating`` of 1 to 5; a comment may have none. 422 names the field:
    a rating missing, a date in the future, an external id used before (with the review
    that has it), an unknown customer or product."""
    require_perms(request, "feedback.add_review")
    customer = customer_from_body(
        user=request.user, customer_id=payload.customer_id, customer_number=payload.customer_number
    )
    fields = _product_fields(payload.model_dump(exclude={"customer_id", "customer_number"}))
    review = review_create(customer=customer, **fields)
    return Status(201, _review(request, review.pk))


@router.patch("/{review_id}", response={200: ReviewOut, **WRITE_ERRORS}, summary="Update")
def update_review(request: HttpRequest, review_id: int, payload: ReviewPatch) -> Review:
    """Only the fields present in the body change; ``rating`` and the product may be set to
    null."""
    require_perms(request, "feedback.change_review")
    review = _review(request, review_id)
    fields = payload.model_dump(exclude_unset=True)
    for name in NOT_NULL:
        if name in fields and fields[name] is None:
            raise invalid([field_error([*BODY, name], _("This field cannot be null."), "null")])
    clears_product = any(
        name in fields and fields[name] is None for name in ("product_id", "product_sku")
    )
    fields = _product_fields(fields)
    if clears_product and "product" not in fields:
        fields["product"] = None
    review_update(review=review, fields=fields)
    return _review(request, review.pk)


@router.delete("/{review_id}", response={204: None, **ITEM_ERRORS}, summary="Delete a review")
def delete_review(request: HttpRequest, review_id: int) -> Status[None]:
    require_perms(request, "feedback.delete_review")
    review_delete(review=_review(request, review_id))
    return Status(204, None)


@customer_router.get(
    "/{customer_id}/reviews",
    response={200: CustomerReviewsOut, **ITEM_ERRORS},
    summary="A customer's reviews and their figures",
)
def get_customer_reviews(
    request: HttpRequest, customer_id: int, page: Query[PageQuery]
) -> dict[str, Any]:
    """The figures cover all the customer's reviews and comments; ``items`` is one page of
    them, newest first."""
    require_perms(request, "feedback.view_review")
    customer = _customer(request, customer_id)
    summary = customer_reviews(customer=customer, recent=0)
    return {
        **paginate(request, review_list(customer_id=customer.pk), page),
        "customer_id": customer.pk,
        "reviews": summary.reviews,
        "comments": summary.comments,
        "average_rating": summary.average_rating,
        "helpful_votes": summary.helpful_votes,
        "unhelpful_votes": summary.unhelpful_votes,
    }
