"""Writes of next best offer: one offer run with its association rules and customer offers.

A run is computed outside any transaction (reading and the analytics core), then written in
one: the new run, its rules and offers (binary COPY on PostgreSQL, ``bulk_create`` on
SQLite), and the deletion of the rules and offers of every earlier run. Readers always take
the newest finished run, so they see the old offers until the commit and the new ones after
it, never a gap.

Only the last run keeps its rows: every reader (the customer file, the API, campaigns) wants
the current offers, and a second set would double a table of up to ``k`` rows per customer
(five million at a million customers) for nobody. The earlier ``OfferRun`` rows stay, small,
as the history of the figures and evaluations.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import date
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import Field, Model, Q
from django.utils import timezone
from numpy.typing import NDArray

from relata.analytics.recommend import Catalogue, OfferKind
from relata.analytics.recommend.catalogue import catalogue_positions
from relata.engagement.models import CustomerOffer, OfferRule, OfferRun
from relata.engagement.offer_compute import (
    DEFAULT_TEST_MONTHS,
    OfferResult,
    OfferRunSettings,
    catalogue_read,
    offers_compute,
    offers_evaluate,
    purchases_read,
)
from relata.engagement.offer_pgcopy import FixedColumn, copy_with_json
from relata.sales.models import Product
from relata.scoring import aggregates, pgcopy
from relata.scoring.services import PhaseTimer

logger = logging.getLogger(__name__)

SQLITE_BATCH = 5_000  # rows per bulk_create or executemany on SQLite
COPY_BATCH = 100_000  # rows per block of the binary COPY on PostgreSQL


def offer_run_create(
    *,
    settings: OfferRunSettings | None = None,
    evaluate: bool = False,
    test_months: int = DEFAULT_TEST_MONTHS,
    cut: date | None = None,
) -> OfferRun:
    """Compute and store the offers of every customer (and, with ``evaluate``, the time-split
    check against popularity in ``OfferRun.evaluation``).

    ``settings_used`` holds the settings and, under ``figures``, the offers per kind and the
    seconds per phase: ``read``, ``analytics``, ``evaluate``, ``write`` (with dropping the rows
    of customers or products deleted meanwhile), ``replace`` (deleting the earlier runs'
    rows), ``commit`` (on PostgreSQL mostly the deferred foreign-key checks) and, on
    PostgreSQL, ``analyze`` (fresh planner statistics, see ``_analyze``).
    """
    settings = settings or OfferRunSettings()
    timer = PhaseTimer()
    started_at = timezone.now()
    with timer.phase("read"):
        purchases = purchases_read()
        catalogue = catalogue_read()
    with timer.phase("analytics"):
        result = offers_compute(purchases=purchases, catalogue=catalogue, settings=settings)
    evaluation: dict[str, Any] = {}
    if evaluate:
        with timer.phase("evaluate"):
            evaluation = offers_evaluate(
                purchases=purchases,
                catalogue=catalogue,
                settings=settings,
                test_months=test_months,
                cut=cut,
            )
    del purchases
    with transaction.atomic():
        run = OfferRun.objects.create(
            started_at=started_at,
            baskets=result.baskets,
            rules=len(result.rules),
            customers=result.customers,
            settings_used=settings.as_dict(),
            evaluation=evaluation,
        )
        with timer.phase("write"):
            _write_rules(run, result)
            _write_offers(run, result, catalogue)
            _drop_vanished(run, result)
        with timer.phase("replace"):
            # No dependants and no delete signals: one DELETE per table, nothing loaded.
            CustomerOffer.objects.exclude(run=run).delete()
            OfferRule.objects.exclude(run=run).delete()
        run.finished_at = timezone.now()
        run.save(update_fields=["finished_at"])
        committing = time.perf_counter()
    timer.seconds["commit"] = time.perf_counter() - committing
    if connection.vendor == "postgresql":
        with timer.phase("analyze"):
            _analyze()
    run.settings_used["figures"] = {
        "offers": len(result.offers),
        "offers_by_kind": result.offers_by_kind(),
        "timings": timer.as_dict(),
    }
    OfferRun.objects.filter(pk=run.pk).update(settings_used=run.settings_used)
    logger.debug("offer run %s: %s", run.pk, run.settings_used["figures"])
    return run


def _analyze() -> None:
    """Fresh planner statistics for the two tables a run rewrote. Every run brings a new run
    id that the old statistics have never seen, so PostgreSQL would take ``run_id = new`` for
    a rare value and read a customer's offers through the run index: 0.8 s per customer at a
    million customers instead of a millisecond through (customer, run, rank)."""
    with connection.cursor() as cursor:
        for model in (CustomerOffer, OfferRule):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _drop_vanished(run: OfferRun, result: OfferResult) -> None:
    """Remove the rows of customers and products deleted while the run was computing, just
    before the commit (which would otherwise fail on the foreign keys). One read of the
    customer ids and one of the product ids; nothing is deleted in the usual case."""
    customers = np.unique(result.offers.customer_id)
    gone = customers[~aggregates.existing_customers(customers)]
    if gone.size:
        CustomerOffer.objects.filter(run=run, customer_id__in=gone.tolist()).delete()
    rules, offers = result.rules, result.offers
    used = np.unique(
        np.concatenate(
            [offers.product_id, offers.source_product_id, rules.antecedent, rules.consequent]
        )
    )
    existing = np.array(Product.objects.values_list("id", flat=True), dtype=np.int64)
    vanished = used[~np.isin(used, existing)].tolist()
    if vanished:
        CustomerOffer.objects.filter(run=run).filter(
            Q(product_id__in=vanished) | Q(source_product_id__in=vanished)
        ).delete()
        OfferRule.objects.filter(run=run).filter(
            Q(antecedent_id__in=vanished) | Q(consequent_id__in=vanished)
        ).delete()


def offer_evidence(
    result: OfferResult, catalogue: Catalogue
) -> tuple[NDArray[np.int64], list[dict[str, float | int]]]:
    """Each offer's evidence as a code into a list of distinct evidence objects.

    Evidence depends only on the offer's kind, source product and product (cross-sell: the
    rule's confidence, lift, support and pair count; up-sell: the price ratio; deep-sell: the
    repeat rate), so there are as many objects as distinct ways offers were reached.
    """
    offers = result.offers
    n = max(len(catalogue), 1)
    source = catalogue_positions("source_product_id", offers.source_product_id, catalogue)
    product = catalogue_positions("product_id", offers.product_id, catalogue)
    key = (offers.kind.astype(np.int64) * n + source) * n + product
    _, first, code = np.unique(key, return_index=True, return_inverse=True)
    rules = result.rules
    rule_key = np.zeros(0, np.int64)
    rule_order = np.zeros(0, np.int64)
    if len(rules):
        known = np.isin(rules.antecedent, catalogue.product_id) & np.isin(
            rules.consequent, catalogue.product_id
        )
        rule_index = np.flatnonzero(known)
        rule_key = catalogue_positions(
            "rules", rules.antecedent[known], catalogue
        ) * n + catalogue_positions("rules", rules.consequent[known], catalogue)
        sort = np.argsort(rule_key)
        rule_key, rule_order = rule_key[sort], rule_index[sort]
    evidence: list[dict[str, float | int]] = []
    for row in first.tolist():
        kind = int(offers.kind[row])
        if kind == OfferKind.CROSS_SELL:
            item: dict[str, float | int] = {
                "confidence": round(float(offers.confidence[row]), 4),
                "lift": round(float(offers.lift[row]), 3),
            }
            wanted = int(source[row]) * n + int(product[row])
            at = int(np.searchsorted(rule_key, wanted))
            if at < rule_key.size and rule_key[at] == wanted:
                rule = int(rule_order[at])
                item["support"] = round(float(rules.support[rule]), 6)
                item["pair_count"] = int(rules.pair_count[rule])
        elif kind == OfferKind.UP_SELL:
            item = {"price_ratio": round(float(offers.price_ratio[row]), 3)}
        else:
            item = {"repeat_rate": round(float(offers.repeat_rate[row]), 4)}
        evidence.append(item)
    return code.ravel().astype(np.int64), evidence


def _column(model: type[Model], name: str) -> tuple[str, str]:
    """The database column and type of a model field (``customer`` → ``customer_id``)."""
    field = model._meta.get_field(name)
    column = getattr(field, "column", None)
    db_type = field.db_type(connection) if isinstance(field, Field) else None
    if not isinstance(column, str) or not isinstance(db_type, str):
        raise ValueError(f"{name} is not a column of {model.__name__}")
    return column, db_type


def _write_rules(run: OfferRun, result: OfferResult) -> None:
    rules = result.rules
    if not len(rules):
        return
    values: dict[str, NDArray[Any]] = {
        "run": np.full(len(rules), run.pk, np.int64),
        "antecedent": rules.antecedent,
        "consequent": rules.consequent,
        "pair_count": rules.pair_count,
        "support": rules.support,
        "confidence": rules.confidence,
        "lift": rules.lift,
    }
    if connection.vendor == "postgresql":
        pgcopy.copy_binary(
            OfferRule._meta.db_table,
            [pgcopy.Column(*_column(OfferRule, name), array) for name, array in values.items()],
            batch=COPY_BATCH,
        )
        return
    for start in range(0, len(rules), SQLITE_BATCH):
        part = slice(start, start + SQLITE_BATCH)
        OfferRule.objects.bulk_create(
            OfferRule(
                run=run,
                antecedent_id=antecedent,
                consequent_id=consequent,
                pair_count=pair_count,
                support=support,
                confidence=confidence,
                lift=lift,
            )
            for antecedent, consequent, pair_count, support, confidence, lift in zip(
                rules.antecedent[part].tolist(),
                rules.consequent[part].tolist(),
                rules.pair_count[part].tolist(),
                rules.support[part].tolist(),
                rules.confidence[part].tolist(),
                rules.lift[part].tolist(),
                strict=True,
            )
        )


def _write_offers(run: OfferRun, result: OfferResult, catalogue: Catalogue) -> None:
    offers = result.offers
    if not len(offers):
        return
    code, evidence = offer_evidence(result, catalogue)
    values: dict[str, NDArray[Any]] = {
        "run": np.full(len(offers), run.pk, np.int64),
        "customer": offers.customer_id,
        "rank": offers.rank,
        "product": offers.product_id,
        "kind": offers.kind.astype(np.int64),
        "score": offers.score,
        "source_product": offers.source_product_id,
    }
    if connection.vendor == "postgresql":
        copy_with_json(
            CustomerOffer._meta.db_table,
            [FixedColumn(*_column(CustomerOffer, name), array) for name, array in values.items()],
            json_column=_column(CustomerOffer, "evidence")[0],
            json_code=code,
            json_values=[json.dumps(item, separators=(",", ":")).encode() for item in evidence],
            batch=COPY_BATCH,
        )
        return
    # SQLite: executemany of plain tuples (a model instance per row made bulk_create spend
    # ~0.1 ms per offer in Django, 50 s for 100,000 customers); the statement is built from
    # the model's own column names, values are bound.
    names = [*values, "evidence"]
    statement = (
        f"INSERT INTO {CustomerOffer._meta.db_table} "  # noqa: S608
        f"({', '.join(_column(CustomerOffer, name)[0] for name in names)}) "
        f"VALUES ({', '.join(['%s'] * len(names))})"
    )
    texts = [json.dumps(item) for item in evidence]
    with connection.cursor() as cursor:
        for start in range(0, len(offers), SQLITE_BATCH):
            part = slice(start, start + SQLITE_BATCH)
            columns = [array[part].tolist() for array in values.values()]
            columns.append([texts[item] for item in code[part].tolist()])
            cursor.executemany(statement, list(zip(*columns, strict=True)))
