import pytest
from playwright.sync_api import expect

from relata.contacts.models import ContactMoment
from tests.browser.conftest import login, screenshot
from tests.factories import CustomerFactory


def test_login_shows_the_overview(page, sales_user) -> None:  # type: ignore[no-untyped-def]
    # when the user logs in
    login(page)
    # then the overview greets them
    assert page.locator("h1").inner_text() == "Overview"
    screenshot(page, "overview")


def test_wrong_password_is_refused(page, sales_user) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("#id_username", "sophie")
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    assert "match" in page.locator(".alert-danger").inner_text()


def test_search_open_customer_and_log_a_contact_moment(page, sales_user) -> None:  # type: ignore[no-untyped-def]
    # given customers
    wanted = CustomerFactory(first_name="Fenna", last_name="Hoekstra", city="Leeuwarden")
    CustomerFactory(first_name="Bram", last_name="Willems", city="Eindhoven")
    login(page)
    # when searching as you type
    page.click("text=Customers")
    page.fill("#search", "hoeks")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page.locator("#results")).to_contain_text("Fenna Hoekstra")
    screenshot(page, "customer-search")
    # and opening the customer
    page.click("#results >> text=Fenna Hoekstra")
    page.wait_for_selector("h1 >> text=Fenna Hoekstra")
    # and logging a phone call
    page.select_option("#id_channel", "phone")
    page.select_option("#id_touchpoint", "after_sales")
    page.fill("#id_subject", "Called about the installation date")
    page.fill("#id_notes", "Agreed on Tuesday morning")
    page.click("text=Log contact moment >> nth=-1")
    # then the timeline shows it without a page reload, and it is stored
    page.wait_for_selector("#timeline >> text=Called about the installation date")
    assert page.locator("#contact-form .alert-success").is_visible()
    screenshot(page, "customer-file")
    moment = ContactMoment.objects.get(customer=wanted)
    assert moment.touchpoint == "after_sales"
    assert moment.staff == sales_user


@pytest.mark.parametrize("language, heading", [("nl", "Klanten")])
def test_switch_to_dutch(page, sales_user, language, heading) -> None:  # type: ignore[no-untyped-def]
    login(page)
    page.goto(f"{page.base_url}/customers/")
    page.click("#user-menu")
    page.select_option("select[name=language]", language)
    page.wait_for_selector(f"h1 >> text={heading}")
    screenshot(page, "customers-dutch")
