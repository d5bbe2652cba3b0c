from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from relata.contacts.models import ContactMoment
from relata.customers.models import Customer
from relata.sales.deal_selectors import deal_board, deal_funnel, deal_search, win_back_customers
from relata.sales.deal_services import deal_move
from relata.sales.models import Deal, DealSource, DealStage, DealStageChange
from relata.scoring.choices import (
    ChurnLevelChoice,
    GridChoice,
    MovementChoice,
    RfmSegmentChoice,
    StageChoice,
    TierChoice,
)
from relata.scoring.models import CustomerSnapshot, RunStatus, ScoreRun
from tests.factories import CustomerFactory
from tests.sales.deal_support import new_deal, sales_person

pytestmark = pytest.mark.django_db


def _column(columns: list[Any], stage: str) -> Any:
    return next(column for column in columns if column.stage == stage)


def test_the_board_counts_and_sums_each_column_and_caps_the_cards() -> None:
    # given five leads and a quote
    for value in (100, 500, 300, 200, 400):
        new_deal(value=Decimal(value), title=f"Lead {value}")
    new_deal(stage=DealStage.QUOTE, value=Decimal(1000), probability=50)
    # when the board shows three cards per column
    columns = deal_board(limit=3)
    # then the lead column has the biggest three first, and knows there are two more
    leads = _column(columns, DealStage.LEAD)
    assert [d.title for d in leads.deals] == ["Lead 500", "Lead 400", "Lead 300"]
    assert (leads.count, leads.more, leads.total) == (5, 2, Decimal(1500))
    quote = _column(columns, DealStage.QUOTE)
    assert (quote.count, quote.weighted) == (1, Decimal(500))
    assert [c.stage for c in columns] == ["lead", "qualified", "quote", "won", "lost"]


def test_the_board_shows_deals_closed_recently_only() -> None:
    # given a deal lost today and one lost two months ago
    recent = new_deal(title="Recent")
    deal_move(deal=recent, stage=DealStage.LOST, lost_reason="price")
    old = new_deal(title="Old")
    deal_move(deal=old, stage=DealStage.LOST, lost_reason="price")
    Deal.objects.filter(pk=old.pk).update(closed_at=timezone.now() - timedelta(days=60))
    # when
    lost = _column(deal_board(), DealStage.LOST)
    # then
    assert [d.title for d in lost.deals] == ["Recent"]
    assert lost.count == 1


def test_the_board_filters_by_owner_source_and_search() -> None:
    # given
    mine = sales_person("me")
    new_deal(owner=mine, title="Mine", source=DealSource.REFERRAL)
    new_deal(title="Theirs", source=DealSource.REFERRAL)
    new_deal(
        owner=mine,
        title="Fair lead",
        source=DealSource.EVENT,
        customer=CustomerFactory(last_name="Veenstra"),
    )
    # then
    by_owner = _column(deal_board(owner_id=mine.pk), DealStage.LEAD)
    assert {d.title for d in by_owner.deals} == {"Mine", "Fair lead"}
    by_source = _column(deal_board(source=DealSource.REFERRAL), DealStage.LEAD)
    assert {d.title for d in by_source.deals} == {"Mine", "Theirs"}
    by_customer = _column(deal_board(query="veenstra"), DealStage.LEAD)
    assert [d.title for d in by_customer.deals] == ["Fair lead"]


def test_the_board_needs_the_same_queries_for_many_deals(
    django_assert_max_num_queries: Any,
) -> None:
    # given 30 deals of different owners and customers in the three open stages
    for index in range(30):
        stage = (DealStage.LEAD, DealStage.QUALIFIED, DealStage.QUOTE)[index % 3]
        new_deal(owner=sales_person(f"seller{index}"), stage=stage)
    # when the board is built and every card's customer and owner read
    with django_assert_max_num_queries(6):
        columns = deal_board()
        names = [(d.customer.display_name, d.owner.username) for c in columns for d in c.deals]
    # then: one query for the totals and one per column, no query per card
    assert len(names) == 30


def test_the_list_filters_and_sorts() -> None:
    # given
    new_deal(title="Small", value=Decimal(10))
    big = new_deal(title="Big", value=Decimal(900))
    deal_move(deal=big, stage=DealStage.LOST, lost_reason="price")
    # then
    assert [d.title for d in deal_search(sort="-value")] == ["Big", "Small"]
    assert [d.title for d in deal_search(open_only=True)] == ["Small"]
    assert [d.title for d in deal_search(stage=DealStage.LOST)] == ["Big"]
    assert [d.title for d in deal_search(query="sma")] == ["Small"]


def _history(deal: Deal, *entries: tuple[str, int]) -> None:
    """Replace the deal's history: (stage, day offset from its creation)."""
    deal.stage_changes.all().delete()
    start = deal.created_at
    previous = ""
    for stage, day in entries:
        DealStageChange.objects.create(
            deal=deal,
            customer_id=deal.customer_id,
            from_stage=previous,
            to_stage=stage,
            changed_at=start + timedelta(days=day),
        )
        previous = stage
    Deal.objects.filter(pk=deal.pk).update(stage=previous)


def test_the_funnel_counts_conversion_and_lead_times() -> None:
    # given four deals: one won in 10 days, one lost after qualifying, one quote, one lead
    ann = sales_person("ann")
    won = new_deal(owner=ann, source=DealSource.REFERRAL)
    _history(won, ("lead", 0), ("qualified", 2), ("quote", 4), ("won", 10))
    lost = new_deal(owner=ann, source=DealSource.EVENT)
    _history(lost, ("lead", 0), ("qualified", 4), ("lost", 8))
    quote = new_deal(source=DealSource.EVENT)
    _history(quote, ("quote", 0))
    new_deal(source=DealSource.EVENT)
    today = timezone.localdate()
    # when
    funnel = deal_funnel(date_from=today - timedelta(days=1), date_to=today)
    # then the reached counts include the stages a deal skipped on its way
    steps = {step.stage: step for step in funnel.overall.steps}
    assert [steps[s].reached for s in ("lead", "qualified", "quote", "won")] == [4, 3, 2, 1]
    assert steps["lead"].conversion == pytest.approx(3 / 4)
    assert steps["quote"].conversion == pytest.approx(1 / 2)
    assert funnel.overall.lead_to_won == pytest.approx(1 / 4)
    # and the lead times are medians and means over the deals that made each step
    assert steps["qualified"].median_days == pytest.approx(3)
    assert steps["qualified"].mean_days == pytest.approx(3)
    assert steps["won"].median_days == pytest.approx(6)
    assert funnel.overall.median_days_to_won == pytest.approx(10)
    assert funnel.overall.mean_days_to_won == pytest.approx(10)
    assert funnel.overall.lost == 1
    # and per owner and source
    by_owner = {row.label: row for row in funnel.by_owner}
    assert by_owner["ann"].deals == 2
    assert by_owner["ann"].lead_to_won == pytest.approx(1 / 2)
    by_source = {row.key: row for row in funnel.by_source}
    assert by_source["event"].deals == 3
    assert by_source["referral"].lead_to_won == 1


def test_the_funnel_only_counts_deals_created_in_the_period() -> None:
    deal = new_deal()
    Deal.objects.filter(pk=deal.pk).update(created_at=timezone.now() - timedelta(days=400))
    today = timezone.localdate()
    funnel = deal_funnel(date_from=today - timedelta(days=30), date_to=today)
    assert funnel.overall.deals == 0


def _snapshot(run: ScoreRun, customer: Customer, **fields: Any) -> None:
    values: dict[str, Any] = {
        "tier": TierChoice.MEDIUM,
        "movement": MovementChoice.STABLE,
        "rfm_segment": RfmSegmentChoice.LOYAL,
        "value_grid": GridChoice.RETAIN,
        "churn_level": ChurnLevelChoice.LOW,
        "lifecycle_stage": StageChoice.REPEAT,
        "profit": Decimal(100),
    }
    values.update(fields)
    CustomerSnapshot.objects.create(run=run, period_end=run.period_end, customer=customer, **values)


def test_win_back_lists_profitable_customers_lost_by_deal_or_by_the_scores() -> None:
    # given a complete score run
    run = ScoreRun.objects.create(period_end=date(2026, 9, 30), status=RunStatus.COMPLETE)
    lost_deal_profitable = CustomerFactory(last_name="Profitable")
    lost_deal_unprofitable = CustomerFactory(last_name="Unprofitable")
    lost_by_scores = CustomerFactory(last_name="Lapsed")
    happy = CustomerFactory(last_name="Happy")
    for customer in (lost_deal_profitable, lost_deal_unprofitable):
        deal = new_deal(customer=customer, value=Decimal(700))
        deal_move(deal=deal, stage=DealStage.LOST, lost_reason="competitor")
    _snapshot(run, lost_deal_profitable)
    _snapshot(run, lost_deal_unprofitable, profit=Decimal(-50))
    _snapshot(
        run,
        lost_by_scores,
        tier=TierChoice.INACTIVE,
        previous_tier=TierChoice.TOP,
        lifecycle_stage=StageChoice.LOST,
        profit=Decimal(0),
    )
    _snapshot(run, happy)
    ContactMoment.objects.create(
        customer=lost_deal_profitable, channel="phone", touchpoint="sales", subject="Called"
    )
    # when
    customers = list(win_back_customers())
    # then the lost deal comes first (it has a value), with its reason and last contact
    assert [c.last_name for c in customers] == ["Profitable", "Lapsed"]
    first = customers[0]
    assert (first.lost_value, first.lost_reason) == (Decimal(700), "competitor")
    assert first.last_contact is not None
    assert customers[1].lost_deal_id is None


def test_win_back_without_a_score_run_uses_the_order_margin() -> None:
    # given a customer with a lost deal but no orders, and one with a profitable order
    from relata.sales.services import LineInput, order_create
    from tests.factories import ProductFactory

    no_orders = CustomerFactory()
    bought = CustomerFactory(last_name="Bought")
    order_create(
        customer=bought,
        lines=[LineInput(product=ProductFactory(), quantity=Decimal(1))],
    )
    for customer in (no_orders, bought):
        deal = new_deal(customer=customer)
        deal_move(deal=deal, stage=DealStage.LOST, lost_reason="price")
    # then
    assert [c.last_name for c in win_back_customers()] == ["Bought"]
