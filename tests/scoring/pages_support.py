"""Shared set-up of the value-page tests (tests/scoring/test_pages*.py): a small scored demo
database with two periods, and users in the roles that see the pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.contrib.auth.models import Group, User
from django.test import Client

from relata.accounts.roles import ADMIN, SALES, roles_sync
from relata.demo.services import demo_data_load
from relata.scoring.models import ScoreRun
from relata.scoring.services import score_run_create

TODAY = date(2026, 6, 30)
EARLIER = date(2025, 12, 31)


@dataclass
class Scored:
    run: ScoreRun
    earlier: ScoreRun


def scored_demo(customers: int = 150, seed: int = 3) -> Scored:
    """Demo customers with three years of history, scored at two period ends."""
    demo_data_load(
        customers=customers,
        years=3,
        seed=seed,
        today=TODAY,
        now=datetime(2026, 6, 30, 18, 0, tzinfo=UTC),
    )
    earlier = score_run_create(period_end=EARLIER)
    run = score_run_create(period_end=TODAY)
    return Scored(run=run, earlier=earlier)


def user_in(role: str, username: str) -> User:
    roles_sync()
    user = User.objects.create_user(username, password="a-long-test-password")
    user.groups.add(Group.objects.get(name=role))
    return user


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def admin_client() -> Client:
    return client_for(user_in(ADMIN, "ada"))


def sales_client() -> Client:
    return client_for(user_in(SALES, "sven"))
