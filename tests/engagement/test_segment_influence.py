"""Segment fields of influence and loyalty: the scored snapshot columns (influence score,
advocacy and holistic value, quadrant, latest NPS, the two loyalty axes) and the live
totals of followers and reviews."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from relata.engagement.segment_rules import CATALOGUE, rules_check, rules_describe
from relata.engagement.segment_selectors import rules_customers
from relata.scoring.choices import QuadrantChoice, TierChoice
from relata.scoring.models import CustomerSnapshot
from tests.engagement.segment_support import World, all_of, any_of, build_world, cond
from tests.factories import ReviewFactory, SocialProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    """The segment test world, with Anna a loyal vlogger, Ben a silent detractor and Acme
    unknown; Dana has no snapshot in the latest run."""
    world = build_world()
    latest = CustomerSnapshot.objects.filter(run=world.run)
    latest.filter(customer=world.anna).update(
        influence_score=72,
        advocacy_value=Decimal("450.00"),
        holistic_value=Decimal("1450.00"),
        nps_latest=10,
        attitudinal_loyalty=0.95,
        behavioural_loyalty=0.8,
        loyalty_quadrant=QuadrantChoice.TRUE_LOYAL,
    )
    latest.filter(customer=world.ben).update(
        influence_score=20,
        advocacy_value=Decimal("0.00"),
        holistic_value=Decimal("200.00"),
        nps_latest=3,
        attitudinal_loyalty=0.3,
        behavioural_loyalty=0.6,
        loyalty_quadrant=QuadrantChoice.CAPTIVE,
    )
    SocialProfileFactory(customer=world.anna, followers=600)
    SocialProfileFactory(customer=world.anna, platform="tiktok", followers=600)
    SocialProfileFactory(customer=world.ben, followers=500)
    ReviewFactory(customer=world.anna)
    ReviewFactory(customer=world.anna, kind="comment", rating=None)
    ReviewFactory(customer=world.dana, rating=2)
    return world


def members(world: World, *conditions: dict[str, Any], match: str = "all") -> set[str]:
    rules = {"match": match, "rules": list(conditions)}
    return world.names(rules_customers(rules, today=world.today))


def test_the_fields_are_in_the_catalogue_with_their_kinds() -> None:
    kinds = {key: CATALOGUE[key].type for key in CATALOGUE}
    assert kinds["influence_score"] == "number"
    assert kinds["advocacy_value"] == kinds["holistic_value"] == "money"
    assert kinds["loyalty_quadrant"] == "choice"
    assert kinds["nps_latest"] == kinds["attitudinal_loyalty"] == "number"
    assert kinds["behavioural_loyalty"] == "number"
    assert kinds["followers_total"] == kinds["reviews_written"] == "number"
    assert {CATALOGUE[key].group for key in ("influence_score", "loyalty_quadrant")} == {"value"}
    assert CATALOGUE["followers_total"].group == "behaviour"
    quadrants = dict(CATALOGUE["loyalty_quadrant"].choice_list())
    assert quadrants[QuadrantChoice.CAPTIVE] == "Captive"


def test_influence_and_value_conditions(world: World) -> None:
    assert members(world, cond("influence_score", "gte", 50)) == {"anna"}
    assert members(world, cond("influence_score", "lt", 50)) == {"ben", "acme"}
    assert members(world, cond("advocacy_value", "gt", 100)) == {"anna"}
    assert members(world, cond("holistic_value", "between", [100, 500])) == {"ben"}


def test_low_spend_high_influence(world: World) -> None:
    # given Anna made Small in the latest run
    CustomerSnapshot.objects.filter(run=world.run, customer=world.anna).update(
        tier=TierChoice.SMALL
    )
    # then "small tier and influence at least 50" finds the vlogger who buys little
    rules = [
        cond("tier", "in", [TierChoice.SMALL, TierChoice.INACTIVE]),
        cond("influence_score", "gte", 50),
    ]
    assert members(world, *rules) == {"anna"}


def test_quadrant_and_nps(world: World) -> None:
    assert members(world, cond("loyalty_quadrant", "in", [QuadrantChoice.TRUE_LOYAL])) == {"anna"}
    assert members(world, cond("loyalty_quadrant", "eq", QuadrantChoice.UNKNOWN)) == {"acme"}
    # the negative includes Dana, who has no snapshot in the latest run
    assert members(world, cond("loyalty_quadrant", "ne", QuadrantChoice.CAPTIVE)) == {
        "anna",
        "acme",
        "dana",
    }
    assert members(world, cond("nps_latest", "lte", 6)) == {"ben"}
    assert members(world, cond("nps_latest", "is_set")) == {"anna", "ben"}
    assert members(world, cond("nps_latest", "is_not_set")) == {"acme", "dana"}
    assert members(world, cond("attitudinal_loyalty", "gte", 0.85)) == {"anna"}
    assert members(world, cond("attitudinal_loyalty", "is_not_set")) == {"acme", "dana"}
    assert members(world, cond("behavioural_loyalty", "between", [0.5, 0.7])) == {"ben"}


def test_live_followers_and_reviews(world: World) -> None:
    assert members(world, cond("followers_total", "gte", 1000)) == {"anna"}
    assert members(world, cond("followers_total", "gt", 0)) == {"anna", "ben"}
    # customers without profiles have 0 followers
    assert members(world, cond("followers_total", "lt", 550)) == {"ben", "acme", "dana"}
    assert members(world, cond("reviews_written", "eq", 0)) == {"ben", "acme"}
    assert members(world, cond("reviews_written", "ne", 0)) == {"anna", "dana"}
    assert members(world, cond("reviews_written", "gte", 2)) == {"anna"}


def test_any_of_merges_snapshot_conditions(world: World) -> None:
    rules = [cond("influence_score", "gte", 70), cond("nps_latest", "lte", 3)]
    assert members(world, *rules, match="any") == {"anna", "ben"}
    assert members(world, *rules) == set()


def test_checks_and_descriptions(world: World) -> None:
    # then values out of range are refused with the field named
    errors = rules_check(all_of(cond("influence_score", "gte", 150)))
    assert errors and "Influence score" in errors[0]
    assert rules_check(all_of(cond("nps_latest", "eq", 4.5)))
    # and a rule reads as a sentence with the quadrant's label
    text = rules_describe(
        any_of(
            cond("loyalty_quadrant", "in", [QuadrantChoice.LATENT]), cond("nps_latest", "is_set")
        )
    )
    assert text == "Loyalty quadrant is any of Latent or Latest NPS answer is known"
