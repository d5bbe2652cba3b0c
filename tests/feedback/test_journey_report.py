"""The journey report on a small, hand-checked database (tests/feedback/journey_support.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from relata.feedback.journey_forms import default_filters
from relata.feedback.journey_report import cohort_csv_rows, journey_report_build
from relata.feedback.journey_selectors import (
    HASH_MODULUS,
    JourneyFilters,
    journey_input,
    sample_for,
)
from tests.feedback.journey_support import ago, five_journeys

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def _report(**changes: Any) -> dict[str, Any]:
    filters = default_filters()
    if changes:
        filters = JourneyFilters(**{**filters.__dict__, **changes})
    return journey_report_build(filters, lost_after_days=365)


def _paths(flows: dict[str, Any]) -> dict[tuple[tuple[str, ...], str], int]:
    return {(tuple(p["steps"]), p["outcome"]): p["customers"] for p in flows["top_paths"]}


def test_paths_before_a_first_purchase_leave_out_the_order_itself() -> None:
    # given the five journeys
    five_journeys()
    # when the report is built for the last 24 months
    report = _report()
    first = report["first_purchase"]
    # then Anna's path ends in the purchase without the call that recorded it, and Bram's and
    # Eva's (her only order was cancelled) end in "no purchase yet"
    assert _paths(first) == {
        (("marketing", "sales"), "first_purchase"): 1,
        (("marketing", "service"), "no_purchase"): 1,
        (("delivery",), "no_purchase"): 1,
    }
    outcomes = {o["key"]: (o["customers"], o["journeys"]) for o in first["outcomes"]}
    # Anna, Cor and Dirk bought first in the period; only Anna had moments before
    assert outcomes == {"first_purchase": (3, 1), "no_purchase": (2, 2)}
    # and the Sankey steps are aligned to the outcome (step 4 is the last)
    links = {(link["source"], link["target"]): link["value"] for link in first["links"]}
    assert links[("Step 3: Marketing", "Step 4: Sales")] == 1
    assert links[("Step 4: Sales", "First purchase")] == 1
    assert links[("Step 4: Delivery", "No purchase yet")] == 1


def test_paths_before_churn_end_in_lost() -> None:
    five_journeys()
    churn = _report()["churn"]
    # Cor's churn point (T−400 + 365 days) lies in the period; the others are still active
    assert churn["outcomes"][0]["customers"] == 1
    assert _paths(churn) == {(("billing",), "lost"): 1}


def test_channels_as_path_steps() -> None:
    five_journeys()
    first = _report(node="channel")["first_purchase"]
    assert (("email", "phone"), "first_purchase") in _paths(first)


def test_channel_switching_within_the_window() -> None:
    five_journeys()
    switching = _report()["switching"]
    # Anna: e-mail → phone (switch) → phone; Bram: web → phone (switch, 10 days apart)
    assert (switching["transitions"], switching["switches"]) == (3, 2)
    assert (switching["customers"], switching["switchers"]) == (2, 2)
    # with a 7-day window Bram's pair no longer counts
    assert _report(window_days=7)["switching"]["transitions"] == 2


def test_drop_off_counts_friction_per_touchpoint_and_compares_journeys() -> None:
    five_journeys()
    drop = _report()["drop_off"]
    by_node = {row["key"]: (row["moments"], row["with_friction"]) for row in drop["by_node"]}
    assert by_node["sales"] == (2, 1)
    assert by_node["marketing"] == (2, 1)
    assert by_node["billing"] == (1, 1)
    conversion, churn = drop["comparisons"]
    assert (conversion["lost_n"], conversion["won_n"]) == (2, 1)
    rows = {row["key"]: row for row in conversion["rows"]}
    # Bram's journey holds friction, Eva's not; Anna's (the buyer) holds "unclear"
    assert rows["any"]["lost_with"] == 1 and rows["any"]["won_with"] == 1
    assert rows["waited"]["lost_share"] == pytest.approx(0.5)
    assert rows["unclear"]["won_share"] == pytest.approx(1.0)
    # Cor (lost) had "no answer"; Anna and Dirk (kept) have journeys too
    churn_rows = {row["key"]: row for row in churn["rows"]}
    assert (churn["lost_n"], churn["won_n"]) == (1, 2)
    assert churn_rows["no_answer"]["lost_share"] == pytest.approx(1.0)


def test_time_to_conversion_from_the_first_contact() -> None:
    five_journeys()
    conversion = _report()["conversion"]
    # Anna: first contact T−40, first purchase T−30; Cor and Dirk had no contact before
    assert (conversion["buyers"], conversion["with_contact"]) == (3, 1)
    assert conversion["median"] == pytest.approx(10.0)
    email = next(row for row in conversion["per_channel"] if row["key"] == "email")
    assert (email["customers"], email["median"]) == (1, 10.0)


def test_cohorts_by_acquisition_source_and_by_first_channel() -> None:
    five_journeys()
    cohorts = _report()["cohorts"]
    # Anna, Cor and Dirk made a first purchase in the period; month 0 is everyone's
    assert cohorts["customers"] == 3
    assert all(row["retention"][0] == 1.0 for row in cohorts["rows"] if row["customers"])
    sources = {group["key"]: group["customers"] for group in cohorts["groups"]}
    assert sources == {"web": 1, "store": 1, "unknown": 1}
    by_channel = _report(grouping="first_channel")["cohorts"]
    channels = {group["key"]: group["customers"] for group in by_channel["groups"]}
    # Anna's first moment was an e-mail; Cor's and Dirk's first moments are letters/chat
    assert channels == {"email": 1, "letter": 1, "chat": 1}


def test_cohort_csv_lists_everyone_then_each_group() -> None:
    five_journeys()
    rows = cohort_csv_rows(_report())
    assert rows[0][:4] == ["Group", "Cohort (first purchase)", "Customers", "M0"]
    assert len(rows[0]) == 3 + 25
    groups = {row[0] for row in rows[1:]}
    assert {"All customers", "web", "store", "Not recorded"} <= groups


def test_a_period_without_data_gives_empty_sections() -> None:
    # given nothing at all
    report = _report()
    assert report["first_purchase"]["links"] == []
    assert report["churn"]["top_paths"] == []
    assert report["switching"]["switch_share"] is None
    assert report["conversion"]["median"] is None
    assert report["cohorts"]["customers"] == 0


def test_the_period_limits_what_counts() -> None:
    five_journeys()
    # when the period is the last 20 days only
    report = _report(date_from=ago(20))
    # then no first purchase falls in it, Bram is still contacted, and Cor was lost before it
    outcomes = {o["key"]: o["customers"] for o in report["first_purchase"]["outcomes"]}
    assert outcomes == {"first_purchase": 0, "no_purchase": 1}
    assert report["churn"]["outcomes"][0]["customers"] == 0


def test_sampling_is_deterministic_and_reported() -> None:
    five_journeys()
    filters = default_filters()
    # given a cap below the number of customers
    first = journey_input(filters, cap=2)
    again = journey_input(filters, cap=2)
    # then the same customers are read each time, about the capped share of them
    assert first.sample.sampled
    assert first.customer.tolist() == again.customer.tolist()
    assert first.customers_read <= 5
    assert set(first.moments.customer.tolist()) <= set(first.customer.tolist())
    assert sample_for(5, 10).threshold == HASH_MODULUS
    assert sample_for(1_000_000, 250_000).share == pytest.approx(0.25, abs=1e-5)
