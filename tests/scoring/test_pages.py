"""The customer-value dashboard and the customer lists behind its numbers."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth.models import Permission, User
from django.http import QueryDict
from django.test import Client

from relata.scoring import dashboard, drilldown
from relata.scoring.choices import TierChoice
from relata.scoring.forms import DrillDownForm
from relata.scoring.models import CustomerSnapshot, RunStatus, ScoreRun
from tests.scoring.pages_support import admin_client, sales_client, scored_demo

# Tier → migration-matrix state, written out independently of the code under test.
STATE_OF_TIER = {1: 0, 2: 1, 3: 2, 4: 3, 5: 4, 6: 5, 7: 5, None: 5, 0: 5}


def _ids(queryset) -> set[int]:  # type: ignore[no-untyped-def]
    return set(queryset.values_list("customer_id", flat=True))


def _behind(run: ScoreRun, query: str) -> set[int]:
    """The customers a dashboard link (its query string) lists, through the form and selector
    the list page uses."""
    form = DrillDownForm(QueryDict(query))
    assert form.is_valid(), form.errors
    return _ids(drilldown.drilldown_snapshots(run=run, filters=form.drill_filter()))


@pytest.mark.django_db
def test_dashboard_needs_login() -> None:
    # when an anonymous visitor opens the dashboard
    response = Client().get("/value/")
    # then they are sent to the login page
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_empty_state_tells_to_run_score_and_offers_admins_a_button() -> None:
    # given no score run
    sales, admin = sales_client(), admin_client()
    # when a sales user and an administrator open the dashboard
    for_sales = sales.get("/value/").content.decode()
    for_admin = admin.get("/value/").content.decode()
    # then both are told to run `relata score`, and only the administrator can start it here
    assert "relata score" in for_sales and "relata score" in for_admin
    assert 'action="/value/score/"' not in for_sales
    assert 'action="/value/score/"' in for_admin


@pytest.mark.django_db
def test_score_now_scores_for_admins_only() -> None:
    # given demo customers and no score run
    from relata.demo.services import demo_data_load

    demo_data_load(customers=40, years=2, seed=1)
    sales, admin = sales_client(), admin_client()
    # when a sales user posts "score now"
    refused = sales.post("/value/score/")
    # then it is refused and nothing is scored
    assert refused.status_code == 403
    assert not ScoreRun.objects.exists()
    # when an administrator does
    response = admin.post("/value/score/", follow=True)
    # then today's period is scored and the dashboard says so
    run = ScoreRun.objects.get(status=RunStatus.COMPLETE)
    assert run.customers == 40
    assert "40 customers scored" in response.content.decode()
    assert response.context["dashboard"].run == run


@pytest.mark.django_db
def test_dashboard_shows_the_latest_period_from_its_summary(
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    # given two scored periods
    scored = scored_demo()
    client = sales_client()
    # when the dashboard is opened, it reads the summary and three short lists only (and,
    # for its lists, whether sales see only their own accounts: one read, decision 0990)
    with django_assert_max_num_queries(12):
        response = client.get("/value/")
    # then it shows the latest period, every tier of the pyramid with a link to its customers
    assert response.status_code == 200
    page = response.content.decode()
    board = response.context["dashboard"]
    assert board.run == scored.run
    for row in scored.run.summary["pyramid"]:
        link = f"/value/customers/?run={scored.run.pk}&amp;tier={row['tier']}"
        assert f'<a href="{link}">{row["customers"]:,}</a>' in page
    # and the period selector offers both periods
    assert f'<option value="{scored.earlier.pk}"' in page
    # and the model card names the fitted parameters
    if "fallback" not in scored.run.model_fit:
        assert "alpha" in page and "Gamma-Gamma" in page
    # and the charts get their data as JSON, no inline script
    data = json.loads(
        re.search(
            r'<script id="value-dashboard-data" type="application/json">(.*?)</script>',
            page,
            re.S,
        ).group(1)  # type: ignore[union-attr]
    )
    assert len(data["migration"]["cells"]) == 36
    assert len(data["rfm"]) == 25
    assert sum(b["customers"] for b in data["clv"]) == scored.run.summary["active_customers"]
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", page)


@pytest.mark.django_db
def test_period_selector_shows_an_earlier_period() -> None:
    # given two scored periods
    scored = scored_demo()
    client = sales_client()
    # when the earlier one is chosen
    response = client.get(f"/value/?run={scored.earlier.pk}")
    # then the dashboard shows it
    assert response.context["dashboard"].run == scored.earlier
    # and an unknown period falls back to the latest with a message
    fallback = client.get("/value/?run=999999")
    assert fallback.context["dashboard"].run == scored.run
    assert "no complete score run" in fallback.content.decode()
    # and a run that is no number an id column holds shows the latest too, never an error
    for junk in ("²", "9" * 30):
        assert client.get("/value/", {"run": junk}).context["dashboard"].run == scored.run


@pytest.mark.django_db
def test_every_dashboard_number_lists_exactly_its_customers() -> None:
    # given a scored period
    scored = scored_demo()
    run = scored.run
    board = dashboard.dashboard_build(run=run)
    snapshots = CustomerSnapshot.objects.filter(run=run)
    # then every count on the dashboard equals the customers its link lists
    numbers = [(row.customers, row.query) for row in board.pyramid]
    numbers += [(cell.customers, cell.query) for row in board.migration for cell in row.cells]
    numbers += [(cell.customers, cell.query) for _r, row in board.rfm_rows for cell in row]
    for rows in (board.rfm_segments, board.lifecycle, board.value_grid, board.churn_levels):
        numbers += [(row.customers, row.query) for row in rows]
    numbers += [
        (board.risk_count, "risk=1"),
        (board.cant_lose_count, "cant_lose=1"),
        (board.loss_making_count, "loss_making=1"),
        (board.active_customers, "active=1"),
    ]
    for count, query in numbers:
        assert len(_behind(run, query)) == count, query
    assert sum(row.customers for row in board.pyramid) == snapshots.count()


@pytest.mark.django_db
def test_each_drilldown_filter_returns_the_right_customers() -> None:
    # given a scored period
    scored = scored_demo()
    run = scored.run
    snapshots = CustomerSnapshot.objects.filter(run=run)
    everyone = list(snapshots.values("customer_id", "tier", "previous_tier", "r_score", "f_score"))
    # then each filter lists the customers a direct snapshot query finds
    for code in TierChoice.values:
        assert _behind(run, f"tier={code}") == _ids(snapshots.filter(tier=code))
    for param, field in (
        ("rfm_segment", "rfm_segment"),
        ("stage", "lifecycle_stage"),
        ("grid", "value_grid"),
        ("churn_level", "churn_level"),
        ("movement", "movement"),
    ):
        for code in set(snapshots.values_list(field, flat=True)):
            assert _behind(run, f"{param}={code}") == _ids(snapshots.filter(**{field: code}))
    assert _behind(run, "cant_lose=1") == _ids(snapshots.filter(cant_lose=True))
    assert _behind(run, "loss_making=1") == _ids(snapshots.filter(loss_making=True))
    assert _behind(run, "risk=1") == _ids(snapshots.filter(risk=True))
    assert _behind(run, "active=1") == _ids(snapshots.filter(tier__lte=4))
    assert _behind(run, "tier=4&churn_level=3") == _ids(snapshots.filter(tier=4, churn_level=3))
    for source in range(6):
        for target in range(6):
            expected = {
                s["customer_id"]
                for s in everyone
                if STATE_OF_TIER[s["previous_tier"]] == source
                and STATE_OF_TIER[s["tier"]] == target
            }
            assert _behind(run, f"from_state={source}&to_state={target}") == expected
    for r in range(1, 6):
        for f in range(1, 6):
            expected = {
                s["customer_id"] for s in everyone if (s["r_score"], s["f_score"]) == (r, f)
            }
            assert _behind(run, f"r={r}&f={f}") == expected
    # and a CLV band lists the active customers whose CLV lies in it
    band = _behind(run, "active=1&clv_min=100&clv_max=500")
    assert band == _ids(
        snapshots.filter(tier__lte=4, clv_probabilistic__gte=100, clv_probabilistic__lt=500)
    )


@pytest.mark.django_db
def test_null_previous_tier_counts_as_not_a_customer() -> None:
    # given a snapshot without a previous tier (no snapshot a period earlier)
    scored = scored_demo(customers=40)
    snapshot = CustomerSnapshot.objects.filter(run=scored.run).first()
    assert snapshot is not None
    CustomerSnapshot.objects.filter(pk=snapshot.pk).update(previous_tier=None)
    state = STATE_OF_TIER[snapshot.tier]
    # then the migration row "Not a customer" lists it
    assert snapshot.customer_id in _behind(scored.run, f"from_state=5&to_state={state}")


@pytest.mark.django_db
def test_customer_list_page_shows_the_customers_with_links_and_the_filter() -> None:
    # given a scored period
    scored = scored_demo()
    run = scored.run
    client = sales_client()
    small = CustomerSnapshot.objects.filter(run=run, tier=TierChoice.SMALL)
    # when the Small tier is listed by revenue
    response = client.get(f"/value/customers/?run={run.pk}&tier=4&sort=-revenue")
    # then the page says so, counts them all and shows the biggest spenders first, linked
    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.count == small.count()
    listed = [s.revenue for s in page.object_list]
    assert listed == sorted(listed, reverse=True)
    assert listed[0] == max(small.values_list("revenue", flat=True))
    html = response.content.decode()
    assert "Tier: <strong>Small</strong>" in html
    assert f'href="/customers/{page.object_list[0].customer_id}/"' in html
    # and sorting the other way round reverses the order
    ascending = client.get(f"/value/customers/?run={run.pk}&tier=4&sort=revenue")
    first = ascending.context["page"].object_list[0]
    assert first.revenue == min(small.values_list("revenue", flat=True))


@pytest.mark.django_db
def test_customer_list_htmx_request_gets_the_results_only() -> None:
    # given a scored period
    scored = scored_demo(customers=40)
    client = sales_client()
    # when htmx asks for the next page
    response = client.get(f"/value/customers/?run={scored.run.pk}", HTTP_HX_REQUEST="true")
    # then only the results fragment comes back
    html = response.content.decode()
    assert "<table" in html and '<nav class="navbar' not in html
    assert response["Vary"].count("HX-Request") == 1


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("tier=99", "Tier (tier)"),
        ("r=9", "R score (r)"),
        ("clv_min=lots", "CLV from (clv_min)"),
        ("from_state=8", "Tier in the previous period (from_state)"),
    ],
)
@pytest.mark.django_db
def test_bad_list_parameters_get_a_message_naming_them(query: str, named: str) -> None:
    # given a scored period
    scored_demo(customers=40)
    # when a list is asked for with a bad parameter
    response = sales_client().get(f"/value/customers/?{query}")
    # then the answer is a clear message naming it, not a server error
    assert response.status_code == 400
    assert named in response.content.decode()


@pytest.mark.django_db
def test_unknown_sort_falls_back_to_revenue() -> None:
    # given a scored period
    scored = scored_demo(customers=60)
    # when a list is sorted by something unknown
    response = sales_client().get(f"/value/customers/?run={scored.run.pk}&sort=drop_table")
    # then it is sorted by revenue, highest first
    listed = [s.revenue for s in response.context["page"].object_list]
    assert listed == sorted(listed, reverse=True)


@pytest.mark.django_db
def test_list_without_any_run_says_so() -> None:
    # given nothing scored
    client = sales_client()
    # when a list is opened
    response = client.get("/value/customers/?tier=1")
    # then it says customers have not been scored
    assert response.status_code == 404
    assert "not been scored" in response.content.decode()


@pytest.mark.django_db
def test_customer_lists_need_the_view_customer_permission() -> None:
    # given a scored period and a user who may read scores but not customers
    scored_demo(customers=40)
    client = Client()
    reader = User.objects.create_user("nobody", password="a-long-test-password")
    reader.user_permissions.add(
        Permission.objects.get(content_type__app_label="scoring", codename="view_customersnapshot")
    )
    client.force_login(reader)
    # then the dashboard opens, but customer lists and exports are refused
    assert client.get("/value/").status_code == 200
    assert client.get("/value/customers/").status_code == 403
    assert client.get("/value/customers/export.csv").status_code == 403


@pytest.mark.django_db
def test_risk_list_puts_cant_lose_first_then_churn_risk() -> None:
    # given a scored period
    scored = scored_demo()
    # when the dashboard's risk list is read
    risky = dashboard.risk_customers(run=scored.run)
    # then it holds risk customers (the set its "all" link lists), can't-lose first
    assert risky
    assert all(s.risk for s in risky)
    keys = [(s.cant_lose, s.churn_risk, s.revenue) for s in risky]
    assert keys == sorted(keys, reverse=True)
    candidates = CustomerSnapshot.objects.filter(run=scored.run, risk=True)
    top = candidates.order_by("-cant_lose", "-churn_risk", "-revenue").first()
    assert top is not None and (risky[0].cant_lose, risky[0].churn_risk) == (
        top.cant_lose,
        top.churn_risk,
    )
    # and the loss-making list starts with the biggest loss
    losses = dashboard.loss_making_customers(run=scored.run)
    assert all(s.loss_making for s in losses)
    assert [s.profit for s in losses] == sorted(s.profit for s in losses)
