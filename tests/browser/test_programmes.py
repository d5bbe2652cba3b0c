from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from relata.engagement.models import LoyaltyProgramme, PointsEntry
from tests.browser.conftest import login, screenshot
from tests.engagement.programme_support import buy
from tests.factories import CustomerFactory


def test_enrol_redeem_and_refer_from_the_customer_file(page, sales_user) -> None:  # type: ignore[no-untyped-def]
    # given a direct-reward programme (1 point per euro) and a customer who bought for €345
    programme = LoyaltyProgramme.current()
    programme.points_per_euro = Decimal(1)
    programme.minimum_redemption = 100
    programme.reward_mode = "direct"
    programme.save()
    customer = CustomerFactory(first_name="Lisa", last_name="Bos")
    buy(customer, "345.00", timezone.localdate() - timedelta(days=7))
    newcomer = CustomerFactory(first_name="Tom", last_name="Vos")
    login(page)

    # when the customer is enrolled from the card, dated before the purchase
    page.goto(f"{page.base_url}/loyalty/points/{customer.pk}/")
    page.fill("input[name=joined_on]", (timezone.localdate() - timedelta(days=30)).isoformat())
    page.click("button >> text=Enrol")
    # then the purchase has earned its points
    expect(page.locator("#balance-card")).to_contain_text("345")
    expect(page.locator("#ledger")).to_contain_text("Earned")

    # when 200 points are redeemed on the customer file's card
    page.goto(f"{page.base_url}/customers/{customer.pk}/")
    card = page.locator("#customer-programmes")
    expect(card).to_contain_text("worth € 3.45 now")
    card.locator("input[name=points]").fill("200")
    card.locator("button >> text=Redeem").click()
    expect(page.locator("#customer-programmes #points-balance")).to_contain_text("145")
    assert sum(PointsEntry.objects.values_list("points", flat=True)) == 145

    # when a code is issued and the newcomer is recorded with it
    page.click("#issue-code")
    code = page.locator("#referral-code").inner_text()
    screenshot(page, "programmes-customer-card")
    page.goto(f"{page.base_url}/referrals/")
    page.fill("#id_code", code)
    page.fill("#id_referred", newcomer.customer_number)
    page.click("#record-card button[type=submit]")
    # then the referral is listed as pending, linked to Lisa
    row = page.locator("#referrals-table tbody tr", has_text="Tom Vos")
    expect(row).to_contain_text("Lisa Bos")
    expect(row).to_contain_text("Pending")
    screenshot(page, "programmes-referrals")
