"""Fixtures for the API tests: users with a role, their tokens, and a client that sends them."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from relata.accounts.models import ApiToken
from tests.factories import user_with_role


class ApiClient:
    """A test client that sends a token and JSON bodies."""

    def __init__(self, raw_token: str | None, scheme: str = "Bearer") -> None:
        self.client = Client()
        self.headers = {"Authorization": f"{scheme} {raw_token}"} if raw_token else {}

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(path, params or {}, headers=self.headers)

    def post(self, path: str, body: Any) -> Any:
        return self.client.post(path, body, content_type="application/json", headers=self.headers)

    def patch(self, path: str, body: Any) -> Any:
        return self.client.patch(
            path, body, content_type="application/json", headers=self.headers
        )

    def raw(self, method: str, path: str, data: str, content_type: str) -> Any:
        call = getattr(self.client, method)
        return call(path, data, content_type=content_type, headers=self.headers)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Creating users with the production hasher would dominate the run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]



@pytest.fixture
def sales_user(db: None) -> User:
    return user_with_role("sales-api", "sales")


@pytest.fixture
def api(sales_user: User) -> ApiClient:
    """A client authenticated as a sales user (view/add/change on all three resources)."""
    _token, raw = ApiToken.issue(user=sales_user, name="tests")
    return ApiClient(raw)


@pytest.fixture
def marketing_api(db: None) -> ApiClient:
    """A client whose user may only view customers and orders."""
    _token, raw = ApiToken.issue(user=user_with_role("marketing-api", "marketing"), name="t")
    return ApiClient(raw)


@pytest.fixture
def no_role_api(db: None) -> ApiClient:
    """A client whose user holds no permissions at all."""
    _token, raw = ApiToken.issue(user=user_with_role("nobody-api", None), name="t")
    return ApiClient(raw)


def error_locs(response: Any) -> list[list[Any]]:
    """The ``loc`` of every field error in a 422 response."""
    return [error["loc"] for error in response.json()["detail"]]
