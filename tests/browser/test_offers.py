"""Next best offer in a real Chromium: a marketer recomputes the offers with the evaluation,
filters the rules live, and the customer file shows the offers card."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import Group, User

from relata.accounts.roles import MARKETING, roles_sync
from tests.browser.conftest import login, screenshot
from tests.engagement.offer_support import buy, offer_shop


def test_recompute_rules_and_customer_card(page) -> None:  # type: ignore[no-untyped-def]
    # given the hand-made shop and a marketing user (may compute offers)
    roles_sync()
    shop = offer_shop()
    buy(shop.anna, shop.cups, day=date(2025, 8, 1))  # new to her: the test window has a buyer
    user = User.objects.create_user("lotte", password="browser-test-password")
    user.groups.add(Group.objects.get(name=MARKETING))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(page, "lotte")

    # when she opens the offers page and recomputes with the evaluation ticked
    page.goto(f"{page.base_url}/offers/")
    page.check("#id_evaluate")
    page.click("#recompute button[type=submit]")

    # then the page reports the run and shows model against popularity
    page.wait_for_selector(".alert-success")
    assert "Offers computed in" in page.locator(".alert-success").inner_text()
    assert "Precision@5" in page.locator("#evaluation").inner_text()
    screenshot(page, "offers-summary")

    # when she filters the rules by typing a product name, across categories only
    page.goto(f"{page.base_url}/offers/rules/")
    page.check("#id_across")
    page.fill("#id_q", "zzz-no-such-product")

    # then the list follows without a page load (the shop's pairs are too rare for the
    # default thresholds, so there are no rules at all)
    page.wait_for_url("**q=zzz-no-such-product**")
    assert "No rules meet the thresholds." in page.locator("#results").inner_text()

    # when she opens carla's customer file
    page.goto(f"{page.base_url}/customers/{shop.carla.pk}/")

    # then the card lists her offers with their reasons
    card = page.locator("#customer-offers")
    assert "Espresso machine Comfort" in card.inner_text()
    assert "A dearer variant of Espresso machine Basic" in card.inner_text()
    screenshot(page, "offers-customer-card")
    assert errors == []
