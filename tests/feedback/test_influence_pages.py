"""The influence page: its reads (totals, filters, the low-spend rule, the "why", the
assumptions, the scatter sample) and the page itself (permissions, empty states, tabs,
filters, sorting, bad input and CSV)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from relata.accounts.roles import ADMIN, SALES, roles_sync
from relata.customers.models import Customer
from relata.engagement.models import Referral, ReferralStatus
from relata.feedback import influence_selectors as reads
from relata.scoring.choices import (
    ChurnLevelChoice,
    GridChoice,
    MovementChoice,
    QuadrantChoice,
    RfmSegmentChoice,
    StageChoice,
    TierChoice,
)
from relata.scoring.models import CustomerSnapshot, RunStatus, ScoreRun, ScoringSettings
from relata.scoring.services import score_run_create
from tests.engagement.programme_support import buy
from tests.factories import (
    CustomerFactory,
    ReviewFactory,
    SocialProfileFactory,
)
from tests.scoring.pages_support import client_for, user_in

pytestmark = pytest.mark.django_db

PERIOD_END = date(2026, 6, 30)


# ---------------------------------------------------------------------------- helpers


def make_run(period_end: date = PERIOD_END, **fields: Any) -> ScoreRun:
    return ScoreRun.objects.create(
        period_end=period_end,
        status=RunStatus.COMPLETE,
        finished_at=timezone.now(),
        **fields,
    )


def snap(run: ScoreRun, customer: Customer, **fields: Any) -> CustomerSnapshot:
    """A snapshot with plausible defaults; ``fields`` override them."""
    values: dict[str, Any] = {
        "tier": TierChoice.SMALL,
        "movement": MovementChoice.STABLE,
        "rfm_segment": RfmSegmentChoice.LOYAL,
        "value_grid": GridChoice.RETAIN,
        "churn_level": ChurnLevelChoice.LOW,
        "lifecycle_stage": StageChoice.REPEAT,
    }
    values.update(fields)
    snapshot = CustomerSnapshot.objects.create(
        run=run, period_end=run.period_end, customer=customer, **values
    )
    run.customers = CustomerSnapshot.objects.filter(run=run).count()
    run.save(update_fields=["customers"])
    return snapshot


def customer(name: str) -> Customer:
    return CustomerFactory(last_name=name)


def sales() -> Client:
    return client_for(user_in(SALES, "sven"))


def admin() -> Client:
    return client_for(user_in(ADMIN, "ada"))


def csv_rows(response: Any) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def influencers_world() -> dict[str, CustomerSnapshot]:
    """One run: a vlogger who buys little, a Top customer with influence, a Medium and a
    prospect with influence, a Small customer just under the line, and a quiet Big one."""
    run = make_run()
    rows = {
        "vlogger": ("Vlogger", TierChoice.SMALL, 80, "900", "100", "1000"),
        "top": ("Topper", TierChoice.TOP, 90, "500", "9000", "9500"),
        "medium": ("Middle", TierChoice.MEDIUM, 55, "200", "800", "1000"),
        "prospect": ("Prospective", TierChoice.PROSPECT, 60, "300", "0", "300"),
        "under": ("Under", TierChoice.SMALL, 49, "50", "60", "110"),
        "quiet": ("Quiet", TierChoice.BIG, 0, "0", "4000", "4000"),
    }
    made = {}
    for key, (name, tier, score, advocacy, clv, holistic) in rows.items():
        made[key] = snap(
            run,
            customer(name),
            tier=tier,
            influence_score=score,
            advocacy_value=Decimal(advocacy),
            clv_probabilistic=Decimal(clv),
            holistic_value=Decimal(holistic),
            revenue=Decimal(clv) / 10,
        )
    return made


# ---------------------------------------------------------------------------- reads


def test_low_spend_rule_keeps_influential_customers_outside_top_and_big() -> None:
    # given influential customers in several tiers
    world = influencers_world()
    run = world["vlogger"].run
    # when the low-spend list is read
    listed = list(reads.influence_snapshots(run=run, filters=reads.InfluenceFilter(low_spend=True)))
    # then it holds the influential customers outside Top and Big, most influential first
    assert [s.pk for s in listed] == [world[k].pk for k in ("vlogger", "prospect", "medium")]


def test_totals_count_influential_customers_and_add_up_the_values() -> None:
    # given the influencers' run
    world = influencers_world()
    # when the totals are read
    totals = reads.influence_totals(run=world["top"].run)
    # then they count and sum the run's snapshots
    assert totals.customers == 6
    assert totals.influential == 4  # vlogger, top, medium, prospect
    assert totals.low_spend_influential == 3
    assert totals.with_influence == 5
    assert totals.advocacy == Decimal(1950)
    assert totals.clv == Decimal(13960)
    assert totals.holistic == Decimal(15910)
    assert totals.has_influence_data
    assert round(totals.uplift_percent or 0, 2) == round(100 * 1950 / 13960, 2)
    # and the average CLV of the active customers (Top … Small) is the reach value's default
    assert totals.average_active_clv == Decimal(str(round((100 + 9000 + 800 + 60 + 4000) / 5, 2)))


def test_filters_combine_and_sorts_put_unknown_answers_last() -> None:
    # given customers with and without an NPS answer, in two quadrants
    run = make_run()
    loyal = snap(run, customer("A"), influence_score=70, nps_latest=10, loyalty_quadrant=1)
    latent = snap(run, customer("B"), influence_score=60, nps_latest=9, loyalty_quadrant=3)
    unknown = snap(run, customer("C"), influence_score=65, tier=TierChoice.MEDIUM)
    # when filtered by minimum influence and quadrant
    found = reads.influence_snapshots(
        run=run, filters=reads.InfluenceFilter(min_influence=61, quadrant=1)
    )
    # then both conditions hold
    assert list(found) == [loyal]
    # and a tier filter keeps only that tier
    tier = reads.influence_snapshots(run=run, filters=reads.InfluenceFilter(tier=TierChoice.MEDIUM))
    assert list(tier) == [unknown]
    # when sorted by NPS, either way
    everyone = reads.InfluenceFilter()
    down = list(reads.influence_snapshots(run=run, filters=everyone, sort="-nps"))
    up = list(reads.influence_snapshots(run=run, filters=everyone, sort="nps"))
    # then the customer who never answered comes last both times
    assert down == [loyal, latent, unknown]
    assert up == [latent, loyal, unknown]
    # and an unknown sort key falls back to influence, highest first
    assert list(reads.influence_snapshots(run=run, filters=everyone, sort="hack")) == [
        loyal,
        unknown,
        latent,
    ]


def test_reasons_are_the_runs_inputs_as_of_its_period_end(
    django_assert_num_queries: Any,
) -> None:
    # given a customer with two social profiles known at the period end and one added after
    run = make_run()
    before = datetime(2026, 3, 1, 12, tzinfo=UTC)
    after = datetime(2026, 7, 2, 12, tzinfo=UTC)
    vlogger = customer("Vlogger")
    SocialProfileFactory(customer=vlogger, platform="youtube", followers=30_000, created_at=before)
    SocialProfileFactory(
        customer=vlogger, platform="instagram", followers=12_000, created_at=before
    )
    SocialProfileFactory(customer=vlogger, platform="tiktok", followers=99_000, created_at=after)
    # and five referrals: rewarded though the friend had not bought by the period end;
    # pending though the friend had; rejected; made after the period end; and a friend who
    # was no customer yet at the period end (no snapshot in the run)
    friends = [customer(f"Friend{i}") for i in range(5)]
    referrals = (
        (ReferralStatus.REWARDED, date(2026, 2, 1)),
        (ReferralStatus.PENDING, date(2026, 3, 1)),
        (ReferralStatus.REJECTED, date(2026, 3, 1)),
        (ReferralStatus.REWARDED, date(2026, 7, 1)),
        (ReferralStatus.PENDING, date(2026, 4, 1)),
    )
    for friend, (status, on) in zip(friends, referrals, strict=True):
        Referral.objects.create(referrer=vlogger, referred=friend, status=status, referred_on=on)
    snap(run, friends[0], clv_probabilistic=Decimal("400"), recency_days=None)
    snap(run, friends[1], clv_probabilistic=Decimal("250"), recency_days=12)
    snap(run, friends[2], clv_probabilistic=Decimal("999"), recency_days=3)
    snap(run, friends[3], clv_probabilistic=Decimal("777"), recency_days=3)
    # and two reviews written by the period end and one after it
    ReviewFactory(customer=vlogger, rating=5, helpful_votes=7, written_on=date(2026, 5, 1))
    ReviewFactory(customer=vlogger, rating=4, helpful_votes=1, written_on=date(2026, 6, 30))
    ReviewFactory(customer=vlogger, rating=1, helpful_votes=50, written_on=date(2026, 7, 1))
    quiet = customer("Quiet")
    # when the reasons are read (four queries, whatever the number of customers)
    with django_assert_num_queries(4):
        found = reads.influence_reasons(customer_ids=[vlogger.pk, quiet.pk, *friends], run=run)
    why = found[vlogger.pk]
    # then the followers are those of the profiles known by then, biggest first, summed
    assert [(p.platform, p.followers) for p in why.profiles] == [
        ("youtube", 30_000),
        ("instagram", 12_000),
    ]
    assert why.followers == 42_000
    # and the referrals are those made by then and not rejected; a referral succeeded when
    # the friend had bought by the period end, whatever its reward status (as the engine
    # counts it), and the friends' CLV in the run adds up (0 without a snapshot)
    assert (why.referrals, why.referrals_bought, why.referred_clv) == (3, 1, Decimal(650))
    # and the reviews are those written by then, with their mean rating and helpful votes
    assert (why.reviews, why.rating, why.helpful_votes) == (2, 4.5, 8)
    # and a customer without any of it has no reasons
    assert not found[quiet.pk].has_any


def test_reasons_match_the_engines_counts_after_a_score_run() -> None:
    # given a referrer whose referral is rewarded by hand but whose friend never bought,
    # and another whose referral is still pending but whose friend bought
    created = datetime(2024, 1, 1, tzinfo=UTC)
    early, late, idle, buyer = (CustomerFactory(created_at=created) for _ in range(4))
    for person in (early, late, buyer):
        buy(person, "50", date(2026, 5, 1))
    Referral.objects.create(
        referrer=early, referred=idle, status=ReferralStatus.REWARDED, referred_on=date(2026, 2, 1)
    )
    Referral.objects.create(
        referrer=late, referred=buyer, status=ReferralStatus.PENDING, referred_on=date(2026, 2, 1)
    )
    run = score_run_create(period_end=PERIOD_END)
    # when the page's reasons are read for the run
    found = reads.influence_reasons(customer_ids=[early.pk, late.pk], run=run)
    # then the successful referrals are the ones the stored score counted
    stored = dict(
        CustomerSnapshot.objects.filter(run=run, customer__in=[early, late]).values_list(
            "customer_id", "influence_score"
        )
    )
    assert (found[early.pk].referrals_bought, found[late.pk].referrals_bought) == (0, 1)
    assert stored[late.pk] > stored[early.pk] == 0


def test_assumptions_come_from_the_run_and_say_when_the_settings_changed() -> None:
    # given a run that recorded its reach assumptions, and settings changed since
    run = make_run(
        settings_used={
            "reach_rate": 0.05,
            "reach_conversion": 0.02,
            "reach_customer_value": None,
            "influence_weights": {
                "reach": 50,
                "referrals": 30,
                "reviews": 10,
                "recommendation": 10,
            },
        }
    )
    settings = ScoringSettings.current()
    settings.reach_rate = Decimal("0.0300")
    settings.save()
    # when the assumptions are read
    assumptions = reads.influence_assumptions(run=run)
    # then they are the run's, with the weights as shares
    assert assumptions.reach_rate_percent == Decimal(5)
    assert assumptions.reach_conversion_percent == Decimal(2)
    assert assumptions.customer_value is None
    assert [(w.key, w.share) for w in assumptions.weights] == [
        ("reach", 50.0),
        ("referrals", 30.0),
        ("reviews", 10.0),
        ("recommendation", 10.0),
    ]
    # and they say the settings were changed after the run
    assert assumptions.changed_since
    # and a run that recorded nothing shows the current settings, unchanged
    bare = make_run(period_end=date(2026, 7, 31))
    current = reads.influence_assumptions(run=bare)
    assert current.reach_rate == Decimal("0.0300") and not current.changed_since


def test_scatter_shows_every_influential_customer_and_samples_the_rest() -> None:
    # given 30 quiet customers and 4 influential ones
    run = make_run()
    for i in range(30):
        snap(run, customer(f"Q{i}"), influence_score=i % 10)
    loud = [snap(run, customer(f"L{i}"), influence_score=60 + i) for i in range(4)]
    # when the scatter is read with room for 12 points
    scatter = reads.influence_scatter(run=run, limit=12)
    # then it holds at most 12, every influential customer among them, and says it sampled
    ids = [point[2] for point in scatter.points]
    assert len(ids) <= 12 and len(set(ids)) == len(ids)
    assert {s.customer_id for s in loud} <= set(ids)
    assert scatter.sampled
    # and with room for everyone nothing is sampled
    assert not reads.influence_scatter(run=run, limit=100).sampled


# ---------------------------------------------------------------------------- page


def test_page_needs_login_and_the_permission_to_see_scores() -> None:
    # given a user without any role
    roles_sync()
    nobody = User.objects.create_user("nora", password="a-long-test-password")
    # when an anonymous visitor and that user open the page
    anonymous = Client().get("/influence/")
    refused = client_for(nobody).get("/influence/")
    # then the visitor is sent to log in, and the user is refused
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert refused.status_code == 403
    assert client_for(nobody).get("/influence/export.csv").status_code == 403


def test_page_without_a_score_run_says_how_to_get_one() -> None:
    # given no score run
    # when the page is opened
    response = sales().get("/influence/")
    # then it explains that the score run computes influence
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="no-scores"' in page and "relata score" in page


def test_page_without_influence_data_says_where_it_comes_from() -> None:
    # given a run, scored with influence, in which nobody has any
    run = make_run(settings_used={"clv_basis": "clv_probabilistic"})
    snap(run, customer("Plain"), clv_probabilistic=Decimal(100), holistic_value=Decimal(100))
    client = sales()
    # when the page is opened
    page = client.get("/influence/").content.decode()
    # then it says there is no influence data yet, and where it comes from
    assert 'id="no-influence-data"' in page
    assert "social profiles (followers), referrals, reviews and NPS answers" in page
    # given a later run scored before influence was computed (it recorded no CLV basis)
    old = make_run(period_end=date(2026, 9, 30))
    snap(old, customer("Old"))
    # when the page is opened
    page = client.get("/influence/").content.decode()
    # then it says to score again
    assert 'id="not-computed"' in page and "Run the scoring again" in page


def test_page_shows_totals_assumptions_table_and_chart_data() -> None:
    # given the influencers' run and a reach value per customer set
    world = influencers_world()
    settings = ScoringSettings.current()
    settings.reach_customer_value = Decimal("400.00")
    settings.save()
    # when a sales user opens the page
    response = sales().get("/influence/")
    # then it shows the key figures
    assert response.status_code == 200
    page = response.content.decode()
    totals = response.context["totals"]
    assert totals.influential == 4 and totals.low_spend_influential == 3
    assert "€ 1,950" in page and "€ 15,910" in page
    # and the assumptions in force, in words, with the weights
    assert "2%" in page and "1%" in page and "€ 400.00" in page
    assert "followers × reach rate × conversion × value of a customer won" in page
    for label in ("Reach (followers)", "Referrals", "Reviews", "Recommendation (NPS)"):
        assert label in page
    # and a sales user gets no link to change them (only administrators may)
    assert "Change the assumptions" not in page
    assert "Change the assumptions" in admin().get("/influence/").content.decode()
    # and the table lists every customer, most influential first
    rows = [s.pk for s, _why in response.context["rows"]]
    assert rows[0] == world["top"].pk and len(rows) == 6
    # and its "why" column says the inputs are those of the period end
    assert 'id="why-as-of">as of June 30, 2026<' in page
    # and the chart gets its points as JSON, no inline script
    assert 'id="influence-data" type="application/json"' in page
    assert len(response.context["chart_data"]["points"]) == 6


def test_low_spend_tab_states_its_rule_and_lists_only_those_customers() -> None:
    # given the influencers' run
    world = influencers_world()
    # when the low-spend tab is opened
    response = sales().get("/influence/", {"view": "low_spend"})
    # then it states the rule
    page = response.content.decode()
    assert 'id="low-spend-rule"' in page
    assert "influence score ≥ 50 and not in the Top or Big tier" in page
    # and lists exactly the low-spend influencers
    listed = {s.pk for s, _why in response.context["rows"]}
    assert listed == {world[k].pk for k in ("vlogger", "prospect", "medium")}


def test_filters_and_sorting_through_the_query_string() -> None:
    # given the influencers' run
    world = influencers_world()
    client = sales()
    # when filtered by tier and minimum influence
    response = client.get("/influence/", {"tier": TierChoice.SMALL, "min_influence": 50})
    # then only the matching customers are listed
    assert [s.pk for s, _w in response.context["rows"]] == [world["vlogger"].pk]
    # when sorted by holistic value, highest first
    response = client.get("/influence/", {"sort": "-holistic"})
    # then the order follows it
    values = [s.holistic_value for s, _w in response.context["rows"]]
    assert values == sorted(values, reverse=True)
    # and an htmx request gets the table only
    partial = client.get("/influence/", {"sort": "clv"}, HTTP_HX_REQUEST="true")
    assert b'id="influence-table"' in partial.content and b"<html" not in partial.content


def test_bad_query_values_name_the_field_not_a_server_error() -> None:
    # given a run
    influencers_world()
    client = sales()
    # when the query holds a tier that does not exist and influence above 100
    response = client.get("/influence/", {"tier": "99", "min_influence": "120"})
    # then the page says which fields are wrong
    assert response.status_code == 400
    page = response.content.decode()
    assert "Tier (tier)" in page and "Influence at least (min_influence)" in page
    # and an unknown period says so
    missing = client.get("/influence/", {"run": "999999"})
    assert missing.status_code == 400
    assert "no complete score run for that period" in missing.content.decode()


def test_csv_export_lists_the_filtered_customers_with_neutralised_text() -> None:
    # given the influencers' run and a customer whose name a spreadsheet would run
    world = influencers_world()
    run = world["top"].run
    formula = CustomerFactory(first_name="=HYPERLINK(1)", last_name="X")
    snap(run, formula, tier=TierChoice.SMALL, influence_score=95)
    # when the low-spend list is exported in English
    response = sales().get("/influence/export.csv", {"view": "low_spend"})
    # then it is a CSV attachment with a header and one row per customer, highest first
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0][:6] == [
        "Customer number",
        "Name",
        "Period end",
        "Tier",
        "Loyalty quadrant",
        "Influence score (0–100)",
    ]
    assert [row[5] for row in rows[1:]] == ["95", "80", "60", "55"]
    # and the formula-like name is neutralised
    assert rows[1][1].startswith("'=")
    # and the vlogger's values are there as plain numbers
    vlogger = next(row for row in rows if row[0] == world["vlogger"].customer.customer_number)
    assert vlogger[3] == "Small" and vlogger[6] == "900.00" and vlogger[8] == "1000.00"
    assert vlogger[4] == str(QuadrantChoice.UNKNOWN.label)
