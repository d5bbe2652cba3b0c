"""The loyalty-quadrant page: counts and shares per quadrant with what to do, movement since
the previous run, the scatter sample, the customer list per quadrant with CSV, and the
empty states."""

from __future__ import annotations

import html
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client

from relata.accounts.roles import roles_sync
from relata.feedback import quadrant_selectors as reads
from relata.feedback import quadrant_views
from relata.scoring.choices import QuadrantChoice as Q
from relata.scoring.models import ScoreRun
from tests.feedback.test_influence_pages import csv_rows, customer, make_run, sales, snap
from tests.scoring.pages_support import client_for

pytestmark = pytest.mark.django_db

EARLIER = date(2025, 12, 31)

#: (name, quadrant now, quadrant a period earlier or None, revenue, CLV)
CUSTOMERS = (
    ("Loyal1", Q.TRUE_LOYAL, Q.TRUE_LOYAL, "500", "1000"),
    ("Loyal2", Q.TRUE_LOYAL, Q.LATENT, "300", "600"),
    ("Captive1", Q.CAPTIVE, Q.TRUE_LOYAL, "400", "800"),
    ("Latent1", Q.LATENT, Q.NONE, "50", "100"),
    ("None1", Q.NONE, Q.NONE, "20", "40"),
    ("Unknown1", Q.UNKNOWN, Q.UNKNOWN, "30", "60"),
    ("Unknown2", Q.UNKNOWN, None, "100", "200"),
    ("Unknown3", Q.UNKNOWN, Q.UNKNOWN, "0", "0"),
)
ATTITUDE = {Q.TRUE_LOYAL: 0.95, Q.CAPTIVE: 0.4, Q.LATENT: 0.9, Q.NONE: 0.3, Q.UNKNOWN: None}
BEHAVIOUR = {Q.TRUE_LOYAL: 0.8, Q.CAPTIVE: 0.7, Q.LATENT: 0.2, Q.NONE: 0.1, Q.UNKNOWN: 0.3}


def quadrant_world() -> tuple[ScoreRun, ScoreRun]:
    earlier = make_run(period_end=EARLIER)
    run = make_run()
    for name, now, before, revenue, clv in CUSTOMERS:
        person = customer(name)
        if before is not None:
            snap(earlier, person, loyalty_quadrant=before, attitudinal_loyalty=ATTITUDE[before])
        snap(
            run,
            person,
            loyalty_quadrant=now,
            attitudinal_loyalty=ATTITUDE[now],
            behavioural_loyalty=BEHAVIOUR[now],
            revenue=Decimal(revenue),
            clv_probabilistic=Decimal(clv),
        )
    run.refresh_from_db()
    return run, earlier


def test_overview_counts_and_shares_per_quadrant() -> None:
    # given eight customers in the five groups
    run, _earlier = quadrant_world()
    # when the overview is read
    summary = reads.quadrant_overview(run=run)
    # then it counts each group, with shares of all and of those whose attitude is known
    counts = {code: row.customers for code, row in summary.rows.items()}
    assert counts == {Q.UNKNOWN: 3, Q.TRUE_LOYAL: 2, Q.CAPTIVE: 1, Q.LATENT: 1, Q.NONE: 1}
    assert (summary.customers, summary.known) == (8, 5)
    loyal = summary.rows[Q.TRUE_LOYAL]
    assert (loyal.pct, loyal.pct_known) == (25.0, 40.0)
    assert summary.unknown.pct_known is None
    # and the revenue share and average CLV per group
    assert loyal.pct_revenue == round(100 * 800 / 1400, 1)
    assert loyal.average_clv == Decimal(800)
    # and the grid is drawn attitude high on top, behaviour high on the right
    assert [[row.code for row in line] for line in summary.grid] == [
        [Q.LATENT, Q.TRUE_LOYAL],
        [Q.NONE, Q.CAPTIVE],
    ]


def test_movement_counts_customers_per_earlier_and_current_quadrant() -> None:
    # given two runs
    run, earlier = quadrant_world()
    # when the movement is read
    movement = reads.quadrant_movement(run=run, previous=earlier)
    # then each customer is counted once, from their earlier quadrant to the current one
    assert movement is not None
    assert movement.cell(Q.TRUE_LOYAL, Q.CAPTIVE) == 1
    assert movement.cell(Q.LATENT, Q.TRUE_LOYAL) == 1
    assert movement.cell(Q.TRUE_LOYAL, Q.TRUE_LOYAL) == 1
    assert movement.cell(None, Q.UNKNOWN) == 1  # not scored in the earlier run
    assert sum(movement.counts.values()) == 8
    assert movement.moved == 3  # the customer not scored before does not count
    # and without a previous run there is no movement
    assert reads.quadrant_movement(run=run, previous=None) is None


def test_scatter_holds_only_customers_with_a_known_attitude() -> None:
    # given the quadrant world
    run, _earlier = quadrant_world()
    # when the scatter is read
    scatter = reads.quadrant_scatter(run=run, known=5)
    # then it holds the five with a known attitude, as (behaviour, attitude, id, number, code)
    assert len(scatter.points) == 5 and not scatter.sampled
    assert {point[4] for point in scatter.points} == {Q.TRUE_LOYAL, Q.CAPTIVE, Q.LATENT, Q.NONE}
    assert all(point[1] is not None for point in scatter.points)


def test_page_shows_the_grid_with_actions_movement_and_links() -> None:
    # given the quadrant world
    run, earlier = quadrant_world()
    # when a sales user opens the page
    response = sales().get("/loyalty-quadrant/")
    # then every quadrant is there with its count linking to its customers, and what to do
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    for code, count in ((Q.TRUE_LOYAL, 2), (Q.CAPTIVE, 1), (Q.LATENT, 1), (Q.NONE, 1)):
        assert f'id="quadrant-{code}"' in page
        link = f"/loyalty-quadrant/customers/?run={run.pk}&quadrant={code}"
        assert f'href="{link}">{count}</a>' in page
    assert "ask for referrals and reviews" in page
    assert "before a competitor frees them" in page
    assert "reasons and occasions to buy" in page
    assert "Don't over-invest" in page
    # and the unknown group is separate, with the advice to survey them
    assert 'id="quadrant-0"' in page and "Send them a survey" in page
    # and the movement since the earlier run, and the chart data as JSON
    assert 'id="quadrant-movement"' in page
    assert "3 customers scored in both periods changed quadrant" in page
    assert response.context["movement"].previous == earlier
    assert 'id="quadrant-data" type="application/json"' in page
    # whose axis names match the percent ticks (no "0–1" scale in the name)
    labels = response.context["chart_data"]["labels"]
    assert (labels["attitudinal"], labels["behavioural"]) == (
        "Attitudinal loyalty",
        "Behavioural loyalty",
    )
    # and a CSV link per quadrant
    assert f"/loyalty-quadrant/customers/export.csv?run={run.pk}&quadrant={Q.CAPTIVE}" in page


def test_page_empty_states() -> None:
    # given no score run
    client = sales()
    # when the page is opened
    empty = client.get("/loyalty-quadrant/").content.decode()
    # then it says how to get scores
    assert 'id="no-scores"' in empty
    # given a first run in which no attitude is known
    run = make_run()
    snap(run, customer("Silent"))
    # when the page is opened
    page = client.get("/loyalty-quadrant/").content.decode()
    # then it says attitude comes from surveys, and movement shows from the next period
    assert 'id="no-attitude"' in page
    assert "This is the first scored period" in page


def test_survey_link_is_the_first_page_that_exists(monkeypatch: pytest.MonkeyPatch) -> None:
    # given survey URL names of which only the second resolves
    monkeypatch.setattr(quadrant_views, "SURVEY_URL_NAMES", ("nowhere:list", "influence:overview"))
    # then the link goes there
    assert quadrant_views.survey_url() == "/influence/"
    # and with none resolving there is no link rather than an error
    monkeypatch.setattr(quadrant_views, "SURVEY_URL_NAMES", ("nowhere:list",))
    assert quadrant_views.survey_url() == ""


def test_customer_list_per_quadrant_pages_and_exports() -> None:
    # given the quadrant world
    quadrant_world()
    client = sales()
    # when the captive customers are listed
    response = client.get("/loyalty-quadrant/customers/", {"quadrant": Q.CAPTIVE})
    # then only they are listed, under the quadrant's advice
    page = html.unescape(response.content.decode())
    assert [s.customer.last_name for s in response.context["page"]] == ["Captive1"]
    assert "before a competitor frees them" in page
    # when the unknown group is listed, sorted by NPS
    unknown = client.get("/loyalty-quadrant/customers/", {"quadrant": Q.UNKNOWN, "sort": "-nps"})
    assert len(unknown.context["page"].object_list) == 3
    # and all quadrants, by CLV (the default), highest first
    everyone = client.get("/loyalty-quadrant/customers/")
    clvs = [s.clv_probabilistic for s in everyone.context["page"]]
    assert clvs == sorted(clvs, reverse=True) and len(clvs) == 8
    # when the true loyal are exported
    rows = csv_rows(
        client.get("/loyalty-quadrant/customers/export.csv", {"quadrant": Q.TRUE_LOYAL})
    )
    # then the CSV holds exactly them
    assert sorted(row[1].split()[-1] for row in rows[1:]) == ["Loyal1", "Loyal2"]
    assert {row[4] for row in rows[1:]} == {"True loyal"}
    # and a bad quadrant names the field
    bad = client.get("/loyalty-quadrant/customers/", {"quadrant": "7"})
    assert bad.status_code == 400 and "Loyalty quadrant (quadrant)" in bad.content.decode()
    # and an htmx request gets the table only
    partial = client.get("/loyalty-quadrant/customers/", HTTP_HX_REQUEST="true")
    assert b'id="quadrant-customers"' in partial.content and b"<html" not in partial.content


def test_pages_need_the_permission_to_see_scores() -> None:
    # given a user without any role
    roles_sync()
    nobody = User.objects.create_user("nora", password="a-long-test-password")
    client = client_for(nobody)
    # then every quadrant page refuses them, and asks an anonymous visitor to log in
    for url in (
        "/loyalty-quadrant/",
        "/loyalty-quadrant/customers/",
        "/loyalty-quadrant/customers/export.csv",
    ):
        assert client.get(url).status_code == 403
        assert Client().get(url).status_code == 302
