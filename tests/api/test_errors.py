"""The error shapes: service validation errors and database conflicts as JSON."""

from __future__ import annotations

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError

from relata.api import customers as customer_endpoints
from relata.api.errors import django_field_errors
from tests.api.conftest import ApiClient


def test_django_errors_become_ninja_field_errors_with_api_field_names() -> None:
    # given a ValidationError as full_clean raises it, on a foreign key and on the whole object
    exc = ValidationError(
        {
            "staff": [ValidationError("user instance with id 5 does not exist.", code="invalid")],
            NON_FIELD_ERRORS: [ValidationError("Constraint violated.", code="constraint")],
        }
    )
    # when it is converted
    errors = django_field_errors(exc)
    # then the foreign key is named as the API names it and the object error sits on the body
    assert errors == [
        {
            "loc": ["body", "payload", "staff_id"],
            "msg": "user instance with id 5 does not exist.",
            "type": "invalid",
        },
        {"loc": ["body", "payload"], "msg": "Constraint violated.", "type": "constraint"},
    ]


def test_error_without_fields_is_placed_on_the_body() -> None:
    errors = django_field_errors(ValidationError("Broken."))
    assert errors == [{"loc": ["body", "payload"], "msg": "Broken.", "type": "invalid"}]


@pytest.mark.django_db
def test_concurrent_unique_conflict_is_409(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a database that refuses the insert because another request took the number first
    def racing_create(**fields: object) -> None:
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(customer_endpoints, "customer_create", racing_create)
    # when a customer is posted
    response = api.post("/api/customers/", {"last_name": "Race"})
    # then the client is told to retry, in JSON
    assert response.status_code == 409
    assert "retry" in response.json()["detail"]
