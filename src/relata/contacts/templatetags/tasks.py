"""Template helpers of the task pages and the tasks card on the customer file."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from relata.contacts.models import Task, TaskPriority, TaskStatus
from relata.contacts.routing import routing_reason_text
from relata.contacts.task_selectors import customer_tasks as select_customer_tasks

register = template.Library()

PRIORITY_BADGES = {
    TaskPriority.URGENT: "text-bg-danger",
    TaskPriority.HIGH: "text-bg-warning",
    TaskPriority.NORMAL: "text-bg-secondary",
    TaskPriority.LOW: "text-bg-light border",
}
STATUS_BADGES = {
    TaskStatus.OPEN: "text-bg-primary",
    TaskStatus.IN_PROGRESS: "text-bg-info",
    TaskStatus.WAITING: "text-bg-warning",
    TaskStatus.DONE: "text-bg-success",
    TaskStatus.CANCELLED: "text-bg-light border",
}


@register.filter
def priority_badge(priority: int) -> str:
    return PRIORITY_BADGES.get(TaskPriority(priority), "text-bg-secondary")


@register.filter
def status_badge(status: str) -> str:
    return STATUS_BADGES.get(TaskStatus(status), "text-bg-secondary")


@register.filter
def routing_reason(task: Task) -> str:
    return routing_reason_text(task.routing)


@register.filter
def is_overdue(task: Task) -> bool:
    return bool(task.is_open and task.due_date and task.due_date < timezone.localdate())


@register.inclusion_tag("tasks/customer_tasks_card.html", takes_context=True)
def customer_tasks(context: template.Context, customer: Any) -> dict[str, Any]:
    """The open tasks of a customer, for the customer file."""
    tasks, count = select_customer_tasks(customer_id=customer.pk)
    return {
        "customer": customer,
        "tasks": tasks,
        "count": count,
        "perms": context.get("perms"),
        "request": context.get("request"),
    }
