"""Loyalty and referral reads: what a balance is worth, expiry forecasts, member lists,
monthly flows, liability, and the referral figures influence value reads."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from relata.engagement.loyalty_selectors import (
    member_list,
    member_stats,
    points_expiring,
    points_per_month,
    reward_status,
)
from relata.engagement.loyalty_services import points_earn_for_order, points_redeem
from relata.engagement.models import PointsEntry, PointsKind, Referral
from relata.engagement.programme_selectors import customer_programme_summary
from relata.engagement.referral_selectors import (
    referral_influence_inputs,
    referral_totals,
    referrer_stats,
)
from relata.scoring.choices import (
    ChurnLevelChoice,
    GridChoice,
    MovementChoice,
    RfmSegmentChoice,
    StageChoice,
    TierChoice,
)
from relata.scoring.models import CustomerSnapshot, RunStatus, ScoreRun
from tests.engagement.programme_support import buy, enrol, programme
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_direct_reward_shows_the_worth_once_the_minimum_is_reached() -> None:
    settings = programme(point_value=Decimal("0.05"), minimum_redemption=100)
    below = reward_status(balance=80, programme=settings)
    above = reward_status(balance=140, programme=settings)
    assert (below.redeemable, below.worth) == (False, Decimal("4.00"))
    assert (above.redeemable, above.worth) == (True, Decimal("7.00"))
    assert above.next_level is None


def test_saving_mode_shows_progress_to_the_next_multiple_of_the_minimum() -> None:
    settings = programme(reward_mode="saving", minimum_redemption=500)
    status = reward_status(balance=1_240, programme=settings)
    assert (status.levels_reached, status.next_level, status.to_next) == (2, 1_500, 260)
    assert status.progress_percent == 48
    assert status.levels == [500, 1_000, 1_500]
    empty = reward_status(balance=0, programme=settings)
    assert (empty.levels_reached, empty.next_level, empty.levels) == (0, 500, [500, 1_000, 1_500])


def test_the_expiry_forecast_follows_first_in_first_out() -> None:
    # given 100 points due in January 2026 and 200 due in June 2026, 150 redeemed
    programme()
    customer = CustomerFactory()
    enrol(customer, date(2025, 1, 1))
    points_earn_for_order(order=buy(customer, "100", date(2025, 1, 15)), today=date(2025, 1, 15))
    points_earn_for_order(order=buy(customer, "200", date(2025, 6, 15)), today=date(2025, 6, 15))
    points_redeem(customer=customer, points=150, today=date(2025, 12, 1))
    # when forecasting in December 2025
    forecast = points_expiring(customer=customer, today=date(2025, 12, 2))
    # then nothing is left of January's lot; 150 expire in June
    assert forecast == [(date(2026, 6, 15), 150)]


def test_member_list_carries_balances_and_filters() -> None:
    programme()
    active, former = CustomerFactory(last_name="Visser"), CustomerFactory(last_name="Bakker")
    enrol(active, date(2025, 1, 1), number="M1")
    gone = enrol(former, date(2025, 1, 1), number="M2")
    gone.left_on = date(2025, 3, 1)
    gone.save()
    PointsEntry.objects.create(customer=active, kind=PointsKind.EARNED, points=70)
    PointsEntry.objects.create(customer=active, kind=PointsKind.REDEEMED, points=-20)
    assert [(m.member_number, m.balance) for m in member_list()] == [("M1", 50)]
    assert [m.member_number for m in member_list(status="left")] == ["M2"]
    assert [m.member_number for m in member_list(status="all", query="visser")] == ["M1"]
    assert [m.member_number for m in member_list(status="all", query="m2")] == ["M2"]


def test_liability_counts_positive_balances_only() -> None:
    programme(point_value=Decimal("0.10"))
    owed, owing = CustomerFactory(), CustomerFactory()
    enrol(owed, date(2025, 1, 1))
    PointsEntry.objects.create(customer=owed, kind=PointsKind.EARNED, points=300)
    PointsEntry.objects.create(customer=owing, kind=PointsKind.ADJUSTED, points=-40)
    stats = member_stats(today=date(2025, 6, 1))
    assert (stats.points_outstanding, stats.liability) == (300, Decimal("30.00"))
    assert stats.members == 1


def test_points_per_month_fill_empty_months() -> None:
    customer = CustomerFactory()
    PointsEntry.objects.create(
        customer=customer, kind="earned", points=40, booked_on=date(2025, 3, 5)
    )
    PointsEntry.objects.create(
        customer=customer, kind="redeemed", points=-15, booked_on=date(2025, 3, 20)
    )
    PointsEntry.objects.create(
        customer=customer, kind="expired", points=-5, booked_on=date(2025, 5, 1)
    )
    flows = points_per_month(months=4, today=date(2025, 5, 10))
    assert [f.month for f in flows] == [date(2025, m, 1) for m in (2, 3, 4, 5)]
    assert [(f.earned, f.redeemed, f.expired) for f in flows] == [
        (0, 0, 0),
        (40, 15, 0),
        (0, 0, 0),
        (0, 0, 5),
    ]


def _snapshot(run: ScoreRun, customer, clv: str) -> None:  # type: ignore[no-untyped-def]
    CustomerSnapshot.objects.create(
        run=run,
        period_end=run.period_end,
        customer=customer,
        tier=TierChoice.SMALL,
        movement=MovementChoice.STABLE,
        rfm_segment=RfmSegmentChoice.NEW,
        value_grid=GridChoice.RETAIN,
        churn_level=ChurnLevelChoice.LOW,
        lifecycle_stage=StageChoice.NEW,
        clv_probabilistic=Decimal(clv),
    )


def test_referrer_figures_carry_the_clv_of_the_customers_they_brought() -> None:
    # given a referrer of three customers (one rejected) and another of one
    run = ScoreRun.objects.create(period_end=date(2025, 12, 31), status=RunStatus.COMPLETE)
    anna, piet = CustomerFactory(), CustomerFactory()
    brought = [CustomerFactory() for _ in range(4)]
    Referral.objects.create(referrer=anna, referred=brought[0], status="rewarded")
    Referral.objects.create(referrer=anna, referred=brought[1])
    Referral.objects.create(referrer=anna, referred=brought[2], status="rejected")
    Referral.objects.create(referrer=piet, referred=brought[3], status="rewarded")
    for customer, clv in zip(brought, ("100.50", "20", "999", "40"), strict=True):
        _snapshot(run, customer, clv)
    # when read
    stats = {row.customer.pk: row for row in referrer_stats()}
    influence = referral_influence_inputs()
    totals = referral_totals()
    # then rejected referrals count as such but bring no CLV
    assert (stats[anna.pk].referrals, stats[anna.pk].rewarded, stats[anna.pk].rejected) == (3, 1, 1)
    assert stats[anna.pk].referred_clv == Decimal("120.50")
    assert stats[piet.pk].referred_clv == Decimal("40")
    assert list(influence.referrer_ids) == sorted([anna.pk, piet.pk])
    by_id = dict(zip(influence.referrer_ids.tolist(), influence.referred_clv.tolist(), strict=True))
    assert by_id[anna.pk] == pytest.approx(120.5)
    assert dict(
        zip(influence.referrer_ids.tolist(), influence.referrals.tolist(), strict=True)
    ) == {
        anna.pk: 2,
        piet.pk: 1,
    }
    assert (totals.referrals, totals.rewarded, totals.referrers) == (4, 2, 2)
    assert totals.referred_clv == Decimal("160.50")
    assert totals.conversion == pytest.approx(2 / 3)


def test_customer_summary_combines_membership_points_and_referrals() -> None:
    programme(point_value=Decimal("0.01"))
    customer, friend = CustomerFactory(), CustomerFactory()
    enrol(customer, date(2025, 1, 1))
    PointsEntry.objects.create(customer=customer, kind=PointsKind.EARNED, points=1_234)
    Referral.objects.create(referrer=customer, referred=friend)
    summary = customer_programme_summary(customer=customer)
    assert summary.is_member
    assert (summary.balance, summary.reward.worth) == (1_234, Decimal("12.34"))
    assert summary.referrals.made == 1
    assert summary.code is None
    friend_summary = customer_programme_summary(customer=friend)
    assert friend_summary.referrals.referred_by is not None
    assert friend_summary.referrals.referred_by.referrer_id == customer.pk
    assert not friend_summary.is_member
