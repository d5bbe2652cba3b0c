"""/api/customers/{id}/offers, /api/offers/?customer_number= and /api/offers/rules: the
offers a web shop shows a customer, and the association rules behind them."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from relata.engagement.offer_services import offer_run_create
from tests.api.conftest import ApiClient, error_locs
from tests.engagement.offer_support import ALL_RULES, buy, offer_shop

pytestmark = pytest.mark.django_db


def test_customer_offers_for_a_web_shop(api: ApiClient) -> None:
    # given an offer run over the hand-made shop
    shop = offer_shop()
    run = offer_run_create(settings=ALL_RULES)

    # when the shop asks for carla's offers
    response = api.get(f"/api/customers/{shop.carla.pk}/offers")

    # then they come best first with product, price, kind, score and reason
    assert response.status_code == 200
    body = response.json()
    assert body["customer_id"] == shop.carla.pk
    assert body["customer_number"] == shop.carla.customer_number
    assert body["run"]["id"] == run.pk
    first, second = body["items"]
    assert first == {
        "rank": 1,
        "product_id": shop.beans.pk,
        "sku": "B1",
        "name": "Espresso beans",
        "category": "Coffee",
        "price": "10.00",
        "kind": "cross_sell",
        "kind_label": "Cross-sell",
        "score": pytest.approx(2 / 3),
        "reason": (
            "Often bought together with Espresso machine Basic: 67% of baskets with "
            "Espresso machine Basic also hold Espresso beans (lift 1.0)"
        ),
        "source_product_id": shop.machine.pk,
        "source_sku": "M1",
    }
    assert (second["sku"], second["kind"], second["price"]) == ("M2", "up_sell", "130.00")


def test_offers_by_customer_number_with_a_limit(api: ApiClient) -> None:
    # given a run
    shop = offer_shop()
    offer_run_create(settings=ALL_RULES)

    # when the shop asks by customer number for one offer
    response = api.get("/api/offers/", {"customer_number": shop.anna.customer_number, "limit": 1})

    # then anna's best offer comes: more beans
    assert response.status_code == 200
    assert [(item["sku"], item["kind"]) for item in response.json()["items"]] == [
        ("B1", "deep_sell")
    ]


def test_offers_drop_what_changed_since_the_run(api: ApiClient) -> None:
    # given a run, then carla buys the dearer machine (one-off) and the beans go inactive
    shop = offer_shop()
    offer_run_create(settings=ALL_RULES)
    buy(shop.carla, shop.dearer_machine, day=date(2025, 9, 1))
    shop.beans.active = False
    shop.beans.save()

    # when her offers are asked for
    response = api.get(f"/api/customers/{shop.carla.pk}/offers")

    # then neither is offered
    assert response.json()["items"] == []


def test_reason_in_the_requested_language(api: ApiClient) -> None:
    # given a run
    shop = offer_shop()
    offer_run_create(settings=ALL_RULES)

    # when the shop asks in Dutch
    with translation.override("nl"):
        response = api.client.get(
            f"/api/customers/{shop.carla.pk}/offers",
            headers={**api.headers, "Accept-Language": "nl"},
        )

    # then the price ratio has a decimal comma
    assert "1,3×" in response.json()["items"][1]["reason"]


def test_before_the_first_run_the_list_is_empty(api: ApiClient) -> None:
    # given customers but no offer run
    shop = offer_shop()

    # when / then
    body = api.get(f"/api/customers/{shop.carla.pk}/offers").json()
    assert body["run"] is None
    assert body["items"] == []


def test_unknown_customers_and_bad_limits(api: ApiClient) -> None:
    # given the shop
    offer_shop()

    # when / then: unknown id or number is a 404, a bad limit or a missing number a 422
    assert api.get("/api/customers/999999/offers").status_code == 404
    response = api.get("/api/offers/", {"customer_number": "NOPE"})
    assert response.status_code == 404
    assert "NOPE" in response.json()["detail"]
    bad = api.get("/api/customers/1/offers", {"limit": 0})
    assert bad.status_code == 422
    assert ["query", "limit"] in error_locs(bad)
    missing = api.get("/api/offers/")
    assert missing.status_code == 422
    assert ["query", "customer_number"] in error_locs(missing)


def test_offers_need_permissions(no_role_api: ApiClient, marketing_api: ApiClient) -> None:
    # given a run
    shop = offer_shop()
    offer_run_create(settings=ALL_RULES)

    # when a token without permissions asks, then 403; marketing may read offers
    assert no_role_api.get(f"/api/customers/{shop.carla.pk}/offers").status_code == 403
    assert no_role_api.get("/api/offers/rules").status_code == 403
    assert marketing_api.get(f"/api/customers/{shop.carla.pk}/offers").status_code == 200
    assert ApiClient(None).get("/api/offers/rules").status_code == 401


def test_rules_filtered_sorted_and_paginated(api: ApiClient) -> None:
    # given a run with the four rules of the shop
    shop = offer_shop()
    offer_run_create(settings=ALL_RULES)

    # when the rules with the cups are asked for, by confidence
    response = api.get(
        "/api/offers/rules", {"product": shop.cups.pk, "ordering": "-confidence", "limit": 1}
    )

    # then C1 → M1 (confidence 1/2) comes first of two, with a link to the next page
    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 2
    assert body["next"] is not None
    rule = body["items"][0]
    assert (rule["antecedent"]["sku"], rule["consequent"]["sku"]) == ("C1", "M1")
    assert rule["consequent"] == {
        "id": shop.machine.pk,
        "sku": "M1",
        "name": "Espresso machine Basic",
        "category": "Machines",
        "active": True,
    }
    assert rule["pair_count"] == 1
    assert rule["confidence"] == pytest.approx(0.5)
    assert rule["lift"] == pytest.approx(1.0)
    # and all rules across categories, and a bad ordering is a 422
    assert api.get("/api/offers/rules", {"across_categories": True}).json()["count"] == 4
    bad = api.get("/api/offers/rules", {"ordering": "price"})
    assert bad.status_code == 422
    assert ["query", "ordering"] in error_locs(bad)


def test_rules_before_the_first_run(api: ApiClient) -> None:
    # given no run
    # when / then: an empty page
    assert api.get("/api/offers/rules").json()["count"] == 0
