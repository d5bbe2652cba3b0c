"""Merging two customers who both have engagement rows allowed once per customer."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from relata.customers.merge import customers_merge
from relata.engagement.models import (
    Campaign,
    CampaignContact,
    LoyaltyMember,
    OutboxMessage,
    PointsEntry,
    Referral,
    ReferralCode,
    TriggerFiring,
    TriggerRule,
)
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_merge_keeps_one_membership_from_the_earlier_date_and_adds_the_ledgers() -> None:
    # given two members with points
    keep, merge = CustomerFactory(), CustomerFactory()
    LoyaltyMember.objects.create(customer=keep, member_number="M1", joined_on=date(2025, 5, 1))
    LoyaltyMember.objects.create(customer=merge, member_number="M2", joined_on=date(2024, 1, 1))
    PointsEntry.objects.create(customer=keep, kind="earned", points=100)
    PointsEntry.objects.create(customer=merge, kind="earned", points=40)
    # when merging
    customers_merge(keep=keep, merge=merge, field_choices={}, user=None)
    # then one membership from the earlier date, and the balance is the sum
    member = LoyaltyMember.objects.get()
    assert (member.customer_id, member.member_number) == (keep.pk, "M1")
    assert member.joined_on == date(2024, 1, 1)
    assert sum(PointsEntry.objects.filter(customer=keep).values_list("points", flat=True)) == 140


def test_merge_of_two_contacts_in_one_campaign_keeps_the_earliest_moments() -> None:
    # given both customers in the same campaign, only the merged one converted
    keep, merge = CustomerFactory(), CustomerFactory()
    campaign = Campaign.objects.create(name="Spring", channel="email")
    sent = timezone.now() - timedelta(days=3)
    kept = CampaignContact.objects.create(campaign=campaign, customer=keep, token="a", sent_at=sent)
    merged = CampaignContact.objects.create(
        campaign=campaign,
        customer=merge,
        token="b",
        sent_at=sent - timedelta(days=1),
        converted_at=sent,
        revenue=Decimal("80.00"),
    )
    message = OutboxMessage.objects.create(customer=merge, channel="email", campaign_contact=merged)
    # when merging
    customers_merge(keep=keep, merge=merge, field_choices={}, user=None)
    # then one contact, with the earliest send, the conversion and the message
    contact = CampaignContact.objects.get()
    assert contact.pk == kept.pk
    assert contact.sent_at == sent - timedelta(days=1)
    assert contact.converted_at == sent
    assert contact.revenue == Decimal("80.00")
    message.refresh_from_db()
    assert message.campaign_contact_id == kept.pk
    assert message.customer_id == keep.pk


def test_merge_keeps_one_firing_per_occurrence_so_triggers_do_not_fire_again() -> None:
    # given the welcome rule fired for both customers
    keep, merge = CustomerFactory(), CustomerFactory()
    rule = TriggerRule.objects.create(name="Welcome", event="new_customer", action="notice")
    TriggerFiring.objects.create(rule=rule, customer=keep, event_key="welcome")
    TriggerFiring.objects.create(rule=rule, customer=merge, event_key="welcome")
    TriggerFiring.objects.create(rule=rule, customer=merge, event_key="other")
    # when merging
    customers_merge(keep=keep, merge=merge, field_choices={}, user=None)
    # then one welcome firing, and the other occurrence moved over
    keys = sorted(TriggerFiring.objects.filter(customer=keep).values_list("event_key", flat=True))
    assert keys == ["other", "welcome"]


def test_merge_drops_a_referral_between_the_two_and_keeps_one_code() -> None:
    # given the merged customer was referred by the kept one and both have codes
    keep, merge, friend = CustomerFactory(), CustomerFactory(), CustomerFactory()
    kept_code = ReferralCode.objects.create(customer=keep, code="KEEP1")
    merged_code = ReferralCode.objects.create(customer=merge, code="MERGE1")
    Referral.objects.create(referrer=keep, referred=merge, code=kept_code)
    Referral.objects.create(referrer=merge, referred=friend, code=merged_code)
    # when merging
    customers_merge(keep=keep, merge=merge, field_choices={}, user=None)
    # then no self-referral; the friend is the kept customer's referral under the kept code
    referral = Referral.objects.get()
    assert (referral.referrer_id, referral.referred_id, referral.code_id) == (
        keep.pk,
        friend.pk,
        kept_code.pk,
    )
    assert list(ReferralCode.objects.values_list("code", flat=True)) == ["KEEP1"]
