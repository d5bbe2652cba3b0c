from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from relata.contacts.task_selectors import (
    customer_tasks,
    open_task_count,
    task_dashboard,
    task_inbox,
    team_queue,
)
from tests.contacts.task_support import make_task, user_with_role
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_inbox_orders_by_priority_then_due_date_with_undated_last() -> None:
    # given open tasks of one user with mixed priorities and due dates, and closed ones
    sam = user_with_role("sam")
    today = timezone.localdate()
    make_task(title="normal, no date", assignee=sam, priority=3)
    make_task(title="normal, tomorrow", assignee=sam, priority=3, due_date=today + timedelta(1))
    make_task(title="urgent, next week", assignee=sam, priority=1, due_date=today + timedelta(7))
    make_task(title="normal, today", assignee=sam, priority=3, due_date=today)
    make_task(title="waiting", assignee=sam, priority=4, status="waiting")
    make_task(title="done", assignee=sam, priority=1, status="done")
    make_task(title="someone else's", priority=1)
    # then the inbox lists open work, most urgent first, then earliest due, undated last
    assert [t.title for t in task_inbox(user=sam)] == [
        "urgent, next week",
        "normal, today",
        "normal, tomorrow",
        "normal, no date",
        "waiting",
    ]
    assert open_task_count(user=sam) == 5


def test_team_queue_holds_only_unassigned_open_tasks_of_the_team() -> None:
    bo = user_with_role("bo", "back_office")
    make_task(title="waiting for someone", team="back_office")
    make_task(title="taken", team="back_office", assignee=bo)
    make_task(title="sales", team="sales")
    make_task(title="closed", team="back_office", status="cancelled")
    assert [t.title for t in team_queue(team="back_office")] == ["waiting for someone"]


def test_customer_tasks_shows_at_most_the_limit_and_counts_all_open() -> None:
    customer = CustomerFactory()
    for number in range(4):
        make_task(customer=customer, title=f"t{number}")
    make_task(customer=customer, title="done", status="done")
    shown, count = customer_tasks(customer_id=customer.pk, limit=3)
    assert (len(shown), count) == (3, 4)


def test_dashboard_splits_overdue_today_and_reminders() -> None:
    sam = user_with_role("sam")
    today = timezone.localdate()
    now = timezone.now()
    make_task(title="late", assignee=sam, due_date=today - timedelta(3))
    make_task(title="today", assignee=sam, due_date=today)
    make_task(title="remind", assignee=sam, due_date=today + timedelta(3), remind_at=now)
    make_task(title="later reminder", assignee=sam, remind_at=now + timedelta(days=1))
    make_task(title="late and reminded", assignee=sam, due_date=today - timedelta(1), remind_at=now)
    make_task(title="queue", team="sales")
    dashboard = task_dashboard(user=sam)
    assert [t.title for t in dashboard.overdue] == ["late", "late and reminded"]
    assert [t.title for t in dashboard.due_today] == ["today"]
    assert [t.title for t in dashboard.reminders] == ["remind"]
    assert (dashboard.open_count, dashboard.overdue_count) == (5, 2)
    assert (dashboard.sales_queue_count, dashboard.back_office_queue_count) == (1, 0)
