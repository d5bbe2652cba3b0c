from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import Group, User
from django.utils import timezone
from playwright.sync_api import expect

from relata.accounts.roles import roles_sync
from relata.engagement.models import TriggerRule
from tests.browser.conftest import login, screenshot
from tests.engagement.trigger_support import buy
from tests.factories import CustomerFactory


def marketing_user() -> User:
    roles_sync()
    user = User.objects.create_user("mia", password="browser-test-password", first_name="Mia")
    user.groups.add(Group.objects.get(name="marketing"))
    return user


def test_a_rule_is_made_previewed_and_run(page, transactional_db) -> None:  # type: ignore[no-untyped-def]
    # given three customers who bought for the first time this week, one owned by Mia
    mia = marketing_user()
    for n in range(3):
        customer = CustomerFactory(first_name=f"Nieuw{n}", account_owner=mia if n == 0 else None)
        buy(customer, timezone.localdate() - timedelta(days=n))
    login(page, "mia")

    # when Mia makes a rule: the settings follow the chosen event and action
    page.goto(f"{page.base_url}/triggers/new/")
    page.fill("#id_name", "Welcome new customers")
    page.select_option("#id_event", "calendar")
    expect(page.locator("#id_event__month")).to_be_visible()
    page.select_option("#id_event", "new_customer")
    expect(page.locator("#id_event__within_days")).to_have_value("30")
    expect(page.locator("#id_event__month")).to_have_count(0)
    page.select_option("#id_action", "notice")
    expect(page.locator("#id_action__text")).to_be_visible()
    page.select_option("#id_action", "task")
    expect(page.locator("#id_action__title")).to_be_visible()
    page.wait_for_load_state("networkidle")  # the swapped-in fields are final
    page.fill("#id_action__title", "Welcome call")
    page.fill("#id_action__due_days", "soon")
    page.click("#rule-form button[type=submit]")
    # then a bad setting is named in words
    expect(page.locator("text=“Due in days” must be a whole number.")).to_be_visible()
    screenshot(page, "trigger-form-error")
    page.fill("#id_action__due_days", "2")
    page.click("#rule-form button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Welcome new customers")

    # when she previews it: three would fire, nothing is written
    page.click("#preview-button")
    expect(page.locator("#preview-counts")).to_contain_text("3 customers would fire now")
    expect(page.locator("#preview-sample tbody tr")).to_have_count(3)
    screenshot(page, "trigger-preview")
    assert not TriggerRule.objects.get().firings.exists()

    # when she runs it now
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#run-now")
    # then three tasks were made, each firing linking to its task
    expect(page.locator(".alert-success")).to_contain_text("Matched 3, fired 3: 3 done")
    expect(page.locator("#firing-table tbody tr")).to_have_count(3)
    expect(page.locator("#firing-table a[href^='/tasks/']")).to_have_count(3)
    screenshot(page, "trigger-detail")

    # and the list shows the rule with its firings of the last 30 days
    page.goto(f"{page.base_url}/triggers/")
    expect(page.locator("#rules tbody tr", has_text="Welcome new customers")).to_contain_text("3")
    screenshot(page, "trigger-list")
