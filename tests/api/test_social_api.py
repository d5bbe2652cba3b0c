"""/api/social-profiles and /api/customers/{id}/social-profiles."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from relata.feedback.models import SocialProfile
from tests.api.conftest import ApiClient, error_locs
from tests.factories import CustomerFactory, SocialProfileFactory

pytestmark = pytest.mark.django_db


def _delete(client: ApiClient, path: str) -> Any:
    return client.client.delete(path, headers=client.headers)


def test_add_a_profile_from_a_link(api: ApiClient) -> None:
    customer = CustomerFactory(customer_number="K001")
    response = api.post(
        "/api/social-profiles/",
        {
            "customer_number": "K001",
            "platform": "tiktok",
            "handle": "https://www.tiktok.com/@anna_bakes",
            "followers": 48_000,
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["customer_id"], body["handle"], body["url"], body["followers"]) == (
        customer.pk,
        "anna_bakes",
        "https://www.tiktok.com/@anna_bakes",
        48_000,
    )
    assert body["counted_on"] == timezone.localdate().isoformat()


def test_refusals_name_the_field_and_the_other_customer(api: ApiClient) -> None:
    SocialProfileFactory(
        customer=CustomerFactory(first_name="Jan", last_name="Kok", customer_number="K001"),
        platform="instagram",
        handle="jan",
    )
    customer = CustomerFactory()
    taken = api.post(
        "/api/social-profiles/",
        {"customer_id": customer.pk, "platform": "instagram", "handle": "@JAN"},
    )
    assert taken.status_code == 422
    assert taken.json()["detail"][0]["loc"] == ["body", "payload", "handle"]
    assert taken.json()["detail"][0]["msg"] == (
        "@JAN on Instagram already belongs to Jan Kok (K001)."
    )
    cases = [
        ({"platform": "myspace", "handle": "a"}, "platform"),
        ({"platform": "x", "handle": "a", "followers": -1}, "followers"),
        ({"platform": "x", "handle": "https://www.instagram.com/a/"}, "handle"),
        (
            {
                "platform": "x",
                "handle": "a",
                "counted_on": (timezone.localdate() + timedelta(days=1)).isoformat(),
            },
            "counted_on",
        ),
    ]
    for body, field in cases:
        response = api.post("/api/social-profiles/", {"customer_id": customer.pk, **body})
        assert response.status_code == 422, (body, response.json())
        assert field in error_locs(response)[0], (body, response.json())
    assert SocialProfile.objects.count() == 1


def test_list_filters_patch_and_the_customer_route(api: ApiClient) -> None:
    anna = CustomerFactory(customer_number="K001")
    SocialProfileFactory(customer=anna, platform="instagram", handle="anna", followers=9_000)
    youtube = SocialProfileFactory(
        customer=anna,
        platform="youtube",
        handle="annatube",
        followers=300,
        counted_on=date(2024, 1, 1),
    )
    SocialProfileFactory(platform="instagram", handle="piet", followers=50)
    assert api.get("/api/social-profiles/").json()["count"] == 3
    assert api.get("/api/social-profiles/", {"platform": "instagram"}).json()["count"] == 2
    assert api.get("/api/social-profiles/", {"min_followers": 100}).json()["count"] == 2
    assert api.get("/api/social-profiles/", {"customer_number": "K001"}).json()["count"] == 2
    assert api.get("/api/social-profiles/", {"q": "@pie"}).json()["count"] == 1
    items = api.get("/api/social-profiles/", {"ordering": "followers"}).json()["items"]
    assert [item["followers"] for item in items] == [50, 300, 9_000]
    # a new count without a date is dated today
    patched = api.patch(f"/api/social-profiles/{youtube.pk}", {"followers": 450}).json()
    assert (patched["followers"], patched["counted_on"]) == (450, timezone.localdate().isoformat())
    assert api.patch(f"/api/social-profiles/{youtube.pk}", {"handle": None}).status_code == 422
    mine = api.get(f"/api/customers/{anna.pk}/social-profiles").json()
    assert mine["reach"] == 9_450
    assert [item["handle"] for item in mine["items"]] == ["anna", "annatube"]


def test_permissions(api: ApiClient, marketing_api: ApiClient, no_role_api: ApiClient) -> None:
    profile = SocialProfileFactory()
    assert no_role_api.get("/api/social-profiles/").status_code == 403
    assert (
        no_role_api.get(f"/api/customers/{profile.customer_id}/social-profiles").status_code == 403
    )
    assert _delete(api, f"/api/social-profiles/{profile.pk}").status_code == 403
    assert _delete(marketing_api, f"/api/social-profiles/{profile.pk}").status_code == 204
    assert api.get(f"/api/social-profiles/{profile.pk}").status_code == 404
