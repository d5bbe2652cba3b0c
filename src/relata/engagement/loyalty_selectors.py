"""Reads of the loyalty programme: balances, ledgers, what points are worth, members, points
per month and the programme's liability."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from relata.customers.models import Customer
from relata.engagement.models import (
    LoyaltyMember,
    LoyaltyProgramme,
    PointsEntry,
    PointsKind,
    RewardMode,
)
from relata.scoring.services import months_before

CENT = Decimal("0.01")
# Saving mode shows progress towards rewards; the programme has one threshold setting, the
# minimum redemption, so the reward levels are its multiples (1×, 2×, 3× ...).
SAVING_LEVELS_SHOWN = 3


# Lots: positive bookings that can expire (an order's adjustments go with its lot).
LOT = (
    Q(kind__in=[PointsKind.EARNED, PointsKind.REFERRAL])
    | Q(kind=PointsKind.ADJUSTED, order__isnull=False)
    | Q(kind=PointsKind.ADJUSTED, order__isnull=True, points__gt=0)
)
# Use: what takes points away by choice, consuming lots first-in first-out.
USE = Q(kind=PointsKind.REDEEMED) | Q(kind=PointsKind.ADJUSTED, order__isnull=True, points__lt=0)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (earlier when negative), clipped to the end of a
    shorter month."""
    return months_before(day, -months)


def points_balance(*, customer: Customer | int) -> int:
    customer_id = customer if isinstance(customer, int) else customer.pk
    total = PointsEntry.objects.filter(customer_id=customer_id).aggregate(total=Sum("points"))
    return int(total["total"] or 0)


def points_worth(points: int, programme: LoyaltyProgramme) -> Decimal:
    return (Decimal(max(points, 0)) * programme.point_value).quantize(CENT)


def points_ledger(*, customer: Customer | int) -> QuerySet[PointsEntry]:
    customer_id = customer if isinstance(customer, int) else customer.pk
    return (
        PointsEntry.objects.filter(customer_id=customer_id)
        .select_related("order", "created_by")
        .order_by("-booked_on", "-id")
    )


@dataclass(frozen=True)
class RewardStatus:
    """What a balance means to the customer. Direct reward: worth € now, to spend at the next
    purchase once the minimum is reached. Saving: progress towards the next reward level
    (multiples of the minimum redemption)."""

    mode: str
    balance: int
    worth: Decimal
    minimum: int
    redeemable: bool
    levels_reached: int = 0
    next_level: int | None = None
    to_next: int = 0
    progress_percent: int = 0
    next_level_worth: Decimal = Decimal(0)
    levels: list[int] = field(default_factory=list)


def reward_status(*, balance: int, programme: LoyaltyProgramme) -> RewardStatus:
    minimum = programme.minimum_redemption
    status: dict[str, Any] = {
        "mode": programme.reward_mode,
        "balance": balance,
        "worth": points_worth(balance, programme),
        "minimum": minimum,
        "redeemable": balance > 0 and balance >= minimum,
    }
    if programme.reward_mode == RewardMode.SAVING and minimum > 0:
        reached = max(balance, 0) // minimum
        next_level = (reached + 1) * minimum
        status.update(
            levels_reached=reached,
            next_level=next_level,
            to_next=next_level - max(balance, 0),
            progress_percent=int(100 * (max(balance, 0) - reached * minimum) / minimum),
            next_level_worth=points_worth(next_level, programme),
            levels=[minimum * k for k in range(1, max(reached + 1, SAVING_LEVELS_SHOWN) + 1)],
        )
    return RewardStatus(**status)


def points_expiring(
    *, customer: Customer | int, today: date | None = None, limit: int = 3
) -> list[tuple[date, int]]:
    """The next dates on which points expire if the customer uses none before, with the
    number of points; points overdue (the expiry run has not run yet) count for today."""
    today = today or timezone.localdate()
    customer_id = customer if isinstance(customer, int) else customer.pk
    entries = PointsEntry.objects.filter(customer_id=customer_id)
    base = entries.aggregate(
        due=Coalesce(Sum("points", filter=LOT & Q(expires_on__lte=today)), 0),
        used=Coalesce(Sum("points", filter=USE), 0),
        gone=Coalesce(Sum("points", filter=Q(kind=PointsKind.EXPIRED)), 0),
    )
    cumulative = int(base["due"]) + int(base["used"]) + int(base["gone"])
    forecast: list[tuple[date, int]] = []
    shown = max(cumulative, 0)
    if shown:
        forecast.append((today, shown))
    lots = (
        entries.filter(LOT, expires_on__gt=today)
        .values("expires_on")
        .annotate(points=Sum("points"))
        .order_by("expires_on")
    )
    for row in lots:
        cumulative += int(row["points"])
        expiring = max(cumulative, 0) - shown
        if expiring > 0:
            forecast.append((row["expires_on"], expiring))
            shown += expiring
            if len(forecast) >= limit:
                break
    return forecast


def member_list(*, query: str = "", status: str = "active") -> QuerySet[LoyaltyMember]:
    """Members with their balance (``balance``), newest first. ``status``: active, left or
    all; ``query``: member number, customer number or name."""
    members = LoyaltyMember.objects.select_related("customer")
    if status == "active":
        members = members.filter(left_on__isnull=True)
    elif status == "left":
        members = members.filter(left_on__isnull=False)
    query = query.strip()
    if query:
        members = members.filter(
            Q(member_number__iexact=query)
            | Q(customer__customer_number__iexact=query)
            | Q(customer__search_text__contains=query.lower())
        )
    balance = (
        PointsEntry.objects.filter(customer_id=OuterRef("customer_id"))
        .order_by()
        .values("customer_id")
        .annotate(total=Sum("points"))
        .values("total")
    )
    return members.annotate(
        balance=Coalesce(Subquery(balance, output_field=IntegerField()), Value(0))
    ).order_by("-joined_on", "-id")


def member_of(*, customer: Customer | int) -> LoyaltyMember | None:
    customer_id = customer if isinstance(customer, int) else customer.pk
    return LoyaltyMember.objects.filter(customer_id=customer_id).first()


@dataclass(frozen=True)
class MemberStats:
    members: int
    left: int
    joined_last_30_days: int
    points_outstanding: int
    liability: Decimal
    earned_12m: int
    redeemed_12m: int
    expired_12m: int

    @property
    def redemption_rate(self) -> float | None:
        """Points redeemed as a share of points earned, over the last 12 months."""
        return self.redeemed_12m / self.earned_12m if self.earned_12m else None

    @property
    def redemption_percent(self) -> int | None:
        rate = self.redemption_rate
        return None if rate is None else round(100 * rate)


def points_outstanding() -> int:
    """Points the programme owes: the sum of the positive balances (a negative balance, from
    points taken back, is no debt of the customer's the programme can count on)."""
    positive = (
        PointsEntry.objects.order_by()
        .values("customer_id")
        .annotate(balance=Sum("points"))
        .filter(balance__gt=0)
    )
    # One statement: the database sums the per-customer sums (a subquery).
    return int(positive.aggregate(total=Sum("balance"))["total"] or 0)


def member_stats(*, today: date | None = None) -> MemberStats:
    today = today or timezone.localdate()
    programme = LoyaltyProgramme.current()
    counts = LoyaltyMember.objects.aggregate(
        members=Count("id", filter=Q(left_on__isnull=True)),
        left=Count("id", filter=Q(left_on__isnull=False)),
        recent=Count("id", filter=Q(joined_on__gt=date.fromordinal(today.toordinal() - 30))),
    )
    year_ago = add_months(today, -12)
    flows = PointsEntry.objects.filter(booked_on__gt=year_ago, booked_on__lte=today).aggregate(
        earned=Coalesce(Sum("points", filter=Q(kind=PointsKind.EARNED)), 0),
        redeemed=Coalesce(Sum("points", filter=Q(kind=PointsKind.REDEEMED)), 0),
        expired=Coalesce(Sum("points", filter=Q(kind=PointsKind.EXPIRED)), 0),
    )
    outstanding = points_outstanding()
    return MemberStats(
        members=counts["members"],
        left=counts["left"],
        joined_last_30_days=counts["recent"],
        points_outstanding=outstanding,
        liability=points_worth(outstanding, programme),
        earned_12m=int(flows["earned"]),
        redeemed_12m=-int(flows["redeemed"]),
        expired_12m=-int(flows["expired"]),
    )


@dataclass(frozen=True)
class MonthFlow:
    month: date
    earned: int
    redeemed: int
    expired: int
    other: int  # referral rewards, welcome points and adjustments, net


def points_per_month(*, months: int = 24, today: date | None = None) -> list[MonthFlow]:
    """Points earned, redeemed (positive numbers), expired and other, per calendar month, the
    last ``months`` months including the current one, oldest first; empty months included."""
    today = today or timezone.localdate()
    first = add_months(date(today.year, today.month, 1), -(months - 1))
    rows = (
        PointsEntry.objects.filter(booked_on__gte=first, booked_on__lte=today)
        .annotate(month=TruncMonth("booked_on"))
        .order_by()
        .values("month", "kind")
        .annotate(points=Sum("points"))
    )
    by_month: dict[date, dict[str, int]] = {}
    for row in rows:
        month = row["month"]
        if not isinstance(month, date):  # pragma: no cover - SQLite returns a date too
            month = date.fromisoformat(str(month)[:10])
        by_month.setdefault(month, {})[row["kind"]] = int(row["points"])
    flows = []
    for index in range(months):
        month = add_months(first, index)
        kinds = by_month.get(month, {})
        flows.append(
            MonthFlow(
                month=month,
                earned=kinds.get(PointsKind.EARNED, 0),
                redeemed=-kinds.get(PointsKind.REDEEMED, 0),
                expired=-kinds.get(PointsKind.EXPIRED, 0),
                other=kinds.get(PointsKind.REFERRAL, 0) + kinds.get(PointsKind.ADJUSTED, 0),
            )
        )
    return flows
