"""Task schemas. Dates are ISO 8601; date-times without an offset are read in the
installation's time zone. ``routing`` is the structured record of why a task went where it
went; ``routing_reason`` is the same in words, in the language of the request."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, model_validator

from relata.api.schemas.common import (
    AwareDateTime,
    NoNul,
    ObjectId,
    PageQuery,
    Text,
    max_length,
)
from relata.contacts.models import Task, TaskKind, TaskPriority, TaskStatus, Team
from relata.contacts.routing import routing_reason_text
from relata.customers.models import Customer

TITLE_LENGTH = max_length(Task, "title")
NUMBER_LENGTH = max_length(Customer, "customer_number")
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
TaskStatusFilter = Literal["open", "closed", "in_progress", "waiting", "done", "cancelled"]


class TaskFilters(PageQuery):
    assignee: str = Field(
        "",
        description='"me" for the token\'s user, a user id, or "none" for tasks in a queue.',
        pattern=r"^(|me|none|[1-9][0-9]{0,18})$",
    )
    team: Team | None = None
    status: TaskStatusFilter = Field(
        "open", description='"open" (open, in progress, waiting), "closed", or one status.'
    )
    customer_id: ObjectId | None = None
    kind: TaskKind | None = None
    overdue: bool = Field(False, description="Only open tasks whose due date has passed.")


class TaskCreate(Schema):
    """A new task for one customer (by id or number). Without ``assignee_id`` and ``team`` the
    routing rules decide where it goes; the response says where and why."""

    model_config = ConfigDict(extra="forbid")

    customer_id: ObjectId | None = None
    customer_number: Annotated[str, Field(max_length=NUMBER_LENGTH), NoNul] | None = None
    title: Text = Field(min_length=1, max_length=TITLE_LENGTH)
    description: Text = ""
    kind: TaskKind = TaskKind.REQUEST
    value: Money | None = None
    priority: TaskPriority = TaskPriority.NORMAL
    due_date: date | None = None
    remind_at: AwareDateTime | None = None
    assignee_id: ObjectId | None = Field(None, description="Place by hand with this user.")
    team: Team | None = Field(None, description="Place by hand in this team's queue.")

    @model_validator(mode="after")
    def one_customer_reference(self) -> TaskCreate:
        if (self.customer_id is None) == (self.customer_number is None):
            raise ValueError("give exactly one of customer_id and customer_number")
        return self


class TaskPatch(Schema):
    """Fields to change; omitted fields stay as they are. ``version`` is the version the
    client last read: when the task changed since, the answer is 409 and nothing changes."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    title: Annotated[str, Field(min_length=1, max_length=TITLE_LENGTH), NoNul] | None = None
    description: Text | None = None
    kind: TaskKind | None = None
    value: Money | None = None
    priority: TaskPriority | None = None
    status: TaskStatus | None = None
    due_date: date | None = None
    remind_at: AwareDateTime | None = None


class TaskVersion(Schema):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(None, ge=1, description="Optional: refuse if changed since.")


class TaskOut(Schema):
    id: int
    customer_id: int
    customer_number: str
    title: str
    description: str
    kind: str
    value: Decimal | None
    team: str
    assignee_id: int | None
    status: str
    priority: int
    due_date: date | None
    remind_at: datetime | None
    routing_reason: str = Field(description="Why the task went where it went, in words.")
    routing: dict[str, Any]
    routing_rule_id: int | None
    contact_moment_id: int | None
    created_by_id: int | None
    completed_at: datetime | None
    completed_by_id: int | None
    created_at: datetime
    updated_at: datetime
    version: int

    @staticmethod
    def resolve_customer_number(obj: Task) -> str:
        return obj.customer.customer_number

    @staticmethod
    def resolve_routing_reason(obj: Task) -> str:
        return routing_reason_text(obj.routing)
