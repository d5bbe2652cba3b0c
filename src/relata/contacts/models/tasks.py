"""Tasks: requests, quotes, call-backs and follow-ups, routed to a person or a team queue,
and the routing rules that decide where each one goes (DOMAIN.md §15)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relata.customers.models import Customer
from relata.sales.models import Deal


class TaskKind(models.TextChoices):
    QUOTE_REQUEST = "quote_request", _("Quote request")
    REQUEST = "request", _("Service request")
    CALL_BACK = "call_back", _("Call back")
    FOLLOW_UP = "follow_up", _("Follow-up")
    COMPLAINT = "complaint", _("Complaint handling")
    DETRACTOR = "detractor", _("Detractor follow-up")
    OTHER = "other", _("Other")


class Team(models.TextChoices):
    SALES = "sales", _("Sales")
    BACK_OFFICE = "back_office", _("Back office")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING = "waiting", _("Waiting for customer")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_TASK_STATUSES = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS, TaskStatus.WAITING)


class TaskPriority(models.IntegerChoices):
    # Lower sorts first: an inbox lists urgent work on top.
    URGENT = 1, _("Urgent")
    HIGH = 2, _("High")
    NORMAL = 3, _("Normal")
    LOW = 4, _("Low")


class Task(models.Model):
    """A piece of work about a customer, in one person's inbox or a team's queue."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="tasks"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(
        _("kind"), max_length=16, choices=TaskKind.choices, default=TaskKind.REQUEST
    )
    value = models.DecimalField(
        _("value"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("What the request or quote is worth; routing compares it with thresholds."),
    )
    team = models.CharField(_("team"), max_length=12, choices=Team.choices, default=Team.SALES)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
        help_text=_("Empty: the task waits in the team's queue."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=TaskPriority.choices, default=TaskPriority.NORMAL
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    remind_at = models.DateTimeField(_("remind me at"), null=True, blank=True)
    # Why the task went where it went: the matched rule and the facts it compared, kept as
    # data so the explanation is shown in the reader's language ({"rule": id, "name": …,
    # "destination": …, "value": "120.00", "threshold": "500.00", "tier": 4, …}).
    routing = models.JSONField(_("routing"), default=dict, blank=True)
    routing_rule = models.ForeignKey(
        "contacts.RoutingRule",
        verbose_name=_("routing rule"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    contact_moment = models.ForeignKey(
        "contacts.ContactMoment",
        verbose_name=_("from contact moment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_up_tasks",
    )
    deal = models.ForeignKey(
        Deal,
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    complaint = models.ForeignKey(
        "contacts.Complaint",
        verbose_name=_("complaint"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("completed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["priority", "due_date", "id"]
        indexes = [
            # A personal inbox and a team queue: open work, most urgent and earliest due first.
            models.Index(
                fields=["assignee", "status", "priority", "due_date"], name="task_inbox_idx"
            ),
            models.Index(fields=["team", "status", "priority", "due_date"], name="task_queue_idx"),
            models.Index(fields=["customer", "-created_at"], name="task_customer_idx"),
            # Open work in inbox order, so a page is read straight off the index (no sort of
            # every open task): a person's inbox, a team queue, and all open tasks.
            models.Index(
                fields=["assignee", "priority", "due_date", "id"],
                name="task_open_inbox_idx",
                condition=models.Q(status__in=OPEN_TASK_STATUSES),
            ),
            models.Index(
                fields=["team", "priority", "due_date", "id"],
                name="task_open_queue_idx",
                condition=models.Q(status__in=OPEN_TASK_STATUSES, assignee__isnull=True),
            ),
            models.Index(
                fields=["priority", "due_date", "id"],
                name="task_open_all_idx",
                condition=models.Q(status__in=OPEN_TASK_STATUSES),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TASK_STATUSES


class RoutingDestination(models.TextChoices):
    ACCOUNT_OWNER = "account_owner", _("The customer's account owner")
    SALES = "sales", _("Sales queue")
    BACK_OFFICE = "back_office", _("Back-office queue")
    USER = "user", _("A named colleague")


class RoutingRule(models.Model):
    """One routing rule. Rules are tried in ``position`` order; the first whose conditions
    all hold decides the destination. Empty conditions always hold."""

    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    task_kinds = models.JSONField(
        _("task kinds"),
        default=list,
        blank=True,
        help_text=_("The kinds of task this rule applies to; none selected: every kind."),
    )
    min_value = models.DecimalField(
        _("value at least"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    tiers = models.JSONField(
        _("customer tiers"),
        default=list,
        blank=True,
        help_text=_("Pyramid tiers this rule applies to; none selected: every tier."),
    )
    match_any = models.BooleanField(
        _("either condition is enough"),
        default=False,
        help_text=_(
            "Off: the value and the tier must both match. On: the value or the tier is enough."
        ),
    )
    destination = models.CharField(_("send to"), max_length=14, choices=RoutingDestination.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("colleague"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name
