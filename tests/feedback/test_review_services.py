"""Writing reviews and comments: ratings, votes, dates and external ids checked, each refusal
naming the field."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from relata.feedback.models import Review
from relata.feedback.review_services import review_create, review_delete, review_update
from tests.factories import CustomerFactory, ProductFactory, ReviewFactory

pytestmark = pytest.mark.django_db


def _errors(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def test_a_review_with_a_rating_is_saved_with_its_text_trimmed() -> None:
    # given a customer and a product
    customer, product = CustomerFactory(), ProductFactory(sku="COF")
    # when a review is entered
    review = review_create(
        customer=customer,
        rating=4,
        product=product,
        title="  Lekker  ",
        text="Vers en snel.\n",
        helpful_votes=3,
        site=" Trustpilot ",
    )
    # then it is stored as written, trimmed, dated today
    review.refresh_from_db()
    assert (review.kind, review.rating, review.product, review.title) == (
        "review",
        4,
        product,
        "Lekker",
    )
    assert (review.text, review.site, review.helpful_votes) == ("Vers en snel.", "Trustpilot", 3)
    assert review.written_on == timezone.localdate()


def test_a_review_needs_a_rating_but_a_comment_does_not() -> None:
    customer = CustomerFactory()
    # when a review without a rating is entered, then it is refused on the rating
    with pytest.raises(ValidationError) as refused:
        review_create(customer=customer, kind="review", text="Good")
    assert "A review needs a rating from 1 to 5 stars" in _errors(refused)["rating"][0]
    # when a comment without a rating is entered, then it is saved
    comment = review_create(customer=customer, kind="comment", text="When is it back in stock?")
    assert comment.rating is None
    assert Review.objects.count() == 1


@pytest.mark.parametrize("rating", [0, 6])
def test_a_rating_outside_one_to_five_is_refused(rating: int) -> None:
    with pytest.raises(ValidationError) as refused:
        review_create(customer=CustomerFactory(), kind="comment", rating=rating)
    assert _errors(refused)["rating"] == [f"The rating is 1 to 5 stars, not {rating}."]


def test_negative_votes_and_a_future_date_are_refused_together() -> None:
    # when several fields are wrong, then every one is named at once
    with pytest.raises(ValidationError) as refused:
        review_create(
            customer=CustomerFactory(),
            rating=5,
            helpful_votes=-1,
            unhelpful_votes=-2,
            written_on=timezone.localdate() + timedelta(days=1),
        )
    errors = _errors(refused)
    assert errors["helpful_votes"] == ["Votes cannot be negative."]
    assert errors["unhelpful_votes"] == ["Votes cannot be negative."]
    assert errors["written_on"] == ["The date cannot be in the future."]
    assert not Review.objects.exists()


def test_an_external_id_is_used_once_and_the_clash_names_the_review() -> None:
    # given a review with an external id
    first = ReviewFactory(
        external_id="TP-1",
        customer=CustomerFactory(first_name="Jan", last_name="Kok", customer_number="K001"),
    )
    # when another review gets the same id, then the message names the first one's customer
    with pytest.raises(ValidationError) as refused:
        review_create(customer=CustomerFactory(), rating=3, external_id="TP-1")
    message = _errors(refused)["external_id"][0]
    assert "TP-1 already exists" in message and "Jan Kok" in message and "K001" in message
    # and the review itself may keep its id when updated
    review_update(review=first, fields={"helpful_votes": 9, "external_id": "TP-1"})
    first.refresh_from_db()
    assert first.helpful_votes == 9


def test_update_keeps_the_customer_and_checks_the_new_state() -> None:
    # given a comment without a rating
    comment = ReviewFactory(kind="comment", rating=None)
    # when it is turned into a review without a rating, then that is refused
    with pytest.raises(ValidationError) as refused:
        review_update(review=comment, fields={"kind": "review"})
    assert "rating" in _errors(refused)
    # when it gets a rating too, then it is saved
    review_update(review=comment, fields={"kind": "review", "rating": 2, "title": " Slow "})
    comment.refresh_from_db()
    assert (comment.kind, comment.rating, comment.title) == ("review", 2, "Slow")
    with pytest.raises(ValueError, match="customer"):
        review_update(review=comment, fields={"customer": CustomerFactory()})


def test_a_bad_link_is_refused_on_the_url_field() -> None:
    with pytest.raises(ValidationError) as refused:
        review_create(customer=CustomerFactory(), rating=5, url="not a link")
    assert "url" in _errors(refused)


def test_delete_removes_the_review() -> None:
    review = ReviewFactory()
    review_delete(review=review)
    assert not Review.objects.exists()
