"""Reads of complaints: the filtered list and the complaints report.

The report is computed by the database with GROUP BY (and window functions for the medians),
so it costs a handful of queries however many complaints there are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connections
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Window,
)
from django.db.models.functions import RowNumber, TruncMonth
from django.utils import timezone

from relata.accounts.visibility import visible_by_customer
from relata.contacts.models import (
    OPEN_COMPLAINT_STATUSES,
    Channel,
    Complaint,
    ComplaintCause,
    ComplaintStatus,
    Touchpoint,
)

# A filter value meaning "open or in progress".
STATUS_UNRESOLVED = "unresolved"
CLOSED_STATUSES = (ComplaintStatus.RESOLVED, ComplaintStatus.REJECTED)
REPORT_DEFAULT_DAYS = 365


def complaint_search(
    *,
    query: str = "",
    status: str = "",
    cause: str = "",
    touchpoint: str = "",
    channel: str = "",
    owner_id: int | None = None,
    customer_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    viewer: Any = None,
) -> QuerySet[Complaint]:
    """Complaints, newest first; every filter is optional and they combine (AND). Dates
    are local calendar days of receipt, both ends included."""
    complaints = visible_by_customer(viewer, Complaint.objects.select_related("customer", "owner"))
    if query:
        complaints = complaints.filter(subject__icontains=query)
    if status == STATUS_UNRESOLVED:
        complaints = complaints.filter(status__in=OPEN_COMPLAINT_STATUSES)
    elif status:
        complaints = complaints.filter(status=status)
    if cause:
        complaints = complaints.filter(cause=cause)
    if touchpoint:
        complaints = complaints.filter(touchpoint=touchpoint)
    if channel:
        complaints = complaints.filter(channel=channel)
    if owner_id is not None:
        complaints = complaints.filter(owner_id=owner_id)
    if customer_id is not None:
        complaints = complaints.filter(customer_id=customer_id)
    complaints = complaints.filter(**_period_lookup(date_from, date_to))
    return complaints.order_by("-received_at", "-id")


def _period_lookup(date_from: date | None, date_to: date | None) -> dict[str, datetime]:
    # Bounds as aware date-times, so the received_at index serves the range.
    lookup = {}
    if date_from is not None:
        lookup["received_at__gte"] = timezone.make_aware(datetime.combine(date_from, time.min))
    if date_to is not None:
        end = datetime.combine(date_to + timedelta(days=1), time.min)
        lookup["received_at__lt"] = timezone.make_aware(end)
    return lookup


@dataclass(frozen=True)
class DurationStats:
    """Resolution times of the closed complaints in one group."""

    closed: int = 0
    mean_hours: float | None = None
    median_hours: float | None = None

    @property
    def mean_days(self) -> float | None:
        return None if self.mean_hours is None else self.mean_hours / 24

    @property
    def median_days(self) -> float | None:
        return None if self.median_hours is None else self.median_hours / 24


@dataclass(frozen=True)
class GroupRow:
    key: str
    label: str
    total: int
    open: int
    resolved: int
    rejected: int
    times: DurationStats


@dataclass(frozen=True)
class CrossRow:
    key: str
    label: str
    cells: list[int]
    total: int


@dataclass(frozen=True)
class MonthRow:
    month: date
    total: int
    by_cause: dict[str, int]
    closed: int


@dataclass
class ComplaintReport:
    date_from: date
    date_to: date
    total: int
    open: int
    resolved: int
    rejected: int
    times: DurationStats
    touchpoints: list[tuple[str, str]]
    cross: list[CrossRow]
    cross_totals: list[int]
    by_cause: list[GroupRow]
    by_touchpoint: list[GroupRow]
    by_channel: list[GroupRow]
    months: list[MonthRow]
    causes: list[tuple[str, str]] = field(
        default_factory=lambda: [(v, str(label)) for v, label in ComplaintCause.choices]
    )

    @property
    def closed(self) -> int:
        return self.resolved + self.rejected


def _duration() -> ExpressionWrapper:
    return ExpressionWrapper(F("resolved_at") - F("received_at"), output_field=DurationField())


def _hours(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds() / 3600


class _Median(Aggregate):
    """PostgreSQL's ``percentile_cont(0.5) WITHIN GROUP (ORDER BY …)``: the median in the
    same GROUP BY as the counts, a third of the time of the portable window query."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"


def _on_postgresql(complaints: QuerySet[Complaint]) -> bool:
    return connections[complaints.db].vendor == "postgresql"


def _statistics(complaints: QuerySet[Complaint]) -> dict[str, Any]:
    """Counts per status and the mean (and on PostgreSQL the median) resolution time, as
    aggregate expressions."""
    closed = Q(status__in=CLOSED_STATUSES, resolved_at__isnull=False)
    figures: dict[str, Any] = {
        "total": Count("id"),
        "open": Count("id", filter=Q(status__in=OPEN_COMPLAINT_STATUSES)),
        "resolved": Count("id", filter=Q(status=ComplaintStatus.RESOLVED)),
        "rejected": Count("id", filter=Q(status=ComplaintStatus.REJECTED)),
        "closed": Count("id", filter=closed),
        "mean": Avg(_duration(), filter=closed, output_field=DurationField()),
    }
    if _on_postgresql(complaints):
        figures["median"] = _Median(_duration(), filter=closed, output_field=DurationField())
    return figures


def _counts(complaints: QuerySet[Complaint], dimension: str) -> dict[str, dict[str, Any]]:
    """Per value of ``dimension``: counts per status and the resolution times."""
    rows = complaints.order_by().values(dimension).annotate(**_statistics(complaints))
    return {row[dimension]: row for row in rows}


def _medians(
    complaints: QuerySet[Complaint], dimension: str | None, rows: Iterable[dict[str, Any]]
) -> dict[str, float]:
    """The median resolution time (hours) per value of ``dimension`` (None: overall): from
    the aggregate rows on PostgreSQL, else from a window query."""
    if _on_postgresql(complaints):
        return {
            (row[dimension] if dimension else ""): row["median"].total_seconds() / 3600
            for row in rows
            if row["median"] is not None
        }
    return _window_medians(complaints, dimension)


def _window_medians(complaints: QuerySet[Complaint], dimension: str | None) -> dict[str, float]:
    """Window functions number the closed complaints of each group by resolution time; only
    the one or two middle rows of each group leave the database (SQLite has no
    percentile function)."""
    partition = [F(dimension)] if dimension else []
    ranked = (
        complaints.filter(status__in=CLOSED_STATUSES, resolved_at__isnull=False)
        .order_by()
        .annotate(
            duration=_duration(),
            position=Window(RowNumber(), partition_by=partition, order_by=_duration().asc()),
            size=Window(Count("id"), partition_by=partition),
        )
        # The middle row of an odd group, the two middle rows of an even one.
        .filter(position__gte=F("size") / 2.0, position__lte=F("size") / 2.0 + 1)
    )
    middle: dict[str, list[float]] = {}
    for row in ranked.values(dimension or "cause", "duration"):
        key = row[dimension] if dimension else ""
        middle.setdefault(key, []).append(row["duration"].total_seconds() / 3600)
    return {key: sum(values) / len(values) for key, values in middle.items()}


def _group_rows(
    complaints: QuerySet[Complaint], dimension: str, choices: list[tuple[str, Any]]
) -> list[GroupRow]:
    counts = _counts(complaints, dimension)
    medians = _medians(complaints, dimension, counts.values())
    rows = []
    for value, label in choices:
        row = counts.get(value)
        if row is None:
            continue
        rows.append(
            GroupRow(
                key=value,
                label=str(label),
                total=row["total"],
                open=row["open"],
                resolved=row["resolved"],
                rejected=row["rejected"],
                times=DurationStats(
                    closed=row["closed"],
                    mean_hours=_hours(row["mean"]),
                    median_hours=medians.get(value),
                ),
            )
        )
    return rows


def complaint_report(
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    channel: str = "",
    owner_id: int | None = None,
) -> ComplaintReport:
    """The complaints received in the period (default: the last 365 days up to today):
    counts per cause × touchpoint, per channel and status, resolution times (median and
    mean, of the closed complaints) per cause and per touchpoint, and a monthly trend."""
    date_to = date_to or timezone.localdate()
    date_from = date_from or date_to - timedelta(days=REPORT_DEFAULT_DAYS - 1)
    complaints = complaint_search(
        date_from=date_from, date_to=date_to, channel=channel, owner_id=owner_id
    ).order_by()

    cross_counts = {
        (row["cause"], row["touchpoint"]): row["n"]
        for row in complaints.values("cause", "touchpoint").annotate(n=Count("id"))
    }
    touchpoints = [
        (value, str(label))
        for value, label in Touchpoint.choices
        if any(key[1] == value for key in cross_counts)
    ]
    cross = []
    for cause, label in ComplaintCause.choices:
        cells = [cross_counts.get((cause, tp), 0) for tp, _label in touchpoints]
        if any(cells):
            cross.append(CrossRow(key=cause, label=str(label), cells=cells, total=sum(cells)))
    cross_totals = [sum(row.cells[i] for row in cross) for i in range(len(touchpoints))]

    by_cause = _group_rows(complaints, "cause", ComplaintCause.choices)
    by_touchpoint = _group_rows(complaints, "touchpoint", Touchpoint.choices)
    by_channel = _group_rows(complaints, "channel", Channel.choices)

    overall = complaints.aggregate(**_statistics(complaints))
    times = DurationStats(
        closed=overall["closed"],
        mean_hours=_hours(overall["mean"]),
        median_hours=_medians(complaints, None, [overall]).get(""),
    )
    return ComplaintReport(
        date_from=date_from,
        date_to=date_to,
        total=overall["total"],
        open=overall["open"],
        resolved=overall["resolved"],
        rejected=overall["rejected"],
        times=times,
        touchpoints=touchpoints,
        cross=cross,
        cross_totals=cross_totals,
        by_cause=by_cause,
        by_touchpoint=by_touchpoint,
        by_channel=by_channel,
        months=_months(complaints),
    )


def _months(complaints: QuerySet[Complaint]) -> list[MonthRow]:
    """Complaints received per month (local time), split by cause, and how many of them are
    closed by now."""
    rows = (
        complaints.annotate(month=TruncMonth("received_at"))
        .values("month", "cause")
        .annotate(
            n=Count("id"),
            closed=Count("id", filter=Q(status__in=CLOSED_STATUSES)),
        )
        .order_by("month")
    )
    months: dict[date, MonthRow] = {}
    for row in rows:
        month = row["month"]
        month = month.date() if isinstance(month, datetime) else month
        current = months.get(month) or MonthRow(month=month, total=0, by_cause={}, closed=0)
        months[month] = MonthRow(
            month=month,
            total=current.total + row["n"],
            by_cause={**current.by_cause, row["cause"]: row["n"]},
            closed=current.closed + row["closed"],
        )
    return sorted(months.values(), key=lambda m: m.month)
