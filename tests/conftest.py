from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client


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
