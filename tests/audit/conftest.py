"""Fixtures for the audit-trail tests."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group, User


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Creating users with the production hasher would dominate the run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def user_with_role(username: str, role: str | None) -> User:
    user = User.objects.create_user(username, password="a-long-test-password")
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def admin_user(db: None) -> User:
    return user_with_role("alice-admin", "admin")


@pytest.fixture
def sales_user(db: None) -> User:
    return user_with_role("sam-sales", "sales")
