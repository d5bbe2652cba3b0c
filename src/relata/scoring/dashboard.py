"""Reads for the value pages: the dashboard and the customer-score card.

The dashboard reads one score run's stored ``summary`` (a few kilobytes of JSON written by
``relata score``) plus two short lists that partial indexes answer with LIMIT 20 — never a
scan of the run's snapshots — so it costs the same for a thousand customers as for a
million. Every number on it carries the query string of the customer list behind it
(``relata.scoring.drilldown``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from relata.accounts.visibility import visible_by_customer
from relata.analytics.migration import MigrationState
from relata.scoring.choices import (
    ChurnLevelChoice,
    GridChoice,
    RfmSegmentChoice,
    StageChoice,
    TierChoice,
)
from relata.scoring.drilldown import ACTIVE_TIER_CODES, LIST_FIELDS
from relata.scoring.labels import GRID_EXPLANATIONS, PLAYBOOKS, STATE_LABELS, V_STEPS
from relata.scoring.models import CustomerSnapshot, RunStatus, ScoreRun
from relata.scoring.selectors import customer_snapshots, latest_run
from relata.scoring.services import months_before

LIST_LIMIT = 20
#: An influence score from this value on counts as influential; the partial index
#: ``snapshot_run_influence_idx`` holds exactly these rows of each run.
INFLUENTIAL = 50
#: "Low spend, high influence": influential and not in the Top or Big tier (Medium, Small,
#: inactive, prospect or suspect), the customers purchase-only scoring ranks low.
HIGH_SPEND_TIERS: tuple[int, ...] = (TierChoice.TOP, TierChoice.BIG)
LOW_SPEND_TIERS: tuple[int, ...] = tuple(t for t in TierChoice.values if t not in HIGH_SPEND_TIERS)
INFLUENCER_LIMIT = 10

# ---------------------------------------------------------------------------- runs


def dashboard_run(*, run_id: int | None = None) -> ScoreRun | None:
    """The complete run to show: the one asked for, else the latest. None if there is none."""
    if run_id is None:
        return latest_run()
    return ScoreRun.objects.filter(pk=run_id, status=RunStatus.COMPLETE).first()


def period_choices() -> list[tuple[int, Any]]:
    """(run id, period end) of every complete run, newest first, for the period selector."""
    return list(
        ScoreRun.objects.filter(status=RunStatus.COMPLETE)
        .order_by("-period_end")
        .values_list("pk", "period_end")
    )


# ---------------------------------------------------------------------------- dashboard


@dataclass(frozen=True)
class CountRow:
    code: int
    label: StrOrPromise
    customers: int
    pct: float
    query: str
    note: StrOrPromise = ""
    extra: str = ""


@dataclass(frozen=True)
class PyramidRow:
    tier: int
    label: StrOrPromise
    customers: int
    pct_customers: float
    revenue: float
    pct_revenue: float
    average: float
    query: str

    @property
    def active(self) -> bool:
        return self.tier in ACTIVE_TIER_CODES


@dataclass(frozen=True)
class MigrationCell:
    from_state: int
    to_state: int
    customers: int
    value_change: float
    query: str
    direction: str  # "up", "down", "same", "new", "lost" or "" (for colouring)


@dataclass(frozen=True)
class MigrationRow:
    label: StrOrPromise
    cells: list[MigrationCell]
    customers: int


@dataclass(frozen=True)
class RfmCell:
    r: int
    f: int
    customers: int
    query: str


@dataclass(frozen=True)
class ClvBin:
    low: float
    high: float | None  # None: open-ended (the last bin also holds everything above it)
    customers: int
    query: str


@dataclass(frozen=True)
class ModelCard:
    fitted: bool
    fallback: str
    customers: int
    time_unit: str
    bgnbd: dict[str, float]
    gamma_gamma: dict[str, float]
    repeat_customers: int
    converged: bool
    margin_ratio: float | None
    non_finite_scores: int
    retention: list[tuple[Any, float]]
    settings: dict[str, Any]


@dataclass(frozen=True)
class ParetoPoint:
    customers: float  # % of active customers, best first
    revenue: float  # % of revenue they bring


@dataclass
class Dashboard:
    run: ScoreRun
    period_start: date
    customers: int
    active_customers: int
    revenue: float
    pyramid: list[PyramidRow]
    top20_share: float
    pareto_points: list[ParetoPoint]
    migration: list[MigrationRow]
    migration_columns: list[StrOrPromise]
    risk_count: int
    cant_lose_count: int
    loss_making_count: int
    rfm_rows: list[tuple[int, list[RfmCell]]]
    rfm_segments: list[CountRow]
    clv_bins: list[ClvBin]
    lifecycle: list[CountRow]
    value_grid: list[CountRow]
    churn_levels: list[CountRow]
    model: ModelCard
    risk_customers: list[CustomerSnapshot] = field(default_factory=list)
    loss_making_customers: list[CustomerSnapshot] = field(default_factory=list)
    influencers: list[CustomerSnapshot] = field(default_factory=list)
    chart_data: dict[str, Any] = field(default_factory=dict)
    influence_threshold: int = INFLUENTIAL


def _pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 2) if whole else 0.0


def _count_rows(
    counts: dict[str, int],
    choices: type[Any],
    param: str,
    total: int,
    *,
    notes: dict[int, StrOrPromise] | None = None,
    extras: dict[int, str] | None = None,
    skip: Iterable[int] = (),
) -> list[CountRow]:
    rows = []
    for code, label in choices.choices:
        if code in skip:
            continue
        n = int(counts.get(str(code), 0))
        rows.append(
            CountRow(
                code=code,
                label=label,
                customers=n,
                pct=_pct(n, total),
                query=f"{param}={code}",
                note=(notes or {}).get(code, ""),
                extra=(extras or {}).get(code, ""),
            )
        )
    return rows


def _direction(source: int, target: int) -> str:
    active = MigrationState.SMALL
    if source <= active and target <= active:
        return "up" if target < source else ("same" if target == source else "down")
    if source > active and target <= active:
        return "new"
    if source <= active < target:
        return "lost"
    return ""


def _migration(summary: dict[str, Any]) -> list[MigrationRow]:
    moved = summary.get("migration", {})
    counts = moved.get("counts") or [[0] * 6 for _i in range(6)]
    change = moved.get("value_change") or [[0.0] * 6 for _i in range(6)]
    rows = []
    for source in MigrationState:
        cells = [
            MigrationCell(
                from_state=int(source),
                to_state=int(target),
                customers=int(counts[source][target]),
                value_change=float(change[source][target]),
                query=f"from_state={int(source)}&to_state={int(target)}",
                direction=_direction(int(source), int(target)),
            )
            for target in MigrationState
        ]
        rows.append(
            MigrationRow(
                label=STATE_LABELS[source], cells=cells, customers=sum(c.customers for c in cells)
            )
        )
    return rows


def _clv_bins(summary: dict[str, Any]) -> list[ClvBin]:
    histogram = summary.get("clv_histogram") or {}
    edges: list[float] = histogram.get("edges") or []
    counts: list[float] = histogram.get("counts") or []
    bins = []
    for i, n in enumerate(counts):
        low = float(edges[i])
        last = i == len(counts) - 1
        high = None if last else float(edges[i + 1])
        query = "active=1" + (f"&clv_min={low:.2f}" if i else "")
        if high is not None:
            query += f"&clv_max={high:.2f}"
        bins.append(ClvBin(low=low, high=high, customers=int(n), query=query))
    return bins


PARETO_MARKS = (1.0, 5.0, 10.0, 20.0, 50.0)


def _pareto_points(pareto: dict[str, Any]) -> list[ParetoPoint]:
    """Share of revenue of the best 1, 5, 10, 20 and 50% of active customers, read off the
    stored curve (the 20% point is the exact figure the run stored)."""
    x = np.asarray(pareto.get("customer_share") or [0.0], dtype=np.float64)
    y = np.asarray(pareto.get("value_share") or [0.0], dtype=np.float64)
    if x.size < 2:
        return []
    points = []
    for mark in PARETO_MARKS:
        share = float(np.interp(mark / 100, x, y))
        if mark == 20.0 and "top20_share" in pareto:
            share = float(pareto["top20_share"])
        points.append(ParetoPoint(customers=mark, revenue=round(100 * share, 1)))
    return points


def _model_card(run: ScoreRun) -> ModelCard:
    fit = run.model_fit or {}
    bg = fit.get("bgnbd") or {}
    gg = fit.get("gamma_gamma") or {}
    retention = [
        (TierChoice(int(code)).label, round(100.0 * float(share), 1))
        for code, share in sorted((fit.get("retention_by_tier") or {}).items())
        if int(code) in TierChoice.values
    ]
    settings = run.settings_used or {}
    return ModelCard(
        fitted="fallback" not in fit and bool(bg),
        fallback=str(fit.get("fallback", "")),
        customers=int(fit.get("customers", 0) or 0),
        time_unit=str(fit.get("time_unit", "week")),
        bgnbd={k: float(bg[k]) for k in ("r", "alpha", "a", "b") if k in bg},
        gamma_gamma={k: float(gg[k]) for k in ("p", "q", "v") if k in gg},
        repeat_customers=int(bg.get("repeat_customers", 0) or 0),
        converged=bool(bg.get("converged", False)) and bool(gg.get("converged", False)),
        margin_ratio=float(fit["margin_ratio"]) if "margin_ratio" in fit else None,
        non_finite_scores=int(fit.get("non_finite_scores", 0) or 0),
        retention=retention,
        settings={
            "period_months": settings.get("period_months"),
            "by_margin": bool(settings.get("by_margin", False)),
            "top": 100 * float(settings.get("top", 0.0)),
            "big": 100 * float(settings.get("big", 0.0)),
            "medium": 100 * float(settings.get("medium", 0.0)),
            "discount_rate": 100 * float(settings.get("discount_rate", 0.0)),
            "horizon_months": settings.get("horizon_months"),
        },
    )


def risk_customers(
    *, run: ScoreRun, limit: int = LIST_LIMIT, viewer: Any = None
) -> list[CustomerSnapshot]:
    """Risk customers (moved down, lost, or value fell: the same set as the "all" link),
    can't-lose first, then by churn risk and revenue. Answered by the partial index
    ``snapshot_run_risk_idx``."""
    return list(
        visible_by_customer(viewer, CustomerSnapshot.objects.filter(run=run, risk=True))
        .select_related("customer")
        .only(*LIST_FIELDS, "movement")
        .order_by("-cant_lose", "-churn_risk", "-revenue")[:limit]
    )


def loss_making_customers(
    *, run: ScoreRun, limit: int = LIST_LIMIT, viewer: Any = None
) -> list[CustomerSnapshot]:
    """Loss-making customers, biggest loss first (partial index ``snapshot_run_loss_idx``)."""
    return list(
        visible_by_customer(viewer, CustomerSnapshot.objects.filter(run=run, loss_making=True))
        .select_related("customer")
        .only(*LIST_FIELDS, "cost_to_serve", "margin")
        .order_by("profit")[:limit]
    )


def low_spend_influencers(
    *, run: ScoreRun, limit: int = INFLUENCER_LIMIT, viewer: Any = None
) -> list[CustomerSnapshot]:
    """The most influential customers outside the Top and Big tiers, highest score first:
    the ones purchase-only scoring misses. The partial index ``snapshot_run_influence_idx``
    on (run, influence score ≥ 50) answers it with LIMIT, reading only influential rows."""
    influential = CustomerSnapshot.objects.filter(
        run=run, influence_score__gte=INFLUENTIAL, tier__in=LOW_SPEND_TIERS
    )
    return list(
        visible_by_customer(viewer, influential)
        .select_related("customer")
        .only(*LIST_FIELDS, "influence_score", "advocacy_value", "holistic_value")
        .order_by("-influence_score", "-id")[:limit]
    )


def dashboard_build(*, run: ScoreRun, viewer: Any = None) -> Dashboard:
    """The run's figures (whole book) and its short lists of customers (those ``viewer`` may
    see)."""
    summary: dict[str, Any] = run.summary or {}
    total = int(summary.get("customers", run.customers))
    pyramid = [
        PyramidRow(
            tier=int(row["tier"]),
            label=TierChoice(int(row["tier"])).label,
            customers=int(row["customers"]),
            pct_customers=float(row["pct_customers"]),
            revenue=float(row["revenue"]),
            pct_revenue=float(row["pct_revenue"]),
            average=float(row["average"]),
            query=f"tier={int(row['tier'])}",
        )
        for row in summary.get("pyramid", [])
    ]
    grid = summary.get("rfm_grid") or [[0] * 5 for _i in range(5)]
    rfm_rows = [
        (r, [RfmCell(r, f, int(grid[r - 1][f - 1]), f"r={r}&f={f}") for f in range(1, 6)])
        for r in range(5, 0, -1)
    ]
    settings = run.settings_used or {}
    dashboard = Dashboard(
        run=run,
        period_start=months_before(run.period_end, int(settings.get("period_months", 12))),
        customers=total,
        active_customers=int(summary.get("active_customers", 0)),
        revenue=float(summary.get("revenue", 0.0)),
        pyramid=pyramid,
        top20_share=100.0 * float(summary.get("pareto", {}).get("top20_share", 0.0)),
        pareto_points=_pareto_points(summary.get("pareto", {})),
        migration=_migration(summary),
        migration_columns=[STATE_LABELS[s] for s in MigrationState],
        risk_count=int(summary.get("migration", {}).get("risk_customers", 0)),
        cant_lose_count=int(summary.get("cant_lose", 0)),
        loss_making_count=int(summary.get("loss_making", 0)),
        rfm_rows=rfm_rows,
        rfm_segments=_count_rows(
            summary.get("rfm_segments", {}), RfmSegmentChoice, "rfm_segment", total
        ),
        clv_bins=_clv_bins(summary),
        lifecycle=_count_rows(
            summary.get("lifecycle", {}),
            StageChoice,
            "stage",
            total,
            notes=PLAYBOOKS,
            extras=V_STEPS,
        ),
        value_grid=_count_rows(
            summary.get("value_grid", {}), GridChoice, "grid", total, notes=GRID_EXPLANATIONS
        ),
        churn_levels=_count_rows(
            summary.get("churn_levels", {}), ChurnLevelChoice, "churn_level", total
        ),
        model=_model_card(run),
        risk_customers=risk_customers(run=run, viewer=viewer),
        loss_making_customers=loss_making_customers(run=run, viewer=viewer),
        influencers=low_spend_influencers(run=run, viewer=viewer),
    )
    dashboard.chart_data = _chart_data(dashboard, summary)
    return dashboard


def _chart_data(dashboard: Dashboard, summary: dict[str, Any]) -> dict[str, Any]:
    """Everything the chart script needs, translated here (it has no other text)."""
    pareto = summary.get("pareto", {})
    active_pyramid = dashboard.pyramid
    return {
        "labels": {
            "customers": str(_("Customers")),
            # xgettext:no-python-format
            "pct_customers": str(_("% of customers")),
            # xgettext:no-python-format
            "pct_revenue": str(_("% of revenue")),
            "revenue_share": str(_("Share of revenue")),
            "customer_share": str(_("Share of customers (best first)")),
            "equality": str(_("Equal shares")),
            "top20": str(_("Top 20%")),
            "previous": str(_("Previous period")),
            "current": str(_("This period")),
            "recency": str(_("R score (recency)")),
            "frequency": str(_("F score (frequency)")),
            "clv": str(_("CLV (BG/NBD + Gamma-Gamma)")),
            "value_change": str(_("Revenue change")),
        },
        "pyramid": [
            {
                "label": str(row.label),
                "query": row.query,
                "customers": row.customers,
                "pct_customers": row.pct_customers,
                "pct_revenue": row.pct_revenue,
            }
            for row in active_pyramid
        ],
        "pareto": {
            "x": [round(100 * v, 2) for v in pareto.get("customer_share", [])],
            "y": [round(100 * v, 2) for v in pareto.get("value_share", [])],
            "top20": round(dashboard.top20_share, 1),
        },
        "migration": {
            "states": [str(s) for s in dashboard.migration_columns],
            "cells": [
                [c.to_state, c.from_state, c.customers, c.query, round(c.value_change, 2)]
                for row in dashboard.migration
                for c in row.cells
            ],
        },
        "rfm": [
            [c.f - 1, c.r - 1, c.customers, c.query] for _r, row in dashboard.rfm_rows for c in row
        ],
        "clv": [
            {"low": b.low, "high": b.high, "customers": b.customers, "query": b.query}
            for b in dashboard.clv_bins
        ],
        "lifecycle": [
            {"label": str(r.label), "customers": r.customers, "query": r.query}
            for r in dashboard.lifecycle
        ],
        "grid": [
            {"label": str(r.label), "customers": r.customers, "query": r.query, "code": r.code}
            for r in dashboard.value_grid
        ],
    }


# ---------------------------------------------------------------------------- customer card


def customer_score_context(*, customer_id: int) -> dict[str, Any]:
    """Context for the customer file: ``value_snapshots``, the customer's snapshots from
    complete runs, newest first. The file includes ``scoring/customer_scores.html`` with
    ``snapshots=value_snapshots``."""
    return {"value_snapshots": customer_snapshots(customer_id=customer_id)}
