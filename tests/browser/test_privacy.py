"""GDPR in a real Chromium: an administrator reads everything stored about a customer,
erases the customer after confirming the number, and finds the erasure on the customer page
and in the audit trail."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from relata.accounts.roles import ADMIN, roles_sync
from relata.customers.models import Consent, Customer
from relata.sales.models import Order
from relata.sales.services import LineInput, order_create
from tests.browser.conftest import login, screenshot
from tests.factories import CustomerFactory, ProductFactory


def admin_user() -> User:
    roles_sync()
    user = User.objects.create_user("ada", password="browser-test-password", first_name="Ada")
    user.groups.add(Group.objects.get(name=ADMIN))
    return user


def test_an_administrator_erases_a_customer_and_the_trail_shows_it(page) -> None:  # type: ignore[no-untyped-def]
    # given a customer with an order and an opt-in, and an administrator
    admin_user()
    customer = CustomerFactory(
        customer_number="C-GDPR-1", first_name="Zebedee", last_name="Quuxington",
        email="zebedee@example.org",
    )  # fmt: skip
    order = order_create(
        customer=customer,
        lines=[LineInput(product=ProductFactory(), quantity=Decimal(2), unit_price=Decimal(50))],
    )
    Consent.objects.create(customer=customer, channel="email", purpose="newsletter", granted=True)
    login(page, "ada")
    # when the administrator opens the customer's privacy page
    page.goto(f"{page.base_url}/customers/{customer.pk}/")
    page.click(f"a[href=\"/privacy/customers/{customer.pk}/\"]")
    # then everything stored about the customer is shown, the consent log among it
    expect(page.locator("h1")).to_contain_text("Zebedee Quuxington")
    expect(page.locator("body")).to_contain_text("zebedee@example.org")
    expect(page.locator("body")).to_contain_text(order.order_number)
    screenshot(page, "privacy-export")
    # when they ask to erase and type a wrong number
    page.click("text=Erase…")
    page.fill("#id_customer_number", "C-WRONG")
    page.fill("#id_reason", "Asked by e-mail to be forgotten")
    page.click("button[type=submit]:has-text('Erase personal data')")
    # then nothing is erased and the form says why
    expect(page.locator("form.card")).to_contain_text("C-GDPR-1")
    assert Customer.objects.get(pk=customer.pk).erased_at is None
    # when they type the right number
    page.fill("#id_customer_number", "C-GDPR-1")
    page.click("button[type=submit]:has-text('Erase personal data')")
    # then the customer page shows the erasure and no longer the person
    expect(page.locator("#erased-banner")).to_be_visible()
    expect(page.locator("h1")).not_to_contain_text("Quuxington")
    screenshot(page, "privacy-erased")
    # and the order and its amount stay
    assert Order.objects.get(pk=order.pk).total_amount == Decimal(100)
    # and the audit trail lists the erasure, without the person's name
    page.goto(f"{page.base_url}/audit/?action=erase")
    expect(page.locator("table")).to_contain_text("C-GDPR-1")
    expect(page.locator("table")).not_to_contain_text("Quuxington")
