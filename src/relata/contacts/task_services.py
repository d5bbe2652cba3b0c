"""Writes for tasks and routing rules. Each function is one transaction; notifications are
written in the same transaction, so a rolled-back task notifies nobody."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.concurrency import version_claim
from relata.contacts.models import (
    OPEN_TASK_STATUSES,
    ContactMoment,
    NotificationKind,
    RoutingDestination,
    RoutingRule,
    Task,
    TaskKind,
    TaskPriority,
    TaskStatus,
    Team,
)
from relata.contacts.notification_services import notification_send
from relata.contacts.routing import manual_reason, route, user_name
from relata.contacts.services import contact_moment_log
from relata.customers.models import Customer
from relata.scoring.choices import TierChoice

Actor = User | AnonymousUser | None

# Fields task_update may change; routing, completion and the version have their own paths.
EDITABLE_FIELDS = frozenset(
    {"title", "description", "kind", "value", "priority", "due_date", "remind_at", "status"}
)


def _actor(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) and actor.pk is not None else None


def _notify_assigned(task: Task, *, actor: Actor) -> None:
    notification_send(
        recipient=task.assignee,
        kind=NotificationKind.TASK_ASSIGNED,
        params={"task": task.pk, "title": task.title, "customer": task.customer.display_name},
        url=reverse("tasks:detail", kwargs={"pk": task.pk}),
        actor=actor,
    )


def _apply_routing(task: Task) -> None:
    decision = route(customer=task.customer, kind=task.kind, value=task.value)
    task.team = decision.team
    task.assignee_id = decision.assignee_id
    task.routing_rule_id = decision.rule_id
    task.routing = decision.reason


def _place_by_hand(task: Task, *, team: str | None, assignee: User | None, actor: Actor) -> None:
    if team is None:
        team = Team.SALES
        if assignee is not None and assignee.groups.filter(name="back_office").exists():
            team = Team.BACK_OFFICE
    by = _actor(actor)
    task.team = team
    task.assignee = assignee
    task.routing_rule = None
    task.routing = manual_reason(
        team=team,
        assignee_id=assignee.pk if assignee else None,
        assignee_name=user_name(assignee),
        by_id=by.pk if by else None,
        by_name=user_name(by),
    )


@transaction.atomic
def task_create(
    *,
    customer: Customer,
    title: str,
    actor: Actor,
    kind: str = TaskKind.REQUEST,
    description: str = "",
    value: Decimal | None = None,
    priority: int = TaskPriority.NORMAL,
    due_date: date | None = None,
    remind_at: datetime | None = None,
    team: str | None = None,
    assignee: User | None = None,
    contact_moment: ContactMoment | None = None,
    deal_id: int | None = None,
    complaint_id: int | None = None,
) -> Task:
    """Create a task. It is routed by the rules unless ``assignee`` or ``team`` says where it
    goes; the assignee, if any, is notified (unless they created it themself)."""
    task = Task(
        customer=customer,
        title=title,
        description=description,
        kind=kind,
        value=value,
        priority=priority,
        due_date=due_date,
        remind_at=remind_at,
        contact_moment=contact_moment,
        deal_id=deal_id,
        complaint_id=complaint_id,
        created_by=_actor(actor),
    )
    if assignee is not None or team is not None:
        _place_by_hand(task, team=team, assignee=assignee, actor=actor)
    else:
        _apply_routing(task)
    task.full_clean()
    task.save()
    if task.assignee_id is not None:
        _notify_assigned(task, actor=actor)
    return task


@transaction.atomic
def task_update(
    *, task: Task, fields: Mapping[str, Any], actor: Actor, version: int | None = None
) -> Task:
    """Change a task's details. ``version`` is the one the editor loaded; if someone saved
    in between, ``StaleEditError`` is raised and nothing changes."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %(fields)s.")
            % {"fields": ", ".join(sorted(unknown))}
        )
    version_claim(task, expected_version=version)
    status = fields.get("status", task.status)
    for name, value in fields.items():
        setattr(task, name, value)
    if status == TaskStatus.DONE and task.completed_at is None:
        task.completed_at = timezone.now()
        task.completed_by = _actor(actor)
    elif status != TaskStatus.DONE:
        task.completed_at = None
        task.completed_by = None
    task.full_clean()
    task.save()
    return task


@transaction.atomic
def task_assign(
    *,
    task: Task,
    actor: Actor,
    assignee: User | None = None,
    team: str | None = None,
    version: int | None = None,
) -> Task:
    """Give the task to a colleague, or put it back in a team's queue (``assignee`` None)."""
    version_claim(task, expected_version=version)
    if assignee is None and team is None:
        team = task.team
    _place_by_hand(task, team=team, assignee=assignee, actor=actor)
    task.full_clean()
    task.save()
    if task.assignee_id is not None:
        _notify_assigned(task, actor=actor)
    return task


@transaction.atomic
def task_claim(*, task: Task, actor: User) -> Task:
    """Take a task from a team queue. Two colleagues clicking at once: one gets it, the other
    a clear error."""
    taken = Task.objects.filter(
        pk=task.pk, assignee__isnull=True, status__in=OPEN_TASK_STATUSES
    ).update(
        assignee=actor,
        status=TaskStatus.IN_PROGRESS,
        version=F("version") + 1,
        updated_at=timezone.now(),
    )
    if not taken:
        task.refresh_from_db()
        if not task.is_open:
            raise ValidationError(_("This task is already closed."))
        raise ValidationError(
            _("%(name)s already took this task.") % {"name": user_name(task.assignee)}
        )
    task.refresh_from_db()
    routing = dict(task.routing)
    routing["claimed_by"] = actor.pk
    routing["claimed_by_name"] = user_name(actor)
    Task.objects.filter(pk=task.pk).update(routing=routing)
    task.routing = routing
    return task


@transaction.atomic
def task_complete(*, task: Task, actor: Actor, version: int | None = None) -> Task:
    """Mark a task done. When a colleague (say the back office) completes it, the customer's
    account owner and the task's assignee hear about it."""
    if task.status == TaskStatus.DONE:
        return task
    version_claim(task, expected_version=version)
    task.status = TaskStatus.DONE
    task.completed_at = timezone.now()
    task.completed_by = _actor(actor)
    task.full_clean()
    task.save()
    params = {
        "task": task.pk,
        "title": task.title,
        "customer": task.customer.display_name,
        "by": user_name(_actor(actor)),
    }
    url = reverse("tasks:detail", kwargs={"pk": task.pk})
    owner_id = task.customer.account_owner_id
    notified: set[int | None] = set()
    for recipient in (task.customer.account_owner, task.assignee):
        if recipient is None or recipient.pk in notified:
            continue
        notified.add(recipient.pk)
        notification_send(
            recipient=recipient,
            kind=NotificationKind.TASK_DONE,
            params={**params, "owner": recipient.pk == owner_id},
            url=url,
            actor=actor,
        )
    return task


@transaction.atomic
def task_reroute(*, task: Task, actor: Actor, version: int | None = None) -> Task:
    """Run the routing rules again (after a rule, the value or the customer's owner changed)."""
    version_claim(task, expected_version=version)
    before = task.assignee_id
    _apply_routing(task)
    task.full_clean()
    task.save()
    if task.assignee_id is not None and task.assignee_id != before:
        _notify_assigned(task, actor=actor)
    return task


# --- Contact moments with a follow-up ----------------------------------------------------

FOLLOW_UP_ME, FOLLOW_UP_OWNER, FOLLOW_UP_ROUTE = "me", "owner", "route"


@transaction.atomic
def contact_moment_log_with_follow_up(
    *,
    customer: Customer,
    actor: User,
    fields: Mapping[str, Any],
    follow_up_title: str = "",
    follow_up_due: date | None = None,
    follow_up_assign: str = FOLLOW_UP_ROUTE,
) -> tuple[ContactMoment, Task | None]:
    """Log a contact moment by ``actor``; tell the account owner when a colleague contacted
    their customer; optionally create a follow-up task (for me, the owner, or routed)."""
    moment = contact_moment_log(customer=customer, actor=actor, staff=actor, **fields)
    task = None
    if follow_up_title:
        placement: dict[str, Any] = {}
        if follow_up_assign == FOLLOW_UP_ME:
            placement = {"assignee": actor}
        elif follow_up_assign == FOLLOW_UP_OWNER:
            if customer.account_owner is None:
                raise ValidationError(
                    {"follow_up_assign": _("This customer has no account owner.")}
                )
            placement = {"assignee": customer.account_owner}
        task = task_create(
            customer=customer,
            title=follow_up_title,
            kind=TaskKind.FOLLOW_UP,
            due_date=follow_up_due,
            contact_moment=moment,
            actor=actor,
            **placement,
        )
    return moment, task


# --- Routing rules -------------------------------------------------------------------------


def _check_rule(rule: RoutingRule) -> None:
    errors: dict[str, str] = {}
    bad_kinds = [k for k in rule.task_kinds or [] if k not in TaskKind.values]
    if bad_kinds:
        errors["task_kinds"] = _("Unknown task kind: %(kinds)s.") % {"kinds": ", ".join(bad_kinds)}
    bad_tiers = [t for t in rule.tiers or [] if t not in TierChoice.values]
    if bad_tiers:
        errors["tiers"] = _("Unknown tier: %(tiers)s.") % {
            "tiers": ", ".join(str(t) for t in bad_tiers)
        }
    if rule.destination == RoutingDestination.USER and rule.user_id is None:
        errors["user"] = _("Choose the colleague this rule sends tasks to.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def routing_rule_save(*, rule: RoutingRule) -> RoutingRule:
    """Create or change a rule; a new rule without a position goes to the end."""
    if rule.destination != RoutingDestination.USER:
        rule.user = None
    rule.task_kinds = sorted(set(rule.task_kinds or []), key=TaskKind.values.index)
    rule.tiers = sorted({int(t) for t in rule.tiers or []})
    if rule.pk is None and not rule.position:
        last = RoutingRule.objects.order_by("-position").values_list("position", flat=True).first()
        rule.position = (last or 0) + 10
    _check_rule(rule)
    rule.full_clean()
    rule.save()
    return rule


@transaction.atomic
def routing_rule_reorder(*, ids: Sequence[int]) -> None:
    """Put the rules in the order of ``ids`` (positions 10, 20, …); rules not named keep
    their relative order after them."""
    rules = list(RoutingRule.objects.select_for_update().order_by("position", "id"))
    by_id = {rule.pk: rule for rule in rules}
    ordered = [by_id[i] for i in dict.fromkeys(ids) if i in by_id]
    ordered += [rule for rule in rules if rule.pk not in set(ids)]
    for index, rule in enumerate(ordered, start=1):
        rule.position = index * 10
    RoutingRule.objects.bulk_update(ordered, ["position"])


@transaction.atomic
def routing_rule_move(*, rule: RoutingRule, up: bool) -> None:
    """Swap a rule with its neighbour above (``up``) or below."""
    ids = list(RoutingRule.objects.order_by("position", "id").values_list("id", flat=True))
    index = ids.index(rule.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
    routing_rule_reorder(ids=ids)


@transaction.atomic
def routing_rule_delete(*, rule: RoutingRule) -> None:
    """Delete a rule; tasks it routed keep their stored reason."""
    rule.delete()
