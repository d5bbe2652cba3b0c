"""Writes of the value engine: one score run per period end, snapshots in bulk."""

from __future__ import annotations

import calendar
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import Field
from django.utils import timezone
from numpy.typing import NDArray

from relata.analytics.influence import COMPONENTS, DEFAULT_WEIGHTS
from relata.scoring import aggregates, pgcopy
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
        "advocacy_value",
        "holistic_value",
    }
)
BATCH = 5_000  # rows per executemany on SQLite
COPY_BATCH = 100_000  # rows per block of the binary COPY on PostgreSQL

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
        reach_rate=float(stored.reach_rate),
        reach_conversion=float(stored.reach_conversion),
        reach_customer_value=(
            None if stored.reach_customer_value is None else float(stored.reach_customer_value)
        ),
        influence_weights=influence_weights(stored.influence_weights),
    )


def influence_weights(stored: Any) -> dict[str, float]:
    """The four weights of the influence score from the stored JSON; a missing or unreadable
    one takes its default (the settings form never stores such a value)."""
    weights = dict(DEFAULT_WEIGHTS)
    if isinstance(stored, dict):
        for name in COMPONENTS:
            try:
                weights[name] = float(stored[name])
            except (KeyError, TypeError, ValueError):
                continue
    return weights


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


class PhaseTimer:
    """Wall-clock seconds per phase of a score run, stored with the run (``model_fit
    ["timings"]``) and logged at DEBUG, so an administrator can see where the time goes."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._started = time.perf_counter()

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started

    def as_dict(self) -> dict[str, float]:
        return {
            **{name: round(seconds, 3) for name, seconds in self.seconds.items()},
            "total": round(time.perf_counter() - self._started, 3),
        }


def score_run_create(*, period_end: date, progress: Progress | None = None) -> ScoreRun:
    """Score every customer for the period ending on ``period_end`` (inclusive).

    Idempotent per period: a new complete run replaces the earlier complete run of the same
    period in the same transaction, so readers see either the old or the new snapshots.
    Phases, in ``model_fit["timings"]`` (seconds): ``read`` (SQL and turning its rows into
    arrays), ``analytics`` (the analytics core and the period summary), ``replace``
    (deleting the earlier run of the period), ``write`` (the snapshots), ``commit``.
    """
    timer = PhaseTimer()
    stored = ScoringSettings.current()
    settings = value_settings(stored)
    window = period_window(period_end=period_end, months=stored.period_months)
    run = ScoreRun.objects.create(
        period_end=period_end,
        settings_used={**settings.__dict__, "period_months": stored.period_months},
    )
    try:
        scores, base = _compute(
            period_end=period_end, window=window, settings=settings, timer=timer
        )
        with timer.phase("analytics"):
            summary = run_summary(scores.columns)
        with transaction.atomic():
            with timer.phase("replace"):
                _delete_complete_runs(period_end=period_end)
            with timer.phase("write"):
                _write_snapshots(run=run, base=base, scores=scores, progress=progress)
                run.status = RunStatus.COMPLETE
                run.finished_at = timezone.now()
                run.customers = int(base.ids.size)
                run.model_fit = scores.model_fit | {"retention_by_tier": scores.retention_by_tier}
                run.summary = summary
                run.settings_used = {**run.settings_used, **scores.influence_assumptions}
                run.save()
            committing = time.perf_counter()
        timer.seconds["commit"] = time.perf_counter() - committing
    except BaseException as error:
        ScoreRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        raise
    run.model_fit["timings"] = timer.as_dict()
    ScoreRun.objects.filter(pk=run.pk).update(model_fit=run.model_fit)
    logger.debug("score run %s (%s): %s", run.pk, period_end, run.model_fit["timings"])
    return run


def _delete_complete_runs(*, period_end: date) -> None:
    """Delete the complete run of the period with its snapshots. Snapshots have no dependants
    and no delete signals, so Django deletes them with one DELETE by run id, loading none."""
    ScoreRun.objects.filter(period_end=period_end, status=RunStatus.COMPLETE).delete()


def _compute(
    *, period_end: date, window: PeriodWindow, settings: ValueSettings, timer: PhaseTimer
) -> tuple[PeriodScores, aggregates.CustomerBase]:
    with timer.phase("read"):
        base = aggregates.customer_base(period_end=period_end)
        days = aggregates.order_days(base=base, period_end=period_end)
        contacts = aggregates.contact_counts(base=base, first_day=window.start, last_day=window.end)
        voice = aggregates.voice(base=base, period_end=period_end)
    with timer.phase("analytics"):
        scores = score_period(
            base=base,
            days=days,
            contacts_in_period=contacts.in_window,
            in_contact=contacts.ever,
            in_contact_before=contacts.before,
            window=window,
            settings=settings,
            voice=voice,
        )
    return scores, base


FLOAT_COLUMNS = frozenset(
    {"p_alive", "expected_purchases", "churn_risk", "attitudinal_loyalty", "behavioural_loyalty"}
)
# Columns where NaN means "unknown" and is stored as NULL.
NULLABLE_COLUMNS = frozenset({"nps_latest", "attitudinal_loyalty"})


def snapshot_column(
    name: str, values: NDArray[Any]
) -> tuple[NDArray[Any], NDArray[np.bool_] | None]:
    """Values of one snapshot column as stored, and where they are NULL (or None): money
    rounded to cents, days since the last purchase NULL for 'never', the latest NPS answer
    and attitudinal loyalty NULL where unknown (NaN), booleans and the float columns as they
    are, codes and counts as integers."""
    if name in MONEY_COLUMNS:
        return np.round(values.astype(np.float64), 2), None
    if name == "recency_days":
        never = ~np.isfinite(values)
        return np.where(never, 0, values).astype(np.int64), never
    if name in NULLABLE_COLUMNS:
        unknown = np.isnan(values.astype(np.float64))
        known = np.where(unknown, 0.0, values.astype(np.float64))
        if name in FLOAT_COLUMNS:
            return known, unknown
        return np.rint(known).astype(np.int64), unknown
    if values.dtype == bool:
        return values, None
    if name in FLOAT_COLUMNS:
        return values.astype(np.float64), None
    return values.astype(np.int64), None


def _write_snapshots(
    *, run: ScoreRun, base: aggregates.CustomerBase, scores: PeriodScores, progress: Progress | None
) -> None:
    columns = {name: snapshot_column(name, values) for name, values in scores.columns.items()}
    if connection.vendor == "postgresql":
        _copy_postgresql(run, base.ids, columns, progress)
    else:
        _insert_rows(run, base.ids, columns, progress)
    # Snapshots have no foreign key in the database (decision 0600): a customer deleted
    # since the read loses the snapshot just written, here, just before the commit.
    gone = base.ids[~aggregates.existing_customers(base.ids)]
    if gone.size:
        CustomerSnapshot.objects.filter(run=run, customer_id__in=gone.tolist()).delete()


def _db_column(name: str) -> str:
    field = CustomerSnapshot._meta.get_field(name.removesuffix("_id"))
    column = getattr(field, "column", None)
    if not isinstance(column, str):
        raise ValueError(f"{name} is not a column of CustomerSnapshot")
    return column


Columns = dict[str, tuple[NDArray[Any], NDArray[np.bool_] | None]]


def _insert_rows(
    run: ScoreRun, customer_ids: NDArray[np.int64], columns: Columns, progress: Progress | None
) -> None:
    """SQLite: executemany of plain tuples, a batch at a time."""
    names = ["run_id", "period_end", "customer_id", *columns]
    table = CustomerSnapshot._meta.db_table
    statement = (
        f"INSERT INTO {table} ({', '.join(_db_column(name) for name in names)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(names))})"
    )
    period = run.period_end.isoformat()
    with connection.cursor() as cursor:
        for start in range(0, customer_ids.size, BATCH):
            stop = min(start + BATCH, customer_ids.size)
            values: list[list[Any]] = []
            for array, null in columns.values():
                column = array[start:stop].tolist()
                if null is not None:
                    for i in np.flatnonzero(null[start:stop]).tolist():
                        column[i] = None
                values.append(column)
            size = stop - start
            rows = list(
                zip(
                    [run.pk] * size,
                    [period] * size,
                    customer_ids[start:stop].tolist(),
                    *values,
                    strict=True,
                )
            )
            cursor.executemany(statement, rows)
            if progress:
                progress(size)


def _copy_postgresql(
    run: ScoreRun, customer_ids: NDArray[np.int64], columns: Columns, progress: Progress | None
) -> None:
    """PostgreSQL: one binary COPY whose rows NumPy builds (see ``pgcopy``)."""
    n = customer_ids.size
    given: Columns = {
        "run_id": (np.full(n, run.pk, np.int64), None),
        "period_end": (np.full(n, aggregates.day_number(run.period_end), np.int64), None),
        "customer_id": (customer_ids, None),
        **columns,
    }
    pgcopy.copy_binary(
        CustomerSnapshot._meta.db_table,
        [
            pgcopy.Column(_db_column(name), _db_type(name), values, null)
            for name, (values, null) in given.items()
        ],
        batch=COPY_BATCH,
        progress=progress,
    )


def _db_type(name: str) -> str:
    field = CustomerSnapshot._meta.get_field(name.removesuffix("_id"))
    db_type = field.db_type(connection) if isinstance(field, Field) else None
    if not isinstance(db_type, str):
        raise ValueError(f"{name} is not a column of CustomerSnapshot")
    return db_type
