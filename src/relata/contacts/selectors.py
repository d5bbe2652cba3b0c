"""Reads of contact moments, and the customer timeline: one stream of everything that
happened with a customer, fed by a small registry of sources (one query each)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import Model, OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from relata.accounts.visibility import visible_by_customer
from relata.contacts.models import (
    OPEN_COMPLAINT_STATUSES,
    Channel,
    Complaint,
    ComplaintStatus,
    ContactMoment,
    Outcome,
    TaskStatus,
)
from relata.customers.models import Customer
from relata.sales.models import DealStage, DealStageChange, SalesChannel

StrOrPromise = str | Promise

# Entries per page of the timeline, and the most "show more" can reach.
TIMELINE_LIMIT = 50
TIMELINE_MAX_LIMIT = 400

CHANNEL_ICONS: dict[str, str] = {
    Channel.PHONE: "bi-telephone",
    Channel.EMAIL: "bi-envelope",
    Channel.VISIT: "bi-person-walking",
    Channel.STORE: "bi-shop",
    Channel.WEB: "bi-globe",
    Channel.CHAT: "bi-chat-left-text",
    Channel.SOCIAL: "bi-share",
    Channel.LETTER: "bi-mailbox",
}
# Orders have their own channel list; the shared values use the same icons.
ORDER_CHANNEL_ICONS: dict[str, str] = {**CHANNEL_ICONS, SalesChannel.SALES_REP: "bi-person-badge"}


@dataclass(frozen=True)
class TimelineEntry:
    when: datetime
    icon: str
    title: str
    meta: str
    detail: str = ""
    url: str = ""
    date_only: bool = False
    kind: str = ""
    event: str = ""
    channel: str = ""
    status: str = ""
    tone: str = "secondary"
    # (URL name, pk) of the entry's page; turned into ``url`` only for the entries shown.
    link: tuple[str, int] | None = None


@dataclass(frozen=True)
class TimelineType:
    """A filter group of the timeline (contact moments, orders, …)."""

    key: str
    label: StrOrPromise
    icon: str


@dataclass(frozen=True)
class TimelineQuery:
    customer: Customer
    channel: str
    limit: int
    # The types shown in this stream, so one source can avoid repeating another.
    types: frozenset[str]


@dataclass(frozen=True)
class TimelineSource:
    """One query feeding the timeline. ``fetch`` returns at most ``query.limit + 1`` of the
    customer's newest entries (one query, related rows joined); ``has_channel`` says whether
    a channel filter applies to it (sources without a channel drop out when one is set)."""

    key: str
    type: str
    fetch: Callable[[TimelineQuery], Iterable[TimelineEntry]]
    has_channel: bool = False
    permission: str = ""


TIMELINE_TYPES: dict[str, TimelineType] = {}
TIMELINE_SOURCES: dict[str, TimelineSource] = {}


def timeline_type_register(key: str, label: StrOrPromise, icon: str) -> TimelineType:
    TIMELINE_TYPES[key] = TimelineType(key=key, label=label, icon=icon)
    return TIMELINE_TYPES[key]


def timeline_source_register(source: TimelineSource) -> TimelineSource:
    """Add a source to every customer timeline (surveys, campaign touches, …)."""
    if source.type not in TIMELINE_TYPES:
        raise ValueError(f"unknown timeline type {source.type!r}: register it first")
    TIMELINE_SOURCES[source.key] = source
    return source


@dataclass
class Timeline:
    entries: list[TimelineEntry]
    truncated: bool
    channel: str = ""
    kind: str = ""
    limit: int = TIMELINE_LIMIT
    types: list[TimelineType] = field(default_factory=list)
    channels: list[tuple[str, str]] = field(
        default_factory=lambda: [(value, str(label)) for value, label in Channel.choices]
    )

    @property
    def more_limit(self) -> int | None:
        """The limit of the "show more" link, or None when everything is shown."""
        if not self.truncated or self.limit >= TIMELINE_MAX_LIMIT:
            return None
        return min(self.limit * 2, TIMELINE_MAX_LIMIT)


def customer_timeline(
    *,
    customer: Customer,
    channel: str = "",
    kind: str = "",
    limit: int = TIMELINE_LIMIT,
    user: User | AnonymousUser | None = None,
) -> Timeline:
    """Everything that happened with one customer, newest first, in one stream: contact
    moments, orders, deals, tasks, complaints (and whatever else registers a source).

    ``kind`` keeps one type, ``channel`` the entries through one channel; unknown values
    are ignored. Each source reads at most ``limit + 1`` rows, so the merged top ``limit``
    is exact and the cost stays one bounded query per source. With ``user``, sources the
    user has no permission to see are left out."""
    channel = channel if channel in Channel.values else ""
    kind = kind if kind in TIMELINE_TYPES else ""
    limit = max(1, min(limit, TIMELINE_MAX_LIMIT))
    sources = [
        source
        for source in TIMELINE_SOURCES.values()
        if (not kind or source.type == kind)
        and (not channel or source.has_channel)
        and (user is None or not source.permission or user.has_perm(source.permission))
    ]
    visible_types = {
        source.type
        for source in TIMELINE_SOURCES.values()
        if user is None or not source.permission or user.has_perm(source.permission)
    }
    query = TimelineQuery(
        customer=customer,
        channel=channel,
        limit=limit,
        types=frozenset(source.type for source in sources),
    )
    entries = [entry for source in sources for entry in source.fetch(query)]
    entries.sort(key=lambda e: e.when, reverse=True)
    shown = [
        replace(e, url=reverse(e.link[0], kwargs={"pk": e.link[1]})) if e.link else e
        for e in entries[:limit]
    ]
    return Timeline(
        entries=shown,
        truncated=len(entries) > limit,
        channel=channel,
        kind=kind,
        limit=limit,
        types=[t for key, t in TIMELINE_TYPES.items() if key in visible_types],
    )


def timeline_filters(params: Mapping[str, str]) -> dict[str, Any]:
    """The timeline's filters from a query string (``type``, ``channel``, ``limit``); values
    that make no sense fall back to the defaults instead of failing."""
    try:
        limit = int(params.get("limit", "") or TIMELINE_LIMIT)
    except ValueError:
        limit = TIMELINE_LIMIT
    return {
        "kind": params.get("type", ""),
        "channel": params.get("channel", ""),
        "limit": limit,
    }


@cache
def _labels(model: type[Model], name: str, language: str | None) -> dict[Any, str]:
    field = model._meta.get_field(name)
    return {value: str(label) for value, label in field.flatchoices}  # type: ignore[union-attr]


def _display(instance: Model, name: str) -> str:
    """Like ``get_<name>_display()``, without translating every choice on every call: with
    hundreds of entries per timeline that made up most of its time."""
    value = getattr(instance, name)
    return _labels(type(instance), name, get_language()).get(value, str(value))


def _person(user: AbstractBaseUser | None) -> str:
    if user is None:
        return ""
    return str(user.get_full_name() or user.get_username())  # type: ignore[attr-defined]


def _meta(*parts: object) -> str:
    return " · ".join(str(part) for part in parts if part)


def _money(amount: Decimal) -> str:
    return "€ " + number_format(amount, 2, force_grouping=True)


def _moments(query: TimelineQuery) -> Iterable[TimelineEntry]:
    moments = query.customer.contact_moments.select_related("staff")
    if query.channel:
        moments = moments.filter(channel=query.channel)
    if "complaints" in query.types:
        # The moment a complaint came in through shows as the complaint itself.
        moments = moments.exclude(outcome=Outcome.COMPLAINT, complaint__isnull=False)
    for moment in moments.order_by("-occurred_at", "-id")[: query.limit + 1]:
        yield TimelineEntry(
            when=moment.occurred_at,
            icon=CHANNEL_ICONS.get(moment.channel, "bi-dot"),
            title=moment.subject,
            meta=_meta(
                _display(moment, "channel"),
                _display(moment, "direction"),
                _display(moment, "touchpoint"),
                _display(moment, "office"),
                _display(moment, "outcome") if moment.outcome else "",
                _person(moment.staff),
            ),
            detail=moment.notes,
            link=("complaints:detail", moment.complaint_id) if moment.complaint_id else None,
            kind="moments",
            event="contact",
            channel=moment.channel,
            status=moment.outcome,
        )


def _orders(query: TimelineQuery) -> Iterable[TimelineEntry]:
    orders = query.customer.orders.all()
    if query.channel:
        orders = orders.filter(channel=query.channel)
    for order in orders.order_by("-order_date", "-id")[: query.limit + 1]:
        yield TimelineEntry(
            when=timezone.make_aware(datetime.combine(order.order_date, time(12))),
            icon=ORDER_CHANNEL_ICONS.get(order.channel, "bi-receipt"),
            title=_("Order %(number)s") % {"number": order.order_number},
            meta=_meta(
                _display(order, "channel"), _display(order, "status"), _money(order.total_amount)
            ),
            link=("sales:order_detail", order.pk),
            date_only=True,
            kind="orders",
            event="order",
            channel=order.channel,
            status=order.status,
            tone="primary",
        )


def _deals_created(query: TimelineQuery) -> Iterable[TimelineEntry]:
    # The stage the deal started in, not where it is now: "created ... Won" misleads.
    first_stage = (
        DealStageChange.objects.filter(deal=OuterRef("pk"), from_stage="")
        .order_by("changed_at", "id")
        .values("to_stage")[:1]
    )
    deals = (
        query.customer.deals.select_related("owner")
        .annotate(created_stage=Subquery(first_stage))
        .order_by("-created_at", "-id")
    )
    for deal in deals[: query.limit + 1]:
        created_stage = deal.created_stage or deal.stage
        yield TimelineEntry(
            when=deal.created_at,
            icon="bi-kanban",
            title=_("Deal created: %(title)s") % {"title": deal.title},
            meta=_meta(
                str(DealStage(created_stage).label)
                if created_stage in DealStage.values
                else created_stage,
                _money(deal.value),
                _display(deal, "source"),
                _person(deal.owner),
            ),
            link=("deals:detail", deal.pk),
            kind="deals",
            event="deal_created",
            status=deal.stage,
            tone="info",
        )


def _deal_stage_changes(query: TimelineQuery) -> Iterable[TimelineEntry]:
    # A change without a previous stage is the deal's creation, shown by _deals_created.
    changes = (
        DealStageChange.objects.filter(customer=query.customer)
        .exclude(from_stage="")
        .select_related("deal", "changed_by")
        .order_by("-changed_at", "-id")
    )
    for change in changes[: query.limit + 1]:
        deal = change.deal
        if change.to_stage == DealStage.WON:
            icon, tone, event = "bi-trophy", "success", "deal_won"
            title = _("Deal won: %(title)s") % {"title": deal.title}
        elif change.to_stage == DealStage.LOST:
            icon, tone, event = "bi-x-octagon", "danger", "deal_lost"
            title = _("Deal lost: %(title)s") % {"title": deal.title}
        else:
            icon, tone, event = "bi-arrow-right-circle", "info", "deal_stage"
            title = _("Deal moved to %(stage)s: %(title)s") % {
                "stage": _display(change, "to_stage"),
                "title": deal.title,
            }
        lost = _display(deal, "lost_reason") if change.to_stage == DealStage.LOST else ""
        yield TimelineEntry(
            when=change.changed_at,
            icon=icon,
            title=title,
            meta=_meta(
                f"{_display(change, 'from_stage')} → {_display(change, 'to_stage')}",
                _money(deal.value),
                lost,
                _person(change.changed_by),
            ),
            link=("deals:detail", deal.pk),
            kind="deals",
            event=event,
            status=change.to_stage,
            tone=tone,
        )


def _tasks_created(query: TimelineQuery) -> Iterable[TimelineEntry]:
    tasks = query.customer.tasks.select_related("assignee").order_by("-created_at", "-id")
    for task in tasks[: query.limit + 1]:
        yield TimelineEntry(
            when=task.created_at,
            icon="bi-check2-square",
            title=_("Task: %(title)s") % {"title": task.title},
            meta=_meta(
                _display(task, "kind"),
                _display(task, "status"),
                _person(task.assignee) or _display(task, "team"),
            ),
            detail=task.description,
            link=("tasks:detail", task.pk),
            kind="tasks",
            event="task_created",
            status=task.status,
        )


def _tasks_completed(query: TimelineQuery) -> Iterable[TimelineEntry]:
    tasks = (
        query.customer.tasks.filter(completed_at__isnull=False)
        .select_related("completed_by")
        .order_by("-completed_at", "-id")
    )
    for task in tasks[: query.limit + 1]:
        cancelled = task.status == TaskStatus.CANCELLED
        yield TimelineEntry(
            when=task.completed_at,  # type: ignore[arg-type]
            icon="bi-slash-circle" if cancelled else "bi-check2-circle",
            title=(_("Task cancelled: %(title)s") if cancelled else _("Task done: %(title)s"))
            % {"title": task.title},
            meta=_meta(_display(task, "kind"), _person(task.completed_by)),
            link=("tasks:detail", task.pk),
            kind="tasks",
            event="task_cancelled" if cancelled else "task_done",
            status=task.status,
            tone="secondary" if cancelled else "success",
        )


def _complaint_meta(complaint: Complaint) -> str:
    return _meta(
        _display(complaint, "cause"),
        _display(complaint, "touchpoint"),
        _display(complaint, "channel"),
        _display(complaint, "status"),
        _person(complaint.owner),
    )


def _complaints(query: TimelineQuery) -> QuerySet[Complaint]:
    complaints = query.customer.complaints.select_related("owner")
    if query.channel:
        complaints = complaints.filter(channel=query.channel)
    return complaints


def _complaints_received(query: TimelineQuery) -> Iterable[TimelineEntry]:
    complaints = _complaints(query).order_by("-received_at", "-id")
    for complaint in complaints[: query.limit + 1]:
        yield TimelineEntry(
            when=complaint.received_at,
            icon=CHANNEL_ICONS.get(complaint.channel, "bi-emoji-frown"),
            title=_("Complaint: %(subject)s") % {"subject": complaint.subject},
            meta=_complaint_meta(complaint),
            detail=complaint.description,
            link=("complaints:detail", complaint.pk),
            kind="complaints",
            event="complaint",
            channel=complaint.channel,
            status=complaint.status,
            tone="danger",
        )


def _complaints_closed(query: TimelineQuery) -> Iterable[TimelineEntry]:
    complaints = (
        _complaints(query)
        .filter(resolved_at__isnull=False)
        .exclude(status__in=OPEN_COMPLAINT_STATUSES)
        .order_by("-resolved_at", "-id")
    )
    for complaint in complaints[: query.limit + 1]:
        resolved = complaint.status == ComplaintStatus.RESOLVED
        title = (
            _("Complaint resolved: %(subject)s")
            if resolved
            else _("Complaint closed, not upheld: %(subject)s")
        )
        yield TimelineEntry(
            when=complaint.resolved_at,  # type: ignore[arg-type]
            icon="bi-emoji-smile" if resolved else "bi-emoji-neutral",
            title=title % {"subject": complaint.subject},
            meta=_complaint_meta(complaint),
            detail=complaint.resolution,
            link=("complaints:detail", complaint.pk),
            kind="complaints",
            event="complaint_resolved" if resolved else "complaint_rejected",
            channel=complaint.channel,
            status=complaint.status,
            tone="success" if resolved else "secondary",
        )


timeline_type_register("moments", gettext_lazy("Contact moments"), "bi-chat-dots")
timeline_type_register("orders", gettext_lazy("Orders"), "bi-receipt")
timeline_type_register("deals", gettext_lazy("Deals"), "bi-kanban")
timeline_type_register("tasks", gettext_lazy("Tasks"), "bi-check2-square")
timeline_type_register("complaints", gettext_lazy("Complaints"), "bi-emoji-frown")
for _source in (
    TimelineSource("moments", "moments", _moments, True, "contacts.view_contactmoment"),
    TimelineSource("orders", "orders", _orders, True, "sales.view_order"),
    TimelineSource("deals", "deals", _deals_created, False, "sales.view_deal"),
    TimelineSource("deal_changes", "deals", _deal_stage_changes, False, "sales.view_deal"),
    TimelineSource("tasks", "tasks", _tasks_created, False, "contacts.view_task"),
    TimelineSource("tasks_done", "tasks", _tasks_completed, False, "contacts.view_task"),
    TimelineSource(
        "complaints", "complaints", _complaints_received, True, "contacts.view_complaint"
    ),
    TimelineSource(
        "complaints_closed", "complaints", _complaints_closed, True, "contacts.view_complaint"
    ),
):
    timeline_source_register(_source)


def contact_moment_search(
    *,
    query: str = "",
    channel: str = "",
    touchpoint: str = "",
    office: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    viewer: Any = None,
) -> QuerySet[ContactMoment]:
    moments = visible_by_customer(viewer, ContactMoment.objects.select_related("customer", "staff"))
    if query:
        moments = moments.filter(subject__icontains=query)
    if channel:
        moments = moments.filter(channel=channel)
    if touchpoint:
        moments = moments.filter(touchpoint=touchpoint)
    if office:
        moments = moments.filter(office=office)
    if date_from:
        moments = moments.filter(occurred_at__date__gte=date_from)
    if date_to:
        moments = moments.filter(occurred_at__date__lte=date_to)
    return moments.order_by("-occurred_at", "-id")
