"""/api/reviews and /api/customers/{id}/reviews: list with filters, enter, read, update,
delete; refusals name the field."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from relata.feedback.models import Review
from tests.api.conftest import ApiClient, error_locs
from tests.factories import CustomerFactory, ProductFactory, ReviewFactory

pytestmark = pytest.mark.django_db


def _delete(client: ApiClient, path: str) -> Any:
    return client.client.delete(path, headers=client.headers)


def test_enter_a_review_by_customer_number_and_product_sku(api: ApiClient) -> None:
    # given a customer and a product
    customer = CustomerFactory(customer_number="K001")
    ProductFactory(sku="COF")
    # when a review is posted
    response = api.post(
        "/api/reviews/",
        {
            "customer_number": "K001",
            "rating": 5,
            "product_sku": "COF",
            "title": "Great",
            "text": "<b>fresh</b>",
            "written_on": "2025-03-01",
            "helpful_votes": 4,
            "site": "Trustpilot",
            "external_id": "TP-1",
        },
    )
    # then it is stored and returned with its customer and product
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["customer_id"], body["customer_number"], body["product_sku"]) == (
        customer.pk,
        "K001",
        "COF",
    )
    assert (body["kind"], body["rating"], body["text"], body["helpful_votes"]) == (
        "review",
        5,
        "<b>fresh</b>",
        4,
    )
    assert api.get(f"/api/reviews/{body['id']}").json()["external_id"] == "TP-1"


def test_refusals_name_the_field(api: ApiClient) -> None:
    customer = CustomerFactory()
    ReviewFactory(external_id="TP-1")
    cases = [
        ({"customer_id": customer.pk, "kind": "review"}, "rating"),
        ({"customer_id": customer.pk, "rating": 6}, "rating"),
        ({"customer_id": customer.pk, "rating": 4, "helpful_votes": -1}, "helpful_votes"),
        ({"customer_id": customer.pk, "rating": 4, "product_sku": "NOPE"}, "product_sku"),
        ({"customer_id": customer.pk, "rating": 4, "external_id": "TP-1"}, "external_id"),
        (
            {
                "customer_id": customer.pk,
                "rating": 4,
                "written_on": (timezone.localdate() + timedelta(days=1)).isoformat(),
            },
            "written_on",
        ),
        ({"customer_id": 999_999, "rating": 4}, "customer_id"),
        ({"customer_id": customer.pk, "rating": 4, "url": "no link"}, "url"),
    ]
    for body, field in cases:
        response = api.post("/api/reviews/", body)
        assert response.status_code == 422, (body, response.json())
        assert field in error_locs(response)[0], (body, response.json())
    assert Review.objects.count() == 1
    message = api.post(
        "/api/reviews/", {"customer_id": customer.pk, "rating": 4, "external_id": "TP-1"}
    ).json()["detail"][0]["msg"]
    assert "TP-1 already exists" in message


def test_list_filters_and_the_customer_route(api: ApiClient) -> None:
    anna, bert = CustomerFactory(customer_number="K001"), CustomerFactory()
    coffee = ProductFactory(sku="COF")
    ReviewFactory(
        customer=anna,
        product=coffee,
        rating=5,
        helpful_votes=3,
        written_on=date(2025, 1, 1),
        site="Google",
    )
    ReviewFactory(
        customer=anna,
        kind="comment",
        rating=None,
        helpful_votes=1,
        written_on=date(2025, 2, 1),
        text="When back?",
    )
    ReviewFactory(customer=bert, rating=2, helpful_votes=0, written_on=date(2025, 3, 1))
    assert api.get("/api/reviews/").json()["count"] == 3
    assert api.get("/api/reviews/", {"customer_number": "K001"}).json()["count"] == 2
    assert api.get("/api/reviews/", {"kind": "comment"}).json()["count"] == 1
    assert api.get("/api/reviews/", {"product_sku": "COF"}).json()["count"] == 1
    assert api.get("/api/reviews/", {"product_id": coffee.pk}).json()["count"] == 1
    assert api.get("/api/reviews/", {"rating": 2}).json()["count"] == 1
    assert api.get("/api/reviews/", {"site": "google"}).json()["count"] == 1
    assert api.get("/api/reviews/", {"q": "when back"}).json()["count"] == 1
    dated = api.get("/api/reviews/", {"date_from": "2025-02-01", "date_to": "2025-02-28"})
    assert dated.json()["count"] == 1
    helpful = api.get("/api/reviews/", {"ordering": "-helpful"}).json()["items"]
    assert [item["helpful_votes"] for item in helpful] == [3, 1, 0]
    assert api.get("/api/reviews/", {"rating": 7}).status_code == 422
    # the customer's route has the figures of all their reviews and a page of them
    mine = api.get(f"/api/customers/{anna.pk}/reviews", {"limit": 1}).json()
    assert (mine["reviews"], mine["comments"], mine["average_rating"]) == (1, 1, 5.0)
    assert (mine["helpful_votes"], mine["count"], len(mine["items"])) == (4, 2, 1)
    assert mine["next"] is not None
    assert api.get("/api/customers/999999/reviews").status_code == 404


def test_patch_changes_only_the_fields_given(api: ApiClient) -> None:
    review = ReviewFactory(rating=5, title="Old", product=ProductFactory(sku="COF"))
    response = api.patch(f"/api/reviews/{review.pk}", {"helpful_votes": 9, "product_sku": None})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["helpful_votes"], body["title"], body["product_id"]) == (9, "Old", None)
    to_comment = api.patch(f"/api/reviews/{review.pk}", {"kind": "comment", "rating": None})
    assert (to_comment.json()["kind"], to_comment.json()["rating"]) == ("comment", None)
    back = api.patch(f"/api/reviews/{review.pk}", {"kind": "review"})
    assert back.status_code == 422 and ["body", "payload", "rating"] in error_locs(back)
    null_title = api.patch(f"/api/reviews/{review.pk}", {"title": None})
    assert null_title.status_code == 422
    assert api.patch(f"/api/reviews/{review.pk}", {"customer_id": 1}).status_code == 422
    assert api.patch("/api/reviews/999999", {"title": "x"}).status_code == 404


def test_delete_needs_the_delete_permission(
    api: ApiClient, marketing_api: ApiClient, no_role_api: ApiClient
) -> None:
    review = ReviewFactory()
    assert no_role_api.get("/api/reviews/").status_code == 403
    assert _delete(api, f"/api/reviews/{review.pk}").status_code == 403  # sales: no delete
    assert _delete(marketing_api, f"/api/reviews/{review.pk}").status_code == 204
    assert not Review.objects.exists()
    assert _delete(marketing_api, f"/api/reviews/{review.pk}").status_code == 404
