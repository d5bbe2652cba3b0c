"""Fixtures for the audit-trail tests."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from tests.factories import user_with_role


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Creating users with the production hasher would dominate the run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]



@pytest.fixture
def admin_user(db: None) -> User:
    return user_with_role("alice-admin", "admin")


@pytest.fixture
def sales_user(db: None) -> User:
    return user_with_role("sam-sales", "sales")
