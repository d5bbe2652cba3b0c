"""The offer run: reading baskets and the catalogue from the database, and writing the run,
its association rules and its customer offers (COPY on PostgreSQL, plain inserts on SQLite).
The figures are worked out by hand in ``offer_support``."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pytest

from relata.analytics.recommend import OfferSettings
from relata.engagement import offer_services
from relata.engagement.models import CustomerOffer, OfferKindChoice, OfferRule, OfferRun
from relata.engagement.offer_compute import (
    OfferRunSettings,
    RuleThresholds,
    catalogue_read,
    offers_evaluate,
    purchases_read,
)
from relata.engagement.offer_services import offer_run_create
from relata.sales.models import Order
from tests.engagement.offer_support import ALL_RULES, buy, offer_shop

pytestmark = pytest.mark.django_db


def offers_of(run: OfferRun, customer_id: int) -> list[tuple[int, str, int, float, str]]:
    """(rank, product sku, kind, score, source sku) of a customer's stored offers."""
    return [
        (o.rank, o.product.sku, o.kind, round(o.score, 4), o.source_product.sku)
        for o in CustomerOffer.objects.filter(run=run, customer_id=customer_id)
        .select_related("product", "source_product")
        .order_by("rank")
    ]


def test_purchases_leave_out_cancelled_orders() -> None:
    # given the shop (fleur's only order is cancelled)
    shop = offer_shop()

    # when the purchases are read
    purchases = purchases_read()

    # then the nine lines of the six other orders are there, fleur's are not
    assert len(purchases) == 9
    assert np.unique(purchases.basket).size == 6
    assert shop.fleur.pk not in purchases.customer.tolist()
    assert sorted(purchases.product[purchases.customer == shop.dirk.pk].tolist()) == [
        shop.beans.pk,
        shop.beans.pk,
    ]
    assert purchases.day.min() == (date(2025, 1, 10) - date(1970, 1, 1)).days


def test_catalogue_carries_flags_from_products_and_categories() -> None:
    # given the shop
    shop = offer_shop()

    # when the catalogue is read
    catalogue = catalogue_read()

    # then one-off, consumable (repeatable), active and price come through per product
    row = {int(pid): i for i, pid in enumerate(catalogue.product_id)}
    assert catalogue.is_one_off[row[shop.machine.pk]]
    assert not catalogue.is_one_off[row[shop.beans.pk]]
    assert catalogue.repeatable[row[shop.beans.pk]]
    assert not catalogue.repeatable[row[shop.cups.pk]]
    assert not catalogue.active[row[shop.old_machine.pk]]
    assert catalogue.price[row[shop.dearer_machine.pk]] == pytest.approx(130.0)


def test_run_writes_the_rules_of_the_baskets() -> None:
    # given the shop
    shop = offer_shop()

    # when offers are computed without rule thresholds
    run = offer_run_create(settings=ALL_RULES)

    # then the run counts six baskets and holds the four rules with their hand-made figures
    assert run.baskets == 6
    assert run.rules == 4
    assert run.finished_at is not None
    rules = {(r.antecedent_id, r.consequent_id): r for r in OfferRule.objects.filter(run=run)}
    assert set(rules) == {
        (shop.machine.pk, shop.beans.pk),
        (shop.beans.pk, shop.machine.pk),
        (shop.machine.pk, shop.cups.pk),
        (shop.cups.pk, shop.machine.pk),
    }
    machine_beans = rules[(shop.machine.pk, shop.beans.pk)]
    assert machine_beans.pair_count == 2
    assert machine_beans.support == pytest.approx(2 / 6)
    assert machine_beans.confidence == pytest.approx(2 / 3)
    assert machine_beans.lift == pytest.approx(1.0)
    assert rules[(shop.beans.pk, shop.machine.pk)].confidence == pytest.approx(0.5)
    assert rules[(shop.machine.pk, shop.cups.pk)].support == pytest.approx(1 / 6)


def test_run_writes_cross_up_and_deep_sell_offers_with_evidence() -> None:
    # given the shop
    shop = offer_shop()

    # when offers are computed
    run = offer_run_create(settings=ALL_RULES)

    # then carla gets the beans (cross-sell from her machine) and the dearer machine
    cross, up, deep = OfferKindChoice.CROSS_SELL, OfferKindChoice.UP_SELL, OfferKindChoice.DEEP_SELL
    assert offers_of(run, shop.carla.pk) == [
        (1, "B1", cross, round(2 / 3, 4), "M1"),
        (2, "M2", up, round(1 / 6, 4), "M1"),
    ]
    # and dirk, who bought beans twice, more beans and the machine bought with them
    assert offers_of(run, shop.dirk.pk) == [
        (1, "M1", cross, 0.5, "B1"),
        (2, "B1", deep, 0.4, "B1"),
    ]
    # and the evidence behind each offer is stored with it
    evidence = {
        o.product.sku: o.evidence
        for o in CustomerOffer.objects.filter(run=run, customer=shop.carla).select_related(
            "product"
        )
    }
    assert evidence["B1"] == {
        "confidence": pytest.approx(0.6667),
        "lift": pytest.approx(1.0),
        "support": pytest.approx(0.333333),
        "pair_count": 2,
    }
    assert evidence["M2"] == {"price_ratio": pytest.approx(1.3)}
    deep_sell = CustomerOffer.objects.get(run=run, customer=shop.dirk, kind=deep)
    assert deep_sell.evidence == {"repeat_rate": pytest.approx(0.4)}
    # and the run's figures count the offers per kind
    figures = run.settings_used["figures"]
    assert figures["offers"] == CustomerOffer.objects.filter(run=run).count()
    assert sum(figures["offers_by_kind"].values()) == figures["offers"]


def test_one_off_products_owned_are_never_offered() -> None:
    # given the shop, where anna and bert own the one-off machine M1 and the rule
    # beans → machine reaches it from the beans they own too
    shop = offer_shop()

    # when offers are computed
    run = offer_run_create(settings=ALL_RULES)

    # then no owner of M1 is offered M1, while dirk (beans, no machine) is
    owners = [shop.anna.pk, shop.bert.pk, shop.carla.pk]
    assert not CustomerOffer.objects.filter(
        run=run, customer_id__in=owners, product=shop.machine
    ).exists()
    assert CustomerOffer.objects.filter(run=run, customer=shop.dirk, product=shop.machine).exists()
    # and the inactive machine is offered to nobody, and fleur (cancelled only) gets nothing
    assert not CustomerOffer.objects.filter(product=shop.old_machine).exists()
    assert not CustomerOffer.objects.filter(customer=shop.fleur).exists()
    assert offers_of(run, shop.anna.pk) == [
        (1, "B1", OfferKindChoice.DEEP_SELL, 0.4, "B1"),
        (2, "C1", OfferKindChoice.CROSS_SELL, round(1 / 3, 4), "M1"),
        (3, "M2", OfferKindChoice.UP_SELL, round(1 / 6, 4), "M1"),
    ]


def test_a_new_run_replaces_the_rows_of_the_earlier_one() -> None:
    # given a first run
    shop = offer_shop()
    first = offer_run_create(settings=ALL_RULES)

    # when eva buys a machine and offers are computed again
    buy(shop.eva, shop.machine, day=date(2025, 7, 1))
    second = offer_run_create(settings=ALL_RULES)

    # then only the second run keeps rules and offers; the first stays as history
    assert not OfferRule.objects.filter(run=first).exists()
    assert not CustomerOffer.objects.filter(run=first).exists()
    assert OfferRule.objects.filter(run=second).count() == second.rules
    assert OfferRun.objects.filter(pk=first.pk).exists()
    assert second.baskets == 7


def test_settings_are_stored_and_thresholds_apply() -> None:
    # given the shop
    offer_shop()
    settings = OfferRunSettings(
        rules=RuleThresholds(min_support=0.0, min_confidence=0.6, min_lift=0.0, min_pair_count=1),
        offers=OfferSettings(k=1, up_sell_weight=0.0),
    )

    # when offers are computed with a confidence threshold, one offer each, no up-sell
    run = offer_run_create(settings=settings)

    # then only M1 → B1 (confidence 2/3) is a rule, nobody has more than one offer
    assert run.rules == 1
    assert not CustomerOffer.objects.filter(run=run, rank__gt=1).exists()
    assert not CustomerOffer.objects.filter(run=run, kind=OfferKindChoice.UP_SELL).exists()
    # and the settings used are stored and read back
    assert run.settings_used["min_confidence"] == 0.6
    assert run.settings_used["k"] == 1
    assert OfferRunSettings.from_dict(run.settings_used) == settings


def test_an_empty_shop_makes_an_empty_run() -> None:
    # given no orders at all
    # when offers are computed
    run = offer_run_create()

    # then the run is finished and empty
    assert (run.baskets, run.rules, run.customers) == (0, 0, 0)
    assert not CustomerOffer.objects.exists()


def test_evaluation_splits_on_the_cut() -> None:
    # given the shop, and after a cut on 2025-07-01 eva buys the beans she never had
    # (the test window) and anna buys more beans (not new to her: not relevant)
    shop = offer_shop()
    buy(shop.eva, shop.beans, day=date(2025, 8, 1))
    buy(shop.anna, shop.beans, day=date(2025, 8, 2))

    # when the offers are evaluated on a time split at 2025-07-01, six months of test
    evaluation = offers_evaluate(
        purchases=purchases_read(),
        catalogue=catalogue_read(),
        settings=ALL_RULES,
        cut=date(2025, 7, 1),
        test_months=6,
    )

    # then only eva is evaluated; her cups lead nowhere but to the machine (C1 → M1), and
    # popularity offers her B1, M1 and M2 (the most-bought active products she lacks)
    assert evaluation["cut"] == "2025-07-01"
    assert evaluation["test_end"] == "2025-12-31"
    assert evaluation["customers"] == 1
    assert evaluation["train_baskets"] == 6
    assert evaluation["model"]["hit_rate"] == 0.0
    assert evaluation["baseline"]["hit_rate"] == 1.0
    assert evaluation["baseline"]["precision"] == pytest.approx(1 / 5)
    assert evaluation["baseline"]["recall"] == 1.0


def test_evaluation_without_orders_is_refused() -> None:
    # given no orders
    # when / then evaluating says why it cannot
    with pytest.raises(ValueError, match="no orders"):
        offer_run_create(evaluate=True)


def test_customers_and_products_deleted_during_the_run_leave_no_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given the shop, and while the offers are being computed eva (with her order) and the
    # dearer machine (never sold, offered as up-sell) are deleted
    shop = offer_shop()
    eva_id, machine_id = shop.eva.pk, shop.dearer_machine.pk
    compute = offer_services.offers_compute

    def compute_then_delete(**kwargs: Any) -> Any:
        result = compute(**kwargs)
        Order.objects.filter(customer=shop.eva).delete()
        shop.eva.delete()
        shop.dearer_machine.delete()
        return result

    monkeypatch.setattr(offer_services, "offers_compute", compute_then_delete)

    # when the run is written
    run = offer_run_create(settings=ALL_RULES)

    # then it holds no offer for eva and none of the deleted machine
    assert not CustomerOffer.objects.filter(run=run, customer_id=eva_id).exists()
    assert not CustomerOffer.objects.filter(run=run, product_id=machine_id).exists()
    assert CustomerOffer.objects.filter(run=run, customer=shop.carla).exists()
    assert run.customers == 5  # counted before the deletion
