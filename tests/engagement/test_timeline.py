"""Engagement on the customer's one timeline: messages, campaign results, referrals and
points, each linking to its page, and only for users allowed to see them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from relata.contacts.selectors import customer_timeline
from relata.engagement.models import (
    Campaign,
    CampaignContact,
    OutboxMessage,
    PointsEntry,
    Referral,
)
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_messages_campaign_results_and_programmes_appear_on_the_timeline() -> None:
    # given a customer with a sent and a refused message, a converted campaign contact,
    # a referral made and a redemption
    customer, friend = CustomerFactory(), CustomerFactory(first_name="Vera", last_name="Vos")
    now = timezone.now()
    campaign = Campaign.objects.create(name="Autumn", channel="email")
    contact = CampaignContact.objects.create(
        campaign=campaign,
        customer=customer,
        token="tl1",
        sent_at=now - timedelta(days=3),
        responded_at=now - timedelta(days=2),
        converted_at=now - timedelta(days=1),
        revenue=Decimal("42.50"),
    )
    sent = OutboxMessage.objects.create(
        customer=customer,
        channel="email",
        subject="Autumn for you",
        status="sent",
        sent_at=now - timedelta(days=3),
        campaign_contact=contact,
    )
    OutboxMessage.objects.create(
        customer=customer,
        channel="post",
        subject="Birthday card",
        status="refused",
        status_reason="No opt-in for Post / marketing.",
    )
    Referral.objects.create(referrer=customer, referred=friend, referred_on=date(2026, 3, 1))
    PointsEntry.objects.create(customer=customer, kind="redeemed", points=-500)
    # when the whole timeline and the engagement type only are read
    everything = customer_timeline(customer=customer)
    engagement = customer_timeline(customer=customer, kind="engagement")
    # then all five kinds of entries are there, with links
    titles = [entry.title for entry in engagement.entries]
    assert "Message sent: Autumn for you" in titles
    assert "Message refused, no consent: Birthday card" in titles
    assert "Bought after campaign Autumn" in titles
    assert "Responded to campaign Autumn" in titles
    assert "Referred Vera Vos" in titles
    assert "Redeemed 500 loyalty points" in titles
    assert {e.url for e in engagement.entries if e.title.startswith("Message sent")} == {
        f"/outbox/{sent.pk}/"
    }
    assert len(everything.entries) >= len(engagement.entries)
    # and the channel filter keeps the letter (post → letter) and drops the e-mail
    letters = customer_timeline(customer=customer, channel="letter")
    assert [e.title for e in letters.entries] == ["Message refused, no consent: Birthday card"]


def test_users_without_engagement_permissions_do_not_see_it() -> None:
    # given a customer with a message and a user without any role
    customer = CustomerFactory()
    OutboxMessage.objects.create(customer=customer, channel="email", subject="Hi", status="sent")
    nobody = User.objects.create_user("nobody", password="a-long-test-password")
    sales = User.objects.create_user("seller", password="a-long-test-password")
    sales.groups.add(Group.objects.get(name="sales"))
    # when each reads the timeline
    hidden = customer_timeline(customer=customer, user=nobody)
    shown = customer_timeline(customer=customer, user=sales)
    # then only the sales user sees the message
    assert not [e for e in hidden.entries if e.kind == "engagement"]
    assert [e.title for e in shown.entries if e.kind == "engagement"] == ["Message sent: Hi"]
