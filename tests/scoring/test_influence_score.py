"""Scoring end to end for influence (DOMAIN.md §8, §7, §9): referrals, reviews, social
profiles and NPS answers in the database → the snapshot's influence score, advocacy and
holistic value, latest NPS, loyalty and quadrant."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from unittest import mock

import numpy as np
import pytest

from relata.engagement.models import Referral
from relata.scoring import aggregates, compute
from relata.scoring.choices import QuadrantChoice, StageChoice
from relata.scoring.models import CustomerSnapshot, ScoringSettings
from relata.scoring.services import score_run_create, snapshot_column
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
AFTER = datetime(2026, 7, 15, 12, tzinfo=UTC)
CREATED = datetime(2024, 1, 1, tzinfo=UTC)


def _steady_buyer(every_days: int, amount: str, times: int = 6):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(created_at=CREATED)
    for k in range(times):
        buy(customer, amount, PERIOD_END - timedelta(days=10 + every_days * k))
    return customer


def _fake_probabilistic(days, n, window, settings, *, margin_ratio):  # type: ignore[no-untyped-def]
    """A stand-in for the BG/NBD + Gamma-Gamma step (fitting a dozen test customers is not
    what these tests are about): a buyer's CLV is € 10 per purchase day."""
    purchase_days = np.bincount(days.customer, minlength=n).astype(np.float64)
    return {"fake": True}, (purchase_days > 0) * 1.0, np.zeros(n), 10.0 * purchase_days


@pytest.fixture(autouse=True)
def known_clv() -> Iterator[None]:
    with mock.patch.object(compute, "_probabilistic", _fake_probabilistic):
        yield


@pytest.fixture
def town(db: None) -> dict[str, object]:
    """Repeat buyers (so the BG/NBD fit has data), one vlogger-referrer with two profiles,
    reviews, NPS answers and referrals, and the customers around them."""
    crowd = [_steady_buyer(20 + 7 * i, str(30 + 10 * i)) for i in range(6)]
    referrer = _steady_buyer(45, "40", times=4)
    friend = _steady_buyer(30, "80")  # referred, bought: a successful referral
    pending = CustomerFactory(created_at=CREATED)  # referred, never bought
    refused = CustomerFactory(created_at=CREATED)  # referral rejected
    for referred, status in ((friend, "rewarded"), (pending, "pending"), (refused, "rejected")):
        Referral.objects.create(
            referrer=referrer, referred=referred, referred_on=date(2026, 2, 1), status=status
        )
    # Two profiles known by the period end, one added later (not counted yet).
    SocialProfileFactory(customer=referrer, followers=10_000, created_at=BEFORE)
    SocialProfileFactory(customer=referrer, platform="tiktok", followers=2_000, created_at=BEFORE)
    SocialProfileFactory(customer=referrer, platform="youtube", followers=50_000, created_at=AFTER)
    # Reviews by the period end: rated 5 and 3 and a comment; one written later.
    ReviewFactory(customer=referrer, rating=5, helpful_votes=4, written_on=date(2026, 1, 2))
    ReviewFactory(customer=referrer, rating=3, helpful_votes=1, written_on=date(2026, 4, 2))
    ReviewFactory(
        customer=referrer, kind="comment", rating=None, helpful_votes=0, written_on=date(2026, 5, 1)
    )
    ReviewFactory(customer=referrer, rating=1, helpful_votes=9, written_on=date(2026, 7, 2))
    # NPS: 3, then 10 (the latest by the period end), then 0 after it.
    for nps, answered in ((3, datetime(2025, 6, 1, tzinfo=UTC)), (10, BEFORE), (0, AFTER)):
        SurveyResponseFactory(customer=referrer, nps=nps, answered_at=answered)
    return {"crowd": crowd, "referrer": referrer, "friend": friend, "pending": pending}


def _snapshots(run) -> dict[int, CustomerSnapshot]:  # type: ignore[no-untyped-def]
    return {s.customer_id: s for s in CustomerSnapshot.objects.filter(run=run)}


def test_voice_is_read_per_customer_up_to_the_period_end(town) -> None:  # type: ignore[no-untyped-def]
    # when the voice of the customers is read for the period
    base = aggregates.customer_base(period_end=PERIOD_END)
    voice = aggregates.voice(base=base, period_end=PERIOD_END)
    at = int(np.searchsorted(base.ids, town["referrer"].pk))
    # then only what was known by the period end counts
    assert voice.followers[at] == 12_000
    assert voice.reviews[at] == 3
    assert voice.rated_reviews[at] == 2
    assert voice.mean_rating[at] == 4.0
    assert voice.helpful_votes[at] == 5
    assert voice.positive_reviews[at] == 1
    assert voice.nps_latest[at] == 10
    # and everybody else has nothing, the NPS unknown
    others = np.arange(base.ids.size) != at
    assert (voice.followers[others] == 0).all()
    assert np.isnan(voice.nps_latest[others]).all()
    assert np.isnan(voice.mean_rating[others]).all()
    # and the two referrals not rejected are there, pointing into the base
    referred = {int(base.ids[i]) for i in voice.referrals.referred}
    assert referred == {town["friend"].pk, town["pending"].pk}
    assert set(voice.referrals.referrer.tolist()) == {at}


def test_snapshot_holds_influence_advocacy_and_holistic_value(town) -> None:  # type: ignore[no-untyped-def]
    # given € 250 as the value of a customer won through reach
    settings = ScoringSettings.current()
    settings.reach_customer_value = Decimal(250)
    settings.save()
    # when the period is scored
    run = score_run_create(period_end=PERIOD_END)
    snapshots = _snapshots(run)
    referrer = snapshots[town["referrer"].pk]
    friend = snapshots[town["friend"].pk]
    # then (€ 10 per purchase day, see known_clv) the friend's CLV is € 60
    assert friend.clv_probabilistic == Decimal("60.00")
    # and the influence score is the weighted sum of the four components (12 000 followers,
    # one successful referral, 3 reviews + 5 helpful votes / 5, a promoter)
    reach = math.log10(12_001) / math.log10(100_001)
    referrals = 1 - 2 ** (-1 / 2)
    reviews = 1 - 2 ** (-4 / 3)
    expected = 35 * reach + 30 * referrals + 20 * reviews + 15 * 1.0
    assert referrer.influence_score == round(expected)
    # and advocacy = the friend's CLV (the pending one's is 0) + 12 000 × 2% × 1% × € 250
    assert snapshots[town["pending"].pk].clv_probabilistic == 0
    assert referrer.advocacy_value == Decimal("660.00")
    # and holistic value = the referrer's own CLV (4 purchase days) + advocacy
    assert referrer.holistic_value == Decimal("40.00") + Decimal("660.00")
    # and a customer without any voice has no influence and holistic value = CLV
    quiet = snapshots[town["crowd"][0].pk]
    assert quiet.influence_score == 0 and quiet.advocacy_value == 0
    assert quiet.holistic_value == quiet.clv_probabilistic == Decimal("60.00")
    # and the latest NPS by the period end is stored; never answered is NULL
    assert referrer.nps_latest == 10
    assert friend.nps_latest is None
    # and the assumptions used are recorded with the run
    used = run.settings_used
    assert used["reach_rate"] == pytest.approx(0.02)
    assert used["reach_conversion"] == pytest.approx(0.01)
    assert used["reach_customer_value"] == 250.0
    assert used["reach_customer_value_used"] == 250.0
    assert used["reach_customer_value_source"] == "setting"
    assert used["clv_basis"] == "clv_probabilistic"
    assert used["influence_weights"] == {
        "reach": 35.0,
        "referrals": 30.0,
        "reviews": 20.0,
        "recommendation": 15.0,
    }


def test_without_a_set_value_reach_uses_the_average_clv_of_buyers(town) -> None:  # type: ignore[no-untyped-def]
    # when scored with the default (no value per customer won)
    run = score_run_create(period_end=PERIOD_END)
    snapshots = list(CustomerSnapshot.objects.filter(run=run))
    buyers = [s.clv_probabilistic for s in snapshots if s.frequency > 0]
    average = sum(buyers, Decimal(0)) / len(buyers)
    # then the value used is the buyers' average CLV, and it is recorded
    used = run.settings_used["reach_customer_value_used"]
    assert used == pytest.approx(float(average), abs=0.02)
    assert run.settings_used["reach_customer_value_source"] == "average_clv"
    referrer = next(s for s in snapshots if s.customer_id == town["referrer"].pk)
    friend = next(s for s in snapshots if s.customer_id == town["friend"].pk)
    reach_part = referrer.advocacy_value - friend.clv_probabilistic
    assert float(reach_part) == pytest.approx(12_000 * 0.02 * 0.01 * used, abs=0.02)


def test_loyalty_and_quadrant_are_stored(town) -> None:  # type: ignore[no-untyped-def]
    run = score_run_create(period_end=PERIOD_END)
    snapshots = _snapshots(run)
    referrer = snapshots[town["referrer"].pk]
    # then the promoter who referred has attitude (10 + 9) / 20, and a quadrant that follows
    assert referrer.attitudinal_loyalty == pytest.approx(0.95)
    assert 0 < referrer.behavioural_loyalty <= 1
    expected = (
        QuadrantChoice.TRUE_LOYAL if referrer.behavioural_loyalty >= 0.5 else QuadrantChoice.LATENT
    )
    assert referrer.loyalty_quadrant == expected
    # and a customer nobody heard from has an unknown attitude
    silent = snapshots[town["crowd"][0].pk]
    assert silent.attitudinal_loyalty is None
    assert silent.loyalty_quadrant == QuadrantChoice.UNKNOWN
    assert silent.behavioural_loyalty > 0
    assert snapshots[town["pending"].pk].behavioural_loyalty == 0


def test_promoters_and_positive_reviewers_are_ambassadors(db: None) -> None:
    # given four identical repeat buyers: a promoter, a 4-star reviewer, a 2-star reviewer
    # and a detractor
    promoter, fan, critic, detractor = (_steady_buyer(60, "50", times=4) for _ in range(4))
    SurveyResponseFactory(customer=promoter, nps=9, answered_at=BEFORE)
    ReviewFactory(customer=fan, rating=4, written_on=date(2026, 5, 1))
    ReviewFactory(customer=critic, rating=2, written_on=date(2026, 5, 1))
    SurveyResponseFactory(customer=detractor, nps=6, answered_at=BEFORE)
    # when scored
    run = score_run_create(period_end=PERIOD_END)
    stages = dict(
        CustomerSnapshot.objects.filter(run=run).values_list("customer_id", "lifecycle_stage")
    )
    # then the promoter and the fan are Ambassadors, the critic and the detractor not
    assert stages[promoter.pk] == StageChoice.AMBASSADOR
    assert stages[fan.pk] == StageChoice.AMBASSADOR
    assert stages[critic.pk] != StageChoice.AMBASSADOR
    assert stages[detractor.pk] != StageChoice.AMBASSADOR


def test_nullable_columns_are_stored_as_null_where_unknown() -> None:
    values, null = snapshot_column("nps_latest", np.array([9.0, np.nan, 0.0]))
    assert values.tolist() == [9, 0, 0]
    assert null is not None and null.tolist() == [False, True, False]
    values, null = snapshot_column("attitudinal_loyalty", np.array([np.nan, 0.5]))
    assert values.dtype == np.float64 and values.tolist() == [0.0, 0.5]
    assert null is not None and null.tolist() == [True, False]
    values, null = snapshot_column("advocacy_value", np.array([1.234]))
    assert values.tolist() == [1.23] and null is None
