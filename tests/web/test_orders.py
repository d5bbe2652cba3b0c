from decimal import Decimal

import pytest
from django.test import Client

from relata.sales.models import Order
from relata.sales.services import LineInput, order_create
from tests.factories import CustomerFactory, ProductFactory


def _formset(prefix: str, rows: list[dict[str, str]], initial: int = 0) -> dict[str, str]:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "1",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{i}-{key}"] = value
    return data


@pytest.mark.django_db
def test_create_order_with_lines_from_the_customer_file(logged_in_client: Client) -> None:
    # given a customer and two products
    customer = CustomerFactory()
    coffee = ProductFactory(price=Decimal("10.00"), unit_cost=Decimal("4.00"))
    mill = ProductFactory(price=Decimal("50.00"), unit_cost=Decimal("30.00"))
    # when an order is entered with one default and one overridden price
    data = {
        "customer": str(customer.pk),
        "order_date": "2026-11-01",
        "channel": "store",
        "status": "delivered",
    }
    data |= _formset(
        "lines",
        [
            {"product": str(coffee.pk), "quantity": "3", "unit_price": ""},
            {"product": str(mill.pk), "quantity": "1", "unit_price": "45.00"},
            {"product": "", "quantity": "", "unit_price": ""},
        ],
    )
    response = logged_in_client.post(f"/orders/new/?customer={customer.pk}", data)
    # then the order, its lines and its totals are stored
    order = Order.objects.get(customer=customer)
    assert response.status_code == 302
    assert order.order_number.startswith("O")
    assert order.total_amount == Decimal("75.00")
    assert order.total_cost == Decimal("42.00")
    assert set(order.lines.values_list("customer_id", flat=True)) == {customer.pk}


@pytest.mark.django_db
def test_order_with_negative_quantity_is_refused(logged_in_client: Client) -> None:
    customer = CustomerFactory()
    product = ProductFactory()
    data = {
        "customer": str(customer.pk),
        "order_date": "2026-11-01",
        "channel": "web",
        "status": "open",
    }
    data |= _formset("lines", [{"product": str(product.pk), "quantity": "-2", "unit_price": ""}])
    response = logged_in_client.post(f"/orders/new/?customer={customer.pk}", data)
    assert response.status_code == 200
    assert b"greater than or equal to 0.01" in response.content
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_edit_order_replaces_lines_and_recomputes_totals(logged_in_client: Client) -> None:
    # given an order with one line
    customer = CustomerFactory()
    product = ProductFactory(price=Decimal("20.00"))
    order = order_create(customer=customer, lines=[LineInput(product=product, quantity=Decimal(1))])
    line = order.lines.get()
    # when the quantity is changed to 4
    data = {
        "customer": str(customer.pk),
        "order_number": order.order_number,
        "order_date": "2026-11-02",
        "channel": "web",
        "status": "delivered",
    }
    data |= _formset(
        "lines",
        [{"id": str(line.pk), "product": str(product.pk), "quantity": "4", "unit_price": "20.00"}],
        initial=1,
    )
    response = logged_in_client.post(f"/orders/{order.pk}/edit/", data)
    # then the total follows
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.total_amount == Decimal("80.00")


@pytest.mark.django_db
def test_order_list_and_detail(logged_in_client: Client) -> None:
    customer = CustomerFactory(customer_number="K1")
    product = ProductFactory(name="Espresso beans")
    order = order_create(customer=customer, lines=[LineInput(product=product, quantity=Decimal(2))])
    listing = logged_in_client.get("/orders/", {"q": "K1"})
    assert [o.pk for o in listing.context["page"]] == [order.pk]
    detail = logged_in_client.get(f"/orders/{order.pk}/")
    assert b"Espresso beans" in detail.content
    assert logged_in_client.get("/orders/new/").status_code == 302


@pytest.mark.django_db
def test_list_filters_with_control_characters_are_harmless(logged_in_client: Client) -> None:
    for path in ("/orders/", "/orders/products/", "/contacts/"):
        assert logged_in_client.get(path, {"q": "a\x00b"}).status_code == 200, path


@pytest.mark.parametrize("junk", ["²", "9" * 30, "abc"])
def test_new_order_with_a_customer_no_database_holds_asks_to_open_a_customer(
    logged_in_client: Client, junk: str
) -> None:
    # when the new-order page is opened with a customer id that is no usable id
    response = logged_in_client.get("/orders/new/", {"customer": junk})
    # then it sends the user to the customer list to choose one, never an error
    assert response.status_code == 302
    assert response.url == "/customers/"
