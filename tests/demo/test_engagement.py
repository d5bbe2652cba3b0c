"""`relata demo-engagement`: the engagement demo on top of scored demo data, once."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from relata.demo.engagement import demo_engagement_load
from relata.engagement.loyalty_services import member_number_next
from relata.engagement.models import (
    Campaign,
    CampaignStatus,
    LoyaltyMember,
    PointsEntry,
    Referral,
    Segment,
    TriggerRule,
)
from relata.engagement.playbooks import ONBOARDING, WIN_BACK, playbook_state
from tests.scoring.pages_support import TODAY, scored_demo

pytestmark = pytest.mark.django_db


def test_demo_engagement_loads_programmes_segments_a_campaign_and_playbooks_once() -> None:
    # given scored demo data and the demo users
    scored_demo(customers=300)
    call_command("demo_users", verbosity=0)
    # when the engagement demo is loaded
    result = demo_engagement_load(seed=7, today=TODAY)
    # then members earned points, referrals link customers, segments are saved
    assert result.loaded
    assert LoyaltyMember.objects.count() == result.figures["members"] > 0
    assert PointsEntry.objects.filter(kind="earned").exists()
    assert Referral.objects.count() == result.figures["referrals"]
    assert Segment.objects.count() >= 3
    # and the finished autumn campaign has its approached and control contacts
    autumn = Campaign.objects.get(status=CampaignStatus.FINISHED)
    groups = set(autumn.contacts.values_list("group", flat=True))
    assert groups == {"target", "control"}
    assert autumn.contacts.filter(converted_at__isnull=False).exists()
    # and both playbooks are on
    assert playbook_state(ONBOARDING).active and playbook_state(WIN_BACK).active
    assert TriggerRule.objects.filter(active=True).count() == 4
    # and new members continue the demo's member numbering
    assert member_number_next() == f"L{LoyaltyMember.objects.count() + 1:08d}"
    # when it is loaded again, nothing is added
    again = demo_engagement_load(seed=7, today=TODAY)
    assert not again.loaded
    assert Campaign.objects.count() == 3
