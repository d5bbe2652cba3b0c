"""Task pages: the inbox with its tabs, a task's page and form, notifications."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from relata.concurrency import StaleEditError
from relata.contacts.models import Notification, Task, Team
from relata.contacts.notification_services import notifications_mark_read
from relata.contacts.notification_texts import notification_text
from relata.contacts.routing import routing_reason_text
from relata.contacts.task_forms import (
    BACK_OFFICE,
    ME,
    SALES,
    TaskAssignForm,
    TaskCreateForm,
    TaskEditForm,
    TaskFilterForm,
)
from relata.contacts.task_selectors import (
    ALL,
    BACK_OFFICE_QUEUE,
    MINE,
    SALES_QUEUE,
    TABS,
    notifications_for,
    task_detail,
    task_list,
)
from relata.contacts.task_services import (
    task_assign,
    task_claim,
    task_complete,
    task_create,
    task_reroute,
    task_update,
)
from relata.customers.models import Customer
from relata.web.http import HtmxHttpRequest, int_param
from relata.web.pagination import paginate, paginate_estimated

TAB_LABELS = {
    MINE: gettext_lazy("Mine"),
    SALES_QUEUE: gettext_lazy("Sales queue"),
    BACK_OFFICE_QUEUE: gettext_lazy("Back-office queue"),
    ALL: gettext_lazy("All"),
}


def _user(request: HtmxHttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
@permission_required("contacts.view_task", raise_exception=True)
def task_inbox(request: HtmxHttpRequest) -> HttpResponse:
    tab = request.GET.get("tab", MINE)
    if tab not in TABS:
        tab = MINE
    form = TaskFilterForm(request.GET or None)
    filters: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    tasks = task_list(
        user=_user(request),
        tab=tab,
        status=filters.get("status") or "",
        priority=filters.get("priority"),
        kind=filters.get("kind") or "",
        overdue=bool(filters.get("overdue")),
        customer_id=int_param(request.GET.get("customer")),
    )
    # A personal inbox is small and counted exactly; the "all" list may be huge.
    page = (paginate_estimated if tab == ALL else paginate)(request, tasks, per_page=25)
    context = {
        "page": page,
        "form": form,
        "tab": tab,
        "tabs": [(key, str(TAB_LABELS[key])) for key in TABS],
    }
    template = "tasks/inbox.html#results" if request.htmx else "tasks/inbox.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _task_or_404(pk: int) -> Task:
    task = task_detail(pk=pk)
    if task is None:
        raise Http404(_("No task with id %(id)s.") % {"id": pk})
    return task


def _detail_context(task: Task, request: HtmxHttpRequest, **extra: Any) -> dict[str, Any]:
    return {
        "task": task,
        "reason": routing_reason_text(task.routing),
        "assign_form": extra.pop(
            "assign_form",
            TaskAssignForm(
                initial={"assignee": task.assignee_id, "team": task.team, "version": task.version}
            ),
        ),
        **extra,
    }


@login_required
@permission_required("contacts.view_task", raise_exception=True)
def task_show(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    task = _task_or_404(pk)
    return render(request, "tasks/detail.html", _detail_context(task, request))


def _back_to_task(request: HtmxHttpRequest, task: Task) -> HttpResponse:
    url = reverse("tasks:detail", kwargs={"pk": task.pk})
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


@login_required
@require_POST
@permission_required("contacts.change_task", raise_exception=True)
def task_complete_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    task = _task_or_404(pk)
    try:
        task_complete(
            task=task, actor=_user(request), version=int_param(request.POST.get("version"))
        )
    except StaleEditError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Task completed."))
    return _back_to_task(request, task)


@login_required
@require_POST
@permission_required("contacts.change_task", raise_exception=True)
def task_claim_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    task = _task_or_404(pk)
    try:
        task_claim(task=task, actor=_user(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The task is yours now."))
    return _back_to_task(request, task)


@login_required
@require_POST
@permission_required("contacts.change_task", raise_exception=True)
def task_assign_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    task = _task_or_404(pk)
    form = TaskAssignForm(request.POST)
    if form.is_valid():
        try:
            task_assign(
                task=task,
                actor=_user(request),
                assignee=form.cleaned_data["assignee"],
                team=form.cleaned_data["team"],
                version=form.cleaned_data["version"],
            )
        except (StaleEditError, ValidationError) as error:
            message = str(error) if isinstance(error, StaleEditError) else " ".join(error.messages)
            form.add_error(None, message)
        else:
            messages.success(request, _("Task reassigned."))
            return _back_to_task(request, task)
    task = _task_or_404(pk)
    context = _detail_context(task, request, assign_form=form)
    return render(request, "tasks/detail.html", context, status=400)


@login_required
@require_POST
@permission_required("contacts.change_task", raise_exception=True)
def task_reroute_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    task = _task_or_404(pk)
    try:
        task_reroute(
            task=task, actor=_user(request), version=int_param(request.POST.get("version"))
        )
    except StaleEditError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, routing_reason_text(task.routing))
    return _back_to_task(request, task)


@login_required
@permission_required("contacts.add_task", raise_exception=True)
def task_create_view(request: HtmxHttpRequest) -> HttpResponse:
    initial: dict[str, Any] = {}
    customer_pk = int_param(request.GET.get("customer"))
    if customer_pk is not None:
        customer = Customer.objects.filter(pk=customer_pk).first()
        if customer is not None:
            initial["customer_number"] = customer.customer_number
    form = TaskCreateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        placement: dict[str, Any] = {}
        if data["send_to"] == ME:
            placement = {"assignee": _user(request)}
        elif data["send_to"] == SALES:
            placement = {"team": Team.SALES}
        elif data["send_to"] == BACK_OFFICE:
            placement = {"team": Team.BACK_OFFICE}
        assert form.customer is not None
        try:
            task = task_create(
                customer=form.customer,
                actor=_user(request),
                title=data["title"],
                kind=data["kind"],
                value=data["value"],
                priority=data["priority"],
                due_date=data["due_date"],
                remind_at=data["remind_at"],
                description=data["description"],
                **placement,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Task created. %(reason)s") % {"reason": routing_reason_text(task.routing)},
            )
            return redirect("tasks:detail", pk=task.pk)
    return render(request, "tasks/form.html", {"form": form, "task": None})


@login_required
@permission_required("contacts.change_task", raise_exception=True)
def task_edit_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    task = _task_or_404(pk)
    form = TaskEditForm(request.POST or None, instance=task)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in TaskEditForm.Meta.fields}
        try:
            # The form already wrote the values onto ``task``; the service checks the version
            # against the row and saves.
            task_update(
                task=task,
                fields=fields,
                actor=_user(request),
                version=form.cleaned_data["version"],
            )
        except StaleEditError as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("tasks:detail", pk=task.pk)
    return render(request, "tasks/form.html", {"form": form, "task": task})


@login_required
def notification_list(request: HtmxHttpRequest) -> HttpResponse:
    """The user's notifications, newest first; showing them marks them read."""
    user = _user(request)
    page = paginate(request, notifications_for(user=user), per_page=30)
    items = [(n, notification_text(n), n.read_at is None) for n in page.object_list]
    notifications_mark_read(recipient=user, ids=[n.pk for n, _text, unread in items if unread])
    return render(request, "tasks/notifications.html", {"page": page, "items": items})


@login_required
@require_POST
def notifications_read_all(request: HtmxHttpRequest) -> HttpResponse:
    notifications_mark_read(recipient=_user(request))
    return redirect("tasks:notifications")


@login_required
def notification_open(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Follow a notification's link, marking it read."""
    notification = get_object_or_404(Notification, pk=pk, recipient=_user(request))
    notifications_mark_read(recipient=_user(request), ids=[notification.pk])
    url = notification.url
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(url)
    return redirect("tasks:notifications")
