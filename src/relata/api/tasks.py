"""/api/tasks: list, read, create (routed), update and complete tasks."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from relata.api.errors import BODY, field_error, invalid
from relata.api.lookups import customer_from_body
from relata.api.pagination import paginate
from relata.api.permissions import api_user, require_perms, visible_rows
from relata.api.responses import ITEM_ERRORS, READ_ERRORS, WRITE_ERRORS
from relata.api.schemas.common import Page
from relata.api.schemas.tasks import TaskCreate, TaskFilters, TaskOut, TaskPatch, TaskVersion
from relata.contacts.models import Task
from relata.contacts.task_selectors import INBOX_ORDER, status_filter
from relata.contacts.task_services import task_complete, task_create, task_update

router = Router(tags=["Tasks"])


def _task(request: HttpRequest, task_id: int) -> Task:
    """The task, if the user may see its customer (else 404 as for an unknown one)."""
    related = Task.objects.select_related("customer", "customer__account_owner", "assignee")
    task = visible_rows(request, related).filter(pk=task_id).first()
    if task is None:
        raise Http404(_("No task with id %(id)s.") % {"id": task_id})
    return task


@router.get("/", response={200: Page[TaskOut], **READ_ERRORS}, summary="List tasks")
def list_tasks(request: HttpRequest, filters: Query[TaskFilters]) -> dict[str, Any]:
    """Tasks, most urgent first, then earliest due date; open ones unless ``status`` says
    otherwise. ``assignee=me`` is the token user's inbox; ``assignee=none&team=back_office``
    the back-office queue."""
    require_perms(request, "contacts.view_task")
    tasks = visible_rows(request, Task.objects.prefetch_related("customer"))
    if filters.assignee == "me":
        tasks = tasks.filter(assignee=api_user(request))
    elif filters.assignee == "none":
        tasks = tasks.filter(assignee__isnull=True)
    elif filters.assignee:
        tasks = tasks.filter(assignee_id=int(filters.assignee))
    if filters.team:
        tasks = tasks.filter(team=filters.team)
    tasks = status_filter(tasks, "" if filters.status == "open" else filters.status)
    if filters.customer_id is not None:
        tasks = tasks.filter(customer_id=filters.customer_id)
    if filters.kind:
        tasks = tasks.filter(kind=filters.kind)
    if filters.overdue:
        tasks = status_filter(tasks, "").filter(due_date__lt=timezone.localdate())
    return paginate(request, tasks.order_by(*INBOX_ORDER), filters)


@router.get("/{task_id}", response={200: TaskOut, **ITEM_ERRORS}, summary="Get a task")
def get_task(request: HttpRequest, task_id: int) -> Task:
    require_perms(request, "contacts.view_task")
    return _task(request, task_id)


@router.post("/", response={201: TaskOut, **WRITE_ERRORS}, summary="Create a task")
def create_task(request: HttpRequest, payload: TaskCreate) -> Status[Task]:
    """Routed by the rules unless ``assignee_id`` or ``team`` is given; ``routing_reason``
    in the response says where it went and why. The assignee is notified."""
    require_perms(request, "contacts.add_task")
    customer = customer_from_body(
        user=request.user, customer_id=payload.customer_id, customer_number=payload.customer_number
    )
    assignee = None
    if payload.assignee_id is not None:
        assignee = User.objects.filter(pk=payload.assignee_id, is_active=True).first()
        if assignee is None:
            raise invalid(
                [
                    field_error(
                        [*BODY, "assignee_id"],
                        _("No active user with id %(id)s.") % {"id": payload.assignee_id},
                        "not_found",
                    )
                ]
            )
    fields = payload.model_dump(exclude={"customer_id", "customer_number", "assignee_id", "team"})
    task = task_create(
        customer=customer,
        actor=api_user(request),
        assignee=assignee,
        team=payload.team,
        **fields,
    )
    return Status(201, _task(request, task.pk))


@router.patch("/{task_id}", response={200: TaskOut, **WRITE_ERRORS}, summary="Update a task")
def update_task(request: HttpRequest, task_id: int, payload: TaskPatch) -> Any:
    """Only the fields present in the body change. Send the ``version`` you read: if someone
    changed the task since, the answer is 409 with a message and nothing changes."""
    require_perms(request, "contacts.change_task")
    task = _task(request, task_id)
    fields = payload.model_dump(exclude_unset=True, exclude={"version"})
    for required in ("title", "kind", "priority", "status"):
        if required in fields and fields[required] is None:
            raise invalid([field_error([*BODY, required], _("This field cannot be null."), "null")])
    task_update(task=task, fields=fields, actor=api_user(request), version=payload.version)
    return _task(request, task.pk)


@router.post(
    "/{task_id}/complete",
    response={200: TaskOut, **WRITE_ERRORS},
    summary="Complete a task",
)
def complete_task(request: HttpRequest, task_id: int, payload: TaskVersion | None = None) -> Any:
    """Mark the task done; the customer's account owner is told when someone else did it."""
    require_perms(request, "contacts.change_task")
    task = _task(request, task_id)
    task_complete(task=task, actor=api_user(request), version=payload.version if payload else None)
    return _task(request, task.pk)
