"""Builders shared by the task tests: users with a role, scored customers, tasks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group, User

from relata.contacts.models import RoutingRule, Task
from relata.customers.models import Customer
from relata.scoring.models import CustomerSnapshot, RunStatus, ScoreRun
from tests.factories import CustomerFactory


def user_with_role(username: str, role: str | None = "sales", **fields: Any) -> User:
    """A user in a role group; without a usable password (hashing one is slow), so tests log
    them in with ``force_login``."""
    user = User.objects.create_user(username, **fields)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def scored_customer(tier: int | None, **fields: Any) -> Customer:
    """A customer with the given tier in the latest complete score run (None: never scored)."""
    customer = CustomerFactory(**fields)
    if tier is not None:
        run = ScoreRun.objects.filter(status=RunStatus.COMPLETE).first()
        if run is None:
            run = ScoreRun.objects.create(period_end=date(2026, 6, 30), status=RunStatus.COMPLETE)
        CustomerSnapshot.objects.create(
            run=run,
            period_end=run.period_end,
            customer=customer,
            tier=tier,
            movement=4,
            rfm_segment=1,
            value_grid=1,
            churn_level=0,
            lifecycle_stage=4,
        )
    return customer


def make_task(customer: Customer | None = None, **fields: Any) -> Task:
    """A task stored directly (no routing, no notifications)."""
    task = Task(customer=customer or CustomerFactory(), title=fields.pop("title", "Call back"))
    for name, value in fields.items():
        setattr(task, name, value)
    task.save()
    return task


def ensure_default_rules() -> None:
    """Put back the three rules of the data migration; transactional tests (the browser
    tests) flush them away between tests."""
    if RoutingRule.objects.exists():
        return
    RoutingRule.objects.bulk_create(
        [
            RoutingRule(
                position=10,
                name="Large quotes and requests to the account owner",
                task_kinds=["quote_request", "request"],
                min_value=Decimal("500.00"),
                destination="account_owner",
            ),
            RoutingRule(
                position=20,
                name="Top and Big customers to the account owner",
                tiers=[1, 2],
                destination="account_owner",
            ),
            RoutingRule(
                position=30, name="Everything else to the back office", destination="back_office"
            ),
        ]
    )
