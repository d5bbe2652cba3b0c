from __future__ import annotations

import numpy as np
import pytest

from relata.analytics.recommend import (
    AssociationRules,
    Catalogue,
    OfferKind,
    OfferSettings,
    association_rules,
    evaluate_offers,
    popular_offers,
    recommend_offers,
)

# Five baskets: {10, 20}, {10, 20, 30}, {10, 30}, {20}, {10, 20} (basket 5 repeats product 10).
BASKETS = np.array([1, 1, 2, 2, 2, 3, 3, 4, 5, 5, 5])
PRODUCTS = np.array([10, 20, 10, 20, 30, 10, 30, 20, 10, 20, 10])


def rule(rules: AssociationRules, a: int, b: int) -> int:
    found = np.flatnonzero((rules.antecedent == a) & (rules.consequent == b))
    assert found.size == 1, f"rule {a} → {b} not found"
    return int(found[0])


def catalogue(
    product_id: list[int],
    *,
    category: list[int] | None = None,
    price: list[float] | None = None,
    one_off: set[int] = frozenset(),  # type: ignore[assignment]
    repeatable: set[int] = frozenset(),  # type: ignore[assignment]
    inactive: set[int] = frozenset(),  # type: ignore[assignment]
) -> Catalogue:
    n = len(product_id)
    return Catalogue.build(
        product_id=product_id,
        category=category if category is not None else product_id,  # own category each
        price=price if price is not None else [10.0] * n,
        is_one_off=[p in one_off for p in product_id],
        repeatable=[p in repeatable for p in product_id],
        active=[p not in inactive for p in product_id],
    )


def offered(offers, customer: int) -> list[tuple[int, str]]:
    rows = np.flatnonzero(offers.customer_id == customer)
    return [(int(offers.product_id[i]), offers.reason(i)["kind"]) for i in rows]


# --- association rules -----------------------------------------------------------------


def test_rule_metrics_match_a_hand_computed_example():
    # given five baskets: n(10) = 4, n(20) = 4, n(30) = 2, n(10, 20) = 3, n(10, 30) = 2

    # when
    rules = association_rules(BASKETS, PRODUCTS)

    # then every ordered pair that co-occurs is a rule, sorted by antecedent then consequent
    pairs = list(zip(rules.antecedent.tolist(), rules.consequent.tolist(), strict=True))
    assert pairs == [(10, 20), (10, 30), (20, 10), (20, 30), (30, 10), (30, 20)]
    assert rules.n_baskets == 5
    assert rules.item_product.tolist() == [10, 20, 30]
    assert rules.item_count.tolist() == [4, 4, 2]  # the repeated 10 in basket 5 counts once
    i = rule(rules, 10, 20)
    assert (rules.pair_count[i], rules.antecedent_count[i], rules.consequent_count[i]) == (3, 4, 4)
    assert rules.support[i] == pytest.approx(3 / 5)
    assert rules.confidence[i] == pytest.approx(3 / 4)
    assert rules.lift[i] == pytest.approx((3 / 4) / (4 / 5))
    j = rule(rules, 30, 10)  # every basket with 30 holds 10
    assert rules.support[j] == pytest.approx(2 / 5)
    assert rules.confidence[j] == pytest.approx(1.0)
    assert rules.lift[j] == pytest.approx(1.0 / (4 / 5))
    k = rule(rules, 20, 30)
    assert rules.confidence[k] == pytest.approx(1 / 4)
    assert rules.lift[k] == pytest.approx((1 / 4) / (2 / 5))


def test_thresholds_keep_exactly_the_rules_that_meet_them():
    # given / when
    by_support = association_rules(BASKETS, PRODUCTS, min_support=0.5)
    by_confidence = association_rules(BASKETS, PRODUCTS, min_confidence=0.75)
    by_lift = association_rules(BASKETS, PRODUCTS, min_lift=1.2)
    by_count = association_rules(BASKETS, PRODUCTS, min_pair_count=2)

    # then
    def pairs(rules: AssociationRules) -> set[tuple[int, int]]:
        return set(zip(rules.antecedent.tolist(), rules.consequent.tolist(), strict=True))

    assert pairs(by_support) == {(10, 20), (20, 10)}  # support 0.6; the others ≤ 0.4
    assert pairs(by_confidence) == {(10, 20), (20, 10), (30, 10)}
    assert pairs(by_lift) == {(10, 30), (30, 10)}  # lift 1.25; 10 ↔ 20 is 0.9375
    assert pairs(by_count) == {(10, 20), (20, 10), (10, 30), (30, 10)}
    assert np.all(by_support.support >= 0.5)


def test_no_baskets_give_no_rules_and_bad_input_names_the_field():
    # given / when
    empty = association_rules(np.zeros(0, int), np.zeros(0, int))

    # then
    assert len(empty) == 0 and empty.n_baskets == 0
    with pytest.raises(ValueError, match="lengths differ"):
        association_rules([1, 2], [10])
    with pytest.raises(ValueError, match="min_support"):
        association_rules(BASKETS, PRODUCTS, min_support=1.5)
    with pytest.raises(ValueError, match="product_id"):
        association_rules([1, 2], [10.5, 3])


def test_a_thousand_random_baskets_give_the_counted_rule_metrics():
    # given random baskets checked against a dense, slow count
    rng = np.random.default_rng(7)
    basket = rng.integers(0, 1000, 5000)
    product = rng.integers(0, 12, 5000)

    # when
    rules = association_rules(basket, product)

    # then
    incidence = np.zeros((1000, 12), dtype=bool)
    incidence[basket, product] = True
    incidence = incidence[incidence.any(axis=1)]
    n = incidence.shape[0]
    assert rules.n_baskets == n
    for i in range(len(rules)):
        a, b = int(rules.antecedent[i]), int(rules.consequent[i])
        both = np.sum(incidence[:, a] & incidence[:, b])
        assert rules.pair_count[i] == both
        assert rules.confidence[i] == pytest.approx(both / incidence[:, a].sum())
        assert rules.lift[i] == pytest.approx(
            both * n / (incidence[:, a].sum() * incidence[:, b].sum())
        )


# --- offers -------------------------------------------------------------------------------


def test_cross_sell_uses_the_best_rule_from_any_owned_product():
    # given a customer owning 10 and 20, who may be offered 30 (30 ← 10 at 0.5, ← 20 at 0.25)
    rules = association_rules(BASKETS, PRODUCTS)
    products = catalogue([10, 20, 30])

    # when
    offers = recommend_offers([1, 1], [10, 20], catalogue=products, rules=rules)

    # then
    assert offered(offers, 1) == [(30, "cross_sell")]
    assert offers.reason(0) == {
        "kind": "cross_sell",
        "source_product_id": 10,
        "score": pytest.approx(0.5),
        "confidence": pytest.approx(0.5),
        "lift": pytest.approx(1.25),
    }


def test_cross_sell_by_lift_and_within_the_category_when_asked():
    # given 10 and 30 in one category
    rules = association_rules(BASKETS, PRODUCTS)
    same_category = catalogue([10, 20, 30], category=[1, 2, 1])

    # when
    default = recommend_offers([1], [10], catalogue=same_category, rules=rules)
    by_lift = recommend_offers(
        [1],
        [10],
        catalogue=same_category,
        rules=rules,
        settings=OfferSettings(cross_sell_score="lift", cross_sell_other_category_only=False),
    )

    # then: by default only the other category is cross-sold; by lift 30 (1.25) beats 20
    assert offered(default, 1) == [(20, "cross_sell")]
    assert offered(by_lift, 1) == [(30, "cross_sell"), (20, "cross_sell")]
    assert by_lift.score.tolist() == pytest.approx([1.25, 0.9375])


def test_a_one_off_product_is_never_offered_to_its_owner():
    # given 10 is a one-off product (a sofa) in a consumable category, strongly linked to 20
    rules = association_rules(BASKETS, PRODUCTS)
    products = catalogue([10, 20, 30, 11], category=[1, 2, 3, 1], one_off={10}, repeatable={10})

    # when customer 1 owns the sofa (bought twice) and 20; customer 2 owns only 20
    offers = recommend_offers([1, 1, 1, 2], [10, 10, 20, 20], catalogue=products, rules=rules)

    # then
    assert 10 not in [p for p, _ in offered(offers, 1)]
    assert (10, "cross_sell") in offered(offers, 2)


def test_inactive_products_are_never_offered_by_any_kind():
    # given 30 (cross-sell), 12 (up-sell of 11) and 13 (deep-sell) are inactive; 14 is active
    rules = association_rules(BASKETS, PRODUCTS)
    products = catalogue(
        [10, 20, 30, 11, 12, 13, 14],
        category=[1, 2, 3, 4, 4, 5, 6],
        price=[10, 10, 10, 100, 120, 5, 5],
        repeatable={13, 14},
        inactive={30, 12, 13},
    )

    # when
    offers = recommend_offers([1, 1, 1, 1], [10, 11, 13, 14], catalogue=products, rules=rules)

    # then
    assert sorted(offered(offers, 1)) == [(14, "deep_sell"), (20, "cross_sell")]


def test_up_sell_offers_dearer_variants_of_the_same_category_within_the_factor():
    # given the customer owns 100 (price 100) in category 7
    no_rules = association_rules(np.zeros(0, int), np.zeros(0, int))
    products = catalogue(
        [100, 101, 102, 103, 104, 105],
        category=[7, 7, 7, 7, 7, 8],
        price=[100, 90, 120, 140, 200, 130],
    )

    # when
    offers = recommend_offers(
        [1], [100], catalogue=products, rules=no_rules, settings=OfferSettings(k=10)
    )

    # then: not the cheaper 101, not 104 above 1.5 × 100, not 105 in another category
    assert offered(offers, 1) == [(102, "up_sell"), (103, "up_sell")]
    assert offers.price_ratio.tolist() == pytest.approx([1.2, 1.4])
    assert offers.source_product_id.tolist() == [100, 100]
    # equal scores (no buyers yet: (0 + 1) / (1 + 5)) are ordered by product id
    assert offers.score.tolist() == pytest.approx([1 / 6, 1 / 6])


def test_up_sell_prefers_the_variant_more_customers_buy():
    # given customers 2..4 bought 103, nobody 102; customer 1 owns 100
    no_rules = association_rules(np.zeros(0, int), np.zeros(0, int))
    products = catalogue([100, 102, 103], category=[7, 7, 7], price=[100, 120, 140])

    # when
    offers = recommend_offers(
        [1, 2, 3, 4], [100, 103, 103, 103], catalogue=products, rules=no_rules
    )

    # then: shares (3 + 1) / (4 + 3) and (0 + 1) / (4 + 3)
    assert offered(offers, 1) == [(103, "up_sell"), (102, "up_sell")]
    assert offers.score[:2].tolist() == pytest.approx([4 / 7, 1 / 7])


def test_deep_sell_only_for_repeatable_products_with_the_smoothed_repeat_rate():
    # given 50 is repeatable (bought twice by customer 1, once by 2); 60 is not
    no_rules = association_rules(np.zeros(0, int), np.zeros(0, int))
    products = catalogue([50, 60], repeatable={50})

    # when
    offers = recommend_offers(
        [1, 1, 1, 2, 2], [50, 50, 60, 50, 60], catalogue=products, rules=no_rules
    )

    # then: repeat rate (1 repeater + 1) / (2 buyers + 2)
    assert offered(offers, 1) == [(50, "deep_sell")]
    assert offered(offers, 2) == [(50, "deep_sell")]
    assert offers.repeat_rate.tolist() == pytest.approx([0.5, 0.5])
    assert offers.reason(0)["source_product_id"] == 50


def test_a_weight_of_zero_switches_a_kind_off():
    # given
    rules = association_rules(BASKETS, PRODUCTS)
    products = catalogue([10, 20, 30], repeatable={10})

    # when
    offers = recommend_offers(
        [1], [10], catalogue=products, rules=rules, settings=OfferSettings(deep_sell_weight=0)
    )

    # then
    assert {kind for _, kind in offered(offers, 1)} == {"cross_sell"}


def test_order_is_deterministic_ties_by_product_id_and_k_limits_the_list():
    # given product 1 is in every basket with each of 5..9 once: equal confidence 0.2 each
    basket = np.repeat(np.arange(5), 2)
    product = np.ravel(np.column_stack([np.ones(5, int), np.arange(5, 10)]))
    rules = association_rules(basket, product)
    products = catalogue([1, 5, 6, 7, 8, 9])
    customers, bought = np.array([3, 2, 3]), np.array([1, 1, 9])
    settings = OfferSettings(k=3)

    # when
    offers = recommend_offers(customers, bought, catalogue=products, rules=rules, settings=settings)
    shuffled = recommend_offers(
        customers[::-1], bought[::-1], catalogue=products, rules=rules, settings=settings
    )

    # then customers in id order, ranks 1..k, equal scores by product id
    assert offers.customer_id.tolist() == [2, 2, 2, 3, 3, 3]
    assert offers.rank.tolist() == [1, 2, 3, 1, 2, 3]
    assert offers.product_id.tolist() == [5, 6, 7, 5, 6, 7]
    assert offers.kind.tolist() == [OfferKind.CROSS_SELL] * 6
    for name in ("customer_id", "product_id", "rank", "kind", "source_product_id"):
        assert getattr(offers, name).tolist() == getattr(shuffled, name).tolist()


def test_chunked_and_whole_runs_agree_on_random_data():
    # given
    rng = np.random.default_rng(3)
    rules = association_rules(rng.integers(0, 400, 1500), rng.integers(0, 30, 1500))
    products = Catalogue.build(
        product_id=np.arange(30),
        category=np.arange(30) % 4,
        price=rng.uniform(1, 100, 30),
        is_one_off=rng.random(30) < 0.2,
        repeatable=rng.random(30) < 0.4,
        active=rng.random(30) < 0.9,
    )
    customers, bought = rng.integers(0, 200, 1000), rng.integers(0, 30, 1000)

    # when
    whole = recommend_offers(customers, bought, catalogue=products, rules=rules)
    chunked = recommend_offers(
        customers, bought, catalogue=products, rules=rules, settings=OfferSettings(chunk_size=50)
    )

    # then
    for name in ("customer_id", "product_id", "kind", "rank", "source_product_id"):
        assert getattr(whole, name).tolist() == getattr(chunked, name).tolist()
    assert np.array_equal(whole.score, chunked.score)
    owned = set(zip(customers.tolist(), bought.tolist(), strict=True))
    for i in range(len(whole)):
        pair = (int(whole.customer_id[i]), int(whole.product_id[i]))
        product = int(whole.product_id[i])
        assert products.active[product]
        if products.is_one_off[product]:
            assert pair not in owned
        assert (pair in owned) == (whole.kind[i] == OfferKind.DEEP_SELL)
        assert whole.rank[i] <= 5


def test_bad_input_is_refused_with_the_field_named():
    # given
    rules = association_rules(BASKETS, PRODUCTS)
    products = catalogue([10, 20, 30])

    # when / then
    with pytest.raises(ValueError, match="product 99 at position 1 is not in the catalogue"):
        recommend_offers([1, 1], [10, 99], catalogue=products, rules=rules)
    with pytest.raises(ValueError, match="product_id: every product must appear once"):
        catalogue([10, 10])
    with pytest.raises(ValueError, match="price: negative"):
        catalogue([10], price=[-1.0])
    with pytest.raises(ValueError, match="up_sell_max_price_factor"):
        OfferSettings(up_sell_max_price_factor=1.0)
    with pytest.raises(ValueError, match="k must be"):
        OfferSettings(k=0)


# --- evaluation -----------------------------------------------------------------------


def test_popularity_baseline_offers_the_most_bought_products_not_owned():
    # given popularity 50, 40, 40, 30, 20 for products 1..5; 2 is inactive
    products = catalogue([1, 2, 3, 4, 5], inactive={2})

    # when
    customer, product = popular_offers(
        [7, 7, 8], [1, 4, 3], catalogue=products, popularity=[50, 40, 40, 30, 20], k=2
    )

    # then
    assert customer.tolist() == [7, 7, 8, 8]
    assert product.tolist() == [3, 5, 1, 4]


def simulated_orders(seed: int = 11) -> tuple[np.ndarray, ...]:
    """Order lines with a planted rule: customers who buy A (30) later buy B (31).

    Forty products with Zipf-like popularity. Group 1 buys A and B together before the cut
    (that teaches the rule); group 2 buys A alone before the cut and B after it; everybody
    also buys popular products, and after the cut one more at random.
    """
    rng = np.random.default_rng(seed)
    n_customers, a, b = 2000, 30, 31
    others = np.array([p for p in range(40) if p not in (a, b)])
    weights = 1.0 / np.arange(1, others.size + 1)
    weights /= weights.sum()
    lines: list[tuple[int, int, int, int]] = []  # basket, customer, product, day
    basket = 0
    for customer in range(n_customers):
        for _ in range(3):
            day = int(rng.integers(0, 100))
            for product in rng.choice(others, size=2, replace=False, p=weights):
                lines.append((basket, customer, int(product), day))
            basket += 1
        if customer < 400:
            lines += [(basket, customer, a, 50), (basket, customer, b, 50)]
        elif customer < 1200:
            lines.append((basket, customer, a, 50))
            basket += 1
            lines.append((basket, customer, b, 120))
        basket += 1
        lines.append((basket, customer, int(rng.choice(others, p=weights)), 130))
        basket += 1
    return tuple(np.array(column) for column in zip(*lines, strict=True))


def test_planted_rule_makes_the_offers_beat_popularity_on_a_time_split():
    # given
    basket, customer, product, day = simulated_orders()
    products = catalogue(list(range(40)), category=[p % 8 for p in range(40)])

    # when
    result = evaluate_offers(
        basket, customer, product, day, cut=100.0, catalogue=products, min_pair_count=5
    )

    # then
    assert result.model.k == result.baseline.k == 5
    assert result.model.n_customers == result.baseline.n_customers > 1000
    assert result.model.precision > result.baseline.precision + 0.02
    assert result.model.hit_rate > result.baseline.hit_rate
    assert result.model.recall > result.baseline.recall
    assert result.n_rules > 0 and result.n_train_baskets == 2000 * 3 + 1200


def test_customers_who_bought_a_alone_are_offered_b_first():
    # given the training half of the simulated orders
    basket, customer, product, day = simulated_orders()
    train = day < 100
    products = catalogue(list(range(40)), category=[p % 8 for p in range(40)])
    rules = association_rules(basket[train], product[train], min_pair_count=5)

    # when
    offers = recommend_offers(customer[train], product[train], catalogue=products, rules=rules)

    # then every customer of group 2 (400..1199) gets B (31) from A (30) at rank 1
    planted = (offers.customer_id >= 400) & (offers.customer_id < 1200) & (offers.rank == 1)
    assert planted.sum() == 800
    assert set(offers.product_id[planted].tolist()) == {31}
    assert set(offers.source_product_id[planted].tolist()) == {30}
    assert not np.any((offers.customer_id < 400) & (offers.product_id == 31))  # owned already


def test_planted_rule_is_found_with_its_true_confidence():
    # given
    basket, _customer, product, day = simulated_orders()
    train = day < 100

    # when
    rules = association_rules(basket[train], product[train], min_confidence=0.3)

    # then: 1200 training baskets hold A, 400 of them B too
    i = rule(rules, 30, 31)
    assert rules.confidence[i] == pytest.approx(1 / 3)
    assert rules.pair_count[i] == 400
