"""The segment rule language: every field and operator compiles to SQL and selects the
right customers; AND/OR nesting; relative dates; readable errors for invalid rules."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from relata.engagement.models import Segment
from relata.engagement.segment_rules import (
    CATALOGUE,
    RulesInvalid,
    relative_cutoff,
    rules_check,
    rules_describe,
    rules_q,
)
from relata.engagement.segment_rules.language import NO_VALUE_OPS
from relata.engagement.segment_selectors import (
    rules_customers,
    segment_contains,
    segment_count,
    segment_customers,
)
from relata.scoring.models import ScoreRun
from tests.engagement.segment_support import World, all_of, any_of, build_world, cond

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def members(world: World, *conditions: dict[str, Any], match: str = "all") -> set[str]:
    rules = {"match": match, "rules": list(conditions)}
    return world.names(rules_customers(rules, today=world.today))


# --- every field and operator ------------------------------------------------------------


def _sample(field_key: str, op: str) -> Any:
    """A valid value for the operator on the field."""
    field = CATALOGUE[field_key]
    if op in NO_VALUE_OPS:
        return None
    if field.type in ("choice", "multi-choice"):
        first = field.choice_list()[0][0]
        return [first] if op in ("in", "not_in", "any_of", "all_of", "none_of") else first
    if field.type in ("relative-date", "date") and op in ("before", "after"):
        return "2025-01-01"
    if field.type == "relative-date":
        return {"amount": 3, "unit": "months"}
    if field.type in ("number", "money"):
        high = 0.5 if field.maximum is not None and field.maximum <= 1 else 2
        return [0, high] if op == "between" else high
    return "Utrecht, Amsterdam" if op in ("in", "not_in", "starts_with") else "Utrecht"


FIELD_OPS = [(key, op) for key, field in CATALOGUE.items() for op in field.ops]
COMPLEMENTS = {
    "in": "not_in",
    "eq": "ne",
    "any_of": "none_of",
    "is_true": "is_false",
    "is_set": "is_not_set",
    "within_last": "not_within_last",
    "contains": "not_contains",
}


def test_every_field_and_operator_compiles_and_runs(world: World) -> None:
    # given a valid condition for every field and each of its operators
    problems = []
    for field_key, op in FIELD_OPS:
        condition = cond(field_key, op, _sample(field_key, op))
        # when it is checked and evaluated
        errors = rules_check(all_of(condition))
        selected = members(world, condition)
        # then it is valid and selects a subset of the customers
        if errors or not selected <= world.everyone:
            problems.append((field_key, op, errors))
    assert problems == []
    assert len(FIELD_OPS) > 150


def test_negative_operators_are_the_complement(world: World) -> None:
    # given each positive condition that has a negative form, with the same value
    checked = 0
    for field_key, op in FIELD_OPS:
        negative = COMPLEMENTS.get(op)
        if negative is None or negative not in CATALOGUE[field_key].ops:
            continue
        value = None if negative in NO_VALUE_OPS else _sample(field_key, op)
        # when both are evaluated
        positive_members = members(world, cond(field_key, op, value))
        negative_members = members(world, cond(field_key, negative, value))
        # then together they are everyone, and nobody is in both
        assert positive_members | negative_members == world.everyone, (field_key, op)
        assert not positive_members & negative_members, (field_key, op)
        checked += 1
    assert checked > 60


def test_catalogue_covers_the_required_fields() -> None:
    # given the fields the segment builder must offer (issue 5)
    required = {
        "kind", "city", "postcode", "country", "gender", "age", "income_band", "children",
        "household_size", "interests", "sector", "company_size", "account_owner",
        "acquisition_source", "created", "last_order", "order_count", "revenue", "categories",
        "products", "tier", "rfm_segment", "clv_probabilistic", "clv_discounted", "p_alive",
        "churn_level", "lifecycle_stage", "value_grid", "cant_lose", "loss_making",
        "potential_value", "opted_in", "open_complaint", "loyalty_member", "referrer",
    }  # fmt: skip
    # then each is in the catalogue with a group, a type and operators; influence is scored
    assert required <= set(CATALOGUE)
    assert all(
        f.group in {"basic", "profile", "behaviour", "value", "consent"} for f in CATALOGUE.values()
    )
    assert all(f.ops for f in CATALOGUE.values())
    assert {"influence_score", "advocacy_value", "holistic_value"} <= set(CATALOGUE)


# --- basic and profile data --------------------------------------------------------------


def test_text_fields(world: World) -> None:
    assert members(world, cond("city", "eq", "UTRECHT")) == {"anna", "dana"}
    assert members(world, cond("city", "in", "Amsterdam, Rotterdam")) == {"ben", "acme"}
    assert members(world, cond("city", "ne", "utrecht")) == {"ben", "acme"}
    assert members(world, cond("postcode", "starts_with", "35, 10")) == {"anna", "dana", "ben"}
    assert members(world, cond("country", "eq", "be")) == {"acme"}
    assert members(world, cond("interests", "contains", "Coffee")) == {"anna"}
    assert members(world, cond("interests", "is_not_set")) == {"ben", "acme", "dana"}
    assert members(world, cond("sector", "eq", "retail")) == {"acme"}
    assert members(world, cond("acquisition_source", "in", ["web", "fair"])) == {"anna", "ben"}
    assert members(world, cond("has_email", "is_not_set")) == {"ben"}


def test_choice_fields(world: World) -> None:
    assert members(world, cond("kind", "eq", "organisation")) == {"acme"}
    assert members(world, cond("gender", "in", ["f", "m"])) == {"anna", "ben"}
    assert members(world, cond("gender", "is_not_set")) == {"acme", "dana"}
    assert members(world, cond("income_band", "not_in", ["high"])) == {"anna", "acme", "dana"}
    assert members(world, cond("company_size", "eq", "small")) == {"acme"}
    assert members(world, cond("account_owner", "in", [world.owner.pk])) == {"acme"}
    assert members(world, cond("account_owner", "is_set")) == {"acme"}


def test_number_fields(world: World) -> None:
    assert members(world, cond("children", "gte", 1)) == {"anna"}
    assert members(world, cond("children", "lt", 1)) == {"ben"}
    assert members(world, cond("household_size", "between", [2, 5])) == {"anna"}
    assert members(world, cond("household_size", "is_not_set")) == {"acme", "dana"}


def test_age_counts_whole_years_on_the_evaluation_day(world: World) -> None:
    # given Anna turned 30 today and Ben turned 50 yesterday
    # then the age conditions count whole years
    assert members(world, cond("age", "eq", 30)) == {"anna"}
    assert members(world, cond("age", "gte", 50)) == {"ben"}
    assert members(world, cond("age", "gt", 50)) == set()
    assert members(world, cond("age", "between", [29, 49])) == {"anna"}
    assert members(world, cond("age", "lt", 30)) == set()
    assert members(world, cond("age", "is_not_set")) == {"acme", "dana"}


def test_customer_since_is_relative_to_today(world: World) -> None:
    assert members(world, cond("created", "within_last", 30)) == {"anna", "dana"}
    assert members(world, cond("created", "more_than_ago", {"amount": 1, "unit": "years"})) == {
        "ben",
        "acme",
    }
    cutoff = (world.today - timedelta(days=500)).isoformat()
    assert members(world, cond("created", "before", cutoff)) == {"ben"}
    assert members(world, cond("created", "after", cutoff)) == {"anna", "acme", "dana"}


# --- behaviour ---------------------------------------------------------------------------


def test_no_order_in_the_last_days_includes_customers_who_never_ordered(world: World) -> None:
    # given Ben's only recent order was cancelled, and Acme never ordered
    # then "not in the last 90 days" includes both; "longer ago than" only Ben
    assert members(world, cond("last_order", "not_within_last", 90)) == {"ben", "acme"}
    assert members(world, cond("last_order", "more_than_ago", 90)) == {"ben"}
    assert members(world, cond("last_order", "within_last", 11)) == {"anna", "dana"}
    assert members(world, cond("last_order", "within_last", 9)) == {"dana"}
    assert members(world, cond("last_order", "is_not_set")) == {"acme"}


def test_relative_units_of_weeks_months_and_years(world: World) -> None:
    assert members(world, cond("last_order", "within_last", {"amount": 1, "unit": "weeks"})) == {
        "dana"
    }
    assert members(world, cond("last_order", "within_last", {"amount": 8, "unit": "months"})) == {
        "anna",
        "ben",
        "dana",
    }
    assert relative_cutoff({"amount": 1, "unit": "years"}, world.today).year == world.today.year - 1


def test_first_order(world: World) -> None:
    assert members(world, cond("first_order", "within_last", 30)) == {"anna", "dana"}
    assert members(world, cond("first_order", "more_than_ago", 365)) == {"ben"}
    assert members(world, cond("first_order", "not_within_last", 30)) == {"ben", "acme"}


def test_order_count_and_revenue_treat_no_orders_as_zero(world: World) -> None:
    # given Anna 1 order (100), Ben 2 (800; a cancelled one does not count), Dana 3 (90)
    assert members(world, cond("order_count", "gte", 2)) == {"ben", "dana"}
    assert members(world, cond("order_count", "lt", 2)) == {"anna", "acme"}
    assert members(world, cond("order_count", "eq", 0)) == {"acme"}
    assert members(world, cond("revenue", "gte", 100)) == {"anna", "ben"}
    assert members(world, cond("revenue", "between", [0, 95])) == {"acme", "dana"}
    # and a period counts only the orders of the last N days
    assert members(world, cond("revenue", "gte", 100, days=365)) == {"anna", "ben"}
    assert members(world, cond("revenue", "gte", 400, days=100)) == set()
    assert members(world, cond("order_count", "gte", 1, days=7)) == {"dana"}


def test_categories_and_products_bought(world: World) -> None:
    coffee, furniture = world.coffee.pk, world.furniture.pk
    assert members(world, cond("categories", "any_of", [coffee])) == {"anna", "ben", "dana"}
    assert members(world, cond("categories", "all_of", [coffee, furniture])) == {"ben"}
    assert members(world, cond("categories", "none_of", [furniture])) == {"anna", "acme", "dana"}
    assert members(world, cond("categories", "any_of", [furniture], days=100)) == set()
    assert members(world, cond("products", "any_of", [world.sofa.pk])) == {"ben"}


def test_complaints_programmes_and_referrals(world: World) -> None:
    assert members(world, cond("open_complaint", "is_true")) == {"ben"}
    # Ben left the programme, Anna is a member
    assert members(world, cond("loyalty_member", "is_true")) == {"anna"}
    assert members(world, cond("referrer", "is_true")) == {"anna"}
    assert members(world, cond("referrer", "is_false")) == {"ben", "acme", "dana"}


# --- value: the latest snapshot ------------------------------------------------------------


def test_value_fields_read_the_latest_complete_run(world: World) -> None:
    # given Dana was Top only in an older run and is not in the latest
    assert members(world, cond("tier", "in", [1, 2])) == {"anna", "ben"}
    assert members(world, cond("tier", "eq", "1")) == {"anna"}
    assert members(world, cond("rfm_segment", "in", [8])) == {"ben"}
    assert members(world, cond("lifecycle_stage", "eq", 2)) == {"acme"}
    assert members(world, cond("value_grid", "eq", 2)) == {"acme"}
    assert members(world, cond("churn_level", "in", [3])) == {"ben"}
    assert members(world, cond("clv_probabilistic", "gte", 500)) == {"anna"}
    assert members(world, cond("clv_discounted", "gt", 0)) == {"anna"}
    assert members(world, cond("p_alive", "lt", 0.5)) == {"ben", "acme"}
    assert members(world, cond("cant_lose", "is_true")) == {"anna"}
    assert members(world, cond("loss_making", "is_true")) == {"ben"}
    assert members(world, cond("risk", "is_true")) == {"ben"}
    assert members(world, cond("period_revenue", "gte", 500)) == {"ben"}
    # and "not" includes the customer without a snapshot in the latest run
    assert members(world, cond("tier", "not_in", [1, 2])) == {"acme", "dana"}


def test_several_snapshot_conditions_are_one_probe_with_the_same_answer(world: World) -> None:
    # given two conditions on the snapshot in an AND group and in an OR group
    both = all_of(cond("tier", "in", [1, 2]), cond("p_alive", "gte", 0.5))
    either = any_of(cond("tier", "eq", 6), cond("cant_lose", "is_true"))
    # when compiled
    sql = str(rules_customers(both).query)
    # then the snapshot table is read once, and the members are those of each reading
    assert sql.count("scoring_customersnapshot") == 1
    assert world.names(rules_customers(both)) == {"anna"}
    assert world.names(rules_customers(either)) == {"anna", "acme"}


def test_value_fields_match_nobody_without_a_score_run(world: World) -> None:
    # given no complete run
    ScoreRun.objects.all().delete()
    # then value conditions, positive or negative, match nobody
    assert members(world, cond("tier", "in", [1])) == set()
    assert members(world, cond("tier", "not_in", [1])) == set()
    assert members(world, cond("cant_lose", "is_false")) == set()


# --- consent -----------------------------------------------------------------------------


def test_opt_in_uses_the_latest_decision(world: World) -> None:
    # given Ben opted in to e-mail marketing and later withdrew
    assert members(world, cond("opted_in", "any_of", ["email:marketing"])) == {"anna"}
    assert members(world, cond("opted_in", "any_of", ["email:marketing", "email:newsletter"])) == {
        "anna",
        "dana",
    }
    assert (
        members(world, cond("opted_in", "all_of", ["email:marketing", "email:newsletter"])) == set()
    )
    assert members(world, cond("opted_in", "none_of", ["email:marketing"])) == {
        "ben",
        "acme",
        "dana",
    }


# --- groups --------------------------------------------------------------------------------


def test_and_or_nesting(world: World) -> None:
    # given: (tier Top or Big) and (no order in 90 days or opted in to e-mail marketing)
    rules = all_of(
        cond("tier", "in", [1, 2]),
        any_of(
            cond("last_order", "not_within_last", 90),
            cond("opted_in", "any_of", ["email:marketing"]),
        ),
    )
    # then Anna (opted in) and Ben (quiet) are in it
    assert world.names(rules_customers(rules)) == {"anna", "ben"}
    # and an OR at the top with a nested AND
    rules = any_of(
        cond("kind", "eq", "organisation"),
        all_of(cond("city", "eq", "utrecht"), cond("order_count", "gte", 3)),
    )
    assert world.names(rules_customers(rules)) == {"acme", "dana"}


def test_deep_nesting_and_empty_groups(world: World) -> None:
    # given an empty nested group next to a condition, and a three-level tree
    assert members(world, cond("city", "eq", "Rotterdam"), {"match": "any", "rules": []}) == {
        "acme"
    }
    rules = all_of(any_of(all_of(any_of(cond("gender", "eq", "f"), cond("gender", "eq", "m")))))
    assert world.names(rules_customers(rules)) == {"anna", "ben"}
    # and an empty tree selects everyone
    assert world.names(rules_customers({"match": "all", "rules": []})) == world.everyone


def test_segment_selectors(world: World) -> None:
    # given a saved segment
    segment = Segment.objects.create(name="Top", rules=all_of(cond("tier", "eq", 1)))
    # then the selectors agree
    assert world.names(segment_customers(segment)) == {"anna"}
    assert segment_count(segment) == 1
    assert segment_count(segment.rules) == 1
    assert segment_contains(segment, customer_id=world.anna.pk)
    assert not segment_contains(segment, customer_id=world.ben.pk)


# --- invalid rules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        ([], "must be a group"),
        ({"match": "some", "rules": []}, "match must be"),
        ({"match": "all", "rules": "tier"}, "rules must be a list"),
        (all_of(cond("colour", "eq", "red")), "Condition 1: unknown field 'colour'"),
        (all_of(cond("", "eq", "red")), "Condition 1: choose a field"),
        (all_of(cond("tier", "gte", 1)), "Condition 1 (Tier): the operator 'gte'"),
        (all_of(cond("tier", "in", [9])), "Condition 1 (Tier): unknown value '9'"),
        (all_of(cond("tier", "in", [])), "Condition 1 (Tier): choose at least one value"),
        (all_of(cond("city", "eq", "")), "Condition 1 (City): enter a text"),
        (all_of(cond("age", "gte", "old")), "Condition 1 (Age (years)): enter a number"),
        (all_of(cond("age", "gte", 2.5)), "enter a whole number"),
        (all_of(cond("p_alive", "gte", 2)), "Condition 1 (P(alive)): enter 1 or less"),
        (all_of(cond("revenue", "between", [5, 1])), "must not be larger than the second"),
        (all_of(cond("last_order", "within_last", -3)), "Condition 1 (Last order): enter a whole"),
        (all_of(cond("last_order", "within_last", {"amount": 2, "unit": "aeons"})), "whole number"),
        (all_of(cond("last_order", "before", "31-12-2025")), "enter a date as YYYY-MM-DD"),
        (all_of(cond("city", "eq", "x", days=30)), "takes no period in days"),
        (all_of(cond("revenue", "gte", 1, days=0)), "the period must be a whole number of days"),
        (
            all_of(cond("city", "eq", "x"), any_of("nonsense")),
            "Condition 2.1: a condition or a group",
        ),
        (all_of(any_of(cond("tier", "in", ["x"]))), "Condition 1.1 (Tier)"),
    ],
)
def test_invalid_rules_give_readable_errors(rules: Any, expected: str) -> None:
    # when an invalid tree is checked
    errors = rules_check(rules)
    # then an error names the condition and the reason, and compiling refuses it
    assert any(expected in error for error in errors), errors
    with pytest.raises(RulesInvalid) as raised:
        rules_q(rules)
    assert raised.value.errors


def test_rules_customers_raises_value_error_with_the_messages() -> None:
    with pytest.raises(ValueError, match="unknown field"):
        rules_customers(all_of(cond("colour", "eq", "red")))


def test_too_deep_and_too_many() -> None:
    deep: dict[str, Any] = cond("city", "eq", "x")
    for _ in range(5):
        deep = all_of(deep)
    assert any("nest at most" in e for e in rules_check(deep))
    many = all_of(*[cond("city", "eq", "x")] * 61)
    assert any("at most 60 conditions" in e for e in rules_check(many))


def test_rules_describe_reads_the_tree() -> None:
    rules = all_of(
        cond("tier", "in", [1, 2]),
        any_of(cond("last_order", "not_within_last", 90), cond("revenue", "gte", 10, days=30)),
    )
    assert rules_describe(rules) == (
        "Tier is any of Top, Big and (Last order not in the last 90 days or "
        "Revenue at least 10 (last 30 days))"
    )
    assert rules_describe({"match": "all", "rules": []}) == "All customers"
    assert rules_describe({"match": "all", "rules": [cond("nope", "eq", 1)]}) == ""
