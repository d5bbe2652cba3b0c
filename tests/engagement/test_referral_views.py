"""Referral pages: the list with totals, recording by code, rewarding, rejecting, codes."""

from __future__ import annotations

import pytest
from django.test import Client

from relata.engagement.models import Referral, ReferralCode
from relata.engagement.referral_services import referral_code_format, referral_code_issue
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_the_list_shows_totals_and_top_referrers(logged_in_client: Client) -> None:
    anna = CustomerFactory(first_name="Anna", last_name="de Wit")
    Referral.objects.create(referrer=anna, referred=CustomerFactory(), status="rewarded")
    Referral.objects.create(referrer=anna, referred=CustomerFactory())
    page = logged_in_client.get("/referrals/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="top-referrers"' in html
    assert "Anna de Wit" in html
    assert "50% of those referred" in html


def test_the_list_filters_by_status_and_answers_htmx(logged_in_client: Client) -> None:
    Referral.objects.create(referrer=CustomerFactory(), referred=CustomerFactory(last_name="Kok"))
    Referral.objects.create(
        referrer=CustomerFactory(), referred=CustomerFactory(last_name="Mol"), status="rejected"
    )
    response = logged_in_client.get("/referrals/", {"status": "rejected"}, HTTP_HX_REQUEST="true")
    assert b"Mol" in response.content
    assert b"Kok" not in response.content
    assert b"<nav" not in response.content


def test_record_a_referral_by_code(logged_in_client: Client) -> None:
    referrer, newcomer = CustomerFactory(), CustomerFactory()
    code = referral_code_issue(customer=referrer)
    response = logged_in_client.post(
        "/referrals/record/",
        {"code": referral_code_format(code.code), "referred": newcomer.customer_number},
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert (referral.referrer, referral.referred, referral.code) == (referrer, newcomer, code)


def test_a_refused_referral_shows_the_rule_in_the_form(logged_in_client: Client) -> None:
    referrer = CustomerFactory(first_name="Jan", last_name="Kok")
    code = referral_code_issue(customer=referrer)
    response = logged_in_client.post(
        "/referrals/record/", {"code": code.code, "referred": referrer.customer_number}
    )
    assert response.status_code == 400
    assert "Jan Kok cannot refer themself." in response.content.decode()
    unknown = logged_in_client.post(
        "/referrals/record/", {"code": "QQQQ-QQQQ", "referred": referrer.customer_number}
    )
    assert "No referral code QQQQ-QQQQ." in unknown.content.decode()
    assert not Referral.objects.exists()


def test_reward_and_reject_from_the_list(logged_in_client: Client) -> None:
    referral = Referral.objects.create(referrer=CustomerFactory(), referred=CustomerFactory())
    logged_in_client.post(f"/referrals/{referral.pk}/reward/")
    referral.refresh_from_db()
    assert referral.status == "rewarded"
    no_reason = logged_in_client.post(
        f"/referrals/{referral.pk}/reject/", {"reason": ""}, follow=True
    )
    assert "Say why the referral is rejected." in no_reason.content.decode()
    logged_in_client.post(f"/referrals/{referral.pk}/reject/", {"reason": "Duplicate person"})
    referral.refresh_from_db()
    assert (referral.status, referral.note) == ("rejected", "Duplicate person")
    assert logged_in_client.post("/referrals/999999/reward/").status_code == 404


def test_issue_a_code_from_the_customer_file(logged_in_client: Client) -> None:
    customer = CustomerFactory()
    response = logged_in_client.post(
        f"/referrals/codes/{customer.pk}/", {"next": f"/customers/{customer.pk}/"}
    )
    assert response["Location"] == f"/customers/{customer.pk}/"
    code = ReferralCode.objects.get(customer=customer)
    page = logged_in_client.get(f"/customers/{customer.pk}/").content.decode()
    assert referral_code_format(code.code) in page
