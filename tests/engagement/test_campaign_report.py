from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.utils import timezone

from relata.engagement.campaign_report import (
    Outcome,
    campaign_response_analysis,
    campaign_results,
)
from relata.engagement.models import Campaign, CampaignContact, LoyaltyMember
from relata.scoring.models import CustomerSnapshot, ScoreRun
from tests.engagement.campaign_support import email_template, new_campaign
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _running(**fields) -> Campaign:  # type: ignore[no-untyped-def]
    campaign = new_campaign(**fields)
    Campaign.objects.filter(pk=campaign.pk).update(
        status="running", launched_at=timezone.now() - timedelta(days=20)
    )
    campaign.refresh_from_db()
    return campaign


def _contact(campaign: Campaign, *, group: str = "target", **moments) -> CampaignContact:  # type: ignore[no-untyped-def]
    now = timezone.now() - timedelta(days=20)
    fields = {
        "sent_at": now if moments.pop("sent", group == "target") else None,
        "opened_at": now if moments.pop("opened", False) else None,
        "clicked_at": now if moments.pop("clicked", False) else None,
        "responded_at": now if moments.pop("responded", False) else None,
        "converted_at": now if moments.get("revenue") else None,
        "revenue": Decimal(moments.pop("revenue", 0)),
    }
    customer = moments.pop("customer", None) or CustomerFactory()
    return CampaignContact.objects.create(
        campaign=campaign,
        customer=customer,
        group=group,
        enrolled_at=now,
        token=f"t{customer.pk}",
        **fields,
    )


def test_report_figures_match_a_hand_computed_campaign() -> None:
    # given 50 approached customers: 40 sent (10 without consent), 20 opened, 10 clicked,
    # 12 responded, 8 of the sent and 1 of the unsent bought for € 100 each,
    # and 40 in control of whom 2 bought for € 100; costs € 100 + € 2.50 per sent contact
    campaign = _running(fixed_cost=Decimal(100), cost_per_contact=Decimal("2.50"))
    for i in range(40):
        _contact(
            campaign,
            opened=i < 20,
            clicked=i < 10,
            responded=i < 12,
            revenue=100 if 4 <= i < 12 else 0,
        )
    _contact(campaign, sent=False, revenue=100)
    for _ in range(9):
        _contact(campaign, sent=False)
    for i in range(40):
        _contact(campaign, group="control", revenue=100 if i < 2 else 0)
    # when the report is computed
    results = campaign_results(campaign=campaign)
    f = results.figures
    # then the counts and rates are as computed by hand
    assert (f.treatment, f.control, f.sent, results.refused) == (50, 40, 40, 10)
    assert (f.opened, f.clicked, f.responded, f.converted) == (20, 10, 12, 8)
    assert f.response_rate == pytest.approx(12 / 40)
    assert f.conversion_ratio == pytest.approx(8 / 40)
    assert f.revenue == pytest.approx(900)
    assert (results.fixed_cost, results.contact_cost, f.cost) == (100, 100, 200)
    assert f.roi == pytest.approx((900 - 200) / 200)
    # uplift: 9/50 − 2/40 = 0.13, Newcombe 95% interval by hand −0.0114 to 0.2630
    assert f.uplift.difference == pytest.approx(0.13)
    assert f.uplift.low == pytest.approx(-0.011446, abs=1e-5)
    assert f.uplift.high == pytest.approx(0.262977, abs=1e-5)
    assert f.uplift.incremental_revenue == pytest.approx((900 / 50 - 200 / 40) * 50)
    assert results.verdict.code == "no_difference"
    assert "Not distinguishable from control" in results.verdict.text
    # and the charts have the funnel and the two groups with their intervals
    funnel = [step["value"] for step in results.chart_data["funnel"]]
    assert funnel == [50, 40, 20, 10, 12, 8]
    assert [g["value"][0] for g in results.chart_data["groups"]] == pytest.approx([18, 5])
    assert results.chart_data["curves"][0]["values"][-1] == pytest.approx(18)


def test_a_clear_uplift_is_called_significant() -> None:
    campaign = _running()
    for i in range(50):
        _contact(campaign, revenue=50 if i < 25 else 0)
    for i in range(50):
        _contact(campaign, group="control", revenue=50 if i < 3 else 0)
    results = campaign_results(campaign=campaign)
    assert results.verdict.code == "higher"
    assert results.verdict.text.startswith("Significant")
    assert results.roi_note == "No costs entered, so there is no return on investment."


def test_without_control_group_the_report_says_why_there_is_no_uplift() -> None:
    script = email_template(name="Call script", channel="phone", body="Call {{ first_name }}")
    campaign = _running(channel="phone", template=script)
    for _ in range(5):
        _contact(campaign, responded=True)
    results = campaign_results(campaign=campaign)
    assert results.figures.uplift.difference is None
    assert results.verdict.code == "unknown"
    assert "No control group" in results.uplift_note
    # and a phone campaign has no opens or clicks to report
    assert results.trackable is False and results.figures.opened is None
    assert [s["value"] for s in results.chart_data["funnel"]] == [5, 5, 5, 0]


def test_response_analysis_finds_the_variable_that_drives_response() -> None:
    # given 300 sent contacts: loyalty members respond 60% of the time, others 15%;
    # gender has no effect
    campaign = _running()
    rng = np.random.default_rng(11)
    for i in range(300):
        member = i % 2 == 0
        customer = CustomerFactory(gender="f" if i % 3 else "m")
        if member:
            LoyaltyMember.objects.create(
                customer=customer, member_number=f"M{i}", joined_on=date(2020, 1, 1)
            )
        _contact(campaign, customer=customer, responded=rng.random() < (0.6 if member else 0.15))
    # when analysed
    analysis = campaign_response_analysis(campaign=campaign, outcome=Outcome.RESPONDED)
    # then the table puts loyalty first, raising the odds, with an interval above 1
    assert analysis.problem == ""
    top = analysis.rows[0]
    assert top.label == "Loyalty member: yes (against no)"
    assert top.direction == "raises"
    assert top.low > 1 and top.odds_ratio > 4
    assert top.text.startswith("raises the odds of responding")
    gender = next(r for r in analysis.rows if r.variable == "gender")
    assert gender.direction == "no_clear_effect" and gender.low < 1 < gender.high
    # and the notes say what was left out and that there were no scores
    assert any("No scores yet" in n for n in analysis.notes)
    assert any("Age is the same for everyone" in n for n in analysis.notes)


def test_response_analysis_uses_the_snapshot_at_launch() -> None:
    # given a score run before the launch in which half the contacts are Top customers
    campaign = _running()
    run = ScoreRun.objects.create(period_end=date(2020, 12, 31), status="complete")
    later = ScoreRun.objects.create(period_end=timezone.localdate(), status="complete")
    rng = np.random.default_rng(5)
    for i in range(200):
        customer = CustomerFactory()
        top = i % 2 == 0
        for score_run, tier in ((run, 1 if top else 4), (later, 4)):
            CustomerSnapshot.objects.create(
                run=score_run,
                period_end=score_run.period_end,
                customer=customer,
                tier=tier,
                movement=4,
                rfm_segment=2,
                value_grid=1,
                churn_level=1,
                lifecycle_stage=4,
                recency_days=int(rng.integers(1, 300)),
                frequency=int(rng.integers(1, 10)),
                revenue=Decimal(int(rng.integers(10, 1000))),
            )
        _contact(
            campaign, customer=customer, revenue=80 if rng.random() < (0.5 if top else 0.1) else 0
        )
    # when the conversions are analysed
    analysis = campaign_response_analysis(campaign=campaign, outcome=Outcome.CONVERTED)
    # then the run at launch is used, and Small (tier 4) customers buy less than Top
    assert analysis.run == run
    tier = next(r for r in analysis.rows if r.variable == "tier")
    assert tier.label == "Tier: Small (against Top)"
    assert tier.direction == "lowers" and tier.high < 1
    assert "buying" in tier.text
    numeric = next(r for r in analysis.rows if r.variable == "recency")
    assert "per" in numeric.label and "days more (one standard deviation)" in numeric.label


def test_response_analysis_explains_too_few_responders_and_separation() -> None:
    campaign = _running()
    for i in range(40):
        _contact(campaign, customer=CustomerFactory(gender="f"), responded=i < 3)
    analysis = campaign_response_analysis(campaign=campaign)
    assert analysis.rows == []
    assert analysis.problem.startswith("Too few responders for a response analysis: 3 of 40")

    # every woman responded, no man did: perfect separation → a ridge fit with a note
    separated = _running(name="Separated", segment=campaign.segment, template=campaign.template)
    for i in range(40):
        woman = i < 20
        _contact(separated, customer=CustomerFactory(gender="f" if woman else "m"), responded=woman)
    analysis = campaign_response_analysis(campaign=separated)
    assert analysis.problem == ""
    assert analysis.ridge == 1.0
    assert any("predict the responders perfectly (Gender: Male)" in n for n in analysis.notes)
    assert analysis.rows[0].direction == "lowers"


def test_response_analysis_of_a_draft_or_unsent_campaign_says_so() -> None:
    draft = new_campaign()
    assert campaign_response_analysis(campaign=draft).problem == (
        "The campaign has not been launched yet."
    )
    campaign = _running(name="Nobody", segment=draft.segment, template=draft.template)
    _contact(campaign, sent=False)
    assert "Nobody was sent" in campaign_response_analysis(campaign=campaign).problem
