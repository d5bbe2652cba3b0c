"""/api/customers/{id}/influence and /api/influence/: the stored influence, advocacy and
holistic value with the "why", and the list of customers by influence."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from unittest import mock

import numpy as np
import pytest

from relata.engagement.models import Referral
from relata.scoring import compute
from relata.scoring.choices import QuadrantChoice, TierChoice
from relata.scoring.models import CustomerSnapshot, ScoreRun, ScoringSettings
from relata.scoring.services import score_run_create
from tests.api.conftest import ApiClient
from tests.engagement.programme_support import buy
from tests.factories import (
    CustomerFactory,
    ReviewFactory,
    SocialProfileFactory,
    SurveyResponseFactory,
)

pytestmark = pytest.mark.django_db

PERIOD_END = date(2026, 6, 30)
BEFORE = datetime(2026, 3, 1, 12, tzinfo=UTC)
CREATED = datetime(2024, 1, 1, tzinfo=UTC)


def _fake_probabilistic(days, n, window, settings, *, margin_ratio):  # type: ignore[no-untyped-def]
    """CLV € 10 per purchase day (the BG/NBD fit is not what these tests are about)."""
    purchase_days = np.bincount(days.customer, minlength=n).astype(np.float64)
    return {"fake": True}, (purchase_days > 0) * 1.0, np.zeros(n), 10.0 * purchase_days


@pytest.fixture(autouse=True)
def known_clv() -> Iterator[None]:
    with mock.patch.object(compute, "_probabilistic", _fake_probabilistic):
        yield


def _buyer(times: int, amount: str = "50"):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(created_at=CREATED)
    for k in range(times):
        buy(customer, amount, PERIOD_END - timedelta(days=10 + 40 * k))
    return customer


@pytest.fixture
def scored(db: None) -> dict[str, Any]:
    """A small-spending vlogger who referred a friend, a big spender, a quiet buyer; scored
    with € 250 as the value of a customer won through reach."""
    settings = ScoringSettings.current()
    settings.reach_customer_value = Decimal(250)
    settings.save()
    vlogger = _buyer(2, "20")
    friend = _buyer(3)
    big = _buyer(5, "900")
    quiet = _buyer(1)
    Referral.objects.create(referrer=vlogger, referred=friend, referred_on=date(2026, 2, 1))
    SocialProfileFactory(customer=vlogger, followers=100_000, created_at=BEFORE)
    ReviewFactory(customer=vlogger, rating=5, helpful_votes=10, written_on=date(2026, 4, 1))
    SurveyResponseFactory(customer=vlogger, nps=9, answered_at=BEFORE)
    SurveyResponseFactory(customer=big, nps=4, answered_at=BEFORE)
    run = score_run_create(period_end=PERIOD_END)
    return {"run": run, "vlogger": vlogger, "friend": friend, "big": big, "quiet": quiet}


def test_a_customers_influence_with_the_why(api: ApiClient, scored: dict[str, Any]) -> None:
    # when the vlogger's influence is asked for
    response = api.get(f"/api/customers/{scored['vlogger'].pk}/influence")
    # then the stored score comes with components that add up to it
    assert response.status_code == 200
    body = response.json()
    stored = CustomerSnapshot.objects.get(run=scored["run"], customer=scored["vlogger"])
    assert body["influence_score"] == stored.influence_score > 0
    components = {c["key"]: c for c in body["components"]}
    assert list(components) == ["reach", "referrals", "reviews", "recommendation"]
    assert components["reach"]["value"] == 1.0
    assert components["reach"]["weight"] == 35.0
    assert components["recommendation"]["points"] == 15.0
    assert sum(c["points"] for c in body["components"]) == pytest.approx(
        body["recomputed_score"], abs=0.05
    )
    assert round(body["recomputed_score"]) == body["influence_score"]
    assert body["matches_snapshot"] is True
    # and the inputs as of the period end
    inputs = body["inputs"]
    assert inputs["followers"] == 100_000
    assert inputs["profiles"] == [{"platform": "instagram", "followers": 100_000}]
    assert inputs["reviews"] == 1 and inputs["mean_rating"] == 5.0
    assert inputs["nps_latest"] == 9 and inputs["nps_group"] == "promoter"
    assert inputs["referrals"] == inputs["successful_referrals"] == 1
    # and the advocacy split: the friend's CLV (3 purchase days, € 30) + 100 000 × 2% × 1% × € 250
    advocacy = body["advocacy"]
    assert advocacy["referred_clv"] == "30.00"
    assert advocacy["reach"] == "5000.00"
    assert advocacy["value"] == "5030.00"
    assert advocacy["negative_voice"] is False
    assumptions = advocacy["assumptions"]
    assert assumptions["reach_rate"] == pytest.approx(0.02)
    assert assumptions["reach_conversion"] == pytest.approx(0.01)
    assert assumptions["value_per_customer"] == "250.00"
    assert assumptions["value_per_customer_source"] == "setting"
    assert assumptions["clv_basis"] == "clv_probabilistic"
    # and holistic value = CLV + advocacy, and the quadrant
    assert body["clv"] == "20.00"
    assert body["holistic_value"] == "5050.00"
    assert body["loyalty"]["attitudinal"] == pytest.approx(0.9)
    assert body["loyalty"]["quadrant_label"] == QuadrantChoice(body["loyalty"]["quadrant"]).label


def test_changed_inputs_are_flagged(api: ApiClient, scored: dict[str, Any]) -> None:
    # given the vlogger's followers recounted after the run
    scored["vlogger"].social_profiles.update(followers=10)
    # then the components explain today's inputs and say they differ from the stored score
    body = api.get(f"/api/customers/{scored['vlogger'].pk}/influence").json()
    assert body["matches_snapshot"] is False
    assert body["inputs"]["followers"] == 10
    assert round(body["recomputed_score"]) < body["influence_score"]


def test_a_detractor_has_no_reach_value(api: ApiClient, scored: dict[str, Any]) -> None:
    body = api.get(f"/api/customers/{scored['big'].pk}/influence").json()
    assert body["inputs"]["nps_group"] == "detractor"
    assert body["advocacy"]["reach"] == "0.00"
    assert body["components"][3]["points"] == 0.0


def test_unknown_and_unscored_customers_are_404(api: ApiClient, scored: dict[str, Any]) -> None:
    assert api.get("/api/customers/999999/influence").status_code == 404
    newcomer = CustomerFactory()
    response = api.get(f"/api/customers/{newcomer.pk}/influence")
    assert response.status_code == 404
    assert "not been scored" in response.json()["detail"]


def test_the_list_orders_by_influence_and_filters(api: ApiClient, scored: dict[str, Any]) -> None:
    # when the list is read with the defaults
    body = api.get("/api/influence/").json()
    # then every customer of the run is there, most influential first
    assert body["count"] == 4
    scores = [row["influence_score"] for row in body["items"]]
    assert scores == sorted(scores, reverse=True)
    assert body["items"][0]["customer_id"] == scored["vlogger"].pk
    first = body["items"][0]
    assert first["holistic_value"] == "5050.00"
    assert first["tier_label"] == TierChoice(first["tier"]).label
    # and "low spend, high influence" finds the vlogger, not the big spender
    low = api.get("/api/influence/", {"min_influence": 50, "max_tier": 3}).json()
    assert [row["customer_id"] for row in low["items"]] == [scored["vlogger"].pk]
    cheap = api.get("/api/influence/", {"max_revenue": "100"}).json()
    assert scored["big"].pk not in {row["customer_id"] for row in cheap["items"]}
    # and by holistic value, with a page of one
    page = api.get("/api/influence/", {"ordering": "-holistic", "limit": 1}).json()
    assert page["items"][0]["customer_id"] == scored["vlogger"].pk
    assert page["next"] is not None
    # and by quadrant
    unknown = api.get("/api/influence/", {"quadrant": QuadrantChoice.UNKNOWN}).json()
    assert {row["customer_id"] for row in unknown["items"]} == {
        scored["friend"].pk,
        scored["quiet"].pk,
    }


def test_bad_filters_are_422(api: ApiClient, scored: dict[str, Any]) -> None:
    assert api.get("/api/influence/", {"min_influence": 150}).status_code == 422
    assert api.get("/api/influence/", {"quadrant": 9}).status_code == 422
    assert api.get("/api/influence/", {"ordering": "name"}).status_code == 422


def test_unknown_run_is_404(api: ApiClient, scored: dict[str, Any]) -> None:
    assert api.get("/api/influence/", {"run": 424242}).status_code == 404


def test_no_run_yet_is_404(api: ApiClient) -> None:
    assert not ScoreRun.objects.exists()
    assert api.get("/api/influence/").status_code == 404


def test_permissions_are_needed(no_role_api: ApiClient, scored: dict[str, Any]) -> None:
    assert no_role_api.get("/api/influence/").status_code == 403
    vlogger = scored["vlogger"].pk
    assert no_role_api.get(f"/api/customers/{vlogger}/influence").status_code == 403
    assert ApiClient(None).get("/api/influence/").status_code == 401
