"""/api/customers: list with filters and pagination, read, create, update, errors."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from relata.customers.models import Consent, ContactPerson, Customer, CustomerKind
from tests.api.conftest import ApiClient, error_locs
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

BODY = ["body", "payload"]
BAD_DATE = "date_from_datetime_parsing"


def numbers(response: Any) -> list[str]:
    return [item["customer_number"] for item in response.json()["items"]]


# --- list and pagination -------------------------------------------------------------------


def test_list_is_paginated_with_count_and_links(api: ApiClient) -> None:
    # given five customers
    for _ in range(5):
        CustomerFactory()
    # when the first page of two is requested
    first = api.get("/api/customers/", {"limit": 2, "ordering": "number"})
    # then it holds two items, the total count and a link to the next page only
    body = first.json()
    assert first.status_code == 200
    assert body["count"] == 5
    assert len(body["items"]) == 2
    assert body["previous"] is None
    assert "offset=2" in body["next"] and "limit=2" in body["next"]
    assert "ordering=number" in body["next"]
    # when the next link is followed to the last page
    second = api.get(body["next"].replace("http://testserver", ""))
    last = api.get("/api/customers/", {"limit": 2, "offset": 4, "ordering": "number"})
    # then pages do not overlap and the last page has no next link
    assert set(numbers(first)).isdisjoint(numbers(second))
    assert len(last.json()["items"]) == 1
    assert last.json()["next"] is None
    assert "offset=2" in last.json()["previous"]


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 201}, {"offset": -1}, {"limit": "ten"}, {"ordering": "secret"}],
)
def test_bad_paging_parameters_are_422(api: ApiClient, params: dict[str, Any]) -> None:
    # given any data
    # when the list is requested with an invalid paging or ordering parameter
    response = api.get("/api/customers/", params)
    # then the parameter is named in a 422
    assert response.status_code == 422
    assert error_locs(response) == [["query", next(iter(params))]]


def test_filter_q_matches_name_number_email_and_postcode(api: ApiClient) -> None:
    # given customers with different names and postcodes
    CustomerFactory(customer_number="C1", last_name="de Vries", postcode="1234 AB")
    CustomerFactory(customer_number="C2", last_name="Bakker", postcode="9999 ZZ")
    # when searching by name and by postcode without its space
    by_name = api.get("/api/customers/", {"q": "vries"})
    by_postcode = api.get("/api/customers/", {"q": "9999zz"})
    # then each search finds its customer only
    assert numbers(by_name) == ["C1"]
    assert numbers(by_postcode) == ["C2"]


def test_filter_kind(api: ApiClient) -> None:
    # given a person and an organisation
    CustomerFactory(customer_number="P1")
    CustomerFactory(customer_number="O1", kind=CustomerKind.ORGANISATION, organisation_name="Acme")
    # when filtering on kind
    response = api.get("/api/customers/", {"kind": "organisation"})
    # then only the organisation is listed
    assert numbers(response) == ["O1"]


def test_filter_kind_rejects_unknown_values(api: ApiClient) -> None:
    response = api.get("/api/customers/", {"kind": "robot"})
    assert response.status_code == 422
    assert error_locs(response) == [["query", "kind"]]


def test_filter_city_is_case_insensitive(api: ApiClient) -> None:
    # given customers in two cities
    CustomerFactory(customer_number="U1", city="Utrecht")
    CustomerFactory(customer_number="A1", city="Amsterdam")
    # when filtering on a city in lower case
    response = api.get("/api/customers/", {"city": "amsterdam"})
    # then only that city's customer is listed
    assert numbers(response) == ["A1"]


@pytest.mark.parametrize("postcode", ["3511", "3511AB", "3511 ab"])
def test_filter_postcode_prefix_ignores_spaces(api: ApiClient, postcode: str) -> None:
    # given customers with postcodes stored with and without a space
    CustomerFactory(customer_number="S1", postcode="3511 AB")
    CustomerFactory(customer_number="S2", postcode="3511AB")
    CustomerFactory(customer_number="X1", postcode="1000 AA")
    # when filtering on the postcode in any spelling
    response = api.get("/api/customers/", {"postcode": postcode, "ordering": "number"})
    # then both spellings match and the other postcode does not
    assert numbers(response) == ["S1", "S2"]


def test_filter_email_is_exact_and_case_insensitive(api: ApiClient) -> None:
    CustomerFactory(customer_number="E1", email="anna@example.nl")
    CustomerFactory(customer_number="E2", email="anna@example.nl.evil")
    response = api.get("/api/customers/", {"email": "Anna@Example.NL"})
    assert numbers(response) == ["E1"]


def test_filter_customer_number(api: ApiClient) -> None:
    CustomerFactory(customer_number="N100")
    CustomerFactory(customer_number="N1000")
    response = api.get("/api/customers/", {"customer_number": "N100"})
    assert numbers(response) == ["N100"]


def test_filter_updated_since(api: ApiClient) -> None:
    # given one customer changed long ago and one changed recently
    old = CustomerFactory(customer_number="OLD")
    CustomerFactory(customer_number="NEW")
    Customer.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=30))
    since = (timezone.now() - timedelta(days=1)).isoformat()
    # when listing customers changed since yesterday
    response = api.get("/api/customers/", {"updated_since": since})
    # then only the recent one is listed
    assert numbers(response) == ["NEW"]


def test_filter_updated_since_rejects_a_bad_date(api: ApiClient) -> None:
    response = api.get("/api/customers/", {"updated_since": "yesterday"})
    assert response.status_code == 422
    assert error_locs(response) == [["query", "updated_since"]]


def test_ordering(api: ApiClient) -> None:
    # given customers whose names and numbers sort differently
    CustomerFactory(customer_number="B", first_name="", last_name="Alpha")
    CustomerFactory(customer_number="A", first_name="", last_name="Zulu")
    # when ordering by name, by number descending and by last change
    by_name = api.get("/api/customers/", {"ordering": "name"})
    by_number_desc = api.get("/api/customers/", {"ordering": "-number"})
    by_updated = api.get("/api/customers/", {"ordering": "-updated"})
    # then each order is applied
    assert numbers(by_name) == ["B", "A"]
    assert numbers(by_number_desc) == ["B", "A"]
    assert numbers(by_updated) == ["A", "B"]


def test_filters_combine(api: ApiClient) -> None:
    CustomerFactory(customer_number="M1", city="Utrecht", last_name="Mulder")
    CustomerFactory(customer_number="M2", city="Delft", last_name="Mulder")
    response = api.get("/api/customers/", {"q": "mulder", "city": "Delft"})
    assert numbers(response) == ["M2"]


def test_nul_character_in_a_filter_is_422_not_a_crash(api: ApiClient) -> None:
    response = api.get("/api/customers/", {"q": "a\x00b"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "nul_character"


# --- get -------------------------------------------------------------------------------------


def test_get_by_id_includes_contact_persons_and_current_consents(
    api: ApiClient, sales_user: User
) -> None:
    # given an organisation with a contact person and a consent given and later withdrawn
    org = CustomerFactory(kind=CustomerKind.ORGANISATION, organisation_name="Acme BV")
    ContactPerson.objects.create(
        organisation=org, last_name="Smit", dmu_role="decision_maker", is_primary=True
    )
    earlier = timezone.now() - timedelta(days=10)
    Consent.objects.create(
        customer=org, channel="email", purpose="newsletter", granted=True, recorded_at=earlier
    )
    Consent.objects.create(customer=org, channel="email", purpose="newsletter", granted=False)
    # when it is read
    response = api.get(f"/api/customers/{org.pk}")
    # then the detail has the contact person and only the consent in force
    body = response.json()
    assert response.status_code == 200
    assert body["display_name"] == "Acme BV"
    assert [p["last_name"] for p in body["contact_persons"]] == ["Smit"]
    assert body["contact_persons"][0]["dmu_role"] == "decision_maker"
    assert [(c["channel"], c["purpose"], c["granted"]) for c in body["consents"]] == [
        ("email", "newsletter", False)
    ]


def test_get_by_customer_number(api: ApiClient) -> None:
    customer = CustomerFactory(customer_number="K-42")
    response = api.get("/api/customers/by-number/K-42")
    assert response.status_code == 200
    assert response.json()["id"] == customer.pk


@pytest.mark.parametrize(
    "path",
    [
        "/api/customers/999999",
        "/api/customers/by-number/NOPE",
        "/api/customers/99999999999999999999999",
    ],
)
def test_unknown_customer_is_404_json(api: ApiClient, path: str) -> None:
    response = api.get(path)
    assert response.status_code == 404
    assert response.json()["detail"]


def test_customer_number_with_a_nul_character_is_422(api: ApiClient) -> None:
    # when a number no database can hold is asked for (PostgreSQL refuses NUL in text)
    response = api.get("/api/customers/by-number/K%00")
    # then it is a field error, not a server error
    assert response.status_code == 422
    assert error_locs(response) == [["path", "number"]]


def test_non_numeric_id_is_422(api: ApiClient) -> None:
    response = api.get("/api/customers/abc")
    assert response.status_code == 422
    assert error_locs(response) == [["path", "customer_id"]]


# --- create ----------------------------------------------------------------------------------


def test_create_person_assigns_a_number_and_records_consents(
    api: ApiClient, sales_user: User
) -> None:
    # given a payload with basic, profile and consent data
    payload = {
        "first_name": "Anna",
        "name_prefix": "van",
        "last_name": "Dijk",
        "email": "anna@example.nl",
        "postcode": "1234 AB",
        "birth_date": "1980-04-01",
        "household_size": 3,
        "acquisition_cost": "12.50",
        "consents": [{"channel": "email", "purpose": "newsletter", "granted": True}],
    }
    # when it is posted
    response = api.post("/api/customers/", payload)
    # then the customer exists with a generated number, derived fields and the consent
    assert response.status_code == 201
    body = response.json()
    customer = Customer.objects.get(pk=body["id"])
    assert body["customer_number"].startswith("C")
    assert body["display_name"] == "Anna van Dijk"
    assert body["acquisition_cost"] == "12.50"
    assert body["birth_date"] == "1980-04-01"
    assert customer.display_name_sort == "dijk, anna"
    assert "anna@example.nl" in customer.search_text
    assert customer.profile_updated_at is not None
    consent = customer.consents.get()
    assert consent.granted and consent.source == "api" and consent.recorded_by == sales_user
    assert body["consents"][0]["granted"] is True


def test_created_customer_is_found_by_search(api: ApiClient) -> None:
    api.post("/api/customers/", {"last_name": "Zwanenburg", "customer_number": "Z1"})
    response = api.get("/api/customers/", {"q": "zwanen"})
    assert numbers(response) == ["Z1"]


def test_create_organisation_needs_an_organisation_name(api: ApiClient) -> None:
    # given an organisation without a name
    # when it is posted
    response = api.post("/api/customers/", {"kind": "organisation", "email": "x@y.nl"})
    # then the missing field is named
    assert response.status_code == 422
    assert error_locs(response) == [[*BODY, "organisation_name"]]
    assert response.json()["detail"][0]["type"] == "missing"


def test_create_person_needs_a_name(api: ApiClient) -> None:
    response = api.post("/api/customers/", {})
    assert response.status_code == 422
    assert error_locs(response) == [[*BODY, "last_name"]]


@pytest.mark.parametrize(
    ("payload", "field", "error_type"),
    [
        ({"last_name": "A", "email": "not-an-email"}, "email", "email_invalid"),
        ({"last_name": "A" * 151}, "last_name", "string_too_long"),
        ({"last_name": "A", "household_size": "many"}, "household_size", "int_parsing"),
        ({"last_name": "A", "household_size": -1}, "household_size", "greater_than_equal"),
        ({"last_name": "A", "birth_date": "2024-02-30"}, "birth_date", BAD_DATE),
        ({"last_name": "A", "kind": "robot"}, "kind", "enum"),
        ({"last_name": "A", "acquisition_cost": "-1"}, "acquisition_cost", "greater_than_equal"),
        ({"last_name": "A", "acquisition_cost": "1.005"}, "acquisition_cost", "decimal_max_places"),
        ({"last_name": 42}, "last_name", "string_type"),
        ({"last_name": "A", "colour": "red"}, "colour", "extra_forbidden"),
        ({"last_name": "A\x00"}, "last_name", "nul_character"),
        ({"last_name": "A", "account_owner_id": 0}, "account_owner_id", "greater_than_equal"),
    ],
)
def test_create_with_bad_field_is_422_naming_the_field(
    api: ApiClient, payload: dict[str, Any], field: str, error_type: str
) -> None:
    # given a payload with one bad field
    # when it is posted
    response = api.post("/api/customers/", payload)
    # then the response names that field and the kind of problem, and nothing is saved
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert [e["loc"] for e in detail] == [[*BODY, field]]
    assert detail[0]["type"] == error_type
    assert detail[0]["msg"]
    assert not Customer.objects.exists()


def test_create_reports_every_bad_field_at_once(api: ApiClient) -> None:
    response = api.post("/api/customers/", {"email": "nope", "gender": "q", "country": "NLD"})
    assert response.status_code == 422
    assert sorted(loc[-1] for loc in error_locs(response)) == ["country", "email", "gender"]


def test_duplicate_customer_number_is_422_from_the_service(api: ApiClient) -> None:
    # given an existing customer number
    CustomerFactory(customer_number="DUP1")
    # when a customer with that number is posted
    response = api.post("/api/customers/", {"last_name": "B", "customer_number": "DUP1"})
    # then the service's uniqueness check comes back as a field error
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert [e["loc"] for e in detail] == [[*BODY, "customer_number"]]
    assert detail[0]["type"] == "unique"


def test_unknown_account_owner_is_422(api: ApiClient) -> None:
    response = api.post("/api/customers/", {"last_name": "B", "account_owner_id": 987654})
    assert response.status_code == 422
    assert error_locs(response) == [[*BODY, "account_owner_id"]]


def test_known_account_owner_is_saved(api: ApiClient, sales_user: User) -> None:
    response = api.post("/api/customers/", {"last_name": "B", "account_owner_id": sales_user.pk})
    assert response.status_code == 201
    assert response.json()["account_owner_id"] == sales_user.pk


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        ("last_name=B", "application/x-www-form-urlencoded"),
    ],
)
def test_malformed_body_is_400_json(api: ApiClient, body: str, content_type: str) -> None:
    response = api.raw("post", "/api/customers/", body, content_type)
    assert response.status_code == 400
    assert response.json()["detail"]


def test_body_over_the_upload_limit_is_413_json(api: ApiClient, settings: Any) -> None:
    # given an upload limit of 1 kB
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    # when a larger body is posted
    response = api.raw(
        "post", "/api/customers/", '{"notes": "' + "x" * 2048 + '"}', "application/json"
    )
    # then it is refused with a JSON message, not an error page
    assert response.status_code == 413
    assert "1024" in response.json()["detail"]


@pytest.mark.parametrize("body", ["[]", '"text"', "null", "42"])
def test_body_that_is_not_an_object_is_422(api: ApiClient, body: str) -> None:
    response = api.raw("post", "/api/customers/", body, "application/json")
    assert response.status_code == 422


def test_consent_needs_consent_permission(api: ApiClient, sales_user: User) -> None:
    # given a user who may add customers but not record consents
    sales_user.groups.clear()
    from django.contrib.auth.models import Permission

    sales_user.user_permissions.add(
        Permission.objects.get(codename="add_customer"),
        Permission.objects.get(codename="view_customer"),
    )
    # when a customer with a consent is posted
    response = api.post(
        "/api/customers/",
        {
            "last_name": "B",
            "consents": [{"channel": "email", "purpose": "marketing", "granted": True}],
        },
    )
    # then nothing is saved and the permission is named
    assert response.status_code == 403
    assert "add_consent" in response.json()["detail"]
    assert not Customer.objects.exists()


# --- update ----------------------------------------------------------------------------------


def test_patch_changes_only_the_given_fields(api: ApiClient) -> None:
    # given a customer
    customer = CustomerFactory(first_name="Anna", last_name="Jansen", city="Utrecht", phone="0612")
    # when only the last name and city are patched
    response = api.patch(f"/api/customers/{customer.pk}", {"last_name": "Pieters", "city": "Delft"})
    # then those change, the rest stays and derived fields follow
    assert response.status_code == 200
    customer.refresh_from_db()
    assert (customer.first_name, customer.last_name, customer.city) == ("Anna", "Pieters", "Delft")
    assert customer.phone == "0612"
    assert customer.display_name_sort == "pieters, anna"
    assert "pieters" in customer.search_text
    assert response.json()["display_name"] == "Anna Pieters"


def test_patch_can_clear_a_nullable_field_and_record_consent(api: ApiClient) -> None:
    customer = CustomerFactory(birth_date=datetime(1970, 1, 1).date())
    response = api.patch(
        f"/api/customers/{customer.pk}",
        {
            "birth_date": None,
            "consents": [
                {"channel": "sms", "purpose": "marketing", "granted": True, "source": "app"}
            ],
        },
    )
    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.birth_date is None
    assert customer.consents.get().source == "app"


def test_patch_refuses_to_remove_the_name(api: ApiClient) -> None:
    customer = CustomerFactory(first_name="", last_name="Only")
    response = api.patch(f"/api/customers/{customer.pk}", {"last_name": ""})
    assert response.status_code == 422
    assert error_locs(response) == [[*BODY, "last_name"]]


def test_patch_with_null_for_a_required_text_is_422(api: ApiClient) -> None:
    customer = CustomerFactory()
    response = api.patch(f"/api/customers/{customer.pk}", {"city": None})
    assert response.status_code == 422
    assert error_locs(response) == [[*BODY, "city"]]


def test_patch_with_bad_email_is_422_and_changes_nothing(api: ApiClient) -> None:
    customer = CustomerFactory(email="ok@example.nl", city="Utrecht")
    response = api.patch(f"/api/customers/{customer.pk}", {"email": "broken@", "city": "Delft"})
    assert response.status_code == 422
    customer.refresh_from_db()
    assert (customer.email, customer.city) == ("ok@example.nl", "Utrecht")


def test_patch_unknown_customer_is_404(api: ApiClient) -> None:
    response = api.patch("/api/customers/424242", {"city": "Delft"})
    assert response.status_code == 404
