"""Reads of contact moments, and the customer timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from relata.contacts.models import Channel, ContactMoment
from relata.customers.models import Customer
from relata.sales.models import Order

TIMELINE_LIMIT = 100

CHANNEL_ICONS = {
    Channel.PHONE: "bi-telephone",
    Channel.EMAIL: "bi-envelope",
    Channel.VISIT: "bi-person-walking",
    Channel.STORE: "bi-shop",
    Channel.WEB: "bi-globe",
    Channel.CHAT: "bi-chat-left-text",
    Channel.SOCIAL: "bi-share",
    Channel.LETTER: "bi-mailbox",
}


@dataclass(frozen=True)
class TimelineEntry:
    when: datetime
    icon: str
    title: str
    meta: str
    detail: str = ""
    url: str = ""
    date_only: bool = False


@dataclass
class Timeline:
    entries: list[TimelineEntry]
    truncated: bool
    channels: list[tuple[str, str]] = field(
        default_factory=lambda: [(value, str(label)) for value, label in Channel.choices]
    )


def customer_timeline(*, customer: Customer, channel: str = "") -> Timeline:
    """Contact moments and orders of one customer, newest first, in one stream."""
    moments = customer.contact_moments.select_related("staff", "order")
    if channel in Channel.values:
        moments = moments.filter(channel=channel)
    entries = [_moment_entry(m) for m in moments[: TIMELINE_LIMIT + 1]]
    if not channel:
        orders = customer.orders.all()[: TIMELINE_LIMIT + 1]
        entries.extend(_order_entry(o) for o in orders)
    entries.sort(key=lambda e: e.when, reverse=True)
    return Timeline(entries=entries[:TIMELINE_LIMIT], truncated=len(entries) > TIMELINE_LIMIT)


def _moment_entry(moment: ContactMoment) -> TimelineEntry:
    parts = [
        moment.get_channel_display(),
        moment.get_direction_display(),
        moment.get_touchpoint_display(),
        moment.get_office_display(),
    ]
    if moment.outcome:
        parts.append(moment.get_outcome_display())
    if moment.staff:
        parts.append(moment.staff.get_full_name() or moment.staff.get_username())
    return TimelineEntry(
        when=moment.occurred_at,
        icon=CHANNEL_ICONS.get(moment.channel, "bi-dot"),  # type: ignore[call-overload]
        title=moment.subject,
        meta=" · ".join(str(p) for p in parts),
        detail=moment.notes,
    )


def _order_entry(order: Order) -> TimelineEntry:
    moment = timezone.make_aware(datetime.combine(order.order_date, time(12)))
    return TimelineEntry(
        when=moment,
        icon="bi-receipt",
        title=_("Order %(number)s") % {"number": order.order_number},
        meta=" · ".join(
            [
                order.get_channel_display(),
                order.get_status_display(),
                "€ " + number_format(order.total_amount, 2, force_grouping=True),
            ]
        ),
        url=reverse("sales:order_detail", kwargs={"pk": order.pk}),
        date_only=True,
    )


def contact_moment_search(
    *,
    query: str = "",
    channel: str = "",
    touchpoint: str = "",
    office: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[ContactMoment]:
    moments = ContactMoment.objects.select_related("customer", "staff")
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
