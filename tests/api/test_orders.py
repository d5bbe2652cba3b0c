"""/api/orders: list with filters, read with lines, create with lines, update, errors."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from relata.customers.models import Customer
from relata.sales.models import Order, Product
from relata.sales.services import LineInput, order_create
from tests.api.conftest import ApiClient, error_locs
from tests.factories import CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db

BODY = ["body", "payload"]


def make_order(customer: Customer, product: Product, **fields: Any) -> Order:
    return order_create(
        customer=customer, lines=[LineInput(product=product, quantity=Decimal(1))], **fields
    )


def order_numbers(response: Any) -> list[str]:
    return [item["order_number"] for item in response.json()["items"]]


@pytest.fixture
def product() -> Product:
    return ProductFactory(sku="BEANS-1KG", price=Decimal("20.00"), unit_cost=Decimal("12.00"))


# --- list ------------------------------------------------------------------------------------


def test_list_is_paginated_newest_first(api: ApiClient, product: Product) -> None:
    # given three orders on different days
    customer = CustomerFactory()
    for day in (1, 2, 3):
        make_order(customer, product, order_number=f"O-{day}", order_date=date(2024, 1, day))
    # when the first page of two is requested
    response = api.get("/api/orders/", {"limit": 2})
    # then the newest two come first, with the count and a next link
    body = response.json()
    assert body["count"] == 3
    assert order_numbers(response) == ["O-3", "O-2"]
    assert body["next"] and body["previous"] is None
    assert body["items"][0]["total_amount"] == "20.00"
    assert "lines" not in body["items"][0]


def test_filter_by_customer_id_and_number(api: ApiClient, product: Product) -> None:
    # given orders of two customers
    anna = CustomerFactory(customer_number="ANNA")
    bert = CustomerFactory(customer_number="BERT")
    make_order(anna, product, order_number="O-A")
    make_order(bert, product, order_number="O-B")
    # when filtering by customer id and by customer number
    by_id = api.get("/api/orders/", {"customer_id": anna.pk})
    by_number = api.get("/api/orders/", {"customer_number": "BERT"})
    # then each lists that customer's orders
    assert order_numbers(by_id) == ["O-A"]
    assert order_numbers(by_number) == ["O-B"]
    assert by_number.json()["items"][0]["customer_number"] == "BERT"


def test_filter_by_date_range_is_inclusive(api: ApiClient, product: Product) -> None:
    customer = CustomerFactory()
    for day in (1, 10, 20, 30):
        make_order(customer, product, order_number=f"O-{day}", order_date=date(2024, 4, day))
    response = api.get("/api/orders/", {"date_from": "2024-04-10", "date_to": "2024-04-20"})
    assert order_numbers(response) == ["O-20", "O-10"]


def test_filter_by_status(api: ApiClient, product: Product) -> None:
    customer = CustomerFactory()
    make_order(customer, product, order_number="O-OPEN", status="open")
    make_order(customer, product, order_number="O-DONE", status="delivered")
    response = api.get("/api/orders/", {"status": "open"})
    assert order_numbers(response) == ["O-OPEN"]


def test_ordering_by_total(api: ApiClient) -> None:
    customer = CustomerFactory()
    cheap = ProductFactory(price=Decimal("1.00"))
    dear = ProductFactory(price=Decimal("99.00"))
    make_order(customer, dear, order_number="O-DEAR")
    make_order(customer, cheap, order_number="O-CHEAP")
    response = api.get("/api/orders/", {"ordering": "total"})
    assert order_numbers(response) == ["O-CHEAP", "O-DEAR"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "2024-13-01"}, "date_from"),
        ({"status": "lost"}, "status"),
        ({"customer_id": "x"}, "customer_id"),
        ({"customer_id": 10**30}, "customer_id"),
    ],
)
def test_bad_filter_is_422(api: ApiClient, params: dict[str, Any], field: str) -> None:
    response = api.get("/api/orders/", params)
    assert response.status_code == 422
    assert error_locs(response) == [["query", field]]


# --- get -------------------------------------------------------------------------------------


def test_get_includes_lines(api: ApiClient, product: Product) -> None:
    # given an order with one line of three units
    order = order_create(
        customer=CustomerFactory(),
        lines=[LineInput(product=product, quantity=Decimal(3), unit_price=Decimal("18.50"))],
    )
    # when it is read
    response = api.get(f"/api/orders/{order.pk}")
    # then the lines come with product and money as decimal strings
    body = response.json()
    assert response.status_code == 200
    assert body["total_amount"] == "55.50"
    [line] = body["lines"]
    assert line["product_sku"] == "BEANS-1KG"
    assert (line["quantity"], line["unit_price"], line["line_total"]) == ("3.00", "18.50", "55.50")


def test_unknown_order_is_404(api: ApiClient) -> None:
    response = api.get("/api/orders/31337")
    assert response.status_code == 404
    assert "31337" in response.json()["detail"]


# --- create ----------------------------------------------------------------------------------


def test_create_by_sku_and_id_with_default_and_given_prices(
    api: ApiClient, product: Product
) -> None:
    # given a customer and two products
    customer = CustomerFactory()
    other = ProductFactory(price=Decimal("5.00"), unit_cost=Decimal("2.00"))
    payload = {
        "customer_id": customer.pk,
        "order_date": "2024-06-01",
        "status": "open",
        "channel": "phone",
        "lines": [
            {"product_sku": "BEANS-1KG", "quantity": 2},
            {"product_id": other.pk, "quantity": "1.5", "unit_price": "4.00"},
        ],
    }
    # when the order is posted
    response = api.post("/api/orders/", payload)
    # then it is saved with the default price for the first line and totals maintained
    assert response.status_code == 201
    body = response.json()
    assert body["order_number"].startswith("O")
    assert body["order_date"] == "2024-06-01"
    assert (body["status"], body["channel"]) == ("open", "phone")
    assert [line["unit_price"] for line in body["lines"]] == ["20.00", "4.00"]
    assert body["total_amount"] == "46.00"
    assert body["total_cost"] == "27.00"
    order = Order.objects.get(pk=body["id"])
    assert order.total_amount == Decimal("46.00")
    assert order.lines.filter(customer=customer).count() == 2


def test_create_by_customer_number_defaults_date_to_today(api: ApiClient, product: Product) -> None:
    CustomerFactory(customer_number="K9")
    response = api.post(
        "/api/orders/",
        {"customer_number": "K9", "lines": [{"product_sku": "BEANS-1KG", "quantity": 1}]},
    )
    assert response.status_code == 201
    assert response.json()["customer_number"] == "K9"
    assert response.json()["order_date"] == date.today().isoformat()


def test_unknown_sku_is_422_naming_the_line(api: ApiClient, product: Product) -> None:
    # given an order whose second line names a product that does not exist
    customer = CustomerFactory()
    payload = {
        "customer_id": customer.pk,
        "lines": [
            {"product_sku": "BEANS-1KG", "quantity": 1},
            {"product_sku": "NO-SUCH", "quantity": 1},
            {"product_id": 999999, "quantity": 1},
        ],
    }
    # when it is posted
    response = api.post("/api/orders/", payload)
    # then both unknown products are named by line and field, and no order is saved
    assert response.status_code == 422
    assert error_locs(response) == [
        [*BODY, "lines", 1, "product_sku"],
        [*BODY, "lines", 2, "product_id"],
    ]
    assert "NO-SUCH" in response.json()["detail"][0]["msg"]
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("line", "field", "error_type"),
    [
        ({"product_sku": "BEANS-1KG", "quantity": -1}, "quantity", "greater_than"),
        ({"product_sku": "BEANS-1KG", "quantity": 0}, "quantity", "greater_than"),
        ({"product_sku": "BEANS-1KG", "quantity": "lots"}, "quantity", "decimal_parsing"),
        ({"product_sku": "BEANS-1KG", "quantity": "NaN"}, "quantity", "finite_number"),
        ({"product_sku": "BEANS-1KG", "quantity": "1.001"}, "quantity", "decimal_max_places"),
        ({"product_sku": "BEANS-1KG", "quantity": 10**9}, "quantity", "decimal_whole_digits"),
        ({"product_sku": "BEANS-1KG", "quantity": 1, "unit_price": -5}, "unit_price", None),
        ({"product_sku": "B" * 41, "quantity": 1}, "product_sku", "string_too_long"),
        ({"quantity": 1}, None, "value_error"),
        ({"product_sku": "BEANS-1KG"}, "quantity", "missing"),
    ],
)
def test_bad_line_is_422(
    api: ApiClient,
    product: Product,
    line: dict[str, Any],
    field: str | None,
    error_type: str | None,
) -> None:
    # given an order with one bad line
    payload = {"customer_id": CustomerFactory().pk, "lines": [line]}
    # when it is posted
    response = api.post("/api/orders/", payload)
    # then the line (and field) is named
    assert response.status_code == 422
    expected = [*BODY, "lines", 0] + ([field] if field else [])
    assert error_locs(response) == [expected]
    if error_type:
        assert response.json()["detail"][0]["type"] == error_type
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("payload", "loc"),
    [
        ({"lines": [{"product_sku": "BEANS-1KG", "quantity": 1}]}, BODY),
        ({"customer_id": 1, "customer_number": "X", "lines": []}, None),
        ({"customer_number": "NOBODY", "lines": [{"product_sku": "BEANS-1KG", "quantity": 1}]},
         [*BODY, "customer_number"]),
        ({"customer_id": 123456, "lines": [{"product_sku": "BEANS-1KG", "quantity": 1}]},
         [*BODY, "customer_id"]),
    ],
)
def test_bad_customer_reference_is_422(
    api: ApiClient, product: Product, payload: dict[str, Any], loc: list[Any] | None
) -> None:
    response = api.post("/api/orders/", payload)
    assert response.status_code == 422
    if loc is not None:
        assert error_locs(response) == [loc]


def test_order_without_lines_is_422(api: ApiClient) -> None:
    response = api.post("/api/orders/", {"customer_id": CustomerFactory().pk, "lines": []})
    assert response.status_code == 422
    assert error_locs(response) == [[*BODY, "lines"]]


def test_bad_order_date_is_422(api: ApiClient, product: Product) -> None:
    payload = {
        "customer_id": CustomerFactory().pk,
        "order_date": "2024-02-30",
        "lines": [{"product_sku": "BEANS-1KG", "quantity": 1}],
    }
    response = api.post("/api/orders/", payload)
    assert response.status_code == 422
    assert error_locs(response) == [[*BODY, "order_date"]]


def test_duplicate_order_number_is_422(api: ApiClient, product: Product) -> None:
    customer = CustomerFactory()
    make_order(customer, product, order_number="SAME")
    payload = {
        "customer_id": customer.pk,
        "order_number": "SAME",
        "lines": [{"product_sku": "BEANS-1KG", "quantity": 1}],
    }
    response = api.post("/api/orders/", payload)
    assert response.status_code == 422
    assert error_locs(response) == [[*BODY, "order_number"]]
    assert Order.objects.count() == 1


# --- update ----------------------------------------------------------------------------------


def test_patch_status_and_notes_keeps_lines(api: ApiClient, product: Product) -> None:
    # given a delivered order
    order = make_order(CustomerFactory(), product)
    # when its status and notes are patched
    response = api.patch(f"/api/orders/{order.pk}", {"status": "returned", "notes": "Broken"})
    # then they change and the lines stay
    assert response.status_code == 200
    order.refresh_from_db()
    assert (order.status, order.notes) == ("returned", "Broken")
    assert order.lines.count() == 1
    assert response.json()["total_amount"] == "20.00"


def test_patch_lines_replaces_all_lines_and_totals(api: ApiClient, product: Product) -> None:
    order = make_order(CustomerFactory(), product)
    response = api.patch(
        f"/api/orders/{order.pk}",
        {"lines": [{"product_sku": "BEANS-1KG", "quantity": 4, "unit_price": "10"}]},
    )
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.total_amount == Decimal("40.00")
    assert [line["quantity"] for line in response.json()["lines"]] == ["4.00"]


def test_patch_with_unknown_sku_changes_nothing(api: ApiClient, product: Product) -> None:
    order = make_order(CustomerFactory(), product, notes="before")
    response = api.patch(
        f"/api/orders/{order.pk}",
        {"notes": "after", "lines": [{"product_sku": "GONE", "quantity": 1}]},
    )
    assert response.status_code == 422
    assert error_locs(response) == [[*BODY, "lines", 0, "product_sku"]]
    order.refresh_from_db()
    assert order.notes == "before"
    assert order.total_amount == Decimal("20.00")


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"status": "lost"}, "status"), ({"customer_id": 5}, "customer_id"), ({"lines": []}, "lines")],
)
def test_patch_with_bad_field_is_422(
    api: ApiClient, product: Product, payload: dict[str, Any], field: str
) -> None:
    order = make_order(CustomerFactory(), product)
    response = api.patch(f"/api/orders/{order.pk}", payload)
    assert response.status_code == 422
    assert error_locs(response) == [[*BODY, field]]


def test_patch_unknown_order_is_404(api: ApiClient) -> None:
    assert api.patch("/api/orders/999999", {"notes": "x"}).status_code == 404
