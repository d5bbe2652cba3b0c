"""Pairwise association rules ``A → B`` over order baskets (DOMAIN.md §13, cross-sell).

A *basket* is one order: the set of distinct products on it (quantities and repeated lines do
not count). Over ``N`` baskets, with ``n(A)`` the number of baskets holding product ``A`` and
``n(A, B)`` the number holding both (Agrawal, Imieliński & Swami 1993, "Mining association
rules between sets of items in large databases"; Brin et al. 1997 for lift):

* ``support(A → B) = n(A, B) / N`` — P(A ∧ B) over baskets (symmetric in A and B);
* ``confidence(A → B) = n(A, B) / n(A)`` — P(B | A);
* ``lift(A → B) = confidence(A → B) / P(B) = n(A, B) · N / (n(A) · n(B))`` — how many times
  likelier B is in a basket with A than in any basket; 1 means independence.

Only single-product antecedents are mined. The counts come from one sparse product: with the
binary basket × product incidence matrix ``X``, ``XᵀX`` holds ``n(A, B)`` off the diagonal and
``n(A)`` on it. Products below ``min_support`` on their own are dropped before the product,
since ``support(A → B) ≤ min(P(A), P(B))`` (the Apriori property).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse

from relata.analytics._checks import (
    FloatArray,
    IntArray,
    check_fraction,
    int_array,
    same_length,
)

__all__ = ["AssociationRules", "association_rules"]


@dataclass(frozen=True)
class AssociationRules:
    """Rules ``antecedent → consequent`` (product ids), sorted by antecedent, then consequent.

    ``item_product`` / ``item_count`` list every product seen in a basket (ascending id) with
    the number of baskets holding it — the popularity the rules' ``P(B)`` comes from.
    """

    antecedent: IntArray
    consequent: IntArray
    pair_count: IntArray  # n(A, B)
    antecedent_count: IntArray  # n(A)
    consequent_count: IntArray  # n(B)
    support: FloatArray
    confidence: FloatArray
    lift: FloatArray
    n_baskets: int
    item_product: IntArray
    item_count: IntArray

    def __len__(self) -> int:
        return int(self.antecedent.shape[0])


def _empty_rules(n_baskets: int, item_product: IntArray, item_count: IntArray) -> AssociationRules:
    no_int = np.zeros(0, dtype=np.int64)
    no_float = np.zeros(0, dtype=np.float64)
    return AssociationRules(
        no_int, no_int, no_int, no_int, no_int, no_float, no_float, no_float,
        n_baskets, item_product, item_count,
    )  # fmt: skip


def association_rules(
    basket_id: npt.ArrayLike,
    product_id: npt.ArrayLike,
    *,
    min_support: float = 0.0,
    min_confidence: float = 0.0,
    min_lift: float = 0.0,
    min_pair_count: int = 1,
) -> AssociationRules:
    """All rules ``A → B`` (A ≠ B) meeting every threshold, from parallel basket/product ids.

    ``basket_id[i]`` and ``product_id[i]`` describe one order line; any integer ids will do and
    repeated lines of a product in a basket count once. A rule is kept when
    ``support ≥ min_support``, ``confidence ≥ min_confidence``, ``lift ≥ min_lift`` and
    ``n(A, B) ≥ min_pair_count``. Both directions of a pair are separate rules.
    """
    basket = int_array("basket_id", basket_id)
    product = int_array("product_id", product_id)
    same_length(basket_id=basket, product_id=product)
    check_fraction("min_support", min_support)
    check_fraction("min_confidence", min_confidence)
    if not (np.isfinite(min_lift) and min_lift >= 0):
        raise ValueError(f"min_lift must be a number of at least 0, got {min_lift!r}")
    if min_pair_count < 1:
        raise ValueError(f"min_pair_count must be at least 1, got {min_pair_count!r}")

    if basket.size == 0:
        return _empty_rules(0, np.zeros(0, np.int64), np.zeros(0, np.int64))
    _, basket_code = np.unique(basket, return_inverse=True)
    item_product, product_code = np.unique(product, return_inverse=True)
    n_baskets = int(basket_code.max()) + 1
    incidence = sparse.csr_matrix(
        (np.ones(basket.size, dtype=np.int32), (basket_code.ravel(), product_code.ravel())),
        shape=(n_baskets, item_product.size),
    )
    incidence.sum_duplicates()
    incidence.data[:] = 1  # binary: a product twice in one basket is still one basket
    item_count = np.bincount(incidence.indices, minlength=item_product.size).astype(np.int64)

    frequent = np.flatnonzero(
        (item_count / n_baskets >= min_support) & (item_count >= min_pair_count)
    )
    if frequent.size < 2:
        return _empty_rules(n_baskets, item_product, item_count)
    kept = incidence[:, frequent]
    co = (kept.T @ kept).tocoo()  # n(A, B) for the frequent products
    row = co.row.astype(np.int64)
    col = co.col.astype(np.int64)
    pair = co.data.astype(np.int64)
    off_diagonal = (row != col) & (pair >= min_pair_count)
    row, col, pair = row[off_diagonal], col[off_diagonal], pair[off_diagonal]

    n_a = item_count[frequent[row]]
    n_b = item_count[frequent[col]]
    support = pair / n_baskets
    confidence = pair / n_a
    lift = pair * float(n_baskets) / (n_a.astype(np.float64) * n_b)
    keep = (support >= min_support) & (confidence >= min_confidence) & (lift >= min_lift)
    order = np.lexsort((col[keep], row[keep]))  # frequent is ascending, so codes sort as ids
    pick = np.flatnonzero(keep)[order]
    return AssociationRules(
        antecedent=item_product[frequent[row[pick]]].astype(np.int64),
        consequent=item_product[frequent[col[pick]]].astype(np.int64),
        pair_count=pair[pick],
        antecedent_count=n_a[pick],
        consequent_count=n_b[pick],
        support=support[pick],
        confidence=confidence[pick],
        lift=lift[pick],
        n_baskets=n_baskets,
        item_product=item_product.astype(np.int64),
        item_count=item_count,
    )
