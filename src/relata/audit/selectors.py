"""Reading the audit trail: the filtered list for administrators and one customer's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from relata.audit.models import AuditEntry


@dataclass(frozen=True)
class AuditFilters:
    who: str = ""
    action: str = ""
    object_type: str = ""
    source: str = ""
    date_from: date | None = None
    date_to: date | None = None
    customer_number: str = ""
    customer_id: int | None = None


def _start_of(day: date) -> datetime | None:
    """Midnight of ``day`` in the installation's time zone; None at the ends of the calendar
    (year 1 or 9999), where no bound is needed and the time zone would overflow."""
    try:
        moment = timezone.make_aware(datetime.combine(day, time.min))
        moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    return moment


def audit_entries(filters: AuditFilters) -> QuerySet[AuditEntry]:
    """The entries matching every given filter, newest first. A customer number finds the
    entries about that customer, and the entries of a customer since merged or deleted that
    carry its number (its label or the merge's details)."""
    from relata.customers.models import Customer

    entries = AuditEntry.objects.all()
    if filters.who:
        entries = entries.filter(
            Q(actor_name__iexact=filters.who) | Q(actor__username__iexact=filters.who)
        )
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.object_type:
        entries = entries.filter(object_type=filters.object_type)
    if filters.source:
        entries = entries.filter(source=filters.source)
    start = _start_of(filters.date_from) if filters.date_from else None
    if start is not None:
        entries = entries.filter(at__gte=start)
    if filters.date_to and filters.date_to < date.max:
        end = _start_of(filters.date_to + timedelta(days=1))
        if end is not None:
            entries = entries.filter(at__lt=end)
    if filters.customer_id is not None:
        entries = entries.filter(customer_id=filters.customer_id)
    if filters.customer_number:
        number = filters.customer_number
        ids = list(Customer.objects.filter(customer_number=number).values_list("pk", flat=True))
        if ids:  # the customer exists: its entries by the indexed customer id
            entries = entries.filter(customer_id__in=ids)
        else:  # merged away or deleted: by its number in the label or the merge's details
            entries = entries.filter(
                Q(context__merged_customer_number=number)
                | Q(object_type="customers.customer", object_label__endswith=f" {number}")
            )
    return entries.order_by("-at", "-id")


def customer_history(customer_id: int) -> QuerySet[AuditEntry]:
    """Everything recorded about one customer: its own changes, contact persons, consents,
    deals, merges into it, exports and erasure."""
    return AuditEntry.objects.filter(customer_id=customer_id).order_by("-at", "-id")
