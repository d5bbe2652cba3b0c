from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from relata.contacts.services import contact_moment_log
from relata.sales.models import Order
from relata.sales.services import LineInput, order_create
from relata.scoring import services
from relata.scoring.choices import StageChoice, TierChoice
from relata.scoring.models import CustomerSnapshot, RunStatus, ScoreRun, ScoringSettings
from tests.factories import CustomerFactory, ProductFactory

PERIOD_END = date(2026, 6, 30)


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


def _buy(customer, product, day: date, quantity: int = 1) -> Order:  # type: ignore[no-untyped-def]
    order = order_create(
        customer=customer, lines=[LineInput(product=product, quantity=Decimal(quantity))]
    )
    order.order_date = day
    order.save(update_fields=["order_date"])
    return order


@pytest.fixture
def shop(db: None) -> dict[str, object]:
    """Ten buyers with rising spend, a lapsed buyer, a prospect in contact, and a suspect."""
    product = ProductFactory(price=Decimal("100.00"), unit_cost=Decimal("60.00"))
    buyers = []
    for i in range(10):
        customer = CustomerFactory(created_at=_moment(PERIOD_END - timedelta(days=900)))
        for k in range(i + 1):
            _buy(customer, product, PERIOD_END - timedelta(days=20 + 30 * k), quantity=i + 1)
        buyers.append(customer)
    lapsed = CustomerFactory()
    _buy(lapsed, product, PERIOD_END - timedelta(days=500))
    prospect = CustomerFactory()
    contact_moment_log(customer=prospect, channel="phone", touchpoint="sales", subject="Interest")
    suspect = CustomerFactory()
    for c in (lapsed, prospect, suspect):
        c.created_at = _moment(PERIOD_END - timedelta(days=900))
        c.save(update_fields=["created_at"])
    prospect.contact_moments.update(occurred_at=_moment(PERIOD_END - timedelta(days=10)))
    return {"buyers": buyers, "lapsed": lapsed, "prospect": prospect, "suspect": suspect}


@pytest.mark.django_db
def test_score_run_writes_one_snapshot_per_customer_with_tiers(shop) -> None:  # type: ignore[no-untyped-def]
    # when the period is scored
    run = services.score_run_create(period_end=PERIOD_END)
    # then every customer has a snapshot and the tiers follow the rules
    assert run.status == RunStatus.COMPLETE
    snapshots = {s.customer_id: s for s in CustomerSnapshot.objects.filter(run=run)}
    assert len(snapshots) == 13
    best = shop["buyers"][-1]
    assert snapshots[best.pk].tier == TierChoice.TOP
    assert snapshots[shop["lapsed"].pk].tier == TierChoice.INACTIVE
    assert snapshots[shop["prospect"].pk].tier == TierChoice.PROSPECT
    assert snapshots[shop["suspect"].pk].tier == TierChoice.SUSPECT
    assert snapshots[shop["suspect"].pk].lifecycle_stage == StageChoice.SUSPECT
    assert snapshots[best.pk].revenue == Decimal("10000.00")
    assert snapshots[best.pk].margin == Decimal("4000.00")
    assert snapshots[best.pk].frequency == 10
    # and the period summary holds the pyramid for the dashboard
    pyramid = {row["tier"]: row for row in run.summary["pyramid"]}
    assert pyramid[TierChoice.TOP]["customers"] == 1
    assert sum(row["customers"] for row in pyramid.values()) == 13


@pytest.mark.django_db
def test_no_snapshot_value_is_nan_or_missing(shop) -> None:  # type: ignore[no-untyped-def]
    run = services.score_run_create(period_end=PERIOD_END)
    for snapshot in CustomerSnapshot.objects.filter(run=run):
        for name in ("p_alive", "expected_purchases", "churn_risk"):
            value = getattr(snapshot, name)
            assert value == value, name  # NaN is the only value unequal to itself


@pytest.mark.django_db
def test_rescoring_a_period_replaces_it(shop) -> None:  # type: ignore[no-untyped-def]
    # given a scored period
    first = services.score_run_create(period_end=PERIOD_END)
    # when it is scored again after a setting changed
    settings = ScoringSettings.current()
    settings.top_percent = Decimal(20)
    settings.save()
    second = services.score_run_create(period_end=PERIOD_END)
    # then only the new run is there, with its own snapshots
    assert not ScoreRun.objects.filter(pk=first.pk).exists()
    assert CustomerSnapshot.objects.filter(run=second).count() == 13
    assert CustomerSnapshot.objects.filter(run=second, tier=TierChoice.TOP).count() == 2


@pytest.mark.django_db
def test_an_interrupted_run_leaves_no_half_period(shop) -> None:  # type: ignore[no-untyped-def]
    # given a complete earlier run of the period
    earlier = services.score_run_create(period_end=PERIOD_END)

    # when the next run dies after writing some snapshots
    real_write = services._write_snapshots

    def write_then_die(**kwargs):  # type: ignore[no-untyped-def]
        real_write(**kwargs)
        raise KeyboardInterrupt

    with (
        mock.patch.object(services, "_write_snapshots", write_then_die),
        pytest.raises(KeyboardInterrupt),
    ):
        services.score_run_create(period_end=PERIOD_END)
    # then the earlier run and its snapshots are untouched and the failed run shows nothing
    failed = ScoreRun.objects.exclude(pk=earlier.pk).get()
    assert failed.status == RunStatus.FAILED
    assert not CustomerSnapshot.objects.filter(run=failed).exists()
    assert CustomerSnapshot.objects.filter(run=earlier).count() == 13


@pytest.mark.django_db
def test_backfill_scores_history_oldest_first(shop) -> None:  # type: ignore[no-untyped-def]
    # when scoring with a quarterly backfill
    call_command("score", period_end=PERIOD_END, backfill="quarterly", no_progress=True)
    # then there is one complete run per quarter back to the first order
    ends = list(
        ScoreRun.objects.filter(status=RunStatus.COMPLETE)
        .order_by("period_end")
        .values_list("period_end", flat=True)
    )
    assert ends[-1] == PERIOD_END
    assert ends[0] <= PERIOD_END - timedelta(days=500) + timedelta(days=92)
    assert len(ends) == len(set(ends)) >= 6


@pytest.mark.django_db
def test_only_one_off_buyers_falls_back_without_nan(db: None) -> None:  # type: ignore[no-untyped-def]
    # given customers who each bought once
    product = ProductFactory()
    for i in range(5):
        _buy(CustomerFactory(), product, PERIOD_END - timedelta(days=10 + i))
    # when scored
    run = services.score_run_create(period_end=PERIOD_END)
    # then the probabilistic model's fallback is recorded and values stay numbers
    assert "fallback" in run.model_fit
    values = CustomerSnapshot.objects.filter(run=run).values_list("p_alive", "clv_probabilistic")
    assert all(p == 1.0 and clv == 0 for p, clv in values)


@pytest.mark.django_db
def test_an_empty_database_scores_nothing(db: None) -> None:
    run = services.score_run_create(period_end=PERIOD_END)
    assert run.status == RunStatus.COMPLETE
    assert run.customers == 0


def test_bad_period_end_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("score", "--period-end", "31-02-2026")


def test_months_before_clips_to_month_end() -> None:
    assert services.months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert services.months_before(date(2026, 1, 15), 12) == date(2025, 1, 15)


@pytest.mark.django_db
def test_score_run_records_its_phase_timings(shop) -> None:  # type: ignore[no-untyped-def]
    # when the period is scored
    run = services.score_run_create(period_end=PERIOD_END)
    # then the run says how long each phase took, also as stored
    timings = ScoreRun.objects.get(pk=run.pk).model_fit["timings"]
    assert set(timings) == {"read", "analytics", "replace", "write", "commit", "total"}
    assert all(seconds >= 0 for seconds in timings.values())
    assert timings["total"] >= timings["read"] + timings["write"]


@pytest.mark.django_db
def test_a_customer_deleted_during_the_run_gets_no_snapshot(shop) -> None:  # type: ignore[no-untyped-def]
    # given a customer deleted after the run read the data, before it writes
    real_compute = services._compute
    gone_id = shop["suspect"].pk

    def compute_then_delete(**kwargs):  # type: ignore[no-untyped-def]
        result = real_compute(**kwargs)
        shop["suspect"].delete()
        return result

    # when the run writes its snapshots
    with mock.patch.object(services, "_compute", compute_then_delete):
        run = services.score_run_create(period_end=PERIOD_END)
    # then no snapshot points at the deleted customer
    customers = set(CustomerSnapshot.objects.filter(run=run).values_list("customer_id", flat=True))
    assert len(customers) == 12
    assert gone_id not in customers
