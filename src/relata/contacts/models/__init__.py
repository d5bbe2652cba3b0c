"""Contact moments, tasks and their routing, complaints and in-app notifications."""

from relata.contacts.models.complaints import (
    OPEN_COMPLAINT_STATUSES,
    Complaint,
    ComplaintCause,
    ComplaintStatus,
)
from relata.contacts.models.moments import (
    Channel,
    ContactMoment,
    Direction,
    Friction,
    Office,
    Outcome,
    Touchpoint,
)
from relata.contacts.models.notifications import Notification, NotificationKind
from relata.contacts.models.tasks import (
    OPEN_TASK_STATUSES,
    RoutingDestination,
    RoutingRule,
    Task,
    TaskKind,
    TaskPriority,
    TaskStatus,
    Team,
)

__all__ = [
    "OPEN_COMPLAINT_STATUSES",
    "OPEN_TASK_STATUSES",
    "Channel",
    "Complaint",
    "ComplaintCause",
    "ComplaintStatus",
    "ContactMoment",
    "Direction",
    "Friction",
    "Notification",
    "NotificationKind",
    "Office",
    "Outcome",
    "RoutingDestination",
    "RoutingRule",
    "Task",
    "TaskKind",
    "TaskPriority",
    "TaskStatus",
    "Team",
    "Touchpoint",
]
