"""Building a segment in the rule builder: conditions, an OR group, the live count, saving,
and the persona page with its charts."""

from __future__ import annotations

from django.core.cache import cache

from tests.browser.conftest import login, screenshot
from tests.engagement.segment_support import build_world, user_with_segment_rights


def _count(page) -> str:  # type: ignore[no-untyped-def]
    return str(page.get_attribute("#segment-count", "data-count"))


def _wait_for_count(page, expected: str) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector(f'#segment-count[data-count="{expected}"]')


def test_build_a_segment_with_an_or_group_and_open_its_persona(page) -> None:  # type: ignore[no-untyped-def]
    # given four known customers (Anna: Top, recent; Ben: Big, quiet) and a marketer
    cache.clear()  # the persona's figures for all customers are cached
    build_world()
    user_with_segment_rights("mara")
    login(page, "mara", "a-long-test-password")
    # when a new segment is started with the condition "tier is Top or Big"
    page.goto(f"{page.base_url}/segments/new/")
    page.fill("#id_name", "Valuable, keep close")
    page.click("#sb-root-add-condition")
    page.select_option("#sb-1-field", "tier")
    page.click("label[for=sb-1-choice-0]")
    # then the live count shows Anna
    _wait_for_count(page, "1")
    page.click("label[for=sb-1-choice-1]")
    _wait_for_count(page, "2")
    # when an OR group is added with "last order in the last 90 days"
    page.click("#sb-root-add-group")
    page.select_option("#sb-2-1-field", "last_order")
    _wait_for_count(page, "1")
    assert "Anna" in page.inner_text("#preview-table")
    # and its operator is turned into "not in the last 90 days"
    page.select_option("#sb-2-1-op", "not_within_last")
    page.wait_for_selector("#preview-table:has-text('Ben')")
    assert _count(page) == "1"
    # and the group gets a second condition, "can't lose them", joined by OR
    page.select_option("#sb-2-match", "any")
    page.click("#sb-2-add-condition")
    page.select_option("#sb-2-2-field", "cant_lose")
    _wait_for_count(page, "2")
    assert page.locator(".sb-nested .sb-joiner").inner_text().strip().lower() == "or"
    screenshot(page, "segment-builder")
    # when saved
    page.click("#save-segment")
    # then the persona page opens with the count and charts against all customers
    page.wait_for_selector("#persona-card")
    assert page.inner_text("h1") == "Valuable, keep close"
    assert page.inner_text("#persona-count") == "2"
    assert "50.00%" in page.inner_text("#persona-share")
    page.wait_for_selector('[data-chart="tier"] svg')
    # and the persona gets a name
    page.click("#persona-edit-toggle")
    page.fill("#id_persona_name", "Loyal Lotte")
    page.click("#persona-save")
    page.wait_for_selector("#persona-name:has-text('Loyal Lotte')")
    screenshot(page, "segment-persona")
