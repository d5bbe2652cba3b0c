"""Reading offers: a customer's offers with readable reasons, what changed since the run
(inactive products, one-offs bought since), and the rules explorer's filters."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from relata.engagement.models import OfferKindChoice
from relata.engagement.offer_selectors import (
    customer_offers,
    offer_evaluation_rows,
    offer_run_current,
    rules_top,
)
from relata.engagement.offer_services import offer_run_create
from relata.sales.models import OrderStatus
from tests.engagement.offer_support import ALL_RULES, buy, offer_shop
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_no_run_means_no_offers() -> None:
    # given a shop without an offer run
    shop = offer_shop()

    # when / then
    assert offer_run_current() is None
    assert customer_offers(customer=shop.carla) == []
    assert list(rules_top()) == []


def test_offers_come_best_first_with_a_reason() -> None:
    # given an offer run over the shop
    shop = offer_shop()
    offer_run_create(settings=ALL_RULES)

    # when carla's offers are read (by customer or by id)
    rows = customer_offers(customer=shop.carla)

    # then the beans come first as a cross-sell with the rule's figures in words
    assert customer_offers(customer=shop.carla.pk) == rows
    assert [(row.rank, row.product.sku, row.kind) for row in rows] == [
        (1, "B1", OfferKindChoice.CROSS_SELL),
        (2, "M2", OfferKindChoice.UP_SELL),
    ]
    beans, machine = rows
    assert beans.kind_code == "cross_sell"
    assert beans.kind_label == "Cross-sell"
    assert beans.source_product == shop.machine
    assert beans.score == pytest.approx(2 / 3)
    assert beans.reason == (
        "Often bought together with Espresso machine Basic: 67% of baskets with Espresso "
        "machine Basic also hold Espresso beans (lift 1.0)"
    )
    assert machine.reason == (
        "A dearer variant of Espresso machine Basic in Machines (1.3× the price)"
    )


def test_deep_sell_reason_names_the_repeat_rate() -> None:
    # given an offer run
    shop = offer_shop()
    offer_run_create(settings=ALL_RULES)

    # when dirk's offers are read
    rows = customer_offers(customer=shop.dirk)

    # then more beans come with the share of buyers who buy them again
    deep = [row for row in rows if row.kind == OfferKindChoice.DEEP_SELL]
    assert [row.product.sku for row in deep] == ["B1"]
    assert deep[0].reason == "You bought Espresso beans before; 40% of its buyers buy it again"


def test_reasons_follow_the_active_language() -> None:
    # given an offer run
    shop = offer_shop()
    offer_run_create(settings=ALL_RULES)

    # when carla's offers are read in Dutch
    with translation.override("nl"):
        rows = customer_offers(customer=shop.carla)

    # then the numbers take the Dutch decimal comma
    assert "1,3×" in rows[1].reason


def test_limit_cuts_the_list() -> None:
    # given an offer run
    shop = offer_shop()
    offer_run_create(settings=ALL_RULES)

    # when / then
    assert [row.product.sku for row in customer_offers(customer=shop.anna, limit=2)] == [
        "B1",
        "C1",
    ]
    assert customer_offers(customer=shop.anna, limit=0) == []


def test_a_product_made_inactive_after_the_run_is_dropped() -> None:
    # given an offer run in which carla is offered the beans first
    shop = offer_shop()
    offer_run_create(settings=ALL_RULES)

    # when the beans are taken out of the range
    shop.beans.active = False
    shop.beans.save()

    # then carla's offers skip them and the rest move up
    rows = customer_offers(customer=shop.carla)
    assert [(row.rank, row.product.sku) for row in rows] == [(1, "M2")]


def test_a_one_off_bought_after_the_run_is_dropped() -> None:
    # given an offer run in which carla is offered the dearer machine (one-off)
    shop = offer_shop()
    offer_run_create(settings=ALL_RULES)

    # when she buys it after the run
    buy(shop.carla, shop.dearer_machine, day=date(2025, 9, 1))

    # then it is no longer offered to her; anna (who did not buy it) still sees it
    assert "M2" not in [row.product.sku for row in customer_offers(customer=shop.carla)]
    assert "M2" in [row.product.sku for row in customer_offers(customer=shop.anna)]


def test_a_one_off_in_a_cancelled_order_is_still_offered() -> None:
    # given an offer run in which carla is offered the dearer machine
    shop = offer_shop()
    offer_run_create(settings=ALL_RULES)

    # when her order of it is cancelled
    buy(shop.carla, shop.dearer_machine, day=date(2025, 9, 1), status=OrderStatus.CANCELLED)

    # then she does not own it, and it stays on offer
    assert "M2" in [row.product.sku for row in customer_offers(customer=shop.carla)]


def test_rules_filter_by_product_category_text_and_direction() -> None:
    # given an offer run with the four rules of the shop
    shop = offer_shop()
    offer_run_create(settings=ALL_RULES)

    def pairs(**filters: object) -> list[tuple[str, str]]:
        return [(r.antecedent.sku, r.consequent.sku) for r in rules_top(**filters)]  # type: ignore[arg-type]

    # when / then: by confidence, highest first (ties by lift, then id)
    assert pairs(sort="-confidence")[0] == ("M1", "B1")
    # a product on either side
    assert sorted(pairs(product_id=shop.cups.pk)) == [("C1", "M1"), ("M1", "C1")]
    # a category on either side
    assert sorted(pairs(category_id=shop.beans.category_id)) == [("B1", "M1"), ("M1", "B1")]
    # a name or SKU on either side
    assert sorted(pairs(query="beans")) == [("B1", "M1"), ("M1", "B1")]
    assert len(pairs(query="nothing like this")) == 0
    # support, lowest first
    assert pairs(sort="support")[0] in {("M1", "C1"), ("C1", "M1")}
    # an unknown sort falls back to lift
    assert len(pairs(sort="nonsense")) == 4


def test_rules_across_categories() -> None:
    # given a run with a rule inside one category: two cup sets bought together
    shop = offer_shop()
    saucers = ProductFactory(sku="C2", name="Saucers", category=shop.cups.category)
    buy(shop.eva, shop.cups, saucers, day=date(2025, 7, 1))
    offer_run_create(settings=ALL_RULES)

    # when only rules across categories are asked for
    rules = list(rules_top(across_categories=True))

    # then cups → saucers (both "Cups") is left out, the others stay
    assert rules
    assert all(r.antecedent.category_id != r.consequent.category_id for r in rules)
    assert rules_top().filter(antecedent=shop.cups, consequent=saucers).exists()


def test_evaluation_rows_compare_model_and_baseline() -> None:
    # given an evaluated run (the test window: eva's beans after the cut)
    shop = offer_shop()
    buy(shop.eva, shop.beans, day=date(2026, 1, 5))
    run = offer_run_create(settings=ALL_RULES, evaluate=True, test_months=6)

    # when its evaluation is read as rows
    rows = offer_evaluation_rows(run)

    # then precision, recall and hit rate come with the ratio model ÷ baseline
    assert [row.name for row in rows] == ["precision", "recall", "hit_rate"]
    assert rows[0].label == "Precision@5"
    assert rows[2].baseline == 1.0
    assert rows[2].ratio == rows[2].model / rows[2].baseline


def test_a_run_without_evaluation_has_no_rows() -> None:
    # given a run without evaluation
    offer_shop()
    run = offer_run_create(settings=ALL_RULES)

    # when / then
    assert offer_evaluation_rows(run) == []
