"""/api/journeys: paths, switching, drop-off, conversion time and cohorts."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.api.conftest import ApiClient, error_locs
from tests.feedback.journey_support import ago, five_journeys

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def test_paths_before_a_first_purchase(api: ApiClient) -> None:
    # given the five hand-checked journeys
    five_journeys()
    # when the paths before a first purchase are asked for
    response = api.get("/api/journeys/paths", {"kind": "first_purchase"})
    # then they come with their outcomes, Sankey nodes and links, and the top paths
    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "first_purchase"
    assert body["meta"]["steps"] == 4 and body["meta"]["lost_after_days"] == 365
    outcomes = {o["key"]: o["customers"] for o in body["outcomes"]}
    assert outcomes == {"first_purchase": 3, "no_purchase": 2}
    assert {"source": "Step 4: Sales", "target": "First purchase", "value": 1} in body["links"]
    assert any(node["name"] == "First purchase" and node["outcome"] for node in body["nodes"])
    top = {(tuple(p["steps"]), p["outcome"]) for p in body["top_paths"]}
    assert (("marketing", "sales"), "first_purchase") in top


def test_paths_before_churn_by_channel(api: ApiClient) -> None:
    five_journeys()
    body = api.get("/api/journeys/paths", {"kind": "churn", "node": "channel"}).json()
    assert body["outcomes"][0]["key"] == "lost"
    assert [p["steps"] for p in body["top_paths"]] == [["letter"]]


def test_switching(api: ApiClient) -> None:
    five_journeys()
    body = api.get("/api/journeys/switching", {"window_days": 14}).json()
    assert (body["transitions"], body["switches"]) == (3, 2)
    assert len(body["matrix"]) == len(body["channels"]) == 8


def test_drop_off(api: ApiClient) -> None:
    five_journeys()
    body = api.get("/api/journeys/drop-off").json()
    assert [c["key"] for c in body["comparisons"]] == ["conversion", "churn"]
    assert [c["key"] for c in body["causes"]] == [
        "unclear",
        "not_reachable",
        "no_answer",
        "repeat_story",
        "waited",
    ]
    sales = next(row for row in body["by_node"] if row["key"] == "sales")
    assert sales["causes"] == [1, 0, 0, 0, 0]


def test_conversion_time(api: ApiClient) -> None:
    five_journeys()
    body = api.get("/api/journeys/conversion-time").json()
    assert body["median"] == 10.0
    assert body["histogram"][0]["label"] == "Same day"
    assert sum(b["customers"] for b in body["histogram"]) == body["with_contact"] == 1


def test_cohorts(api: ApiClient) -> None:
    five_journeys()
    body = api.get("/api/journeys/cohorts", {"grouping": "first_channel"}).json()
    assert body["grouping"] == "first_channel"
    assert body["months_since"] == list(range(25))
    assert body["customers"] == 3
    assert {g["key"] for g in body["groups"]} == {"email", "letter", "chat"}


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"kind": "lifetime"}, ["query", "kind"]),
        ({"steps": 0}, ["query", "steps"]),
        ({"node": "office"}, ["query", "node"]),
        ({"date_to": ago(-3).isoformat()}, ["query", "date_to"]),
        ({"date_from": ago(1).isoformat(), "date_to": ago(9).isoformat()}, ["query", "date_from"]),
    ],
)
def test_bad_filters_are_a_422_naming_the_field(
    api: ApiClient, params: dict[str, object], loc: list[str]
) -> None:
    response = api.get("/api/journeys/paths", params)
    assert response.status_code == 422
    assert loc in error_locs(response)


def test_needs_a_token_and_the_permission(no_role_api: ApiClient) -> None:
    assert ApiClient(None).get("/api/journeys/cohorts").status_code == 401
    response = no_role_api.get("/api/journeys/cohorts")
    assert response.status_code == 403
    assert "contacts.view_contactmoment" in response.json()["detail"]


def test_marketing_may_read_it(marketing_api: ApiClient) -> None:
    assert marketing_api.get("/api/journeys/switching").status_code == 200
