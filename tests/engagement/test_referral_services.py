"""Referral writes: codes, the rules of who may refer whom, rewards and rejection."""

from __future__ import annotations

from datetime import date, timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from relata.engagement import referral_services
from relata.engagement.loyalty_selectors import points_balance
from relata.engagement.loyalty_services import loyalty_catch_up, member_enrol
from relata.engagement.models import PointsEntry, PointsKind, Referral, ReferralCode
from relata.engagement.referral_services import (
    CODE_ALPHABET,
    referral_code_format,
    referral_code_issue,
    referral_code_normalise,
    referral_record,
    referral_reject,
    referral_reward,
)
from tests.engagement.programme_support import buy, enrol, programme
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _today() -> date:
    return timezone.localdate()


def test_a_code_is_eight_unambiguous_characters_and_issued_once() -> None:
    customer = CustomerFactory()
    code = referral_code_issue(customer=customer)
    again = referral_code_issue(customer=customer)
    assert again.pk == code.pk
    assert len(code.code) == 8
    assert set(code.code) <= set(CODE_ALPHABET)
    assert not set(code.code) & set("01OIL")
    assert referral_code_format("ABCD2345") == "ABCD-2345"
    assert referral_code_normalise(" abcd-2345 ") == "ABCD2345"


def test_a_colliding_code_is_drawn_again() -> None:
    # given a code that exists already
    ReferralCode.objects.create(customer=CustomerFactory(), code="AAAAAAAA")
    customer = CustomerFactory()
    # when the first draw collides
    draws = iter(["AAAAAAAA", "BBBBBBBB"])
    with mock.patch.object(referral_services, "_new_code", lambda: next(draws)):
        code = referral_code_issue(customer=customer)
    # then the second draw is used
    assert code.code == "BBBBBBBB"


def test_recording_by_code_links_the_referred_customer_to_the_referrer() -> None:
    # given a referrer's code and a new customer
    referrer, newcomer = CustomerFactory(), CustomerFactory()
    code = referral_code_issue(customer=referrer)
    # when the newcomer is recorded with the code, typed loosely
    typed = referral_code_format(code.code).lower()
    referral = referral_record(referred=newcomer, code=f" {typed} ")
    # then the referral is pending, linked through the code
    assert (referral.referrer_id, referral.referred_id, referral.code_id) == (
        referrer.pk,
        newcomer.pk,
        code.pk,
    )
    assert referral.status == "pending"


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("unknown_code", "No referral code ZZZZ-ZZZZ."),
        ("self", "cannot refer themself."),
        ("twice", "was already referred by"),
        ("mutual", "they cannot refer each other."),
        ("established", "only new customers can be referred"),
        ("future", "The referral date cannot be in the future."),
    ],
)
def test_referrals_that_break_a_rule_are_refused_with_the_reason(case: str, message: str) -> None:
    # given a referrer with a code, a newcomer, and an established customer
    referrer, newcomer = CustomerFactory(), CustomerFactory()
    code = referral_code_issue(customer=referrer).code
    kwargs: dict[str, object] = {"referred": newcomer, "code": code}
    if case == "unknown_code":
        kwargs["code"] = "ZZZZ-ZZZZ"
    elif case == "self":
        kwargs["referred"] = referrer
    elif case == "twice":
        referral_record(referred=newcomer, referrer=CustomerFactory())
    elif case == "mutual":
        referral_record(referred=referrer, referrer=newcomer)
    elif case == "established":
        buy(newcomer, "30", _today() - timedelta(days=200))
    elif case == "future":
        kwargs["referred_on"] = _today() + timedelta(days=1)
    # when recorded
    with pytest.raises(ValidationError) as error:
        referral_record(**kwargs)  # type: ignore[arg-type]
    # then refused, saying why
    assert any(message in text for text in error.value.messages)


def test_a_first_purchase_within_the_grace_period_rewards_at_once() -> None:
    # given a referrer who is a member, and a newcomer who bought 10 days ago
    programme(referral_reward_points=500)
    referrer, newcomer = CustomerFactory(), CustomerFactory()
    enrol(referrer, _today() - timedelta(days=400))
    order = buy(newcomer, "30", _today() - timedelta(days=10))
    # when the referral is recorded
    referral = referral_record(referred=newcomer, referrer=referrer)
    # then it is rewarded, the referrer's points linked to the newcomer's first order
    referral.refresh_from_db()
    assert (referral.status, referral.reward_points) == ("rewarded", 500)
    reward = PointsEntry.objects.get(customer=referrer, kind=PointsKind.REFERRAL)
    assert (reward.points, reward.order_id) == (500, order.pk)


def test_a_referrer_who_is_no_member_is_rewarded_without_points() -> None:
    programme()
    referral = referral_record(referred=CustomerFactory(), referrer=CustomerFactory())
    rewarded = referral_reward(referral=referral)
    assert (rewarded.status, rewarded.reward_points) == ("rewarded", 0)
    assert "not a loyalty member" in rewarded.note
    assert not PointsEntry.objects.exists()
    with pytest.raises(ValidationError) as twice:
        referral_reward(referral=referral)
    assert "only a pending referral can be rewarded" in twice.value.messages[0]


def test_the_first_order_rewards_a_pending_referral_through_the_signal(
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    # given a pending referral by a member
    programme(referral_reward_points=300)
    referrer, newcomer = CustomerFactory(), CustomerFactory()
    enrol(referrer, _today() - timedelta(days=100))
    referral = referral_record(referred=newcomer, referrer=referrer)
    # when the newcomer's first order is saved (a cancelled one does not count)
    with django_capture_on_commit_callbacks(execute=True):
        buy(newcomer, "25", _today(), status="cancelled")
    referral.refresh_from_db()
    assert referral.status == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        buy(newcomer, "25", _today())
    # then the referrer gets the reward
    referral.refresh_from_db()
    assert (referral.status, referral.reward_points) == ("rewarded", 300)
    assert points_balance(customer=referrer) == 300


def test_the_catch_up_rewards_referrals_whose_customer_bought_in_an_import() -> None:
    # given two pending referrals, one by a member, whose referred customers then bought
    programme(referral_reward_points=400)
    member, other = CustomerFactory(), CustomerFactory()
    enrol(member, _today() - timedelta(days=50))
    first = referral_record(referred=CustomerFactory(), referrer=member)
    second = referral_record(referred=CustomerFactory(), referrer=other)
    order = buy(first.referred, "25", _today())
    buy(second.referred, "25", _today())
    # when the catch-up runs (twice)
    result = loyalty_catch_up()
    again = loyalty_catch_up()
    # then both are rewarded once, points only for the member, linked to the first order
    first.refresh_from_db()
    second.refresh_from_db()
    assert (result.referrals_rewarded, again.referrals_rewarded) == (2, 0)
    assert (first.status, first.reward_points) == ("rewarded", 400)
    assert (second.status, second.reward_points) == ("rewarded", 0)
    assert "not a loyalty member" in second.note
    reward = PointsEntry.objects.get(customer=member, kind=PointsKind.REFERRAL)
    assert (reward.points, reward.order_id) == (400, order.pk)


def test_welcome_points_go_to_a_referred_member_once() -> None:
    # given a referred customer who is no member yet
    programme(referred_welcome_points=250)
    referrer, newcomer = CustomerFactory(), CustomerFactory()
    referral_record(referred=newcomer, referrer=referrer)
    assert points_balance(customer=newcomer) == 0
    # when the customer joins, leaves and joins again
    member = member_enrol(customer=newcomer)
    member.left_on = _today()
    member.save()
    member_enrol(customer=newcomer)
    # then the welcome points came once
    welcome = PointsEntry.objects.filter(customer=newcomer, kind=PointsKind.REFERRAL)
    assert [e.points for e in welcome] == [250]


def test_a_member_referred_later_gets_the_welcome_points_when_recorded() -> None:
    programme(referred_welcome_points=100)
    newcomer = CustomerFactory()
    enrol(newcomer, _today() - timedelta(days=5))
    referral_record(referred=newcomer, referrer=CustomerFactory())
    assert points_balance(customer=newcomer) == 100


def test_rejecting_a_rewarded_referral_takes_the_reward_back() -> None:
    # given a rewarded referral of a member referrer who spent 450 of the 500 points
    programme(referral_reward_points=500)
    referrer, newcomer = CustomerFactory(), CustomerFactory()
    enrol(referrer, _today() - timedelta(days=100))
    referral = referral_record(referred=newcomer, referrer=referrer)
    referral_reward(referral=referral)
    PointsEntry.objects.create(customer=referrer, kind=PointsKind.REDEEMED, points=-450)
    # when it is rejected without and with a reason
    with pytest.raises(ValidationError):
        referral_reject(referral=referral, reason=" ")
    rejected = referral_reject(referral=referral, reason="Same household")
    # then what is left of the reward is taken back, and the referral stays linked
    assert rejected.status == "rejected"
    assert points_balance(customer=referrer) == 0
    assert Referral.objects.filter(referred=newcomer).exists()
    with pytest.raises(ValidationError):
        referral_reject(referral=referral, reason="again")
