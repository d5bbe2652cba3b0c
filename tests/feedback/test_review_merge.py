"""Merging two customers: their reviews and social profiles move to the kept customer."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from relata.customers.merge import customers_merge
from relata.feedback.models import Review, SocialProfile
from relata.feedback.review_selectors import customer_reviews
from relata.feedback.social_services import social_profile_create
from tests.factories import CustomerFactory, ReviewFactory, SocialProfileFactory

pytestmark = pytest.mark.django_db


def test_reviews_and_profiles_move_to_the_kept_customer() -> None:
    # given two records of one person, each with reviews and profiles
    keep, merge = CustomerFactory(), CustomerFactory()
    ReviewFactory(customer=keep, rating=5, helpful_votes=2)
    ReviewFactory(customer=merge, rating=3, helpful_votes=4, external_id="G-1")
    SocialProfileFactory(customer=keep, platform="instagram", handle="anna", followers=900)
    SocialProfileFactory(customer=merge, platform="tiktok", handle="anna", followers=5000)
    # when they are merged
    customers_merge(keep=keep, merge=merge, field_choices={}, user=None)
    # then every review and profile is the kept customer's, and the card adds them up
    assert set(Review.objects.values_list("customer_id", flat=True)) == {keep.pk}
    assert set(SocialProfile.objects.values_list("customer_id", flat=True)) == {keep.pk}
    summary = customer_reviews(customer=keep)
    assert (summary.reviews, summary.average_rating, summary.helpful_votes) == (2, 4.0, 6)
    assert summary.reach == 5900


def test_a_handle_cannot_belong_to_both_so_a_merge_never_clashes_on_it() -> None:
    # given the merged customer has @anna on Instagram
    keep, merge = CustomerFactory(), CustomerFactory()
    social_profile_create(customer=merge, platform="instagram", handle="anna", followers=700)
    # when the kept customer is given the same handle, then that is refused before any merge
    with pytest.raises(ValidationError):
        social_profile_create(customer=keep, platform="instagram", handle="@ANNA", followers=900)
    # and the merge moves the one profile with its count
    customers_merge(keep=keep, merge=merge, field_choices={}, user=None)
    profile = SocialProfile.objects.get()
    assert (profile.customer_id, profile.followers) == (keep.pk, 700)
