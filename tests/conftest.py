from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.test import Client
from django.utils import translation


@pytest.fixture(autouse=True)
def english_by_default() -> Iterator[None]:
    """Every test starts in English: a request in Dutch (the locale middleware activates the
    language in the test's thread) must not leak into the next test's labels."""
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    """Reports cache their results keyed by the newest row ids, and ids repeat from one
    test's database to the next: each test starts with an empty cache."""
    cache.clear()
    yield


@pytest.fixture
def staff_user(db: None) -> User:
    user = User.objects.create_user("sam", password="a-long-test-password", first_name="Sam")
    user.groups.add(Group.objects.get(name="sales"))
    return user


@pytest.fixture
def logged_in_client(staff_user: User) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client
