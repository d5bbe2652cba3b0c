"""Social profiles: handles normalised ('@', links), one handle per platform per customer,
followers and their count date checked."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from relata.feedback.models import SocialProfile
from relata.feedback.social_services import (
    Handle,
    social_handle_normalise,
    social_profile_create,
    social_profile_delete,
    social_profile_update,
)
from tests.factories import CustomerFactory, SocialProfileFactory


@pytest.mark.parametrize(
    ("platform", "text", "expected"),
    [
        ("instagram", "  @anna.bakes ", Handle("anna.bakes")),
        (
            "instagram",
            "https://www.instagram.com/anna.bakes/",
            Handle("anna.bakes", "https://www.instagram.com/anna.bakes/"),
        ),
        (
            "instagram",
            "instagram.com/anna.bakes?hl=nl",
            Handle("anna.bakes", "https://instagram.com/anna.bakes?hl=nl"),
        ),
        (
            "tiktok",
            "https://www.tiktok.com/@anna_bakes",
            Handle("anna_bakes", "https://www.tiktok.com/@anna_bakes"),
        ),
        (
            "youtube",
            "https://m.youtube.com/@AnnaBakes/videos",
            Handle("AnnaBakes", "https://m.youtube.com/@AnnaBakes/videos"),
        ),
        (
            "youtube",
            "youtube.com/channel/UC1234abcd",
            Handle("UC1234abcd", "https://youtube.com/channel/UC1234abcd"),
        ),
        (
            "x",
            "https://twitter.com/annabakes/status/123",
            Handle("annabakes", "https://twitter.com/annabakes/status/123"),
        ),
        (
            "linkedin",
            "https://nl.linkedin.com/in/anna-smit-123",
            Handle("anna-smit-123", "https://nl.linkedin.com/in/anna-smit-123"),
        ),
        (
            "facebook",
            "https://www.facebook.com/profile.php?id=100012345",
            Handle("100012345", "https://www.facebook.com/profile.php?id=100012345"),
        ),
        (
            "pinterest",
            "https://nl.pinterest.com/annabakes/",
            Handle("annabakes", "https://nl.pinterest.com/annabakes/"),
        ),
        ("blog", "https://www.annabakes.nl/", Handle("annabakes.nl", "https://www.annabakes.nl/")),
        ("blog", "annabakes.nl", Handle("annabakes.nl")),
    ],
)
def test_handles_are_read_from_what_people_type_or_paste(
    platform: str, text: str, expected: Handle
) -> None:
    assert social_handle_normalise(platform=platform, text=text) == expected


@pytest.mark.parametrize(
    ("platform", "text", "reason"),
    [
        ("instagram", "https://www.instagram.com/p/C0abc123/", "does not point to one profile"),
        ("instagram", "https://www.tiktok.com/@anna", "This is a link to TikTok, not to Instagram"),
        ("instagram", "https://example.com/anna", "is not a link to Instagram"),
        ("tiktok", "https://www.tiktok.com/tag/baking", "does not point to one profile"),
        ("blog", "https://www.instagram.com/anna/", "choose Instagram as the platform"),
        ("instagram", "anna bakes", "a handle has no spaces"),
        ("instagram", "  @ ", "Give the handle or a link"),
    ],
)
def test_unclear_handles_are_refused_with_the_reason(platform: str, text: str, reason: str) -> None:
    with pytest.raises(ValidationError) as refused:
        social_handle_normalise(platform=platform, text=text)
    assert reason in refused.value.message_dict["handle"][0]


@pytest.mark.django_db
def test_a_profile_pasted_as_a_link_keeps_the_link() -> None:
    # when a profile is added with its link as the handle
    profile = social_profile_create(
        customer=CustomerFactory(),
        platform="instagram",
        handle="https://www.instagram.com/anna.bakes/",
        followers=12_300,
    )
    # then the handle is read from it and the link kept
    profile.refresh_from_db()
    assert (profile.handle, profile.url) == ("anna.bakes", "https://www.instagram.com/anna.bakes/")
    assert profile.counted_on == timezone.localdate()


@pytest.mark.django_db
def test_one_handle_per_platform_belongs_to_one_customer() -> None:
    # given Jan with @anna.bakes on Instagram
    jan = CustomerFactory(first_name="Jan", last_name="Kok", customer_number="K001")
    social_profile_create(customer=jan, platform="instagram", handle="anna.bakes")
    # when another customer claims it in other capitals, then the message names Jan
    with pytest.raises(ValidationError) as refused:
        social_profile_create(
            customer=CustomerFactory(), platform="instagram", handle="@Anna.Bakes"
        )
    assert refused.value.message_dict["handle"] == [
        "@Anna.Bakes on Instagram already belongs to Jan Kok (K001)."
    ]
    # when the same handle is on another platform, then it is somebody else's account
    social_profile_create(customer=CustomerFactory(), platform="tiktok", handle="anna.bakes")
    assert SocialProfile.objects.count() == 2


@pytest.mark.django_db
def test_followers_and_their_date_are_checked() -> None:
    with pytest.raises(ValidationError) as refused:
        social_profile_create(
            customer=CustomerFactory(),
            platform="x",
            handle="anna",
            followers=-5,
            counted_on=timezone.localdate() + timedelta(days=2),
        )
    errors = refused.value.message_dict
    assert errors["followers"] == ["Cannot be negative."]
    assert errors["counted_on"] == ["The followers cannot be counted on a day in the future."]
    assert not SocialProfile.objects.exists()


@pytest.mark.django_db
def test_a_new_count_without_a_date_is_counted_today() -> None:
    # given a profile counted last year
    profile = SocialProfileFactory(followers=1000, counted_on=date(2024, 1, 1))
    # when the followers change without a date
    social_profile_update(profile=profile, fields={"followers": 1500})
    # then the count is dated today
    profile.refresh_from_db()
    assert (profile.followers, profile.counted_on) == (1500, timezone.localdate())


@pytest.mark.django_db
def test_a_new_handle_replaces_the_old_link_and_the_same_handle_keeps_it() -> None:
    # given a profile with a link
    profile = social_profile_create(
        customer=CustomerFactory(), platform="tiktok", handle="tiktok.com/@anna"
    )
    assert profile.url == "https://tiktok.com/@anna"
    # when the handle is saved unchanged (as the edit form does), then the link stays
    social_profile_update(profile=profile, fields={"handle": "@ANNA"})
    profile.refresh_from_db()
    assert (profile.handle, profile.url) == ("ANNA", "https://tiktok.com/@anna")
    # when it becomes another account, then the old link goes
    social_profile_update(profile=profile, fields={"handle": "bakker.anna"})
    profile.refresh_from_db()
    assert (profile.handle, profile.url) == ("bakker.anna", "")


@pytest.mark.django_db
def test_delete_removes_the_profile() -> None:
    profile = SocialProfileFactory()
    social_profile_delete(profile=profile)
    assert not SocialProfile.objects.exists()
