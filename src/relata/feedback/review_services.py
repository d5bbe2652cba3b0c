"""Writes of reviews and comments customers wrote (DOMAIN.md §8: count, rating, helpfulness).

Rules (each refusal names the field and the reason):

* A *review* has a rating of 1 to 5 stars; a *comment* may have one or none.
* Helpful and not-helpful votes are whole numbers ≥ 0.
* The date it was written is not in the future.
* An external id (the review's id at the web shop, Google, Trustpilot …) is used once; the
  import matches on it, so importing the same file again changes nothing.
* The text is stored as written; pages show it escaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.customers.models import Customer
from relata.feedback.models import Review, ReviewKind
from relata.feedback.social_services import MAX_COUNT
from relata.sales.models import Product
from relata.web.forms import EARLIEST_YEAR

REVIEW_FIELDS = (
    "kind",
    "product",
    "rating",
    "title",
    "text",
    "written_on",
    "helpful_votes",
    "unhelpful_votes",
    "site",
    "url",
    "external_id",
)
TEXT_FIELDS = ("title", "text", "site", "url", "external_id")


def rating_errors(kind: str, rating: int | None) -> str | None:
    """Why ``rating`` does not fit ``kind``, or None (shared with the import)."""
    if rating is None:
        if kind == ReviewKind.REVIEW:
            return _("A review needs a rating from 1 to 5 stars; a comment may have none.")
        return None
    if not 1 <= rating <= 5:
        return _("The rating is 1 to 5 stars, not %(value)s.") % {"value": rating}
    return None


def external_id_owner(external_id: str, exclude_pk: int | None = None) -> Review | None:
    reviews = Review.objects.select_related("customer").filter(external_id=external_id)
    if exclude_pk is not None:
        reviews = reviews.exclude(pk=exclude_pk)
    return reviews.first()


def external_id_taken_message(review: Review) -> str:
    return _(
        "A review with external id %(id)s already exists (by %(name)s, %(number)s, written "
        "on %(date)s)."
    ) % {
        "id": review.external_id,
        "name": review.customer.display_name,
        "number": review.customer.customer_number,
        "date": review.written_on.isoformat(),
    }


def _validated(review: Review) -> Review:
    """Check every rule and report all problems at once."""
    errors: dict[str, str] = {}
    for name in TEXT_FIELDS:
        setattr(review, name, (getattr(review, name) or "").strip())
    if review.kind not in ReviewKind.values:
        errors["kind"] = _("“%(value)s” is not a kind; choose one of: %(choices)s.") % {
            "value": review.kind,
            "choices": ", ".join(ReviewKind.values),
        }
    else:
        problem = rating_errors(review.kind, review.rating)
        if problem:
            errors["rating"] = problem
    for name in ("helpful_votes", "unhelpful_votes"):
        value = getattr(review, name)
        if value is None:
            setattr(review, name, 0)
        elif value < 0:
            errors[name] = _("Votes cannot be negative.")
        elif value > MAX_COUNT:
            errors[name] = _("At most %(limit)s votes.") % {"limit": f"{MAX_COUNT:,}"}
    if review.written_on > timezone.localdate():
        errors["written_on"] = _("The date cannot be in the future.")
    elif review.written_on.year < EARLIEST_YEAR:
        errors["written_on"] = _("Enter a date from %(year)s on.") % {"year": EARLIEST_YEAR}
    if review.external_id:
        taken = external_id_owner(review.external_id, exclude_pk=review.pk)
        if taken is not None:
            errors["external_id"] = external_id_taken_message(taken)
    if errors:
        raise ValidationError(errors)
    review.full_clean(validate_unique=False, validate_constraints=False)
    return review


def _save(review: Review) -> Review:
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError:
        taken = external_id_owner(review.external_id, exclude_pk=review.pk)
        if not review.external_id or taken is None:
            raise
        raise ValidationError(
            {"external_id": external_id_taken_message(taken)}, code="unique"
        ) from None
    return review


@transaction.atomic
def review_create(
    *,
    customer: Customer,
    kind: str = ReviewKind.REVIEW,
    rating: int | None = None,
    product: Product | None = None,
    title: str = "",
    text: str = "",
    written_on: date | None = None,
    helpful_votes: int = 0,
    unhelpful_votes: int = 0,
    site: str = "",
    url: str = "",
    external_id: str = "",
) -> Review:
    """Record a review or comment of a customer (see the module's rules)."""
    review = Review(
        customer=customer,
        kind=kind,
        rating=rating,
        product=product,
        title=title,
        text=text,
        written_on=written_on or timezone.localdate(),
        helpful_votes=helpful_votes,
        unhelpful_votes=unhelpful_votes,
        site=site,
        url=url,
        external_id=external_id,
    )
    return _save(_validated(review))


@transaction.atomic
def review_update(*, review: Review, fields: Mapping[str, Any]) -> Review:
    """Change the given fields (``REVIEW_FIELDS``); the customer stays. Turning a review into
    a comment keeps its rating; a comment turned into a review needs one."""
    unknown = set(fields) - set(REVIEW_FIELDS)
    if unknown:
        raise ValueError(f"not review fields: {sorted(unknown)}")
    review = Review.objects.select_for_update().select_related("customer").get(pk=review.pk)
    for name, value in fields.items():
        if name == "written_on" and value is None:
            value = timezone.localdate()
        if name in TEXT_FIELDS and value is None:
            value = ""
        setattr(review, name, value)
    return _save(_validated(review))


@transaction.atomic
def review_delete(*, review: Review) -> None:
    Review.objects.filter(pk=review.pk).delete()
