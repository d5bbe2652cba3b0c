"""The "Influence and holistic value" card on the customer file, and the dashboard's
"low spend, high influence" short list."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from relata.accounts.roles import roles_sync
from relata.engagement.models import Referral, ReferralStatus
from relata.feedback.influence_selectors import customer_influence
from relata.scoring import dashboard
from relata.scoring.choices import QuadrantChoice, TierChoice
from relata.scoring.models import ScoringSettings
from tests.factories import (
    CustomerFactory,
    ReviewFactory,
    SocialProfileFactory,
    SurveyResponseFactory,
)
from tests.feedback.test_influence_pages import customer, influencers_world, make_run, sales, snap
from tests.scoring.pages_support import client_for

pytestmark = pytest.mark.django_db


def card_of(page: str) -> str:
    text = html.unescape(page)
    start = text.index('id="influence-card"')
    return text[start : text.index('id="quadrant-advice"', start) + 3000]


#: What a score run records about its influence assumptions (relata.scoring.compute).
SETTINGS_USED = {
    "clv_basis": "clv_probabilistic",
    "reach_rate": 0.02,
    "reach_conversion": 0.01,
    "reach_customer_value": 400.0,
    "reach_customer_value_used": 400.0,
    "reach_customer_value_source": "setting",
    "influence_weights": {"reach": 35, "referrals": 30, "reviews": 20, "recommendation": 15},
}
BEFORE_THE_PERIOD_END = datetime(2026, 2, 1, tzinfo=UTC)


def vlogger_world() -> dict[str, object]:
    """A vlogger with 10 000 followers who brought two buying customers, wrote a helpful
    review and is a promoter, scored in two runs (captive before, true loyal now)."""
    settings = ScoringSettings.current()
    settings.reach_customer_value = Decimal("400.00")
    settings.save()
    earlier = make_run(period_end=date(2025, 12, 31))
    run = make_run(settings_used=SETTINGS_USED)
    vlogger = customer("Vlogger")
    SocialProfileFactory(
        customer=vlogger,
        platform="instagram",
        handle="vlogs",
        followers=10_000,
        created_at=BEFORE_THE_PERIOD_END,
    )
    for name, clv in (("Friend", "300"), ("Pal", "200")):
        friend = customer(name)
        Referral.objects.create(
            referrer=vlogger,
            referred=friend,
            status=ReferralStatus.REWARDED,
            referred_on=BEFORE_THE_PERIOD_END.date(),
        )
        snap(run, friend, clv_probabilistic=Decimal(clv), recency_days=20)
    ReviewFactory(
        customer=vlogger, rating=5, helpful_votes=5, written_on=BEFORE_THE_PERIOD_END.date()
    )
    SurveyResponseFactory(customer=vlogger, nps=9, answered_at=BEFORE_THE_PERIOD_END)
    snap(earlier, vlogger, loyalty_quadrant=QuadrantChoice.CAPTIVE)
    # 500 referred + 10 000 × 2% × 1% × € 400 = 800 from reach
    snapshot = snap(
        run,
        vlogger,
        tier=TierChoice.SMALL,
        influence_score=65,
        advocacy_value=Decimal(1300),
        clv_probabilistic=Decimal(100),
        holistic_value=Decimal(1400),
        nps_latest=9,
        attitudinal_loyalty=0.9,
        behavioural_loyalty=0.62,
        loyalty_quadrant=QuadrantChoice.TRUE_LOYAL,
    )
    return {"vlogger": vlogger, "snapshot": snapshot, "run": run}


def test_card_reads_components_split_and_quadrant() -> None:
    # given the vlogger
    world = vlogger_world()
    # when their influence is read for the card
    found = customer_influence(customer_id=world["vlogger"].pk)  # type: ignore[attr-defined]
    assert found is not None
    # then the components follow the analytics core: reach log10(10 001)/log10(100 001) of
    # 35 points, referrals 1 − 2^(−2/2) of 30, reviews 1 − 2^(−(1 + 5/5)/3) of 20, promoter 15
    points = {c.key: c.points for c in found.components}
    assert points == {"reach": 28.0, "referrals": 15.0, "reviews": 7.4, "recommendation": 15.0}
    assert [c.share for c in found.components] == [35.0, 30.0, 20.0, 15.0]
    assert str(found.components[0].label) == "Reach (followers)"
    assert not found.inputs_changed
    # and the advocacy value splits into the referred customers' CLV and the reach estimate
    why = found.why
    assert (why.advocacy_referred, why.advocacy_reach) == (Decimal(500), Decimal(800))
    assert found.value_per_customer == Decimal("400.00") and not found.value_is_average
    assert (found.reach_rate_percent, found.reach_conversion_percent) == (2, 1)
    # and the quadrant moved since the run before
    assert found.quadrant_changed and not why.negative_voice


def test_customer_file_shows_the_influence_card() -> None:
    # given the vlogger
    world = vlogger_world()
    # when their file is opened
    response = sales().get(f"/customers/{world['vlogger'].pk}/")  # type: ignore[attr-defined]
    # then the card shows the score with its parts and what they rest on
    assert response.status_code == 200
    card = card_of(response.content.decode())
    assert "65" in card and "influential" in card
    assert "Instagram 10,000" in card
    assert "2 referred, 2 bought" in card
    assert "1 review · ★ 5.0 · 5 helpful" in card
    assert "latest NPS 9" in card
    # and the advocacy value in its two parts, with the assumption behind the reach part
    assert "€ 1,300" in card and "€ 500" in card and "€ 800" in card
    assert "10,000 × 2% × 1% × <span class=\"text-nowrap\">€ 400</span>" in card
    # and the holistic value as CLV plus advocacy
    assert "€ 1,400" in card and "CLV + advocacy" in card
    # and the quadrant with what it means, what to do, and where it was before
    assert "True loyal" in card and "ask for referrals and reviews" in card
    assert "was Captive a period earlier" in card


def test_card_for_a_detractor_has_no_reach_value() -> None:
    # given a detractor with a large audience, scored with advocacy from referrals only
    run = make_run(settings_used=SETTINGS_USED)
    critic = customer("Critic")
    SocialProfileFactory(
        customer=critic, platform="tiktok", followers=50_000, created_at=BEFORE_THE_PERIOD_END
    )
    snap(run, critic, influence_score=30, nps_latest=3, loyalty_quadrant=QuadrantChoice.NONE)
    # when the card is read
    found = customer_influence(customer_id=critic.pk)
    # then the voice is negative and the reach part is nothing
    assert found is not None and found.why.negative_voice
    assert found.why.advocacy_reach == Decimal(0)
    page = html.unescape(sales().get(f"/customers/{critic.pk}/").content.decode())
    assert "No reach value: a negative voice" in page


def test_card_without_scores_or_permission() -> None:
    # given a customer never scored, and a user without the permission to see scores
    unscored = CustomerFactory()
    roles_sync()
    nobody = User.objects.create_user("nora", password="a-long-test-password")
    nobody.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="customers", codename="view_customer")
    )
    # when the file is opened by a sales user
    page = sales().get(f"/customers/{unscored.pk}/").content.decode()
    # then the card says the values come with the next run
    assert 'id="influence-card"' in page
    assert "influence and holistic value appear after the next score run" in page
    # and a user who may not see scores gets no card
    hidden = client_for(nobody).get(f"/customers/{unscored.pk}/")
    assert hidden.status_code == 200
    assert b'id="influence-card"' not in hidden.content


def test_dashboard_lists_low_spend_influencers_through_the_index() -> None:
    # given the influencers' run
    world = influencers_world()
    run = world["vlogger"].run
    # when the dashboard's short list is read
    with CaptureQueriesContext(connection) as queries:
        listed = dashboard.low_spend_influencers(run=run)
    # then it holds the influential customers outside Top and Big, highest first, in one
    # limited query on the influential rows (the partial index's condition)
    assert [s.pk for s in listed] == [world[k].pk for k in ("vlogger", "prospect", "medium")]
    assert len(queries) == 1
    sql = queries[0]["sql"]
    assert "LIMIT 10" in sql and '"influence_score" >= 50' in sql
    # and at most ten, whatever the run holds
    for i in range(12):
        snap(run, customer(f"Extra{i}"), influence_score=70)
    assert len(dashboard.low_spend_influencers(run=run)) == 10


def test_dashboard_shows_the_short_list_with_a_link_to_the_full_one() -> None:
    # given the influencers' run
    world = influencers_world()
    run = world["vlogger"].run
    client = sales()
    # when the dashboard is opened
    response = client.get("/value/")
    # then the short list is there, with a link to the full list of that period
    page = html.unescape(response.content.decode())
    section = page[page.index('id="influencers"') :]
    assert world["vlogger"].customer.display_name in section
    assert world["top"].customer.display_name not in section
    assert f"/influence/?run={run.pk}&view=low_spend" in section
    # and a run without influencers says so
    empty = make_run(period_end=date(2026, 9, 30))
    snap(empty, customer("Nobody"))
    later = html.unescape(client.get("/value/").content.decode())
    assert "No customer outside the Top and Big tiers has a high influence score" in later
