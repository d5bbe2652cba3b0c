"""Reads of tasks: personal inboxes, team queues, the managers' view, dashboard reminders.

The inbox and queue queries follow the indexes on Task ((assignee, status, priority,
due_date) and (team, status, priority, due_date)), so a person's inbox costs the same with a
million customers as with a hundred.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import User
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from relata.accounts.visibility import own_accounts_only
from relata.contacts.models import OPEN_TASK_STATUSES, Notification, Task, TaskStatus, Team

MINE, SALES_QUEUE, BACK_OFFICE_QUEUE, ALL = "mine", "sales", "back_office", "all"
TABS = (MINE, SALES_QUEUE, BACK_OFFICE_QUEUE, ALL)
CLOSED = "closed"
CLOSED_STATUSES = (TaskStatus.DONE, TaskStatus.CANCELLED)
INBOX_ORDER = ("priority", F("due_date").asc(nulls_last=True), "id")
DASHBOARD_LIMIT = 8


def _with_related(tasks: QuerySet[Task]) -> QuerySet[Task]:
    # Customers and assignees of the page come in one small query each, after the page is
    # chosen: joining first lets PostgreSQL hash-join the whole customer table before the
    # top-N sort (76 ms at 20,000 customers, growing with the table).
    return tasks.prefetch_related("customer", "assignee")


def status_filter(tasks: QuerySet[Task], status: str) -> QuerySet[Task]:
    """ "": every open status (open, in progress, waiting); "closed": done or cancelled;
    otherwise that one status."""
    if status == CLOSED:
        return tasks.filter(status__in=CLOSED_STATUSES)
    if status in TaskStatus.values:
        return tasks.filter(status=status)
    return tasks.filter(status__in=OPEN_TASK_STATUSES)


def task_list(
    *,
    user: User,
    tab: str = MINE,
    status: str = "",
    priority: int | None = None,
    kind: str = "",
    overdue: bool = False,
    customer_id: int | None = None,
    today: date | None = None,
) -> QuerySet[Task]:
    """One inbox tab: mine (assigned to me), a team's queue (nobody assigned yet) or all,
    most urgent first, then earliest due date (tasks without one last)."""
    tasks = Task.objects.all()
    if own_accounts_only(user):
        # their own customers' tasks, and whatever was assigned to them
        tasks = tasks.filter(Q(customer__account_owner=user) | Q(assignee=user))
    if tab == SALES_QUEUE:
        tasks = tasks.filter(team=Team.SALES, assignee__isnull=True)
    elif tab == BACK_OFFICE_QUEUE:
        tasks = tasks.filter(team=Team.BACK_OFFICE, assignee__isnull=True)
    elif tab != ALL:
        tasks = tasks.filter(assignee=user)
    tasks = status_filter(tasks, status)
    if priority:
        tasks = tasks.filter(priority=priority)
    if kind:
        tasks = tasks.filter(kind=kind)
    if overdue:
        tasks = tasks.filter(due_date__lt=today or timezone.localdate())
    if customer_id is not None:
        tasks = tasks.filter(customer_id=customer_id)
    return _with_related(tasks).order_by(*INBOX_ORDER)


def task_inbox(*, user: User) -> QuerySet[Task]:
    """My open tasks, most urgent first."""
    return task_list(user=user, tab=MINE)


def team_queue(*, team: str) -> QuerySet[Task]:
    """Open tasks waiting in a team's queue for someone to take them."""
    tasks = Task.objects.filter(team=team, assignee__isnull=True, status__in=OPEN_TASK_STATUSES)
    return _with_related(tasks).order_by(*INBOX_ORDER)


def open_task_count(*, user: User) -> int:
    return Task.objects.filter(assignee=user, status__in=OPEN_TASK_STATUSES).count()


def customer_tasks(*, customer_id: int, limit: int = 10) -> tuple[list[Task], int]:
    """A customer's open tasks (most urgent first, at most ``limit``) and how many are open."""
    tasks = (
        Task.objects.filter(customer_id=customer_id, status__in=OPEN_TASK_STATUSES)
        .prefetch_related("assignee")
        .order_by(*INBOX_ORDER)
    )
    shown = list(tasks[: limit + 1])
    count = len(shown) if len(shown) <= limit else tasks.count()
    return shown[:limit], count


@dataclass(frozen=True)
class TaskDashboard:
    overdue: list[Task]
    due_today: list[Task]
    reminders: list[Task]
    open_count: int
    overdue_count: int
    sales_queue_count: int
    back_office_queue_count: int


def task_dashboard(*, user: User) -> TaskDashboard:
    """The start page's "My tasks" card: overdue, due today, reminders that are due, and the
    counts (two aggregate queries, both answered from the partial indexes of open tasks)."""
    today = timezone.localdate()
    mine = Task.objects.filter(assignee=user, status__in=OPEN_TASK_STATUSES).prefetch_related(
        "customer"
    )
    overdue = mine.filter(due_date__lt=today).order_by("due_date", "priority", "id")
    due_today = mine.filter(due_date=today).order_by("priority", "id")
    reminders = (
        mine.filter(remind_at__lte=timezone.now())
        .exclude(due_date__lte=today)
        .order_by("remind_at", "id")
    )
    my_counts = Task.objects.filter(assignee=user, status__in=OPEN_TASK_STATUSES).aggregate(
        open=Count("id"), overdue=Count("id", filter=Q(due_date__lt=today))
    )
    queue_counts = Task.objects.filter(
        assignee__isnull=True, status__in=OPEN_TASK_STATUSES
    ).aggregate(
        sales=Count("id", filter=Q(team=Team.SALES)),
        back_office=Count("id", filter=Q(team=Team.BACK_OFFICE)),
    )
    return TaskDashboard(
        overdue=list(overdue[:DASHBOARD_LIMIT]),
        due_today=list(due_today[:DASHBOARD_LIMIT]),
        reminders=list(reminders[:DASHBOARD_LIMIT]),
        open_count=my_counts["open"],
        overdue_count=my_counts["overdue"],
        sales_queue_count=queue_counts["sales"],
        back_office_queue_count=queue_counts["back_office"],
    )


def task_detail(*, pk: int) -> Task | None:
    return (
        Task.objects.select_related(
            "customer",
            "customer__account_owner",
            "assignee",
            "created_by",
            "completed_by",
            "routing_rule",
            "contact_moment",
        )
        .filter(pk=pk)
        .first()
    )


def nav_counts(*, user: User) -> dict[str, int]:
    """My open tasks and unread notifications, in one query (every page's navigation bar)."""

    def count(queryset: QuerySet) -> Coalesce:
        grouped = queryset.order_by().values(one=Value(1)).annotate(n=Count("id")).values("n")
        return Coalesce(Subquery(grouped), 0)

    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            open_tasks=count(
                Task.objects.filter(assignee=OuterRef("pk"), status__in=OPEN_TASK_STATUSES)
            ),
            unread=count(Notification.objects.filter(recipient=OuterRef("pk"), read_at=None)),
        )
        .values("open_tasks", "unread")
        .first()
    )
    return row or {"open_tasks": 0, "unread": 0}


def notifications_for(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).select_related("actor")
