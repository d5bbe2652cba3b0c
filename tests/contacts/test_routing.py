"""Routing decisions and their reasons: the pure decision on plain data, then the ORM side."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.utils import translation

from relata.contacts.models import RoutingRule
from relata.contacts.routing import (
    RoutingFacts,
    RuleSpec,
    active_rules,
    customer_tier,
    decide,
    euro,
    route,
    routing_reason_text,
)
from relata.scoring.choices import TierChoice
from relata.scoring.models import CustomerSnapshot, RunStatus, ScoreRun
from tests.factories import CustomerFactory

TOP, BIG, MEDIUM, SMALL = TierChoice.TOP, TierChoice.BIG, TierChoice.MEDIUM, TierChoice.SMALL

# The three rules the data migration installs (contacts/migrations/0004).
DEFAULT_RULES = [
    RuleSpec(
        id=1,
        name="Large quotes and requests to the account owner",
        destination="account_owner",
        task_kinds=("quote_request", "request"),
        min_value=Decimal("500.00"),
    ),
    RuleSpec(
        id=2,
        name="Top and Big customers to the account owner",
        destination="account_owner",
        tiers=(TOP, BIG),
    ),
    RuleSpec(id=3, name="Everything else to the back office", destination="back_office"),
]
JAN = {"owner_id": 7, "owner_name": "Jan de Vries"}


def english(reason: dict[str, object]) -> str:
    with translation.override("en"):
        return routing_reason_text(reason)


def test_small_request_of_a_small_customer_goes_to_the_back_office_with_both_reasons() -> None:
    # given a €120 request of a Small customer with an owner
    facts = RoutingFacts(kind="request", value=Decimal("120"), tier=SMALL, **JAN)
    # when routed by the default rules
    decision = decide(DEFAULT_RULES, facts)
    # then it waits in the back-office queue, and the reason names both failed conditions
    assert (decision.team, decision.assignee_id, decision.rule_id) == ("back_office", None, 3)
    assert decision.reason["missed"] == [
        {"c": "value", "threshold": "500.00"},
        {"c": "tier", "tiers": [TOP, BIG]},
    ]
    assert decision.reason["value"] == "120.00" and decision.reason["tier"] == SMALL
    assert english(decision.reason) == "Back office: €120 < €500 threshold and tier Small"


def test_big_quote_goes_to_the_account_owner_with_the_threshold() -> None:
    facts = RoutingFacts(kind="quote_request", value=Decimal("1200"), tier=SMALL, **JAN)
    decision = decide(DEFAULT_RULES, facts)
    assert (decision.team, decision.assignee_id, decision.rule_id) == ("sales", 7, 1)
    assert decision.reason["met"] == [{"c": "value", "threshold": "500.00"}]
    assert decision.reason["missed"] == []
    assert english(decision.reason) == "Account owner Jan de Vries: €1,200 ≥ €500 threshold"


def test_value_exactly_at_the_threshold_counts_as_reached() -> None:
    facts = RoutingFacts(kind="request", value=Decimal("500.00"), tier=SMALL, **JAN)
    assert decide(DEFAULT_RULES, facts).rule_id == 1


def test_small_request_of_a_top_customer_goes_to_the_owner_by_tier() -> None:
    facts = RoutingFacts(kind="request", value=Decimal("80"), tier=TOP, **JAN)
    decision = decide(DEFAULT_RULES, facts)
    assert (decision.assignee_id, decision.rule_id) == (7, 2)
    assert english(decision.reason) == "Account owner Jan de Vries: tier Top"


def test_no_account_owner_falls_back_to_the_sales_queue() -> None:
    facts = RoutingFacts(kind="quote_request", value=Decimal("900"), tier=BIG)
    decision = decide(DEFAULT_RULES, facts)
    assert (decision.team, decision.assignee_id) == ("sales", None)
    assert decision.reason["fallback"] == "no_owner"
    assert english(decision.reason) == "Sales queue: no account owner (€900 ≥ €500 threshold)"


def test_never_scored_customer_says_the_tier_is_unknown() -> None:
    facts = RoutingFacts(kind="request", value=Decimal("99.50"), tier=None, **JAN)
    decision = decide(DEFAULT_RULES, facts)
    assert decision.rule_id == 3
    assert english(decision.reason) == (
        "Back office: €99.50 < €500 threshold and tier unknown (never scored)"
    )


def test_request_without_a_value_says_no_value_was_given() -> None:
    facts = RoutingFacts(kind="request", value=None, tier=MEDIUM, **JAN)
    reason = decide(DEFAULT_RULES, facts).reason
    assert english(reason) == ("Back office: no value given (threshold €500) and tier Medium")


def test_kind_outside_a_rule_is_named_as_the_reason() -> None:
    # given a call-back worth a lot, which the value rule does not cover
    facts = RoutingFacts(kind="call_back", value=Decimal("5000"), tier=SMALL, **JAN)
    decision = decide(DEFAULT_RULES, facts)
    assert decision.rule_id == 3
    assert english(decision.reason) == (
        "Back office: Call back is not a quote request or service request and tier Small"
    )


def test_either_condition_is_enough_when_match_any() -> None:
    rule = RuleSpec(
        id=9,
        name="Big or valuable",
        destination="account_owner",
        min_value=Decimal("500"),
        tiers=(TOP,),
        match_any=True,
    )
    by_value = decide([rule], RoutingFacts(kind="request", value=Decimal("600"), tier=SMALL, **JAN))
    by_tier = decide([rule], RoutingFacts(kind="request", value=Decimal("6"), tier=TOP, **JAN))
    neither = decide([rule], RoutingFacts(kind="request", value=Decimal("6"), tier=SMALL, **JAN))
    assert by_value.rule_id == by_tier.rule_id == 9
    assert english(by_value.reason) == "Account owner Jan de Vries: €600 ≥ €500 threshold"
    assert neither.rule_id is None


def test_both_conditions_needed_without_match_any() -> None:
    rule = RuleSpec(
        id=9, name="Big and valuable", destination="sales", min_value=Decimal("500"), tiers=(TOP,)
    )
    both = decide([rule], RoutingFacts(kind="request", value=Decimal("600"), tier=TOP))
    one = decide([rule], RoutingFacts(kind="request", value=Decimal("600"), tier=SMALL))
    assert both.rule_id == 9
    assert english(both.reason) == "Sales queue: €600 ≥ €500 threshold and tier Top"
    assert one.rule_id is None


def test_no_rule_applies_sends_to_the_sales_queue_and_says_why() -> None:
    facts = RoutingFacts(kind="request", value=Decimal("10"), tier=SMALL, **JAN)
    decision = decide(DEFAULT_RULES[:2], facts)
    assert (decision.team, decision.assignee_id, decision.rule_id) == ("sales", None, None)
    assert english(decision.reason) == (
        "Sales queue: no routing rule applies (€10 < €500 threshold and tier Small)"
    )


def test_inactive_rules_are_skipped() -> None:
    inactive = RuleSpec(id=5, name="Off", destination="sales", active=False)
    decision = decide([inactive, DEFAULT_RULES[2]], RoutingFacts(kind="other"))
    assert decision.rule_id == 3
    assert english(decision.reason) == "Back office: rule “Everything else to the back office”"


def test_named_colleague_gets_the_task_in_their_team() -> None:
    rule = RuleSpec(
        id=4,
        name="Complaints to Piet",
        destination="user",
        task_kinds=("complaint",),
        user_id=12,
        user_name="Piet Bakker",
        user_team="back_office",
    )
    decision = decide([rule], RoutingFacts(kind="complaint"))
    assert (decision.team, decision.assignee_id) == ("back_office", 12)
    assert english(decision.reason) == "Piet Bakker: kind Complaint handling"
    gone = RuleSpec(id=4, name="Complaints to Piet", destination="user", user_id=None)
    fallback = decide([gone], RoutingFacts(kind="complaint"))
    assert fallback.assignee_id is None
    assert english(fallback.reason) == (
        "Sales queue: the colleague of rule “Complaints to Piet” no longer exists"
    )


def test_hand_placed_task_says_who_placed_it() -> None:
    reason = {"manual": True, "team": "back_office", "assignee": None, "by_name": "Sam"}
    assert english(reason) == "Back-office queue: placed by hand by Sam"
    assert english({}) == ""


def test_reason_is_rendered_in_the_active_language_from_the_stored_data() -> None:
    # given a stored reason (data, not text)
    facts = RoutingFacts(kind="request", value=Decimal("1234.5"), tier=SMALL, **JAN)
    reason = decide(DEFAULT_RULES, facts).reason
    # when shown to a Dutch reader
    with translation.override("nl"):
        dutch = routing_reason_text(reason)
        amount = euro("1234.50")
    # then the amount uses Dutch number format; the stored data did not change language
    assert amount == "€1.234,50"
    assert amount in dutch and "€500" in dutch and "Jan de Vries" in dutch
    assert reason["value"] == "1234.50"


# --- ORM side -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_default_rules_are_installed_by_the_migration() -> None:
    rules = active_rules()
    assert [r.destination for r in rules] == ["account_owner", "account_owner", "back_office"]
    assert rules[0].min_value == Decimal("500.00")
    assert set(rules[1].tiers) == {TOP, BIG}


@pytest.mark.django_db
def test_tier_comes_from_the_latest_complete_score_run() -> None:
    # given a customer scored Small in an old run and Top in a newer one, and a running run
    customer = CustomerFactory()
    assert customer_tier(customer.pk) is None
    for period_end, status, tier in [
        (date(2025, 12, 31), RunStatus.COMPLETE, SMALL),
        (date(2026, 6, 30), RunStatus.COMPLETE, TOP),
        (date(2026, 9, 30), RunStatus.RUNNING, MEDIUM),
    ]:
        run = ScoreRun.objects.create(period_end=period_end, status=status)
        snapshot(run, customer, tier)
    # then the latest complete run decides
    assert customer_tier(customer.pk) == TOP


@pytest.mark.django_db
def test_route_reads_owner_tier_and_rules_from_the_database() -> None:
    owner = User.objects.create_user("jan", first_name="Jan", last_name="de Vries")
    customer = CustomerFactory(account_owner=owner)
    run = ScoreRun.objects.create(period_end=date(2026, 6, 30), status=RunStatus.COMPLETE)
    snapshot(run, customer, BIG)
    decision = route(customer=customer, kind="request", value=Decimal("50"))
    assert decision.assignee_id == owner.pk
    assert english(decision.reason) == "Account owner Jan de Vries: tier Big"
    # an inactive owner counts as none
    owner.is_active = False
    owner.save()
    customer.refresh_from_db()
    assert route(customer=customer, kind="request", value=Decimal("50")).assignee_id is None
    # a deactivated rule no longer applies
    RoutingRule.objects.filter(position=20).update(active=False)
    owner.is_active = True
    owner.save()
    customer.refresh_from_db()
    decision = route(customer=customer, kind="request", value=Decimal("50"))
    assert decision.team == "back_office"


def snapshot(run: ScoreRun, customer: object, tier: int) -> CustomerSnapshot:
    return CustomerSnapshot.objects.create(
        run=run,
        period_end=run.period_end,
        customer=customer,
        tier=tier,
        movement=4,
        rfm_segment=1,
        value_grid=1,
        churn_level=0,
        lifecycle_stage=4,
    )
