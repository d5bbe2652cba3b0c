"""Counts in the navigation bar: my open tasks and my unread notifications."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from relata.contacts.task_selectors import nav_counts


def task_counts(request: HttpRequest) -> dict[str, Any]:
    """Lazy, so pages without the navigation bar cost no query; both counts come from one."""
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return {}
    counts: Any = SimpleLazyObject(lambda: nav_counts(user=user))
    return {
        "my_open_task_count": SimpleLazyObject(lambda: counts["open_tasks"]),
        "unread_notification_count": SimpleLazyObject(lambda: counts["unread"]),
    }
