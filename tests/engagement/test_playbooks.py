"""The ready-made onboarding and win-back playbooks: switching on, off and again, and the
welcome programme working end to end on a new customer's first order."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.test import Client
from django.utils import timezone

from relata.contacts.models import Task
from relata.customers.models import Consent, Customer
from relata.engagement.models import (
    Campaign,
    CampaignContact,
    CampaignStatus,
    MessageTemplate,
    Segment,
    TriggerFiring,
    TriggerRule,
)
from relata.engagement.playbooks import (
    ONBOARDING,
    WIN_BACK,
    playbook_state,
    playbook_switch_off,
    playbook_switch_on,
)
from relata.sales.services import LineInput, order_create
from tests.factories import CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db


def _opted_in(customer: Customer) -> Customer:
    Consent.objects.create(customer=customer, channel="email", purpose="marketing", granted=True)
    return customer


def _first_order(customer: Customer, *, days_ago: int = 0) -> None:
    order_create(
        customer=customer,
        lines=[LineInput(product=ProductFactory(), quantity=Decimal(1))],
        order_date=timezone.localdate() - timedelta(days=days_ago),
    )


def _user(role: str) -> User:
    user = User.objects.create_user(role, password="a-long-test-password")
    user.groups.add(Group.objects.get(name=role))
    return user


def test_switching_onboarding_on_sets_up_and_launches_the_welcome_programme() -> None:
    # given a customer who bought for the first time 20 days ago and may be e-mailed
    recent = _opted_in(CustomerFactory(first_name="Nina"))
    _first_order(recent, days_ago=20)
    mail.outbox.clear()
    # when the onboarding playbook is switched on
    state = playbook_switch_on(key=ONBOARDING)
    # then its segment, template, running campaign and active rules exist
    assert state.installed and state.active
    assert state.campaign is not None and state.campaign.status == CampaignStatus.RUNNING
    assert state.segment is not None and state.segment.last_count == 1
    assert {rule.event for rule in state.rules} == {"new_customer"}
    assert {rule.action for rule in state.rules} == {"campaign", "task"}
    # and the new customer was welcomed by e-mail with the merge fields filled in
    contact = CampaignContact.objects.get(campaign=state.campaign, customer=recent)
    if contact.group == "target":
        assert contact.sent_at is not None
        assert any("Nina" in message.subject for message in mail.outbox)


def test_switching_on_twice_creates_nothing_new_and_off_deactivates_the_rules() -> None:
    # given the win-back playbook switched on
    playbook_switch_on(key=WIN_BACK)
    counts = (Segment.objects.count(), MessageTemplate.objects.count(), Campaign.objects.count())
    rules = TriggerRule.objects.filter(playbook=WIN_BACK).count()
    # when it is switched on again
    playbook_switch_on(key=WIN_BACK)
    # then nothing is duplicated
    assert (Segment.objects.count(), MessageTemplate.objects.count(), Campaign.objects.count()) == (
        counts
    )
    assert TriggerRule.objects.filter(playbook=WIN_BACK).count() == rules == 2
    # when it is switched off
    state = playbook_switch_off(key=WIN_BACK)
    # then its rules are inactive and its campaign keeps running for those already in it
    assert not state.active and all(not rule.active for rule in state.rules)
    assert state.campaign is not None and state.campaign.status == CampaignStatus.RUNNING


def test_a_new_customer_first_order_fires_the_welcome_at_once_and_only_once(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given the onboarding playbook is on and a customer who has never bought
    playbook_switch_on(key=ONBOARDING)
    customer = _opted_in(CustomerFactory())
    # when the customer's first and second orders come in (signals are sent on commit)
    with django_capture_on_commit_callbacks(execute=True):
        _first_order(customer)
    with django_capture_on_commit_callbacks(execute=True):
        _first_order(customer)
    # then the customer is enrolled in the welcome programme once
    campaign = Campaign.objects.get(playbook=ONBOARDING)
    assert CampaignContact.objects.filter(campaign=campaign, customer=customer).count() == 1
    # and one welcome call task was made, saying which rule made it
    firings = TriggerFiring.objects.filter(customer=customer, rule__playbook=ONBOARDING)
    assert sorted(firings.values_list("event_key", flat=True)) == ["welcome", "welcome"]
    task = Task.objects.get(customer=customer)
    assert task.kind == "call_back"
    assert firings.filter(task=task).exists()


def test_the_playbooks_page_shows_both_and_only_marketing_may_switch(client: Client) -> None:
    # given a marketing user and a sales user
    marketer, seller = _user("marketing"), _user("sales")
    # when the marketer opens the page and switches onboarding on
    client.force_login(marketer)
    page = client.get("/playbooks/")
    switched = client.post(f"/playbooks/{ONBOARDING}/switch/", {"active": "1"}, follow=True)
    # then both playbooks are listed and onboarding is on
    assert page.status_code == 200
    assert "Welcome programme (onboarding)" in page.content.decode()
    assert "Win-back of lapsed valuable customers" in page.content.decode()
    assert switched.status_code == 200 and playbook_state(ONBOARDING).active
    # and a sales user may look but not switch
    client.force_login(seller)
    assert client.get("/playbooks/").status_code == 200
    assert client.post(f"/playbooks/{WIN_BACK}/switch/", {"active": "1"}).status_code == 403
    assert client.post("/playbooks/nonsense/switch/", {"active": "1"}).status_code in (403, 404)


def test_the_value_dashboard_links_each_lifecycle_stage_to_its_programme() -> None:
    # given a scored demo period and a sales user (who may see engagement)
    from tests.scoring.pages_support import sales_client, scored_demo

    scored_demo()
    # when the dashboard is opened
    page = sales_client().get("/value/").content.decode()
    # then the lifecycle stages link to the playbooks and programmes that act on them
    assert 'href="/playbooks/#playbook-onboarding"' in page
    assert 'href="/playbooks/#playbook-win_back"' in page
    assert 'href="/loyalty/"' in page and 'href="/referrals/"' in page
