"""The dashboard in a real Chromium: the charts draw without script errors, a click on a
heatmap cell opens the customers behind it, and the period selector switches periods."""

from __future__ import annotations

from relata.accounts.roles import SALES
from tests.browser.conftest import login, screenshot
from tests.scoring.pages_support import scored_demo, user_in

CHARTS = ("pyramid", "pareto", "migration", "rfm", "clv", "lifecycle", "grid")


def test_dashboard_charts_draw_and_a_heatmap_cell_opens_its_customers(page) -> None:  # type: ignore[no-untyped-def]
    # given two scored periods and a sales user
    scored = scored_demo()
    user_in(SALES, "sophie")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(page, "sophie", "a-long-test-password")
    # when the dashboard is opened
    page.goto(f"{page.base_url}/value/")
    # then every chart draws into its box, without script errors
    for name in CHARTS:
        page.wait_for_selector(f'[data-chart="{name}"] svg path', state="attached")
    assert errors == []
    screenshot(page, "value-dashboard")
    # when the busiest migration cell is clicked
    counts = scored.run.summary["migration"]["counts"]
    source, target = max(
        ((i, j) for i in range(6) for j in range(6)), key=lambda cell: counts[cell[0]][cell[1]]
    )
    box = page.locator('[data-chart="migration"]').bounding_box()
    x, y = page.evaluate(
        """([x, y]) => {
            const box = document.querySelector('[data-chart="migration"]');
            const chart = echarts.getInstanceByDom(box);
            return chart.convertToPixel({seriesIndex: 0}, [x, y]);
        }""",
        [target, source],
    )
    page.mouse.click(box["x"] + x, box["y"] + y)
    # then the list of exactly those customers opens
    page.wait_for_url(
        f"**/value/customers/?run={scored.run.pk}&from_state={source}&to_state={target}"
    )
    total = counts[source][target]
    assert f"of {total:,}" in page.locator(".card-footer").inner_text()
    # when an earlier period is chosen on the dashboard
    page.goto(f"{page.base_url}/value/")
    page.select_option("#period", str(scored.earlier.pk))
    # then the dashboard shows that period
    page.wait_for_url(f"**/value/?run={scored.earlier.pk}")
    assert "Dec 31, 2025" in page.locator("h1 + div").inner_text().replace(".", "")
