from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from relata.concurrency import StaleEditError
from relata.contacts.models import Notification, NotificationKind
from relata.sales.deal_services import deal_move, deal_update
from relata.sales.models import Deal, DealStage, OrderStatus
from relata.sales.services import LineInput
from tests.factories import ProductFactory
from tests.sales.deal_support import deal_with_product, new_deal, sales_person

pytestmark = pytest.mark.django_db


def test_a_new_deal_starts_as_lead_with_its_first_stage_change_recorded() -> None:
    # when
    deal = new_deal(value=Decimal("1200"))
    # then
    assert deal.stage == DealStage.LEAD
    assert deal.probability == 10
    assert deal.version == 1
    change = deal.stage_changes.get()
    assert (change.from_stage, change.to_stage) == ("", DealStage.LEAD)


def test_a_new_deal_with_products_is_worth_their_total() -> None:
    # given
    coffee = ProductFactory(price=Decimal("20.00"))
    grinder = ProductFactory(price=Decimal("150.00"))
    # when
    deal = new_deal(products=[(coffee, "10"), (grinder, "1")], value=Decimal("5"))
    # then
    assert deal.value == Decimal("350.00")
    assert deal.lines.count() == 2
    assert {line.customer_id for line in deal.lines.all()} == {deal.customer_id}


def test_a_new_deal_cannot_start_won() -> None:
    with pytest.raises(ValidationError) as error:
        new_deal(stage=DealStage.WON)
    assert "stage" in error.value.message_dict


def test_moving_a_deal_records_the_change_and_sets_the_stage_probability() -> None:
    # given
    seller = sales_person("rob")
    deal = new_deal(owner=seller)
    # when
    deal_move(deal=deal, stage=DealStage.QUOTE, user=seller, expected_version=1)
    # then
    deal.refresh_from_db()
    assert deal.stage == DealStage.QUOTE
    assert deal.probability == 60
    assert deal.version == 2
    assert deal.closed_at is None
    last = deal.stage_changes.order_by("-id").first()
    assert last is not None
    assert (last.from_stage, last.to_stage, last.changed_by) == ("lead", "quote", seller)


def test_an_explicit_probability_wins_over_the_stage_default() -> None:
    deal = new_deal()
    deal_move(deal=deal, stage=DealStage.QUALIFIED, probability=45)
    deal.refresh_from_db()
    assert deal.probability == 45


def test_winning_a_deal_creates_the_order_from_its_lines() -> None:
    # given a deal for two machines of 250
    deal = deal_with_product()
    # when it is won
    deal_move(deal=deal, stage=DealStage.WON, expected_version=deal.version)
    # then an open order with the same line exists and is linked
    deal.refresh_from_db()
    assert deal.order is not None
    assert deal.order.customer_id == deal.customer_id
    assert deal.order.status == OrderStatus.OPEN
    assert deal.order.total_amount == Decimal("500.00")
    line = deal.order.lines.get()
    assert (line.quantity, line.unit_price) == (Decimal("2.00"), Decimal("250.00"))
    assert deal.probability == 100
    assert deal.closed_at is not None


def test_a_deal_without_products_cannot_be_won_and_nothing_changes() -> None:
    # given
    deal = new_deal(value=Decimal("800"))
    # when
    with pytest.raises(ValidationError) as error:
        deal_move(deal=deal, stage=DealStage.WON, expected_version=1)
    # then the message says what to do, and the deal is untouched
    assert "Add the products" in " ".join(error.value.messages)
    deal.refresh_from_db()
    assert (deal.stage, deal.version, deal.order_id) == (DealStage.LEAD, 1, None)


def test_losing_a_deal_needs_a_reason() -> None:
    deal = new_deal()
    with pytest.raises(ValidationError) as error:
        deal_move(deal=deal, stage=DealStage.LOST, expected_version=1)
    assert "lost_reason" in error.value.message_dict
    deal_move(
        deal=Deal.objects.get(pk=deal.pk),
        stage=DealStage.LOST,
        expected_version=1,
        lost_reason="price",
        lost_note="Competitor was 10% cheaper",
    )
    deal.refresh_from_db()
    assert (deal.stage, deal.lost_reason, deal.probability) == ("lost", "price", 0)


def test_a_lost_deal_can_be_reopened_and_forgets_the_lost_reason() -> None:
    deal = new_deal()
    deal_move(deal=deal, stage=DealStage.LOST, lost_reason="timing")
    deal_move(deal=deal, stage=DealStage.QUALIFIED)
    deal.refresh_from_db()
    assert (deal.stage, deal.lost_reason, deal.closed_at) == ("qualified", "", None)


def test_a_won_deal_with_its_order_cannot_be_reopened() -> None:
    # given a won deal
    deal = deal_with_product()
    deal_move(deal=deal, stage=DealStage.WON)
    # when moving it back
    with pytest.raises(ValidationError) as error:
        deal_move(deal=Deal.objects.get(pk=deal.pk), stage=DealStage.QUOTE)
    # then it is refused naming the order
    assert deal.order is not None
    assert deal.order.order_number in " ".join(error.value.messages)
    assert Deal.objects.get(pk=deal.pk).stage == DealStage.WON


def test_a_stale_move_is_refused_and_changes_nothing() -> None:
    # given two people who loaded the deal at version 1; the first moves it
    deal = new_deal()
    deal_move(deal=Deal.objects.get(pk=deal.pk), stage=DealStage.QUALIFIED, expected_version=1)
    # when the second moves it with the version they saw
    with pytest.raises(StaleEditError) as error:
        deal_move(
            deal=Deal.objects.get(pk=deal.pk),
            stage=DealStage.LOST,
            expected_version=1,
            lost_reason="price",
        )
    # then the first move stands
    assert error.value.current_version == 2
    assert Deal.objects.get(pk=deal.pk).stage == DealStage.QUALIFIED


def test_a_stale_edit_is_refused_and_the_first_save_is_kept() -> None:
    # given two editors at version 1
    deal = new_deal(title="Espresso bar")
    first = Deal.objects.get(pk=deal.pk)
    second = Deal.objects.get(pk=deal.pk)
    deal_update(deal=first, fields={"title": "Espresso bar, two groups"}, expected_version=1)
    # when the second saves
    with pytest.raises(StaleEditError):
        deal_update(deal=second, fields={"notes": "call back"}, expected_version=1)
    # then
    stored = Deal.objects.get(pk=deal.pk)
    assert (stored.title, stored.notes, stored.version) == ("Espresso bar, two groups", "", 2)


def test_updating_lines_recomputes_the_value() -> None:
    deal = new_deal(value=Decimal("10"))
    product = ProductFactory(price=Decimal("99.50"))
    deal_update(
        deal=deal,
        fields={},
        lines=[LineInput(product=product, quantity=Decimal(3))],
        expected_version=1,
    )
    assert Deal.objects.get(pk=deal.pk).value == Decimal("298.50")


def test_the_stage_cannot_be_changed_by_an_edit() -> None:
    deal = new_deal()
    with pytest.raises(ValidationError):
        deal_update(deal=deal, fields={"stage": DealStage.WON}, expected_version=1)


def test_the_owner_is_told_when_someone_else_moves_their_deal() -> None:
    # given
    owner = sales_person("olga")
    colleague = sales_person("cas")
    deal = new_deal(owner=owner)
    # when a colleague moves it, and then the owner moves it themself
    deal_move(deal=deal, stage=DealStage.QUALIFIED, user=colleague)
    deal_move(deal=deal, stage=DealStage.QUOTE, user=owner)
    # then only the colleague's move is notified
    notification = Notification.objects.get(recipient=owner)
    assert notification.kind == NotificationKind.DEAL_CHANGED
    assert notification.actor == colleague
    assert notification.params["to_stage"] == "qualified"
    assert notification.url == f"/deals/{deal.pk}/"


def test_stage_timestamps_follow_the_moves() -> None:
    deal = new_deal()
    before = timezone.now() - timedelta(seconds=1)
    deal_move(deal=deal, stage=DealStage.QUALIFIED)
    deal.refresh_from_db()
    assert deal.stage_changed_at >= before
