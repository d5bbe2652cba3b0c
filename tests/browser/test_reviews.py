from playwright.sync_api import expect

from relata.feedback.models import Review, SocialProfile
from tests.browser.conftest import login, screenshot
from tests.factories import CustomerFactory, ProductFactory


def test_add_a_review_and_a_profile_from_the_customer_file(page, sales_user) -> None:  # type: ignore[no-untyped-def]
    # given a customer and a product
    customer = CustomerFactory(first_name="Noor", last_name="Visser")
    ProductFactory(sku="MUG-1", name="Stoneware mug")
    login(page)
    page.goto(f"{page.base_url}/customers/{customer.pk}/")
    card = page.locator("#customer-reach")
    expect(card).to_contain_text("No social profiles known.")

    # when a review is added from the card
    card.locator("#card-add-review").click()
    page.select_option("#id_rating", "4")
    page.fill("#id_title", "Lovely mug")
    page.fill("#id_text", "Keeps the coffee warm <really>.")
    page.fill("#id_product", "MUG-1")
    page.fill("#id_helpful_votes", "3")
    page.fill("#id_site", "Web shop")
    screenshot(page, "review-form")
    page.click("#review-form button[type=submit]")
    # then the customer file is shown again, with the review on the card and the timeline
    page.wait_for_url(f"{page.base_url}/customers/{customer.pk}/")
    expect(card.locator("#review-count")).to_have_text("1")
    expect(card.locator("#review-average")).to_have_text("4.0")
    expect(card.locator("#review-helpful")).to_have_text("3")
    expect(page.locator("#timeline")).to_contain_text("Wrote a 4-star review: Lovely mug")

    # when a profile is added by pasting its link
    card.locator("#card-add-profile").click()
    page.select_option("#id_platform", "instagram")
    page.fill("#id_handle", "https://www.instagram.com/noor.bakt/")
    page.fill("#id_followers", "15300")
    page.click("#profile-form button[type=submit]")
    # then the card shows the handle and the reach
    page.wait_for_url(f"{page.base_url}/customers/{customer.pk}/")
    expect(card.locator("#social-profiles")).to_contain_text("@noor.bakt")
    expect(card.locator("#total-reach")).to_contain_text("15,300 followers")
    screenshot(page, "reviews-customer-card")

    # and both are on the lists
    page.goto(f"{page.base_url}/reviews/")
    row = page.locator("#reviews-table tbody tr", has_text="Lovely mug")
    expect(row).to_contain_text("Noor Visser")
    expect(row).to_contain_text("Stoneware mug")
    expect(row).to_contain_text("Keeps the coffee warm <really>.")
    expect(page.locator("#rating-per-product")).to_contain_text("Stoneware mug")
    screenshot(page, "reviews-list")
    page.goto(f"{page.base_url}/social/")
    profile_row = page.locator("#profiles-table tbody tr", has_text="@noor.bakt")
    expect(profile_row).to_contain_text("Noor Visser")
    expect(profile_row).to_contain_text("15,300")
    assert Review.objects.get().customer == customer
    assert SocialProfile.objects.get().url == "https://www.instagram.com/noor.bakt/"
