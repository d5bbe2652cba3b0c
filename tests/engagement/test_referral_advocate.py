"""Scoring reads referrals: a customer who referred someone is an advocate, so the lifecycle
stage says Ambassador (DOMAIN.md §9) unless a stronger stage applies."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pytest

from relata.engagement.models import Referral
from relata.scoring import aggregates
from relata.scoring.choices import StageChoice
from relata.scoring.models import CustomerSnapshot
from relata.scoring.services import score_run_create
from tests.engagement.programme_support import buy
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

PERIOD_END = date(2026, 6, 30)


def test_referrers_are_read_per_customer_up_to_the_period_end_without_rejections() -> None:
    # given referrals made before, after and rejected
    early, late, rejected, nobody = (CustomerFactory() for _ in range(4))
    Referral.objects.create(
        referrer=early, referred=CustomerFactory(), referred_on=date(2026, 1, 5)
    )
    Referral.objects.create(
        referrer=early, referred=CustomerFactory(), referred_on=date(2026, 2, 5)
    )
    Referral.objects.create(referrer=late, referred=CustomerFactory(), referred_on=date(2026, 7, 1))
    Referral.objects.create(
        referrer=rejected,
        referred=CustomerFactory(),
        referred_on=date(2026, 1, 5),
        status="rejected",
    )
    base = aggregates.customer_base(period_end=date(2030, 1, 1))
    # when read for the period
    flags = aggregates.referrers(base=base, period_end=PERIOD_END)
    # then only the early referrer counts
    flagged = set(base.ids[flags].tolist())
    assert flagged == {early.pk}
    assert nobody.pk not in flagged
    assert flags.dtype == np.bool_


def test_a_repeat_customer_who_referred_someone_is_an_ambassador() -> None:
    # given two repeat customers with the same purchases, one of whom referred a friend
    created = datetime(2025, 1, 1, tzinfo=UTC)
    referrer, plain = CustomerFactory(created_at=created), CustomerFactory(created_at=created)
    for customer in (referrer, plain):
        for day in (date(2025, 9, 1), date(2025, 12, 1), date(2026, 3, 1), date(2026, 6, 1)):
            buy(customer, "50", day)
    Referral.objects.create(
        referrer=referrer, referred=CustomerFactory(), referred_on=date(2026, 2, 1)
    )
    # when the period is scored
    run = score_run_create(period_end=PERIOD_END)
    # then the referrer is an Ambassador, the other one not
    stages = dict(
        CustomerSnapshot.objects.filter(run=run).values_list("customer_id", "lifecycle_stage")
    )
    assert stages[referrer.pk] == StageChoice.AMBASSADOR
    assert stages[plain.pk] != StageChoice.AMBASSADOR


def test_scoring_reads_the_rejected_status_engagement_uses() -> None:
    # given scoring reads referrals by table name, without importing engagement
    from relata.engagement.models import Referral, ReferralStatus
    from relata.scoring.aggregates import REFERRAL_REJECTED

    # then its table and status code are the engagement model's
    assert Referral._meta.db_table == "engagement_referral"
    assert ReferralStatus.REJECTED == REFERRAL_REJECTED
