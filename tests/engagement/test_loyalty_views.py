"""Loyalty pages: overview, report, settings, members, a customer's points and the card on
the customer file."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from relata.engagement.loyalty_selectors import points_balance
from relata.engagement.models import LoyaltyMember, LoyaltyProgramme, PointsEntry, PointsKind
from tests.engagement.programme_support import enrol, programme
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_report_cache() -> None:
    """The report is cached per score run and membership state; ids repeat between tests."""
    cache.clear()


@pytest.fixture
def marketing_client(db: None) -> Client:
    user = User.objects.create_user("lotte", password="a-long-test-password")
    user.groups.add(Group.objects.get(name="marketing"))
    client = Client()
    client.force_login(user)
    return client


def _member_with_points(points: int = 600):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(first_name="Fleur", last_name="Visser")
    enrol(customer, timezone.localdate() - timedelta(days=30))
    PointsEntry.objects.create(customer=customer, kind=PointsKind.EARNED, points=points)
    return customer


@pytest.mark.parametrize("path", ["/loyalty/", "/loyalty/report/", "/loyalty/members/"])
def test_pages_open_for_sales(logged_in_client: Client, path: str) -> None:
    _member_with_points()
    response = logged_in_client.get(path)
    assert response.status_code == 200


def test_overview_shows_members_and_liability(logged_in_client: Client) -> None:
    programme(point_value="0.01")
    _member_with_points(1_500)
    response = logged_in_client.get("/loyalty/")
    assert b"loyalty-months-data" in response.content
    assert "€ 15.00" in response.content.decode()


def test_pages_need_the_permission(client: Client) -> None:
    user = User.objects.create_user("nobody", password="a-long-test-password")
    client.force_login(user)
    for path in ("/loyalty/", "/loyalty/report/", "/loyalty/members/", "/referrals/"):
        assert client.get(path).status_code == 403


def test_settings_are_for_marketing_only(
    logged_in_client: Client, marketing_client: Client
) -> None:
    assert logged_in_client.get("/loyalty/settings/").status_code == 403
    page = marketing_client.get("/loyalty/settings/")
    assert page.status_code == 200
    data = {
        "name": "Bonus",
        "active": "on",
        "points_per_euro": "2",
        "reward_mode": "saving",
        "point_value": "0.01",
        "minimum_redemption": "500",
        "expiry_months": "",
        "referral_reward_points": "100",
        "referred_welcome_points": "50",
    }
    response = marketing_client.post("/loyalty/settings/", data)
    assert response.status_code == 302
    saved = LoyaltyProgramme.current()
    assert (saved.name, saved.reward_mode, saved.expiry_months) == ("Bonus", "saving", None)
    bad = marketing_client.post("/loyalty/settings/", {**data, "points_per_euro": "-1"})
    assert bad.status_code == 200
    assert b"is-invalid" in bad.content or b"invalid-feedback" in bad.content


def test_members_list_answers_htmx_with_the_results_only(logged_in_client: Client) -> None:
    _member_with_points()
    response = logged_in_client.get("/loyalty/members/", {"q": "visser"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"members-table" in response.content
    assert b"<nav" not in response.content
    assert b"Fleur Visser" in response.content


def test_enrol_from_the_customer_file_returns_there(logged_in_client: Client) -> None:
    customer = CustomerFactory()
    back = f"/customers/{customer.pk}/"
    response = logged_in_client.post(
        "/loyalty/members/enrol/", {"customer": customer.pk, "next": back}
    )
    assert response.status_code == 302
    assert response["Location"] == back
    assert LoyaltyMember.objects.filter(customer=customer).exists()


def test_enrol_with_an_unknown_number_says_so(logged_in_client: Client) -> None:
    response = logged_in_client.post(
        "/loyalty/members/enrol/", {"customer_number": "NOPE"}, follow=True
    )
    assert "No customer with number NOPE." in response.content.decode()
    assert not LoyaltyMember.objects.exists()


def test_an_unsafe_next_is_ignored(logged_in_client: Client) -> None:
    customer = CustomerFactory()
    response = logged_in_client.post(
        "/loyalty/members/enrol/", {"customer": customer.pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == f"/loyalty/points/{customer.pk}/"


def test_redeem_refuses_too_many_and_books_a_valid_amount(logged_in_client: Client) -> None:
    programme(minimum_redemption=100)
    customer = _member_with_points(600)
    url = f"/loyalty/points/{customer.pk}/redeem/"
    refused = logged_in_client.post(url, {"points": "601"}, follow=True)
    assert "Fleur Visser has 600 points; 601 cannot be redeemed." in refused.content.decode()
    junk = logged_in_client.post(url, {"points": "lots"}, follow=True)
    assert junk.status_code == 200
    assert "Points to redeem" in junk.content.decode()
    logged_in_client.post(url, {"points": "250", "note": "Coffee mug"})
    assert points_balance(customer=customer) == 350


def test_adjust_and_leave(logged_in_client: Client) -> None:
    customer = _member_with_points(100)
    base = f"/loyalty/points/{customer.pk}/"
    no_reason = logged_in_client.post(base + "adjust/", {"points": "10", "note": ""}, follow=True)
    assert "Reason" in no_reason.content.decode()
    logged_in_client.post(base + "adjust/", {"points": "-30", "note": "Double booking"})
    assert points_balance(customer=customer) == 70
    logged_in_client.post(base + "leave/", {"left_on": ""})
    assert LoyaltyMember.objects.get(customer=customer).left_on == timezone.localdate()
    page = logged_in_client.get(base)
    assert "Former member" in page.content.decode()
    assert "Double booking" in page.content.decode()


def test_customer_points_page_of_an_unknown_customer_is_404(logged_in_client: Client) -> None:
    assert logged_in_client.get("/loyalty/points/999999/").status_code == 404


def test_the_customer_file_shows_the_programmes_card(logged_in_client: Client) -> None:
    programme(point_value="0.01", minimum_redemption=0)
    customer = _member_with_points(600)
    page = logged_in_client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'id="customer-programmes"' in page
    assert "worth € 6.00 now" in page
    assert 'id="card-redeem"' in page
    assert 'id="issue-code"' in page
    # and a customer who is no member gets the enrol button
    other = logged_in_client.get(f"/customers/{CustomerFactory().pk}/").content.decode()
    assert 'id="enrol-button"' in other
