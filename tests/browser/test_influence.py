"""The influence and loyalty-quadrant pages and the influence card in a real Chromium: the
charts draw without script errors, the low-spend tab and a quadrant's list open, and the
customer file shows the card."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from relata.accounts.roles import SALES
from relata.scoring.choices import QuadrantChoice, TierChoice
from tests.browser.conftest import login, screenshot
from tests.feedback.test_influence_pages import customer, make_run, snap
from tests.scoring.pages_support import user_in

SETTINGS_USED = {
    "clv_basis": "clv_probabilistic",
    "reach_rate": 0.02,
    "reach_conversion": 0.01,
    "reach_customer_value": None,
    "reach_customer_value_used": 350.0,
    "reach_customer_value_source": "average_clv",
}


def scored_voices() -> dict[str, int]:
    """Forty customers over the quadrants and tiers, a vlogger among them."""
    earlier = make_run(period_end=date(2025, 12, 31), settings_used=SETTINGS_USED)
    run = make_run(settings_used=SETTINGS_USED)
    quadrants = list(QuadrantChoice)
    tiers = (TierChoice.TOP, TierChoice.BIG, TierChoice.MEDIUM, TierChoice.SMALL)
    for i in range(40):
        person = customer(f"Voice{i}")
        quadrant = quadrants[i % 5]
        known = quadrant != QuadrantChoice.UNKNOWN
        snap(earlier, person, loyalty_quadrant=quadrants[(i + 1) % 5])
        snap(
            run,
            person,
            tier=tiers[i % 4],
            influence_score=(i * 7) % 90,
            advocacy_value=Decimal(i * 40),
            clv_probabilistic=Decimal(i * 55),
            holistic_value=Decimal(i * 95),
            loyalty_quadrant=quadrant,
            attitudinal_loyalty=((i * 13) % 100) / 100 if known else None,
            behavioural_loyalty=((i * 29) % 100) / 100,
        )
    vlogger = customer("Vlogger")
    snap(
        run,
        vlogger,
        tier=TierChoice.SMALL,
        influence_score=88,
        advocacy_value=Decimal(4200),
        clv_probabilistic=Decimal(90),
        holistic_value=Decimal(4290),
        nps_latest=10,
        loyalty_quadrant=QuadrantChoice.LATENT,
        attitudinal_loyalty=1.0,
        behavioural_loyalty=0.2,
    )
    return {"run": run.pk, "vlogger": vlogger.pk}


def test_influence_quadrant_and_card_render(page) -> None:  # type: ignore[no-untyped-def]
    # given scored customers with influence and a sales user
    world = scored_voices()
    user_in(SALES, "sophie")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(page, "sophie", "a-long-test-password")
    # when the influence page is opened
    page.goto(f"{page.base_url}/influence/")
    # then the scatter draws, the assumptions and the table are there
    page.wait_for_selector('[data-chart="influence"] canvas', state="attached")
    assert "Vlogger" in page.locator("#influence-table").inner_text()
    assert "2%" in page.locator("#reach-assumptions").inner_text()
    screenshot(page, "influence")
    # when the low-spend tab is chosen
    page.click("#tab-low-spend")
    # then its rule is stated and the vlogger leads the list
    page.wait_for_selector("#low-spend-rule")
    first = page.locator("#influence-table tbody tr").first.inner_text()
    assert "Vlogger" in first and "88" in first
    # when the loyalty-quadrant page is opened
    page.goto(f"{page.base_url}/loyalty-quadrant/")
    # then the grid, the scatter and the movement table are there
    page.wait_for_selector('[data-chart="quadrant"] canvas', state="attached")
    assert "True loyal" in page.locator("#quadrant-grid").inner_text()
    assert page.locator("#quadrant-movement table").count() == 1
    screenshot(page, "loyalty-quadrant")
    # when a quadrant's count is clicked
    page.click(f"#quadrant-{int(QuadrantChoice.LATENT)} .count a")
    # then the list of that quadrant opens
    page.wait_for_url(f"**/loyalty-quadrant/customers/?run={world['run']}&quadrant=3")
    assert "Vlogger" in page.locator("#quadrant-customers").inner_text()
    # when the vlogger's file is opened
    page.goto(f"{page.base_url}/customers/{world['vlogger']}/")
    # then the influence card shows the score, the values and the quadrant's advice
    card = page.locator("#influence-card")
    assert "88" in card.locator("#influence-score").inner_text()
    assert "€ 4,290" in card.locator("#holistic-value").inner_text()
    assert "Latent" in card.inner_text()
    screenshot(page, "influence-card")
    assert errors == []
