"""Loyalty writes: enrolment, points on orders, redemption, expiry and the catch-up."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from relata.engagement.loyalty_bulk import order_points, points_expire
from relata.engagement.loyalty_selectors import points_balance
from relata.engagement.loyalty_services import (
    loyalty_catch_up,
    loyalty_programme_save,
    member_enrol,
    member_leave,
    points_adjust,
    points_earn_for_order,
    points_redeem,
)
from relata.engagement.models import LoyaltyMember, PointsEntry, PointsKind
from relata.sales.models import OrderStatus
from relata.sales.services import order_update
from tests.engagement.programme_support import buy, enrol, programme
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

JOINED = date(2025, 1, 1)


def _kinds(customer) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    return list(
        PointsEntry.objects.filter(customer=customer).order_by("id").values_list("kind", "points")
    )


def test_order_points_are_floored_and_never_negative() -> None:
    assert order_points(Decimal("99.99"), Decimal(1)) == 99
    assert order_points(Decimal("10.00"), Decimal("2.50")) == 25
    assert order_points(Decimal("0.99"), Decimal(1)) == 0
    assert order_points(Decimal("-5"), Decimal(1)) == 0


def test_a_member_earns_once_per_order_however_often_it_is_booked() -> None:
    # given a member and an order after joining
    programme(points_per_euro=Decimal("1.5"))
    customer = CustomerFactory()
    enrol(customer, JOINED)
    order = buy(customer, "101.00", date(2025, 3, 10))
    # when the order is booked three times
    first = points_earn_for_order(order=order, today=date(2025, 3, 10))
    again = points_earn_for_order(order=order, today=date(2025, 3, 11))
    loyalty_catch_up(today=date(2025, 3, 12))
    # then it earned floor(101 × 1.5) = 151 points once, expiring a year after the order
    assert [e.points for e in first] == [151]
    assert again == []
    entry = PointsEntry.objects.get(customer=customer)
    assert (entry.kind, entry.points, entry.booked_on) == ("earned", 151, date(2025, 3, 10))
    assert entry.expires_on == date(2026, 3, 10)


def test_orders_before_joining_after_leaving_or_cancelled_earn_nothing() -> None:
    # given a member who joined in January and left in June, and a non-member
    programme()
    customer, stranger = CustomerFactory(), CustomerFactory()
    member = enrol(customer, JOINED)
    member.left_on = date(2025, 6, 30)
    member.save()
    before = buy(customer, "50", date(2024, 12, 31))
    cancelled = buy(customer, "50", date(2025, 2, 1), status=OrderStatus.CANCELLED)
    returned = buy(customer, "50", date(2025, 2, 2), status=OrderStatus.RETURNED)
    after = buy(customer, "50", date(2025, 7, 1))
    on_leaving_day = buy(customer, "40", date(2025, 6, 30))
    not_member = buy(stranger, "50", date(2025, 3, 1))
    # when each is booked
    for order in (before, cancelled, returned, after, on_leaving_day, not_member):
        points_earn_for_order(order=order, today=date(2025, 7, 2))
    # then only the order on the leaving day earned
    assert _kinds(customer) == [("earned", 40)]
    assert _kinds(stranger) == []


def test_an_edited_order_is_adjusted_and_a_cancelled_one_gives_its_points_back() -> None:
    # given a member's order that earned 100 points
    programme()
    customer = CustomerFactory()
    enrol(customer, JOINED)
    order = buy(customer, "100", date(2025, 2, 1))
    points_earn_for_order(order=order, today=date(2025, 2, 1))
    # when the total grows to 130, then the order is cancelled
    order.total_amount = Decimal("130.00")
    order.save()
    points_earn_for_order(order=order, today=date(2025, 2, 5))
    order_update(order=order, fields={"status": OrderStatus.CANCELLED})
    points_earn_for_order(order=order, today=date(2025, 2, 6))
    # then an adjustment of +30, then one of -130, both on the order's lot
    assert _kinds(customer) == [("earned", 100), ("adjusted", 30), ("adjusted", -130)]
    assert points_balance(customer=customer) == 0
    adjusted = PointsEntry.objects.filter(customer=customer, kind="adjusted")
    assert {e.expires_on for e in adjusted} == {date(2026, 2, 1)}
    assert all(e.order_id == order.pk for e in adjusted)


def test_points_that_expired_are_not_taken_back_when_the_order_is_cancelled_later() -> None:
    # given an order whose points expired unused
    programme()
    customer = CustomerFactory()
    enrol(customer, JOINED)
    order = buy(customer, "100", date(2025, 2, 1))
    points_earn_for_order(order=order, today=date(2025, 2, 1))
    points_expire(today=date(2026, 2, 1))
    # when the order is cancelled afterwards
    order.status = OrderStatus.CANCELLED
    order.save()
    booked = points_earn_for_order(order=order, today=date(2026, 3, 1))
    # then nothing is taken twice
    assert booked == []
    assert points_balance(customer=customer) == 0


def test_redemption_refuses_more_than_the_balance_and_less_than_the_minimum() -> None:
    # given a member with 300 points and a minimum redemption of 100
    programme(minimum_redemption=100)
    customer = CustomerFactory(first_name="Anna", last_name="Smit")
    enrol(customer, JOINED)
    points_earn_for_order(order=buy(customer, "300", date(2025, 2, 1)), today=date(2025, 2, 1))
    # when redeeming too much, too little, or nothing
    with pytest.raises(ValidationError) as too_much:
        points_redeem(customer=customer, points=301, today=date(2025, 3, 1))
    with pytest.raises(ValidationError) as too_little:
        points_redeem(customer=customer, points=99, today=date(2025, 3, 1))
    with pytest.raises(ValidationError):
        points_redeem(customer=customer, points=0, today=date(2025, 3, 1))
    # then the messages say why, and nothing was booked
    assert "Anna Smit has 300 points; 301 cannot be redeemed." in too_much.value.messages
    assert "At least 100 points must be redeemed at once." in too_little.value.messages
    assert points_balance(customer=customer) == 300
    # and a valid redemption is booked with its worth
    entry = points_redeem(customer=customer, points=120, today=date(2025, 3, 1))
    assert (entry.kind, entry.points, entry.note) == ("redeemed", -120, "Redeemed for € 1.20")
    assert points_balance(customer=customer) == 180


def test_redemption_uses_the_oldest_points_so_the_right_points_expire() -> None:
    # given 100 points earned in January and 200 in June (each expiring after 12 months)
    programme()
    customer = CustomerFactory()
    enrol(customer, JOINED)
    points_earn_for_order(order=buy(customer, "100", date(2025, 1, 15)), today=date(2025, 1, 15))
    points_earn_for_order(order=buy(customer, "200", date(2025, 6, 15)), today=date(2025, 6, 15))
    # when 150 points are redeemed in December (all of January's, 50 of June's)
    points_redeem(customer=customer, points=150, today=date(2025, 12, 1))
    # then nothing expires in January 2026 (January's lot was used up) ...
    assert points_expire(today=date(2026, 1, 15)) == (0, 0)
    # ... and in June 2026 the 150 left of June's lot expire, once
    assert points_expire(today=date(2026, 6, 15)) == (1, 150)
    assert points_expire(today=date(2026, 6, 16)) == (0, 0)
    assert points_balance(customer=customer) == 0


def test_partial_redemption_after_expiry_leaves_the_later_lot_to_expire_in_full() -> None:
    # given 100 points from January 2025 expired unused in January 2026
    programme()
    customer = CustomerFactory()
    enrol(customer, JOINED)
    points_earn_for_order(order=buy(customer, "100", date(2025, 1, 10)), today=date(2025, 1, 10))
    points_earn_for_order(order=buy(customer, "80", date(2025, 3, 10)), today=date(2025, 3, 10))
    # when 30 points are redeemed in February 2026 without an expiry run before
    points_redeem(customer=customer, points=30, today=date(2026, 2, 1))
    # then the redemption first expired January's 100, and used March's lot
    assert _kinds(customer)[-2:] == [("expired", -100), ("redeemed", -30)]
    assert points_expire(today=date(2026, 3, 10)) == (1, 50)
    assert points_balance(customer=customer) == 0


def test_expiry_handles_many_customers_in_one_pass_and_is_idempotent() -> None:
    # given three members with lots due on different days
    programme(expiry_months=6)
    customers = [CustomerFactory() for _ in range(3)]
    for offset, customer in enumerate(customers):
        enrol(customer, JOINED)
        order = buy(customer, str(10 * (offset + 1)), date(2025, 1, 1 + offset))
        points_earn_for_order(order=order, today=date(2025, 1, 5))
    # when expiring by 2 July 2025 (the first two lots are due, the third on 3 July)
    first = points_expire(today=date(2025, 7, 2))
    second = points_expire(today=date(2025, 7, 2))
    # then two customers lose 10 and 20 points, once
    assert first == (2, 30)
    assert second == (0, 0)
    assert [points_balance(customer=c) for c in customers] == [0, 0, 30]


def test_points_never_expire_without_an_expiry_term() -> None:
    programme(expiry_months=None)
    customer = CustomerFactory()
    enrol(customer, JOINED)
    points_earn_for_order(order=buy(customer, "70", date(2025, 2, 1)), today=date(2025, 2, 1))
    assert PointsEntry.objects.get(customer=customer).expires_on is None
    assert points_expire(today=date(2030, 1, 1)) == (0, 0)
    assert points_balance(customer=customer) == 70


def test_adjustments_need_a_reason_and_cannot_take_more_than_the_balance() -> None:
    programme()
    customer = CustomerFactory()
    enrol(customer, JOINED)
    points_adjust(customer=customer, points=50, note="Goodwill after a late delivery")
    with pytest.raises(ValidationError) as no_reason:
        points_adjust(customer=customer, points=10, note="  ")
    with pytest.raises(ValidationError) as too_much:
        points_adjust(customer=customer, points=-60, note="Correction")
    assert "Say why the points are adjusted." in no_reason.value.messages
    assert "The balance is 50 points; 60 cannot be taken off." in too_much.value.messages
    points_adjust(customer=customer, points=-20, note="Correction")
    assert points_balance(customer=customer) == 30


def test_enrolment_with_a_past_date_earns_for_the_orders_since_then() -> None:
    # given a customer with orders before and after 1 March 2025
    programme()
    customer = CustomerFactory()
    buy(customer, "40", date(2025, 2, 1))
    buy(customer, "60", date(2025, 3, 5))
    # when enrolled as of 1 March
    member = member_enrol(customer=customer, joined_on=date(2025, 3, 1))
    # then a member number is given and the March order earned; its points, due in March
    # 2026, expired at the end of that month
    assert member.member_number.startswith("L")
    assert _kinds(customer) == [("earned", 60), ("expired", -60)]
    expired = PointsEntry.objects.get(customer=customer, kind=PointsKind.EXPIRED)
    assert expired.booked_on == date(2026, 3, 31)


def test_enrolment_is_refused_twice_and_in_the_future_and_a_member_can_rejoin() -> None:
    programme()
    customer = CustomerFactory(first_name="Piet", last_name="Bos")
    member = member_enrol(customer=customer, joined_on=date(2025, 1, 1))
    with pytest.raises(ValidationError) as twice:
        member_enrol(customer=customer)
    assert "Piet Bos is already a member" in twice.value.messages[0]
    with pytest.raises(ValidationError):
        member_enrol(customer=CustomerFactory(), joined_on=date(2999, 1, 1))
    # when the member leaves and joins again
    member_leave(member=member, left_on=date(2025, 6, 1))
    with pytest.raises(ValidationError):
        member_leave(member=member)
    again = member_enrol(customer=customer, joined_on=date(2025, 9, 1))
    # then it is the same membership, active again
    assert again.pk == member.pk
    assert (again.left_on, again.joined_on) == (None, date(2025, 9, 1))
    assert LoyaltyMember.objects.count() == 1


def test_leaving_before_joining_is_refused() -> None:
    customer = CustomerFactory()
    member = enrol(customer, date(2025, 5, 1))
    with pytest.raises(ValidationError) as error:
        member_leave(member=member, left_on=date(2025, 4, 1))
    assert "The leaving date cannot be before the joining date." in error.value.messages


def test_programme_settings_are_validated() -> None:
    saved = loyalty_programme_save(fields={"points_per_euro": Decimal(2), "reward_mode": "saving"})
    assert (saved.points_per_euro, saved.reward_mode) == (Decimal(2), "saving")
    with pytest.raises(ValidationError):
        loyalty_programme_save(fields={"points_per_euro": Decimal(-1)})
    with pytest.raises(ValidationError):
        loyalty_programme_save(fields={"id": 5})


def test_catch_up_books_imported_orders_and_expires_at_the_months_they_were_due() -> None:
    # given a member since 2024 with orders that never sent a signal (imported)
    programme()
    customer = CustomerFactory()
    enrol(customer, date(2024, 1, 1))
    buy(customer, "100", date(2024, 2, 10))
    buy(customer, "50", date(2025, 8, 20))
    buy(customer, "0.50", date(2025, 8, 21))  # too small for a point
    # when the catch-up runs on 1 December 2025
    result = loyalty_catch_up(today=date(2025, 12, 1))
    # then both orders earned, and the 2024 lot expired at the end of February 2025
    assert (result.earned_entries, result.earned_points) == (2, 150)
    assert (result.expired_customers, result.expired_points) == (1, 100)
    expired = PointsEntry.objects.get(customer=customer, kind=PointsKind.EXPIRED)
    assert expired.booked_on == date(2025, 2, 28)
    assert points_balance(customer=customer) == 50
    # and running it again books nothing
    again = loyalty_catch_up(today=date(2025, 12, 1))
    assert (again.earned_entries, again.expired_points, again.reversed_entries) == (0, 0, 0)


def test_catch_up_gives_back_points_of_orders_cancelled_by_an_import() -> None:
    programme()
    customer = CustomerFactory()
    enrol(customer, JOINED)
    order = buy(customer, "90", date(2025, 4, 1))
    points_earn_for_order(order=order, today=date(2025, 4, 1))
    type(order).objects.filter(pk=order.pk).update(status=OrderStatus.CANCELLED)
    result = loyalty_catch_up(today=date(2025, 5, 1))
    assert (result.reversed_entries, result.reversed_points) == (1, -90)
    assert points_balance(customer=customer) == 0


def test_an_inactive_programme_books_no_points() -> None:
    programme(active=False)
    customer = CustomerFactory()
    enrol(customer, JOINED)
    order = buy(customer, "90", date(2025, 4, 1))
    assert points_earn_for_order(order=order) == []
    assert loyalty_catch_up(today=date(2025, 5, 1)).earned_entries == 0


def test_saving_an_order_books_points_through_the_signal(
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    # given a member
    programme()
    customer = CustomerFactory()
    enrol(customer, JOINED)
    # when an order is created and committed
    with django_capture_on_commit_callbacks(execute=True):
        order = buy(customer, "42.80", timezone.localdate() - timedelta(days=3))
    # then its points are booked at once
    assert _kinds(customer) == [("earned", 42)]
    # and an edit through the order service adjusts them
    with django_capture_on_commit_callbacks(execute=True):
        order_update(order=order, fields={"status": OrderStatus.RETURNED})
    assert points_balance(customer=customer) == 0


def test_the_loyalty_command_prints_its_figures(capsys) -> None:  # type: ignore[no-untyped-def]
    programme()
    customer = CustomerFactory()
    enrol(customer, JOINED)
    buy(customer, "100", date(2025, 2, 1))
    call_command("loyalty", "--today", "2025-12-01")
    out = capsys.readouterr().out
    assert "Points earned: 100 on 1 orders not booked before." in out
    assert "Members: 1; points outstanding: 100 (liability € 1.00)." in out


def test_a_referred_members_first_order_still_earns_after_the_referrer_was_rewarded() -> None:
    # given a member referrer, and a referred customer whose first order rewarded the referrer
    from relata.engagement.loyalty_services import loyalty_catch_up
    from relata.engagement.models import PointsEntry, Referral
    from tests.engagement.programme_support import buy, enrol, programme
    from tests.factories import CustomerFactory

    programme()
    referrer, referred = CustomerFactory(), CustomerFactory()
    enrol(referrer, date(2026, 1, 1))
    Referral.objects.create(referrer=referrer, referred=referred, referred_on=date(2026, 3, 1))
    first = buy(referred, "80.00", date(2026, 3, 2))
    loyalty_catch_up(today=date(2026, 3, 5))
    assert PointsEntry.objects.filter(order=first, kind="referral").exists()
    # when the referred customer joins with a date before that order, and catch-up runs
    enrol(referred, date(2026, 3, 1))
    loyalty_catch_up(today=date(2026, 3, 6))
    # then the order earns the referred customer's own points too
    earned = PointsEntry.objects.get(order=first, kind="earned")
    assert (earned.customer_id, earned.points) == (referred.pk, 80)
