"""GET /api/audit/ (administrators) and GET /api/customers/{id}/audit."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from relata.accounts.models import ApiToken
from relata.audit.services import origin
from relata.customers.services import customer_update
from relata.scoring.models import ScoringSettings
from tests.audit.conftest import user_with_role
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def get(user: User, path: str, params: dict[str, Any] | None = None) -> Any:
    _token, raw = ApiToken.issue(user=user, name="tests")
    return Client().get(path, params or {}, headers={"Authorization": f"Bearer {raw}"})


def test_an_administrator_lists_the_trail_filtered_and_paginated(admin_user: User) -> None:
    # given three customers and a settings change
    customers = [CustomerFactory() for _i in range(3)]
    scoring = ScoringSettings.current()
    scoring.period_months = 18
    scoring.save()
    # when the administrator lists the customer creations two at a time
    response = get(
        admin_user,
        "/api/audit/",
        {"object_type": "customers.customer", "action": "create", "limit": 2},
    )
    # then two of three come, newest first, with a link to the rest
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [item["customer_id"] for item in body["items"]] == [customers[2].pk, customers[1].pk]
    assert body["next"] is not None and "offset=2" in body["next"]
    first = body["items"][0]
    assert first["object_label"] == f"Customer {customers[2].customer_number}"
    assert first["changes"]["email"] == ["", "•••"]
    assert set(first) >= {"at", "actor_name", "source", "ip_address", "context"}


def test_the_trail_filters_by_customer_number_and_dates(admin_user: User) -> None:
    # given two customers
    wanted, other = CustomerFactory(), CustomerFactory()
    # when filtering on one number
    body = get(admin_user, "/api/audit/", {"customer_number": wanted.customer_number}).json()
    # then only its entries come
    assert {item["customer_id"] for item in body["items"]} == {wanted.pk}
    assert other.pk not in {item["customer_id"] for item in body["items"]}


def test_bad_filters_are_a_422_naming_the_field(admin_user: User) -> None:
    # given the administrator
    # when the action is unknown and the date malformed
    response = get(admin_user, "/api/audit/", {"action": "explode", "date_from": "2026-13-01"})
    # then the answer names both fields
    assert response.status_code == 422
    locs = [error["loc"][-1] for error in response.json()["detail"]]
    assert "action" in locs and "date_from" in locs


def test_sales_may_not_list_the_trail(sales_user: User) -> None:
    # given / when a sales user lists the trail
    response = get(sales_user, "/api/audit/")
    # then it is forbidden
    assert response.status_code == 403


def test_a_customers_history_is_readable_by_sales_without_addresses(
    sales_user: User, admin_user: User
) -> None:
    # given a customer changed from an address
    customer = CustomerFactory(acquisition_source="web")
    with origin("web", actor=admin_user, ip_address="192.0.2.8"):
        customer_update(customer=customer, fields={"acquisition_source": "fair"})
    # when sales and the administrator read its history
    as_sales = get(sales_user, f"/api/customers/{customer.pk}/audit")
    as_admin = get(admin_user, f"/api/customers/{customer.pk}/audit")
    # then both get the entries, newest first; only the administrator the address
    assert as_sales.status_code == 200
    items = as_sales.json()["items"]
    assert [item["action"] for item in items] == ["update", "create"]
    assert items[0]["changes"] == {"acquisition_source": ["web", "fair"]}
    assert items[0]["ip_address"] is None
    assert as_admin.json()["items"][0]["ip_address"] == "192.0.2.8"


def test_a_missing_or_hidden_customer_is_a_404(sales_user: User) -> None:
    # given "sales see only their own accounts" and someone else's customer
    from relata.accounts.models import AccessSettings

    access = AccessSettings.current()
    access.sales_own_accounts_only = True
    access.save()
    other = CustomerFactory(account_owner=user_with_role("other-api", "sales"))
    # when / then both an unknown id and the other's customer are not found
    assert get(sales_user, "/api/customers/999999/audit").status_code == 404
    assert get(sales_user, f"/api/customers/{other.pk}/audit").status_code == 404


def test_without_customer_permission_the_history_is_forbidden(db: None) -> None:
    # given a user without any role and a customer
    customer = CustomerFactory()
    # when / then
    assert (
        get(user_with_role("nobody-api", None), f"/api/customers/{customer.pk}/audit").status_code
        == 403
    )


def test_dates_at_the_ends_of_the_calendar_are_no_error(admin_user: User) -> None:
    # given an entry
    CustomerFactory()
    # when the dates are the first and last days a date can hold
    response = get(admin_user, "/api/audit/", {"date_from": "0001-01-01", "date_to": "9999-12-31"})
    # then the whole trail comes, not a server error
    assert response.status_code == 200
    assert response.json()["count"] >= 1
