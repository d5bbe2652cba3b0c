"""/api/customers/{id}/export and /erase: permission AND the personal_data token scope."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from relata.accounts.models import ApiToken
from relata.audit.models import AuditEntry
from relata.customers.models import Customer
from tests.api.conftest import ApiClient
from tests.factories import user_with_role
from tests.privacy.support import EMAIL, customer_with_history

pytestmark = pytest.mark.django_db

ALL_SCOPES = ["read", "write", "personal_data"]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _api(user: User, scopes: list[str]) -> ApiClient:
    _token, raw = ApiToken.issue(user=user, name="privacy", scopes=scopes)
    return ApiClient(raw)


def test_export_with_the_personal_data_scope_returns_the_whole_file_and_is_audited() -> None:
    # given a back-office user with a token that may read personal data
    user = user_with_role("back-office-api", "back_office")
    customer = customer_with_history(user).customer
    api = _api(user, ALL_SCOPES)
    # when they export the customer
    response = api.get(f"/api/customers/{customer.pk}/export")
    # then they get the document and an export entry records the API as its origin
    assert response.status_code == 200
    body = response.json()
    assert body["customer"]["email"] == EMAIL
    assert body["generated_by"] == "back-office-api"
    assert len(body["sections"]["orders"]) == 2
    entry = AuditEntry.objects.get(action="export", customer_id=customer.pk)
    assert entry.context == {"format": "json"}
    assert entry.actor == user


def test_export_without_the_personal_data_scope_is_forbidden() -> None:
    # given an administrator's token with only read and write
    user = user_with_role("admin-api", "admin")
    customer = customer_with_history(user).customer
    api = _api(user, ["read", "write"])
    # when they export the customer
    response = api.get(f"/api/customers/{customer.pk}/export")
    # then the answer names the missing scope and nothing is audited
    assert response.status_code == 403
    assert "personal_data" in response.json()["detail"]
    assert not AuditEntry.objects.filter(action="export").exists()


def test_export_without_the_permission_is_forbidden_whatever_the_scope() -> None:
    # given a sales user's token with every scope
    user = user_with_role("sales-api", "sales")
    customer = customer_with_history(user).customer
    api = _api(user, ALL_SCOPES)
    # when they export the customer
    response = api.get(f"/api/customers/{customer.pk}/export")
    # then it is forbidden
    assert response.status_code == 403
    assert "customers.export_customer" in response.json()["detail"]


def test_erase_anonymises_and_a_second_call_conflicts() -> None:
    # given an administrator with a personal-data token
    user = user_with_role("admin-api", "admin")
    customer = customer_with_history(user).customer
    api = _api(user, ALL_SCOPES)
    # when they erase the customer
    response = api.post(f"/api/customers/{customer.pk}/erase", {"reason": "Request by mail"})
    # then the answer gives the number, the time and the counts, and the record is erased
    assert response.status_code == 200
    body = response.json()
    assert body["customer_number"] == customer.customer_number
    assert body["counts"]["feedback.socialprofile.customer.deleted"] == 1
    assert Customer.objects.get(pk=customer.pk).erased_at is not None
    # when they erase it again
    again = api.post(f"/api/customers/{customer.pk}/erase", {"reason": "Again"})
    # then the answer is a conflict naming the customer
    assert again.status_code == 409
    assert "already erased" in again.json()["detail"]


def test_erase_needs_a_reason() -> None:
    # given an administrator with a personal-data token
    user = user_with_role("admin-api", "admin")
    customer = customer_with_history(user).customer
    api = _api(user, ALL_SCOPES)
    # when they erase without a reason
    response = api.post(f"/api/customers/{customer.pk}/erase", {"reason": ""})
    # then the body field is named and nothing is erased
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "payload", "reason"]
    assert Customer.objects.get(pk=customer.pk).erased_at is None


@pytest.mark.parametrize(
    ("role", "scopes"),
    [("back_office", ALL_SCOPES), ("admin", ["read", "write"])],
)
def test_erase_needs_the_permission_and_the_scope(role: str, scopes: list[str]) -> None:
    # given a back-office user (no erase permission) or an admin token without the scope
    user = user_with_role(f"{role}-api", role)
    customer = customer_with_history(user).customer
    api = _api(user, scopes)
    # when they try to erase
    response = api.post(f"/api/customers/{customer.pk}/erase", {"reason": "Request"})
    # then it is forbidden and nothing changes
    assert response.status_code == 403
    assert Customer.objects.get(pk=customer.pk).erased_at is None


def test_an_unknown_customer_is_not_found() -> None:
    # given an administrator with a personal-data token
    api = _api(user_with_role("admin-api", "admin"), ALL_SCOPES)
    # when they export or erase a customer that does not exist
    export = api.get("/api/customers/999999/export")
    erase = api.post("/api/customers/999999/erase", {"reason": "Request"})
    # then both answer 404
    assert (export.status_code, erase.status_code) == (404, 404)


def test_an_erased_customer_cannot_be_patched_back() -> None:
    # given an erased customer and an administrator with an everyday token
    user = user_with_role("admin-api", "admin")
    customer = customer_with_history(user).customer
    _api(user, ALL_SCOPES).post(f"/api/customers/{customer.pk}/erase", {"reason": "Request"})
    api = _api(user, ["read", "write"])
    # when they try to write the e-mail address back
    response = api.patch(f"/api/customers/{customer.pk}", {"email": EMAIL})
    # then it is refused with the reason, and the record stays anonymised
    assert response.status_code == 422
    assert "personal data was erased" in response.json()["detail"][0]["msg"]
    assert Customer.objects.get(pk=customer.pk).email == ""
