"""Writes of the value engine: one score run per period end, snapshots in bulk."""

from __future__ import annotations

import calendar
import logging
from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.utils import timezone
from numpy.typing import NDArray

from relata.scoring import aggregates
from relata.scoring.compute import PeriodScores, PeriodWindow, ValueSettings, score_period
from relata.scoring.models import CustomerSnapshot, RunStatus, ScoreRun, ScoringSettings
from relata.scoring.summary import run_summary

logger = logging.getLogger(__name__)

MONEY_COLUMNS = frozenset(
    {
        "revenue",
        "margin",
        "previous_revenue",
        "clv_formula",
        "clv_discounted",
        "clv_probabilistic",
        "current_value",
        "potential_value",
        "cost_to_serve",
        "profit",
    }
)
BATCH = 5_000

Progress = Callable[[int], object]


def value_settings(stored: ScoringSettings) -> ValueSettings:
    return ValueSettings(
        top=float(stored.top_percent) / 100,
        big=float(stored.big_percent) / 100,
        medium=float(stored.medium_percent) / 100,
        by_margin=stored.value_basis == "margin",
        discount_rate=float(stored.discount_rate),
        horizon_months=stored.horizon_months,
        value_drop=float(stored.risk_value_drop),
        new_customer_days=stored.new_customer_days,
        lost_after_days=stored.lost_after_days,
        channel_costs={k: float(v) for k, v in (stored.channel_costs or {}).items()},
        delivery_cost=float(stored.delivery_cost),
        return_cost=float(stored.return_cost),
    )


def months_before(value: date, months: int) -> date:
    """The same day ``months`` earlier, clipped to the end of a shorter month."""
    index = value.year * 12 + value.month - 1 - months
    year, month = divmod(index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(value.day, last_day))


def period_window(*, period_end: date, months: int) -> PeriodWindow:
    start = months_before(period_end, months)
    previous_start = months_before(start, months)
    return PeriodWindow(
        previous_start=aggregates.day_number(previous_start),
        start=aggregates.day_number(start),
        end=aggregates.day_number(period_end),
    )


def backfill_period_ends(*, period_end: date, step: str, since: date) -> list[date]:
    """Period ends going back from ``period_end`` every month/quarter/year, oldest first."""
    months = {"monthly": 1, "quarterly": 3, "yearly": 12}[step]
    ends = []
    current = period_end
    while current >= since:
        ends.append(current)
        current = months_before(current, months)
    return ends[::-1]


def score_run_create(*, period_end: date, progress: Progress | None = None) -> ScoreRun:
    """Score every customer for the period ending on ``period_end`` (inclusive).

    Idempotent per period: a new complete run replaces the earlier complete run of the same
    period in the same transaction, so readers see either the old or the new snapshots.
    """
    stored = ScoringSettings.current()
    settings = value_settings(stored)
    window = period_window(period_end=period_end, months=stored.period_months)
    run = ScoreRun.objects.create(
        period_end=period_end,
        settings_used={**settings.__dict__, "period_months": stored.period_months},
    )
    try:
        scores, base = _compute(period_end=period_end, window=window, settings=settings)
        with transaction.atomic():
            ScoreRun.objects.filter(period_end=period_end, status=RunStatus.COMPLETE).delete()
            _write_snapshots(run=run, base=base, scores=scores, progress=progress)
            run.status = RunStatus.COMPLETE
            run.finished_at = timezone.now()
            run.customers = int(base.ids.size)
            run.model_fit = scores.model_fit | {"retention_by_tier": scores.retention_by_tier}
            run.summary = run_summary(scores.columns)
            run.save()
    except BaseException as error:
        ScoreRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        raise
    return run


def _compute(
    *, period_end: date, window: PeriodWindow, settings: ValueSettings
) -> tuple[PeriodScores, aggregates.CustomerBase]:
    base = aggregates.customer_base(period_end=period_end)
    days = aggregates.order_days(base=base, period_end=period_end)
    contacts = aggregates.contact_counts(base=base, first_day=window.start, last_day=window.end)
    before = aggregates.contact_counts(
        base=base, first_day=window.previous_start, last_day=window.start
    )
    scores = score_period(
        base=base,
        days=days,
        contacts_in_period=contacts.in_window,
        in_contact=contacts.ever,
        in_contact_before=before.ever,
        window=window,
        settings=settings,
    )
    return scores, base


FLOAT_COLUMNS = frozenset({"p_alive", "expected_purchases", "churn_risk"})


def _column_values(name: str, values: NDArray[Any]) -> list[Any]:
    """Python values for one snapshot column: cents for money, None for 'never', ints for
    counts and codes."""
    result: list[Any]
    if name in MONEY_COLUMNS:
        result = np.round(values.astype(np.float64), 2).tolist()
    elif name == "recency_days":
        result = [int(v) if np.isfinite(v) else None for v in values]
    elif values.dtype == bool or name in FLOAT_COLUMNS:
        result = values.tolist()
    else:
        result = values.astype(np.int64).tolist()
    return result
    if np.issubdtype(values.dtype, np.floating) and name not in {
        "p_alive",
        "expected_purchases",
        "churn_risk",
    }:
        return values.astype(np.int64).tolist()
    return values.tolist()


def _write_snapshots(
    *, run: ScoreRun, base: aggregates.CustomerBase, scores: PeriodScores, progress: Progress | None
) -> None:
    names = list(scores.columns)
    columns = [_column_values(name, scores.columns[name]) for name in names]
    customer_ids = base.ids.tolist()
    field_names = ["run_id", "period_end", "customer_id", *names]
    if connection.vendor == "postgresql":
        _copy_postgresql(run, field_names, customer_ids, columns, progress)
        return
    for start in range(0, len(customer_ids), BATCH):
        stop = min(start + BATCH, len(customer_ids))
        CustomerSnapshot.objects.bulk_create(
            [
                CustomerSnapshot(
                    run_id=run.pk,
                    period_end=run.period_end,
                    customer_id=customer_ids[i],
                    **{name: column[i] for name, column in zip(names, columns, strict=True)},
                )
                for i in range(start, stop)
            ]
        )
        if progress:
            progress(stop - start)


def _db_column(name: str) -> str:
    field = CustomerSnapshot._meta.get_field(name.removesuffix("_id"))
    column = getattr(field, "column", None)
    if not isinstance(column, str):
        raise ValueError(f"{name} is not a column of CustomerSnapshot")
    return column


def _copy_postgresql(
    run: ScoreRun,
    field_names: list[str],
    customer_ids: list[int],
    columns: list[list[Any]],
    progress: Progress | None,
) -> None:
    table = CustomerSnapshot._meta.db_table
    db_columns = [_db_column(name) for name in field_names]
    statement = f"COPY {table} ({', '.join(db_columns)}) FROM STDIN"
    period = run.period_end.isoformat()
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for start in range(0, len(customer_ids), BATCH):
            stop = min(start + BATCH, len(customer_ids))
            for i in range(start, stop):
                copy.write_row((run.pk, period, customer_ids[i], *(col[i] for col in columns)))
            if progress:
                progress(stop - start)
