from __future__ import annotations

from django.core.cache import cache
from playwright.sync_api import expect

from tests.browser.conftest import login, screenshot
from tests.feedback.satisfaction_support import RANGE, Answers, at, delivery_out_of_control, month


def test_satisfaction_page_draws_charts_and_the_control_table(page, sales_user) -> None:  # type: ignore[no-untyped-def]
    login(page)
    # given a year of CSAT answers with delivery by phone out of control in the last month,
    # NPS answers every month and a detractor comment with markup in it
    cache.clear()
    answers = Answers()
    for offset in range(-12, 1):
        for nps in (10, 9, 9, 8, 7, 6, 3) if offset else (9, 6, 5, 3, 2):
            answers.add(nps=nps, csat=None, answered_at=at(month(offset)))
    answers.add(nps=1, csat=None, comment="<b>Never</b> again", answered_at=at(month(0)))
    delivery_out_of_control(answers)

    # when the page is opened for that year
    query = "&".join(f"{key}={value.isoformat()}" for key, value in RANGE.items())
    page.goto(f"{page.base_url}/satisfaction/?{query}")

    # then the NPS chart, the distribution and the control chart are drawn
    expect(page.locator('[data-chart="nps"] svg')).to_have_count(1)
    expect(page.locator('[data-chart="distribution"] svg')).to_have_count(1)
    expect(page.locator('[data-chart="control"] svg')).to_have_count(1)
    # the table has a row per touchpoint, delivery out of control and opened in the chart
    expect(page.locator("#control-table tbody tr")).to_have_count(2)
    expect(page.locator("#control-row-delivery")).to_contain_text("Out of control")
    expect(page.locator("#control-row-service")).to_contain_text("In control")
    expect(page.locator("#control-chart-title")).to_have_text("Delivery · all channels")
    expect(page.locator("#control-row-delivery")).to_have_class("selected")
    expect(page.locator("#stat-out-of-control")).to_have_text("1")
    # the comment is shown as text
    expect(page.locator("#detractor-comments")).to_contain_text("<b>Never</b> again")
    screenshot(page, "satisfaction")

    # when another row is clicked, its control chart is shown
    page.locator("#control-row-service").click()
    expect(page.locator("#control-chart-title")).to_have_text("Service · all channels")
    expect(page.locator("#control-chart-status")).to_have_text("In control")
    # and a cell's badge shows that cell
    page.locator("#control-row-delivery td >> nth=0").locator(".control-pick").click()
    expect(page.locator("#control-chart-title")).to_have_text("Delivery · Phone")
    screenshot(page, "satisfaction-cell")
