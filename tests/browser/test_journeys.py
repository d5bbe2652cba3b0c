"""The journey page in a browser: every tab draws its chart."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import login, screenshot
from tests.feedback.journey_support import five_journeys

TABS = (
    ("first", "first_purchase"),
    ("churn", "churn"),
    ("switching", "switching"),
    ("dropoff", "drop_off"),
    ("conversion", "conversion"),
    ("cohorts", "cohorts"),
)


def test_every_tab_draws_its_chart(page, sales_user) -> None:  # type: ignore[no-untyped-def]
    # given the five hand-checked journeys
    five_journeys()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(page)
    # when the journey page is opened
    page.goto(f"{page.base_url}/journeys/")
    expect(page.locator("h1")).to_contain_text("Customer journeys")
    # then each tab, once shown, holds a drawn chart
    for tab, chart in TABS:
        page.click(f"#tab-{tab}-button")
        box = page.locator(f'[data-chart="{chart}"]')
        expect(box.locator("svg").first).to_be_visible()
        screenshot(page, f"journeys-{tab}")
    # and the Sankey names the outcome, the cohort table and help are there
    page.click("#tab-first-button")
    expect(page.locator('[data-chart="first_purchase"]')).to_contain_text("First purchase")
    page.click("#tab-cohorts-button")
    expect(page.locator("#cohort-table")).to_contain_text("M24")
    assert errors == []


def test_filters_and_a_tab_in_the_address(page, sales_user) -> None:  # type: ignore[no-untyped-def]
    five_journeys()
    login(page)
    # when channels are chosen as path steps, two steps, and the page reloaded on a tab
    page.goto(f"{page.base_url}/journeys/")
    page.select_option("#id_node", "channel")
    page.fill("#id_steps", "2")
    page.click("#journey-filters button[type=submit]")
    expect(page.locator('[data-chart="first_purchase"]')).to_contain_text("Step 2: Phone")
    page.goto(page.url + "#tab-switching")
    page.reload()
    # then the switching tab is open with its heatmap
    expect(page.locator("#tab-switching")).to_have_class("tab-pane fade card-body active show")
    expect(page.locator('[data-chart="switching"] svg').first).to_be_visible()
