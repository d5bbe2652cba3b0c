from __future__ import annotations

from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from relata.contacts.models import Task
from relata.scoring.choices import TierChoice
from tests.browser.conftest import login, screenshot
from tests.contacts.task_support import ensure_default_rules, scored_customer


def back_office_user() -> User:
    user = User.objects.create_user("bea", password="browser-test-password", first_name="Bea")
    user.groups.add(Group.objects.get_or_create(name="back_office")[0])
    return user


def new_task_from_customer_file(page, customer, *, title: str, kind: str, value: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{page.base_url}/customers/{customer.pk}/")
    page.click("#customer-tasks >> text=New task")
    page.wait_for_selector("h1 >> text=New task")
    page.fill("#id_title", title)
    page.select_option("#id_kind", kind)
    page.fill("#id_value", value)
    page.click("button[type=submit] >> text=Save")
    page.wait_for_selector("#routing-reason")


def test_routed_tasks_land_in_the_right_inbox(page, sales_user) -> None:  # type: ignore[no-untyped-def]
    # given a Small customer without an active salesperson's interest, and one owned by Sophie
    ensure_default_rules()
    sales_user.last_name = "de Vries"
    sales_user.save()
    small = scored_customer(TierChoice.SMALL, first_name="Kees", last_name="Klein")
    owned = scored_customer(
        TierChoice.SMALL, first_name="Greta", last_name="Groot", account_owner=sales_user
    )
    back_office_user()

    # when the back office logs a small request for the Small customer
    login(page, "bea")
    new_task_from_customer_file(
        page, small, title="Send a copy of the invoice", kind="request", value="120"
    )
    # then the task page says it went to the back office, and why
    expect(page.locator("#routing-reason")).to_contain_text(
        "Back office: €120 < €500 threshold and tier Small"
    )
    screenshot(page, "task-routed-back-office")
    # and it waits in the back-office queue
    page.click("#nav-tasks")
    page.click("#task-tabs >> text=Back-office queue")
    row = page.locator("#results tbody tr", has_text="Send a copy of the invoice")
    expect(row).to_contain_text("€120 < €500 threshold and tier Small")
    screenshot(page, "task-back-office-queue")

    # when the back office logs a big quote request for Sophie's customer
    new_task_from_customer_file(
        page, owned, title="Quote for 40 office chairs", kind="quote_request", value="1200"
    )
    expect(page.locator("#routing-reason")).to_contain_text(
        "Account owner Sophie de Vries: €1,200 ≥ €500 threshold"
    )
    task = Task.objects.get(title="Quote for 40 office chairs")
    assert task.assignee == sales_user

    # then it is in Sophie's own inbox, with a badge and a notification
    page.context.clear_cookies()
    login(page)
    expect(page.locator("#nav-tasks .badge")).to_have_text("1")
    expect(page.locator("#nav-notifications .badge")).to_have_text("1")
    page.click("#nav-tasks")
    mine = page.locator("#results tbody tr")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("Quote for 40 office chairs")
    expect(page.locator("#results")).not_to_contain_text("Send a copy of the invoice")
    screenshot(page, "task-inbox-mine")
    page.click("#nav-notifications")
    expect(page.locator("#notifications")).to_contain_text(
        "Bea sent you the task “Quote for 40 office chairs”"
    )


def test_rules_page_test_box(page, sales_user) -> None:  # type: ignore[no-untyped-def]
    # given the default rules
    ensure_default_rules()
    login(page)
    page.goto(f"{page.base_url}/tasks/rules/")
    # when trying a call-back of a Top customer in the test box
    page.select_option("#id_kind", "call_back")
    page.select_option("#id_tier", str(TierChoice.TOP))
    page.click("text=Where would it go?")
    # then the answer appears without leaving the page
    expect(page.locator("#test-outcome")).to_contain_text("Account owner")
    expect(page.locator("#test-outcome")).to_contain_text("tier Top")
    screenshot(page, "task-routing-rules")
