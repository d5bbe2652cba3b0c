"""The loyalty and referral API: settings, members, a customer's points, redemption,
referrals and codes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from relata.engagement.loyalty_selectors import add_months
from relata.engagement.loyalty_services import points_earn_for_order
from relata.engagement.models import LoyaltyMember, PointsEntry, Referral, ReferralCode
from relata.engagement.referral_services import referral_code_issue
from tests.api.conftest import ApiClient, error_locs
from tests.engagement.programme_support import buy, enrol, programme
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _recent(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)


def test_programme_settings_are_readable(api: ApiClient) -> None:
    programme(points_per_euro="2.00", minimum_redemption=100)
    response = api.get("/api/loyalty/programme")
    assert response.status_code == 200
    body = response.json()
    assert (body["points_per_euro"], body["minimum_redemption"]) == ("2.00", 100)


def test_enrol_and_list_members_with_their_balance(api: ApiClient) -> None:
    # given a customer with an order last week
    programme()
    customer = CustomerFactory()
    buy(customer, "80", _recent(7))
    # when enrolled as of two weeks ago
    response = api.post(
        "/api/loyalty/members",
        {"customer_number": customer.customer_number, "joined_on": _recent(14).isoformat()},
    )
    # then the member has the order's points
    assert response.status_code == 201, response.json()
    assert response.json()["balance"] == 80
    listed = api.get("/api/loyalty/members", {"customer_id": customer.pk}).json()
    assert listed["count"] == 1
    assert listed["items"][0]["member_number"] == response.json()["member_number"]
    # and enrolling again is refused with the reason
    again = api.post("/api/loyalty/members", {"customer_id": customer.pk})
    assert again.status_code == 422
    assert "already a member" in again.json()["detail"][0]["msg"]


def test_enrol_needs_exactly_one_customer_reference(api: ApiClient) -> None:
    response = api.post("/api/loyalty/members", {})
    assert response.status_code == 422


def test_customer_loyalty_shows_balance_worth_expiry_and_ledger(api: ApiClient) -> None:
    # given a member with 250 points earned last month
    programme(point_value="0.02", minimum_redemption=100)
    customer = CustomerFactory()
    enrol(customer, _recent(60))
    points_earn_for_order(order=buy(customer, "250", _recent(30)))
    # when reading the customer's loyalty
    response = api.get(f"/api/customers/{customer.pk}/loyalty", {"ledger_limit": 1})
    # then the balance, its worth, the coming expiry and the ledger are there
    assert response.status_code == 200
    body = response.json()
    assert (body["is_member"], body["balance"], body["worth"]) == (True, 250, "5.00")
    assert body["reward"]["redeemable"] is True
    assert body["expiring"] == [
        {"expires_on": add_months(_recent(30), 12).isoformat(), "points": 250}
    ]
    assert body["ledger_count"] == 1
    assert body["ledger"][0]["kind"] == "earned"


def test_redeem_within_limits_and_refuse_beyond(api: ApiClient) -> None:
    programme(minimum_redemption=50)
    customer = CustomerFactory()
    enrol(customer, _recent(60))
    points_earn_for_order(order=buy(customer, "120", _recent(10)))
    too_many = api.post(f"/api/customers/{customer.pk}/loyalty/redeem", {"points": 121})
    too_few = api.post(f"/api/customers/{customer.pk}/loyalty/redeem", {"points": 49})
    assert too_many.status_code == too_few.status_code == 422
    assert error_locs(too_many) == [["body", "payload", "points"]]
    assert "120 points; 121 cannot be redeemed" in too_many.json()["detail"][0]["msg"]
    done = api.post(f"/api/customers/{customer.pk}/loyalty/redeem", {"points": 100, "note": "Mug"})
    assert done.status_code == 201
    assert (done.json()["entry"]["points"], done.json()["balance"]) == (-100, 20)


def test_unknown_customer_is_404(api: ApiClient) -> None:
    assert api.get("/api/customers/999999/loyalty").status_code == 404
    assert api.get("/api/customers/999999/referral-code").status_code == 404


def test_referral_code_is_issued_once(api: ApiClient) -> None:
    customer = CustomerFactory()
    first = api.get(f"/api/customers/{customer.pk}/referral-code")
    second = api.get(f"/api/customers/{customer.pk}/referral-code")
    assert first.status_code == 200
    assert first.json()["code"] == second.json()["code"]
    assert first.json()["display"] == f"{first.json()['code'][:4]}-{first.json()['code'][4:]}"
    assert ReferralCode.objects.count() == 1


def test_record_a_referral_by_code_and_list_it(api: ApiClient) -> None:
    # given a referrer's code
    referrer, newcomer = CustomerFactory(), CustomerFactory()
    code = referral_code_issue(customer=referrer)
    # when recorded by the newcomer's number
    response = api.post(
        "/api/referrals/", {"code": code.code.lower(), "referred_number": newcomer.customer_number}
    )
    # then it is pending and listed
    assert response.status_code == 201, response.json()
    assert (response.json()["status"], response.json()["referrer_id"]) == ("pending", referrer.pk)
    listed = api.get("/api/referrals/", {"referrer_id": referrer.pk}).json()
    assert [item["referred_id"] for item in listed["items"]] == [newcomer.pk]
    # and a second referral of the same customer is refused with the rule
    again = api.post("/api/referrals/", {"code": code.code, "referred_id": newcomer.pk})
    assert again.status_code == 422
    assert "already referred" in again.json()["detail"][0]["msg"]


def test_recording_with_an_unknown_code_or_customer_is_422(api: ApiClient) -> None:
    newcomer = CustomerFactory()
    unknown_code = api.post("/api/referrals/", {"code": "ZZZZ2222", "referred_id": newcomer.pk})
    assert error_locs(unknown_code) == [["body", "payload", "code"]]
    code = referral_code_issue(customer=CustomerFactory()).code
    unknown_customer = api.post("/api/referrals/", {"code": code, "referred_id": 987654})
    assert error_locs(unknown_customer) == [["body", "payload", "referred_id"]]


def test_reward_and_reject_through_the_api(api: ApiClient) -> None:
    programme(referral_reward_points=300)
    referrer = CustomerFactory()
    enrol(referrer, _recent(100))
    referral = Referral.objects.create(referrer=referrer, referred=CustomerFactory())
    rewarded = api.post(f"/api/referrals/{referral.pk}/reward", {})
    assert (rewarded.json()["status"], rewarded.json()["reward_points"]) == ("rewarded", 300)
    rejected = api.post(f"/api/referrals/{referral.pk}/reject", {"reason": "Test account"})
    assert rejected.json()["status"] == "rejected"
    assert sum(PointsEntry.objects.filter(customer=referrer).values_list("points", flat=True)) == 0


def test_without_permissions_everything_is_403(no_role_api: ApiClient) -> None:
    customer = CustomerFactory()
    assert no_role_api.get("/api/loyalty/programme").status_code == 403
    assert no_role_api.get("/api/loyalty/members").status_code == 403
    assert no_role_api.get(f"/api/customers/{customer.pk}/loyalty").status_code == 403
    assert no_role_api.get("/api/referrals/").status_code == 403
    assert no_role_api.get(f"/api/customers/{customer.pk}/referral-code").status_code == 403
    assert (
        no_role_api.post(f"/api/customers/{customer.pk}/loyalty/redeem", {"points": 1}).status_code
        == 403
    )
    assert not LoyaltyMember.objects.exists()
