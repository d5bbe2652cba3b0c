"""/api/scores and /api/customers/{id}/scores: runs, a customer's snapshots, the pyramid,
the migration matrix, the RFM grid and the filtered list of scored customers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import timezone, translation

from relata.accounts.models import AccessSettings, ApiToken
from relata.analytics.migration import MigrationState
from relata.api.schemas.scores import MIGRATION_STATE_LABELS
from relata.audit.capture import capture_suppressed
from relata.contacts.models import ContactMoment
from relata.customers.models import Customer, CustomerKind
from relata.sales.models import Order, OrderLine, Product, ProductCategory
from relata.sales.services import LineInput, order_create
from relata.scoring.choices import (
    ChurnLevelChoice,
    GridChoice,
    MovementChoice,
    QuadrantChoice,
    RfmSegmentChoice,
    StageChoice,
    TierChoice,
)
from relata.scoring.models import CustomerSnapshot, RunStatus, ScoreRun, ScoringSettings
from relata.scoring.services import score_run_create
from tests.api.conftest import ApiClient, error_locs, user_with_role
from tests.factories import ContactMomentFactory, CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db

LAST_YEAR = date(2024, 12, 31)
THIS_YEAR = date(2025, 12, 31)
SKU = "SCORES-API-1"

RUN_PATHS = [
    "/api/scores/tiers",
    "/api/scores/migration",
    "/api/scores/rfm",
    "/api/scores/customers",
]
LABELLED = {
    "tier": TierChoice,
    "movement": MovementChoice,
    "rfm_segment": RfmSegmentChoice,
    "value_grid": GridChoice,
    "churn_level": ChurnLevelChoice,
    "lifecycle_stage": StageChoice,
    "loyalty_quadrant": QuadrantChoice,
}
MONEY = (
    "revenue", "margin", "previous_revenue", "clv_formula", "clv_discounted",
    "clv_probabilistic", "current_value", "potential_value", "cost_to_serve", "profit",
    "advocacy_value", "holistic_value",
)  # fmt: skip


@dataclass
class Scored:
    """A small customer file scored for two year-end periods."""

    big: Customer
    regular: Customer
    lapsed: Customer
    newcomer: Customer
    costly: Customer
    prospect: Customer
    unscored: Customer
    earlier: ScoreRun
    latest: ScoreRun


def buy(customer: Customer, product: Product, day: date, quantity: int = 1) -> None:
    order_create(
        customer=customer,
        lines=[LineInput(product=product, quantity=Decimal(quantity))],
        order_date=day,
    )


def build_scored_file() -> Scored:
    product = ProductFactory(sku=SKU, price=Decimal("100.00"), unit_cost=Decimal("60.00"))

    def customer(number: str, **fields: Any) -> Customer:
        # Scoring counts the customers known at the period end.
        known = timezone.make_aware(datetime(2023, 6, 1))
        created: Customer = CustomerFactory(customer_number=number, created_at=known, **fields)
        return created

    big = customer("BIG", kind=CustomerKind.ORGANISATION, organisation_name="Bakker BV")
    regular = customer("REG", first_name="Rita", last_name="Regular")
    lapsed = customer("LAP", first_name="Lars", last_name="Lapsed")
    newcomer = customer("NEW", first_name="Nina", last_name="New")
    costly = customer("CST", first_name="Cees", last_name="Costly")
    prospect = customer("PRO", first_name="Piet", last_name="Prospect")
    for month in range(1, 13):
        buy(big, product, date(2024, month, 10), quantity=3)
        buy(big, product, date(2025, month, 10), quantity=5)
    for month in (2, 6, 10):
        buy(regular, product, date(2024, month, 3))
        buy(regular, product, date(2025, month, 3))
    buy(lapsed, product, date(2024, 3, 1), quantity=4)
    buy(lapsed, product, date(2024, 9, 1), quantity=4)
    buy(newcomer, product, date(2025, 11, 20))
    buy(costly, product, date(2025, 4, 4))
    for day in range(1, 11):
        # Ten visits at 45 each cost far more than one order's 40 margin.
        ContactMomentFactory(
            customer=costly,
            channel="visit",
            occurred_at=timezone.make_aware(datetime(2025, 5, day, 10)),
        )
    ContactMomentFactory(
        customer=prospect, occurred_at=timezone.make_aware(datetime(2025, 6, 1, 10))
    )
    earlier = score_run_create(period_end=LAST_YEAR)
    latest = score_run_create(period_end=THIS_YEAR)
    # Created after the runs: has no snapshot.
    unscored = CustomerFactory(customer_number="UNS")
    return Scored(big, regular, lapsed, newcomer, costly, prospect, unscored, earlier, latest)


def remove_scored_file(data: Scored, *, had_settings: bool) -> None:
    customers = [
        data.big, data.regular, data.lapsed, data.newcomer, data.costly, data.prospect,
        data.unscored,
    ]  # fmt: skip
    ScoreRun.objects.filter(pk__in=[data.earlier.pk, data.latest.pk]).delete()
    ContactMoment.objects.filter(customer__in=customers).delete()
    OrderLine.objects.filter(customer__in=customers).delete()
    Order.objects.filter(customer__in=customers).delete()
    Customer.objects.filter(pk__in=[c.pk for c in customers]).delete()
    categories = list(Product.objects.filter(sku=SKU).values_list("category_id", flat=True))
    Product.objects.filter(sku=SKU).delete()
    ProductCategory.objects.filter(pk__in=categories, products__isnull=True).delete()
    if not had_settings:
        ScoringSettings.objects.all().delete()


@pytest.fixture(scope="module")
def scored_file(django_db_setup: None, django_db_blocker: Any) -> Iterator[Scored]:
    """Scoring takes a second or two, so the file is built and scored once for the module;
    each test still runs in its own transaction, so changes a test makes are rolled back."""
    # Committed outside any test's transaction: the append-only audit trail must not keep
    # entries of it that later tests of this worker would see.
    with django_db_blocker.unblock(), capture_suppressed():
        had_settings = ScoringSettings.objects.exists()
        data = build_scored_file()
    yield data
    with django_db_blocker.unblock(), capture_suppressed():
        remove_scored_file(data, had_settings=had_settings)


@pytest.fixture
def scored(db: None, scored_file: Scored) -> Scored:
    return scored_file


@pytest.fixture
def no_runs(db: None) -> None:
    """No score runs at all (within the test's transaction)."""
    ScoreRun.objects.all().delete()


@pytest.fixture
def scores_only_api(db: None) -> ApiClient:
    """A client whose user may read snapshots but not the customer file."""
    user = user_with_role("scores-only", None)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="scoring", codename="view_customersnapshot")
    )
    _token, raw = ApiToken.issue(user=user, name="t")
    return ApiClient(raw)


def snapshot(run: ScoreRun, customer: Customer) -> CustomerSnapshot:
    return CustomerSnapshot.objects.get(run=run, customer=customer)


def list_numbers(response: Any) -> list[str]:
    return [item["customer_number"] for item in response.json()["items"]]


def assert_labelled(item: dict[str, Any]) -> None:
    for field, choices in LABELLED.items():
        assert item[f"{field}_label"] == str(choices(item[field]).label), field


# --- runs ------------------------------------------------------------------------------------


def test_runs_lists_complete_runs_newest_first(api: ApiClient, scored: Scored) -> None:
    # given two complete runs, a failed one and a running one
    ScoreRun.objects.create(period_end=date(2026, 1, 31), status=RunStatus.FAILED)
    ScoreRun.objects.create(period_end=date(2026, 2, 28))
    # when the runs are listed
    response = api.get("/api/scores/runs")
    # then only the complete runs are there, newest period first, with their parameters
    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 2
    assert [run["id"] for run in body["items"]] == [scored.latest.pk, scored.earlier.pk]
    first = body["items"][0]
    assert first["period_end"] == "2025-12-31"
    assert first["customers"] == 6
    assert first["finished_at"] is not None
    assert first["settings_used"]["period_months"] == 12
    assert isinstance(first["model_fit"], dict) and first["model_fit"]
    assert "summary" not in first


def test_runs_are_paginated(api: ApiClient, scored: Scored) -> None:
    response = api.get("/api/scores/runs", {"limit": 1})
    body = response.json()
    assert body["count"] == 2
    assert [run["id"] for run in body["items"]] == [scored.latest.pk]
    assert "offset=1" in body["next"]


def test_runs_list_is_empty_before_any_scoring(api: ApiClient, no_runs: None) -> None:
    response = api.get("/api/scores/runs")
    assert response.status_code == 200
    assert response.json()["count"] == 0


# --- one customer's scores -------------------------------------------------------------------


def test_customer_scores_have_latest_and_history_with_labels(
    api: ApiClient, scored: Scored
) -> None:
    # given a customer scored in two periods
    stored = snapshot(scored.latest, scored.big)
    # when the customer's scores are read
    response = api.get(f"/api/customers/{scored.big.pk}/scores")
    # then the latest snapshot comes first and the history holds both periods, newest first
    body = response.json()
    assert response.status_code == 200
    assert body["customer_id"] == scored.big.pk
    assert body["customer_number"] == "BIG"
    assert body["display_name"] == "Bakker BV"
    assert [item["period_end"] for item in body["history"]] == ["2025-12-31", "2024-12-31"]
    assert [item["run_id"] for item in body["history"]] == [scored.latest.pk, scored.earlier.pk]
    latest = body["latest"]
    assert latest == body["history"][0]
    # and codes come with labels, money as decimal strings, probabilities as floats
    assert latest["tier"] == TierChoice.TOP
    assert latest["tier_label"] == "Top"
    assert latest["previous_tier"] == TierChoice.TOP
    assert latest["previous_tier_label"] == "Top"
    assert_labelled(latest)
    assert latest["revenue"] == "6000.00"
    assert latest["previous_revenue"] == "3600.00"
    for field in MONEY:
        assert isinstance(latest[field], str), field
        assert Decimal(latest[field]) == getattr(stored, field), field
    assert isinstance(latest["p_alive"], float) and 0.0 <= latest["p_alive"] <= 1.0
    assert isinstance(latest["churn_risk"], float)
    assert latest["orders"] == 12 and latest["frequency"] == 12
    assert latest["recency_days"] == (THIS_YEAR - date(2025, 12, 10)).days


def test_snapshots_hold_influence_values_and_the_loyalty_quadrant(
    api: ApiClient, scored: Scored
) -> None:
    # given a customer whose latest snapshot holds an NPS answer, influence and loyalty
    CustomerSnapshot.objects.filter(run=scored.latest, customer=scored.regular).update(
        nps_latest=9,
        influence_score=62,
        advocacy_value=Decimal("1234.56"),
        holistic_value=Decimal("1500.06"),
        attitudinal_loyalty=0.95,
        behavioural_loyalty=0.7,
        loyalty_quadrant=QuadrantChoice.TRUE_LOYAL,
    )
    # when the customer's scores and the run's scored customers are read
    latest = api.get(f"/api/customers/{scored.regular.pk}/scores").json()["latest"]
    listed = {
        item["customer_number"]: item
        for item in api.get("/api/scores/customers", {"limit": 100}).json()["items"]
    }
    # then both show the new columns like the others: money as decimal strings, the
    # quadrant with its label
    for item in (latest, listed["REG"]):
        assert item["nps_latest"] == 9
        assert item["influence_score"] == 62
        assert (item["advocacy_value"], item["holistic_value"]) == ("1234.56", "1500.06")
        assert (item["attitudinal_loyalty"], item["behavioural_loyalty"]) == (0.95, 0.7)
        assert item["loyalty_quadrant"] == QuadrantChoice.TRUE_LOYAL
        assert item["loyalty_quadrant_label"] == "True loyal"
    # and a customer never asked has no NPS answer and an unknown attitude, not a low one
    prospect = listed["PRO"]
    assert prospect["nps_latest"] is None and prospect["attitudinal_loyalty"] is None
    assert prospect["loyalty_quadrant"] == QuadrantChoice.UNKNOWN
    assert prospect["loyalty_quadrant_label"] == "Attitude unknown"
    assert prospect["influence_score"] == 0 and prospect["advocacy_value"] == "0.00"


def test_customer_scores_of_a_lapsed_customer(api: ApiClient, scored: Scored) -> None:
    # given a customer who bought last year only
    # when the customer's scores are read
    latest = api.get(f"/api/customers/{scored.lapsed.pk}/scores").json()["latest"]
    # then the latest period shows an inactive customer who was lost
    assert (latest["tier"], latest["tier_label"]) == (TierChoice.INACTIVE, "Inactive")
    assert (latest["movement"], latest["movement_label"]) == (MovementChoice.LOST, "Lost")
    assert latest["risk"] is True
    assert latest["revenue"] == "0.00"


def test_customer_never_buying_has_no_rfm_segment(api: ApiClient, scored: Scored) -> None:
    latest = api.get(f"/api/customers/{scored.prospect.pk}/scores").json()["latest"]
    assert latest["rfm_segment"] == RfmSegmentChoice.NOT_A_CUSTOMER
    assert latest["rfm_segment_label"] == "Not a customer"
    assert latest["recency_days"] is None
    assert latest["r_score"] == 0


def test_unscored_customer_has_an_empty_history(api: ApiClient, scored: Scored) -> None:
    # given a customer created after the last run
    # when the customer's scores are read
    response = api.get(f"/api/customers/{scored.unscored.pk}/scores")
    # then that is not an error: there is just nothing yet
    assert response.status_code == 200
    assert response.json()["latest"] is None
    assert response.json()["history"] == []


def test_customer_scores_ignore_runs_that_did_not_complete(api: ApiClient, scored: Scored) -> None:
    # given the latest run fails afterwards (its snapshots stay in the table)
    ScoreRun.objects.filter(pk=scored.latest.pk).update(status=RunStatus.FAILED)
    # when the customer's scores are read
    body = api.get(f"/api/customers/{scored.big.pk}/scores").json()
    # then only the complete run is shown
    assert [item["run_id"] for item in body["history"]] == [scored.earlier.pk]


@pytest.mark.parametrize("customer_id", ["999999", "99999999999999999999999"])
def test_customer_scores_of_an_unknown_customer_is_404(
    api: ApiClient, scored: Scored, customer_id: str
) -> None:
    response = api.get(f"/api/customers/{customer_id}/scores")
    assert response.status_code == 404
    assert response.json()["detail"].startswith("No customer with id")


def test_customer_scores_with_a_non_numeric_id_is_422(api: ApiClient) -> None:
    response = api.get("/api/customers/abc/scores")
    assert response.status_code == 422
    assert error_locs(response) == [["path", "customer_id"]]


# --- tiers -----------------------------------------------------------------------------------


def test_tiers_of_the_latest_run(api: ApiClient, scored: Scored) -> None:
    # given two runs
    # when the pyramid is requested without a run
    response = api.get("/api/scores/tiers")
    # then the latest run's pyramid is returned, one labelled row per tier
    body = response.json()
    assert response.status_code == 200
    assert body["run"]["id"] == scored.latest.pk
    assert body["run"]["period_end"] == "2025-12-31"
    assert body["customers"] == 6
    assert body["active_customers"] == 4
    assert [row["tier"] for row in body["pyramid"]] == [int(t) for t in TierChoice]
    assert [row["tier_label"] for row in body["pyramid"]] == [str(t.label) for t in TierChoice]
    # and the counts and amounts agree with the snapshots
    for row in body["pyramid"]:
        members = CustomerSnapshot.objects.filter(run=scored.latest, tier=row["tier"])
        assert row["customers"] == members.count()
        assert Decimal(row["revenue"]) == sum((s.revenue for s in members), Decimal(0))
    top = body["pyramid"][0]
    assert (top["customers"], top["revenue"], top["average_revenue"]) == (1, "6000.00", "6000.00")
    assert body["revenue"] == "6500.00"  # 6000 + 300 + 100 + 100
    assert top["pct_revenue"] == pytest.approx(100 * 6000 / 6500, abs=0.01)
    assert sum(row["pct_customers"] for row in body["pyramid"]) == pytest.approx(100, abs=0.1)
    # and the Pareto figures are shares between 0 and 1
    pareto = body["pareto"]
    assert pareto["top20_share"] == pytest.approx(6000 / 6500, abs=1e-4)
    assert pareto["customer_share"][0] == 0.0 and pareto["customer_share"][-1] == 1.0
    assert pareto["value_share"][-1] == 1.0
    assert len(pareto["customer_share"]) == len(pareto["value_share"])


def test_tiers_of_an_earlier_run(api: ApiClient, scored: Scored) -> None:
    # given two runs
    # when the pyramid of the earlier run is requested
    body = api.get("/api/scores/tiers", {"run": scored.earlier.pk}).json()
    # then that run's figures are returned
    assert body["run"]["id"] == scored.earlier.pk
    assert body["run"]["period_end"] == "2024-12-31"
    assert body["revenue"] == "4700.00"  # 3600 + 300 + 800


# --- migration matrix -------------------------------------------------------------------------


def test_migration_matrix_with_state_labels(api: ApiClient, scored: Scored) -> None:
    # given two runs
    # when the migration matrix is requested
    response = api.get("/api/scores/migration")
    # then it is a labelled 6 × 6 matrix of counts and value changes
    body = response.json()
    assert response.status_code == 200
    assert body["run"]["id"] == scored.latest.pk
    assert body["period_months"] == 12
    assert body["previous_period_end"] == "2024-12-31"
    assert [(s["state"], s["label"]) for s in body["states"]] == [
        (0, "Top"), (1, "Big"), (2, "Medium"), (3, "Small"), (4, "Inactive"),
        (5, "Not a customer"),
    ]  # fmt: skip
    counts = body["counts"]
    assert len(counts) == 6 and all(len(row) == 6 for row in counts)
    assert sum(map(sum, counts)) == 6
    # and each customer sits in the cell of their move
    top, small, inactive, none = (
        MigrationState.TOP, MigrationState.SMALL, MigrationState.INACTIVE,
        MigrationState.NOT_A_CUSTOMER,
    )  # fmt: skip
    assert counts[top][top] == 1  # the big customer
    assert counts[small][small] == 1  # the regular customer
    assert counts[small][inactive] == 1  # the lapsed customer
    assert counts[none][small] == 2  # the newcomer and the costly customer
    assert counts[none][none] == 1  # the prospect
    # and value changes are decimal strings per cell
    value_change = body["value_change"]
    assert value_change[top][top] == "2400.00"  # 6000 now − 3600 before
    assert value_change[small][inactive] == "-800.00"
    assert value_change[none][small] == "200.00"
    assert body["risk_customers"] == 1


def test_migration_state_labels_cover_every_state() -> None:
    assert list(MIGRATION_STATE_LABELS) == list(MigrationState)


# --- RFM grid --------------------------------------------------------------------------------


def test_rfm_grid_and_segments(api: ApiClient, scored: Scored) -> None:
    # given two runs
    # when the RFM figures are requested
    response = api.get("/api/scores/rfm", {"run": scored.latest.pk})
    # then the grid is 5 × 5 and agrees with the snapshots' R and F scores
    body = response.json()
    assert response.status_code == 200
    grid = body["grid"]
    assert len(grid) == 5 and all(len(row) == 5 for row in grid)
    snapshots = CustomerSnapshot.objects.filter(run=scored.latest, r_score__gt=0, f_score__gt=0)
    for snap in snapshots:
        assert grid[snap.r_score - 1][snap.f_score - 1] >= 1
    assert body["scored_customers"] == sum(map(sum, grid)) == snapshots.count() == 5
    # and every segment is listed once, with its label and the number of customers in it
    segments = body["segments"]
    assert [s["segment"] for s in segments] == [int(s) for s in RfmSegmentChoice]
    assert all(s["label"] == str(RfmSegmentChoice(s["segment"]).label) for s in segments)
    assert sum(s["customers"] for s in segments) == 6
    for item in segments:
        expected = CustomerSnapshot.objects.filter(run=scored.latest, rfm_segment=item["segment"])
        assert item["customers"] == expected.count()
    assert segments[RfmSegmentChoice.NOT_A_CUSTOMER]["customers"] == 1


# --- scored customers ------------------------------------------------------------------------


def test_scored_customers_of_the_latest_run_by_revenue(api: ApiClient, scored: Scored) -> None:
    # given two runs
    # when the scored customers are listed
    response = api.get("/api/scores/customers")
    # then the latest run's customers come with their number, name and labelled scores,
    # highest revenue first
    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 6
    assert list_numbers(response)[:2] == ["BIG", "REG"]
    first = body["items"][0]
    assert first["customer_id"] == scored.big.pk
    assert first["display_name"] == "Bakker BV"
    assert first["run_id"] == scored.latest.pk
    assert first["revenue"] == "6000.00"
    assert_labelled(first)
    revenues = [Decimal(item["revenue"]) for item in body["items"]]
    assert revenues == sorted(revenues, reverse=True)
    assert "UNS" not in list_numbers(response)


def test_scored_customers_of_an_earlier_run(api: ApiClient, scored: Scored) -> None:
    response = api.get("/api/scores/customers", {"run": scored.earlier.pk})
    body = response.json()
    assert {item["run_id"] for item in body["items"]} == {scored.earlier.pk}
    assert {item["period_end"] for item in body["items"]} == {"2024-12-31"}


def test_scored_customers_are_paginated_keeping_filters(api: ApiClient, scored: Scored) -> None:
    # given six scored customers
    # when the first page of two, ordered by number, is requested
    first = api.get("/api/scores/customers", {"limit": 2, "ordering": "number"})
    # then the page links keep the ordering and the pages do not overlap
    body = first.json()
    assert body["count"] == 6
    assert list_numbers(first) == ["BIG", "CST"]
    assert "ordering=number" in body["next"] and "offset=2" in body["next"]
    second = api.get(body["next"].replace("http://testserver", ""))
    assert list_numbers(second) == ["LAP", "NEW"]


@pytest.mark.parametrize(
    ("ordering", "key"),
    [
        ("-clv", "clv_probabilistic"),
        ("clv", "clv_probabilistic"),
        ("profit", "profit"),
        ("-churn_risk", "churn_risk"),
        ("revenue", "revenue"),
    ],
)
def test_scored_customers_ordering(api: ApiClient, scored: Scored, ordering: str, key: str) -> None:
    response = api.get("/api/scores/customers", {"ordering": ordering})
    values = [Decimal(str(item[key])) for item in response.json()["items"]]
    assert values == sorted(values, reverse=ordering.startswith("-"))


@pytest.mark.parametrize(
    ("param", "field", "customer"),
    [
        ("tier", "tier", "big"),
        ("tier", "tier", "lapsed"),
        ("rfm_segment", "rfm_segment", "regular"),
        ("stage", "lifecycle_stage", "newcomer"),
        ("churn_level", "churn_level", "big"),
        ("loss_making", "loss_making", "costly"),
        ("loss_making", "loss_making", "big"),
    ],
)
def test_scored_customers_filters(
    api: ApiClient, scored: Scored, param: str, field: str, customer: str
) -> None:
    # given a customer's value in the latest run
    value = getattr(snapshot(scored.latest, getattr(scored, customer)), field)
    query_value = str(value).lower() if isinstance(value, bool) else value
    # when the list is filtered on that value
    response = api.get("/api/scores/customers", {param: query_value})
    # then exactly the customers of the run with that value are listed, that customer among them
    expected = CustomerSnapshot.objects.filter(run=scored.latest, **{field: value})
    assert response.status_code == 200
    assert sorted(list_numbers(response)) == sorted(
        expected.values_list("customer__customer_number", flat=True)
    )
    assert getattr(scored, customer).customer_number in list_numbers(response)
    assert response.json()["count"] < 6


def test_loss_making_filter_finds_customers_costing_more_than_they_bring(
    api: ApiClient, scored: Scored
) -> None:
    # given ten visits to a one-order customer, and a call to a prospect who never bought
    # when filtering on loss-making customers
    response = api.get("/api/scores/customers", {"loss_making": "true", "ordering": "number"})
    # then the customer is listed with a negative profit; the prospect costs contact time
    # but, never having bought, is not a loss-making customer
    assert list_numbers(response) == ["CST"]
    assert all(Decimal(item["profit"]) < 0 for item in response.json()["items"])


def test_cant_lose_filter(api: ApiClient, scored: Scored) -> None:
    # given one snapshot flagged "can't lose them" (the small data set has none of its own)
    CustomerSnapshot.objects.filter(run=scored.latest, customer=scored.regular).update(
        cant_lose=True
    )
    # when filtering on the flag, both ways
    flagged = api.get("/api/scores/customers", {"cant_lose": "true"})
    others = api.get("/api/scores/customers", {"cant_lose": "false"})
    # then the flagged customer is listed apart from the rest
    assert list_numbers(flagged) == ["REG"]
    assert flagged.json()["items"][0]["cant_lose"] is True
    assert others.json()["count"] == 5 and "REG" not in list_numbers(others)


@pytest.mark.parametrize("ordering", ["-revenue", "number"])
def test_scored_customers_skip_a_snapshot_whose_customer_is_gone(
    api: ApiClient, scored: Scored, ordering: str
) -> None:
    # given a snapshot left behind by a customer deleted while the run was writing (the
    # snapshot table has no foreign key, docs/decisions/0600)
    gone = Customer.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
    CustomerSnapshot.objects.filter(run=scored.latest, customer=scored.regular).update(
        customer_id=gone
    )
    # when the scored customers are listed
    response = api.get("/api/scores/customers", {"ordering": ordering})
    # then the orphaned snapshot is left out and the others are listed as before
    assert response.status_code == 200
    assert sorted(list_numbers(response)) == ["BIG", "CST", "LAP", "NEW", "PRO"]
    assert gone not in [item["customer_id"] for item in response.json()["items"]]


def test_scored_customer_filters_combine(api: ApiClient, scored: Scored) -> None:
    # given the regular customer is Small, and so are others
    # when filtering on Small and on the regular customer's RFM segment
    regular = snapshot(scored.latest, scored.regular)
    response = api.get(
        "/api/scores/customers",
        {"tier": TierChoice.SMALL, "rfm_segment": regular.rfm_segment},
    )
    # then only customers matching both are listed
    expected = CustomerSnapshot.objects.filter(
        run=scored.latest, tier=TierChoice.SMALL, rfm_segment=regular.rfm_segment
    )
    assert sorted(list_numbers(response)) == sorted(
        expected.values_list("customer__customer_number", flat=True)
    )
    assert "REG" in list_numbers(response)


@pytest.mark.parametrize(
    "params",
    [
        {"tier": 9},
        {"tier": "top"},
        {"rfm_segment": 12},
        {"stage": 0},
        {"churn_level": 4},
        {"cant_lose": "maybe"},
        {"ordering": "secret"},
        {"run": 0},
        {"run": 2**63},
    ],
)
def test_bad_filters_are_422(api: ApiClient, scored: Scored, params: dict[str, Any]) -> None:
    response = api.get("/api/scores/customers", params)
    assert response.status_code == 422
    assert error_locs(response) == [["query", next(iter(params))]]


def test_scored_customers_list_reads_a_page_in_a_fixed_number_of_queries(
    api: ApiClient, scored: Scored, django_assert_max_num_queries: Any
) -> None:
    AccessSettings.current()  # the installation's row exists, as after the first request
    # token, token last-used, permissions (user and group), the user's roles and the access
    # setting (own accounts only?), run, count, page, the page's customers: a fixed number,
    # not one per customer
    with django_assert_max_num_queries(10):
        response = api.get("/api/scores/customers", {"limit": 200})
    assert len(response.json()["items"]) == 6


# --- no run, unknown run ---------------------------------------------------------------------


@pytest.mark.parametrize("path", RUN_PATHS)
def test_before_any_scoring_the_run_views_are_404_json(
    api: ApiClient, no_runs: None, path: str
) -> None:
    # given no complete score run (only a failed one)
    ScoreRun.objects.create(period_end=THIS_YEAR, status=RunStatus.FAILED)
    # when a period view is requested
    response = api.get(path)
    # then it is a 404 that says what to do
    assert response.status_code == 404
    assert "relata score" in response.json()["detail"]


@pytest.mark.parametrize("path", RUN_PATHS)
def test_unknown_or_incomplete_run_is_404(api: ApiClient, scored: Scored, path: str) -> None:
    # given a failed run besides the two complete ones
    failed = ScoreRun.objects.create(period_end=date(2026, 1, 31), status=RunStatus.FAILED)
    # when a view is requested for an unknown run and for the failed run
    unknown = api.get(path, {"run": 999999})
    incomplete = api.get(path, {"run": failed.pk})
    # then both are 404s naming the run
    assert unknown.status_code == incomplete.status_code == 404
    assert unknown.json()["detail"] == "No complete score run with id 999999."
    assert incomplete.json()["detail"] == f"No complete score run with id {failed.pk}."


# --- authentication and permissions ----------------------------------------------------------

ALL_PATHS = ["/api/scores/runs", *RUN_PATHS]


@pytest.mark.parametrize("path", [*ALL_PATHS, "/api/customers/1/scores"])
def test_without_a_token_is_401(scored: Scored, path: str) -> None:
    response = ApiClient(None).get(path)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("path", [*ALL_PATHS, "/api/customers/1/scores"])
def test_without_permission_is_403_naming_it(
    no_role_api: ApiClient, scored: Scored, path: str
) -> None:
    response = no_role_api.get(path)
    assert response.status_code == 403
    assert "scoring.view_customersnapshot" in response.json()["detail"]


@pytest.mark.parametrize("role", ["admin", "sales", "back_office", "marketing"])
def test_every_role_may_read_scores(scored: Scored, role: str) -> None:
    # given a user of each shipped role
    _token, raw = ApiToken.issue(user=user_with_role(f"{role}-scores", role), name="t")
    client = ApiClient(raw)
    # when reading every score view
    paths = [*ALL_PATHS, f"/api/customers/{scored.big.pk}/scores"]
    # then all are allowed
    assert [client.get(path).status_code for path in paths] == [200] * len(paths)


def test_customer_views_also_need_the_customer_permission(
    scores_only_api: ApiClient, scored: Scored
) -> None:
    # given a user who may view snapshots but not customers
    # when reading period figures and customer-level scores
    tiers = scores_only_api.get("/api/scores/tiers")
    listing = scores_only_api.get("/api/scores/customers")
    one = scores_only_api.get(f"/api/customers/{scored.big.pk}/scores")
    # then the figures without names are allowed, the views naming customers are not
    assert tiers.status_code == 200
    assert listing.status_code == one.status_code == 403
    assert "customers.view_customer" in listing.json()["detail"]


def test_score_endpoints_are_documented_under_one_tag(
    logged_in_client: Any, staff_user: User
) -> None:
    schema = logged_in_client.get("/api/openapi.json").json()
    paths = {p for p in schema["paths"] if "scores" in p}
    assert paths == {
        "/api/scores/runs",
        "/api/scores/tiers",
        "/api/scores/migration",
        "/api/scores/rfm",
        "/api/scores/customers",
        "/api/customers/{customer_id}/scores",
    }
    tags = {schema["paths"][p]["get"]["tags"][0] for p in paths}
    assert tags == {"Scores"}


def test_labels_follow_the_request_language(api: ApiClient, scored: Scored) -> None:
    # given a customer who stopped buying over a year before the period end (high churn risk)
    assert snapshot(scored.latest, scored.lapsed).churn_level == ChurnLevelChoice.HIGH
    # when the scores are requested in Dutch (the middleware's language is put back after,
    # so later tests are not run in Dutch)
    with translation.override(translation.get_language()):
        response = api.client.get(
            f"/api/customers/{scored.lapsed.pk}/scores",
            headers={**api.headers, "Accept-Language": "nl"},
        )
    # then the labels are Dutch and the codes stay the same
    latest = response.json()["latest"]
    assert latest["churn_level"] == ChurnLevelChoice.HIGH
    assert latest["churn_level_label"] == "Hoog"
