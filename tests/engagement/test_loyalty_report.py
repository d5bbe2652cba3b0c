"""The members-versus-comparable-non-members report on a case computed by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache

from relata.engagement.loyalty_report import loyalty_report_build, loyalty_report_cached
from relata.scoring.choices import (
    ChurnLevelChoice,
    GridChoice,
    MovementChoice,
    RfmSegmentChoice,
    StageChoice,
    TierChoice,
)
from relata.scoring.models import CustomerSnapshot, RunStatus, ScoreRun
from tests.engagement.programme_support import enrol
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

SMALL_LOYAL = (TierChoice.SMALL, RfmSegmentChoice.LOYAL)
MEDIUM_CHAMPIONS = (TierChoice.MEDIUM, RfmSegmentChoice.CHAMPIONS)
BIG_CHAMPIONS = (TierChoice.BIG, RfmSegmentChoice.CHAMPIONS)


def _run(end: date) -> ScoreRun:
    return ScoreRun.objects.create(
        period_end=end, status=RunStatus.COMPLETE, settings_used={"period_months": 12}
    )


def _snapshot(  # type: ignore[no-untyped-def]
    run: ScoreRun,
    customer,
    stratum: tuple[int, int],
    *,
    revenue: str = "0",
    orders: int = 0,
    p_alive: float = 0.5,
    clv: str = "0",
    stage: int = StageChoice.REPEAT,
) -> None:
    tier, segment = stratum
    CustomerSnapshot.objects.create(
        run=run,
        period_end=run.period_end,
        customer=customer,
        tier=tier,
        movement=MovementChoice.STABLE,
        rfm_segment=segment,
        value_grid=GridChoice.RETAIN,
        churn_level=ChurnLevelChoice.LOW,
        lifecycle_stage=stage,
        revenue=Decimal(revenue),
        orders=orders,
        p_alive=p_alive,
        clv_probabilistic=Decimal(clv),
    )


def test_members_are_compared_with_weighted_non_members_of_their_stratum() -> None:
    # given two runs: June 2025 (baseline) and December 2025 (outcome)
    june, december = _run(date(2025, 6, 30)), _run(date(2025, 12, 31))
    a, b, late, unscored = (CustomerFactory() for _ in range(4))
    x, y, z, w = (CustomerFactory() for _ in range(4))
    # members: a and b joined after June; late joined after December; unscored had no
    # snapshot in June
    enrol(a, date(2025, 8, 1))
    enrol(b, date(2025, 9, 1))
    enrol(late, date(2026, 1, 15))
    enrol(unscored, date(2025, 8, 1))
    # baseline strata: a with x and y (small, loyal); b with z (medium, champions); w alone
    _snapshot(june, a, SMALL_LOYAL, revenue="100")
    _snapshot(june, x, SMALL_LOYAL, revenue="80")
    _snapshot(june, y, SMALL_LOYAL, revenue="120")
    _snapshot(june, b, MEDIUM_CHAMPIONS, revenue="400")
    _snapshot(june, z, MEDIUM_CHAMPIONS, revenue="500")
    _snapshot(june, w, BIG_CHAMPIONS, revenue="900")
    _snapshot(june, late, SMALL_LOYAL, revenue="50")
    # outcomes in December
    _snapshot(december, a, SMALL_LOYAL, revenue="300", orders=3, p_alive=0.9, clv="600")
    _snapshot(
        december,
        b,
        (TierChoice.INACTIVE, RfmSegmentChoice.LOST),
        revenue="500",
        orders=1,
        p_alive=0.3,
        clv="200",
        stage=StageChoice.LOST,
    )
    _snapshot(december, x, SMALL_LOYAL, revenue="100", orders=1, p_alive=0.8, clv="100")
    _snapshot(
        december,
        y,
        (TierChoice.INACTIVE, RfmSegmentChoice.HIBERNATING),
        revenue="300",
        orders=2,
        p_alive=0.4,
        clv="300",
    )
    _snapshot(december, z, MEDIUM_CHAMPIONS, revenue="200", orders=4, p_alive=0.6, clv="400")
    _snapshot(december, w, BIG_CHAMPIONS, revenue="1000", orders=10, p_alive=1.0, clv="2000")
    _snapshot(december, late, SMALL_LOYAL, revenue="10")
    # when the report is built
    report = loyalty_report_build()
    rows = {row.key: row for row in report.rows}
    # then a and b are compared; late joined after the latest run; unscored had no baseline
    assert report.members_total == 4
    assert (report.members_matched, report.members_too_recent) == (2, 1)
    assert report.members_without_snapshot == 1
    assert report.comparison_customers == 3  # x, y, z; w's stratum holds no member
    assert report.strata_matched == 2
    # members: mean of a and b
    assert rows["revenue"].members == pytest.approx(400.0)
    assert rows["active"].members == pytest.approx(0.5)
    assert rows["not_lost"].members == pytest.approx(0.5)
    assert rows["clv"].members == pytest.approx(400.0)
    # comparison: stratum of a → mean of x and y, stratum of b → z, each weighing one member
    assert rows["revenue"].comparison == pytest.approx((200.0 + 200.0) / 2)
    assert rows["active"].comparison == pytest.approx((0.5 + 1.0) / 2)
    assert rows["p_alive"].comparison == pytest.approx((0.6 + 0.6) / 2)
    assert rows["orders"].comparison == pytest.approx((1.5 + 4.0) / 2)
    assert rows["baseline_revenue"].members == pytest.approx(250.0)
    assert rows["baseline_revenue"].comparison == pytest.approx((100.0 + 500.0) / 2)
    # and the unadjusted non-member mean includes w
    assert rows["revenue"].others_all == pytest.approx((100 + 300 + 200 + 1000) / 4)
    assert rows["revenue"].difference == pytest.approx(200.0)


def test_the_cached_report_follows_the_membership() -> None:
    # given a cached empty report
    cache.clear()
    _run(date(2025, 6, 30))
    assert "no members" in str(loyalty_report_cached().empty_reason)
    # when a member joins, the cache key changes and the report is built again
    enrol(CustomerFactory(), date(2025, 8, 1))
    assert "after the latest score run" in str(loyalty_report_cached().empty_reason)


def test_the_report_says_why_it_is_empty() -> None:
    assert "relata score" in str(loyalty_report_build().empty_reason)
    _run(date(2025, 6, 30))
    assert "no members" in str(loyalty_report_build().empty_reason)
    enrol(CustomerFactory(), date(2025, 8, 1))
    assert "after the latest score run" in str(loyalty_report_build().empty_reason)
