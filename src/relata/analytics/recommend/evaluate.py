"""Offline evaluation of next best offer on a time split, against a popularity baseline.

Order lines before the cut train everything: the association rules (over the training
baskets), ownership and repeat rates. The customers evaluated are those who bought before the
cut *and* bought at least one product after it that they had not bought before; that set of new
products is what each customer "actually took". For top-``k`` lists ``R_c`` and relevant sets
``T_c`` over the ``n`` evaluated customers (Herlocker et al. 2004, "Evaluating collaborative
filtering recommender systems"):

* ``precision@k = mean_c |R_c ∩ T_c| / k`` (a list shorter than ``k`` still divides by ``k``);
* ``recall@k = mean_c |R_c ∩ T_c| / |T_c|``;
* ``hit rate@k`` = share of customers with ``|R_c ∩ T_c| ≥ 1``.

The model is :func:`recommend_offers` without deep-sell (more of the same can never be a *new*
product, so it would only dilute the lists); the baseline offers each customer the most-bought
active products (most training baskets, ties by product id) that they do not own yet.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from relata.analytics._checks import IntArray, int_array, same_length
from relata.analytics.frames import to_day_numbers
from relata.analytics.recommend.catalogue import Catalogue, catalogue_positions
from relata.analytics.recommend.offers import OfferSettings, recommend_offers
from relata.analytics.recommend.rules import association_rules

__all__ = ["OfferEvaluation", "RankingMetrics", "evaluate_offers", "popular_offers"]


@dataclass(frozen=True)
class RankingMetrics:
    k: int
    n_customers: int
    precision: float
    recall: float
    hit_rate: float


@dataclass(frozen=True)
class OfferEvaluation:
    model: RankingMetrics
    baseline: RankingMetrics
    n_train_baskets: int
    n_rules: int


def popular_offers(
    customer_id: npt.ArrayLike,
    product_id: npt.ArrayLike,
    *,
    catalogue: Catalogue,
    popularity: npt.ArrayLike,
    k: int = 5,
) -> tuple[IntArray, IntArray]:
    """The popularity baseline: per customer, the ``k`` most popular active products not owned.

    ``popularity[j]`` belongs to catalogue row ``j`` (e.g. its number of baskets). Returns
    parallel ``(customer_id, product_id)`` arrays sorted by customer, most popular first
    (ties by product id). Customers appear as in the purchases ``customer_id``/``product_id``.
    """
    customers = int_array("customer_id", customer_id)
    products = int_array("product_id", product_id)
    same_length(customer_id=customers, product_id=products)
    counts = np.asarray(popularity, dtype=np.float64)
    if counts.shape != (len(catalogue),):
        raise ValueError("popularity: expected one value per catalogue product")
    n_products = len(catalogue)
    position = catalogue_positions("product_id", products, catalogue)
    customer_ids, code = np.unique(customers, return_inverse=True)
    owned_key = np.unique(code.ravel().astype(np.int64) * n_products + position)
    owned_customer = owned_key // n_products
    n_owned = np.bincount(owned_customer, minlength=customer_ids.size)

    candidates = np.flatnonzero(catalogue.active)
    ranked = candidates[np.lexsort((catalogue.product_id[candidates], -counts[candidates]))]
    # A customer's top k not-owned products lie among the first k + (products owned) ranked.
    depth = np.minimum(k + n_owned, ranked.size)
    cand_customer = np.repeat(np.arange(customer_ids.size), depth)
    within = np.arange(int(depth.sum())) - np.repeat(np.cumsum(depth) - depth, depth)
    cand_product = ranked[within]
    key = cand_customer * n_products + cand_product
    at = np.minimum(np.searchsorted(owned_key, key), max(owned_key.size - 1, 0))
    new = owned_key[at] != key if owned_key.size else np.ones(key.size, dtype=np.bool_)
    cand_customer, cand_product = cand_customer[new], cand_product[new]
    run = np.flatnonzero(np.concatenate(([True], cand_customer[1:] != cand_customer[:-1])))
    sizes = np.diff(np.append(run, cand_customer.size))
    top = np.arange(cand_customer.size) - np.repeat(run, sizes) < k
    return (
        customer_ids[cand_customer[top]].astype(np.int64),
        catalogue.product_id[cand_product[top]].astype(np.int64),
    )


def _metrics(
    k: int,
    evaluated: IntArray,
    relevant_key: IntArray,
    relevant_size: IntArray,
    offer_customer: IntArray,
    offer_product: IntArray,
    n_products: int,
) -> RankingMetrics:
    """Metrics over ``evaluated`` customer codes; offers and keys use the same codes."""
    n = evaluated.size
    if n == 0:
        return RankingMetrics(k=k, n_customers=0, precision=0.0, recall=0.0, hit_rate=0.0)
    key = offer_customer * n_products + offer_product
    at = np.minimum(np.searchsorted(relevant_key, key), max(relevant_key.size - 1, 0))
    hit = relevant_key[at] == key
    hits = np.bincount(offer_customer[hit], minlength=int(evaluated.max()) + 1)[evaluated]
    return RankingMetrics(
        k=k,
        n_customers=int(n),
        precision=float(np.mean(hits / k)),
        recall=float(np.mean(hits / relevant_size[evaluated])),
        hit_rate=float(np.mean(hits > 0)),
    )


def evaluate_offers(
    basket_id: npt.ArrayLike,
    customer_id: npt.ArrayLike,
    product_id: npt.ArrayLike,
    day: npt.NDArray[Any],
    *,
    cut: np.datetime64 | float,
    catalogue: Catalogue,
    settings: OfferSettings | None = None,
    min_support: float = 0.0,
    min_confidence: float = 0.0,
    min_lift: float = 0.0,
    min_pair_count: int = 1,
) -> OfferEvaluation:
    """Precision, recall and hit rate @k of the offers and of the popularity baseline.

    One row per order line: its basket (order) id, customer, product and ``day`` (datetime64
    or day numbers). Lines dated before ``cut`` train; lines on or after it test. The rule
    thresholds go to :func:`association_rules`; ``settings.k`` is the list length.
    """
    settings = dataclasses.replace(settings or OfferSettings(), deep_sell_weight=0.0)
    baskets = int_array("basket_id", basket_id)
    customers = int_array("customer_id", customer_id)
    products = int_array("product_id", product_id)
    days = to_day_numbers(np.asarray(day))
    same_length(basket_id=baskets, customer_id=customers, product_id=products, day=days)
    cut_day = int(to_day_numbers(np.asarray([cut]))[0])
    n_products = len(catalogue)
    position = catalogue_positions("product_id", products, catalogue)
    customer_ids, code = np.unique(customers, return_inverse=True)
    code = code.ravel().astype(np.int64)

    train = days < cut_day
    rules = association_rules(
        baskets[train],
        products[train],
        min_support=min_support,
        min_confidence=min_confidence,
        min_lift=min_lift,
        min_pair_count=min_pair_count,
    )
    owned_key = np.unique(code[train] * n_products + position[train])
    later_key = np.unique(code[~train] * n_products + position[~train])
    at = np.minimum(np.searchsorted(owned_key, later_key), max(owned_key.size - 1, 0))
    is_new = owned_key[at] != later_key if owned_key.size else np.ones(later_key.size, bool)
    relevant_key = later_key[is_new]
    relevant_size = np.bincount(relevant_key // n_products, minlength=customer_ids.size)
    has_history = np.bincount(owned_key // n_products, minlength=customer_ids.size) > 0
    evaluated = np.flatnonzero(has_history & (relevant_size > 0))

    offers = recommend_offers(
        customers[train], products[train], catalogue=catalogue, rules=rules, settings=settings
    )
    popularity = np.zeros(n_products, dtype=np.float64)
    seen = np.isin(rules.item_product, catalogue.product_id)
    popularity[catalogue_positions("rules", rules.item_product[seen], catalogue)] = (
        rules.item_count[seen]
    )
    base_customer, base_product = popular_offers(
        customers[train],
        products[train],
        catalogue=catalogue,
        popularity=popularity,
        k=settings.k,
    )

    def codes(ids: IntArray, product: IntArray) -> tuple[IntArray, IntArray]:
        return (
            np.searchsorted(customer_ids, ids).astype(np.int64),
            catalogue_positions("offers", product, catalogue),
        )

    model = _metrics(
        settings.k, evaluated, relevant_key, relevant_size,
        *codes(offers.customer_id, offers.product_id), n_products,
    )  # fmt: skip
    baseline = _metrics(
        settings.k, evaluated, relevant_key, relevant_size,
        *codes(base_customer, base_product), n_products,
    )  # fmt: skip
    return OfferEvaluation(
        model=model, baseline=baseline, n_train_baskets=rules.n_baskets, n_rules=len(rules)
    )
