"""The product catalogue as the offer engine sees it: one row per product."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from relata.analytics._checks import (
    BoolArray,
    FloatArray,
    IntArray,
    bool_array,
    float_array,
    int_array,
    same_length,
)

__all__ = ["Catalogue", "catalogue_positions"]


@dataclass(frozen=True)
class Catalogue:
    """One row per product; make it with :meth:`build`, which validates the arrays.

    ``category``: integer category id (up-sell stays inside it; cross-sell by default leaves
    it). ``is_one_off``: bought once (a sofa), never offered again to its owner.
    ``repeatable``: bought again when used up (a consumable; in Relata the product category's
    ``is_consumable``) — the products deep-sell applies to. ``active``: inactive products are
    never offered.
    """

    product_id: IntArray
    category: IntArray
    price: FloatArray
    is_one_off: BoolArray
    repeatable: BoolArray
    active: BoolArray

    @classmethod
    def build(
        cls,
        *,
        product_id: npt.ArrayLike,
        category: npt.ArrayLike,
        price: npt.ArrayLike,
        is_one_off: npt.ArrayLike,
        repeatable: npt.ArrayLike,
        active: npt.ArrayLike,
    ) -> Catalogue:
        """A validated catalogue: unique product ids, prices ≥ 0, flags true/false."""
        ids = int_array("product_id", product_id)
        catalogue = cls(
            product_id=ids,
            category=int_array("category", category),
            price=float_array("price", price, nonnegative=True),
            is_one_off=bool_array("is_one_off", is_one_off),
            repeatable=bool_array("repeatable", repeatable),
            active=bool_array("active", active),
        )
        same_length(
            product_id=ids,
            category=catalogue.category,
            price=catalogue.price,
            is_one_off=catalogue.is_one_off,
            repeatable=catalogue.repeatable,
            active=catalogue.active,
        )
        if np.unique(ids).size != ids.size:
            raise ValueError("product_id: every product must appear once in the catalogue")
        return catalogue

    def __len__(self) -> int:
        return int(self.product_id.shape[0])


def catalogue_positions(name: str, ids: IntArray, catalogue: Catalogue) -> IntArray:
    """The catalogue row of each product id; a ``ValueError`` naming an unknown one."""
    order = np.argsort(catalogue.product_id, kind="stable")
    sorted_ids = catalogue.product_id[order]
    at = np.minimum(np.searchsorted(sorted_ids, ids), max(sorted_ids.size - 1, 0))
    known = sorted_ids[at] == ids if sorted_ids.size else np.zeros(ids.size, dtype=np.bool_)
    if not known.all():
        position = int(np.flatnonzero(~known)[0])
        raise ValueError(
            f"{name}: product {int(ids[position])} at position {position} is not in the catalogue"
        )
    positions: IntArray = order[at].astype(np.int64)
    return positions
