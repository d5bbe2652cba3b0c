"""Reads of scores."""

from __future__ import annotations

from datetime import date

from django.db.models import Min

from relata.sales.models import Order
from relata.scoring.models import CustomerSnapshot, RunStatus, ScoreRun


def first_order_date() -> date | None:
    first: date | None = Order.objects.aggregate(first=Min("order_date"))["first"]
    return first


def latest_run() -> ScoreRun | None:
    return ScoreRun.objects.filter(status=RunStatus.COMPLETE).order_by("-period_end").first()


def complete_runs() -> list[ScoreRun]:
    return list(
        ScoreRun.objects.filter(status=RunStatus.COMPLETE)
        .order_by("-period_end")
        .defer("summary", "model_fit", "settings_used")
    )


def customer_snapshots(*, customer_id: int) -> list[CustomerSnapshot]:
    """A customer's snapshots from complete runs, newest first."""
    return list(
        CustomerSnapshot.objects.filter(customer_id=customer_id, run__status=RunStatus.COMPLETE)
        .select_related("run")
        .defer("run__summary", "run__model_fit", "run__settings_used")
        .order_by("-period_end")
    )


def scored_period_ends() -> set[date]:
    return set(
        ScoreRun.objects.filter(status=RunStatus.COMPLETE).values_list("period_end", flat=True)
    )
