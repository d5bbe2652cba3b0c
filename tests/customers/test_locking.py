"""Optimistic locking of customers: two people saving the same customer never lose an update
silently, in the edit form, the services and the API."""

from __future__ import annotations

import pytest
from django.test import Client

from relata.concurrency import StaleEditError
from relata.customers.models import Customer
from relata.customers.services import customer_create, customer_update
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _form_data(customer: Customer, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "customer_number": customer.customer_number,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "email": customer.email,
        "country": "NL",
        "version": customer.version,
    }
    data.update(changes)
    return data


def test_a_new_customer_starts_at_version_one_and_each_save_moves_it() -> None:
    customer = customer_create(last_name="Vos")
    assert customer.version == 1
    customer_update(customer=customer, fields={"city": "Ede"})
    customer.refresh_from_db()
    assert customer.version == 2


def test_update_with_an_old_version_is_refused_and_writes_nothing() -> None:
    # given a customer that someone saved after we loaded it
    customer = customer_create(last_name="Vos")
    other = Customer.objects.get(pk=customer.pk)
    customer_update(customer=other, fields={"city": "Ede"})
    # when we save our copy
    with pytest.raises(StaleEditError):
        customer_update(customer=customer, fields={"city": "Epe"})
    # then their change stands
    customer.refresh_from_db()
    assert (customer.city, customer.version) == ("Ede", 2)


def test_edit_form_shows_the_conflict_keeps_the_input_and_offers_a_reload(
    logged_in_client: Client,
) -> None:
    # given two users who opened the edit form at version 1
    customer = CustomerFactory(city="Utrecht")
    first = _form_data(customer, city="Amersfoort")
    second = _form_data(customer, city="Zeist")
    # when the first saves
    assert logged_in_client.post(f"/customers/{customer.pk}/edit/", first).status_code == 302
    # and the second saves too
    response = logged_in_client.post(f"/customers/{customer.pk}/edit/", second)
    # then the second gets a clear message, their input kept and a reload link
    assert response.status_code == 200
    content = response.content.decode()
    assert "changed by someone else" in content
    assert 'value="Zeist"' in content
    assert f'href="/customers/{customer.pk}/edit/"' in content
    customer.refresh_from_db()
    assert (customer.city, customer.version) == ("Amersfoort", 2)


def test_edit_form_carries_the_version_and_requires_it(logged_in_client: Client) -> None:
    customer = CustomerFactory()
    page = logged_in_client.get(f"/customers/{customer.pk}/edit/").content.decode()
    assert 'name="version" value="1"' in page
    data = _form_data(customer, city="Ede")
    del data["version"]
    response = logged_in_client.post(f"/customers/{customer.pk}/edit/", data)
    assert response.status_code == 200
    assert "version" in response.context["form"].errors


def test_import_update_moves_the_version_so_an_open_form_cannot_overwrite_it(
    logged_in_client: Client, tmp_path: object
) -> None:
    # given an edit form opened at version 1, then an import changing the customer
    from django.core.management import call_command

    customer = CustomerFactory(customer_number="K1", city="Utrecht")
    form = _form_data(customer, city="Zeist")
    path = tmp_path / "c.csv"  # type: ignore[operator]
    path.write_text("customer_number,city\nK1,Gouda\n")
    call_command("import", "customers", str(path), "--no-progress")
    customer.refresh_from_db()
    assert (customer.city, customer.version) == ("Gouda", 2)
    # when the form is saved
    response = logged_in_client.post(f"/customers/{customer.pk}/edit/", form)
    # then it is refused and the import's value stays
    assert "changed by someone else" in response.content.decode()
    customer.refresh_from_db()
    assert customer.city == "Gouda"


def _api() -> object:
    from django.contrib.auth.models import Group, User

    from relata.accounts.models import ApiToken
    from tests.api.conftest import ApiClient

    user = User.objects.create_user("api-sales", password="a-long-test-password")
    user.groups.add(Group.objects.get(name="sales"))
    _token, raw = ApiToken.issue(user=user, name="tests")
    return ApiClient(raw)


def test_api_responses_carry_the_version_and_patch_checks_it() -> None:
    # given a customer read through the API
    api = _api()
    created = api.post("/api/customers/", {"last_name": "Vos"})  # type: ignore[attr-defined]
    assert created.status_code == 201 and created.json()["version"] == 1
    url = f"/api/customers/{created.json()['id']}"
    # when patching with the version read
    first = api.patch(url, {"city": "Ede", "version": 1})  # type: ignore[attr-defined]
    # then it succeeds and the version moves on
    assert first.status_code == 200 and first.json()["version"] == 2
    # when patching again with the old version
    stale = api.patch(url, {"city": "Epe", "version": 1})  # type: ignore[attr-defined]
    # then 409 in the API error shape, and nothing changed
    assert stale.status_code == 409
    assert "changed by someone else" in stale.json()["detail"]
    assert api.get(url).json()["city"] == "Ede"  # type: ignore[attr-defined]
    # and without a version the last write wins, as before
    blind = api.patch(url, {"city": "Epe"})  # type: ignore[attr-defined]
    assert blind.status_code == 200 and blind.json()["version"] == 3
    listed = api.get("/api/customers/").json()["items"][0]  # type: ignore[attr-defined]
    assert listed["version"] == 3
