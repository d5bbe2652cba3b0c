"""``relata.scoring.influence_explain``: a run's influence recomputed from its inputs as of
the period end matches the stored snapshot, also for a big audience (where rounding the
value per customer won to cents is multiplied by tens of customers won), and says so when
the inputs changed since; ``influence_inputs`` reads a page of customers in bulk."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from unittest import mock

import numpy as np
import pytest

from relata.engagement.models import Referral
from relata.feedback.influence_selectors import customer_influence
from relata.scoring import compute
from relata.scoring.influence_explain import influence_explain, influence_inputs
from relata.scoring.models import CustomerSnapshot, ScoreRun
from relata.scoring.services import score_run_create
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
FOLLOWERS = 259_296


def _fake_probabilistic(days, n, window, settings, *, margin_ratio):  # type: ignore[no-untyped-def]
    """CLV € 10/3 per purchase day and customer id: amounts with no exact cents, so the
    average CLV of buyers (the value per customer won) and the referred customers' CLVs
    are rounded when stored."""
    purchase_days = np.bincount(days.customer, minlength=n).astype(np.float64)
    clv = purchase_days * (10.0 / 3.0) * (1.0 + np.arange(n) / 7.0)
    return {"fake": True}, (purchase_days > 0) * 1.0, np.zeros(n), clv


@pytest.fixture(autouse=True)
def known_clv() -> Iterator[None]:
    with mock.patch.object(compute, "_probabilistic", _fake_probabilistic):
        yield


def _buyer(times: int, amount: str = "45"):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(created_at=CREATED)
    for k in range(times):
        buy(customer, amount, PERIOD_END - timedelta(days=10 + 37 * k))
    return customer


@pytest.fixture
def big_audience(db: None) -> dict[str, Any]:
    """A promoter with 259,296 followers who referred three buyers, among other buyers;
    scored with the average CLV of buyers as the value per customer won."""
    crowd = [_buyer(1 + i % 4) for i in range(9)]
    vlogger = _buyer(1, "15")
    friends = [_buyer(1 + i) for i in range(3)]
    for friend in friends:
        Referral.objects.create(referrer=vlogger, referred=friend, referred_on=date(2026, 2, 1))
    SocialProfileFactory(customer=vlogger, followers=FOLLOWERS, created_at=BEFORE)
    ReviewFactory(customer=vlogger, rating=5, helpful_votes=2, written_on=date(2026, 4, 1))
    SurveyResponseFactory(customer=vlogger, nps=10, answered_at=BEFORE)
    run = score_run_create(period_end=PERIOD_END)
    return {"run": run, "vlogger": vlogger, "friends": friends, "crowd": crowd}


def _snapshot(run: ScoreRun, customer: Any) -> CustomerSnapshot:
    return CustomerSnapshot.objects.select_related("run").get(run=run, customer=customer)


def test_a_big_audience_matches_its_snapshot(big_audience: dict[str, Any]) -> None:
    # given the run's value per customer won has more than cents before rounding
    run = big_audience["run"]
    value = run.settings_used["reach_customer_value_used"]
    assert run.settings_used["reach_customer_value_source"] == "average_clv"
    assert value != int(value)
    snapshot = _snapshot(run, big_audience["vlogger"])
    # when the vlogger's influence is explained from the run
    why = influence_explain(snapshot=snapshot)
    # then the recomputed score and advocacy value are the stored ones
    assert why.followers == FOLLOWERS and len(why.referred) == 3
    assert why.successful_referrals == 3
    assert why.advocacy_reach > 0
    assert round(why.score) == snapshot.influence_score
    assert abs(why.advocacy - snapshot.advocacy_value) <= Decimal("0.02")
    assert why.matches_snapshot
    # and the tolerance is what rounding explains: 1½ cents, ½ cent per referred customer,
    # ½ cent per customer won through reach (259,296 × 2% × 1% = 51.86)
    assert why.advocacy_tolerance == Decimal("0.015") + Decimal("0.015") + Decimal("0.259296")
    # and the customer card does not claim the inputs changed
    card = customer_influence(customer_id=big_audience["vlogger"].pk)
    assert card is not None and not card.inputs_changed


def test_a_run_that_used_the_value_before_rounding_still_matches(
    big_audience: dict[str, Any],
) -> None:
    # given a run whose recorded value per customer won is up to half a cent off the one
    # it computed with (rounded to cents only when recorded)
    run = big_audience["run"]
    run.settings_used["reach_customer_value_used"] -= 0.0049
    run.save(update_fields=["settings_used"])
    snapshot = _snapshot(run, big_audience["vlogger"])
    # when explained
    why = influence_explain(snapshot=snapshot)
    # then the difference (51.86 customers won × 0.49 cents, 25 cents) is within the
    # tolerance, not a change of inputs
    assert Decimal("0.2") < abs(why.advocacy - snapshot.advocacy_value) <= why.advocacy_tolerance
    assert why.matches_snapshot


def test_more_followers_change_the_advocacy_value_not_the_score(
    big_audience: dict[str, Any],
) -> None:
    # given the vlogger's followers recounted after the run: 2,000 more (reach is full above
    # 100,000 followers, so the score stays)
    vlogger = big_audience["vlogger"]
    vlogger.social_profiles.update(followers=FOLLOWERS + 2_000)
    snapshot = _snapshot(big_audience["run"], vlogger)
    # when explained
    why = influence_explain(snapshot=snapshot)
    # then the score matches, the advocacy value does not, and the card says so
    assert round(why.score) == snapshot.influence_score
    assert why.advocacy - snapshot.advocacy_value > why.advocacy_tolerance
    assert not why.matches_snapshot
    card = customer_influence(customer_id=vlogger.pk)
    assert card is not None and card.inputs_changed


def test_inputs_are_read_in_bulk_as_the_run_counted_them(
    big_audience: dict[str, Any], django_assert_num_queries: Any
) -> None:
    # given the run and every customer in it
    run = big_audience["run"]
    ids = list(CustomerSnapshot.objects.filter(run=run).values_list("customer_id", flat=True))
    # when their inputs are read
    with django_assert_num_queries(4):
        found = influence_inputs(run=run, customer_ids=ids)
    # then every customer is there, and the vlogger's inputs are the explanation's
    assert set(found) == set(ids)
    inputs = found[big_audience["vlogger"].pk]
    why = influence_explain(snapshot=_snapshot(run, big_audience["vlogger"]))
    assert inputs.followers == why.followers
    assert inputs.referred == why.referred
    assert (inputs.reviews, inputs.mean_rating) == (why.reviews, why.mean_rating)
    assert inputs.referred_clv == sum(
        CustomerSnapshot.objects.filter(run=run, customer__in=big_audience["friends"]).values_list(
            "clv_probabilistic", flat=True
        ),
        Decimal(0),
    )
    # and an empty list reads nothing
    with django_assert_num_queries(0):
        assert influence_inputs(run=run, customer_ids=[]) == {}
