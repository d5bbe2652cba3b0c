from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from relata.sales.deal_services import deal_move
from relata.sales.models import Deal, DealStage
from tests.api.conftest import ApiClient, error_locs
from tests.factories import CustomerFactory, ProductFactory
from tests.sales.deal_support import deal_with_product, new_deal

pytestmark = pytest.mark.django_db


def test_create_a_deal_with_lines(api: ApiClient, sales_user: User) -> None:
    # given
    customer = CustomerFactory(customer_number="C-77")
    product = ProductFactory(sku="BEANS-1", price=Decimal("12.50"))
    # when
    response = api.post(
        "/api/deals/",
        {
            "customer_number": "C-77",
            "title": "Beans for the canteen",
            "source": "campaign",
            "lines": [{"product_sku": "BEANS-1", "quantity": 8}],
        },
    )
    # then
    body = response.json()
    assert response.status_code == 201
    assert body["customer_id"] == customer.pk
    assert (body["stage"], body["probability"], body["value"]) == ("lead", 10, "100.00")
    assert body["owner_id"] == sales_user.pk
    assert body["version"] == 1
    assert body["lines"][0]["product_id"] == product.pk
    assert [c["to_stage"] for c in body["stage_history"]] == ["lead"]


def test_create_refuses_bad_input_field_by_field(api: ApiClient) -> None:
    response = api.post(
        "/api/deals/",
        {"customer_id": 999999, "title": "x", "stage": "won"},
    )
    assert response.status_code == 422
    assert ["body", "payload", "stage"] in error_locs(response)
    response = api.post("/api/deals/", {"customer_id": 999999, "title": "x"})
    assert response.status_code == 422
    assert error_locs(response) == [["body", "payload", "customer_id"]]


def test_list_filters_and_paginates(api: ApiClient) -> None:
    # given
    for index in range(3):
        new_deal(title=f"Open {index}", value=Decimal(index))
    lost = new_deal(title="Gone")
    deal_move(deal=lost, stage=DealStage.LOST, lost_reason="price")
    # when
    page = api.get("/api/deals/", {"open": "true", "limit": 2, "ordering": "-value"}).json()
    lost_only = api.get("/api/deals/", {"stage": "lost"}).json()
    # then
    assert page["count"] == 3
    assert [d["title"] for d in page["items"]] == ["Open 2", "Open 1"]
    assert page["next"] is not None
    assert [d["title"] for d in lost_only["items"]] == ["Gone"]
    assert lost_only["items"][0]["lost_reason"] == "price"


def test_get_a_deal_with_lines_and_history(api: ApiClient) -> None:
    deal = deal_with_product()
    deal_move(deal=deal, stage=DealStage.QUOTE)
    body = api.get(f"/api/deals/{deal.pk}").json()
    assert body["lines"][0]["line_total"] == "500.00"
    assert [(c["from_stage"], c["to_stage"]) for c in body["stage_history"]] == [
        ("", "lead"),
        ("lead", "quote"),
    ]
    assert api.get("/api/deals/999999").status_code == 404


def test_patch_with_the_current_version_saves(api: ApiClient) -> None:
    deal = new_deal()
    response = api.patch(
        f"/api/deals/{deal.pk}", {"version": 1, "title": "Bigger order", "probability": 35}
    )
    assert response.status_code == 200
    assert (response.json()["title"], response.json()["version"]) == ("Bigger order", 2)


def test_patch_with_a_stale_version_is_a_conflict_and_saves_nothing(api: ApiClient) -> None:
    # given someone saved after the client read version 1
    deal = new_deal(title="Original")
    api.patch(f"/api/deals/{deal.pk}", {"version": 1, "title": "First"})
    # when the client saves with version 1
    response = api.patch(f"/api/deals/{deal.pk}", {"version": 1, "notes": "Second"})
    # then
    assert response.status_code == 409
    assert "changed by someone else" in response.json()["detail"]
    stored = Deal.objects.get(pk=deal.pk)
    assert (stored.title, stored.notes) == ("First", "")


def test_patch_needs_the_version_and_refuses_the_stage(api: ApiClient) -> None:
    deal = new_deal()
    assert api.patch(f"/api/deals/{deal.pk}", {"title": "x"}).status_code == 422
    response = api.patch(f"/api/deals/{deal.pk}", {"version": 1, "stage": "won"})
    assert response.status_code == 422


def test_move_to_won_creates_the_order(api: ApiClient) -> None:
    deal = deal_with_product()
    response = api.post(f"/api/deals/{deal.pk}/move", {"stage": "won", "version": 1})
    body = response.json()
    assert response.status_code == 200
    assert body["stage"] == "won"
    assert body["order_id"] is not None
    assert body["order_number"].startswith("O")


def test_move_refusals(api: ApiClient) -> None:
    # a deal without products cannot be won
    bare = new_deal()
    response = api.post(f"/api/deals/{bare.pk}/move", {"stage": "won", "version": 1})
    assert response.status_code == 422
    assert "Add the products" in response.json()["detail"][0]["msg"]
    # lost needs a reason
    response = api.post(f"/api/deals/{bare.pk}/move", {"stage": "lost", "version": 1})
    assert response.status_code == 422
    assert error_locs(response) == [["body", "payload", "lost_reason"]]
    # a stale version is a conflict
    deal_move(deal=bare, stage=DealStage.QUALIFIED)
    response = api.post(f"/api/deals/{bare.pk}/move", {"stage": "quote", "version": 1})
    assert response.status_code == 409


def test_marketing_may_read_but_not_write(marketing_api: ApiClient, no_role_api: ApiClient) -> None:
    deal = new_deal()
    assert marketing_api.get("/api/deals/").status_code == 200
    assert (
        marketing_api.post(
            f"/api/deals/{deal.pk}/move", {"stage": "quote", "version": 1}
        ).status_code
        == 403
    )
    assert no_role_api.get("/api/deals/").status_code == 403
