"""Social profile pages: the list with the reach per platform, filters, adding (also from a
link), the clash message, editing and deleting."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from relata.feedback.models import SocialProfile
from tests.factories import CustomerFactory, SocialProfileFactory

pytestmark = pytest.mark.django_db


def test_the_list_shows_reach_per_platform_and_filters(logged_in_client: Client) -> None:
    # given three profiles on two platforms
    anna = CustomerFactory(first_name="Anna", last_name="Smit")
    SocialProfileFactory(customer=anna, platform="instagram", handle="anna.bakes", followers=40_000)
    SocialProfileFactory(customer=anna, platform="tiktok", handle="annabakes", followers=900)
    SocialProfileFactory(platform="instagram", handle="piet", followers=120)
    # when the list is opened, then the totals and every profile are shown, largest first
    html = logged_in_client.get("/social/").content.decode()
    totals = html.split('id="reach-totals"')[1].split("</form>")[0]
    assert "41,020" in totals and "3 profiles" in totals and "2 customers" in totals
    table = html.split('id="profiles-table"')[1]
    assert table.index("@anna.bakes") < table.index("@annabakes") < table.index("@piet")
    # when filtered by platform and a minimum, then only those remain, with their reach
    partial = logged_in_client.get(
        "/social/", {"platform": "instagram", "min_followers": "1000"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "@anna.bakes" in partial and "@piet" not in partial and "@annabakes" not in partial
    assert "1 profile matches, reaching 40,000 followers." in partial
    # when searched by handle with '@', then it is found
    found = logged_in_client.get("/social/", {"q": "@pie"}).content.decode()
    assert "@piet" in found.split('id="profiles-table"')[1]


def test_add_a_profile_from_a_link_and_return_to_the_customer_file(
    logged_in_client: Client,
) -> None:
    customer = CustomerFactory()
    back = f"/customers/{customer.pk}/"
    response = logged_in_client.post(
        f"/social/new/?customer={customer.pk}",
        {
            "platform": "youtube",
            "handle": "https://www.youtube.com/@AnnaBakes",
            "followers": "2300",
            "next": back,
        },
    )
    assert response.status_code == 302 and response.url == back
    profile = SocialProfile.objects.get()
    assert (profile.customer, profile.handle, profile.url) == (
        customer,
        "AnnaBakes",
        "https://www.youtube.com/@AnnaBakes",
    )
    card = logged_in_client.get(back).content.decode().split('id="customer-reach"')[1]
    assert "@AnnaBakes" in card and "2,300 followers" in card


def test_a_clash_names_the_other_customer_in_the_form(logged_in_client: Client) -> None:
    SocialProfileFactory(
        customer=CustomerFactory(first_name="Jan", last_name="Kok", customer_number="K001"),
        platform="x",
        handle="jankok",
    )
    CustomerFactory(customer_number="K002")
    response = logged_in_client.post(
        "/social/new/",
        {
            "customer": "K002",
            "platform": "x",
            "handle": "https://twitter.com/JanKok",
            "followers": "10",
        },
    )
    assert "@JanKok on X already belongs to Jan Kok (K001)." in response.content.decode()
    assert SocialProfile.objects.count() == 1


def test_edit_and_delete_a_profile(logged_in_client: Client) -> None:
    profile = SocialProfileFactory(platform="instagram", handle="old", followers=10)
    logged_in_client.post(
        f"/social/{profile.pk}/edit/",
        {"platform": "instagram", "handle": "@new", "followers": "25", "counted_on": ""},
    )
    profile.refresh_from_db()
    assert (profile.handle, profile.followers) == ("new", 25)
    # the sales role may not delete
    assert logged_in_client.post(f"/social/{profile.pk}/delete/").status_code == 403
    admin = User.objects.create_superuser("root", password="a-long-test-password")
    client = Client()
    client.force_login(admin)
    response = client.post(f"/social/{profile.pk}/delete/", {"next": "https://evil.example/"})
    assert response.status_code == 302 and response.url == "/social/"  # not off-site
    assert not SocialProfile.objects.exists()


def test_pages_need_the_permissions(db: None) -> None:
    client = Client()
    client.force_login(User.objects.create_user("nobody", password="a-long-test-password"))
    profile = SocialProfileFactory()
    for url in ("/social/", "/social/new/", f"/social/{profile.pk}/edit/"):
        assert client.get(url).status_code == 403
