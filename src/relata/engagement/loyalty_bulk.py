"""The loyalty programme's bulk work: which orders earn and how much, booking the points of
many orders at once (imports send no signal), and expiry (see ``loyalty_services`` for the
rule): what is left of the lots due by a day, after use consumed the oldest first, expires;
one GROUP BY over the ledger, idempotent. ``expire_replay`` expires month by month for
points booked late for the past."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from django.db import transaction
from django.db.models import DecimalField, Exists, ExpressionWrapper, F, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.engagement.loyalty_selectors import LOT, USE, add_months
from relata.engagement.models import LoyaltyProgramme, PointsEntry, PointsKind
from relata.sales.models import Order, OrderStatus

# Orders that earn points; cancelled and returned orders earn nothing (and give back what
# they earned when they become cancelled or returned later).
EARNING_STATUSES = (OrderStatus.OPEN, OrderStatus.DELIVERED)
BATCH = 5_000


def expiry_date(programme: LoyaltyProgramme, booked_on: date) -> date | None:
    """When points booked on ``booked_on`` expire; None when points never expire."""
    if not programme.expiry_months:
        return None
    return add_months(booked_on, programme.expiry_months)


def order_points(total: Decimal, points_per_euro: Decimal) -> int:
    """floor(total × points per euro), never negative."""
    if total <= 0 or points_per_euro <= 0:
        return 0
    return int((total * points_per_euro).to_integral_value(rounding=ROUND_FLOOR))


def _missing_orders(
    *, programme: LoyaltyProgramme, since: date | None, customer_ids: Iterable[int] | None
) -> Any:
    """Members' orders that should earn but have no booking at all, as value rows."""
    orders = Order.objects.filter(
        status__in=EARNING_STATUSES,
        customer__loyalty_membership__joined_on__lte=F("order_date"),
    ).filter(
        Q(customer__loyalty_membership__left_on__isnull=True)
        | Q(customer__loyalty_membership__left_on__gte=F("order_date"))
    )
    if since is not None:
        orders = orders.filter(order_date__gte=since)
    if customer_ids is not None:
        orders = orders.filter(customer_id__in=list(customer_ids))
    # Orders too small for one point would come back on every run; leave them out in SQL.
    orders = orders.alias(
        earns=ExpressionWrapper(
            F("total_amount") * Value(programme.points_per_euro),
            output_field=DecimalField(max_digits=20, decimal_places=4),
        )
    ).filter(earns__gte=1)
    # Only the order's own points count as booked: a referrer's reward also points at the
    # referred customer's first order, which must still earn that customer's points.
    booked = PointsEntry.objects.filter(
        order=OuterRef("pk"), kind__in=[PointsKind.EARNED, PointsKind.ADJUSTED]
    )
    orders = orders.filter(~Exists(booked))
    return orders.order_by().values_list(
        "pk", "customer_id", "order_date", "total_amount", "order_number"
    )


def earn_missing(
    *,
    programme: LoyaltyProgramme,
    since: date | None = None,
    customer_ids: Iterable[int] | None = None,
) -> tuple[int, int, date | None]:
    """Book earned points for every missing order in bulk (imports send no signals).
    Returns (entries, points, earliest expiry date among them)."""
    rows = _missing_orders(programme=programme, since=since, customer_ids=customer_ids)
    entries = 0
    points = 0
    earliest: date | None = None
    batch: list[PointsEntry] = []
    template = _("Order %(number)s")
    for order_id, customer_id, order_date, total, number in rows.iterator(chunk_size=BATCH):
        earned = order_points(total, programme.points_per_euro)
        if earned <= 0:
            continue
        expires_on = expiry_date(programme, order_date)
        if expires_on is not None and (earliest is None or expires_on < earliest):
            earliest = expires_on
        batch.append(
            PointsEntry(
                customer_id=customer_id,
                kind=PointsKind.EARNED,
                points=earned,
                order_id=order_id,
                booked_on=order_date,
                expires_on=expires_on,
                note=template % {"number": number},
            )
        )
        entries += 1
        points += earned
        if len(batch) >= BATCH:
            _flush(batch)
    _flush(batch)
    return entries, points, earliest


def _flush(batch: list[PointsEntry]) -> None:
    # A concurrent signal may book one of these orders first; the unique constraint keeps
    # that booking and skips ours.
    PointsEntry.objects.bulk_create(batch, ignore_conflicts=True)
    batch.clear()


def expiring_by(*, day: date, customer_ids: Iterable[int] | None = None) -> Any:
    """Per customer, the points that expire by ``day`` and have not expired yet:
    due(day) − used(day) − expired, where positive (values rows customer_id, left)."""
    entries = PointsEntry.objects.all()
    if customer_ids is not None:
        entries = entries.filter(customer_id__in=list(customer_ids))
    return (
        entries.order_by()
        .values("customer_id")
        .annotate(
            due=Coalesce(Sum("points", filter=LOT & Q(expires_on__lte=day)), 0),
            used=Coalesce(Sum("points", filter=USE & Q(booked_on__lte=day)), 0),
            gone=Coalesce(Sum("points", filter=Q(kind=PointsKind.EXPIRED)), 0),
        )
        .filter(due__gt=0)
        .annotate(left=F("due") + F("used") + F("gone"))
        .filter(left__gt=0)
        .values_list("customer_id", "left")
    )


@transaction.atomic
def points_expire(
    *, today: date | None = None, customer_ids: Iterable[int] | None = None
) -> tuple[int, int]:
    """Expire what is left of the lots due by ``today`` (``expires_on ≤ today``), after use
    consumed the oldest first. Idempotent, and one at a time: the programme row is locked
    for the transaction, so two overlapping runs (or a run and a redemption) cannot both
    expire the same points. Returns (customers, points expired)."""
    today = today or timezone.localdate()
    with transaction.atomic():
        LoyaltyProgramme.objects.select_for_update().filter(
            pk=LoyaltyProgramme.current().pk
        ).values_list("pk").first()
        return _expire(today=today, customer_ids=customer_ids)


def _expire(*, today: date, customer_ids: Iterable[int] | None) -> tuple[int, int]:
    note = _("Expired: points due by %(date)s") % {"date": today.isoformat()}
    batch: list[PointsEntry] = []
    customers = 0
    points = 0
    for customer_id, left in expiring_by(day=today, customer_ids=customer_ids).iterator(
        chunk_size=BATCH
    ):
        batch.append(
            PointsEntry(
                customer_id=customer_id,
                kind=PointsKind.EXPIRED,
                points=-int(left),
                booked_on=today,
                note=note,
            )
        )
        customers += 1
        points += int(left)
        if len(batch) >= BATCH:
            PointsEntry.objects.bulk_create(batch)
            batch.clear()
    PointsEntry.objects.bulk_create(batch)
    return customers, points


def _month_ends(start: date, end: date) -> list[date]:
    """The last day of every month from ``start``'s month until before ``end``, then
    ``end``."""
    ends = []
    current = date(start.year, start.month, calendar.monthrange(start.year, start.month)[1])
    while current < end:
        ends.append(current)
        following = add_months(date(current.year, current.month, 1), 1)
        current = date(
            following.year,
            following.month,
            calendar.monthrange(following.year, following.month)[1],
        )
    ends.append(end)
    return ends


def expire_replay(
    *, earliest: date | None, today: date, customer_ids: Iterable[int] | None = None
) -> tuple[int, int]:
    """Expire by the end of every month from ``earliest`` (the first expiry date of points
    just booked for the past) up to ``today``, so late bookings expire when they were due
    rather than all today. Returns (customer expiries, points)."""
    days = _month_ends(earliest, today) if earliest is not None and earliest < today else [today]
    customers = points = 0
    ids = None if customer_ids is None else list(customer_ids)
    for day in days:
        expired_customers, expired_points = points_expire(today=day, customer_ids=ids)
        customers += expired_customers
        points += expired_points
    return customers, points
