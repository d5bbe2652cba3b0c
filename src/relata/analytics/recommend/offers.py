"""Next best offer per customer: cross-sell, up-sell and deep-sell (DOMAIN.md §13).

Inputs: the customers' purchases (parallel ``customer_id`` / ``product_id`` arrays, one row per
purchase, e.g. per order line), the :class:`Catalogue` and the :class:`AssociationRules` mined
from baskets. Every offer is a product the customer is scored on, with one of three kinds:

* **cross-sell** — a product ``B`` the customer does not own, reached by a rule ``A → B`` from a
  product ``A`` they own (by default only rules into *another* category than ``A``'s).
  ``score = cross_sell_weight · confidence(A → B)`` (or ``· lift`` with
  ``cross_sell_score="lift"``), taking the best owned antecedent.
* **up-sell** — a dearer variant ``B`` in the category of an owned product ``A``:
  ``price(A) < price(B) ≤ up_sell_max_price_factor · price(A)``, ``B`` not owned.
  ``score = up_sell_weight · (buyers(B) + 1) / (Σ_{C in category} buyers(C) + n_category)``,
  ``B``'s Laplace-smoothed share of its category's buyers (distinct customers per product).
* **deep-sell** — more of the same: an owned product flagged ``repeatable`` (a consumable,
  bought again when used up). ``score = deep_sell_weight · (repeaters + 1) / (buyers + 2)``,
  the Laplace-smoothed share of the product's buyers with two or more purchase rows.

The three scores estimate the chance the customer takes the offer, so they share one scale;
the weights tune the mix and a weight of 0 switches a kind off. Always: inactive products are
never offered; a one-off product (a sofa) is never offered to a customer who owns it (cross-
and up-sell skip every owned product, and deep-sell never applies to one-off products, even in
a repeatable category). When a product qualifies in several ways, its best offer wins.

Ordering is deterministic: per customer by score (highest first), then product id; among
equal-scoring ways to reach one product, cross-sell before up-sell before deep-sell, then the
lowest source product id.

Implementation: every way to reach a product is an *edge* ``source → product`` (rule, dearer
variant, or the product itself), capped per source product; owned (customer, source) pairs
join the edges in customer chunks, and two packed integer sorts keep the best edge per
(customer, product) and the top ``k`` per customer — no Python loop over customers.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from enum import IntEnum
from typing import Literal

import numpy as np
import numpy.typing as npt

from relata.analytics._checks import (
    CodeArray,
    FloatArray,
    IntArray,
    check_positive,
    int_array,
    same_length,
)
from relata.analytics.frames import sort_int_keys
from relata.analytics.recommend.catalogue import Catalogue, catalogue_positions
from relata.analytics.recommend.rules import AssociationRules

__all__ = [
    "KIND_NAMES",
    "OfferKind",
    "OfferSettings",
    "Offers",
    "recommend_offers",
]


class OfferKind(IntEnum):
    CROSS_SELL = 1
    UP_SELL = 2
    DEEP_SELL = 3


KIND_NAMES: dict[OfferKind, str] = {
    OfferKind.CROSS_SELL: "cross_sell",
    OfferKind.UP_SELL: "up_sell",
    OfferKind.DEEP_SELL: "deep_sell",
}


@dataclass(frozen=True)
class OfferSettings:
    """How offers are found and weighed (see the module docstring for the scores)."""

    k: int = 5
    cross_sell_score: Literal["confidence", "lift"] = "confidence"
    cross_sell_weight: float = 1.0
    cross_sell_other_category_only: bool = True
    up_sell_weight: float = 1.0
    up_sell_max_price_factor: float = 1.5
    deep_sell_weight: float = 1.0
    rules_per_product: int = 20  # best cross-sell rules kept per antecedent
    up_sells_per_product: int = 5  # best dearer variants kept per owned product
    chunk_size: int = 4_000_000  # candidate (customer, edge) rows handled at once

    def __post_init__(self) -> None:
        for name in ("k", "rules_per_product", "up_sells_per_product", "chunk_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}")
        if self.cross_sell_score not in ("confidence", "lift"):
            raise ValueError(
                f"cross_sell_score must be 'confidence' or 'lift', got {self.cross_sell_score!r}"
            )
        for name in ("cross_sell_weight", "up_sell_weight", "deep_sell_weight"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a number of at least 0, got {value!r}")
        check_positive("up_sell_max_price_factor", self.up_sell_max_price_factor)
        if self.up_sell_max_price_factor <= 1:
            raise ValueError(
                "up_sell_max_price_factor must be above 1 (the dearest variant offered, as a "
                f"multiple of the owned product's price), got {self.up_sell_max_price_factor!r}"
            )


@dataclass(frozen=True)
class Offers:
    """Top offers, one row each, sorted by customer id, then ``rank`` (1 = best).

    ``source_product_id`` is the owned product that led to the offer (the rule's antecedent,
    the cheaper variant, or the product itself for deep-sell). The evidence columns are NaN
    where they do not apply: ``confidence``/``lift`` for cross-sell, ``price_ratio`` (offer
    price / owned price) for up-sell, ``repeat_rate`` (smoothed) for deep-sell.
    """

    customer_id: IntArray
    product_id: IntArray
    kind: CodeArray  # OfferKind codes
    score: FloatArray
    rank: IntArray
    source_product_id: IntArray
    confidence: FloatArray
    lift: FloatArray
    price_ratio: FloatArray
    repeat_rate: FloatArray

    def __len__(self) -> int:
        return int(self.customer_id.shape[0])

    def reason(self, row: int) -> dict[str, str | int | float]:
        """A readable payload for offer ``row``: its kind, source product and evidence."""
        kind = OfferKind(int(self.kind[row]))
        payload: dict[str, str | int | float] = {
            "kind": KIND_NAMES[kind],
            "source_product_id": int(self.source_product_id[row]),
            "score": float(self.score[row]),
        }
        for name in ("confidence", "lift", "price_ratio", "repeat_rate"):
            value = float(getattr(self, name)[row])
            if not np.isnan(value):
                payload[name] = value
        return payload


@dataclass(frozen=True)
class _Edges:
    """``source → target`` catalogue positions, sorted by source, with their evidence."""

    source: IntArray
    target: IntArray
    kind: CodeArray
    score: FloatArray
    rank: IntArray  # position in (score desc, target, kind, source) order
    confidence: FloatArray
    lift: FloatArray
    price_ratio: FloatArray
    repeat_rate: FloatArray


def _best_per_source(source: IntArray, score: FloatArray, target: IntArray, keep: int) -> IntArray:
    """Indices of the ``keep`` best (score desc, target asc) edges of each source."""
    order = np.lexsort((target, -score, source))
    grouped = source[order]
    starts = np.flatnonzero(np.concatenate(([True], grouped[1:] != grouped[:-1])))
    sizes = np.diff(np.append(starts, grouped.size))
    within = np.arange(grouped.size) - np.repeat(starts, sizes)
    chosen: IntArray = order[within < keep]
    return chosen


def _cross_sell_edges(
    rules: AssociationRules, catalogue: Catalogue, settings: OfferSettings
) -> tuple[IntArray, IntArray, FloatArray, FloatArray, FloatArray]:
    in_catalogue = np.isin(rules.antecedent, catalogue.product_id) & np.isin(
        rules.consequent, catalogue.product_id
    )
    a = catalogue_positions("rules", rules.antecedent[in_catalogue], catalogue)
    b = catalogue_positions("rules", rules.consequent[in_catalogue], catalogue)
    confidence = rules.confidence[in_catalogue]
    lift = rules.lift[in_catalogue]
    keep = catalogue.active[b]
    if settings.cross_sell_other_category_only:
        keep &= catalogue.category[a] != catalogue.category[b]
    a, b, confidence, lift = a[keep], b[keep], confidence[keep], lift[keep]
    metric = confidence if settings.cross_sell_score == "confidence" else lift
    score = settings.cross_sell_weight * metric
    best = _best_per_source(a, score, b, settings.rules_per_product)
    return a[best], b[best], score[best], confidence[best], lift[best]


def _up_sell_edges(
    catalogue: Catalogue, buyers: IntArray, settings: OfferSettings
) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    n = len(catalogue)
    _, category_code = np.unique(catalogue.category, return_inverse=True)
    category_code = category_code.ravel()
    category_buyers = np.bincount(category_code, weights=buyers.astype(np.float64))
    category_size = np.bincount(category_code)
    share = (buyers + 1.0) / (category_buyers + category_size)[category_code]

    # Within a category sorted by price, the dearer variants of a product within the price
    # factor form one contiguous run: (price, factor · price].
    order = np.lexsort((catalogue.product_id, catalogue.price, category_code))
    cat_sorted = category_code[order]
    price_sorted = catalogue.price[order]
    lo = np.empty(n, dtype=np.int64)
    hi = np.empty(n, dtype=np.int64)
    bounds = np.flatnonzero(np.concatenate(([True], cat_sorted[1:] != cat_sorted[:-1], [True])))
    for start, stop in itertools.pairwise(bounds):  # one pass per category
        prices = price_sorted[start:stop]
        lo[start:stop] = start + np.searchsorted(prices, prices, side="right")
        limit = settings.up_sell_max_price_factor * prices
        hi[start:stop] = start + np.searchsorted(prices, limit, side="right")
    sizes = np.maximum(hi - lo, 0)
    source_sorted = np.repeat(np.arange(n), sizes)
    offsets = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    a = order[source_sorted].astype(np.int64)
    b = order[np.repeat(lo, sizes) + offsets].astype(np.int64)
    keep = catalogue.active[b] & (catalogue.price[a] > 0)
    a, b = a[keep], b[keep]
    score = settings.up_sell_weight * share[b]
    best = _best_per_source(a, score, b, settings.up_sells_per_product)
    a, b = a[best], b[best]
    return a, b, score[best], catalogue.price[b] / catalogue.price[a]


def _edges(
    rules: AssociationRules,
    catalogue: Catalogue,
    buyers: IntArray,
    repeaters: IntArray,
    settings: OfferSettings,
) -> _Edges:
    nan = np.float64(np.nan)
    sources: list[IntArray] = []
    targets: list[IntArray] = []
    kinds: list[CodeArray] = []
    scores: list[FloatArray] = []
    confidences: list[FloatArray] = []
    lifts: list[FloatArray] = []
    ratios: list[FloatArray] = []

    def add(
        kind: OfferKind,
        a: IntArray,
        b: IntArray,
        score: FloatArray,
        confidence: FloatArray | None = None,
        lift: FloatArray | None = None,
        ratio: FloatArray | None = None,
    ) -> None:
        filler = np.full(a.size, nan)
        sources.append(a)
        targets.append(b)
        kinds.append(np.full(a.size, kind, dtype=np.int8))
        scores.append(score)
        confidences.append(filler if confidence is None else confidence)
        lifts.append(filler if lift is None else lift)
        ratios.append(filler if ratio is None else ratio)

    no_int = np.zeros(0, dtype=np.int64)
    add(OfferKind.CROSS_SELL, no_int, no_int, np.zeros(0))
    if settings.cross_sell_weight > 0:
        a, b, score, confidence, lift = _cross_sell_edges(rules, catalogue, settings)
        add(OfferKind.CROSS_SELL, a, b, score, confidence=confidence, lift=lift)
    if settings.up_sell_weight > 0:
        a, b, score, ratio = _up_sell_edges(catalogue, buyers, settings)
        add(OfferKind.UP_SELL, a, b, score, ratio=ratio)
    repeat_rate = (repeaters + 1.0) / (buyers + 2.0)
    if settings.deep_sell_weight > 0:
        a = np.flatnonzero(catalogue.repeatable & ~catalogue.is_one_off & catalogue.active)
        add(OfferKind.DEEP_SELL, a, a, settings.deep_sell_weight * repeat_rate[a])

    source = np.concatenate(sources).astype(np.int64)
    target = np.concatenate(targets).astype(np.int64)
    kind = np.concatenate(kinds)
    score = np.concatenate(scores).astype(np.float64)
    confidence = np.concatenate(confidences)
    lift = np.concatenate(lifts)
    ratio = np.concatenate(ratios)
    deep = kind == OfferKind.DEEP_SELL
    rate = np.where(deep, repeat_rate[target], np.nan)

    rank = np.empty(source.size, dtype=np.int64)
    rank[np.lexsort((source, kind, catalogue.product_id[target], -score))] = np.arange(source.size)
    by_source = np.argsort(source, kind="stable")
    return _Edges(
        source=source[by_source],
        target=target[by_source],
        kind=kind[by_source],
        score=score[by_source],
        rank=rank[by_source],
        confidence=confidence[by_source],
        lift=lift[by_source],
        price_ratio=ratio[by_source],
        repeat_rate=rate[by_source],
    )


def _sorted_pairs(major: IntArray, minor: IntArray, minor_size: int) -> tuple[IntArray, IntArray]:
    """``(major · minor_size + minor)`` sorted, and the order that sorts it."""
    key = major * minor_size + minor
    return sort_int_keys(key)


def _first_of_runs(values: IntArray) -> IntArray:
    if values.size == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))


def recommend_offers(
    customer_id: npt.ArrayLike,
    product_id: npt.ArrayLike,
    *,
    catalogue: Catalogue,
    rules: AssociationRules,
    settings: OfferSettings | None = None,
) -> Offers:
    """The top ``settings.k`` offers of every customer in the purchases (see the module doc).

    ``customer_id[i]`` bought ``product_id[i]`` (every product must be in the catalogue). Rows
    repeat when a customer bought a product more than once; those repeats give deep-sell its
    repeat rate. Rules about products missing from the catalogue are ignored. Customers with
    no offer have no rows.
    """
    settings = settings or OfferSettings()
    customers = int_array("customer_id", customer_id)
    products = int_array("product_id", product_id)
    same_length(customer_id=customers, product_id=products)
    position = catalogue_positions("product_id", products, catalogue)
    n_products = len(catalogue)
    customer_ids, customer_code = np.unique(customers, return_inverse=True)
    customer_code = customer_code.ravel().astype(np.int64)

    # Owned (customer, product) pairs, sorted, with how many purchase rows each has.
    pair_key, _ = _sorted_pairs(customer_code, position, n_products)
    starts = _first_of_runs(pair_key)
    times = np.diff(np.append(starts, pair_key.size))
    owned_key = pair_key[starts]
    owned_customer = owned_key // n_products
    owned_product = owned_key % n_products
    buyers = np.bincount(owned_product, minlength=n_products).astype(np.int64)
    repeaters = np.bincount(owned_product[times >= 2], minlength=n_products).astype(np.int64)

    edges = _edges(rules, catalogue, buyers, repeaters, settings)
    edge_count = np.bincount(edges.source, minlength=n_products).astype(np.int64)
    edge_start = np.cumsum(edge_count) - edge_count
    degree = edge_count[owned_product]

    # Chunks of whole customers, each with at most ~chunk_size candidate rows.
    per_customer = np.bincount(owned_customer, weights=degree, minlength=customer_ids.size)
    cumulative = np.cumsum(per_customer)
    n_chunks = int(cumulative[-1] // settings.chunk_size) if cumulative.size else 0
    cuts = np.searchsorted(cumulative, np.arange(1, n_chunks + 1) * settings.chunk_size)
    bounds = np.unique(np.concatenate(([0], cuts + 1, [customer_ids.size])))
    pair_bounds = np.searchsorted(owned_customer, bounds)

    rank_bits = max(1, int(max(edges.source.size - 1, 1)).bit_length())
    chosen: list[IntArray] = []
    chosen_customer: list[IntArray] = []
    for lo, hi in itertools.pairwise(pair_bounds):
        c_owned, p_owned, d_owned = owned_customer[lo:hi], owned_product[lo:hi], degree[lo:hi]
        total = int(d_owned.sum())
        if total == 0:
            continue
        cand_customer = np.repeat(c_owned, d_owned)
        offsets = np.arange(total) - np.repeat(np.cumsum(d_owned) - d_owned, d_owned)
        cand_edge = np.repeat(edge_start[p_owned], d_owned) + offsets
        target = edges.target[cand_edge]
        target_key = cand_customer * n_products + target
        chunk_owned = owned_key[lo:hi]
        at = np.minimum(np.searchsorted(chunk_owned, target_key), chunk_owned.size - 1)
        owns_target = chunk_owned[at] == target_key
        keep = owns_target == (edges.kind[cand_edge] == OfferKind.DEEP_SELL)
        cand_edge, cand_customer = cand_edge[keep], cand_customer[keep]
        target_key = target_key[keep]
        if cand_edge.size == 0:
            continue
        # Best edge per (customer, product): the lowest rank.
        first_customer = int(cand_customer[0])
        local_key = target_key - first_customer * n_products
        grouped, order = _pack_sort(local_key, edges.rank[cand_edge], rank_bits)
        best = _first_of_runs(grouped)
        cand_edge, cand_customer = cand_edge[order[best]], cand_customer[order[best]]
        # Top k per customer by rank (score desc, then product id).
        _, order = _pack_sort(cand_customer - first_customer, edges.rank[cand_edge], rank_bits)
        cand_edge, cand_customer = cand_edge[order], cand_customer[order]
        run = _first_of_runs(cand_customer)
        sizes = np.diff(np.append(run, cand_customer.size))
        within = np.arange(cand_customer.size) - np.repeat(run, sizes)
        top = within < settings.k
        chosen.append(cand_edge[top])
        chosen_customer.append(cand_customer[top])

    edge = np.concatenate(chosen) if chosen else np.zeros(0, np.int64)
    customer = np.concatenate(chosen_customer) if chosen_customer else np.zeros(0, np.int64)
    run = _first_of_runs(customer)
    sizes = np.diff(np.append(run, customer.size))
    rank = np.arange(customer.size) - np.repeat(run, sizes) + 1
    return Offers(
        customer_id=customer_ids[customer].astype(np.int64),
        product_id=catalogue.product_id[edges.target[edge]].astype(np.int64),
        kind=edges.kind[edge],
        score=edges.score[edge],
        rank=rank.astype(np.int64),
        source_product_id=catalogue.product_id[edges.source[edge]].astype(np.int64),
        confidence=edges.confidence[edge],
        lift=edges.lift[edge],
        price_ratio=edges.price_ratio[edge],
        repeat_rate=edges.repeat_rate[edge],
    )


def _pack_sort(major: IntArray, minor: IntArray, minor_bits: int) -> tuple[IntArray, IntArray]:
    """``(major sorted by (major, minor), order)`` for non-negative ints.

    Packs ``major << minor_bits | minor`` into one int64 when it fits (one fast plain sort),
    else falls back to a lexsort.
    """
    if major.size == 0 or int(major.max()) < (1 << (61 - minor_bits)):
        packed, order = sort_int_keys((major << minor_bits) | minor)
        return packed >> minor_bits, order
    order = np.lexsort((minor, major)).astype(np.int64)  # pragma: no cover - huge keys only
    return major[order], order
