"""Next best offer, the database side of the analytics core (DOMAIN.md §13).

Reads what ``relata.analytics.recommend`` needs in bulk and hands it over as arrays:

* the **purchases**: one row per order line of every order that was not cancelled (order id =
  basket, customer, product, order day). Returned orders count: the customer chose those
  products together, and a returned one-off product is not offered to its buyer again;
* the **catalogue**: per product its category, price, one-off flag, whether its category is
  consumable (deep-sell applies to those) and whether it is active.

The order lines come as columns through ``relata.scoring.aggregates.read_columns`` (on
PostgreSQL ``array_agg`` per chunk of customers in binary, on SQLite one ``fetchall``): no
Python object per line, no query per customer. The catalogue is small (one row per product)
and comes through the ORM.

Nothing here writes; ``offer_services.offer_run_create`` stores what ``offers_compute``
returns.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from django.db import connection
from numpy.typing import NDArray

from relata.analytics.recommend import (
    AssociationRules,
    Catalogue,
    OfferEvaluation,
    Offers,
    OfferSettings,
    association_rules,
    evaluate_offers,
    recommend_offers,
)
from relata.sales.models import OrderStatus, Product
from relata.scoring import aggregates
from relata.scoring.aggregates import Query
from relata.scoring.services import months_before

# One statement per database vendor, fixed strings; the status is a bound parameter.
_LINES = {
    vendor: Query(
        columns=(
            ("basket", "l.order_id", "i8"),
            ("customer", "l.customer_id", "i8"),
            ("product", "l.product_id", "i8"),
            ("day", day, "i4"),
        ),
        source="FROM sales_orderline l JOIN sales_order o ON o.id = l.order_id "
        "WHERE o.status <> %s",
        chunk="l.customer_id",
    )
    for vendor, day in {
        "postgresql": "(o.order_date - DATE '1970-01-01')",
        "sqlite": "CAST(julianday(o.order_date) - 2440587.5 AS INTEGER)",
    }.items()
}

DEFAULT_TEST_MONTHS = 6


@dataclass(frozen=True)
class RuleThresholds:
    """Which association rules are mined and kept (see ``association_rules``).

    Defaults: a pair must be in at least 0.05% of all baskets and in at least 5 baskets (so a
    handful of coincidences in a small shop makes no rule), B must follow A in at least 5% of
    A's baskets, and A must make B at least as likely as it is anyway (lift ≥ 1).
    """

    min_support: float = 0.0005
    min_confidence: float = 0.05
    min_lift: float = 1.0
    min_pair_count: int = 5


@dataclass(frozen=True)
class OfferRunSettings:
    """Everything a run was computed with; stored as ``OfferRun.settings_used``."""

    rules: RuleThresholds = dataclasses.field(default_factory=RuleThresholds)
    offers: OfferSettings = dataclasses.field(default_factory=OfferSettings)

    def as_dict(self) -> dict[str, Any]:
        offers = dataclasses.asdict(self.offers)
        offers.pop("chunk_size")  # memory tuning, not a setting of the result
        return {**dataclasses.asdict(self.rules), **offers}

    @classmethod
    def from_dict(cls, stored: dict[str, Any] | None) -> OfferRunSettings:
        """Settings from a stored ``as_dict`` (an earlier run's); unknown keys are ignored,
        missing ones take the defaults. Raises ``ValueError`` for an invalid value."""
        stored = stored or {}
        rule_names = {f.name for f in dataclasses.fields(RuleThresholds)}
        offer_names = {f.name for f in dataclasses.fields(OfferSettings)} - {"chunk_size"}
        return cls(
            rules=RuleThresholds(**{k: v for k, v in stored.items() if k in rule_names}),
            offers=OfferSettings(**{k: v for k, v in stored.items() if k in offer_names}),
        )


@dataclass(frozen=True)
class Purchases:
    """Order lines of the orders that were not cancelled, as parallel columns."""

    basket: NDArray[np.int64]  # order id
    customer: NDArray[np.int64]
    product: NDArray[np.int64]
    day: NDArray[np.int64]  # order date, days since 1970-01-01

    def __len__(self) -> int:
        return int(self.basket.size)

    def before(self, day: int) -> Purchases:
        keep = self.day < day
        return Purchases(self.basket[keep], self.customer[keep], self.product[keep], self.day[keep])


def purchases_read() -> Purchases:
    """Every order line of a non-cancelled order (see the module docstring)."""
    query = _LINES.get(connection.vendor)
    if query is None:
        raise NotImplementedError(f"offers support PostgreSQL and SQLite, not {connection.vendor}")
    table = aggregates.read_columns(query, [OrderStatus.CANCELLED])
    return Purchases(
        basket=table["basket"].astype(np.int64),
        customer=table["customer"].astype(np.int64),
        product=table["product"].astype(np.int64),
        day=table["day"].astype(np.int64),
    )


def catalogue_read() -> Catalogue:
    """Every product (active or not: inactive ones are owned, just never offered)."""
    rows = list(
        Product.objects.order_by("id").values_list(
            "id", "category_id", "price", "is_one_off", "category__is_consumable", "active"
        )
    )
    return Catalogue.build(
        product_id=np.array([row[0] for row in rows], dtype=np.int64),
        category=np.array([row[1] for row in rows], dtype=np.int64),
        price=np.array([float(row[2]) for row in rows], dtype=np.float64),
        is_one_off=np.array([row[3] for row in rows], dtype=bool),
        repeatable=np.array([row[4] for row in rows], dtype=bool),
        active=np.array([row[5] for row in rows], dtype=bool),
    )


@dataclass(frozen=True)
class OfferResult:
    """What one run computed: the rules over all baskets and the offers per customer."""

    rules: AssociationRules
    offers: Offers
    baskets: int
    customers: int  # customers with at least one offer

    def offers_by_kind(self) -> dict[str, int]:
        counts = np.bincount(self.offers.kind.astype(np.int64), minlength=4)
        return {
            "cross_sell": int(counts[1]),
            "up_sell": int(counts[2]),
            "deep_sell": int(counts[3]),
        }


def offers_compute(
    *, purchases: Purchases, catalogue: Catalogue, settings: OfferRunSettings
) -> OfferResult:
    """Association rules over every basket, then the top ``k`` offers of every customer."""
    thresholds = settings.rules
    rules = association_rules(
        purchases.basket,
        purchases.product,
        min_support=thresholds.min_support,
        min_confidence=thresholds.min_confidence,
        min_lift=thresholds.min_lift,
        min_pair_count=thresholds.min_pair_count,
    )
    offers = recommend_offers(
        purchases.customer,
        purchases.product,
        catalogue=catalogue,
        rules=rules,
        settings=settings.offers,
    )
    return OfferResult(
        rules=rules,
        offers=offers,
        baskets=rules.n_baskets,
        customers=int(np.unique(offers.customer_id).size),
    )


def evaluation_cut(*, purchases: Purchases, test_months: int, cut: date | None) -> date | None:
    """The first test day: ``cut``, or ``test_months`` before the last order day (the test
    window then ends with the data). None when there are no purchases."""
    if cut is not None:
        return cut
    if not len(purchases):
        return None
    last = aggregates.EPOCH + timedelta(days=int(purchases.day.max()))
    return months_before(last, test_months) + timedelta(days=1)


def offers_evaluate(
    *,
    purchases: Purchases,
    catalogue: Catalogue,
    settings: OfferRunSettings,
    test_months: int = DEFAULT_TEST_MONTHS,
    cut: date | None = None,
) -> dict[str, Any]:
    """Precision, recall and hit rate @k on a time split, model against popularity.

    Order lines before the cut train (rules, ownership, repeat rates); the ``test_months``
    from the cut on are what customers actually bought next. See
    ``relata.analytics.recommend.evaluate`` for the metrics and who is evaluated. Returns
    the JSON stored as ``OfferRun.evaluation``.
    """
    if test_months < 1:
        raise ValueError(f"test_months must be at least 1, got {test_months!r}")
    started = time.perf_counter()
    first_test = evaluation_cut(purchases=purchases, test_months=test_months, cut=cut)
    if first_test is None:
        raise ValueError("there are no orders to evaluate on")
    end = _months_after(first_test, test_months)
    window = purchases.before(aggregates.day_number(end))
    thresholds = settings.rules
    result: OfferEvaluation = evaluate_offers(
        window.basket,
        window.customer,
        window.product,
        window.day,
        cut=float(aggregates.day_number(first_test)),
        catalogue=catalogue,
        settings=settings.offers,
        min_support=thresholds.min_support,
        min_confidence=thresholds.min_confidence,
        min_lift=thresholds.min_lift,
        min_pair_count=thresholds.min_pair_count,
    )
    return {
        "cut": first_test.isoformat(),
        "test_end": (end - timedelta(days=1)).isoformat(),
        "test_months": test_months,
        "k": result.model.k,
        "customers": result.model.n_customers,
        "train_baskets": result.n_train_baskets,
        "train_rules": result.n_rules,
        "model": _metrics(result.model),
        "baseline": _metrics(result.baseline),
        "seconds": round(time.perf_counter() - started, 3),
    }


def _metrics(metrics: Any) -> dict[str, float]:
    return {
        "precision": round(float(metrics.precision), 6),
        "recall": round(float(metrics.recall), 6),
        "hit_rate": round(float(metrics.hit_rate), 6),
    }


def _months_after(value: date, months: int) -> date:
    """The same day ``months`` later (clipped like ``months_before``)."""
    return months_before(value, -months)
